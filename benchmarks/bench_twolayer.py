"""Two-layer identifiability of DCT-II (and DFT, DST-II): certificate generation and check.

Run: .venv/bin/python benchmarks/bench_twolayer.py [--repeats 3] [--max-n 256]

Class: X N/2-sparse by column, Y 2-sparse by row, r = N (tight count).  For each size the
script runs, in a fresh subprocess (so peak memory is per size): the decision with its
phases (reduction mod p, modular candidate blocks, exact-cover search, exact rank-one
verification), building the certificate, writing it gzipped, and checking it with the
independent checker.  Medians of ``--repeats`` runs; peak resident memory from
``getrusage``.  Peer: a floating-point baseline (numpy: entries as complex floats, ratio
classes by rounding to 1e-8, the same exact-cover search, no certificate, no proof).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import write_table  # noqa: E402

CHILD = r"""
import json, os, resource, statistics, sys, tempfile, time
import numpy as np
from exactid.certify.twolayer import family_certificate
from exactid.checker import check_file
from exactid.factorization.rootsums import named_root_sums
from exactid.factorization.twolayer import decide_family
from exactid.io.files import write_json
from exactid.supports import SparsityFamily
from exactid.supports.exactcover import exact_covers
from exactid.transforms import named_matrix

name, N, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = SparsityFamily(N, N, N, N // 2, 2)

def float_peer():
    Z = named_matrix(name, N).to_numpy() if N <= 64 else None
    if Z is None:  # float values straight from the definition (the exact matrix is not needed)
        k, n = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
        Z = {"dct2": np.cos(np.pi * (n + 0.5) * k / N), "dst2": np.sin(np.pi * (n + 0.5) * (k + 1) / N),
             "dft": np.exp(-2j * np.pi * k * n / N)}[name]
    Z = Z.astype(complex)
    blocks = []
    for j0 in range(N - 1):
        ratio = Z[:, j0 + 1:] / Z[:, [j0]]
        key = np.round(ratio.real, 8) + 1j * np.round(ratio.imag, 8)  # float "equality" on a grid
        order = np.argsort(key, axis=0, kind="stable")
        s = np.take_along_axis(key, order, axis=0)
        k = N // 2
        first = np.ones(s.shape, bool)
        first[1:] = s[1:] != s[:-1]
        for i, c in np.argwhere(first[: N - k + 1] & (s[k - 1:] == s[: N - k + 1])):
            rows = order[i:i + k, c]
            blocks.append([int(r) * N + e for r in rows for e in (j0, j0 + 1 + c)])
    return len(exact_covers(N * N, blocks, 2))

runs = []
for _ in range(repeats):
    t0 = time.perf_counter()
    Z = named_root_sums(name, N)
    res = decide_family(Z, fam)
    t1 = time.perf_counter()
    cert, _ = family_certificate(Z, fam, res)
    path = os.path.join(tempfile.mkdtemp(), "c.json.gz")
    write_json(path, cert)
    t2 = time.perf_counter()
    outcome = check_file(path)
    t3 = time.perf_counter()
    assert outcome.status == "valid", outcome.line()
    tp = time.perf_counter()
    peer_covers = float_peer()
    t4 = time.perf_counter()
    runs.append(dict(decide=t1 - t0, build=t2 - t1, check=t3 - t2, total=t2 - t0, peer=t4 - tp,
                     bytes=os.path.getsize(path), **{k: v for k, v in res.timings.items()}))
out = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
out.update(verdict=res.verdict, peer_covers=peer_covers, n_candidates=len(res.candidates),
           maxrss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
print(json.dumps(out))
"""


def measure(name: str, N: int, repeats: int) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, name, str(N), str(repeats)], capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-n", type=int, default=256)
    args = parser.parse_args()
    cases = [("dct2", N) for N in (8, 16, 32, 64, 128, 256) if N <= args.max_n]
    cases += [(name, N) for name in ("dft", "dst2") for N in (64, 256) if N <= args.max_n]
    rows = []
    for name, N in cases:
        r = measure(name, N, args.repeats)
        rows.append([f"{name} {N}", r["verdict"], f"{r['total']:.2f}", f"{r['reduce']:.3f}",
                     f"{r['candidates']:.2f}", f"{r['search']:.2f}", f"{r['exact']:.3f}", f"{r['build']:.2f}",
                     f"{r['check']:.2f}", f"{r['total'] + r['check']:.2f}", f"{r['bytes'] / 1024:.0f}",
                     f"{r['maxrss_mib']:.0f}", f"{r['peer']:.2f}"])
        print(" | ".join(rows[-1]), flush=True)
    header = ["matrix N", "verdict", "generate s", "reduce mod p s", "candidates s", "cover search s",
              "exact rank-one s", "certificate+write s", "check s", "generate+check s", "cert KiB (gz)",
              "peak RSS MiB", "float peer s"]
    notes = (f"Medians of {args.repeats} runs, one subprocess per row (peak RSS includes the Python "
             "interpreter and numpy, about 40 MiB). Timings on a shared 2-core machine are noisy. "
             "'generate' = decision (reduction, candidates, search, exact verification) + certificate + "
             "gzip write. Float peer: numpy ratio classes (ratios rounded to 1e-8) and the same exact-cover "
             "search, no certificate, no exactness. Targets: DCT-II N = 64 generate+check <= 10 s; "
             "N = 256 <= 120 s within 4 GiB.")
    table = write_table(os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "twolayer.md"),
                        "Two-layer identifiability (X N/2-sparse by column, Y 2-sparse by row, r = N)",
                        header, rows, notes)
    print(table)


if __name__ == "__main__":
    main()
