"""ReLU networks: exact Jacobian, path lifting, local identifiability certificates, shallow box case."""

from __future__ import annotations

import copy
import json

import flint
import numpy as np
import pytest
import sympy
from hypothesis import given, settings, strategies as st

from exactid.certify.relu import local_certificate, shallow_certificate
from exactid.checker import Rejected, check_document
from exactid.domains import QQ, ExactMatrix
from exactid.domains.finite import Reduction
from exactid.linalg import certified_rank
from exactid.networks.float_check import compare_ranks, nearly_dependent_samples
from exactid.networks.format import Network
from exactid.networks.funcdim import functional_dimension
from exactid.networks.local_identifiability import analyze
from exactid.networks.relu_forward import KinkError
from exactid.networks.pathlifting import (alpha_matrix, gram_matrix, lifting_identity_holds, path_lifting, permute,
                                          phi_invariant_under_rescaling, rescale, rescaling_directions)
from exactid.networks.relu import (DEFAULT_PRIME, as_samples, forward, forward_float, jacobian_exact, jacobian_float,
                                   jacobian_mod_p, network_from_vector, parameter_name, parameter_offsets, parameter_vector,
                                   random_network, random_samples)

ARCHS = [[2, 3, 1], [3, 4, 3, 2], [2, 2, 2, 2, 2], [3, 2]]


def small(widths, n, seed=1):
    return random_network(widths, seed, denominator=1000), random_samples(n, widths[0], seed + 100, denominator=97)


def sympy_jacobian_rank(net: Network, X) -> int:
    """Independent oracle: differentiate the symbolic network with SymPy, substitute, take the rank."""
    from test_relu_pipeline import rows_of, sympy_jacobian

    return sympy_jacobian(net, rows_of(X)).rank()


@pytest.mark.parametrize("widths", [ARCHS[0], ARCHS[2]])
def test_exact_jacobian_rank_matches_sympy(widths):
    net, X = small(widths, 4)
    assert not forward(net, X).zero_preactivations()
    assert certified_rank(jacobian_exact(net, X)).rank == sympy_jacobian_rank(net, X)


def test_exact_difference_quotients_match_jacobian_and_sympy_rank():
    """With the activation pattern fixed, f is affine in each single parameter, so an exact
    difference quotient with a step that keeps the pattern is the exact partial derivative."""
    net, X = small([3, 4, 3, 2], 5)
    theta = parameter_vector(net)
    base = forward(net, X)
    step = flint.fmpq(1, 10**9)
    columns = []
    for i in range(len(theta)):
        moved = list(theta)
        moved[i] = moved[i] + step
        fwd = forward(network_from_vector(net.widths, moved), X)
        assert [p.tolist() for p in fwd.patterns()] == [p.tolist() for p in base.patterns()]
        diff = (fwd.output - base.output) / step
        columns.append([diff[s, o] for s in range(diff.nrows()) for o in range(diff.ncols())])
    quotient = sympy.Matrix([[sympy.Rational(int(c[r].p), int(c[r].q)) for c in columns]
                             for r in range(len(columns[0]))])
    Je = jacobian_exact(net, X)
    assert quotient == Je.to_sympy().to_Matrix()
    assert quotient.rank() == certified_rank(Je).rank


@pytest.mark.parametrize("widths", ARCHS)
def test_jacobians_agree_mod_p_exact_and_float(widths):
    net, X = small(widths, 6)
    Je = jacobian_exact(net, X)
    red = Je.reduce(Reduction(1, DEFAULT_PRIME, 1))
    Jr = np.array([int(v) for v in red.entries()]).reshape(red.nrows(), red.ncols())
    assert np.array_equal(Jr, jacobian_mod_p(net, X))
    ws, bs = net.to_numpy()
    Xf = np.array([[float(X[i, j]) for j in range(X.ncols())] for i in range(X.nrows())])
    assert np.allclose(jacobian_float(ws, bs, Xf), Je.to_numpy().real)
    # central differences: an oracle independent of backpropagation
    theta = np.array([float(t) for t in parameter_vector(net)])

    def f(th):
        w, b = network_from_vector(net.widths, [float(t) for t in th]).to_numpy()
        return forward_float(w, b, Xf).ravel()

    eps = 1e-6
    fd = np.array([(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)]).T
    assert np.allclose(fd, jacobian_float(ws, bs, Xf), atol=1e-6)


def test_parameter_order_is_documented():
    assert [parameter_name([2, 3, 1], i) for i in (0, 1, 5, 6, 8, 9, 11, 12)] == \
        ["W1[0,0]", "W1[0,1]", "W1[2,1]", "b1[0]", "b1[2]", "W2[0,0]", "W2[0,2]", "b2[0]"]


