"""The entangled-weights recovery pipeline, end to end, from a black-box callable.

Steps (each with its own module): Hessians by finite differences at random points near the
origin (:mod:`.hessians`); span of the Hessians and its singular-value gap (:mod:`.span`);
rank-one matrices ``u uᵀ`` in the span (:mod:`.rank_one`); layer assignment, scalings and
shifts by least squares (:mod:`.assemble`); Levenberg–Marquardt fine-tuning on fresh queries
(:mod:`.finetune`).  For two or more hidden layers the default layered method takes the first
layer from the far field (:mod:`.far_field`) and the Hessians in its coordinates
(:mod:`.peeling`); with three or more hidden layers the layers beyond the first are fitted by a
multistart search in the known spans (:mod:`.deeper`).  Every candidate network is scored on
fresh validation queries and the best is returned.  Every query to the black box goes through
one :class:`CountingOracle`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

import numpy as np

from ..errors import ExactidError, InputError
from ..progress import silent_bar
from .assemble import Assignment, assign_layers, initial_network
from .far_field import FirstLayerEstimate, probe_first_layer
from .deeper import DeeperFit, fit_deeper_layers, relative_rmse
from .finetune import levenberg_marquardt, scale_shift_directions
from .hessians import CountingOracle, finite_difference_hessians, queries_per_hessian
from .network import ACTIVATIONS, FloatNetwork, sample_ball, sample_sphere  # noqa: F401
from .peeling import InnerLayersEstimate, recover_inner_layers
from .rank_one import RankOneCandidates, rank_one_candidates
from .span import SpanEstimate, estimate_span


class RecoveryError(ExactidError, RuntimeError):
    """The pipeline could not find what it needs (e.g. too few first-layer directions)."""


@dataclass
class RecoveryConfig:
    """Every knob of :func:`recover`, with its default.

    num_hessians : points where Hessians are taken; ``None`` means ``2 m`` (``m`` = hidden neurons),
        twice the span dimension so that the gap is meaningful.
    radius : the Hessian points are uniform on the sphere of this radius around 0 (default 0.5).
    step : finite-difference step (default ``5e-4``; see :func:`.finite_difference_hessians`).
    min_gap : singular-value ratio ``s[m-1]/s[m]`` required (default 10).
    strict : raise :class:`.NoSpectralGapError` when the gap is missing (default); ``False``
        continues and records the failure in :attr:`RecoveryResult.gap_reason`.
    restarts, iterations : projected power iteration budget (defaults 10 m restarts, 300 steps).
    min_score : keep rank-one candidates with ``‖P(u uᵀ)‖ ≥ min_score`` (default 0.5).
    dedup_cos : candidates with ``|cos| ≥ dedup_cos`` are the same up to sign (default 0.99).
    fit_points : fresh queries, uniform in the ball of radius ``fit_radius`` (default 3: a wider
        ball than the unit ball of the benchmark makes the fit better conditioned), used for
        the least squares and the fine-tuning; ``None`` means ``4 ×`` the number of parameters.
    scale_shift_iterations : Levenberg–Marquardt steps over the scalings and shifts only, the
        directions fixed (default 400, ended early once converged: the logistic case needs more
        than 100; the first layer stays fixed too in the layered method).
    finetune_iterations : Levenberg–Marquardt steps on all parameters afterwards (default 150;
        0 disables this fine-tuning).
    seed : seeds every random choice (default 0).
    method : ``"joint"`` (the span of the Hessians near the origin gives every layer at once),
        ``"layered"`` (first layer from the far field, deeper layers from Hessians in the first
        layer's coordinates: :mod:`.far_field`, :mod:`.peeling`) or ``"auto"`` (default: joint
        for one hidden layer, layered otherwise — the joint span has no gap for two or more
        hidden layers with one output; ``docs/recovery.md`` explains why).
    far_radius, far_lines, far_grid, far_step : the far-field probe (defaults 1000,
        ``4 + m₁`` lines, 401 coarse points per line, gradient step ``1e-3``).
    offsets : the layered Hessians are taken at ``ŷ = 0`` and ``ŷ = t eₖ`` for ``t`` in
        ``offsets`` (default ``(-1, 1)``).
    validation_points : fresh queries (same ball as the fit) on which every candidate network is
        judged and the best one is kept; ``None`` means the number of parameters.
    deeper_starts, deeper_iterations, deeper_accept : three or more hidden layers: at most this
        many starts of the multistart search of :mod:`.deeper` (default 16), Levenberg–Marquardt
        steps per start (200), and the relative validation residual that accepts a start (1e-6).
    """

    num_hessians: Optional[int] = None
    radius: float = 0.5
    step: float = 5e-4
    min_gap: float = 10.0
    strict: bool = True
    restarts: Optional[int] = None
    iterations: int = 300
    min_score: float = 0.5
    dedup_cos: float = 0.99
    fit_points: Optional[int] = None
    fit_radius: float = 3.0
    scale_shift_iterations: int = 400
    finetune_iterations: int = 150
    seed: int = 0
    method: str = "auto"
    far_radius: float = 1000.0
    far_lines: Optional[int] = None
    far_grid: int = 401
    far_step: float = 1e-3
    offsets: tuple = (-1.0, 1.0)
    validation_points: Optional[int] = None
    deeper_starts: int = 16
    deeper_iterations: int = 200
    deeper_accept: float = 1e-6


@dataclass
class RecoveryResult:
    """What :func:`recover` found, with diagnostics and query counts per phase."""

    network: FloatNetwork
    initial_network: FloatNetwork
    span: SpanEstimate
    candidates: RankOneCandidates
    assignment: Assignment
    queries: int
    queries_hessians: int
    queries_fit: int
    gap_ok: bool
    gap_reason: str
    finetune_iterations: int
    fit_mse_initial: float
    fit_mse_final: float
    seconds: dict = field(default_factory=dict)
    method: str = "joint"
    queries_far_field: int = 0
    first_layer: Optional[FirstLayerEstimate] = None
    inner: Optional[InnerLayersEstimate] = None
    queries_validation: int = 0
    stages: list = field(default_factory=list)
    stage_networks: dict = field(default_factory=dict)
    selected: str = ""
    deeper: Optional[DeeperFit] = None

    def summary(self) -> dict:
        s = self.span
        m = s.dimension
        extra = {}
        if self.first_layer is not None:
            extra["far_field"] = {"lines": self.first_layer.lines, "queries": self.first_layer.queries,
                                  "worst_rank_one_check": float(self.first_layer.parallel.max()),
                                  "min_saturation": float(self.first_layer.saturation.min())}
        if self.inner is not None:
            extra["gradient_gap"] = self.inner.gradients.gap
            extra["gradient_completion_residual"] = self.inner.gradients.residual
            extra["hessian_residual"] = self.inner.hessian_residual
            extra["scale_shift_misfit"] = self.inner.ratio_residual
            extra["coefficient_span_gap"] = self.inner.coefficients.gap
        if self.deeper is not None:
            extra["deeper_starts"] = self.deeper.starts
            extra["deeper_accepted"] = self.deeper.accepted
            extra["deeper_validation_residuals"] = [float(e) for e in self.deeper.per_start]
        return {"method": self.method, **extra,
                "queries": self.queries, "queries_hessians": self.queries_hessians, "queries_fit": self.queries_fit,
                "queries_far_field": self.queries_far_field, "queries_validation": self.queries_validation,
                "stages": self.stages, "selected": self.selected,
                "span_dimension": m, "gap": s.gap, "gap_ok": self.gap_ok, "gap_reason": self.gap_reason,
                "singular_values_near_gap": [float(x) for x in s.singular_values[max(m - 3, 0):m + 3]],
                "candidates": int(self.candidates.vectors.shape[0]), "missing_neurons": self.assignment.missing,
                "finetune_iterations": self.finetune_iterations, "fit_mse_initial": self.fit_mse_initial,
                "fit_mse_final": self.fit_mse_final, "seconds": self.seconds}


def recover(f: Callable[[np.ndarray], np.ndarray], widths: Sequence[int], activation: str = "tanh",
            config: Optional[RecoveryConfig] = None, progress: Optional[Callable[[str, int], object]] = None
            ) -> RecoveryResult:
    """Recover a network of the given ``widths = [d, m_1, ..., m_L, outputs]`` from queries to ``f``.

    ``f`` maps an ``(n, d)`` array to ``(n, outputs)`` (or ``(n,)`` for one output).  The pyramidal
    shape (``d ≥ m_1 ≥ m_2 ≥ ...``) is what the method is designed for; other shapes are accepted
    but the span of the Hessians then need not determine the weights.  ``progress(phase, total)``
    may return a context manager with ``update(n)`` (e.g. :func:`exactid.progress.progress`).

    Raises :class:`.NoSpectralGapError` (with the diagnostics) when the Hessians show no gap at
    the number of hidden neurons and ``config.strict`` is true.

    >>> from exactid.recovery.network import random_pyramidal
    >>> true = random_pyramidal([4, 2, 1], "tanh", seed=1)
    >>> result = recover(true, true.widths, config=RecoveryConfig(strict=False))
    >>> bool(result.fit_mse_final < 1e-12)
    True
    """
    cfg = config or RecoveryConfig()
    widths = [int(w) for w in widths]
    if len(widths) < 3 or min(widths) < 1:
        raise InputError(f"widths must be [input, hidden..., outputs] with positive entries, got {widths}")
    if activation not in ACTIVATIONS:
        raise InputError(f"activation {activation!r} is not supported (use one of {ACTIVATIONS})")
    d, hidden = widths[0], widths[1:-1]
    m = sum(hidden)
    if m > d * (d + 1) // 2:
        raise InputError(f"{m} hidden neurons exceed d(d+1)/2 = {d * (d + 1) // 2}, the dimension of the "
                         "space of symmetric matrices: the Hessians cannot separate them")
    num_hessians = cfg.num_hessians if cfg.num_hessians is not None else 2 * m
    restarts = cfg.restarts if cfg.restarts is not None else 10 * m
    if num_hessians < 1:
        raise InputError("num_hessians must be positive")
    rng = np.random.default_rng(cfg.seed)
    oracle = CountingOracle(f)
    seconds: dict = {}
    def phase(name: str, total: int):
        return progress(name, total) if progress is not None else silent_bar()

    t0 = time.perf_counter()
    method = cfg.method if cfg.method != "auto" else ("joint" if len(hidden) == 1 else "layered")
    first = inner = None
    first_layer = None
    if method == "joint":
        points = sample_sphere(num_hessians, d, cfg.radius, rng)
        with phase("hessians", num_hessians) as bar:
            hs = _hessians_with_bar(oracle, points, cfg.step, bar)
        seconds["hessians"] = time.perf_counter() - t0
        if hs.hessians.shape[1] != widths[-1]:
            raise InputError(f"the black box has {hs.hessians.shape[1]} outputs but widths end with {widths[-1]}")
        queries_hessians = hs.queries
        t0 = time.perf_counter()
        span = estimate_span(hs.hessians, m, min_gap=cfg.min_gap, strict=cfg.strict)
        with phase("rank-one search", 1) as bar:
            cands = rank_one_candidates(span, restarts, cfg.iterations, seed=cfg.seed + 1,
                                        min_score=cfg.min_score, dedup_cos=cfg.dedup_cos)
            bar.update(1)
        seconds["span_and_rank_one"] = time.perf_counter() - t0
        assignment = assign_layers(cands.vectors, cands.scores, hidden)
        vectors = cands.vectors
    elif method == "layered":
        if len(hidden) < 2:
            raise InputError("the layered method needs at least two hidden layers (use method='joint')")
        mix: list[np.ndarray] = []

        def mixed(X: np.ndarray) -> np.ndarray:
            Y = oracle(X)
            if not mix:  # the first answer tells how many outputs there are
                if Y.shape[1] != widths[-1]:
                    raise InputError(f"the black box has {Y.shape[1]} outputs but widths end with {widths[-1]}")
                mix.append(_output_mix(Y.shape[1], rng))
            return Y @ mix[0]

        lines = cfg.far_lines if cfg.far_lines is not None else 4 + hidden[0]
        with phase("first layer (far field)", lines) as bar:
            first = probe_first_layer(mixed, d, hidden[0], radius=cfg.far_radius,
                                      max_lines=lines, grid=cfg.far_grid, step=cfg.far_step, seed=cfg.seed,
                                      progress=bar)
        seconds["first_layer"] = time.perf_counter() - t0
        if not first.complete:
            raise RecoveryError(f"found {first.weights.shape[0]} of {hidden[0]} first-layer directions on "
                                f"{first.lines} far-field lines; raise far_lines or check the widths")
        t0 = time.perf_counter()
        count = 1 + hidden[0] * len(cfg.offsets)
        with phase("hessians", count) as bar:
            inner = recover_inner_layers(oracle, first.weights, hidden, activation, offsets=cfg.offsets,
                                         step=cfg.step, min_gap=cfg.min_gap, strict=cfg.strict, restarts=restarts,
                                         iterations=cfg.iterations, min_score=cfg.min_score,
                                         dedup_cos=cfg.dedup_cos, seed=cfg.seed, progress=bar)
        seconds["hessians_span_and_rank_one"] = time.perf_counter() - t0
        queries_hessians = inner.queries
        # two hidden layers: the C span gives layer 2 (its gap is the diagnostic); deeper: the
        # gradient completion's span is what is used (the C span has no gap, see .deeper)
        span = inner.coefficients if len(hidden) == 2 else inner.gradient_span
        cands = inner.candidates
        deeper = assign_layers(inner.vectors, cands.scores, hidden[1:])
        assignment = Assignment([[-1] * hidden[0]] + deeper.layers, deeper.missing)
        vectors = inner.vectors
        first_layer = (inner.scales[:, None] * first.weights, inner.shifts)
    else:
        raise InputError(f"method must be 'auto', 'joint' or 'layered', got {cfg.method!r}")

    t0 = time.perf_counter()
    num_params = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
    fit_points = cfg.fit_points if cfg.fit_points is not None else 4 * num_params
    validation_points = cfg.validation_points if cfg.validation_points is not None else num_params
    if fit_points < 1 or validation_points < 1:
        raise InputError("fit_points and validation_points must be positive")
    X = sample_ball(fit_points, d, cfg.fit_radius, rng)
    Y = oracle(X)
    if Y.shape[1] != widths[-1]:
        raise InputError(f"the black box has {Y.shape[1]} outputs but widths end with {widths[-1]}")
    Xv = sample_ball(validation_points, d, cfg.fit_radius, rng)
    Yv = oracle(Xv)
    stages: list = []
    if first is not None and inner is not None:
        stages.append({"stage": "first layer", "parameters": "layer 1: directions (far field), scales and "
                       "shifts (masked-Hessian ratios)", "fixed_afterwards": True,
                       "worst_rank_one_check": float(first.parallel.max()),
                       "scale_shift_misfit": inner.ratio_residual})
        stages.append({"stage": "second-layer span", "parameters": f"span of the {hidden[1]} second-layer "
                       "entangled weights (gradient completion)", "gap": inner.gradients.gap,
                       "residual": inner.gradients.residual})
    init = initial_network(vectors, assignment, widths, activation, X, Y, seed=cfg.seed + 2,
                           first_layer=first_layer)
    networks = {"initial": init}
    deep = None
    its = 0
    mse0 = float(np.mean((init(X) - Y) ** 2))
    if method == "layered" and len(hidden) >= 3:
        with phase("deeper layers (multistart)", cfg.deeper_starts) as bar:
            deep = fit_deeper_layers(init, inner.basis, X, Y, Xv, Yv, starts=cfg.deeper_starts,
                                     iterations=cfg.deeper_iterations, accept=cfg.deeper_accept,
                                     seed=cfg.seed + 3, layer2_guesses=inner.candidates.vectors, progress=bar)
        its += deep.iterations
        networks["deeper"] = deep.network
        stages.append({"stage": "deeper layers", "parameters": "layer 2 in its span, its biases, every deeper "
                       "layer and the output layer (layer 1 fixed)", "starts": deep.starts,
                       "accepted": deep.accepted, "validation_residual": deep.validation_rmse})
        staged = deep.network
    else:
        staged = init
        if cfg.scale_shift_iterations > 0:
            # least squares over the scalings and shifts of the recovered directions first:
            # a full fine-tuning from unit scales can wander off the right directions
            fixed = 1 if method == "layered" else 0
            with phase("scalings and shifts", cfg.scale_shift_iterations) as bar:
                fit = levenberg_marquardt(init, X, Y, iterations=cfg.scale_shift_iterations, progress=bar,
                                          directions=scale_shift_directions(init, fixed), fixed_layers=fixed)
            staged, its = fit.network, its + fit.iterations
            networks["scale_shift"] = staged
            stages.append({"stage": "scalings and shifts", "parameters": "scales and biases of the recovered "
                           "directions, output layer" + (" (layer 1 fixed)" if fixed else ""),
                           "validation_residual": relative_rmse(staged, Xv, Yv)})
    if cfg.finetune_iterations > 0:
        with phase("polish (all parameters)", cfg.finetune_iterations) as bar:
            fit = levenberg_marquardt(staged, X, Y, iterations=cfg.finetune_iterations, progress=bar)
        its += fit.iterations
        networks["polished"] = fit.network
    # keep the best network on the validation queries: a fine-tuning may end worse than its start
    scores = {name: relative_rmse(net, Xv, Yv) for name, net in networks.items()}
    selected = min(scores, key=lambda name: (scores[name], name != "polished"))
    if "polished" in networks:
        stages.append({"stage": "polish", "parameters": "all", "validation_residual": scores["polished"]})
    stages.append({"stage": "selected", "network": selected, "validation_residual": scores[selected],
                   "validation_residuals": scores})
    net = networks[selected]
    mse1 = float(np.mean((net(X) - Y) ** 2))
    seconds["assemble_and_finetune"] = time.perf_counter() - t0
    result = RecoveryResult(net, init, span, cands, assignment, oracle.queries, queries_hessians, fit_points,
                            span.ok, span.reason, its, mse0, mse1, seconds, method,
                            first.queries if first is not None else 0, first, inner)
    result.queries_validation = validation_points
    result.stages, result.stage_networks, result.selected, result.deeper = stages, networks, selected, deep
    return result


def _output_mix(outputs: int, rng: np.random.Generator) -> np.ndarray:
    """A random unit combination of the outputs: every neuron shows in it (almost surely)."""
    mix = rng.standard_normal(outputs)
    return mix / np.linalg.norm(mix)


def _hessians_with_bar(oracle: CountingOracle, points: np.ndarray, step: float, bar) -> "object":
    from .hessians import HessianSample

    parts, grads, queries = [], [], 0
    batch = 8
    for start in range(0, points.shape[0], batch):
        sample = finite_difference_hessians(oracle, points[start:start + batch], step, batch=batch)
        parts.append(sample.hessians)
        grads.append(sample.gradients)
        queries += sample.queries
        bar.update(sample.points.shape[0])
    return HessianSample(points, np.concatenate(parts), step, queries, np.concatenate(grads))


__all__ = ["RecoveryConfig", "RecoveryResult", "recover", "queries_per_hessian"]
