"""Pieces shared by the network format readers: capped file reads, exact conversion of numeric
arrays to ``fmpq`` matrices, and the one normalization of activation names.

Every float a reader meets is converted to the rational number it *is* (a float32, float16 or
float64 is a dyadic rational m / 2^e), never through a decimal string: the float32 ``0.01f``
becomes ``5368709/536870912``, not ``1/100``.

>>> exact_matrix(np.array([[0.5, -2]], dtype=np.float32), "W").entries()
[1/2, -2]
>>> normalize_activation("Sigmoid"), normalize_activation("leaky_relu")
('logistic', 'leaky_relu:1/100')
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import flint
import numpy as np

from ...errors import InputError, ShapeError
from ...resources import ensure_fits

#: Rough memory of one exact entry (an fmpq and its list slot), for the up-front memory check.
BYTES_PER_EXACT_ENTRY = 120

from ...io.limits import MAX_FILE_BYTES  # noqa: E402  (one limit for every user file)


def read_file_bytes(path: str | os.PathLike, cap: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a model or sample file (a regular file only), refused when over ``cap``."""
    from ...io.files import open_regular

    p = Path(path)
    with open_regular(p) as fh:
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None
    if len(data) > cap:
        raise InputError(f"{p}: more than the {cap}-byte limit for model and sample files")
    return data


def one_line(exc: BaseException, limit: int = 200) -> str:
    """A foreign exception as one short line (type and message, whitespace collapsed)."""
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def exact_scalar(value: Any, what: str) -> flint.fmpq:
    """One int, float (exact value) or rational as ``fmpq``; NaN and infinities are refused."""
    if isinstance(value, (bool, np.bool_)):
        raise InputError(f"{what}: booleans are not numbers here")
    if isinstance(value, (np.integer, int)):
        return flint.fmpq(int(value))
    if isinstance(value, (np.floating, float)):
        v = float(value)  # float16/float32 -> float64 is exact
        if v != v or v in (float("inf"), float("-inf")):
            raise InputError(f"{what}: not a finite number ({v})")
        return flint.fmpq(*v.as_integer_ratio())
    if isinstance(value, flint.fmpq):
        return value
    if isinstance(value, (Fraction, str)):
        try:
            f = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise InputError(f"{what}: not a rational number: {value!r}") from None
        return flint.fmpq(f.numerator, f.denominator)
    raise InputError(f"{what}: not a number: {value!r}")


