"""Butterfly summaries state the permutation: a named one by its name, a listed one by itself."""

import numpy as np
import pytest

from exactid.certify.butterfly import certify_matrix, random_butterfly
from exactid.checker import check_document
from exactid.domains import QQ, ExactMatrix
from exactid.transforms import bitrev


def _permuted(matrix: ExactMatrix, perm) -> ExactMatrix:
    """Z with Z P^T = matrix, i.e. Z[:, perm[j]] = matrix[:, j]."""
    rows = [[matrix.entry(i, j) for j in range(matrix.ncols)] for i in range(matrix.nrows)]
    Z = [[None] * matrix.ncols for _ in rows]
    for i, row in enumerate(rows):
        for j, x in enumerate(row):
            Z[i][int(perm[j])] = x
    return ExactMatrix.from_rows(Z, QQ)


@pytest.mark.parametrize("N", [4, 8])
def test_named_permutation_is_reported_by_name(N):
    _, M = random_butterfly(N, seed=3)
    Z = _permuted(M, bitrev(N))
    cert, res = certify_matrix(Z, "bitrev")
    assert res.status == "factorized" and cert["claim"]["perm"] == "bitrev"
    assert "(perm bitrev)" in check_document(cert)
    # the same matrix with the identity has no factorization, and says so for that permutation
    cert, res = certify_matrix(Z, "identity")
    assert res.status == "no_factorization" and cert["claim"]["perm"] == "identity"
    assert "no butterfly factorization with perm identity" in check_document(cert)
    cert, res = certify_matrix(M, "bitrev")
    assert res.status == "no_factorization" and cert["claim"]["perm"] == "bitrev"
    assert "with perm bitrev" in check_document(cert)


def test_listed_permutation_is_stated():
    perm = [3, 1, 2, 0]
    _, M = random_butterfly(4, seed=5)
    cert, res = certify_matrix(M, perm)
    assert res.status == "no_factorization"
    assert "with perm [3, 1, 2, 0]" in check_document(cert)
    # a list equal to bit reversal is named as such
    cert, res = certify_matrix(_permuted(M, bitrev(4)), [int(x) for x in bitrev(4)])
    assert "(perm bitrev)" in check_document(cert)


def test_long_listed_permutation_is_stated_by_digest():
    rng = np.random.default_rng(0)
    perm = [int(x) for x in rng.permutation(32)]
    _, M = random_butterfly(32, seed=1)
    cert, res = certify_matrix(_permuted(M, perm), perm)
    assert res.status == "factorized"
    summary = check_document(cert)
    assert "explicit perm sha256:" in summary
    other = list(perm)
    other[0], other[31] = other[31], other[0]
    cert2, res2 = certify_matrix(_permuted(M, perm), other)
    assert res2.status == "no_factorization"
    digest = summary.split("sha256:")[1][:16]
    assert digest not in check_document(cert2) and "sha256:" in check_document(cert2)
