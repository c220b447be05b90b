"""Network file formats: ONNX, scikit-learn, PyTorch, .npz, and sample files.

Oracles: onnxruntime's outputs on the same graphs, scikit-learn's own predictions, numpy
forward passes written here from the raw arrays, exact Fraction / mpmath forward passes written
here, and hand-derived rationals (a float32 is m / 2^e).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import warnings
from fractions import Fraction

import flint
import mpmath
import numpy as np
import onnx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from exactid.cli.main import main as cli_main
from exactid.errors import InputError, ShapeError
from exactid.networks.equivalence import evaluate_ball, evaluate_exact
from exactid.networks.format import Network, load_network, load_samples, save_network
from exactid.networks.formats import network_format, normalize_activation
from exactid.networks.formats.npz import load_npz_network, save_npz_network
from exactid.networks.formats.onnx import network_from_onnx, network_to_onnx, onnx_bytes
from exactid.networks.formats.sklearn import network_from_sklearn
from exactid.networks.relu import forward

ort = pytest.importorskip("onnxruntime")

F32_001 = Fraction(float(np.float32(0.01)))  # the float32 nearest to 1/100
ACTIVATIONS = ["relu", "tanh", "logistic", "identity", "leaky_relu:1/4", "leaky_relu:-3/8", f"leaky_relu:{F32_001}"]


# --------------------------------------------------------------------------- oracles
def fraction_forward(weights, biases, activation, x):
    """Exact outputs by Fractions (weights as float arrays or Fraction lists); PL activations only."""
    slope = {"relu": Fraction(0), "identity": Fraction(1)}.get(activation)
    if slope is None:
        slope = Fraction(activation.partition(":")[2])
    h = [Fraction(v) for v in x]
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = [sum((Fraction(w[i][j]) * h[j] for j in range(len(h))), Fraction(0)) + Fraction(b[i]) for i in range(len(b))]
        h = z if l == len(weights) - 1 else [t if t > 0 else slope * t for t in z]
    return h


def mp_forward(weights, biases, activation, x):
    """tanh/logistic outputs with mpmath at 60 digits."""
    with mpmath.workdps(60):
        h = [mpmath.mpf(Fraction(v).numerator) / Fraction(v).denominator for v in x]
        for l, (w, b) in enumerate(zip(weights, biases)):
            z = [mpmath.fsum(mpmath.mpf(Fraction(w[i][j]).numerator) / Fraction(w[i][j]).denominator * h[j]
                             for j in range(len(h))) + mpmath.mpf(Fraction(b[i]).numerator) / Fraction(b[i]).denominator
                 for i in range(len(b))]
            if l < len(weights) - 1:
                z = [mpmath.tanh(t) if activation == "tanh" else 1 / (1 + mpmath.exp(-t)) for t in z]
            h = z
        return [float(v) for v in h]


def exactid_outputs(net: Network, X: np.ndarray) -> np.ndarray:
    """exactid's exact forward pass (relu.forward, evaluate_exact, evaluate_ball) as floats."""
    if net.activation == "relu":
        out = forward(net, X).output
        return np.array([[int(v.p) / int(v.q) for v in (out[i, j] for j in range(out.ncols()))]
                         for i in range(out.nrows())])
    rows = []
    for x in X:
        q = [flint.fmpq(*float(v).as_integer_ratio()) for v in x]
        if net.activation == "identity":
            vals = fraction_forward([[[Fraction(int(w[i, j].p), int(w[i, j].q)) for j in range(w.ncols())]
                                      for i in range(w.nrows())] for w in net.weights],
                                    [[Fraction(int(b[i, 0].p), int(b[i, 0].q)) for i in range(b.nrows())]
                                     for b in net.biases], "identity", [Fraction(float(v)) for v in x])
            rows.append([float(v) for v in vals])
        elif net.activation in ("tanh", "logistic"):
            rows.append([float(v.mid()) for v in evaluate_ball(net, q, prec=200)])
        else:
            rows.append([int(v.p) / int(v.q) for v in evaluate_exact(net, q)])
    return np.array(rows)


def run_ort(model_or_bytes, X: np.ndarray, name: str = "X") -> np.ndarray:
    data = model_or_bytes if isinstance(model_or_bytes, bytes) else model_or_bytes.SerializeToString()
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(None, {name: X})[0]


