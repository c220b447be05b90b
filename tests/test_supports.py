"""Supports, Kronecker/butterfly constructors, the exact-cover search and the overlap engine."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid.errors import InputError, ShapeError
from exactid.supports import (SparsityFamily, block_diagonal_support, butterfly_support, butterfly_supports,
                              fixed_support, kronecker_sparse_support, partial_product_support, support_of)
from exactid.supports.exactcover import count_exact_covers, exact_covers
from exactid.supports.overlap import (completion_tree, identical_classes, intersecting_pairs,
                                      iterative_completion, observable_part, rank_one_supports)


def bool_product(*supports):
    out = supports[0].astype(np.int64)
    for s in supports[1:]:
        out = out @ s.astype(np.int64)
    return out > 0


@pytest.mark.parametrize("N", [2, 4, 8, 16, 32])
def test_butterfly_supports_match_kronecker_formula(N):
    L = N.bit_length() - 1
    for l in range(1, L + 1):
        expected = np.kron(np.kron(np.eye(2 ** (l - 1)), np.ones((2, 2))), np.eye(N // 2 ** l)) > 0
        assert (butterfly_support(N, l) == expected).all()
        assert butterfly_support(N, l).sum(axis=0).tolist() == [2] * N
    assert len(butterfly_supports(N)) == L


@pytest.mark.parametrize("N", [2, 4, 8, 16])
def test_partial_products_are_boolean_products(N):
    L = N.bit_length() - 1
    for p in range(1, L + 1):
        for q in range(p, L + 1):
            got = partial_product_support(N, p, q)
            assert (got == bool_product(*[butterfly_support(N, l) for l in range(p, q + 1)])).all()


@pytest.mark.parametrize("N", [4, 8, 16])
def test_butterfly_splits_have_disjoint_rank_one_supports(N):
    """For p <= l < q, (S_p..S_l, S_{l+1}..S_q) has N disjoint rank-one supports covering S_p..S_q."""
    L = N.bit_length() - 1
    for p in range(1, L + 1):
        for q in range(p + 1, L + 1):
            for l in range(p, q):
                SX, SY = partial_product_support(N, p, l), partial_product_support(N, l + 1, q)
                assert intersecting_pairs(SX, SY) == []
                union = np.zeros((N, N), dtype=np.int64)
                for rows, cols in rank_one_supports(SX, SY):
                    union[np.ix_(rows, cols)] += 1
                assert (union == partial_product_support(N, p, q)).all()


def test_constructors_and_errors():
    assert kronecker_sparse_support(2, 3, 1, 2).shape == (12, 4)
    assert kronecker_sparse_support(2, 3, 1, 2).sum() == 2 * 3 * 1 * 2
    assert block_diagonal_support([(1, 2), np.array([[1, 0], [1, 1]])]).astype(int).tolist() == [
        [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]
    assert fixed_support([(1, 1)], (2, 3)).sum() == 1
    with pytest.raises(InputError):
        fixed_support([(2, 0)], (2, 2))
    with pytest.raises(InputError):
        butterfly_support(6, 1)
    with pytest.raises(InputError):
        butterfly_support(8, 4)
    with pytest.raises(InputError):
        partial_product_support(8, 3, 2)
    with pytest.raises(InputError):
        kronecker_sparse_support(0, 1, 1, 1)
    with pytest.raises(ShapeError):
        support_of(np.zeros(3))
    fam = SparsityFamily(8, 8, 8, 4, 2)
    assert fam.tight_count() == 64
    assert fam.contains_supports(partial_product_support(8, 1, 2), butterfly_support(8, 3))
    with pytest.raises(InputError):
        SparsityFamily(4, 4, 4, 5, 1)


def brute_force_covers(universe, blocks):
    out = []
    for size in range(len(blocks) + 1):
        for subset in itertools.combinations(range(len(blocks)), size):
            elems = sorted(e for b in subset for e in blocks[b])
            if elems == list(range(universe)):
                out.append(list(subset))
    return out


@given(st.integers(1, 6).flatmap(lambda u: st.tuples(
    st.just(u), st.lists(st.sets(st.integers(0, u - 1), min_size=1), min_size=1, max_size=9))))
def test_exact_covers_match_brute_force(case):
    universe, blocks = case
    blocks = [sorted(b) for b in blocks]
    expected = brute_force_covers(universe, blocks)
    assert sorted(exact_covers(universe, blocks)) == sorted(expected)
    assert count_exact_covers(universe, blocks, limit=2) == min(2, len(expected))


def test_exact_cover_is_iterative_for_deep_searches():
    n = 1500  # singleton blocks: depth 1500, beyond Python's default recursion limit
    assert exact_covers(n, [[i] for i in range(n)]) == [list(range(n))]


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.data())
def test_overlap_engine_against_definitions(m, r, n, data):
    SX = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=r, max_size=r), min_size=m, max_size=m)))
    SY = np.array(data.draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=r, max_size=r)))
    blocks = [np.outer(SX[:, i], SY[i]) for i in range(r)]
    assert intersecting_pairs(SX, SY) == [(i, j) for i in range(r) for j in range(i + 1, r)
                                          if (blocks[i] & blocks[j]).any()]
    classes = identical_classes(SX, SY)
    for cls in classes:
        assert all((blocks[i] == blocks[cls[0]]).all() and blocks[i].any() for i in cls)
    for i in range(r):
        others = [blocks[j] for j in range(r) if j != i]
        expected = blocks[i] & ~np.any(others, axis=0) if others else blocks[i]
        assert (observable_part(SX, SY, i, range(r)) == expected).all()


@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_completion_tree_is_a_witness(a, b, data):
    rows, cols = list(range(a)), list(range(b))
    omega = data.draw(st.sets(st.tuples(st.integers(0, a - 1), st.integers(0, b - 1))))
    ok, witness = completion_tree(rows, cols, sorted(omega))
    g = nx.Graph()
    g.add_nodes_from([("r", i) for i in rows] + [("c", j) for j in cols])
    g.add_edges_from((("r", i), ("c", j)) for i, j in omega)
    assert ok == nx.is_connected(g)
    if ok:
        assert len(witness) == a + b - 1 and set(witness) <= omega
        t = nx.Graph()
        t.add_edges_from((("r", i), ("c", j)) for i, j in witness)
        assert nx.is_tree(t) and t.number_of_nodes() == a + b
        # Rank-one completion from the tree entries recovers u v^T exactly (integers).
        rng = np.random.default_rng(a * 10 + b)
        u, v = rng.integers(1, 9, a), rng.integers(1, 9, b)
        assert _complete_from_tree(witness, u[:, None] * v[None, :], a, b) == (u[:, None] * v[None, :]).tolist()
    else:
        comp_rows, comp_cols = witness
        # closed: no observed entry joins the component to the rest
        assert all((i in comp_rows) == (j in comp_cols) for i, j in omega)
        assert len(comp_rows) + len(comp_cols) < a + b


def _complete_from_tree(tree, M, a, b):
    from fractions import Fraction

    u, v = {0: Fraction(1)}, {}
    pending = list(tree)
    while pending:
        rest = []
        for i, j in pending:
            if i in u and j not in v:
                v[j] = Fraction(int(M[i, j])) / u[i]
            elif j in v and i not in u:
                u[i] = Fraction(int(M[i, j])) / v[j]
            elif i not in u:
                rest.append((i, j))
        if len(rest) == len(pending):
            break
        pending = rest
    return [[int(u[i] * v[j]) for j in range(b)] for i in range(a)]


def test_iterative_completion_small_cases():
    SX = np.array([[1, 0], [1, 1]], bool)
    SY = np.array([[1, 1], [0, 1]], bool)
    res = iterative_completion(SX, SY)
    assert res.success and res.order == [0, 1]
    nested = iterative_completion(np.ones((2, 2), bool), np.array([[1, 0], [1, 1]], bool))
    assert not nested.success and nested.stuck == [0, 1]


@given(st.integers(1, 3), st.integers(1, 3), st.data())
def test_checker_cover_search_matches_brute_force(m, n, data):
    """The checker's own search (independent code) against brute force on block covers."""
    from exactid.checker.supports import count_covers

    blocks = data.draw(st.lists(st.tuples(
        st.sets(st.integers(0, m - 1), min_size=1).map(lambda s: tuple(sorted(s))),
        st.sets(st.integers(0, n - 1), min_size=1).map(lambda s: tuple(sorted(s)))), min_size=1, max_size=7))
    cells = [[i * n + j for i in r for j in c] for r, c in blocks]
    assert sorted(count_covers(m, n, blocks, 10 ** 6)) == sorted(brute_force_covers(m * n, cells))
