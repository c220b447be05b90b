"""Rank-revealing elimination modulo word-size primes at the speed of float64 matrix products.

Entries are kept as balanced residues (``|a| <= p/2``, plus a few units after a reduction)
in float64 arrays.  Every product of two residues is below ``2^40`` for ``p < 2^21``, so a
dot product of up to ``KMAX`` terms stays below ``2^53`` and BLAS computes it exactly; longer
inner dimensions are split into chunks, each followed by a reduction.  A reduction is
``a - p * rint(a / p)`` with ``1 / p`` precomputed (exact: every operand is an integer below
``2^53`` and the quotient is off by at most one).

The elimination is recursive on rows in the manner of FFLAS-FFPACK: eliminate the top half,
solve a unit triangular system for the multipliers of the bottom half (recursive, by matrix
products), update the bottom half by one product, and eliminate what is left of it.  Rows
are taken in order, and each row's pivot is the first column where the row, reduced by all
earlier pivot rows, is nonzero.  That pivot is the first column on which the row becomes
independent of the rows above it, so the pivot rows are the row rank profile, the pivot
columns are the column rank profile, and the minor on both is nonzero: one elimination gives
the rank and a nonzero ``r x r`` minor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, Sequence

import flint
import numpy as np

from ..errors import InputError, ShapeError
from ..progress import progress
from ..resources import ensure_fits

#: Largest supported prime: residues of 20 bits, products of 40 bits, exact sums of 8191 of them.
PRIME_MAX = 2097143  # the largest prime below 2^21
#: Exact float64 integers.
_EXACT = float(1 << 53)
#: Leaf sizes of the recursions (rows eliminated one by one; triangular blocks inverted).
_LEAF_ROWS = 32
_LEAF_TRIANGLE = 64
#: Inputs with at least this many entries show progress on an interactive stderr.
_PROGRESS_ENTRIES = 4_000_000
#: Cap on the inner dimension of one exact product (lowered by tests to exercise the chunking).
_KMAX_CAP = 1 << 30


@dataclass(frozen=True)
class RankProfile:
    """Rank modulo p with the rows and columns of a nonzero ``rank x rank`` minor.

    ``rows`` is the row rank profile (the lexicographically first independent rows) and
    ``cols`` the column rank profile, both increasing.
    """

    rank: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]


def _is_prime(p: int) -> bool:
    return p >= 2 and bool(flint.fmpz(p).is_prime())


def iter_modular_primes(n: int = 1) -> Iterator[int]:
    """Primes ``p <= PRIME_MAX`` with ``p = 1 (mod n)``, largest first.

    For ``n > 1`` these primes split completely in Q(zeta_n).

    >>> next(iter_modular_primes()) == PRIME_MAX
    True
    >>> next(iter_modular_primes(8)) % 8
    1
    """
    if not isinstance(n, int) or n < 1:
        raise InputError(f"n must be a positive integer, got {n!r}")
    t = (PRIME_MAX - 1) // n
    while t > 0:
        p = 1 + n * t
        if _is_prime(p):
            yield p
        t -= 1


def modular_primes(count: int = 1, n: int = 1) -> list[int]:
    """The ``count`` largest primes ``p <= PRIME_MAX`` with ``p = 1 (mod n)``, decreasing.

    Deterministic: the same arguments give the same list.

    >>> modular_primes(2)
    [2097143, 2097133]
    >>> all(p % 5 == 1 for p in modular_primes(3, n=5))
    True
    """
    out = []
    for p in iter_modular_primes(n):
        if len(out) == count:
            break
        out.append(p)
    if len(out) < count:
        raise InputError(f"fewer than {count} primes = 1 mod {n} are at most {PRIME_MAX}")
    return out


def default_prime() -> int:
    """The prime used when none is given (``PRIME_MAX``).

    >>> default_prime()
    2097143
    """
    return PRIME_MAX


def _check_prime(p) -> int:
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer)):
        raise InputError(f"the modulus must be an integer prime, got {p!r}")
    p = int(p)
    if not 2 <= p <= PRIME_MAX or not _is_prime(p):
        raise InputError(f"the modulus must be a prime in [2, {PRIME_MAX}], got {p}")
    return p


class _Field:
    """Constants of F_p for the float64 arithmetic."""

    def __init__(self, p: int):
        self.p = p
        self.fp = float(p)
        self.pinv = 1.0 / p
        bound = p // 2 + 4  # largest magnitude of a reduced residue
        self.kmax = max(1, min(_KMAX_CAP, int((_EXACT - 2 * bound) // (bound * bound))))

    def reduce(self, a: np.ndarray, tmp: np.ndarray | None = None) -> None:
        """Reduce ``a`` in place to balanced residues (``|a| <= p/2 + 4``)."""
        if tmp is None or tmp.shape != a.shape:
            tmp = np.empty(a.shape)
        np.multiply(a, self.pinv, out=tmp)
        np.rint(tmp, out=tmp)
        tmp *= self.fp
        a -= tmp

    def mulsub(self, c: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        """``c <- c - a @ b (mod p)`` in place, exactly (chunks of the inner dimension)."""
        k = a.shape[1]
        if k == 0 or c.size == 0:
            return
        tmp = np.empty(c.shape)
        for s in range(0, k, self.kmax):
            np.matmul(a[:, s:s + self.kmax], b[s:s + self.kmax], out=tmp)
            c -= tmp
            self.reduce(c, tmp)

    def inverse(self, x: float) -> float:
        """Balanced inverse of a nonzero residue."""
        inv = pow(int(x) % self.p, -1, self.p)
        return float(inv - self.p if inv > self.p // 2 else inv)


def _to_residues(A, p: int, what: str = "matrix") -> np.ndarray:
    """Balanced residues of an integer array (or float64 array of integers) as float64."""
    if not isinstance(A, np.ndarray):
        raise InputError(f"{what}: expected a numpy array, got {type(A).__name__}")
    if A.ndim != 2:
        raise ShapeError(f"{what}: expected a 2-D array, got {A.ndim} dimensions")
    ensure_fits(8 * A.size * 3 + 16 * A.size, f"an elimination mod p of a {A.shape[0]}x{A.shape[1]} matrix")
    kind = A.dtype.kind
    if kind in "iub":
        res = np.remainder(A, p) if kind != "b" else A.astype(np.int64)
        out = res.astype(np.float64)
    elif kind == "f":
        if A.dtype != np.float64:
            A = A.astype(np.float64)
        if not np.isfinite(A).all() or not (A == np.rint(A)).all():
            raise InputError(f"{what}: a float array must hold integers only")
        out = np.fmod(A, float(p))  # exact for floats
    elif kind == "O":
        try:
            out = np.array([int(x) % p for x in A.ravel()], dtype=np.float64).reshape(A.shape)
        except (TypeError, ValueError):
            raise InputError(f"{what}: an object array must hold Python integers") from None
        if not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in A.flat):
            raise InputError(f"{what}: an object array must hold Python integers")
    else:
        raise InputError(f"{what}: unsupported dtype {A.dtype}")
    half = p // 2
    out[out > half] -= p
    out[out < -half] += p
    return np.ascontiguousarray(out)


def _unit_upper_inverse(T: np.ndarray, F: _Field) -> np.ndarray:
    """Inverse mod p of a small unit upper triangular matrix (columns by substitution)."""
    r = T.shape[0]
    inv = np.eye(r)
    for j in range(1, r):
        col = -(inv[:j, :j] @ T[:j, j])
        F.reduce(col)
        inv[:j, j] = col
    return inv


def _solve_unit_upper(B: np.ndarray, T: np.ndarray, F: _Field) -> None:
    """Overwrite ``B`` with X such that ``X @ T = B (mod p)``, T unit upper triangular."""
    r = T.shape[0]
    if r == 0 or B.shape[0] == 0:
        return
    if r <= _LEAF_TRIANGLE:
        X = B @ _unit_upper_inverse(T, F)
        F.reduce(X)
        B[...] = X
        return
    h = r // 2
    _solve_unit_upper(B[:, :h], T[:h, :h], F)
    F.mulsub(B[:, h:], B[:, :h], T[:h, h:])
    _solve_unit_upper(B[:, h:], T[h:, h:], F)


class _Elimination:
    def __init__(self, F: _Field, bar):
        self.F = F
        self.bar = bar

    def leaf(self, W: np.ndarray) -> tuple[list[int], list[int], np.ndarray]:
        """Row by row: reduce each row by the leaf's earlier pivot rows, pivot at its first nonzero."""
        F = self.F
        m, n = W.shape
        U = np.empty((min(m, n), n))
        Tinv = np.empty((min(m, n), min(m, n)))  # inverse of U[:, pivots], unit upper triangular
        rows: list[int] = []
        cols: list[int] = []
        for i in range(m):
            row = W[i]
            k = len(cols)
            if k == n:
                break
            if k:
                x = row[cols] @ Tinv[:k, :k]
                F.reduce(x)
                row = row - x @ U[:k]
                F.reduce(row)
            nz = np.flatnonzero(row)
            if nz.size == 0:
                continue
            j = int(nz[0])
            row = row * F.inverse(row[j])
            F.reduce(row)
            if k:  # border the inverse: [[T, t], [0, 1]]^-1 = [[T^-1, -T^-1 t], [0, 1]]
                t = -(Tinv[:k, :k] @ U[:k, j])
                F.reduce(t)
                Tinv[:k, k] = t
            Tinv[k, :k] = 0.0
            Tinv[k, k] = 1.0
            U[k] = row
            rows.append(i)
            cols.append(j)
        self.bar.update(m)
        return rows, cols, U[:len(cols)]

    def run(self, W: np.ndarray) -> tuple[list[int], list[int], np.ndarray]:
        """Pivot rows (increasing), their pivot columns and the normalized pivot rows.

        The pivot rows ``U`` have ``U[k, cols[k]] = 1`` and ``U[k, cols[j]] = 0`` for j < k.
        ``W`` is overwritten.
        """
        m, n = W.shape
        if m == 0 or n == 0:
            self.bar.update(m)
            return [], [], np.zeros((0, n))
        if m <= _LEAF_ROWS:
            return self.leaf(W)
        m1 = m // 2
        rows1, cols1, U1 = self.run(W[:m1])
        r1 = len(cols1)
        if r1 == n:  # every column has a pivot: the rows below are dependent
            self.bar.update(m - m1)
            return rows1, cols1, U1
        W2 = W[m1:]
        if r1 == 0:
            rows2, cols2, U2 = self.run(W2)
            return rows1 + [m1 + i for i in rows2], cols1 + cols2, U2
        free = np.ones(n, dtype=bool)
        free[cols1] = False
        free_idx = np.flatnonzero(free)
        X = W2.take(cols1, axis=1)  # multipliers: X @ U1[:, cols1] = W2[:, cols1]
        _solve_unit_upper(X, U1.take(cols1, axis=1), self.F)
        rest = W2.take(free_idx, axis=1)
        del W2
        self.F.mulsub(rest, X, U1.take(free_idx, axis=1))
        del X
        rows2, cols2, U2f = self.run(rest)
        del rest
        U = np.zeros((r1 + len(cols2), n))
        U[:r1] = U1
        U[r1:, free_idx] = U2f
        return rows1 + [m1 + i for i in rows2], cols1 + [int(free_idx[c]) for c in cols2], U


