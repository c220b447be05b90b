"""A whitelisted parser of activation expressions: user text in, SymPy expression out.

User text is never evaluated: it is parsed by :func:`ast.parse` (which only builds a tree)
and each node of a small grammar is turned into a SymPy object here.  The grammar:

- numbers: integer and decimal literals (decimals are read exactly, ``0.1`` is 1/10);
- the variable ``t`` (``x`` is accepted as an alias) and the constants ``pi`` and ``E``;
- ``+ - * / **`` (``^`` is read as ``**``), unary ``+``/``-`` and parentheses;
- calls of the functions in :data:`FUNCTIONS` (``relu(u)`` is ``Max(u, 0)``).

Anything else (attributes, subscripts, keywords, other names, strings, lambdas, ...) is
refused with :class:`~exactid.errors.InputError`.  Limits (:data:`MAX_LENGTH`,
:data:`MAX_DEPTH`, :data:`MAX_NODES`, :data:`MAX_LITERAL_DIGITS`, :data:`MAX_EXPONENT`,
:data:`MAX_CONSTANT_BITS`) bound the work any text can cause.

The result must be defined and continuous on all of R; otherwise the reason is given
(``1/t`` divides by zero at t = 0, ``log(t)`` is undefined for t <= 0, ``tan`` has poles).

>>> parse_activation("2*tanh(t) + 1")
2*tanh(t) + 1
>>> parse_activation("relu(x) - relu(x - 1)")
Max(0, t) - Max(0, t - 1)
>>> parse_activation('__import__("os").system("echo PWNED") + t')
Traceback (most recent call last):
...
exactid.errors.InputError: activation: function calls must name one of the allowed functions (abs, asinh, atan, cos, cosh, erf, exp, log, max, min, relu, sin, sinh, sqrt, tanh)
"""

from __future__ import annotations

import ast
from fractions import Fraction
from typing import Callable

import sympy

from ..errors import InputError

T = sympy.Symbol("t", real=True)

MAX_LENGTH = 1000
"""Longest accepted expression text (characters)."""
MAX_DEPTH = 40
"""Deepest accepted expression tree (nested operations and calls)."""
MAX_NODES = 400
"""Most syntax nodes in one expression."""
MAX_LITERAL_DIGITS = 60
"""Most digits in one numeric literal."""
MAX_EXPONENT = 64
"""Largest |numerator| and denominator of a constant exponent."""
MAX_CONSTANT_BITS = 4096
"""Largest numerator or denominator (in bits) of a rational constant met while building."""


def _relu(u: sympy.Expr) -> sympy.Expr:
    return sympy.Max(u, 0)


def _max(*args: sympy.Expr) -> sympy.Expr:
    return sympy.Max(*args)


def _min(*args: sympy.Expr) -> sympy.Expr:
    return sympy.Min(*args)


# name -> (SymPy builder, number of arguments: an int, or None for 2 or more)
FUNCTIONS: dict[str, tuple[Callable[..., sympy.Expr], int | None]] = {
    "exp": (sympy.exp, 1), "log": (sympy.log, 1), "tanh": (sympy.tanh, 1), "sinh": (sympy.sinh, 1),
    "cosh": (sympy.cosh, 1), "sin": (sympy.sin, 1), "cos": (sympy.cos, 1), "atan": (sympy.atan, 1),
    "asinh": (sympy.asinh, 1), "erf": (sympy.erf, 1), "sqrt": (sympy.sqrt, 1), "abs": (sympy.Abs, 1),
    "max": (_max, None), "min": (_min, None), "relu": (_relu, 1),
}
ALIASES = {"Abs": "abs", "Max": "max", "Min": "min", "ln": "log", "arctan": "atan", "arcsinh": "asinh"}
REFUSED = {
    "tan": "tan has poles at pi/2 + k*pi", "cot": "cot has poles at k*pi", "sec": "sec has poles",
    "csc": "csc has poles", "coth": "coth has a pole at 0", "csch": "csch has a pole at 0",
    "asin": "asin is defined on [-1, 1] only", "acos": "acos is defined on [-1, 1] only",
    "acosh": "acosh is defined on [1, oo) only", "atanh": "atanh is defined on (-1, 1) only",
    "heaviside": "Heaviside is discontinuous at 0", "sign": "sign is discontinuous at 0",
    "floor": "floor is discontinuous", "ceiling": "ceiling is discontinuous", "ceil": "ceil is discontinuous",
}
CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
VARIABLES = ("t", "x")


