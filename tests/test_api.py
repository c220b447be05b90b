"""The top-level Python API: numpy in, result objects with verdicts and checkable certificates out."""

import doctest
import json
import warnings
from fractions import Fraction

import numpy as np
import pytest
import sympy

import exactid
from exactid.checker import check_document
from exactid.results import Verdict

TOP_LEVEL = ["rank", "two_layer", "butterfly", "kronecker", "Architecture", "Pattern", "parse_architecture",
             "load_network", "save_network", "load_samples", "relu_local", "relu_box", "funcdim", "equivalent", "symmetries",
             "check", "Network", "Verdict", "Result", "ExactConversionWarning"]


def test_top_level_names_exist():
    for name in TOP_LEVEL:
        assert getattr(exactid, name) is not None, name
        assert name in dir(exactid) and name in exactid.__all__
    with pytest.raises(AttributeError):
        exactid.no_such_name  # noqa: B018
    assert exactid.Network is __import__("exactid.networks.format", fromlist=["Network"]).Network


def test_package_docstring_examples():
    result = doctest.testmod(exactid, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_verdict_is_a_string_enum_with_the_project_words():
    assert [v.value for v in Verdict] == ["identifiable", "not_identifiable", "no_factorization", "equivalent",
                                          "not_equivalent", "exact", "lower_bound", "valid", "invalid",
                                          "malformed", "undecided"]
    assert Verdict.IDENTIFIABLE == "identifiable" and json.dumps(Verdict.UNDECIDED) == '"undecided"'
    assert "decided" not in [v.value for v in Verdict]


@pytest.mark.parametrize("seed", range(5))
def test_rank_matches_sympy(seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 4, size=(6, 3)) @ rng.integers(-3, 4, size=(3, 7))
    res = exactid.rank(A)
    assert res.rank == sympy.Matrix(A.tolist()).rank()
    assert res.verdict == Verdict.EXACT and res.shape == (6, 7) and res.field == "QQ"
    assert check_document(res.certificate)


def test_float_input_is_converted_exactly_with_one_warning():
    A = np.array([[0.1, 0.2], [0.3, 0.5]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = exactid.rank(A)
    assert [w.category for w in caught] == [exactid.ExactConversionWarning]
    assert "exactly" in str(caught[0].message)
    # the exact determinant of the stored floats decides the rank (0.1*0.5 - 0.2*0.3 != 0 in binary)
    det = Fraction(0.1) * Fraction(0.5) - Fraction(0.2) * Fraction(0.3)
    assert res.rank == (2 if det != 0 else 1)
    entries = res.certificate["data"]["matrix"]["entries"]
    assert Fraction(entries[0][0]) == Fraction(0.1)


def test_integer_input_gives_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert exactid.rank(np.array([[1, 2], [3, 4]], dtype=np.int32)).rank == 2
        assert exactid.rank([[1, "1/2"], [2, 1]]).rank == 1


def test_rank_over_cyclotomic_field_and_complex_input():
    # [[1, i], [i, -1]] has rank 1 over Q(i)
    with pytest.warns(exactid.ExactConversionWarning):
        res = exactid.rank(np.array([[1, 1j], [1j, -1]]))
    assert res.rank == 1 and res.field == "QQ(zeta_4)"
    res8 = exactid.rank(np.zeros((2, 2, 4), dtype=int), field="QQ(zeta_8)")
    assert res8.rank == 0 and res8.field == "QQ(zeta_8)"


def test_bad_input_is_an_input_error():
    with pytest.raises(exactid.InputError):
        exactid.rank(np.array([1, 2, 3]))
    with pytest.raises(exactid.InputError):
        exactid.rank(np.array([[np.nan, 1]]))
    with pytest.raises(exactid.InputError):
        exactid.rank("not a matrix")
    with pytest.raises(exactid.InputError):
        exactid.two_layer(np.eye(4, dtype=int))  # no family


def test_save_is_atomic_and_refuses_undecided(tmp_path):
    res = exactid.rank(np.eye(2, dtype=int))
    out = res.save(tmp_path / "r.json.gz")
    assert exactid.check(out).verdict == Verdict.VALID
    undecided = exactid.results.Result(Verdict.UNDECIDED, "why")
    with pytest.raises(exactid.InputError):
        undecided.save(tmp_path / "u.json")
    assert not (tmp_path / "u.json").exists()


def test_two_layer_forms_agree_with_cli_defaults():
    named = exactid.two_layer("dct2", n=8, family={"x_col_sparsity": 4, "y_row_sparsity": 2})
    assert named.verdict == "identifiable" and named.r == 8 and check_document(named.certificate)
    # an explicit product of a DCT-like identifiable pair: the same family from X and Y
    rng = np.random.default_rng(3)
    X = np.kron(np.eye(2, dtype=int), rng.integers(1, 5, size=(2, 1)))  # 4x2, one block per column
    Y = rng.integers(1, 5, size=(2, 3))
    res = exactid.two_layer(X=X, Y=Y)
    assert (res.x_col_sparsity, res.y_row_sparsity, res.r) == (2, 3, 2)
    assert res.verdict == "identifiable" and check_document(res.certificate)
    same = exactid.two_layer(X @ Y, family=(2, 3, 2))
    assert same.verdict == res.verdict


def test_two_layer_hadamard_cover_count_matches_brute_force():
    res = exactid.two_layer("hadamard", n=4, family=(2, 2), count=True)
    assert res.verdict == "not_identifiable" and res.covers == 3


def _dense(values, pattern):
    """Dense Fraction matrix of a compact (a, b, c, d) array, from the pattern's definition."""
    a, b, c, d = pattern.as_tuple()
    out = [[Fraction(0)] * (a * c * d) for _ in range(a * b * d)]
    for al in range(a):
        for be in range(b):
            for ga in range(c):
                for de in range(d):
                    out[(al * b + be) * d + de][(al * c + ga) * d + de] = Fraction(str(values[al, be, ga, de]))
    return sympy.Matrix(out)


@pytest.mark.parametrize("seed", range(3))
def test_kronecker_explicit_product_factors_back(seed):
    arch = exactid.parse_architecture("monarch:2x3")
    rng = np.random.default_rng(seed)
    planted = [rng.integers(1, 5, p.as_tuple()) * rng.choice([-1, 1], p.as_tuple()) for p in arch.patterns]
    M = _dense(planted[0], arch.patterns[0]) * _dense(planted[1], arch.patterns[1])
    res = exactid.kronecker(np.array(M.tolist(), dtype=np.int64), arch)
    assert res.verdict == Verdict.IDENTIFIABLE and res.architecture == "monarch:2x3" and res.shape == (6, 6)
    assert "diagonal" in res.ambiguity and check_document(res.certificate)
    product = _dense(res.factors[0], arch.patterns[0]) * _dense(res.factors[1], arch.patterns[1])
    assert product == M  # the returned factors multiply back to the input, exactly
    bad = np.array(M.tolist(), dtype=np.int64)
    bad[0, 0] += 1  # a generic perturbation raises the rank of a class block of the split
    out = exactid.kronecker(bad, arch)
    assert out.verdict == Verdict.NO_FACTORIZATION and check_document(out.certificate) and out.factors == []


def test_kronecker_named_and_refusals():
    res = exactid.kronecker("dft", "radix:3,2", tree="left")
    assert res.verdict == Verdict.IDENTIFIABLE and res.encoding == "exponents" and res.conductor == 6
    assert exactid.check(res.certificate).verdict == "valid"
    # the exponents (-1 off the support) multiply to the DFT with digit reversal: zeta_6^(-j perm[k])
    from exactid.factorization.kronecker.exact import digit_reversal
    from exactid.factorization.kronecker.layout import to_dense

    arch = exactid.parse_architecture("radix:3,2")
    dense = [to_dense(np.asarray(f, dtype=np.int64), p, -1) for f, p in zip(res.factors, arch.patterns)]
    X = [np.where(d >= 0, np.exp(2j * np.pi * d / 6), 0) for d in dense]
    j, perm = np.arange(6), digit_reversal([3, 2])
    assert np.allclose(X[0] @ X[1], np.exp(-2j * np.pi * np.outer(j, perm) / 6))
    planted = exactid.kronecker("random", "monarch:2x2", seed=3)
    assert planted.verdict == Verdict.IDENTIFIABLE and check_document(planted.certificate)
    assert "certificate=<kronecker_unique>" in repr(planted)
    eye = exactid.kronecker(np.eye(4, dtype=int), "1,4,2,1;1,2,2,1;1,2,4,1")
    assert eye.verdict == Verdict.NO_FACTORIZATION and check_document(eye.certificate) and eye.factors == []
    for bad in (dict(M="hadamard", arch="radix:2,3"), dict(M="dft", arch="1,4,2,1;1,2,2,1;1,2,4,1"),
                dict(M="random", arch="monarch:2x2", seed=-1), dict(M=np.eye(3, dtype=int), arch="monarch:2x2"),
                dict(M="dft", arch=3)):
        with pytest.raises(exactid.InputError):
            exactid.kronecker(**bad)


def test_butterfly_named_and_explicit():
    res = exactid.butterfly("hadamard", n=8)
    assert res.verdict == "identifiable" and res.encoding == "roots_of_unity" and res.conductor == 2
    assert check_document(res.certificate)
    from exactid.transforms import hadamard

    explicit = exactid.butterfly(hadamard(4))
    assert explicit.verdict == "identifiable" and explicit.encoding == "rational"
    bad = exactid.butterfly(np.array([[1, 2, 0, 0], [0, 1, 2, 0], [1, 0, 1, 0], [0, 0, 0, 1]]))
    assert bad.verdict == "no_factorization" and check_document(bad.certificate)
    degenerate = exactid.butterfly(np.zeros((4, 4), dtype=int))  # zero factors leave rows free
    assert degenerate.verdict == "not_identifiable" and check_document(degenerate.certificate)


def test_networks_api():
    net = [(np.array([[1], [-1]]), np.array([0, 0])), (np.array([[1, 1]]), np.array([0]))]
    local = exactid.relu_local(net, np.array([[1], [-1], [2]]))
    assert local.verdict == "not_identifiable" and check_document(local.certificate)
    dim = exactid.funcdim(net, np.array([[1], [-1], [2]]))
    assert dim.verdict == "exact" and dim.rank == 3
    box = exactid.relu_box(exactid.Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])]), "-1", "1")
    assert box.verdict in ("identifiable", "not_identifiable") and check_document(box.certificate)
    sym = exactid.symmetries("logistic")
    assert sym.verdict == "exact" and sym.order == 2 and sym.certificate is None


