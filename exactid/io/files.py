"""Atomic, deterministic writes of JSON (optionally gzip) and reads of JSON/gzip files."""

from __future__ import annotations

import contextlib
import gc
import gzip
import io
import json
import os
import stat
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..resources import available_memory_bytes, ensure_fits
from .limits import JSON_MEMORY_FACTOR, MAX_FILE_BYTES, MAX_INT_DIGITS, MAX_JSON_BYTES, MAX_JSON_DEPTH


def dumps_canonical(obj: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, no spaces, trailing newline."""
    return (json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n").encode("ascii")


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half-written)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"directory does not exist: {directory}")
    _refuse_special(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write in {directory}: {exc.strerror or exc}") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _refuse_special(target)  # checked again just before the rename: never replace a link or device
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _refuse_special(target: Path) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise InputError(f"refusing to replace {target}: not a regular file")


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Canonical JSON, gzip-compressed (deterministically, mtime 0) when ``path`` ends in .gz."""
    data = dumps_canonical(obj)
    if str(path).endswith(".gz"):
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buf.getvalue()
    atomic_write_bytes(path, data)


def open_regular(path: Path):
    """Open a user file for reading; refuse directories, devices and FIFOs (they could block)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"is a directory: {path}")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"not a regular file: {path}")
    if info.st_size > MAX_FILE_BYTES:
        raise InputError(f"{path}: {info.st_size} bytes, more than the limit of {MAX_FILE_BYTES} bytes")
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def json_text_limit() -> int:
    """Bytes of JSON text accepted now: MAX_JSON_BYTES, or less when free memory is short."""
    return min(MAX_JSON_BYTES, available_memory_bytes() // JSON_MEMORY_FACTOR)


def read_bytes(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """The bytes of a user file, gzip-decompressed in a stream when compressed.

    Decompression stops as soon as more than ``limit`` bytes (default :func:`json_text_limit`)
    come out, so a small file that inflates to gigabytes costs at most ``limit`` bytes.
    """
    p = Path(path)
    limit = json_text_limit() if limit is None else limit
    with open_regular(p) as fh:
        try:
            head = fh.read(2)
            if head != b"\x1f\x8b":
                raw = head + fh.read(limit + 1 - len(head))
                if len(raw) > limit:
                    raise InputError(f"{p}: more than {limit} bytes of text (limit for JSON input)")
                return raw
            return _gunzip_stream(fh, head, limit, p)
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror or exc}") from None


def _gunzip_stream(fh, head: bytes, limit: int, p: Path) -> bytes:
    out, total = bytearray(), 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = head
    while True:
        chunk = fh.read(1 << 20)
        data = pending + chunk
        pending = b""
        while data:
            try:
                piece = inflater.decompress(data, limit + 1 - total)
            except zlib.error as exc:
                raise InputError(f"{p}: corrupt gzip data ({exc})") from None
            total += len(piece)
            out += piece
            if total > limit:
                raise InputError(f"{p}: decompresses to more than {limit} bytes (limit for JSON input)")
            if inflater.eof:  # another gzip member may follow (concatenated gzip files)
                rest = inflater.unused_data.lstrip(b"\0")
                if not rest:
                    data = b""
                    break
                if rest[:2] != b"\x1f\x8b" and len(rest) >= 2:
                    raise InputError(f"{p}: trailing garbage after the gzip data")
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
                data = rest
                continue
            data = inflater.unconsumed_tail
        if not chunk:
            break
    if not inflater.eof:
        raise InputError(f"{p}: truncated gzip data")
    return out  # a bytearray: no copy


def json_depth(raw: bytes) -> int:
    """Deepest nesting of arrays/objects in JSON text (brackets inside strings are not counted).

    Vectorized: a few passes of numpy over the bytes, so a check costs far less than the parse.
    """
    if not raw:
        return 0
    arr = np.frombuffer(raw, dtype=np.uint8)
    brackets = np.flatnonzero((arr == 91) | (arr == 93) | (arr == 123) | (arr == 125))
    if brackets.size == 0:
        return 0
    quotes = np.flatnonzero(arr == 34)
    if quotes.size:
        # a quote preceded by an odd run of backslashes is escaped
        run = np.zeros(quotes.size, dtype=np.int64)
        back = quotes - 1
        active = back >= 0
        while active.any():
            hit = np.zeros(quotes.size, dtype=bool)
            hit[active] = arr[back[active]] == 92
            if not hit.any():
                break
            run += hit
            back -= 1
            active = hit & (back >= 0)
        quotes = quotes[run % 2 == 0]
        # a bracket is inside a string when an odd number of quotes precede it
        outside = np.searchsorted(quotes, brackets) % 2 == 0
        brackets = brackets[outside]
    kinds = arr[brackets]
    step = np.where((kinds == 91) | (kinds == 123), 1, -1).astype(np.int64)
    return int(np.cumsum(step).max(initial=0))


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector while millions of acyclic objects are created.

    json.loads and the conversion of its lists allocate only acyclic containers; a collection
    pass over them on every allocation threshold costs more than the parse itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_json(raw: bytes, source: str) -> Any:
    """Parse JSON text with the depth and integer-size caps; every failure is one InputError."""
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise InputError(f"{source}: JSON nested {depth} levels deep (limit {MAX_JSON_DEPTH})")
    ensure_fits(len(raw) * JSON_MEMORY_FACTOR, f"parsing {source}")
    previous = sys.get_int_max_str_digits()
    if previous == 0 or previous > MAX_INT_DIGITS:
        sys.set_int_max_str_digits(MAX_INT_DIGITS)
    try:
        with paused_gc():
            return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply") from None
    except ValueError as exc:  # Python's integer digit limit
        if "digits" in str(exc):
            raise InputError(f"{source}: an integer has more than {MAX_INT_DIGITS} digits") from None
        raise InputError(f"{source}: malformed JSON ({str(exc)[:80]})") from None
    finally:
        sys.set_int_max_str_digits(previous)


def read_json(path: str | os.PathLike) -> Any:
    """Read JSON or gzip-compressed JSON (detected by magic bytes) within the limits of
    :mod:`exactid.io.limits`; ``InputError`` with one line on any failure."""
    return parse_json(read_bytes(path), str(path))