def _eliminate(W: np.ndarray, p: int, desc: str) -> tuple[list[int], list[int]]:
    m, n = W.shape
    show = None if W.size >= _PROGRESS_ENTRIES else False
    with progress(m, desc, enabled=show) as bar:
        rows, cols, _ = _Elimination(_Field(p), bar).run(W)
    return rows, cols


def rank_profile(A: np.ndarray, p: int) -> RankProfile:
    """Rank of ``A`` modulo the prime ``p`` with its row and column rank profiles.

    Parameters
    ----------
    A : numpy.ndarray
        2-D array of integers (any integer dtype; float64 arrays holding integers and
        object arrays of Python integers are accepted).  Entries are reduced modulo p.
    p : int
        A prime with ``2 <= p <= PRIME_MAX``.

    Returns
    -------
    RankProfile
        ``rank`` and the increasing ``rows`` and ``cols`` of a minor nonzero modulo p.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.array([[0, 0, 0], [0, 2, 4], [0, 1, 2], [1, 0, 5]])
    >>> rank_profile(A, 7)
    RankProfile(rank=2, rows=(1, 3), cols=(0, 1))
    """
    p = _check_prime(p)
    W = _to_residues(A, p)
    rows, cols = _eliminate(W, p, "elimination mod p")
    return RankProfile(len(rows), tuple(rows), tuple(sorted(cols)))


