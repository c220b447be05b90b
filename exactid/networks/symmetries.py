"""Affine symmetries of activation functions (docs/design.md, section 5).

An affine symmetry of σ is a pair of invertible affine maps ``A(t) = a t + b`` and
``B(y) = c y + d`` with ``σ(A(t)) = B(σ(t))`` for every real t.  They form a group under
``(A1, B1)·(A2, B2) = (A1∘A2, B1∘B2)``.

Two classes of σ are decided exactly:

* **σ' = P(σ)** with P a polynomial (tanh, logistic, exp, or any SymPy expression for which
  such a P exists -- it is detected from Taylor coefficients and then verified symbolically).
  Differentiating ``σ(a t + b) = c σ(t) + d`` gives ``a P(c u + d) = c P(u)`` on the range of σ,
  hence as polynomials; conversely both sides then solve ``y' = a P(y)`` and agree at t = 0
  when ``σ(b) = c σ(0) + d``, so they are equal.  Membership is decided with this criterion.
* **piecewise-linear** continuous σ with finitely many kinks (relu, leaky relu with a rational
  slope, hardtanh): ``σ∘A`` has kinks ``A⁻¹(K)`` and ``B∘σ`` has kinks K, so A permutes the kink
  set K; membership is decided exactly by comparing both sides at every breakpoint and one
  point beyond each end.

Anything else gives a group with ``status == "unknown"`` and the reason.

>>> g = affine_symmetries("tanh")
>>> g.status, len(g.elements())
('exact', 2)
>>> g.contains(Symmetry.from_numbers(-1, 0, -1, 0))
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from fractions import Fraction
from typing import Any, Optional, Sequence

import sympy

from ..errors import DomainError, InputError

T = sympy.Symbol("t", real=True)
_U = sympy.Symbol("u")
_MAX_DEGREE = 6


# --------------------------------------------------------------------------- affine maps
def _exact(value: Any) -> sympy.Expr:
    """A SymPy number; Fractions and floats are converted exactly (never approximated)."""
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    expr = sympy.sympify(value)
    return expr.xreplace({f: sympy.Rational(f) for f in expr.atoms(sympy.Float)})


@dataclass(frozen=True)
class AffineMap:
    """``t -> scale * t + shift`` with exact SymPy coefficients (scale != 0)."""

    scale: Any
    shift: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _exact(self.scale))
        object.__setattr__(self, "shift", _exact(self.shift))
        if self.scale == 0:
            raise DomainError("an affine symmetry needs an invertible map (scale != 0)")

    def __call__(self, t: Any) -> Any:
        return self.scale * t + self.shift

    def compose(self, inner: "AffineMap") -> "AffineMap":
        """``self ∘ inner``."""
        return AffineMap(sympy.simplify(self.scale * inner.scale), sympy.simplify(self.scale * inner.shift + self.shift))

    def inverse(self) -> "AffineMap":
        return AffineMap(sympy.simplify(1 / self.scale), sympy.simplify(-self.shift / self.scale))

    def is_rational(self) -> bool:
        return bool(self.scale.is_Rational and self.shift.is_Rational)

    def __str__(self) -> str:
        return f"{self.scale}*t + {self.shift}"


@dataclass(frozen=True)
class Symmetry:
    """A pair (A, B) with σ∘A = B∘σ (membership is checked by the group, not here)."""

    inner: AffineMap  # A, acting on pre-activations
    outer: AffineMap  # B, acting on activations

    @classmethod
    def from_numbers(cls, a: Any, b: Any, c: Any, d: Any) -> "Symmetry":
        """``A(t) = a t + b``, ``B(y) = c y + d``."""
        return cls(AffineMap(a, b), AffineMap(c, d))

    def compose(self, other: "Symmetry") -> "Symmetry":
        """``self·other``: apply ``other`` first (σ∘A1∘A2 = B1∘B2∘σ)."""
        return Symmetry(self.inner.compose(other.inner), self.outer.compose(other.outer))

    def inverse(self) -> "Symmetry":
        return Symmetry(self.inner.inverse(), self.outer.inverse())

    def numbers(self) -> tuple:
        return (self.inner.scale, self.inner.shift, self.outer.scale, self.outer.shift)

    def rational_numbers(self) -> tuple[Fraction, Fraction, Fraction, Fraction]:
        """(a, b, c, d) as Fractions; DomainError unless all four are rational."""
        if not (self.inner.is_rational() and self.outer.is_rational()):
            raise DomainError(f"symmetry {self} has irrational coefficients")
        return tuple(Fraction(int(x.p), int(x.q)) for x in self.numbers())  # type: ignore[return-value]

    def __str__(self) -> str:
        return f"(A: t -> {self.inner}, B: y -> {str(self.outer).replace('*t', '*y')})"


IDENTITY = Symmetry.from_numbers(1, 0, 1, 0)


# --------------------------------------------------------------------------- activations
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
    """Parse an activation: a known name or a SymPy expression in ``t`` (or ``x``).

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
        try:
            expr = sympy.sympify(text, locals={"t": T, "x": T})
        except (sympy.SympifyError, SyntaxError, TypeError, ValueError) as exc:
            raise InputError(f"activation: cannot parse {text!r} ({type(exc).__name__})") from None
        if not isinstance(expr, sympy.Expr) or expr.free_symbols - {T}:
            raise InputError(f"activation: {text!r} must be an expression in the single variable t")
        name = text
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
                bounds |= set(sympy.sympify(condition).as_set().boundary)
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


