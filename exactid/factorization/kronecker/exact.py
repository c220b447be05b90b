"""Exact hierarchical factorization of a matrix into a chainable Kronecker-sparse architecture.

At each node of an admissible tree of splits, the current matrix (compact, on the node's
product pattern) is cut into the blocks of the classes of the split (:class:`.layout.Split`);
every block must have rank at most ``r`` (the class size) and, in the non-degenerate case,
exactly ``r``.  Its exact rank-``r`` factorization gives the columns of the left part and the
rows of the right part; the algorithm recurses on both parts.

Arithmetic.  A rational matrix ``M = N / den`` is factored through its integer numerator
``N``: a block ``B`` of rank ``r`` with an invertible ``r × r`` submatrix ``B[I, J]`` is
``B = B[:, J] · (adj(B[I, J]) · B[I, :]) / det(B[I, J])`` (for ``r = 1``: pivot column times
pivot row over the pivot).  Both parts stay integral and the determinants are collected as
diagonal denominators between consecutive factors, so the factors are
``X_l = Y_l · diag(1/D_l)`` (``l < L``) and ``X_L = Y_L / den`` with integer ``Y_l``, ``D_l``.
Entries stay in int64 while they are below 2^31 (products checked without overflow), in
Python integers beyond.  Matrices of roots of unity ``ζ_n^E`` (the DFT) are factored on the
integer exponents mod ``n`` (classes of size 1 only: a rank-one block of roots of unity has
``e[r, c] = e[r, 0] + e[0, c] − e[0, 0] (mod n)``).

Outcomes (``KroneckerResult.status``): ``factorized`` (non-degenerate: the uniqueness theorem
of docs/kronecker.md applies); ``no_factorization`` (``witness``: a block of a root split with
rank > r, or an entry off the product pattern); ``not_identifiable`` (a factorization was found
in which a class block has rank below ``r``, factored with zero columns and rows padding it up
to ``r``; ``second`` is another factorization in which a free row of ``X_{l+1}`` or column of
``X_l`` is changed so that the rank of its class in that factor changes, an invariant of the
ambiguity group: ``invariant`` says where); ``degenerate`` (the theorem does not apply and no
second factorization was built; ``reason`` says why).

Examples
--------
>>> from exactid.domains import ExactMatrix
>>> from .architecture import monarch
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> arch = monarch(2, 3)
>>> x1, x2 = rng.integers(1, 5, (1, 2, 2, 3)), rng.integers(1, 5, (2, 3, 3, 1))
>>> from .layout import to_dense
>>> M = ExactMatrix.from_integers(to_dense(x1, arch.patterns[0]) @ to_dense(x2, arch.patterns[1]))
>>> res = factor_exact(M, arch)
>>> res.status, [f.shape for f in res.factors]
('factorized', [(1, 2, 2, 3), (2, 3, 3, 1)])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence, Union

import flint
import numpy as np

from ...domains import QQ
from ...domains.matrix import ExactMatrix
from ...errors import InputError
from ...resources import ensure_fits
from ..butterfly import Tree
from .architecture import Architecture, NodeInfo, Pattern, pair_product
from .layout import Split, from_dense, to_dense, walk_tree

_SMALL = 1 << 31  # entries below this multiply in int64 without overflow
_FMPQ = np.frompyfunc(lambda p, q: flint.fmpq(int(p), int(q)), 2, 1)


@dataclass
class Witness:
    """No factorization: ``kind`` ``"rank"`` (a block of the root split at ``level`` with a nonzero
    ``(r+1) × (r+1)`` minor on the global ``rows`` × ``cols``) or ``"outside"`` (a nonzero entry
    ``rows[0], cols[0]`` off the product pattern)."""

    kind: str
    level: int
    rows: list
    cols: list


@dataclass
class KroneckerResult:
    status: str
    arch: Architecture
    tree: Tree
    nodes: list
    factors: list = field(default_factory=list)
    encoding: str = "elements"
    conductor: int = 1
    witness: Optional[Witness] = None
    reason: str = ""
    second: Optional[list] = None
    changed: Optional[tuple] = None  # (factor, row or column k) changed in ``second``
    invariant: Optional[dict] = None  # node, member k, side, factor, ranks of the class before/after

    def dense_factors(self, which: Optional[list] = None) -> list:
        """The factors as dense object arrays (fmpq) or exponent arrays (-1 off the support)."""
        zero = -1 if self.encoding == "exponents" else flint.fmpq(0)
        fs = self.factors if which is None else which
        return [to_dense(f, p, zero) for f, p in zip(fs, self.arch.patterns)]

    def ambiguity(self) -> str:
        """The unavoidable ambiguity of the architecture for this tree, in words."""
        return ambiguity_text(self.nodes)


def ambiguity_text(nodes: Sequence[NodeInfo]) -> str:
    parts = []
    for nd in sorted(nodes, key=lambda n: n.l):
        if nd.rank == 1:
            parts.append(f"G_{nd.l} diagonal ({nd.left.cols} nonzero scalars)")
        else:
            parts.append(f"G_{nd.l} block-diagonal ({nd.classes} invertible {nd.rank}x{nd.rank} blocks on the classes)")
    if not parts:
        return "nothing (one factor: it is the matrix)"
    return "X_l -> G_{l-1}^{-1} X_l G_l with " + "; ".join(parts) + " (G_0 = G_L = I)"


class _Failure(Exception):
    def __init__(self, node: NodeInfo, block: int, rows: list, cols: list):
        super().__init__("rank")
        self.node, self.block, self.rows, self.cols = node, block, rows, cols


# --------------------------------------------------------------------------- integer arithmetic


def fit_integers(arr: np.ndarray) -> np.ndarray:
    """int64 when every entry is below 2^31 in absolute value, else Python integers (object)."""
    if arr.size == 0:
        return arr.astype(np.int64)
    if arr.dtype == object:
        big = max(abs(int(arr.max())), abs(int(arr.min())))
        return arr.astype(np.int64) if big < _SMALL else arr
    big = int(np.abs(arr).max())
    return arr if big < _SMALL else arr.astype(object)


def rank_one_integers(blocks: np.ndarray, node: NodeInfo, k0: int = 0):
    """Pivot rank-one factors of integer blocks ``(K, R, C)``: ``pivot·B = col ⊗ row``.

    Returns ``(cols (K,R,1), rows (K,1,C), pivots (K,), zero (K,) bool)``; zero blocks get zero
    factors and pivot 1.  Raises ``_Failure`` on a nonzero 2x2 minor.
    """
    K, R, C = blocks.shape
    nz = (blocks != 0).reshape(K, R * C)
    zero = ~nz.any(axis=1)
    flat = nz.argmax(axis=1)
    r0, c0 = flat // C, flat % C
    ks = np.arange(K)
    pivot = blocks[ks, r0, c0]
    cols = blocks[ks, :, c0]
    rows = blocks[ks, r0, :]
    if zero.any():
        pivot = pivot.copy()
        pivot[zero] = 1
    bad = cols[:, :, None] * rows[:, None, :] != pivot[:, None, None] * blocks
    if bad.any():
        k, r, c = (int(x) for x in np.argwhere(bad)[0])
        raise _Failure(node, k0 + k, [int(r0[k]), r], [int(c0[k]), c])
    return cols[:, :, None], rows[:, None, :], pivot, zero


def rank_r_integers(blocks: np.ndarray, node: NodeInfo, r: int):
    """Rank-``r`` factors of integer blocks, one class at a time (python-flint).

    ``B = B[:, J] · (adj(B[I, J]) · B[I, :]) / det(B[I, J])``; raises ``_Failure`` with an
    invertible ``(r+1) × (r+1)`` submatrix when the rank exceeds ``r``.  A block of rank
    ``ρ < r`` is factored at rank ``ρ`` and padded with ``r − ρ`` zero columns (left) and zero
    rows (right); the returned mask ``(K, r)`` marks those padded positions.
    """
    K, R, C = blocks.shape
    lefts = np.zeros((K, R, r), dtype=object)
    rights = np.zeros((K, r, C), dtype=object)
    dets = np.ones(K, dtype=object)
    pad = np.zeros((K, r), dtype=bool)
    for k in range(K):
        B = flint.fmpz_mat([[int(x) for x in row] for row in blocks[k]])
        rank = B.rank()
        pad[k, rank:] = True
        if rank == 0:
            continue
        J = _pivot_columns(B)[: min(rank, r + 1)]
        sub = flint.fmpz_mat([[B[i, j] for j in J] for i in range(R)])
        I = _pivot_columns(sub.transpose())[: len(J)]
        if rank > r:
            raise _Failure(node, k, list(I), list(J))
        core = flint.fmpz_mat([[B[i, j] for j in J] for i in I])
        det = core.det()
        adj = (core.inv() * det)  # fmpq_mat with integer entries
        rows_I = flint.fmpq_mat([[B[i, j] for j in range(C)] for i in I])
        right = adj * rows_I
        lefts[k, :, :rank] = [[int(B[i, j]) for j in J] for i in range(R)]
        rights[k, :rank] = [[int(right[i, j].p) for j in range(C)] for i in range(rank)]
        dets[k] = int(det)
    return lefts, rights, dets, pad


def _pivot_columns(mat: flint.fmpz_mat) -> list[int]:
    rref, rank = flint.fmpq_mat(mat).rref()
    out, col = [], 0
    for i in range(rank):
        while rref[i, col] == 0:
            col += 1
        out.append(col)
    return out


# --------------------------------------------------------------------------- roots of unity


def rank_one_exponents(blocks: np.ndarray, node: NodeInfo, conductor: int):
    """Rank-one factors of blocks of roots of unity ``ζ_n^e`` (integer exponents mod n)."""
    w = blocks.astype(np.int64, copy=False)
    cols = w[:, :, 0]
    rows = (w[:, 0, :] - w[:, 0:1, 0]) % conductor
    bad = (cols[:, :, None] + rows[:, None, :] - w) % conductor != 0
    if bad.any():
        k, r, c = (int(x) for x in np.argwhere(bad)[0])
        raise _Failure(node, k, [0, r], [0, c])
    return cols[:, :, None], rows[:, None, :], None, np.zeros(len(w), dtype=bool)


# --------------------------------------------------------------------------- driver


def _inner_vector(sp: Split, per_class: np.ndarray) -> np.ndarray:
    """A per-class value spread over the inner indices (column order of the left part)."""
    K, (b, c2), r = sp.classes, sp.block_shape, sp.rank
    per = np.asarray(per_class)
    fake = np.ascontiguousarray(np.broadcast_to(per.reshape(K, 1, 1), (K, b, r)))
    left, _ = sp.parts(fake, np.zeros((K, r, c2), dtype=per.dtype))
    return left[:, 0].reshape(-1)


def inner_index(sp: Split) -> np.ndarray:
    """``(K, r)``: the inner index (column of the left pattern) of position ``m`` of class ``P``."""
    K, (b, c2), r = sp.classes, sp.block_shape, sp.rank
    ids = np.ascontiguousarray(np.broadcast_to(np.arange(K * r).reshape(K, 1, r), (K, b, r)))
    left, _ = sp.parts(ids, np.zeros((K, r, c2), dtype=np.int64))
    out = np.empty(K * r, dtype=np.int64)
    out[left[:, 0].reshape(-1)] = np.arange(left[:, 0].size)
    return out.reshape(K, r)


def _run(root: np.ndarray, arch: Architecture, tree: Tree, nodes: list, encoding: str, conductor: int):
    """Factor ``root`` (compact on the product pattern); returns (factors, mids, zeros)."""
    mids: dict = {}
    zeros: list = []

    def split(info: NodeInfo, sp: Split, values: np.ndarray):
        blocks = sp.blocks(values)
        if encoding == "exponents":
            lefts, rights, dens, zero = rank_one_exponents(blocks, info, conductor)
        elif info.rank == 1:
            lefts, rights, dens, zero = rank_one_integers(blocks, info)
        else:
            lefts, rights, dens, zero = rank_r_integers(blocks, info, info.rank)
        U, W = sp.parts(lefts, rights)
        if dens is not None:
            mids[info.l] = _inner_vector(sp, dens)
        if zero.any():  # padded (zero) columns of the left part, as inner indices of the split
            zeros.append((info, [int(k) for k in inner_index(sp)[zero.reshape(len(zero), -1)]]))
        if encoding != "exponents":
            U, W = fit_integers(np.ascontiguousarray(U)), fit_integers(np.ascontiguousarray(W))
        return U, W

    factors = walk_tree(tree, root, nodes, arch.L, f"kronecker {arch.name}", split)
    return factors, mids, zeros


def _root_witness(root: np.ndarray, arch: Architecture, top: Pattern, encoding: str, conductor: int,
                  first: int) -> Optional[Witness]:
    """A block of rank > r in some root split ``1..l | l+1..L`` (the tree's first)."""
    for l in [first] + [x for x in range(1, arch.L) if x != first]:
        try:
            left = fold(arch.patterns[:l])
            right = fold(arch.patterns[l:])
        except InputError:
            continue
        got = pair_product(left, right)
        if got is None or got[0] != top:
            continue
        sp = Split(left, right)
        info = NodeInfo(1, l, arch.L, left, right, got[0], got[1])
        blocks = sp.blocks(root)
        try:
            if encoding == "exponents":
                rank_one_exponents(blocks, info, conductor)
            elif got[1] == 1:
                rank_one_integers(blocks, info)
            else:
                rank_r_integers(blocks, info, got[1])
        except _Failure as fail:
            rows, cols = block_indices(sp, fail.block)
            return Witness("rank", l, [int(rows[i]) for i in fail.rows], [int(cols[j]) for j in fail.cols])
    return None


def fold(patterns: Sequence[Pattern]) -> Pattern:
    """Pattern of ``S_1 ⋯ S_m`` folded left to right (each pair must be chainable)."""
    acc = patterns[0]
    for p in patterns[1:]:
        got = pair_product(acc, p)
        if got is None:
            raise InputError(f"{acc} and {p} are not chainable")
        acc = got[0]
    return acc


def block_indices(sp: Split, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Global row and column indices (in the product pattern) of block ``k`` of a split."""
    P = sp.product
    a, b, c, d = P.as_tuple()
    ia, ib, idd = np.meshgrid(np.arange(a), np.arange(b), np.arange(d), indexing="ij")
    rows_of = ((ia * b + ib) * d + idd)[:, :, None, :] + np.zeros((1, 1, c, 1), dtype=np.int64)
    ja, jc, jd = np.meshgrid(np.arange(a), np.arange(c), np.arange(d), indexing="ij")
    cols_of = ((ja * c + jc) * d + jd)[:, None, :, :] + np.zeros((1, b, 1, 1), dtype=np.int64)
    rb, cb = sp.blocks(rows_of)[k], sp.blocks(cols_of)[k]
    return rb[:, 0], cb[0, :]


def _rank(rows: list) -> int:
    return flint.fmpq_mat(rows).rref()[1] if rows and rows[0] else 0


def class_members(info: NodeInfo, k: int) -> np.ndarray:
    """The class of inner index ``k`` at a node: the indices with the same rank-one support."""
    (a, _, c, d), (a2, b2, _, d2) = info.left.as_tuple(), info.right.as_tuple()
    i = np.arange(a * c * d)
    key = ((i // (c * d)) * d + i % d) * (a2 * d2) + (i // (b2 * d2)) * d2 + i % d2
    return np.nonzero(key == key[k])[0]


def _change_one(factors: list, arch: Architecture, info: NodeInfo, k: int, side: str):
    """Replace row ``k`` of ``X_{l+1}`` (``side`` rows; column ``k`` of ``X_l`` must vanish) or column ``k``
    of ``X_l`` (``side`` columns; row ``k`` of ``X_{l+1}`` must vanish) so that the rank of the class
    ``P`` of ``k`` in that factor changes.  Returns ``(second, invariant)`` or ``None``."""
    l = info.l
    f, g = (l, l - 1) if side == "rows" else (l - 1, l)  # changed factor, factor that must vanish at k
    _, B, C, D = arch.patterns[f].as_tuple()
    _, gb, gc, gd = arch.patterns[g].as_tuple()
    if side == "rows":  # column k of X_l; the rows P of X_{l+1} are (α, β, δ) in radix (a, B, D)
        free = factors[g][k // (gc * gd), :, (k // gd) % gc, k % gd]
        radix = B
    else:  # row k of X_{l+1}; the columns P of X_l are (α, γ, δ) in radix (a, C, D)
        free = factors[g][k // (gb * gd), (k // gd) % gb, :, k % gd]
        radix = C
    P = class_members(info, k)
    al, mid, de = P // (radix * D), (P // D) % radix, P % D
    if any(x != 0 for x in free) or len(set(zip(al.tolist(), de.tolist()))) != 1:
        return None
    V = factors[f]
    plane = V[al[0], :, :, de[0]]  # (B, C): the values of the class's rows / columns
    block = plane[mid, :] if side == "rows" else plane[:, mid].T
    vecs = [list(v) for v in block]
    pos = int(np.nonzero(P == k)[0][0])
    others = vecs[:pos] + vecs[pos + 1:]
    before = _rank(vecs)
    width = len(vecs[0])  # the support of row k (or column k): C (or B) entries
    zero, one = flint.fmpq(0), flint.fmpq(1)
    candidates = [[zero] * width, [one] * width] + [[one if j == i else zero for j in range(width)] for i in range(width)]
    for new in candidates:
        after = _rank(others + [new])
        if after != before:
            second = [x.copy() for x in factors]
            if side == "rows":
                second[f][al[0], mid[pos], :, de[0]] = new
            else:
                second[f][al[0], :, mid[pos], de[0]] = new
            return second, {"node": [info.p, l, info.q], "member": k, "side": side, "factor": f + 1,
                            "ranks": [before, after]}
    return None


def _second_factorization(factors: list, arch: Architecture, zeros: list):
    """A second factorization outside the ambiguity group, or ``(None, None)``.

    For an inner index ``k`` of the split at ``l`` padded with a zero column of the left part (so
    column ``k`` of ``X_l`` and row ``k`` of ``X_{l+1}`` vanish), row ``k`` of ``X_{l+1}`` is free:
    change it so that the rank of the rows of its class in ``X_{l+1}`` changes (else column ``k``
    of ``X_l``, the columns of its class).  The group keeps those ranks (docs/kronecker.md).
    """
    for side in ("rows", "columns"):
        for info, ks in zeros:
            for k in ks:
                got = _change_one(factors, arch, info, k, side)
                if got is not None:
                    return got
    return None, None


def _rational_factors(factors: list, mids: dict, arch: Architecture, den: int) -> list:
    out = []
    for l, (Y, p) in enumerate(zip(factors, arch.patterns), start=1):
        a, b, c, d = p.as_tuple()
        D = mids[l].reshape(a, 1, c, d) if l < arch.L else np.full((1, 1, 1, 1), den, dtype=object)
        Dfull = np.broadcast_to(D, Y.shape).astype(object)
        X = _FMPQ(Y.astype(object), Dfull)
        out.append(X)
    return out


def factor_exact(matrix: ExactMatrix, arch: Architecture, tree: Union[str, Tree, Any] = "balanced") -> KroneckerResult:
    """Exact hierarchical factorization of a rational matrix into ``arch`` along ``tree``.

    Parameters
    ----------
    matrix : ExactMatrix
        Over Q, of the architecture's shape.
    arch : Architecture
    tree : "balanced", "left", "right", a nested list or a Tree (must be admissible)

    Returns
    -------
    KroneckerResult
        Factors are compact object arrays of ``flint.fmpq`` (pattern shapes ``(a, b, c, d)``).
    """
    if matrix.field is not QQ:
        raise InputError("explicit matrices must be rational (use the named DFT for roots of unity)")
    if matrix.shape != arch.shape:
        raise InputError(f"the matrix is {matrix.shape[0]}x{matrix.shape[1]}, the architecture {arch.shape[0]}x{arch.shape[1]}")
    tree_obj = arch.tree(tree)
    top, nodes = arch.nodes(tree_obj)
    ensure_fits(24 * matrix.shape[0] * matrix.shape[1] + (64 << 20), "the exact Kronecker-sparse factorization")
    num = fit_integers(np.asarray(matrix.num[0]))
    den = int(matrix.den)
    return _decide(num, arch, tree_obj, top, nodes, "elements", 1, den)


def factor_roots_of_unity(exponents: np.ndarray, conductor: int, arch: Architecture,
                          tree: Union[str, Tree, Any] = "balanced") -> KroneckerResult:
    """Exact factorization of ``Z[i, j] = ζ_n^E[i, j]`` (every node's classes of size 1).

    >>> from .architecture import mixed_radix
    >>> from exactid.checker.named import dft_exponents
    >>> E = dft_exponents(6)[:, digit_reversal([2, 3])]
    >>> factor_roots_of_unity(E, 6, mixed_radix([2, 3])).status
    'factorized'
    """
    if exponents.shape != arch.shape:
        raise InputError(f"the matrix is {exponents.shape}, the architecture {arch.shape}")
    tree_obj = arch.tree(tree)
    top, nodes = arch.nodes(tree_obj)
    if any(nd.rank != 1 for nd in nodes):
        raise InputError("roots of unity are factored only on trees whose classes have size 1")
    if top.as_tuple() != (1, arch.shape[0], arch.shape[1], 1):
        raise InputError("a matrix of roots of unity has no zero entry: the product pattern must be full")
    E = np.asarray(exponents, dtype=np.int64) % conductor
    return _decide(E, arch, tree_obj, top, nodes, "exponents", conductor, 1)


def _decide(dense: np.ndarray, arch: Architecture, tree_obj: Tree, top: Pattern, nodes: list, encoding: str,
            conductor: int, den: int) -> KroneckerResult:
    base = dict(arch=arch, tree=tree_obj, nodes=nodes, encoding=encoding, conductor=conductor)
    if encoding != "exponents":
        outside = (dense != 0) & ~top.support()
        if outside.any():
            i, j = (int(x) for x in np.argwhere(outside)[0])
            return KroneckerResult("no_factorization", witness=Witness("outside", 0, [i], [j]),
                                   reason=f"entry ({i}, {j}) is nonzero off the product pattern {top}", **base)
    root = np.ascontiguousarray(from_dense(dense, top))
    if arch.L == 1:
        factors = [root] if encoding == "exponents" else _rational_factors([root], {}, arch, den)
        return KroneckerResult("factorized", factors=factors, **base)
    try:
        factors, mids, zeros = _run(root, arch, tree_obj, nodes, encoding, conductor)
    except _Failure as fail:
        witness = _root_witness(root, arch, top, encoding, conductor, nodes[0].l)
        if witness is not None:
            return KroneckerResult("no_factorization", witness=witness,
                                   reason=f"a block of the split at {witness.level} has rank above its class size", **base)
        where = fail.node
        return KroneckerResult("degenerate", reason=(
            f"block {fail.block} of the split {where.p}..{where.l} | {where.l + 1}..{where.q} has rank above its class size "
            f"{where.rank}, and every root split is blockwise of rank <= r: the theorem does not apply"), **base)
    if encoding == "exponents":
        return KroneckerResult("factorized", factors=[f % conductor for f in factors], **base)
    rational = _rational_factors(factors, mids, arch, den)
    if zeros:
        second, inv = _second_factorization(rational, arch, zeros)
        if second is not None:
            what = "row" if inv["side"] == "rows" else "column"
            return KroneckerResult("not_identifiable", factors=rational, second=second,
                                   changed=(inv["factor"], inv["member"]), invariant=inv, reason=(
                                       f"a class block of the split at {inv['node'][1]} is rank deficient: {what} "
                                       f"{inv['member']} of X_{inv['factor']} is free, and changing it changes the rank "
                                       f"of its class ({inv['ranks'][0]} -> {inv['ranks'][1]}), which the ambiguity "
                                       f"group keeps"), **base)
        return KroneckerResult("degenerate", factors=rational, reason=(
            f"a class block of the split at {zeros[0][0].l} is rank deficient: the theorem does not apply, and no "
            f"free row or column changes the rank of its class (the other members already span its support)"), **base)
    return KroneckerResult("factorized", factors=rational, **base)


def digit_reversal(radices: Sequence[int]) -> np.ndarray:
    """``perm[j] = Σ_l j_l r_1⋯r_{l-1}`` where ``j = Σ_l j_l r_{l+1}⋯r_L`` (mixed-radix digits of j).

    ``F_N[:, perm]`` (``F[i, j] = ζ_N^{-ij}``) factors in ``mixed_radix(radices)``; for radix 2
    this is the bit reversal.

    >>> digit_reversal([2, 2, 2]).tolist(), digit_reversal([2, 3]).tolist()
    ([0, 4, 2, 6, 1, 5, 3, 7], [0, 2, 4, 1, 3, 5])
    """
    rs = [int(r) for r in radices]
    N = int(np.prod(rs))
    j = np.arange(N, dtype=np.int64)
    out = np.zeros(N, dtype=np.int64)
    low, place = N, 1
    for r in rs:
        low //= r
        out += ((j // low) % r) * place
        place *= r
    return out
