"""Levenberg–Marquardt fine-tuning of all parameters of a :class:`FloatNetwork` on query data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..resources import ensure_fits
from .network import FloatNetwork


@dataclass
class FitReport:
    network: FloatNetwork
    iterations: int
    initial_mse: float
    final_mse: float


def levenberg_marquardt(net: FloatNetwork, X: np.ndarray, Y: np.ndarray, iterations: int = 100,
                        damping: float = 1e-3, tol: float = 1e-28, progress=None) -> FitReport:
    """Minimize the squared error of ``net`` on ``(X, Y)`` by damped Gauss–Newton steps.

    The damping is divided by 3 after an accepted step and multiplied by 4 after a rejected one
    (scaled by the diagonal of ``JᵀJ``, Marquardt's variant).  Stops after ``iterations`` steps or
    when the mean squared error falls below ``tol``.
    """
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    ensure_fits(8 * X.shape[0] * Y.shape[1] * net.num_parameters * 2, "the fine-tuning Jacobian")
    theta = net.flat()
    out, J = net.residual_jacobian(X)
    r = (out - Y).ravel()
    mse0 = mse = float(r @ r) / r.size
    lam = damping
    done = 0
    for done in range(1, iterations + 1):
        JtJ = J.T @ J
        g = J.T @ r
        diag = np.diag(JtJ).copy() + 1e-12
        while True:
            try:
                step = np.linalg.solve(JtJ + lam * np.diag(diag), -g)
            except np.linalg.LinAlgError:
                lam *= 4.0
                continue
            trial = net.with_flat(theta + step)
            out_t = trial(X)
            r_t = (out_t - Y).ravel()
            mse_t = float(r_t @ r_t) / r_t.size
            if mse_t < mse:
                theta, net, mse = theta + step, trial, mse_t
                lam = max(lam / 3.0, 1e-15)
                break
            lam *= 4.0
            if lam > 1e12:
                break
        if progress is not None:
            progress.update(1)
        if mse < tol or lam > 1e12:
            break
        out, J = net.residual_jacobian(X)
        r = (out - Y).ravel()
    return FitReport(net, done, mse0, mse)
