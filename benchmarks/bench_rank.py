"""Certified rank over Q(zeta_8): exactid against Sage (passagemath) and SymPy's DomainMatrix.

Run: .venv/bin/python benchmarks/bench_rank.py [--repeats 3] [--sympy-limit 60]

Sage/passagemath is used when ``EXACTID_SAGE_PYTHON`` names a Python that has it, for
example a separate venv made with
``pip install passagemath-modules passagemath-flint passagemath-pari passagemath-linbox``
(it is not an exactid dependency).  Sage's time is its ``rank()`` alone (multimodular
cyclotomic echelon), without building the matrix.  SymPy is run on growing sizes and
compared at the largest size it finishes within the limit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import median_time, write_table  # noqa: E402

from exactid.domains import CyclotomicField, ExactMatrix  # noqa: E402
from exactid.linalg import certified_rank  # noqa: E402

K8 = CyclotomicField(8)


def random_coefficients(rng, m, n):
    return rng.integers(-5, 6, size=(m, n, 4))


def exactid_rank(coeffs) -> tuple[int, str]:
    """Conversion from integer coefficients included."""
    res = certified_rank(ExactMatrix.from_integers(coeffs, K8))
    return res.rank, res.certified


def sympy_rank(coeffs) -> int:
    from sympy.polys.matrices import DomainMatrix

    K = K8.sympy_field()
    m, n, _ = coeffs.shape
    rows = [[K(list(reversed([int(c) for c in coeffs[i, j]]))) for j in range(n)] for i in range(m)]
    return DomainMatrix(rows, (m, n), K).rank()


SAGE_SCRIPT = r"""
import sys, time, numpy as np
try:
    from sage.all import CyclotomicField, matrix
except ImportError:  # modular passagemath install
    from sage.all__sagemath_modules import CyclotomicField, matrix
    import sage.all__sagemath_flint
n = int(sys.argv[1]); seed = int(sys.argv[2])
rng = np.random.default_rng(seed)
c = rng.integers(-5, 6, size=(n, n, 4))
K = CyclotomicField(8)
M = matrix(K, n, n, [K([int(x) for x in c[i, j]]) for i in range(n) for j in range(n)])
start = time.perf_counter()
r = M.rank()  # multimodular cyclotomic echelon; construction not timed
print(r, time.perf_counter() - start)
"""


def sage_rank_seconds(n: int, seed: int):
    python = os.environ.get("EXACTID_SAGE_PYTHON")
    if not python:
        return None
    try:
        out = subprocess.run([python, "-c", SAGE_SCRIPT, str(n), str(seed)], capture_output=True, text=True, timeout=600)
        rank, seconds = out.stdout.split()
        return int(rank), float(seconds)
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sympy-limit", type=float, default=60.0)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []

    dense = random_coefficients(rng, 1000, 1000)
    t, (r, cert) = median_time(lambda: exactid_rank(dense), args.repeats)
    sage = sage_rank_seconds(1000, 0)
    peer = f"Sage {sage[1]:.1f} s" if sage else "Sage not installed"
    rows.append(["dense 1000x1000 over Q(zeta_8), full rank", f"{t:.2f} s", "<= 3 s", f"rank {r} ({cert})", peer,
                 f"{sage[1] / t:.0f}x" if sage else "-"])

    a = random_coefficients(rng, 300, 290)
    b = random_coefficients(rng, 290, 300)
    product = ExactMatrix.from_integers(a, K8) @ ExactMatrix.from_integers(b, K8)
    t2, res = median_time(lambda: certified_rank(product), args.repeats)
    rows.append(["300x300 of rank 290 over Q(zeta_8), both bounds", f"{t2:.2f} s", "<= 5 s",
                 f"rank {res.rank} ({res.certified})", "-", "-"])

    # SymPy: grow the size until one run exceeds the limit; compare at the largest finished size.
    size, last = 10, None
    while True:
        coeffs = random_coefficients(rng, size, size)
        start = time.perf_counter()
        sym = sympy_rank(coeffs)
        ts = time.perf_counter() - start
        if ts > args.sympy_limit:
            break
        te, (re_, _) = median_time(lambda: exactid_rank(coeffs), args.repeats)
        assert re_ == sym, "exactid and SymPy disagree"
        last = (size, ts, te)
        if ts > args.sympy_limit / 4:
            break
        size *= 2
    if last:
        size, ts, te = last
        rows.append([f"dense {size}x{size} over Q(zeta_8)", f"{te:.3f} s", "-", "same rank as SymPy",
                     f"SymPy DomainMatrix {ts:.1f} s", f"{ts / te:.0f}x"])
    text = write_table(os.path.join(os.path.dirname(__file__), "results", "rank.md"),
                       "Certified rank over Q(zeta_8)", ["case", "exactid (median)", "target", "result", "peer", "speed-up"],
                       rows, "Conversion from integer coefficients is included in the exactid times.")
    print(text)


if __name__ == "__main__":
    main()
