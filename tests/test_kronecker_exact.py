"""Exact Kronecker-sparse factorization: recovery up to the stated ambiguity, SymPy oracle, certificates, tampering."""

from __future__ import annotations

import copy

import flint
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.kronecker import (
    certify_matrix,
    certify_named,
    planted_product,
    random_factors,
)
from exactid.checker import check_document
from exactid.checker.core import Rejected
from exactid.cli.main import main
from exactid.domains import ExactMatrix
from exactid.errors import InputError
from exactid.factorization.kronecker import deformable, mixed_radix, monarch, parse_architecture
from exactid.factorization.kronecker.exact import digit_reversal, factor_exact, factor_roots_of_unity
from exactid.factorization.kronecker.layout import to_dense


def dense_product(factors, arch) -> flint.fmpq_mat:
    acc = None
    for f, p in zip(factors, arch.patterns):
        d = flint.fmpq_mat(to_dense(f, p, flint.fmpq(0)).tolist())
        acc = d if acc is None else acc * d
    return acc


def as_sympy(factors, arch) -> list:
    return [sympy.Matrix(to_dense(f, p, flint.fmpq(0)).tolist()).applyfunc(lambda x: sympy.Rational(int(x.p), int(x.q)))
            for f, p in zip(factors, arch.patterns)]


@pytest.mark.parametrize("name, tree", [("butterfly:8", "balanced"), ("butterfly:8", "left"), ("radix:3^2", "right"),
                                        ("radix:2,3,2", "balanced"), ("monarch:2x3", "balanced"), ("monarch:4x4", "right"),
                                        ("1,2,2,4;2,2,2,2;4,2,2,1", "left")])
def test_random_products_are_recovered_up_to_diagonal_scalings(name, tree):
    arch = parse_architecture(name)
    planted = random_factors(arch, seed=5)
    M = planted_product(planted, arch)
    res = factor_exact(M, arch, tree)
    assert res.status == "factorized"
    assert dense_product(res.factors, arch) == M.to_fmpq_mat()
    # oracle: found_l = D_{l-1}^{-1} planted_l D_l, with the D_l solved column by column (SymPy rationals)
    X, Y = as_sympy(planted, arch), as_sympy(res.factors, arch)
    prev = sympy.eye(X[0].rows)
    for l in range(arch.L):
        target = prev * X[l]  # D_{l-1}^{-1} X_l
        if l == arch.L - 1:
            assert target == Y[l]
            break
        diag = []
        for k in range(target.cols):
            i = next(i for i in range(target.rows) if target[i, k] != 0)
            diag.append(Y[l][i, k] / target[i, k])
        D = sympy.diag(*diag)
        assert target * D == Y[l]
        prev = D.inv()


def test_classes_of_size_two_are_recovered_up_to_block_diagonal_matrices():
    arch = deformable([(1, 3, 2, 1), (1, 2, 3, 1)])
    planted = random_factors(arch, seed=2)
    M = planted_product(planted, arch)
    res = factor_exact(M, arch)
    assert res.status == "factorized" and "2x2 blocks" in res.ambiguity()
    X, Y = as_sympy(planted, arch), as_sympy(res.factors, arch)
    G = (X[0].T * X[0]).inv() * X[0].T * Y[0]  # X_1 G = Y_1 (X_1 has full column rank)
    assert X[0] * G == Y[0] and G.det() != 0 and G.inv() * X[1] == Y[1]


def sympy_solutions(M: sympy.Matrix, arch) -> list:
    """Oracle: all factorizations X_1 X_2 = M with the diagonal gauge fixed (entry 1 at the first row of
    each column of X_1), by SymPy's polynomial solver."""
    p1, p2 = arch.patterns
    s1, s2 = p1.support(), p2.support()
    xs = {}
    X1 = sympy.zeros(*s1.shape)
    for k in range(s1.shape[1]):
        rows = np.nonzero(s1[:, k])[0]
        X1[rows[0], k] = 1
        for i in rows[1:]:
            X1[i, k] = xs.setdefault((1, i, k), sympy.Symbol(f"a_{i}_{k}"))
    X2 = sympy.zeros(*s2.shape)
    for k, j in zip(*np.nonzero(s2)):
        X2[k, j] = xs.setdefault((2, k, j), sympy.Symbol(f"b_{k}_{j}"))
    eqs = [e for e in (X1 * X2 - M) if e != 0]
    return sympy.solve(eqs, list(xs.values()), dict=True)


