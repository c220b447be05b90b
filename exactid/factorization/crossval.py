"""Cross-validation of a float butterfly factorization against the exact one.

Two factorizations ``X_1 ⋯ X_L`` and ``Y_1 ⋯ Y_L`` (same permutation) are equivalent when
``Y_l = D_{l-1}^{-1} X_l D_l`` with invertible diagonals, ``D_0 = D_L = I`` — the only
freedom left by the uniqueness theorem.  The report gives

- ``support_violations``: entries of ``Y_l`` outside ``S_l`` above the tolerance (always 0
  for the compact ``.npz`` layout, which cannot store them);
- the best diagonal alignment, level by level: ``D_l[j]`` minimizes
  ``sum_i |Y_l[i, j] D_{l-1}[i] - X_l[i, j] D_l[j]|^2`` (closed form);
- ``max_deviation``: ``max_l max |D_{l-1} Y_l D_l^{-1} - X_l| / max |X_l|`` after alignment
  (``D_L = I``, so a wrong overall product shows up in the last level);
- ``verdict``: ``equivalent`` when there is no support violation, the permutations agree
  and ``max_deviation <= tolerance``; ``not_equivalent`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from ..errors import InputError
from .butterfly import ButterflyResult, factor_dft, factor_hadamard, log2_size, off_support, to_compact
from .butterfly_float import FloatButterfly, load_npz

REFERENCES = ("dft", "hadamard")


@dataclass
class CrossvalReport:
    verdict: str
    max_deviation: float
    support_violations: int
    tolerance: float
    permutation_matches: bool
    level_deviations: list = field(default_factory=list)
    relative_error: float = float("nan")

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "max_deviation": self.max_deviation,
                "support_violations": self.support_violations, "tolerance": self.tolerance,
                "permutation_matches": self.permutation_matches, "level_deviations": self.level_deviations,
                "relative_error": self.relative_error}


def exact_reference(matrix: str, N: int, tree: Any = "balanced") -> tuple[list[np.ndarray], np.ndarray]:
    """Exact factors of a named matrix as complex compact ``(N, 2)`` arrays, and the permutation."""
    if matrix not in REFERENCES:
        raise InputError(f"cross-validation knows {', '.join(REFERENCES)}, not {matrix!r}")
    result: ButterflyResult = factor_dft(N, tree) if matrix == "dft" else factor_hadamard(N, tree)
    c = result.conductor
    values = [np.exp(2j * np.pi * (f.astype(np.int64) % c) / c) for f in result.factors]
    if matrix == "hadamard":
        values = [np.where(f.astype(np.int64) % 2 == 0, 1.0, -1.0) for f in result.factors]
    return values, result.perm


def align(candidate: Sequence[np.ndarray], reference: Sequence[np.ndarray]) -> list[float]:
    """Per-level deviations after the best diagonal alignment (compact ``(N, 2)`` arrays)."""
    L = len(reference)
    N = reference[0].shape[0]
    previous = np.ones(N, dtype=complex)
    deviations = []
    for l in range(1, L + 1):
        X, Y = np.asarray(reference[l - 1], dtype=complex), np.asarray(candidate[l - 1], dtype=complex)
        bit = 1 << (L - l)
        rows = np.arange(N)
        cols = np.stack([rows & ~bit, rows | bit], axis=1)
        scaled = Y * previous[:, None]  # D_{l-1} Y_l
        if l < L:
            num = np.zeros(N, dtype=complex)
            den = np.zeros(N)
            np.add.at(num, cols.ravel(), (np.conj(X) * scaled).ravel())
            np.add.at(den, cols.ravel(), (np.abs(X) ** 2).ravel())
            current = np.divide(num, den, out=np.ones(N, dtype=complex), where=den > 0)
            current = np.where(np.abs(current) > 0, current, 1.0)
        else:
            current = np.ones(N, dtype=complex)
        aligned = scaled / current[cols]
        scale = max(float(np.abs(X).max()), np.finfo(float).tiny)
        deviations.append(float(np.abs(aligned - X).max() / scale))
        previous = current
    return deviations


def crossval(candidate: Sequence[np.ndarray], perm: np.ndarray, matrix: str, N: int, tolerance: float = 1e-8,
             support_violations: int = 0, relative_error: float = float("nan")) -> CrossvalReport:
    """Compare compact float factors (with their permutation) with the exact factors of ``matrix``."""
    L = log2_size(N)
    if len(candidate) != L or any(np.shape(f) != (N, 2) for f in candidate):
        raise InputError(f"expected {L} factors of compact shape ({N}, 2)")
    reference, ref_perm = exact_reference(matrix, N)
    perm_ok = bool(np.array_equal(np.asarray(perm), ref_perm))
    deviations = align(candidate, reference)
    worst = max(deviations) if deviations else 0.0
    if not np.isfinite(worst):
        worst = float("inf")
    ok = perm_ok and support_violations == 0 and worst <= tolerance
    return CrossvalReport("equivalent" if ok else "not_equivalent", worst, support_violations, tolerance, perm_ok,
                          deviations, relative_error)


def crossval_npz(path: str, matrix: str, N: int, tolerance: float = 1e-8) -> CrossvalReport:
    """Cross-validate a ``.npz`` written by ``exactid factor butterfly``."""
    res: FloatButterfly = load_npz(path)
    if res.N != N:
        raise InputError(f"{path} holds factors of size {res.N}, not {N}")
    return crossval(list(res.values), res.perm, matrix, N, tolerance, 0, res.relative_error)


def crossval_dense(factors: Sequence[np.ndarray], perm: np.ndarray, matrix: str, N: int,
                   tolerance: float = 1e-8) -> CrossvalReport:
    """Cross-validate dense factors ``X_1..X_L`` (``Z ≈ X_1 ⋯ X_L · P``), counting support violations."""
    L = log2_size(N)
    violations = 0
    compact = []
    for l, f in enumerate(factors, start=1):
        arr = np.asarray(f)
        if arr.shape != (N, N):
            raise InputError(f"factor {l} has shape {arr.shape}, expected ({N}, {N})")
        threshold = tolerance * max(float(np.abs(arr).max()), np.finfo(float).tiny)
        violations += int((np.abs(arr[off_support(arr, L, l, l)]) > threshold).sum())
        compact.append(to_compact(arr, L, l, l))
    return crossval(compact, perm, matrix, N, tolerance, violations)


def faust_factors(faust: Any, N: int, perm: Optional[np.ndarray] = None) -> list[np.ndarray]:
    """Dense butterfly factors of a pyfaust ``Faust`` ``B·P``.

    With L factors, the permutation was multiplied into the last one (``X_L P``), which is
    undone with ``perm``; with L + 1 factors, the last one is ``P`` itself and is dropped.
    """
    L = log2_size(N)
    mats = []
    for i in range(faust.numfactors()):
        f = faust.factors(i)
        mats.append(np.asarray(f.toarray() if hasattr(f, "toarray") else f))
    if len(mats) == L + 1:
        mats = mats[:L]
    elif len(mats) == L and perm is not None:
        mats[-1] = mats[-1][:, perm]
    elif len(mats) != L:
        raise InputError(f"the Faust has {len(mats)} factors, expected {L} or {L + 1}")
    return mats


def crossval_faust(faust: Any, matrix: str, N: int, tolerance: float = 1e-8) -> CrossvalReport:
    """Cross-validate a pyfaust butterfly Faust (computed with ``perm='bitrev'`` for the DFT)."""
    _, ref_perm = exact_reference(matrix, N)
    return crossval_dense(faust_factors(faust, N, ref_perm), ref_perm, matrix, N, tolerance)
