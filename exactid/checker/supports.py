"""Support and block facts for two-layer certificates.  A matrix is a sum of *root sums*:
entry (i, j) = sum_t coeffs[t][i, j] * zeta_c^exps[t][i, j] / den (named matrices from
:func:`named.root_sum_terms`, data matrices one term per power-basis coefficient)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from math import comb

import numpy as np

from .arith import check_root, index_list, integer, reduce_power_table
from .core import require
from .errors import Malformed
from .matrices import CMatrix

MAX_CANDIDATES = 200_000


@dataclass
class RootSums:
    conductor: int  # 1 for Q
    exps: np.ndarray  # (T, m, n)
    coeffs: np.ndarray  # (T, m, n), int64 or object
    den: int
    memo: dict = field(default_factory=dict, repr=False)  # (p, root) -> residues

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.exps.shape[1]), int(self.exps.shape[2])

    @classmethod
    def from_cmatrix(cls, M: CMatrix) -> "RootSums":
        coeffs = np.array([[int(x) for x in mat.entries()] for mat in M.num], dtype=object).reshape(len(M.num), M.rows, M.cols)
        # int64 only when every minor's partial sums stay far below 2^63 (else exact Python ints)
        big = max((abs(int(x)) for x in coeffs.flat), default=0) ** 2 * 2 * len(M.num) ** 2 * 64 >= 1 << 62
        exps = np.broadcast_to(np.arange(len(M.num), dtype=np.int64)[:, None, None], coeffs.shape).copy()
        return cls(M.conductor, exps, coeffs if big else coeffs.astype(np.int64), M.den)

    def residues(self, step: dict) -> tuple[int, np.ndarray]:
        """The step's p and the entries mod p (zeta_c -> the step's root); p < 2^31 for int64 products."""
        p, root = integer(step.get("p"), "p"), integer(step.get("root"), "root")
        check_root(self.conductor, p, root)
        require(p < 1 << 31, "vectorized reduction needs p < 2^31")
        require(self.den % p != 0, f"denominator divisible by p = {p}")
        if (p, root) not in self.memo:  # steps usually share one prime
            powers, acc = np.array([pow(root, t, p) for t in range(self.conductor)], dtype=np.int64), np.zeros(self.shape, int)
            for e, v in zip(self.exps, self.coeffs):
                acc = (acc + (v % p).astype(np.int64) * powers[e % self.conductor]) % p
            self.memo[p, root] = acc * pow(self.den, -1, p) % p
        return p, self.memo[p, root]

    def entries_vanish(self, ii, jj) -> np.ndarray:
        """Exactly: Z[i, j] == 0, per index pair."""
        return sums_vanish(self.conductor, self.exps[:, ii, jj], self.coeffs[:, ii, jj])

    def minors_vanish(self, r0, c0, ii, jj) -> np.ndarray:
        """Exactly: Z[r0,c0] Z[i,j] - Z[i,c0] Z[r0,j] == 0, per index tuple."""
        terms, es, vs = len(self.exps), [], []
        for a, b, sign in (((r0, c0), (ii, jj), 1), ((ii, c0), (r0, jj), -1)):  # every term of Z[a] times Z[b]
            es.append((self.exps[:, None, *a] + self.exps[None, :, *b]).reshape(terms * terms, -1))
            vs.append((self.coeffs[:, None, *a] * self.coeffs[None, :, *b] * sign).reshape(terms * terms, -1))
        return sums_vanish(self.conductor, np.concatenate(es), np.concatenate(vs))


def sums_vanish(c: int, exps: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Per column: is sum vals[:, q] * zeta_c^exps[:, q] zero in Q(zeta_c)?"""
    items = exps.shape[1]
    if c & (c - 1) == 0:
        half = max(c // 2, 1)
        e = exps % c
        keys = (np.arange(items)[None, :] * half + e % half).ravel()
        signed = (vals * np.where(e >= half, -1, 1) if c > 1 else vals).ravel()
        order = np.argsort(keys, kind="stable")
        keys, signed = keys[order], signed[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ok = np.ones(items, dtype=bool)
        if len(keys):
            ok[keys[starts][np.add.reduceat(signed, starts) != 0] // half] = False
        return ok
    table = np.array(reduce_power_table(c, c), dtype=np.int64)
    acc = np.zeros((items, table.shape[1]), dtype=vals.dtype)
    for e, v in zip(exps, vals):
        acc = acc + table[e % c] * v[:, None]
    return ~(acc != 0).any(axis=1)


def block(obj, m: int, n: int, what: str = "block") -> tuple:
    """A block ``{"rows": [...], "cols": [...]}`` as sorted tuples (nonempty, in range)."""
    if not isinstance(obj, dict):
        raise Malformed(f"{what}: expected {{'rows', 'cols'}}")
    rows, cols = index_list(obj.get("rows"), m, what), index_list(obj.get("cols"), n, what)
    if not rows or not cols:
        raise Malformed(f"{what}: empty block")
    return tuple(sorted(rows)), tuple(sorted(cols))


def blocks_rank_one(Z: RootSums, blocks: list) -> None:
    """Blocks of one shape: every 2x2 minor through a pivot (first row, column) vanishes (pivots: caller)."""
    if blocks:
        R, C = (np.array([b[t] for b in blocks]) for t in (0, 1))
        i, j, r0, c0 = (x.ravel() for x in np.broadcast_arrays(R[:, 1:, None], C[:, None, 1:], R[:, :1, None],
                                                                C[:, None, :1]))
        require(bool(Z.minors_vanish(r0, c0, i, j).all()), "a 2x2 minor through a block pivot does not vanish")


def is_exact_cover(blocks: list, m: int, n: int, support: np.ndarray) -> bool:
    """Pairwise disjoint blocks whose union is the support (an m x n mask)."""
    cells = np.concatenate([np.add.outer(np.asarray(r) * n, np.asarray(c)).ravel() for r, c in blocks] + [[]])
    return bool((np.bincount(cells.astype(np.int64), minlength=m * n) == support.ravel()).all())


def candidates_mod_p(A: np.ndarray, p: int, k: int, kp: int) -> list:
    """All k x k' blocks of rank one mod p without zero entries: a superset of the exact candidates."""
    m, n = A.shape
    if k < kp:
        return sorted((c, r) for r, c in candidates_mod_p(A.T, p, kp, k))
    inv, base, e = np.ones_like(A), A.copy(), p - 2  # A^(p-2) = 1/A entrywise (Fermat)
    while e:
        inv, base, e = (inv * base % p if e & 1 else inv), base * base % p, e >> 1
    out: list = []

    def runs(ratio: np.ndarray, rows: np.ndarray):
        """(g, rows sharing one value) for each run of >= k equal values in row g of ratio."""
        size = len(rows)
        keys = np.sort(ratio * size + np.arange(size), axis=1)  # by value, then by row
        s = keys // size
        first = np.diff(s, axis=1, prepend=-1) != 0  # first row of each run of equal values
        for g, i in np.argwhere(first[:, :size - k + 1] & (s[:, k - 1:] == s[:, :size - k + 1])):
            yield g, rows[keys[g, i:np.searchsorted(s[g], s[g, i], side="right")] % size]

    def grow(rows: np.ndarray, cols: tuple) -> None:  # rows: of rank one on cols, sorted
        if len(cols) == kp:
            require(len(out) + comb(len(rows), k) <= MAX_CANDIDATES, "too many candidate blocks")
            out.extend((sub, cols) for sub in combinations(rows.tolist(), k))
            return
        js = np.arange(cols[-1] + 1, n)
        for g, sub in runs(ratios(A[np.ix_(rows, js)].T, inv[rows, cols[0]]), rows):
            grow(sub, cols + (int(js[g]),))

    def ratios(top: np.ndarray, inv_first: np.ndarray) -> np.ndarray:
        """top * inv_first mod p; a zero entry (of top or of the first column) gets p + its row
        position, a value of its own: it joins no run (runs have k >= kp >= 2 rows here)."""
        return np.where((top == 0) | (inv_first == 0), p + np.arange(top.shape[-1]), top * inv_first % p)

    for j0 in range(n if kp == 1 else 0):
        grow(np.flatnonzero(A[:, j0]), (j0,))
    j0s, js = np.nonzero(~np.tri(n if kp > 1 else 0, dtype=bool))  # pairs j0 < j, row-major
    for a, b in zip(*(np.array_split(x, 1 + len(x) * m // (1 << 20)) for x in (j0s, js))):  # chunks of ~2^20
        for g, sub in runs(ratios(A.T[b], inv.T[a]), np.arange(m)):  # ratios A[i,j]/A[i,j0], all pairs j0 < j
            grow(sub, (int(a[g]), int(b[g])))
    return sorted(out)


def count_covers(m: int, n: int, blocks: list, limit: int, support=None) -> list:
    """Up to ``limit`` exact covers of the support (an m x n mask, nonempty; default: every
    entry) by ``blocks`` inside it (iterative depth-first search)."""
    support = np.ones((m, n), dtype=bool) if support is None else support
    cells = [np.add.outer(np.asarray(r) * n, np.asarray(c)).ravel() for r, c in blocks]
    flat = np.concatenate(cells + [np.zeros(0, np.int64)]).astype(np.int64)
    owner = np.repeat(np.arange(len(cells)), [len(c) for c in cells])[np.argsort(flat, kind="stable")].tolist()
    ends = [0] + np.cumsum(np.bincount(flat, minlength=m * n)).tolist()  # owner[ends[e]:ends[e+1]]: blocks on e
    covered, chosen, found = ~support.ravel(), [], []
    first = int(np.flatnonzero(~covered)[0])
    stack = [iter(owner[ends[first]:ends[first + 1]])]  # one iterator per depth; depth d + 1 after choice d
    while stack and len(found) < limit:
        b = next(stack[-1], None)
        if b is None:  # options exhausted: undo the choice that led to this depth (none at the root)
            stack.pop()
            covered[cells[chosen.pop()] if chosen else []] = False
        elif not covered[cells[b]].any():
            covered[cells[b]] = True
            chosen.append(b)
            free = np.flatnonzero(~covered)
            if len(free):
                stack.append(iter(owner[ends[free[0]]:ends[free[0] + 1]]))
            else:
                found.append(sorted(chosen))
                covered[cells[chosen.pop()]] = False
    return found


def support(M: CMatrix) -> np.ndarray:
    """Exact nonzero pattern (power-basis coefficients are unique)."""
    return np.array([[x != 0 for x in mat.entries()] for mat in M.num], dtype=bool).reshape(-1, M.rows, M.cols).any(0)


def spanning_tree(rows: list, cols: list, edges: list, allowed: np.ndarray) -> None:
    """``edges`` are allowed entries forming a spanning tree of the bipartite graph rows ⊔ cols."""
    require(len(edges) == len(rows) + len(cols) - 1, "a spanning tree has |rows| + |cols| - 1 edges")
    parent = {("r", i): ("r", i) for i in rows} | {("c", j): ("c", j) for j in cols}

    def find(v):
        while parent[v] != v:  # no path compression: a tree has at most rows + cols vertices
            v = parent[v]
        return v

    for e in edges:
        if not (isinstance(e, list) and len(e) == 2):
            raise Malformed("a tree edge is [row, col]")
        i, j = integer(e[0], "edge"), integer(e[1], "edge")
        require(("r", i) in parent and ("c", j) in parent and bool(allowed[i, j]),
                f"edge ({i}, {j}) is not an observable entry of the component")
        a, b = find(("r", i)), find(("c", j))
        require(a != b, f"edge ({i}, {j}) closes a cycle")
        parent[a] = b