# --------------------------------------------------------------------------- groups
@dataclass
class Family:
    """One component of a symmetry group: ``elements(params)`` under ``conditions``."""

    params: tuple[sympy.Symbol, ...]
    symmetry: tuple  # (a, b, c, d) as SymPy expressions in params
    conditions: str = ""

    def describe(self) -> str:
        a, b, c, d = self.symmetry
        text = f"A(t) = {sympy.simplify(a * T + b)}, B(y) = {sympy.simplify(c * sympy.Symbol('y') + d)}"
        return text + (f" for {self.conditions}" if self.conditions else "")


@dataclass
class AffineSymmetryGroup:
    """The group of affine symmetries of one activation.

    ``status`` is 'exact' or 'unknown' (then ``reason`` says why).  ``families`` describe the
    group (finite groups: parameter-free families, one per element).
    """

    activation: Activation
    status: str
    families: list[Family] = field(default_factory=list)
    reason: str = ""

    # group operations on elements (membership is not implied; see contains())
    @staticmethod
    def identity() -> Symmetry:
        return IDENTITY

    @staticmethod
    def compose(first: Symmetry, second: Symmetry) -> Symmetry:
        """``first·second`` (apply ``second`` then ``first``)."""
        return first.compose(second)

    @staticmethod
    def inverse(element: Symmetry) -> Symmetry:
        return element.inverse()

    def is_finite(self) -> bool:
        return self.status == "exact" and all(not f.params for f in self.families)

    def elements(self) -> list[Symmetry]:
        """All elements of a finite group."""
        if not self.is_finite():
            raise DomainError(f"the symmetry group of {self.activation.name} is not finite (or not known)")
        return [Symmetry.from_numbers(*f.symmetry) for f in self.families]

    def contains(self, element: Symmetry) -> bool:
        """Exact membership test; DomainError if the group is unknown or undecidable here."""
        act = self.activation
        if self.status != "exact":
            raise DomainError(f"symmetries of {act.name} unknown: {self.reason}")
        if act.kind == "pl":
            return pl_symmetry_holds(act.pl, element)
        a, b, c, d = element.numbers()
        identity = sympy.Poly(sympy.expand(a * act.poly.as_expr().subs(_U, c * _U + d) - c * act.poly.as_expr()), _U)
        if not all(_is_zero(coeff) for coeff in identity.all_coeffs()):
            return False
        gap = act.expr.subs(T, b) - (c * act.expr.subs(T, 0) + d)
        return _is_zero(gap)

    def describe(self) -> str:
        if self.status != "exact":
            return f"unknown ({self.reason})"
        return "; ".join(f.describe() for f in self.families)

    def to_json(self) -> dict:
        out = {"activation": self.activation.name, "status": self.status,
               "finite": self.is_finite() if self.status == "exact" else None}
        if self.status == "exact":
            out["families"] = [{"params": [str(p) for p in f.params], "a": str(f.symmetry[0]),
                                "b": str(f.symmetry[1]), "c": str(f.symmetry[2]), "d": str(f.symmetry[3]),
                                "conditions": f.conditions, "text": f.describe()} for f in self.families]
            out["order"] = len(self.families) if self.is_finite() else "infinite"
        else:
            out["reason"] = self.reason
        if self.activation.kind == "ode":
            out["ode"] = f"σ' = {self.activation.poly.as_expr().subs(_U, sympy.Symbol('σ'))}"
        return out


