"""Low-rank fits of matrices with missing entries (alternating least squares)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass
class MaskedLowRank:
    """``Z ≈ left @ right`` on the observed entries; ``residual`` is relative (observed entries only).

    ``singular_values`` are those of ``Z`` with its missing entries filled from the fit, so that
    ``singular_values[rank - 1] / singular_values[rank]`` is the spectral gap of the completion.
    """

    left: np.ndarray
    right: np.ndarray
    residual: float
    iterations: int
    singular_values: np.ndarray

    @property
    def gap(self) -> float:
        s, r = self.singular_values, self.right.shape[0]
        if r >= s.size or s[r] == 0.0:
            return float("inf")
        return float(s[r - 1] / s[r])


def _alternate(Z: np.ndarray, mask: np.ndarray, right: np.ndarray, iterations: int, tol: float,
               scale: float) -> tuple[np.ndarray, np.ndarray, float, int]:
    n, m = Z.shape
    left = np.zeros((n, right.shape[0]))
    previous, residual, done = np.inf, np.inf, 0
    for done in range(1, iterations + 1):
        for i in range(n):
            o = mask[i]
            left[i] = np.linalg.lstsq(right[:, o].T, Z[i, o], rcond=None)[0]
        for j in range(m):
            o = mask[:, j]
            right[:, j] = np.linalg.lstsq(left[o], Z[o, j], rcond=None)[0]
        residual = float(np.linalg.norm((left @ right - Z)[mask])) / scale
        if residual < 1e-15 or abs(previous - residual) <= tol * max(residual, 1e-300):
            break
        previous = residual
    return left, right, residual, done


def masked_als(Z: np.ndarray, mask: np.ndarray, rank: int, iterations: int = 500, tol: float = 1e-14,
               seed: int = 0, restarts: int = 4) -> MaskedLowRank:
    """Fit ``Z`` (``n × m``) by a rank-``rank`` product on the entries where ``mask`` is true.

    Starts from the leading right singular vectors of the zero-filled matrix, then alternates
    exact least squares for the rows of ``left`` and the columns of ``right``; stops
    when the relative residual changes by less than ``tol`` (relatively) or ``iterations`` ran.
    If the residual is still above ``1e-6``, up to ``restarts - 1`` random starts (seeded by
    ``seed``) are tried and the best fit is kept.
    Every row and column needs at least ``rank`` observed entries.

    >>> rng = np.random.default_rng(0)
    >>> Z = rng.standard_normal((12, 2)) @ rng.standard_normal((2, 7))
    >>> mask = rng.random(Z.shape) > 0.2
    >>> fit = masked_als(Z, mask, 2)
    >>> bool(np.abs(fit.left @ fit.right - Z).max() < 1e-8), fit.gap > 1e6
    (True, True)
    """
    Z = np.asarray(Z, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if Z.ndim != 2 or mask.shape != Z.shape:
        raise InputError(f"masked_als needs a matrix and a mask of the same shape, got {Z.shape} and {mask.shape}")
    n, m = Z.shape
    if not 1 <= rank <= min(n, m):
        raise InputError(f"rank must be between 1 and {min(n, m)}, got {rank}")
    if mask.sum(axis=1).min() < rank or mask.sum(axis=0).min() < rank:
        raise InputError(f"every row and column needs at least {rank} observed entries")
    # start from the SVD of the zero-filled matrix, rescaled by the observed fraction (the usual
    # spectral start); when that stalls in a swamp, restart from random starts, keep the best
    filled0 = np.where(mask, Z, 0.0) * (mask.size / max(mask.sum(), 1))
    starts = [np.linalg.svd(filled0, full_matrices=False)[2][:rank]]
    rng = np.random.default_rng(seed)
    scale = float(np.linalg.norm(Z[mask])) or 1.0
    best = None
    for attempt in range(max(restarts, 1)):
        right = starts[attempt] if attempt < len(starts) else np.linalg.qr(rng.standard_normal((m, rank)))[0].T
        left, right, residual, done = _alternate(Z, mask, right.copy(), iterations, tol, scale)
        if best is None or residual < best[2]:
            best = (left, right, residual, done)
        if residual < 1e-6:
            break
    left, right, residual, done = best
    filled = np.where(mask, Z, left @ right)
    return MaskedLowRank(left, right, residual, done, np.linalg.svd(filled, compute_uv=False))
