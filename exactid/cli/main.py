"""Entry point of the ``exactid`` console script.

Exit codes: 0 decided or undecided answer (and, for ``check``, all certificates valid; also
when stdout is closed early, e.g. by ``| head``: the command stops quietly), 1 an invalid
certificate, 2 bad input or a refused size (one line on stderr, and with ``--json`` a JSON
object ``{"error": ..., "exit": 2}`` on stdout; never a traceback), 3 an internal error
(a bug: please report it; ``EXACTID_DEBUG=1`` shows the traceback), 130 interrupted.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Optional, Sequence

from .. import __version__
from ..errors import ExactidError
from ..resources import MAX_CERTIFICATE_DIGITS
from .common import OneLineParser, report_error, set_json_errors


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


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (tests)
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    set_json_errors("--json" in argv)
    # exact results may have more digits than Python's default string limit (user input stays
    # capped by the input layer); certificates hold at most what the checker reads
    digits = sys.get_int_max_str_digits()
    if digits:
        sys.set_int_max_str_digits(max(digits, MAX_CERTIFICATE_DIGITS))
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version (0) and argument errors (2, already reported)
            return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 2
        code = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        _silence_stdout()
        return 0
    except ExactidError as exc:  # InputError, ResourceError, DomainError, ...: bad input
        report_error(str(exc))
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("exactid: interrupted\n")
        return 130
    except MemoryError:
        report_error("out of memory (the input is too large for the available memory)")
        return 2
    except ValueError as exc:
        if "Exceeds the limit" not in str(exc):  # Python's integer string limit: too large a number
            return _internal(exc)
        report_error(f"a number has more than {MAX_CERTIFICATE_DIGITS} digits")
        return 2
    except OSError as exc:  # the environment: disk full, permissions, ...
        report_error(f"{exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else ""))
        return 2
    except Exception as exc:  # a bug: one line unless debugging is asked for
        return _internal(exc)
    finally:
        set_json_errors(False)
        sys.set_int_max_str_digits(digits)
    return int(code or 0)


def _internal(exc: Exception) -> int:
    if os.environ.get("EXACTID_DEBUG"):
        raise exc
    message = " ".join(str(exc).split())[:200]
    sys.stderr.write(f"exactid: internal error: {type(exc).__name__}: {message} "
                     "(set EXACTID_DEBUG=1 for a traceback)\n")
    return 3


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
