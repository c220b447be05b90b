"""The exact integer forward pass, J mod p in numpy, the elimination interface, directions of
constancy and their certificates, leaky ReLU, and funcdim on a given network: against SymPy,
the exact rational path (forward / jacobian_exact), nmod_mat and brute force."""

from __future__ import annotations

import copy
import json
from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from exactid.certify.relu import local_certificate
from exactid.checker import Rejected, check_document
from exactid.domains.finite import Reduction
from exactid.linalg import certified_rank
from exactid.networks.constancy import constancy_directions
from exactid.networks.elimination import rank_profile
from exactid.networks.format import Network
from exactid.networks.funcdim import functional_dimension
from exactid.networks.local_identifiability import analyze, jacobian_over_q
from exactid.networks.pathlifting import rescaling_directions
from exactid.networks.relu import (forward, jacobian_exact, network_from_vector, parameter_vector, random_network,
                                   random_samples)
from exactid.networks.relu_forward import (activation_slope, exact_forward, integer_matrix, jacobian_mod_p,
                                           matmul_mod)


def small(widths, n, seed=1):
    return random_network(widths, seed, denominator=1000), random_samples(n, widths[0], seed + 100, denominator=97)


def frac_forward(net: Network, X) -> list[list[Fraction]]:
    """Brute-force oracle: the forward pass with Python Fractions, one sample at a time."""
    slope = activation_slope(net.activation)
    W = [[[Fraction(int(w[i, j].p), int(w[i, j].q)) for j in range(w.ncols())] for i in range(w.nrows())]
         for w in net.weights]
    b = [[Fraction(int(v[i, 0].p), int(v[i, 0].q)) for i in range(v.nrows())] for v in net.biases]
    out = []
    for x in X:
        h = [Fraction(v) for v in x]
        for l in range(len(W)):
            z = [sum(W[l][i][j] * h[j] for j in range(len(h))) + b[l][i] for i in range(len(W[l]))]
            h = [t if t > 0 else slope * t for t in z] if l < len(W) - 1 else z
        out.append(h)
    return out


def rows_of(X) -> list[list[Fraction]]:
    return [[Fraction(int(X[i, j].p), int(X[i, j].q)) for j in range(X.ncols())] for i in range(X.nrows())]


def sympy_jacobian(net: Network, X) -> sympy.Matrix:
    """Independent oracle: the symbolic network (leaky relu as Piecewise), differentiated by SymPy."""
    slope = activation_slope(net.activation)
    theta = parameter_vector(net)
    syms = sympy.symbols(f"t0:{len(theta)}")
    widths = net.widths
    rows = []
    for x in X:
        h = [sympy.Rational(v.numerator, v.denominator) for v in x]
        pos = 0
        for l in range(len(widths) - 1):
            W = [[syms[pos + i * widths[l] + j] for j in range(widths[l])] for i in range(widths[l + 1])]
            pos += widths[l + 1] * widths[l]
            b = [syms[pos + i] for i in range(widths[l + 1])]
            pos += widths[l + 1]
            z = [sum(W[i][j] * h[j] for j in range(widths[l])) + b[i] for i in range(widths[l + 1])]
            a = sympy.Rational(slope.numerator, slope.denominator)
            h = [sympy.Piecewise((zi, zi > 0), (a * zi, True)) for zi in z] if l < len(widths) - 2 else z
        rows.extend(h)
    values = {sym: sympy.Rational(int(t.p), int(t.q)) for sym, t in zip(syms, theta)}
    return sympy.Matrix(rows).jacobian(sympy.Matrix(syms)).subs(values)


# -- exact forward pass --------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "leaky_relu:1/10", "leaky_relu:-1/3"])
@pytest.mark.parametrize("widths", [[2, 3, 1], [3, 4, 3, 2], [2, 2, 2, 2, 2]])
def test_exact_forward_matches_fractions(widths, activation):
    net, X = small(widths, 7)
    net = Network(activation, net.weights, net.biases)
    fwd = exact_forward(net, X)
    assert fwd.output_fractions() == frac_forward(net, rows_of(X))


