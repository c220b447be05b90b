"""The checker is a small trusted base: it imports nothing of exactid and stays under budget."""

import ast
import sys
from pathlib import Path

import exactid.checker

CHECKER = Path(exactid.checker.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy", "flint"}
#: Total non-blank lines of the checker; several claim kinds are added in parallel, hence room.
LINE_BUDGET = 2500
#: Non-blank lines of any one checker module: each claim module stays small and readable.
MODULE_BUDGET = 250


def checker_modules() -> list[Path]:
    return sorted(CHECKER.rglob("*.py"))


def imported_roots(tree: ast.AST) -> list[tuple[int, str, int]]:
    """(line, top-level module name, relative level) of every import statement."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name.split(".")[0], 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            out.append((node.lineno, (node.module or "").split(".")[0], node.level))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__"):
            # dynamic imports: only the package's own auto-import of sibling modules is allowed
            arg = node.args[0] if node.args else None
            text = ast.unparse(arg) if arg is not None else ""
            out.append((node.lineno, "<dynamic:" + text + ">", 0))
    return out


def test_checker_has_modules():
    names = {p.stem for p in checker_modules()}
    assert {"core", "arith", "matrices", "linear", "named", "errors"} <= names


def test_checker_imports_only_stdlib_numpy_flint_and_siblings():
    offenders = []
    for path in checker_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, root, level in imported_roots(tree):
            if level == 1:  # from .sibling import ... (a sibling inside the checker)
                continue
            if level > 1:
                offenders.append(f"{path.name}:{line}: relative import leaves the checker")
            elif root.startswith("<dynamic:"):
                if not (path.name == "__init__.py" and "__name__" in root):
                    offenders.append(f"{path.name}:{line}: dynamic import {root}")
            elif root == "exactid":
                offenders.append(f"{path.name}:{line}: imports exactid")
            elif root not in sys.stdlib_module_names and root not in ALLOWED_THIRD_PARTY and root != "__future__":
                offenders.append(f"{path.name}:{line}: imports {root}")
    assert not offenders, "checker independence violated:\n" + "\n".join(offenders)


def test_checker_import_pulls_in_no_other_exactid_module():
    """Importing the checker in a fresh interpreter loads no exactid module outside it."""
    import subprocess

    code = ("import sys, exactid; before = set(sys.modules); import exactid.checker; "
            "print('\\n'.join(m for m in set(sys.modules) - before if m.startswith('exactid') "
            "and not m.startswith('exactid.checker')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_checker_stays_under_line_budget():
    counts = {p.name: sum(1 for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
              for p in checker_modules()}
    total = sum(counts.values())
    assert total < LINE_BUDGET, f"checker has {total} non-blank lines (budget {LINE_BUDGET}): {counts}"
    large = {name: n for name, n in counts.items() if n > MODULE_BUDGET}
    assert not large, f"checker modules over {MODULE_BUDGET} non-blank lines: {large}"