def cli(*args):
    """(exit code, stdout, stderr) of the command line, run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli_main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def random_float_network(widths, activation, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(0, scale, size=(widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    bs = [rng.normal(0, scale, size=widths[l + 1]) for l in range(len(widths) - 1)]
    return ws, bs, Network.from_numpy(ws, bs, activation)


# --------------------------------------------------------------------------- round trips
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
dyadic = st.builds(lambda m, e: m / 2.0 ** e, st.integers(-(2 ** 30), 2 ** 30), st.integers(0, 60))


@st.composite
def float_networks(draw):
    depth = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 4), min_size=depth + 1, max_size=depth + 1))
    values = st.one_of(finite, dyadic)
    ws = [np.array(draw(st.lists(values, min_size=widths[l + 1] * widths[l], max_size=widths[l + 1] * widths[l])),
                   dtype=np.float64).reshape(widths[l + 1], widths[l]) for l in range(depth)]
    bs = [np.array(draw(st.lists(values, min_size=widths[l + 1], max_size=widths[l + 1])), dtype=np.float64)
          for l in range(depth)]
    return ws, bs, draw(st.sampled_from(ACTIVATIONS))


@settings(max_examples=60)
@given(float_networks())
def test_onnx_round_trip_is_exact(case):
    ws, bs, activation = case
    net = Network.from_numpy(ws, bs, activation)
    back = network_from_onnx(onnx_bytes(net))
    assert back == net
    assert back.activation == net.activation
    # and the parameters are the floats themselves, not a decimal reading of them
    assert [Fraction(int(v.p), int(v.q)) for v in back.weights[0].entries()] == [Fraction(v) for v in ws[0].ravel()]


@settings(max_examples=40)
@given(case=float_networks())
def test_npz_and_json_round_trips_are_exact(case, tmp_path_factory):
    ws, bs, activation = case
    net = Network.from_numpy(ws, bs, activation)
    folder = tmp_path_factory.mktemp("rt")
    for name in ("n.json", "n.json.gz", "n.npz", "n.onnx"):
        save_network(folder / name, net)
        assert load_network(folder / name) == net, name
        assert load_network(folder / name).activation == net.activation, name


def test_export_is_deterministic_and_valid():
    _, _, net = random_float_network([4, 5, 3], "tanh", 0)
    assert onnx_bytes(net) == onnx_bytes(net)
    onnx.checker.check_model(network_to_onnx(net), full_check=True)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity", "leaky_relu:1/4", f"leaky_relu:{F32_001}"])
def test_onnxruntime_agrees_with_exact_forward_pass(activation):
    ws, bs, net = random_float_network([5, 7, 6, 3], activation, seed=len(activation))
    X = np.random.default_rng(1).normal(size=(25, 5))
    got = run_ort(onnx_bytes(net), X)
    exact = exactid_outputs(net, X)
    assert got.shape == (25, 3)
    np.testing.assert_allclose(got, exact, rtol=1e-10, atol=1e-10)
    # the exact pass itself against the independent oracles written above
    for i in (0, 7, 24):
        oracle = mp_forward(ws, bs, activation, X[i]) if activation in ("tanh", "logistic") else \
            [float(v) for v in fraction_forward(ws, bs, activation, X[i])]
        np.testing.assert_allclose(exact[i], oracle, rtol=1e-13, atol=1e-13)


def test_export_refuses_what_floats_cannot_hold(tmp_path):
    net = Network.from_lists("relu", [([[1, "1/3"]], [0]), ([[1]], [0])])
    with pytest.raises(InputError, match=r"W0\[0,1\] = 1/3 is not a float64"):
        network_to_onnx(net)
    with pytest.raises(InputError, match="not a float32"):
        network_to_onnx(Network.from_lists("leaky_relu:1/100", [([[1]], [0]), ([[1]], [0])]))
    with pytest.raises(InputError, match="cannot be written to ONNX"):
        network_to_onnx(Network.from_lists("hardtanh", [([[1]], [0]), ([[1]], [0])]))
    save_network(tmp_path / "n.json", net)  # JSON holds every rational
    with pytest.raises(InputError):
        save_network(tmp_path / "n.onnx", net)
    assert not (tmp_path / "n.onnx").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["n.json"]


# --------------------------------------------------------------------------- hand-built graphs
def make_model(nodes, inits, in_shape, out_shape, elem=TensorProto.FLOAT, opset=17):
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("X", elem, in_shape)],
                              [helper.make_tensor_value_info("Y", elem, out_shape)],
                              initializer=[numpy_helper.from_array(a, name=n) for n, a in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def assert_matches_ort(model, X, rtol):
    net = network_from_onnx(model)
    np.testing.assert_allclose(exactid_outputs(net, X), run_ort(model, X), rtol=rtol, atol=rtol)
    return net


@pytest.mark.parametrize("trans_a,trans_b,data_first", [(0, 0, True), (0, 1, True), (1, 1, False), (0, 0, False)])
def test_gemm_attributes_exactly(trans_a, trans_b, data_first):
    rng = np.random.default_rng(trans_a * 4 + trans_b * 2 + data_first)
    n_in, n_hidden, n_out = 4, 5, 3
    alpha, beta = 0.3, -1.7  # float32 attributes: the reader must use their exact float32 values
    if data_first:  # Y = alpha op(X) op(W) + beta C, rows are samples
        w1 = rng.normal(size=(n_hidden, n_in) if trans_b else (n_in, n_hidden))
        c1 = rng.normal(size=(n_hidden,))
        first = helper.make_node("Gemm", ["X", "W1", "C1"], ["z"], name="g1", alpha=alpha, beta=beta, transB=trans_b)
        w2, c2 = rng.normal(size=(n_hidden, n_out)), rng.normal(size=(1, n_out))
        second = helper.make_node("Gemm", ["h", "W2", "C2"], ["Y"], name="g2")
        X = rng.normal(size=(6, n_in))
        in_shape, out_shape = [None, n_in], [None, n_out]
    else:  # Y = alpha op(W) op(X) + beta C, columns are samples (X given as (features, batch) unless transB)
        w1 = rng.normal(size=(n_in, n_hidden) if trans_a else (n_hidden, n_in))
        c1 = rng.normal(size=(n_hidden, 1))
        first = helper.make_node("Gemm", ["W1", "X", "C1"], ["z"], name="g1", alpha=alpha, beta=beta,
                                 transA=trans_a, transB=trans_b)
        w2, c2 = rng.normal(size=(n_out, n_hidden)), rng.normal(size=(n_out, 1))
        second = helper.make_node("Gemm", ["W2", "h", "C2"], ["Y"], name="g2")
        X = rng.normal(size=(6, n_in)) if trans_b else rng.normal(size=(n_in, 6))
        in_shape, out_shape = list(X.shape), [n_out, 6]
    model = make_model([first, helper.make_node("Relu", ["z"], ["h"], name="r"), second],
                       {"W1": w1, "C1": c1, "W2": w2, "C2": c2}, in_shape, out_shape, elem=TensorProto.DOUBLE)
    net = network_from_onnx(model)
    samples = X if data_first or trans_b else X.T
    got = run_ort(model, X)
    got = got if data_first else got.T
    np.testing.assert_allclose(exactid_outputs(net, samples), got, rtol=1e-6, atol=1e-6)
    # the exact first-layer weight is the float32 alpha times the float64 weight, exactly
    a32 = Fraction(float(np.float32(alpha)))
    if data_first:
        w_exact = w1 if trans_b else w1.T  # W = alpha op(B)^T
    else:
        w_exact = w1.T if trans_a else w1  # W = alpha op(A)
    assert Fraction(int(net.weights[0][0, 1].p), int(net.weights[0][0, 1].q)) == a32 * Fraction(w_exact[0, 1])
    b32 = Fraction(float(np.float32(beta)))
    assert Fraction(int(net.biases[0][2, 0].p), int(net.biases[0][2, 0].q)) == b32 * Fraction(np.ravel(c1)[2])


def test_matmul_add_flatten_reshape_identity_constant_float32():
    rng = np.random.default_rng(3)
    w1 = rng.normal(size=(12, 6)).astype(np.float32)
    b1 = rng.normal(size=(6,)).astype(np.float32)
    w2 = rng.normal(size=(6, 2)).astype(np.float32)
    nodes = [
        helper.make_node("Flatten", ["X"], ["f"], name="flat", axis=1),
        helper.make_node("Identity", ["f"], ["f2"], name="id"),
        helper.make_node("MatMul", ["f2", "W1"], ["m"], name="mm1"),
        helper.make_node("Add", ["B1", "m"], ["z"], name="add1"),
        helper.make_node("Tanh", ["z"], ["h"], name="tanh"),
        helper.make_node("Constant", [], ["shape"], name="c", value=numpy_helper.from_array(np.array([-1, 6], np.int64))),
        helper.make_node("Reshape", ["h", "shape"], ["h2"], name="rs"),
        helper.make_node("Constant", [], ["W2"], name="cw", value=numpy_helper.from_array(w2)),
        helper.make_node("MatMul", ["h2", "W2"], ["Y"], name="mm2"),
    ]
    model = make_model(nodes, {"W1": w1, "B1": b1}, [None, 3, 2, 2], [None, 2])
    X = rng.normal(size=(5, 3, 2, 2)).astype(np.float32)
    net = network_from_onnx(model)
    assert net.widths == [12, 6, 2] and net.activation == "tanh"
    assert net.biases[1].entries() == [0, 0]  # MatMul without Add: zero bias
    # float32 entries are exact dyadic rationals
    assert Fraction(int(net.weights[0][4, 7].p), int(net.weights[0][4, 7].q)) == Fraction(float(w1[7, 4]))
    ort_out = run_ort(model, X)
    exact = exactid_outputs(net, X.reshape(5, -1).astype(np.float64))
    np.testing.assert_allclose(exact, ort_out, rtol=1e-5, atol=1e-5)  # onnxruntime computes in float32


def test_integer_and_float16_weights():
    w1 = np.array([[2, -3], [1, 5]], dtype=np.int64)
    b1 = np.array([0.5, -0.25], dtype=np.float16)
    nodes = [helper.make_node("MatMul", ["X", "W1"], ["m"], name="mm"), helper.make_node("Add", ["m", "B1"], ["z"]),
             helper.make_node("Relu", ["z"], ["h"]), helper.make_node("Gemm", ["h", "W2"], ["Y"], transB=1)]
    model = make_model(nodes, {"W1": w1, "B1": b1, "W2": np.array([[7, 1]], dtype=np.int32)}, [None, 2], [None, 1])
    net = network_from_onnx(model)
    assert net.to_json() == {"activation": "relu", "layers": [{"W": [[2, 1], [-3, 5]], "b": ["1/2", "-1/4"]},
                                                              {"W": [[7, 1]], "b": [0]}]}


def leaky_model(alpha=None):
    attrs = {} if alpha is None else {"alpha": alpha}
    nodes = [helper.make_node("Gemm", ["X", "W1", "B1"], ["z"], name="g1", transB=1),
             helper.make_node("LeakyRelu", ["z"], ["h"], name="lrelu", **attrs),
             helper.make_node("Gemm", ["h", "W2", "B2"], ["Y"], name="g2", transB=1)]
    rng = np.random.default_rng(5)
    return make_model(nodes, {"W1": rng.normal(size=(3, 2)), "B1": rng.normal(size=3), "W2": rng.normal(size=(1, 3)),
                              "B2": np.zeros(1)}, [None, 2], [None, 1], elem=TensorProto.DOUBLE)


def test_leaky_relu_alpha_is_the_exact_float32():
    net = network_from_onnx(leaky_model())  # default alpha 0.01 (float32)
    assert F32_001 == Fraction(5368709, 536870912)
    assert net.activation == "leaky_relu:5368709/536870912"
    X = np.random.default_rng(0).normal(size=(30, 2))
    np.testing.assert_allclose(exactid_outputs(net, X), run_ort(leaky_model(), X), rtol=1e-7, atol=1e-9)
    assert network_from_onnx(leaky_model(0.2), leaky_relu_slope="1/5").activation == "leaky_relu:1/5"
    assert network_from_onnx(leaky_model(), leaky_relu_slope="1/100").activation == "leaky_relu:1/100"
    with pytest.raises(InputError, match="not the float32 nearest"):
        network_from_onnx(leaky_model(), leaky_relu_slope="1/10")
    assert network_from_onnx(leaky_model(0.0)).activation == "relu"


def test_one_layer_graph_and_no_activation():
    nodes = [helper.make_node("Gemm", ["X", "W"], ["Y"], transB=1)]
    model = make_model(nodes, {"W": np.ones((2, 3))}, [None, 3], [None, 2])
    assert network_from_onnx(model).activation == "identity"
    nodes = [helper.make_node("MatMul", ["X", "W1"], ["z"]), helper.make_node("MatMul", ["z", "W2"], ["Y"])]
    net = network_from_onnx(make_model(nodes, {"W1": np.ones((3, 2)), "W2": np.ones((2, 1))}, [None, 3], [None, 1]))
    assert net.activation == "identity" and net.widths == [3, 2, 1]


BAD_GRAPHS = {
    "unsupported op": (lambda: make_model([helper.make_node("Gemm", ["X", "W"], ["z"], name="fc"),
                                           helper.make_node("Softmax", ["z"], ["Y"], name="probs")],
                                          {"W": np.ones((3, 2))}, [None, 3], [None, 2]),
                       r"unsupported ONNX op 'Softmax'.*'probs'|Softmax node 'probs'"),
    "shapes do not chain": (lambda: make_model([helper.make_node("MatMul", ["X", "W1"], ["z"], name="mm1"),
                                                helper.make_node("Relu", ["z"], ["h"]),
                                                helper.make_node("MatMul", ["h", "W2"], ["Y"], name="mm2")],
                                               {"W1": np.ones((3, 4)), "W2": np.ones((5, 1))}, [None, 3], [None, 1]),
                            r"mm2.*takes 5 inputs, the data has 4"),
    "input width": (lambda: make_model([helper.make_node("MatMul", ["X", "W1"], ["Y"], name="mm1")],
                                       {"W1": np.ones((4, 2))}, [None, 3], [None, 2]), r"takes 4 inputs, the data has 3"),
    "NaN weight": (lambda: make_model([helper.make_node("MatMul", ["X", "W1"], ["Y"])],
                                      {"W1": np.array([[1.0], [np.nan]])}, [None, 2], [None, 1]), r"NaN or infinite"),
    "inf weight": (lambda: make_model([helper.make_node("MatMul", ["X", "W1"], ["Y"])],
                                      {"W1": np.array([[1.0], [-np.inf]], dtype=np.float32)}, [None, 2], [None, 1]),
                   r"NaN or infinite"),
    "mixed activations": (lambda: make_model([helper.make_node("MatMul", ["X", "W"], ["a"]),
                                              helper.make_node("Relu", ["a"], ["b"], name="r1"),
                                              helper.make_node("MatMul", ["b", "W"], ["c"]),
                                              helper.make_node("Tanh", ["c"], ["d"], name="t1"),
                                              helper.make_node("MatMul", ["d", "W"], ["Y"])],
                                             {"W": np.eye(2)}, [None, 2], [None, 2]), r"different activations"),
    "final activation": (lambda: make_model([helper.make_node("MatMul", ["X", "W"], ["a"]),
                                             helper.make_node("Sigmoid", ["a"], ["Y"], name="out")],
                                            {"W": np.eye(2)}, [None, 2], [None, 2]), r"output passes through logistic"),
    "branch": (lambda: make_model([helper.make_node("MatMul", ["X", "W"], ["a"]),
                                   helper.make_node("Relu", ["a"], ["b"]),
                                   helper.make_node("Add", ["a", "b"], ["Y"], name="residual")],
                                  {"W": np.eye(2)}, [None, 2], [None, 2]), r"residual.*(second time|data path)"),
    "bad reshape": (lambda: make_model([helper.make_node("MatMul", ["X", "W"], ["a"]),
                                        helper.make_node("Reshape", ["a", "s"], ["Y"], name="rs")],
                                       {"W": np.eye(4), "s": np.array([-1, 2], np.int64)}, [None, 4], [None, 2]),
                    r"rs.*target shape \[-1, 2\]"),
    "activation first": (lambda: make_model([helper.make_node("Relu", ["X"], ["a"], name="r0"),
                                             helper.make_node("MatMul", ["a", "W"], ["Y"])],
                                            {"W": np.eye(2)}, [None, 2], [None, 2]), r"activation on the input"),
}


@pytest.mark.parametrize("case", sorted(BAD_GRAPHS))
def test_bad_graphs_are_refused(case, tmp_path):
    build, message = BAD_GRAPHS[case]
    model = build()
    with pytest.raises(InputError, match=message):
        network_from_onnx(model)
    path = tmp_path / "bad.onnx"
    path.write_bytes(model.SerializeToString())
    code, out, err = cli("convert", path, "-o", tmp_path / "out.json")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("exactid: error: ") and "Traceback" not in err
    assert not (tmp_path / "out.json").exists()


def test_not_an_onnx_file_and_external_data(tmp_path):
    path = tmp_path / "garbage.onnx"
    path.write_bytes(b"\xff\xfe not protobuf at all \x00\x01")
    with pytest.raises(InputError, match="not .*ONNX"):
        load_network(path)
    model = make_model([helper.make_node("MatMul", ["X", "W"], ["Y"])], {"W": np.ones((2, 2))}, [None, 2], [None, 2])
    tensor = model.graph.initializer[0]
    tensor.data_location = TensorProto.EXTERNAL
    with pytest.raises(InputError, match="external file"):
        network_from_onnx(model)


# --------------------------------------------------------------------------- scikit-learn
def logits_by_numpy(est, X):
    """Independent oracle: the forward pass from coefs_/intercepts_ without the output function."""
    act = {"relu": lambda t: np.maximum(t, 0), "tanh": np.tanh, "logistic": lambda t: 1 / (1 + np.exp(-t)),
           "identity": lambda t: t}[est.activation]
    h = X
    for l, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        h = h @ w + b
        if l < len(est.coefs_) - 1:
            h = act(h)
    return h


def fit_quietly(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_sklearn_classifier_logits(activation):
    from sklearn.datasets import make_classification
    from sklearn.neural_network import MLPClassifier

    X, y = make_classification(n_samples=80, n_features=5, n_informative=4, n_redundant=0, n_classes=3, random_state=0)
    est = fit_quietly(MLPClassifier(hidden_layer_sizes=(6, 4), activation=activation, max_iter=60, random_state=1), X, y)
    net = Network.from_sklearn(est)
    assert net.widths == [5, 6, 4, 3] and net.activation == activation
    exact = exactid_outputs(net, X[:20])
    np.testing.assert_allclose(exact, logits_by_numpy(est, X[:20]), rtol=1e-9, atol=1e-9)
    assert np.array_equal(est.classes_[np.argmax(exact, axis=1)], est.predict(X[:20]))
    softmax = np.exp(exact - exact.max(axis=1, keepdims=True))
    np.testing.assert_allclose(softmax / softmax.sum(axis=1, keepdims=True), est.predict_proba(X[:20]), atol=1e-9)


def test_sklearn_binary_classifier_and_regressor():
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    clf = fit_quietly(MLPClassifier(hidden_layer_sizes=(5,), max_iter=80, random_state=0), X, y)
    net = network_from_sklearn(clf)
    assert net.widths == [3, 5, 1]  # one logit; predict_proba applies the logistic function to it
    logit = exactid_outputs(net, X)[:, 0]
    assert np.array_equal((logit > 0).astype(int), clf.predict(X))
    np.testing.assert_allclose(1 / (1 + np.exp(-logit)), clf.predict_proba(X)[:, 1], atol=1e-9)
    reg = fit_quietly(MLPRegressor(hidden_layer_sizes=(4, 3), activation="tanh", max_iter=50, random_state=0),
                      X, X @ [1.0, -2.0, 0.5])
    np.testing.assert_allclose(exactid_outputs(network_from_sklearn(reg), X[:10])[:, 0], reg.predict(X[:10]), atol=1e-9)


def test_sklearn_digits_to_onnx_and_certify(tmp_path):
    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16.0, y[:300]
    est = fit_quietly(MLPClassifier(hidden_layer_sizes=(8,), max_iter=40, random_state=0), X, y)
    net = Network.from_sklearn(est)
    exact = exactid_outputs(net, X)
    np.testing.assert_allclose(exact, logits_by_numpy(est, X), rtol=1e-9, atol=1e-9)
    assert np.array_equal(est.classes_[np.argmax(exact, axis=1)], est.predict(X))
    net.to_onnx(tmp_path / "digits.onnx")
    assert load_network(tmp_path / "digits.onnx") == net
    np.save(tmp_path / "x.npy", X[:40])
    code, out, err = cli("certify", "relu", "--net", tmp_path / "digits.onnx", "--samples", tmp_path / "x.npy", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["d"] == 64 * 8 + 8 + 8 * 10 + 10 and report["n"] == 40
    assert report["verdict"] in ("identifiable", "not_identifiable", "undecided")


def test_sklearn_refusals():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    with pytest.raises(InputError, match="not fitted"):
        network_from_sklearn(MLPClassifier())
    with pytest.raises(InputError, match="MLPClassifier or MLPRegressor"):
        network_from_sklearn(LogisticRegression())


# --------------------------------------------------------------------------- npz networks
def test_npz_network_reading_and_refusals(tmp_path):
    w0, b0, w1, b1 = np.array([[1.5, -2.0]]), np.array([0.25]), np.array([[3]]), np.array([1])
    np.savez(tmp_path / "ok.npz", W0=w0, b0=b0, W1=w1, b1=b1, activation=np.array("ReLU"))
    net = load_network(tmp_path / "ok.npz")
    assert net.to_json() == {"activation": "relu", "layers": [{"W": [["3/2", -2]], "b": ["1/4"]},
                                                              {"W": [[3]], "b": [1]}]}
    cases = {
        "missing.npz": (dict(W0=w0, b0=b0, W1=w1, activation=np.array("relu")), r"missing array b1"),
        "noact.npz": (dict(W0=w0, b0=b0), r"no 'activation'"),
        "nokeys.npz": (dict(weights=w0, activation=np.array("relu")), r"unexpected array 'weights'"),
        "chain.npz": (dict(W0=w0, b0=b0, W1=np.ones((1, 3)), b1=b1, activation=np.array("relu")), r"layer 1: W has 3 columns"),
        "nan.npz": (dict(W0=np.array([[np.nan, 1.0]]), b0=b0, activation=np.array("relu")), r"W0: not a finite"),
        "objects.npz": (dict(W0=np.array([[1, None]], dtype=object), b0=b0, activation=np.array("relu")), r"object arrays are refused"),
    }
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / name, **arrays)
        with pytest.raises(InputError, match=message):
            load_network(tmp_path / name)
        code, out, err = cli("convert", tmp_path / name, "-o", tmp_path / (name + ".json"))
        assert code == 2 and err.count("\n") == 1 and not (tmp_path / (name + ".json")).exists(), (name, err)


# --------------------------------------------------------------------------- samples
def test_sample_formats_agree(tmp_path):
    X = np.random.default_rng(2).normal(size=(7, 3))
    np.save(tmp_path / "x.npy", X)
    np.savez(tmp_path / "x.npz", X=X, other=np.ones(2))
    np.savez(tmp_path / "only.npz", samples=X)
    (tmp_path / "x.json").write_text(json.dumps({"X": X.tolist()}))
    expected = flint.fmpq_mat(7, 3, [flint.fmpq(*v.as_integer_ratio()) for v in X.ravel().tolist()])
    for name in ("x.npy", "x.npz", "only.npz", "x.json"):
        assert load_samples(tmp_path / name) == expected, name
    # images (n, 2, 2) are flattened per sample in C order
    np.save(tmp_path / "img.npy", np.arange(8).reshape(2, 2, 2))
    assert load_samples(tmp_path / "img.npy").entries() == list(range(8))
    # CSV: exact decimals, header line skipped
    (tmp_path / "x.csv").write_text("a, b ,c\n0.1,2/3,-4\n1e-3,0,5\n")
    assert load_samples(tmp_path / "x.csv") == flint.fmpq_mat([[flint.fmpq(1, 10), flint.fmpq(2, 3), -4],
                                                               [flint.fmpq(1, 1000), 0, 5]])
    (tmp_path / "noheader.csv").write_text("1,2\n3,4\n")
    assert load_samples(tmp_path / "noheader.csv").entries() == [1, 2, 3, 4]


def test_bad_samples(tmp_path):
    cases = {
        "text.csv": ("1,2\n3,abc\n", r"line 2, column 2: not a number: 'abc'"),
        "nan.csv": ("1,2\nnan,4\n", r"line 2, column 1"),
        "ragged.csv": ("1,2\n3\n", r"line 2 has 1 cells"),
        "empty.csv": ("x,y\n", r"no samples"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError, match=message):
            load_samples(tmp_path / name)
    np.save(tmp_path / "obj.npy", np.array([[1, None]], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="object arrays are refused"):
        load_samples(tmp_path / "obj.npy")
    np.save(tmp_path / "inf.npy", np.array([[1.0, np.inf]]))
    with pytest.raises(InputError, match="not a finite"):
        load_samples(tmp_path / "inf.npy")
    np.save(tmp_path / "vec.npy", np.ones(3))
    with pytest.raises(ShapeError, match="2-d"):
        load_samples(tmp_path / "vec.npy")
    np.savez(tmp_path / "two.npz", a=np.ones((2, 2)), b=np.ones((2, 2)))
    with pytest.raises(InputError, match="no array 'X'"):
        load_samples(tmp_path / "two.npz")
    np.save(tmp_path / "strings.npy", np.array([["a", "b"]]))
    with pytest.raises(InputError, match="expected numbers"):
        load_samples(tmp_path / "strings.npy")
    (tmp_path / "two_cols.csv").write_text("1,2\n3,4\n")
    with pytest.raises(ShapeError, match="samples have 2 coordinates, the network expects 3"):
        load_samples(tmp_path / "two_cols.csv", width=3)


def test_wrong_sample_width_via_cli(tmp_path):
    _, _, net = random_float_network([3, 4, 1], "relu", 0)
    save_network(tmp_path / "net.onnx", net)
    np.save(tmp_path / "x.npy", np.ones((5, 2)))
    code, out, err = cli("certify", "relu", "--net", tmp_path / "net.onnx", "--samples", tmp_path / "x.npy",
                         "-o", tmp_path / "cert.json")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "samples have 2 coordinates, the network expects 3" in err
    assert not (tmp_path / "cert.json").exists()


# --------------------------------------------------------------------------- convert and dispatch
def test_convert_validates_output_before_reading(tmp_path):
    code, _, err = cli("convert", tmp_path / "missing.onnx", "-o", tmp_path / "out.txt")
    assert code == 2 and "-o" in err and "must end in" in err
    code, _, err = cli("convert", tmp_path / "missing.onnx", "-o", tmp_path / "nodir" / "out.json")
    assert code == 2 and "directory does not exist" in err
    code, _, err = cli("convert", tmp_path / "missing.onnx", "-o", tmp_path / "out.json")
    assert code == 2 and "no such file" in err


def test_convert_round_trip_and_json_output(tmp_path):
    net = Network.from_lists("tanh", [([[1, "-1/2"], [0.75, 2]], [1, "1/8"]), ([[1, -1]], [0])])
    save_network(tmp_path / "net.json", net)
    code, out, err = cli("convert", tmp_path / "net.json", "-o", tmp_path / "net.onnx", "--json")
    assert code == 0, err
    assert json.loads(out) == {"verdict": "converted", "input": str(tmp_path / "net.json"),
                               "output": str(tmp_path / "net.onnx"), "activation": "tanh", "widths": [2, 2, 1], "d": 9}
    code, out, err = cli("convert", tmp_path / "net.onnx", "-o", tmp_path / "back.json.gz")
    assert code == 0, err
    assert load_network(tmp_path / "back.json.gz") == net
    thirds = Network.from_lists("relu", [([[1, "1/3"]], [0]), ([[1]], [0])])
    save_network(tmp_path / "thirds.json", thirds)
    code, out, err = cli("convert", tmp_path / "thirds.json", "-o", tmp_path / "thirds.onnx")
    assert code == 2 and "1/3 is not a float64" in err and not (tmp_path / "thirds.onnx").exists()


def test_dispatch_and_json_behaviour_unchanged(tmp_path):
    obj = {"activation": "relu", "layers": [{"W": [[1, "2/3"]], "b": [0.5]}, {"W": [[2]], "b": ["-1"]}]}
    (tmp_path / "net.weird").write_text(json.dumps(obj))  # any other extension is read as JSON, as before
    assert network_format(tmp_path / "net.weird") == "json"
    net = load_network(tmp_path / "net.weird")
    assert net.to_json() == {"activation": "relu", "layers": [{"W": [[1, "2/3"]], "b": ["1/2"]}, {"W": [[2]], "b": [-1]}]}
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(InputError, match="malformed JSON"):
        load_network(tmp_path / "bad.json")
    np.savez(tmp_path / "net.bin", W0=np.ones((1, 2)), b0=np.zeros(1), activation=np.array("tanh"))
    os.replace(tmp_path / "net.bin.npz", tmp_path / "net.bin")
    assert network_format(tmp_path / "net.bin") == "npz"
    assert load_network(tmp_path / "net.bin").activation == "tanh"


def test_activation_names_are_normalized_once():
    assert normalize_activation("Sigmoid") == "logistic"
    assert normalize_activation("LeakyReLU:0.25") == "leaky_relu:1/4"
    assert normalize_activation("leaky_relu") == "leaky_relu:1/100"
    assert normalize_activation("leaky_relu:0") == "relu"
    assert normalize_activation("softplus") == "softplus"  # unknown names are left to the commands
    with pytest.raises(InputError):
        normalize_activation("leaky_relu:abc")
    net = Network.from_lists("Sigmoid", [([[1]], [0]), ([[1]], [0])])
    assert net.activation == "logistic"


def test_from_numpy_both_argument_orders():
    w, b = [np.array([[0.1, 2]])], [np.array([3.0])]
    assert Network.from_numpy(w, b, "relu") == Network.from_numpy("relu", w, b)
    assert Network.from_numpy(w, b, "relu").weights[0][0, 0] == flint.fmpq(*(0.1).as_integer_ratio())
    assert Network.from_numpy(w, b, "relu", denominator=10).weights[0][0, 0] == flint.fmpq(1, 10)
    with pytest.raises(InputError, match="not a finite"):
        Network.from_numpy([np.array([[np.nan]])], [np.zeros(1)], "relu")
    big = np.array([[2 ** 62 + 1]], dtype=np.int64)  # integers stay exact (no float detour)
    assert Network.from_numpy([big], [np.zeros(1, dtype=np.int64)], "relu").weights[0][0, 0] == 2 ** 62 + 1


# --------------------------------------------------------------------------- PyTorch
def test_torch_missing_names_the_extra(tmp_path):
    try:
        import torch  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("torch is installed")
    (tmp_path / "model.pt").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InputError, match=r"exactid\[torch\]"):
        load_network(tmp_path / "model.pt")
    code, out, err = cli("convert", tmp_path / "model.pt", "-o", tmp_path / "out.json")
    assert code == 2 and err.count("\n") == 1 and "exactid[torch]" in err


def test_torch_sequential_and_state_dict_files(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    for act_module, name in [(torch.nn.ReLU(), "relu"), (torch.nn.Tanh(), "tanh"), (torch.nn.Sigmoid(), "logistic"),
                             (torch.nn.LeakyReLU(0.25), "leaky_relu:1/4")]:
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 5), act_module, torch.nn.Linear(5, 3),
                                    type(act_module)(*([0.25] if name.startswith("leaky") else [])), torch.nn.Linear(3, 2))
        net = Network.from_torch(model)
        assert net.activation == name and net.widths == [4, 5, 3, 2]
        X = torch.randn(10, 4)
        with torch.no_grad():
            expected = model.double()(X.double()).numpy()
        np.testing.assert_allclose(exactid_outputs(net, X.double().numpy()), expected, rtol=1e-9, atol=1e-9)
        torch.save({"state_dict": model.state_dict(), "activation": name}, tmp_path / "m.pt")
        assert load_network(tmp_path / "m.pt") == net
        torch.save(model.state_dict(), tmp_path / "bare.pth")
        with pytest.raises(InputError, match="does not record the activation"):
            load_network(tmp_path / "bare.pth")
        assert load_network(tmp_path / "bare.pth", activation=name) == net


def test_torch_refusals(tmp_path):
    torch = pytest.importorskip("torch")
    with pytest.raises(InputError, match="Conv"):
        Network.from_torch(torch.nn.Sequential(torch.nn.Conv1d(1, 1, 2), torch.nn.ReLU(), torch.nn.Linear(2, 1)))
    with pytest.raises(InputError, match="different activations"):
        Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Linear(2, 2),
                                               torch.nn.Tanh(), torch.nn.Linear(2, 1)))
    with pytest.raises(InputError, match="output passes through"):
        Network.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid()))
    # a whole pickled module is an arbitrary object: refused by weights_only=True, never executed
    torch.save(torch.nn.Sequential(torch.nn.Linear(2, 1)), tmp_path / "whole.pt")
    with pytest.raises(InputError, match="objects other than tensors"):
        load_network(tmp_path / "whole.pt")
    code, out, err = cli("convert", tmp_path / "whole.pt", "-o", tmp_path / "out.json")
    assert code == 2 and err.count("\n") == 1 and not (tmp_path / "out.json").exists()
    with pytest.raises(InputError, match="unexpected entry"):
        Network.from_torch({"0.weight": torch.ones(2, 2), "1.running_mean": torch.ones(2)}, activation="relu")
    bad = torch.ones(1, 2)
    bad[0, 1] = float("nan")
    with pytest.raises(InputError, match="not a finite"):
        Network.from_torch({"0.weight": bad}, activation="relu")


# --------------------------------------------------------------------------- random graphs
ONNX_ACTS = {"relu": ("Relu", {}), "tanh": ("Tanh", {}), "logistic": ("Sigmoid", {}),
             "leaky_relu:1/8": ("LeakyRelu", {"alpha": 0.125})}
LAYER_STYLES = ["gemm_transB", "gemm_plain", "gemm_alpha_beta", "matmul_add", "add_first", "matmul_only"]


@st.composite
def onnx_chains(draw):
    depth = draw(st.integers(1, 4))
    widths = draw(st.lists(st.integers(1, 5), min_size=depth + 1, max_size=depth + 1))
    return widths, [draw(st.sampled_from(LAYER_STYLES)) for _ in range(depth)], draw(st.sampled_from(sorted(ONNX_ACTS))), \
        draw(st.lists(st.booleans(), min_size=depth, max_size=depth)), draw(st.integers(0, 2 ** 32 - 1))


@settings(max_examples=30)
@given(onnx_chains())
def test_random_onnx_chains_read_exactly(case):
    """Each layer written in one of several styles; the exact parameters are derived here by hand
    (alpha, beta as float32), and onnxruntime's outputs must match the exact forward pass."""
    widths, styles, activation, identities, seed = case
    rng = np.random.default_rng(seed)
    nodes, inits, data = [], {}, "X"
    expected_w, expected_b = [], []
    for l, style in enumerate(styles):
        w = rng.normal(size=(widths[l + 1], widths[l]))
        b = rng.normal(size=widths[l + 1])
        out = "Y" if l == len(styles) - 1 else f"z{l}"
        wf = [[Fraction(v) for v in row] for row in w]
        bf = [Fraction(v) for v in b]
        if style == "gemm_transB":
            inits[f"W{l}"], inits[f"B{l}"] = w, b
            nodes.append(helper.make_node("Gemm", [data, f"W{l}", f"B{l}"], [out], transB=1))
        elif style == "gemm_plain":
            inits[f"W{l}"], inits[f"B{l}"] = w.T.copy(), b.reshape(1, -1)
            nodes.append(helper.make_node("Gemm", [data, f"W{l}", f"B{l}"], [out]))
        elif style == "gemm_alpha_beta":
            inits[f"W{l}"], inits[f"B{l}"] = w, b
            nodes.append(helper.make_node("Gemm", [data, f"W{l}", f"B{l}"], [out], transB=1, alpha=0.7, beta=-2.5))
            a32, b32 = Fraction(float(np.float32(0.7))), Fraction(-2.5)
            wf = [[a32 * v for v in row] for row in wf]
            bf = [b32 * v for v in bf]
        elif style in ("matmul_add", "add_first"):
            inits[f"W{l}"], inits[f"B{l}"] = w.T.copy(), b
            nodes.append(helper.make_node("MatMul", [data, f"W{l}"], [f"m{l}"]))
            pair = [f"m{l}", f"B{l}"] if style == "matmul_add" else [f"B{l}", f"m{l}"]
            nodes.append(helper.make_node("Add", pair, [out]))
        else:
            inits[f"W{l}"] = w.T.copy()
            nodes.append(helper.make_node("MatMul", [data, f"W{l}"], [out]))
            bf = [Fraction(0)] * len(bf)
        expected_w.append(wf)
        expected_b.append(bf)
        data = out
        if l < len(styles) - 1:
            op, attrs = ONNX_ACTS[activation]
            nodes.append(helper.make_node(op, [data], [f"h{l}"], **attrs))
            data = f"h{l}"
            if identities[l]:
                nodes.append(helper.make_node("Identity", [data], [f"i{l}"]))
                data = f"i{l}"
    model = make_model(nodes, inits, [None, widths[0]], [None, widths[-1]], elem=TensorProto.DOUBLE)
    net = network_from_onnx(model)
    assert net.activation == (activation if len(styles) > 1 else "identity")
    for l in range(len(styles)):
        got_w = [[Fraction(int(v.p), int(v.q)) for v in net.weights[l].entries()[r * widths[l]:(r + 1) * widths[l]]]
                 for r in range(widths[l + 1])]
        assert got_w == expected_w[l]
        assert [Fraction(int(v.p), int(v.q)) for v in net.biases[l].entries()] == expected_b[l]
    X = rng.normal(size=(4, widths[0]))
    if len(styles) > 1:
        np.testing.assert_allclose(exactid_outputs(net, X), run_ort(model, X), rtol=1e-9, atol=1e-9)


