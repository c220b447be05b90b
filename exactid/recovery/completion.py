"""Low-rank fits of matrices with missing entries (variable projection, Levenberg–Marquardt, multistart).

Why not alternating least squares: on the layered method's gradient matrices (rows dominated by
one common direction, one missing entry per row, few more observed entries than the rank) it
crawls through flat regions and stops at local minima from most starts; which start happened to
succeed then depends on rounding-level differences between LAPACK builds.  Variable projection —
eliminate ``left`` exactly, run Levenberg–Marquardt on the row space of ``right`` only — converges
in a few dozen steps from most starts (Hong and Fitzgibbon, *Secrets of matrix factorization*,
2015), and several starts with acceptance by residual make a failure a matter of bad luck on
every start, reported by the residual and the gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError


@dataclass
class MaskedLowRank:
    """``Z ≈ left @ right`` on the observed entries; ``residual`` is relative (observed entries only).

    ``singular_values`` are those of ``Z`` with its missing entries filled from the fit, so that
    ``singular_values[rank - 1] / singular_values[rank]`` is the spectral gap of the completion.
    ``starts`` counts the starting points tried.
    """

    left: np.ndarray
    right: np.ndarray
    residual: float
    iterations: int
    singular_values: np.ndarray
    starts: int = 1

    @property
    def gap(self) -> float:
        s, r = self.singular_values, self.right.shape[0]
        if r >= s.size or s[r] == 0.0:
            return float("inf")
        return float(s[r - 1] / s[r])


def _projected(Z: np.ndarray, mask: np.ndarray, V: np.ndarray, jacobian: bool
               ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Residuals of the rows of ``Z`` projected off the row space of ``V`` (observed entries), their
    Jacobian with respect to ``V`` (Kaufman's approximation) and the optimal ``left``."""
    n, m = Z.shape
    r = V.shape[0]
    left = np.zeros((n, r))
    residuals, blocks = [], []
    for i in range(n):
        o = np.nonzero(mask[i])[0]
        A = V[:, o].T
        q = np.linalg.qr(A)[0]
        c = np.linalg.lstsq(A, Z[i, o], rcond=None)[0]
        left[i] = c
        residuals.append(Z[i, o] - A @ c)
        if jacobian:
            # d residual / d V[a, o[t]] = -P⊥[:, t] c[a], P⊥ the projector off the columns of A
            perp = np.eye(o.size) - q @ q.T
            block = np.zeros((o.size, r, m))
            block[:, :, o] = -(perp[:, None, :] * c[None, :, None])
            blocks.append(block.reshape(o.size, r * m))
    return np.concatenate(residuals), (np.vstack(blocks) if jacobian else None), left


def _orthonormal_rows(V: np.ndarray) -> np.ndarray:
    return np.linalg.qr(V.T)[0].T


def _variable_projection(Z: np.ndarray, mask: np.ndarray, right: np.ndarray, iterations: int,
                         tol: float, scale: float) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Levenberg–Marquardt on the row space of ``right``; returns ``(left, right, residual, steps)``."""
    r, m = right.shape
    V = _orthonormal_rows(right)
    e, J, left = _projected(Z, mask, V, True)
    cost = float(e @ e)
    lam, done = 1e-3, 0
    for done in range(1, iterations + 1):
        if np.sqrt(cost) / scale < 1e-15:
            break
        JtJ, g = J.T @ J, J.T @ e
        diag = np.diag(JtJ) + 1e-12 * max(float(np.diag(JtJ).max()), 1e-300)
        trial = None
        while lam < 1e12:
            step = np.linalg.solve(JtJ + lam * np.diag(diag), -g)
            Vt = _orthonormal_rows(V + step.reshape(r, m))
            et = _projected(Z, mask, Vt, False)[0]
            if float(et @ et) < cost:
                trial = (Vt, float(et @ et))
                break
            lam *= 4.0
        if trial is None:
            break
        gain = cost - trial[1]
        V, cost = trial
        lam = max(lam / 3.0, 1e-15)
        e, J, left = _projected(Z, mask, V, True)
        if gain <= tol * cost:
            break
    return left, V, float(np.sqrt(cost)) / scale, done


def masked_low_rank(Z: np.ndarray, mask: np.ndarray, rank: int, iterations: int = 200, tol: float = 1e-10,
                    seed: int = 0, restarts: int = 16, accept: float = 1e-6) -> MaskedLowRank:
    """Fit ``Z`` (``n × m``) by a rank-``rank`` product on the entries where ``mask`` is true.

    Variable projection: for a row space ``right`` (orthonormal rows) each row of ``left`` is the
    exact least-squares fit of the observed entries of its row of ``Z``, and Levenberg–Marquardt
    moves ``right``.  The first start is the leading right singular vectors of the zero-filled
    matrix (rescaled by the observed fraction), the next ones random (seeded by ``seed``), up to
    ``restarts`` in all; the first fit whose relative residual is below ``accept`` is returned,
    otherwise the best one.  Every row and column needs at least ``rank`` observed entries.

    >>> rng = np.random.default_rng(0)
    >>> Z = rng.standard_normal((12, 2)) @ rng.standard_normal((2, 7))
    >>> mask = rng.random(Z.shape) > 0.2
    >>> fit = masked_low_rank(Z, mask, 2)
    >>> bool(np.abs(fit.left @ fit.right - Z).max() < 1e-8), fit.gap > 1e6
    (True, True)
    """
    Z = np.asarray(Z, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if Z.ndim != 2 or mask.shape != Z.shape:
        raise InputError(f"masked_low_rank needs a matrix and a mask of the same shape, got {Z.shape} and "
                         f"{mask.shape}")
    n, m = Z.shape
    if not 1 <= rank <= min(n, m):
        raise InputError(f"rank must be between 1 and {min(n, m)}, got {rank}")
    if mask.sum(axis=1).min() < rank or mask.sum(axis=0).min() < rank:
        raise InputError(f"every row and column needs at least {rank} observed entries")
    filled0 = np.where(mask, Z, 0.0) * (mask.size / max(mask.sum(), 1))
    rng = np.random.default_rng(seed)
    scale = float(np.linalg.norm(Z[mask])) or 1.0
    best, tried = None, 0
    for attempt in range(max(restarts, 1)):
        right = (np.linalg.svd(filled0, full_matrices=False)[2][:rank] if attempt == 0
                 else rng.standard_normal((rank, m)))
        fit = _variable_projection(Z, mask, right, iterations, tol, scale)
        tried += 1
        if best is None or fit[2] < best[2]:
            best = fit
        if fit[2] < accept:
            break
    left, right, residual, done = best
    filled = np.where(mask, Z, left @ right)
    return MaskedLowRank(left, right, residual, done, np.linalg.svd(filled, compute_uv=False), tried)