def test_exact_forward_on_floats_huge_and_tiny():
    rng = np.random.default_rng(3)
    ws = [rng.normal(size=(4, 3)) * 10.0 ** rng.integers(-30, 30, size=(4, 3)), rng.normal(size=(2, 4))]
    bs = [rng.normal(size=4), rng.normal(size=2) * 1e-200]
    net = Network.from_numpy("relu", ws, bs)
    Xf = rng.normal(size=(5, 3)) * 1e15
    fwd = exact_forward(net, Xf)
    exact_rows = [[Fraction(float(v)) for v in row] for row in Xf]
    assert fwd.output_fractions() == frac_forward(net, exact_rows)
    num, den = integer_matrix(Xf)
    assert [[Fraction(int(v), den) for v in row] for row in num] == exact_rows
    with pytest.raises(Exception, match="NaN"):
        integer_matrix(np.array([[1.0, np.nan]]))


@pytest.mark.parametrize("widths", [[2, 3, 1], [3, 4, 3, 2], [2, 2, 2, 2, 2]])
@pytest.mark.parametrize("p", [2_097_143, 1_073_741_789])
def test_jacobian_mod_p_matches_exact_path(widths, p):
    net, X = small(widths, 6)
    Je = jacobian_exact(net, X)  # the rational per-sample path
    red = Je.reduce(Reduction(1, p, 1))
    Jr = np.array([int(v) for v in red.entries()]).reshape(red.nrows(), red.ncols())
    fwd = exact_forward(net, X)
    assert np.array_equal(jacobian_mod_p(fwd, p, dtype=np.int64), Jr)
    assert np.array_equal(jacobian_mod_p(fwd, p).astype(np.int64), Jr)
    cols = np.array([0, 3, Jr.shape[1] - 1])
    assert np.array_equal(jacobian_mod_p(fwd, p, columns=cols, dtype=np.int64), Jr[:, cols])


@pytest.mark.parametrize("activation", ["leaky_relu:1/10", "leaky_relu:-2"])
def test_leaky_jacobian_matches_sympy(activation):
    net, X = small([2, 3, 2, 1], 3, seed=4)
    net = Network(activation, net.weights, net.biases)
    fwd = exact_forward(net, X)
    assert not fwd.kinks
    Js = sympy_jacobian(net, rows_of(X))
    p = 2_097_143
    expected = np.array([[int(v.p) * pow(int(v.q), -1, p) % p for v in row] for row in Js.tolist()], dtype=np.int64)
    assert np.array_equal(jacobian_mod_p(fwd, p, dtype=np.int64), expected)
    assert jacobian_over_q(fwd).to_sympy().to_Matrix() == Js


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 40),
       st.sampled_from([3, 101, 2_097_143, 67_108_859, 1_073_741_789]))
def test_matmul_mod_and_rank_profile_against_nmod_mat(m, n, seed, p):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, p, size=(m, 7))
    b = rng.integers(0, p, size=(7, n))
    expected = (flint.nmod_mat(a.tolist(), p) * flint.nmod_mat(b.tolist(), p))
    assert matmul_mod(a, b, p).tolist() == [[int(v) for v in row] for row in expected.tolist()]
    A = (a @ np.eye(7, dtype=np.int64)[:, :n] * 0 + rng.integers(0, p, size=(m, n))) % p
    A[:, 0] = 0  # a zero column
    if m > 1:
        A[-1] = A[0]  # a repeated row
    prof = rank_profile(A, p, False)
    assert prof.rank == flint.nmod_mat(A.tolist(), p).rank()
    minor = A[np.ix_(prof.rows, prof.cols)]
    assert flint.nmod_mat(prof.rank, prof.rank, minor.ravel().tolist(), p).rank() == prof.rank


# -- directions of constancy -----------------------------------------------------------------------
def moved(net: Network, c: int, t: Fraction) -> Network:
    theta = list(parameter_vector(net))
    theta[c] = theta[c] + flint.fmpq(t.numerator, t.denominator)
    return Network(net.activation, *_layers(network_from_vector(net.widths, theta)))


def _layers(net):
    return net.weights, net.biases


def assert_constancy_exact(net: Network, X, constancy):
    """Brute force: f(X) unchanged exactly by small moves of the parameter; the witness kills every
    rescaling direction (pathlifting's own) and not the move."""
    rows = rows_of(X) if isinstance(X, flint.fmpq_mat) else [[Fraction(v) for v in r] for r in X]
    base = frac_forward(net, rows)
    directions = [[Fraction(int(v.p), int(v.q)) for v in r] for r in rescaling_directions(net)]
    for c in constancy:
        v = c.direction or {c.parameter: Fraction(1)}
        for t in (Fraction(1, 10**6), Fraction(-1, 10**7)):
            assert frac_forward(_moved_along(net, v, t), rows) == base
        assert sum(c.witness.get(i, 0) * x for i, x in v.items()) != 0
        for r in directions:
            assert sum(u * r[i] for i, u in c.witness.items()) == 0