def _as_numeric(array: Any, what: str) -> np.ndarray:
    try:
        a = np.asarray(array)
    except Exception as exc:  # ragged nested lists and the like
        raise InputError(f"{what}: not a numeric array ({one_line(exc)})") from None
    if a.dtype.kind == "f" and a.dtype.itemsize < 8:
        a = a.astype(np.float64)  # exact: every float16/float32 is a float64
    elif a.dtype.kind not in "iuf":
        # bfloat16 and other float extension types convert exactly through float64
        if a.dtype.kind == "V" or "float" in str(a.dtype):
            try:
                a = a.astype(np.float64)
            except (TypeError, ValueError):
                raise InputError(f"{what}: unsupported element type {a.dtype}") from None
        else:
            raise InputError(f"{what}: expected numbers, got element type {a.dtype}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise InputError(f"{what}: not a finite number at index {list(bad)} ({a[bad]})")
    return a


def exact_entries(array: Any, what: str) -> list[flint.fmpq]:
    """The entries of a numeric array (row-major), each converted exactly."""
    a = _as_numeric(array, what)
    ensure_fits(a.size * BYTES_PER_EXACT_ENTRY, f"converting {what} exactly")
    if a.dtype.kind == "f":
        return [flint.fmpq(*v.as_integer_ratio()) for v in a.ravel().tolist()]
    return [flint.fmpq(v) for v in a.ravel().tolist()]


def exact_matrix(array: Any, what: str) -> flint.fmpq_mat:
    """A 2-d numeric array as an exact ``fmpq_mat`` (refuses NaN/inf and other shapes)."""
    a = _as_numeric(array, what)
    if a.ndim != 2 or 0 in a.shape:
        raise ShapeError(f"{what}: expected a non-empty 2-d array, got shape {list(a.shape)}")
    return flint.fmpq_mat(a.shape[0], a.shape[1], exact_entries(a, what))


def exact_column(array: Any, what: str) -> flint.fmpq_mat:
    """A 1-d numeric array as an exact column ``fmpq_mat``."""
    a = _as_numeric(array, what)
    if a.ndim != 1 or a.shape[0] == 0:
        raise ShapeError(f"{what}: expected a non-empty 1-d array, got shape {list(a.shape)}")
    return flint.fmpq_mat(a.shape[0], 1, exact_entries(a, what))


def float64_array(m: flint.fmpq_mat, what: str) -> np.ndarray:
    """The entries of ``m`` as float64, refused unless each one is exactly a float64 value."""
    values = []
    for index, q in enumerate(m.entries()):
        p, d = int(q.p), int(q.q)
        try:
            f = p / d
        except OverflowError:
            f = float("inf")
        if d & (d - 1) or f in (float("inf"), float("-inf")) or Fraction(f) != Fraction(p, d):
            i, j = divmod(index, m.ncols())
            raise InputError(f"{what}[{i},{j}] = {q} is not a float64 value; a float file format cannot hold it exactly "
                             f"(round the network first, or keep it in exactid's JSON)")
        values.append(f)
    return np.array(values, dtype=np.float64).reshape(m.nrows(), m.ncols())


# --------------------------------------------------------------------------- activation names
_ALIASES = {
    "relu": "relu", "tanh": "tanh", "logistic": "logistic", "sigmoid": "logistic",
    "identity": "identity", "linear": "identity", "hardtanh": "hardtanh",
}


def leaky_relu_name(slope: Any) -> str:
    """exactid's name of leaky ReLU with negative slope ``slope`` (an exact rational).

    >>> leaky_relu_name(Fraction(1, 10)), leaky_relu_name(0), leaky_relu_name(0.25)
    ('leaky_relu:1/10', 'relu', 'leaky_relu:1/4')
    """
    q = exact_scalar(slope, "leaky ReLU slope")
    s = Fraction(int(q.p), int(q.q))
    if s == 0:
        return "relu"
    if s == 1:
        return "identity"
    return f"leaky_relu:{s}"


def normalize_activation(name: Any) -> str:
    """The one spelling of a network activation used everywhere in exactid.

    Case and surrounding spaces are ignored; ``sigmoid`` is ``logistic``, ``linear`` is
    ``identity``; ``leaky_relu`` (slope 1/100 when none is given), ``leaky_relu:P/Q`` and
    ``leakyrelu:...`` become ``leaky_relu:P/Q`` in lowest terms (slope 0 is ``relu``). Names
    that are not recognized are returned stripped and unchanged: the command that uses the
    network decides whether it supports them.

    >>> normalize_activation(" ReLU "), normalize_activation("leaky_relu:2/20")
    ('relu', 'leaky_relu:1/10')
    """
    if not isinstance(name, str) or not name.strip():
        raise InputError("the activation must be a non-empty string")
    text = name.strip()
    head, colon, tail = text.lower().partition(":")
    low = head.strip().replace("-", "_") + colon + tail
    if low in _ALIASES:
        return _ALIASES[low]
    for prefix in ("leaky_relu", "leakyrelu"):
        if low == prefix:
            return leaky_relu_name(Fraction(1, 100))
        if low.startswith(prefix + ":"):
            slope = low.partition(":")[2].strip()
            try:
                value = Fraction(slope)
            except (ValueError, ZeroDivisionError):
                raise InputError(f"activation {name!r}: the leaky ReLU slope must be a rational p/q") from None
            return leaky_relu_name(value)
    return text