def _is_zero(expr: sympy.Expr) -> bool:
    """Exact zero test for the constants met here (rational arguments of exp/tanh/...)."""
    if expr == 0:
        return True
    if expr.is_Rational:
        return False
    # cheap proof of nonzero first: evalf raises its working precision until the requested
    # digits are correct, so a value far from 0 at 30 digits is nonzero
    value = sympy.N(expr, 30)
    if value.is_Number and abs(value) > sympy.Float("1e-20"):
        return False
    simplified = sympy.simplify(expr)
    if simplified == 0:
        return True
    if simplified.is_Rational or simplified.is_zero is False:
        return False
    # Nonzero numerically with a guaranteed-accurate evaluation is a proof of nonzero;
    # SymPy evalf raises the working precision until the requested digits are correct.
    value = sympy.N(simplified, 50, maxn=400)
    if value.is_Number and abs(value) > sympy.Float("1e-40"):
        return False
    raise DomainError(f"cannot decide whether {simplified} is zero")


def pl_symmetry_holds(pl: PiecewiseLinear, element: Symmetry) -> bool:
    """σ(A t) == B(σ(t)) for all t, for rational A, B (irrational ones cannot permute rational kinks)."""
    try:
        a, b, c, d = element.rational_numbers()
    except DomainError:
        # an irrational A cannot map the rational kink set onto itself unless there are no kinks;
        if pl.kinks:
            return False
        raise
    points = set(pl.kinks) | {(k - b) / a for k in pl.kinks}
    low, high = (min(points), max(points)) if points else (Fraction(0), Fraction(0))
    points |= {low - 1, high + 1}
    return all(pl(a * t + b) == c * pl(t) + d for t in points)


def affine_symmetries(name_or_expr: Any) -> AffineSymmetryGroup:
    """The affine symmetry group of an activation (a name, an expression, or an Activation).

    >>> affine_symmetries("relu").describe()
    'A(t) = a*t, B(y) = a*y for a > 0'
    >>> affine_symmetries("exp").families[0].conditions
    'b real'
    """
    act = name_or_expr if isinstance(name_or_expr, Activation) else activation(name_or_expr)
    if act.kind == "pl":
        return AffineSymmetryGroup(act, "exact", _pl_families(act.pl))
    if act.kind == "ode":
        return AffineSymmetryGroup(act, "exact", _ode_families(act))
    return AffineSymmetryGroup(act, "unknown", reason=act.reason)


def _ode_families(act: Activation) -> list[Family]:
    a, c, d, b = sympy.symbols("a c d b")
    P = act.poly.as_expr()
    identity = sympy.Poly(sympy.expand(a * P.subs(_U, c * _U + d) - c * P), _U)
    equations = identity.coeffs() if not identity.is_zero else []
    solutions = sympy.solve(equations, [a, c, d], dict=True) if equations else [{}]
    sigma0 = act.expr.subs(T, 0)
    families = []
    for sol in solutions:
        av, cv, dv = (sol.get(s, s) for s in (a, c, d))
        if av == 0 or cv == 0:
            continue
        # b solves σ(b) = c σ(0) + d; σ is strictly monotone (σ' = P(σ) != 0 unless constant)
        target = sympy.simplify(cv * sigma0 + dv)
        free = sorted((av.free_symbols | cv.free_symbols | dv.free_symbols) & {a, c, d}, key=str)
        bv = _solve_shift(act.expr, target, b) if not free else _first_solution(act.expr, target, b)
        if bv is None:
            continue
        if free and len(free) == 1 and bv.free_symbols == set(free):
            # reparametrize by the shift b, which ranges over the reals (e.g. exp: c = e^b)
            inv = sympy.solve(sympy.Eq(bv, b), free[0])
            if inv:
                sub = {free[0]: inv[0]}
                families.append(Family((b,), tuple(sympy.simplify(x.subs(sub)) for x in (av, b, cv, dv)),
                                       "b real"))
                continue
        if free:
            conditions = ", ".join(f"{p} != 0" if p in (a, c) else f"{p} real" for p in free)
            families.append(Family(tuple(free), (av, bv, cv, dv), conditions))
        else:
            families.append(Family((), (av, bv, cv, dv)))
    families.sort(key=lambda f: (len(f.params), [str(x) for x in f.symmetry]), reverse=False)
    _identity_first(families)
    return families