def test_three_rules_certified_and_exact():
    # input 1 is zero at every sample; hidden neuron 1 never active; neuron 2 has zero outgoing weights
    net = Network.from_lists("relu", [([[1, 2], [-1, 1], [1, -1]], [0, -20, "1/2"]),
                                      ([[1, 1, 0], [2, -1, 0]], [0, 1]), ([[1, -1]], [3])])
    X = [[1, 0], [2, 0], [3, 0], [-1, 0], ["1/2", 0]]
    rep = analyze(net, X)
    rules = {(c.rule, c.layer, c.index) for c in rep.constancy}
    assert {("never_active", 1, 1), ("zero_input", 0, 1), ("zero_outgoing", 1, 2)} <= rules
    assert rep.verdict == "not_identifiable"
    assert_constancy_exact(net, [[Fraction(v) for v in r] for r in X], rep.constancy)
    cert, _ = local_certificate(net, X, rep)
    assert "direction of constancy" in check_document(json.loads(json.dumps(cert)))
    for c in rep.constancy:  # each instance certifies alone
        cert["steps"] = [{"kind": "constancy_direction", **c.as_dict(), "witness": {
            "indices": sorted(c.witness), "values": [str(c.witness[i]) for i in sorted(c.witness)]}}]
        assert c.rule in check_document(json.loads(json.dumps(cert)))


def test_witness_through_a_path_of_neurons():
    # neuron 0 of layer 2 is off; its bias is nonzero and it owns no single-owner coordinate except b:
    # the witness must walk to layer 1 (W2 weights are shared with layer-1 rescalings)
    net = Network.from_lists("relu", [([[1], [2]], [0, 0]), ([[1, 1], [1, -1]], [-100, 1]), ([[0, 1]], [0])])
    X = [[1], [2], [3]]
    cons = constancy_directions(exact_forward(net, X))
    assert [c.rule for c in cons] == ["zero_outgoing"] or cons
    assert_constancy_exact(net, [[Fraction(v) for v in r] for r in X], cons)
    cert, rep = local_certificate(net, X)
    check_document(cert)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 200))
def test_constancy_on_random_networks_is_exact(seed):
    net, X = small([2, 4, 3, 1], 6, seed=seed)
    cons = constancy_directions(exact_forward(net, X))
    assert_constancy_exact(net, X, cons)
    if cons:
        cert, rep = local_certificate(net, X)
        check_document(cert)


def _constancy_cert(rule):
    net = Network.from_lists("relu", [([[1, 2], [-1, 1], [1, -1]], [0, -20, "1/2"]),
                                      ([[1, 1, 0], [2, -1, 0]], [0, 1]), ([[1, -1]], [3])])
    X = [[1, 0], [2, 0], [3, 0], [-1, 0], ["1/2", 0]]
    cert, rep = local_certificate(net, X)
    (c,) = [c for c in rep.constancy if c.rule == rule]
    cert["steps"] = [{"kind": "constancy_direction", **c.as_dict(), "witness": {
        "indices": sorted(c.witness), "values": [str(c.witness[i]) for i in sorted(c.witness)]}}]
    check_document(cert)
    return cert


FACTS = {  # each rule's fact, broken
    "zero_input": lambda c: c["data"]["samples"]["X"][2].__setitem__(1, 5),  # the input is no longer zero
    "never_active": lambda c: c["data"]["network"]["layers"][0]["b"].__setitem__(1, 40),  # the neuron switches on
    "zero_outgoing": lambda c: c["data"]["network"]["layers"][1]["W"][0].__setitem__(2, 1),  # an outgoing weight
}
TAMPERS = [
    lambda c: [s.__setitem__("parameter", s["parameter"] + 1) for s in c["steps"]],
    lambda c: [s["witness"]["values"].__setitem__(-1, "7/3") for s in c["steps"]],
    lambda c: [s["witness"].__setitem__("indices", s["witness"]["indices"][:-1]) for s in c["steps"]],
    lambda c: [s.__setitem__("rule", {"never_active": "zero_outgoing"}.get(s["rule"], "never_active")) for s in c["steps"]],
    lambda c: [s.__setitem__("index", s["index"] + 1) for s in c["steps"]],
    lambda c: [s.__setitem__("layer", s["layer"] + 1) for s in c["steps"]],
    lambda c: c["claim"].__setitem__("verdict", "identifiable"),
]