def test_equivalent_and_not_equivalent():
    a = {"activation": "tanh", "layers": [{"W": [[1], [2]], "b": [0, 1]}, {"W": [[1, 3]], "b": [0]}]}
    b = {"activation": "tanh", "layers": [{"W": [[-2], [1]], "b": [-1, 0]}, {"W": [[-3, 1]], "b": [0]}]}
    c = {"activation": "tanh", "layers": [{"W": [[1], [2]], "b": [0, 1]}, {"W": [[1, 4]], "b": [0]}]}
    assert exactid.equivalent(a, b).verdict == "equivalent"
    res = exactid.equivalent(a, c)
    assert res.verdict == "not_equivalent" and res.point is not None and check_document(res.certificate)


def test_check_reports_tampering():
    cert = exactid.rank(np.array([[1, 2], [2, 4]])).certificate
    bad = json.loads(json.dumps(cert))
    bad["claim"]["rank"] = 2
    res = exactid.check(bad)
    assert res.verdict == "invalid" and res.exit_code == 1 and res.certificate is None


def test_repr_is_readable():
    res = exactid.butterfly("dft", n=4)
    text = repr(res)
    assert text.startswith("ButterflyResult(verdict='identifiable'") and "factors" not in text
    assert "certificate=<butterfly_unique>" in text


def test_network_forms_and_float_weights(tmp_path):
    from exactid.networks.format import save_network

    net = exactid.Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    X = np.array([[1], [-1], [2]])
    path = tmp_path / "net.json"
    save_network(str(path), net)
    as_list = [(np.array([[1.0], [-1.0]]), np.array([0.0, 0.0])), (np.array([[1.0, 1.0]]), np.array([0.0]))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from_floats = exactid.relu_local(as_list, X)
    assert [w.category for w in caught] == [exactid.ExactConversionWarning]  # one warning per conversion
    assert caught[0].filename == __file__  # attributed to the caller
    for form in (net, net.to_json(), str(path)):
        res = exactid.relu_local(form, X)
        assert (res.verdict, res.rank) == (from_floats.verdict, from_floats.rank) == ("not_identifiable", 3)
        assert res.certificate == from_floats.certificate or res.certificate["claim"] == from_floats.certificate["claim"]
    with pytest.raises(exactid.InputError):
        exactid.relu_local([(np.eye(2, dtype=int), np.zeros(2, dtype=int))], np.eye(3, dtype=int))  # wrong width
    with pytest.raises(exactid.InputError):
        exactid.equivalent(42, net)
