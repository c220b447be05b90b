"""Exact butterfly factorization: split lemma, hierarchical algorithm, certificates, checker."""

from __future__ import annotations

import copy
import functools
import json

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.butterfly import certify_matrix, certify_named, random_butterfly
from exactid.checker import check_document
from exactid.checker.butterfly import split_lemma
from exactid.checker.core import Rejected
from exactid.cli.main import main
from exactid.domains import QQ, CyclotomicField, ExactMatrix
from exactid.errors import InputError
from exactid.factorization.butterfly import (
    Tree,
    blocks_of,
    diagonal_scalings,
    factor_dft,
    factor_exact,
    factor_exponents,
    factor_hadamard,
    make_tree,
    nondegenerate,
    product_compact,
    to_compact,
    to_dense,
)
from exactid.supports import butterfly_support, partial_product_support
from exactid.transforms import bitrev, dft_exponents, hadamard


def all_trees(p: int, q: int) -> list[Tree]:
    if p == q:
        return [Tree(p, q)]
    return [Tree(p, q, a, b) for l in range(p, q) for a in all_trees(p, l) for b in all_trees(l + 1, q)]


@functools.lru_cache(maxsize=None)
def lemma_by_brute_force(N: int, p: int, l: int, q: int) -> bool:
    """Rank-one supports col_k(S_p..S_l) x row_k(S_{l+1}..S_q): disjoint, covering S_p..S_q."""
    left = partial_product_support(N, p, l).astype(np.int64)
    right = partial_product_support(N, l + 1, q).astype(np.int64)
    cover = np.einsum("ik,kj->ij", left, right)  # number of rank-one supports containing (i, j)
    full = partial_product_support(N, p, q)
    return bool((cover[full] == 1).all() and (cover[~full] == 0).all())


@pytest.mark.parametrize("L", range(1, 7))
def test_split_lemma_all_trees_brute_force(L):
    N = 1 << L
    trees = all_trees(1, L)
    assert len(trees) == [1, 1, 2, 5, 14, 42][L - 1]  # Catalan numbers
    for tree in trees:
        for node in tree.internal_nodes():
            p, l, q = node.p, node.split, node.q
            assert lemma_by_brute_force(N, p, l, q)
            split_lemma(N, L, p, l, q)  # the checker's closed-form check agrees


@pytest.mark.parametrize("L", range(2, 7))
def test_blocks_match_the_rank_one_supports(L):
    """blocks_of(k) gathers exactly col_k(left support) x row_k(right support), in order."""
    N = 1 << L
    rng = np.random.default_rng(L)
    for p in range(1, L + 1):
        for q in range(p + 1, L + 1):
            dense = np.where(partial_product_support(N, p, q), rng.integers(1, 1000, (N, N)), 0)
            compact = to_compact(dense, L, p, q)
            assert np.array_equal(to_dense(compact, L, p, q), dense)
            for l in range(p, q):
                left, right = partial_product_support(N, p, l), partial_product_support(N, l + 1, q)
                blocks = blocks_of(compact, L, p, l, q)
                for k in range(N):
                    rows, cols = np.flatnonzero(left[:, k]), np.flatnonzero(right[k, :])
                    assert np.array_equal(blocks[k], dense[np.ix_(rows, cols)])


def test_single_level_supports_match():
    for L in range(1, 6):
        N = 1 << L
        for l in range(1, L + 1):
            dense = to_dense(np.ones((N, 2), dtype=np.int64), L, l, l)
            assert np.array_equal(dense.astype(bool), butterfly_support(N, l))


def test_trees():
    assert make_tree("balanced", 1).to_json() == 1
    assert make_tree("balanced", 5).to_json() == [[[1, 2], 3], [4, 5]]
    assert make_tree("left", 4).to_json() == [[[1, 2], 3], 4]
    assert make_tree("right", 4).to_json() == [1, [2, [3, 4]]]
    assert make_tree("[[1, [2, 3]], 4]", 4).split == 3
    for bad in ("[[1,2],[4,3]]", "[1,2,3]", "[[1,2],3]", "spiral", "[true, 2]"):
        with pytest.raises(InputError):
            make_tree(bad, 4 if bad != "[[1,2],3]" else 4)


