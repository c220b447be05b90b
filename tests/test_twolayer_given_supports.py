"""A given Z with a given support pair: completion against a brute-force oracle (issue 13)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.twolayer import given_supports_certificate
from exactid.checker import Rejected, check_document
from exactid.cli.main import main
from exactid.domains import CyclotomicField, ExactMatrix
from exactid.factorization.given_supports import decide_given_supports
from test_twolayer_fixed_oracle import as_fractions, equivalent, exact_solutions


def random_instance(seed: int):
    """Z = X Y for random small X, Y; the supports given are supp X, supp Y, sometimes larger,
    and Z is sometimes perturbed at one entry."""
    rng = np.random.default_rng(seed)
    m, r, n = int(rng.integers(1, 4)), int(rng.integers(1, 3)), int(rng.integers(1, 4))
    X = rng.choice([-2, -1, 1, 2], size=(m, r)) * (rng.random((m, r)) < 0.6)
    Y = rng.choice([-2, -1, 1, 2], size=(r, n)) * (rng.random((r, n)) < 0.6)
    SX, SY = X != 0, Y != 0
    if rng.random() < 0.3:
        SX = SX | (rng.random((m, r)) < 0.3)
    Z = X @ Y
    if rng.random() < 0.4:
        Z[int(rng.integers(m)), int(rng.integers(n))] += 1
    return Z, SX, SY


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_given_supports_against_brute_force(seed):
    Z, SX, SY = random_instance(seed)
    E = ExactMatrix.from_rows(Z.tolist())
    cert, res = given_supports_certificate(E, SX, SY)
    # the oracle: factor pairs with supp X' ⊆ SX (entries in -2..2) and supp Y' ⊆ SY, X' Y' = Z
    solutions = list(exact_solutions(SX, SY, Z))
    if res.verdict == "no_factorization":
        assert not solutions
    if res.verdict in ("identifiable", "not_identifiable"):
        X, Y = as_fractions(res.X), as_fractions(res.Y)
        assert (X.dot(Y) == Z).all() and np.array_equal(X != 0, SX) and np.array_equal(Y != 0, SY)
    if res.verdict == "identifiable":
        assert all(equivalent(X, Y, A, B) for A, B in solutions)
    if res.verdict == "not_identifiable":
        assert any(SX[:, i].any() != SY[i].any() for i in range(SX.shape[1]))  # a free factor
        assert any(not equivalent(X, Y, A, B) for A, B in solutions)
    if cert is not None:
        check_document(json.loads(json.dumps(cert)))


def test_hand_derived_cases_and_tampering():
    SX, SY = np.array([[1, 0], [1, 1]], bool), np.array([[1, 1], [0, 1]], bool)
    # Z = [[a c, a d], [b c, b d + e f]]: completion recovers x_0 y_0 from row 0 and column 0
    cert, res = given_supports_certificate(ExactMatrix.from_rows([[2, 3], [4, 11]]), SX, SY)
    assert res.verdict == "identifiable" and res.X.tolist() == [[1, 0], [2, 1]] and res.Y.tolist() == [[2, 3], [0, 5]]
    assert "given 2x2 matrix Z" in check_document(cert)
    bad = copy.deepcopy(cert)
    bad["data"]["Z"]["entries"][1][1] = 12
    with pytest.raises(Rejected):
        check_document(bad)
    # the rank-one part is forced, and 4 * 3 / 2 = 6 is not 7: no factorization with one component
    cert, res = given_supports_certificate(ExactMatrix.from_rows([[2, 3], [4, 7]]), [[1], [1]], [[1, 1]])
    assert res.verdict == "no_factorization" and res.mismatch == (1, 1)
    assert "no factorization" in check_document(cert)
    for mutate in (lambda c: c["data"]["Z"]["entries"][1].__setitem__(1, 6),
                   lambda c: c["steps"][0]["x"]["entries"][1].__setitem__(0, 3),
                   lambda c: c["steps"][1].update(entry=[0, 1]),
                   lambda c: c["data"].update(y_support=[[1, 0]])):
        bad = copy.deepcopy(cert)
        mutate(bad)
        with pytest.raises(Rejected):
            check_document(bad)


def test_over_cyclotomic_field():
    K = CyclotomicField(5)
    z = K.zeta(1)
    X = ExactMatrix.from_rows([[1, 0], [z, 1], [0, z * z]], K)
    Y = ExactMatrix.from_rows([[1, z, 0], [0, 2, 1]], K)
    Z = X @ Y
    SX, SY = np.array([[1, 0], [1, 1], [0, 1]], bool), np.array([[1, 1, 0], [0, 1, 1]], bool)
    cert, res = given_supports_certificate(Z, SX, SY)
    assert res.verdict == "identifiable" and res.X @ res.Y == Z
    check_document(cert)


def test_cli(tmp_path, capsys):
    (tmp_path / "Z.json").write_text("[[2, 3], [4, 11]]")
    (tmp_path / "SX.json").write_text("[[1, 0], [1, 1]]")
    (tmp_path / "SY.json").write_text("[[1, 1], [0, 1]]")
    out = tmp_path / "c.json"
    code = main(["certify", "two-layer", "--z", str(tmp_path / "Z.json"), "--x-support", str(tmp_path / "SX.json"),
                 "--y-support", str(tmp_path / "SY.json"), "-o", str(out), "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["verdict"] == "identifiable" and payload["X"]["entries"] == [[1, 0], [2, 1]]
    assert main(["check", str(out)]) == 0
    assert main(["certify", "two-layer", "--z", str(tmp_path / "Z.json")]) == 2
    assert "go together" in capsys.readouterr().err
