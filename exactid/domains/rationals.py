"""The rational field Q on python-flint's ``fmpq``."""

from __future__ import annotations

from typing import Any, Sequence

import flint

from ..errors import InputError
from .base import Field, to_fmpq


class RationalField(Field):
    """The field Q; elements are ``flint.fmpq``.

    >>> QQ.convert("2/4") * 2
    1
    >>> QQ.coefficients(QQ.convert(3))
    (3,)
    """

    degree = 1
    conductor = 1

    def convert(self, value: Any) -> flint.fmpq:
        if isinstance(value, (list, tuple)):
            if len(value) != 1:
                raise InputError(f"a rational needs one coefficient, got {len(value)}")
            value = value[0]
        return to_fmpq(value)

    def coefficients(self, element: Any) -> tuple[flint.fmpq, ...]:
        return (to_fmpq(element),)

    def from_coefficients(self, coeffs: Sequence[Any]) -> flint.fmpq:
        if len(coeffs) != 1:
            raise InputError(f"a rational needs one coefficient, got {len(coeffs)}")
        return to_fmpq(coeffs[0])

    def to_complex(self, element: Any) -> complex:
        q = to_fmpq(element)
        return complex(int(q.p) / int(q.q))

    def to_sympy(self, element: Any):
        import sympy

        q = to_fmpq(element)
        return sympy.Rational(int(q.p), int(q.q))

    @property
    def name(self) -> str:
        return "QQ"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RationalField)

    def __hash__(self) -> int:
        return hash("QQ")


QQ = RationalField()
