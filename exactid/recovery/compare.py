"""Compare a recovered network with the true one modulo the symmetries of the activation.

For tanh the symmetries of a hidden layer are permutations of its neurons and sign flips
``(w, b, outgoing column) → (−w, −b, −column)``; for the logistic function the flip is
``(w, b) → (−w, −b)``, outgoing column negated and the column added to the next layer's bias
(since ``σ(−t) = 1 − σ(t)``).  Alignment is layer by layer: the assignment maximizing the sum of
``|cos|`` between incoming weight rows (Hungarian algorithm), then the signs that match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import ShapeError
from .network import FloatNetwork, sample_ball


def hungarian(cost: np.ndarray) -> np.ndarray:
    """Column assigned to each row minimizing the total cost (square matrix), O(n³).

    >>> hungarian(np.array([[4.0, 1.0], [2.0, 3.0]])).tolist()
    [1, 0]
    """
    cost = np.asarray(cost, dtype=np.float64)
    n = cost.shape[0]
    if cost.shape != (n, n):
        raise ShapeError(f"the Hungarian algorithm needs a square matrix, got {cost.shape}")
    INF = float("inf")
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    match = np.zeros(n + 1, dtype=int)  # match[col] = row (1-based), 0 = free
    way = np.zeros(n + 1, dtype=int)
    for row in range(1, n + 1):
        match[0] = row
        col0 = 0
        minv = np.full(n + 1, INF)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[col0] = True
            r0 = match[col0]
            delta, col1 = INF, 0
            for col in range(1, n + 1):
                if not used[col]:
                    cur = cost[r0 - 1, col - 1] - u[r0] - v[col]
                    if cur < minv[col]:
                        minv[col], way[col] = cur, col0
                    if minv[col] < delta:
                        delta, col1 = minv[col], col
            for col in range(n + 1):
                if used[col]:
                    u[match[col]] += delta
                    v[col] -= delta
                else:
                    minv[col] -= delta
            col0 = col1
            if match[col0] == 0:
                break
        while col0:
            col1 = way[col0]
            match[col0] = match[col1]
            col0 = col1
    result = np.zeros(n, dtype=int)
    for col in range(1, n + 1):
        result[match[col] - 1] = col - 1
    return result


def _unit_rows(a: np.ndarray) -> np.ndarray:
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-300)


def entangled_cosines(true: FloatNetwork, other: FloatNetwork) -> list[np.ndarray]:
    """Per hidden layer, ``|cos|`` between each true entangled weight and its optimally matched one."""
    result = []
    for a, b in zip(true.entangled_weights(), other.entangled_weights()):
        c = np.abs(_unit_rows(a) @ _unit_rows(b).T)
        perm = hungarian(-c)
        result.append(c[np.arange(c.shape[0]), perm])
    return result


def align(true: FloatNetwork, other: FloatNetwork) -> FloatNetwork:
    """``other`` transformed by permutations and sign flips to be as close as possible to ``true``."""
    if true.widths != other.widths or true.activation != other.activation:
        raise ShapeError(f"cannot align networks of widths {true.widths} and {other.widths}")
    net = other.copy()
    for layer in range(len(net.weights) - 1):
        wt = np.hstack([true.weights[layer], true.biases[layer][:, None]])
        wo = np.hstack([net.weights[layer], net.biases[layer][:, None]])
        c = _unit_rows(wt) @ _unit_rows(wo).T
        perm = hungarian(-np.abs(c))
        signs = np.sign(c[np.arange(c.shape[0]), perm])
        signs[signs == 0] = 1.0
        w, b = net.weights[layer][perm], net.biases[layer][perm]
        nxt = net.weights[layer + 1][:, perm]
        nb = net.biases[layer + 1].copy()
        flip = signs < 0
        if true.activation == "logistic":
            nb = nb + nxt[:, flip].sum(axis=1)  # σ(−t) = 1 − σ(t)
        w[flip], b[flip] = -w[flip], -b[flip]
        nxt = nxt.copy()
        nxt[:, flip] = -nxt[:, flip]
        net.weights[layer], net.biases[layer] = w, b
        net.weights[layer + 1], net.biases[layer + 1] = nxt, nb
    return net


@dataclass
class Comparison:
    """How close ``recovered`` is to ``true``: function errors and aligned parameter errors.

    ``parameter_error``: the largest absolute difference over *all* parameters (weights, biases,
    output layer) after :func:`align`; ``layer_parameter_errors``: the same per layer (the output
    layer last).  ``recovered_fraction``: the fraction of entangled weights with
    ``|cos| > cos_threshold`` (directions only — a network can score 1.0 with visible errors in
    its scales, biases or output layer, which the parameter errors show);
    ``layer_fractions``: the same per hidden layer.
    """

    uniform_error: float
    mse: float
    relative_uniform_error: float
    parameter_error: float
    relative_parameter_error: float
    min_entangled_cos: float
    recovered_fraction: float
    test_points: int
    layer_fractions: list = field(default_factory=list)
    layer_parameter_errors: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {k: (float(v) if isinstance(v, (float, np.floating)) else
                    [float(x) for x in v] if isinstance(v, list) else v) for k, v in self.__dict__.items()}


def compare(true: FloatNetwork, recovered: FloatNetwork, test_points: int = 100_000, radius: float = 1.0,
            seed: int = 12345, cos_threshold: float = 0.999, chunk: int = 20_000) -> Comparison:
    """Uniform and mean squared error on ``test_points`` held-out points uniform in the ball, the
    parameter error after :func:`align`, and the fraction of entangled weights with
    ``|cos| > cos_threshold`` after optimal matching (per layer, up to sign)."""
    rng = np.random.default_rng(seed)
    worst, total, scale = 0.0, 0.0, 0.0
    done = 0
    while done < test_points:
        n = min(chunk, test_points - done)
        X = sample_ball(n, true.widths[0], radius, rng)
        yt = true(X)
        diff = recovered(X) - yt
        worst = max(worst, float(np.abs(diff).max()))
        scale = max(scale, float(np.abs(yt).max()))
        total += float((diff * diff).sum())
        done += n
    mse = total / (test_points * true.widths[-1])
    aligned = align(true, recovered)
    pt, pa = true.flat(), aligned.flat()
    perr = float(np.abs(pt - pa).max())
    per_layer = [float(max(np.abs(wt - wa).max(), np.abs(bt - ba).max()))
                 for wt, bt, wa, ba in zip(true.weights, true.biases, aligned.weights, aligned.biases)]
    layers = entangled_cosines(true, recovered)
    cosines = np.concatenate(layers)
    return Comparison(worst, mse, worst / max(scale, 1e-300), perr, perr / max(float(np.abs(pt).max()), 1e-300),
                      float(cosines.min()), float(np.mean(cosines > cos_threshold)), test_points,
                      [float(np.mean(c > cos_threshold)) for c in layers], per_layer)
