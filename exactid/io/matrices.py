"""User matrix files: JSON (rationals or cyclotomic coefficient lists) and integer ``.npy``.

JSON forms accepted by :func:`load_matrix`:

- a list of rows of rationals: ``[[1, "2/3"], [0, -1]]`` (ints, ``"p/q"`` strings, or
  finite floats, which are converted exactly);
- an object ``{"field": "QQ(zeta_8)", "entries": [[[c0, c1, c2, c3], ...], ...]}`` whose
  entries are coefficient lists in the power basis of zeta_n (``"n": 8`` may replace
  ``"field"``); ``{"field": "QQ", "entries": ...}`` for rationals.

Conversion is vectorized: the coefficients are flattened once, integers go straight into
an ``int64`` array (Python ints only when they do not fit), ``"p/q"`` strings are split in
one pass, and the common denominator and the normalization use numpy's ``lcm``/``gcd``.

>>> m = matrix_from_json({"n": 4, "entries": [[[1, "1/2"], [0, 0]], [[0, 1], [-1, 0]]]})
>>> m.shape, m.den, m.field.name
((2, 2), 2, 'QQ(zeta_4)')
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..domains import QQ, CyclotomicField, ExactMatrix, field_from_name
from ..domains.base import to_fmpq
from ..errors import InputError, ShapeError
from ..resources import ensure_fits
from .arrays import load_npy
from .files import paused_gc, read_json
from .limits import MAX_CONDUCTOR, MAX_ELEMENTS, MAX_INT_DIGITS

_SAFE = 1 << 62  # ExactMatrix keeps int64 arrays only below this bound


def _field_of(data: dict, source: str):
    if "field" in data:
        if not isinstance(data["field"], str):
            raise InputError(f"{source}: 'field' must be a string such as 'QQ(zeta_8)'")
        return field_from_name(data["field"])
    if "n" in data:
        n = data["n"]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_CONDUCTOR:
            raise InputError(f"{source}: 'n' must be an integer >= 1 and <= {MAX_CONDUCTOR}, got {str(n)[:30]}")
        return CyclotomicField(n)
    return QQ


def rationals_to_integers(values: list) -> tuple[np.ndarray, int]:
    """Numerators over one common denominator for a flat list of rationals.

    Returns ``(num, den)`` with ``num`` int64 when every numerator fits below 2^62, else an
    object array of Python ints; ``values[i] == num[i] / den``.  Accepted scalars: ints,
    ``"p"``/``"p/q"`` strings (others that :func:`fractions.Fraction` reads, such as
    ``"1.5"``, go through the exact slow path), finite floats.

    >>> num, den = rationals_to_integers([1, "2/3", 0.5, "-7"])
    >>> num.tolist(), den
    ([6, 4, 3, -42], 6)
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 1
    try:  # one C-level pass: 0 int, 1 str, 2 float; anything else (bool, list, None, dict) fails
        codes = np.fromiter(map(_TYPE_CODES.get, map(type, values)), dtype=np.int8, count=n)
    except TypeError:
        bad = next(type(x).__name__ for x in values if type(x) not in _TYPE_CODES)
        raise InputError(f"a matrix entry must be a number or a 'p/q' string, got {bad}") from None
    if not codes.any():
        return _ints(values), 1
    values = list(values)
    dens = np.ones(n, dtype=np.int64)
    big_dens: dict[int, int] = {}
    where = np.flatnonzero(codes == 1)
    if where.size:
        top, bottom = _parse_fractions([values[i] for i in where.tolist()])
        for k, i in enumerate(where.tolist()):
            values[i] = top[k]
        if bottom.dtype == object:
            big_dens.update(zip(where.tolist(), bottom.tolist()))
            bottom = np.where(np.array([b < _SAFE for b in bottom.tolist()]), bottom, 1).astype(np.int64)
        dens[where] = bottom
    for i in np.flatnonzero(codes == 2).tolist():
        a, b = _float_pair(values[i])
        values[i] = a
        if b < _SAFE:
            dens[i] = b
        else:
            big_dens[i] = b
    num = _ints(values)
    # denominators other than 1 sit only where strings and floats were: no sort of the whole array
    special = np.flatnonzero(codes)
    den = math.lcm(*(int(u) for u in np.unique(dens[special])), *big_dens.values())
    if den == 1:
        return num, 1
    if num.dtype != object and not big_dens and den < _SAFE:
        factor = den // dens
        # products stay below 2^62 when |num| * factor does: check in floating point with margin
        if float(np.max(np.abs(num), initial=0)) * float(np.max(factor, initial=1)) < 2.0 ** 61:
            return num * factor, den
    den_obj = dens.astype(object)
    for i, b in big_dens.items():
        den_obj[i] = b
    return _compact(num.astype(object) * (den // den_obj)), den


_TYPE_CODES = {int: 0, str: 1, float: 2}


def _parse_fractions(texts: list) -> tuple[list, np.ndarray]:
    """Numerators (list) and denominators (array) of "p" / "p/q" strings, in bulk.

    The common case (at most 18 digits each side) is checked by one regular expression over
    the joined text and converted by numpy in one call; anything else goes element by element
    through the exact reader (which refuses non-rationals with InputError).
    """
    if max(map(len, texts)) > 2 * MAX_INT_DIGITS + 2:
        raise InputError(f"a matrix entry has more than {MAX_INT_DIGITS} digits")
    joined = " ".join([t if "/" in t else t + "/1" for t in texts])
    pairs = _fraction_pairs(joined, len(texts))
    if pairs is not None:
        return pairs[:, 0].tolist(), pairs[:, 1]
    exact = [_exact_pair(x) for x in texts]
    return [a for a, _ in exact], _ints([b for _, b in exact])


def _fraction_pairs(joined: str, count: int):
    """``count`` pairs (p, q) from "p/q p/q ..." when every token is -?digits/digits with q > 0,
    checked with numpy on the bytes (no per-token Python work); None otherwise."""
    try:
        raw = joined.encode("ascii")
    except UnicodeEncodeError:
        return None
    arr = np.frombuffer(raw, dtype=np.uint8)
    digit = (arr >= 48) & (arr <= 57)
    space, slash, minus = arr == 32, arr == 47, arr == 45
    if not (digit | space | slash | minus).all() or int(slash.sum()) != count:
        return None
    before = np.concatenate(([32], arr[:-1]))  # the byte before each position (a space at the start)
    after = np.concatenate((arr[1:], [32]))
    is_digit = lambda b: (b >= 48) & (b <= 57)
    if not (is_digit(before[slash]).all() and is_digit(after[slash]).all()):
        return None
    if not ((before[minus] == 32).all() and is_digit(after[minus]).all()):
        return None
    if (space & (before == 32)).any() or (arr[-1:] == 32).any():  # empty tokens
        return None
    try:
        pairs = np.array(joined.replace("/", " ").split(), dtype=np.int64).reshape(-1, 2)
    except (ValueError, OverflowError):
        return None
    if pairs.shape[0] != count or not (pairs[:, 1] > 0).all() or (np.abs(pairs) >= _SAFE).any():
        return None
    return pairs


def _exact_pair(text: str) -> tuple[int, int]:
    if "_" in text:
        raise InputError(f"not a rational number: {text[:40]!r}")
    if sum(ch.isdigit() for ch in text) > 2 * MAX_INT_DIGITS:
        raise InputError(f"a matrix entry has more than {MAX_INT_DIGITS} digits")
    q = to_fmpq(text)  # InputError for anything that is not a rational
    if max(abs(int(q.p)), int(q.q)).bit_length() > MAX_INT_DIGITS * 10 // 3 + 1:
        raise InputError(f"a matrix entry has more than {MAX_INT_DIGITS} digits")
    return int(q.p), int(q.q)


def _float_pair(x: float) -> tuple[int, int]:
    if x != x or x in (math.inf, -math.inf):
        raise InputError(f"not a finite number: {x!r}")
    return x.as_integer_ratio()


def _ints(values) -> np.ndarray:
    try:
        arr = np.array(values, dtype=np.int64)
    except OverflowError:
        return _compact(np.array(values, dtype=object))
    except TypeError:
        raise InputError("a matrix entry is not a number") from None
    if arr.size and int(np.max(np.abs(arr), initial=0)) >= _SAFE:  # (abs of -2^63 wraps: caught below too)
        return np.array(values, dtype=object)
    if arr.size and int(arr.min()) == -(1 << 63):
        return np.array(values, dtype=object)
    return arr


def _compact(arr: np.ndarray) -> np.ndarray:
    if arr.size and max(abs(int(arr.max())), abs(int(arr.min()))) < _SAFE:
        return arr.astype(np.int64)
    return arr


def _normalized(num: np.ndarray, den: int) -> tuple[np.ndarray, int]:
    if den == 1:
        return num, 1
    g = int(np.gcd.reduce(num.ravel(), initial=0)) if num.dtype != object else \
        math.gcd(*(int(x) for x in np.unique(num)))
    g = math.gcd(g, den)
    if g > 1:
        num = num // g
        den //= g
    return num, den


def matrix_from_json(data: Any, source: str = "input") -> ExactMatrix:
    """Parse the JSON forms described in the module docstring."""
    field = QQ
    entries = data
    if isinstance(data, dict):
        if "entries" not in data:
            raise InputError(f"{source}: a matrix object needs an 'entries' key")
        entries = data["entries"]
        field = _field_of(data, source)
    if not isinstance(entries, list) or not all(type(r) is list for r in entries):
        raise InputError(f"{source}: a matrix must be a list of rows")
    m = len(entries)
    widths = set(map(len, entries))
    if len(widths) > 1:
        width = len(entries[0])
        i = next(i for i, r in enumerate(entries) if len(r) != width)
        raise ShapeError(f"{source}: ragged rows (row 0 has {width} entries, row {i} has {len(entries[i])})")
    n = widths.pop() if widths else 0
    d = field.degree
    if m * n * d > MAX_ELEMENTS:
        raise InputError(f"{source}: {m}x{n} entries of degree {d} exceed {MAX_ELEMENTS} coefficients")
    ensure_fits(m * n * d * 40, f"reading {source}")
    cells = [x for r in entries for x in r]
    try:
        if isinstance(field, CyclotomicField):
            if set(map(type, cells)) - {list}:
                raise InputError(f"entries over {field.name} must be coefficient lists")
            lengths = set(map(len, cells))
            if lengths - {d}:
                raise InputError(f"an element of {field.name} needs {d} coefficients, got {min(lengths - {d})}")
            flat = [c for cell in cells for c in cell]
        else:
            if any(type(x) is list for x in cells):
                if set(map(type, cells)) != {list} or set(map(len, cells)) != {1}:
                    raise InputError("entries over QQ must be numbers (or one-coefficient lists)")
                cells = [c for cell in cells for c in cell]
            flat = cells
        num, den = rationals_to_integers(flat)
    except InputError as exc:
        raise type(exc)(f"{source}: {exc}") from None
    num = np.moveaxis(num.reshape(m, n, d), 2, 0)
    num, den = _normalized(np.ascontiguousarray(num), den)
    return ExactMatrix(field, num, den, normalized=True)


def matrix_from_array(arr: np.ndarray, source: str = "input") -> ExactMatrix:
    """An integer numpy array (m, n) straight into an exact matrix over Q."""
    if arr.dtype.kind not in "iu":
        raise InputError(f"{source}: .npy matrices must hold integers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ShapeError(f"{source}: expected a 2-d array, got shape {arr.shape}")
    if arr.size and (arr.dtype.kind == "u" or arr.dtype.itemsize == 8):
        big = int(arr.max()) >= _SAFE or (arr.dtype.kind == "i" and int(arr.min()) <= -_SAFE)
        num = arr.astype(object) if big else arr.astype(np.int64)
    else:
        num = arr.astype(np.int64)
    return ExactMatrix(QQ, np.ascontiguousarray(num[None, :, :]), 1, normalized=True)


def load_matrix(path: str, allow_empty: bool = True) -> ExactMatrix:
    """Load a matrix file (``.json``, ``.json.gz`` or integer ``.npy``) through the input layer.

    ``allow_empty=False`` refuses matrices with no rows or no columns.
    """
    p = Path(path)
    if p.suffix == ".npy":
        matrix = matrix_from_array(load_npy(p), str(p))
    else:
        data = read_json(p)
        with paused_gc():
            matrix = matrix_from_json(data, str(p))
    if not allow_empty and 0 in matrix.shape:
        raise ShapeError(f"{p}: the matrix is empty ({matrix.nrows}x{matrix.ncols})")
    return matrix
