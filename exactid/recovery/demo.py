"""The benchmark case run end to end: pipeline and baseline on the same random network."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np

from .baseline import train_adam
from .compare import compare
from .network import random_pyramidal, sample_ball
from .pipeline import RecoveryConfig, recover
from .span import NoSpectralGapError

DEMO_WIDTHS = (20, 20, 6, 1)


@dataclass
class DemoSettings:
    """Settings of :func:`run_case` (defaults: the issue's benchmark case).

    widths : ``[d, hidden..., outputs]`` of the random true network (default ``20, 20, 6, 1``).
    activation : ``tanh`` or ``logistic``.  seed : seeds the true network and everything else.
    baseline_epochs, baseline_batch : Adam budget of the baseline (defaults 100 epochs, batch 128).
    test_points : held-out points, uniform in the unit ball (default 100,000).
    """

    widths: Sequence[int] = DEMO_WIDTHS
    activation: str = "tanh"
    seed: int = 0
    baseline_epochs: int = 100
    baseline_batch: int = 128
    test_points: int = 100_000
    config: Optional[RecoveryConfig] = None


def run_case(settings: DemoSettings, progress: Optional[Callable] = None) -> dict:
    """Recover a random network by the pipeline and by the baseline; compare both to the truth.

    Returns a JSON-ready dict: per method the fraction of entangled weights with
    ``|cos| > 0.999``, uniform error and MSE on the held-out points, queries and seconds, plus the
    pipeline's diagnostics (gap, candidates, query counts per phase).
    """
    widths = list(settings.widths)
    true = random_pyramidal(widths, settings.activation, seed=settings.seed)
    cfg = settings.config or RecoveryConfig(strict=False, seed=settings.seed)
    start = time.perf_counter()
    try:
        result = recover(true, widths, settings.activation, cfg, progress=progress)
    except NoSpectralGapError as exc:  # strict mode: report the refusal itself
        return {"verdict": "undecided", "stopped": "no_spectral_gap", "reason": str(exc),
                "gap": exc.estimate.gap, "widths": widths}
    pipeline_seconds = time.perf_counter() - start
    cmp_pipeline = compare(true, result.network, test_points=settings.test_points, seed=settings.seed + 777)
    cmp_initial = compare(true, result.initial_network, test_points=min(settings.test_points, 10_000),
                          seed=settings.seed + 777)

    rng = np.random.default_rng(settings.seed + 999)
    samples = result.queries
    X = sample_ball(samples, widths[0], 1.0, rng)
    Y = true(X)
    start = time.perf_counter()
    if progress is not None:
        with progress("baseline (Adam)", settings.baseline_epochs) as bar:
            base = train_adam(X, Y, widths, settings.activation, epochs=settings.baseline_epochs,
                              batch_size=settings.baseline_batch, seed=settings.seed, progress=bar)
    else:
        base = train_adam(X, Y, widths, settings.activation, epochs=settings.baseline_epochs,
                          batch_size=settings.baseline_batch, seed=settings.seed)
    baseline_seconds = time.perf_counter() - start
    cmp_base = compare(true, base.network, test_points=settings.test_points, seed=settings.seed + 777)
    ratio = cmp_base.uniform_error / max(cmp_pipeline.uniform_error, 1e-300)
    return {
        "verdict": "undecided", "reason": "floating-point recovery: measured, not certified",
        "widths": widths, "activation": settings.activation, "seed": settings.seed,
        "recovered_fraction": cmp_pipeline.recovered_fraction,
        "recovered_fraction_before_finetune": cmp_initial.recovered_fraction,
        "min_entangled_cos": cmp_pipeline.min_entangled_cos,
        "uniform_error": cmp_pipeline.uniform_error, "mse": cmp_pipeline.mse,
        "parameter_error_aligned": cmp_pipeline.parameter_error,
        "queries": result.queries, "seconds": round(pipeline_seconds, 3),
        "baseline_recovered_fraction": cmp_base.recovered_fraction,
        "baseline_uniform_error": cmp_base.uniform_error, "baseline_mse": cmp_base.mse,
        "baseline_samples": samples, "baseline_epochs": base.epochs, "baseline_seconds": round(baseline_seconds, 3),
        "uniform_error_ratio": ratio, "target_met": bool(cmp_pipeline.recovered_fraction == 1.0 and ratio >= 10.0),
        "test_points": settings.test_points,
        "pipeline": result.summary(),
    }
