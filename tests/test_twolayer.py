"""Two-layer identifiability: tight-count families (exact cover) and fixed supports.

Oracles: brute-force cover enumeration in floating point (N <= 8), SymPy exact arithmetic,
instances whose verdict is known by construction.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.twolayer import family_certificate, fixed_certificate, named_family_certificate
from exactid.checker import Rejected, check_document
from exactid.domains import QQ, CyclotomicField, ExactMatrix
from exactid.factorization.fixed import analyze_supports, decide_fixed
from exactid.factorization.rootsums import RootSumMatrix, named_root_sums
from exactid.factorization.twolayer import covers_to_factors, decide_family
from exactid.supports import SparsityFamily
from exactid.transforms import named_matrix


def float_cover_count(Z: np.ndarray, k: int, kp: int, tol: float = 1e-9) -> int:
    """Brute force: every k x k' block whose float rank is one, then every exact cover."""
    m, n = Z.shape
    blocks = []
    for rows in itertools.combinations(range(m), k):
        for cols in itertools.combinations(range(n), kp):
            s = np.linalg.svd(Z[np.ix_(rows, cols)], compute_uv=False)
            if len(s) < 2 or s[1] <= tol * max(1.0, s[0]):
                blocks.append({i * n + j for i in rows for j in cols})
    r = m * n // (k * kp)
    count = 0

    def search(covered, start, used):
        nonlocal count
        if used == r:
            count += covered == (1 << (m * n)) - 1
            return
        first = next(e for e in range(m * n) if not covered >> e & 1)
        for b in blocks:
            if first in b and not any(covered >> e & 1 for e in b):
                search(covered | sum(1 << e for e in b), 0, used + 1)

    search(0, 0, 0)
    return count


@pytest.mark.parametrize("name,N", [("dft", 4), ("dft", 8), ("dct2", 4), ("dct2", 8), ("dst2", 4),
                                    ("dst2", 8), ("dct4", 4), ("hadamard", 4), ("hadamard", 8)])