@pytest.mark.parametrize("rule", sorted(FACTS))
@pytest.mark.parametrize("tamper", range(len(TAMPERS) + 1))
def test_constancy_tampering_rejected(rule, tamper):
    bad = copy.deepcopy(_constancy_cert(rule))
    (TAMPERS[tamper] if tamper < len(TAMPERS) else FACTS[rule])(bad)
    with pytest.raises(Rejected):
        check_document(bad)


def test_never_active_needs_relu():
    bad = _constancy_cert("never_active")
    bad["data"]["network"]["activation"] = "leaky_relu:1/10"
    with pytest.raises(Rejected, match=r"is not off \(ReLU\)"):
        check_document(bad)


# -- leaky relu and funcdim ------------------------------------------------------------------------
def test_leaky_relu_identifiable_certificate():
    net, X = small([2, 4, 1], 30, seed=2)
    net = Network("leaky_relu:1/10", net.weights, net.biases)
    cert, rep = local_certificate(net, X)
    assert rep.verdict == "identifiable" and rep.rank == rep.d_minus_h
    assert cert["data"]["network"]["activation"] == "leaky_relu:1/10"
    assert "locally identifiable" in check_document(json.loads(json.dumps(cert)))
    bad = copy.deepcopy(cert)
    bad["data"]["network"]["activation"] = "relu"  # other slopes: the minor changes
    bad["data"]["network"]["layers"][0]["b"] = [-1000] * 4
    with pytest.raises(Rejected):
        check_document(bad)


def test_leaky_relu_cn_certificate():
    net, X = small([2, 4, 1], 5, seed=2)
    net = Network("leaky_relu", net.weights, net.biases)  # default leak 1/100
    cert, rep = local_certificate(net, X)
    assert rep.verdict == "not_identifiable" and rep.rank == rep.r_a == 5
    assert cert["data"]["network"]["activation"] == "leaky_relu:1/100"
    check_document(cert)


@pytest.mark.parametrize("seed", [1, 2, 6, 11])
def test_funcdim_exact_only_when_proved(seed):
    net, X = small([2, 5, 4, 1], 12, seed=seed)
    fwd = exact_forward(net, X)
    if fwd.kinks:
        pytest.skip("kink")
    fd = functional_dimension(net, X)
    exact = certified_rank(jacobian_exact(net, X))
    assert exact.certified == "exact"
    assert fd.status == "exact" and fd.rank == exact.rank
    assert fd.upper_bound >= fd.rank


