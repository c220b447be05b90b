"""Compact storage of Kronecker-sparse matrices and the block layout of a chainable split.

A matrix supported on ``π = (a, b, c, d)`` is stored as ``V`` of shape ``(a, b, c, d)`` with
``X[(α·b + β)·d + δ, (α·c + γ)·d + δ] = V[α, β, γ, δ]`` (its ``a·b·c·d`` values, row by row).

For a chainable pair ``(π, π')`` with product ``π''`` (see :mod:`.architecture`), a matrix
``T`` on ``π''`` splits into the blocks of the classes: :meth:`Split.blocks` returns an array
``(K, b, c')`` (``K`` classes, each block ``b × c'``), a view-friendly reshape/transpose of
the compact array.  A rank-``r`` factorization ``block_P = L_P R_P`` of every block gives the
left part (pattern ``π``, compact) and the right part (pattern ``π'``) with
:meth:`Split.parts`; :meth:`Split.merge` is the inverse (the product of two parts).

Examples
--------
>>> import numpy as np
>>> from .architecture import Pattern
>>> sp = Split(Pattern(1, 2, 2, 2), Pattern(2, 2, 2, 1))
>>> x, y = np.arange(8.).reshape(1, 2, 2, 2), np.arange(8.).reshape(2, 2, 2, 1)
>>> dense = to_dense(x, sp.left) @ to_dense(y, sp.right)
>>> bool(np.array_equal(to_dense(sp.merge(x, y), sp.product), dense))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InputError
from .architecture import Pattern, pair_product


def to_dense(values: np.ndarray, pattern: Pattern, zero: Any = 0) -> np.ndarray:
    """The dense ``rows × cols`` matrix of a compact array (``zero`` off the support)."""
    a, b, c, d = pattern.as_tuple()
    out = np.full((a, b, d, a, c, d), zero, dtype=values.dtype)
    np.einsum("ijkilk->ijlk", out)[...] = values  # the support is the (α = α', δ = δ') diagonal
    return out.reshape(pattern.rows, pattern.cols)


def from_dense(matrix: np.ndarray, pattern: Pattern) -> np.ndarray:
    """The entries of ``matrix`` on the support of ``pattern``, as a compact (strided) view."""
    a, b, c, d = pattern.as_tuple()
    return np.einsum("ijkilk->ijlk", matrix.reshape(a, b, d, a, c, d))


def off_support(matrix: np.ndarray, pattern: Pattern) -> np.ndarray:
    """Boolean mask of the nonzero entries of ``matrix`` outside the support."""
    nz = matrix != 0
    return nz & ~pattern.support()


class Split:
    """The block layout of a chainable pair ``(left, right)`` (a node of a tree of splits)."""

    def __init__(self, left: Pattern, right: Pattern):
        got = pair_product(left, right)
        if got is None:
            raise InputError(f"patterns {left} and {right} are not chainable")
        self.left, self.right = left, right
        self.product, self.rank = got
        a, b, c, d = left.as_tuple()
        a2, b2, c2, d2 = right.as_tuple()
        r = self.rank
        if a2 % a == 0 and d % d2 == 0 and (a * c * d) % (a2 * d) == 0:  # left-to-right nesting
            s, t = a2 // a, d // d2
            self._v = ((a, b, t, s, c2, d2), (0, 3, 2, 5, 1, 4))
            self._u = ((a, b, s, r, t, d2), (0, 2, 4, 5, 1, 3))
            self._w = ((a, s, r, t, c2, d2), (0, 1, 3, 5, 2, 4))
        else:  # right-to-left nesting
            s, t = a // a2, d2 // d
            self._v = ((a2, s, b, c2, t, d), (0, 1, 4, 5, 2, 3))
            self._u = ((a2, s, b, r, t, d), (0, 1, 4, 5, 2, 3))
            self._w = ((a2, s, r, c2, t, d), (0, 1, 4, 5, 2, 3))
        self.classes = left.cols // r
        self.block_shape = (b, c2)

    @staticmethod
    def _gather(arr: np.ndarray, spec: tuple, rows: int, cols: int) -> np.ndarray:
        shape, perm = spec
        return arr.reshape(shape).transpose(perm).reshape(-1, rows, cols)

    @staticmethod
    def _scatter(blocks: np.ndarray, spec: tuple, out: Pattern) -> np.ndarray:
        shape, perm = spec
        return blocks.reshape([shape[p] for p in perm]).transpose(np.argsort(perm)).reshape(out.as_tuple())

    def blocks(self, values: np.ndarray) -> np.ndarray:
        """``(K, b, c')`` blocks of a compact array on the product pattern (a view when possible)."""
        return self._gather(values, self._v, *self.block_shape)

    def from_blocks(self, blocks: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`blocks`: the compact array on the product pattern."""
        return self._scatter(blocks, self._v, self.product)

    def parts(self, lefts: np.ndarray, rights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Compact left part (pattern ``left``) and right part from ``(K, b, r)`` and ``(K, r, c')`` factors."""
        return self._scatter(lefts, self._u, self.left), self._scatter(rights, self._w, self.right)

    def left_blocks(self, left_values: np.ndarray) -> np.ndarray:
        """``(K, b, r)``: the columns of each class of a compact left part."""
        return self._gather(left_values, self._u, self.block_shape[0], self.rank)

    def right_blocks(self, right_values: np.ndarray) -> np.ndarray:
        """``(K, r, c')``: the rows of each class of a compact right part."""
        return self._gather(right_values, self._w, self.rank, self.block_shape[1])

    def merge(self, left_values: np.ndarray, right_values: np.ndarray) -> np.ndarray:
        """The compact product of a left and a right part (block by block)."""
        lb, rb = self.left_blocks(left_values), self.right_blocks(right_values)
        if self.rank == 1 and lb.dtype != object:
            prod = lb * rb  # (K, b, 1) * (K, 1, c')
        else:
            prod = np.matmul(lb, rb) if lb.dtype != object else np.array(
                [x.dot(y) for x, y in zip(lb, rb)], dtype=object).reshape(len(lb), *self.block_shape)
        return self.from_blocks(prod)


def walk_tree(tree: Any, root: np.ndarray, nodes: list, L: int, desc: str, split) -> list:
    """Run the hierarchical algorithm: at each inner node of ``tree`` (its ``NodeInfo`` in
    ``nodes``), ``split(info, sp, values)`` turns the node's compact values into the compact
    left and right parts ``(U, W)``; returns the ``L`` leaf factors.  The exact and the float
    algorithms differ only in ``split``."""
    from ...progress import progress

    by_span = {(nd.p, nd.q): nd for nd in nodes}
    factors: list = [None] * L
    with progress(len(nodes), desc) as bar:
        stack = [(tree, root)]
        while stack:
            node, values = stack.pop()
            if node.is_leaf:
                factors[node.p - 1] = values
                continue
            info = by_span[(node.p, node.q)]
            U, W = split(info, Split(info.left, info.right), values)
            stack.append((node.right, np.ascontiguousarray(W)))
            stack.append((node.left, np.ascontiguousarray(U)))
            bar.update(1)
    return factors


def merge_tree(factors: list, tree: Any, nodes: list) -> np.ndarray:
    """The product ``X_1 ⋯ X_L`` in compact layout on the product pattern, merged class block by
    class block along ``tree`` (the inverse of :func:`walk_tree`)."""
    by_span = {(nd.p, nd.q): nd for nd in nodes}

    def merge(node: Any) -> np.ndarray:
        if node.is_leaf:
            return factors[node.p - 1]
        info = by_span[(node.p, node.q)]
        return Split(info.left, info.right).merge(merge(node.left), merge(node.right))

    return merge(tree)
