"""Float Kronecker-sparse factorization: exact recovery, the proved error bound on noisy planted products, crossval."""

from __future__ import annotations

import json

import numpy as np
import pytest

from exactid.cli.main import main
from exactid.errors import InputError
from exactid.factorization.kronecker import deformable, pair_product, parse_architecture
from exactid.factorization.kronecker.crossval import compare
from exactid.factorization.kronecker.exact import digit_reversal
from exactid.factorization.kronecker.floating import (bound_constant, factor_float, load_npz, npz_bytes, paper_constant,
                                                      paper_pairs, paper_weights, save_npz)
from exactid.factorization.kronecker.layout import to_dense

ARCHS = ["butterfly:64", "radix:3^3", "radix:2,3,2,3", "monarch:6x5", "1,4,2,1;1,2,2,1;1,2,4,1", "1,2,2,8;2,4,4,2;8,2,2,1"]
# chainable and non-redundant in the sense of arXiv 2411.04506: square dyadic, radix 3, mixed radix, Monarch,
# a deformable chain, and a non-square one (12 x 6, classes of size 2 at the second pair)
PAPER_ARCHS = ["butterfly:64", "radix:3^3", "radix:2,3,2,3", "monarch:6x5", "1,2,2,8;2,4,4,2;8,2,2,1",
               "1,4,2,3;2,3,2,1;2,2,3,1"]
TREES = ["right", "left", "balanced", [[1, [2, 3]], [4, [5, 6]]]]


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


def noisy(arch, snr):
    rng = np.random.default_rng(snr)
    _, A0 = planted(arch, rng)
    noise = rng.standard_normal(A0.shape)
    noise *= np.linalg.norm(A0) / np.linalg.norm(noise) * 10 ** (-snr / 20)
    A = A0 + noise
    return A, np.linalg.norm(noise) / np.linalg.norm(A)


@pytest.mark.parametrize("name", ARCHS)
@pytest.mark.parametrize("snr", [20, 40])
def test_error_is_within_the_proved_bound_of_the_planted_error(name, snr):
    """Right comb: error <= C * best error <= C * planted error, and the step errors obey Pythagoras."""
    arch = parse_architecture(name)
    A, planted_error = noisy(arch, snr)
    res = factor_float(A, arch)
    assert res.own_constant == pytest.approx(np.sqrt(max(arch.L - 1, 1)))
    assert res.constant == res.own_constant  # √(L−1) <= 2^(L−1) − 1
    assert res.relative_error <= res.constant * planted_error * (1 + 1e-9)
    assert res.best_error_lower_bound <= planted_error * (1 + 1e-9)
    pythagoras = np.sqrt(sum(e * e for e in res.step_errors)) / np.linalg.norm(A)
    assert res.relative_error == pytest.approx(pythagoras, rel=1e-8)


def tree_id(tree):
    return tree if isinstance(tree, str) else "nested"


@pytest.mark.parametrize("name", PAPER_ARCHS)
@pytest.mark.parametrize("tree", TREES, ids=tree_id)
@pytest.mark.parametrize("snr", [20, 40])
def test_paper_bound_on_every_tree(name, tree, snr):
    """The butterfly algorithm with orthonormalization, on every tree: error <= C_β * planted error."""
    arch = parse_architecture(name)
    if not isinstance(tree, str) and arch.L != 6:
        tree = "balanced"
    A, planted_error = noisy(arch, snr)
    res = factor_float(A, arch, tree)
    assert res.paper_constant == 2 ** (arch.L - 1) - 1
    assert res.relative_error <= res.paper_constant * planted_error * (1 + 1e-9)
    assert res.relative_error <= res.constant * planted_error * (1 + 1e-9)
    assert res.best_error_lower_bound <= planted_error * (1 + 1e-9)
    right = res.tree.to_json() == arch.tree("right").to_json()
    assert res.algorithm == ("tree" if right else "sweep")
    # the sweep is the paper's left-to-right order on the right comb: same product as the default path
    swept = factor_float(A, arch, tree, algorithm="sweep")
    assert swept.relative_error <= res.paper_constant * planted_error * (1 + 1e-9)
    if right:
        assert np.allclose(swept.product(), res.product(), atol=1e-10 * np.linalg.norm(A))


def two_factor_error(A, arch, l):
    """E_l(A): the best error of (π_1⋯π_l, π_{l+1}⋯π_L), which the two-factor algorithm attains (C = 1)."""
    def fold(ps):
        out = ps[0]
        for p in ps[1:]:
            out = pair_product(out, p)[0]
        return out.as_tuple()
    two = deformable([fold(arch.patterns[:l]), fold(arch.patterns[l:])])
    res = factor_float(A, two)
    assert res.constant == 1.0
    return res.relative_error * np.linalg.norm(A)


