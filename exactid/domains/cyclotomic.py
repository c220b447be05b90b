"""Cyclotomic fields Q(zeta_n) with exact arithmetic modulo Phi_n.

An element is its coefficient vector in the power basis 1, zeta, ..., zeta^(phi(n)-1),
stored as a ``flint.fmpq_poly`` reduced modulo the cyclotomic polynomial Phi_n.  The
embedding used for floats and for names such as ``cos`` is zeta_n = exp(2 pi i / n).
"""

from __future__ import annotations

from functools import lru_cache
from math import gcd
from typing import Any, Sequence

import flint

from ..errors import DomainError, InputError, NotInvertibleError
from .base import Field, to_fmpq


def euler_phi(n: int) -> int:
    """Euler's totient.

    >>> euler_phi(12)
    4
    """
    result, m, p = n, n, 2
    while p * p <= m:
        if m % p == 0:
            while m % p == 0:
                m //= p
            result -= result // p
        p += 1
    if m > 1:
        result -= result // m
    return result


class CyclotomicElement:
    """An element of Q(zeta_n); create it through :class:`CyclotomicField`.

    >>> K = CyclotomicField(8)
    >>> z = K.zeta()
    >>> z**4 == -1
    True
    >>> (1 + z).inverse() * (1 + z) == 1
    True
    """

    __slots__ = ("field", "poly")

    def __init__(self, field: "CyclotomicField", poly: flint.fmpq_poly):
        self.field = field
        self.poly = poly

    # -- coercion ---------------------------------------------------------------------
    def _coerce(self, other: Any) -> "CyclotomicElement | None":
        if isinstance(other, CyclotomicElement):
            if other.field is not self.field:
                raise DomainError(f"cannot combine elements of {self.field} and {other.field}")
            return other
        try:
            return self.field.convert(other)
        except InputError:
            return None

    # -- arithmetic -------------------------------------------------------------------
    def __add__(self, other: Any):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return CyclotomicElement(self.field, self.poly + o.poly)

    __radd__ = __add__

    def __neg__(self):
        return CyclotomicElement(self.field, -self.poly)

    def __sub__(self, other: Any):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return CyclotomicElement(self.field, self.poly - o.poly)

    def __rsub__(self, other: Any):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return CyclotomicElement(self.field, o.poly - self.poly)

    def __mul__(self, other: Any):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return CyclotomicElement(self.field, (self.poly * o.poly) % self.field.modulus)

    __rmul__ = __mul__

    def inverse(self) -> "CyclotomicElement":
        """Multiplicative inverse (raises ``NotInvertibleError`` for zero)."""
        if self.is_zero():
            raise NotInvertibleError("division by zero in " + self.field.name)
        g, s, _ = self.poly.xgcd(self.field.modulus)
        # Phi_n is irreducible, so the gcd is a nonzero constant.
        return CyclotomicElement(self.field, (s / g[0]) % self.field.modulus)

    def __truediv__(self, other: Any):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return self * o.inverse()

    def __rtruediv__(self, other: Any):
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return o * self.inverse()

    def __pow__(self, exponent: int):
        if not isinstance(exponent, int):
            return NotImplemented
        base = self if exponent >= 0 else self.inverse()
        result = self.field.one
        for bit in bin(abs(exponent))[2:]:
            result = result * result
            if bit == "1":
                result = result * base
        return result

    def conjugate(self) -> "CyclotomicElement":
        """Complex conjugate: the automorphism zeta -> zeta^(-1)."""
        result = flint.fmpq_poly([0])
        for k, c in enumerate(self.coefficients()):
            if c != 0:
                result += c * self.field.zeta(-k).poly
        return CyclotomicElement(self.field, result % self.field.modulus)

    # -- comparisons and views ---------------------------------------------------------
    def is_zero(self) -> bool:
        return self.poly.is_zero()

    def __bool__(self) -> bool:
        return not self.is_zero()

    def __eq__(self, other: object) -> bool:
        try:
            o = self._coerce(other)
        except DomainError:
            return False
        return o is not None and self.poly == o.poly

    def __hash__(self) -> int:
        return hash((self.field.conductor, self.coefficients()))

    def coefficients(self) -> tuple[flint.fmpq, ...]:
        """Coordinates in the power basis, length phi(n)."""
        c = [flint.fmpq(x) for x in self.poly.coeffs()]
        return tuple(c + [flint.fmpq(0)] * (self.field.degree - len(c)))

    def to_complex(self) -> complex:
        import cmath

        n = self.field.conductor
        return sum(
            (int(c.p) / int(c.q)) * cmath.exp(2j * cmath.pi * k / n)
            for k, c in enumerate(self.coefficients())
            if c != 0
        ) + 0j

    def __repr__(self) -> str:
        terms = []
        for k, c in enumerate(self.coefficients()):
            if c == 0:
                continue
            mono = "" if k == 0 else ("z" if k == 1 else f"z^{k}")
            coef = str(c)
            terms.append(coef if not mono else (mono if c == 1 else f"{coef}*{mono}"))
        return " + ".join(terms) if terms else "0"


