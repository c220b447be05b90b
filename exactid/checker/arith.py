"""The checker's own arithmetic kernel: integers, rationals, primes, Z[x]/Phi_n, roots mod p.

Deliberately independent of exactid's domains: a bug there cannot hide a bug here.  Every
parser is strict (no floats, no whitespace, no underscores) and bounded, so that hostile
input is refused with :class:`Malformed` before it can cost time or memory.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache
from typing import Any

import flint

from .errors import Malformed

#: Largest conductor n of Q(zeta_n) the checker accepts (degree phi(n) <= n / 2 for even n).
MAX_CONDUCTOR = 1 << 16
#: Decimal digits accepted in one integer string ("big ints as decimal strings").
MAX_DIGITS = 100_000
#: Moduli must fit a machine word (python-flint's nmod).
MAX_PRIME = (1 << 63) - 1

_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_RATIONAL = re.compile(r"(-?[0-9]+)(?:/([0-9]+))?", re.ASCII)  # groups: numerator, denominator


def _short(value: Any) -> str:
    """A bounded rendering for error messages (never recurses into nested data)."""
    return (repr(value) if isinstance(value, str) else type(value).__name__)[:40]


def _digits(text: str, what: str) -> int:
    if len(text) > MAX_DIGITS:
        raise Malformed(f"{what}: integer with more than {MAX_DIGITS} digits")
    # flint parses without Python's 4300-digit guard; small strings take the fast path.
    return int(text) if len(text) < 4000 else int(flint.fmpz(text))


def integer(value: Any, what: str) -> int:
    """A JSON integer, or a decimal string ``"-123"`` for big ones."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return _digits(value, what)
    raise Malformed(f"{what}: expected an integer, got {_short(value)}")


def fraction(value: Any, what: str) -> tuple[int, int]:
    """An integer or a ``"p/q"`` string as a pair (p, q) with q > 0 (not necessarily reduced)."""
    if type(value) is int:
        return value, 1
    if isinstance(value, str):
        match = _RATIONAL.fullmatch(value)
        if match:
            top, bottom = match.groups()
            if len(value) < 4000:  # the common case: no digit limits to police
                num, den = int(top), int(bottom) if bottom else 1
            else:
                num, den = _digits(top, what), _digits(bottom, what) if bottom else 1
            if den == 0:
                raise Malformed(f"{what}: zero denominator")
            return num, den
    raise Malformed(f"{what}: expected a rational (integer or \"p/q\"), got {_short(value)}")


def rational(value: Any, what: str) -> Fraction:
    """An integer or a ``"p/q"`` string as a :class:`fractions.Fraction`."""
    num, den = fraction(value, what)
    return Fraction(num, den)


def index_list(value: Any, bound: int, what: str) -> list[int]:
    """Distinct indices in ``range(bound)``."""
    if not isinstance(value, list):
        raise Malformed(f"{what}: expected a list of indices")
    out = list(value) if all(type(v) is int for v in value) else [integer(v, what) for v in value]
    if out and not (0 <= min(out) and max(out) < bound):
        raise Malformed(f"{what}: index out of range 0..{bound - 1}")
    if len(set(out)) != len(out):
        raise Malformed(f"{what}: repeated index")
    return out


def is_prime(n: int) -> bool:
    """Proven primality (flint's ``fmpz_is_prime`` certifies, it never guesses)."""
    return n >= 2 and bool(flint.fmpz(n).is_prime())


def prime_factors(n: int) -> list[int]:
    """Distinct prime factors by trial division (only used on conductors <= MAX_CONDUCTOR)."""
    out, q = [], 2
    while q * q <= n:
        if n % q == 0:
            out.append(q)
            while n % q == 0:
                n //= q
        q += 1
    if n > 1:
        out.append(n)
    return out


def check_conductor(n: int) -> None:
    if not 1 <= n <= MAX_CONDUCTOR:
        raise Malformed(f"conductor {n} outside 1..{MAX_CONDUCTOR}")


def totient(n: int) -> int:
    """Euler's phi(n) = [Q(zeta_n) : Q]."""
    check_conductor(n)
    out = n
    for q in prime_factors(n):
        out = out // q * (q - 1)
    return out


@lru_cache(maxsize=64)
def _cyclotomic(n: int) -> tuple[int, ...]:
    # Phi_n = prod_{d | n} (x^d - 1)^mu(n/d); the numerator and denominator are exact products.
    top, bottom = flint.fmpz_poly([1]), flint.fmpz_poly([1])
    for d in range(1, n + 1):
        if n % d:
            continue
        m, mu = n // d, 1
        for q in prime_factors(m):
            mu = 0 if (m // q) % q == 0 else -mu
        factor = flint.fmpz_poly([-1] + [0] * (d - 1) + [1])
        if mu == 1:
            top *= factor
        elif mu == -1:
            bottom *= factor
    quotient, remainder = divmod(top, bottom)
    assert remainder == 0 and quotient.degree() == totient(n)
    return tuple(int(c) for c in quotient.coeffs())


def cyclotomic_poly(n: int) -> list[int]:
    """Coefficients (low to high) of the cyclotomic polynomial Phi_n (monic, integer)."""
    check_conductor(n)
    return list(_cyclotomic(n))


def check_root(n: int, p: int, root: int) -> None:
    """p prime, p = 1 mod n, and ``root`` of multiplicative order exactly n mod p."""
    if not 2 <= p <= MAX_PRIME:
        raise Malformed(f"p = {str(p)[:30]} is not a prime below 2^63")
    if not is_prime(p):
        raise Malformed(f"p = {p} is not prime")
    if (p - 1) % n:
        raise Malformed(f"p = {p} is not 1 mod {n}")
    if not 0 < root < p or pow(root, n, p) != 1 or any(pow(root, n // q, p) == 1 for q in prime_factors(n)):
        raise Malformed(f"{str(root)[:30]} does not have order {n} modulo {p}")


@lru_cache(maxsize=64)
def _power_table(n: int, length: int) -> tuple[tuple[int, ...], ...]:
    phi = _cyclotomic(n)
    d = len(phi) - 1
    rows, cur = [], [1] + [0] * (d - 1)
    for _ in range(length):
        rows.append(tuple(cur))
        top = cur[-1]
        cur = [(cur[k - 1] if k else 0) - top * phi[k] for k in range(d)]
    return tuple(rows)


def reduce_power_table(n: int, length: int) -> list[list[int]]:
    """Coefficients of x^t mod Phi_n for t < length (integers: Phi_n is monic)."""
    check_conductor(n)
    if length > 2 * MAX_CONDUCTOR:
        raise Malformed(f"power table of length {length} is too long")
    return [list(row) for row in _power_table(n, length)]