def test_every_net_command_reads_every_format(tmp_path):
    net = Network.from_lists("relu", [([[1, -2], [0.5, 1]], [0, "1/4"]), ([[1, 3]], [-1])])
    for name in ("a.json", "a.onnx", "a.npz"):
        save_network(tmp_path / name, net)
    code, out, err = cli("equiv", tmp_path / "a.onnx", tmp_path / "a.npz", "--json")
    assert code == 0 and json.loads(out)["verdict"] == "equivalent", err
    boxes = [cli("certify", "relu-box", "--net", tmp_path / name, "--json") for name in ("a.json", "a.onnx", "a.npz")]
    assert all(code == 0 for code, _, _ in boxes)
    assert len({json.loads(out)["verdict"] for _, out, _ in boxes}) == 1


def test_nan_attributes_are_refused():
    model = make_model([helper.make_node("Gemm", ["X", "W"], ["Y"], name="g", alpha=float("nan"))],
                       {"W": np.ones((2, 2))}, [None, 2], [None, 2])
    with pytest.raises(InputError, match=r"Gemm node 'g': alpha: not a finite"):
        network_from_onnx(model)
    model = leaky_model(float("inf"))
    with pytest.raises(InputError, match=r"LeakyRelu node 'lrelu': alpha: not a finite"):
        network_from_onnx(model)


