"""Deeper layers once the first layer is known: Hessians in the first layer's coordinates.

With the first-layer directions ``Ŵ`` (unit rows) known, write ``ŷ = Ŵx`` and query
``g(ŷ) = f(Ŵ⁺ŷ)``.  The first-layer pre-activations are then ``sₖŷₖ + bₖ`` (unknown scale and
shift), so moving ``ŷ`` along one axis ``eₖ`` changes only neuron ``k``.  At ``ŷ = t eₖ``:

* every gradient entry ``i ≠ k`` equals ``(Σ_l û_l c_l)ᵢ``: a combination of the second-layer
  entangled weights ``û_l`` (in ``ŷ`` coordinates), which therefore span the gradients once
  entry ``k`` is masked — a rank-``m₂`` completion problem (:func:`.masked_low_rank`), with a gap;
* entry ``k`` is the same combination times ``σ'(sₖt + bₖ)/σ'(bₖ)``, and so is row ``k`` of the
  Hessian (see below): these ratios give the first-layer scales and shifts exactly
  (:func:`solve_scale_shift`);
* every off-diagonal Hessian entry ``(i, j)`` with ``i, j ≠ k`` equals ``Σ_l α_l û_{li} û_{lj}``
  plus, for three or more hidden layers, the deeper terms: so, in a basis ``Q`` of the span
  of the ``û_l``, each Hessian gives a symmetric ``m₂ × m₂`` matrix ``C`` by least squares on its
  unmasked entries, and the ``û_l ⊗ û_l`` are the rank-one matrices in the span of the ``C``'s,
  found by the same SVD, gap and projected power iteration as in the one-layer case.

Nothing drifts here (each sample moves one first-layer neuron, and its entries are masked), which
is why the span is exact for two hidden layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from ..errors import InputError
from .completion import MaskedLowRank, masked_low_rank
from .hessians import finite_difference_hessians
from .network import activation_functions
from .rank_one import RankOneCandidates, rank_one_candidates
from .span import NoSpectralGapError, SpanEstimate, estimate_span, sym_unvec


@dataclass
class InnerLayersEstimate:
    """What the first-layer coordinates revealed (see the module docstring).

    ``scales``, ``shifts``: first-layer ``sₖ > 0`` and ``bₖ`` for the rows of ``first_layer``.
    ``basis``: ``(m₁, m₂)`` orthonormal basis of the second-layer entangled weights in ``ŷ``
    coordinates; ``gradients`` its completion fit (``.gap`` is the diagnostic).  ``coefficients``
    is the span of the ``C`` matrices; ``candidates`` the rank-one vectors in it (``basis``
    coordinates); ``vectors`` the same mapped to ``x`` (entangled weights, unit rows).
    ``hessian_residual``: the largest relative misfit of a Hessian's unmasked entries by
    ``Q C Qᵀ``; ``ratio_residual``: the largest misfit of the scale-and-shift equations.
    ``gradient_span``: the completion as a span estimate (rows of ``basis.T``, singular values
    of the completed matrix, gap at ``m₂``) — the diagnostic enforced for three or more hidden
    layers, where the ``C`` span has no gap (the deeper entangled weights drift in it) and the
    candidates are only starting points for :mod:`.deeper`.
    """

    first_layer: np.ndarray
    scales: np.ndarray
    shifts: np.ndarray
    basis: np.ndarray
    gradients: MaskedLowRank
    coefficients: SpanEstimate
    candidates: RankOneCandidates
    vectors: np.ndarray
    hessian_residual: float
    ratio_residual: float
    queries: int
    gradient_span: Optional[SpanEstimate] = None


def solve_scale_shift(activation: str, ts: np.ndarray, ratios: np.ndarray) -> tuple[float, float, float]:
    """``(s, b, misfit)`` with ``s > 0`` fitting ``σ'(s t + b) / σ'(b) = ratio`` for each ``t``.

    A grid over ``b ∈ [-4, 4]`` and ``s ∈ [0.05, 20]`` picks the start, then Gauss–Newton (with
    numerical derivatives) polishes it; the misfit is the largest relative equation error.

    >>> s, b, misfit = solve_scale_shift("tanh", np.array([-1.0, 1.0]),
    ...                                  np.cosh(0.3) ** 2 / np.cosh(np.array([-1.7, 2.3])) ** 2)
    >>> round(s, 9), round(b, 9), misfit < 1e-12
    (2.0, 0.3, True)
    """
    act = activation_functions(activation)
    ts = np.asarray(ts, dtype=np.float64)
    ratios = np.asarray(ratios, dtype=np.float64)
    if ts.size < 2 or not np.all(ratios > 0):
        return 1.0, 0.0, float("inf")  # undetermined: the fine-tuning starts from s = 1, b = 0

    def residual(s: np.ndarray, b: np.ndarray) -> np.ndarray:
        return act(np.multiply.outer(s, ts) + b[..., None])[1] / act(b)[1][..., None] / ratios - 1.0

    S, B = np.meshgrid(np.geomspace(0.05, 20.0, 120), np.linspace(-4.0, 4.0, 161), indexing="ij")
    cost = (residual(S.ravel(), B.ravel()) ** 2).sum(axis=1)
    k = int(np.argmin(cost))
    theta = np.array([S.ravel()[k], B.ravel()[k]])
    for _ in range(50):
        r = residual(theta[:1], theta[1:])[0]
        eps = 1e-7
        J = np.stack([(residual(theta[:1] + eps, theta[1:])[0] - r) / eps,
                      (residual(theta[:1], theta[1:] + eps)[0] - r) / eps], axis=1)
        step = np.linalg.lstsq(J, -r, rcond=None)[0]
        theta = theta + step
        theta[0] = abs(theta[0])
        if np.linalg.norm(step) < 1e-15 * (1 + np.linalg.norm(theta)):
            break
    misfit = float(np.abs(residual(theta[:1], theta[1:])[0]).max())
    return float(theta[0]), float(theta[1]), misfit


def _offdiag_design(basis: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Columns: the strict upper triangle of ``Q E Qᵀ`` for each ``E`` of the isometric basis of Sym(r)."""
    m, r = basis.shape
    iu = np.triu_indices(m, 1)
    cols = []
    for a, b in zip(*np.triu_indices(r)):
        E = np.zeros((r, r))
        if a == b:
            E[a, a] = 1.0
        else:
            E[a, b] = E[b, a] = np.sqrt(0.5)  # so that the coefficients are sym_vec coordinates
        cols.append((basis @ E @ basis.T)[iu])
    return np.array(cols).T, iu