def _first_solution(expr: sympy.Expr, target: sympy.Expr, b: sympy.Symbol) -> Optional[sympy.Expr]:
    solutions = sympy.solve(sympy.Eq(expr.subs(T, b), target), b)
    return sympy.simplify(solutions[0]) if solutions else None


def _solve_shift(expr: sympy.Expr, target: sympy.Expr, b: sympy.Symbol) -> Optional[sympy.Expr]:
    """The real b with σ(b) = target (unique: σ is strictly monotone), preferably rational."""
    try:
        solutions = sympy.solve(sympy.Eq(expr.subs(T, b), target), b)
    except NotImplementedError:
        solutions = []
    for candidate in solutions:
        value = sympy.N(candidate, 30)
        if abs(sympy.im(value)) > 1e-20:
            continue
        rational = sympy.nsimplify(sympy.re(value), rational=True, tolerance=1e-25)
        if rational.is_Rational and rational.q < 10**6 and _is_zero(expr.subs(T, rational) - target):
            return rational
        return sympy.simplify(sympy.re(candidate))
    return None


def _identity_first(families: list[Family]) -> None:
    for i, fam in enumerate(families):
        if not fam.params and tuple(fam.symmetry) == (1, 0, 1, 0):
            families.insert(0, families.pop(i))
            return


def _pl_families(pl: PiecewiseLinear) -> list[Family]:
    a = sympy.Symbol("a")
    ks = pl.kinks
    if not ks:  # affine σ(t) = s t + q: every invertible A, with B = σ∘A∘σ^{-1}
        s, q = sympy.Rational(pl.slopes[0]), sympy.Rational(pl.anchor_value)
        bsym = sympy.Symbol("b")
        return [Family((a, bsym), (a, bsym, a, s * bsym + q - a * q), "a != 0, b real")]
    if len(ks) == 1:
        k, v = sympy.Rational(ks[0]), sympy.Rational(pl(ks[0]))
        sl, sr = pl.slopes
        families = [Family((a,), (a, k - a * k, a, v - a * v), "a > 0")]
        if sl == -sr:  # reflections swap the two pieces only when the slopes are opposite
            families.append(Family((a,), (a, k - a * k, -a, v + a * v), "a < 0"))
        return families
    # >= 2 kinks: A permutes them preserving or reversing order, so A is id or the reflection
    families = [Family((), (1, 0, 1, 0))]
    lo, hi = ks[0], ks[-1]
    reflection = (Fraction(-1), lo + hi)
    if all(reflection[0] * k + reflection[1] in ks for k in ks):
        # B from two points with different σ values, then verified exactly
        points = [Fraction(x) for x in (lo - 1, lo, hi, hi + 1)]
        for t1 in points:
            for t2 in points:
                if pl(t1) != pl(t2):
                    y1, y2 = pl(reflection[0] * t1 + reflection[1]), pl(reflection[0] * t2 + reflection[1])
                    c = (y1 - y2) / (pl(t1) - pl(t2))
                    d = y1 - c * pl(t1)
                    cand = Symmetry.from_numbers(sympy.Rational(reflection[0]), sympy.Rational(reflection[1]),
                                                 sympy.Rational(c), sympy.Rational(d))
                    if c != 0 and pl_symmetry_holds(pl, cand):
                        families.append(Family((), cand.numbers()))
                    break
            else:
                continue
            break
    return families
