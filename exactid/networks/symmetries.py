"""Affine symmetry groups of activation functions.

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
from fractions import Fraction
from typing import Any, Optional

import sympy

from ..errors import DomainError, InputError
from .activations import _U, Activation, PiecewiseLinear, activation, detect_ode, detect_piecewise_linear, parse_rational
from .expression import T

__all__ = ["AffineMap", "Symmetry", "IDENTITY", "Family", "AffineSymmetryGroup", "affine_symmetries",
           "pl_symmetry_holds", "Activation", "PiecewiseLinear", "activation", "detect_ode",
           "detect_piecewise_linear", "parse_rational"]


# --------------------------------------------------------------------------- affine maps
def _exact(value: Any) -> sympy.Expr:
    """A SymPy number; Fractions and floats are converted exactly (never approximated)."""
    if isinstance(value, bool):
        raise InputError("an affine map coefficient must be a number, not a boolean")
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise InputError("an affine map coefficient must be finite")
        return sympy.Rational(*value.as_integer_ratio())
    if isinstance(value, str):  # "p/q" text is read as a rational, never evaluated
        return _exact(parse_rational(value, "affine map coefficient"))
    if not isinstance(value, sympy.Expr):
        raise InputError(f"an affine map coefficient must be a number, got {type(value).__name__}")
    return value.xreplace({f: sympy.Rational(*float(f).as_integer_ratio()) for f in value.atoms(sympy.Float)})


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
        families = _ode_families(act)
        # the identity is always a symmetry: a finite list without it means SymPy's solving missed
        # solutions, so the group is reported unknown rather than wrong (never of order 0)
        if not any(f.params for f in families) and not any(tuple(f.symmetry) == (1, 0, 1, 0) for f in families):
            return AffineSymmetryGroup(act, "unknown", reason="the symmetry equations could not be solved completely")
        return AffineSymmetryGroup(act, "exact", families)
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
