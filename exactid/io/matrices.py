"""User matrix files: JSON (rationals or cyclotomic coefficient lists) and integer ``.npy``.

JSON forms accepted by :func:`load_matrix`:

- a list of rows of rationals: ``[[1, "2/3"], [0, -1]]`` (ints, ``"p/q"`` strings, or
  finite floats, which are converted exactly);
- an object ``{"field": "QQ(zeta_8)", "entries": [[[c0, c1, c2, c3], ...], ...]}`` whose
  entries are coefficient lists in the power basis of zeta_n (``"n": 8`` may replace
  ``"field"``); ``{"field": "QQ", "entries": ...}`` for rationals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..domains import QQ, CyclotomicField, ExactMatrix, field_from_name
from ..errors import InputError, ShapeError
from ..resources import ensure_fits
from .files import read_json


def matrix_from_json(data: Any, source: str = "input") -> ExactMatrix:
    """Parse the JSON forms described in the module docstring."""
    field = QQ
    entries = data
    if isinstance(data, dict):
        if "entries" not in data:
            raise InputError(f"{source}: a matrix object needs an 'entries' key")
        entries = data["entries"]
        if "field" in data:
            if not isinstance(data["field"], str):
                raise InputError(f"{source}: 'field' must be a string such as 'QQ(zeta_8)'")
            field = field_from_name(data["field"])
        elif "n" in data:
            n = data["n"]
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise InputError(f"{source}: 'n' must be an integer >= 1, got {n!r}")
            field = CyclotomicField(n)
    if not isinstance(entries, list) or not all(isinstance(r, list) for r in entries):
        raise InputError(f"{source}: a matrix must be a list of rows")
    if entries:
        width = len(entries[0])
        for i, row in enumerate(entries):
            if len(row) != width:
                raise ShapeError(f"{source}: ragged rows (row 0 has {width} entries, row {i} has {len(row)})")
    ensure_fits(sum(len(r) for r in entries) * field.degree * 200, f"reading {source}")
    if field.degree > 1 or isinstance(field, CyclotomicField):
        for row in entries:
            for x in row:
                if not isinstance(x, list):
                    raise InputError(f"{source}: entries over {field.name} must be coefficient lists")
    try:
        return ExactMatrix.from_rows(entries, field)
    except InputError as exc:
        raise type(exc)(f"{source}: {exc}") from None


def load_matrix(path: str) -> ExactMatrix:
    """Load a matrix file (``.json``, ``.json.gz`` or integer ``.npy``)."""
    p = Path(path)
    if p.suffix == ".npy":
        try:
            arr = np.load(p, allow_pickle=False)
        except FileNotFoundError:
            raise InputError(f"no such file: {p}") from None
        except (OSError, ValueError) as exc:
            raise InputError(f"{p}: not a readable .npy file ({exc})") from None
        if arr.dtype.kind not in "iu":
            raise InputError(f"{p}: .npy matrices must hold integers, got dtype {arr.dtype}")
        if arr.ndim != 2:
            raise ShapeError(f"{p}: expected a 2-d array, got shape {arr.shape}")
        return ExactMatrix.from_integers(arr.astype(object) if arr.dtype.kind == "u" else arr, QQ)
    return matrix_from_json(read_json(p), str(p))