def test_cli_funcdim_on_a_network(tmp_path, capsys):
    from exactid.cli.main import main
    from exactid.certify.relu import encode_samples
    net, X = small([2, 4, 1], 50, seed=1)
    (tmp_path / "net.json").write_text(json.dumps(net.to_json()))
    (tmp_path / "x.json").write_text(json.dumps(encode_samples(X)))
    assert main(["funcdim", "--net", str(tmp_path / "net.json"), "--samples", str(tmp_path / "x.json"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["rank"] == certified_rank(jacobian_exact(net, X)).rank == 13 and out["status"] == "exact"
    assert main(["funcdim", "--net", str(tmp_path / "net.json")]) == 2
    assert main(["funcdim", "--net", str(tmp_path / "net.json"), "--arch", "2,3,1"]) == 2


# -- masked layers and networks without biases ------------------------------------------------------
def _masked(seed=3, n=40):
    """A 3-4-2 network with a sparse first layer (half its weights fixed at 0) and no biases in layer 1."""
    from exactid.networks.format import network_from_json
    net, X = small([3, 4, 2], n, seed=seed)
    obj = net.to_json()
    mask = [[1, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 1]]
    obj["layers"][0]["W"] = [[w if m else 0 for w, m in zip(row, mrow)] for row, mrow in zip(obj["layers"][0]["W"], mask)]
    obj["layers"][0]["W_mask"] = mask
    del obj["layers"][0]["b"]
    return network_from_json(obj), X


def test_masked_network_round_trip_and_bad_masks():
    from exactid.errors import InputError
    from exactid.networks.format import network_from_json
    net, _ = _masked()
    free = net.free_parameters()
    assert int(free.sum()) == 8 + 4 * 2 + 2  # free W1 entries, W2 and b2; no b1
    again = network_from_json(json.loads(json.dumps(net.to_json())))
    assert np.array_equal(again.free_parameters(), free)
    obj = net.to_json()
    obj["layers"][0]["W"][0][1] = 5  # a fixed entry that is not 0
    with pytest.raises(InputError, match="fixed by the mask is not 0"):
        network_from_json(obj)
    obj = net.to_json()
    obj["layers"][0]["W_mask"][0][0] = 2
    with pytest.raises(InputError):
        network_from_json(obj)


def test_masked_network_analysis_and_certificate():
    net, X = _masked()
    rep = analyze(net, X)
    free = np.flatnonzero(net.free_parameters())
    assert rep.d == len(free) and rep.h == 4
    # oracle: the exact rank of the free columns of the rational Jacobian
    full = jacobian_exact(Network(net.activation, net.weights, net.biases), X).to_sympy().to_Matrix()
    exact = full[:, [int(c) for c in free]].rank()
    assert rep.verdict in ("identifiable", "not_identifiable")
    assert rep.rank == exact
    assert set(rep.minor.cols) <= set(free.tolist())
    cert, _ = local_certificate(net, X, rep)
    check_document(json.loads(json.dumps(cert)))
    assert functional_dimension(net, X).rank == exact
    bad = copy.deepcopy(cert)
    bad["data"]["network"]["layers"][0]["W_mask"][0][0] = 0  # fixes a nonzero weight
    with pytest.raises(Rejected):
        check_document(bad)
    bad = copy.deepcopy(cert)
    bad["claim"]["d"] = net.num_parameters
    with pytest.raises(Rejected):
        check_document(bad)


def test_docs_digits_worked_example(tmp_path, monkeypatch, capsys):
    """The worked example of docs/relu.md runs as written and prints what the docs show."""
    import re
    from pathlib import Path

    from exactid.cli.main import main
    pytest.importorskip("sklearn")
    text = (Path(__file__).resolve().parents[1] / "docs" / "relu.md").read_text(encoding="utf-8")
    section = text.split("## Worked example", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    console = re.search(r"```console\n(.*?)```", section, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/relu.md", "exec"), {})  # the documentation's own code, not user input
    expected = console.split("$ ")[1].splitlines()[1:]
    assert main(["certify", "relu", "--net", "digits.onnx", "--samples", "digits_X.npy", "-o", "digits-cert.json"]) == 0
    assert capsys.readouterr().out.splitlines() == expected
    assert main(["check", "digits-cert.json"]) == 0
    assert "VALID" in capsys.readouterr().out


def _moved_along(net: Network, v: dict, t: Fraction) -> Network:
    theta = list(parameter_vector(net))
    for c, x in v.items():
        theta[c] = theta[c] + flint.fmpq((t * x).numerator, (t * x).denominator)
    moved_net = network_from_vector(net.widths, theta)
    return Network(net.activation, moved_net.weights, moved_net.biases)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu:1/10"])
def test_always_active_direction_exact_and_certified(activation):
    # neuron 0 of layer 1 is on at every sample (x > 0 and bias 1): it is affine on X
    net = Network.from_lists(activation, [([[1], [-1], [2]], [1, "1/2", "-1/3"]), ([[2, 1, -1], [1, 1, 1]], [0, 1]),
                                          ([[1, -2]], [0])])
    X = [[1], [2], ["1/3"], ["5/2"], ["1/4"], [3]]
    rep = analyze(net, X)
    (c,) = [c for c in rep.constancy if c.rule == "always_active" and (c.layer, c.index) == (1, 0)]
    assert c.direction is not None and len(c.direction) == 3
    rows = [[Fraction(v) for v in r] for r in X]
    base = frac_forward(net, rows)
    for t in (Fraction(1, 10**5), Fraction(-1, 10**6)):  # brute force: f(X) unchanged exactly
        assert frac_forward(_moved_along(net, c.direction, t), rows) == base
    directions = [[Fraction(int(v.p), int(v.q)) for v in r] for r in rescaling_directions(net)]
    assert all(sum(u * r[i] for i, u in c.witness.items()) == 0 for r in directions)
    assert sum(c.witness.get(i, 0) * x for i, x in c.direction.items()) != 0
    cert, _ = local_certificate(net, X, rep)
    cert["steps"] = [{"kind": "constancy_direction", **c.as_dict(), "witness": {
        "indices": sorted(c.witness), "values": [str(c.witness[i]) for i in sorted(c.witness)]}}]
    assert "always_active" in check_document(json.loads(json.dumps(cert)))
    bad = copy.deepcopy(cert)
    bad["data"]["samples"]["X"][0] = [-5]  # the neuron is off at that sample
    with pytest.raises(Rejected):
        check_document(bad)
    bad = copy.deepcopy(cert)
    bad["steps"][0]["parameter"] -= 3  # an incoming weight, not the bias
    with pytest.raises(Rejected):
        check_document(bad)
