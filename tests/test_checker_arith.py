"""The checker's arithmetic kernel against independent oracles (SymPy, exactid's domains)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.common import encode_matrix
from exactid.checker import arith, matrices
from exactid.checker.errors import Malformed
from exactid.domains import QQ, CyclotomicField, ExactMatrix

x = sympy.Symbol("x")


@pytest.mark.parametrize("n", list(range(1, 80)) + [105, 128, 210, 256, 385, 1024])
def test_cyclotomic_polynomial_and_totient(n):
    expected = sympy.Poly(sympy.cyclotomic_poly(n, x), x).all_coeffs()[::-1]
    assert arith.cyclotomic_poly(n) == [int(c) for c in expected]
    assert arith.totient(n) == sympy.totient(n)


def test_power_table_matches_polynomial_remainder():
    for n in (5, 8, 12, 15):
        phi = sympy.cyclotomic_poly(n, x)
        for t, row in enumerate(arith.reduce_power_table(n, 2 * n)):
            rem = sympy.Poly(sympy.rem(x**t, phi, x), x).all_coeffs()[::-1]
            assert row == [int(c) for c in rem] + [0] * (len(row) - len(rem))


def test_is_prime_matches_sympy():
    rng = random.Random(7)
    values = list(range(0, 3000)) + [rng.randrange(2**62) | 1 for _ in range(300)] + [2**61 - 1, 2**64 - 59]
    assert all(arith.is_prime(v) == sympy.isprime(v) for v in values)


def test_check_root():
    arith.check_root(8, 17, 2)  # 2 has order 8 mod 17
    for n, p, root in [(8, 17, 4), (8, 18, 2), (3, 17, 2), (1, 2**64 + 13, 1)]:
        with pytest.raises(Malformed):
            arith.check_root(n, p, root)


@pytest.mark.parametrize("text", ["1_0", " 1", "1 ", "+1", "1.5", "1e3", "١", "", "1/", "/2", "1/-2", "0x10"])
def test_strict_rational_parsing(text):
    with pytest.raises(Malformed):
        arith.rational(text, "v")


def test_rational_and_integer_parsing():
    assert arith.rational("-6/4", "v") == sympy.Rational(-3, 2)
    assert arith.integer("-" + "9" * 6000, "v") == -(10**6000 - 1)
    for bad in (True, 1.0, None, [1], "1/2"):
        with pytest.raises(Malformed):
            arith.integer(bad, "v")
    with pytest.raises(Malformed, match="zero denominator"):
        arith.rational("1/0", "v")


@pytest.mark.parametrize("name,n", [("QQ", 1), ("QQ(zeta_8)", 8), ("QQ(zeta_65536)", 65536)])
def test_parse_field(name, n):
    assert matrices.parse_field(name) == n


@pytest.mark.parametrize("name", ["QQ(zeta_0)", "QQ(zeta_65537)", "QQ(zeta_08)", "qq", None, 5, "QQ(zeta_8) "])
def test_parse_field_rejects(name):
    with pytest.raises(Malformed):
        matrices.parse_field(name)


def field_matrix(rng, n, rows, cols, rational=False):
    field = QQ if n == 1 else CyclotomicField(n)
    d = field.degree
    arr = rng.integers(-4, 5, size=(rows, cols) if d == 1 else (rows, cols, d))
    return ExactMatrix.from_integers(arr, field, den=int(rng.integers(1, 6)) if rational else 1)


@settings(max_examples=40)
@given(st.sampled_from([1, 3, 4, 5, 8, 9, 12, 15]), st.integers(0, 4), st.integers(0, 4), st.integers(0, 4),
       st.integers(0, 2**32), st.booleans())
def test_product_and_equality_match_exactid_domains(n, rows, inner, cols, seed, rational):
    """decode/product/equal recompute what exactid's independent ExactMatrix computes."""
    rng = np.random.default_rng(seed)
    a, b = field_matrix(rng, n, rows, inner, rational), field_matrix(rng, n, inner, cols, rational)
    ca, cb, cab = (matrices.decode(encode_matrix(m)) for m in (a, b, a @ b))
    assert matrices.equal(matrices.product(ca, cb), cab)
    if rows and cols:
        changed = (a @ b).tolist()
        bumped = ExactMatrix.from_rows(changed, a.field) + ExactMatrix.from_integers(
            np.eye(rows, cols, dtype=np.int64) if n == 1 else
            np.eye(rows, cols, dtype=np.int64)[:, :, None] * np.eye(1, a.field.degree, dtype=np.int64)[0], a.field)
        assert not matrices.equal(matrices.product(ca, cb), matrices.decode(encode_matrix(bumped)))


def test_decode_refuses_oversized_inputs_up_front():
    with pytest.raises(Malformed, match="unsupported shape"):
        matrices.decode({"field": "QQ", "shape": [10**5, 10**5], "entries": []})
    with pytest.raises(Malformed, match="unsupported shape"):
        matrices.decode({"field": "QQ(zeta_65536)", "shape": [2000, 2000], "entries": []})
    with pytest.raises(Malformed, match="entries"):
        matrices.decode({"field": "QQ", "shape": [2, 2], "entries": [[1, 2], [3]]})
    primes = list(sympy.primerange(10**6, 10**6 + 20000))[:1000]
    big = {"field": "QQ", "shape": [1000, 1], "entries": [[f"1/{p}"] for p in primes]}
    old = matrices.MAX_NUMERATOR_BITS
    matrices.MAX_NUMERATOR_BITS = 1 << 20
    try:
        with pytest.raises(Malformed, match="common denominator"):
            matrices.decode(big)
    finally:
        matrices.MAX_NUMERATOR_BITS = old
