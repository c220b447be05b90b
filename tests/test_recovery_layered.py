"""Tests of the layered recovery method: far-field first layer, masked Hessians, scale and shift fits.

Oracles: the true random networks (their weights, biases and entangled weights), planted
low-rank matrices, and hand-derived activation derivatives.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.errors import InputError
from exactid.recovery import RecoveryConfig, compare, entangled_cosines, random_pyramidal, recover
from exactid.recovery.completion import masked_low_rank
from exactid.recovery.far_field import gradient_fourth_order, probe_first_layer
from exactid.recovery.finetune import levenberg_marquardt, scale_shift_directions
from exactid.recovery.hessians import CountingOracle
from exactid.recovery.network import FloatNetwork, activation_functions, sample_ball
from exactid.recovery.peeling import recover_inner_layers, solve_scale_shift


def matched(found: np.ndarray, true_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each found unit row: index of the true row it matches, the sign, and 1 - |cos|."""
    unit = true_rows / np.linalg.norm(true_rows, axis=1, keepdims=True)
    c = found @ unit.T
    j = np.abs(c).argmax(axis=1)
    cos = c[np.arange(found.shape[0]), j]
    return j, np.sign(cos), 1.0 - np.abs(cos)


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
@pytest.mark.parametrize("widths", [[6, 6, 3, 1], [7, 4, 2, 1], [5, 5, 2, 2, 1]])
def test_far_field_finds_every_first_layer_direction_to_rounding(activation, widths):
    true = random_pyramidal(widths, activation, seed=3)
    est = probe_first_layer(lambda X: true(X)[:, 0], widths[0], widths[1], seed=1)
    assert est.complete and est.weights.shape == (widths[1], widths[0])
    j, _, err = matched(est.weights, true.weights[0])
    assert sorted(j.tolist()) == list(range(widths[1]))  # each neuron exactly once
    assert err.max() < 1e-10
    assert est.saturation.min() > 15 and est.parallel.max() < 1e-8


def test_far_field_reports_incomplete_when_widths_claim_too_many_neurons():
    true = random_pyramidal([5, 3, 2, 1], "tanh", seed=0)
    est = probe_first_layer(lambda X: true(X)[:, 0], 5, 4, max_lines=3, seed=0)
    assert not est.complete and est.weights.shape[0] == 3


def test_fourth_order_gradient_matches_analytic_gradient():
    true = random_pyramidal([4, 3, 1], "tanh", seed=1)
    x = np.array([0.3, -0.2, 0.5, 0.1])
    (W, V), (b, _) = true.weights, true.biases
    exact = W.T @ (V[0] * (1 - np.tanh(W @ x + b) ** 2))
    assert np.allclose(gradient_fourth_order(lambda X: true(X)[:, 0], x, 1e-3), exact, atol=1e-12)


