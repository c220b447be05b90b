"""Estimate the span of the Hessians and diagnose it by the singular-value gap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import ExactidError, InputError


class NoSpectralGapError(ExactidError, RuntimeError):
    """The singular values of the stacked Hessians show no gap at the requested dimension.

    The span estimate would then not be trustworthy; ``estimate`` holds the diagnostics.
    """

    def __init__(self, message: str, estimate: "SpanEstimate"):
        super().__init__(message)
        self.estimate = estimate


def sym_vec(mats: np.ndarray) -> np.ndarray:
    """Isometric vectorization of symmetric ``(…, d, d)`` matrices to ``(…, d(d+1)/2)``.

    Off-diagonal entries are scaled by √2 so that Frobenius inner products are preserved.
    """
    d = mats.shape[-1]
    iu = np.triu_indices(d)
    weights = np.where(iu[0] == iu[1], 1.0, np.sqrt(2.0))
    return mats[..., iu[0], iu[1]] * weights


def sym_unvec(vecs: np.ndarray, d: int) -> np.ndarray:
    """Inverse of :func:`sym_vec`."""
    iu = np.triu_indices(d)
    weights = np.where(iu[0] == iu[1], 1.0, np.sqrt(0.5))
    out = np.zeros(vecs.shape[:-1] + (d, d))
    out[..., iu[0], iu[1]] = vecs * weights
    out[..., iu[1], iu[0]] = vecs * weights
    return out


@dataclass
class SpanEstimate:
    """Orthonormal basis (rows, in :func:`sym_vec` coordinates) of the estimated Hessian span.

    ``singular_values`` are those of the stacked, normalized Hessians (largest first);
    ``gap`` is ``s[k-1] / s[k]`` at the chosen dimension ``k`` (``inf`` when ``s[k]`` is zero or
    there are no more singular values); ``ok`` says whether it reached ``min_gap``.
    """

    basis: np.ndarray
    dimension: int
    singular_values: np.ndarray
    gap: float
    min_gap: float
    ok: bool
    reason: str

    def residual(self, vecs: np.ndarray) -> np.ndarray:
        """Relative distance of each row of ``vecs`` to the span."""
        proj = (vecs @ self.basis.T) @ self.basis
        return np.linalg.norm(vecs - proj, axis=-1) / np.maximum(np.linalg.norm(vecs, axis=-1), 1e-300)


def _gap_at(s: np.ndarray, k: int) -> float:
    if k >= s.size or s[k] <= 0.0:
        return float("inf") if s[k - 1] > 0 else 0.0
    return float(s[k - 1] / s[k])


def estimate_span(hessians: np.ndarray, dimension: Optional[int] = None, min_gap: float = 10.0,
                  strict: bool = True) -> SpanEstimate:
    """SVD of the stacked vectorized Hessians; keep the top ``dimension`` right singular vectors.

    Parameters
    ----------
    hessians : array ``(n, d, d)`` or ``(n, outputs, d, d)`` (outputs are stacked as more rows).
    dimension : the expected span dimension (the number of hidden neurons); ``None`` picks the
        largest gap among the first ``min(n, d(d+1)/2) - 1`` singular values.
    min_gap : the ratio ``s[k-1]/s[k]`` required to trust the estimate (default 10).
    strict : raise :class:`NoSpectralGapError` when the gap is below ``min_gap`` (default); with
        ``strict=False`` the estimate is returned with ``ok=False`` and the reason filled in.

    Each Hessian is scaled to unit Frobenius norm first, so that points where the network is
    flatter count as much as the others.
    """
    H = np.asarray(hessians, dtype=np.float64)
    if H.ndim == 4:
        H = H.reshape(-1, H.shape[-2], H.shape[-1])
    if H.ndim != 3 or H.shape[1] != H.shape[2]:
        raise InputError(f"expected a stack of square matrices, got shape {np.shape(hessians)}")
    d = H.shape[1]
    M = sym_vec(0.5 * (H + H.transpose(0, 2, 1)))
    norms = np.linalg.norm(M, axis=1)
    M = M[norms > 0] / norms[norms > 0, None]
    if M.shape[0] == 0:
        raise InputError("all Hessians are zero: the black box looks affine near the sampled points")
    _, s, vt = np.linalg.svd(M, full_matrices=False)
    full = d * (d + 1) // 2
    if dimension is None:
        limit = min(s.size, full) - 1
        ratios = s[:limit] / np.maximum(s[1:limit + 1], 1e-300)
        dimension = int(np.argmax(ratios)) + 1 if limit >= 1 else 1
    dimension = int(dimension)
    if not 1 <= dimension <= full:
        raise InputError(f"span dimension must be between 1 and d(d+1)/2 = {full}, got {dimension}")
    if dimension > s.size:
        gap, ok = 0.0, False
        reason = (f"only {M.shape[0]} nonzero Hessians for a span of dimension {dimension}: "
                  "sample more Hessians")
    else:
        gap = _gap_at(s, dimension)
        if dimension == s.size and s.size < full:
            ok = False
            reason = (f"exactly {s.size} Hessians for a span of dimension {dimension}: any {dimension} "
                      "matrices span that much, so the gap proves nothing; sample more Hessians")
        else:
            ok = gap >= min_gap
            reason = "" if ok else (f"singular-value gap s[{dimension - 1}]/s[{dimension}] = {gap:.3g} is "
                                    f"below the required {min_gap:g}")
    estimate = SpanEstimate(vt[:min(dimension, s.size)], dimension, s, gap, min_gap, ok, reason)
    if strict and not ok:
        raise NoSpectralGapError(reason, estimate)
    return estimate
