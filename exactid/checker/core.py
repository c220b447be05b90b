"""Loading certificates, dispatching claims, and reporting outcomes.

A certificate is ``{"format": "exactid-certificate", "version": 1, "claim": {...},
"data": {...}, "steps": [...], "meta": {...}}``.  ``claim["kind"]`` selects the handler
that recomputes the claimed object and checks that the steps prove the claim; each step is
a primitive fact checked by a small function.  ``meta`` is never read.
"""

from __future__ import annotations

import gzip
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional

from .errors import Malformed, StepFailed

FORMAT = "exactid-certificate"
VERSION = 1
MAX_FILE_BYTES = 2 << 30

#: claim kind -> handler(document) returning a one-line summary of what was proved.
CLAIMS: dict[str, Callable[[dict], str]] = {}


def claim_handler(kind: str):
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


@contextmanager
def at_step(index: Optional[int], kind: str) -> Iterator[None]:
    """Attribute any failure inside the block to step ``index`` of kind ``kind``."""
    try:
        yield
    except (StepFailed, Malformed) as exc:
        raise Rejected(index, kind, str(exc)) from None
    except (ValueError, ZeroDivisionError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
        raise Rejected(index, kind, f"malformed ({type(exc).__name__}: {str(exc)[:80]})") from None


def steps_of(doc: dict) -> list[tuple[int, str, dict]]:
    steps = doc.get("steps")
    if not isinstance(steps, list):
        raise Rejected(None, "steps", "'steps' must be a list")
    out = []
    for k, step in enumerate(steps):
        if not isinstance(step, dict) or not isinstance(step.get("kind"), str):
            raise Rejected(k, "?", "a step must be an object with a string 'kind'")
        out.append((k, step["kind"], step))
    return out


def require(condition: bool, reason: str) -> None:
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

    def line(self) -> str:
        if self.status == "valid":
            return f"VALID {self.summary} ({self.path})"
        if self.status == "invalid":
            where = f"step {self.step}" if self.step is not None else "claim"
            return f"INVALID {self.path}: {where} ({self.kind}): {self.reason}"
        return f"MALFORMED {self.path}: {self.reason}"

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def load_document(raw: bytes) -> Any:
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))


def check_document(doc: Any) -> str:
    """Check a parsed certificate; return its summary or raise :class:`Rejected`."""
    if not isinstance(doc, dict):
        raise Rejected(None, "format", "a certificate must be a JSON object")
    if doc.get("format") != FORMAT:
        raise Rejected(None, "format", f"'format' must be {FORMAT!r}")
    if doc.get("version") != VERSION:
        raise Rejected(None, "format", f"unsupported version {str(doc.get('version'))[:20]!r}")
    claim = doc.get("claim")
    if not isinstance(claim, dict) or not isinstance(claim.get("kind"), str):
        raise Rejected(None, "claim", "'claim' must be an object with a string 'kind'")
    handler = CLAIMS.get(claim["kind"])
    if handler is None:
        raise Rejected(None, "claim", f"unknown claim kind {claim['kind'][:40]!r}")
    with at_step(None, claim["kind"]):
        return handler(doc)


def check_file(path: str) -> Outcome:
    """Check one certificate file; never raises."""
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return Outcome(path, "malformed", reason=f"file too large ({size} bytes)")
        with open(path, "rb") as fh:
            raw = fh.read()
        doc = load_document(raw)
    except (OSError, EOFError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Outcome(path, "malformed", reason=f"not a readable JSON certificate ({type(exc).__name__})")
    if not isinstance(doc, dict) or "format" not in doc:
        return Outcome(path, "malformed", reason="not an exactid certificate (no 'format' key)")
    try:
        return Outcome(path, "valid", summary=check_document(doc))
    except Rejected as rej:
        return Outcome(path, "invalid", step=rej.step, kind=rej.kind, reason=rej.reason)
    except RecursionError:
        return Outcome(path, "invalid", kind="format", reason="nested too deeply")
    except MemoryError:
        return Outcome(path, "malformed", reason="too large to check in memory")


def certificate_files(path: str) -> list[str]:
    """``path`` itself, or every ``.json``/``.json.gz`` below it (sorted, recursive)."""
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
    outcomes = []
    for path in paths:
        if not os.path.exists(path):
            outcomes.append(Outcome(path, "malformed", reason="no such file or directory"))
            continue
        outcomes.extend(check_file(f) for f in certificate_files(path))
    return outcomes
