"""Matrices whose entries are short sums of roots of unity, for large exact checks.

The named transforms have entries that are one or two roots of unity over a small
denominator (``cos = (z^t + z^-t)/2``).  Storing the dense coefficient array of DCT-II of
size 256 over Q(zeta_1024) takes 512 x 256 x 256 integers; storing the exponents takes two
256 x 256 arrays.  :class:`RootSumMatrix` keeps the exponents and answers the two questions
the two-layer engine needs:

- the image of every entry modulo a split prime (``mod_p``), for "nonzero" facts and ratio
  classes, and
- exactly whether 2 x 2 minors vanish (``minors_vanish``), by reducing a sum of signed
  roots of unity modulo the cyclotomic polynomial (a negacyclic fold when the conductor is
  a power of two, a table of reduced powers otherwise).

Any :class:`~exactid.domains.ExactMatrix` converts too (one term per power-basis
coefficient), so user data goes through the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..domains import QQ, CyclotomicField, ExactMatrix
from ..domains.finite import Reduction, root_of_order, split_primes
from ..domains.matrix import power_table
from ..errors import InputError

__all__ = ["RootSumMatrix", "named_root_sums", "reduction_for", "NAMED_ROOT_SUMS"]

#: Largest modulus used for vectorized arithmetic: products of two residues fit in int64.
PRIME_BITS = 31


@dataclass
class RootSumMatrix:
    """``Z[i, j] = (1/den) * sum_t coeffs[t, i, j] * zeta_c^exps[t, i, j]``.

    ``conductor`` c = 1 means the rationals (all exponents 0).  ``name``/``size`` record a
    named matrix so that certificates can refer to it instead of listing entries.

    >>> Z = named_root_sums("dft", 4)
    >>> Z.shape, Z.conductor
    ((4, 4), 4)
    >>> bool(Z.minors_vanish([0], [0], [2], [2])[0])   # 1*1 - 1*1 = 0
    True
    """

    conductor: int
    exps: np.ndarray  # (T, m, n) int64, reduced mod conductor
    coeffs: np.ndarray  # (T, m, n) int64 or object
    den: int
    name: Optional[str] = None
    size: Optional[int] = None

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.exps.shape[1]), int(self.exps.shape[2])

    @property
    def field_name(self) -> str:
        return "QQ" if self.conductor <= 2 else f"QQ(zeta_{self.conductor})"

    @classmethod
    def from_exact(cls, matrix: ExactMatrix) -> "RootSumMatrix":
        """One term per power-basis coefficient of an exact matrix."""
        c = matrix.field.conductor if matrix.field is not QQ else 1
        d = matrix.field.degree
        num = np.asarray(matrix.num)
        exps = np.broadcast_to(np.arange(d, dtype=np.int64)[:, None, None], num.shape).copy()
        # Minors multiply two coefficients and add 2 d^2 products: keep int64 only when safe.
        biggest = max((abs(int(x)) for x in num.flat), default=0)
        safe = biggest ** 2 * 2 * d * d * 64 < 1 << 62
        return cls(c, exps, num.astype(np.int64) if safe else num.astype(object), int(matrix.den))

    def transpose(self) -> "RootSumMatrix":
        return RootSumMatrix(self.conductor, self.exps.transpose(0, 2, 1).copy(),
                             self.coeffs.transpose(0, 2, 1).copy(), self.den, self.name, self.size)

    def mod_p(self, reduction: Reduction) -> np.ndarray:
        """Entries modulo ``reduction.p`` (zeta_c -> root) as an int64 array (p < 2^31)."""
        p = reduction.p
        if p >= 1 << PRIME_BITS:
            raise InputError(f"vectorized reduction needs p < 2^{PRIME_BITS}")
        if self.den % p == 0:
            raise InputError(f"denominator divisible by p = {p}")
        c = max(self.conductor, 1)
        powers = np.array(reduction.powers(c) if reduction.conductor == c else [1], dtype=np.int64)
        acc = np.zeros(self.shape, dtype=np.int64)
        for t in range(self.exps.shape[0]):
            coeff = np.asarray(self.coeffs[t] % p, dtype=np.int64) if self.coeffs.dtype != object else \
                np.array([[int(v) % p for v in row] for row in self.coeffs[t]], dtype=np.int64).reshape(self.shape)
            acc = (acc + coeff * powers[self.exps[t] % c]) % p
        return acc * pow(self.den, -1, p) % p

    def minors_vanish(self, r0, c0, rows, cols) -> np.ndarray:
        """Exactly, whether ``Z[r0,c0] Z[i,j] - Z[i,c0] Z[r0,j] == 0`` for each index tuple."""
        r0, c0, rows, cols = (np.asarray(a, dtype=np.int64).ravel() for a in (r0, c0, rows, cols))
        items = len(rows)
        T = self.exps.shape[0]
        e_parts, v_parts = [], []
        for (a_i, a_j, b_i, b_j), sign in (((r0, c0, rows, cols), 1), ((rows, c0, r0, cols), -1)):
            for s in range(T):
                for t in range(T):
                    e_parts.append(self.exps[s, a_i, a_j] + self.exps[t, b_i, b_j])
                    v_parts.append(self.coeffs[s, a_i, a_j] * self.coeffs[t, b_i, b_j] * sign)
        exps = np.stack(e_parts)  # (terms, items)
        vals = np.stack(v_parts)
        return _sums_vanish(self.conductor, exps, vals, items)

    def to_exact(self) -> ExactMatrix:
        """The dense exact matrix (small sizes)."""
        field = QQ if self.conductor <= 2 else CyclotomicField(self.conductor)
        d = field.degree
        m, n = self.shape
        table = _reduced_powers(self.conductor)
        num = np.zeros((d, m, n), dtype=object)
        for t in range(self.exps.shape[0]):
            contrib = table[self.exps[t] % max(self.conductor, 1)].astype(object) * self.coeffs[t][:, :, None]
            num += np.moveaxis(contrib, 2, 0)
        return ExactMatrix(field, num, self.den)


def _reduced_powers(c: int) -> np.ndarray:
    """Row t: coefficients of zeta_c^t in the power basis (t < c)."""
    if c <= 2:
        return np.array([[1], [-1]][: max(c, 1)], dtype=np.int64)
    field = CyclotomicField(c)
    rows = power_table(field)
    while len(rows) < c:
        rows.append([int(x) for x in field.coefficients(field.zeta(len(rows)))])
    return np.array(rows[:c], dtype=np.int64)


def _sums_vanish(c: int, exps: np.ndarray, vals: np.ndarray, items: int) -> np.ndarray:
    """For each item (column of ``exps``/``vals``): is sum vals * zeta_c^exps zero exactly?"""
    if c <= 1:
        exps = np.zeros_like(exps)
    if c <= 1 or (c & (c - 1)) == 0:
        # Power of two: zeta^(c/2) = -1, so zeta^e = (-1)^(e div c/2) zeta^(e mod c/2).
        half = max(c // 2, 1)
        e = exps % max(c, 1)
        signs = np.where(e >= half, -1, 1) if c >= 2 else np.ones_like(e)
        keys = (np.arange(items, dtype=np.int64)[None, :] * half + e % half).ravel()
        values = (vals * signs).ravel()
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        sums = np.add.reduceat(values, starts) if len(keys) else values
        bad_items = np.unique(keys[starts][np.asarray(sums != 0)] // half)
        ok = np.ones(items, dtype=bool)
        ok[bad_items] = False
        return ok
    table = _reduced_powers(c)
    d = table.shape[1]
    ok = np.ones(items, dtype=bool)
    chunk = max(1, 2_000_000 // max(1, exps.shape[0] * d))
    for start in range(0, items, chunk):
        stop = min(items, start + chunk)
        acc = np.zeros((stop - start, d), dtype=object if vals.dtype == object else np.int64)
        for t in range(exps.shape[0]):
            acc += table[exps[t, start:stop] % c] * vals[t, start:stop][:, None]
        ok[start:stop] = ~np.asarray(acc != 0).any(axis=1)
    return ok


def named_root_sums(name: str, N: int) -> RootSumMatrix:
    """A named transform (conventions of :mod:`exactid.transforms`) as a root-sum matrix."""
    if name not in NAMED_ROOT_SUMS:
        raise InputError(f"unknown matrix {name!r}; choose one of {', '.join(sorted(NAMED_ROOT_SUMS))}")
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 1:
        raise InputError(f"the size N must be an integer >= 1, got {N!r}")
    N = int(N)
    k, n = np.meshgrid(np.arange(N, dtype=np.int64), np.arange(N, dtype=np.int64), indexing="ij")
    ones = np.ones((N, N), dtype=np.int64)
    if name == "dft":
        c = N if N > 2 else (2 if N == 2 else 1)
        exps = (-(k * n)) % max(c, 1)
        return RootSumMatrix(c, exps[None], ones[None], 1, name, N)
    if name == "hadamard":
        if N & (N - 1):
            raise InputError(f"hadamard needs N a power of 2, got {N}")
        bits = np.bitwise_and(k, n)
        parity = np.zeros_like(bits)
        while bits.any():
            parity ^= bits & 1
            bits >>= 1
        return RootSumMatrix(1, np.zeros((1, N, N), dtype=np.int64), (1 - 2 * parity)[None], 1, name, N)
    if name == "dct2":
        c, t = 4 * N, (2 * n + 1) * k
        return RootSumMatrix(c, np.stack([t % c, (-t) % c]), np.stack([ones, ones]), 2, name, N)
    if name == "dst2":
        c, t = 4 * N, (2 * n + 1) * (k + 1)
        return RootSumMatrix(c, np.stack([(t - N) % c, (-t - N) % c]), np.stack([ones, -ones]), 2, name, N)
    c, t = 8 * N, (2 * n + 1) * (2 * k + 1)  # dct4
    return RootSumMatrix(c, np.stack([t % c, (-t) % c]), np.stack([ones, ones]), 2, name, N)


NAMED_ROOT_SUMS = ("dct2", "dct4", "dft", "dst2", "hadamard")


def reduction_for(conductor: int, index: int = 0) -> Reduction:
    """The ``index``-th reduction of Q(zeta_c) modulo a split prime below 2^31."""
    c = max(conductor, 1)
    p = split_primes(c, index + 1, bits=PRIME_BITS)[index]
    return Reduction(c, p, root_of_order(c, p))
