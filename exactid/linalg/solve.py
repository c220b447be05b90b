"""Exact linear systems and determinants over Q and Q(zeta_n).

Systems over Q(zeta_n) are solved through the regular representation: each entry a
becomes the d x d matrix of multiplication by a in the power basis, turning an m x n
system over Q(zeta_n) into an (m d) x (n d) system over Q, solved by python-flint's exact
``fmpq_mat`` echelon form.  A pivot in the right-hand side proves inconsistency.
"""

from __future__ import annotations

import math
from typing import Any

import flint
import numpy as np

from ..domains.matrix import ExactMatrix, power_table, to_fmpz_mat
from ..errors import NoSolutionError, NotInvertibleError, ShapeError
from ..resources import ensure_fits


def regular_representation(matrix: ExactMatrix) -> flint.fmpz_mat:
    """Integer matrix of size (m d) x (n d) representing den * matrix over Q."""
    d = matrix.field.degree
    m, n = matrix.shape
    if d == 1:
        return matrix.fmpz_coefficients()[0]
    table = power_table(matrix.field)
    big = np.zeros((m * d, n * d), dtype=object)
    for k in range(d):
        mult = np.array([[table[k + t][s] for t in range(d)] for s in range(d)], dtype=object)
        if mult.any():
            big += np.kron(matrix.num[k].astype(object), mult)
    return to_fmpz_mat(big)


def _stack_rhs(rhs: ExactMatrix) -> np.ndarray:
    """Right-hand side columns as rational coefficient vectors (numerators, row i*d+s)."""
    d = rhs.field.degree
    m, k = rhs.shape
    return np.moveaxis(rhs.num, 0, 1).reshape(m * d, k)


def solve(A: ExactMatrix, B: ExactMatrix) -> ExactMatrix:
    """One exact solution X of A X = B (free unknowns set to zero).

    Raises :class:`NoSolutionError` when the system is inconsistent.

    >>> from exactid.domains import ExactMatrix, QQ
    >>> A = ExactMatrix.from_rows([[1, 1], [1, -1]], QQ)
    >>> b = ExactMatrix.from_rows([[3], [1]], QQ)
    >>> solve(A, b).tolist()
    [[2], [1]]
    """
    if A.field != B.field:
        raise ShapeError(f"fields differ: {A.field} and {B.field}")
    if A.nrows != B.nrows:
        raise ShapeError(f"A has {A.nrows} rows but B has {B.nrows}")
    d = A.field.degree
    m, n = A.shape
    k = B.ncols
    ensure_fits(64 * (m * d) * (n * d + k) * 4, "the linear system")
    left = regular_representation(A)
    right = to_fmpz_mat(_stack_rhs(B))
    # den_A^-1 N_A X = den_B^-1 N_B  <=>  N_A X = (den_A / den_B) N_B
    aug = flint.fmpq_mat(m * d, n * d + k)
    for i in range(m * d):
        for j in range(n * d):
            aug[i, j] = left[i, j]
    scale = flint.fmpq(A.den, B.den)
    for i in range(m * d):
        for j in range(k):
            aug[i, n * d + j] = right[i, j] * scale
    echelon, rank = aug.rref()
    x = np.zeros((n * d, k), dtype=object)
    xden = 1
    entries = []
    col = 0
    for i in range(rank):
        while echelon[i, col] == 0:
            col += 1
        if col >= n * d:
            raise NoSolutionError("the linear system is inconsistent")
        entries.append((col, [echelon[i, n * d + j] for j in range(k)]))
        col += 1
    for _, vals in entries:
        for v in vals:
            xden = xden * int(v.q) // math.gcd(xden, int(v.q))
    for col, vals in entries:
        for j, v in enumerate(vals):
            x[col, j] = int(v.p) * (xden // int(v.q))
    num = np.moveaxis(x.reshape(n, d, k), 1, 0)
    X = ExactMatrix(A.field, np.ascontiguousarray(num), xden)
    if (A @ X) != B:  # pragma: no cover - exact arithmetic; a failure is a bug
        raise NoSolutionError("internal check of the solution failed")
    return X


def inverse(A: ExactMatrix) -> ExactMatrix:
    """Exact inverse of a square matrix (raises :class:`NotInvertibleError`)."""
    if A.nrows != A.ncols:
        raise ShapeError(f"only square matrices have inverses, got {A.shape}")
    try:
        return solve(A, ExactMatrix.identity(A.nrows, A.field))
    except NoSolutionError:
        raise NotInvertibleError("the matrix is singular") from None


def det(A: ExactMatrix) -> Any:
    """Exact determinant.

    Over Q python-flint's ``fmpq_mat.det``; over Q(zeta_n) Gaussian elimination with
    exact field elements (O(n^3) element operations: meant for n up to a few dozen).

    >>> from exactid.domains import ExactMatrix, CyclotomicField
    >>> K = CyclotomicField(4)
    >>> det(ExactMatrix.from_rows([[K.zeta(), 0], [0, K.zeta()]], K)) == -1
    True
    """
    if A.nrows != A.ncols:
        raise ShapeError(f"determinant of a non-square {A.shape} matrix")
    if A.field.degree == 1:
        value = A.to_fmpq_mat().det() if A.nrows else flint.fmpq(1)
        return A.field.convert(value)
    rows = A.tolist()
    n = len(rows)
    result = A.field.one
    for c in range(n):
        pivot = next((r for r in range(c, n) if not rows[r][c].is_zero()), None)
        if pivot is None:
            return A.field.zero
        if pivot != c:
            rows[c], rows[pivot] = rows[pivot], rows[c]
            result = -result
        p = rows[c][c]
        result = result * p
        inv = p.inverse()
        for r in range(c + 1, n):
            if rows[r][c].is_zero():
                continue
            factor = rows[r][c] * inv
            rows[r] = [a - factor * b for a, b in zip(rows[r], rows[c])]
    return result
