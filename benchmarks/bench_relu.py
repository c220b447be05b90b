"""Benchmark: identifiable ReLU local-identifiability certificates, generation plus check.

For d - h around 500, 1,000, 2,000 and 5,000 it builds a network whose weights are Gaussian
(N(0, 1/fan_in), rounded to multiples of 1/1024) and whose biases are centred on the
samples (minus the median pre-activation, so every neuron switches on about half of the
samples), with n = ceil((d - h) / k) + 2 Gaussian samples (rounded to 1/1024).  It times
certificate generation (exact forward pass, J mod p, one elimination), the independent
check (which recomputes everything from theta and X), the modular rank of the same J alone,
and numpy's float64 SVD rank (``matrix_rank``) of the float Jacobian.  Medians of
``REPEATS`` runs (one run for the largest size).  The machine is shared: timings are noisy.

Run: ``.venv/bin/python benchmarks/bench_relu.py [--quick]``
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from common import median_time, write_table  # noqa: E402

from exactid.certify.relu import local_certificate  # noqa: E402
from exactid.checker import check_document  # noqa: E402
from exactid.networks.format import Network  # noqa: E402
from exactid.networks.relu import (DEFAULT_PRIME, as_samples, forward, jacobian_float, jacobian_mod_p,  # noqa: E402
                                   nmod_mat_from_array)

CASES = [[10, 20, 15, 4], [10, 30, 20, 5], [20, 40, 30, 10], [20, 60, 60, 10]]
REPEATS = 3
DEN = 1024


def centred_network(widths, X, seed):
    rng = np.random.default_rng(seed)
    ws, bs, h = [], [], X
    for l in range(len(widths) - 1):
        w = np.round(rng.normal(0, 1 / math.sqrt(widths[l]), size=(widths[l + 1], widths[l])) * DEN) / DEN
        z = h @ w.T
        b = -np.median(z, axis=0) if l < len(widths) - 2 else rng.normal(0, 1, size=widths[l + 1])
        b = (np.round(b * DEN) + 0.5) / DEN  # odd multiples of 1/2048: never equal to a pre-activation of X
        ws.append(w)
        bs.append(b)
        h = np.maximum(z + b, 0)
    return Network.from_numpy("relu", ws, bs)


def main() -> None:
    quick = "--quick" in sys.argv
    rows = []
    for widths in CASES[:2] if quick else CASES:
        d = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
        h = sum(widths[1:-1])
        k = widths[-1]
        n = math.ceil((d - h) / k) + 2
        Xf = np.round(np.random.default_rng(7).normal(size=(n, widths[0])) * DEN) / DEN
        net = centred_network(widths, Xf, 1)
        X = as_samples(Xf)
        repeats = 1 if d > 4000 else REPEATS
        gen, (cert, report) = median_time(lambda: local_certificate(net, X), repeats)
        chk, summary = median_time(lambda: check_document(cert), repeats)
        fwd = forward(net, X)
        J = jacobian_mod_p(net, X, DEFAULT_PRIME, fwd)
        exact_rank_t, exact_rank = median_time(lambda: nmod_mat_from_array(J, DEFAULT_PRIME).rank(), repeats)
        ws, bs = net.to_numpy()
        Jf = jacobian_float(ws, bs, Xf)
        float_t, float_rank = median_time(lambda: int(np.linalg.matrix_rank(Jf)), repeats)
        rows.append([f"{'-'.join(map(str, widths))}", d, d - h, f"{n * k}x{d}", report.verdict,
                     f"{gen:.2f}", f"{chk:.2f}", f"{gen + chk:.2f}", f"{exact_rank_t:.2f} (rank {exact_rank})",
                     f"{float_t:.2f} (rank {float_rank})"])
        print(rows[-1], flush=True)
    notes = ("Generation = exact forward pass + J mod p (p = 1073741789) + one elimination to find the "
             "(d-h)-minor; check = the independent checker recomputing forward pass, J mod p and the minor's rank. "
             "'exact rank' = nmod_mat rank of the same J mod p (conversion included); 'numpy SVD' = "
             "np.linalg.matrix_rank of the float64 Jacobian. Medians of 3 runs (1 run for d > 4000); "
             "the machine was shared with other jobs, so timings are noisy.")
    text = write_table("benchmarks/results/relu.md", "ReLU local identifiability: identifiable certificates",
                       ["widths", "d", "d - h", "J shape", "verdict", "generate s", "check s", "total s",
                        "exact rank of J s", "numpy SVD rank s"], rows, notes)
    print(text)


if __name__ == "__main__":
    main()
