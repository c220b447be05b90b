"""Helpers shared by the command modules: argument validators, outputs, JSON printing, errors.

Every value a handler receives has been validated at parse time by a ``type=`` function of
this module (positive sizes, finite floats, non-negative seeds, sparsities >= 1, tolerances
> 0, bounded nesting of ``--tree``/``--perm``, ``-o`` targets that can be written), so a bad
argument is one line on stderr and exit 2 before any work starts.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import stat
import sys
from typing import Any, Callable

from ..errors import InputError
from ..io.files import dumps_canonical, json_depth
from ..io.limits import MAX_ARGUMENT_CHARS, MAX_TREE_DEPTH

STDOUT = "-"
"""``-o -``: the output goes to stdout (and the summary to stderr)."""

_state = {"json_errors": False}


class OneLineParser(argparse.ArgumentParser):
    """argparse with a one-line error message and exit code 2 (and a JSON object with --json)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        report_error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(2)


def set_json_errors(flag: bool) -> None:
    _state["json_errors"] = flag


def report_error(message: str, code: int = 2) -> None:
    """One line on stderr; with --json also ``{"error": ..., "exit": code}`` on stdout."""
    line = " ".join(str(message).split())
    sys.stderr.write(f"exactid: error: {line}\n")
    if _state["json_errors"]:
        sys.stdout.write(json.dumps({"error": line, "exit": code}, sort_keys=True) + "\n")


def subgroup(sub: Any, groups: dict, name: str, help_text: str) -> Any:
    """The sub-command group ``name`` (e.g. ``certify``), created on first use."""
    if name not in groups:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        groups[name] = parser.add_subparsers(dest=f"{name}_command", required=True, metavar="KIND")
    return groups[name]


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def emit(args: argparse.Namespace, payload: dict, text: str) -> None:
    """Print ``payload`` as JSON with ``--json``, else the human-readable ``text``.

    With ``-o -`` stdout carries the output file, so the summary goes to stderr.
    """
    stream = sys.stderr if getattr(args, "output", None) == STDOUT else sys.stdout
    if getattr(args, "json", False):
        stream.write(json.dumps(payload, sort_keys=True, default=str) + "\n")
    else:
        stream.write(text + "\n")


# --------------------------------------------------------------------------- numbers
def _integer(text: str) -> int:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        raise argparse.ArgumentTypeError(f"expected an integer, got {str(text)[:40]!r}") from None


def int_range(low: int | None = None, high: int | None = None, what: str = "",
              estimate: Callable[[int], int] | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in ``[low, high]`` (either end open when None).

    ``estimate(value)`` (bytes) is quoted when a value above ``high`` is refused.
    """
    def parse(text: str) -> int:
        value = _integer(text)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = (f">= {low}" if high is None else f"<= {high}" if low is None else f"in {low}..{high}")
            extra = ""
            if estimate is not None and high is not None and value > high:
                from ..resources import format_bytes

                extra = f" (it would need about {format_bytes(estimate(value))})"
            raise argparse.ArgumentTypeError(f"{what or 'value'} must be {bounds}, got {value}{extra}")
        return value
    parse.__name__ = what or "integer"
    return parse


positive_int = int_range(1, None, "a positive integer")
nonnegative_int = int_range(0, None, "a non-negative integer")
seed = int_range(0, 2**63 - 1, "a seed")
sparsity = int_range(1, None, "a sparsity")


def float_range(low: float | None = None, high: float | None = None, *, low_open: bool = False,
                what: str = "value") -> Callable[[str], float]:
    """An argparse type: a finite float in the given range (``low_open``: strictly above low)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except (ValueError, TypeError):
            raise argparse.ArgumentTypeError(f"expected a number, got {str(text)[:40]!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{what} must be finite, got {text!r}")
        if low is not None and (value < low or (low_open and value == low)):
            raise argparse.ArgumentTypeError(f"{what} must be {'>' if low_open else '>='} {low:g}, got {value:g}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{what} must be <= {high:g}, got {value:g}")
        return value
    parse.__name__ = what
    return parse


finite_float = float_range(what="a finite number")
positive_float = float_range(0.0, low_open=True, what="a positive number")
tolerance = float_range(0.0, low_open=True, what="a tolerance")


def rational(text: str) -> str:
    """An argparse type: a rational number ("p", "p/q" or a finite decimal), returned as text."""
    from fractions import Fraction

    if len(text) > 200:
        raise argparse.ArgumentTypeError(f"expected a rational number of at most 200 characters, got {len(text)}")
    try:
        Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"expected a rational number such as -1 or 3/2, got {text[:40]!r}") from None
    return text.strip()


