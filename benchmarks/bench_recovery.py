"""Benchmark of the entangled-weights recovery pipeline against tuned gradient baselines.

Run: ``.venv/bin/python benchmarks/bench_recovery.py [--quick]``.  Writes
``benchmarks/results/recovery.md`` (rewritten after every case, so a partial run leaves its rows)
and ``benchmarks/results/recovery.json``, and prints the table.

Cases (random networks from :func:`exactid.recovery.random_pyramidal`):
- three hidden layers: d = 20, hidden (20, 6, 3), one output, seeds 0, 1, 2; and three outputs;
- logistic, d = 20, hidden (20, 6), one output;
- two hidden layers: d = 20, hidden (20, 6), one output, seeds 0, 1, 2.
Baselines (each tuned, best on the test points reported): Adam on as many samples uniform in the
unit ball as the pipeline made queries, over a learning-rate × epochs grid; Levenberg–Marquardt
from 3 Glorot starts on as many samples as the pipeline fits on; Adam (best grid setting) on the
pipeline's own query points.  Single-threaded BLAS (set below, before numpy loads): the machine
is shared, and on these small matrices threads only add contention.  Timings are wall-clock
seconds on a loaded machine (``uptime`` recorded in the result file): noisy.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from exactid.recovery.demo import DemoSettings, run_case  # noqa: E402

ROOT = Path(__file__).resolve().parent

HEADER = ("| case | seed | entangled ok (per layer) | param err (aligned, all) | uniform err | MSE | queries | "
          "max \\|x\\| queried | deeper starts | s | Adam best (lr, epochs): uniform err / MSE | "
          "LM best of 3: uniform err / MSE | Adam on pipeline points: uniform err | baselines s | ratio | "
          "target met |\n|" + "---|" * 16)


def row(name: str, r: dict) -> str:
    if r.get("stopped"):
        return f"| {name} | {r.get('seed', '')} | stopped: {r['reason']} |" + " |" * 13
    b = r["baselines"]
    a, lm, same = b["adam"], b.get("levenberg_marquardt"), b.get("adam_same_points")
    starts = r["pipeline"].get("deeper_starts", "")
    if starts != "":
        starts = f"{starts}{'' if r['pipeline'].get('deeper_accepted') else ' (none accepted)'}"
    return (f"| {name} | {r['seed']} | {r['recovered_fraction']:.2f} "
            f"({', '.join(f'{x:.2f}' for x in r['layer_fractions'])}) | {r['parameter_error_aligned']:.1e} | "
            f"{r['uniform_error']:.1e} | {r['mse']:.1e} | {r['queries']} | "
            f"{r['query_model']['pipeline']['max_norm']:.0f} | {starts} | {r['seconds']:.0f} | "
            f"{a['uniform_error']:.1e} / {a['mse']:.1e} ({a['learning_rate']:g}, {a['epochs']}) | "
            + (f"{lm['uniform_error']:.1e} / {lm['mse']:.1e} | " if lm else "– | ")
            + (f"{same['uniform_error']:.1e} | " if same else "– | ")
            + f"{r['baseline_seconds']:.0f} | {r['uniform_error_ratio']:.2g} | {'yes' if r['target_met'] else 'no'} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed per case, 20,000 test points")
    args = parser.parse_args()
    tests = 20_000 if args.quick else 100_000
    seeds = [0] if args.quick else [0, 1, 2]
    cases = [("d=20, hidden (20, 6, 3), 1 output", [20, 20, 6, 3, 1], "tanh", seeds),
             ("d=20, hidden (20, 6, 3), 3 outputs", [20, 20, 6, 3, 3], "tanh", [0]),
             ("d=20, hidden (20, 6), logistic", [20, 20, 6, 1], "logistic", [0]),
             ("d=20, hidden (20, 6), 1 output", [20, 20, 6, 1], "tanh", seeds)]
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    lines, raw = [HEADER], []
    started = time.perf_counter()
    for name, widths, activation, case_seeds in cases:
        for seed in case_seeds:
            t = time.perf_counter()
            r = run_case(DemoSettings(widths=widths, activation=activation, seed=seed, test_points=tests))
            print(f"{name} seed {seed}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
            raw.append(r)
            lines.append(row(name, r))
            write(lines, raw, tests, load_before, time.perf_counter() - started)
    print((ROOT / "results" / "recovery.md").read_text())
    return 0


def write(lines: list, raw: list, tests: int, load_before: str, elapsed: float) -> None:
    load_now = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    text = ("# Recovery benchmark (entangled-weights pipeline vs tuned baselines)\n\n"
            f"Machine load (`uptime`): at start `{load_before}`; at the last row `{load_now}` "
            f"(2 cores shared by several developers: timings are noisy). Wall-clock so far: {elapsed:.0f} s.\n\n"
            f"Test points: {tests} uniform in the unit ball. 'entangled ok' = fraction of entangled weights with "
            "|cos| > 0.999 after optimal matching (overall, then per hidden layer); 'param err' = largest "
            "absolute difference over all parameters (weights, biases, output layer) after the optimal "
            "permutation and sign alignment. Query model: the pipeline chooses its points (far-field lines up "
            "to the 'max |x|' column, finite-difference stencils, fit and validation points in the ball of "
            "radius 3); Adam sees as many samples as the pipeline's queries, uniform in the unit ball, "
            "learning rates {0.001, 0.003, 0.01} x epochs {100, 300}, best reported; LM = Levenberg–Marquardt "
            "on all parameters from 3 Glorot starts, 100 steps each, on as many unit-ball samples as the "
            "pipeline fits on; 'Adam on pipeline points' trains (best grid setting) on the pipeline's own "
            "query points. ratio = best baseline uniform error / pipeline uniform error; target = all "
            "entangled weights and ratio >= 10.\n\n" + "\n".join(lines) + "\n")
    out = ROOT / "results" / "recovery.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    (ROOT / "results" / "recovery.json").write_text(json.dumps(raw, indent=1, sort_keys=True, default=str))


if __name__ == "__main__":
    sys.exit(main())
