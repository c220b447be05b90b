"""Rank-revealing elimination modulo word-size primes at the speed of float64 matrix products.

Entries are kept as balanced residues (``|a| <= p/2``, plus at most 2 after a reduction)
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

Leaves of the recursion (``_LEAF_ROWS`` rows) eliminate row by row on a window of leading
columns, with an identity block appended that records each reduced row as a combination of
the leaf's rows; one product applies that combination to all columns.  A row's multipliers
read only pivot columns, so a row that pivots in the window pivots there on all columns too;
a row zero on the window is dependent if its combination vanishes on all columns, and
otherwise the leaf starts again on a window four times wider (at last on all columns), so the
pivots are exactly those of the row-by-row elimination.  Reductions after a product and the
conversion of integer input are fused by cache-sized chunks of rows.
"""

from __future__ import annotations

import math
from contextlib import nullcontext
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
#: Narrowest column window on which a leaf looks for its pivots first.
_LEAF_WINDOW = 64
#: Inputs with at least this many entries show progress on an interactive stderr.
_PROGRESS_ENTRIES = 4_000_000
#: Cap on the inner dimension of one exact product (lowered by tests to exercise the chunking).
_KMAX_CAP = 1 << 30
#: Entries of the buffer that receives one block of a product (32 MiB).
_BLOCK_ENTRIES = 1 << 22
#: Entries of one chunk of a fused elementwise reduction (256 KiB, within the L2 cache).
_CHUNK_ENTRIES = 1 << 15
#: Products of fewer multiply-adds run on one BLAS thread (see ``_BlasThreads``).
_THREADED_WORK = 1 << 27


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


class _BlasThreads:
    """BLAS threads for large products only.

    On a busy machine a threaded BLAS call waits for every one of its threads; for the many
    small products of the recursion that wait dominated (5-7x slower than one thread at a
    load of 8 on 2 cores).  Uses threadpoolctl when it is installed; without it BLAS keeps
    its own setting.
    """

    def __init__(self):
        self.controller, self.threads = None, 1
        try:
            from threadpoolctl import ThreadpoolController

            controller = ThreadpoolController().select(user_api="blas")
            threads = max((lib.num_threads for lib in controller.lib_controllers), default=1)
        except Exception:  # pragma: no cover - threadpoolctl missing or unable to inspect BLAS
            return
        if threads > 1:
            self.controller, self.threads = controller, threads

    def single(self):
        return self.controller.limit(limits=1) if self.controller else nullcontext()

    def all(self):
        return self.controller.limit(limits=self.threads) if self.controller else nullcontext()