def recover_inner_layers(f: Callable[[np.ndarray], np.ndarray], first_layer: np.ndarray, hidden: Sequence[int],
                         activation: str, offsets: Sequence[float] = (-1.0, 1.0), step: float = 5e-4,
                         min_gap: float = 10.0, strict: bool = True, restarts: int = 60, iterations: int = 300,
                         min_score: float = 0.5, dedup_cos: float = 0.99, seed: int = 0,
                         progress=None) -> InnerLayersEstimate:
    """Second-layer entangled weights (and candidates for deeper ones) given the first layer.

    Parameters
    ----------
    f : the black box, ``(n, d)`` points to ``(n, outputs)`` values (a :class:`.CountingOracle`).
    first_layer : ``(m₁, d)`` unit rows of full row rank (from :func:`.probe_first_layer`).
    hidden : the hidden widths ``[m₁, m₂, ...]`` (at least two layers).
    offsets : the ``t`` of the points ``t eₖ`` (default ``±1``); with ``ŷ = 0`` that makes
        ``1 + m₁ · len(offsets)`` Hessians.
    step, min_gap, strict, restarts, iterations, min_score, dedup_cos, seed : as in
        :class:`.RecoveryConfig`; the gap enforced is that of the ``C`` span (dimension ``m₂``)
        for two hidden layers, that of the gradient completion (rank ``m₂``) for more.

    Raises :class:`.NoSpectralGapError` when ``strict`` and that gap is missing.
    """
    W = np.asarray(first_layer, dtype=np.float64)
    m1, d = W.shape
    hidden = [int(h) for h in hidden]
    if len(hidden) < 2 or hidden[0] != m1:
        raise InputError(f"need at least two hidden layers whose first has {m1} neurons, got {hidden}")
    m2, deeper = hidden[1], sum(hidden[1:])
    if m2 > m1 or m1 < 3:
        raise InputError(f"the layered method needs m₁ ≥ 3 and m₂ ≤ m₁ (pyramidal), got {hidden}")
    if len(hidden) == 2 and deeper > m2 * (m2 + 1) // 2:
        raise InputError(f"{deeper} neurons beyond the first layer exceed m₂(m₂+1)/2 = {m2 * (m2 + 1) // 2}")
    if np.linalg.matrix_rank(W) < m1:
        raise InputError("the first-layer directions are not linearly independent")
    lift = np.linalg.pinv(W)  # ŷ -> x with W x = ŷ
    offsets = np.asarray(offsets, dtype=np.float64)
    points, axes = [np.zeros(m1)], [-1]
    for k in range(m1):
        for t in offsets:
            y = np.zeros(m1)
            y[k] = t
            points.append(y)
            axes.append(k)
    points = np.array(points)
    axes = np.array(axes)
    queries = 0

    def g(Y: np.ndarray) -> np.ndarray:
        nonlocal queries
        queries += Y.shape[0]
        out = np.asarray(f(Y @ lift.T), dtype=np.float64)
        return out[:, None] if out.ndim == 1 else out

    hess, grads = [], []
    for start in range(0, points.shape[0], 8):
        sample = finite_difference_hessians(g, points[start:start + 8], step)
        hess.append(sample.hessians)
        grads.append(sample.gradients)
        if progress is not None:
            progress.update(sample.points.shape[0])
    H = np.concatenate(hess)        # (n, outputs, m1, m1)
    G = np.concatenate(grads)       # (n, outputs, m1)
    n, outs = G.shape[:2]
    rows = G.reshape(n * outs, m1)
    row_axes = np.repeat(axes, outs)
    mask = np.ones_like(rows, dtype=bool)
    moved = row_axes >= 0
    mask[np.nonzero(moved)[0], row_axes[moved]] = False
    fit = masked_low_rank(rows, mask, m2, seed=seed)
    basis = np.linalg.qr(fit.right.T)[0]  # (m1, m2)

    design, iu = _offdiag_design(basis)
    coeffs, worst = [], 0.0
    ratio = np.ones(n)  # per sample: σ'(sₖt + bₖ)/σ'(bₖ) for its moved axis k
    predicted = fit.left @ fit.right
    for index in range(n):
        k = axes[index]
        keep = np.ones(iu[0].size, dtype=bool) if k < 0 else (iu[0] != k) & (iu[1] != k)
        obs, pred = [], []
        for o in range(outs):
            z = H[index, o][iu]
            c = np.linalg.lstsq(design[keep], z[keep], rcond=None)[0]
            worst = max(worst, float(np.linalg.norm(design[keep] @ c - z[keep]) /
                                     max(np.linalg.norm(z[keep]), 1e-300)))
            coeffs.append(c)
            if k >= 0:
                # the masked entries (gradient entry k, Hessian row k) are the model's times the ratio
                full = basis @ sym_unvec(c, m2) @ basis.T
                others = np.arange(m1) != k
                row = index * outs + o
                obs += [rows[row, k], *H[index, o][k, others]]
                pred += [predicted[row, k], *full[k, others]]
        if k >= 0:
            o_arr, p_arr = np.array(obs), np.array(pred)
            ratio[index] = float(o_arr @ p_arr) / max(float(p_arr @ p_arr), 1e-300)
    scales, shifts, misfits = np.ones(m1), np.zeros(m1), []
    for k in range(m1):
        sel = np.nonzero(axes == k)[0]
        scales[k], shifts[k], misfit = solve_scale_shift(activation, points[sel, k], ratio[sel])
        misfits.append(misfit)
    gradient_span = _completion_span(fit, basis, min_gap)
    if len(hidden) == 2:
        span = estimate_span(sym_unvec(np.array(coeffs), m2), deeper, min_gap=min_gap, strict=strict)
    else:
        if strict and not gradient_span.ok:
            raise NoSpectralGapError(gradient_span.reason, gradient_span)
        span = estimate_span(sym_unvec(np.array(coeffs), m2), min(deeper, m2 * (m2 + 1) // 2), min_gap=min_gap,
                             strict=False)
    cands = rank_one_candidates(span, restarts, iterations, seed=seed + 1, min_score=min_score, dedup_cos=dedup_cos)
    in_y = cands.vectors @ basis.T
    in_x = in_y @ W  # ∂/∂x = Ŵᵀ ∂/∂ŷ
    in_x /= np.maximum(np.linalg.norm(in_x, axis=1, keepdims=True), 1e-300)
    return InnerLayersEstimate(W, scales, shifts, basis, fit, span, cands, in_x, worst,
                               float(max(misfits)) if misfits else 0.0, queries, gradient_span)


def _completion_span(fit: MaskedLowRank, basis: np.ndarray, min_gap: float) -> SpanEstimate:
    rank = basis.shape[1]
    gap = fit.gap
    ok = gap >= min_gap and fit.residual < 1e-4
    reason = "" if ok else (f"gradient completion: singular-value gap s[{rank - 1}]/s[{rank}] = {gap:.3g} "
                            f"(required {min_gap:g}), relative residual {fit.residual:.2g}")
    return SpanEstimate(basis.T.copy(), rank, fit.singular_values, gap, min_gap, ok, reason)
