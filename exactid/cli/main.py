"""Entry point of the ``exactid`` console script.

Exit codes: 0 decided or undecided answer (and, for ``check``, all certificates valid),
1 an invalid certificate, 2 bad input (one-line message, never a traceback).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Optional, Sequence

from .. import __version__
from ..errors import ExactidError, InputError
from .common import OneLineParser

def command_modules() -> list[str]:
    """Every module of :mod:`exactid.cli` that defines ``register(subparsers, groups)``.

    One module per command (or per ``certify`` kind): adding a command is adding a file.
    """
    import pkgutil

    from .. import cli

    names = sorted(m.name for m in pkgutil.iter_modules(cli.__path__) if m.name not in ("main", "common"))
    return [f"exactid.cli.{name}" for name in names]


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="exactid",
        description="Exact, certified identifiability of sparse factorizations and neural networks.",
    )
    parser.add_argument("--version", action="version", version=f"exactid {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups: dict = {}
    for name in command_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(sub, groups)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except InputError as exc:
        sys.stderr.write(f"exactid: error: {exc}\n")
        return 2
    except ExactidError as exc:
        sys.stderr.write(f"exactid: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("exactid: interrupted\n")
        return 130
    except MemoryError:
        sys.stderr.write("exactid: error: out of memory\n")
        return 2
    except Exception as exc:  # a bug: one line unless debugging is asked for
        if os.environ.get("EXACTID_DEBUG"):
            raise
        sys.stderr.write(f"exactid: internal error: {type(exc).__name__}: {exc} (set EXACTID_DEBUG=1 for a traceback)\n")
        return 3
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
