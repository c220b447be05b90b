"""Checks on exact factorizations: the non-degeneracy hypothesis and diagonal-scaling equivalence."""

from __future__ import annotations

from typing import Optional, Sequence

import flint
import numpy as np

from .kernels import nonzero
from .layout import columns_of_left, merge, support_columns
from .trees import Tree


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
        if not nonzero(columns_of_left(left, L, p, l, q)).any(axis=1).all():
            return left, f"the partial product X_{p}..X_{l} has a zero column"
        if not nonzero(right).any(axis=1).all():
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
