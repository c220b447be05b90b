"""Second factorizations of degenerate butterfly factorizations.

If factor ``X_l`` (l < L) has a zero column j, row j of ``X_{l+1}`` never reaches the product
``X_1 ⋯ X_L``: changing it keeps the product.  If ``X_l`` (l > 1) has a zero row i, column i
of ``X_{l-1}`` is free likewise.  Setting the free row (column) to zero when it is not, or to
ones on its support when it is, changes the zero pattern of that factor; invertible diagonal
scalings ``X_l -> D_{l-1}^{-1} X_l D_l`` keep every zero pattern, so the two factorizations
are inequivalent: the factorization is not identifiable.

>>> import flint
>>> from exactid.factorization.butterfly import to_compact
>>> one, zero = flint.fmpq(1), flint.fmpq(0)
>>> X1 = np.array([[one, zero], [one, zero]], dtype=object)  # N = 2, L = 1: nothing is free
>>> second_factorization([X1], 1) is None
True
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .layout import support_columns, to_compact, to_dense


def second_factorization(factors: Sequence[np.ndarray], L: int) -> Optional[tuple[list[np.ndarray], int, str]]:
    """``(factors2, level, what)``: the factors with one free row or column toggled, the level
    of the changed factor and a description; ``None`` when no factor has a zero column
    (levels 1..L-1) or a zero row (levels 2..L).  Factors are compact ``(N, 2)`` object arrays."""
    dense = [to_dense(f, L, l, l, f.flat[0] * 0) for l, f in enumerate(factors, start=1)]
    for l in range(1, L + 1):
        nonzero = dense[l - 1] != 0
        if l < L:
            for j in np.flatnonzero(~nonzero.any(axis=0)):
                return _toggle(factors, dense, L, l + 1, row=int(j)), l + 1, f"column {j} of X_{l} is zero"
        if l > 1:
            for i in np.flatnonzero(~nonzero.any(axis=1)):
                return _toggle(factors, dense, L, l - 1, col=int(i)), l - 1, f"row {i} of X_{l} is zero"
    return None


def _toggle(factors, dense, L: int, level: int, row: Optional[int] = None, col: Optional[int] = None) -> list:
    N = 1 << L
    D = dense[level - 1].copy()
    support = np.zeros((N, N), dtype=bool)
    support[np.arange(N)[:, None], support_columns(L, level, level)] = True
    where = (np.arange(N) == row)[:, None] & support if row is not None else support & (np.arange(N) == col)[None, :]
    zero = D.flat[0] * 0
    one = zero + 1
    D[where] = zero if (D[where] != 0).any() else one
    out = list(factors)
    out[level - 1] = np.ascontiguousarray(to_compact(D, L, level, level))
    return out