def test_identifiable_verdict_agrees_with_sympy_on_monarch_2x2():
    arch = monarch(2, 2)
    planted = random_factors(arch, seed=11)
    M = planted_product(planted, arch)
    res = factor_exact(M, arch)
    sols = sympy_solutions(sympy.Matrix(M.to_sympy().to_Matrix()) if hasattr(M.to_sympy(), "to_Matrix")
                           else sympy.Matrix(M.to_sympy()), arch)
    assert res.status == "factorized" and len(sols) == 1 and all(v.is_Rational for v in sols[0].values())


def test_vanishing_block_is_not_identifiable_with_a_checked_second_factorization():
    arch = monarch(2, 2)
    planted = random_factors(arch, seed=3)
    planted[0][0, :, 0, 0] = flint.fmpq(0)  # column 0 of X_1 vanishes: row 0 of X_2 is free
    M = planted_product(planted, arch)
    cert, res = certify_matrix(M, arch)
    assert res.status == "not_identifiable"
    assert dense_product(res.factors, arch) == dense_product(res.second, arch) == M.to_fmpq_mat()
    assert "not identifiable" in check_document(cert)
    # oracle: no invertible diagonal D with X_1 D = X_1' and D^{-1} X_2 = X_2' (SymPy finds no solution)
    X, Y = as_sympy(res.factors, arch), as_sympy(res.second, arch)
    d = sympy.symbols(f"d0:{X[0].cols}")
    eqs = list(X[0] * sympy.diag(*d) - Y[0]) + list(X[1] - sympy.diag(*d) * Y[1])
    sols = sympy.solve([e for e in eqs if e != 0], d, dict=True)
    assert all(any(sol.get(x, x) == 0 for x in d) for sol in sols)  # no invertible solution


def test_no_factorization_with_a_minor_witness():
    arch = monarch(2, 3)
    rng = np.random.default_rng(4)
    M = ExactMatrix.from_integers(rng.integers(-5, 6, (6, 6)))
    cert, res = certify_matrix(M, arch)
    assert res.status == "no_factorization" and "no factorization" in check_document(cert)
    rows, cols = res.witness.rows, res.witness.cols
    assert sympy.Matrix(6, 6, M.to_fmpq_mat().entries()).extract(rows, cols).det() != 0
    outside = np.eye(4, dtype=np.int64)
    outside[0, 3] = 1  # off the block-diagonal product pattern (2, 2, 2, 1)
    off = ExactMatrix.from_integers(outside)
    cert, res = certify_matrix(off, deformable([(2, 2, 2, 1), (2, 2, 2, 1)]))
    assert res.witness.kind == "outside" and "off the product pattern" in check_document(cert)


@pytest.mark.parametrize("radices, tree", [([2, 3], "balanced"), ([3, 2, 2], "left"), ([2, 3, 3], "right"),
                                           ([3, 3, 3], "balanced"), ([2, 2, 3, 3], "balanced")])
def test_dft_factors_are_roots_of_unity_and_certified(radices, tree):
    arch = mixed_radix(radices)
    n = arch.shape[0]
    cert, res = certify_named("dft", arch, tree)
    assert res.status == "factorized"
    F = np.exp(-2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)[:, digit_reversal(radices)]
    product = np.eye(n)
    for f, p in zip(res.factors, arch.patterns):
        product = product @ to_dense(np.exp(2j * np.pi * f / n), p)
    assert np.allclose(product, F)
    assert "unique up to diagonal scalings" in check_document(cert)


def test_dft_without_digit_reversal_has_no_factorization():
    arch = mixed_radix([2, 3])
    E = (-(np.arange(6)[:, None] * np.arange(6)[None, :])) % 6
    assert factor_roots_of_unity(E, 6, arch).status == "no_factorization"


def test_certified_monarch_and_classes_products():
    for name, seed in (("monarch:3x4", 1), ("1,4,2,1;1,2,2,1;1,2,4,1", 3)):
        cert, res = certify_named("random", name, seed=seed)
        assert res.status == "factorized" and "unique up to" in check_document(cert)