@pytest.mark.parametrize("widths", ARCHS)
def test_path_lifting_identity_gram_and_invariance(widths):
    net, X = small(widths, 6)
    assert lifting_identity_holds(net, X)
    pats = forward(net, X).patterns()
    A, K = alpha_matrix(widths, X, pats), gram_matrix(X, pats)
    assert (A @ A.transpose()) == K  # the Gram identity
    assert certified_rank(A).rank == certified_rank(K).rank
    if len(widths) > 2:
        assert phi_invariant_under_rescaling(net, {(1, 0): "3/7", (len(widths) - 2, 1): 5})
        perm = list(reversed(range(widths[1])))
        other = permute(net, 1, perm)
        assert forward(other, X).output == forward(net, X).output
        assert sorted(map(str, path_lifting(other)[0])) == sorted(map(str, path_lifting(net)[0]))
        J = jacobian_exact(net, X)
        for v in rescaling_directions(net):
            assert (J @ ExactMatrix.from_rows([[t] for t in v], QQ)).is_zero()
        assert forward(rescale(net, 1, 0, 4), X).output == forward(net, X).output


def check_ok(cert):
    json.loads(json.dumps(cert))
    return check_document(cert)


def test_identifiable_certificate_and_tampering():
    net, X = small([2, 4, 1], 50, seed=1)
    cert, rep = local_certificate(net, X)
    assert rep.verdict == "identifiable" and rep.rank == rep.d_minus_h == 13
    assert "locally identifiable" in check_ok(cert)
    bad = copy.deepcopy(cert)
    bad["steps"][0]["cols"] = bad["steps"][0]["cols"][:-1]
    bad["steps"][0]["rows"] = bad["steps"][0]["rows"][:-1]
    with pytest.raises(Rejected):
        check_document(bad)
    bad = copy.deepcopy(cert)
    bad["data"]["network"]["layers"][1]["W"][0][0] = 0  # a neuron with zero outgoing weight: theta in S
    with pytest.raises(Rejected):
        check_document(bad)
    bad = copy.deepcopy(cert)
    bad["claim"]["d"] = 99
    with pytest.raises(Rejected):
        check_document(bad)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 12), st.integers(-3, 3))
def test_tampered_minor_or_samples_rejected(index, delta):
    net, X = small([2, 4, 1], 50, seed=1)
    cert, _ = local_certificate(net, X)
    bad = copy.deepcopy(cert)
    cols = bad["steps"][0]["cols"]
    cols[index] = cols[(index + 1) % len(cols)]  # a repeated column
    with pytest.raises(Rejected):
        check_document(bad)
    bad = copy.deepcopy(cert)
    bad["steps"][0]["p"] += 2 * index + 1  # p + odd: even, not prime
    with pytest.raises(Rejected):
        check_document(bad)
    if delta:
        bad = copy.deepcopy(cert)
        bad["claim"]["rank"] = bad["claim"]["rank"] + delta
        with pytest.raises(Rejected):
            check_document(bad)


def _follow_kernel_direction(net, X, rep):
    """Numerical oracle: a kernel direction of J outside the rescalings, followed with Gauss-Newton
    corrections, keeps f(X) fixed while Phi (rescaling invariant) moves."""
    ws, bs = net.to_numpy()
    Xf = np.array([[float(X[i, j]) for j in range(X.ncols())] for i in range(X.nrows())])
    theta0 = np.array([float(t) for t in parameter_vector(net)])
    widths = net.widths

    def unpack(th):
        ws, bs = [], []
        for l, (w_off, b_off) in enumerate(parameter_offsets(widths)):
            ws.append(th[w_off:b_off].reshape(widths[l + 1], widths[l]))
            bs.append(th[b_off:b_off + widths[l + 1]])
        return ws, bs

    def f(th):
        return forward_float(*unpack(th), Xf).ravel()

    J = jacobian_float(ws, bs, Xf)
    R = np.array([[float(t) for t in v] for v in rescaling_directions(net)]).T
    _, s, vt = np.linalg.svd(J)
    kernel = vt[np.sum(s > 1e-9 * s[0]):].T
    proj = kernel - R @ np.linalg.lstsq(R, kernel, rcond=None)[0]
    u, sv, _ = np.linalg.svd(proj, full_matrices=False)
    assert sv[0] > 1e-6  # a kernel direction outside the rescaling directions
    direction = u[:, 0]
    f0, theta = f(theta0), theta0 + 1e-2 * direction
    for _ in range(20):
        Jt = jacobian_float(*unpack(theta), Xf)
        theta = theta - np.linalg.lstsq(Jt, f(theta) - f0, rcond=None)[0]
    phi = lambda th: np.array([float(v) for v in path_lifting(Network.from_numpy("relu", *unpack(th)))[0]])
    return np.abs(f(theta) - f0).max(), np.abs(phi(theta) - phi(theta0)).max()


