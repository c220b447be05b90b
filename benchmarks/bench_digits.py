"""Benchmark: trained ReLU MLPs on scikit-learn's digits (1,797 samples, 64 features, 10 logits).

For each hidden size it trains ``MLPClassifier(hidden, relu, random_state=0, max_iter=300)``
on all samples, converts the weights exactly (float64 -> dyadic rationals) and times, in a
fresh subprocess per case (so that the peak RSS is the case's own):

- reading/converting: the sklearn arrays to an exact ``Network`` and the samples to integers;
- generation: ``analyze`` + ``local_certificate`` (verdict with its reason) and the check
  (``check_document``, which recomputes everything from theta and X);
- funcdim: the exact rank of all of J (J mod p and the whole elimination, upper bounds);
- peers in the same process: numpy float64 SVD rank (``matrix_rank``) of the float64 J, and
  the float32 pipeline (float32 J, ``matrix_rank`` in float32 with its default tolerance).

The elimination is :func:`exactid.networks.elimination.rank_profile` (the float64-BLAS PLUQ
when ``exactid.linalg.modular`` is present, flint's nmod_mat otherwise: the table says which).
Single runs (the machine is shared; ``uptime`` is recorded).

The stretch case ``784:32,32``: 784 inputs (28 x 28 integer images: digits pictures upscaled 3x at
a random offset, plus integer noise), hidden (32, 32), 10 logits, 3,000 samples; the model is
trained on pixels / 255 and the 1/255 is folded exactly into the first layer.

Run: ``.venv/bin/python benchmarks/bench_digits.py [32,32 64,64 784:32,32 ...] [--no-funcdim] [--no-svd]``
(``--report`` rewrites ``results/digits.md`` from ``results/digits.json``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

CASES = [(32, 32), (64, 64), (100, 100)]


#: The stretch case: 784 inputs (28 x 28 images), hidden (32, 32), 10 logits, 3,000 samples.
STRETCH = "784:32,32"
STRETCH_SAMPLES = 3000
#: The float peers' results (``--no-svd`` reruns keep the earlier run's).
PEER_FIELDS = ("float64_rank", "float64_s", "float32_rank", "float32_s")


def stretch_data(samples: int = STRETCH_SAMPLES, seed: int = 0):
    """28 x 28 integer images (0..255) with labels: digits pictures upscaled 3x, placed at a random
    offset in the frame, times 15, plus integer noise 0..15 on every pixel (so that no pixel is
    constant)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(digits.target), samples)
    X = rng.integers(0, 16, (samples, 28, 28))
    for s, i in enumerate(pick):
        img = np.kron(digits.images[i].astype(np.int64), np.ones((3, 3), dtype=np.int64)) * 15
        r, c = rng.integers(0, 5, 2)
        X[s, r:r + 24, c:c + 24] += img
    return X.reshape(samples, 784), digits.target[pick]


def train(hidden):
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    if hidden == STRETCH:
        X, y = stretch_data()
        hidden = (32, 32)
    else:
        digits = load_digits()
        X, y = digits.data, digits.target
    clf = MLPClassifier(hidden_layer_sizes=hidden, activation="relu", random_state=0, max_iter=300)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X / 255 if X.shape[1] == 784 else X, y)
    if X.shape[1] == 784:  # trained on X / 255: fold the 1/255 into the first layer's weights exactly
        return clf, X, 255
    return clf, X, 1


