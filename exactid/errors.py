"""Typed exceptions shared by the package (the checker has its own)."""


class ExactidError(Exception):
    """Base class of every error raised on purpose by exactid."""


class InputError(ExactidError, ValueError):
    """The user's input is malformed or outside what is supported (CLI exit code 2)."""


class ShapeError(InputError):
    """Matrix or vector shapes do not fit the operation."""


class DomainError(ExactidError, ValueError):
    """The value or operation does not exist in the requested exact domain."""


class NotInvertibleError(ExactidError, ZeroDivisionError):
    """Division by zero, or inversion of a singular matrix."""


class NoSolutionError(ExactidError, ValueError):
    """A linear system has no solution."""


class ResourceError(InputError):
    """The input is too large to process within the available memory."""


class CertificationError(ExactidError, RuntimeError):
    """A certificate could not be produced (for example, every tried prime was unlucky)."""


class ExactConversionWarning(UserWarning):
    """Floating-point input was converted exactly (each float is the rational it stores).

    The conversion never rounds: ``0.1`` becomes ``3602879701896397/36028797018963968``, not
    ``1/10``.  Pass integers, ``"p/q"`` strings or :class:`fractions.Fraction` values to
    state the intended rationals.
    """
