"""``exactid rank FILE``: certified exact rank of a matrix file."""

from __future__ import annotations

import time

from ..api.matrices import rank
from ..io.matrices import load_matrix
from .common import add_json_flag, add_output, emit, write_certificate


def register(sub, groups) -> None:
    p = sub.add_parser("rank", help="certified exact rank of a matrix (JSON or integer .npy)",
                       description="Certified exact rank of a matrix over Q or Q(zeta_n): a nonzero minor modulo a "
                                   "prime proves the lower bound, verified kernel vectors the upper bound.")
    p.add_argument("file", metavar="FILE")
    add_output(p, "CERT", "write the rank certificate (.json or .json.gz)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    start = time.perf_counter()
    matrix = load_matrix(args.file)
    result = rank(matrix)
    if args.output:
        write_certificate(args.output, result.certificate)
    seconds = time.perf_counter() - start
    payload = {"verdict": result.verdict, "rank": result.rank, "certified": result.verdict,
               "shape": list(matrix.shape), "field": result.field, "seconds": round(seconds, 3)}
    if args.output:
        payload["certificate"] = args.output
    text = f"{result.details} ({'certified exactly' if result.verdict == 'exact' else 'lower bound certified'}; " \
           f"{matrix.nrows}x{matrix.ncols} over {result.field}, {seconds:.2f} s)"
    emit(args, payload, text)
    return 0