def rational_product(N: int, seed: int, field=QQ):
    """Random butterfly factors over ``field`` (full support) and their product as ExactMatrix."""
    if field is QQ:
        return random_butterfly(N, seed)
    rng = np.random.default_rng(seed)
    L = N.bit_length() - 1
    factors = []
    for _ in range(L):
        arr = np.empty((N, 2), dtype=object)
        for idx in np.ndindex(N, 2):
            coeffs = [int(c) for c in rng.integers(-2, 3, size=field.degree)]
            coeffs[0] = coeffs[0] or 1
            arr[idx] = field.from_coefficients(coeffs)
        factors.append(arr)
    return factors, ExactMatrix.from_rows(product_compact(factors, L).tolist(), field)


@pytest.mark.parametrize("N", [2, 4, 8, 16, 32])
@pytest.mark.parametrize("tree", ["balanced", "left", "right"])
def test_random_rational_products_are_recovered_up_to_scalings(N, tree):
    L = N.bit_length() - 1
    original, Z = rational_product(N, seed=N + len(tree))
    res = factor_exact(Z, None, tree)
    assert res.status == "factorized"
    D = diagonal_scalings(original, res.factors, L)
    assert D is not None and len(D) == L - 1
    # explicit check of X'_l = D_{l-1}^{-1} X_l D_l, entry by entry, with dense matrices
    ident = np.array([flint.fmpq(1)] * N, dtype=object)
    diag = [ident] + D + [ident]
    for l in range(1, L + 1):
        X = to_dense(original[l - 1], L, l, l, flint.fmpq(0))
        Y = to_dense(res.factors[l - 1], L, l, l, flint.fmpq(0))
        assert np.all(X * diag[l][None, :] / diag[l - 1][:, None] == Y)
        assert all(d != 0 for d in diag[l])
    assert nondegenerate(res.factors, res.tree, L) is None


def test_cyclotomic_products_are_recovered():
    K = CyclotomicField(8)
    original, Z = rational_product(8, seed=3, field=K)
    res = factor_exact(Z, None, "right")
    assert res.status == "factorized"
    assert diagonal_scalings(original, res.factors, 3) is not None
    # the recovered factors multiply back to Z exactly
    assert np.all(product_compact(res.factors, 3) == np.array(Z.tolist(), dtype=object))


@pytest.mark.parametrize("N", [2, 4, 8, 32, 128])
def test_dft_factors_multiply_to_the_dft(N):
    res = factor_dft(N, "balanced")
    L = N.bit_length() - 1
    prod = product_compact(res.factors, L, op=lambda a, b: (a.astype(np.int64) + b) % N)
    assert np.array_equal(prod, dft_exponents(N)[:, bitrev(N)])
    # float oracle: the factors as complex matrices reproduce numpy's FFT matrix
    dense = [np.where(f >= 0, np.exp(2j * np.pi * f / N), 0) for f in res.dense_factors()]
    P = np.zeros((N, N))
    P[np.arange(N), bitrev(N)] = 1
    total = np.linalg.multi_dot(dense + [P]) if L > 1 else dense[0] @ P
    assert np.allclose(total, np.fft.fft(np.eye(N)), atol=1e-9)


def test_generic_and_exponent_engines_agree_on_hadamard():
    for N in (4, 16):
        L = N.bit_length() - 1
        generic = factor_exact(hadamard(N), None, "left")
        signs = factor_hadamard(N, "left")
        as_rationals = [np.where(f % 2 == 0, flint.fmpq(1), flint.fmpq(-1)).astype(object) for f in signs.factors]
        assert diagonal_scalings(generic.factors, as_rationals, L) is not None
        assert factor_exponents(np.zeros((N, N), dtype=np.int64), 5).status == "factorized"


def test_no_factorization_and_degenerate():
    rng = np.random.default_rng(0)
    Z = ExactMatrix.from_integers(rng.integers(1, 9, size=(8, 8)), QQ)
    cert, res = certify_matrix(Z)
    assert res.status == "no_factorization"
    w = res.witness
    assert _valid(cert)
    # the witness minor is nonzero (independent recomputation from the dense matrix)
    dense = Z.to_numpy()
    L = 3
    ml = ((1 << w.level) - 1) << (L - w.level)
    mr = (1 << (L - w.level)) - 1
    i = [(w.block & ~ml) | (r << (L - w.level)) for r in w.rows]
    j = [(w.block & ~mr) | c for c in w.cols]
    minor = dense[i[0], j[0]] * dense[i[1], j[1]] - dense[i[0], j[1]] * dense[i[1], j[0]]
    assert minor != 0
    cert, res = certify_matrix(ExactMatrix.zeros(4, 4))  # zero factors: every free row can be changed
    assert res.status == "not_identifiable" and _valid(cert)


