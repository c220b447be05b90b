"""ExactMatrix and certified linear algebra against SymPy's exact DomainMatrix and numpy."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.domains import QQ, CyclotomicField, ExactMatrix
from exactid.errors import NoSolutionError, NotInvertibleError, ShapeError
from exactid.linalg import certified_rank, det, inverse, nullspace, solve

FIELDS = [QQ, CyclotomicField(3), CyclotomicField(8), CyclotomicField(12), CyclotomicField(16)]


def random_matrix(rng, field, m, n, rank=None, den=1):
    """Random matrix with small integer coefficients, of rank <= ``rank`` when given."""
    def block(a, b):
        shape = (a, b) if field.degree == 1 else (a, b, field.degree)
        return ExactMatrix.from_integers(rng.integers(-3, 4, size=shape), field, den)

    if rank is None:
        return block(m, n)
    return block(m, rank) @ block(rank, n)


@st.composite
def matrix_cases(draw, max_size=5):
    field = draw(st.sampled_from(FIELDS))
    seed = draw(st.integers(0, 2**32 - 1))
    m, n = draw(st.integers(1, max_size)), draw(st.integers(1, max_size))
    rank = draw(st.one_of(st.none(), st.integers(0, min(m, n))))
    return field, np.random.default_rng(seed), m, n, rank


@settings(max_examples=40)
@given(matrix_cases())
def test_products_agree_with_sympy(case):
    field, rng, m, n, _ = case
    A = random_matrix(rng, field, m, n, den=int(rng.integers(1, 4)))
    B = random_matrix(rng, field, n, int(rng.integers(1, 5)))
    expected = A.to_sympy() * B.to_sympy()
    assert (A @ B).to_sympy() == expected
    assert ExactMatrix.from_sympy(expected, field) == A @ B


@settings(max_examples=40)
@given(matrix_cases())
def test_certified_rank_agrees_with_sympy_and_kernel_verifies(case):
    field, rng, m, n, rank = case
    A = random_matrix(rng, field, m, n, rank)
    result = certified_rank(A)
    assert result.certified == "exact"
    assert result.rank == A.to_sympy().rank()
    rows, cols = result.minor.rows, result.minor.cols
    assert len(rows) == len(cols) == result.rank
    if result.rank:
        assert bool(A[list(rows), list(cols)].to_sympy().det())
    if result.rank < min(m, n):
        K = result.kernel
        assert K.shape == (n, n - result.rank)
        assert (A @ K).is_zero()
        assert K.to_sympy().rank() == n - result.rank


@settings(max_examples=30)
@given(matrix_cases(max_size=4))
def test_inverse_and_det_agree_with_sympy(case):
    field, rng, m, _, _ = case
    A = random_matrix(rng, field, m, m, den=int(rng.integers(1, 3)))
    sym = A.to_sympy()
    d = det(A)
    expected = sym.det()
    if field is QQ:
        assert d == QQ.convert(str(expected))
    else:
        assert field.to_sympy(d) == expected
    if not expected:  # SymPy's zero (an ANP over Q(zeta_n) does not compare equal to int 0)
        with pytest.raises(NotInvertibleError):
            inverse(A)
    else:
        inv = inverse(A)
        assert inv.to_sympy() == sym.inv()
        assert A @ inv == ExactMatrix.identity(m, field)


@settings(max_examples=30)
@given(matrix_cases())
def test_solve_matches_or_proves_inconsistency(case):
    field, rng, m, n, rank = case
    A = random_matrix(rng, field, m, n, rank)
    x = random_matrix(rng, field, n, 1)
    b = A @ x
    assert A @ solve(A, b) == b
    e = random_matrix(rng, field, m, 1)
    consistent = A.hstack(e).to_sympy().rank() == A.to_sympy().rank()
    if consistent:
        assert A @ solve(A, e) == e
    else:
        with pytest.raises(NoSolutionError):
            solve(A, e)


def test_nullspace_of_a_row():
    A = ExactMatrix.from_rows([[1, 1, 1]], QQ)
    K = nullspace(A)
    assert K.shape == (3, 2) and (A @ K).is_zero()


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.name)
def test_to_numpy_matches_float_arithmetic(field):
    rng = np.random.default_rng(5)
    A = random_matrix(rng, field, 4, 3, den=3)
    B = random_matrix(rng, field, 3, 2)
    assert np.allclose((A @ B).to_numpy(), A.to_numpy() @ B.to_numpy())


def test_slicing_transpose_and_stacking():
    K = CyclotomicField(4)
    A = ExactMatrix.from_rows([[1, K.zeta()], ["1/2", 0], [3, -1]], K)
    assert A[1, 0] == K.convert("1/2")
    assert A[[0, 2], [1]].tolist() == [[K.zeta()], [-1]]
    assert A.T.T == A and A.T.shape == (2, 3)
    assert A.vstack(A).shape == (6, 2) and A.hstack(A).shape == (3, 4)
    with pytest.raises(ShapeError):
        A @ A


def test_large_entries_stay_exact():
    big = 10**40
    A = ExactMatrix.from_rows([[big, 1], [1, big]], QQ)
    assert (A @ A)[0, 0] == big * big + 1
    assert certified_rank(A).rank == 2
    B = ExactMatrix.from_rows([[big, big + 1], [2 * big, 2 * big + 2]], QQ)
    res = certified_rank(B)
    assert str(res) == "rank = 1" and (B @ res.kernel).is_zero()


def test_rank_deficient_over_cyclotomic_field_with_denominators():
    K = CyclotomicField(12)
    rng = np.random.default_rng(11)
    A = random_matrix(rng, K, 9, 7, rank=4, den=6)
    res = certified_rank(A)
    assert res.rank == 4 == A.to_sympy().rank() and res.certified == "exact"
