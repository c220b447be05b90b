"""``exactid check PATH...``: re-verify certificates with the independent checker."""

from __future__ import annotations

import json
import time

from ..checker import check_paths
from .common import add_json_flag


def register(sub, groups) -> None:
    p = sub.add_parser("check", help="verify certificate files or folders (recursively)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    add_json_flag(p)
    p.add_argument("--quiet", action="store_true", help="print only invalid certificates and the summary")
    p.set_defaults(func=run)


def run(args) -> int:
    start = time.perf_counter()
    outcomes = check_paths(args.paths)
    seconds = time.perf_counter() - start
    counts = {s: sum(o.status == s for o in outcomes) for s in ("valid", "invalid", "malformed")}
    code = 2 if counts["malformed"] else (1 if counts["invalid"] else 0)
    if args.json:
        verdict = "valid" if code == 0 else ("invalid" if code == 1 else "malformed")
        print(json.dumps({"verdict": verdict, **counts, "seconds": round(seconds, 3),
                          "certificates": [o.as_dict() for o in outcomes]}, sort_keys=True))
        return code
    for o in outcomes:
        if not (args.quiet and o.status == "valid"):
            print(o.line())
    if not outcomes:
        print("no certificates found")
    print(f"{len(outcomes)} certificate{'s' if len(outcomes) != 1 else ''}: {counts['valid']} valid, {counts['invalid']} invalid, "
          f"{counts['malformed']} malformed ({seconds:.2f} s)")
    return code