class _Field:
    """Constants of F_p for the float64 arithmetic.

    A reduction of an integer ``|a| <= xmax`` returns ``|r| <= bound`` with ``r = a (mod p)``:
    the computed quotient ``a * (1/p)`` is off from ``a / p`` by at most ``xmax * 2^-52 / p``,
    so ``|r| <= p/2 + min(2, p/4) < p`` and a zero residue is exactly 0.
    """

    def __init__(self, p: int):
        self.p = p
        self.fp = float(p)
        self.pinv = 1.0 / p
        self.xmax = min(_EXACT, float(p) * 2.0**50)
        self.bound = math.floor(p / 2 + min(2.0, p / 4))
        b = float(self.bound)
        self.kmax = max(1, min(_KMAX_CAP, int((self.xmax - b) // (b * b))))
        self._buffer = np.empty(0)
        self.threads: _BlasThreads | None = None  # set for large eliminations

    def reduce(self, a: np.ndarray, tmp: np.ndarray | None = None) -> None:
        """Reduce ``a`` (integers, ``|a| <= xmax``) in place to residues ``|a| <= bound``."""
        if tmp is None or tmp.shape != a.shape:
            tmp = np.empty(a.shape)
        np.multiply(a, self.pinv, out=tmp)
        np.rint(tmp, out=tmp)
        tmp *= self.fp
        a -= tmp

    def scratch(self, rows: int, cols: int) -> np.ndarray:
        """A reusable ``rows x cols`` buffer (allocated once: fresh pages are slow to fault in)."""
        if self._buffer.size < rows * cols:
            self._buffer = np.empty(rows * cols)
        return self._buffer[:rows * cols].reshape(rows, cols)

    def reduce_rows(self, a: np.ndarray, sub: np.ndarray | None = None, src: np.ndarray | None = None) -> None:
        """:meth:`reduce` of ``a`` (or of ``a - sub``; or of ``src`` cast into ``a``) in place.

        Fused by chunks of rows small enough for the cache (``_CHUNK_ENTRIES``): each entry
        goes through memory once instead of once per elementwise pass.
        """
        step = max(1, _CHUNK_ENTRIES // max(a.shape[1], 1))
        q = np.empty(min(a.shape[0], step) * a.shape[1])
        for i in range(0, a.shape[0], step):
            block = a[i:i + step]
            t = q[:block.size].reshape(block.shape)
            if src is not None:
                np.copyto(block, src[i:i + step], casting="unsafe")  # exact: integers below 2^53
            if sub is not None:
                block -= sub[i:i + step]
            np.multiply(block, self.pinv, out=t)
            np.rint(t, out=t)
            t *= self.fp
            block -= t

    def mulsub(self, c: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
        """``c <- c - a @ b (mod p)`` in place, exactly (chunks of the inner dimension).

        Rows go by blocks so that the product's buffer stays small and is reused.
        """
        (m, k), n = a.shape, c.shape[1]
        if k == 0 or c.size == 0:
            return
        step = max(512, _BLOCK_ENTRIES // max(n, 1))
        for s in range(0, k, self.kmax):
            a_s, b_s = a[:, s:s + self.kmax], b[s:s + self.kmax]
            for i in range(0, m, step):
                e = min(m, i + step)
                tmp = self.scratch(e - i, n)
                big = (e - i) * a_s.shape[1] * n >= _THREADED_WORK
                with self.threads.all() if big and self.threads else nullcontext():
                    np.matmul(a_s[i:e], b_s, out=tmp)
                self.reduce_rows(c[i:e], sub=tmp)

    def product(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``a @ b (mod p)``, exactly (chunks of the inner dimension), into ``out`` or a new array."""
        if out is None:
            out = np.empty((a.shape[0], b.shape[1]))
        np.matmul(a[:, :self.kmax], b[:self.kmax], out=out)
        self.reduce_rows(out)
        if a.shape[1] > self.kmax:
            self.mulsub(out, -a[:, self.kmax:], b[self.kmax:])
        return out

    def inverse(self, x: float) -> float:
        """Balanced inverse of a nonzero residue."""
        inv = pow(int(x) % self.p, -1, self.p)
        return float(inv - self.p if inv > self.p // 2 else inv)


def _to_residues(A, F: _Field, what: str = "matrix", overwrite: bool = False) -> np.ndarray:
    """Residues of an integer array (or float64 array of integers) as float64, ``|r| <= F.bound``.

    With ``overwrite`` a C-contiguous float64 ``A`` is reduced in its own memory (checked and
    reduced by blocks of rows), so a caller that no longer needs ``A`` saves a full copy."""
    if not isinstance(A, np.ndarray):
        raise InputError(f"{what}: expected a numpy array, got {type(A).__name__}")
    if A.ndim != 2:
        raise ShapeError(f"{what}: expected a 2-D array, got {A.ndim} dimensions")
    p, kind = F.p, A.dtype.kind
    if overwrite and A.dtype == np.float64 and A.flags.c_contiguous and A.flags.writeable:
        ensure_fits(8 * A.size * 2, f"an elimination mod p of a {A.shape[0]}x{A.shape[1]} matrix")
        step = max(1, (1 << 22) // max(1, A.shape[1]))
        for i in range(0, A.shape[0], step):
            block = A[i:i + step]
            if not np.isfinite(block).all() or not (block == np.rint(block)).all():
                raise InputError(f"{what}: a float array must hold integers only")
            np.fmod(block, float(p), out=block)
            block[block > p // 2] -= p
            block[block < -(p // 2)] += p
        return A
    ensure_fits(8 * A.size * 3 + 8 * A.size, f"an elimination mod p of a {A.shape[0]}x{A.shape[1]} matrix")
    if kind == "b":
        return A.astype(np.float64)
    if kind in "iu" and A.size and int(A.max()) <= F.xmax and int(A.min()) >= -F.xmax:
        out = np.empty(A.shape)
        F.reduce_rows(out, src=A)
        return out
    if kind in "iu":
        out = np.remainder(A, p).astype(np.float64)
    elif kind == "f":
        if A.dtype != np.float64:
            A = A.astype(np.float64)
        if not np.isfinite(A).all() or not (A == np.rint(A)).all():
            raise InputError(f"{what}: a float array must hold integers only")
        out = np.fmod(A, float(p))  # exact for floats
    elif kind == "O":
        if not all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in A.flat):
            raise InputError(f"{what}: an object array must hold Python integers")
        out = np.array([int(x) % p for x in A.flat], dtype=np.float64).reshape(A.shape)
    else:
        raise InputError(f"{what}: unsupported dtype {A.dtype}")
    out[out > p // 2] -= p
    out[out < -(p // 2)] += p
    return np.ascontiguousarray(out)


def _unit_upper_inverse(T: np.ndarray, F: _Field) -> np.ndarray:
    """Inverse mod p of a small unit upper triangular ``T = I - M``: (I + M)(I + M^2)(I + M^4)..."""
    r = T.shape[0]
    eye = np.eye(r)
    M = eye - T
    inv, power, span = eye + M, M, 2
    while span < r:  # M is nilpotent: M^r = 0
        power = power @ power
        F.reduce(power)
        inv = inv + inv @ power
        F.reduce(inv)
        span *= 2
    return inv


def _solve_unit_upper(B: np.ndarray, T: np.ndarray, F: _Field) -> None:
    """Overwrite ``B`` with X such that ``X @ T = B (mod p)``, T unit upper triangular."""
    r = T.shape[0]
    if r == 0 or B.shape[0] == 0:
        return
    if r <= _LEAF_TRIANGLE:
        X = F.scratch(*B.shape)
        np.matmul(B, _unit_upper_inverse(T, F), out=X)
        F.reduce(X)
        B[...] = X
        return
    h = r // 2
    _solve_unit_upper(B[:, :h], T[:h, :h], F)
    F.mulsub(B[:, h:], B[:, :h], T[:h, h:])
    _solve_unit_upper(B[:, h:], T[h:, h:], F)


def _solve_left_unit_upper(T: np.ndarray, B: np.ndarray, F: _Field) -> np.ndarray:
    """Y with ``T @ Y = B (mod p)``, T unit upper triangular, as a new array.

    Reversing the order of rows and columns turns the transposed system into one of the
    form ``X @ T' = B'`` with ``T'`` unit upper triangular.
    """
    X = np.ascontiguousarray(B.T[:, ::-1])
    _solve_unit_upper(X, np.ascontiguousarray(T.T[::-1, ::-1]), F)
    return np.ascontiguousarray(X[:, ::-1].T)


class _Elimination:
    """The recursion.  Pivot rows are written into ``out`` arrays given by the caller, in the
    column order ``cols`` + the other columns increasing: ``out[:r] = [T | F]`` with T unit
    upper triangular.  Nodes whose pivot rows nobody needs let their top half write its pivot
    rows over its own rows, so the recursion allocates no matrix-sized buffer.

    ``out`` may therefore overlap ``W``: then ``out[k]`` is the row ``d >= 0`` rows above
    ``W[k]`` (same columns), and every write to ``out[k]`` comes after the rows of ``W`` up to
    ``W[k]`` have been read.  The top half's pivot rows ``out[:r1]`` lie above ``W[m1:]``, and
    the bottom half's ``out[r1:, r1:]`` lies ``m1 - r1 + d`` rows above its ``W[m1:, r1:]`` (the
    bottom half is a copy when the top pivots are not the leading columns)."""

    def __init__(self, F: _Field, bar, m: int, n: int):
        self.F = F
        self.bar = bar

    def leaf(self, W: np.ndarray, out: np.ndarray | None) -> tuple[list[int], list[int]]:
        """Row by row: reduce each row by the leaf's earlier pivot rows, pivot at its first nonzero.

        The rows are first eliminated on a window of leading columns (see :meth:`window_leaf`);
        when that cannot decide, on a window four times wider, and at last on all columns.
        """
        m, n = W.shape
        w = max(2 * m, _LEAF_WINDOW)
        while w < n:
            got = self.window_leaf(W, out, w)
            if got is not None:
                self.bar.update(m)
                return got
            w *= 4
        U = np.empty((min(m, n), n)) if out is None else out
        rows, cols, _ = self.rowwise(W, n, U)
        self.bar.update(m)
        if out is not None and not _is_leading(cols):
            out[:len(cols)] = out[:len(cols)].take(cols + _complement(cols, n), axis=1)
        return rows, cols

    def window_leaf(self, W: np.ndarray, out: np.ndarray | None, w: int):
        """The leaf on the first ``w > m`` columns, applied to all columns by one product.

        Row by row on ``[W[:, :w] | I]``: each row is reduced by the earlier pivot rows and
        pivots at its first nonzero among the ``w`` window columns, and the identity part
        records each reduced row as a combination ``c @ W``.  A row's multipliers only read
        pivot columns, all in the window, so they are those of the elimination on all columns;
        a row that pivots in the window pivots there on all columns too.  A row that is zero on
        the window (deferred) is dependent only if ``c @ W`` is zero on all columns: when one is
        not, it would pivot right of the window, and ``None`` tells the caller to widen it.
        Otherwise the pivot rows are ``C @ W`` (one product, one reduction).
        """
        F = self.F
        m, n = W.shape
        aug = np.zeros((m, w + m))
        aug[:, :w] = W[:, :w]
        np.fill_diagonal(aug[:, w:], 1.0)
        U = np.empty((m, w + m))
        rows, cols, deferred = self.rowwise(aug, w, U)
        if deferred and F.product(np.array(deferred)[:, w:], W[:, w:]).any():
            return None
        r = len(cols)
        if out is not None and r:
            out[:r, :w] = U[:r, :w] if _is_leading(cols) else U[:r, :w].take(cols + _complement(cols, w), axis=1)
            if np.may_share_memory(out, W):  # the product reads rows of W that out[:r] overlaps
                out[:r, w:] = F.product(U[:r, w:], W[:, w:])
            else:
                F.product(U[:r, w:], W[:, w:], out[:r, w:])
        return rows, cols

    def rowwise(self, W: np.ndarray, limit: int, U: np.ndarray) -> tuple[list[int], list[int], list[np.ndarray]]:
        """Rows of ``W`` one by one, reduced by the earlier pivot rows; a row pivots at its first
        nonzero among the first ``limit`` columns and is written, normalized, to ``U``.  Returns
        the pivot rows, their pivot columns, and the reduced rows that are zero on those columns
        (only when ``limit`` is below the width)."""
        F = self.F
        m, n = W.shape
        Tinv = np.empty((min(m, limit), min(m, limit)))  # inverse of U[:, pivots], unit upper triangular
        rows: list[int] = []
        cols: list[int] = []
        deferred: list[np.ndarray] = []
        for i in range(m):
            row = W[i]
            k = len(cols)
            if k == limit:  # every column has a pivot: the rows below are dependent
                break
            if k:
                x = row[cols] @ Tinv[:k, :k]
                F.reduce(x)
                row = row - x @ U[:k]
                F.reduce(row)
            nz = np.flatnonzero(row[:limit])
            if nz.size == 0:
                if limit < n:
                    deferred.append(row)
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
        return rows, cols, deferred

    def run(self, W: np.ndarray, out: np.ndarray | None = None) -> tuple[list[int], list[int]]:
        """Pivot rows of ``W`` (increasing) and their pivot columns; ``W`` is overwritten.

        With ``out`` (at least min(m, n) rows, n columns) the normalized pivot rows go to
        ``out[:r]`` in the column order described in the class docstring.
        """
        m, n = W.shape
        if m == 0 or n == 0:
            self.bar.update(m)
            return [], []
        if m <= _LEAF_ROWS:
            return self.leaf(W, out)
        m1 = m // 2
        top = out if out is not None else W[:min(m1, n)]
        rows1, cols1 = self.run(W[:m1], top)
        r1 = len(cols1)
        if r1 == n:  # every column has a pivot: the rows below are dependent
            self.bar.update(m - m1)
            return rows1, cols1
        if r1 == 0:
            rows2, cols2 = self.run(W[m1:], out)
            return [m1 + i for i in rows2], cols2
        free1 = _complement(cols1, n)
        # generic matrices pivot on the leading columns: then no copy is needed
        Wp = W[m1:] if _is_leading(cols1) else W[m1:].take(cols1 + free1, axis=1)
        X, rest = Wp[:, :r1], Wp[:, r1:]
        # the bottom rows reduced by the top pivot rows: rest - W2[:, cols1] T1^-1 F1
        if n - r1 < m - m1:  # fewer columns left than rows: solve for T1^-1 F1 (tall inputs)
            self.F.mulsub(rest, X, _solve_left_unit_upper(top[:r1, :r1], top[:r1, r1:], self.F))
        else:  # multipliers X T1 = W2[:, cols1]
            _solve_unit_upper(X, top[:r1, :r1], self.F)
            self.F.mulsub(rest, X, top[:r1, r1:])
        del X
        if not (rest[0].any() or rest.any()):  # the bottom rows depend on the top ones (tall matrices)
            self.bar.update(m - m1)
            return rows1, cols1
        rows2, cols2 = self.run(rest, None if out is None else out[r1:, r1:])
        del rest, Wp
        r2 = len(cols2)
        if out is not None and r2:
            if not _is_leading(cols2):
                out[:r1, r1:] = out[:r1, r1:].take(cols2 + _complement(cols2, n - r1), axis=1)
            out[r1:r1 + r2, :r1] = 0.0
        return rows1 + [m1 + i for i in rows2], cols1 + [free1[c] for c in cols2]


def _is_leading(cols: list[int]) -> bool:
    """Whether ``cols`` is 0, 1, ..., len(cols) - 1."""
    return not cols or (cols[-1] == len(cols) - 1 and cols == list(range(len(cols))))


def _complement(cols: list[int], n: int) -> list[int]:
    """The indices in range(n) that are not in ``cols``, increasing."""
    taken = np.zeros(n, dtype=bool)
    taken[cols] = True
    return np.flatnonzero(~taken).tolist()


def _eliminate(W: np.ndarray, F: _Field, desc: str) -> tuple[list[int], list[int]]:
    m, n = W.shape
    large = W.size >= _PROGRESS_ENTRIES
    with progress(m, desc, enabled=None if large else False) as bar:
        F.threads = _BlasThreads() if large else None  # the caller's current setting
        with F.threads.single() if large else nullcontext():
            rows, cols = _Elimination(F, bar, m, n).run(W)
        F.threads = None
    return rows, cols


def rank_profile(A: np.ndarray, p: int, overwrite: bool = False) -> RankProfile:
    """Rank of ``A`` modulo the prime ``p`` with its row and column rank profiles.

    Parameters
    ----------
    A : numpy.ndarray
        2-D array of integers (any integer dtype; float64 arrays holding integers and
        object arrays of Python integers are accepted).  Entries are reduced modulo p.
    p : int
        A prime with ``2 <= p <= PRIME_MAX``.
    overwrite : bool
        Allow the elimination to work in ``A``'s memory when ``A`` is a C-contiguous float64
        array (``A`` is destroyed); saves one copy of the matrix.

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
    F = _Field(_check_prime(p))
    rows, cols = _eliminate(_to_residues(A, F, overwrite=overwrite), F, "elimination mod p")
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
    F = _Field(p)
    got, _ = _eliminate(_to_residues(A[np.ix_(r, c)], F, "minor"), F, "minor mod p")
    return len(got) == len(r)


__all__ = [
    "PRIME_MAX", "RankProfile", "default_prime", "iter_modular_primes", "minor_nonzero_mod_p",
    "modular_primes", "rank_mod_p", "rank_profile",
]
