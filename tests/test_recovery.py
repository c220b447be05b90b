"""Tests of the entangled-weights recovery pipeline (exactid.recovery) against independent oracles."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.errors import InputError
from exactid.recovery import (CountingOracle, FloatNetwork, NoSpectralGapError, RecoveryConfig, align, compare,
                              entangled_cosines, estimate_span, finite_difference_hessians, queries_per_hessian,
                              random_pyramidal, recover, train_adam)
from exactid.recovery.compare import hungarian
from exactid.recovery.network import sample_ball, sample_sphere
from exactid.recovery.rank_one import rank_one_candidates
from exactid.recovery.span import sym_unvec, sym_vec


def analytic_hessian_two_layers(net: FloatNetwork, x: np.ndarray) -> np.ndarray:
    """Hand-derived Hessian of v·tanh(W2 tanh(W1 x + b1) + b2) (one output), the oracle."""
    (W1, W2, V), (b1, b2, _) = net.weights, net.biases
    t = np.tanh
    d1 = lambda z: 1 - t(z) ** 2  # noqa: E731
    d2 = lambda z: -2 * t(z) * d1(z)  # noqa: E731
    z1 = W1 @ x + b1
    z2 = W2 @ t(z1) + b2
    a = W2.T @ (d1(z2) * V[0])
    U = W1.T @ (d1(z1)[:, None] * W2.T)
    return (W1.T * (a * d2(z1))) @ W1 + (U * (V[0] * d2(z2))) @ U.T


def test_finite_difference_hessian_matches_hand_derived_formula():
    net = random_pyramidal([5, 4, 3, 1], "tanh", seed=3)
    points = sample_ball(4, 5, 0.7, np.random.default_rng(0))
    sample = finite_difference_hessians(net, points, step=5e-4)
    for x, H in zip(points, sample.hessians[:, 0]):
        assert np.abs(H - analytic_hessian_two_layers(net, x)).max() < 1e-6
    assert sample.queries == 4 * queries_per_hessian(5)


def test_finite_difference_hessian_of_a_cubic_is_exact_to_rounding():
    f = lambda X: (X[:, 0] ** 2 * X[:, 1] + 3 * X[:, 1] * X[:, 2])[:, None]  # noqa: E731
    H = finite_difference_hessians(f, np.array([[1.0, 2.0, -1.0]]), step=1e-3).hessians[0, 0]
    assert np.allclose(H, [[4, 2, 0], [2, 0, 3], [0, 3, 0]], atol=1e-7)


def test_counting_oracle_counts_points_and_rejects_bad_shapes():
    oracle = CountingOracle(lambda X: X[:, :2])
    oracle(np.zeros((5, 3)))
    oracle(np.zeros((2, 3)))
    assert oracle.queries == 7
    with pytest.raises(InputError):
        CountingOracle(lambda X: np.zeros(3))(np.zeros((5, 2)))


@given(st.integers(1, 7), st.integers(0, 10_000))
@settings(max_examples=30)
def test_sym_vec_is_an_isometry_and_invertible(d, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((2, d, d))
    A, B = A + A.T, B + B.T
    assert np.isclose(sym_vec(A) @ sym_vec(B), np.sum(A * B))
    assert np.allclose(sym_unvec(sym_vec(A), d), A)


def test_rank_one_search_finds_planted_directions_exactly():
    rng = np.random.default_rng(1)
    d, m = 6, 5
    W = rng.standard_normal((m, d))
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    coeffs = rng.standard_normal((40, m))
    hessians = np.einsum("nk,ki,kj->nij", coeffs, W, W)
    span = estimate_span(hessians, m)
    assert span.ok and span.gap > 1e8
    cands = rank_one_candidates(span, restarts=60, iterations=500, seed=2)
    assert cands.vectors.shape[0] == m
    cos = np.abs(W @ cands.vectors.T)
    assert np.all(cos.max(axis=1) > 1 - 1e-10)


def test_gap_diagnostic_detects_too_few_hessians():
    net = random_pyramidal([6, 4, 1], "tanh", seed=0)  # 4 neurons, span of dimension 4
    for count in (2, 4):  # fewer than, or exactly, the span dimension: a gap proves nothing
        with pytest.raises(NoSpectralGapError) as info:
            recover(net, net.widths, config=RecoveryConfig(num_hessians=count))
        assert "sample more Hessians" in str(info.value)
        assert not info.value.estimate.ok
    # with strict=False the pipeline continues but records why the span is not trusted
    result = recover(net, net.widths, config=RecoveryConfig(num_hessians=3, strict=False, finetune_iterations=0))
    assert not result.gap_ok and "sample more Hessians" in result.gap_reason


def test_gap_diagnostic_on_a_genuine_span_and_on_noise():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((60, 6, 6))
    est = estimate_span(noise + noise.transpose(0, 2, 1), 8, strict=False)
    assert not est.ok and est.gap < 10
    with pytest.raises(NoSpectralGapError):
        estimate_span(noise + noise.transpose(0, 2, 1), 8)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("seed", [0, 1])
def test_one_hidden_layer_recovered_exactly(activation, seed):
    true = random_pyramidal([6, 4, 1], activation, seed=seed)
    result = recover(true, true.widths, activation, RecoveryConfig(seed=seed))
    assert result.gap_ok and result.span.gap > 1e3
    # before fine-tuning: the rank-one search alone gives every weight direction
    assert min(c.min() for c in entangled_cosines(true, result.initial_network)) > 0.999
    cos = np.concatenate(entangled_cosines(true, result.network))
    assert np.all(cos > 0.999)
    cmp = compare(true, result.network, test_points=5000)
    assert cmp.uniform_error < 1e-8 and cmp.relative_parameter_error < 1e-6
    assert result.queries == result.queries_hessians + result.queries_fit + result.queries_validation == \
        8 * queries_per_hessian(6) + 5 * true.num_parameters


def test_two_hidden_layers_small_case_recovered():
    # d = 6, widths (4, 1): the layered method (the default for two hidden layers; the joint span
    # of the Hessians near 0 has only a weak gap here).
    true = random_pyramidal([6, 4, 1, 1], "tanh", seed=0)
    result = recover(true, true.widths, "tanh", RecoveryConfig(strict=False, seed=0, fit_points=1000))
    cos = np.concatenate(entangled_cosines(true, result.network))
    assert np.all(cos > 0.999)
    assert compare(true, result.network, test_points=5000).uniform_error < 1e-8


def test_recover_is_deterministic_with_a_seed():
    true = random_pyramidal([6, 3, 1], "tanh", seed=4)
    a = recover(true, true.widths, config=RecoveryConfig(seed=7))
    b = recover(true, true.widths, config=RecoveryConfig(seed=7))
    assert np.array_equal(a.network.flat(), b.network.flat())


def test_recover_rejects_bad_input():
    true = random_pyramidal([4, 2, 1], "tanh", seed=0)
    with pytest.raises(InputError):
        recover(true, [4, 1], "tanh")
    with pytest.raises(InputError):
        recover(true, [4, 2, 1], "relu")
    with pytest.raises(InputError):
        recover(true, [4, 2, 2], "tanh", RecoveryConfig(strict=False))  # wrong number of outputs


@given(st.integers(1, 6), st.integers(0, 10_000))
@settings(max_examples=40)
def test_hungarian_is_optimal_against_brute_force(n, seed):
    cost = np.random.default_rng(seed).standard_normal((n, n))
    perm = hungarian(cost)
    best = min(sum(cost[i, p[i]] for i in range(n)) for p in itertools.permutations(range(n)))
    assert sorted(perm.tolist()) == list(range(n))
    assert np.isclose(cost[np.arange(n), perm].sum(), best)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@given(seed=st.integers(0, 10_000))
@settings(max_examples=15)
def test_symmetries_preserve_the_function_and_align_undoes_them(activation, seed):
    rng = np.random.default_rng(seed)
    true = random_pyramidal([4, 3, 2, 1], activation, seed=seed)
    other = true.copy()
    for layer in range(2):  # random permutation and sign flips of each hidden layer
        k = other.weights[layer].shape[0]
        perm, flip = rng.permutation(k), rng.random(k) < 0.5
        w, b = other.weights[layer][perm], other.biases[layer][perm]
        nxt, nb = other.weights[layer + 1][:, perm].copy(), other.biases[layer + 1].copy()
        if activation == "logistic":
            nb = nb + nxt[:, flip].sum(axis=1)
        w[flip], b[flip], nxt[:, flip] = -w[flip], -b[flip], -nxt[:, flip]
        other.weights[layer], other.biases[layer] = w, b
        other.weights[layer + 1], other.biases[layer + 1] = nxt, nb
    X = rng.standard_normal((20, 4))
    assert np.allclose(other(X), true(X), atol=1e-12)
    assert np.allclose(align(true, other).flat(), true.flat(), atol=1e-12)
    cmp = compare(true, other, test_points=500)
    assert cmp.recovered_fraction == 1.0 and cmp.parameter_error < 1e-12


def test_network_jacobian_and_gradient_match_finite_differences():
    net = random_pyramidal([4, 3, 2, 2], "logistic", seed=5)
    X = np.random.default_rng(0).standard_normal((6, 4))
    Y = np.random.default_rng(1).standard_normal((6, 2))
    theta, eps = net.flat(), 1e-6
    _, J = net.residual_jacobian(X)
    numeric = np.array([(net.with_flat(theta + eps * e)(X) - net.with_flat(theta - eps * e)(X)).ravel() / (2 * eps)
                        for e in np.eye(theta.size)]).T
    assert np.abs(J - numeric).max() < 1e-8
    loss = lambda th: np.mean((net.with_flat(th)(X) - Y) ** 2)  # noqa: E731
    grad = net.loss_gradient(X, Y)[1]
    numeric = np.array([(loss(theta + eps * e) - loss(theta - eps * e)) / (2 * eps) for e in np.eye(theta.size)])
    assert np.abs(grad - numeric).max() < 1e-8


def test_entangled_weights_are_gradients_of_preactivations_at_zero():
    net = random_pyramidal([5, 4, 3, 1], "tanh", seed=2)
    z2 = lambda x: net.weights[1] @ np.tanh(net.weights[0] @ x + net.biases[0]) + net.biases[1]  # noqa: E731
    eps = 1e-6
    numeric = np.array([(z2(eps * e) - z2(-eps * e)) / (2 * eps) for e in np.eye(5)]).T
    assert np.abs(net.entangled_weights()[1] - numeric).max() < 1e-8


def test_baseline_training_reduces_the_error():
    true = random_pyramidal([4, 3, 1], "tanh", seed=0)
    X = sample_sphere(500, 4, 1.0, np.random.default_rng(0))
    report = train_adam(X, true(X), true.widths, epochs=100, batch_size=32, seed=0)
    start = train_adam(X, true(X), true.widths, epochs=1, learning_rate=1e-12, final_learning_rate=1e-12, seed=0)
    assert report.final_mse < 0.1 * start.final_mse


def test_cli_demo_json(capsys):
    import json

    from exactid.cli.main import main

    code = main(["recover", "--demo", "--json", "--widths", "6,4,1", "--test-points", "2000",
                 "--baseline-epochs", "3", "--baseline-rates", "0.01", "--baseline-lm-starts", "1", "--seed", "1"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("verdict", "recovered_fraction", "uniform_error", "baseline_uniform_error", "queries"):
        assert key in payload
    assert payload["recovered_fraction"] == 1.0 and payload["pipeline"]["gap_ok"]
    assert payload["layer_fractions"] == [1.0] and payload["parameter_error_aligned"] < 1e-8
    assert set(payload["baselines"]) == {"adam_grid", "adam", "levenberg_marquardt", "adam_same_points"}
    assert payload["query_model"]["pipeline"]["max_norm"] <= 3.0 + 1e-9  # joint method: Hessians and fit ball
    assert main(["recover", "--demo", "--widths", "6,x"]) == 2


def test_hessians_near_zero_span_only_one_plus_m1_directions_to_first_order():
    # The structural reason documented in docs/recovery.md: H(x) = Phi(W1 x) = H(0) + O(|x|) with a
    # first-order term linear in W1 x, so Hessians at radius r span 1 + m1 directions up to O(r^2)
    # even when the network has more neurons (here d = m1 = 5, hidden (5, 3): m = 8 > 6).
    # Checked with hand-derived Hessians.
    net = random_pyramidal([5, 5, 3, 1], "tanh", seed=0)
    points = sample_sphere(40, 5, 1e-3, np.random.default_rng(0))
    stack = sym_vec(np.array([analytic_hessian_two_layers(net, x) for x in points]))
    s = np.linalg.svd(stack, compute_uv=False)
    assert s[5] / s[6] > 100  # a drop after the 6th singular value
    assert s[7] / s[8] < 10  # and none at m = 8