def _valid(cert) -> bool:
    try:
        check_document(json.loads(json.dumps(cert)))
        return True
    except Rejected:
        return False


@pytest.mark.parametrize("name", ["dft", "hadamard", "random"])
@pytest.mark.parametrize("tree", ["balanced", "left", "right", "[[1, [2, 3]], [4, 5]]"])
def test_certificates_are_accepted(name, tree):
    cert, _ = certify_named(name, 32, tree, seed=2)
    assert _valid(cert)


def test_tampered_certificates_are_rejected():
    cert, _ = certify_named("dft", 16)
    bad = copy.deepcopy(cert)
    bad["data"]["factors"][1][5] += 1
    assert not _valid(bad)
    bad = copy.deepcopy(cert)
    bad["steps"] = [s for s in bad["steps"] if s["kind"] != "split_lemma" or s["node"] != [1, 2, 4]]
    assert not _valid(bad)
    bad = copy.deepcopy(cert)
    bad["claim"]["tree"] = [1, [2, [3, 4]]]
    assert not _valid(bad)
    bad = copy.deepcopy(cert)
    bad["claim"]["perm"] = "identity"
    assert not _valid(bad)
    bad = copy.deepcopy(cert)
    bad["claim"]["matrix"] = "hadamard"
    assert not _valid(bad)
    bad = copy.deepcopy(cert)
    bad["steps"] = [s for s in bad["steps"] if s["kind"] != "product"]
    assert not _valid(bad)
    cert, _ = certify_named("random", 8, seed=1)
    bad = copy.deepcopy(cert)
    bad["data"]["factors"][0][0] = 0  # zero entry: the product (and non-degeneracy) fail
    assert not _valid(bad)


@settings(max_examples=40)
@given(level=st.integers(0, 3), pos=st.integers(0, 31), delta=st.integers(1, 15),
       garbage=st.sampled_from([None, "x", 1.5, [1], True, -(10 ** 30)]), use_garbage=st.booleans())
def test_tampering_factor_entries_is_always_caught(level, pos, delta, garbage, use_garbage):
    cert, _ = certify_named("dft", 16)
    cert = json.loads(json.dumps(cert))
    cert["data"]["factors"][level][pos] = garbage if use_garbage else (cert["data"]["factors"][level][pos] + delta) % 16
    assert not _valid(cert)


@settings(max_examples=30)
@given(path=st.sampled_from([("claim", "n"), ("claim", "tree"), ("claim", "perm"), ("data", "factors"),
                             ("data", "encoding"), ("data", "conductor"), ("steps",)]),
       value=st.sampled_from([None, 3, "bitrev", [], [[1, 2]], {"a": 1}, 2 ** 40, -1]))
def test_malformed_certificates_never_crash(path, value):
    cert, _ = certify_named("hadamard", 8)
    cert = json.loads(json.dumps(cert))
    target = cert
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    # every sampled value differs from the original one and breaks the claim: rejected, never a crash
    with pytest.raises(Rejected):
        check_document(cert)


def test_cli_certify_and_check(tmp_path, capsys):
    out = tmp_path / "dft.json.gz"
    assert main(["certify", "butterfly", "--matrix", "dft", "--n", "32", "--tree", "right", "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "identifiable" and payload["tree"] == [1, [2, [3, [4, 5]]]]
    assert main(["check", str(out)]) == 0
    capsys.readouterr()
    matrix = tmp_path / "m.json"
    matrix.write_text(json.dumps([[1, 2, 0, 0], [0, 1, 2, 0], [1, 0, 1, 0], [0, 0, 0, 1]]))
    cert = tmp_path / "no.json"
    assert main(["certify", "butterfly", "--input", str(matrix), "-o", str(cert), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "no_factorization"
    assert main(["check", str(cert)]) == 0
    assert main(["certify", "butterfly", "--matrix", "dft", "--n", "12"]) == 2
    assert main(["certify", "butterfly", "--n", "8"]) == 2


def test_cyclotomic_inputs_are_certified():
    rng = np.random.default_rng(1)
    K = CyclotomicField(8)
    Z = ExactMatrix.from_integers(rng.integers(-3, 4, size=(8, 8, 4)), K)
    cert, res = certify_matrix(Z)
    assert res.status == "no_factorization" and _valid(cert)
    from exactid.transforms import dft

    cert, res = certify_matrix(dft(8), "bitrev")  # explicit entries over Q(zeta_8), factors over Q(zeta_8)
    assert res.status == "factorized" and cert["data"]["encoding"] == "cyclotomic" and _valid(cert)