# --------------------------------------------------------------------------- trees and permutations
def _bounded_json(text: str, flag: str) -> Any:
    if len(text) > MAX_ARGUMENT_CHARS:
        raise argparse.ArgumentTypeError(f"{flag} longer than {MAX_ARGUMENT_CHARS} characters")
    raw = text.encode("utf-8", "replace")
    depth = json_depth(raw)
    if depth > MAX_TREE_DEPTH:
        raise argparse.ArgumentTypeError(f"{flag} nested {depth} levels deep (limit {MAX_TREE_DEPTH})")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise argparse.ArgumentTypeError(f"{flag} is not valid JSON: {text[:40]!r}") from None


def tree_spec(text: str) -> Any:
    """``--tree``: balanced, left, right, or a nested JSON list of levels (depth <= MAX_TREE_DEPTH)."""
    if text in ("balanced", "left", "right"):
        return text
    value = _bounded_json(text, "--tree")
    if not isinstance(value, (list, int)) or isinstance(value, bool):
        raise argparse.ArgumentTypeError("--tree must be balanced, left, right or a nested JSON list of levels")
    return value


def perm_spec(text: str) -> Any:
    """``--perm``: bitrev, identity, or a flat JSON list of integers."""
    if text in ("bitrev", "identity"):
        return text
    value = _bounded_json(text, "--perm")
    if not isinstance(value, list) or not all(type(v) is int for v in value):
        raise argparse.ArgumentTypeError("--perm must be bitrev, identity or a flat JSON list of integers")
    return value


def widths_spec(minimum: int, shape: str, flag: str, max_width: int | None = None) -> Callable[[str], list[int]]:
    """An argparse type for comma-separated positive widths (``parse_widths`` at parse time)."""
    def parse(text: str) -> list[int]:
        try:
            widths = parse_widths(text, flag, minimum, shape)
        except InputError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if max_width is not None and max(widths) > max_width:
            raise argparse.ArgumentTypeError(f"{flag}: widths are limited to {max_width}, got {max(widths)}")
        return widths
    parse.__name__ = "widths"
    return parse


def parse_widths(text: str, flag: str, minimum: int, shape: str) -> list[int]:
    """Comma-separated positive layer widths (at least ``minimum`` of them) for ``flag``.

    ``shape`` says in words what the widths must contain, for the error message.
    """
    if isinstance(text, list):  # already parsed by widths_spec
        return text
    if len(text) > 10_000:
        raise InputError(f"{flag} is too long ({len(text)} characters)")
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise InputError(f"{flag} must be comma-separated integers, got {text[:60]!r}") from None
    if len(widths) < minimum or min(widths) < 1:
        raise InputError(f"{flag} needs {shape}, all positive: {text[:60]!r}")
    return widths


# --------------------------------------------------------------------------- outputs
def check_output_path(text: str) -> str:
    """Validate an output target before any work; raises :class:`InputError`.

    Accepted: ``-`` (stdout), or a path whose parent directory exists and is writable and
    which is absent or an existing writable regular file.  A directory, device, FIFO, socket
    or symbolic link is refused (never replaced).
    """
    if text == STDOUT:
        return text
    if not text or not text.strip():
        raise InputError("the output path is empty")
    if "\0" in text:
        raise InputError("the output path contains a NUL character")
    try:
        info = os.lstat(text)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise InputError(f"cannot use {text} as output: {exc.strerror or exc}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise InputError(f"refusing to replace the symbolic link {text}")
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"the output {text} is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"refusing to replace {text}: not a regular file (device, FIFO or socket)")
        if not os.access(text, os.W_OK):
            raise InputError(f"the output {text} is not writable")
    parent = os.path.dirname(os.path.abspath(text))
    if not os.path.isdir(parent):
        raise InputError(f"directory does not exist: {os.path.dirname(text) or parent}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"directory is not writable: {os.path.dirname(text) or parent}")
    return text


def folder_path(text: str) -> str:
    """argparse type for an output folder: non-empty, and not an existing non-directory."""
    if not text or not text.strip() or "\0" in text:
        raise argparse.ArgumentTypeError("the folder name is empty")
    if os.path.lexists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory")
    return text


def output_path(text: str) -> str:
    """argparse type for ``-o``: :func:`check_output_path` at parse time."""
    try:
        return check_output_path(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_output(parser: argparse.ArgumentParser, metavar: str, help_text: str, required: bool = False) -> None:
    """The ``-o/--output`` option, validated before any work (``-`` writes to stdout)."""
    parser.add_argument("-o", "--output", metavar=metavar, type=output_path, required=required,
                        help=help_text + " ('-' for stdout)")


def write_output_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically, or to stdout for ``-``."""
    from ..io.files import atomic_write_bytes

    if path == STDOUT:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    atomic_write_bytes(check_output_path(path), data)


def write_certificate(path: str, obj: Any) -> None:
    """Canonical JSON (gzip for ``.gz`` paths) to ``path``, or plain JSON to stdout for ``-``."""
    from ..io.files import write_json

    if path == STDOUT:
        write_output_bytes(path, dumps_canonical(obj))
    else:
        write_json(check_output_path(path), obj)
