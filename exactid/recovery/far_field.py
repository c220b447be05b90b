"""First-layer weights from queries far from the origin, where the activations saturate.

Far from the origin almost every first-layer neuron of a tanh or logistic network is saturated
(``σ'(wᵢ·x + bᵢ)`` is exponentially small), except near its hyperplane ``wᵢ·x + bᵢ = 0``.  At a
point on one hyperplane and far from all others the network depends on ``x`` only through
``wᵢ·x``: its Hessian there is rank one, ``∝ wᵢ wᵢᵀ``, and its gradient is parallel to ``wᵢ``
up to terms of size ``exp(-2 min_{j≠i} |wⱼ·x + bⱼ|)``.  This module finds such points along
random lines at distance ``radius`` from the origin (the network changes by a visible jump
where a line crosses a hyperplane), reads ``wᵢ`` off the gradient (checking the rank-one
property by comparing the gradients at two nearby points), and then refines every direction at
a point chosen, from all the directions found, to be as far as possible from the other
hyperplanes.

Why not the Hessians near the origin for this layer: with two or more hidden layers and one
output their span has no gap at the number of neurons (see ``docs/recovery.md``); here each
neuron is isolated instead of being separated from the others by a spectral gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import InputError


@dataclass
class FirstLayerEstimate:
    """Unit rows ``weights`` (signs arbitrary) of the first layer, with diagnostics.

    ``parallel[i]``: ``1 - |cos|`` between the gradients at two points of the crossing where
    neuron ``i`` was found (rank-one check; small is good).  ``saturation[i]``: the smallest
    ``R |ŵⱼ·q|`` over the other neurons at the refinement point (how saturated they were; a
    value above 15 makes their leak below ``1e-12``).  ``complete`` says whether as many distinct
    directions as neurons were found within ``lines`` lines.
    """

    weights: np.ndarray
    parallel: np.ndarray
    saturation: np.ndarray
    lines: int
    queries: int
    complete: bool


def gradient_fourth_order(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float) -> np.ndarray:
    """Gradient of a scalar ``f`` (rows in, values out) at ``x`` by the 5-point central stencil.

    Truncation error ``O(h⁴)``; ``4 d`` queries.

    >>> g = gradient_fourth_order(lambda X: (X ** 3).sum(axis=1), np.array([1.0, 2.0]), 1e-2)
    >>> np.round(g, 10).tolist()
    [3.0, 12.0]
    """
    d = x.shape[0]
    eye = step * np.eye(d)
    values = f(np.vstack([x + 2 * eye, x + eye, x - eye, x - 2 * eye]))
    p2, p1, m1, m2 = values[:d], values[d:2 * d], values[2 * d:3 * d], values[3 * d:]
    return (-p2 + 8.0 * p1 - 8.0 * m1 + m2) / (12.0 * step)


def _sharpest(f: Callable[[np.ndarray], np.ndarray], base: np.ndarray, direction: np.ndarray,
              a: float, b: float, rounds: int, points: int = 9) -> float:
    """Centre of the steepest change of ``t ↦ f(base + t·direction)`` within ``[a, b]``."""
    for _ in range(rounds):
        ts = np.linspace(a, b, points)
        jumps = np.abs(np.diff(f(base + ts[:, None] * direction)))
        k = int(np.argmax(jumps))
        a, b = ts[k], ts[k + 1]
    return 0.5 * (a + b)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _farthest_from_others(weights: np.ndarray, i: int, rng: np.random.Generator, tries: int) -> tuple[np.ndarray, float]:
    """A unit ``q ⟂ ŵᵢ`` maximizing ``min_{j≠i} |ŵⱼ·q|`` among ``tries`` random ones."""
    w = weights[i]
    q = rng.standard_normal((tries, w.shape[0]))
    q -= np.outer(q @ w, w)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    others = np.delete(weights, i, axis=0)
    margin = np.abs(q @ others.T).min(axis=1) if others.size else np.ones(tries)
    k = int(np.argmax(margin))
    return q[k], float(margin[k])


def probe_first_layer(f: Callable[[np.ndarray], np.ndarray], dim: int, width: int, radius: float = 1000.0,
                      max_lines: Optional[int] = None, grid: int = 401, step: float = 1e-3,
                      parallel_tol: float = 1e-8, seed: int = 0, progress=None) -> FirstLayerEstimate:
    """Find the ``width`` first-layer directions of a saturating network ``f`` (scalar output).

    Parameters
    ----------
    f : maps ``(n, dim)`` points to ``n`` values (combine several outputs before calling).
    radius : distance of the probing lines from the origin (default 1000; the other neurons'
        pre-activations are then of the order of ``radius / √dim``).
    max_lines : lines to try before giving up (default ``4 + width``).
    grid : coarse points per line, over ``[-4 radius, 4 radius]`` (default 401).
    step : finite-difference step of the gradients (default ``1e-3``, 5-point stencil).
    parallel_tol : the rank-one check, ``1 - |cos|`` between gradients at two points of a
        crossing, must be below this (default ``1e-8``).
    seed : seeds the lines and refinement points.

    >>> from exactid.recovery.network import random_pyramidal
    >>> net = random_pyramidal([4, 3, 2, 1], seed=2)
    >>> est = probe_first_layer(lambda X: net(X)[:, 0], 4, 3)
    >>> est.complete, bool(np.abs(est.weights @ net.weights[0].T).max(axis=0).min() > 1 - 1e-10)
    (True, True)
    """
    if dim < 1 or width < 1:
        raise InputError("dimension and width must be positive")
    if not (radius > 0 and grid >= 3 and step > 0):
        raise InputError("radius and step must be positive and grid at least 3")
    rng = np.random.default_rng(seed)
    lines_cap = max_lines if max_lines is not None else 4 + width
    queries = 0

    def value(X: np.ndarray) -> np.ndarray:
        nonlocal queries
        X = np.atleast_2d(X)
        queries += X.shape[0]
        return np.asarray(f(X), dtype=np.float64).reshape(-1)

    found: list[np.ndarray] = []
    quality: list[float] = []
    saturation = np.zeros(0)
    lines = 0
    span_t = 4.0 * radius
    spacing = 2.0 * span_t / (grid - 1)
    while lines < lines_cap:
        lines += 1
        p = _unit(rng.standard_normal(dim))
        u = rng.standard_normal(dim)
        u = _unit(u - (u @ p) * p) if dim > 1 else p
        base = radius * p if dim > 1 else np.zeros(1)
        ts = np.linspace(-span_t, span_t, grid)
        jumps = np.abs(np.diff(value(base + ts[:, None] * u)))
        threshold = 1e-6 * jumps.max()
        peaks = [k for k in range(jumps.size) if jumps[k] > threshold
                 and jumps[k] >= (jumps[k - 1] if k else 0.0) and jumps[k] >= (jumps[k + 1] if k + 1 < jumps.size else 0.0)]
        for k in peaks:
            # widen by one grid cell on each side: the transition may straddle two cells
            centre = _sharpest(value, base, u, ts[max(k - 1, 0)], ts[min(k + 2, grid - 1)], rounds=4)
            g1 = gradient_fourth_order(value, base + centre * u, step)
            g2 = gradient_fourth_order(value, base + (centre + 0.05 * spacing) * u, step)
            n1, n2 = np.linalg.norm(g1), np.linalg.norm(g2)
            if n1 == 0.0 or n2 == 0.0:
                continue
            mismatch = 1.0 - abs(float(g1 @ g2)) / (n1 * n2)
            if mismatch > parallel_tol:
                continue  # two neurons active at once: not a rank-one point
            w = g1 / n1
            for index, v in enumerate(found):
                if abs(float(v @ w)) > 0.999:
                    if mismatch < quality[index]:
                        found[index], quality[index] = w, mismatch
                    break
            else:
                found.append(w)
                quality.append(mismatch)
        if progress is not None:
            progress.update(1)
        if len(found) >= width:
            weights, saturation, valid = _refine(value, np.array(found), radius, step, rng, parallel_tol)
            # drop spurious directions, and those that refined onto a neuron found already
            keep: list[int] = []
            for i in np.nonzero(valid)[0]:
                if all(abs(float(weights[i] @ weights[j])) < 1 - 1e-9 for j in keep):
                    keep.append(i)
            found = [weights[i] for i in keep]
            quality = [quality[i] for i in keep]
            saturation = saturation[keep]
            if len(found) == width:
                break
    weights = np.array(found).reshape(-1, dim)
    if saturation.size != weights.shape[0]:
        saturation = np.zeros(weights.shape[0])
    return FirstLayerEstimate(weights, np.array(quality), saturation, lines, queries, weights.shape[0] == width)


def _refine(value: Callable[[np.ndarray], np.ndarray], weights: np.ndarray, radius: float, step: float,
            rng: np.random.Generator, parallel_tol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Re-read every direction at a point on its hyperplane far from all the others'.

    Returns the directions, the saturation margins and whether the rank-one check passed there
    (a spurious direction — read where two neurons were active — has no hyperplane of its own).
    """
    weights = weights.copy()
    saturation = np.zeros(weights.shape[0])
    valid = np.zeros(weights.shape[0], dtype=bool)
    for i in range(weights.shape[0]):
        q, margin = _farthest_from_others(weights, i, rng, tries=2000)
        base = radius * q
        centre = _sharpest(value, base, weights[i], -8.0, 8.0, rounds=4, points=17)
        g = gradient_fourth_order(value, base + centre * weights[i], step)
        g2 = gradient_fourth_order(value, base + (centre + 0.1) * weights[i], step)
        n1, n2 = np.linalg.norm(g), np.linalg.norm(g2)
        if n1 > 0 and n2 > 0 and 1.0 - abs(float(g @ g2)) / (n1 * n2) <= parallel_tol \
                and abs(float(g @ weights[i])) > 0.99 * n1:
            weights[i] = _unit(g) * np.sign(g @ weights[i])
            valid[i] = True
        saturation[i] = radius * margin
    return weights, saturation, valid
