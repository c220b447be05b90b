"""Exact equivalence decisions: piecewise-linear networks with one hidden layer (normal forms and
an exact separating point), tanh against logistic networks, activation names, and the box checker.

Oracles: an independent evaluation with Python Fractions (piecewise-linear networks) or mpmath
(smooth ones), written here from the definitions."""

from __future__ import annotations

import copy
import json
import random
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

from exactid.certify.equivalence import equivalence_certificate
from exactid.checker import check_document
from exactid.checker.core import Rejected
from exactid.networks.equivalence import decide_equivalence
from exactid.networks.format import Network, network_from_json


def slope_of(name: str) -> Fraction:
    return Fraction(0) if name == "relu" else Fraction(name.split(":")[1])


def evaluate(js: dict, x: list[Fraction]) -> list[Fraction]:
    """Oracle: a one-activation piecewise-linear network evaluated with Fractions."""
    a = slope_of(js["activation"])
    values = list(x)
    for index, layer in enumerate(js["layers"]):
        values = [sum((Fraction(w) * v for w, v in zip(row, values)), Fraction(0)) + Fraction(b)
                  for row, b in zip(layer["W"], layer["b"])]
        if index < len(js["layers"]) - 1:
            values = [z if z > 0 else a * z for z in values]
    return values


def evaluate_smooth(js: dict, x: list[float]) -> list:
    """Oracle: tanh or logistic network evaluated with mpmath at 50 digits."""
    mpmath.mp.dps = 50
    sigma = mpmath.tanh if js["activation"] == "tanh" else (lambda t: 1 / (1 + mpmath.exp(-t)))
    values = [mpmath.mpf(v) for v in x]
    for index, layer in enumerate(js["layers"]):
        values = [sum((mpmath.mpf(Fraction(w).numerator) / Fraction(w).denominator * v for w, v in zip(row, values)),
                      mpmath.mpf(0)) + mpmath.mpf(Fraction(b).numerator) / Fraction(b).denominator
                  for row, b in zip(layer["W"], layer["b"])]
        if index < len(js["layers"]) - 1:
            values = [sigma(t) for t in values]
    return values


def certified(net1: Network, net2: Network):
    result = decide_equivalence(net1, net2)
    cert = equivalence_certificate(net1, net2, result)
    if cert is not None:
        assert isinstance(check_document(json.loads(json.dumps(cert))), str)
    return result, cert


def assert_separates(net1: Network, net2: Network, result) -> None:
    x = [Fraction(int(v.p), int(v.q)) for v in result.point]
    k = result.output_index
    assert evaluate(net1.to_json(), x)[k] != evaluate(net2.to_json(), x)[k]


def test_kinks_a_thousandth_apart_against_zero():
    bump = Network.from_lists("relu", [([[1], [1], [1]], [0, "-1/1000", "-2/1000"]), ([[1, -2, 1]], [0])])
    zero = Network.from_lists("relu", [([[1]], [0]), ([[0]], [0])])
    result, cert = certified(bump, zero)
    assert result.verdict == "not_equivalent" and cert is not None
    assert_separates(bump, zero, result)


def test_networks_that_differ_only_far_left():
    net1 = Network.from_lists("relu", [([[1], [-1]], [0, -100]), ([[1, 1]], [0])])
    net2 = Network.from_lists("relu", [([[1], [-1]], [0, -100]), ([[1, 2]], [0])])
    result, _ = certified(net1, net2)
    assert result.verdict == "not_equivalent"
    assert result.point[0] < -100
    assert_separates(net1, net2, result)


@pytest.mark.parametrize("name1, name2", [("leaky_relu", "leaky_relu:1/100"), ("leaky_relu:0.1", "leaky_relu:0.1"),
                                          ("relu", "leaky_relu:0"), ("leaky_relu", "leaky_relu")])
def test_activation_spellings_of_one_network_are_equivalent(name1, name2):
    layers = [{"W": [[1, -1], [2, 1]], "b": [0, 1]}, {"W": [[1, 3]], "b": [0]}]
    net1 = network_from_json({"activation": name1, "layers": layers})
    net2 = network_from_json({"activation": name2, "layers": layers})
    result, cert = certified(net1, net2)
    assert result.verdict == "equivalent" and cert is not None


small = st.integers(-3, 3)


@st.composite
def shallow_relu(draw, activation="relu", n=None):
    n, h = n or draw(st.integers(1, 2)), draw(st.integers(1, 4))
    W = [[draw(small) for _ in range(n)] for _ in range(h)]
    b = [draw(small) for _ in range(h)]
    V = [[draw(small) for _ in range(h)]]
    return {"activation": activation, "layers": [{"W": W, "b": b}, {"W": V, "b": [draw(small)]}]}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.integers(1, 2).flatmap(lambda n: st.tuples(shallow_relu(n=n), shallow_relu(n=n))),
       st.sampled_from(["relu", "leaky_relu:1/3", "leaky_relu:-2"]))
