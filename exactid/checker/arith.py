"""The checker's own arithmetic kernel: rationals, primes, Z[x]/Phi_n, reduction mod p.

Deliberately independent of exactid's domains: a bug there cannot hide a bug here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import flint

from .errors import Malformed

# Deterministic Miller-Rabin bases for every n < 3.3e24.
_MR_BASES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    for q in _MR_BASES:
        if n % q == 0:
            return n == q
    if n >= 3_317_044_064_679_887_385_961_981:
        return bool(flint.fmpz(n).is_prime())
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in _MR_BASES:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def prime_factors(n: int) -> list[int]:
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


def integer(value: Any, what: str) -> int:
    """A JSON integer (or a decimal string for big ones)."""
    if isinstance(value, bool):
        raise Malformed(f"{what}: expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 100_000:
        return int(value)
    raise Malformed(f"{what}: expected an integer, got {str(value)[:40]!r}")


def rational(value: Any, what: str) -> Fraction:
    """An integer or a "p/q" string."""
    if isinstance(value, bool):
        raise Malformed(f"{what}: expected a rational, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str) and len(value) < 200_000:
        num, _, den = value.partition("/")
        try:
            n = int(num)
            d = int(den) if den else 1
        except ValueError:
            raise Malformed(f"{what}: not a rational: {value[:40]!r}") from None
        if d == 0:
            raise Malformed(f"{what}: zero denominator")
        return Fraction(n, d)
    raise Malformed(f"{what}: expected a rational, got {str(value)[:40]!r}")


def index_list(value: Any, bound: int, what: str) -> list[int]:
    """Distinct indices in range(bound)."""
    if not isinstance(value, list):
        raise Malformed(f"{what}: expected a list of indices")
    out = [integer(v, what) for v in value]
    if any(not 0 <= v < bound for v in out):
        raise Malformed(f"{what}: index out of range 0..{bound - 1}")
    if len(set(out)) != len(out):
        raise Malformed(f"{what}: repeated index")
    return out


def cyclotomic_poly(n: int) -> list[int]:
    """Coefficients (low to high) of Phi_n, by dividing x^n - 1 by Phi_d for d | n, d < n."""
    poly = [-1] + [0] * (n - 1) + [1]
    for d in range(1, n):
        if n % d == 0:
            poly = _exact_div(poly, cyclotomic_poly(d))
    return poly


def _exact_div(num: list[int], den: list[int]) -> list[int]:
    num = list(num)
    out = [0] * (len(num) - len(den) + 1)
    for i in range(len(out) - 1, -1, -1):
        c = num[i + len(den) - 1] // den[-1]
        out[i] = c
        for j, dj in enumerate(den):
            num[i + j] -= c * dj
    return out


def totient(n: int) -> int:
    return len(cyclotomic_poly(n)) - 1


def check_root(n: int, p: int, root: int) -> None:
    """p prime, p = 1 mod n, root of multiplicative order exactly n mod p."""
    if not is_prime(p):
        raise Malformed(f"p = {p} is not prime")
    if (p - 1) % n:
        raise Malformed(f"p = {p} is not 1 mod {n}")
    if not 0 < root < p or pow(root, n, p) != 1 or any(pow(root, n // q, p) == 1 for q in prime_factors(n)):
        raise Malformed(f"{root} does not have order {n} modulo {p}")


def reduce_power_table(n: int, length: int) -> list[list[int]]:
    """Coefficients of x^t mod Phi_n for t < length (integers: Phi_n is monic)."""
    phi = cyclotomic_poly(n)
    d = len(phi) - 1
    rows, cur = [], [1] + [0] * (d - 1)
    for _ in range(length):
        rows.append(cur)
        top = cur[-1]
        nxt = [0] + cur[:-1]
        cur = [nxt[k] - top * phi[k] for k in range(d)]
    return rows