# --------------------------------------------------------------------------- fuzzing the readers
def _valid_bytes():
    _, _, net = random_float_network([3, 4, 2], "tanh", 7)
    buf = io.BytesIO()
    np.savez(buf, W0=np.ones((2, 3)), b0=np.zeros(2), activation=np.array("relu"))
    npy = io.BytesIO()
    np.save(npy, np.arange(6, dtype=np.float32).reshape(2, 3) / 7)
    return {"onnx": onnx_bytes(net), "npz": buf.getvalue(), "csv": b"a,b\n0.5,1/3\n-2,1e-3\n", "npy": npy.getvalue()}


VALID = _valid_bytes()


@settings(max_examples=150)
@given(kind=st.sampled_from(sorted(VALID)), edits=st.lists(st.tuples(st.integers(0, 10 ** 6), st.integers(0, 255)),
                                                          min_size=1, max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10 ** 6)))
def test_mutated_files_give_a_network_or_one_input_error(kind, edits, cut, tmp_path_factory):
    data = bytearray(VALID[kind])
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[:cut % (len(data) + 1)]
    path = tmp_path_factory.mktemp("fuzz") / f"m.{kind}"
    path.write_bytes(bytes(data))
    try:
        result = load_samples(path) if kind in ("csv", "npy") else load_network(path)
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, (Network, flint.fmpq_mat))


