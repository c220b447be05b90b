"""Butterfly commands: ``certify butterfly``, ``factor butterfly`` (float), ``crossval butterfly``.

- ``exactid certify butterfly --matrix {dft,hadamard,random} --n N [--seed S] [--tree T] [-o OUT]``:
  exact hierarchical factorization (DFT with bit reversal, Hadamard, or a product of random
  rational butterfly factors with full support) and its uniqueness certificate.  With
  ``--input FILE`` (JSON matrix or integer ``.npy``) and ``--perm``, an explicit matrix is
  factorized instead: ``identifiable`` or ``no_factorization`` (both certified), or
  ``undecided`` when a rank-one block vanishes (degenerate case).
- ``exactid factor butterfly IN.npy [--perm bitrev] [--tree T] -o OUT.npz``: the float
  fallback; writes the compact ``.npz`` (see :mod:`exactid.factorization.butterfly_float`).
- ``exactid crossval butterfly FACTORS.npz --matrix dft --n N [--tol T]``: compares float
  factors with the exact ones up to diagonal scalings.
"""

from __future__ import annotations

import time

from ..errors import InputError
from ..io.arrays import load_npy
from ..resources import MAX_BUTTERFLY_N
from .common import (add_json_flag, add_output, emit, int_range, perm_spec, seed, subgroup, tolerance, tree_spec,
                     write_certificate, write_output_bytes)

CERTIFY_DESCRIPTION = (
    "Exact hierarchical butterfly factorization of the DFT (with bit reversal), the Hadamard matrix or a product "
    "of random rational butterfly factors (--matrix, --n), or of an explicit matrix (--input, --perm), with a "
    "certificate: identifiable (unique up to diagonal scalings), no_factorization (a block of rank 2 or more), "
    "or undecided when a rank-one block vanishes.")
TREE_HELP = "tree of splits: balanced (default), left, right, or a nested JSON list such as '[[1,2],[3,4]]'"


def register(sub, groups) -> None:
    certify = subgroup(sub, groups, "certify", "produce a certificate")
    p = certify.add_parser("butterfly", help="exact butterfly factorization with a uniqueness certificate",
                           description=CERTIFY_DESCRIPTION)
    p.add_argument("--matrix", choices=["dft", "hadamard", "random"], help="named matrix")
    p.add_argument("--n", type=butterfly_size, metavar="N", help=f"size N = 2^L, 2 <= N <= {MAX_BUTTERFLY_N}")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="seed for --matrix random (default 0)")
    p.add_argument("--input", metavar="FILE", help="an explicit matrix (JSON, or integer .npy) instead of --matrix")
    p.add_argument("--perm", type=perm_spec, default=None, metavar="P",
                   help="with --input: bitrev, identity (default) or a JSON list")
    p.add_argument("--tree", type=tree_spec, default="balanced", metavar="T", help=TREE_HELP)
    add_output(p, "OUT", "write the certificate (.json or .json.gz)")
    add_json_flag(p)
    p.set_defaults(func=run_certify)

    factor = subgroup(sub, groups, "factor", "factorize a matrix (floating point)")
    f = factor.add_parser("butterfly", help="float butterfly factorization of a .npy matrix",
                          description="Floating-point butterfly factorization (the same hierarchical algorithm with top singular pairs) of a square real or complex .npy matrix of size 2^L; writes the compact factors (.npz) and prints the relative error. Not certified.")
    f.add_argument("input", metavar="IN.npy", help="square real or complex matrix of size 2^L")
    f.add_argument("--perm", type=perm_spec, default=None, metavar="P", help="bitrev, identity (default) or a JSON list")
    f.add_argument("--tree", type=tree_spec, default="balanced", metavar="T", help=TREE_HELP)
    add_output(f, "OUT.npz", "compact factors (.npz)", required=True)
    add_json_flag(f)
    f.set_defaults(func=run_factor)

    crossval = subgroup(sub, groups, "crossval", "cross-validate a float result against the exact one")
    c = crossval.add_parser("butterfly", help="compare float butterfly factors with the exact ones up to scalings",
                            description="Compare float butterfly factors (.npz, or a pyfaust Faust) with the exact factors of the DFT or Hadamard matrix after diagonal alignment: equivalent or not_equivalent within the tolerance, with the largest deviation and the entries outside the supports.")
    c.add_argument("factors", metavar="FACTORS.npz")
    c.add_argument("--matrix", choices=["dft", "hadamard"], required=True)
    c.add_argument("--n", type=butterfly_size, metavar="N", required=True)
    c.add_argument("--tol", type=tolerance, default=1e-8, metavar="T",
                   help="tolerance on the aligned entrywise deviation (default 1e-8)")
    add_json_flag(c)
    c.set_defaults(func=run_crossval)


