"""Affine symmetry groups of activations, checked against a numerical brute force."""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.cli.main import main
from exactid.errors import InputError
from exactid.networks.symmetries import IDENTITY, Symmetry, activation, affine_symmetries

NUMERIC = {
    "tanh": np.tanh,
    "logistic": lambda t: 1 / (1 + np.exp(-t)),
    "exp": np.exp,
    "relu": lambda t: np.maximum(t, 0),
    "hardtanh": lambda t: np.clip(t, -1, 1),
    "leaky_relu:1/10": lambda t: np.where(t > 0, t, t / 10),
    "leaky_relu:-1": np.abs,
}
GRID = [Fraction(x) for x in (-2, -1, Fraction(-1, 2), Fraction(1, 2), 1, 2)]
SHIFTS = [Fraction(x) for x in (-1, 0, 1, Fraction(1, 2))]


def numerically_symmetric(f, a, b, c, d) -> bool:
    t = np.linspace(-3, 3, 61)
    return bool(np.max(np.abs(f(float(a) * t + float(b)) - (float(c) * f(t) + float(d)))) < 1e-9)


@pytest.mark.parametrize("name", ["tanh", "logistic", "relu", "hardtanh", "leaky_relu:1/10", "leaky_relu:-1"])
def test_membership_matches_brute_force_on_a_rational_grid(name):
    group = affine_symmetries(name)
    for a, b, c in itertools.product(GRID, SHIFTS, GRID):
        for d in SHIFTS:
            exact = group.contains(Symmetry.from_numbers(sympy.Rational(a), sympy.Rational(b),
                                                         sympy.Rational(c), sympy.Rational(d)))
            assert exact == numerically_symmetric(NUMERIC[name], a, b, c, d), (name, a, b, c, d)


def test_groups_of_the_named_activations():
    tanh = affine_symmetries("tanh")
    assert tanh.status == "exact" and tanh.is_finite()
    assert {s.numbers() for s in tanh.elements()} == {(1, 0, 1, 0), (-1, 0, -1, 0)}
    logistic = affine_symmetries("logistic")
    assert {s.numbers() for s in logistic.elements()} == {(1, 0, 1, 0), (-1, 0, -1, 1)}
    relu = affine_symmetries("relu")
    assert not relu.is_finite() and len(relu.families) == 1 and relu.families[0].conditions == "a > 0"
    a = relu.families[0].params[0]
    assert relu.families[0].symmetry == (a, 0, a, 0)
    exp = affine_symmetries("exp")
    (family,) = exp.families
    b = family.params[0]
    assert family.symmetry == (1, b, sympy.exp(b), 0)  # translations, B(y) = e^b y
    assert exp.contains(Symmetry.from_numbers(1, 2, sympy.exp(2), 0))
    assert not exp.contains(Symmetry.from_numbers(1, 2, sympy.exp(2) + sympy.Rational(1, 10**30), 0))
    assert not exp.contains(Symmetry.from_numbers(2, 0, 2, 0))
    hardtanh = affine_symmetries("hardtanh")
    assert {s.numbers() for s in hardtanh.elements()} == {(1, 0, 1, 0), (-1, 0, -1, 0)}


def test_exp_translations_match_numerics():
    f = NUMERIC["exp"]
    for shift in (-1, Fraction(1, 3), 2):
        assert numerically_symmetric(f, 1, shift, math.exp(float(shift)), 0)
        assert affine_symmetries("exp").contains(Symmetry.from_numbers(1, sympy.Rational(shift),
                                                                       sympy.exp(sympy.Rational(shift)), 0))


def test_user_expressions_are_detected_and_verified():
    act = activation("2*tanh(t) + 1")
    assert act.kind == "ode"
    t = sympy.Symbol("t", real=True)
    assert sympy.simplify(sympy.diff(act.expr, t) - act.poly.as_expr().subs(sympy.Symbol("u"), act.expr)) == 0
    group = affine_symmetries("2*tanh(t) + 1")
    assert {s.numbers() for s in group.elements()} == {(1, 0, 1, 0), (-1, 0, -1, 2)}
    steep = affine_symmetries("1/(1+exp(-3*t))")
    assert {s.numbers() for s in steep.elements()} == {(1, 0, 1, 0), (-1, 0, -1, 1)}
    shifted = affine_symmetries("tanh(2*t + 1)")  # reflection about t = -1/2
    assert {s.numbers() for s in shifted.elements()} == {(1, 0, 1, 0), (-1, -1, -1, 0)}
    assert numerically_symmetric(lambda x: np.tanh(2 * x + 1), -1, -1, -1, 0)


