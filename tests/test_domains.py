"""One generic test run over every exact domain: Q, Q(zeta_n) for several n, and F_p."""

from fractions import Fraction

import flint
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.domains import QQ, CyclotomicField, PrimeField, Reduction, euler_phi
from exactid.domains.finite import primitive_roots, split_primes
from exactid.errors import DomainError, InputError, NotInvertibleError

CONDUCTORS = [1, 2, 3, 4, 5, 7, 8, 12, 15, 16, 32, 64]
small_rationals = st.fractions(min_value=-20, max_value=20, max_denominator=12)


def elements(field):
    """Hypothesis strategy of elements of ``field``."""
    if isinstance(field, PrimeField):
        return st.integers(0, field.p - 1).map(field.convert)
    if field is QQ:
        return small_rationals.map(QQ.convert)
    return st.lists(small_rationals, min_size=field.degree, max_size=field.degree).map(field.from_coefficients)


DOMAINS = [QQ] + [CyclotomicField(n) for n in CONDUCTORS] + [PrimeField(101), PrimeField((1 << 61) - 1)]


@pytest.mark.parametrize("field", DOMAINS, ids=lambda f: f.name)
@settings(max_examples=40)
@given(data=st.data())
def test_field_laws(field, data):
    a, b, c = (data.draw(elements(field)) for _ in range(3))
    zero, one = field.zero, field.one
    assert a + b == b + a and a * b == b * a
    assert (a + b) + c == a + (b + c)
    assert (a * b) * c == a * (b * c)
    assert a * (b + c) == a * b + a * c
    assert a + zero == a and a * one == a
    assert a - a == zero
    if a != zero:
        assert a * (one / a) == one


@pytest.mark.parametrize("n", CONDUCTORS)
def test_degree_is_totient(n):
    K = CyclotomicField(n)
    assert K.degree == euler_phi(n) == sympy.totient(n)
    assert K.zeta() ** n == 1
    for q in sympy.primefactors(n):
        assert K.zeta() ** (n // q) != 1


@pytest.mark.parametrize("n", [3, 4, 5, 8, 12, 16])
@settings(max_examples=25)
@given(data=st.data())
def test_conjugation_is_a_field_automorphism_matching_complex_conjugate(n, data):
    K = CyclotomicField(n)
    a, b = data.draw(elements(K)), data.draw(elements(K))
    assert (a * b).conjugate() == a.conjugate() * b.conjugate()
    assert (a + b).conjugate() == a.conjugate() + b.conjugate()
    assert a.conjugate().conjugate() == a
    assert abs(a.conjugate().to_complex() - a.to_complex().conjugate()) < 1e-9 * (1 + abs(a.to_complex()))


@pytest.mark.parametrize("n", [4, 8, 12, 16, 20, 24])
def test_cos_sin_constructors_match_floats_and_pythagoras(n):
    import math

    K = CyclotomicField(n)
    for k in range(n):
        c, s = K.cos(k), K.sin(k)
        assert abs(c.to_complex() - math.cos(2 * math.pi * k / n)) < 1e-12
        assert abs(s.to_complex() - math.sin(2 * math.pi * k / n)) < 1e-12
        assert c * c + s * s == 1


def test_sin_outside_the_field_is_refused():
    with pytest.raises(DomainError, match="not in"):
        CyclotomicField(5).sin(1)
    assert CyclotomicField(6).sin(3) == 0  # sin(pi) = 0 is rational


@pytest.mark.parametrize("n", [3, 5, 8, 12])
@settings(max_examples=25)
@given(data=st.data())
def test_arithmetic_agrees_with_sympy_cyclotomic_field(n, data):
    K = CyclotomicField(n)
    S = K.sympy_field()
    a, b = data.draw(elements(K)), data.draw(elements(K))
    sa, sb = K.to_sympy(a), K.to_sympy(b)
    assert K.from_sympy(sa * sb) == a * b
    assert K.from_sympy(sa + sb) == a + b
    if not b.is_zero():
        assert K.from_sympy(S.quo(sa, sb)) == a / b


def test_division_by_zero_is_typed():
    with pytest.raises(NotInvertibleError):
        CyclotomicField(8).zero.inverse()


@pytest.mark.parametrize("bad", [0, -3, 2.5, "8", True])
def test_bad_conductor(bad):
    with pytest.raises(InputError):
        CyclotomicField(bad)


@pytest.mark.parametrize("value,expected", [("3/6", Fraction(1, 2)), (0.25, Fraction(1, 4)), (7, Fraction(7)),
                                            (sympy.Rational(2, 3), Fraction(2, 3))])
def test_rational_conversion_is_exact(value, expected):
    q = QQ.convert(value)
    assert Fraction(int(q.p), int(q.q)) == expected


@pytest.mark.parametrize("bad", ["abc", "1/0", float("nan"), float("inf"), [1, 2], None])
def test_non_rational_input_is_refused(bad):
    with pytest.raises(InputError):
        QQ.convert(bad)


@pytest.mark.parametrize("n", [1, 3, 8, 12, 16, 128])
def test_split_primes_and_roots(n):
    primes = split_primes(n, 3)
    assert len(set(primes)) == 3
    for p in primes:
        assert sympy.isprime(p) and (p - 1) % n == 0 and p < 2**62
        roots = primitive_roots(n, p)
        assert len(set(roots)) == euler_phi(n)
        for r in roots:
            assert sympy.n_order(r, p) == n if n > 1 else r == 1


@pytest.mark.parametrize("n", [3, 8, 12])
@settings(max_examples=25)
@given(data=st.data())
def test_reduction_is_a_ring_map(n, data):
    K = CyclotomicField(n)
    red = Reduction.for_field(K, index=data.draw(st.integers(0, 2)))
    a, b = data.draw(elements(K)), data.draw(elements(K))
    p = red.p
    assert red.element(a * b) == red.element(a) * red.element(b) % p
    assert red.element(a + b) == (red.element(a) + red.element(b)) % p


def test_reduction_checks():
    assert pow(2, 8, 17) == 1 and pow(2, 4, 17) != 1
    Reduction(8, 17, 2)
    with pytest.raises(DomainError):
        Reduction(8, 17, 4)  # order 4
    with pytest.raises(DomainError):
        Reduction(8, 19, 2)  # 19 is not 1 mod 8
    with pytest.raises(DomainError):
        Reduction(3, 7, 2).element(QQ.convert("1/7"))
