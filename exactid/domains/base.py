"""Shared interface of the exact domains.

Every field used by exactid is a finite-dimensional Q-algebra given with a fixed basis
(Q itself, or Q(zeta_n) with the power basis 1, zeta, ..., zeta^(phi(n)-1)), or a prime
field F_p.  Matrices over the characteristic-0 fields share one representation
(:class:`exactid.domains.matrix.ExactMatrix`): integer coefficient arrays over a common
denominator, so that the heavy work can go to python-flint's ``fmpz_mat``/``nmod_mat``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from fractions import Fraction
from typing import Any, Sequence

import flint

from ..errors import InputError


def to_fmpq(value: Any) -> flint.fmpq:
    """Convert an exact-looking scalar to ``fmpq``.

    Accepts ``int``, ``Fraction``, ``fmpq``/``fmpz``, strings ``"p"``/``"p/q"``, finite
    floats (converted exactly, with no rounding) and SymPy rationals.

    >>> to_fmpq("3/6")
    1/2
    >>> to_fmpq(0.5)
    1/2
    """
    if isinstance(value, bool):
        raise InputError(f"not a rational number: {value!r}")
    if isinstance(value, flint.fmpq):
        return value
    if isinstance(value, (int, flint.fmpz)):
        return flint.fmpq(int(value))
    if isinstance(value, Fraction):
        return flint.fmpq(value.numerator, value.denominator)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"not a finite number: {value!r}")
        num, den = value.as_integer_ratio()
        return flint.fmpq(num, den)
    if isinstance(value, str):
        text = value.strip()
        try:
            frac = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise InputError(f"not a rational number: {value!r}") from None
        return flint.fmpq(frac.numerator, frac.denominator)
    numerator = getattr(value, "p", None)
    denominator = getattr(value, "q", None)
    if isinstance(numerator, int) and isinstance(denominator, int) and denominator != 0:
        return flint.fmpq(numerator, denominator)  # sympy Rational / Integer
    try:
        import numpy as np

        if isinstance(value, np.integer):
            return flint.fmpq(int(value))
        if isinstance(value, np.floating):
            return to_fmpq(float(value))
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    raise InputError(f"not a rational number: {value!r}")


class Field(ABC):
    """A field of characteristic 0 with a fixed Q-basis of size :attr:`degree`.

    ``conductor`` is the n of Q(zeta_n) (1 for Q).  Elements are converted with
    :meth:`convert`; :meth:`coefficients` and :meth:`from_coefficients` move between an
    element and its coordinates in the basis.
    """

    degree: int
    conductor: int

    @abstractmethod
    def convert(self, value: Any) -> Any:
        """Return ``value`` as an element of this field (raises ``InputError``)."""

    @abstractmethod
    def coefficients(self, element: Any) -> tuple[flint.fmpq, ...]:
        """Coordinates of ``element`` in the basis (length :attr:`degree`)."""

    @abstractmethod
    def from_coefficients(self, coeffs: Sequence[Any]) -> Any:
        """The element with the given coordinates."""

    @property
    def zero(self) -> Any:
        return self.convert(0)

    @property
    def one(self) -> Any:
        return self.convert(1)

    @abstractmethod
    def to_complex(self, element: Any) -> complex:
        """Floating-point value of ``element`` (the embedding zeta_n -> exp(2 pi i/n))."""

    @property
    @abstractmethod
    def name(self) -> str:
        """Name used in certificates and files (``"QQ"`` or ``"QQ(zeta_n)"``)."""

    def __repr__(self) -> str:
        return self.name
