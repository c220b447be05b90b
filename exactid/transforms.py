"""Exact transforms: DFT, DCT-II, DST-II, DCT-IV, Hadamard, and the bit-reversal permutation.

Conventions (row index first):

- ``dft(N)[j, k] = omega^(j k)``, omega = exp(-2 pi i / N), unnormalized, over Q(zeta_N);
- ``dct2(N)[k, n] = cos(pi (n + 1/2) k / N)`` over Q(zeta_4N);
- ``dst2(N)[k, n] = sin(pi (n + 1/2) (k + 1) / N)`` over Q(zeta_4N);
- ``dct4(N)[k, n] = cos(pi (n + 1/2) (k + 1/2) / N)`` over Q(zeta_8N);
- ``hadamard(N)``: Sylvester's construction, entries +-1, N a power of 2, over Q;
- ``bitrev(N)[i]``: i with its log2(N) bits reversed; the permutation matrix P has
  ``P[i, bitrev(i)] = 1``.

Angles are stored exactly: every entry is (zeta^t + zeta^-t)/2 or (zeta^t - zeta^-t)/(2i).
``*_exponents`` helpers give integer exponent arrays for code that works with roots of unity
directly (the DFT entry (j, k) is zeta_N^(-(j k) mod N)).
"""

from __future__ import annotations

import numpy as np

from .domains import QQ, CyclotomicField, ExactMatrix
from .domains.matrix import power_table
from .errors import InputError
from .resources import ensure_fits


def _check_size(n: int, power_of_two: bool = False) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"the size N must be an integer >= 1, got {n!r}")
    if power_of_two and n & (n - 1):
        raise InputError(f"N must be a power of 2, got {n}")


def bitrev(n: int) -> np.ndarray:
    """Bit-reversal permutation of range(N), N a power of 2.

    >>> bitrev(8).tolist()
    [0, 4, 2, 6, 1, 5, 3, 7]
    """
    _check_size(n, power_of_two=True)
    bits = n.bit_length() - 1
    idx = np.arange(n)
    out = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        out |= ((idx >> b) & 1) << (bits - 1 - b)
    return out


def permutation_matrix(perm: np.ndarray) -> ExactMatrix:
    """P with P[i, perm[i]] = 1 over Q."""
    n = len(perm)
    num = np.zeros((1, n, n), dtype=np.int64)
    num[0, np.arange(n), np.asarray(perm)] = 1
    return ExactMatrix(QQ, num, 1, normalized=True)


def dft_exponents(n: int) -> np.ndarray:
    """E with dft(N)[j, k] = zeta_N^E[j, k], E = -(j k) mod N."""
    _check_size(n)
    j = np.arange(n, dtype=np.int64)
    return (-(np.outer(j, j) % n)) % n


def _roots_matrix(conductor: int, exponents: np.ndarray, signs: np.ndarray | None = None, den: int = 1) -> ExactMatrix:
    """sum over the last axis of sign * zeta^exponent, divided by ``den``."""
    field = CyclotomicField(conductor) if conductor > 2 else QQ
    d = field.degree
    m, n = exponents.shape[:2]
    ensure_fits(8 * d * m * n * 2, f"a {m}x{n} matrix over {field.name}")
    exps = exponents.reshape(m, n, -1) % conductor
    sgn = np.ones_like(exps) if signs is None else signs.reshape(m, n, -1)
    table = np.array(_power_rows(field, conductor), dtype=np.int64)  # zeta^t for t < conductor
    num = np.zeros((d, m, n), dtype=np.int64)
    for t in range(exps.shape[2]):
        contrib = table[exps[:, :, t]] * sgn[:, :, t][:, :, None]  # (m, n, d)
        num += np.moveaxis(contrib, 2, 0)
    return ExactMatrix(field, num, den)


def _power_rows(field, conductor: int) -> list[list[int]]:
    if field is QQ:
        return [[1 if conductor == 1 or t % 2 == 0 else -1] for t in range(conductor)]
    rows = power_table(field)  # t < 2d - 1
    return [rows[t] if t < len(rows) else [int(c) for c in field.coefficients(field.zeta(t))]
            for t in range(conductor)]


def dft(n: int) -> ExactMatrix:
    """The unnormalized DFT of size N over Q(zeta_N) (Q for N <= 2)."""
    return _roots_matrix(n if n > 2 else (2 if n == 2 else 1), dft_exponents(n))


def _cos_sin(n: int, conductor: int, t: np.ndarray, sine: bool) -> ExactMatrix:
    """cos(2 pi t / conductor) or sin(...) entrywise, exactly."""
    if not sine:
        exps = np.stack([t, -t], axis=-1)
        return _roots_matrix(conductor, exps, None, den=2)
    # sin(x) = (zeta^t - zeta^-t)/(2i) = (zeta^(t - c/4) - zeta^(-t - c/4)) / 2 ... with i = zeta^(c/4)
    quarter = conductor // 4
    exps = np.stack([t - quarter, -t - quarter], axis=-1)
    signs = np.stack([np.ones_like(t), -np.ones_like(t)], axis=-1)
    return _roots_matrix(conductor, exps, signs, den=2)


def dct2(n: int) -> ExactMatrix:
    """DCT-II: C[k, n] = cos(pi (n + 1/2) k / N), over Q(zeta_4N)."""
    _check_size(n)
    k, m = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return _cos_sin(n, 4 * n, (2 * m + 1) * k, sine=False)


def dst2(n: int) -> ExactMatrix:
    """DST-II: S[k, n] = sin(pi (n + 1/2) (k + 1) / N), over Q(zeta_4N)."""
    _check_size(n)
    k, m = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return _cos_sin(n, 4 * n, (2 * m + 1) * (k + 1), sine=True)


def dct4(n: int) -> ExactMatrix:
    """DCT-IV: C[k, n] = cos(pi (n + 1/2) (k + 1/2) / N), over Q(zeta_8N)."""
    _check_size(n)
    k, m = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return _cos_sin(n, 8 * n, (2 * m + 1) * (2 * k + 1), sine=False)


def hadamard(n: int) -> ExactMatrix:
    """Sylvester Hadamard matrix of size N (a power of 2), entries +-1, over Q."""
    _check_size(n, power_of_two=True)
    h = np.array([[1]], dtype=np.int64)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return ExactMatrix(QQ, h[None, :, :].copy(), 1, normalized=True)


NAMED = {"dft": dft, "dct2": dct2, "dst2": dst2, "dct4": dct4, "hadamard": hadamard}


def named_matrix(name: str, n: int) -> ExactMatrix:
    """One of :data:`NAMED` by name (``InputError`` for an unknown name)."""
    if name not in NAMED:
        raise InputError(f"unknown matrix {name!r}; choose one of {', '.join(sorted(NAMED))}")
    return NAMED[name](n)
