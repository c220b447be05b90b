"""``.npy`` and ``.npz`` user files: headers checked before any array is allocated.

Pickled (object) arrays are never loaded (``allow_pickle=False``); an ``.npz`` archive given
where an ``.npy`` array is expected (and the reverse), truncated files, oversized arrays and
undecodable headers are one-line :class:`~exactid.errors.InputError`.
"""

from __future__ import annotations

import os
import tokenize
import zipfile
from pathlib import Path
from typing import Iterable

import numpy as np

from ..errors import InputError
from ..resources import ensure_fits
from .files import open_regular
from .limits import MAX_ARRAY_BYTES, MAX_NPZ_MEMBERS

NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGIC = b"PK\x03\x04"
# numpy reads .npy headers with ast/tokenize: a corrupt header raises their errors too
_ERRORS = (OSError, ValueError, EOFError, TypeError, KeyError, zipfile.BadZipFile, zipfile.LargeZipFile,
           NotImplementedError, OverflowError, SyntaxError, tokenize.TokenError, MemoryError, RecursionError)


def _kind(head: bytes) -> str:
    if not head:
        return "an empty file"
    if head.startswith(NPY_MAGIC):
        return "a .npy array"
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        return "a .npz archive"
    if head.startswith(b"\x1f\x8b"):
        return "a gzip file"
    if head.lstrip()[:1] in (b"{", b"["):
        return "a JSON file"
    return "a file of unknown type"


def _check_header(fh, source: str, size: int) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from an .npy header; refuses object dtypes, truncation and oversize.

    ``size`` is the byte size of the whole .npy stream that ``fh`` reads from the start.
    """
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise InputError(f"{source}: unsupported .npy version {version}")
    if dtype.hasobject:
        raise InputError(f"{source}: object arrays are refused (they would need pickle)")
    count = 1
    for extent in shape:
        count *= int(extent)
    nbytes = count * dtype.itemsize
    if nbytes > MAX_ARRAY_BYTES:
        raise InputError(f"{source}: array of shape {shape} needs {nbytes} bytes (limit {MAX_ARRAY_BYTES})")
    present = size - fh.tell()
    if nbytes > present:
        raise InputError(f"{source}: truncated (the header announces {nbytes} bytes of data, {present} present)")
    ensure_fits(2 * nbytes, f"loading {source}")
    return tuple(int(x) for x in shape), dtype


def load_npy(path: str | os.PathLike) -> np.ndarray:
    """The array of an ``.npy`` file (no pickle; header checked before allocation).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "a.npy"); np.save(p, np.eye(2, dtype=int))
    >>> load_npy(p).tolist()
    [[1, 0], [0, 1]]
    """
    p = Path(path)
    with open_regular(p) as fh:
        head = fh.read(8)
        if not head.startswith(NPY_MAGIC):
            raise InputError(f"{p}: expected a .npy array, got {_kind(head)}")
        fh.seek(0)
        try:
            _check_header(fh, str(p), os.fstat(fh.fileno()).st_size)
            fh.seek(0)
            return np.load(fh, allow_pickle=False)
        except InputError:
            raise
        except _ERRORS as exc:
            raise InputError(f"{p}: not a readable .npy file ({_short(exc)})") from None


def load_npz(path: str | os.PathLike, required: Iterable[str] = ()) -> dict[str, np.ndarray]:
    """Every member of an ``.npz`` archive as arrays (no pickle; sizes checked first).

    ``required`` names members that must be present.
    """
    p = Path(path)
    with open_regular(p) as fh:
        head = fh.read(8)
        if not head.startswith(ZIP_MAGIC):
            raise InputError(f"{p}: expected a .npz archive, got {_kind(head)}")
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as archive:
                infos = [i for i in archive.infolist() if not i.is_dir()]
                if len(infos) > MAX_NPZ_MEMBERS:
                    raise InputError(f"{p}: more than {MAX_NPZ_MEMBERS} members")
                total = sum(i.file_size for i in infos)
                if total > MAX_ARRAY_BYTES:
                    raise InputError(f"{p}: members total {total} bytes once decompressed (limit {MAX_ARRAY_BYTES})")
                ensure_fits(2 * total, f"loading {p}")
                out = {}
                for info in infos:
                    name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                    with archive.open(info) as member:
                        if not member.read(8).startswith(NPY_MAGIC):
                            raise InputError(f"{p}: member {name!r} is not an .npy array")
                    with archive.open(info) as member:
                        _check_header(member, f"{p}[{name}]", info.file_size)
                    with archive.open(info) as member:
                        out[name] = np.lib.format.read_array(member, allow_pickle=False)
        except InputError:
            raise
        except _ERRORS as exc:
            raise InputError(f"{p}: not a readable .npz archive ({_short(exc)})") from None
    missing = [k for k in required if k not in out]
    if missing:
        raise InputError(f"{p}: missing member{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                         f"(found: {', '.join(sorted(out)) or 'none'})")
    return out


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:100]
