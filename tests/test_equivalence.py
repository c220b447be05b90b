"""Network actions, canonical forms, Sussmann reduction and certified equivalence."""

from __future__ import annotations

import copy
import json
import random
import zlib
from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.equivalence import equivalence_certificate
from exactid.checker import check_document
from exactid.checker.core import Rejected
from exactid.cli.main import main
from exactid.errors import DomainError, InputError
from exactid.networks.actions import apply_operations, canonical_form, orbit, random_orbit_member
from exactid.networks.equivalence import (decide_equivalence, evaluate_ball, evaluate_exact, relu_normal_form)
from exactid.networks.format import Network, network_from_json, random_rational_network
from exactid.networks.sussmann import reduce_network, reducibility, sussmann_reduce

ACTS = ["tanh", "logistic", "relu", "leaky_relu:1/10", "hardtanh"]
NUMPY = {"tanh": np.tanh, "logistic": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
         "leaky_relu:1/10": lambda z: np.where(z > 0, z, z / 10), "hardtanh": lambda z: np.clip(z, -1, 1)}


def numpy_outputs(net: Network, X: np.ndarray) -> np.ndarray:
    ws, bs = net.to_numpy()
    h = X.T
    for k, (w, b) in enumerate(zip(ws, bs)):
        h = w @ h + b[:, None]
        if k < len(ws) - 1:
            h = NUMPY[net.activation](h)
    return h.T


def certified(net1, net2, verdict):
    result = decide_equivalence(net1, net2)
    assert result.verdict == verdict, result.reason
    cert = equivalence_certificate(net1, net2, result)
    assert "function" in check_document(json.loads(json.dumps(cert))) or verdict == "not_equivalent"
    return cert


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("widths", [(3, 4, 2), (2, 3, 3, 1)])
def test_random_orbit_members_are_equivalent_with_valid_certificates(act, widths):
    net = random_rational_network(act, widths, zlib.crc32(f"{act}{widths}".encode()) % 1000)
    rng = random.Random(7)
    for _ in range(3):
        other, ops = random_orbit_member(net, rng)
        assert np.allclose(numpy_outputs(net, np.random.default_rng(0).normal(size=(20, widths[0])) * 2),
                           numpy_outputs(other, np.random.default_rng(0).normal(size=(20, widths[0])) * 2))
        certified(net, other, "equivalent")
        # canonical forms are orbit invariants once ties (proportional neurons) are merged away
        assert reduce_network(other)[0].to_json() == reduce_network(net)[0].to_json()


@pytest.mark.parametrize("act", ["tanh", "logistic", "hardtanh"])
def test_whole_finite_orbit(act):
    net = random_rational_network(act, (2, 3, 1), 11)
    members = list(orbit(net))
    assert len(members) == 6 * 8  # 3! permutations x 2^3 reflections
    canon = canonical_form(net)[0].to_json()
    distinct = {json.dumps(m.to_json()) for m, _ in members}
    assert len(distinct) == 48  # a generic network has a free orbit
    for member, ops in members[::5]:
        assert apply_operations(net, ops).to_json() == member.to_json()
        assert canonical_form(member)[0].to_json() == canon
        certified(net, member, "equivalent")


def test_relu_orbit_with_scalings():
    net = random_rational_network("relu", (2, 2, 1), 5)
    members = list(orbit(net, scalings=[1, 2, "1/3"]))
    assert len(members) == 2 * 9
    for member, _ in members:
        assert canonical_form(member)[0].to_json() == canonical_form(net)[0].to_json()


@pytest.mark.parametrize("act", ACTS)
def test_small_perturbations_are_not_equivalent(act):
    net = random_rational_network(act, (3, 4, 2), 3)
    rng = random.Random(1)
    for trial in range(3):
        other, _ = random_orbit_member(net, rng)
        js = other.to_json()
        layer = rng.randrange(2)
        row = rng.randrange(len(js["layers"][layer]["W"]))
        col = rng.randrange(len(js["layers"][layer]["W"][row]))
        js["layers"][layer]["W"][row][col] = str(Fraction(js["layers"][layer]["W"][row][col]) + Fraction(1, 997))
        perturbed = network_from_json(js)
        cert = certified(net, perturbed, "not_equivalent")
        step = cert["steps"][0]
        x = np.array([[float(Fraction(v)) for v in step["x"]]])
        y1, y2 = numpy_outputs(net, x)[0, step["output"]], numpy_outputs(perturbed, x)[0, step["output"]]
        assert abs(y1 - y2) > 1e-12  # float oracle agrees that they differ there