@pytest.mark.parametrize("case", ["too_few_samples", "dead_neuron"])
def test_not_identifiable_certificates_and_numerical_oracle(case):
    if case == "too_few_samples":
        net, X = small([2, 4, 1], 6, seed=2)
    else:
        net = Network.from_lists("relu", [([[1, 1], [-1, -1], [1, -1]], [0, -10, "1/2"]), ([[1, 2, -1]], [0])])
        X = [[1, 2], [2, 1], [3, -1], [-1, 2], [2, 3], [0, 1], [1, 0], [-2, -1], [4, 1], [1, 5]]
        X = as_samples(X)
    cert, rep = local_certificate(net, X)
    assert rep.verdict == "not_identifiable"
    assert "not locally identifiable" in check_ok(cert)
    if case == "dead_neuron":  # settled by the direction of constancy, before any rank
        assert (1, 1) in rep.never_active and rep.rank is None
        assert (rep.constancy[0].rule, rep.constancy[0].layer, rep.constancy[0].index) == ("never_active", 1, 1)
    else:
        assert rep.rank == rep.r_a < rep.d_minus_h
    drift, moved = _follow_kernel_direction(net, X, rep)
    assert drift < 1e-10 and moved > 1e-5
    bad = copy.deepcopy(cert)
    bad["steps"] = bad["steps"][:1] if case == "too_few_samples" else []
    with pytest.raises(Rejected):
        check_document(bad)


def test_kink_refused_with_sample_and_neuron():
    net = Network.from_lists("relu", [([[1, -1], [1, 1]], [0, 1]), ([[1, 1]], [0])])
    with pytest.raises(KinkError, match="sample 0 lies on the kink of neuron 0 of hidden layer 1") as info:
        analyze(net, [[1, 1], [2, 0], [1, 3], [-3, -3]])  # neither neuron is on at every sample
    assert (info.value.sample, info.value.layer, info.value.neuron) == (0, 1, 0)
    with pytest.raises(KinkError):
        functional_dimension(net, [[2, 0], [1, 1]])
    # a direction of constancy settles the question even with a kink: neuron 0 has zero outgoing weights
    dead = Network.from_lists("relu", [([[1, -1], [1, 1]], [0, 1]), ([[0, 1]], [0])])
    rep = analyze(dead, [[1, 1], [1, 2]])
    assert rep.verdict == "not_identifiable" and rep.constancy[0].rule == "zero_outgoing"
    cert, _ = local_certificate(dead, [[1, 1], [1, 2]], rep)
    assert "not locally identifiable" in check_ok(cert)


def test_float_rank_wrong_exact_rank_right():
    net, X = small([2, 4, 1], 6, seed=1)
    close = nearly_dependent_samples(X, 6)
    report = compare_ranks(net, close)
    assert report["float_rank"] < report["exact_rank"] and not report["agree"]
    Je = jacobian_exact(net, close)
    assert certified_rank(Je).rank == report["exact_rank"]


def _box_points(dim, seed):
    return np.random.default_rng(seed).uniform(-1, 1, size=(200, dim))


@pytest.mark.parametrize("layers,condition", [
    ([([[1, 2], [2, 4]], [0, 0]), ([[1, 1]], [3])], "positively proportional neurons"),
    ([([[1], [-2]], ["1/4", "-1/2"]), ([[1, 3]], [0])], "negatively proportional neurons"),
    ([([[1], [2]], ["1/4", "-1/4"]), ([[2, -1]], [0])], "zero-sum flip set"),
    ([([[1], [1]], [5, "1/2"]), ([[2, 1]], [0])], "hyperplane misses the box"),
    ([([[1], [1]], [-5, "1/2"]), ([[2, 1]], [0])], "hyperplane misses the box"),
    ([([[0], [1]], [2, "1/2"]), ([[2, 1]], [0])], "zero incoming weights"),
    ([([[1], [1]], ["1/3", "1/2"]), ([[0, 1]], [0])], "zero outgoing weights"),
])
def test_shallow_not_identifiable_with_alternative(layers, condition):
    net = Network.from_lists("relu", layers)
    cert, rep = shallow_certificate(net, -1, 1)
    assert rep.verdict == "not_identifiable" and rep.condition == condition
    assert "not identifiable" in check_ok(cert)
    pts = _box_points(net.widths[0], 0)  # numerical oracle: same function at random box points
    assert np.allclose(forward_float(*net.to_numpy(), pts), forward_float(*rep.alternative.to_numpy(), pts))
    bad = copy.deepcopy(cert)
    bad["data"]["alternative"]["layers"][1]["b"][0] = "1/7"
    with pytest.raises(Rejected):
        check_document(bad)
    bad = copy.deepcopy(cert)
    bad["data"]["alternative"] = bad["data"]["network"]
    with pytest.raises(Rejected):
        check_document(bad)


