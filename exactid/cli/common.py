"""Helpers shared by the command modules: sub-command groups, output, JSON printing."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import InputError


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error message and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"exactid: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def subgroup(sub: Any, groups: dict, name: str, help_text: str) -> Any:
    """The sub-command group ``name`` (e.g. ``certify``), created on first use."""
    if name not in groups:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        groups[name] = parser.add_subparsers(dest=f"{name}_command", required=True, metavar="KIND")
    return groups[name]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    """Print ``payload`` as JSON with ``--json``, else the human-readable ``text``."""
    if getattr(args, "json", False):
        print(json.dumps(payload, sort_keys=True, default=str))
    else:
        print(text)


def parse_widths(text: str, flag: str, minimum: int, shape: str) -> list[int]:
    """Comma-separated positive layer widths (at least ``minimum`` of them) for ``flag``.

    ``shape`` says in words what the widths must contain, for the error message.
    """
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"{flag} must be comma-separated integers, got {text!r}") from None
    if len(widths) < minimum or min(widths) < 1:
        raise InputError(f"{flag} needs {shape}, all positive: {text!r}")
    return widths
