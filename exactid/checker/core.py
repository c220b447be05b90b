"""Loading certificates, dispatching claims, and reporting outcomes.

A certificate is ``{"format": "exactid-certificate", "version": 1, "claim": {...},
"data": {...}, "steps": [...], "meta": {...}}``.  ``claim["kind"]`` selects the handler
that recomputes the claimed object and checks that the steps prove the claim; each step is
a primitive fact checked by a small function.  ``meta`` is never read.

Nothing here raises on bad input: :func:`check_file` and :func:`check_paths` turn every
failure into an :class:`Outcome` ("valid", "invalid" or "malformed").
"""

from __future__ import annotations

import contextvars
import json
import os
import stat
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from .errors import Malformed, StepFailed

FORMAT = "exactid-certificate"
VERSION = 1
#: Largest file read, and largest JSON text after gunzip.
MAX_FILE_BYTES = 2 << 30
MAX_JSON_BYTES = 1 << 30
#: Parsed JSON takes roughly this many bytes of memory per byte of text (numbers in lists).
JSON_MEMORY_FACTOR = 12

#: claim kind -> handler(document) returning a one-line summary of what was proved.
CLAIMS: dict[str, Callable[[dict], str]] = {}

#: Optional progress display with ``start(total_steps)`` and ``step(index)``; never affects a verdict.
progress_listener: contextvars.ContextVar[Optional[Any]] = contextvars.ContextVar("progress_listener", default=None)


def _notify(method: str, value: Optional[int]) -> None:
    try:  # a display problem must never change a verdict
        getattr(progress_listener.get(), method, lambda _: None)(value)
    except Exception:
        pass


# Exceptions a handler may raise on malformed data through Python or flint primitives.
_DATA_ERRORS = (ValueError, ZeroDivisionError, TypeError, KeyError, IndexError, OverflowError)


def claim_handler(kind: str):
    """Register ``func(doc) -> summary`` as the handler of claims of this kind."""
    def register(func):
        CLAIMS[kind] = func
        return func

    return register


class Rejected(Exception):
    """A certificate that is well formed as a document but does not prove its claim."""

    def __init__(self, step: Optional[int], kind: str, reason: str):
        super().__init__(reason)
        self.step, self.kind, self.reason = step, kind, reason

    def __str__(self) -> str:
        where = f"step {self.step}" if self.step is not None else "claim"
        return f"{where} ({self.kind}): {self.reason}"


class NotACertificate(Rejected):
    """The document is not an exactid certificate at all (wrong envelope): malformed input."""


@contextmanager
def at_step(index: Optional[int], kind: str) -> Iterator[None]:
    """Attribute any failure inside the block to step ``index`` of kind ``kind``."""
    _notify("step", index)
    try:
        yield
    except Rejected:
        raise
    except (StepFailed, Malformed) as exc:
        raise Rejected(index, kind, str(exc)) from None
    except MemoryError:
        raise Rejected(index, kind, "too large to check in memory") from None
    except RecursionError:
        raise Rejected(index, kind, "nested too deeply") from None
    except _DATA_ERRORS as exc:
        raise Rejected(index, kind, f"malformed ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # a handler bug must still reject, never accept or crash
        raise Rejected(index, kind, f"checker error ({type(exc).__name__}: {str(exc)[:80]})") from None


def steps_of(doc: dict) -> list[tuple[int, str, dict]]:
    """The steps as ``(index, kind, step)``; rejects a non-list or a step without a kind."""
    steps = doc.get("steps")
    if not isinstance(steps, list):
        raise Rejected(None, "steps", "'steps' must be a list")
    out = []
    for k, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("kind"), str):
            raise Rejected(k, "?", "a step must be an object with a string 'kind'")
        out.append((k, step["kind"], step))
    _notify("start", len(out))
    return out


def require(condition: bool, reason: str) -> None:
    """Fail the current step with ``reason`` unless ``condition`` holds."""
    if not condition:
        raise StepFailed(reason)


