"""The command modules parse and print: decisions and certificates come from the library (exactid.api)."""

import ast
from pathlib import Path

import exactid.cli

CLI = Path(exactid.cli.__file__).parent
# Modules that decide or certify: the command line reaches them only through exactid.api.
DECISION_MODULES = ("certify.rank", "certify.twolayer", "certify.butterfly", "certify.kronecker", "certify.relu",
                    "certify.equivalence", "factorization.kronecker.exact", "factorization.kronecker.modular",
                    "factorization.twolayer", "factorization.fixed", "factorization.butterfly",
                    "networks.local_identifiability", "networks.shallow", "networks.equivalence",
                    "networks.symmetries", "linalg", "checker")
# Pairs (command module, library module) still allowed to meet; none are left.
PENDING: set = set()


def imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level >= 2 and node.module:
            out.add(node.module)
    return out


def test_command_modules_do_not_decide():
    offenders = []
    for path in sorted(CLI.glob("*.py")):
        for module in imports(path):
            if (path.name, module) in PENDING:
                continue
            if any(module == d or module.startswith(d + ".") for d in DECISION_MODULES):
                offenders.append(f"{path.name} imports {module}")
    assert not offenders, offenders