def butterfly_size(text: str) -> int:
    """--n: a power of two in 2..MAX_BUTTERFLY_N (the checker's limit)."""
    import argparse

    value = int_range(2, MAX_BUTTERFLY_N, "the butterfly size N", lambda n: 16 * n * n)(text)
    if value & (value - 1):
        raise argparse.ArgumentTypeError(f"the butterfly size N must be a power of 2, got {value}")
    return value


def _perm_arg(value):
    return value  # parsed and bounded at parse time by perm_spec


def run_certify(args) -> int:
    from ..api.matrices import butterfly

    start = time.perf_counter()
    if (args.matrix is None) == (args.input is None):
        raise InputError("give either --matrix NAME --n N or --input FILE")
    if args.matrix is not None:
        if args.n is None:
            raise InputError("--matrix needs --n N")
        if args.perm is not None:
            raise InputError("--perm applies to --input (dft uses bitrev, hadamard and random the identity)")
        res = butterfly(args.matrix, args.n, tree=args.tree, seed=args.seed)
        what = f"{args.matrix} matrix of size {args.n}"
    else:
        from ..io.matrices import load_matrix

        matrix = load_matrix(args.input, allow_empty=False)
        res = butterfly(matrix, perm=_perm_arg(args.perm), tree=args.tree)
        what = f"{matrix.nrows}x{matrix.ncols} matrix {args.input}"
    written = res.certificate is not None and args.output
    if written:
        write_certificate(args.output, res.certificate)
    seconds = time.perf_counter() - start
    payload = {"verdict": res.verdict, "n": res.n, "tree": res.tree, "seconds": round(seconds, 3)}
    if args.matrix:
        payload["matrix"] = args.matrix
    if written:
        payload["certificate"] = args.output
    if res.details.reason:
        payload["reason"] = res.details.reason
    if res.verdict == "identifiable":
        text = f"identifiable: the {what} has a butterfly factorization unique up to diagonal scalings"
    else:
        text = f"{res.verdict}: {res.reason}"
    if written:
        text += f"\ncertificate written to {args.output}"
    emit(args, payload, text + f" ({seconds:.2f} s)")
    return 0


def run_factor(args) -> int:
    from ..factorization.butterfly_float import factor_float, npz_bytes

    start = time.perf_counter()
    matrix = load_npy(args.input)
    result = factor_float(matrix, _perm_arg(args.perm), args.tree)
    write_output_bytes(args.output, npz_bytes(result))
    seconds = time.perf_counter() - start
    payload = {"verdict": "undecided", "reason": "floating-point factorization (not certified)",
               "relative_error": result.relative_error, "seconds": round(seconds, 3),
               "factorization_seconds": round(result.seconds, 3), "n": result.N, "output": args.output}
    text = (f"butterfly factors of a {result.N}x{result.N} matrix written to {args.output}: relative error "
            f"{result.relative_error:.3e} ({seconds:.2f} s; floating point, not certified)")
    emit(args, payload, text)
    return 0


def run_crossval(args) -> int:
    from ..factorization.crossval import crossval_npz

    start = time.perf_counter()
    report = crossval_npz(args.factors, args.matrix, args.n, args.tol)
    payload = report.as_dict()
    payload["seconds"] = round(time.perf_counter() - start, 3)
    text = (f"{report.verdict}: max deviation after diagonal alignment {report.max_deviation:.3e} "
            f"(tolerance {report.tolerance:g}), support violations {report.support_violations}, "
            f"permutation {'matches' if report.permutation_matches else 'differs'}")
    emit(args, payload, text)
    return 0
