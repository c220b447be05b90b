"""Activations: names and parsed expressions classified for the symmetry computations.

An activation is a known name (``relu``, ``tanh``, ``logistic``/``sigmoid``, ``exp``,
``hardtanh``, ``identity``, ``leaky_relu:P/Q``) or an expression in ``t`` read by the
whitelisted parser of :mod:`exactid.networks.expression` (never evaluated).  It is classified as

* ``'ode'``: σ' = P(σ) for a polynomial P (detected from Taylor coefficients, then verified
  symbolically);
* ``'pl'``: continuous piecewise linear with rational kinks and slopes;
* ``'other'``: anything else, with the reason.

>>> activation("tanh").kind, activation("relu").kind
('ode', 'pl')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from fractions import Fraction
from typing import Any, Optional, Sequence

import sympy
from sympy.logic.boolalg import Boolean

from ..errors import DomainError, InputError
from .expression import T, parse_activation

_U = sympy.Symbol("u")
_MAX_DEGREE = 6

@dataclass(frozen=True)
class PiecewiseLinear:
    """Continuous piecewise-linear σ: sorted kinks, ``len(kinks)+1`` slopes, σ(kinks[0]) (or σ(0))."""

    kinks: tuple[Fraction, ...]
    slopes: tuple[Fraction, ...]
    anchor_value: Fraction  # σ(kinks[0]) if there are kinks, else σ(0)

    def __call__(self, t: Fraction) -> Fraction:
        t = Fraction(t)
        if not self.kinks:
            return self.anchor_value + self.slopes[0] * t
        value, position = self.anchor_value, self.kinks[0]
        if t <= position:
            return value + self.slopes[0] * (t - position)
        for k, right in enumerate(self.kinks[1:], start=1):
            if t <= right:
                return value + self.slopes[k] * (t - position)
            value, position = value + self.slopes[k] * (right - position), right
        return value + self.slopes[-1] * (t - position)


def _pl(kinks: Sequence[Any], slopes: Sequence[Any], anchor: Any) -> PiecewiseLinear:
    ks = tuple(Fraction(k) for k in kinks)
    ss = tuple(Fraction(s) for s in slopes)
    if list(ks) != sorted(set(ks)) or len(ss) != len(ks) + 1:
        raise InputError("piecewise-linear activation: kinks must be increasing, one more slope than kinks")
    if any(ss[i] == ss[i + 1] for i in range(len(ks))):
        raise InputError("piecewise-linear activation: equal slopes on both sides of a kink")
    return PiecewiseLinear(ks, ss, Fraction(anchor))


@dataclass
class Activation:
    """A named activation: ``kind`` is 'ode' (σ' = P(σ)), 'pl' (piecewise linear) or 'other'."""

    name: str
    kind: str
    expr: Optional[sympy.Expr] = None  # σ(t) for 'ode' and 'other'
    poly: Optional[sympy.Poly] = None  # P for 'ode'
    pl: Optional[PiecewiseLinear] = None
    reason: str = ""


def parse_rational(text: str, what: str) -> Fraction:
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{what}: not a rational number: {text!r}") from None


@lru_cache(maxsize=64)
def activation(name_or_expr: str) -> Activation:
    """Parse an activation: a known name or an expression in ``t`` (or ``x``).

    Expressions use the whitelisted grammar of :func:`exactid.networks.expression.parse_activation`;
    they must be defined and continuous on all of R.

    Names: ``relu``, ``tanh``, ``logistic`` (alias ``sigmoid``), ``exp``, ``hardtanh``,
    ``identity``, ``leaky_relu:P/Q`` (slope P/Q for t < 0, default 1/100 without a slope).

    >>> activation("leaky_relu:1/10").pl.slopes
    (Fraction(1, 10), Fraction(1, 1))
    >>> str(activation("2*tanh(t) + 1").poly.as_expr())
    '-u**2/2 + u + 3/2'
    """
    if not isinstance(name_or_expr, str) or not name_or_expr.strip():
        raise InputError("activation: expected a name or an expression")
    text = name_or_expr.strip()
    low = text.lower()
    if low == "relu":
        return Activation("relu", "pl", pl=_pl([0], [0, 1], 0))
    if low == "hardtanh":
        return Activation("hardtanh", "pl", pl=_pl([-1, 1], [0, 1, 0], -1))
    if low == "identity":
        return Activation("identity", "pl", pl=_pl([], [1], 0))
    if low.startswith("leaky_relu"):
        slope = parse_rational(low.partition(":")[2], "leaky_relu slope") if ":" in low else Fraction(1, 100)
        if slope == 1:
            raise InputError("leaky_relu:1 is the identity; use 'identity'")
        return Activation(f"leaky_relu:{slope}", "pl", pl=_pl([0], [slope, 1], 0))
    known = {"tanh": sympy.tanh(T), "logistic": 1 / (1 + sympy.exp(-T)), "sigmoid": 1 / (1 + sympy.exp(-T)),
             "exp": sympy.exp(T)}
    if low in known:
        expr, name = known[low], ("logistic" if low == "sigmoid" else low)
    else:
        expr, name = parse_activation(text), text
    return _classify(name, expr)


def _classify(name: str, expr: sympy.Expr) -> Activation:
    if T not in expr.free_symbols:
        return Activation(name, "other", expr=expr, reason="constant function: every B fixing it works")
    if expr.has(sympy.Max, sympy.Min, sympy.Abs, sympy.Piecewise, sympy.Heaviside):
        pl, reason = detect_piecewise_linear(expr)
        if pl is None:
            return Activation(name, "other", expr=expr, reason=reason)
        return Activation(name, "pl", expr=expr, pl=pl)
    poly = detect_ode(expr)
    if poly is None:
        return Activation(name, "other", expr=expr,
                          reason=f"no polynomial P of degree <= {_MAX_DEGREE} with σ' = P(σ) "
                                 "(and not a recognized piecewise-linear name)")
    return Activation(name, "ode", expr=expr, poly=poly)


def detect_piecewise_linear(expr: sympy.Expr) -> tuple[Optional[PiecewiseLinear], str]:
    """A continuous piecewise-linear σ written with Max/Min/Abs/Piecewise/Heaviside, or (None, reason).

    After rewriting to one Piecewise, every condition is a union of intervals whose endpoints
    B we collect; between consecutive points of B one linear piece applies, so σ is read off
    exactly from rational evaluations and continuity is checked at every point of B.
    """
    try:
        folded = sympy.piecewise_fold(expr.rewrite(sympy.Piecewise))
        pieces = folded.args if isinstance(folded, sympy.Piecewise) else ((folded, True),)
        bounds: set = set()
        for value, condition in pieces:
            poly = sympy.Poly(value, T)
            if poly.degree() > 1 or not all(c.is_Rational for c in poly.all_coeffs()):
                return None, "a piece is not linear with rational coefficients"
            if condition is not sympy.true and condition is not True:
                if not isinstance(condition, Boolean):
                    return None, "not recognized as piecewise linear"
                bounds |= set(condition.as_set().boundary)
    except (sympy.PolynomialError, NotImplementedError, TypeError, ValueError, AttributeError):
        return None, "not recognized as piecewise linear"
    if not all(b.is_Rational for b in bounds):
        return None, "breakpoints are not rational"
    points = sorted(Fraction(int(b.p), int(b.q)) for b in bounds)

    def value(t: Fraction) -> Fraction:
        v = expr.subs(T, sympy.Rational(t.numerator, t.denominator))
        if not v.is_Rational:
            raise DomainError("σ is not rational at a rational point")
        return Fraction(int(v.p), int(v.q))

    inner = ([points[0] - 1] if points else [Fraction(0)]) + \
        [(points[k] + points[k + 1]) / 2 for k in range(len(points) - 1)] + ([points[-1] + 1] if points else [])
    # a step that stays inside each open interval (a quarter of its width; 1/2 on the ends)
    steps = [Fraction(1, 2)] + [(points[k + 1] - points[k]) / 4 for k in range(len(points) - 1)] + \
        ([Fraction(1, 2)] if points else [])
    slopes = [(value(t + h) - value(t)) / h for t, h in zip(inner, steps)]
    for k, b in enumerate(points):  # continuity: both neighbouring pieces meet σ(b)
        for side, t in ((k, inner[k]), (k + 1, inner[k + 1])):
            if value(t) + slopes[side] * (b - t) != value(b):
                return None, "discontinuous at a breakpoint"
    kinks = [b for k, b in enumerate(points) if slopes[k] != slopes[k + 1]]
    merged = [slopes[0]] + [slopes[k + 1] for k, b in enumerate(points) if slopes[k] != slopes[k + 1]]
    if not kinks:
        return _pl([], merged[:1], value(Fraction(0))), ""
    if len(set(merged)) == 1:
        return None, "not recognized as piecewise linear"
    return _pl(kinks, merged, value(kinks[0])), ""


def detect_ode(expr: sympy.Expr, max_degree: int = _MAX_DEGREE) -> Optional[sympy.Poly]:
    """P with ``expr' == P(expr)`` exactly, or None.

    For degrees 0, 1, ..., candidate coefficients come from Taylor coefficients at a regular
    point (a small linear system); a candidate is then verified symbolically, so a returned
    P is exact.  None means: no such P of degree <= ``max_degree`` (or none verified).
    """
    derivative = sympy.diff(expr, T)
    s = sympy.Symbol("s")
    for t0 in (sympy.Integer(0), sympy.Rational(1, 3), sympy.Integer(1)):
        value = expr.subs(T, t0)
        if not value.is_finite:
            continue
        try:
            order = max_degree + 3
            sigma_series = sympy.series(expr.subs(T, t0 + s), s, 0, order).removeO()
            deriv_series = sympy.series(derivative.subs(T, t0 + s), s, 0, order).removeO()
            if not sigma_series.is_polynomial(s) or not deriv_series.is_polynomial(s):
                continue
            sigma_poly = sympy.Poly(sigma_series, s)
            deriv_poly = sympy.Poly(deriv_series, s)
        except (NotImplementedError, ValueError, TypeError, sympy.PolynomialError):
            continue
        truncate = lambda poly: sympy.Poly(sum(poly.coeff_monomial(s ** k) * s ** k for k in range(order)), s)
        powers = [sympy.Poly(1, s)]
        for degree in range(max_degree + 1):
            if degree:
                powers.append(truncate(powers[-1] * sigma_poly))
            coeffs = sympy.symbols(f"p0:{degree + 1}")
            rows = [[powers[j].coeff_monomial(s ** k) for j in range(degree + 1)] for k in range(degree + 3)]
            rhs = [deriv_poly.coeff_monomial(s ** k) for k in range(degree + 3)]
            solution = sympy.linsolve((sympy.Matrix(rows), sympy.Matrix(rhs)), *coeffs)
            if not solution:
                continue
            values = [sympy.nsimplify(sympy.simplify(v)) for v in next(iter(solution))]
            values = [v.subs({p: 0 for p in coeffs}) for v in values]
            candidate = sympy.Poly(sum(v * _U ** k for k, v in enumerate(values)), _U)
            check = sympy.simplify(derivative - candidate.as_expr().subs(_U, expr))
            if check == 0 or sympy.simplify(sympy.expand(check.rewrite(sympy.exp))) == 0:
                return candidate
        return None
    return None
