"""Exact hierarchical butterfly factorization over Q and Q(zeta_n).

Conventions (DESIGN §3).  ``N = 2**L``; the butterfly support of level ``l`` (1..L) is
``S_l = I_{2^{l-1}} ⊗ 1_{2x2} ⊗ I_{N/2^l}``: row ``i`` may only meet the columns ``i`` and
``i ^ 2**(L-l)``.  A matrix ``Z`` has a butterfly factorization (with a column permutation
``P``, ``P[i, perm[i]] = 1``) when ``Z = X_1 ⋯ X_L · P`` with ``supp(X_l) ⊆ S_l``; then
``M = Z·P^T``, i.e. ``M[:, j] = Z[:, perm[j]]``, is the product of the factors.

Compact layout
--------------
A matrix supported on ``S_p ⋯ S_q`` (levels ``p..q`` are the contiguous bit positions
``L-q .. L-p`` of the index) is stored as an array ``V`` of shape ``(N, 2**(q-p+1))`` with
``V[i, t] = M[i, (i & ~mask) | (t << (L-q))]``: row by row, the columns of the support in
increasing order.  A single factor (``p = q = l``) is therefore ``(N, 2)``: its 2N nonzero
values in "butterfly-support order".  Every entry of a product of butterfly factors is the
product along a single path, so merging two compact partial products is an entrywise
product after a reshape (:func:`merge`) — or a sum of exponents for roots of unity.

Splitting the node ``[p, q]`` at ``l`` (``p <= l < q``): write an index as
``(alpha, beta, gamma, delta)`` with ``beta`` the bits of levels ``p..l`` and ``gamma``
those of levels ``l+1..q``.  The rank-one support of inner index ``k = (alpha, beta*, gamma,
delta)`` is rows ``(alpha, *, gamma, delta)`` times columns ``(alpha, beta*, *, delta)``;
these N blocks are pairwise disjoint and cover ``S_p ⋯ S_q`` (the split lemma).  Hence the
restriction of ``M`` to block ``k`` must have rank <= 1, and (non-degenerate case) its
rank-one factor gives column ``k`` of the left part and row ``k`` of the right part up to
one scalar.  :func:`blocks_of` gathers the blocks, :func:`left_from_columns` puts the
columns back in compact layout.

Examples
--------
>>> from exactid.transforms import hadamard
>>> res = factor_exact(hadamard(8))
>>> res.status, len(res.factors), res.factors[0].shape
('factorized', 3, (8, 2))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Sequence, Union

import flint
import numpy as np

from ..domains import QQ
from ..domains.matrix import ExactMatrix
from ..errors import InputError
from ..progress import progress

# --------------------------------------------------------------------------- trees


@dataclass(frozen=True)
class Tree:
    """A binary tree of splits over the levels ``p..q`` (a leaf when ``p == q``)."""

    p: int
    q: int
    left: Optional["Tree"] = None
    right: Optional["Tree"] = None

    @property
    def split(self) -> int:
        """``l``: the left child covers ``p..l``, the right one ``l+1..q``."""
        if self.left is None:
            raise ValueError("a leaf has no split")
        return self.left.q

    @property
    def is_leaf(self) -> bool:
        return self.left is None

    def internal_nodes(self) -> Iterator["Tree"]:
        """Internal nodes, parents before children (pre-order)."""
        if not self.is_leaf:
            yield self
            yield from self.left.internal_nodes()  # type: ignore[union-attr]
            yield from self.right.internal_nodes()  # type: ignore[union-attr]

    def to_json(self) -> Any:
        """A leaf is its level (int); a node is ``[left, right]``."""
        if self.is_leaf:
            return self.p
        return [self.left.to_json(), self.right.to_json()]  # type: ignore[union-attr]


def make_tree(spec: Union[str, Any], L: int) -> Tree:
    """A tree over the levels ``1..L``.

    ``spec`` is ``"balanced"`` (left child gets ceil(half) of the levels), ``"left"`` (the
    root splits off the last level: ``((1, 2), 3)``), ``"right"`` (the root splits off the
    first level: ``(1, (2, 3))``), or an explicit nested list (JSON text allowed) whose
    leaves are the levels ``1..L`` in order, e.g. ``[[1, 2], [3, 4]]``.

    >>> make_tree("balanced", 4).to_json()
    [[1, 2], [3, 4]]
    >>> make_tree("left", 3).to_json(), make_tree("right", 3).to_json()
    ([[1, 2], 3], [1, [2, 3]])
    """
    if L < 1:
        raise InputError("a butterfly tree needs at least one level")

    def build(p: int, q: int, kind: str) -> Tree:
        if p == q:
            return Tree(p, q)
        if kind == "balanced":
            l = p + (q - p + 2) // 2 - 1
        elif kind == "left":
            l = q - 1
        else:
            l = p
        return Tree(p, q, build(p, l, kind), build(l + 1, q, kind))

    if isinstance(spec, str) and spec in ("balanced", "left", "right"):
        return build(1, L, spec)
    if isinstance(spec, str):
        try:
            spec = json.loads(spec)
        except ValueError:
            raise InputError(f"tree must be balanced, left, right or a nested JSON list, got {spec!r}") from None
    tree = tree_from_json(spec)
    if (tree.p, tree.q) != (1, L):
        raise InputError(f"the tree must cover the levels 1..{L}, it covers {tree.p}..{tree.q}")
    return tree


def tree_from_json(obj: Any) -> Tree:
    """Parse a nested list tree (leaves: consecutive levels)."""
    if isinstance(obj, bool):
        raise InputError("tree leaves must be integers")
    if isinstance(obj, int):
        return Tree(obj, obj)
    if not (isinstance(obj, list) and len(obj) == 2):
        raise InputError(f"a tree node must be a level or a pair [left, right], got {str(obj)[:40]}")
    left, right = tree_from_json(obj[0]), tree_from_json(obj[1])
    if right.p != left.q + 1:
        raise InputError(f"tree leaves must be consecutive levels (got {left.q} then {right.p})")
    return Tree(left.p, right.q, left, right)


# --------------------------------------------------------------------------- layout


def log2_size(N: int) -> int:
    """``L`` with ``N = 2**L``, ``N >= 2``."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 2 or N & (N - 1):
        raise InputError(f"butterfly factorization needs a size N = 2^L >= 2, got {N!r}")
    return int(N).bit_length() - 1


