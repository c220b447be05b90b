"""The whitelisted activation parser: no evaluation of user text, domain refusals, SymPy as oracle."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import exactid
from exactid.cli.main import main
from exactid.errors import InputError
from exactid.networks.expression import MAX_DEPTH, MAX_LENGTH, T, parse_activation, parse_expression
from exactid.networks.symmetries import affine_symmetries

EXPLOITS = [
    '__import__("os").system("echo PWNED") + t',
    "t + __import__('os').system('echo PWNED')",
    "().__class__.__bases__[0].__subclasses__()",
    "exp.__globals__",
    "(lambda: __import__('os').system('echo PWNED'))()",
    "[t for t in ()]",
    "t if 1 else 0",
    "exp(t, **{'x': 1})",
    "Function('f')(t)",
    "Symbol('y')",
    "t.func",
    "'echo PWNED'",
    "t; import os",
]


@pytest.mark.parametrize("text", EXPLOITS)
def test_exploit_strings_are_refused(text, capfd):
    with pytest.raises(InputError):
        parse_activation(text)
    assert main(["symmetries", text]) == 2
    out, err = capfd.readouterr()
    assert out == "" and "PWNED" not in err and err.count("\n") == 1


def test_exploit_prints_nothing_in_a_fresh_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "exactid.cli.main", "symmetries", EXPLOITS[0]],
                          capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(pathlib.Path(exactid.__file__).parents[1]), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert proc.stdout == "" and "PWNED" not in proc.stderr.replace("echo PWNED", "")
    assert len(proc.stderr.splitlines()) == 1


@pytest.mark.parametrize("text, reason", [
    ("1/t", "vanishes"), ("tan(t)", "poles"), ("log(t)", "positive"), ("sqrt(t)", "nonnegative"),
    ("t**(-3)", "vanishes"), ("1/(t**2 - 2)", "vanishes"), ("Heaviside(t)", "discontinuous"),
    ("sign(t)", "discontinuous"), ("asin(t)", "[-1, 1]"), ("1/0", "division by zero"), ("log(0)", "undefined"),
])
def test_activations_not_defined_on_R_are_refused_with_the_reason(text, reason):
    with pytest.raises(InputError, match="activation") as info:
        parse_activation(text)
    assert reason in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", ["log(1 + exp(t))", "1/(1 + t**2)", "sqrt(t**2 + 1)", "log(2 + sin(t))",
                                  "1/(2 + cos(t))", "abs(t)", "relu(t) - relu(t - 1)", "2**t", "0.5*t"])
def test_activations_defined_on_R_are_accepted(text):
    expr = parse_activation(text)
    assert expr.free_symbols == {T}
    assert all(sympy.N(expr.subs(T, v)).is_real for v in (-3, -1, 0, sympy.Rational(1, 2), 2))


def test_limits():
    with pytest.raises(InputError, match="longer"):
        parse_expression("t+" * MAX_LENGTH + "t")
    with pytest.raises(InputError, match="nested|parse"):
        parse_expression("(" * 300 + "t" + ")" * 300)
    with pytest.raises(InputError, match="nested"):
        parse_expression("exp(" * (MAX_DEPTH + 1) + "t" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(InputError, match="exponent"):
        parse_expression("9**9**9**9")
    with pytest.raises(InputError, match="bits"):
        parse_expression("((2**64)**64)**64 * t")
    with pytest.raises(InputError, match="digits"):
        parse_expression("1" * 100 + "*t")
    assert parse_expression("0.1*t") == sympy.Rational(1, 10) * T  # decimals read exactly


def test_symmetries_never_reports_order_zero(capsys):
    for text in ("tanh(t)", "2*tanh(t) + 1", "exp(t)", "t**3 + t", "1/(1 + t**2)", "atan(t)"):
        group = affine_symmetries(text)
        if group.status == "exact" and group.is_finite():
            assert len(group.families) >= 1
            assert any(tuple(f.symmetry) == (1, 0, 1, 0) for f in group.families)


# ------------------------------------------------------------------ oracle: SymPy's parser (tests only)
NAMES = ["exp", "tanh", "sin", "cos", "atan", "sinh", "cosh", "Abs"]
leaf = st.one_of(st.just("t"), st.integers(min_value=0, max_value=50).map(str))


def _combine(children):
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(lambda x: f"({x[0]} {x[1]} {x[2]})")
    power = st.tuples(children, st.integers(min_value=0, max_value=4)).map(lambda x: f"({x[0]})**{x[1]}")
    call = st.tuples(st.sampled_from(NAMES), children).map(lambda x: f"{x[0]}({x[1]})")
    neg = children.map(lambda c: f"-({c})")
    div = st.tuples(children, st.integers(min_value=1, max_value=9)).map(lambda x: f"({x[0]}) / {x[1]}")
    two = st.tuples(st.sampled_from(["Max", "Min"]), children, children).map(lambda x: f"{x[0]}({x[1]}, {x[2]})")
    return st.one_of(binary, power, call, neg, div, two)


grammar = st.recursive(leaf, _combine, max_leaves=8)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(grammar)
def test_parse_equals_sympy_parse_on_the_whitelisted_grammar(text):
    from sympy.parsing.sympy_parser import parse_expr  # oracle only: trusted test text

    ours = parse_expression(text)
    theirs = parse_expr(text, local_dict={"t": T})
    assert sympy.simplify(ours - theirs) == 0 or ours == theirs


# ------------------------------------------------------------------ no evaluation of strings anywhere
FORBIDDEN_CALLS = {"eval", "exec", "sympify", "parse_expr", "compile", "__import__"}
FORBIDDEN_ATTRS = {("pickle", "load"), ("pickle", "loads"), ("sympy", "sympify"), ("sympy", "S"),
                   ("marshal", "loads"), ("numpy", "load"), ("np", "load")}
# The only np.load call sites: the input layer, which passes allow_pickle=False.
ALLOWED = {("io/arrays.py", "np.load")}


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                yield func.id, None, node
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                yield func.value.id, func.attr, node


def test_package_never_evaluates_strings():
    root = pathlib.Path(exactid.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names]
                module = getattr(node, "module", None) or ""
                if "pickle" in names or module == "pickle" or "sympify" in names or "parse_expr" in names \
                        or module.startswith("sympy.parsing"):
                    offenders.append(f"{rel}:{node.lineno} imports {module or names}")
        for owner, attr, node in _calls(tree):
            if attr is None and owner in FORBIDDEN_CALLS:
                offenders.append(f"{rel}:{node.lineno} calls {owner}")
            elif attr is not None and (owner, attr) in FORBIDDEN_ATTRS:
                if (rel, f"{owner}.{attr}") in ALLOWED:
                    keywords = {k.arg: k.value for k in node.keywords}
                    flag = keywords.get("allow_pickle")
                    if isinstance(flag, ast.Constant) and flag.value is False:
                        continue
                offenders.append(f"{rel}:{node.lineno} calls {owner}.{attr}")
            elif attr in ("sympify", "parse_expr"):
                offenders.append(f"{rel}:{node.lineno} calls {owner}.{attr}")
    assert offenders == []
