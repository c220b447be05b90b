"""Butterfly factorizations with a zero column (not identifiable, explicit second factorization)
and explicit matrices over Q(zeta_n) (issue 13).  Oracles: floating-point products of the
certified factors (numpy, complex), zero patterns, and tampering."""

from __future__ import annotations

import copy

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.butterfly import certify_matrix
from exactid.checker import Rejected, check_document
from exactid.domains import QQ, CyclotomicField, ExactMatrix
from exactid.factorization.butterfly import product_compact, to_compact, to_dense


def to_complex(x, n: int) -> complex:
    if isinstance(x, (list, tuple)):
        z = np.exp(2j * np.pi / n)
        return sum(complex(flint.fmpq(*map(int, str(c).split("/"))) if "/" in str(c) else int(c)) * z ** k
                   for k, c in enumerate(x))
    s = str(x)
    return float(flint.fmpq(*map(int, s.split("/")))) if "/" in s else float(int(s))


def dense_from_cert(values: list, N: int, level: int, n: int) -> np.ndarray:
    """Dense factor from a certificate's 2N values (butterfly-support order)."""
    L = N.bit_length() - 1
    b = 1 << (L - level)
    out = np.zeros((N, N), dtype=complex)
    for i in range(N):
        for t in range(2):
            out[i, (i & ~b) | (t * b)] = to_complex(values[2 * i + t], n)
    return out


def random_product(seed: int, conductor: int, L: int, zero_column: bool):
    rng = np.random.default_rng(seed)
    N = 1 << L
    K = QQ if conductor == 1 else CyclotomicField(conductor)

    def value():
        while True:
            c = rng.integers(-2, 3, size=K.degree)
            if c.any():
                return flint.fmpq(int(c[0])) if K is QQ else K.from_coefficients([int(x) for x in c])

    factors = []
    for _ in range(L):
        f = np.empty((N, 2), dtype=object)
        for idx in np.ndindex(N, 2):
            f[idx] = value()
        factors.append(f)
    if zero_column:
        level = int(rng.integers(1, L))
        zero = factors[0][0, 0] * 0
        dense = to_dense(factors[level - 1], L, level, level, zero)
        dense[:, int(rng.integers(N))] = zero
        factors[level - 1] = to_compact(dense, L, level, level)
    return ExactMatrix.from_rows(product_compact(factors, L).tolist(), K)


def numeric(Z: ExactMatrix, n: int) -> np.ndarray:
    return np.array([[complex(x.to_complex()) if hasattr(x, "to_complex") else float(x) for x in row]
                     for row in Z.tolist()])


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([1, 4, 8]), st.integers(2, 3))
def test_zero_column_gives_two_inequivalent_factorizations(seed, conductor, L):
    Z = random_product(seed, conductor, L, zero_column=True)
    cert, res = certify_matrix(Z)
    assert res.status == "not_identifiable"
    N = 1 << L
    target = numeric(Z, conductor)
    products, patterns = [], []
    for key in ("factors", "second"):
        dense = [dense_from_cert(f, N, level, conductor) for level, f in enumerate(cert["data"][key], start=1)]
        prod = np.linalg.multi_dot(dense) if L > 1 else dense[0]
        products.append(prod)
        patterns.append([np.abs(d) > 1e-12 for d in dense])
    for prod in products:
        assert np.allclose(prod, target)
    assert any(not np.array_equal(a, b) for a, b in zip(*patterns))  # not related by diagonal scalings
    assert "not identifiable" in check_document(cert)
    bad = copy.deepcopy(cert)
    bad["data"]["second"] = bad["data"]["factors"]
    with pytest.raises(Rejected):
        check_document(bad)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from([3, 4, 8]), st.integers(1, 3))
def test_cyclotomic_products_are_certified_unique(seed, conductor, L):
    Z = random_product(seed, conductor, L, zero_column=False)
    cert, res = certify_matrix(Z)
    if res.status == "degenerate":  # a cancellation made a partial product degenerate: nothing claimed
        assert cert is None
        return
    assert res.status == "factorized" and cert["data"]["encoding"] == "cyclotomic"
    N = 1 << L
    dense = [dense_from_cert(f, N, level, conductor) for level, f in enumerate(cert["data"]["factors"], start=1)]
    assert np.allclose(np.linalg.multi_dot(dense) if L > 1 else dense[0], numeric(Z, conductor))
    assert "unique up to diagonal scalings" in check_document(cert)
    bad = copy.deepcopy(cert)
    bad["data"]["factors"][0][0][0] = "5/7" if bad["data"]["factors"][0][0][0] != "5/7" else 1
    with pytest.raises(Rejected):
        check_document(bad)


def test_hand_derived_zero_column():
    # Z = X_1 X_2 with a zero third column of X_1: row 2 of X_2 is free
    Z = ExactMatrix.from_rows([[1, 2, 0, 0], [3, 6, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    cert, res = certify_matrix(Z)
    assert res.status == "not_identifiable" and "column 2 of X_1 is zero" in res.reason
    assert "zero patterns of X_2 differ" in check_document(cert)
