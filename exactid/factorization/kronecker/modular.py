"""Products of Kronecker-sparse factors modulo small primes (float64 BLAS, exact).

Entries below ``p < 2^20`` multiply into partial sums below ``c·(p−1)^2 < 2^53`` (``c`` the
width of a pattern), so float64 matrix products are exact before the reduction mod ``p``.
Used by the certificate generator to pick the primes that its certificates name (the checker
has its own implementation).

>>> import numpy as np
>>> from .architecture import monarch
>>> arch = monarch(2, 2)
>>> ones = [np.ones(p.as_tuple()) for p in arch.patterns]
>>> chain_mod(ones, arch.patterns, 1, 2, 101)[0].tolist()  # one path per entry
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from math import lcm, prod
from typing import Iterator, Sequence

import flint
import numpy as np

from .architecture import Pattern
from .layout import to_dense

MAX_PRIME = 1 << 20


def chain_mod(mods: Sequence[np.ndarray], patterns: Sequence[Pattern], lo: int, hi: int, p: int) -> np.ndarray:
    """Dense ``X_lo ⋯ X_hi mod p`` (levels 1-based) from compact float64 arrays of residues."""
    acc = to_dense(np.asarray(mods[hi - 1], dtype=np.float64), patterns[hi - 1], 0.0)
    for lev in range(hi - 1, lo - 1, -1):
        a, b, c, d = patterns[lev - 1].as_tuple()
        y = acc.reshape(a, c, d, -1).transpose(0, 2, 1, 3)
        x = np.asarray(mods[lev - 1], dtype=np.float64).transpose(0, 3, 1, 2)
        acc = reduce_mod(np.matmul(x, np.ascontiguousarray(y)), p).transpose(0, 2, 1, 3).reshape(a * b * d, -1)
    return acc


def primes_below(limit: int = MAX_PRIME) -> Iterator[int]:
    """Primes below ``limit``, largest first."""
    q = limit - 1
    while q > 2:
        if flint.fmpz(q).is_prime():
            yield q
        q -= 1


_NUM = np.frompyfunc(lambda x: int(x.p), 1, 1)
_DEN = np.frompyfunc(lambda x: int(x.q), 1, 1)


def fractions(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators of an object array of ``flint.fmpq`` (int64 when they fit)."""
    num, den = _NUM(values.reshape(-1)), _DEN(values.reshape(-1))
    big = max(abs(int(num.max(initial=0))), abs(int(num.min(initial=0))), int(den.max(initial=1))) >= 1 << 62
    return (num, den) if big else (num.astype(np.int64), den.astype(np.int64))


def residues(values: np.ndarray, p: int) -> np.ndarray:
    """Compact float64 residues of an object array of ``flint.fmpq`` (denominators prime to p)."""
    num, den = fractions(values)
    dens, inverse = np.unique(den, return_inverse=True)
    inv = np.array([pow(int(q) % p, -1, p) for q in dens], dtype=np.int64)
    out = (num % p).astype(np.int64) * inv[inverse.reshape(-1)] % p
    return out.astype(np.float64).reshape(values.shape)


def bound(factors: Sequence[np.ndarray], patterns: Sequence[Pattern]) -> tuple[int, int]:
    """``(D, B)``: ``D·X_1⋯X_L`` is integral with entries at most ``B`` in absolute value."""
    D, H = 1, 1
    for f in factors:
        num, den = fractions(f)
        D *= lcm(1, *(int(q) for q in np.unique(den)))
        H *= max(1, int(np.abs(num).max(initial=0)))
    return D, H * prod(p.c for p in patterns[:-1])


def crt_primes(D: int, B: int) -> list[int]:
    """Primes below 2^20, prime to ``D``, whose product exceeds ``B``."""
    out, P = [], 1
    for q in primes_below():
        if D % q:
            out.append(q)
            P *= q
            if P > B:
                return out
    raise ValueError("not enough primes")  # pragma: no cover - B would need > 2^(20*80000)


def root_prime(n: int) -> tuple[int, int]:
    """The largest prime ``p < 2^20`` with ``p ≡ 1 (mod n)`` and an element of order exactly ``n``."""
    q = (MAX_PRIME - 2) // n * n + 1
    while q > n:
        if flint.fmpz(q).is_prime():
            factors = [int(f) for f, _ in flint.fmpz(q - 1).factor()]
            for g in range(2, q):
                if all(pow(g, (q - 1) // f, q) != 1 for f in factors):
                    return q, pow(g, (q - 1) // n, q)
        q -= n
    raise ValueError(f"no prime below 2^20 is 1 mod {n}")


def reduce_mod(v: np.ndarray, p: int) -> np.ndarray:
    """``v mod p`` for float64 integers below 2^53 (the quotient may be off by one: corrected)."""
    v -= np.floor(v / p) * p
    v[v < 0] += p
    v[v >= p] -= p
    return v
