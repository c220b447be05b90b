"""The floating-point domain, used only by explicit fallbacks (never by exact verdicts)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FloatDomain:
    """numpy float64/complex128 arithmetic with the rank tolerance exactid reports.

    >>> FloatDomain().rank(np.eye(3))
    3
    """

    dtype: type = np.complex128

    def convert(self, value) -> np.ndarray:
        return np.asarray(value, dtype=self.dtype)

    @staticmethod
    def tolerance(singular_values: np.ndarray, shape: tuple[int, int]) -> float:
        """sigma_max * max(shape) * eps, numpy's default rank tolerance."""
        if singular_values.size == 0:
            return 0.0
        return float(singular_values[0] * max(shape) * np.finfo(np.float64).eps)

    def rank_report(self, matrix) -> dict:
        """Float rank, tolerance and the singular-value gap around it."""
        a = np.asarray(matrix)
        s = np.linalg.svd(a, compute_uv=False) if a.size else np.zeros(0)
        tol = self.tolerance(s, a.shape)
        rank = int((s > tol).sum())
        above = float(s[rank - 1]) if rank > 0 else None
        below = float(s[rank]) if rank < s.size else None
        gap = (above / below) if (above is not None and below) else None
        return {"rank": rank, "tolerance": tol, "sigma_above": above, "sigma_below": below, "gap": gap}

    def rank(self, matrix) -> int:
        return self.rank_report(matrix)["rank"]
