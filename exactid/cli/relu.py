"""``exactid certify relu``, ``exactid certify relu-box`` and ``exactid funcdim``."""

from __future__ import annotations

import time

from ..certify.relu import local_certificate, shallow_certificate
from ..errors import InputError
from ..io.files import write_json
from ..networks.format import load_network, load_samples
from ..networks.funcdim import functional_dimension, funcdim_distribution
from ..networks.local_identifiability import analyze
from ..networks.relu_forward import exact_forward
from ..networks.shallow import analyze_shallow
from .common import add_json_flag, emit, parse_widths, subgroup


def register(sub, groups) -> None:
    certify = subgroup(sub, groups, "certify", "produce a certificate")
    p = certify.add_parser("relu", help="local identifiability of a ReLU network from samples (C_S / C_N)")
    p.add_argument("--net", required=True, metavar="NET.json", help="network file")
    p.add_argument("--samples", required=True, metavar="X.json", help='sample file {"X": [[...], ...]}')
    p.add_argument("-o", "--output", metavar="OUT", help="write the certificate (.json or .json.gz)")
    add_json_flag(p)
    p.set_defaults(func=run_local)

    p = certify.add_parser("relu-box", help="identifiability of a one-hidden-layer ReLU network on [lo, hi]^n")
    p.add_argument("--net", required=True, metavar="NET.json")
    p.add_argument("--lo", default="-1", help="lower end of the box (rational, default -1; write negative values as --lo=-2)")
    p.add_argument("--hi", default="1", help="upper end of the box (rational, default 1)")
    p.add_argument("-o", "--output", metavar="OUT")
    add_json_flag(p)
    p.set_defaults(func=run_box)

    p = sub.add_parser("funcdim", help="exact batch functional dimension rank J of a network on samples "
                                       "(or its distribution over random networks with --arch)")
    p.add_argument("--net", metavar="NET", help="network file")
    p.add_argument("--samples", metavar="X", help="sample file (with --net); with --arch: samples per network")
    p.add_argument("--arch", help="widths of random Gaussian networks, e.g. 2,5,4,1 (the distribution experiment)")
    p.add_argument("--seeds", type=int, default=10, help="with --arch: number of random networks (default 10)")
    p.add_argument("--scale", type=float, default=1.0, help="with --arch: weights N(0, scale^2/fan_in), biases N(0, scale^2)")
    p.add_argument("--denominator", type=int, default=None,
                   help="with --arch: round weights and samples to multiples of 1/D (default: exact conversion)")
    add_json_flag(p)
    p.set_defaults(func=run_funcdim)


def run_local(args) -> int:
    net, samples = load_network(args.net), load_samples(args.samples)
    start = time.perf_counter()
    fwd = exact_forward(net, samples)
    report = analyze(net, samples, fwd=fwd)
    payload = report.as_dict()
    if report.verdict in ("identifiable", "not_identifiable"):
        cert, _ = local_certificate(net, samples, report, fwd)
        if args.output:
            write_json(args.output, cert)
            payload["certificate"] = args.output
    payload["seconds_total"] = round(time.perf_counter() - start, 3)
    rank = ("rank J: not needed" if report.rank is None
            else f"rank J {'=' if report.rank_certified == 'exact' else '>='} {report.rank}")
    lines = [f"verdict: {report.verdict} ({report.reason})",
             f"{rank}  d = {report.d}  h = {report.h}  d - h = {report.d_minus_h}  R_A = {report.r_a}",
             f"samples n = {report.n}, outputs k = {report.k}, n*k >= d - h: {report.enough_rows}"]
    for c in report.constancy[:10]:
        lines.append(f"direction of constancy: {c.rule} (layer {c.layer}, index {c.index}), parameter {c.parameter}")
    if report.never_active:
        lines.append(f"neurons never active on X (layer, index): {report.never_active}")
    if report.always_active:
        lines.append(f"neurons always active on X (layer, index): {report.always_active}")
    if args.output and "certificate" in payload:
        lines.append(f"certificate written to {args.output}")
    emit(args, payload, "\n".join(lines))
    return 0


def run_box(args) -> int:
    net = load_network(args.net)
    try:
        report = analyze_shallow(net, args.lo, args.hi)
    except ValueError as exc:
        raise InputError(f"bad box bounds: {exc}") from None
    payload = report.as_dict()
    if report.verdict != "undecided" and args.output:
        cert, _ = shallow_certificate(net, args.lo, args.hi, report)
        write_json(args.output, cert)
        payload["certificate"] = args.output
    emit(args, payload, f"verdict: {report.verdict} ({report.reason})")
    return 0


def _parse_arch(text: str) -> list[int]:
    return parse_widths(text, "--arch", 2, "at least an input and an output width")


def run_funcdim(args) -> int:
    if (args.net is None) == (args.arch is None):
        raise InputError("funcdim needs either --net NET --samples X, or --arch WIDTHS")
    if args.net is not None:
        if args.samples is None:
            raise InputError("funcdim --net needs --samples X")
        net, samples = load_network(args.net), load_samples(args.samples)
        fd = functional_dimension(net, samples)
        payload = {"verdict": "decided", **fd.as_dict()}
        relation = "=" if fd.status == "exact" else ">="
        lines = [f"rank J {relation} {fd.rank} ({fd.status}; upper bound {fd.upper_bound} from {fd.upper_bound_reason})",
                 f"d = {fd.d}  h = {fd.h}  d - h = {fd.d - fd.h}  J: {fd.n * fd.k}x{fd.d}  p = {fd.minor.p}"]
        emit(args, payload, "\n".join(lines))
        return 0
    widths = _parse_arch(args.arch)
    try:
        n = 400 if args.samples is None else int(args.samples)
    except ValueError:
        raise InputError("with --arch, --samples is a number of samples") from None
    if n < 1 or args.seeds < 1:
        raise InputError("--samples and --seeds must be positive")
    out = funcdim_distribution(widths, n, args.seeds, args.scale, args.denominator)
    conversion = "floats converted exactly" if args.denominator is None else f"rounded to multiples of 1/{args.denominator}"
    lines = [f"architecture {widths}: d = {out['d']}, h = {out['h']}, d - h = {out['d_minus_h']}; {n} Gaussian samples, "
             f"{args.seeds} Gaussian networks (scale {args.scale}, {conversion})",
             "exact ranks; '>= r' marks a certified lower bound where no upper bound met it",
             "", "| rank J | networks | fraction |", "|---|---|---|"]
    for rank, count in sorted(out["distribution"].items()):
        lines.append(f"| {rank if rank != 'None' else 'skipped (kink)'} | {count} | {count / args.seeds:.2f} |")
    payload = {"verdict": "decided", "conversion": conversion, **out}
    emit(args, payload, "\n".join(lines))
    return 0
