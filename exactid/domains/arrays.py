"""Exact matrices from numpy arrays and nested lists (the entry point of the Python API).

Integers are taken as they are; floats are converted exactly (each float *is* a dyadic
rational) with an :class:`~exactid.errors.ExactConversionWarning` saying so; complex
numbers become elements of Q(i) = Q(zeta_4).  Scalars are converted by
:func:`exactid.domains.base.to_fmpq`, the one rational converter of the package.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, Optional, Union

import flint
import numpy as np

from ..errors import ExactConversionWarning, InputError, ShapeError
from ..resources import ensure_fits
from .base import Field, to_fmpq
from .cyclotomic import CyclotomicField
from .matrix import ExactMatrix, field_from_name
from .rationals import QQ

FieldLike = Union[None, str, int, Field]


def as_field(field: FieldLike) -> Optional[Field]:
    """``None``, a field, ``"QQ"``, ``"QQ(zeta_n)"`` or the conductor ``n`` (1 is Q).

    >>> as_field(8).name, as_field("QQ").name, as_field(1).name
    ('QQ(zeta_8)', 'QQ', 'QQ')
    """
    if field is None or isinstance(field, Field):
        return field
    if isinstance(field, str):
        return field_from_name(field)
    if isinstance(field, (int, np.integer)) and not isinstance(field, bool) and field >= 1:
        return QQ if field == 1 else CyclotomicField(int(field))
    raise InputError(f"field must be 'QQ', 'QQ(zeta_n)', a conductor n >= 1 or a field, got {field!r}")


def warn_float_conversion(what: str, stacklevel: Optional[int] = None) -> None:
    """Emit the one warning of an exact float conversion, attributed to the caller outside exactid."""
    if stacklevel is None:
        frame, stacklevel = sys._getframe(1), 2
        while frame is not None and frame.f_globals.get("__name__", "").startswith("exactid."):
            frame, stacklevel = frame.f_back, stacklevel + 1
    warnings.warn(f"{what}: floating-point values converted exactly (no rounding; 0.1 becomes the "
                  "binary fraction it stores); pass integers or 'p/q' strings for other rationals",
                  ExactConversionWarning, stacklevel=stacklevel)


def dyadic_integers(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Exact ``(numerators, denominator)`` of a finite float array: ``values = numerators / denominator``.

    The denominator is a power of two; numerators are int64 when they fit, Python ints otherwise.

    >>> num, den = dyadic_integers(np.array([0.5, 3.0, -0.25]))
    >>> num.tolist(), den
    ([2, 12, -1], 4)
    """
    arr = np.asarray(values, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise InputError("matrix entries must be finite (NaN or infinity found)")
    mantissa, exponent = np.frexp(arr)
    mant = (mantissa * (1 << 53)).astype(np.int64)  # exact: |mantissa| < 1 has 53 bits
    shift = 53 - exponent.astype(np.int64)  # values = mant / 2**shift
    nonzero = mant != 0
    if not nonzero.any():
        return np.zeros(arr.shape, dtype=np.int64), 1
    # strip trailing zero bits so that the common denominator stays small
    twos = np.zeros(arr.shape, dtype=np.int64)
    twos[nonzero] = np.log2((mant[nonzero] & -mant[nonzero]).astype(np.float64)).astype(np.int64)
    mant = np.where(nonzero, mant >> np.where(nonzero, twos, 0), 0)
    shift = np.where(nonzero, shift - twos, 0)
    top = int(shift.max())
    if top <= 0:
        top = 0
    lift = np.where(nonzero, top - shift, 0)
    if int(lift.max()) + 54 < 63:
        return mant << lift, 1 << top
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = int(mant[idx]) << int(lift[idx])
    return out, 1 << top


def exact_matrix(A: Any, field: FieldLike = None, what: str = "matrix") -> ExactMatrix:
    """An :class:`ExactMatrix` from an array-like, converting exactly.

    Parameters
    ----------
    A : ExactMatrix, numpy array, nested lists, sympy Matrix or flint fmpq_mat/fmpz_mat
        Over Q: a 2-d array of integers, floats (exact conversion, with an
        :class:`~exactid.errors.ExactConversionWarning`), rationals (``Fraction``,
        ``"p/q"`` strings, ``fmpq``) or complex numbers (then the field is Q(zeta_4)).
        Over Q(zeta_n): an ``(m, n, phi(n))`` array of coefficients in the power basis of
        zeta_n, or nested lists of coefficient lists.
    field : None, "QQ", "QQ(zeta_n)", int or Field
        ``None`` infers Q (Q(zeta_4) for complex input; the matrix's field for an ExactMatrix).

    Examples
    --------
    >>> exact_matrix(np.array([[1, 2], [3, 4]])).shape
    (2, 2)
    >>> exact_matrix([[1, "1/3"]]).entry(0, 1)
    1/3
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     M = exact_matrix(np.array([[0.5, 0.1]]))
    ...     C = exact_matrix(np.array([[1j, 2]]))
    >>> M.entry(0, 0), M.entry(0, 1), caught[0].category.__name__
    (1/2, 3602879701896397/36028797018963968, 'ExactConversionWarning')
    >>> C.field.name
    'QQ(zeta_4)'
    """
    target = as_field(field)
    if isinstance(A, ExactMatrix):
        if target is not None and target != A.field:
            raise InputError(f"the {what} is over {A.field.name}, not {target.name}")
        return A
    if isinstance(A, flint.fmpq_mat):
        return _check_field(ExactMatrix.from_fmpq_mat(A), target, what)
    if isinstance(A, flint.fmpz_mat):
        return _check_field(ExactMatrix.from_fmpq_mat(flint.fmpq_mat(A)), target, what)
    if hasattr(A, "tolist") and not isinstance(A, np.ndarray) and hasattr(A, "shape"):  # sympy matrices
        A = A.tolist()
    if isinstance(A, np.ndarray) and A.dtype.kind in "iufcb":
        return _from_numeric(A, target, what)
    if isinstance(A, (list, tuple)):
        try:
            arr = np.asarray(A)
        except ValueError:
            raise ShapeError(f"the {what} has ragged rows") from None
        if arr.dtype.kind in "iufcb":
            return _from_numeric(arr, target, what)
        return _from_objects(A, target, what)
    if isinstance(A, np.ndarray):
        return _from_objects(A.tolist(), target, what)
    raise InputError(f"the {what} must be a numpy array, nested lists or an ExactMatrix, got {type(A).__name__}")


def _check_field(M: ExactMatrix, target: Optional[Field], what: str) -> ExactMatrix:
    if target is not None and target != M.field:
        if M.field is QQ:
            return ExactMatrix(target, _embed(M.num, target), M.den)
        raise InputError(f"the {what} is over {M.field.name}, not {target.name}")
    return M


def _embed(num: np.ndarray, field: Field) -> np.ndarray:
    """Rational coefficient stack ``(1, m, n)`` as a stack over ``field`` (constant coefficients)."""
    out = np.zeros((field.degree,) + num.shape[1:], dtype=num.dtype)
    out[0] = num[0]
    return out


def _from_numeric(arr: np.ndarray, target: Optional[Field], what: str) -> ExactMatrix:
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "c":
        return _from_complex(arr, target, what)
    degree = 1 if target is None else target.degree
    if arr.ndim == 3 and degree > 1 and arr.shape[2] == degree:
        pass
    elif arr.ndim != 2:
        shapes = "(m, n)" if degree == 1 else f"(m, n) or (m, n, {degree})"
        raise ShapeError(f"the {what} must be a 2-d array of shape {shapes}, got shape {arr.shape}")
    ensure_fits(arr.size * 16, f"converting the {what}")
    if arr.dtype.kind in "iu":
        ints = arr.astype(object) if arr.dtype.kind == "u" and arr.dtype.itemsize >= 8 else arr.astype(np.int64)
        num, den = ints, 1
    else:
        num, den = dyadic_integers(arr)
        warn_float_conversion(f"the {what}")
    field = target or QQ
    if arr.ndim == 2 and field.degree > 1:
        return ExactMatrix(field, _embed(num[None], field), den)
    return ExactMatrix.from_integers(num, field, den)


def _from_complex(arr: np.ndarray, target: Optional[Field], what: str) -> ExactMatrix:
    if arr.ndim != 2:
        raise ShapeError(f"the {what} must be a 2-d array, got shape {arr.shape}")
    field = target or CyclotomicField(4)
    if field != CyclotomicField(4):
        raise InputError(f"complex entries are read in QQ(zeta_4) (zeta_4 = i), not {field.name}")
    re, den_re = dyadic_integers(arr.real)
    im, den_im = dyadic_integers(arr.imag)
    warn_float_conversion(f"the {what}")
    den = max(den_re, den_im)
    stack = np.empty((2,) + arr.shape, dtype=object)
    stack[0] = np.asarray(re, dtype=object) * (den // den_re)
    stack[1] = np.asarray(im, dtype=object) * (den // den_im)
    return ExactMatrix(field, stack, den)


def _from_objects(rows: Any, target: Optional[Field], what: str) -> ExactMatrix:
    if not isinstance(rows, (list, tuple)) or any(not isinstance(r, (list, tuple)) for r in rows):
        raise InputError(f"the {what} must be a list of rows")
    field = target or QQ
    if any(isinstance(x, float) for r in rows for x in r):
        warn_float_conversion(f"the {what}")
    try:
        if field.degree > 1 and rows and rows[0] and isinstance(rows[0][0], (list, tuple)):
            return ExactMatrix.from_rows([[field.from_coefficients(c) for c in r] for r in rows], field)
        return ExactMatrix.from_rows([[x if field.degree > 1 else to_fmpq(x) for x in r] for r in rows], field)
    except InputError as exc:
        raise type(exc)(f"the {what}: {exc}") from None


def exact_samples(X: Any, input_width: Optional[int] = None, what: str = "samples") -> flint.fmpq_mat:
    """Samples (one row each) as an ``fmpq_mat``, converted like :func:`exact_matrix` over Q.

    >>> exact_samples(np.array([[1, 2], [3, 4]])).nrows()
    2
    """
    if isinstance(X, flint.fmpq_mat):
        out = X
    else:
        M = exact_matrix(X, QQ, what)
        out = M.to_fmpq_mat()
    if input_width is not None and out.ncols() != input_width:
        raise ShapeError(f"{what} have {out.ncols()} coordinates, the network expects {input_width}")
    if out.nrows() == 0:
        raise InputError("at least one sample is needed")
    return out