@dataclass
class Outcome:
    path: str
    status: str  # "valid" | "invalid" | "malformed"
    summary: str = ""
    step: Optional[int] = None
    kind: str = ""
    reason: str = ""
    seconds: Optional[float] = None

    def line(self) -> str:
        if self.status == "valid":
            return f"VALID {self.summary} ({self.path})"
        if self.status == "invalid":
            where = f"step {self.step}" if self.step is not None else "claim"
            return f"INVALID {self.path}: {where} ({self.kind}): {self.reason}"
        return f"MALFORMED {self.path}: {self.reason}"

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable:"))
    except (OSError, ValueError, IndexError, StopIteration):
        return 1 << 40  # unknown: rely on the fixed caps


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Decompress (possibly multi-member) gzip data, refusing more than ``limit`` bytes."""
    out, total = [], 0
    while raw:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = inflater.decompress(raw, limit + 1 - total)
        total += len(chunk)
        out.append(chunk)
        if total > limit:
            raise Malformed(f"decompresses to more than {limit} bytes")
        if not inflater.eof:
            raise Malformed("truncated gzip data")
        raw = inflater.unused_data.lstrip(b"\0")
    return b"".join(out)


def load_document(raw: bytes) -> Any:
    """Parse certificate bytes (JSON, or gzip-compressed JSON) with memory refused up front."""
    limit = min(MAX_JSON_BYTES, _available_memory() // JSON_MEMORY_FACTOR)
    if raw[:2] == b"\x1f\x8b":
        raw = _gunzip(raw, limit)
    if len(raw) > limit:
        raise Malformed(f"{len(raw)} bytes of JSON will not fit in memory (limit {limit})")
    return json.loads(raw.decode("utf-8"))


def check_document(doc: Any) -> str:
    """Check a parsed certificate; return its summary or raise :class:`Rejected`.

    A document that is not a certificate raises :class:`NotACertificate` (a ``Rejected``).
    """
    if not isinstance(doc, dict):
        raise NotACertificate(None, "format", "a certificate must be a JSON object")
    if doc.get("format") != FORMAT:
        raise NotACertificate(None, "format", f"'format' must be {FORMAT!r}")
    if doc.get("version") != VERSION or isinstance(doc.get("version"), bool):
        version = doc.get("version")
        shown = str(version) if type(version) is int else type(version).__name__
        raise NotACertificate(None, "format", f"unsupported version {shown[:20]}")
    claim = doc.get("claim")
    if not isinstance(claim, dict) or not isinstance(claim.get("kind"), str):
        raise NotACertificate(None, "claim", "'claim' must be an object with a string 'kind'")
    handler = CLAIMS.get(claim["kind"])
    if handler is None:
        raise Rejected(None, "claim", f"unknown claim kind {claim['kind'][:40]!r}")
    with at_step(None, claim["kind"]):
        summary = handler(doc)
        if not isinstance(summary, str):
            raise Malformed("the claim handler returned no summary")
        return summary


def check_file(path: str) -> Outcome:
    """Check one certificate file; never raises."""
    start = time.perf_counter()
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a folder, a device, a pipe: never read
            outcome = Outcome(path, "malformed", reason="not a regular file")
        elif info.st_size > MAX_FILE_BYTES:
            outcome = Outcome(path, "malformed", reason=f"file too large ({info.st_size} bytes, limit {MAX_FILE_BYTES})")
        else:
            with open(path, "rb") as fh:
                outcome = check_bytes(fh.read(), path)
    except MemoryError:
        outcome = Outcome(path, "malformed", reason="too large to read in memory")
    except (OSError, ValueError) as exc:
        outcome = Outcome(path, "malformed", reason=f"cannot read ({type(exc).__name__}: {str(exc)[:60]})")
    outcome.seconds = round(time.perf_counter() - start, 6)
    return outcome


def check_bytes(raw: bytes, path: str = "<bytes>") -> Outcome:
    """Check certificate bytes (JSON or gzip) as if read from ``path``; never raises."""
    try:
        doc = load_document(raw)
    except Malformed as exc:
        return Outcome(path, "malformed", reason=str(exc))
    except MemoryError:
        return Outcome(path, "malformed", reason="too large to load in memory")
    except RecursionError:
        return Outcome(path, "malformed", reason="JSON nested too deeply")
    except (OSError, EOFError, UnicodeDecodeError, ValueError, zlib.error) as exc:
        return Outcome(path, "malformed", reason=f"not a readable JSON certificate ({type(exc).__name__}: {str(exc)[:60]})")
    except Exception as exc:  # pragma: no cover - defensive: report, never crash
        return Outcome(path, "malformed", reason=f"unreadable ({type(exc).__name__})")
    try:
        return Outcome(path, "valid", summary=check_document(doc))
    except NotACertificate as rej:
        return Outcome(path, "malformed", kind=rej.kind, reason=f"not an exactid certificate: {rej.reason}")
    except Rejected as rej:
        return Outcome(path, "invalid", step=rej.step, kind=rej.kind, reason=rej.reason)
    except Exception as exc:  # pragma: no cover - check_document converts these already
        return Outcome(path, "invalid", kind="?", reason=f"checker error ({type(exc).__name__})")


def certificate_files(path: str) -> list[str]:
    """``path`` itself, or every ``.json``/``.json.gz`` below it (sorted, recursive, no symlinked dirs)."""
    if os.path.isdir(path):
        found = []
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".json") or name.endswith(".json.gz"):
                    found.append(os.path.join(root, name))
        return found
    return [path]


def check_paths(paths: list[str]) -> list[Outcome]:
    """Check files and folders (recursively); one outcome per certificate file."""
    outcomes = []
    for path in paths:
        if not os.path.exists(path):
            outcomes.append(Outcome(path, "malformed", reason="no such file or directory"))
            continue
        outcomes.extend(check_file(f) for f in certificate_files(path))
    return outcomes