def rank_mod_p(A: np.ndarray, p: int) -> int:
    """Rank of ``A`` modulo the prime ``p`` (see :func:`rank_profile`).

    >>> import numpy as np
    >>> rank_mod_p(np.array([[1, 2], [3, 6]]), 11), rank_mod_p(np.array([[1, 2], [3, 7]]), 11)
    (1, 2)
    """
    return rank_profile(A, p).rank


def _index_tuple(indices: Sequence[int], size: int, what: str) -> list[int]:
    try:
        out = [int(i) for i in indices]
    except (TypeError, ValueError):
        raise InputError(f"{what}: expected a sequence of integers") from None
    if any(not 0 <= i < size for i in out):
        raise InputError(f"{what}: indices must lie in [0, {size})")
    if len(set(out)) != len(out):
        raise InputError(f"{what}: repeated index")
    return out


def minor_nonzero_mod_p(A: np.ndarray, rows: Sequence[int], cols: Sequence[int], p: int) -> bool:
    """Whether the minor of ``A`` on ``rows`` and ``cols`` is nonzero modulo ``p``.

    ``rows`` and ``cols`` must have the same length; the empty minor is 1.

    >>> import numpy as np
    >>> A = np.array([[1, 2, 3], [2, 4, 7]])
    >>> minor_nonzero_mod_p(A, [0, 1], [0, 1], 5), minor_nonzero_mod_p(A, [0, 1], [0, 2], 5)
    (False, True)
    """
    p = _check_prime(p)
    if not isinstance(A, np.ndarray) or A.ndim != 2:
        raise ShapeError("minor_nonzero_mod_p: expected a 2-D numpy array")
    r = _index_tuple(rows, A.shape[0], "rows")
    c = _index_tuple(cols, A.shape[1], "cols")
    if len(r) != len(c):
        raise ShapeError(f"a minor needs as many rows as columns, got {len(r)} and {len(c)}")
    if not r:
        return True
    W = _to_residues(A[np.ix_(r, c)], p, "minor")
    got, _ = _eliminate(W, p, "minor mod p")
    return len(got) == len(r)


__all__ = [
    "PRIME_MAX", "RankProfile", "default_prime", "iter_modular_primes", "minor_nonzero_mod_p",
    "modular_primes", "rank_mod_p", "rank_profile",
]
