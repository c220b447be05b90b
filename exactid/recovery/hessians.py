"""Hessians of a black-box callable by central second-order finite differences, counting queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import InputError, ShapeError


class CountingOracle:
    """Wrap a black-box ``f`` (rows of ``X`` in, rows of outputs out) and count the points queried.

    >>> oracle = CountingOracle(lambda X: X.sum(axis=1, keepdims=True))
    >>> _ = oracle(np.zeros((3, 2))); oracle.queries
    3
    """

    def __init__(self, f: Callable[[np.ndarray], np.ndarray], record: bool = False):
        self.f = f
        self.queries = 0
        self.record = record
        self._points: list[np.ndarray] = []

    def points(self) -> np.ndarray:
        """Every point queried so far, in order (``record=True`` only; otherwise empty)."""
        if not self._points:
            return np.zeros((0, 0))
        return np.concatenate(self._points)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        Y = np.asarray(self.f(X), dtype=np.float64)
        if Y.ndim == 1:
            Y = Y[:, None]
        if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
            raise ShapeError(f"the black box returned shape {Y.shape} for {X.shape[0]} points; "
                             "expected one row of outputs per point")
        self.queries += X.shape[0]
        if self.record:
            self._points.append(X.copy())
        return Y


def queries_per_hessian(dim: int) -> int:
    """Points queried by :func:`finite_difference_hessians` per Hessian: ``2 d² + 1``."""
    return 2 * dim * dim + 1


def _stencil(dim: int, step: float) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Offsets: 0, ±h e_i, and the four corners ±h e_i ± h e_j for i < j."""
    eye = step * np.eye(dim)
    offsets = [np.zeros(dim)]
    for i in range(dim):
        offsets += [eye[i], -eye[i]]
    pairs = [(i, j) for i in range(dim) for j in range(i + 1, dim)]
    for i, j in pairs:
        offsets += [eye[i] + eye[j], eye[i] - eye[j], -eye[i] + eye[j], -eye[i] - eye[j]]
    return np.array(offsets), pairs


@dataclass
class HessianSample:
    """Hessians ``H[n, k]`` (shape ``(points, outputs, d, d)``) at ``points`` with step ``step``.

    ``gradients[n, k]`` (shape ``(points, outputs, d)``) are the central differences that the
    same stencil gives for free (truncation error ``O(h²)``).
    """

    points: np.ndarray
    hessians: np.ndarray
    step: float
    queries: int
    gradients: Optional[np.ndarray] = None


def finite_difference_hessians(oracle: Callable[[np.ndarray], np.ndarray], points: np.ndarray,
                               step: float = 1e-3, batch: int = 8) -> HessianSample:
    """Hessians of every output of ``oracle`` at each row of ``points``.

    Central differences: ``H_ii = (f(x+he_i) - 2f(x) + f(x-he_i)) / h²`` and
    ``H_ij = (f(x+he_i+he_j) - f(x+he_i-he_j) - f(x-he_i+he_j) + f(x-he_i-he_j)) / (4h²)``;
    truncation error ``O(h²)``, rounding error ``O(ε |f| / h²)``, so ``h`` near ``ε^{1/4} ≈ 1e-4``
    balances them for functions of unit size; the default ``1e-3`` favours robustness to noisy
    black boxes (error about ``1e-7`` for the networks of the benchmark).  Costs
    :func:`queries_per_hessian` queries per point.

    >>> f = lambda X: (X[:, :1] ** 2) * X[:, 1:2]
    >>> s = finite_difference_hessians(f, np.array([[1.0, 2.0]]))
    >>> np.round(s.hessians[0, 0], 6).tolist()
    [[4.0, 2.0], [2.0, 0.0]]
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    if not (np.isfinite(step) and step > 0):
        raise InputError(f"finite-difference step must be positive, got {step}")
    n, dim = points.shape
    offsets, pairs = _stencil(dim, step)
    per = offsets.shape[0]
    counting = oracle if isinstance(oracle, CountingOracle) else CountingOracle(oracle)
    before = counting.queries
    hessians = gradients = None
    ii = np.arange(dim)
    rows = np.array([p[0] for p in pairs], dtype=int)
    cols = np.array([p[1] for p in pairs], dtype=int)
    for start in range(0, n, batch):
        chunk = points[start:start + batch]
        values = counting((chunk[:, None, :] + offsets[None, :, :]).reshape(-1, dim))
        k = values.shape[1]
        values = values.reshape(chunk.shape[0], per, k)
        if hessians is None:
            hessians = np.zeros((n, k, dim, dim))
            gradients = np.zeros((n, k, dim))
        center = values[:, 0]
        plus, minus = values[:, 1:1 + 2 * dim:2], values[:, 2:2 + 2 * dim:2]
        gradients[start:start + chunk.shape[0]] = ((plus - minus) / (2.0 * step)).transpose(0, 2, 1)
        diag = (plus + minus - 2.0 * center[:, None, :]) / step ** 2  # (c, dim, k)
        corners = values[:, 1 + 2 * dim:].reshape(chunk.shape[0], len(pairs), 4, k)
        off = (corners[:, :, 0] - corners[:, :, 1] - corners[:, :, 2] + corners[:, :, 3]) / (4.0 * step ** 2)
        block = np.zeros((chunk.shape[0], k, dim, dim))
        block[:, :, ii, ii] = diag.transpose(0, 2, 1)
        block[:, :, rows, cols] = off.transpose(0, 2, 1)
        block[:, :, cols, rows] = off.transpose(0, 2, 1)
        hessians[start:start + chunk.shape[0]] = block
    if hessians is None:
        raise InputError("no points given for the Hessians")
    return HessianSample(points, hessians, step, counting.queries - before, gradients)
