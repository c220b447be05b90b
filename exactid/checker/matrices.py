"""Matrices as the checker sees them: integer coefficient matrices over a common denominator.

A matrix over Q(zeta_n) (n = 1 for Q) is ``sum_k num[k] * zeta^k / den`` with ``num[k]``
python-flint ``fmpz_mat`` and k < phi(n).  Encoded in certificates as
``{"field": "QQ" | "QQ(zeta_n)", "shape": [m, n], "entries": rows}`` where an entry is a
rational (int or "p/q") over Q, or a list of phi(n) rationals over Q(zeta_n).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import lcm
from typing import Any

import flint

from .arith import cyclotomic_poly, fraction, integer, totient
from .errors import Malformed

#: Most rational coefficients (rows x cols x degree) one decoded matrix may hold.
MAX_ENTRIES = 50_000_000
#: Most bits the numerators over the common denominator may take together (256 MiB).
MAX_NUMERATOR_BITS = 1 << 31
#: Most scalar multiplications (degree^2 x rows x inner x cols) one product may cost.
MAX_PRODUCT_WORK = 2 * 10**11


def parse_field(name: Any) -> int:
    """The conductor n of ``"QQ(zeta_n)"`` (1 for ``"QQ"``; Q(zeta_1) = Q(zeta_2) = Q, so 1 for those too)."""
    if name == "QQ":
        return 1
    match = re.fullmatch(r"QQ\(zeta_([1-9][0-9]{0,5})\)", name, re.ASCII) if isinstance(name, str) else None
    if not match:
        raise Malformed(f"unknown field {str(name)[:40]!r}")
    conductor = int(match.group(1))
    totient(conductor)  # refuses conductors beyond the checker's cap
    return 1 if conductor <= 2 else conductor


def field_name(conductor: int) -> str:
    """The one name of Q(zeta_n): ``"QQ"`` for conductors 1 and 2 (zeta_2 = -1), the same as the generators'."""
    return "QQ" if conductor <= 2 else f"QQ(zeta_{conductor})"


@dataclass
class CMatrix:
    conductor: int
    num: list  # fmpz_mat per coefficient of zeta^k
    den: int
    rows: int
    cols: int

    @property
    def degree(self) -> int:
        return len(self.num)

    def reduce(self, p: int, root: int) -> flint.nmod_mat:
        """The image in F_p under zeta_n -> root (the denominator must be prime to p)."""
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
        if rows == list(range(self.rows)) and cols == list(range(self.cols)):
            return self  # the whole matrix: no entry-by-entry copy
        num = [flint.fmpz_mat([[c[i, j] for j in cols] for i in rows]) if rows and cols
               else flint.fmpz_mat(len(rows), len(cols)) for c in self.num]
        return CMatrix(self.conductor, num, self.den, len(rows), len(cols))


def decode(obj: Any, what: str = "matrix") -> CMatrix:
    """Decode a matrix object, refusing over-large shapes before reading any entry."""
    if not isinstance(obj, dict):
        raise Malformed(f"{what}: expected a matrix object")
    conductor = parse_field(obj.get("field"))
    d = totient(conductor)
    shape = obj.get("shape")
    if not (isinstance(shape, list) and len(shape) == 2):
        raise Malformed(f"{what}: 'shape' must be [rows, cols]")
    m, k = (integer(s, f"{what}.shape") for s in shape)
    if m < 0 or k < 0 or m * k * d > MAX_ENTRIES or max(m, k) > MAX_ENTRIES:
        raise Malformed(f"{what}: unsupported shape {str(shape)[:60]} (at most {MAX_ENTRIES} coefficients)")
    rows = obj.get("entries")
    if not isinstance(rows, list) or len(rows) != m or any(not isinstance(r, list) or len(r) != k for r in rows):
        raise Malformed(f"{what}: 'entries' must be {m} rows of {k} entries")
    flat = [entry for row in rows for entry in row]
    if conductor == 1:
        columns = [flat]  # one coefficient per entry
    else:
        if any(type(e) is not list or len(e) != d for e in flat):
            raise Malformed(f"{what}: each entry must list {d} coefficients")
        columns = [[e[t] for e in flat] for t in range(d)]  # coefficient t of every entry
    if all(type(c) is int for column in columns for c in column):  # the common case: integers
        return CMatrix(conductor, [flint.fmpz_mat(m, k, column) for column in columns], 1, m, k)
    pairs = [[fraction(c, what) for c in column] for column in columns]
    den = lcm(1, *(q for coeff in pairs for _, q in coeff))
    if den.bit_length() * m * k * d > MAX_NUMERATOR_BITS:  # numerators over a huge common denominator
        raise Malformed(f"{what}: common denominator of {den.bit_length()} bits is too large for a {m}x{k} matrix")
    num = [flint.fmpz_mat(m, k, [p * (den // q) for p, q in coeff]) for coeff in pairs]
    return CMatrix(conductor, num, den, m, k)


def product(a: CMatrix, b: CMatrix) -> CMatrix:
    """Exact product: multiply coefficient matrices, then reduce powers zeta^j, j >= d, mod Phi_n."""
    if a.conductor != b.conductor or a.cols != b.rows:
        raise Malformed("matrix product: fields or shapes do not match")
    d = a.degree
    if d * d * a.rows * a.cols * b.cols > MAX_PRODUCT_WORK:
        raise Malformed(f"matrix product {a.rows}x{a.cols} by {b.rows}x{b.cols} over degree {d} is too large")
    if d == 1:
        return CMatrix(a.conductor, [a.num[0] * b.num[0]], a.den * b.den, a.rows, b.cols)
    left = [(s, c) for s, c in enumerate(a.num) if not c.is_zero()]
    right = [(t, c) for t, c in enumerate(b.num) if not c.is_zero()]
    coeffs = [flint.fmpz_mat(a.rows, b.cols) for _ in range(2 * d - 1)]
    for s, x in left:
        for t, y in right:
            coeffs[s + t] += x * y
    phi = cyclotomic_poly(a.conductor)  # monic of degree d: x^d = -sum_{k<d} phi[k] x^k
    for j in range(2 * d - 2, d - 1, -1):
        if coeffs[j].is_zero():
            continue
        for k in range(d):
            if phi[k]:
                coeffs[j - d + k] -= coeffs[j] * phi[k]
    return CMatrix(a.conductor, coeffs[:d], a.den * b.den, a.rows, b.cols)


def equal(a: CMatrix, b: CMatrix) -> bool:
    """Exact equality (cross-multiplied denominators)."""
    if (a.conductor, a.rows, a.cols) != (b.conductor, b.rows, b.cols):
        return False
    return all(x * b.den == y * a.den for x, y in zip(a.num, b.num))
