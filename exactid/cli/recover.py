"""``exactid recover --demo``: the entangled-weights pipeline against gradient training."""

from __future__ import annotations

from ..progress import progress
from ..recovery.demo import DEMO_WIDTHS, DemoSettings, run_case
from ..recovery.pipeline import RecoveryConfig
from .common import add_json_flag, emit, int_range, nonnegative_int, parse_widths, positive_float, positive_int, seed, widths_spec
from ..resources import ensure_fits


MAX_WIDTH = 10_000
MAX_POINTS = 10_000_000


def _widths(text: str) -> list[int]:
    return parse_widths(text, "--widths", 3, "input, at least one hidden width and outputs")


def register(sub, groups) -> None:
    p = sub.add_parser("recover", help="recover a smooth network from queries (entangled-weights pipeline)",
                       description="Recover a random tanh/logistic network from queries by the entangled-"
                                   "weights pipeline and compare with gradient training on as many samples.")
    p.add_argument("--demo", action="store_true", required=True,
                   help="run the benchmark case (a random network; the only mode for now)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the true network and of every random choice (0)")
    p.add_argument("--widths", default=",".join(map(str, DEMO_WIDTHS)),
                   type=widths_spec(3, "input, at least one hidden width and outputs", "--widths", MAX_WIDTH),
                   help="d,hidden...,outputs of the random network (default 20,20,6,1)")
    p.add_argument("--activation", choices=("tanh", "logistic"), default="tanh")
    p.add_argument("--method", choices=("auto", "joint", "layered"), default="auto",
                   help="joint: one span of Hessians near 0 for all layers; layered: first layer from the far "
                        "field, deeper layers from Hessians in its coordinates; auto (default): joint for one "
                        "hidden layer, layered otherwise")
    p.add_argument("--far-radius", type=positive_float, default=1000.0, help="distance of the far-field lines (1000)")
    p.add_argument("--far-lines", type=int_range(1, 100_000, "--far-lines"), default=None, help="far-field lines to try (default 4 + m1)")
    p.add_argument("--num-hessians", type=int_range(1, 100_000, "--num-hessians"), default=None,
                   help="joint method: Hessian points (default 2 x hidden neurons)")
    p.add_argument("--radius", type=positive_float, default=0.5, help="joint method: radius of the Hessian points (0.5)")
    p.add_argument("--step", type=positive_float, default=5e-4, help="finite-difference step (5e-4)")
    p.add_argument("--min-gap", type=positive_float, default=10.0, help="required singular-value gap (10)")
    p.add_argument("--strict", action="store_true",
                   help="stop (verdict undecided) when the gap is missing instead of continuing with a warning")
    p.add_argument("--restarts", type=int_range(1, 1_000_000, "--restarts"), default=None, help="power-iteration restarts (default 10 x neurons)")
    p.add_argument("--iterations", type=int_range(1, 1_000_000, "--iterations"), default=300, help="power-iteration steps per restart (300)")
    p.add_argument("--fit-points", type=int_range(1, MAX_POINTS, "--fit-points"), default=None, help="queries for least squares and fine-tuning "
                                                                "(default 4 x parameters)")
    p.add_argument("--fit-radius", type=positive_float, default=3.0, help="radius of the ball of the fit queries (3)")
    p.add_argument("--scale-shift-iterations", type=int_range(0, 1_000_000, "--scale-shift-iterations"), default=100,
                   help="Levenberg-Marquardt steps over scalings and shifts only (100)")
    p.add_argument("--finetune-iterations", type=int_range(0, 1_000_000, "--finetune-iterations"), default=150,
                   help="Levenberg-Marquardt steps on all parameters (150)")
    p.add_argument("--baseline-epochs", type=int_range(1, 1_000_000, "--baseline-epochs"), default=100, help="Adam epochs of the baseline (100)")
    p.add_argument("--test-points", type=int_range(1, MAX_POINTS, "--test-points"), default=100_000, help="held-out points in the unit ball (100000)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    widths = _widths(args.widths)
    params = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
    fit = args.fit_points or 4 * params
    hessians = args.num_hessians or 2 * sum(widths[1:-1])
    # the largest arrays: the least-squares Jacobian, the held-out forward pass, the Hessian span
    estimate = 8 * (2 * fit * params + 2 * args.test_points * sum(widths) + hessians * widths[0] ** 2 * 2)
    ensure_fits(estimate, f"recovering a {widths} network with {fit} fit points and {args.test_points} test points")
    config = RecoveryConfig(num_hessians=args.num_hessians, radius=args.radius, step=args.step,
                            min_gap=args.min_gap, strict=args.strict, restarts=args.restarts,
                            iterations=args.iterations, fit_points=args.fit_points,
                            fit_radius=args.fit_radius, scale_shift_iterations=args.scale_shift_iterations,
                            finetune_iterations=args.finetune_iterations, seed=args.seed, method=args.method,
                            far_radius=args.far_radius, far_lines=args.far_lines)
    settings = DemoSettings(widths=widths, activation=args.activation, seed=args.seed,
                            baseline_epochs=args.baseline_epochs, test_points=args.test_points, config=config)
    report = run_case(settings, progress=lambda desc, total: progress(total, desc))
    if report.get("stopped"):
        emit(args, report, f"undecided: {report['reason']}")
        return 0
    pipe = report["pipeline"]
    lines = [
        f"network {report['widths']} ({report['activation']}), seed {report['seed']}",
        f"method: {pipe['method']}"
        + (f"; first layer from {pipe['far_field']['lines']} far-field lines ({pipe['queries_far_field']} queries), "
           f"gradient-completion gap {pipe['gradient_gap']:.3g}" if pipe["method"] == "layered" else ""),
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
