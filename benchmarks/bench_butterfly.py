"""Butterfly benchmarks: exact DFT uniqueness certificates and the float fallback vs pyfaust.

Run: ``.venv/bin/python benchmarks/bench_butterfly.py [--repeats R] [--large] [--skip-pyfaust]``.

- Exact: generation (hierarchical algorithm on exponents mod N) + writing the gzip
  certificate + the independent checker, for N = 1024 and 4096 (medians of R runs); with
  ``--large`` also N = 16384, once, in a subprocess whose peak memory (max RSS) is reported.
- Float: ``exactid`` float fallback vs ``pyfaust.fact.butterfly(M, type='bbtree',
  perm='bitrev')`` on the DFT of size 4096 in the same run (medians), relative Frobenius
  errors of both; each tool is timed twice in its process: the first call (cold, which also
  pays the first touch of its large arrays) and the second (warm); with ``--large`` the
  float fallback on N = 8192 once, with its peak memory.

Each measured case runs in a fresh subprocess so that peak memory is that case's own.
The table goes to ``benchmarks/results/butterfly.md``.  Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "butterfly.md")

EXACT_CASE = r"""
import json, sys, time
from exactid.certify.butterfly import certify_named
from exactid.io.files import write_json
from exactid.checker import check_file
N, path = int(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
cert, _ = certify_named("dft", N)
write_json(path, cert)
t1 = time.perf_counter()
outcome = check_file(path)
t2 = time.perf_counter()
print(json.dumps({"generate": t1 - t0, "check": t2 - t1, "status": outcome.status}))
"""

FLOAT_CASE = r"""
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
N, tool = int(sys.argv[1]), sys.argv[2]
j = np.arange(N)
M = np.exp(-2j * np.pi * (np.outer(j, j) % N) / N)
if tool == "exactid":
    from exactid.factorization.butterfly_float import factor_float
    run = lambda: factor_float(M, "bitrev", compute_error=False)
else:
    import pyfaust.fact
    run = lambda: pyfaust.fact.butterfly(M, type="bbtree", perm="bitrev")
# cold: the first call in a fresh process (it also pays the first touch of its large arrays);
# warm: the same call again in the same process
t0 = time.perf_counter(); res = run(); t1 = time.perf_counter()
cold = t1 - t0
del res
t0 = time.perf_counter(); res = run(); t1 = time.perf_counter()
if tool == "exactid":
    from exactid.factorization.butterfly_float import relative_error
    err = relative_error(np.take(M, res.perm, axis=1), res.values, res.tree)
else:
    err = float(np.linalg.norm(res.toarray() - M) / np.linalg.norm(M))
print(json.dumps({"seconds": t1 - t0, "cold_seconds": cold, "relative_error": err}))
"""


def run_case(code: str, *args: str) -> tuple[dict, float]:
    """Run ``code`` in a fresh interpreter; return its JSON line and its peak RSS in GiB."""
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()  # type: ignore[union-attr]
    err = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError(f"benchmark case failed: {err.decode()[-400:]}")
    return json.loads(out.decode().strip().splitlines()[-1]), usage.ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--large", action="store_true", help="also N = 16384 (exact) and N = 8192 (float), once")
    parser.add_argument("--skip-pyfaust", action="store_true")
    args = parser.parse_args()
    rows = ["| case | exactid | peer | ratio | notes |", "| --- | --- | --- | --- | --- |"]
    tmp = tempfile.mkdtemp(prefix="bench_butterfly_")

    for N in (1024, 4096):
        runs = [run_case(EXACT_CASE, str(N), os.path.join(tmp, f"dft-{N}.json.gz")) for _ in range(args.repeats)]
        gen = statistics.median(r[0]["generate"] for r in runs)
        chk = statistics.median(r[0]["check"] for r in runs)
        mem = max(r[1] for r in runs)
        assert all(r[0]["status"] == "valid" for r in runs)
        rows.append(f"| exact DFT certificate N={N}: generate + check | {gen + chk:.2f} s ({gen:.2f} + {chk:.2f}) "
                    f"| — | — | valid; peak RSS {mem:.2f} GiB; target N=4096 ≤ 20 s |")
        print(rows[-1], flush=True)
    if args.large:
        res, mem = run_case(EXACT_CASE, "16384", os.path.join(tmp, "dft-16384.json.gz"))
        rows.append(f"| exact DFT certificate N=16384: generate + check (1 run) | {res['generate'] + res['check']:.1f} s "
                    f"({res['generate']:.1f} + {res['check']:.1f}) | — | — | {res['status']}; peak RSS {mem:.2f} GiB; "
                    "target ≤ 300 s within 24 GiB |")
        print(rows[-1], flush=True)

    N = 4096
    ours = [run_case(FLOAT_CASE, str(N), "exactid") for _ in range(args.repeats)]
    t_ours = statistics.median(r[0]["seconds"] for r in ours)
    c_ours = statistics.median(r[0]["cold_seconds"] for r in ours)
    e_ours = max(r[0]["relative_error"] for r in ours)
    peer_text, ratio_text, note = "not installed", "—", ""
    if not args.skip_pyfaust:
        try:
            peer = [run_case(FLOAT_CASE, str(N), "pyfaust") for _ in range(args.repeats)]
            t_peer = statistics.median(r[0]["seconds"] for r in peer)
            c_peer = statistics.median(r[0]["cold_seconds"] for r in peer)
            e_peer = max(r[0]["relative_error"] for r in peer)
            peer_text = f"warm {t_peer:.2f} s, cold {c_peer:.2f} s (rel. err {e_peer:.1e})"
            ratio_text = f"warm {t_peer / t_ours:.1f}x, cold {c_peer / c_ours:.1f}x"
        except RuntimeError as exc:
            note = f"pyfaust failed: {str(exc)[:80]}"
    rows.append(f"| float DFT N={N} perm bitrev, bbtree | warm {t_ours:.2f} s, cold {c_ours:.2f} s "
                f"(rel. err {e_ours:.1e}) | "
                f"pyfaust 3.41.0 {peer_text} | {ratio_text} | target ≥ 20x, error ≤ 1e-13 {note}|")
    print(rows[-1], flush=True)
    if args.large:
        res, mem = run_case(FLOAT_CASE, "8192", "exactid")
        rows.append(f"| float DFT N=8192 perm bitrev (1 run) | {res['seconds']:.2f} s (rel. err {res['relative_error']:.1e}) "
                    f"| — | — | peak RSS {mem:.2f} GiB (includes the 1 GiB input) |")
        print(rows[-1], flush=True)

    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    header = (f"# Butterfly benchmarks\n\nMedians of {args.repeats} runs (large cases once), each case in a fresh "
              "process; shared 2-core machine, so timings are noisy.\n\n")
    with open(RESULTS, "w", encoding="utf-8") as fh:
        fh.write(header + "\n".join(rows) + "\n")
    print(f"\nwritten to {RESULTS}")


if __name__ == "__main__":
    main()