def mutations(cert):
    def factor_value(c):
        c["data"]["factors"][0][0] = "12345/7" if c["data"]["encoding"] == "rational" else c["data"]["factors"][0][0] + 1
    def drop_lemma(c):
        c["steps"] = [s for s in c["steps"] if s["kind"] != "class_lemma"][:1] + c["steps"][1:]
    def fewer_primes(c):
        for s in c["steps"]:
            if s.get("primes"):
                s["primes"] = s["primes"][:1]
            if s.get("root"):
                s["root"] = 1
    def architecture(c):
        c["claim"]["architecture"][0][1] += 1
    def tree(c):
        c["claim"]["tree"] = [1, 2] if c["claim"]["tree"] != [1, 2] else [[1, 2], 3]
    def nondegenerate(c):
        c["steps"] = [s for s in c["steps"] if s["kind"] != "nondegenerate"]
    return [factor_value, drop_lemma, fewer_primes, architecture, tree, nondegenerate]


@pytest.mark.parametrize("name, arch", [("dft", "radix:2,3,2"), ("random", "monarch:3x3"),
                                        ("random", "1,4,2,1;1,2,2,1;1,2,4,1")])
def test_tampered_certificates_are_rejected(name, arch):
    cert, _ = certify_named(name, arch, seed=1)
    check_document(cert)
    for mutate in mutations(cert):
        bad = copy.deepcopy(cert)
        mutate(bad)
        with pytest.raises(Rejected):
            check_document(bad)


@settings(max_examples=15)
@given(st.integers(0, 10**6), st.sampled_from(["monarch:2x3", "radix:2,2,2", "1,3,2,1;1,2,3,1"]))
def test_changing_one_factor_entry_is_rejected(seed, name):
    cert, _ = certify_named("random", name, seed=seed % 7)
    rng = np.random.default_rng(seed)
    bad = copy.deepcopy(cert)
    f = bad["data"]["factors"]
    l = int(rng.integers(len(f)))
    i = int(rng.integers(len(f[l])))
    f[l][i] = "1" if str(f[l][i]) == "0" else 0  # values may be ints or "p/q" strings
    with pytest.raises(Rejected):
        check_document(bad)


def test_certify_cli(tmp_path, capsys):
    out = tmp_path / "dft.json.gz"
    assert main(["certify", "kronecker", "--arch", "radix:3^3", "--matrix", "dft", "-o", str(out), "--json"]) == 0
    assert '"identifiable"' in capsys.readouterr().out
    assert main(["check", str(out)]) == 0
    assert main(["certify", "kronecker", "--arch", "1,4,2,1;1,2,4,1", "--matrix", "dft"]) == 2
    assert "mixed-radix" in capsys.readouterr().err


def test_refusals():
    with pytest.raises(InputError):
        factor_exact(ExactMatrix.from_integers(np.eye(3, dtype=np.int64)), monarch(2, 2))


# --------------------------------------------------------------------------- rank-deficient classes of size >= 2


def pair_classes(arch, l: int) -> list:
    """Oracle: the classes between X_l and X_{l+1} (1-based l), from the boolean supports alone: inner indices
    whose column of S_l and row of S_{l+1} are equal."""
    s1, s2 = arch.patterns[l - 1].support(), arch.patterns[l].support()
    groups: dict = {}
    for k in range(s1.shape[1]):
        groups.setdefault((s1[:, k].tobytes(), s2[k, :].tobytes()), []).append(k)
    return list(groups.values())


def class_ranks(X: list, arch) -> list:
    """SymPy ranks of every class: (l, P, rank of columns P of X_l, rank of rows P of X_{l+1})."""
    return [(l, P, X[l - 1].extract(list(range(X[l - 1].rows)), P).rank(),
             X[l].extract(P, list(range(X[l].cols))).rank())
            for l in range(1, arch.L) for P in pair_classes(arch, l)]


