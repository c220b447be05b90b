"""``exactid rank FILE``: certified exact rank of a matrix file."""

from __future__ import annotations

import time

from ..certify.rank import rank_certificate
from ..io.matrices import load_matrix
from .common import add_json_flag, add_output, emit, write_certificate


def register(sub, groups) -> None:
    p = sub.add_parser("rank", help="certified exact rank of a matrix (JSON or integer .npy)")
    p.add_argument("file", metavar="FILE")
    add_output(p, "CERT", "write the rank certificate (.json or .json.gz)")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    start = time.perf_counter()
    matrix = load_matrix(args.file)
    cert, result = rank_certificate(matrix)
    if args.output:
        write_certificate(args.output, cert)
    seconds = time.perf_counter() - start
    payload = {"verdict": "decided", "rank": result.rank, "certified": result.certified,
               "shape": list(matrix.shape), "field": matrix.field.name, "seconds": round(seconds, 3)}
    if args.output:
        payload["certificate"] = args.output
    text = f"{result} ({'certified exactly' if result.certified == 'exact' else 'lower bound certified'}; " \
           f"{matrix.nrows}x{matrix.ncols} over {matrix.field.name}, {seconds:.2f} s)"
    emit(args, payload, text)
    return 0