def dims(L: int, p: int, l: int, q: int) -> tuple[int, int, int, int]:
    """``(A, B, C, D)``: sizes of the index parts alpha, beta (levels p..l), gamma (l+1..q), delta."""
    return 1 << (p - 1), 1 << (l - p + 1), 1 << (q - l), 1 << (L - q)


def support_columns(L: int, p: int, q: int) -> np.ndarray:
    """``J[i, t]``: the column of compact entry ``(i, t)`` of a matrix on ``S_p ⋯ S_q``."""
    N = 1 << L
    width = q - p + 1
    mask = ((1 << width) - 1) << (L - q)
    i = np.arange(N, dtype=np.int64)[:, None]
    t = np.arange(1 << width, dtype=np.int64)[None, :]
    return (i & ~mask) | (t << (L - q))


def to_compact(dense: np.ndarray, L: int, p: int, q: int) -> np.ndarray:
    """Compact values of a dense matrix on ``S_p ⋯ S_q`` (entries off the support are ignored)."""
    cols = support_columns(L, p, q)
    return dense[np.arange(1 << L)[:, None], cols]


def to_dense(compact: np.ndarray, L: int, p: int, q: int, zero: Any = 0) -> np.ndarray:
    """The dense ``N x N`` matrix of a compact array (zeros off the support)."""
    N = 1 << L
    out = np.full((N, N), zero, dtype=compact.dtype)
    out[np.arange(N)[:, None], support_columns(L, p, q)] = compact
    return out


def off_support(dense: np.ndarray, L: int, p: int, q: int) -> np.ndarray:
    """Boolean mask of the entries outside ``S_p ⋯ S_q``."""
    N = 1 << L
    keep = np.zeros((N, N), dtype=bool)
    keep[np.arange(N)[:, None], support_columns(L, p, q)] = True
    return ~keep


