"""``exactid check PATH...``: re-verify certificates with the independent checker.

One line per certificate (``VALID <summary> (<file>)``, ``INVALID <file>: step k (<kind>):
<reason>`` or ``MALFORMED <file>: <reason>``) and a summary line; exit 0 iff every
certificate is valid, 1 if any is invalid, 2 if any input is malformed (not JSON, not a
certificate, unreadable, too large; then one summary line also goes to stderr).  ``--json`` prints one report object instead.
"""

from __future__ import annotations

import json
import sys
import time

from ..api.certificates import check_outcomes
from .common import add_json_flag


def register(sub, groups) -> None:
    p = sub.add_parser("check", help="verify certificate files or folders (recursively)",
                       description="Verify exactid certificates (.json or .json.gz; folders recursively) with the "
                                   "independent checker. Exit code 0 when every certificate is valid, 1 if one is "
                                   "invalid, 2 if one is malformed.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    add_json_flag(p)
    p.add_argument("--quiet", action="store_true", help="print only invalid certificates and the summary")
    p.set_defaults(func=run)


def exit_code(counts: dict) -> int:
    return 2 if counts["malformed"] else (1 if counts["invalid"] else 0)


def run(args) -> int:
    # File names and reasons may hold bytes the terminal cannot encode: escape, never crash.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    start = time.perf_counter()
    outcomes = check_outcomes(args.paths)
    seconds = time.perf_counter() - start
    counts = {s: sum(o.status == s for o in outcomes) for s in ("valid", "invalid", "malformed")}
    code = exit_code(counts)
    if code == 2:  # the per-file report stays on stdout; the exit-2 contract adds one line on stderr
        sys.stderr.write(f"exactid: error: {counts['malformed']} of {len(outcomes)} input"
                         f"{'s' if len(outcomes) != 1 else ''} malformed (not a readable certificate)\n")
    if args.json:
        verdict = ("valid", "invalid", "malformed")[code]
        print(json.dumps({"verdict": verdict, "exit_code": code, "total": len(outcomes), **counts,
                          "seconds": round(seconds, 3), "certificates": [o.as_dict() for o in outcomes]},
                         sort_keys=True))
        return code
    for o in outcomes:
        if not (args.quiet and o.status == "valid"):
            print(o.line())
    if not outcomes:
        print("no certificates found")
    print(f"{len(outcomes)} certificate{'s' if len(outcomes) != 1 else ''}: {counts['valid']} valid, "
          f"{counts['invalid']} invalid, {counts['malformed']} malformed ({seconds:.2f} s)")
    return code
