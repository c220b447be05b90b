"""``exactid recover``: recover a smooth network from queries (demo, network file, or Python callable)."""

from __future__ import annotations

import importlib
import re

import numpy as np

from ..errors import InputError
from ..progress import progress
from ..recovery.demo import DEMO_WIDTHS, DemoSettings, query_model, run_case, stage_report
from ..recovery.pipeline import RecoveryConfig
from ..resources import ensure_fits
from .common import add_json_flag, add_output, emit, int_range, parse_widths, positive_float, seed


MAX_POINTS = 10_000_000

_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _widths(text: str) -> list[int]:
    return parse_widths(text, "--widths", 3, "input, at least one hidden width and outputs")


def _numbers(text: str, flag: str, kind) -> list:
    try:
        values = [kind(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"{flag} must be comma-separated numbers, got {text!r}") from None
    if not values or min(values) <= 0:
        raise InputError(f"{flag} needs positive numbers, got {text!r}")
    return values


def register(sub, groups) -> None:
    p = sub.add_parser("recover", help="recover a smooth network from queries (entangled-weights pipeline)",
                       description="Recover a tanh/logistic network from queries to it alone: a random one "
                                   "compared with tuned gradient baselines (--demo), the network of a file used "
                                   "as a black box (--net), or a Python function (--target module:function; "
                                   "this imports the module you name, i.e. runs its code).")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--demo", action="store_true",
                      help="a random network (--widths, --seed), recovered and compared with the baselines")
    mode.add_argument("--net", metavar="NET.json",
                      help="a network file (tanh or logistic) queried as a black box; compared with the recovery")
    mode.add_argument("--target", metavar="MODULE:FUNCTION",
                      help="a Python function mapping an (n, d) array to (n, outputs) values; the module is "
                           "imported (its code runs); needs --widths and --activation")
    add_output(p, "OUT.json", "write the recovered network (network file format)")
    p.add_argument("--compare", metavar="TRUE.json",
                   help="with --target: the true network, to compare the recovery with")
    p.add_argument("--seed", type=seed, default=0, help="seed of the true network and of every random choice (0)")
    p.add_argument("--widths", default=None,
                   help="d,hidden...,outputs (demo default 20,20,6,1; with --net read from the file)")
    p.add_argument("--activation", choices=("tanh", "logistic"), default=None,
                   help="demo and --target (default tanh); with --net read from the file")
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
    p.add_argument("--deeper-starts", type=int_range(1, 10_000, "--deeper-starts"), default=16,
                   help="three or more hidden layers: starts of the multistart search (16)")
    p.add_argument("--baseline-epochs", default="100,300", help="demo: Adam epochs grid (100,300)")
    p.add_argument("--baseline-rates", default="0.001,0.003,0.01", help="demo: Adam learning-rate grid")
    p.add_argument("--baseline-lm-starts", type=int_range(0, 10_000, "--baseline-lm-starts"), default=3,
                   help="demo: Levenberg-Marquardt baseline starts (3; 0 disables it)")
    p.add_argument("--test-points", type=int_range(1, MAX_POINTS, "--test-points"), default=100_000, help="held-out points in the unit ball (100000)")
    add_json_flag(p)
    p.set_defaults(func=run)


def _config(args) -> RecoveryConfig:
    return RecoveryConfig(num_hessians=args.num_hessians, radius=args.radius, step=args.step,
                          min_gap=args.min_gap, strict=args.strict, restarts=args.restarts,
                          iterations=args.iterations, fit_points=args.fit_points,
                          fit_radius=args.fit_radius, scale_shift_iterations=args.scale_shift_iterations,
                          finetune_iterations=args.finetune_iterations, seed=args.seed, method=args.method,
                          far_radius=args.far_radius, far_lines=args.far_lines, deeper_starts=args.deeper_starts)


def _ensure_fits(widths: list[int], args) -> None:
    """Refuse, before any query, a recovery whose largest arrays cannot fit in memory."""
    params = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
    fit = args.fit_points or 4 * params
    hessians = args.num_hessians or 2 * sum(widths[1:-1])
    # the least-squares Jacobian, the held-out forward pass and the Hessian span dominate
    estimate = 8 * (2 * fit * params + 2 * args.test_points * sum(widths) + hessians * widths[0] ** 2 * 2)
    ensure_fits(estimate, f"recovering a {widths} network with {fit} fit points and {args.test_points} test points")


