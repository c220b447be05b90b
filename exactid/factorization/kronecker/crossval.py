"""Compare float Kronecker-sparse factors with exact ones up to diagonal scalings (classes of size 1).

Both factorizations are brought to a canonical form, boundary by boundary: column ``k`` of
``X_l`` is divided by its entry on the row where the *reference* column is largest, and row
``k`` of ``X_{l+1}`` multiplied by it.  Two factorizations related by diagonal scalings have
the same canonical form; the report gives the largest entrywise deviation per factor,
relative to the largest reference entry.

>>> import numpy as np
>>> from .architecture import monarch
>>> arch = monarch(2, 2)
>>> ref = [np.arange(1, 9.).reshape(p.as_tuple()) for p in arch.patterns]
>>> s = np.array([2.0, -1.0, 4.0, 0.5])  # a diagonal scaling between X_1 and X_2
>>> x1 = ref[0] * s.reshape(1, 1, 2, 2)
>>> x2 = ref[1] / s.reshape(2, 2, 1, 1)
>>> compare([x1, x2], ref, arch, 1e-12)["verdict"]
'equivalent'
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ...errors import InputError
from .architecture import Architecture


def _columns(v: np.ndarray) -> np.ndarray:
    """Columns of a compact factor, in inner-index order: ``(a·c·d, b)``."""
    a, b, c, d = v.shape
    return v.transpose(0, 2, 3, 1).reshape(a * c * d, b)


def _rows(v: np.ndarray) -> np.ndarray:
    """Rows of a compact factor, in row order: ``(a·b·d, c)``."""
    a, b, c, d = v.shape
    return v.transpose(0, 1, 3, 2).reshape(a * b * d, c)


def canonical(factors: Sequence[np.ndarray], pivots: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Scale column ``k`` of ``X_l`` to 1 at row ``pivots[l-1][k]`` (moving the scale into ``X_{l+1}``)."""
    out = [np.array(f, dtype=np.complex128) for f in factors]
    for l in range(len(out) - 1):
        cols = _columns(out[l])
        s = cols[np.arange(len(cols)), pivots[l]]
        with np.errstate(divide="ignore", invalid="ignore"):
            a, b, c, d = out[l].shape
            out[l] = out[l] / s.reshape(a, 1, c, d)
        a, b, c, d = out[l + 1].shape
        out[l + 1] = out[l + 1] * s.reshape(a, b, 1, d)
    return out


def compare(factors: Sequence[np.ndarray], reference: Sequence[np.ndarray], arch: Architecture, tol: float) -> dict:
    """``verdict`` (``equivalent`` | ``not_equivalent``), ``max_deviation``, ``level_deviations``, ``tolerance``."""
    if len(factors) != arch.L or any(np.shape(f) != p.as_tuple() for f, p in zip(factors, arch.patterns)):
        raise InputError("the factors do not match the architecture")
    pivots = [np.abs(_columns(np.asarray(f))).argmax(axis=1) for f in reference[:-1]]
    got, want = canonical(factors, pivots), canonical(reference, pivots)
    devs = []
    for g, w in zip(got, want):
        scale = float(np.abs(w).max()) or 1.0
        dev = np.abs(g - w) / scale
        devs.append(float(np.nan_to_num(dev, nan=np.inf).max()))
    worst = max(devs)
    return {"verdict": "equivalent" if worst <= tol else "not_equivalent", "max_deviation": worst,
            "level_deviations": devs, "tolerance": tol}


MATRICES = ("dft",)


def exact_reference(matrix: str, arch: Architecture) -> list[np.ndarray]:
    """The exact factors of ``matrix`` in ``arch`` as complex arrays (compact layout).

    ``dft``: the DFT with the digit reversal of the (mixed-radix) architecture's radices,
    factorized exactly over the roots of unity on the balanced tree.
    """
    from .architecture import radices_of
    from .exact import digit_reversal, factor_roots_of_unity

    if matrix not in MATRICES:
        raise InputError(f"unknown matrix {matrix!r} (use dft)")
    n = arch.shape[0]
    perm = digit_reversal(radices_of(arch))
    j = np.arange(n, dtype=np.int64)
    exact = factor_roots_of_unity((-(j[:, None] * perm[None, :])) % n, n, arch, "balanced")
    return [np.exp(2j * np.pi * f / n) for f in exact.factors]


def crossval_npz(path: str, matrix: str = "dft", tol: float = 1e-8) -> dict:
    """Compare the factors of a ``.npz`` written by ``exactid factor kronecker-sparse`` (a mixed-radix
    architecture, ``--perm digit-reversal``) with the exact factors of ``matrix``.

    Returns the :func:`compare` report plus ``n``, the size of the matrix.
    """
    from .floating import load_npz

    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol >= 0):
        raise InputError(f"the tolerance must be a finite number >= 0, got {tol!r}")
    res = load_npz(path)
    report = compare(res.factors, exact_reference(matrix, res.arch), res.arch, float(tol))
    report["n"] = res.arch.shape[0]
    return report
