"""Rank-one symmetric matrices ``u uᵀ`` in an estimated span, by projected power iteration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .span import SpanEstimate, sym_unvec, sym_vec


@dataclass
class RankOneCandidates:
    """Unit vectors ``u`` (rows) whose ``u uᵀ`` lies (nearly) in the span, deduplicated up to sign.

    ``scores[i] = ‖P(u uᵀ)‖_F`` (1 means exactly in the span); ``hits[i]`` counts the restarts that
    converged to the same vector; ``restarts`` and ``iterations`` were the budgets used.
    """

    vectors: np.ndarray
    scores: np.ndarray
    hits: np.ndarray
    restarts: int
    iterations: int


def projected_power_iteration(span: SpanEstimate, start: np.ndarray, iterations: int = 200,
                              tol: float = 1e-12, shift: float = 1.0) -> tuple[np.ndarray, float]:
    """Maximize ``‖P(u uᵀ)‖_F`` over unit ``u`` from ``start``.

    Each step sets ``M = P(u uᵀ)`` (projection onto the span, as a symmetric matrix) and
    ``u ← (M + shift·I) u / ‖·‖``.  Since ``‖P(u uᵀ)‖² = uᵀ M u`` with gradient ``4 M u``, and the
    eigenvalues of ``M`` lie in ``[-1, 1]``, the shift ``1`` makes every step an ascent step.
    """
    d = start.shape[0]
    u = start / np.linalg.norm(start)
    basis = span.basis
    score = 0.0
    for _ in range(iterations):
        coeffs = basis @ sym_vec(np.outer(u, u))
        M = sym_unvec(coeffs @ basis, d)
        new = M @ u + shift * u
        new /= np.linalg.norm(new)
        score = float(np.linalg.norm(coeffs))
        if new @ u < 0:
            new = -new
        if np.linalg.norm(new - u) < tol:
            u = new
            break
        u = new
    return u, score


def rank_one_candidates(span: SpanEstimate, restarts: int = 200, iterations: int = 300,
                        seed: int = 0, min_score: float = 0.9, dedup_cos: float = 0.99) -> RankOneCandidates:
    """Run :func:`projected_power_iteration` from ``restarts`` random unit vectors.

    Keep results with score at least ``min_score`` and merge those with ``|cos| ≥ dedup_cos``
    (vectors are defined up to sign), keeping the best-scoring representative.
    """
    if restarts < 1 or iterations < 1:
        raise InputError("restarts and iterations must be positive")
    d = int(round((np.sqrt(8 * span.basis.shape[1] + 1) - 1) / 2))
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    scores: list[float] = []
    hits: list[int] = []
    for _ in range(restarts):
        u, score = projected_power_iteration(span, rng.standard_normal(d), iterations)
        if score < min_score:
            continue
        for index, v in enumerate(found):
            if abs(float(u @ v)) >= dedup_cos:
                hits[index] += 1
                if score > scores[index]:
                    found[index], scores[index] = u, score
                break
        else:
            found.append(u)
            scores.append(score)
            hits.append(1)
    order = np.argsort(scores)[::-1]
    vectors = np.array([found[i] for i in order]).reshape(-1, d)
    return RankOneCandidates(vectors, np.array(scores)[order], np.array(hits, dtype=int)[order], restarts, iterations)
