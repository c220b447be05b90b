"""Sample files: one row per sample, read exactly.

=================  ===========================================================================
``.json[.gz]``     ``{"X": [[...], ...]}`` (JSON integers, ``"p/q"`` strings, floats)
``.npy``           a numeric array of shape (n, features); (n, d1, d2, ...) is flattened per
                   sample in C order (as ONNX ``Flatten`` does)
``.npz``           the array ``X``, or the only array of the archive
``.csv``           numbers separated by commas, one sample per line; a first line made only of
                   text cells is a header and is skipped; any other text cell is refused
=================  ===========================================================================

Floats in ``.npy``/``.npz`` are converted to their exact (dyadic) values. CSV cells are text,
and are read as the exact number they write: ``0.1`` is 1/10 (not the float64 nearest to it),
``1e-3`` is 1/1000, ``2/3`` is 2/3. To give float data bit for bit, use ``.npy``.
NaN and infinities are refused everywhere; ``.npy``/``.npz`` are read with
``allow_pickle=False``.

>>> import tempfile, os
>>> with tempfile.TemporaryDirectory() as d:
...     path = os.path.join(d, "x.csv")
...     _ = open(path, "w").write("a,b\\n0.1,2/3\\n-1,1e-3\\n")
...     load_samples(path).entries()
[1/10, 2/3, -1, 1/1000]
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Optional

import flint
import numpy as np

from ...errors import InputError, ShapeError
from ...resources import ensure_fits
from .common import BYTES_PER_EXACT_ENTRY, exact_matrix, read_file_bytes
from ...io.arrays import load_npy, load_npz



def samples_from_array(array: np.ndarray, source: str) -> flint.fmpq_mat:
    """A numeric array (n, features) or (n, d1, d2, ...) as an exact sample matrix."""
    a = np.asarray(array)
    if a.ndim < 2:
        raise ShapeError(f"{source}: expected one row per sample (a 2-d array), got shape {list(a.shape)}")
    if a.ndim > 2:
        a = a.reshape(a.shape[0], -1)
    if 0 in a.shape:
        raise InputError(f"{source}: no samples (shape {list(a.shape)})")
    ensure_fits(a.size * BYTES_PER_EXACT_ENTRY, f"reading {source}")
    return exact_matrix(a, source)


def _csv_number(cell: str) -> Optional[tuple[int, int]]:
    """(numerator, denominator) of a decimal or ``p/q`` cell; None for text, NaN and infinities."""
    try:
        d = Decimal(cell)  # exact for decimal notation, and fast
    except InvalidOperation:
        try:
            f = Fraction(cell)
        except (ValueError, ZeroDivisionError):
            return None
        return f.numerator, f.denominator
    if not d.is_finite():
        return None
    return d.as_integer_ratio()


def samples_from_csv(text: str, source: str) -> flint.fmpq_mat:
    """Parse CSV text (see the module docstring)."""
    cells = text.count(",") + text.count("\n") + 1  # an upper bound on the cells, before parsing
    ensure_fits(cells * BYTES_PER_EXACT_ENTRY, f"reading {source}")
    rows: list[list[tuple[int, int]]] = []
    first = True
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        cells = [c.strip() for c in line.split(",")]
        values, bad = [], None
        for column, cell in enumerate(cells, start=1):
            value = _csv_number(cell)
            values.append(value)
            if value is None and bad is None:
                bad = (column, cell)
        if bad is not None:
            if first and all(v is None for v in values):
                first = False
                continue  # a header line
            raise InputError(f"{source}: line {number}, column {bad[0]}: not a number: {bad[1][:40]!r}")
        first = False
        if rows and len(values) != len(rows[0]):
            raise ShapeError(f"{source}: line {number} has {len(values)} cells, the first row has {len(rows[0])}")
        rows.append(values)
    if not rows:
        raise InputError(f"{source}: no samples")
    return flint.fmpq_mat(len(rows), len(rows[0]),
                          [flint.fmpq(*v) for row in rows for v in row])


def load_samples(path: str | os.PathLike, width: Optional[int] = None) -> flint.fmpq_mat:
    """Read a sample file of any supported format; check its width when ``width`` is given."""
    source = str(path)
    name = Path(path).name.lower()
    if name.endswith(".npy"):
        X = samples_from_array(load_npy(path), source)
    elif name.endswith(".npz"):
        arrays = load_npz(path)
        if "X" in arrays:
            array = arrays["X"]
        elif len(arrays) == 1:
            array = next(iter(arrays.values()))
        else:
            raise InputError(f"{source}: no array 'X' and {len(arrays)} arrays {sorted(arrays)[:5]}; "
                             f"name the samples X")
        X = samples_from_array(array, source)
    elif name.endswith(".csv"):
        data = read_file_bytes(path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not UTF-8 text") from None
        X = samples_from_csv(text, source)
    else:
        from ...io.files import read_json
        from ..format import samples_from_json

        X = samples_from_json(read_json(path), source)
    if width is not None and X.ncols() != width:
        raise ShapeError(f"{source}: samples have {X.ncols()} coordinates, the network expects {width}")
    return X
