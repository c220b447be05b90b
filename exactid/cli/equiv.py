"""``exactid equiv NET1.json NET2.json [-o OUT]``: do two networks compute the same function?"""

from __future__ import annotations

import time

from ..certify.equivalence import equivalence_certificate
from ..networks.equivalence import decide_equivalence
from ..networks.format import load_network
from ..resources import ensure_network_fits
from .common import add_json_flag, add_output, emit, int_range, write_certificate


def register(sub, groups) -> None:
    p = sub.add_parser("equiv", help="exact equivalence of two networks (equivalent | not_equivalent | undecided)")
    p.add_argument("net1", metavar="NET1.json")
    p.add_argument("net2", metavar="NET2.json")
    add_output(p, "CERT", "write the certificate (.json or .json.gz)")
    p.add_argument("--precision", type=int_range(16, 20000, "--precision"), default=128,
                   help="ball arithmetic precision in bits, 16..20000 (default 128)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..errors import InputError

    if not 16 <= args.precision <= 20000:
        raise InputError("--precision must lie in 16..20000")
    start = time.perf_counter()
    net1, net2 = load_network(args.net1), load_network(args.net2)
    ensure_network_fits(net1, 1)
    ensure_network_fits(net2, 1)
    result = decide_equivalence(net1, net2, prec=args.precision)
    seconds = time.perf_counter() - start
    cert = equivalence_certificate(net1, net2, result, seconds)
    if cert is not None and args.output:
        write_certificate(args.output, cert)
    payload = {"verdict": result.verdict, "reason": result.reason, "method": result.method,
               "seconds": round(seconds, 3)}
    text = f"{result.verdict}: {result.reason}"
    if result.verdict == "equivalent":
        payload["operations"] = [len(result.ops1), len(result.ops2)]
        text += f" ({len(result.ops1)} + {len(result.ops2)} operations)"
    if result.verdict == "not_equivalent":
        k = result.output_index
        payload.update(point=[str(v) for v in result.point], output=k,
                       enclosures=[result.enclosures[0][k].str(radius=True), result.enclosures[1][k].str(radius=True)])
        text += f"\n  x = ({', '.join(str(v) for v in result.point)}), output {k}: " \
                f"{payload['enclosures'][0]} vs {payload['enclosures'][1]}"
    if cert is not None and args.output:
        payload["certificate"] = args.output
        text += f"\n  certificate: {args.output}"
    emit(args, payload, text)
    return 0
