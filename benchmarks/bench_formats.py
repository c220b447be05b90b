"""Reading trained models and real data exactly: the cost of the network and sample formats.

Models: scikit-learn ``MLPClassifier`` on the bundled digits data (1,797 samples, 64 features,
10 logits), hidden (32, 32), (64, 64), (100, 100), trained briefly in the benchmark (training is
not timed). For each: exact conversion from the estimator, ONNX export, and reading back from
``.onnx``, ``.npz`` and exactid JSON; the peer is ``onnx.load`` plus ``numpy_helper.to_array``
(the float arrays, no exact conversion). Samples: all 1,797 digits from ``.npy``, ``.npz``,
``.csv`` and JSON. Medians of several runs; the machine is shared (load in the result file).
Run: .venv/bin/python benchmarks/bench_formats.py
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import median_time, write_table  # noqa: E402

import onnx  # noqa: E402  (imported once up front: its import time is not the format's cost)
from onnx import numpy_helper  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from exactid.networks.format import Network, load_network, load_samples, save_network  # noqa: E402

RUNS = 5
HIDDEN = [(32, 32), (64, 64), (100, 100)]


def main() -> None:
    X, y = load_digits(return_X_y=True)
    rows, sample_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for hidden in HIDDEN:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = MLPClassifier(hidden_layer_sizes=hidden, max_iter=30, random_state=0).fit(X, y)
            t_sk, net = median_time(lambda: Network.from_sklearn(est), RUNS)
            paths = {ext: os.path.join(tmp, f"net{ext}") for ext in (".onnx", ".npz", ".json")}
            t_export, _ = median_time(lambda: save_network(paths[".onnx"], net), RUNS)
            save_network(paths[".npz"], net)
            save_network(paths[".json"], net)
            t_onnx, back = median_time(lambda: load_network(paths[".onnx"]), RUNS)
            assert back == net
            t_npz, _ = median_time(lambda: load_network(paths[".npz"]), RUNS)
            t_json, _ = median_time(lambda: load_network(paths[".json"]), RUNS)
            t_peer, _ = median_time(lambda: [numpy_helper.to_array(t) for t in onnx.load(paths[".onnx"]).graph.initializer],
                                    RUNS)
            rows.append([f"64-{'-'.join(map(str, hidden))}-10", net.num_parameters, f"{t_sk:.3f}", f"{t_export:.3f}",
                         f"{t_onnx:.3f}", f"{t_npz:.3f}", f"{t_json:.3f}", f"{t_peer:.4f}"])
        files = {"npy": os.path.join(tmp, "X.npy"), "npz": os.path.join(tmp, "X.npz"),
                 "csv": os.path.join(tmp, "X.csv"), "json": os.path.join(tmp, "X.json")}
        np.save(files["npy"], X)
        np.savez(files["npz"], X=X)
        np.savetxt(files["csv"], X, delimiter=",", fmt="%.17g")
        with open(files["json"], "w") as fh:
            json.dump({"X": X.tolist()}, fh)
        reference = load_samples(files["npy"])
        for kind, path in files.items():
            t, S = median_time(lambda: load_samples(path, width=64), RUNS)
            assert S == reference, kind
            sample_rows.append([kind, f"{X.shape[0]} x {X.shape[1]}", f"{t:.3f}"])
    load = os.getloadavg()
    notes = (f"Load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on a shared machine "
             f"(numbers are noisy). Times in seconds, medians of {RUNS} runs. Exact conversion: every float "
             f"becomes the rational it is; the peer only decodes the float arrays.")
    text = write_table("benchmarks/results/formats.md", "Reading trained digits models exactly",
                       ["network", "d", "from sklearn", "write .onnx", "read .onnx", "read .npz", "read .json",
                        "peer: onnx.load + to_array"], rows, notes)
    table = io.StringIO()
    table.write("\n### Reading the digits samples exactly (1,797 x 64)\n\n| file | shape | seconds |\n|---|---|---|\n")
    for row in sample_rows:
        table.write("| " + " | ".join(row) + " |\n")
    with open("benchmarks/results/formats.md", "a", encoding="utf-8") as fh:
        fh.write(table.getvalue())
    print(text + table.getvalue())


if __name__ == "__main__":
    main()
