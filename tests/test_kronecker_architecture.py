"""Kronecker-sparse patterns and architectures, against brute-force boolean products."""

from __future__ import annotations

import itertools
import json
from math import gcd

import numpy as np
import pytest

from exactid.cli.main import main
from exactid.errors import InputError
from exactid.factorization.kronecker import (
    Architecture,
    Pattern,
    butterfly,
    deformable,
    mixed_radix,
    monarch,
    pair_product,
    parse_architecture,
    radix,
)
from exactid.factorization.kronecker.layout import Split, from_dense, to_dense
from exactid.supports import butterfly_support, kronecker_sparse_support

SMALL = range(1, 5)


def brute_pair(p1: tuple, p2: tuple):
    """Oracle: (boolean product, multiplicity matrix, Kronecker-sparse pattern of the product or None)."""
    counts = kronecker_sparse_support(*p1).astype(int) @ kronecker_sparse_support(*p2).astype(int)
    support = counts > 0
    m, n = support.shape
    for a in range(1, m + 1):
        if m % a or n % a:
            continue
        for d in range(1, m // a + 1):
            if (m // a) % d or (n // a) % d:
                continue
            if np.array_equal(kronecker_sparse_support(a, m // (a * d), n // (a * d), d), support):
                return support, counts, (a, m // (a * d), n // (a * d), d)
    return support, counts, None


def chained_pairs():
    for p1 in itertools.product(SMALL, repeat=4):
        for p2 in itertools.product(SMALL, repeat=4):
            if p1[0] * p1[2] * p1[3] == p2[0] * p2[1] * p2[3]:
                yield p1, p2


def test_pair_product_matches_brute_force_on_all_small_pairs():
    """The derived chainability condition is sound: product pattern and class size r are exact;
    outside it, a Kronecker-sparse product with uniform multiplicity only occurs for degenerate
    patterns (b or c equal to 1) or coprime d, d' (a Chinese-remainder structure)."""
    checked = exceptions = 0
    for p1, p2 in chained_pairs():
        support, counts, found = brute_pair(p1, p2)
        got = pair_product(Pattern(*p1), Pattern(*p2))
        if got is not None:
            prod, r = got
            assert np.array_equal(prod.support(), support), (p1, p2)
            assert set(np.unique(counts[support]).tolist()) == {r}, (p1, p2)
            checked += 1
        elif found is not None and len(set(counts[support].tolist())) == 1:
            assert min(p1[1], p1[2], p2[1], p2[2]) == 1 or gcd(p1[3], p2[3]) == 1 or gcd(p1[0], p2[0]) == 1, (p1, p2)
            exceptions += 1
    assert checked == 3200 and exceptions > 0


def rectangles(p1: tuple, p2: tuple) -> list[tuple[frozenset, frozenset]]:
    """Oracle: the rank-one support (rows of column k) x (columns of row k) of every inner index."""
    s1, s2 = kronecker_sparse_support(*p1), kronecker_sparse_support(*p2)
    return [(frozenset(np.nonzero(s1[:, k])[0]), frozenset(np.nonzero(s2[k])[0])) for k in range(s1.shape[1])]


@pytest.mark.parametrize("p1, p2", [((1, 2, 2, 4), (2, 2, 2, 2)), ((1, 3, 3, 4), (3, 4, 4, 1)), ((2, 2, 2, 1), (1, 2, 2, 2)),
                                    ((1, 3, 2, 1), (1, 2, 3, 1)), ((1, 4, 2, 2), (2, 2, 2, 1)), ((2, 3, 4, 1), (4, 2, 2, 1))])
def test_split_blocks_are_the_classes_of_rank_one_supports(p1, p2):
    """Each block of Split gathers exactly the entries of one class rectangle; distinct classes are
    disjoint and cover the product (brute force on the dense supports)."""
    sp = Split(Pattern(*p1), Pattern(*p2))
    rects = rectangles(p1, p2)
    classes = {}
    for rows, cols in rects:
        classes[(rows, cols)] = classes.get((rows, cols), 0) + 1
    assert set(classes.values()) == {sp.rank} and len(classes) == sp.classes
    m, n = sp.product.rows, sp.product.cols
    index = np.arange(m * n).reshape(m, n)
    blocks = sp.blocks(from_dense(index, sp.product))
    got = {(frozenset((b // n)[:, 0].tolist()), frozenset((b % n)[0].tolist())) for b in blocks}
    assert got == set(classes)
    covered = set()
    for rows, cols in classes:
        cells = {(i, j) for i in rows for j in cols}
        assert not (cells & covered)
        covered |= cells
    assert covered == set(zip(*np.nonzero(sp.product.support())))


def test_layout_roundtrip_and_merge_on_all_chainable_pairs():
    rng = np.random.default_rng(0)
    for p1, p2 in chained_pairs():
        if pair_product(Pattern(*p1), Pattern(*p2)) is None or max(p1 + p2) > 3:
            continue
        sp = Split(Pattern(*p1), Pattern(*p2))
        x, y = rng.standard_normal(p1), rng.standard_normal(p2)
        dense = to_dense(x, sp.left) @ to_dense(y, sp.right)
        assert np.allclose(to_dense(sp.merge(x, y), sp.product), dense)
        assert np.array_equal(from_dense(to_dense(x, sp.left), sp.left), x)
        u, w = sp.parts(sp.left_blocks(x), sp.right_blocks(y))
        assert np.array_equal(u, x) and np.array_equal(w, y)


def test_named_constructors():
    for l, p in enumerate(butterfly(16).patterns, start=1):
        assert np.array_equal(p.support(), butterfly_support(16, l))
    assert [p.as_tuple() for p in radix(3, 3).patterns] == [(1, 3, 3, 9), (3, 3, 3, 3), (9, 3, 3, 1)]
    assert [p.as_tuple() for p in mixed_radix([2, 3, 2]).patterns] == [(1, 2, 2, 6), (2, 3, 3, 2), (6, 2, 2, 1)]
    m = monarch(4, 8)
    assert m.shape == (32, 32) and m.chainable()
    # Monarch = (P^T blockdiag(8 blocks 4x4) P) . blockdiag(4 blocks 8x8), P the perfect shuffle
    shuffle = np.arange(32).reshape(4, 8).T.reshape(-1)
    blocks = np.kron(np.eye(8, dtype=bool), np.ones((4, 4), dtype=bool))
    assert np.array_equal(m.patterns[0].support(), blocks[np.ix_(np.argsort(shuffle), np.argsort(shuffle))])
    assert np.array_equal(m.patterns[1].support(), np.kron(np.eye(4, dtype=bool), np.ones((8, 8), dtype=bool)))
    assert deformable([(1, 2, 3, 1), (1, 3, 2, 1)]).nodes()[1][0].rank == 3
    for arch in (butterfly(64), radix(3, 4), mixed_radix([2, 3, 3, 2]), monarch(8, 8)):
        for tree in ("balanced", "left", "right"):
            top, nodes = arch.nodes(tree)
            assert top.as_tuple() == (1, arch.shape[0], arch.shape[1], 1)
            assert all(nd.rank == 1 for nd in nodes)


def test_interval_products_match_dense_boolean_products():
    arch = deformable([(1, 2, 2, 8), (2, 4, 4, 2), (8, 2, 2, 1)])
    top, nodes = arch.nodes("balanced")
    dense = np.ones((1, 1), dtype=int)
    dense = arch.patterns[0].support().astype(int)
    for p in arch.patterns[1:]:
        dense = dense @ p.support().astype(int)
    assert np.array_equal(top.support(), dense > 0)


@pytest.mark.parametrize("text", ["monarch:0x4", "butterfly:12", "radix:1^3", "1,2,3", "2,2,2,1;3,2,2,1", "foo",
                                  "radix:2^40", "1,2,2,0"])
def test_bad_architectures_are_refused(text):
    with pytest.raises(InputError):
        parse_architecture(text)


def test_non_admissible_tree_is_refused():
    arch = Architecture([(1, 2, 2, 3), (1, 3, 2, 2)])
    assert not arch.chainable()
    with pytest.raises(InputError, match="not chainable"):
        arch.nodes("balanced")


def test_describe_architecture_cli(capsys):
    assert main(["describe-architecture", "monarch:4x4"]) == 0
    out = capsys.readouterr().out
    assert "(1,4,4,4)" in out and "16 classes of size 1" in out
    assert main(["describe-architecture", "1,4,2,1;1,2,2,1;1,2,4,1", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["chainable"] and [s["class_size"] for s in data["splits"]] == [2, 2]
    assert main(["describe-architecture", "radix:3^2", "--tree", "[1,2]", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["product_pattern"] == [1, 9, 9, 1]
    assert main(["describe-architecture", "monarch:4x"]) == 2
    assert "cannot parse" in capsys.readouterr().err



def test_pattern_product_is_associative_where_defined():
    """Law, on every chain of three patterns with entries <= 3: folding left or right gives the
    same pattern, the dense boolean product."""
    pats = [Pattern(*p) for p in itertools.product(range(1, 4), repeat=4)]
    checked = 0
    for a in pats:
        for b in pats:
            ab = pair_product(a, b)
            if ab is None:
                continue
            for c in pats:
                bc = pair_product(b, c)
                if bc is None:
                    continue
                lr, rl = pair_product(ab[0], c), pair_product(a, bc[0])
                if lr is None and rl is None:
                    continue
                dense = (a.support().astype(int) @ b.support().astype(int) @ c.support().astype(int)) > 0
                for got in (lr, rl):
                    if got is not None:
                        assert np.array_equal(got[0].support(), dense), (a, b, c)
                checked += 1
    assert checked > 1000