def run(args) -> int:
    config = _config(args)
    if args.compare and not args.target:
        raise InputError("--compare goes with --target (with --net the file is the truth)")
    if args.demo:
        if args.output:
            raise InputError("-o goes with --net or --target")
        return _run_demo(args, config)
    return _run_black_box(args, config)


def _run_demo(args, config: RecoveryConfig) -> int:
    settings = DemoSettings(widths=_widths(args.widths) if args.widths else list(DEMO_WIDTHS),
                            activation=args.activation or "tanh", seed=args.seed,
                            baseline_epochs=_numbers(args.baseline_epochs, "--baseline-epochs", int),
                            baseline_rates=_numbers(args.baseline_rates, "--baseline-rates", float),
                            lm_starts=args.baseline_lm_starts, test_points=args.test_points, config=config)
    _ensure_fits(settings.widths, args)
    report = run_case(settings, progress=lambda desc, total: progress(total, desc))
    if report.get("stopped"):
        emit(args, report, f"undecided: {report['reason']}")
        return 0
    pipe = report["pipeline"]
    base = report["baselines"]
    lines = [
        f"network {report['widths']} ({report['activation']}), seed {report['seed']}",
        _method_line(pipe),
        *_stage_lines(report["stages"]),
        f"queries: {report['queries']} (largest |x| = {report['query_model']['pipeline']['max_norm']:.4g}); "
        f"baselines sample the unit ball",
        f"{'':22s} {'entangled ok':>12s} {'param err':>10s} {'uniform err':>12s} {'MSE':>10s} {'samples':>8s}",
        f"{'pipeline':22s} {report['recovered_fraction']:12.3f} {report['parameter_error_aligned']:10.2e} "
        f"{report['uniform_error']:12.3e} {report['mse']:10.2e} {report['queries']:8d}",
    ]
    for key, label in (("adam", "Adam (best of grid)"), ("levenberg_marquardt", "LM (best start)"),
                       ("adam_same_points", "Adam (pipeline points)")):
        if key in base:
            b = base[key]
            lines.append(f"{label:22s} {b['recovered_fraction']:12.3f} {b['parameter_error_aligned']:10.2e} "
                         f"{b['uniform_error']:12.3e} {b['mse']:10.2e} {b['samples']:8d}")
    lines.append(f"uniform error ratio best baseline ({report['best_baseline']}) / pipeline: "
                 f"{report['uniform_error_ratio']:.3g} (target: all entangled weights and ratio >= 10: "
                 f"{'met' if report['target_met'] else 'NOT met'})")
    emit(args, report, "\n".join(lines))
    return 0


def _method_line(pipe: dict) -> str:
    line = f"method: {pipe['method']}"
    if pipe["method"] == "layered":
        line += (f"; first layer from {pipe['far_field']['lines']} far-field lines ({pipe['queries_far_field']} "
                 f"queries), gradient-completion gap {pipe['gradient_gap']:.3g}")
    line += f"\nspan: dimension {pipe['span_dimension']}, gap {pipe['gap']:.3g}"
    if not pipe["gap_ok"]:
        line += f"  WARNING: {pipe['gap_reason']}; continued anyway (use --strict to stop)"
    return line


def _stage_lines(stages: list) -> list[str]:
    out = []
    for s in stages:
        text = f"  stage {s['stage']}: "
        if "validation_residual" in s:
            text += f"validation residual {s['validation_residual']:.2e}"
        if "starts" in s:
            text += f" after {s['starts']} start(s){'' if s.get('accepted') else ' (none accepted)'}"
        if "gap" in s:
            text += f"gap {s['gap']:.3g}, residual {s['residual']:.2e}"
        if "scale_shift_misfit" in s:
            text += (f"rank-one check {s['worst_rank_one_check']:.1e}, scale/shift misfit "
                     f"{s['scale_shift_misfit']:.1e}")
        if "truth" in s:
            t = s["truth"]
            text += (f"; vs truth: layers {', '.join(f'{x:.2f}' for x in t['layer_fractions'])}, "
                     f"param err {t['parameter_error_aligned']:.2e}")
        if s["stage"] == "selected":
            text += f" ({s['network']})"
        out.append(text)
    return out