OPS_FOR_FUZZ = ["Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Flatten", "Identity", "Reshape",
                "Constant", "Softmax", "Conv"]


@settings(max_examples=150)
@given(seed=st.integers(0, 2 ** 32 - 1), mutations=st.lists(st.integers(0, 5), min_size=1, max_size=3))
def test_structurally_mutated_onnx_graphs(seed, mutations):
    """Ops renamed, inputs rewired, initializers reshaped, attributes retyped: a network or one InputError."""
    rng = np.random.default_rng(seed)
    _, _, net = random_float_network([3, 4, 4, 2], "relu", seed % 1000)
    model = network_to_onnx(net)
    graph = model.graph
    names = ["X", "Y"] + [n for node in graph.node for n in node.output] + [t.name for t in graph.initializer]
    for kind in mutations:
        node = graph.node[rng.integers(len(graph.node))]
        if kind == 0:
            node.op_type = OPS_FOR_FUZZ[rng.integers(len(OPS_FOR_FUZZ))]
        elif kind == 1 and len(node.input):
            node.input[rng.integers(len(node.input))] = names[rng.integers(len(names))]
        elif kind == 2:
            t = graph.initializer[rng.integers(len(graph.initializer))]
            arr = numpy_helper.to_array(t)
            t.CopyFrom(numpy_helper.from_array(arr.reshape(-1) if arr.ndim > 1 else arr.reshape(1, -1), t.name))
        elif kind == 3:
            node.attribute.append(helper.make_attribute(["alpha", "transB", "axis", "value"][rng.integers(4)],
                                                        [1, 0.5, "s", [1, 2]][rng.integers(4)]))
        elif kind == 4:
            del graph.node[rng.integers(len(graph.node))]
        else:
            graph.node.insert(int(rng.integers(len(graph.node) + 1)),
                              helper.make_node(OPS_FOR_FUZZ[rng.integers(len(OPS_FOR_FUZZ))],
                                               [names[rng.integers(len(names))]], [f"extra{rng.integers(9)}"]))
    try:
        result = network_from_onnx(model.SerializeToString())
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(result, Network)


