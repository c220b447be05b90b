"""The gradient-training baseline: the same architecture trained by Adam on input-output samples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..errors import InputError
from .network import FloatNetwork


@dataclass
class BaselineReport:
    network: FloatNetwork
    samples: int
    epochs: int
    steps: int
    final_mse: float


def glorot_network(widths: Sequence[int], activation: str, seed: int) -> FloatNetwork:
    """Random initialization: Glorot-uniform weights, zero biases (a standard default)."""
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        weights.append(rng.uniform(-limit, limit, (fan_out, fan_in)))
        biases.append(np.zeros(fan_out))
    return FloatNetwork(activation, weights, biases)


def train_adam(X: np.ndarray, Y: np.ndarray, widths: Sequence[int], activation: str = "tanh",
               epochs: int = 60, batch_size: int = 128, learning_rate: float = 3e-3,
               final_learning_rate: float = 1e-5, seed: int = 0, progress=None) -> BaselineReport:
    """Train a fresh network of the given ``widths`` on ``(X, Y)`` by mini-batch Adam.

    The learning rate decays geometrically from ``learning_rate`` to ``final_learning_rate``
    over the run (a fixed rate stalls at a noise floor well above what the data allow).
    ``progress.update(1)`` is called once per epoch.
    """
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    if epochs < 1 or batch_size < 1 or X.shape[0] < 1:
        raise InputError("epochs, batch size and sample count must be positive")
    rng = np.random.default_rng(seed + 1)
    net = glorot_network(widths, activation, seed)
    theta = net.flat()
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    n = X.shape[0]
    steps_per_epoch = -(-n // batch_size)
    total = epochs * steps_per_epoch
    decay = (final_learning_rate / learning_rate) ** (1.0 / max(total - 1, 1))
    step = 0
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            _, grad = net.loss_gradient(X[idx], Y[idx])
            step += 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            lr = learning_rate * decay ** (step - 1)
            theta = theta - lr * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)
            net = net.with_flat(theta)
        if progress is not None:
            progress.update(1)
    final = float(np.mean((net(X) - Y) ** 2))
    return BaselineReport(net, n, epochs, step, final)


def train_lm_multistart(X: np.ndarray, Y: np.ndarray, widths: Sequence[int], activation: str = "tanh",
                        starts: int = 3, iterations: int = 100, seed: int = 0, progress=None
                        ) -> list[BaselineReport]:
    """Levenberg–Marquardt on all parameters from ``starts`` Glorot starts (seeds ``seed, seed+1, …``).

    The second-order baseline: the same optimizer the pipeline polishes with, but from random
    starts instead of recovered layers.  Returns one report per start (``epochs`` holds the
    Levenberg–Marquardt steps); the caller picks the best.  ``progress.update(1)`` per start.
    """
    from .finetune import levenberg_marquardt

    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
    if starts < 1 or iterations < 1 or X.shape[0] < 1:
        raise InputError("starts, iterations and sample count must be positive")
    reports = []
    for k in range(starts):
        fit = levenberg_marquardt(glorot_network(widths, activation, seed + k), X, Y, iterations=iterations)
        reports.append(BaselineReport(fit.network, X.shape[0], fit.iterations, fit.iterations, fit.final_mse))
        if progress is not None:
            progress.update(1)
    return reports
