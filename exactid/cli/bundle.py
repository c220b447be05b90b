"""``exactid bundle DIR``: regenerate the bundled theorems and re-check them (``make run``)."""

from __future__ import annotations

import json
import sys
import time

from ..certify.bundle import regenerate
from .common import add_json_flag, folder_path


def register(sub, groups) -> None:
    p = sub.add_parser("bundle", help="regenerate the bundled theorem certificates and re-check them",
                       description="Regenerate every bundled theorem certificate into DIR (deterministic bytes, atomic writes) and re-check each one with the independent checker.")
    p.add_argument("folder", nargs="?", default="proofs", metavar="DIR", type=folder_path)
    p.add_argument("--only", metavar="TEXT", help="only certificates whose path contains TEXT")
    p.add_argument("--no-check", action="store_true", help="write without re-checking")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    start = time.perf_counter()
    if not args.json:
        print(f"Regenerating bundled certificates in {args.folder}/ and re-checking each one:")
    records = regenerate(args.folder, args.only, check=not args.no_check, out=None if args.json else sys.stdout)
    total = time.perf_counter() - start
    bad = [r for r in records if r.status not in ("valid", "written")]
    if args.json:
        print(json.dumps({"verdict": "valid" if not bad else "invalid", "seconds": round(total, 2),
                          "certificates": [r.__dict__ for r in records]}, sort_keys=True))
    else:
        gen = sum(r.generate_seconds for r in records)
        chk = sum(r.check_seconds or 0 for r in records)
        print(f"{len(records)} certificates, {len(records) - len(bad)} valid; "
              f"generation {gen:.1f} s, checking {chk:.1f} s, total {total:.1f} s")
    return 1 if bad else 0
