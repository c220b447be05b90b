"""Nonsingularity of a square integer matrix modulo a prime, at the speed of float64 products.

For p < 2^21 and matrices of at least ``FLOAT_MIN_SIZE`` rows the determinant's vanishing
is decided by an LU factorization mod p whose bulk is float64 matrix products; otherwise
by ``flint.nmod_mat``.

Residues are balanced (``|a| <= p/2``), so a product of two is below 2^40 and a dot product
of up to ``CHUNK`` = 4096 of them stays below 2^53: BLAS computes it exactly.  A reduction is
``a - p * rint(a / p)``, exact for integers below 2^53 (the computed quotient is off by far
less than 1/2, so a multiple of p reduces to exactly 0).  The LU is the recursive one of
Toledo (left half, triangular solve, Schur update, right half), with any nonzero pivot; the
matrix is singular exactly when a column of the Schur complement is zero.
"""

from __future__ import annotations

import flint
import numpy as np

#: Primes below this use the float64 path (products of residues below 2^40).
FLOAT_PRIME_LIMIT = 1 << 21
#: Smaller matrices go to nmod_mat (as fast, and no float setup).
FLOAT_MIN_SIZE = 32
#: Longest exact dot product of residues (4096 * 2^40 < 2^53).
CHUNK = 4096


def _reduce(a: np.ndarray, p: int) -> None:
    a -= np.rint(a * (1.0 / p)) * p


def _mulsub(c: np.ndarray, a: np.ndarray, b: np.ndarray, p: int) -> None:
    """c <- c - a @ b (mod p), in place."""
    for s in range(0, a.shape[1], CHUNK):
        c -= a[:, s:s + CHUNK] @ b[s:s + CHUNK]
        _reduce(c, p)


def _solve_unit_lower(L: np.ndarray, B: np.ndarray, p: int) -> None:
    """B <- L^-1 B (mod p) for a unit lower triangular L."""
    k = L.shape[0]
    if k <= 16:
        for i in range(1, k):
            _mulsub(B[i:i + 1], L[i:i + 1, :i], B[:i], p)
        return
    h = k // 2
    _solve_unit_lower(L[:h, :h], B[:h], p)
    _mulsub(B[h:], L[h:, :h], B[:h], p)
    _solve_unit_lower(L[h:, h:], B[h:], p)


def _lu(A: np.ndarray, j0: int, j1: int, p: int) -> bool:
    """Factor columns j0..j1 of A (rows j0..) in place, swapping whole rows; False if singular."""
    if j1 - j0 <= 8:  # a narrow panel column by column (outer products: no small BLAS calls)
        for j in range(j0, j1):
            nonzero = np.flatnonzero(A[j:, j])
            if nonzero.size == 0:
                return False
            i = j + int(nonzero[0])
            if i != j:
                A[[j, i]] = A[[i, j]]
            column = A[j + 1:, j]
            column *= pow(int(A[j, j]) % p, -1, p)
            _reduce(column, p)
            block = A[j + 1:, j + 1:j1]
            block -= np.outer(column, A[j, j + 1:j1])
            _reduce(block, p)
        return True
    h = (j0 + j1) // 2
    if not _lu(A, j0, h, p):
        return False
    _solve_unit_lower(A[j0:h, j0:h], A[j0:h, h:j1], p)
    _mulsub(A[h:, h:j1], A[h:, j0:h], A[j0:h, h:j1], p)
    return _lu(A, h, j1, p)


def nonsingular_mod_p(M, p: int) -> bool:
    """Whether the square integer matrix ``M`` (numpy array) has a nonzero determinant mod p.

    ``p`` must be a prime (the caller checks it); entries may be any integers.

    >>> nonsingular_mod_p(np.array([[1, 2], [3, 4]]), 5), nonsingular_mod_p(np.array([[1, 2], [3, 6]]), 5)
    (True, False)
    >>> nonsingular_mod_p(np.eye(40, dtype=np.int64), 65537)
    True
    """
    M = np.asarray(M)
    n = M.shape[0]
    if M.ndim != 2 or M.shape != (n, n):
        raise ValueError("expected a square matrix")
    if n == 0:
        return True
    A = np.remainder(M, p)
    if p >= FLOAT_PRIME_LIMIT or n < FLOAT_MIN_SIZE:
        return flint.nmod_mat(n, n, [int(x) for x in A.ravel().tolist()], p).rank() == n
    A = A.astype(np.float64)
    A[A > p // 2] -= p
    return _lu(A, 0, n, p)
