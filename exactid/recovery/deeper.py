"""Layers beyond the second: multistart least squares in the known spans, selection on fresh queries.

With three or more hidden layers the layered method still knows the first layer exactly (far
field, then scales and shifts from the masked Hessians) and the span ``Q`` of the second-layer
entangled weights in the first layer's coordinates (the gradient completion, with its gap); what
it does not know is the rest, because the deeper entangled weights drift inside ``Q`` (see
``docs/recovery.md``).  This module keeps the first layer fixed and the second-layer weights in
their span — ``W₂ = A Qᵀ diag(1 / (s σ'(b₁)))`` with ``A`` an ``m₂ × m₂`` matrix, so that every
second-layer entangled weight lies in ``Q`` — and fits ``A``, the second-layer biases and every
deeper layer by Levenberg–Marquardt from several starts.  Each start is judged by its residual on
fresh queries (not used in the fit); the first start at noise level wins, or the best one.

Why this works where a fine-tuning of everything does not: the exact first layer and the span
remove ``m₁ d + m₁ + m₂ (m₁ − m₂)`` parameters from the search, including the directions along
which a full fine-tuning walks away from the exact first layer; what is left is small enough
for a multistart.  It is still a non-convex search: the number of starts it needs is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..errors import InputError
from .finetune import levenberg_marquardt
from .network import FloatNetwork, activation_functions


@dataclass
class DeeperFit:
    """Outcome of :func:`fit_deeper_layers`.

    ``network``: the selected network; ``validation_rmse``: its root-mean-square residual on the
    validation queries relative to the RMS of the values there; ``starts``: starts run;
    ``successes``: starts whose relative validation residual was at most ``accept``;
    ``per_start``: the relative validation residual of every start, in order.
    """

    network: FloatNetwork
    validation_rmse: float
    starts: int
    successes: int
    accepted: bool
    iterations: int
    per_start: list = field(default_factory=list)


def span_directions(net: FloatNetwork, basis: np.ndarray, first_layer_lift: np.ndarray) -> np.ndarray:
    """Directions (columns over :meth:`FloatNetwork.flat`) that keep layer 1 fixed and layer 2 in its span.

    ``basis``: ``(m₁, m₂)`` orthonormal span of the second-layer entangled weights in the first
    layer's normalized coordinates; ``first_layer_lift``: the ``m₁`` factors ``1 / (sₖ σ'(bₖ))``
    that turn an entangled weight in those coordinates into a row of ``W₂``.  Columns: one per
    entry of ``A`` (row ``l`` of ``W₂`` moves along ``basis[:, a] · lift``), one per second-layer
    bias, and one per parameter of every deeper layer (the output layer included).

    >>> from exactid.recovery.network import random_pyramidal
    >>> net = random_pyramidal([4, 4, 2, 2, 1], seed=0)
    >>> span_directions(net, np.linalg.qr(np.ones((4, 2)) + np.eye(4, 2))[0], np.ones(4)).shape
    (39, 15)
    """
    m2, m1 = net.weights[1].shape
    if basis.shape != (m1, m2):
        raise InputError(f"the span basis must be ({m1}, {m2}), got {basis.shape}")
    total = net.num_parameters
    start = net.weights[0].size + net.biases[0].size
    columns = []
    for row in range(m2):
        for a in range(m2):
            col = np.zeros(total)
            col[start + row * m1: start + (row + 1) * m1] = basis[:, a] * first_layer_lift
            columns.append(col)
    first_free = start + net.weights[1].size
    for k in range(first_free, total):
        col = np.zeros(total)
        col[k] = 1.0
        columns.append(col)
    return np.array(columns).T


def _random_start(base: FloatNetwork, basis: np.ndarray, lift: np.ndarray, X: np.ndarray, Y: np.ndarray,
                  rng: np.random.Generator, layer2: Optional[np.ndarray]) -> FloatNetwork:
    """Layer 1 from ``base``; ``W₂`` in the span (rows of ``A`` random, or ``layer2`` coordinates);
    deeper layers random; every hidden row scaled so that its pre-activation has unit standard
    deviation on ``X``; biases ``N(0, 0.3²)``; the output layer by linear least squares."""
    act = activation_functions(base.activation)
    m2 = base.weights[1].shape[0]
    weights = [base.weights[0].copy()]
    biases = [base.biases[0].copy()]
    h = act(X @ weights[0].T + biases[0])[0]
    A = rng.standard_normal((m2, m2)) if layer2 is None else np.array(layer2, dtype=np.float64)
    for layer in range(1, len(base.weights) - 1):
        if layer == 1:
            w = (A @ basis.T) * lift
        else:
            w = rng.standard_normal(base.weights[layer].shape)
        z = h @ w.T
        w = w / np.maximum(z.std(axis=0), 1e-12)[:, None]
        b = 0.3 * rng.standard_normal(w.shape[0])
        weights.append(w)
        biases.append(b)
        h = act(h @ w.T + b)[0]
    features = np.hstack([h, np.ones((h.shape[0], 1))])
    coef = np.linalg.lstsq(features, Y, rcond=None)[0]
    weights.append(coef[:-1].T)
    biases.append(coef[-1])
    return FloatNetwork(base.activation, weights, biases)


def relative_rmse(net: FloatNetwork, X: np.ndarray, Y: np.ndarray) -> float:
    """Root-mean-square residual of ``net`` on ``(X, Y)`` relative to the RMS of ``Y`` (centred)."""
    Y = Y.reshape(X.shape[0], -1)
    scale = float(np.sqrt(np.mean((Y - Y.mean(axis=0)) ** 2))) or 1.0
    return float(np.sqrt(np.mean((net(X) - Y) ** 2))) / scale


def fit_deeper_layers(base: FloatNetwork, basis: np.ndarray, X: np.ndarray, Y: np.ndarray, Xv: np.ndarray,
                      Yv: np.ndarray, starts: int = 24, iterations: int = 300, accept: float = 1e-6, stall: float = 0.0,
                      refit_output: bool = False, points_per_parameter: int = 8,
                      seed: int = 0, layer2_guesses: Optional[np.ndarray] = None, progress=None) -> DeeperFit:
    """Fit layer 2 (in its span) and every deeper layer of ``base`` with layer 1 fixed.

    Parameters
    ----------
    base : a network whose first layer is the recovered one (the rest is ignored).
    basis : ``(m₁, m₂)`` orthonormal span of the second-layer entangled weights, in the
        coordinates ``ŷ`` where the first-layer pre-activations are ``sₖ ŷₖ + bₖ``; the scales
        ``sₖ`` are the norms of the rows of ``base.weights[0]``.
    X, Y : fit queries; Xv, Yv : validation queries (fresh, not used in the fit).
    starts : at most this many starts; iterations : Levenberg–Marquardt steps per start.
    points_per_parameter : each start fits the first ``points_per_parameter × (free
        parameters)`` fit queries only (cheaper; the validation queries catch overfitting).
    stall, refit_output : passed to :func:`.levenberg_marquardt` (off by default: measured on
        d = 20, hidden (20, 6, 3), seed 2, refitting the output layer after every step made
        0 of 16 starts succeed against 6 of 16 without).
    accept : a start whose relative validation residual (:func:`relative_rmse`) is at most this
        is accepted and the search stops.
    layer2_guesses : optional ``(k, m₂)`` coordinates (in ``basis``) of second-layer entangled
        weights, e.g. rank-one candidates; the first start uses them for the rows of ``A``.
    """
    if len(base.weights) < 4:
        raise InputError("fit_deeper_layers needs at least three hidden layers")
    act = activation_functions(base.activation)
    scales = np.linalg.norm(base.weights[0], axis=1)
    lift = 1.0 / (scales * act(base.biases[0])[1])
    m2 = base.weights[1].shape[0]
    rng = np.random.default_rng(seed)
    best: Optional[tuple[float, FloatNetwork]] = None
    per_start, successes, total_its = [], 0, 0
    directions = None
    # the search has far fewer free parameters than the network: a subset of the fit queries
    # (8 per free parameter) keeps each start cheap; the validation queries judge every start
    free = m2 * m2 + sum(w.size + b.size for w, b in zip(base.weights[1:], base.biases[1:])) - base.weights[1].size
    subset = slice(0, min(X.shape[0], max(points_per_parameter * free, 1)))
    Xs, Ys = X[subset], Y.reshape(X.shape[0], -1)[subset]
    for index in range(max(starts, 1)):
        guess = None
        if index == 0 and layer2_guesses is not None and len(layer2_guesses):
            guess = rng.standard_normal((m2, m2))
            k = min(m2, len(layer2_guesses))
            guess[:k] = layer2_guesses[:k]
        start = _random_start(base, basis, lift, Xs, Ys, rng, guess)
        if directions is None:
            directions = span_directions(start, basis, lift)
        fit = levenberg_marquardt(start, Xs, Ys, iterations=iterations, directions=directions, fixed_layers=1,
                                  stall=stall, refit_output=refit_output)
        total_its += fit.iterations
        err = relative_rmse(fit.network, Xv, Yv)
        per_start.append(err)
        if progress is not None:
            progress.update(1)
        if best is None or err < best[0]:
            best = (err, fit.network)
        if err <= accept:
            successes += 1
            break
    assert best is not None
    return DeeperFit(best[1], best[0], len(per_start), successes, best[0] <= accept, total_its, per_start)
