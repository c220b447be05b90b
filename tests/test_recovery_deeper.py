"""Tests of recovery beyond two hidden layers (multistart in the known spans) and of the measures and CLI modes.

Oracles: the true random networks (weights, biases, entangled weights, outputs), hand-made
perturbations with known parameter errors, and networks written to and read back from files.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from exactid.recovery import RecoveryConfig, compare, entangled_cosines, random_pyramidal, recover
from exactid.recovery.deeper import relative_rmse, span_directions
from exactid.recovery.network import activation_functions, sample_ball


def test_span_directions_keep_layer_one_fixed_and_layer_two_in_its_span():
    net = random_pyramidal([5, 5, 3, 2, 1], "tanh", seed=0)
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.standard_normal((5, 3)))[0]
    act = activation_functions("tanh")
    scales = np.linalg.norm(net.weights[0], axis=1)
    lift = 1.0 / (scales * act(net.biases[0])[1])
    D = span_directions(net, basis, lift)
    moved = net.with_flat(net.flat() + D @ rng.standard_normal(D.shape[1]))
    assert np.array_equal(moved.weights[0], net.weights[0]) and np.array_equal(moved.biases[0], net.biases[0])
    # the change of the layer-2 entangled weights, in the first layer's normalized coordinates, lies in the span
    delta = (moved.weights[1] - net.weights[1]) / lift
    assert np.abs(delta - delta @ basis @ basis.T).max() < 1e-12
    assert D.shape[1] == 3 * 3 + 3 + (2 * 3 + 2) + (1 * 2 + 1)


@pytest.mark.parametrize("activation,seed", [("tanh", 2)])
def test_three_hidden_layers_recovered_against_the_truth(activation, seed):
    true = random_pyramidal([6, 6, 4, 2, 1], activation, seed=seed)
    result = recover(true, true.widths, activation, RecoveryConfig(seed=seed))
    assert result.method == "layered" and result.gap_ok and result.deeper is not None and result.deeper.accepted
    # the exactly recovered first layer is kept fixed by the multistart stage
    assert np.array_equal(result.stage_networks["deeper"].weights[0], result.initial_network.weights[0])
    for layer in entangled_cosines(true, result.network):
        assert layer.min() > 0.999
    cmp = compare(true, result.network, test_points=5000)
    assert cmp.layer_fractions == [1.0, 1.0, 1.0]
    assert cmp.uniform_error < 1e-10 and cmp.parameter_error < 1e-8
    assert result.queries == (result.queries_far_field + result.queries_hessians + result.queries_fit
                              + result.queries_validation)
    # the network returned is the best of the stages on the validation queries
    scores = result.stages[-1]["validation_residuals"]
    assert scores[result.selected] == min(scores.values())


def test_selected_network_is_never_worse_than_before_fine_tuning():
    # a deliberately useless polish (one step from a far start cannot help much) must not replace
    # a better network; the initial network is among the candidates
    true = random_pyramidal([6, 6, 3, 1], "tanh", seed=0)
    result = recover(true, true.widths, "tanh", RecoveryConfig(seed=0, scale_shift_iterations=0,
                                                                finetune_iterations=1))
    X = sample_ball(2000, 6, 3.0, np.random.default_rng(9))
    Y = true(X)
    assert relative_rmse(result.network, X, Y) <= 1.01 * relative_rmse(result.initial_network, X, Y)
    assert set(result.stages[-1]["validation_residuals"]) == {"initial", "polished"}


def test_parameter_error_shows_what_the_direction_fraction_hides():
    true = random_pyramidal([5, 4, 3, 1], "logistic", seed=1)
    other = true.copy()
    other.biases[-1] = other.biases[-1] + 0.05  # output bias off; every direction intact
    other.weights[1][0] *= 1.02                 # a scale off by 2 %
    c = compare(true, other, test_points=2000)
    assert c.recovered_fraction == 1.0 and c.layer_fractions == [1.0, 1.0]
    assert c.layer_parameter_errors[2] == pytest.approx(0.05, rel=1e-9)
    assert c.layer_parameter_errors[1] == pytest.approx(0.02 * np.abs(true.weights[1][0]).max(), rel=1e-9)
    assert c.parameter_error == pytest.approx(max(c.layer_parameter_errors), rel=1e-12) and c.uniform_error > 0.04


def _save(net, path):
    from exactid.networks.format import Network, save_network

    save_network(str(path), Network.from_numpy(net.activation, net.weights, net.biases))


def test_cli_recovers_a_network_file_used_as_a_black_box(tmp_path, capsys):
    from exactid.cli.main import main
    from exactid.networks.format import load_network
    from exactid.recovery.network import FloatNetwork

    true = random_pyramidal([6, 6, 3, 1], "tanh", seed=2)
    _save(true, tmp_path / "net.json")
    out = tmp_path / "rec.json"
    code = main(["recover", "--net", str(tmp_path / "net.json"), "-o", str(out), "--json", "--test-points", "3000"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["comparison"]["recovered_fraction"] == 1.0
    assert payload["queries"] > 0 and payload["query_model"]["max_norm"] > 1000  # far-field lines
    ws, bs = load_network(str(out)).to_numpy()
    recovered = FloatNetwork("tanh", ws, bs)
    X = sample_ball(3000, 6, 1.0, np.random.default_rng(1))
    assert np.abs(recovered(X) - true(X)).max() < 1e-10


def test_cli_recovers_a_python_callable(tmp_path, capsys, monkeypatch):
    from exactid.cli.main import main

    true = random_pyramidal([5, 4, 1], "tanh", seed=3)
    _save(true, tmp_path / "truth.json")
    np.savez(tmp_path / "weights.npz", *true.weights, *true.biases)
    (tmp_path / "blackbox_target_mod.py").write_text(
        "import numpy as np\n"
        f"_d = np.load({str(tmp_path / 'weights.npz')!r})\n"
        "W1, W2, b1, b2 = (_d[k] for k in ('arr_0', 'arr_1', 'arr_2', 'arr_3'))\n"
        "def f(X):\n"
        "    return np.tanh(X @ W1.T + b1) @ W2.T + b2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code = main(["recover", "--target", "blackbox_target_mod:f", "--widths", "5,4,1", "--compare",
                 str(tmp_path / "truth.json"), "--json", "--test-points", "2000"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["comparison"]["recovered_fraction"] == 1.0 and payload["comparison"]["uniform_error"] < 1e-10


@pytest.mark.parametrize("argv", [
    ["recover", "--target", "no_such_module_xyz:f", "--widths", "5,4,1"],
    ["recover", "--target", "os.path:join(1)", "--widths", "5,4,1"],
    ["recover", "--target", "os:getcwd", "--widths", "5,4,1"],          # callable that rejects the array
    ["recover", "--target", "os:sep", "--widths", "5,4,1"],             # not callable
    ["recover", "--target", "os:getcwd"],                               # no widths
    ["recover", "--demo", "-o", "x.json"],
    ["recover", "--demo", "--baseline-epochs", "10,x"],
])
def test_cli_recover_refuses_bad_targets_in_one_line(argv, capsys, tmp_path, monkeypatch):
    from exactid.cli.main import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("exactid: error")
    assert not (tmp_path / "x.json").exists()
