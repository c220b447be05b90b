"""Matrices as the checker sees them: integer coefficient matrices over a common denominator.

A matrix over Q(zeta_n) (n = 1 for Q) is ``sum_k num[k] * zeta^k / den`` with ``num[k]``
python-flint ``fmpz_mat``.  Encoded in certificates as
``{"field": "QQ" | "QQ(zeta_n)", "shape": [m, n], "entries": rows}`` where an entry is a
rational (int or "p/q") over Q, or a list of phi(n) rationals over Q(zeta_n).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import gcd
from typing import Any

import flint

from .arith import integer, rational, reduce_power_table, totient
from .errors import Malformed

MAX_ENTRIES = 50_000_000


def parse_field(name: Any) -> int:
    """The conductor n of "QQ(zeta_n)" (1 for "QQ")."""
    if name == "QQ":
        return 1
    match = re.fullmatch(r"QQ\(zeta_([1-9][0-9]{0,5})\)", name) if isinstance(name, str) else None
    if not match:
        raise Malformed(f"unknown field {str(name)[:40]!r}")
    return int(match.group(1))


@dataclass
class CMatrix:
    n: int  # conductor
    num: list  # fmpz_mat per coefficient
    den: int
    rows: int
    cols: int

    @property
    def degree(self) -> int:
        return len(self.num)

    def reduce(self, p: int, root: int) -> flint.nmod_mat:
        if self.den % p == 0:
            raise Malformed(f"denominator divisible by p = {p}")
        acc = flint.nmod_mat(self.rows, self.cols, p)
        power = 1
        for coeff in self.num:
            acc = acc + flint.nmod_mat(coeff, p) * flint.nmod(power, p)
            power = power * root % p
        return acc * (flint.nmod(1, p) / flint.nmod(self.den, p))

    def is_zero(self) -> bool:
        return all(c.is_zero() for c in self.num)

    def submatrix(self, rows: list[int], cols: list[int]) -> "CMatrix":
        num = [flint.fmpz_mat([[c[i, j] for j in cols] for i in rows]) if rows and cols
               else flint.fmpz_mat(len(rows), len(cols)) for c in self.num]
        return CMatrix(self.n, num, self.den, len(rows), len(cols))


def decode(obj: Any, what: str = "matrix") -> CMatrix:
    if not isinstance(obj, dict):
        raise Malformed(f"{what}: expected a matrix object")
    n = parse_field(obj.get("field"))
    d = totient(n)
    shape = obj.get("shape")
    if not (isinstance(shape, list) and len(shape) == 2):
        raise Malformed(f"{what}: 'shape' must be [rows, cols]")
    m, k = (integer(s, f"{what}.shape") for s in shape)
    if m < 0 or k < 0 or m * k * d > MAX_ENTRIES:
        raise Malformed(f"{what}: unsupported shape {shape}")
    rows = obj.get("entries")
    if not isinstance(rows, list) or len(rows) != m or any(not isinstance(r, list) or len(r) != k for r in rows):
        raise Malformed(f"{what}: 'entries' must be {m} rows of {k} entries")
    coeffs = []
    for row in rows:
        for entry in row:
            if n == 1:
                coeffs.append((rational(entry, what),))
            else:
                if not isinstance(entry, list) or len(entry) != d:
                    raise Malformed(f"{what}: each entry must list {d} coefficients")
                coeffs.append(tuple(rational(c, what) for c in entry))
    den = 1
    for cs in coeffs:
        for c in cs:
            den = den * c.denominator // gcd(den, c.denominator)
    num = [flint.fmpz_mat(m, k, [int(cs[t] * den) for cs in coeffs]) for t in range(d)]
    return CMatrix(n, num, den, m, k)


def product(a: CMatrix, b: CMatrix) -> CMatrix:
    """Exact product, reducing zeta powers modulo Phi_n."""
    if a.n != b.n or a.cols != b.rows:
        raise Malformed("matrix product: fields or shapes do not match")
    d = a.degree
    table = reduce_power_table(a.n, 2 * d - 1)
    out = [flint.fmpz_mat(a.rows, b.cols) for _ in range(d)]
    for s in range(d):
        for t in range(d):
            prod = a.num[s] * b.num[t]
            for k, c in enumerate(table[s + t]):
                if c:
                    out[k] = out[k] + prod * c
    return CMatrix(a.n, out, a.den * b.den, a.rows, b.cols)


def equal(a: CMatrix, b: CMatrix) -> bool:
    """Exact equality (cross-multiplied denominators)."""
    if (a.n, a.rows, a.cols) != (b.n, b.rows, b.cols):
        return False
    return all(x * b.den == y * a.den for x, y in zip(a.num, b.num))
