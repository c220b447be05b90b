"""The bundled theorems in ``proofs/``: regenerate them deterministically and re-check them.

Each topic module contributes a function listed in :data:`BUNDLES` that yields
:class:`BundleItem` objects (a relative path, a description and a zero-argument builder).
Timings are kept out of the written files so that regenerating gives identical bytes.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterator

from ..io.files import write_json

def bundle_modules() -> list[str]:
    """Modules of :mod:`exactid.certify` with a ``bundled()`` generator (one per topic)."""
    import pkgutil

    from .. import certify

    names = sorted(m.name for m in pkgutil.iter_modules(certify.__path__) if m.name not in ("bundle", "common"))
    return [f"exactid.certify.{n}" for n in names]


@dataclass
class BundleItem:
    path: str  # relative to the proofs folder
    description: str
    build: Callable[[], dict]


def items(only: str | None = None) -> Iterator[BundleItem]:
    for name in bundle_modules():
        module = importlib.import_module(name)
        if not hasattr(module, "bundled"):
            continue
        for item in module.bundled():
            if only is None or only in item.path:
                yield item


def deterministic(cert: dict) -> dict:
    """Drop run-dependent fields (timings) from ``meta``."""
    meta = cert.get("meta", {})
    cert["meta"] = {k: v for k, v in meta.items() if k == "tool"}
    return cert


@dataclass
class BundleRecord:
    path: str
    description: str
    generate_seconds: float
    check_seconds: float | None
    status: str
    bytes: int


def regenerate(folder: str, only: str | None = None, check: bool = True, out=sys.stdout) -> list[BundleRecord]:
    """Write every bundled certificate below ``folder`` and (optionally) check it."""
    from ..checker import check_file  # the CLI layer may use the checker; algorithms never do

    records = []
    for item in items(only):
        target = os.path.join(folder, item.path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        start = time.perf_counter()
        try:
            write_json(target, deterministic(item.build()))
        except Exception as exc:  # one broken generator must not hide the others' results
            record = BundleRecord(item.path, item.description, time.perf_counter() - start, None,
                                  f"FAILED to generate: {type(exc).__name__}: {exc}", 0)
            records.append(record)
            if out is not None:
                print(f"  {record.status}  {item.path}", file=out, flush=True)
            continue
        generated = time.perf_counter() - start
        status, checked = "written", None
        if check:
            start = time.perf_counter()
            outcome = check_file(target)
            checked = time.perf_counter() - start
            status = outcome.status
            if outcome.status != "valid":
                status = outcome.line()
        record = BundleRecord(item.path, item.description, generated, checked, status, os.path.getsize(target))
        records.append(record)
        if out is not None:
            chk = f"check {checked:6.2f} s" if checked is not None else ""
            print(f"  {record.status.upper() if record.status == 'valid' else record.status:<8} "
                  f"{item.description}  [generate {generated:6.2f} s  {chk}]  {item.path}", file=out, flush=True)
    return records