def reducible_tanh_like(act: str) -> Network:
    # neuron 1 = -neuron 0 (same up to the reflection), neuron 2 dead, neuron 3 constant with rational value,
    # neuron 4 a duplicate of neuron 0, neuron 5 constant with a transcendental value (kept)
    return Network.from_lists(act, [
        ([[1, 2], [-1, -2], [5, 1], [0, 0], [1, 2], [0, 0]], [1, -1, 3, 0, 1, "1/2"]),
        ([[2, 3, 0, 4, -1, 1], [1, 1, 0, 1, 1, 2]], [0, "1/3"])])


@pytest.mark.parametrize("act", ["tanh", "logistic"])
def test_sussmann_reduction_preserves_the_function(act):
    net = reducible_tanh_like(act)
    reasons = {r.reason for r in reducibility(net)}
    assert reasons == {"zero_outgoing", "zero_incoming", "equal_up_to_symmetry"}
    reduced, ops, found = sussmann_reduce(net)
    assert reduced.widths == [2, 2, 2]  # the sign pair merged, dead and rational constant neurons gone
    assert apply_operations(net, ops).to_json() == reduced.to_json()
    assert [r.reason for r in reducibility(reduced)] == ["zero_incoming"]  # tanh(1/2) cannot be folded over Q
    rng = random.Random(3)
    for _ in range(10):
        x = [flint.fmpq(rng.randint(-50, 50), 7) for _ in range(2)]
        for y1, y2 in zip(evaluate_ball(net, x, 200), evaluate_ball(reduced, x, 200)):
            assert y1.overlaps(y2) and (y1 - y2).rad() < 1e-50
    certified(net, reduced, "equivalent")


def test_relu_reduction_is_exact():
    net = Network.from_lists("relu", [([[1, 2], [2, 4], [3, -1], [0, 0], [-1, 5]], [1, 2, 0, 3, -2]),
                                      ([[1, 2, 0, 1, 3]], [0])])
    reduced, ops = reduce_network(net)
    assert reduced.widths == [2, 2, 1]
    assert reducibility(reduced) == []
    rng = random.Random(4)
    for _ in range(20):
        x = [flint.fmpq(rng.randint(-50, 50), 7) for _ in range(2)]
        assert evaluate_exact(net, x) == evaluate_exact(reduced, x)
    certified(net, reduced, "equivalent")


def test_sussmann_constant_units_decided_exactly():
    a = Network.from_lists("tanh", [([[0], [0], [1]], [1, -1, 0]), ([[3, 1, 1]], [0])])
    b = Network.from_lists("tanh", [([[0], [1]], [1, 0]), ([[2, 1]], [0])])  # 3 tanh(1) + tanh(-1) = 2 tanh(1)
    certified(a, b, "equivalent")
    c = Network.from_lists("tanh", [([[0], [1]], [2, 0]), ([[1, 1]], [0])])
    certified(a, c, "not_equivalent")
    with pytest.raises(DomainError):
        sussmann_reduce(random_rational_network("relu", (2, 2, 1), 0))


def test_relu_hyperplane_normal_form():
    a = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, -1]], [0])])  # x
    b = Network.from_lists("relu", [([[2], [-1]], [2, -1]), ([["1/2", -1]], [-1])])  # also x
    cert = certified(a, b, "equivalent")
    assert cert["steps"][-1]["kind"] == "relu_normal_form"
    mu, affine = relu_normal_form(a)
    assert mu == {} and affine == [[1, 0]]
    c = Network.from_lists("relu", [([[2], [-1]], [2, -1]), ([["1/2", -1]], [0])])  # x + 1
    certified(a, c, "not_equivalent")


def test_deep_networks_undecided_or_decided():
    a = random_rational_network("tanh", (2, 3, 3, 1), 1)
    other, _ = random_orbit_member(a, random.Random(0))
    certified(a, other, "equivalent")
    b = Network.from_lists("relu", [([[1]], [0]), ([[1]], [0]), ([[1]], [0])])
    c = Network.from_lists("relu", [([[1]], [0]), ([[2]], [0]), ([["1/2"]], [0])])
    # same function: the scalings of the two hidden layers cancel
    assert decide_equivalence(b, c).verdict == "equivalent"


def test_mismatched_inputs_rejected():
    with pytest.raises(InputError):
        decide_equivalence(random_rational_network("tanh", (2, 2, 1), 0), random_rational_network("tanh", (3, 2, 1), 0))
    with pytest.raises(InputError):
        decide_equivalence(random_rational_network("exp", (2, 2, 1), 0), random_rational_network("exp", (2, 2, 1), 0))


# ----------------------------------------------------------------------------- tamper tests
def orbit_certificate(act="tanh", seed=2):
    net = random_rational_network(act, (2, 3, 1), seed)
    other, _ = random_orbit_member(net, random.Random(seed))
    return net, other, certified(net, other, "equivalent")


def rejected(cert, match):
    with pytest.raises(Rejected, match=match):
        check_document(cert)


