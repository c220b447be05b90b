"""Float Kronecker-sparse factorization: exact recovery, the proved error bound on noisy planted products, crossval."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exactid.cli.main import main
from exactid.errors import InputError
from exactid.factorization.kronecker import deformable, parse_architecture
from exactid.factorization.kronecker.crossval import compare
from exactid.factorization.kronecker.exact import digit_reversal
from exactid.factorization.kronecker.floating import bound_constant, factor_float, load_npz, save_npz
from exactid.factorization.kronecker.layout import to_dense

ARCHS = ["butterfly:64", "radix:3^3", "radix:2,3,2,3", "monarch:6x5", "1,4,2,1;1,2,2,1;1,2,4,1", "1,2,2,8;2,4,4,2;8,2,2,1"]


def planted(arch, rng, complex_=False):
    xs = [rng.standard_normal(p.as_tuple()) + (1j * rng.standard_normal(p.as_tuple()) if complex_ else 0)
          for p in arch.patterns]
    A = to_dense(xs[0], arch.patterns[0])
    for x, p in zip(xs[1:], arch.patterns[1:]):
        A = A @ to_dense(x, p)
    return xs, A


@pytest.mark.parametrize("name", ARCHS)
def test_noiseless_products_are_recovered(name):
    arch = parse_architecture(name)
    _, A = planted(arch, np.random.default_rng(1), complex_=name.startswith("radix"))
    res = factor_float(A, arch)
    assert res.relative_error < 1e-12
    assert np.allclose(res.product(), A)


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("snr", [20, 40])
def test_error_is_within_the_proved_bound_of_the_planted_error(name, snr):
    """error <= C * best error <= C * planted error, and the step errors obey Pythagoras."""
    arch = parse_architecture(name)
    rng = np.random.default_rng(snr)
    _, A0 = planted(arch, rng)
    noise = rng.standard_normal(A0.shape)
    noise *= np.linalg.norm(A0) / np.linalg.norm(noise) * 10 ** (-snr / 20)
    A = A0 + noise
    res = factor_float(A, arch)
    planted_error = np.linalg.norm(noise) / np.linalg.norm(A)
    assert res.constant == pytest.approx(np.sqrt(max(arch.L - 1, 1)))
    assert res.relative_error <= res.constant * planted_error * (1 + 1e-9)
    assert res.best_error_lower_bound <= planted_error * (1 + 1e-9)
    pythagoras = np.sqrt(sum(e * e for e in res.step_errors)) / np.linalg.norm(A)
    assert res.relative_error == pytest.approx(pythagoras, rel=1e-8)


def test_bound_needs_the_right_comb_tree():
    arch = parse_architecture("butterfly:16")
    c, why = bound_constant(arch, arch.tree("balanced"))
    assert c is None and "right comb" in why
    assert factor_float(np.eye(16), arch, "balanced").constant is None


def test_off_pattern_energy_counts_at_the_root():
    arch = deformable([(2, 2, 2, 1), (2, 2, 2, 1)])  # block diagonal product pattern
    A = np.zeros((4, 4))
    A[0, 3] = 1.0
    res = factor_float(A, arch)
    assert res.relative_error == pytest.approx(1.0) and res.best_error_lower_bound == pytest.approx(1.0)


def test_npz_roundtrip_and_crossval_against_the_exact_dft(tmp_path, capsys):
    n = 36
    F = np.exp(-2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)
    np.save(tmp_path / "f.npy", F)
    out = tmp_path / "f.npz"
    assert main(["factor", "kronecker-sparse", str(tmp_path / "f.npy"), "--arch", "radix:2,3,2,3",
                 "--perm", "digit-reversal", "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["relative_error"] < 1e-13 and report["constant"] == pytest.approx(np.sqrt(3))
    res = load_npz(str(out))
    assert np.allclose(res.product(), F[:, digit_reversal([2, 3, 2, 3])])
    assert main(["crossval", "kronecker", str(out), "--matrix", "dft", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "equivalent"
    res.factors[1] = res.factors[1] * 1.001  # not a diagonal scaling of the exact factors
    save_npz(str(tmp_path / "g.npz"), res)
    assert main(["crossval", "kronecker", str(tmp_path / "g.npz"), "--matrix", "dft", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "not_equivalent"


def test_crossval_detects_a_changed_entry():
    arch = parse_architecture("monarch:3x3")
    xs, _ = planted(arch, np.random.default_rng(0))
    other = [x.copy() for x in xs]
    other[0][0, 1, 2, 0] += 0.5
    assert compare(xs, xs, arch, 1e-12)["verdict"] == "equivalent"
    assert compare(other, xs, arch, 1e-12)["verdict"] == "not_equivalent"


def test_refusals(tmp_path):
    arch = parse_architecture("monarch:2x2")
    with pytest.raises(InputError):
        factor_float(np.eye(5), arch)
    with pytest.raises(InputError):
        factor_float(np.full((4, 4), np.nan), arch)
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError):
        load_npz(str(tmp_path / "x.npz"))
