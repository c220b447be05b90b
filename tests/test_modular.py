"""Elimination modulo p with float64 products, against python-flint's nmod_mat."""

from __future__ import annotations

import flint
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import exactid.linalg.modular as modular
from exactid.errors import InputError
from exactid.linalg.modular import (
    PRIME_MAX, RankProfile, default_prime, minor_nonzero_mod_p, modular_primes, rank_mod_p, rank_profile,
)

PRIMES = [2, 3, 7, 251, 65537, 1048573, 2097133, PRIME_MAX]


def nmod(A: np.ndarray, p: int) -> flint.nmod_mat:
    m, n = A.shape
    return flint.nmod_mat(m, n, [int(x) % p for x in A.ravel().tolist()], p)


def oracle_rank(A: np.ndarray, p: int) -> int:
    return nmod(A, p).rank() if A.size else 0


def check_profile(A: np.ndarray, p: int, prof: RankProfile) -> None:
    """The rank is nmod_mat's and the claimed minor is nonzero mod p."""
    r = oracle_rank(A, p)
    assert prof.rank == r == len(prof.rows) == len(prof.cols)
    assert list(prof.rows) == sorted(set(prof.rows)) and list(prof.cols) == sorted(set(prof.cols))
    if r:
        sub = A[np.ix_(prof.rows, prof.cols)]
        assert int(nmod(sub, p).det()) != 0