def test_tamper_neuron_symmetry():
    _, _, cert = orbit_certificate("logistic")
    step = next(s for s in cert["steps"] if s["kind"] == "neuron_symmetry")
    bad = copy.deepcopy(cert)
    next(s for s in bad["steps"] if s["kind"] == "neuron_symmetry")["d"] = 0  # (-t, -y) is no logistic symmetry
    rejected(bad, "not a symmetry")
    bad = copy.deepcopy(cert)
    next(s for s in bad["steps"] if s["kind"] == "neuron_symmetry")["b"] = "1/2"
    rejected(bad, "not a symmetry")
    assert step["a"] == -1


def test_tamper_permutation_and_final_comparison():
    _, _, cert = orbit_certificate()
    bad = copy.deepcopy(cert)
    next(s for s in bad["steps"] if s["kind"] == "permute_neurons")["permutation"] = [0, 0, 1]
    rejected(bad, "permutation")
    bad = copy.deepcopy(cert)
    bad["steps"].pop()
    rejected(bad, "no final comparison")
    bad = copy.deepcopy(cert)
    bad["data"]["network2"]["layers"][1]["b"][0] = "1/7"
    rejected(bad, "differ")


def test_tamper_remove_merge_fold_zero():
    net = reducible_tanh_like("tanh")
    reduced, _, _ = sussmann_reduce(net)
    cert = certified(net, reduced, "equivalent")
    kinds = {s["kind"] for s in cert["steps"]}
    assert {"merge_neurons", "remove_neuron", "fold_constant_neuron"} <= kinds
    for kind, mutate, match in [
        ("remove_neuron", lambda s: s.update(neuron=1), "outgoing weights are not zero"),
        ("merge_neurons", lambda s: s.update(drop=(s["drop"] + 1) % 3), "not identical|out of range"),
        ("fold_constant_neuron", lambda s: s.update(neuron=2), "incoming weights are not zero"),
    ]:
        bad = copy.deepcopy(cert)
        mutate(next(s for s in bad["steps"] if s["kind"] == kind))
        rejected(bad, match)
    single = Network.from_lists("tanh", [([[1, 1]], [1]), ([[0]], [0])])
    zero = Network.from_lists("tanh", [([[2, 1]], [0]), ([[0]], [0])])
    cert = certified(single, zero, "equivalent")
    assert any(s["kind"] == "zero_dead_neuron" for s in cert["steps"])
    bad = copy.deepcopy(cert)
    bad["data"]["network1"]["layers"][1]["W"][0][0] = 1
    rejected(bad, "outgoing weights are not zero")
    fold = Network.from_lists("tanh", [([[0, 0], [1, 0]], [1, 0]), ([[1, 1]], [0])])
    bad = copy.deepcopy(cert)
    bad["data"]["network1"] = fold.to_json()
    bad["claim"]["widths"][0] = fold.widths
    bad["steps"] = [{"kind": "fold_constant_neuron", "network": 1, "layer": 1, "neuron": 0}, {"kind": "same_parameters"}]
    rejected(bad, "not rational")


def test_tamper_relu_normal_form_and_separating_point():
    a = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, -1]], [0])])
    b = Network.from_lists("relu", [([[2], [-1]], [2, -1]), ([["1/2", -1]], [-1])])
    cert = certified(a, b, "equivalent")
    bad = copy.deepcopy(cert)
    bad["data"]["network2"]["layers"][1]["b"][0] = 0
    rejected(bad, "normal forms differ")
    net = random_rational_network("tanh", (2, 3, 1), 9)
    js = net.to_json()
    js["layers"][1]["b"][0] = str(Fraction(js["layers"][1]["b"][0]) + Fraction(1, 10**6))
    cert = certified(net, network_from_json(js), "not_equivalent")
    bad = copy.deepcopy(cert)
    bad["data"]["network2"] = bad["data"]["network1"]
    rejected(bad, "intersect")
    bad = copy.deepcopy(cert)
    bad["steps"][0]["precision"] = 16  # the checker chooses its precisions: no other field is read
    rejected(bad, "exactly 'x'")
    bad = copy.deepcopy(cert)
    bad["steps"][0]["output"] += 1  # the networks have one output
    rejected(bad, "out of range")
    bad = copy.deepcopy(cert)
    bad["claim"]["verdict"] = "equivalent"
    rejected(bad, "same_parameters|does not belong|final")


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_checker_never_crashes_on_mutations(data):
    _, _, cert = orbit_certificate("relu", 4)
    bad = copy.deepcopy(cert)
    step = data.draw(st.sampled_from(bad["steps"]))
    key = data.draw(st.sampled_from(sorted(step)))
    step[key] = data.draw(st.one_of(st.integers(-3, 3), st.text(max_size=4), st.none(), st.lists(st.integers(-1, 3), max_size=3),
                                    st.just("1/0"), st.just("-1/2")))
    if bad == cert:  # the drawn value was the original one
        assert check_document(bad)
    else:  # any other value breaks an operation or the final comparison: rejected, never a crash
        with pytest.raises(Rejected):
            check_document(bad)


