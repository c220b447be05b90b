"""Two-layer sparse factorization identifiability (Z = X @ Y), docs/design.md, section 3.

Two decision procedures:

- :func:`decide_family` — the family "X has ≤ k nonzeros per column, Y ≤ k' per row, inner
  dimension r".  Each component has at most k·k' nonzero entries, so r·k·k' < nnz(Z) means
  no factorization; in the *tight-count* case r·k·k' = nnz(Z) every factorization is an
  exact cover of Z's nonzero entries by r disjoint k×k' blocks on which Z has rank one (the
  components' supports can neither overlap nor cancel), and the verdict follows from the
  number of such covers.
- :func:`decide_fixed` (in :mod:`exactid.factorization.fixed`) for a given pair with its own
  supports.

Candidate blocks come from *ratio classes* computed modulo a split prime p: rows i, i' of a
block agree on the ratio Z[i, j] / Z[i, j'] for every pair of the block's columns.  Equal
ratios stay equal mod p, so the modular candidates are a superset of the exact ones; every
block the verdict uses is then verified exactly (2×2 minors through a pivot vanish), and a
modular candidate that is not exactly rank one is excluded with a minor that is nonzero
mod a prime.

>>> from exactid.factorization.rootsums import named_root_sums
>>> from exactid.supports import SparsityFamily
>>> res = decide_family(named_root_sums("dft", 8), SparsityFamily(8, 8, 8, 4, 2))
>>> res.verdict, len(res.covers[0])
('identifiable', 8)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import combinations
from math import comb
from typing import Optional

import numpy as np

from ..domains.finite import Reduction
from ..errors import InputError, ResourceError
from ..supports import SparsityFamily
from ..supports.exactcover import exact_covers
from .rootsums import RootSumMatrix, reduction_for

__all__ = ["Block", "FamilyResult", "candidate_blocks", "decide_family", "block_is_rank_one",
           "DEFAULT_MAX_CANDIDATES"]

DEFAULT_MAX_CANDIDATES = 200_000

Block = tuple  # (rows: tuple[int, ...], cols: tuple[int, ...]), both sorted


@dataclass
class FamilyResult:
    """Outcome of :func:`decide_family`."""

    verdict: str  # identifiable | not_identifiable | no_factorization | undecided
    reason: str
    family: SparsityFamily
    reduction: Optional[Reduction] = None
    candidates: list = field(default_factory=list)  # modular candidate blocks
    excluded: list = field(default_factory=list)  # (block, (rows2, cols2), Reduction)
    covers: list = field(default_factory=list)  # exactly verified covers (lists of blocks)
    count: Optional[int] = None  # number of covers when counting was requested
    nonzeros: Optional[int] = None  # nnz(Z); below m*n when Z has zero entries
    timings: dict = field(default_factory=dict)


def _inverse_mod(a: np.ndarray, p: int) -> np.ndarray:
    """Elementwise inverse modulo p (entries nonzero), by Fermat with vectorized squaring."""
    result = np.ones_like(a)
    base = a % p
    e = p - 2
    while e:
        if e & 1:
            result = result * base % p
        base = base * base % p
        e >>= 1
    return result


def _runs(sorted_vals: np.ndarray, min_len: int) -> list[tuple[int, int, int]]:
    """Runs of equal values down each column of a column-sorted array: (col, start, stop)."""
    m, n = sorted_vals.shape
    if m < min_len or n == 0:
        return []
    flat = sorted_vals.T.ravel()
    start = np.ones(flat.shape, dtype=bool)
    start[1:] = flat[1:] != flat[:-1]
    start[::m] = True  # every column starts a run
    idx = np.flatnonzero(start)
    lengths = np.diff(np.r_[idx, flat.size])
    keep = np.flatnonzero(lengths >= min_len)
    return [(int(idx[t] // m), int(idx[t] % m), int(idx[t] % m + lengths[t])) for t in keep]


def candidate_blocks(residues: np.ndarray, p: int, k: int, kp: int,
                     max_candidates: int = DEFAULT_MAX_CANDIDATES) -> list[Block]:
    """All k×k' blocks without zero entries on which the residue matrix has rank one.

    Blocks are ``(rows, cols)`` tuples, sorted, in a deterministic order.  Raises
    :class:`ResourceError` when there are more than ``max_candidates``.
    """
    m, n = residues.shape
    if not (1 <= k <= m and 1 <= kp <= n):
        return []
    if k < kp:  # enumerate on the transpose: pairs along the longer side of a block
        return sorted((cols, rows) for rows, cols in candidate_blocks(residues.T, p, kp, k, max_candidates))
    out: list[Block] = []

    def emit(rows: np.ndarray, cols: tuple) -> None:
        total = comb(len(rows), k)
        if len(out) + total > max_candidates:
            raise ResourceError(f"more than {max_candidates} candidate blocks; raise the limit "
                                "or use a smaller instance")
        for sub in combinations(sorted(int(r) for r in rows), k):
            out.append((sub, cols))

    if kp == 1:  # every column vector without zero entries is rank one
        for j in range(n):
            emit(np.flatnonzero(residues[:, j]), (j,))
        return sorted(out)
    inv = _inverse_mod(residues, p)

    def extend(rows: np.ndarray, cols: tuple) -> None:
        if len(cols) == kp:
            emit(rows, cols)
            return
        first, last = cols[0], cols[-1]
        if last + 1 >= n:
            return
        block = residues[np.ix_(rows, np.arange(last + 1, n))]
        ratios = block * inv[rows, first][:, None] % p
        # a zero entry gets a value of its own (p + its row position): never in a run, as k >= kp >= 2
        ratios = np.where(block == 0, p + np.arange(len(rows))[:, None], ratios)
        order = np.argsort(ratios, axis=0, kind="stable")
        for col, a, b in _runs(np.take_along_axis(ratios, order, axis=0), k):
            extend(np.sort(rows[order[a:b, col]]), cols + (last + 1 + col,))

    for j0 in range(n - 1):
        rows = np.flatnonzero(residues[:, j0])  # blocks lie inside the support
        if len(rows) >= k:
            extend(rows, (j0,))
    return sorted(out)


def block_is_rank_one(Z: RootSumMatrix, blocks: list[Block]) -> np.ndarray:
    """Exactly, for each block, whether every 2×2 minor through its pivot (first row, first
    column) vanishes.  With nonzero entries this means the block has rank one."""
    r0, c0, ii, jj, owner = [], [], [], [], []
    for b, (rows, cols) in enumerate(blocks):
        R = np.asarray(rows[1:], dtype=np.int64)
        C = np.asarray(cols[1:], dtype=np.int64)
        if len(R) == 0 or len(C) == 0:
            continue
        gi, gj = np.meshgrid(R, C, indexing="ij")
        ii.append(gi.ravel())
        jj.append(gj.ravel())
        r0.append(np.full(gi.size, rows[0]))
        c0.append(np.full(gi.size, cols[0]))
        owner.append(np.full(gi.size, b))
    ok = np.ones(len(blocks), dtype=bool)
    if not ii:
        return ok
    vanish = Z.minors_vanish(np.concatenate(r0), np.concatenate(c0), np.concatenate(ii), np.concatenate(jj))
    ok[np.unique(np.concatenate(owner)[~vanish])] = False
    return ok


def _witness_minor(Z: RootSumMatrix, block: Block, start_index: int = 1) -> tuple:
    """A 2×2 minor of ``block`` through its pivot that is nonzero, with a prime proving it."""
    rows, cols = block
    for i in rows[1:]:
        for j in cols[1:]:
            if not Z.minors_vanish([rows[0]], [cols[0]], [i], [j])[0]:
                for index in range(start_index, start_index + 20):
                    red = reduction_for(Z.conductor, index)
                    A = Z.mod_p(red)
                    p = red.p
                    val = (int(A[rows[0], cols[0]]) * int(A[i, j]) - int(A[i, cols[0]]) * int(A[rows[0], j])) % p
                    if val:
                        return (rows[0], i), (cols[0], j), red
    raise AssertionError("no witness minor for a block that is not rank one")  # pragma: no cover


def decide_family(Z: RootSumMatrix, family: SparsityFamily, count: bool = False,
                  max_candidates: int = DEFAULT_MAX_CANDIDATES, max_count: Optional[int] = None) -> FamilyResult:
    """Decide identifiability of ``Z`` in a sparsity family with a tight count.

    Parameters
    ----------
    Z : RootSumMatrix
        The product (named or from data).
    family : SparsityFamily
        Shape must match ``Z``.
    count : bool
        Count all covers (otherwise stop at two, enough for the verdict).
    max_candidates : int
        Refuse (``undecided``) when the modular candidate set is larger.
    max_count : int, optional
        Cap for counting.
    """
    m, n = Z.shape
    if (family.m, family.n) != (m, n):
        raise InputError(f"the family is for {family.m}x{family.n} products, Z is {m}x{n}")
    k, kp, r = family.x_col_sparsity, family.y_row_sparsity, family.r
    timings: dict = {}
    t0 = time.perf_counter()
    red = reduction_for(Z.conductor)
    zero = _exact_zero_mask(Z, Z.mod_p(red))
    # A zero residue may hide a nonzero entry; try further primes until the residues vanish
    # exactly on the zero entries of Z.
    for index in range(8):
        red = reduction_for(Z.conductor, index)
        A = Z.mod_p(red)
        if A[~zero].all():
            break
    else:
        return FamilyResult("undecided", "could not find a prime where every nonzero entry of Z stays nonzero",
                            family, timings={"reduce": time.perf_counter() - t0})
    timings["reduce"] = time.perf_counter() - t0
    nnz = int((~zero).sum())
    result = FamilyResult("undecided", "", family, red, nonzeros=nnz)
    result.timings = timings
    if r * k * kp < nnz:  # each component has at most k k' nonzero entries
        result.verdict = "no_factorization"
        result.reason = f"Z has {nnz} nonzero entries, more than r*k*k' = {r * k * kp}"
        return result
    if r * k * kp > nnz:
        result.reason = (f"count is not tight: r*k*k' = {r * k * kp} > nnz(Z) = {nnz}; only the tight-count "
                         "case is decided")
        return result
    t0 = time.perf_counter()
    try:
        candidates = candidate_blocks(A, red.p, k, kp, max_candidates)
    except ResourceError as exc:
        result.reason = str(exc)
        result.timings = timings
        return result
    timings["candidates"] = time.perf_counter() - t0
    result.candidates = candidates
    active = list(candidates)
    universe = nnz
    cell = np.full(m * n, -1, dtype=np.int64)  # entry i*n + j -> its index among the nonzero entries
    cell[np.flatnonzero(~zero.ravel())] = np.arange(nnz)
    timings["search"] = timings["exact"] = 0.0
    while True:
        t0 = time.perf_counter()
        limit = max_count if count else 2
        covers = exact_covers(universe, [cell[_elements(b, n)].tolist() for b in active], limit)
        timings["search"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        used = sorted({b for cover in covers for b in cover})
        ok = block_is_rank_one(Z, [active[b] for b in used])
        timings["exact"] += time.perf_counter() - t0
        bad = [active[b] for b, good in zip(used, ok) if not good]
        if not bad:
            break
        for block in bad:  # a modular coincidence: prove it away and search again
            result.excluded.append((block,) + _witness_minor(Z, block, 1))
        bad_set = set(bad)
        active = [b for b in active if b not in bad_set]
    result.covers = [[active[b] for b in cover] for cover in covers]
    if count:
        result.count = len(covers)
    if not covers:
        result.verdict, result.reason = "no_factorization", "no exact cover of Z by rank-one k x k' blocks"
    elif len(covers) == 1:
        result.verdict, result.reason = "identifiable", "the exact cover by rank-one blocks is unique"
    else:
        result.verdict, result.reason = "not_identifiable", "two different exact covers by rank-one blocks"
    result.timings = timings
    return result


def _elements(block: Block, n: int) -> np.ndarray:
    rows, cols = block
    return np.array([i * n + j for i in rows for j in cols], dtype=np.int64)


def _exact_zero_mask(Z: RootSumMatrix, residues: np.ndarray) -> np.ndarray:
    """The entries of Z that are exactly zero (only entries with a zero residue are tested)."""
    from .rootsums import _sums_vanish

    mask = np.zeros(Z.shape, dtype=bool)
    zi, zj = np.nonzero(residues == 0)
    if len(zi):
        vanish = _sums_vanish(Z.conductor, Z.exps[:, zi, zj], Z.coeffs[:, zi, zj], len(zi))
        mask[zi[vanish], zj[vanish]] = True
    return mask


def covers_to_factors(Z: RootSumMatrix, cover: list[Block]):
    """An explicit factorization (X, Y) from a cover: x_i = Z[R, c0], y_i = Z[r0, C] / Z[r0, c0]."""
    from ..domains import ExactMatrix

    E = Z.to_exact()
    m, n = E.shape
    field = E.field
    zero = field.convert(0)
    X = [[zero] * len(cover) for _ in range(m)]
    Y = [[zero] * n for _ in range(len(cover))]
    for t, (rows, cols) in enumerate(cover):
        pivot = E.entry(rows[0], cols[0])
        for i in rows:
            X[i][t] = E.entry(i, cols[0])
        for j in cols:
            Y[t][j] = E.entry(rows[0], j) / pivot
    return ExactMatrix.from_rows(X, field), ExactMatrix.from_rows(Y, field)