def greedy_profile(A: np.ndarray, p: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Row and column rank profiles by prefix ranks (brute force)."""
    def first_independent(M):
        out, prev = [], 0
        for i in range(M.shape[0]):
            r = oracle_rank(M[:i + 1], p)
            if r > prev:
                out.append(i)
            prev = r
        return tuple(out)
    return first_independent(A), first_independent(A.T)


def random_matrix(rng: np.random.Generator, p: int) -> np.ndarray:
    """Full, rank-deficient (thin factors), tall, wide, with zero or repeated rows/columns."""
    kind = rng.integers(0, 8)
    m, n = (int(x) for x in rng.integers(1, 40, 2))
    if kind == 1:
        m = int(rng.integers(40, 120))  # tall
    if kind == 2:
        n = int(rng.integers(40, 120))  # wide
    if kind in (3, 4, 5):
        k = int(rng.integers(0, min(m, n) + 1))
        A = rng.integers(-p, p, (m, k)) @ rng.integers(-3, 4, (k, n))
    elif kind == 6:
        A = rng.integers(-1, 2, (m, n)) * (rng.random((m, n)) < 0.15)  # sparse
    else:
        A = rng.integers(-(1 << 40), 1 << 40, (m, n))
    if kind == 4:
        A[:, rng.integers(0, n, max(1, n // 3))] = 0
        A[rng.integers(0, m, max(1, m // 4))] = 0
    if kind == 5 and m > 1:
        A[rng.integers(0, m, m // 2)] = A[rng.integers(0, m)]  # duplicated rows
    return A


@pytest.fixture(params=["default", "tiny-blocks"])
def blocks(request, monkeypatch):
    """Default leaf sizes, and tiny ones that send small inputs through every recursive path."""
    if request.param == "tiny-blocks":
        monkeypatch.setattr(modular, "_LEAF_ROWS", 2)
        monkeypatch.setattr(modular, "_LEAF_TRIANGLE", 1)
        monkeypatch.setattr(modular, "_KMAX_CAP", 3)
        monkeypatch.setattr(modular, "_LEAF_WINDOW", 1)
        monkeypatch.setattr(modular, "_CHUNK_ENTRIES", 5)
    return request.param


def test_random_matrices_against_nmod_mat(blocks):
    rng = np.random.default_rng(12)
    for trial in range(700):
        p = PRIMES[trial % len(PRIMES)]
        A = random_matrix(rng, p)
        check_profile(A, p, rank_profile(A, p))


def test_profiles_are_the_rank_profiles(blocks):
    rng = np.random.default_rng(5)
    for trial in range(150):
        p = PRIMES[trial % 4 + 1]
        m, n = (int(x) for x in rng.integers(1, 9, 2))
        k = int(rng.integers(0, min(m, n) + 1))
        A = rng.integers(-2, 3, (m, k)) @ rng.integers(-2, 3, (k, n)) * (rng.random((m, n)) < 0.8)
        prof = rank_profile(A, p)
        assert (prof.rows, prof.cols) == greedy_profile(A, p)


def test_recursion_on_larger_rank_deficient_matrices(blocks):
    rng = np.random.default_rng(3)
    for m, n, k in [(300, 200, 150), (150, 310, 140), (260, 260, 259), (200, 200, 200), (129, 65, 65)]:
        p = PRIME_MAX if m % 2 else 65537
        A = rng.integers(-50, 50, (m, k)) @ rng.integers(-50, 50, (k, n))
        A[:, 7] = 0
        check_profile(A, p, rank_profile(A, p))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 12), st.integers(1, 12), st.sampled_from(PRIMES), st.integers(0, 2**32 - 1),
)
def test_hypothesis_against_nmod_mat(m, n, p, seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(0, min(m, n) + 1))
    A = rng.integers(-p, p + 1, (m, k)) @ rng.integers(-2, 3, (k, n))
    prof = rank_profile(A, p)
    check_profile(A, p, prof)
    assert (prof.rows, prof.cols) == greedy_profile(A, p)
    assert rank_mod_p(A, p) == prof.rank


@pytest.mark.parametrize("p", [3, 65537, PRIME_MAX])
def test_special_shapes(p):
    cases = {
        "all-zero": np.zeros((5, 7), dtype=np.int64),
        "identity": np.eye(40, dtype=np.int64),
        "single-row": np.array([[0, 0, 3, 1]]),
        "single-column": np.array([[0], [0], [5]]),
        "one-entry": np.array([[p]]),
        "duplicated-rows": np.array([[1, 2, 3]] * 6),
        "anti-identity": np.eye(70, dtype=np.int64)[::-1],
        "empty": np.zeros((0, 4), dtype=np.int64),
        "no-columns": np.zeros((3, 0), dtype=np.int64),
    }
    expected = {"all-zero": 0, "identity": 40, "single-row": 1, "single-column": 1, "one-entry": 0,
                "duplicated-rows": 1, "anti-identity": 70, "empty": 0, "no-columns": 0}
    for name, A in cases.items():
        prof = rank_profile(A, p)
        assert prof.rank == expected[name], name
        check_profile(A, p, prof)
    assert rank_profile(np.array([[0, 0, 2, 1]]), p) == RankProfile(1, (0,), (2,))


def test_minor_nonzero_against_nmod_det(blocks):
    rng = np.random.default_rng(8)
    for trial in range(400):
        p = PRIMES[trial % len(PRIMES)]
        A = random_matrix(rng, p)
        m, n = A.shape
        r = int(rng.integers(0, min(m, n) + 1))
        rows = sorted(rng.choice(m, r, replace=False).tolist())
        cols = rng.choice(n, r, replace=False).tolist()  # any order: the determinant's sign does not matter
        expected = r == 0 or int(nmod(A[np.ix_(rows, cols)], p).det()) != 0
        assert minor_nonzero_mod_p(A, rows, cols, p) == expected


def test_dtypes_and_reduction():
    p = 65537
    A = np.array([[2**62 + 5, -(2**62)], [3, 2**40]], dtype=np.int64)
    expected = oracle_rank(A, p)
    for B in (A, A.astype(object) * (1 << 80), A.astype(np.float64)):
        assert rank_mod_p(B, p) == oracle_rank(np.array(B, dtype=object), p)
    assert rank_mod_p(A, p) == expected
    assert rank_mod_p(np.array([[p, 2 * p], [1, 1]], dtype=np.uint64), p) == 1
    assert rank_mod_p(np.array([[255, 1], [1, 255]], dtype=np.uint8), 2) == 1
    assert rank_mod_p(np.array([[254, 2], [4, 8]], dtype=np.uint8), 2) == 0
    assert rank_mod_p(np.array([[1e300, 1.0], [0.0, 1.0]]), PRIME_MAX) == oracle_rank(
        np.array([[int(1e300), 1], [0, 1]], dtype=object), PRIME_MAX)


def test_bad_input_is_refused():
    A = np.eye(3, dtype=np.int64)
    for p in (1, 4, PRIME_MAX + 2, 2**31 - 1, 2.0, True):
        with pytest.raises(InputError):
            rank_profile(A, p)
    for B in (np.zeros((2, 2, 2), dtype=int), np.array([[0.5]]), np.array([[np.nan]]), [[1, 2]],
              np.array([["a"]]), np.array([[1.5j]])):
        with pytest.raises(InputError):
            rank_profile(B, 7)
    with pytest.raises(InputError):
        minor_nonzero_mod_p(A, [0, 1], [0], 7)
    with pytest.raises(InputError):
        minor_nonzero_mod_p(A, [0, 3], [0, 1], 7)
    with pytest.raises(InputError):
        minor_nonzero_mod_p(A, [0, 0], [0, 1], 7)


def test_primes_in_range():
    assert default_prime() == PRIME_MAX and flint.fmpz(PRIME_MAX).is_prime()
    assert not any(flint.fmpz(q).is_prime() for q in range(PRIME_MAX + 1, 1 << 21))
    ps = modular_primes(5)
    assert ps == sorted(ps, reverse=True) and all(flint.fmpz(q).is_prime() for q in ps)
    for n in (1, 3, 8, 12, 210):
        qs = modular_primes(3, n=n)
        assert all(q % n == 1 % n and q <= PRIME_MAX and flint.fmpz(q).is_prime() for q in qs)
        assert qs == modular_primes(3, n=n)


def test_thread_policy_keeps_results_and_settings(monkeypatch):
    """Large-input code path (progress, one BLAS thread except for large products) on small inputs."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    monkeypatch.setattr(modular, "_PROGRESS_ENTRIES", 0)
    monkeypatch.setattr(modular, "_THREADED_WORK", 0)
    monkeypatch.setattr(modular, "_LEAF_ROWS", 4)
    before = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    rng = np.random.default_rng(21)
    for trial in range(40):
        p = PRIMES[trial % len(PRIMES)]
        A = random_matrix(rng, p)
        check_profile(A, p, rank_profile(A, p))
    after = [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]
    assert before == after


@pytest.mark.parametrize("chunk", [4096, 3])
def test_checker_nonsingular_against_nmod_det(chunk, monkeypatch):
    """The checker's own LU (float path for n >= 32, p < 2^21; nmod_mat otherwise) against det."""
    from exactid.checker import modular as checker_modular

    monkeypatch.setattr(checker_modular, "CHUNK", chunk)
    rng = np.random.default_rng(31 + chunk)
    for trial in range(250):
        p = (PRIMES + [2**31 - 1, 2**61 - 1])[trial % (len(PRIMES) + 2)]
        n = int(rng.integers(0, 12)) if trial % 5 == 0 else int(rng.integers(32, 90))
        k = n if trial % 2 else int(rng.integers(max(0, n - 3), n + 1))
        A = rng.integers(-p, p, (n, k)) @ rng.integers(-3, 4, (k, n))
        if trial % 7 == 3 and n:
            A[:, int(rng.integers(0, n))] = 0
        if trial % 7 == 5 and n > 1:
            A[int(rng.integers(1, n))] = A[0]
        expected = n == 0 or int(nmod(A, p).det()) != 0
        assert checker_modular.nonsingular_mod_p(A, p) == expected
        assert checker_modular.nonsingular_mod_p(A.astype(object) * (1 << 70), p) == (n == 0 or expected and p > 2)


def test_checker_float_path_on_structured_matrices():
    from exactid.checker.modular import nonsingular_mod_p

    n, p = 150, PRIME_MAX
    perm = np.eye(n, dtype=np.int64)[np.random.default_rng(2).permutation(n)]
    assert nonsingular_mod_p(perm, p) and nonsingular_mod_p(perm * 3 + np.triu(np.ones((n, n), dtype=np.int64), 1), p)
    lower = np.tril(np.ones((n, n), dtype=np.int64))
    lower[77, 77] = p  # one zero on the diagonal of a triangular matrix
    assert not nonsingular_mod_p(lower, p) and nonsingular_mod_p(lower.T + np.eye(n, dtype=np.int64), 65537)


def deficient_exact(field, m, n, r, seed):
    from exactid.domains import ExactMatrix

    rng = np.random.default_rng(seed)
    shape = (lambda a, b: (a, b)) if field.degree == 1 else (lambda a, b: (a, b, field.degree))
    return ExactMatrix.from_integers(rng.integers(-3, 4, size=shape(m, r)), field) @ ExactMatrix.from_integers(
        rng.integers(-3, 4, size=shape(r, n)), field)


@pytest.mark.parametrize("conductor", [1, 8, 12])
def test_rank_minor_by_float_elimination_matches_nmod_mat(conductor):
    from exactid.domains import QQ, CyclotomicField
    from exactid.domains.finite import Reduction, root_of_order
    from exactid.linalg.rank import nonzero_minor, residues

    field = QQ if conductor == 1 else CyclotomicField(conductor)
    for seed in range(6):
        matrix = deficient_exact(field, 9 + seed, 14 - seed, 2 + seed, seed)
        if seed % 2:
            matrix = matrix * field.convert("1/3")  # a denominator
        p = modular_primes(seed + 1, n=conductor)[-1]
        reduction = Reduction(conductor, p, root_of_order(conductor, p))
        image = matrix.reduce(reduction)
        assert residues(matrix, reduction).tolist() == [[int(image[i, j]) for j in range(image.ncols())]
                                                         for i in range(image.nrows())]
        witness = nonzero_minor(matrix, reduction)
        assert len(witness.rows) == image.rank() == 2 + seed
        sub = flint.nmod_mat([[int(image[i, j]) for j in witness.cols] for i in witness.rows], p)
        assert int(sub.det()) != 0


@pytest.mark.parametrize("conductor", [1, 8])
def test_rank_certificates_with_modular_primes_pass_the_checker(conductor, monkeypatch):
    import exactid.linalg.rank as rank_module
    from exactid.certify.rank import rank_certificate
    from exactid.checker import check_document
    from exactid.domains import QQ, CyclotomicField

    monkeypatch.setattr(rank_module, "FLOAT_ELIMINATION_ENTRIES", 0)
    field = QQ if conductor == 1 else CyclotomicField(conductor)
    for m, n, r in [(12, 15, 7), (10, 6, 6), (8, 8, 8)]:
        cert, result = rank_certificate(deficient_exact(field, m, n, r, m))
        assert result.rank == r and result.certified == "exact"
        assert all(step["p"] <= PRIME_MAX for step in cert["steps"] if "p" in step)
        assert check_document(cert).startswith(f"rank = {r}")


def test_refuses_before_allocating_when_memory_is_short(monkeypatch):
    import exactid.resources as resources
    from exactid.errors import ResourceError

    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 1 << 20)
    with pytest.raises(ResourceError, match="elimination mod p of a 300x200 matrix needs about"):
        rank_profile(np.zeros((300, 200), dtype=np.int64), 7)
    assert rank_profile(np.eye(3, dtype=np.int64), 7).rank == 3  # small inputs still fit