def _fail(message: str) -> InputError:
    return InputError(f"activation: {message}")


class _Builder:
    """Walks the whitelisted AST and builds SymPy objects, checking the limits on the way."""

    def __init__(self) -> None:
        self.nodes = 0

    def build(self, node: ast.AST, depth: int) -> sympy.Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _fail(f"expression has more than {MAX_NODES} syntax nodes")
        if depth > MAX_DEPTH:
            raise _fail(f"expression nested deeper than {MAX_DEPTH} levels")
        expr = self._node(node, depth + 1)
        if expr.is_Rational and max(abs(int(expr.p)), int(expr.q)).bit_length() > MAX_CONSTANT_BITS:
            raise _fail(f"a constant exceeds {MAX_CONSTANT_BITS} bits")
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise _fail("expression is undefined (division by zero or an infinite value)")
        return expr

    def _node(self, node: ast.AST, depth: int) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return _literal(node.value)
        if isinstance(node, ast.Name):
            if node.id in VARIABLES:
                return T
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise _fail(f"unknown name {node.id!r} (the variable is t; constants: pi, E)")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
            operand = self.build(node.operand, depth)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        raise _fail(f"{type(node).__name__.lower()} is not allowed (only numbers, t, + - * / ** and functions)")

    def _binop(self, node: ast.BinOp, depth: int) -> sympy.Expr:
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise _fail("division by zero")
            return left / right
        if isinstance(node.op, (ast.Pow, ast.BitXor)):
            return _power(left, right)
        raise _fail(f"operator {type(node.op).__name__} is not allowed (only + - * / **)")

    def _call(self, node: ast.Call, depth: int) -> sympy.Expr:
        if not isinstance(node.func, ast.Name):
            raise _fail("function calls must name one of the allowed functions (" + ", ".join(sorted(FUNCTIONS)) + ")")
        name = ALIASES.get(node.func.id, node.func.id)
        if name.lower() in REFUSED:
            raise _fail(f"{node.func.id} is refused: {REFUSED[name.lower()]}; the activation must be defined "
                        "and continuous on all of R")
        if name not in FUNCTIONS:
            raise _fail(f"unknown function {node.func.id!r} (allowed: " + ", ".join(sorted(FUNCTIONS)) + ")")
        if node.keywords:
            raise _fail(f"{name}() takes no keyword arguments")
        builder, arity = FUNCTIONS[name]
        if (arity is not None and len(node.args) != arity) or (arity is None and len(node.args) < 2):
            wanted = f"{arity}" if arity is not None else "at least 2"
            raise _fail(f"{name}() takes {wanted} argument{'s' if arity != 1 else ''}, got {len(node.args)}")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise _fail("starred arguments are not allowed")
        return builder(*(self.build(a, depth) for a in node.args))


def _literal(value: object) -> sympy.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"only numeric literals are allowed, got {type(value).__name__}")
    if isinstance(value, float):
        # decimal text is read exactly (Fraction of repr: 0.1 -> 1/10); inf and nan are refused
        text = repr(value)
        if text in ("inf", "nan"):
            raise _fail("infinite literal")
        fraction = Fraction(text)
        return sympy.Rational(fraction.numerator, fraction.denominator)
    return sympy.Integer(value)