@pytest.mark.parametrize("expr", ["sin(t)", "t**3", "log(1 + exp(t))", "atan(t)"])
def test_unknown_with_reason(expr):
    group = affine_symmetries(expr)
    assert group.status == "unknown" and "polynomial" in group.reason


def test_bad_input():
    with pytest.raises(InputError):
        activation("tanh(y)")
    with pytest.raises(InputError):
        activation("leaky_relu:abc")


positive = st.fractions(min_value=Fraction(1, 20), max_value=20)


@settings(max_examples=30, deadline=None)
@given(positive, positive, positive)
def test_group_laws_relu(x, y, z):
    group = affine_symmetries("relu")
    g, h, k = (Symmetry.from_numbers(sympy.Rational(v), 0, sympy.Rational(v), 0) for v in (x, y, z))
    assert all(group.contains(e) for e in (g, h, k))
    assert group.compose(group.compose(g, h), k) == group.compose(g, group.compose(h, k))
    assert group.compose(g, group.inverse(g)) == IDENTITY == group.compose(group.identity(), IDENTITY)
    assert group.compose(g, IDENTITY) == g
    assert group.contains(group.compose(g, h)) and group.contains(group.inverse(k))


@settings(max_examples=15, deadline=None)
@given(st.fractions(min_value=-3, max_value=3, max_denominator=7), st.fractions(min_value=-3, max_value=3, max_denominator=7))
def test_group_laws_exp(x, y):
    group = affine_symmetries("exp")
    g, h = (Symmetry.from_numbers(1, sympy.Rational(v), sympy.exp(sympy.Rational(v)), 0) for v in (x, y))
    gh = group.compose(g, h)
    assert group.contains(gh) and group.contains(group.inverse(g))
    assert sympy.simplify(group.compose(g, group.inverse(g)).outer.scale - 1) == 0


@pytest.mark.parametrize("name", ["tanh", "logistic", "hardtanh"])
def test_finite_groups_are_closed(name):
    group = affine_symmetries(name)
    elements = group.elements()
    for g, h, k in itertools.product(elements, repeat=3):
        assert group.compose(group.compose(g, h), k) == group.compose(g, group.compose(h, k))
        assert group.compose(g, h) in elements
    for g in elements:
        assert group.inverse(g) in elements and group.compose(g, group.inverse(g)) == IDENTITY


def test_cli_symmetries(capsys):
    assert main(["symmetries", "logistic", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "exact" and out["order"] == 2
    assert main(["symmetries", "sin(t)", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "undecided" and out["status"] == "unknown"
    assert main(["symmetries", "relu"]) == 0
    assert "a > 0" in capsys.readouterr().out
    assert main(["symmetries", "tanh(("]) == 2


def test_affine_activation_has_the_full_affine_group():
    group = affine_symmetries("2*t + 1")
    assert group.status == "exact" and not group.is_finite()
    assert group.contains(Symmetry.from_numbers(3, 5, 3, 8))  # 2(3t+5)+1 = 3(2t+1) + 8
    assert numerically_symmetric(lambda t: 2 * t + 1, 3, 5, 3, 8)
    assert not group.contains(Symmetry.from_numbers(3, 5, 3, 10))
    assert not group.contains(Symmetry.from_numbers(3, 5, 2, 8))
    assert "!= 0" in group.describe()


def test_piecewise_linear_sympy_expressions():
    relu = affine_symmetries("Max(t, 0)")
    assert relu.activation.kind == "pl" and relu.activation.pl == activation("relu").pl
    assert activation("Min(Max(t, -1), 1)").pl == activation("hardtanh").pl
    absolute = affine_symmetries("Abs(t)")
    assert absolute.contains(Symmetry.from_numbers(-3, 0, 3, 0)) and numerically_symmetric(np.abs, -3, 0, 3, 0)
    ramp = activation("Max(t, 0) - Max(t - 1/1000000000, 0)")  # two kinks 1e-9 apart
    assert ramp.pl.kinks == (0, Fraction(1, 10**9)) and ramp.pl.slopes == (0, 1, 0)
    with pytest.raises(InputError, match="discontinuous"):
        affine_symmetries("Heaviside(t)")
    assert affine_symmetries("Max(t, sqrt(2))").status == "unknown"