@pytest.mark.parametrize("name", [n for n in PAPER_ARCHS if not n.startswith("monarch")])
@pytest.mark.parametrize("snr", [0, 10, 20, 40])
def test_a_posteriori_form_of_the_paper_bound(name, snr):
    """error <= Σ_t 2^(L−1−t) E_{l_t}(A) on every tree for the paper's algorithm; the 'tree' path (no QR
    sweeps) breaks it on the left comb of the non-square architecture, so this test can tell them apart."""
    arch = parse_architecture(name)
    A, _ = noisy(arch, snr)
    E = {l: two_factor_error(A, arch, l) for l in range(1, arch.L)}
    for tree in ("right", "left", "balanced"):
        bound = sum(w * E[l] for l, w in paper_weights(arch, arch.tree(tree)))
        res = factor_float(A, arch, tree)
        assert res.relative_error * np.linalg.norm(A) <= bound * (1 + 1e-9)
        if name == "1,4,2,3;2,3,2,1;2,2,3,1" and snr == 40 and tree == "left":
            old = factor_float(A, arch, tree, algorithm="tree")
            assert old.relative_error * np.linalg.norm(A) > 2 * bound


@pytest.mark.parametrize("name", PAPER_ARCHS)
def test_paper_algorithm_recovers_products_on_every_tree(name):
    arch = parse_architecture(name)
    _, A = planted(arch, np.random.default_rng(3))
    for tree in ("left", "balanced"):
        res = factor_float(A, arch, tree, algorithm="sweep")
        assert res.relative_error < 1e-12 and np.allclose(res.product(), A)


def test_paper_constant_values():
    """C_β = Σ_{t=1}^{L−1} 2^{L−1−t} = 2^{L−1} − 1, by hand for a few architectures."""
    cases = {"butterfly:4": 1, "butterfly:8": 3, "butterfly:16": 7, "butterfly:1024": 511, "radix:3^3": 3,
             "radix:2,3,2,3": 7, "monarch:16x16": 1, "monarch:6x5": 1, "1,2,2,8;2,4,4,2;8,2,2,1": 3,
             "1,4,2,3;2,3,2,1;2,2,3,1": 3}
    for name, value in cases.items():
        arch = parse_architecture(name)
        weights = [2 ** (arch.L - 1 - t) for t in range(1, arch.L)]
        for tree in ("right", "left", "balanced"):
            assert paper_constant(arch, arch.tree(tree)) == (float(value), "")
        assert sum(weights) == value
    # outside the hypotheses: redundant pairs, and the mirrored nesting exactid also accepts
    redundant = parse_architecture("1,4,2,1;1,2,2,1;1,2,4,1")
    c, why = paper_constant(redundant, redundant.tree("right"))
    assert c is None and "redundant" in why
    mirrored = deformable([(2, 2, 2, 1), (1, 4, 4, 1)])  # a' | a, d | d': chainable right to left only
    assert mirrored.chainable() and not paper_pairs(mirrored)[0]
    assert "left to right" in paper_constant(mirrored, mirrored.tree("right"))[1]


def test_own_bound_needs_the_right_comb_tree():
    arch = parse_architecture("butterfly:16")
    c, why = bound_constant(arch, arch.tree("balanced"))
    assert c is None and "right comb" in why
    res = factor_float(np.eye(16), arch, "balanced")
    assert res.own_constant is None and res.paper_constant == res.constant == 7
    old = factor_float(np.eye(16), arch, "balanced", algorithm="tree")  # not the paper's algorithm on this tree
    assert old.constant is None and old.paper_constant is None and "sweep" in old.paper_reason


def test_npz_version_1_still_loads(tmp_path):
    arch = parse_architecture("butterfly:8")
    _, A = planted(arch, np.random.default_rng(0))
    res = factor_float(A, arch, "balanced")
    path = tmp_path / "r.npz"
    save_npz(str(path), res)
    back = load_npz(str(path))
    assert (back.paper_constant, back.own_constant, back.constant, back.algorithm) == (3.0, None, 3.0, "sweep")
    with np.load(path) as data:  # a version-1 archive: no paper_constant, own_constant, algorithm
        members = {k: data[k] for k in data.files if k not in ("paper_constant", "own_constant", "algorithm")}
    members["version"] = np.array(1)
    np.savez(tmp_path / "v1.npz", **members)
    old = load_npz(str(tmp_path / "v1.npz"))
    assert old.constant == 3.0 and old.paper_constant is None and np.allclose(old.product(), back.product())
    assert npz_bytes(back)[:2] == b"PK"


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
    assert report["paper_constant"] == 7 and report["own_constant"] == pytest.approx(np.sqrt(3))
    assert report["algorithm"] == "tree"
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


def test_paper_chainable_architectures_meet_the_refinement_hypothesis():
    """Every architecture of three patterns with entries <= 4 that is chainable in the paper's sense
    has both trees admissible and satisfies the hypothesis of the √(L−1) bound (docs/kronecker.md)."""
    import itertools

    from exactid.factorization.kronecker import Architecture

    pats = list(itertools.product(range(1, 5), repeat=4))
    follows = {p: [q for q in pats if p[0] * p[2] * p[3] == q[0] * q[1] * q[3] and q[0] % p[0] == 0
                   and p[3] % q[3] == 0 and (p[0] * p[2]) % q[0] == 0] for p in pats}
    count = 0
    for p1 in pats:
        for p2 in follows[p1]:
            for p3 in follows[p2]:
                arch = Architecture([p1, p2, p3])
                assert paper_pairs(arch)[0] or "redundant" in paper_pairs(arch)[1]
                arch.nodes("left")
                assert bound_constant(arch, arch.tree("right"))[0] == pytest.approx(np.sqrt(2))
                count += 1
    assert count == 15296