def rank_deficient_product(name: str, seed: int, kind: str):
    """A planted product with a rank-deficient class block: a zero column of X_1 (``zero``), two proportional
    columns of X_1 in one class (``proportional``), or a zero row of X_L (``last``)."""
    arch = parse_architecture(name)
    planted = random_factors(arch, seed=seed)
    a, b, c, d = arch.patterns[0].as_tuple()
    if kind == "last":
        a, b, c, d = arch.patterns[-1].as_tuple()
        planted[-1][0, 0, :, 0] = flint.fmpq(0)
    elif kind == "zero":
        planted[0][0, :, 0, 0] = flint.fmpq(0)
    else:
        k, k2 = pair_classes(arch, 1)[0][:2]
        col = planted[0][k // (c * d), :, (k // d) % c, k % d]
        planted[0][k2 // (c * d), :, (k2 // d) % c, k2 % d] = col * 2
    return arch, planted, planted_product(planted, arch)


SIZE_TWO = [("1,3,2,1;1,2,3,1", "balanced"), ("1,2,2,2;1,2,2,2", "balanced"), ("1,3,2,2;1,4,2,1", "balanced"),
            ("2,2,2,1;1,4,3,1", "balanced"), ("1,4,2,1;1,2,2,1;1,2,4,1", "left"),
            ("1,4,2,1;1,2,2,1;1,2,4,1", "right"), ("1,2,2,2;1,2,2,2;1,2,2,2", "balanced")]


@pytest.mark.parametrize("name, tree", SIZE_TWO)
@pytest.mark.parametrize("kind", ["zero", "proportional", "last"])
def test_rank_deficient_classes_of_size_two_are_not_identifiable(name, tree, kind):
    arch, _, M = rank_deficient_product(name, 7, kind)
    top, nodes = arch.nodes(tree)
    assert {nd.rank for nd in nodes} == {2}
    cert, res = certify_matrix(M, arch, tree)
    assert res.status == "not_identifiable" and cert is not None
    assert "different ranks" in check_document(cert)
    assert [s["kind"] for s in cert["steps"]][-1] == "class_rank"
    X, Y = as_sympy(res.factors, arch), as_sympy(res.second, arch)
    target = sympy.Matrix(M.to_sympy().to_Matrix()) if hasattr(M.to_sympy(), "to_Matrix") else sympy.Matrix(M.to_sympy())
    first, second = X[0], Y[0]
    for x, y in zip(X[1:], Y[1:]):
        first, second = first * x, second * y
    assert first == target and second == target  # both are factorizations of M (supports: compact storage)
    # oracle: the classes (from the supports alone) and their ranks; G_l block-diagonal on them keeps every
    # rank (G_{l-1}^{-1} X_l G_l), so a differing rank puts the two outside one orbit
    assert all(len(P) == 2 for l in range(1, arch.L) for P in pair_classes(arch, l))
    assert class_ranks(X, arch) != class_ranks(Y, arch)


@pytest.mark.parametrize("name", ["1,3,2,1;1,2,3,1", "1,2,2,2;1,2,2,2", "1,3,2,1;1,2,1,1"])
def test_no_block_diagonal_matrix_relates_the_two_factorizations(name):
    """Two factors: solve X_1 G = Y_1, G Y_2 = X_2 for G block-diagonal on the classes (SymPy, linear); the
    determinant of every solution vanishes identically."""
    arch, _, M = rank_deficient_product(name, 5, "zero")
    res = factor_exact(M, arch)
    assert res.status == "not_identifiable"
    X, Y = as_sympy(res.factors, arch), as_sympy(res.second, arch)
    n = X[0].cols
    G = sympy.zeros(n, n)
    for P in pair_classes(arch, 1):
        for i in P:
            for j in P:
                G[i, j] = sympy.Symbol(f"g_{i}_{j}")
    unknowns = sorted(G.free_symbols, key=str)
    eqs = [e for e in list(X[0] * G - Y[0]) + list(G * Y[1] - X[1]) if e != 0]
    sols = sympy.solve(eqs, unknowns, dict=True)
    assert all(sympy.expand(G.subs(sol).det()) == 0 for sol in sols)


def test_size_one_keeps_the_zero_pattern_certificate():
    arch = monarch(2, 2)
    planted = random_factors(arch, seed=3)
    planted[0][0, :, 0, 0] = flint.fmpq(0)
    cert, res = certify_matrix(planted_product(planted, arch), arch)
    assert res.status == "not_identifiable" and res.changed == (2, 0)
    assert cert["steps"][-1] == {"kind": "different_zeros", "factor": 2}
    # the second factorization differs only in row 0 of X_2, set to ones (row 0 of X_2 faces the zero column)
    assert all((x == y).all() for x, y in zip(res.factors[:1], res.second[:1]))
    diff = res.factors[1] != res.second[1]
    assert diff.any() and (res.second[1][0, 0, :, 0] == flint.fmpq(1)).all()


def test_when_no_free_row_or_column_changes_a_rank_the_answer_stays_undecided():
    # (1,1,2,1)(1,2,1,1): a 1x2 row times a 2x1 column, one class of size 2; [[5]] has rank 1 < 2, so the
    # theorem does not apply, and every factorization x·y = 5 has rank 1 in both factors: no rank can change
    arch = parse_architecture("1,1,2,1;1,2,1,1")
    cert, res = certify_matrix(ExactMatrix.from_integers(np.array([[5]], dtype=np.int64)), arch)
    assert cert is None and res.status == "degenerate" and "no free row or column" in res.reason
    # oracle: it is in fact unique up to GL_2 (x G = x', G y' = y has an invertible solution), which the
    # exact algorithm cannot prove: undecided is the right answer for it
    X = as_sympy(res.factors, arch)
    x2, y2 = sympy.Matrix([[3, sympy.Rational(1, 2)]]), sympy.Matrix([1, 4])  # 3 + 2 = 5
    G = sympy.Matrix(2, 2, sympy.symbols("g0:4"))
    sols = sympy.solve(list(X[0] * G - x2) + list(G * y2 - X[1]), list(G), dict=True)
    assert sols and any(sympy.expand(G.subs(sol).det()) != 0 for sol in sols)
    cert, res = certify_matrix(ExactMatrix.from_integers(np.array([[0]], dtype=np.int64)), arch)
    assert res.status == "not_identifiable" and "different ranks" in check_document(cert)


def test_tampered_not_identifiable_certificates_are_rejected():
    arch, _, M = rank_deficient_product("1,2,2,2;1,2,2,2", 3, "zero")
    cert, _ = certify_matrix(M, arch)
    check_document(cert)
    step = cert["steps"][-1]
    assert step["kind"] == "class_rank" and step["side"] == "rows"

    def product(c):  # the second factorization no longer multiplies to M
        c["data"]["second"][1][0] = "12345/7"

    def same_ranks(c):  # the same factorization twice: the invariant does not differ
        c["data"]["second"] = copy.deepcopy(c["data"]["factors"])

    def side(c):  # the columns of X_1 are unchanged
        c["steps"][-1]["side"] = "columns"

    def other_class(c):  # a class whose rows are unchanged
        c["steps"][-1]["member"] = next(P for P in pair_classes(arch, 1) if step["member"] not in P)[0]

    def zeros_step(c):  # different_zeros is not an invariant of invertible 2x2 blocks
        c["steps"][-1] = {"kind": "different_zeros", "factor": 2}

    def no_invariant(c):
        c["steps"] = c["steps"][:-1]

    for mutate in (product, same_ranks, side, other_class, zeros_step, no_invariant):
        bad = copy.deepcopy(cert)
        mutate(bad)
        with pytest.raises(Rejected):
            check_document(bad)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([("1,2,2,2;1,2,2,2;2,2,2,1", "left"), ("1,2,2,2;1,2,2,2;2,2,2,1", "right"),
                                               ("2,2,2,1;1,2,2,2;1,2,2,2", "right"), ("1,3,2,2;1,4,2,1", "balanced"),
                                               ("1,4,2,1;1,2,2,1;1,2,4,1", "balanced")]),
       st.sampled_from(["zero", "last", "proportional"]))
def test_random_rank_deficient_products_are_certified_not_identifiable(seed, case, kind):
    """Mixed class sizes (1 and 2 at different splits): a planted product with a rank-deficient class block
    is not identifiable, with a second factorization of M (flint) and a class whose rank differs (SymPy)."""
    name, tree = case
    arch = parse_architecture(name)
    if kind == "proportional" and len(pair_classes(arch, 1)[0]) < 2:
        kind = "zero"
    arch, _, M = rank_deficient_product(name, seed, kind)
    cert, res = certify_matrix(M, arch, tree)
    assert res.status == "not_identifiable" and check_document(cert)
    assert dense_product(res.second, arch) == dense_product(res.factors, arch) == M.to_fmpq_mat()
    assert class_ranks(as_sympy(res.factors, arch), arch) != class_ranks(as_sympy(res.second, arch), arch)