def test_overwrite_reduces_in_place_and_agrees_with_nmod_mat():
    rng = np.random.default_rng(7)
    p = modular.PRIME_MAX
    for shape, rank in (((60, 40), 25), ((40, 70), 40), ((90, 90), 90)):
        A = (rng.integers(0, p, size=(shape[0], rank)) @ rng.integers(0, 5, size=(rank, shape[1]))) % p
        expected = flint.nmod_mat(A.tolist(), p).rank()
        copy = A.astype(np.float64)
        prof = modular.rank_profile(copy, p, overwrite=True)
        assert prof.rank == expected == modular.rank_profile(A, p).rank
        sub = flint.nmod_mat(A[np.ix_(prof.rows, prof.cols)].tolist(), p)
        assert sub.rank() == prof.rank
    with pytest.raises(InputError):
        modular.rank_profile(np.array([[0.5, 1.0]]), 11, overwrite=True)


class _NoBar:
    def update(self, k):
        pass


def leaf_matrix(rng: np.random.Generator, p: int) -> np.ndarray:
    """Leaf-sized residue matrices whose rows find no pivot in a leading window of columns:
    zero, duplicated and dependent rows, and rows that are zero up to a column far right."""
    m, n = int(rng.integers(1, 33)), int(rng.integers(1, 400))
    A = rng.integers(-(p // 2), p // 2 + 1, (m, n))
    kind = int(rng.integers(0, 5))
    if kind == 0:  # rows zero left of a random column, some of them far right
        for i in range(m):
            if rng.random() < 0.6:
                A[i, :int(rng.integers(0, n + 1))] = 0
    elif kind == 1:  # few columns nonzero on the left: the window has little rank
        A[:, :min(n, int(rng.integers(0, 300)))] *= rng.random((m, 1)) < 0.1
    elif kind == 2:  # duplicated and zero rows
        A[rng.integers(0, m, m // 2)] = A[rng.integers(0, m)]
        A[rng.integers(0, m, m // 3)] = 0
    elif kind == 3:  # low rank, dependent on the window, independent beyond it
        k = min(m, int(rng.integers(1, 4)))
        A = rng.integers(-3, 4, (m, k)) @ A[:k]
        A[:, n // 2:] = rng.integers(-(p // 2), p // 2 + 1, (m, n - n // 2)) * (rng.random((m, 1)) < 0.3)
    A[rng.random(m) < 0.1] = 0
    return np.array([[x - p if x > p // 2 else x for x in row] for row in (A % p).tolist()],
                    dtype=np.float64).reshape(m, n)


def test_window_leaf_matches_the_row_by_row_leaf(monkeypatch):
    """The windowed leaf gives the same pivots and the same pivot rows as the leaf on all columns,
    and its fallbacks (rows with no pivot in the window) are taken."""
    calls = {"window": 0, "widened": 0}
    window_leaf = modular._Elimination.window_leaf

    def counting(self, W, out, w):
        got = window_leaf(self, W, out, w)
        calls["window"] += 1
        calls["widened"] += got is None
        return got

    monkeypatch.setattr(modular._Elimination, "window_leaf", counting)
    rng = np.random.default_rng(44)
    for trial in range(300):
        p = PRIMES[trial % len(PRIMES)]
        F = modular._Field(p)
        W = leaf_matrix(rng, p)
        m, n = W.shape
        results = []
        for window in (modular._LEAF_WINDOW if trial % 2 else 1, 1 << 30):
            monkeypatch.setattr(modular, "_LEAF_WINDOW", window)
            out = np.full((min(m, n), n), np.nan)
            rows, cols = modular._Elimination(F, _NoBar(), m, n).leaf(W.copy(), out)
            results.append((rows, cols, out[:len(rows)] % p))
        (rows, cols, U), (rows0, cols0, U0) = results
        assert (rows, cols) == (rows0, cols0)
        assert np.array_equal(U, U0)
        greedy = greedy_profile(W.astype(np.int64), p) if n <= 60 else None
        if greedy is not None:
            assert (tuple(rows), tuple(sorted(cols))) == greedy
        check_profile(W.astype(np.int64), p, RankProfile(len(rows), tuple(rows), tuple(sorted(cols))))
    assert calls["widened"] > 20 and calls["window"] - calls["widened"] > 50


def test_pivots_right_of_the_window_through_the_recursion():
    rng = np.random.default_rng(9)
    p = PRIME_MAX
    for m, n in [(100, 500), (64, 300), (150, 150)]:
        A = rng.integers(0, p, (m, n))
        A[::3, :n - 5] = 0  # every third row pivots in the last columns
        A[1::7] = A[0]  # duplicated rows
        A[5::11] = 0
        prof = rank_profile(A, p)
        check_profile(A, p, prof)
        if m <= 64:
            assert (prof.rows, prof.cols) == greedy_profile(A, p)