@given(st.integers(4, 9), st.integers(8, 30), st.integers(1, 3), st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_masked_low_rank_completes_a_planted_low_rank_matrix(m, n, rank, seed):
    rng = np.random.default_rng(seed)
    rank = min(rank, m - 2)  # each row then observes more entries than the rank
    Z = rng.standard_normal((n, rank)) @ rng.standard_normal((rank, m))
    mask = np.ones_like(Z, dtype=bool)
    mask[np.arange(n), rng.integers(0, m, n)] = False  # one missing entry per row, as in the method
    fit = masked_low_rank(Z, mask, rank, seed=seed)
    assert np.abs(fit.left @ fit.right - Z).max() < 1e-6 * max(1.0, np.abs(Z).max())
    assert fit.gap > 1e5


def test_masked_low_rank_rejects_bad_input():
    with pytest.raises(InputError):
        masked_low_rank(np.zeros((3, 3)), np.ones((3, 2), dtype=bool), 1)
    with pytest.raises(InputError):
        masked_low_rank(np.zeros((3, 3)), np.eye(3, dtype=bool), 2)  # rows with too few observed entries


@given(st.sampled_from(["tanh", "logistic"]), st.floats(0.2, 4.0), st.floats(-1.5, 1.5))
@settings(max_examples=40, deadline=None)
def test_scale_and_shift_solved_from_derivative_ratios(activation, s, b):
    act = activation_functions(activation)
    ts = np.array([-1.0, 1.0])
    ratios = act(s * ts + b)[1] / act(np.array([b]))[1]
    s_hat, b_hat, misfit = solve_scale_shift(activation, ts, ratios)
    assert misfit < 1e-9
    assert abs(s_hat - s) < 1e-6 * max(1.0, s) and abs(b_hat - b) < 1e-6


@pytest.mark.parametrize("activation", ["tanh", "logistic"])
def test_inner_layers_from_masked_hessians_match_the_truth(activation):
    true = random_pyramidal([6, 6, 3, 1], activation, seed=5)
    first = probe_first_layer(lambda X: true(X)[:, 0], 6, 6, seed=0)
    inner = recover_inner_layers(CountingOracle(true), first.weights, [6, 3], activation, seed=0)
    assert inner.gradients.gap > 1e4 and inner.coefficients.gap > 1e4 and inner.coefficients.ok
    # first-layer scales and shifts, aligned by the sign of each found direction
    j, sign, _ = matched(first.weights, true.weights[0])
    true_scale = np.linalg.norm(true.weights[0], axis=1)[j]
    assert np.allclose(inner.scales, true_scale, atol=1e-5)
    assert np.allclose(inner.shifts, sign * true.biases[0][j], atol=1e-5)
    _, _, err = matched(inner.vectors, true.entangled_weights()[1])
    assert inner.vectors.shape[0] == 3 and err.max() < 1e-8


@pytest.mark.parametrize("seed", range(10))
def test_gradient_completion_reaches_the_true_span_on_many_networks(seed):
    # regression: alternating least squares stalled on seeds 1 and 5 (which of its few starts
    # succeeded depended on rounding differences between numpy/OpenBLAS builds)
    true = random_pyramidal([6, 6, 3, 1], "tanh", seed=seed)
    first = probe_first_layer(lambda X: true(X)[:, 0], 6, 6, seed=0)
    inner = recover_inner_layers(CountingOracle(true), first.weights, [6, 3], "tanh", seed=0, strict=False)
    assert inner.gradients.residual < 1e-7 and inner.gradients.gap > 1e5
    # the completed span is the span of the true second-layer entangled weights (ŷ coordinates)
    truth = np.linalg.qr((true.entangled_weights()[1] @ np.linalg.pinv(first.weights)).T)[0]
    assert np.linalg.svd(truth.T @ inner.basis, compute_uv=False).min() > 1 - 1e-9


def test_inner_layers_reject_a_first_layer_that_does_not_fit():
    true = random_pyramidal([4, 4, 2, 1], "tanh", seed=0)
    with pytest.raises(InputError):
        recover_inner_layers(true, np.eye(4)[:3], [4, 2], "tanh")
    with pytest.raises(InputError):
        recover_inner_layers(true, np.ones((4, 4)) / 2, [4, 2], "tanh")  # dependent rows


def test_scale_shift_search_keeps_directions_and_fits_scales():
    true = random_pyramidal([4, 4, 3, 1], "tanh", seed=2)
    true.weights[1] *= np.array([[0.5], [2.0], [1.5]])
    start = true.copy()
    start.weights[1] = true.weights[1] / np.linalg.norm(true.weights[1], axis=1, keepdims=True)
    start.biases[1] = np.zeros(3)
    start.weights[2] = np.ones_like(true.weights[2])
    X = sample_ball(400, 4, 3.0, np.random.default_rng(0))
    fit = levenberg_marquardt(start, X, true(X), iterations=200, directions=scale_shift_directions(start, 1))
    assert fit.final_mse < 1e-24
    assert np.array_equal(fit.network.weights[0], true.weights[0])  # the fixed layer did not move
    assert np.allclose(fit.network.weights[1], true.weights[1], atol=1e-9)


@pytest.mark.parametrize("activation,seed", [("tanh", 0), ("tanh", 1), ("tanh", 2), ("logistic", 0)])
def test_layered_pipeline_recovers_two_hidden_layers(activation, seed):
    true = random_pyramidal([6, 6, 3, 1], activation, seed=seed)
    result = recover(true, true.widths, activation, RecoveryConfig(seed=seed))
    assert result.method == "layered" and result.gap_ok
    assert min(c.min() for c in entangled_cosines(true, result.initial_network)) > 0.999
    assert np.all(np.concatenate(entangled_cosines(true, result.network)) > 0.999)
    assert compare(true, result.network, test_points=5000).uniform_error < 1e-7
    assert result.queries == (result.queries_far_field + result.queries_hessians + result.queries_fit
                              + result.queries_validation)


def test_layered_pipeline_with_several_outputs():
    true = random_pyramidal([6, 6, 3, 2], "tanh", seed=4)
    result = recover(true, true.widths, "tanh", RecoveryConfig(seed=0))
    assert np.all(np.concatenate(entangled_cosines(true, result.network)) > 0.999)
    assert compare(true, result.network, test_points=5000).uniform_error < 1e-7


def test_layered_pipeline_refuses_when_the_first_layer_is_not_found():
    true = random_pyramidal([5, 3, 2, 1], "tanh", seed=0)
    from exactid.recovery.pipeline import RecoveryError

    with pytest.raises(RecoveryError):
        recover(true, [5, 4, 2, 1], "tanh", RecoveryConfig(far_lines=3))
    with pytest.raises(InputError):
        recover(true, [5, 3, 2, 1], "tanh", RecoveryConfig(method="layered-ish"))


def test_layered_and_joint_methods_selectable():
    one = random_pyramidal([5, 3, 1], "tanh", seed=0)
    assert recover(one, one.widths).method == "joint"
    with pytest.raises(InputError):
        recover(one, one.widths, config=RecoveryConfig(method="layered"))
    net = FloatNetwork("tanh", [np.eye(3), np.ones((1, 3))], [np.zeros(3), np.zeros(1)])
    assert recover(net, net.widths, config=RecoveryConfig(method="joint", strict=False)).method == "joint"
