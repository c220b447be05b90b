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
                        damping: float = 1e-3, tol: float = 1e-28, progress=None,
                        directions: np.ndarray | None = None, fixed_layers: int = 0,
                        stall: float = 0.0, refit_output: bool = False) -> FitReport:
    """Minimize the squared error of ``net`` on ``(X, Y)`` by damped Gauss–Newton steps.

    ``directions`` (shape ``(num_parameters, p)``), when given, restricts the search to
    ``flat + directions @ φ`` (e.g. :func:`scale_shift_directions`: fixed weight directions,
    free scales and shifts).

    The damping is divided by 3 after an accepted step and multiplied by 4 after a rejected one
    (scaled by the diagonal of ``JᵀJ``, Marquardt's variant).  Stops after ``iterations`` steps,
    when the mean squared error falls below ``tol``, or — with ``stall > 0`` — when 25 steps in a
    row reduced it by less than the factor ``1 - stall`` in all (a start stuck in a local
    minimum).  ``fixed_layers``: the ``directions`` do not move the first layers, so their
    Jacobian columns are not computed.  ``refit_output``: after every trial step the output layer
    (linear in the features) is replaced by its exact least-squares fit, as in variable
    projection — from random starts this converges far more often (the ``directions`` must leave
    the output layer free).
    """
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    ensure_fits(8 * X.shape[0] * Y.shape[1] * net.num_parameters * 2, "the fine-tuning Jacobian")
    theta = net.flat()
    reduce = (lambda J: J @ directions) if directions is not None else (lambda J: J)
    lift = (lambda step: directions @ step) if directions is not None else (lambda step: step)
    out, J = net.residual_jacobian(X, fixed_layers)
    J = reduce(J)
    r = (out - Y).ravel()
    mse0 = mse = float(r @ r) / r.size
    lam = damping
    done = 0
    history = [mse]
    for done in range(1, iterations + 1):
        JtJ = J.T @ J
        g = J.T @ r
        diag = np.diag(JtJ).copy() + 1e-12
        while True:
            try:
                step = lift(np.linalg.solve(JtJ + lam * np.diag(diag), -g))
            except np.linalg.LinAlgError:
                lam *= 4.0
                continue
            trial = net.with_flat(theta + step)
            if refit_output:
                trial = refit_output_layer(trial, X, Y)
                step = trial.flat() - theta
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
        history.append(mse)
        if mse < tol or lam > 1e12:
            break
        if stall > 0 and len(history) > 25 and history[-1] > (1.0 - stall) * history[-26]:
            break
        out, J = net.residual_jacobian(X, fixed_layers)
        J = reduce(J)
        r = (out - Y).ravel()
    return FitReport(net, done, mse0, mse)


def refit_output_layer(net: FloatNetwork, X: np.ndarray, Y: np.ndarray) -> FloatNetwork:
    """``net`` with its output layer replaced by the linear least-squares fit of ``Y`` on its features."""
    h = net._forward_with_derivatives(X)[0][-1]
    features = np.hstack([h, np.ones((h.shape[0], 1))])
    coef = np.linalg.lstsq(features, Y.reshape(X.shape[0], -1), rcond=None)[0]
    out = net.copy()
    out.weights[-1], out.biases[-1] = coef[:-1].T.copy(), coef[-1].copy()
    return out


def scale_shift_directions(net: FloatNetwork, fixed_layers: int = 1) -> np.ndarray:
    """Directions for :func:`levenberg_marquardt` that keep weight directions and free the rest.

    The first ``fixed_layers`` layers do not move at all; in every later hidden layer each row
    may only be rescaled and each bias moves freely; the output layer is entirely free.  Since
    the parameters depend linearly on these (scale, shift, output) coordinates, searching along
    them is exactly least squares over the scalings and shifts of the known directions.

    >>> from exactid.recovery.network import random_pyramidal
    >>> scale_shift_directions(random_pyramidal([3, 2, 2, 1]), 1).shape  # 2 scales + 2 shifts + 3 output
    (17, 7)
    """
    columns, pos = [], 0
    last = len(net.weights) - 1
    for layer, (w, b) in enumerate(zip(net.weights, net.biases)):
        if layer < fixed_layers:
            pos += w.size + b.size
            continue
        if layer < last:
            for row in range(w.shape[0]):
                col = np.zeros(net.num_parameters)
                col[pos + row * w.shape[1]: pos + (row + 1) * w.shape[1]] = w[row]
                columns.append(col)
        else:
            for k in range(w.size):
                col = np.zeros(net.num_parameters)
                col[pos + k] = 1.0
                columns.append(col)
        pos += w.size
        for k in range(b.size):
            col = np.zeros(net.num_parameters)
            col[pos + k] = 1.0
            columns.append(col)
        pos += b.size
    return np.array(columns).T
