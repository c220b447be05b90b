"""Prime fields F_p and the reduction maps Z[zeta_n] -> F_p.

For a prime p = 1 (mod n), F_p contains phi(n) elements of multiplicative order exactly n;
sending zeta_n to any of them is a ring map Z[zeta_n] -> F_p (it is a root of Phi_n mod p),
extended to the rationals whose denominators are prime to p.  A nonzero image proves a
nonzero element: this is how exactid certifies "nonzero" facts cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

import flint

from ..errors import DomainError, InputError
from .base import to_fmpq

#: Largest modulus used by default: nmod_mat needs word-size moduli.
DEFAULT_PRIME_BITS = 62


def is_prime(p: int) -> bool:
    """Deterministic primality (python-flint's ``fmpz.is_prime``)."""
    return p >= 2 and bool(flint.fmpz(p).is_prime())


def prime_factors(n: int) -> list[int]:
    """Distinct prime factors of n >= 1, increasing."""
    return sorted(int(q) for q, _ in flint.fmpz(n).factor()) if n > 1 else []


class PrimeField:
    """The prime field F_p; elements are ``flint.nmod``.

    >>> F = PrimeField(17)
    >>> F.convert("1/2") * 2 == F.one
    True
    """

    def __init__(self, p: int):
        if not is_prime(p):
            raise InputError(f"{p} is not prime")
        self.p = p
        self.characteristic = p

    def convert(self, value: Any) -> flint.nmod:
        if isinstance(value, flint.nmod):
            return value
        q = to_fmpq(value)
        if int(q.q) % self.p == 0:
            raise DomainError(f"denominator of {q} is divisible by p = {self.p}")
        return flint.nmod(int(q.p), self.p) / flint.nmod(int(q.q), self.p)

    @property
    def zero(self) -> flint.nmod:
        return flint.nmod(0, self.p)

    @property
    def one(self) -> flint.nmod:
        return flint.nmod(1, self.p)

    @property
    def name(self) -> str:
        return f"GF({self.p})"

    def __repr__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrimeField) and other.p == self.p

    def __hash__(self) -> int:
        return hash(("GF", self.p))


def root_of_order(n: int, p: int) -> int:
    """Deterministic element of multiplicative order exactly n in F_p (needs p = 1 mod n).

    The smallest g >= 2 with g^((p-1)/n) of order n is used, so results are reproducible.
    """
    if (p - 1) % n:
        raise DomainError(f"F_{p} has no element of order {n} (p is not 1 mod n)")
    if n == 1:
        return 1
    factors = prime_factors(n)
    for g in range(2, p):
        r = pow(g, (p - 1) // n, p)
        if all(pow(r, n // q, p) != 1 for q in factors):
            return r
    raise DomainError(f"no element of order {n} in F_{p}")  # unreachable for prime p


def primitive_roots(n: int, p: int) -> list[int]:
    """All phi(n) elements of order exactly n in F_p, as powers r^k, gcd(k, n) = 1."""
    from math import gcd

    r = root_of_order(n, p)
    return [pow(r, k, p) for k in range(1, n + 1) if gcd(k, n) == 1] if n > 1 else [1]


@lru_cache(maxsize=64)
def _split_primes(n: int, count: int, bits: int) -> tuple[int, ...]:
    found = []
    # Largest candidates first: p = 1 + n*t, p < 2^bits.
    t = ((1 << bits) - 2) // n
    while len(found) < count and t > 0:
        p = 1 + n * t
        if is_prime(p):
            found.append(p)
        t -= 1
    if len(found) < count:
        raise DomainError(f"not enough primes = 1 mod {n} below 2^{bits}")
    return tuple(found)


def split_primes(n: int, count: int = 1, bits: int = DEFAULT_PRIME_BITS) -> list[int]:
    """The ``count`` largest primes p < 2^bits with p = 1 (mod n), decreasing.

    These primes split completely in Q(zeta_n) (deterministic list).

    >>> split_primes(8, 2, bits=10)
    [1009, 977]
    """
    if n < 1:
        raise InputError(f"n must be >= 1, got {n}")
    return list(_split_primes(n, count, bits))


def iter_split_primes(n: int, bits: int = DEFAULT_PRIME_BITS) -> Iterator[int]:
    """All primes p = 1 (mod n) below 2^bits, largest first (lazily)."""
    t = ((1 << bits) - 2) // n
    while t > 0:
        p = 1 + n * t
        if is_prime(p):
            yield p
        t -= 1


@dataclass(frozen=True)
class Reduction:
    """The ring map Z[zeta_n][1/d] -> F_p, zeta_n -> ``root`` (``root`` of order n).

    >>> from exactid.domains import CyclotomicField
    >>> K = CyclotomicField(8)
    >>> red = Reduction.for_field(K)
    >>> red.element(K.zeta(4)) == red.p - 1   # zeta^4 = -1
    True
    """

    conductor: int
    p: int
    root: int

    def __post_init__(self):
        if not is_prime(self.p) or (self.p - 1) % self.conductor:
            raise DomainError(f"p = {self.p} must be a prime = 1 mod {self.conductor}")
        if pow(self.root, self.conductor, self.p) != 1 or any(
            pow(self.root, self.conductor // q, self.p) == 1 for q in prime_factors(self.conductor)
        ):
            raise DomainError(f"{self.root} does not have order {self.conductor} mod {self.p}")

    @property
    def n(self) -> int:
        """The conductor (alias kept for code written before ``conductor`` was the one name)."""
        return self.conductor

    @classmethod
    def for_field(cls, field: Any, index: int = 0, bits: int = DEFAULT_PRIME_BITS) -> "Reduction":
        """The ``index``-th default reduction of ``field`` (independent primes for each index)."""
        n = field.conductor
        p = split_primes(n, index + 1, bits)[index]
        return cls(n, p, root_of_order(n, p))

    def powers(self, count: int) -> list[int]:
        """root^0, ..., root^(count-1) mod p."""
        out, x = [], 1
        for _ in range(count):
            out.append(x)
            x = x * self.root % self.p
        return out

    def element(self, element: Any) -> int:
        """Image of a field element (rational or cyclotomic) in F_p, as an int in [0, p)."""
        coeffs = element.coefficients() if hasattr(element, "coefficients") else (to_fmpq(element),)
        total = 0
        for c, rk in zip(coeffs, self.powers(len(coeffs))):
            if int(c.q) % self.p == 0:
                raise DomainError(f"denominator {c.q} is divisible by p = {self.p}")
            total += int(c.p) * rk * pow(int(c.q), -1, self.p)
        return total % self.p