def test_shallow_piecewise_linear_pairs_are_always_decided(pair, activation):
    js1, js2 = pair
    js2 = dict(js2, activation=activation)
    net1, net2 = network_from_json(js1), network_from_json(js2)
    result, cert = certified(net1, net2)
    assert result.verdict in ("equivalent", "not_equivalent") and cert is not None
    if result.verdict == "not_equivalent":
        assert_separates(net1, net2, result)
    else:
        rng = random.Random(0)
        for _ in range(50):
            x = [Fraction(rng.randint(-400, 400), rng.randint(1, 40)) for _ in range(net1.widths[0])]
            assert evaluate(js1, x) == evaluate(js2, x)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shallow_relu(), st.sampled_from([Fraction(1, 3), Fraction(-2), Fraction(1, 100)]))
def test_relu_network_rewritten_with_leaky_neurons_is_equivalent(js, a):
    # relu(z) = (leaky(z) + a leaky(-z)) / ((1 + a)(1 - a)) for leaky(z) = max(z, a z) extended by slope a
    (first, second) = js["layers"]
    W = first["W"] + [[-w for w in row] for row in first["W"]]
    b = first["b"] + [-x for x in first["b"]]
    scale = (1 + a) * (1 - a)
    V = [[str(Fraction(v) / scale) for v in second["W"][0]] + [str(Fraction(v) * a / scale) for v in second["W"][0]]]
    leaky = {"activation": f"leaky_relu:{a}", "layers": [{"W": W, "b": b}, {"W": V, "b": second["b"]}]}
    result, cert = certified(network_from_json(js), network_from_json(leaky))
    assert result.verdict == "equivalent" and cert is not None
    x = [Fraction(3, 7)] * len(first["W"][0])
    assert evaluate(js, x) == evaluate(leaky, x)


@st.composite
def smooth_network(draw, activation):
    widths = draw(st.sampled_from([(1, 2, 1), (2, 3, 1), (2, 2, 2, 1)]))
    layers = [{"W": [[draw(small) for _ in range(widths[k])] for _ in range(widths[k + 1])],
               "b": [draw(small) for _ in range(widths[k + 1])]} for k in range(len(widths) - 1)]
    return {"activation": activation, "layers": layers}


@settings(max_examples=15, deadline=None, derandomize=True)
@given(smooth_network("tanh"), st.booleans())
def test_tanh_network_against_its_logistic_rewriting(js, perturb):
    from exactid.networks.actions import tanh_as_logistic

    tanh = network_from_json(js)
    logistic = tanh_as_logistic(tanh).to_json()
    points = [[0.3] * tanh.widths[0], [-1.7] * tanh.widths[0]]
    for x in points:  # the rewriting computes the same function (mpmath oracle)
        assert all(abs(p - q) < mpmath.mpf(10) ** -40 for p, q in zip(evaluate_smooth(js, x),
                                                                      evaluate_smooth(logistic, x)))
    if perturb:
        logistic = copy.deepcopy(logistic)
        logistic["layers"][-1]["b"][0] = str(Fraction(logistic["layers"][-1]["b"][0]) + Fraction(1, 1000))
    result, cert = certified(tanh, network_from_json(logistic))
    assert result.verdict == ("not_equivalent" if perturb else "equivalent") and cert is not None


def test_checker_rejects_a_tanh_rewriting_of_a_logistic_network():
    js = {"activation": "tanh", "layers": [{"W": [[1, 2]], "b": [1]}, {"W": [[3]], "b": [0]}]}
    from exactid.networks.actions import tanh_as_logistic

    tanh = network_from_json(js)
    _, cert = certified(tanh, tanh_as_logistic(tanh))
    tampered = copy.deepcopy(cert)
    tampered["data"]["network1"], tampered["data"]["network2"] = cert["data"]["network2"], cert["data"]["network1"]
    tampered["claim"]["activations"] = tampered["claim"]["activations"][::-1]
    tampered["claim"]["widths"] = tampered["claim"]["widths"][::-1]
    with pytest.raises(Rejected, match="only a tanh network"):  # the rewriting step names network 1
        check_document(tampered)
    bad = copy.deepcopy(cert)
    bad["data"]["network2"]["layers"][0]["b"][0] = "3"
    with pytest.raises(Rejected):
        check_document(bad)


def test_box_checker_rejects_a_rescaled_zero_neuron_as_alternative():
    from exactid.certify.relu import shallow_certificate

    net = Network.from_lists("relu", [([[1], [0]], [0, 0]), ([[1, 2]], [0])])
    cert, report = shallow_certificate(net, -1, 1)
    assert report.verdict == "not_identifiable" and isinstance(check_document(cert), str)
    rescaled = net.to_json()
    rescaled["layers"][1]["W"][0][1] = 6  # (0, 0, 2) -> (0, 0, 6): the rescaling by 1/3 of neuron 1
    tampered = copy.deepcopy(cert)
    tampered["data"]["alternative"] = rescaled
    with pytest.raises(Rejected, match="rescaling"):
        check_document(tampered)
