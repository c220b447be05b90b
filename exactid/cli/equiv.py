"""``exactid equiv NET1.json NET2.json [-o OUT]``: do two networks compute the same function?"""

from __future__ import annotations

import time

from ..networks.format import load_network
from ..resources import ensure_network_fits
from .common import add_json_flag, add_output, emit, int_range, write_certificate


def register(sub, groups) -> None:
    p = sub.add_parser("equiv", help="exact equivalence of two networks (equivalent | not_equivalent | undecided)",
                       description="Do two networks compute the same function? equivalent comes with the symmetry operations mapping both onto the same parameters, not_equivalent with a rational input where ball-arithmetic enclosures of the outputs are disjoint; otherwise undecided.")
    p.add_argument("net1", metavar="NET1.json")
    p.add_argument("net2", metavar="NET2.json")
    add_output(p, "CERT", "write the certificate (.json or .json.gz)")
    p.add_argument("--precision", type=int_range(16, 20000, "--precision"), default=128,
                   help="ball arithmetic precision in bits, 16..20000 (default 128)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..api.networks import equivalent
    from ..errors import InputError

    if not 16 <= args.precision <= 20000:
        raise InputError("--precision must lie in 16..20000")
    start = time.perf_counter()
    net1, net2 = load_network(args.net1), load_network(args.net2)
    ensure_network_fits(net1, 1)
    ensure_network_fits(net2, 1)
    res = equivalent(net1, net2, precision=args.precision)
    result = res.details
    seconds = time.perf_counter() - start
    written = res.certificate is not None and args.output
    if written:
        write_certificate(args.output, res.certificate)
    payload = {"verdict": res.verdict, "reason": res.reason, "method": res.method, "seconds": round(seconds, 3)}
    text = f"{res.verdict}: {res.reason}"
    if res.verdict == "equivalent":
        payload["operations"] = list(res.operations)
        text += f" ({res.operations[0]} + {res.operations[1]} operations)"
    if res.verdict == "not_equivalent":
        k = res.output
        payload.update(point=res.point, output=k,
                       enclosures=[result.enclosures[0][k].str(radius=True), result.enclosures[1][k].str(radius=True)])
        text += f"\n  x = ({', '.join(res.point)}), output {k}: " \
                f"{payload['enclosures'][0]} vs {payload['enclosures'][1]}"
    if written:
        payload["certificate"] = args.output
        text += f"\n  certificate: {args.output}"
    emit(args, payload, text)
    return 0
