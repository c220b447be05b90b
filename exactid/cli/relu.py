"""``exactid certify relu``, ``exactid certify relu-box`` and ``exactid funcdim``."""

from __future__ import annotations

import argparse
import time

from ..errors import InputError
from ..networks.format import load_network, load_samples
from ..networks.funcdim import funcdim_distribution
from .common import (add_json_flag, add_output, emit, int_range, positive_float, rational, subgroup,
                     widths_spec, write_certificate)
from ..resources import ensure_fits, ensure_network_fits


MAX_FUNCDIM_SAMPLES = 1_000_000
MAX_FUNCDIM_SEEDS = 100_000


def register(sub, groups) -> None:
    certify = subgroup(sub, groups, "certify", "produce a certificate")
    p = certify.add_parser("relu", help="local identifiability of a ReLU network from samples (C_S / C_N)",
                           description="Local identifiability of a ReLU network's parameters from samples: identifiable when the Jacobian of the outputs has rank d - h (condition C_S), not_identifiable when its rank equals R_A < d - h (C_N fails), otherwise undecided.")
    p.add_argument("--net", required=True, metavar="NET.json", help="network file (JSON, ONNX, .npz; docs/networks-formats.md)")
    p.add_argument("--samples", required=True, metavar="X.json", help='sample file {"X": [[...], ...]}')
    add_output(p, "OUT", "write the certificate (.json or .json.gz)")
    add_json_flag(p)
    p.set_defaults(func=run_local)

    p = certify.add_parser("relu-box", help="identifiability of a one-hidden-layer ReLU network on [lo, hi]^n",
                           description="Is a one-hidden-layer ReLU network determined, up to rescalings and permutations, by its function on the box [lo, hi]^n? not_identifiable comes with an explicit second network.")
    p.add_argument("--net", required=True, metavar="NET.json")
    p.add_argument("--lo", type=rational, default="-1",
                   help="lower end of the box (rational, default -1; write negative values as --lo=-2)")
    p.add_argument("--hi", type=rational, default="1", help="upper end of the box (rational, default 1)")
    add_output(p, "OUT", "write the certificate (.json or .json.gz)")
    add_json_flag(p)
    p.set_defaults(func=run_box)

    p = sub.add_parser("funcdim", help="exact batch functional dimension rank J of a network on samples "
                                       "(or its distribution over random networks with --arch)",
                       description="The batch functional dimension: the rank of the Jacobian J of the outputs on the samples with respect to the parameters, exact when a verified upper bound meets the certified lower bound. With --net and --samples, of that network on those samples; with --arch, its distribution over random Gaussian networks of one architecture.")
    p.add_argument("--net", metavar="NET", help="network file (JSON, ONNX, .npz; docs/networks-formats.md)")
    p.add_argument("--samples", metavar="X",
                   help=f"with --net: the sample file; with --arch: samples per network, 1..{MAX_FUNCDIM_SAMPLES} (default 400)")
    p.add_argument("--arch", type=widths_spec(2, "at least an input and an output width", "--arch", 10_000),
                   help="widths of random Gaussian networks, e.g. 2,5,4,1 (the distribution experiment)")
    p.add_argument("--seeds", type=int_range(1, MAX_FUNCDIM_SEEDS, "--seeds"), default=10,
                   help=f"with --arch: number of random networks, 1..{MAX_FUNCDIM_SEEDS} (default 10)")
    p.add_argument("--scale", type=positive_float, default=1.0,
                   help="with --arch: weights N(0, scale^2/fan_in), biases N(0, scale^2)")
    p.add_argument("--denominator", type=int_range(1, 10**18, "--denominator"), default=None,
                   help="with --arch: round weights and samples to multiples of 1/D (default: exact conversion)")
    add_json_flag(p)
    p.set_defaults(func=run_funcdim)


def run_local(args) -> int:
    from ..api.networks import relu_local

    net = load_network(args.net)
    samples = load_samples(args.samples, width=net.widths[0])
    ensure_network_fits(net, samples.nrows())
    start = time.perf_counter()
    res = relu_local(net, samples)
    report = res.details
    payload = report.as_dict()
    if res.certificate is not None and args.output:
        write_certificate(args.output, res.certificate)
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
    from ..api.networks import relu_box

    net = load_network(args.net)
    ensure_network_fits(net, 1)
    res = relu_box(net, args.lo, args.hi)
    payload = res.details.as_dict()
    if res.certificate is not None and args.output:
        write_certificate(args.output, res.certificate)
        payload["certificate"] = args.output
    emit(args, payload, f"verdict: {res.verdict} ({res.reason})")
    return 0


def run_funcdim(args) -> int:
    if (args.net is None) == (args.arch is None):
        raise InputError("funcdim needs either --net NET --samples X, or --arch WIDTHS")
    if args.net is not None:
        if args.samples is None:
            raise InputError("funcdim --net needs --samples X")
        from ..api.networks import funcdim

        net = load_network(args.net)
        samples = load_samples(args.samples, width=net.widths[0])
        ensure_network_fits(net, samples.nrows())
        res = funcdim(net, samples)
        fd = res.details
        payload = {"verdict": str(res.verdict), **fd.as_dict()}
        relation = "=" if fd.status == "exact" else ">="
        lines = [f"rank J {relation} {fd.rank} ({fd.status}; upper bound {fd.upper_bound} from {fd.upper_bound_reason})",
                 f"d = {fd.d}  h = {fd.h}  d - h = {fd.d - fd.h}  J: {fd.n * fd.k}x{fd.d}  p = {fd.minor.p}"]
        emit(args, payload, "\n".join(lines))
        return 0
    widths = args.arch
    try:
        n = int_range(1, MAX_FUNCDIM_SAMPLES, "--samples")(args.samples) if args.samples is not None else 400
    except (argparse.ArgumentTypeError, ValueError) as exc:
        raise InputError(f"with --arch, --samples is a number of samples: {exc}") from None
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
    # the Jacobian mod p (n k x d) and the forward pass dominate; refuse what cannot fit
    ensure_fits(8 * n * (widths[-1] * d + 4 * sum(widths)), f"funcdim on {widths} with {n} samples")
    out = funcdim_distribution(widths, n, args.seeds, args.scale, args.denominator)
    conversion = "floats converted exactly" if args.denominator is None else f"rounded to multiples of 1/{args.denominator}"
    lines = [f"architecture {widths}: d = {out['d']}, h = {out['h']}, d - h = {out['d_minus_h']}; {n} Gaussian samples, "
             f"{args.seeds} Gaussian networks (scale {args.scale}, {conversion})",
             "exact ranks; '>= r' marks a certified lower bound where no upper bound met it",
             "", "| rank J | networks | fraction |", "|---|---|---|"]
    for rank, count in sorted(out["distribution"].items()):
        lines.append(f"| {rank if rank != 'None' else 'skipped (kink)'} | {count} | {count / args.seeds:.2f} |")
    payload = {"conversion": conversion, **out}
    emit(args, payload, "\n".join(lines))
    return 0