def blocks_of(compact: np.ndarray, L: int, p: int, l: int, q: int) -> np.ndarray:
    """``W[k, r, c]``: the restriction of a matrix on ``S_p ⋯ S_q`` to rank-one block ``k``."""
    A, B, C, D = dims(L, p, l, q)
    return compact.reshape(A, B, C, D, B, C).transpose(0, 4, 2, 3, 1, 5).reshape(A * B * C * D, B, C)


def block_chunks(compact: np.ndarray, L: int, p: int, l: int, q: int, target: int = 1 << 22) -> Iterator[tuple[int, np.ndarray]]:
    """``(k0, W[k0:k0+K])`` over contiguous ranges of blocks, each about ``target`` entries."""
    A, B, C, D = dims(L, p, l, q)
    if compact.size <= 4 * target:
        yield 0, blocks_of(compact, L, p, l, q)
        return
    view = compact.reshape(A, B, C, D, B, C).transpose(0, 4, 2, 3, 1, 5)
    step = max(1, target // (C * D * B * C))
    for a in range(A):
        for b0 in range(0, B, step):
            b1 = min(B, b0 + step)
            yield (a * B + b0) * C * D, view[a, b0:b1].reshape((b1 - b0) * C * D, B, C)


def left_from_columns(columns: np.ndarray, L: int, p: int, l: int, q: int) -> np.ndarray:
    """Compact layout on ``S_p ⋯ S_l`` of the left part whose column ``k`` is ``columns[k]``."""
    A, B, C, D = dims(L, p, l, q)
    return columns.reshape(A, B, C, D, B).transpose(0, 4, 2, 3, 1).reshape(A * B * C * D, B)


def columns_of_left(left: np.ndarray, L: int, p: int, l: int, q: int) -> np.ndarray:
    """Inverse of :func:`left_from_columns`: ``columns[k]`` = nonzero part of column ``k``."""
    A, B, C, D = dims(L, p, l, q)
    return left.reshape(A, B, C, D, B).transpose(0, 4, 2, 3, 1).reshape(A * B * C * D, B)


def merge(left: np.ndarray, right: np.ndarray, L: int, p: int, l: int, q: int,
          op: Callable[[np.ndarray, np.ndarray], np.ndarray] = np.multiply) -> np.ndarray:
    """Compact product of a left part on ``S_p ⋯ S_l`` and a right part on ``S_{l+1} ⋯ S_q``.

    ``op`` combines the two path entries (``np.multiply``; for exponents, addition mod n).
    """
    A, B, C, D = dims(L, p, l, q)
    lhs = left.reshape(A, B, C, D, B, 1)
    rhs = right.reshape(A, B, C, D, C).transpose(0, 2, 3, 1, 4).reshape(A, 1, C, D, B, C)
    return op(lhs, rhs).reshape(A * B * C * D, B * C)


def product_compact(factors: Sequence[np.ndarray], L: int, tree: Optional[Tree] = None,
                    op: Callable[[np.ndarray, np.ndarray], np.ndarray] = np.multiply) -> np.ndarray:
    """Compact ``(N, N)`` product ``X_1 ⋯ X_L`` (merged along ``tree``, balanced by default)."""
    tree = tree or make_tree("balanced", L)

    def walk(node: Tree) -> np.ndarray:
        if node.is_leaf:
            return factors[node.p - 1]
        return merge(walk(node.left), walk(node.right), L, node.p, node.split, node.q, op)  # type: ignore[arg-type]

    return walk(tree)


def resolve_perm(perm: Union[None, str, Sequence[int], np.ndarray], N: int) -> np.ndarray:
    """``perm`` as an index array (``None``/"identity" -> identity, "bitrev" -> bit reversal)."""
    if perm is None or (isinstance(perm, str) and perm in ("identity", "none")):
        return np.arange(N, dtype=np.int64)
    if isinstance(perm, str):
        if perm != "bitrev":
            raise InputError(f"permutation must be 'bitrev', 'identity' or explicit, got {perm!r}")
        from ..transforms import bitrev

        return bitrev(N)
    arr = np.asarray(perm, dtype=np.int64)
    if arr.shape != (N,) or not np.array_equal(np.sort(arr), np.arange(N)):
        raise InputError(f"the permutation must list 0..{N - 1} once each")
    return arr


# --------------------------------------------------------------------------- results


@dataclass
class BlockWitness:
    """A block of the split at ``level`` of the root whose 2x2 minor (rows, cols) is nonzero."""

    level: int
    block: int
    rows: tuple[int, int]
    cols: tuple[int, int]


@dataclass
class ButterflyResult:
    """Outcome of the hierarchical algorithm.

    ``status``: ``factorized`` (``factors`` hold compact ``(N, 2)`` arrays with
    ``X_1 ⋯ X_L = Z·P^T``), ``no_factorization`` (``witness`` is a root block that is not
    rank one), or ``degenerate`` (a rank-one block vanished: the uniqueness theorem does
    not apply; ``reason`` says where).  ``encoding`` is ``"elements"`` (field elements in
    object arrays) or ``"exponents"`` (entries ``zeta_n^e``, ``n = conductor``).
    """

    status: str
    N: int
    tree: Tree
    perm: np.ndarray
    factors: list = field(default_factory=list)
    encoding: str = "elements"
    conductor: int = 1
    witness: Optional[BlockWitness] = None
    reason: str = ""

    @property
    def L(self) -> int:
        return self.N.bit_length() - 1

    def dense_factors(self) -> list[np.ndarray]:
        """The factors as dense object (or exponent, -1 off the support) arrays."""
        zero = -1 if self.encoding == "exponents" else flint.fmpq(0)
        return [to_dense(f, self.L, l, l, zero) for l, f in enumerate(self.factors, start=1)]


class _BlockFailure(Exception):
    def __init__(self, block: int, kind: str, rows: tuple[int, int] = (0, 0), cols: tuple[int, int] = (0, 0)):
        super().__init__(kind)
        self.block, self.kind, self.rows, self.cols = block, kind, rows, cols


# --------------------------------------------------------------------------- rank-one steps


def _nonzero(arr: np.ndarray) -> np.ndarray:
    return arr != 0


def rank_one_elements(blocks: np.ndarray, k0: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pivot-based exact rank-one factors of each block (object arrays of field elements).

    Pivot = first nonzero entry in row-major order; left column = the pivot column, right
    row = the pivot row divided by the pivot (no square roots).  Raises ``_BlockFailure``
    for a zero block or a block of rank >= 2 (with a nonzero 2x2 minor).
    """
    K, B, C = blocks.shape
    nz = _nonzero(blocks).reshape(K, B * C)
    has = nz.any(axis=1)
    if not has.all():
        raise _BlockFailure(k0 + int(np.argmin(has)), "zero block")
    flat = nz.argmax(axis=1)
    r0, c0 = flat // C, flat % C
    ks = np.arange(K)
    pivot = blocks[ks, r0, c0]
    cols = blocks[ks, :, c0]
    rows = blocks[ks, r0, :] / pivot[:, None]
    bad = ~(cols[:, :, None] * rows[:, None, :] == blocks)
    if bad.any():
        k, r, c = (int(x) for x in np.argwhere(bad)[0])
        raise _BlockFailure(k0 + k, "rank", (int(r0[k]), r), (int(c0[k]), c))
    return cols, rows


def rank_one_exponents(blocks: np.ndarray, conductor: int, k0: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rank-one factors of blocks of roots of unity ``zeta_n^e`` (integer exponents mod n).

    Left column = the block's column 0, right row = row 0 minus the pivot ``e[0, 0]``; the
    block is rank one iff ``e[r, c] = e[r, 0] + e[0, c] - e[0, 0] (mod n)`` everywhere.
    """
    # int16 suffices when e[r, 0] + e[0, c] < 2^15; powers of two reduce with a mask (faster than %)
    w = blocks if blocks.dtype == np.int16 and conductor <= (1 << 14) else blocks.astype(np.int32, copy=False)
    mask = conductor - 1 if conductor & (conductor - 1) == 0 else None

    def reduce(x: np.ndarray) -> np.ndarray:
        return x & mask if mask is not None else x % conductor

    cols = w[:, :, 0]
    rows = reduce(w[:, 0, :] - w[:, 0:1, 0])
    bad = reduce(cols[:, :, None] + rows[:, None, :] - w) != 0
    if bad.any():
        k, r, c = (int(x) for x in np.argwhere(bad)[0])
        raise _BlockFailure(k0 + k, "rank", (0, r), (0, c))
    return cols, rows


# --------------------------------------------------------------------------- driver


def run_tree(root: np.ndarray, L: int, tree: Tree,
             split_node: Callable[[np.ndarray, int, int, int], tuple[np.ndarray, np.ndarray]],
             desc: str) -> list[np.ndarray]:
    """Drive the hierarchical algorithm over ``tree``; return the L compact factors.

    ``split_node(values, p, l, q)`` factors the compact array of a node of levels ``p..q``
    split at ``l`` into ``(columns, rows)``: the rank-one factor of each of the N blocks
    (exactly or in floating point).  The columns become the left child, the rows the right.
    """
    factors: list[Optional[np.ndarray]] = [None] * L
    total = sum(1 for _ in tree.internal_nodes())
    with progress(total, desc) as bar:
        stack = [(tree, root)]
        while stack:
            node, values = stack.pop()
            if node.is_leaf:
                factors[node.p - 1] = values
                continue
            p, l, q = node.p, node.split, node.q
            columns, rows = split_node(values, p, l, q)
            del values
            stack.append((node.right, np.ascontiguousarray(rows)))
            stack.append((node.left, np.ascontiguousarray(left_from_columns(columns, L, p, l, q))))
            bar.update(1)
    return factors  # type: ignore[return-value]


def _hierarchical(root: np.ndarray, L: int, tree: Tree, rank_one: Callable[[np.ndarray, int], tuple],
                  desc: str) -> list[np.ndarray]:
    """The exact algorithm: rank-one steps over chunks of blocks (bounded memory)."""
    def split_node(values: np.ndarray, p: int, l: int, q: int) -> tuple[np.ndarray, np.ndarray]:
        lefts, rights = [], []
        for k0, chunk in block_chunks(values, L, p, l, q):
            a, b = rank_one(chunk, k0)
            lefts.append(a)
            rights.append(b)
        columns = np.concatenate(lefts) if len(lefts) > 1 else lefts[0]
        return columns, (np.concatenate(rights) if len(rights) > 1 else rights[0])

    return run_tree(root, L, tree, split_node, desc)


def _root_witness(root: np.ndarray, L: int, tree: Tree, rank_one: Callable) -> Optional[BlockWitness]:
    """Look for a root-level split (the tree's first, then every other) with a non-rank-one block."""
    levels = [tree.split] + [l for l in range(1, L) if l != tree.split]
    for l in levels:
        for k0, chunk in block_chunks(root, L, 1, l, L):
            try:
                rank_one(chunk, k0)
            except _BlockFailure as fail:
                if fail.kind == "rank":
                    return BlockWitness(l, fail.block, fail.rows, fail.cols)
    return None


def _run(root: np.ndarray, N: int, tree: Tree, perm: np.ndarray, rank_one: Callable, encoding: str,
         conductor: int) -> ButterflyResult:
    L = log2_size(N)
    if N == 2:  # one level: the factor is Z·P^T itself
        return ButterflyResult("factorized", N, tree, perm, [np.ascontiguousarray(root)], encoding, conductor)
    try:
        factors = _hierarchical(root, L, tree, rank_one, f"butterfly N={N}")
        return ButterflyResult("factorized", N, tree, perm, factors, encoding, conductor)
    except _BlockFailure as fail:
        witness = _root_witness(root, L, tree, rank_one)
        if witness is not None:
            return ButterflyResult("no_factorization", N, tree, perm, [], encoding, conductor, witness,
                                   f"block {witness.block} of the split at level {witness.level} has rank >= 2")
        return ButterflyResult("degenerate", N, tree, perm, [], encoding, conductor, None,
                               f"a {fail.kind} failure below the root (block {fail.block}) and every root "
                               "split is rank one blockwise: the non-degenerate theorem does not apply")


def factor_exact(matrix: ExactMatrix, perm: Union[None, str, Sequence[int]] = None,
                 tree: Union[str, Tree, Any] = "balanced") -> ButterflyResult:
    """Exact hierarchical butterfly factorization of an :class:`ExactMatrix` over Q or Q(zeta_n).

    Parameters
    ----------
    matrix : ExactMatrix
        Square, of size ``N = 2**L >= 2``.
    perm : None, "bitrev", "identity" or a sequence
        The column permutation (``Z = X_1 ⋯ X_L · P``, ``P[i, perm[i]] = 1``).
    tree : "balanced", "left", "right", a nested list or a :class:`Tree`

    Returns
    -------
    ButterflyResult
        Factors hold field elements (``flint.fmpq`` over Q) in compact ``(N, 2)`` arrays.

    >>> from exactid.domains import ExactMatrix
    >>> factor_exact(ExactMatrix.from_rows([[1, 2], [3, 4]])).status
    'factorized'
    >>> factor_exact(ExactMatrix.from_rows([[1, 2, 0, 0], [0, 1, 2, 0], [1, 0, 1, 0], [0, 0, 0, 1]])).status
    'no_factorization'
    """
    m, n = matrix.shape
    if m != n:
        raise InputError(f"butterfly factorization needs a square matrix, got {m}x{n}")
    L = log2_size(m)
    tree_obj = tree if isinstance(tree, Tree) else make_tree(tree, L)
    order = resolve_perm(perm, m)
    elements = np.empty((m, m), dtype=object)
    if matrix.field is QQ:
        num, den = matrix.num[0], int(matrix.den)
        for i in range(m):
            for j in range(m):
                elements[i, j] = flint.fmpq(int(num[i, j]), den)
    else:
        for i in range(m):
            for j in range(m):
                elements[i, j] = matrix.entry(i, j)
    root = np.ascontiguousarray(elements[:, order])
    return _run(root, m, tree_obj, order, rank_one_elements, "elements", 1)


def factor_exponents(exponents: np.ndarray, conductor: int, perm: Union[None, str, Sequence[int]] = None,
                     tree: Union[str, Tree, Any] = "balanced") -> ButterflyResult:
    """Exact factorization of a matrix of roots of unity ``Z[i, j] = zeta_n^E[i, j]``.

    Integer arithmetic mod ``n`` only: O(N^2) per tree level, vectorized, streamed by
    chunks of blocks.  Used for the DFT (``n = N``) and the Hadamard matrix (``n = 2``).

    >>> from exactid.transforms import dft_exponents
    >>> factor_exponents(dft_exponents(8), 8, "bitrev").status
    'factorized'
    """
    N = exponents.shape[0]
    if exponents.shape != (N, N):
        raise InputError("butterfly factorization needs a square matrix")
    L = log2_size(N)
    tree_obj = tree if isinstance(tree, Tree) else make_tree(tree, L)
    order = resolve_perm(perm, N)
    dtype = np.int16 if conductor < (1 << 15) else np.int32
    root = np.empty((N, N), dtype=dtype)
    step = max(1, (1 << 22) // N)
    for r0 in range(0, N, step):  # stream the column permutation by row chunks
        root[r0:r0 + step] = exponents[r0:r0 + step][:, order] % conductor
    return _run(root, N, tree_obj, order, lambda w, k0: rank_one_exponents(w, conductor, k0), "exponents", conductor)


def dft_root_exponents(N: int, perm: np.ndarray) -> np.ndarray:
    """Exponents of ``F_N·P^T`` (``F[j, k] = zeta_N^(-jk)``), built by row chunks in int16/int32."""
    dtype = np.int16 if N < (1 << 15) else np.int32
    out = np.empty((N, N), dtype=dtype)
    cols = np.asarray(perm, dtype=np.int64)[None, :]
    step = max(1, (1 << 22) // N)
    for r0 in range(0, N, step):
        rows = np.arange(r0, min(N, r0 + step), dtype=np.int64)[:, None]
        # N is a power of 2: reduce mod N with a mask (two's complement makes -x & (N-1) right)
        out[r0:r0 + step] = (-(rows * cols)) & (N - 1)
    return out


def factor_dft(N: int, tree: Union[str, Tree, Any] = "balanced") -> ButterflyResult:
    """Exact butterfly factorization of the DFT of size N with bit reversal (exponents mod N).

    >>> res = factor_dft(16)
    >>> res.status, res.encoding, res.conductor
    ('factorized', 'exponents', 16)
    """
    L = log2_size(N)
    tree_obj = tree if isinstance(tree, Tree) else make_tree(tree, L)
    from ..resources import ensure_fits

    ensure_fits(4 * N * N + (64 << 20), f"the exact DFT butterfly factorization of size {N}")
    order = resolve_perm("bitrev", N)
    root = dft_root_exponents(N, order)
    return _run(root, N, tree_obj, order, lambda w, k0: rank_one_exponents(w, N, k0), "exponents", N)


def factor_hadamard(N: int, tree: Union[str, Tree, Any] = "balanced") -> ButterflyResult:
    """Exact butterfly factorization of the Sylvester Hadamard matrix (signs as exponents mod 2)."""
    L = log2_size(N)
    tree_obj = tree if isinstance(tree, Tree) else make_tree(tree, L)
    i = np.arange(N, dtype=np.int64)
    bits = np.bitwise_and.outer(i, i)
    parity = np.zeros((N, N), dtype=np.int16)
    while bits.any():
        parity ^= (bits & 1).astype(np.int16)
        bits >>= 1
    order = resolve_perm(None, N)
    return _run(parity, N, tree_obj, order, lambda w, k0: rank_one_exponents(w, 2, k0), "exponents", 2)


# --------------------------------------------------------------------------- checks on results


def nondegenerate(factors: Sequence[np.ndarray], tree: Tree, L: int) -> Optional[str]:
    """``None`` when, at every internal node, the left partial product has no zero column and
    the right one no zero row (the uniqueness theorem's hypothesis); else the reason.

    Factors are object arrays of field elements (for roots of unity there is nothing to check).
    """

    def walk(node: Tree) -> tuple[np.ndarray, Optional[str]]:
        if node.is_leaf:
            return factors[node.p - 1], None
        left, why = walk(node.left)  # type: ignore[arg-type]
        if why:
            return left, why
        right, why = walk(node.right)  # type: ignore[arg-type]
        if why:
            return right, why
        p, l, q = node.p, node.split, node.q
        if not _nonzero(columns_of_left(left, L, p, l, q)).any(axis=1).all():
            return left, f"the partial product X_{p}..X_{l} has a zero column"
        if not _nonzero(right).any(axis=1).all():
            return right, f"the partial product X_{l + 1}..X_{q} has a zero row"
        return merge(left, right, L, p, l, q), None

    return walk(tree)[1]


def diagonal_scalings(reference: Sequence[np.ndarray], other: Sequence[np.ndarray], L: int) -> Optional[list[np.ndarray]]:
    """Diagonals ``D_1..D_{L-1}`` with ``other_l = D_{l-1}^{-1} reference_l D_l`` exactly, or ``None``.

    Both are lists of compact ``(N, 2)`` object arrays of nonzero field elements.
    ``D_0 = D_L = I``.  Column ``j`` of factor ``l`` scales by ``D_l[j]``, row ``i`` by
    ``1/D_{l-1}[i]``; solved level by level from the first nonzero entry of each column.
    """
    N = 1 << L
    previous = np.array([flint.fmpq(1)] * N, dtype=object)
    scalings = []
    for l in range(1, L + 1):
        ref, oth = reference[l - 1], other[l - 1]
        cols = support_columns(L, l, l)
        # other[i, t] * prev[i] = ref[i, t] * D[col]  -> D[col] = other*prev/ref
        ratio = oth * previous[:, None] / ref
        current = np.empty(N, dtype=object)
        current[cols[:, 0]] = ratio[:, 0]
        current[cols[:, 1]] = ratio[:, 1]
        if not np.all(ratio == current[cols]):
            return None
        if l == L:
            if not all(x == 1 for x in current):
                return None
        else:
            scalings.append(current)
        previous = current
    return scalings
