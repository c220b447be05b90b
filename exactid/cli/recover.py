"""``exactid recover --demo``: the entangled-weights pipeline against gradient training."""

from __future__ import annotations

from ..errors import InputError
from ..progress import progress
from ..recovery.demo import DEMO_WIDTHS, DemoSettings, run_case
from ..recovery.pipeline import RecoveryConfig
from .common import add_json_flag, emit


def _widths(text: str) -> list[int]:
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"--widths must be comma-separated integers, got {text!r}") from None
    if len(widths) < 3 or min(widths) < 1:
        raise InputError(f"--widths needs input, at least one hidden width and outputs, all positive: {text!r}")
    return widths


def register(sub, groups) -> None:
    p = sub.add_parser("recover", help="recover a smooth network from queries (entangled-weights pipeline)",
                       description="Recover a random tanh/logistic network from queries by the entangled-"
                                   "weights pipeline and compare with gradient training on as many samples.")
    p.add_argument("--demo", action="store_true", required=True,
                   help="run the benchmark case (a random network; the only mode for now)")
    p.add_argument("--seed", type=int, default=0, help="seed of the true network and of every random choice (0)")
    p.add_argument("--widths", default=",".join(map(str, DEMO_WIDTHS)),
                   help="d,hidden...,outputs of the random network (default 20,20,6,1)")
    p.add_argument("--activation", choices=("tanh", "logistic"), default="tanh")
    p.add_argument("--num-hessians", type=int, default=None, help="Hessian points (default 2 x hidden neurons)")
    p.add_argument("--radius", type=float, default=0.5, help="radius of the Hessian points (0.5)")
    p.add_argument("--step", type=float, default=5e-4, help="finite-difference step (5e-4)")
    p.add_argument("--min-gap", type=float, default=10.0, help="required singular-value gap (10)")
    p.add_argument("--strict", action="store_true",
                   help="stop (verdict undecided) when the gap is missing instead of continuing with a warning")
    p.add_argument("--restarts", type=int, default=None, help="power-iteration restarts (default 10 x neurons)")
    p.add_argument("--iterations", type=int, default=300, help="power-iteration steps per restart (300)")
    p.add_argument("--fit-points", type=int, default=None, help="queries for least squares and fine-tuning "
                                                                "(default 4 x parameters)")
    p.add_argument("--finetune-iterations", type=int, default=150, help="Levenberg-Marquardt steps (150)")
    p.add_argument("--baseline-epochs", type=int, default=100, help="Adam epochs of the baseline (100)")
    p.add_argument("--test-points", type=int, default=100_000, help="held-out points in the unit ball (100000)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    for name in ("num_hessians", "restarts", "fit_points"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise InputError(f"--{name.replace('_', '-')} must be positive")
    if args.radius <= 0 or args.step <= 0 or args.test_points < 1 or args.baseline_epochs < 1:
        raise InputError("--radius, --step, --test-points and --baseline-epochs must be positive")
    config = RecoveryConfig(num_hessians=args.num_hessians, radius=args.radius, step=args.step,
                            min_gap=args.min_gap, strict=args.strict, restarts=args.restarts,
                            iterations=args.iterations, fit_points=args.fit_points,
                            finetune_iterations=args.finetune_iterations, seed=args.seed)
    settings = DemoSettings(widths=_widths(args.widths), activation=args.activation, seed=args.seed,
                            baseline_epochs=args.baseline_epochs, test_points=args.test_points, config=config)
    report = run_case(settings, progress=lambda desc, total: progress(total, desc))
    if report.get("stopped"):
        emit(args, report, f"undecided: {report['reason']}")
        return 0
    pipe = report["pipeline"]
    lines = [
        f"network {report['widths']} ({report['activation']}), seed {report['seed']}",
        f"span: dimension {pipe['span_dimension']}, gap {pipe['gap']:.3g}"
        + ("" if pipe["gap_ok"] else f"  WARNING: {pipe['gap_reason']}; continued anyway (use --strict to stop)"),
        f"{'':10s} {'entangled ok':>12s} {'uniform err':>12s} {'MSE':>10s} {'queries':>8s} {'seconds':>8s}",
        f"{'pipeline':10s} {report['recovered_fraction']:12.3f} {report['uniform_error']:12.3e} "
        f"{report['mse']:10.2e} {report['queries']:8d} {report['seconds']:8.1f}",
        f"{'baseline':10s} {report['baseline_recovered_fraction']:12.3f} {report['baseline_uniform_error']:12.3e} "
        f"{report['baseline_mse']:10.2e} {report['baseline_samples']:8d} {report['baseline_seconds']:8.1f}",
        f"uniform error ratio baseline/pipeline: {report['uniform_error_ratio']:.3g} "
        f"(target: all entangled weights and ratio >= 10: {'met' if report['target_met'] else 'NOT met'})",
    ]
    emit(args, report, "\n".join(lines))
    return 0
