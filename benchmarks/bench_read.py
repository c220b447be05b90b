"""Reading a user matrix file vs the exact work it feeds (``exactid rank``).

A 1000 x 1000 matrix over Q(zeta_8) with small integer coefficients and one entry in ten
holding "p/q" coefficients is written as JSON; we time, medians of several runs:

- ``json.load`` alone;
- the element-by-element conversion (``ExactMatrix.from_rows``: one field element per entry,
  the path every reader used before the input layer);
- the input layer (:func:`exactid.io.matrices.load_matrix`: parse + vectorized conversion);
- the exact work of ``exactid rank`` on the matrix read: the certified rank alone
  (``certified_rank``) and with its certificate (``rank_certificate``, what the command runs).

Run: ``python benchmarks/bench_read.py [N] [repeats]``; the result goes to
``benchmarks/results/read.md``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.common import machine, median_time  # noqa: E402
from exactid.domains import CyclotomicField, ExactMatrix  # noqa: E402
from exactid.io.matrices import load_matrix  # noqa: E402
from exactid.certify.rank import rank_certificate  # noqa: E402
from exactid.linalg.rank import certified_rank  # noqa: E402


def write_matrix(path: str, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)

    def coeff():
        if rng.random() < 0.1:
            return f"{rng.randint(-9, 9)}/{rng.randint(1, 6)}"
        return rng.randint(-5, 5)

    entries = [[[coeff() for _ in range(4)] for _ in range(n)] for _ in range(n)]
    with open(path, "w") as fh:
        json.dump({"field": "QQ(zeta_8)", "entries": entries}, fh)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "m.json")
    write_matrix(path, n)
    size = os.path.getsize(path)
    field = CyclotomicField(8)

    def json_only():
        with open(path) as fh:
            return json.load(fh)

    def element_by_element():
        return ExactMatrix.from_rows(json_only()["entries"], field)

    t_json, data = median_time(json_only, repeats)
    t_old, old = median_time(element_by_element, repeats)
    t_new, new = median_time(lambda: load_matrix(path), repeats)
    assert new == old, "the input layer and the element-by-element path disagree"
    t_rank, result = median_time(lambda: certified_rank(new), repeats)
    t_cert, _ = median_time(lambda: rank_certificate(new), repeats)
    load = os.getloadavg()
    lines = [
        "# Reading a matrix file vs the exact rank (bench_read.py)",
        "",
        f"Machine: {machine()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} (shared, loaded machine).",
        f"Input: {n}x{n} over Q(zeta_8), JSON {size / 2**20:.1f} MiB, 10% of the coefficients 'p/q' strings. "
        f"Medians of {repeats} runs.",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| json.load alone | {t_json:.2f} |",
        f"| element-by-element conversion (json.load + ExactMatrix.from_rows, the former reader) | {t_old:.2f} |",
        f"| input layer: load_matrix (caps + json + vectorized conversion) | {t_new:.2f} |",
        f"| certified rank of the matrix (rank {result.rank}) | {t_rank:.2f} |",
        f"| rank with its certificate (rank_certificate: the exact work of `exactid rank`) | {t_cert:.2f} |",
        "",
        f"Reading / exact work of the command: {t_new / t_cert:.2f} (before: {t_old / t_cert:.2f}); "
        f"reading / certified rank alone: {t_new / t_rank:.2f} (before: {t_old / t_rank:.2f}); "
        f"speed-up of reading {t_old / t_new:.1f}x.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "read.md")
    if n == 1000:
        with open(out, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
