"""Sparsity families when Z has zero entries (issue 13): r k k' < nnz(Z) means no
factorization; r k k' = nnz(Z) means exact covers of supp(Z) by full rank-one k x k' blocks.
Oracle: every k x k' block inside supp(Z) of numerical rank one, and a brute-force count of
the exact covers of supp(Z) by them."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.twolayer import family_certificate
from exactid.checker import Rejected, check_document
from exactid.domains import CyclotomicField, ExactMatrix
from exactid.factorization.rootsums import RootSumMatrix
from exactid.factorization.twolayer import covers_to_factors, decide_family
from exactid.supports import SparsityFamily


def brute_force_covers(Z: np.ndarray, k: int, kp: int, tol: float = 1e-9) -> int:
    m, n = Z.shape
    support = np.abs(Z) > tol
    cells = {(i, j) for i, j in zip(*np.nonzero(support))}
    blocks = []
    for rows in itertools.combinations(range(m), k):
        for cols in itertools.combinations(range(n), kp):
            sub = Z[np.ix_(rows, cols)]
            if not support[np.ix_(rows, cols)].all():
                continue
            s = np.linalg.svd(sub, compute_uv=False)
            if len(s) < 2 or s[1] <= tol * max(1.0, s[0]):
                blocks.append(frozenset((i, j) for i in rows for j in cols))

    def count(left: frozenset) -> int:
        if not left:
            return 1
        first = min(left)
        return sum(count(left - b) for b in blocks if first in b and b <= left)

    return count(frozenset(cells))


def random_sparse_product(seed: int):
    """Z = sum of a few full rank-one blocks on disjoint cells of a small grid, sometimes perturbed."""
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    k, kp = int(rng.integers(1, min(m, 2) + 1)), int(rng.integers(1, min(n, 2) + 1))
    Z = np.zeros((m, n), dtype=np.int64)
    used = np.zeros((m, n), dtype=bool)
    r = 0
    for _ in range(6):
        rows = np.sort(rng.choice(m, k, replace=False))
        cols = np.sort(rng.choice(n, kp, replace=False))
        if used[np.ix_(rows, cols)].any():
            continue
        x = rng.choice([-2, -1, 1, 2, 3], size=k)
        y = rng.choice([-2, -1, 1, 2], size=kp)
        Z[np.ix_(rows, cols)] = np.outer(x, y)
        used[np.ix_(rows, cols)] = True
        r += 1
    if rng.random() < 0.3:  # break a block's rank one
        i, j = np.argwhere(used)[int(rng.integers(used.sum()))]
        Z[i, j] += 1 if Z[i, j] != -1 else 2
    return Z, k, kp, r


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(-1, 1))
def test_zero_entries_against_brute_force(seed, dr):
    Z, k, kp, r = random_sparse_product(seed)
    nnz = int((Z != 0).sum())
    if nnz == Z.size:
        Z[0, 0] = 0  # make sure there is a zero entry; the count changes accordingly
        nnz -= 1
    r = max(1, r + dr) if nnz % (k * kp) else max(1, nnz // (k * kp) + dr)
    m, n = Z.shape
    E = ExactMatrix.from_rows(Z.tolist())
    R = RootSumMatrix.from_exact(E)
    res = decide_family(R, SparsityFamily(m, n, r, k, kp))
    if r * k * kp < nnz:
        assert res.verdict == "no_factorization"
    elif r * k * kp > nnz:
        assert res.verdict == "undecided"
    else:
        expected = brute_force_covers(Z.astype(float), k, kp)
        assert res.verdict == {0: "no_factorization", 1: "identifiable"}.get(expected, "not_identifiable")
        if res.covers:
            X, Y = covers_to_factors(R, res.covers[0])
            assert X @ Y == E
    cert, _ = family_certificate(R, SparsityFamily(m, n, r, k, kp), res, data=E)
    if res.verdict != "undecided":
        summary = check_document(cert)
        assert res.verdict.replace("_", " ").replace("no factorization", "no factorization") in summary \
            or res.verdict == "no_factorization" and "no factorization" in summary


def test_zero_entries_over_cyclotomic_and_tampering():
    K = CyclotomicField(8)
    z = K.zeta(1)
    # two 1 x 2 rank-one blocks and zeros elsewhere: X 1-sparse by column, Y 2-sparse by row, r = 2
    Z = ExactMatrix.from_rows([[1, z, 0], [0, 2, 2 * z * z]], K)
    R = RootSumMatrix.from_exact(Z)
    cert, res = family_certificate(R, SparsityFamily(2, 3, 2, 1, 2), data=Z)
    assert res.verdict == "identifiable" and cert["steps"][0]["kind"] == "support_mod_p"
    assert "is identifiable" in check_document(cert)
    cert1, res1 = family_certificate(R, SparsityFamily(2, 3, 1, 1, 2), data=Z)
    assert res1.verdict == "no_factorization" and "more than r k k'" in check_document(cert1)
    for mutate in (lambda c: c["steps"].__setitem__(0, dict(c["steps"][0], kind="entries_nonzero_mod_p")),
                   lambda c: c["data"]["matrix"]["entries"][0].__setitem__(2, [1, 0, 0, 0]),
                   lambda c: c["claim"].update(r=3)):
        bad = copy.deepcopy(cert)
        mutate(bad)
        with pytest.raises(Rejected):
            check_document(bad)


def test_zero_entries_hand_derived():
    # single entries (k = k' = 1): the cover of the 5 nonzero entries is unique; r = 4 is too few
    Z = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 5]])
    R = RootSumMatrix.from_exact(ExactMatrix.from_rows(Z.tolist()))
    assert decide_family(R, SparsityFamily(3, 3, 5, 1, 1)).verdict == "identifiable"
    assert decide_family(R, SparsityFamily(3, 3, 4, 1, 1)).verdict == "no_factorization"
    # [[1, 1], [1, -1]] next to zeros, rows of 2 (k = 1, k' = 2): its two rows, one cover; columns
    # of the all-ones block [[1, 1], [1, 1]] (k = 2, k' = 1) and its rows (k = 1, k' = 2) -- with
    # k = 2, k' = 1 and an extra all-ones 2 x 2 block the covers are its two columns, unique.
    Z2 = np.array([[1, 1, 0, 0], [1, -1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]])
    E2 = ExactMatrix.from_rows(Z2.tolist())
    R2 = RootSumMatrix.from_exact(E2)
    for fam in (SparsityFamily(4, 4, 4, 1, 2), SparsityFamily(4, 4, 4, 2, 1), SparsityFamily(4, 4, 2, 2, 2)):
        cert, res = family_certificate(R2, fam, data=E2)
        expected = brute_force_covers(Z2.astype(float), fam.x_col_sparsity, fam.y_row_sparsity)
        assert res.verdict == {0: "no_factorization", 1: "identifiable"}.get(expected, "not_identifiable")
        check_document(cert)
    assert decide_family(R2, SparsityFamily(4, 4, 2, 2, 2)).verdict == "no_factorization"  # [[1,1],[1,-1]]