def run_case(hidden, do_funcdim: bool, do_svd: bool) -> dict:
    from exactid.certify.relu import local_certificate
    from exactid.checker import check_document
    from exactid.networks import elimination
    from exactid.networks.format import Network
    from exactid.networks.funcdim import functional_dimension
    from exactid.networks.local_identifiability import analyze
    from exactid.networks.relu import jacobian_float
    from exactid.networks.relu_forward import exact_forward

    clf, Xf, scale = train(hidden)
    out: dict = {"hidden": hidden if isinstance(hidden, str) else list(hidden)}
    t = time.perf_counter()
    net = Network.from_numpy("relu", [w.T for w in clf.coefs_], clf.intercepts_)
    if scale != 1:  # the model reads pixels / scale: divide W1 exactly instead of the samples
        import flint

        net = Network(net.activation, [net.weights[0] * flint.fmpq(1, scale)] + net.weights[1:], net.biases)
    X = Xf.astype(np.int64)  # integer pixels
    out["convert_s"] = time.perf_counter() - t
    d, h = net.num_parameters, net.num_hidden
    n, k = X.shape[0], net.widths[-1]
    out.update(d=d, h=h, d_minus_h=d - h, n=n, J_shape=f"{n * k}x{d}",
               elimination=f"float64-BLAS PLUQ (p <= {elimination.PRIME_MAX})")
    t = time.perf_counter()
    fwd = exact_forward(net, X)
    report = analyze(net, X, fwd=fwd, show_progress=False)
    cert, _ = local_certificate(net, X, report, fwd)
    out["generate_s"] = time.perf_counter() - t
    out["verdict"], out["reason"] = report.verdict, report.reason
    out["never_active"] = len(report.never_active)
    out["constancy"] = {r: sum(c.rule == r for c in report.constancy) for r in ("zero_input", "zero_outgoing", "never_active")}
    t = time.perf_counter()
    out["check"] = check_document(json.loads(json.dumps(cert)))
    out["check_s"] = time.perf_counter() - t
    if do_funcdim:
        t = time.perf_counter()
        fd = functional_dimension(net, X, show_progress=False, fwd=fwd)
        out["funcdim_s"] = time.perf_counter() - t
        out["rank"], out["rank_status"], out["upper_bound"] = fd.rank, fd.status, fd.upper_bound
        out["funcdim_seconds"] = {k: round(v, 2) for k, v in fd.seconds.items()}
    if do_svd:
        ws, bs = net.to_numpy()
        t = time.perf_counter()
        Jf = jacobian_float(ws, bs, Xf)
        out["float64_rank"] = int(np.linalg.matrix_rank(Jf))
        out["float64_s"] = time.perf_counter() - t
        del Jf
        t = time.perf_counter()
        J32 = jacobian_float([w.astype(np.float32) for w in ws], [b.astype(np.float32) for b in bs],
                             Xf.astype(np.float32)).astype(np.float32)
        out["float32_rank"] = int(np.linalg.matrix_rank(J32))
        out["float32_s"] = time.perf_counter() - t
    out["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return out


def write_markdown(results: list, path: str) -> None:
    """The table of ``results`` (one dict per case, as :func:`run_case` returns, plus ``uptime_before``)."""
    from common import machine

    lines = ["### Trained ReLU MLPs on scikit-learn's digits (1,797 samples, 64 features, 10 logits)", "",
             f"Machine: {machine()}. Single runs; the load average at the start of each case is in the last "
             "column (2 cores: above 2, other jobs shared the machine and wall times grow with the load). "
             "Float peer figures marked † come from an earlier run of the same script (`--no-svd` reruns keep "
             "them); the funcdim time measured in that same process is given with them.", "",
             "| hidden | d | d − h | J | verdict (reason) | generate s | check s | convert s | funcdim s "
             "(J / elimination) | rank J (status, upper bound) | float64 SVD rank (s) | float32 rank (s) | peak RSS GiB | load |",
             "|" + "---|" * 14]
    for r in results:
        fd = r.get("funcdim_seconds", {})
        funcdim = (f"{r['funcdim_s']:.0f} ({fd.get('jacobian_mod_p', 0):.0f} / {fd.get('elimination', 0):.0f})"
                   if "funcdim_s" in r else "not run")
        rank = f"{r['rank']} ({r['rank_status']}, ≤ {r['upper_bound']})" if "rank" in r else "—"
        mark = f"† (funcdim {r['peers_funcdim_s']:.0f} s in that process)" if "peers_funcdim_s" in r else ""
        f64 = f"{r['float64_rank']} ({r['float64_s']:.0f}){mark}" if "float64_rank" in r else "not run"
        f32 = f"{r['float32_rank']} ({r['float32_s']:.0f})" if "float32_rank" in r else "not run"
        load = r.get("uptime_before", "").split("load average:")[-1].strip()
        label = (f"784 inputs, (32, 32), {r['n']} samples" if r["hidden"] == STRETCH else
                 str(tuple(r["hidden"])))
        lines.append(f"| {label} | {r['d']} | {r['d_minus_h']} | {r['J_shape']} | {r['verdict']} "
                     f"({r['reason']}) | {r['generate_s']:.1f} | {r['check_s']:.1f} | {r['convert_s']:.2f} | {funcdim} | "
                     f"{rank} | {f64} | {f32} | {r['peak_rss_gib']:.2f} | {load} |")
    lines += ["", "generate = exact forward pass + directions of constancy (+ J mod p and elimination when "
              "needed) + certificate; check = `check_document` recomputing the facts from theta and X; convert = "
              "the fitted scikit-learn arrays to an exact Network (samples are integer pixels); funcdim = the exact "
              "rank of all of J (J mod p, one float64-BLAS elimination, upper bounds). float64 SVD = "
              "`np.linalg.matrix_rank` of the float64 J; float32 = the float32 J and `matrix_rank` in float32 "
              "(default tolerance).", "",
              "Findings. The float64 SVD rank equals the certified lower bound on all three networks; the "
              "float32 pipeline's ranks (2,249, 4,745, 7,115) are far below it, so they are wrong (rank J >= the "
              "lower bound is proved by a nonzero minor mod p). In the same process as the SVD, the exact funcdim "
              "was 4x (32, 32: 152 s against 602 s, load 9-12), 8x (64, 64: 30 s against 235 s) and 5x "
              "((100, 100): 204 s against 1,030 s, load about 4) faster than the float64 SVD. The upper bound is "
              "d - rank_p of a family of exact kernel vectors (exactid.networks.kernel_family): it meets the "
              "lower bound on (32, 32), so rank J = 2,842 is exact there, and leaves gaps of 6 on (64, 64) and "
              "22 on (100, 100) (`lower_bound`). Every verdict is settled by a direction of constancy before "
              "any rank (blank pixels, neurons off on every image), in under a second, and checked in under "
              "a second."]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    results_json = os.path.join(os.path.dirname(__file__), "results", "digits.json")
    if "--report" in sys.argv:
        with open(results_json, encoding="utf-8") as fh:
            write_markdown(json.load(fh), results_json.replace(".json", ".md"))
        return
    if "--case" in sys.argv:
        hidden = args[0] if args[0] == STRETCH else tuple(int(v) for v in args[0].split(","))
        print(json.dumps(run_case(hidden, "--no-funcdim" not in sys.argv, "--no-svd" not in sys.argv)))
        return
    cases = [a if a == STRETCH else tuple(int(v) for v in a.split(",")) for a in args] or CASES
    flags = [f for f in sys.argv[1:] if f in ("--no-funcdim", "--no-svd")]
    results = []
    for hidden in cases:
        uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        name = hidden if hidden == STRETCH else ",".join(map(str, hidden))
        proc = subprocess.run([sys.executable, __file__, name, "--case", *flags],
                              capture_output=True, text=True)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            continue
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        res["uptime_before"] = uptime
        results.append(res)
        print(json.dumps(res), flush=True)
    path = os.path.join(os.path.dirname(__file__), "results", "digits.json")
    old = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = json.load(fh)
        for res in results:  # a rerun without the float peers keeps the earlier run's peer figures
            earlier = next((r for r in old if r["hidden"] == res["hidden"]), {})
            if "float64_rank" in earlier and "float64_rank" not in res:
                res.update({k: earlier[k] for k in PEER_FIELDS if k in earlier}, peers_from=earlier["uptime_before"],
                           peers_funcdim_s=earlier.get("peers_funcdim_s", earlier.get("funcdim_s")))
        old = [r for r in old if r["hidden"] not in [x["hidden"] for x in results]]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(old + results, fh, indent=1)
    write_markdown(old + results, path.replace(".json", ".md"))


if __name__ == "__main__":
    main()
