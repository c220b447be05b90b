"""The certificate envelope and the encodings shared by every certificate kind."""

from __future__ import annotations

from math import gcd
from typing import Any, Optional

import numpy as np

from .. import __version__
from ..domains.matrix import ExactMatrix

FORMAT = "exactid-certificate"
VERSION = 1
_JSON_SAFE = 1 << 53


def encode_integer(x: int) -> Any:
    """JSON int when it is safe for every JSON reader, decimal string otherwise."""
    x = int(x)
    return x if -_JSON_SAFE < x < _JSON_SAFE else str(x)


def encode_rational(num: int, den: int = 1) -> Any:
    """An int, or a "p/q" string in lowest terms."""
    num, den = int(num), int(den)
    g = gcd(num, den)
    num, den = num // g, den // g
    return encode_integer(num) if den == 1 else f"{num}/{den}"


def field_label(field) -> str:
    """The name certificates give a field: ``"QQ"`` for every field of degree 1 (Q, Q(zeta_1),
    Q(zeta_2)), ``"QQ(zeta_n)"`` otherwise; the checker's ``field_name`` uses the same convention.

    >>> from exactid.domains import CyclotomicField
    >>> field_label(CyclotomicField(2)), field_label(CyclotomicField(8))
    ('QQ', 'QQ(zeta_8)')
    """
    return "QQ" if field.degree == 1 else field.name


def rational_if_degree_one(matrix: ExactMatrix) -> ExactMatrix:
    """The same matrix over QQ when its field has degree 1 (Q(zeta_1) = Q(zeta_2) = Q), so that
    certificates name the field and choose reductions (root 1) as the checker does."""
    from ..domains import QQ

    if matrix.field.degree == 1 and matrix.field is not QQ:
        return ExactMatrix(QQ, matrix.num, matrix.den)
    return matrix


def encode_matrix(matrix: ExactMatrix) -> dict:
    """``{"field", "shape", "entries"}``: rationals, or coefficient lists over Q(zeta_n)."""
    d = matrix.field.degree
    m, n = matrix.shape
    den = matrix.den
    num = matrix.num
    if den == 1 and num.dtype != object and (num.size == 0 or int(np.abs(num).max()) < _JSON_SAFE):
        vals = num.tolist()
        if d == 1:
            entries = vals[0]
        else:
            entries = [[[vals[k][i][j] for k in range(d)] for j in range(n)] for i in range(m)]
    else:
        if d == 1:
            entries = [[encode_rational(num[0, i, j], den) for j in range(n)] for i in range(m)]
        else:
            entries = [[[encode_rational(num[k, i, j], den) for k in range(d)] for j in range(n)] for i in range(m)]
    return {"field": field_label(matrix.field), "shape": [m, n], "entries": entries}


def envelope(claim: dict, data: dict, steps: list, meta: Optional[dict] = None) -> dict:
    """A complete certificate; ``meta`` (tool version, timings) is ignored by the checker."""
    info = {"tool": f"exactid {__version__}"}
    info.update(meta or {})
    return {"format": FORMAT, "version": VERSION, "claim": claim, "data": data, "steps": steps, "meta": info}