def _load_target(spec: str):
    module_name, sep, function_name = spec.partition(":")
    if not sep or not _DOTTED.match(module_name) or not _NAME.match(function_name):
        raise InputError(f"--target must be MODULE:FUNCTION with Python identifiers, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"--target: cannot import {module_name!r}: {exc}") from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise InputError(f"--target: {module_name!r} has no callable {function_name!r}")
    return function


def _float_network(path: str):
    from ..networks.format import load_network
    from ..recovery.network import ACTIVATIONS, FloatNetwork

    exact = load_network(path)
    if exact.activation not in ACTIVATIONS:
        raise InputError(f"{path}: activation {exact.activation!r} is not smooth-recoverable here "
                         f"(use one of {ACTIVATIONS})")
    if exact.depth < 2:
        raise InputError(f"{path}: the network needs at least one hidden layer")
    ws, bs = exact.to_numpy()
    return FloatNetwork(exact.activation, ws, bs)


def _run_black_box(args, config: RecoveryConfig) -> int:
    from ..networks.format import Network, save_network
    from ..recovery.compare import compare
    from ..recovery.hessians import CountingOracle
    from ..recovery.pipeline import recover
    from ..recovery.span import NoSpectralGapError

    truth = None
    if args.net:
        truth = _float_network(args.net)
        if args.widths and _widths(args.widths) != truth.widths:
            raise InputError(f"--widths {args.widths} differ from the widths {truth.widths} of {args.net}")
        if args.activation and args.activation != truth.activation:
            raise InputError(f"--activation {args.activation} differs from {truth.activation} in {args.net}")
        widths, activation, f = truth.widths, truth.activation, truth
    else:
        if not args.widths:
            raise InputError("--target needs --widths d,hidden...,outputs")
        widths, activation = _widths(args.widths), args.activation or "tanh"
        if args.compare:
            truth = _float_network(args.compare)
            if truth.widths != widths or truth.activation != activation:
                raise InputError(f"{args.compare}: widths {truth.widths} ({truth.activation}) differ from "
                                 f"--widths {widths} ({activation})")
        target = _load_target(args.target)

        def f(X: np.ndarray) -> np.ndarray:
            try:
                return np.asarray(target(X), dtype=np.float64)
            except Exception as exc:  # the user's function failed: say so in one line
                raise InputError(f"--target {args.target} raised {type(exc).__name__}: {exc}") from None
    _ensure_fits(widths, args)
    oracle = CountingOracle(f, record=True)
    try:
        result = recover(oracle, widths, activation, config, progress=lambda desc, total: progress(total, desc))
    except NoSpectralGapError as exc:
        emit(args, {"verdict": "undecided", "stopped": "no_spectral_gap", "reason": str(exc)},
             f"undecided: {exc}")
        return 0
    pipe = result.summary()
    report = {"verdict": "recovered", "widths": widths, "activation": activation, "queries": oracle.queries,
              "query_model": query_model(oracle.points()), "pipeline": pipe, "selected": result.selected,
              "validation_residual": pipe["stages"][-1]["validation_residual"], "output": args.output}
    if truth is not None:
        c = compare(truth, result.network, test_points=args.test_points, seed=args.seed + 777)
        report["comparison"] = c.to_dict()
        report["stages"] = stage_report(truth, result, min(args.test_points, 10_000), args.seed + 777)
    else:
        report["stages"] = pipe["stages"]
    if args.output:
        net = result.network
        save_network(args.output, Network.from_numpy(activation, net.weights, net.biases))
    lines = [f"black box {args.net or args.target}: widths {widths} ({activation}), {oracle.queries} queries "
             f"(largest |x| = {report['query_model']['max_norm']:.4g})",
             _method_line(pipe), *_stage_lines(report["stages"])]
    if truth is not None:
        c = report["comparison"]
        lines.append(f"vs the true network: entangled ok {c['recovered_fraction']:.3f} (per layer "
                     f"{', '.join(f'{x:.2f}' for x in c['layer_fractions'])}), aligned parameter error "
                     f"{c['parameter_error']:.2e}, uniform error {c['uniform_error']:.2e}, MSE {c['mse']:.2e} "
                     f"({c['test_points']} points in the unit ball)")
    if args.output:
        lines.append(f"recovered network written to {args.output}")
    emit(args, report, "\n".join(lines))
    return 0
