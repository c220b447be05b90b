"""Checking is never the bottleneck: generation time vs check time for every bundled certificate.

For each item of ``exactid.certify.bundle.items()``: the median over ``--repeat`` runs of
``build()`` (the generator, including its exact computations) and of ``check_file`` on the
written file (reading, gunzip, JSON parsing and the independent re-verification).  The table
goes to ``benchmarks/results/checker.md`` and is printed.  Target: check <= generation.

    .venv/bin/python benchmarks/bench_checker.py [--repeat 3] [--only TEXT]

Timings on a shared machine are noisy; sub-millisecond entries mostly measure Python overhead.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

from exactid.certify.bundle import deterministic, items
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import median_time  # noqa: E402

from exactid.checker import check_file
from exactid.checker.core import check_document, load_document
from exactid.io.files import write_json

RESULTS = Path(__file__).resolve().parent / "results" / "checker.md"


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=None, help="only bundled paths containing TEXT")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    rows, slower, failed = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for item in items(args.only):
            target = os.path.join(tmp, item.path.replace("/", "__"))
            try:
                gen, cert = median_time(lambda: deterministic(item.build()), args.repeat)
            except Exception as exc:  # a topic's generator failing is reported, not fatal
                failed.append(item.path)
                rows.append((item.path, "-", "-", "-", "-", "-", f"generation failed: {type(exc).__name__}", "-"))
                print(f"{item.path}: generation failed ({type(exc).__name__}: {exc})", file=sys.stderr)
                continue
            write, _ = median_time(lambda: write_json(target, cert), args.repeat)
            chk, outcome = median_time(lambda: check_file(target), args.repeat)
            with open(target, "rb") as fh:
                doc = load_document(fh.read())
            mem, _ = median_time(lambda: check_document(doc), args.repeat)
            ratio = mem / gen if gen > 0 else float("inf")
            ok = mem <= gen and chk <= gen + write
            if not ok:
                slower.append(item.path)
            status = outcome.status if outcome.status == "valid" else outcome.line()
            rows.append((item.path, fmt(gen), fmt(mem), f"{ratio:.2f}", fmt(gen + write), fmt(chk),
                         status + ("" if ok else " (check slower)"), str(os.path.getsize(target))))
            print(f"{item.path}: generate {fmt(gen)}, check {fmt(chk)} (ratio {ratio:.2f}) {outcome.status}",
                  file=sys.stderr, flush=True)
    lines = [
        "# Checker benchmark: generation vs check time",
        "",
        f"Median of {args.repeat} runs per certificate; {platform.python_implementation()} "
        f"{platform.python_version()} on {platform.machine()}, shared 2-core machine (noisy timings).",
        "Two like-for-like comparisons per certificate. In memory: generation = `build()` of the bundled",
        "item, check = `check_document` on the parsed certificate (ratio = check / generation). Through",
        "files: generation + the canonical (gzip) atomic write that `exactid bundle` does, against",
        "`check_file` on the written file (read, gunzip, parse, re-verify). Target (issue 3): the check",
        "takes at most the generation time, in both comparisons.",
        "",
        "| certificate | generation | check (in memory) | check / generation | generation + write | check (file) | status | bytes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    done = len(rows) - len(failed)
    lines += ["", f"{done} certificates measured: {done - len(slower)} meet the target, {len(slower)} do not"
              + (f" ({', '.join(slower)})" if slower else "") + "."]
    if failed:
        lines.append(f"{len(failed)} generators failed: {', '.join(failed)}.")
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
