"""Network equivalence: exact decision + certificate + check, against a float heuristic.

The peer is what one would do without exactid: compare the two networks' numpy float outputs
on 1000 random inputs with a tolerance (no proof either way).  Medians of several runs; the
machine is shared, so the numbers are noisy.  Run: .venv/bin/python benchmarks/bench_equivalence.py
"""

from __future__ import annotations

import json
import os
import random
from fractions import Fraction

import numpy as np

import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import median_time  # noqa: E402

from exactid.certify.equivalence import equivalence_certificate
from exactid.checker import check_document
from exactid.networks.actions import random_orbit_member
from exactid.networks.equivalence import decide_equivalence
from exactid.networks.format import Network, network_from_json, random_rational_network

RUNS = 3
NUMPY = {"tanh": np.tanh, "logistic": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0)}


def float_peer(net1: Network, net2: Network) -> bool:
    X = np.random.default_rng(0).normal(size=(1000, net1.widths[0])) * 2
    outs = []
    for net in (net1, net2):
        ws, bs = net.to_numpy()
        h = X.T
        for k, (w, b) in enumerate(zip(ws, bs)):
            h = w @ h + b[:, None]
            if k < len(ws) - 1:
                h = NUMPY[net.activation](h)
        outs.append(h)
    return bool(np.allclose(outs[0], outs[1], rtol=1e-9, atol=1e-9))


def main() -> None:
    rows = ["| activation | widths | pair | verdict | decide + certificate (s) | check (s) | float peer (s) | peer says equal |",
            "|---|---|---|---|---|---|---|---|"]
    for act, widths in [("tanh", (16, 32, 4)), ("tanh", (64, 128, 128, 10)), ("logistic", (784, 100, 10)),
                        ("relu", (64, 128, 128, 10))]:
        net = random_rational_network(act, widths, 1)
        member, _ = random_orbit_member(net, random.Random(2))
        js = member.to_json()
        js["layers"][-2]["b"][0] = str(Fraction(js["layers"][-2]["b"][0]) + Fraction(1, 10**6))
        perturbed = network_from_json(js)
        for label, other in (("orbit member", member), ("bias + 1e-6", perturbed)):
            seconds, cert = median_time(lambda: equivalence_certificate(net, other, decide_equivalence(net, other)), RUNS)
            doc = json.loads(json.dumps(cert))
            check_seconds, _ = median_time(lambda: check_document(doc), RUNS)
            peer_seconds, peer = median_time(lambda: float_peer(net, other), RUNS)
            rows.append(f"| {act} | {'-'.join(map(str, widths))} | {label} | {cert['claim']['verdict']} | "
                        f"{seconds:.3f} | {check_seconds:.3f} | {peer_seconds:.3f} | {peer} |")
    table = "\n".join(rows)
    os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
    with open(os.path.join(os.path.dirname(__file__), "results", "equivalence.md"), "w") as fh:
        fh.write("# Network equivalence (medians of %d runs; shared machine, noisy)\n\n%s\n" % (RUNS, table))
    print(table)


if __name__ == "__main__":
    main()
