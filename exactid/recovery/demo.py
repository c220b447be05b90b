"""The benchmark case run end to end: pipeline and tuned baselines on the same random network.

Query model, stated because the comparison depends on it: the pipeline chooses its queries — for
two or more hidden layers it queries lines far from the origin (``|x|`` up to about
``4 × far_radius``), finite-difference stencils, and fit and validation points in the ball of
radius ``fit_radius``.  The baselines get the same number of samples (or, for the
Levenberg–Marquardt baseline, as many as the pipeline fits on) uniform in the unit ball, where
everything is evaluated; one more baseline trains on exactly the pipeline's query points.  Each
baseline is tuned (a learning-rate × epochs grid for Adam, several random starts for
Levenberg–Marquardt) and the best result on the test points is reported — generous to the
baselines, since the test points then choose their setting.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from ..progress import silent
from .baseline import train_adam, train_lm_multistart
from .compare import compare
from .hessians import CountingOracle
from .network import FloatNetwork, random_pyramidal, sample_ball
from .pipeline import RecoveryConfig, RecoveryResult, recover
from .span import NoSpectralGapError

DEMO_WIDTHS = (20, 20, 6, 1)


@dataclass
class DemoSettings:
    """Settings of :func:`run_case` (defaults: the issue's benchmark case).

    widths : ``[d, hidden..., outputs]`` of the random true network (default ``20, 20, 6, 1``).
    activation : ``tanh`` or ``logistic``.  seed : seeds the true network and everything else.
    baseline_epochs, baseline_rates : the Adam grid (defaults ``(100, 300)`` epochs × initial
        learning rates ``(1e-3, 3e-3, 1e-2)``, each decaying geometrically to ``1e-5``).
    baseline_batch : Adam mini-batch (128).
    lm_starts, lm_iterations : Levenberg–Marquardt baseline from Glorot starts (3 starts × 100
        steps); 0 starts disables it.
    same_points : also train Adam (best grid setting) on the pipeline's own query points.
    test_points : held-out points, uniform in the unit ball (default 100,000).
    """

    widths: Sequence[int] = DEMO_WIDTHS
    activation: str = "tanh"
    seed: int = 0
    baseline_epochs: Sequence[int] = (100, 300)
    baseline_rates: Sequence[float] = (1e-3, 3e-3, 1e-2)
    baseline_batch: int = 128
    lm_starts: int = 3
    lm_iterations: int = 100
    same_points: bool = True
    test_points: int = 100_000
    config: Optional[RecoveryConfig] = None


def query_model(points: np.ndarray) -> dict:
    """Where the queries were: norms of the query points (largest, median, share outside the unit ball)."""
    if points.size == 0:
        return {"max_norm": 0.0, "median_norm": 0.0, "fraction_outside_unit_ball": 0.0}
    norms = np.linalg.norm(points, axis=1)
    return {"max_norm": float(norms.max()), "median_norm": float(np.median(norms)),
            "fraction_outside_unit_ball": float(np.mean(norms > 1.0 + 1e-12))}


def _summary(name: str, net: FloatNetwork, true: FloatNetwork, tests: int, seed: int, **extra) -> dict:
    c = compare(true, net, test_points=tests, seed=seed)
    return {"baseline": name, "recovered_fraction": c.recovered_fraction, "uniform_error": c.uniform_error,
            "mse": c.mse, "parameter_error_aligned": c.parameter_error, **extra}


def run_baselines(true: FloatNetwork, settings: DemoSettings, samples: int, query_points: np.ndarray,
                  fit_samples: int, progress: Optional[Callable] = None) -> dict:
    """Adam over the grid and Levenberg–Marquardt from random starts, on samples uniform in the unit
    ball; Adam (best grid setting) on ``query_points``; each compared with the truth."""
    widths = list(true.widths)
    tests, cseed = settings.test_points, settings.seed + 777
    rng = np.random.default_rng(settings.seed + 999)
    X = sample_ball(samples, widths[0], 1.0, rng)
    Y = true(X)
    bar = progress or silent
    grid = []
    with bar("baseline (Adam grid)", len(settings.baseline_epochs) * len(settings.baseline_rates)) as b:
        for epochs in settings.baseline_epochs:
            for rate in settings.baseline_rates:
                t = time.perf_counter()
                rep = train_adam(X, Y, widths, true.activation, epochs=epochs, batch_size=settings.baseline_batch,
                                 learning_rate=rate, seed=settings.seed)
                grid.append(_summary("adam", rep.network, true, tests, cseed, epochs=epochs, learning_rate=rate,
                                     samples=samples, seconds=round(time.perf_counter() - t, 3)))
                b.update(1)
    best_adam = min(grid, key=lambda r: r["uniform_error"])
    out = {"adam_grid": grid, "adam": best_adam}
    if settings.lm_starts > 0:
        Xl, Yl = X[:fit_samples], Y[:fit_samples]
        t = time.perf_counter()
        with bar("baseline (LM starts)", settings.lm_starts) as b:
            reps = train_lm_multistart(Xl, Yl, widths, true.activation, starts=settings.lm_starts,
                                       iterations=settings.lm_iterations, seed=settings.seed, progress=b)
        seconds = round(time.perf_counter() - t, 3)
        runs = [_summary("levenberg_marquardt", r.network, true, tests, cseed, start=k, steps=r.steps,
                         samples=Xl.shape[0]) for k, r in enumerate(reps)]
        best = dict(min(runs, key=lambda r: r["uniform_error"]))
        best.update(starts=len(runs), seconds=seconds)
        out["levenberg_marquardt"] = best
    if settings.same_points and query_points.size:
        t = time.perf_counter()
        with bar("baseline (Adam, pipeline's points)", 1) as b:
            rep = train_adam(query_points, true(query_points), widths, true.activation, epochs=best_adam["epochs"],
                             batch_size=settings.baseline_batch, learning_rate=best_adam["learning_rate"],
                             seed=settings.seed)
            b.update(1)
        out["adam_same_points"] = _summary("adam_same_points", rep.network, true, tests, cseed,
                                           epochs=best_adam["epochs"], learning_rate=best_adam["learning_rate"],
                                           samples=int(query_points.shape[0]),
                                           seconds=round(time.perf_counter() - t, 3))
    return out


def stage_report(true: FloatNetwork, result: RecoveryResult, tests: int, seed: int) -> list:
    """The pipeline's stages, each with the comparison of its network with the truth (when it has one)."""
    names = {"deeper layers": "deeper", "scalings and shifts": "scale_shift", "polish": "polished"}
    rows = []
    for stage in result.stages:
        row = dict(stage)
        key = names.get(stage["stage"])
        if key in result.stage_networks:
            c = compare(true, result.stage_networks[key], test_points=tests, seed=seed)
            row["truth"] = {"recovered_fraction": c.recovered_fraction, "layer_fractions": c.layer_fractions,
                            "parameter_error_aligned": c.parameter_error,
                            "layer_parameter_errors": c.layer_parameter_errors,
                            "uniform_error": c.uniform_error, "mse": c.mse}
        rows.append(row)
    return rows


def run_case(settings: DemoSettings, progress: Optional[Callable] = None) -> dict:
    """Recover a random network by the pipeline and by the baselines; compare each to the truth.

    Returns a JSON-ready dict: the pipeline's fractions of entangled weights with
    ``|cos| > 0.999`` (overall and per layer), the aligned parameter error of all parameters
    (overall and per layer), uniform error and MSE on the held-out points, queries, seconds and
    where the queries were; the stages with their own comparison; every baseline; and the ratio
    of the best baseline's uniform error to the pipeline's.
    """
    widths = list(settings.widths)
    true = random_pyramidal(widths, settings.activation, seed=settings.seed)
    cfg = settings.config or RecoveryConfig(strict=False, seed=settings.seed)
    oracle = CountingOracle(true, record=True)
    start = time.perf_counter()
    try:
        result = recover(oracle, widths, settings.activation, cfg, progress=progress)
    except NoSpectralGapError as exc:  # strict mode: report the refusal itself
        return {"verdict": "undecided", "stopped": "no_spectral_gap", "reason": str(exc),
                "gap": exc.estimate.gap, "widths": widths}
    pipeline_seconds = time.perf_counter() - start
    tests, cseed = settings.test_points, settings.seed + 777
    cmp_pipeline = compare(true, result.network, test_points=tests, seed=cseed)
    cmp_initial = compare(true, result.initial_network, test_points=min(tests, 10_000), seed=cseed)
    points = oracle.points()
    baselines = run_baselines(true, settings, result.queries, points, result.queries_fit, progress)
    candidates = [b for k, b in baselines.items() if k != "adam_grid"]
    best = min(candidates, key=lambda r: r["uniform_error"])
    ratio = best["uniform_error"] / max(cmp_pipeline.uniform_error, 1e-300)
    adam = baselines["adam"]
    return {
        "verdict": "undecided", "reason": "floating-point recovery: measured, not certified",
        "widths": widths, "activation": settings.activation, "seed": settings.seed,
        "recovered_fraction": cmp_pipeline.recovered_fraction,
        "layer_fractions": cmp_pipeline.layer_fractions,
        "recovered_fraction_before_finetune": cmp_initial.recovered_fraction,
        "min_entangled_cos": cmp_pipeline.min_entangled_cos,
        "uniform_error": cmp_pipeline.uniform_error, "mse": cmp_pipeline.mse,
        "parameter_error_aligned": cmp_pipeline.parameter_error,
        "relative_parameter_error_aligned": cmp_pipeline.relative_parameter_error,
        "layer_parameter_errors": cmp_pipeline.layer_parameter_errors,
        "queries": result.queries, "seconds": round(pipeline_seconds, 3),
        "query_model": {"pipeline": {**query_model(points), "queries_far_field": result.queries_far_field,
                                     "queries_hessians": result.queries_hessians,
                                     "queries_fit": result.queries_fit,
                                     "queries_validation": result.queries_validation,
                                     "fit_radius": cfg.fit_radius,
                                     "far_radius": cfg.far_radius if result.method == "layered" else None},
                        "baselines": "samples uniform in the unit ball (adam: as many as the pipeline's queries; "
                                     "levenberg_marquardt: as many as the pipeline's fit queries), and "
                                     "adam_same_points: the pipeline's own query points",
                        "evaluation": f"{tests} held-out points uniform in the unit ball"},
        "stages": stage_report(true, result, min(tests, 10_000), cseed),
        "selected": result.selected,
        "baselines": baselines,
        "best_baseline": best["baseline"],
        "baseline_recovered_fraction": best["recovered_fraction"],
        "baseline_uniform_error": best["uniform_error"], "baseline_mse": best["mse"],
        "baseline_samples": result.queries, "baseline_epochs": adam["epochs"],
        "baseline_seconds": round(sum(r.get("seconds", 0.0) for r in baselines["adam_grid"])
                                  + sum(b.get("seconds", 0.0) for k, b in baselines.items()
                                        if k not in ("adam_grid", "adam")), 3),
        "uniform_error_ratio": ratio,
        "target_met": bool(cmp_pipeline.recovered_fraction == 1.0 and ratio >= 10.0),
        "test_points": tests,
        "pipeline": result.summary(),
    }