def test_cover_count_matches_float_brute_force(name, N):
    Z = named_root_sums(name, N)
    res = decide_family(Z, SparsityFamily(N, N, N, N // 2, 2), count=True)
    expected = float_cover_count(named_matrix(name, N).to_numpy(), N // 2, 2)
    assert res.count == expected
    assert res.verdict == {0: "no_factorization", 1: "identifiable"}.get(expected, "not_identifiable")


@pytest.mark.parametrize("k,kp", [(2, 2), (4, 1), (1, 4), (2, 4)])
def test_other_shapes_match_brute_force(k, kp):
    for name in ("dft", "dct2", "hadamard"):
        Z = named_root_sums(name, 4)
        res = decide_family(Z, SparsityFamily(4, 4, 16 // (k * kp), k, kp), count=True)
        assert res.count == float_cover_count(named_matrix(name, 4).to_numpy(), k, kp)


def test_root_sums_match_transforms_and_sympy():
    for name in ("dft", "dct2", "dst2", "dct4", "hadamard"):
        for N in (1, 2, 3, 4, 5, 8):
            if name == "hadamard" and N & (N - 1):
                continue
            assert named_root_sums(name, N).to_exact() == named_matrix(name, N)


def _sympy_equal(elem, field, target) -> bool:
    """Exact: the element, written as a polynomial in exp(2 pi i / c), minus SymPy's value is 0."""
    z = sympy.exp(2 * sympy.pi * sympy.I / field.conductor)
    expr = sum(sympy.Rational(int(q.p), int(q.q)) * z ** k for k, q in enumerate(field.coefficients(elem)))
    return sympy.simplify(sympy.expand_complex(expr - target)) == 0


@pytest.mark.parametrize("name,formula", [
    ("dct2", lambda k, n, N: sympy.cos(sympy.pi * (2 * n + 1) * k / (2 * N))),
    ("dst2", lambda k, n, N: sympy.sin(sympy.pi * (2 * n + 1) * (k + 1) / (2 * N))),
    ("dct4", lambda k, n, N: sympy.cos(sympy.pi * (2 * n + 1) * (2 * k + 1) / (4 * N))),
    ("dft", lambda k, n, N: sympy.exp(-2 * sympy.pi * sympy.I * k * n / N)),
])
@pytest.mark.parametrize("N", [3, 4])
def test_transforms_equal_sympy_exact_values(name, formula, N):
    M = named_matrix(name, N)
    assert all(_sympy_equal(M.entry(k, n), M.field, formula(k, n, N)) for k in range(N) for n in range(N))
    assert not _sympy_equal(M.entry(1, 1), M.field, formula(1, 1, N) + sympy.Rational(1, 1000))


@pytest.mark.parametrize("N", [2, 4, 8, 16])
def test_transforms_against_numpy_and_scipy(N):
    scipy_fft = pytest.importorskip("scipy.fft")
    assert np.allclose(named_matrix("dft", N).to_numpy(), np.fft.fft(np.eye(N), axis=0))
    # scipy's unnormalized DCT-II/DST-II carry a factor 2
    assert np.allclose(2 * named_matrix("dct2", N).to_numpy(), scipy_fft.dct(np.eye(N), type=2, axis=0))
    assert np.allclose(2 * named_matrix("dst2", N).to_numpy(), scipy_fft.dst(np.eye(N), type=2, axis=0))
    assert np.allclose(2 * named_matrix("dct4", N).to_numpy(), scipy_fft.dct(np.eye(N), type=4, axis=0))
    H = named_matrix("hadamard", N).to_numpy()
    assert np.allclose(H @ H.T, N * np.eye(N))
    from scipy.linalg import hadamard as scipy_hadamard

    assert np.array_equal(H, scipy_hadamard(N))


@pytest.mark.parametrize("name", ["dft", "dct2", "dst2"])
def test_unique_cover_gives_a_factorization(name):
    N = 8
    Z = named_root_sums(name, N)
    res = decide_family(Z, SparsityFamily(N, N, N, N // 2, 2))
    X, Y = covers_to_factors(Z, res.covers[0])
    assert X @ Y == named_matrix(name, N)
    assert (np.asarray(X.num != 0).any(axis=0).sum(axis=0) <= N // 2).all()
    assert (np.asarray(Y.num != 0).any(axis=0).sum(axis=1) <= 2).all()


def test_bundled_certificates_check():
    from exactid.checker import check_paths

    outcomes = check_paths(["proofs/two-layer"])
    assert len(outcomes) == 24 and all(o.status == "valid" for o in outcomes), [o.line() for o in outcomes]


def test_random_products_by_construction():
    """Z = X Y with X, Y from disjoint-block supports: the cover is unique (identifiable)."""
    rng = np.random.default_rng(5)
    m = n = 4
    # blocks: rows {0,1} x cols {0,1}, {0,1} x {2,3}, {2,3} x {0,1}, {2,3} x {2,3}
    X = np.zeros((4, 4), dtype=np.int64)
    Y = np.zeros((4, 4), dtype=np.int64)
    for t, (rows, cols) in enumerate([((0, 1), (0, 1)), ((0, 1), (2, 3)), ((2, 3), (0, 1)), ((2, 3), (2, 3))]):
        X[list(rows), t] = rng.integers(1, 9, 2)
        Y[t, list(cols)] = rng.integers(1, 9, 2)
    Ze = ExactMatrix.from_integers(X @ Y)
    res = decide_family(RootSumMatrix.from_exact(Ze), SparsityFamily(m, n, 4, 2, 2), count=True)
    assert res.count == float_cover_count((X @ Y).astype(float), 2, 2)
    cert, _ = family_certificate(RootSumMatrix.from_exact(Ze), SparsityFamily(m, n, 4, 2, 2), data=Ze)
    assert "identifiable" in check_document(cert) or "not identifiable" in check_document(cert)


def test_no_factorization_and_undecided():
    Z = RootSumMatrix.from_exact(ExactMatrix.from_rows([[1, 2], [3, 5]]))
    res = decide_family(Z, SparsityFamily(2, 2, 2, 1, 2))  # needs two rank-one rows... rows are fine
    assert res.verdict == "identifiable"
    res = decide_family(Z, SparsityFamily(2, 2, 2, 2, 1))
    assert res.verdict == "identifiable"
    res = decide_family(Z, SparsityFamily(2, 2, 1, 2, 2))  # one rank-one block, but det != 0
    assert res.verdict == "no_factorization"
    cert, _ = family_certificate(Z, SparsityFamily(2, 2, 1, 2, 2), res, data=Z.to_exact())
    assert "no factorization" in check_document(cert)
    zero = RootSumMatrix.from_exact(ExactMatrix.from_rows([[1, 0], [3, 5]]))
    assert decide_family(zero, SparsityFamily(2, 2, 2, 1, 2)).verdict == "undecided"
    assert decide_family(Z, SparsityFamily(2, 2, 3, 1, 2)).verdict == "undecided"


def test_modular_coincidence_is_excluded(monkeypatch):
    """A prime where a non-rank-one block looks rank one: the engine proves it away."""
    import exactid.factorization.twolayer as tl
    from exactid.factorization.rootsums import reduction_for

    red = reduction_for(1)
    p = red.p
    # [[1, 1], [1, 1 + p]] is singular mod p, not over Q; with r = 1, k = k' = 2.
    Z = RootSumMatrix.from_exact(ExactMatrix.from_rows([[1, 1], [1, 1 + p]]))
    res = tl.decide_family(Z, SparsityFamily(2, 2, 1, 2, 2))
    assert res.verdict == "no_factorization" and len(res.excluded) == 1
    cert, _ = family_certificate(Z, SparsityFamily(2, 2, 1, 2, 2), res, data=Z.to_exact())
    assert "no factorization" in check_document(cert)
    kinds = [s["kind"] for s in cert["steps"]]
    assert "block_not_rank_one" in kinds


# --- tampering -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dct8():
    return named_family_certificate("dct2", 8, 4, 2)[0]


@pytest.fixture(scope="module")
def had4():
    return named_family_certificate("hadamard", 4, 2, 2)[0]


def rejected(cert) -> bool:
    try:
        check_document(cert)
    except Rejected:
        return True
    return False


def test_tampered_family_certificates_are_rejected(dct8, had4):
    for mutate in (
        lambda c: c["claim"].update(verdict="not_identifiable"),
        lambda c: c["claim"].update(verdict="no_factorization"),
        lambda c: c["claim"].update(r=9),
        lambda c: c["claim"]["matrix"].update(name="hadamard"),
        lambda c: c["steps"].pop(0),
        lambda c: c["steps"].pop(),
        lambda c: c["steps"][1].update(covers=2),
        lambda c: c["steps"][0].update(p=c["steps"][0]["p"] + 2),
        lambda c: c["steps"][2]["blocks"][0]["rows"].reverse() or c["steps"][2]["blocks"][0].update(
            rows=[0, 1, 2, 3]),
    ):
        c = copy.deepcopy(dct8)
        mutate(c)
        assert rejected(c), mutate
    for mutate in (
        lambda c: c["claim"].update(verdict="identifiable"),
        lambda c: c["steps"].__setitem__(2, copy.deepcopy(c["steps"][1])),
        lambda c: c["steps"].pop(),
        lambda c: c["claim"]["matrix"].update(name="dft"),
    ):
        c = copy.deepcopy(had4)
        mutate(c)
        assert rejected(c), mutate


@settings(max_examples=40)
@given(st.data())
def test_random_index_tampering_is_rejected(dct8, data):
    c = copy.deepcopy(dct8)
    blocks = c["steps"][2]["blocks"]
    b = data.draw(st.integers(0, len(blocks) - 1))
    side = data.draw(st.sampled_from(["rows", "cols"]))
    pos = data.draw(st.integers(0, len(blocks[b][side]) - 1))
    new = data.draw(st.integers(-2, 10))
    if new == blocks[b][side][pos]:
        return
    blocks[b][side][pos] = new
    assert rejected(c)


def test_garbage_never_raises():
    for doc in ({}, {"format": "exactid-certificate", "version": 1, "claim": {"kind": "two_layer_family"}},
                {"format": "exactid-certificate", "version": 1, "claim": {"kind": "two_layer_family",
                 "matrix": {"name": "dct2", "n": "x"}}, "steps": []},
                {"format": "exactid-certificate", "version": 1, "claim": {"kind": "two_layer_fixed"},
                 "data": {"X": 3}, "steps": []}):
        with pytest.raises(Rejected):
            check_document(doc)


# --- fixed supports --------------------------------------------------------------------------

def random_pair(rng, SX, SY, field=QQ):
    def fill(S):
        vals = rng.integers(1, 6, S.shape) * rng.choice([-1, 1], S.shape)
        return np.where(S, vals, 0).astype(np.int64)

    return ExactMatrix.from_integers(fill(SX), field), ExactMatrix.from_integers(fill(SY), field)


@settings(max_examples=25)
@given(st.integers(0, 10_000))
def test_random_disjoint_supports_are_identifiable(seed):
    rng = np.random.default_rng(seed)
    r = int(rng.integers(1, 4))
    m, n = 2 * r + 1, 2 * r
    SX = np.zeros((m, r), bool)
    SY = np.zeros((r, n), bool)
    for i in range(r):  # component i lives on rows {2i, 2i+1} (or shared row 2r) and columns {2i, 2i+1}
        SX[[2 * i, 2 * r if rng.random() < 0.5 else 2 * i + 1], i] = True
        SY[i, [2 * i, 2 * i + 1]] = True
    X, Y = random_pair(rng, SX, SY)
    cert, res = fixed_certificate(X, Y)
    assert res.verdict == "identifiable" and res.analysis.disjoint
    assert "is identifiable" in check_document(cert)


@settings(max_examples=25)
@given(st.integers(0, 10_000))
def test_random_duplicated_supports_are_not_identifiable(seed):
    rng = np.random.default_rng(seed)
    m, r, n = 3, 3, 4
    SX = rng.random((m, r)) < 0.6
    SY = rng.random((r, n)) < 0.6
    SX[0, :] = True
    SY[:, 0] = True
    SX[:, 1] = SX[:, 0]
    SY[1] = SY[0]
    X, Y = random_pair(rng, SX, SY)
    cert, res = fixed_certificate(X, Y)
    assert res.verdict == "not_identifiable"
    X2, Y2 = res.second
    # SymPy oracle: equal products, different rank-one components
    sx, sy = sympy.Matrix(X.tolist()), sympy.Matrix(Y.tolist())
    sx2, sy2 = sympy.Matrix([[sympy.Rational(str(v)) for v in row] for row in X2.tolist()]), \
        sympy.Matrix([[sympy.Rational(str(v)) for v in row] for row in Y2.tolist()])
    assert sx * sy == sx2 * sy2
    comps = {tuple(sx[:, t] * sy[t, :]) for t in range(r)}
    assert any(tuple(sx2[:, t] * sy2[t, :]) not in comps for t in range(r))
    assert "not identifiable" in check_document(cert)


def test_fixed_support_small_cases_against_sympy_solve():
    """Identifiable by completability: SymPy finds a single solution after fixing scalings."""
    X = ExactMatrix.from_rows([[2, 0], [3, 1]])
    Y = ExactMatrix.from_rows([[1, 4], [0, 5]])
    res = decide_fixed(X, Y)
    assert res.verdict == "identifiable" and not res.analysis.disjoint
    a, b, c, d = sympy.symbols("a b c d")
    # X' = [[1, 0], [a, 1]] (scaling fixed), Y' = [[b, c], [0, d]]
    Xs, Ys = sympy.Matrix([[1, 0], [a, 1]]), sympy.Matrix([[b, c], [0, d]])
    sols = sympy.solve(list(Xs * Ys - sympy.Matrix(X.tolist()) * sympy.Matrix(Y.tolist())), [a, b, c, d], dict=True)
    assert len(sols) == 1
    cert, _ = fixed_certificate(X, Y)
    assert [s["kind"] for s in cert["steps"]] == ["completable", "completable"]
    assert "is identifiable" in check_document(cert)
    # tampering: a tree through a non-observable entry, a missing recovery
    bad = copy.deepcopy(cert)
    bad["steps"].pop()
    assert rejected(bad)
    bad = copy.deepcopy(cert)
    bad["steps"][0]["tree"][0] = [1, 1]
    assert rejected(bad)


def test_fixed_over_cyclotomic_and_support_analysis():
    K = CyclotomicField(8)
    X = ExactMatrix.from_rows([[K.zeta(1), 0], [1, K.zeta(3)]], K)
    Y = ExactMatrix.from_rows([[1, "1/2"], [0, K.zeta(2)]], K)
    cert, res = fixed_certificate(X, Y)
    assert res.verdict == "identifiable" and "is identifiable" in check_document(cert)
    analysis = analyze_supports(np.ones((2, 2), bool), np.array([[1, 0], [1, 1]], bool))
    assert analysis.verdict == "not_identifiable" and analysis.nested
    stuck = analyze_supports(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1]], bool),
                             np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], bool))
    assert stuck.verdict in ("identifiable", "undecided")
    cert, degenerate = fixed_certificate(ExactMatrix.from_rows([[1, 0], [1, 0]]), ExactMatrix.from_rows([[1, 1], [1, 1]]))
    assert degenerate.verdict == "not_identifiable" and degenerate.analysis.half_empty == [1]
    assert "zero rows" in check_document(cert)
    tampered = copy.deepcopy(fixed_certificate(ExactMatrix.from_rows([[1, 2], [3, 4]]),
                                               ExactMatrix.from_rows([[1, 1], [1, -1]]))[0])
    tampered["steps"][0]["X"]["entries"][0][0] = 7
    assert rejected(tampered)


def test_large_coefficients_stay_exact():
    """Coefficients near 2^40: 2x2 minors exceed int64, the engine and checker switch to exact ints."""
    b = 2 ** 40 + 7
    for last, verdict in ((b * 15 + 1, "no_factorization"), (b * 15, "identifiable")):
        Z = ExactMatrix.from_rows([[b, b * 3], [b * 5, last]])
        R = RootSumMatrix.from_exact(Z)
        res = decide_family(R, SparsityFamily(2, 2, 1, 2, 2))
        assert res.verdict == verdict
        cert, _ = family_certificate(R, SparsityFamily(2, 2, 1, 2, 2), res, data=Z)
        assert ("no factorization" if verdict == "no_factorization" else "is identifiable") in check_document(cert)


@pytest.mark.parametrize("N", [1, 2, 4, 8, 32])
def test_bitrev_reference(N):
    from exactid.transforms import bitrev, permutation_matrix

    L = N.bit_length() - 1
    expected = [int(format(i, f"0{L}b")[::-1], 2) if L else 0 for i in range(N)]
    assert bitrev(N).tolist() == expected
    assert bitrev(N)[bitrev(N)].tolist() == list(range(N))  # an involution
    P = permutation_matrix(bitrev(N)).to_numpy()
    assert np.array_equal(P @ np.arange(N), np.array(expected, dtype=float))


@settings(max_examples=30)
@given(st.data())
def test_random_tree_tampering_is_rejected(data):
    X = ExactMatrix.from_rows([[1, 0, 2], [3, 1, 0], [0, 5, 1], [7, 0, 0]])
    Y = ExactMatrix.from_rows([[1, 2, 0, 0], [0, 1, 3, 0], [0, 0, 1, 4]])
    cert, res = fixed_certificate(X, Y)
    assert res.verdict == "identifiable" and "is identifiable" in check_document(cert)
    c = copy.deepcopy(cert)
    step = data.draw(st.integers(0, len(c["steps"]) - 1))
    tree = c["steps"][step]["tree"]
    edge = data.draw(st.integers(0, len(tree) - 1))
    from exactid.supports import support_of
    from exactid.supports.overlap import observable_part

    order = [s["component"] for s in c["steps"]]
    observable = observable_part(support_of(X), support_of(Y), order[step], order[step:])
    new = [data.draw(st.integers(-1, 4)), data.draw(st.integers(-1, 4))]
    if 0 <= new[0] < 4 and 0 <= new[1] < 4 and observable[new[0], new[1]]:
        new = [new[0], new[1] + 100]  # an observable entry might give another valid tree
    tree[edge] = new
    assert rejected(c)
