"""``exactid certify relu``, ``exactid certify relu-box`` and ``exactid funcdim``."""

from __future__ import annotations

import time
from collections import Counter

from ..networks.format import load_network, load_samples
from ..networks.relu import (DEFAULT_PRIME, forward, jacobian_exact, jacobian_mod_p, nmod_mat_from_array, random_network,
                             random_samples)
from ..networks.pathlifting import gram_matrix
from ..linalg.rank import certified_rank
from .common import (add_json_flag, add_output, emit, int_range, parse_widths, positive_float, rational, subgroup,
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

    p = sub.add_parser("funcdim", help="distribution of the exact batch functional dimension rank J",
                       description="Distribution of the exact batch functional dimension (the rank of the Jacobian J of the outputs on the samples) over random Gaussian networks of one architecture.")
    p.add_argument("--arch", required=True, type=widths_spec(2, "at least an input and an output width", "--arch", 10_000),
                   help="widths, e.g. 2,5,4,1")
    p.add_argument("--samples", type=int_range(1, MAX_FUNCDIM_SAMPLES, "--samples"), default=400,
                   help=f"samples per network, 1..{MAX_FUNCDIM_SAMPLES} (default 400)")
    p.add_argument("--seeds", type=int_range(1, MAX_FUNCDIM_SEEDS, "--seeds"), default=10,
                   help=f"number of random networks, 1..{MAX_FUNCDIM_SEEDS} (default 10)")
    p.add_argument("--scale", type=positive_float, default=1.0, help="weights N(0, scale^2/fan_in), biases N(0, scale^2)")
    p.add_argument("--denominator", type=int_range(1, 10**18, "--denominator"), default=None,
                   help="round weights and samples to multiples of 1/D (default: exact conversion of the floats)")
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
    lines = [f"verdict: {report.verdict} ({report.reason})",
             f"rank J {'=' if report.rank_certified == 'exact' else '>='} {report.rank}  d = {report.d}  h = {report.h}  d - h = {report.d_minus_h}  R_A = {report.r_a}",
             f"samples n = {report.n}, outputs k = {report.k}, n*k >= d - h: {report.enough_rows}"]
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


def _parse_arch(text: str) -> list[int]:
    return parse_widths(text, "--arch", 2, "at least an input and an output width")


def funcdim_one(widths: list[int], n: int, seed: int, scale: float, denominator) -> dict:
    """Exact rank J for one random Gaussian network.

    rank J mod p is a lower bound; it is exact when it reaches d - h or R_A = k rank K (both
    upper bounds, K's rank certified exactly).  Otherwise, for small Jacobians, the exact rank
    comes from :func:`certified_rank`; for large ones the lower bound is reported as such.
    """
    net = random_network(widths, seed, scale=scale, denominator=denominator)
    X = random_samples(n, widths[0], 10_000 + seed, denominator=denominator)
    fwd = forward(net, X)
    if fwd.zero_preactivations():
        return {"seed": seed, "rank": None, "exact": False, "note": "a hidden pre-activation is exactly 0"}
    J = jacobian_mod_p(net, X, DEFAULT_PRIME, fwd)
    rank = nmod_mat_from_array(J, DEFAULT_PRIME).rank()
    d_minus_h = net.num_parameters - net.num_hidden
    exact = rank == d_minus_h
    if not exact:
        r_a = widths[-1] * certified_rank(gram_matrix(X, fwd.patterns())).rank
        exact = rank == r_a
    if not exact and J.size <= 200_000:
        rank, exact = certified_rank(jacobian_exact(net, X, fwd)).rank, True
    return {"seed": seed, "rank": rank, "exact": exact, "d_minus_h": d_minus_h}


def run_funcdim(args) -> int:
    widths = _parse_arch(args.arch)
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
    # the Jacobian mod p (n k x d, int64) and the forward pass dominate; refuse what cannot fit
    ensure_fits(8 * args.samples * (widths[-1] * d + 4 * sum(widths)), f"funcdim on {widths} with {args.samples} samples")
    rows = [funcdim_one(widths, args.samples, seed, args.scale, args.denominator) for seed in range(args.seeds)]
    ranks = Counter(r["rank"] if r["exact"] or r["rank"] is None else f">= {r['rank']}" for r in rows)
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
    h = sum(widths[1:-1])
    conversion = "floats converted exactly" if args.denominator is None else f"rounded to multiples of 1/{args.denominator}"
    lines = [f"architecture {widths}: d = {d}, h = {h}, d - h = {d - h}; {args.samples} Gaussian samples, "
             f"{args.seeds} Gaussian networks (scale {args.scale}, {conversion})",
             "exact ranks; '>= r' marks a certified lower bound where the exact rank was too costly",
             "", "| rank J | networks | fraction |", "|---|---|---|"]
    for rank, count in sorted(ranks.items(), key=lambda t: (t[0] is None, str(t[0]))):
        lines.append(f"| {rank if rank is not None else 'skipped'} | {count} | {count / len(rows):.2f} |")
    verdict = "exact" if all(r["exact"] for r in rows) else "lower_bound" if all(r["rank"] is not None for r in rows) \
        else "undecided"
    payload = {"verdict": verdict, "arch": widths, "d": d, "h": h, "d_minus_h": d - h, "samples": args.samples,
               "conversion": conversion, "distribution": {str(k): v for k, v in ranks.items()}, "runs": rows}
    emit(args, payload, "\n".join(lines))
    return 0