@lru_cache(maxsize=None)
def _field(n: int) -> "CyclotomicField":
    return CyclotomicField._create(n)


class CyclotomicField(Field):
    """The cyclotomic field Q(zeta_n), for any n >= 1 (n = 1 and n = 2 give Q).

    Fields are cached: ``CyclotomicField(8) is CyclotomicField(8)``.

    >>> K = CyclotomicField(12)
    >>> K.degree
    4
    >>> K.cos(1) * 2 == K.zeta(1) + K.zeta(-1)
    True
    >>> K.sin(3) == 1
    True
    """

    def __new__(cls, n: int):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InputError(f"the conductor n of Q(zeta_n) must be an integer >= 1, got {str(n)[:40]}")
        from ..resources import MAX_CONDUCTOR, refuse_above

        # Phi_n and one power-basis element already hold about 2 n machine words
        refuse_above(n, MAX_CONDUCTOR, "the conductor of Q(zeta_n)", 16 * n)
        return _field(n)

    @classmethod
    def _create(cls, n: int) -> "CyclotomicField":
        self = object.__new__(cls)
        self.conductor = n
        self.modulus = flint.fmpq_poly(flint.fmpz_poly.cyclotomic(n).coeffs())
        self.degree = euler_phi(n)
        return self

    def __init__(self, n: int):  # state is set once, in the cached constructor
        pass

    def __reduce__(self):
        return (CyclotomicField, (self.conductor,))

    @property
    def n(self) -> int:
        """The conductor (alias kept for code written before ``conductor`` was the one name)."""
        return self.conductor

    @property
    def name(self) -> str:
        return f"QQ(zeta_{self.conductor})"

    # -- constructors -----------------------------------------------------------------
    def convert(self, value: Any) -> CyclotomicElement:
        """Element from a scalar (rational) or a coefficient list of length phi(n)."""
        if isinstance(value, CyclotomicElement):
            if value.field is not self:
                raise DomainError(f"element of {value.field} is not in {self}")
            return value
        if isinstance(value, (list, tuple)):
            return self.from_coefficients(value)
        return CyclotomicElement(self, flint.fmpq_poly([to_fmpq(value)]))

    def from_coefficients(self, coeffs: Sequence[Any]) -> CyclotomicElement:
        if len(coeffs) != self.degree:
            raise InputError(
                f"an element of {self.name} needs {self.degree} coefficients, got {len(coeffs)}"
            )
        return CyclotomicElement(self, flint.fmpq_poly([to_fmpq(c) for c in coeffs]))

    def coefficients(self, element: Any) -> tuple[flint.fmpq, ...]:
        return self.convert(element).coefficients()

    def zeta(self, k: int = 1) -> CyclotomicElement:
        """zeta_n^k for any integer k."""
        k %= self.conductor
        return CyclotomicElement(self, flint.fmpq_poly([0] * k + [1]) % self.modulus)

    def cos(self, k: int) -> CyclotomicElement:
        """cos(2 pi k / n) = (zeta^k + zeta^-k) / 2."""
        return (self.zeta(k) + self.zeta(-k)) * flint.fmpq(1, 2)

    def sin(self, k: int) -> CyclotomicElement:
        """sin(2 pi k / n) = (zeta^k - zeta^-k) / (2i); needs i in the field (4 | n)."""
        if (2 * k) % self.conductor == 0:
            return self.zero
        if self.conductor % 4:
            raise DomainError(
                f"sin(2*pi*{k}/{self.conductor}) is not in {self.name} (4 does not divide n); "
                f"use QQ(zeta_{self.conductor * 4 // gcd(self.conductor, 4)})"
            )
        i = self.zeta(self.conductor // 4)
        return (self.zeta(k) - self.zeta(-k)) * flint.fmpq(1, 2) / i

    def to_complex(self, element: Any) -> complex:
        return self.convert(element).to_complex()

    # -- SymPy ------------------------------------------------------------------------
    def sympy_field(self):
        """SymPy's ``QQ.cyclotomic_field(n)`` (same power basis)."""
        import sympy

        return sympy.QQ.cyclotomic_field(self.conductor)

    def to_sympy(self, element: Any):
        """The element as an element of :meth:`sympy_field`."""
        import sympy

        K = self.sympy_field()
        coeffs = [sympy.Rational(int(c.p), int(c.q)) for c in self.coefficients(element)]
        return K(list(reversed(coeffs)))

    def from_sympy(self, element: Any) -> CyclotomicElement:
        """Inverse of :meth:`to_sympy` (accepts SymPy ``ANP`` elements of the same field)."""
        coeffs = list(reversed(element.to_list()))
        coeffs += [0] * (self.degree - len(coeffs))
        return self.from_coefficients(coeffs)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return hash(("cyclotomic", self.conductor))
