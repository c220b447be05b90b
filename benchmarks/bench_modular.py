"""Rank modulo a prime: float64-BLAS elimination (exactid.linalg.modular) against flint.nmod_mat.

Run: .venv/bin/python benchmarks/bench_modular.py [--sizes 1000,2000,4000,8000] [--repeats 3]

Both sides start from the same int64 numpy array, so conversion is included: ours reduces it
to float64 residues, nmod_mat is built from ``A.tolist()`` (the conversion is also reported
apart).  The machine's float64 matmul throughput is measured in the same run (median of 3
products of two n x n matrices, n = ``--gemm-size``); the elimination's efficiency counts
2/3 n^3 flops for a full-rank n x n matrix (2 m n r - r^2 (m + n) + 2/3 r^3 for rank r).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import write_table  # noqa: E402

import flint  # noqa: E402

from exactid.linalg.modular import PRIME_MAX, rank_mod_p  # noqa: E402


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed"
    libs = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return "; ".join(f"{lib.get('internal_api')} {lib.get('version')} kernel {lib.get('architecture')}, "
                     f"{lib.get('num_threads')} threads" for lib in libs) or "no BLAS found"


def timed(func, repeats: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, out


def gemm_gflops(n: int, repeats: int = 3) -> tuple[float, list[float]]:
    rng = np.random.default_rng(1)
    a, b = rng.random((n, n)), rng.random((n, n))
    a @ b  # warm up (threads, pages)
    t, times, _ = timed(lambda: a @ b, repeats)
    return 2 * n**3 / t / 1e9, [2 * n**3 / s / 1e9 for s in times]


def elimination_flops(m: int, n: int, r: int) -> float:
    return 2 * m * n * r - r * r * (m + n) + 2 * r**3 / 3


def nmod_rank(A: np.ndarray, p: int) -> tuple[int, float, float]:
    start = time.perf_counter()
    M = flint.nmod_mat(A.tolist(), p)
    mid = time.perf_counter()
    r = M.rank()
    return r, mid - start, time.perf_counter() - mid


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,2000,4000,8000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--nmod-repeats-large", type=int, default=1, help="nmod_mat runs at n >= 8000")
    parser.add_argument("--gemm-size", type=int, default=4000)
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "modular.md"))
    args = parser.parse_args()
    p = PRIME_MAX
    load_before = uptime()
    gflops, gemm_all = gemm_gflops(args.gemm_size)
    print(f"matmul {args.gemm_size}: {gflops:.1f} GFLOPS ({', '.join(f'{g:.1f}' for g in gemm_all)})", flush=True)
    rng = np.random.default_rng(0)
    cases = [(f"dense {n}x{n}, full rank", lambda n=n: rng.integers(0, p, (n, n))) for n in
             (int(s) for s in args.sizes.split(","))]
    cases += [
        ("4000x4000 of rank 2000 (product of thin factors)",
         lambda: (rng.integers(-100, 100, (4000, 2000)) @ rng.integers(-100, 100, (2000, 4000)))),
        ("tall 8000x2000 of rank 1500",
         lambda: (rng.integers(-100, 100, (8000, 1500)) @ rng.integers(-100, 100, (1500, 2000)))),
        ("wide 2000x8000 with 4000 zero columns",
         lambda: rng.integers(0, p, (2000, 8000)) * (np.arange(8000) % 2)),
    ]
    rows = []
    for name, make in cases:
        A = make()
        m, n = A.shape
        ours, ours_all, r = timed(lambda: rank_mod_p(A, p), args.repeats)
        nrep = args.nmod_repeats_large if max(m, n) >= 8000 and m * n >= 64_000_000 else args.repeats
        runs = [nmod_rank(A, p) for _ in range(nrep)]
        assert all(x[0] == r for x in runs), f"{name}: ranks differ"
        nm_total = statistics.median(x[1] + x[2] for x in runs)
        nm_conv = statistics.median(x[1] for x in runs)
        eff = elimination_flops(m, n, r) / ours / 1e9
        rows.append([name, r, f"{ours:.2f} s ({', '.join(f'{t:.2f}' for t in ours_all)})",
                     f"{nm_total:.2f} s ({nm_conv:.2f} s conversion; {nrep} run{'s' if nrep > 1 else ''})",
                     f"{nm_total / ours:.1f}x", f"{eff:.1f} GFLOPS = {100 * eff / gflops:.0f}%"])
        print(rows[-1], flush=True)
        del A
    load_after = uptime()
    notes = (f"Prime p = {p} (the largest below 2^21). Times are medians (individual runs in parentheses) and "
             f"include the conversion from an int64 numpy array for both. float64 matmul in the same run: "
             f"{gflops:.1f} GFLOPS (median of 3 products {args.gemm_size}x{args.gemm_size}: "
             f"{', '.join(f'{g:.1f}' for g in gemm_all)}); efficiency = elimination flops / time / that. "
             f"BLAS: {blas_info()}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
             f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')}. "
             f"Load before: `{load_before}`; after: `{load_after}` (2 cores: a load above 2 means other jobs "
             f"shared them, and the times and the matmul rate suffer alike).")
    text = write_table(args.output, "Rank modulo a prime: float64-BLAS elimination vs nmod_mat",
                       ["case", "rank", "exactid (median)", "nmod_mat", "speed-up", "fraction of matmul"],
                       rows, notes)
    print(text)


if __name__ == "__main__":
    main()
