"""The hierarchical butterfly algorithm: drive the rank-one steps over a tree, build the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

import flint
import numpy as np

from ...domains import QQ
from ...domains.matrix import ExactMatrix
from ...errors import InputError
from ...progress import progress
from .kernels import BlockFailure, rank_one_elements, rank_one_exponents
from .layout import block_chunks, left_from_columns, log2_size, resolve_perm, to_dense
from .trees import Tree, make_tree


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
    not apply; ``reason`` says where).  ``encoding`` says how factor entries are stored:
    ``"rational"`` or ``"cyclotomic"`` (field elements in object arrays) or
    ``"roots_of_unity"`` (integer exponents ``e`` of ``zeta_n^e``, ``n = conductor``) — the
    names certificates use.
    """

    status: str
    N: int
    tree: Tree
    perm: np.ndarray
    factors: list = field(default_factory=list)
    encoding: str = "rational"
    conductor: int = 1
    witness: Optional[BlockWitness] = None
    reason: str = ""

    @property
    def L(self) -> int:
        return self.N.bit_length() - 1

    def dense_factors(self) -> list[np.ndarray]:
        """The factors as dense object (or exponent, -1 off the support) arrays."""
        zero = -1 if self.encoding == "roots_of_unity" else flint.fmpq(0)
        return [to_dense(f, self.L, l, l, zero) for l, f in enumerate(self.factors, start=1)]


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
            except BlockFailure as fail:
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
    except BlockFailure as fail:
        witness = _root_witness(root, L, tree, rank_one)
        if witness is not None:
            return ButterflyResult("no_factorization", N, tree, perm, [], encoding, conductor, witness,
                                   f"block {witness.block} of the split at level {witness.level} has rank >= 2")
        return ButterflyResult("degenerate", N, tree, perm, [], encoding, conductor, None,
                               f"a {fail.kind} failure below the root (block {fail.block}) and every root "
                               "split is rank one blockwise: the non-degenerate theorem does not apply")


def factor_exact(matrix: ExactMatrix, perm: Union[None, str, Sequence[int]] = None,
                 tree: Union[str, Tree, Any] = "balanced", zero_blocks: bool = False) -> ButterflyResult:
    """Exact hierarchical butterfly factorization of an :class:`ExactMatrix` over Q or Q(zeta_n).

    Parameters
    ----------
    matrix : ExactMatrix
        Square, of size ``N = 2**L >= 2``.
    perm : None, "bitrev", "identity" or a sequence
        The column permutation (``Z = X_1 ⋯ X_L · P``, ``P[i, perm[i]] = 1``).
    tree : "balanced", "left", "right", a nested list or a :class:`Tree`
    zero_blocks : bool
        Factor a zero block as a zero column times a zero row instead of stopping
        (``degenerate``): the factorization found, if any, then has zero columns/rows.

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
    encoding = "rational" if matrix.field is QQ else "cyclotomic"
    kernel = (lambda w, k0: rank_one_elements(w, k0, zero_blocks=True)) if zero_blocks else rank_one_elements
    return _run(root, m, tree_obj, order, kernel, encoding, 1 if matrix.field is QQ else matrix.field.conductor)


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
    return _run(root, N, tree_obj, order, lambda w, k0: rank_one_exponents(w, conductor, k0), "roots_of_unity", conductor)


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
    ('factorized', 'roots_of_unity', 16)
    """
    L = log2_size(N)
    tree_obj = tree if isinstance(tree, Tree) else make_tree(tree, L)
    from ...resources import ensure_fits

    ensure_fits(4 * N * N + (64 << 20), f"the exact DFT butterfly factorization of size {N}")
    order = resolve_perm("bitrev", N)
    root = dft_root_exponents(N, order)
    return _run(root, N, tree_obj, order, lambda w, k0: rank_one_exponents(w, N, k0), "roots_of_unity", N)


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
    return _run(parity, N, tree_obj, order, lambda w, k0: rank_one_exponents(w, 2, k0), "roots_of_unity", 2)
