"""Named matrices recomputed by the checker from their definitions (never read from data).

dft(N)[j,k] = zeta_N^(-jk); dct2(N)[k,n] = cos(2 pi (2n+1)k / 4N); dst2(N)[k,n] =
sin(2 pi (2n+1)(k+1) / 4N); dct4(N)[k,n] = cos(2 pi (2n+1)(2k+1) / 8N); hadamard(N):
Sylvester, +-1.  cos(2 pi t/c) = (z^t + z^-t)/2 and sin(2 pi t/c) = (z^(t-c/4) - z^(-t-c/4))/2
with z = zeta_c, since 1/i = z^(-c/4).
"""

from __future__ import annotations

import numpy as np

from .errors import Malformed


def dft_exponents(n: int) -> np.ndarray:
    j = np.arange(n, dtype=np.int64)
    return (-(np.outer(j, j) % n)) % n


def hadamard_signs(n: int) -> np.ndarray:
    """Sylvester: H[i, j] = (-1)^popcount(i & j)."""
    i = np.arange(n, dtype=np.int64)
    bits = np.bitwise_and.outer(i, i)
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return 1 - 2 * parity


def bitrev(n: int) -> np.ndarray:
    """Bit reversal of 0..n-1 (n a power of 2), one vectorized pass per bit."""
    bits, i = n.bit_length() - 1, np.arange(n, dtype=np.int64)
    out = np.zeros(n, dtype=np.int64)
    for b in range(bits):
        out |= ((i >> b) & 1) << (bits - 1 - b)
    return out


def root_sum_terms(name: str, n: int) -> tuple[int, list[tuple[np.ndarray, np.ndarray]], int]:
    """The named matrix as ``(c, [(exponents, coefficients), ...], den)``: entry (i, j) is
    ``sum coefficients[i, j] * zeta_c^exponents[i, j] / den`` (c = 1: rationals).

    The same definitions as :func:`named`, kept as exponents so that large sizes (DCT-II of
    size 256 over Q(zeta_1024)) need two n x n integer arrays instead of a dense stack.
    """
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 1 << 13:
        raise Malformed(f"bad size {n!r}")
    k, m = np.meshgrid(np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64), indexing="ij")
    one = np.ones((n, n), dtype=np.int64)
    if name == "dft":
        return max(n, 1), [(dft_exponents(n), one)], 1
    if name == "hadamard":
        if n & (n - 1):
            raise Malformed("hadamard needs a power of 2")
        return 1, [(0 * one, hadamard_signs(n))], 1
    if name == "dct2":
        t = (2 * m + 1) * k
        return 4 * n, [(t % (4 * n), one), (-t % (4 * n), one)], 2
    if name == "dst2":
        t = (2 * m + 1) * (k + 1)
        return 4 * n, [((t - n) % (4 * n), one), ((-t - n) % (4 * n), -one)], 2
    if name == "dct4":
        t = (2 * m + 1) * (2 * k + 1)
        return 8 * n, [(t % (8 * n), one), (-t % (8 * n), one)], 2
    raise Malformed(f"unknown named matrix {str(name)[:20]!r}")
