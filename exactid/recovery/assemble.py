"""Turn rank-one candidates into a network: layer assignment, scalings and shifts, fine-tuning."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .network import FloatNetwork, activation_functions


@dataclass
class Assignment:
    """Candidate indices per hidden layer (``-1`` marks a neuron with no candidate, initialized randomly)."""

    layers: list[list[int]]
    missing: int


def assign_layers(vectors: np.ndarray, scores: np.ndarray, hidden_widths: Sequence[int]) -> Assignment:
    """Assign candidates to hidden layers, best span score first.

    Why this order: the first-layer weights ``w ⊗ w`` lie exactly in every Hessian's
    decomposition, while deeper entangled weights drift with the sampling point, so their
    rank-one matrices sit slightly further from the estimated span.  Candidates are therefore
    given to layer 1 in decreasing score, then layer 2, and so on; layers left short are
    completed by random neurons (counted in ``missing``) for the fine-tuning to find.
    """
    order = list(np.argsort(-np.asarray(scores)))
    layers, missing = [], 0
    for width in hidden_widths:
        take = order[:width]
        order = order[width:]
        missing += width - len(take)
        layers.append([int(i) for i in take] + [-1] * (width - len(take)))
    return Assignment(layers, missing)


def initial_network(vectors: np.ndarray, assignment: Assignment, widths: Sequence[int], activation: str,
                    X: np.ndarray, Y: np.ndarray, seed: int = 0, ridge: float = 1e-8,
                    first_layer: Optional[tuple[np.ndarray, np.ndarray]] = None) -> FloatNetwork:
    """Scalings and shifts by least squares around the candidate directions.

    Layer 1 takes the candidate directions with unit scale and zero shift; a deeper neuron whose
    entangled weight is ``u`` gets incoming weights ``c`` solving ``(J_{l-1})ᵀ c ≈ u`` in the least
    squares sense, ``J_{l-1}`` the Jacobian at 0 of the previous layer (so that its entangled
    weight is ``u``); missing neurons get random unit rows.  The output layer is then the exact
    linear least-squares fit of ``Y`` on the last hidden features (with a tiny ridge).
    ``first_layer = (W, b)``, when given, replaces layer 1 (and ``assignment.layers[0]`` is
    ignored): the layered method knows its scales and shifts.
    """
    rng = np.random.default_rng(seed)
    d = widths[0]
    weights, biases = [], []
    jac = np.eye(d)
    h = X
    for layer, idx in enumerate(assignment.layers):
        if layer == 0 and first_layer is not None:
            w, b = (np.asarray(a, dtype=np.float64) for a in first_layer)
            weights.append(w)
            biases.append(b)
            act = activation_functions(activation)
            h = act(h @ w.T + b)[0]
            jac = act(b)[1][:, None] * w
            continue
        rows = []
        for i in idx:
            if i < 0:
                r = rng.standard_normal(jac.shape[0])
            else:
                u = vectors[i]
                r = np.linalg.lstsq(jac.T, u, rcond=None)[0] if layer else u.copy()
            rows.append(r / max(np.linalg.norm(r), 1e-300))
        w = np.array(rows)
        b = np.zeros(w.shape[0])
        weights.append(w)
        biases.append(b)
        probe = FloatNetwork(activation, [w, np.zeros((1, w.shape[0]))], [b, np.zeros(1)])
        z = h @ w.T + b
        h = probe._act(z)[0]
        jac = probe._act(b)[1][:, None] * (w @ jac)
    features = np.hstack([h, np.ones((h.shape[0], 1))])
    coef = np.linalg.solve(features.T @ features + ridge * np.eye(features.shape[1]), features.T @ Y)
    weights.append(coef[:-1].T)
    biases.append(coef[-1])
    return FloatNetwork(activation, weights, biases)