def test_reading_up_to_the_logits_of_a_softmax_classifier(tmp_path):
    rng = np.random.default_rng(11)
    w1, b1, w2, b2 = rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=2)
    nodes = [helper.make_node("Gemm", ["X", "W1", "B1"], ["z"], transB=1), helper.make_node("Relu", ["z"], ["h"]),
             helper.make_node("Gemm", ["h", "W2", "B2"], ["logits"], transB=1),
             helper.make_node("Softmax", ["logits"], ["Y"], name="probs", axis=1)]
    model = make_model(nodes, {"W1": w1, "B1": b1, "W2": w2, "B2": b2}, [None, 3], [None, 2], elem=TensorProto.DOUBLE)
    with pytest.raises(InputError, match="Softmax"):
        network_from_onnx(model)
    net = network_from_onnx(model, output="logits")
    assert net == Network.from_numpy([w1, w2], [b1, b2], "relu")
    X = rng.normal(size=(6, 3))
    logits = exactid_outputs(net, X)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs, run_ort(model, X), rtol=1e-9, atol=1e-12)  # onnxruntime's softmax of our logits
    with pytest.raises(InputError, match="unsupported ONNX op 'Softmax'"):
        network_from_onnx(model, output="nowhere")  # the walk meets the Softmax before any 'nowhere'
    del model.graph.node[3]
    with pytest.raises(InputError, match="'nowhere' is not on the chain from the input \\(it ends at 'logits'\\)"):
        network_from_onnx(model, output="nowhere")
    path = tmp_path / "clf.onnx"
    path.write_bytes(model.SerializeToString())
    code, out, err = cli("convert", path, "--onnx-output", "logits", "-o", tmp_path / "clf.json")
    assert code == 0, err
    assert load_network(tmp_path / "clf.json") == net


def test_too_large_for_memory_is_refused_before_reading(tmp_path, monkeypatch):
    import exactid.resources

    np.save(tmp_path / "x.npy", np.ones((50, 40)))
    (tmp_path / "x.csv").write_text("\n".join(",".join(["1"] * 40) for _ in range(50)))
    _, _, net = random_float_network([40, 30, 2], "relu", 0)
    save_network(tmp_path / "n.onnx", net)
    monkeypatch.setattr(exactid.resources, "available_memory_bytes", lambda: 100_000)
    for name in ("x.npy", "x.csv"):
        with pytest.raises(InputError, match="needs about .* GiB, more than the"):
            load_samples(tmp_path / name)
    with pytest.raises(InputError, match="converting .* exactly needs about"):
        load_network(tmp_path / "n.onnx")