def test_shallow_identifiable():
    for layers in ([([[1], [-1]], ["1/2", "1/3"]), ([[1, 2]], [0])],
                   [([[1, 0], [0, 1], [1, 1]], [0, "1/2", "-1/2"]), ([[1, 1, 1], [2, 0, 1]], [0, 1])]):
        net = Network.from_lists("relu", layers)
        cert, rep = shallow_certificate(net, -1, 1)
        assert rep.verdict == "identifiable"
        check_ok(cert)
        bad = copy.deepcopy(cert)
        bad["data"]["hi"] = "-1/2"  # shrinks the box below the hyperplanes
        with pytest.raises(Rejected):
            check_document(bad)


def test_cli_certify_relu_and_funcdim(tmp_path, capsys):
    from exactid.cli.main import main
    net, X = small([2, 4, 1], 50, seed=1)
    (tmp_path / "net.json").write_text(json.dumps(net.to_json()))
    from exactid.certify.relu import encode_samples
    (tmp_path / "x.json").write_text(json.dumps(encode_samples(X)))
    out = tmp_path / "cert.json"
    assert main(["certify", "relu", "--net", str(tmp_path / "net.json"), "--samples", str(tmp_path / "x.json"),
                 "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "identifiable" and payload["rank"] == payload["d_minus_h"] == 13
    assert {"d", "h", "r_a"} <= payload.keys()
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    assert main(["funcdim", "--arch", "2,3,1", "--samples", "30", "--seeds", "3", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert sum(payload["distribution"].values()) == 3
    (tmp_path / "bad.json").write_text("{}")
    assert main(["certify", "relu", "--net", str(tmp_path / "bad.json"), "--samples", str(tmp_path / "x.json")]) == 2


def test_cli_certify_relu_box(tmp_path, capsys):
    from exactid.cli.main import main
    net = Network.from_lists("relu", [([[1, 2], [2, 4]], [0, 0]), ([[1, 1]], [3])])
    (tmp_path / "net.json").write_text(json.dumps(net.to_json()))
    out = tmp_path / "box.json"
    assert main(["certify", "relu-box", "--net", str(tmp_path / "net.json"), "--lo=-1/2", "--hi", "1",
                 "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "not_identifiable" and payload["condition"] == "positively proportional neurons"
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    assert main(["certify", "relu-box", "--net", str(tmp_path / "net.json"), "--lo", "1", "--hi", "0"]) == 2


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 50), st.lists(st.fractions(min_value="1/9", max_value=9), min_size=4, max_size=4))
def test_rank_and_phi_invariant_under_rescaling_law(seed, factors):
    net, X = small([2, 4, 1], 12, seed=seed)
    if forward(net, X).zero_preactivations():
        return
    other = net
    for i, lam in enumerate(factors):
        other = rescale(other, 1, i, flint.fmpq(lam.numerator, lam.denominator))
    assert forward(other, X).output == forward(net, X).output
    assert path_lifting(other) == path_lifting(net)
    a, b = analyze(net, X), analyze(other, X)
    assert (a.verdict, a.rank, a.r_a) == (b.verdict, b.rank, b.r_a)


def test_tampered_gram_kernel_rejected():
    net, X = small([2, 5, 4, 1], 20, seed=37)  # R_A = 14 < n: K has a kernel
    cert, rep = local_certificate(net, X)
    kernel = [s for s in cert["steps"] if s["kind"] == "gram_kernel_vectors"]
    assert rep.verdict == "not_identifiable" and kernel and kernel[0]["vectors"]["shape"][1] == 20 - 14
    bad = copy.deepcopy(cert)
    step = [s for s in bad["steps"] if s["kind"] == "gram_kernel_vectors"][0]
    step["vectors"]["entries"][0][0] = 12345
    with pytest.raises(Rejected):
        check_document(bad)