def test_cli_equiv(tmp_path, capsys):
    net = random_rational_network("logistic", (2, 3, 1), 8)
    other, _ = random_orbit_member(net, random.Random(8))
    p1, p2, out = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    p1.write_text(json.dumps(net.to_json()))
    p2.write_text(json.dumps(other.to_json()))
    assert main(["equiv", str(p1), str(p2), "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "equivalent"
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    js = other.to_json()
    js["layers"][0]["b"][0] = str(Fraction(js["layers"][0]["b"][0]) + Fraction(1, 100))
    p2.write_text(json.dumps(js))
    assert main(["equiv", str(p1), str(p2), "-o", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "not_equivalent"
    assert main(["check", str(out)]) == 0
    assert main(["equiv", str(p1), str(tmp_path / "missing.json")]) == 2


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(ACTS), st.sampled_from([(2, 3, 1), (3, 2, 2, 1), (1, 4, 2)]), st.integers(0, 10**6))
def test_orbit_members_equivalent_for_random_seeds(act, widths, seed):
    net = random_rational_network(act, widths, seed)
    other, _ = random_orbit_member(net, random.Random(seed))
    certified(net, other, "equivalent")
    js = other.to_json()
    js["layers"][-1]["b"][0] = str(Fraction(js["layers"][-1]["b"][0]) + Fraction(1, 10**4))
    certified(net, network_from_json(js), "not_equivalent")


def test_apply_symmetry_checks_membership_and_preserves_outputs():
    from exactid.networks.actions import apply_symmetry, permute_neurons

    net = random_rational_network("logistic", (2, 3, 2), 12)
    flipped, op = apply_symmetry(net, 1, 1, (-1, 0, -1, 1))
    X = np.random.default_rng(1).normal(size=(30, 2))
    assert np.allclose(numpy_outputs(net, X), numpy_outputs(flipped, X))
    with pytest.raises(DomainError):
        apply_symmetry(net, 1, 1, (-1, 0, -1, 0))  # the tanh reflection is not a logistic symmetry
    relu = random_rational_network("relu", (2, 3, 2), 12)
    scaled, _ = apply_symmetry(relu, 1, 2, ("7/3", 0, "7/3", 0))
    permuted, _ = permute_neurons(scaled, 1, [2, 0, 1])
    assert np.allclose(numpy_outputs(relu, X), numpy_outputs(permuted, X))
    with pytest.raises(DomainError):
        apply_symmetry(relu, 1, 0, (-1, 0, -1, 0))


def test_tamper_claim_fields():
    _, _, cert = orbit_certificate()
    bad = copy.deepcopy(cert)
    bad["claim"]["widths"][0][1] = 7
    rejected(bad, "widths")
    bad = copy.deepcopy(cert)
    bad["claim"]["activations"] = ["relu", "relu"]
    rejected(bad, "activations")


def test_layer_numbering_is_the_relu_one():
    """Operations, Sussmann reasons and ReLU reports number hidden layers from 1 (widths[l] neurons)."""
    from exactid.networks.actions import apply_operations
    from exactid.networks.local_identifiability import analyze
    from exactid.networks.sussmann import reducibility

    net = Network.from_lists("relu", [([[1, 0], [0, 1]], [0, 0]), ([[1, 1], [0, 0], [1, -1]], [0, 0, 0]),
                                      ([[1, 0, 1]], [0])])
    reasons = reducibility(net)
    assert [(r.layer, r.neurons, r.reason) for r in reasons] == [(2, (1,), "zero_outgoing"), (2, (1,), "zero_incoming")]
    assert net.widths[reasons[0].layer] == 3
    report = analyze(net, [[1, 2], [2, 1], [3, 5]])
    # neuron 1 of hidden layer 2 is the zero row: pre-activation exactly 0 (a kink) at every sample,
    # and its zero outgoing weight is the direction of constancy found first
    assert {(layer, neuron) for _, layer, neuron in report.kinks} == {(2, 1)}
    assert (report.constancy[0].rule, report.constancy[0].layer, report.constancy[0].index) == ("zero_outgoing", 2, 1)
    swapped = apply_operations(net, [{"kind": "permute_neurons", "layer": 2, "permutation": [2, 1, 0]}])
    assert swapped.biases[1].nrows() == 3 and swapped.weights[2][0, 0] == 1
    with pytest.raises(InputError):
        apply_operations(net, [{"kind": "permute_neurons", "layer": 0, "permutation": [1, 0]}])
