"""Compact layout of matrices supported on products of butterfly supports, and its reshapes.

A matrix supported on ``S_p ⋯ S_q`` is stored as an ``(N, 2**(q-p+1))`` array (see the
package docstring); the functions here move between that layout, dense matrices, the
rank-one blocks of a split and the product of two partial products.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Sequence, Union

import numpy as np

from ...errors import InputError
from .trees import Tree, make_tree


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
        from ...transforms import bitrev

        return bitrev(N)
    arr = np.asarray(perm, dtype=np.int64)
    if arr.shape != (N,) or not np.array_equal(np.sort(arr), np.arange(N)):
        raise InputError(f"the permutation must list 0..{N - 1} once each")
    return arr