def _power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    if exponent.is_Rational:
        if abs(int(exponent.p)) > MAX_EXPONENT or int(exponent.q) > MAX_EXPONENT:
            raise _fail(f"exponents are limited to p/q with |p|, q <= {MAX_EXPONENT}")
        if base == 0 and exponent < 0:
            raise _fail("division by zero")
        return base ** exponent
    if T in exponent.free_symbols and not (T not in base.free_symbols and base.is_positive):
        raise _fail("a variable exponent needs a positive constant base (write exp(...) otherwise)")
    if T not in exponent.free_symbols and T not in base.free_symbols:
        raise _fail("irrational powers of constants are not supported")
    return base ** exponent


def _check_length(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise _fail(f"expression longer than {MAX_LENGTH} characters ({len(text)})")
    for k, char in enumerate(text):
        if not (char.isprintable() or char in " \t"):
            raise _fail(f"unexpected control character at position {k}")
    digits = 0
    for char in text:
        digits = digits + 1 if char.isdigit() else 0
        if digits > MAX_LITERAL_DIGITS:
            raise _fail(f"a numeric literal has more than {MAX_LITERAL_DIGITS} digits")


def parse_expression(text: str) -> sympy.Expr:
    """SymPy expression in ``T`` for ``text`` (the whitelisted grammar above), without domain checks."""
    if not isinstance(text, str):
        raise _fail("expected a string")
    _check_length(text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        detail = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
        raise _fail(f"cannot parse {text!r} ({detail})") from None
    try:
        return _Builder().build(tree.body, 0)
    except RecursionError:
        raise _fail("expression nested too deeply") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, InputError):
            raise
        raise _fail(f"cannot build {text!r} ({type(exc).__name__})") from None


def domain_problem(expr: sympy.Expr) -> str | None:
    """Why ``expr`` is not defined and continuous on all of R, or None when it is.

    Partial operations (division, log, sqrt, fractional or negative powers) need their
    argument of constant sign (SymPy's assumptions, with t real); otherwise SymPy's
    ``continuous_domain`` of the subexpression must be all of R.
    """
    for sub in sympy.preorder_traversal(expr):
        if T not in sub.free_symbols:
            continue
        if isinstance(sub, sympy.Pow) and sub.exp.is_Rational and not (sub.exp.is_integer and sub.exp >= 0):
            base = sub.base
            if sub.exp.is_integer:  # 1 / base**k: base must not vanish
                if base.is_positive or base.is_negative:
                    continue
                problem = _continuity_gap(sub)
                if problem:
                    return f"division by {base}, which vanishes somewhere ({problem})"
            elif not (base.is_positive if sub.exp < 0 else base.is_nonnegative):
                # a fractional power of a base that may be negative is complex there (principal root)
                return f"the power {sub.exp} of {base} needs a {'positive' if sub.exp < 0 else 'nonnegative'} base"
        elif isinstance(sub, sympy.log) and not sub.args[0].is_positive:
            problem = _continuity_gap(sub)
            if problem:
                return f"log({sub.args[0]}) needs a positive argument ({problem})"
    return None


def _continuity_gap(sub: sympy.Expr) -> str | None:
    from sympy.calculus.util import continuous_domain

    try:
        domain = continuous_domain(sub, T, sympy.S.Reals)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return "cannot prove it is defined everywhere"
    if domain == sympy.S.Reals:
        return None
    gap = sympy.S.Reals - domain
    text = str(gap)
    return f"undefined on {text}" if len(text) < 120 else "undefined somewhere on R"


def parse_activation(text: str) -> sympy.Expr:
    """Parse ``text`` and check that it is defined and continuous on all of R.

    >>> parse_activation("log(1 + exp(t))")
    log(exp(t) + 1)
    >>> parse_activation("1/t")
    Traceback (most recent call last):
    ...
    exactid.errors.InputError: activation: '1/t' is not defined on all of R: division by t, which vanishes somewhere (undefined on {0})
    """
    expr = parse_expression(text)
    problem = domain_problem(expr)
    if problem:
        raise _fail(f"{text.strip()!r} is not defined on all of R: {problem}")
    return expr
