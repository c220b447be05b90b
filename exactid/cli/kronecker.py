"""Kronecker-sparse architectures: ``describe-architecture``, ``certify kronecker``,
``factor kronecker-sparse`` (float) and ``crossval kronecker``.

Architectures are written ``butterfly:N`` (square dyadic, N = 2^L), ``radix:K^L`` (radix-K
butterfly of size K^L), ``radix:r1,r2,...`` (mixed radix), ``monarch:PxQ`` (Monarch of size
P·Q: patterns (1,P,P,Q) and (P,Q,Q,1)) or explicit patterns ``a,b,c,d;a,b,c,d;...``.
"""

from __future__ import annotations

import argparse
import time

from ..errors import InputError
from .common import (add_json_flag, add_output, emit, seed, subgroup, tolerance, tree_spec, write_certificate,
                     write_output_bytes)

MAX_ARCH_CHARS = 4096  # an explicit architecture of a few hundred patterns; names are much shorter
ARCH_HELP = "architecture: butterfly:N, radix:K^L, radix:r1,r2,..., monarch:PxQ or a,b,c,d;a,b,c,d;..."
TREE_HELP = "tree of splits: balanced, left, right, or a nested JSON list such as '[[1,2],3]'"


def register(sub, groups) -> None:
    d = sub.add_parser("describe-architecture", help="describe a Kronecker-sparse architecture",
                       description="Patterns, shapes, chainability and the splits of a tree of an architecture. "
                       "Architectures: butterfly:N (square dyadic, N = 2^L), radix:K^L, radix:r1,r2,... (mixed "
                       "radix), monarch:PxQ (patterns (1,P,P,Q) and (P,Q,Q,1)), or patterns a,b,c,d;a,b,c,d;...")
    d.add_argument("arch", metavar="ARCH", type=arch_spec, help=ARCH_HELP)
    d.add_argument("--tree", type=tree_spec, default=None, metavar="T", help=TREE_HELP + " (default balanced)")
    add_json_flag(d)
    d.set_defaults(func=run_describe)

    certify = subgroup(sub, groups, "certify", "produce a certificate")
    c = certify.add_parser("kronecker", help="exact factorization into a Kronecker-sparse architecture, certified",
                           description="Exact hierarchical factorization into a chainable architecture with a "
                           "certificate: identifiable (unique up to the classes' ambiguity), no_factorization, "
                           "not_identifiable, or undecided.  --matrix dft takes a mixed-radix butterfly "
                           "(digit reversal); --matrix random a product of random rational factors.")
    c.add_argument("--arch", type=arch_spec, required=True, metavar="ARCH", help=ARCH_HELP)
    c.add_argument("--matrix", choices=["dft", "random"], help="named matrix")
    c.add_argument("--seed", type=seed, default=0, metavar="S", help="seed for --matrix random (default 0)")
    c.add_argument("--input", metavar="FILE", help="an explicit rational matrix (JSON, or integer .npy)")
    c.add_argument("--tree", type=tree_spec, default="balanced", metavar="T", help=TREE_HELP + " (default balanced)")
    add_output(c, "OUT", "write the certificate (.json or .json.gz)")
    add_json_flag(c)
    c.set_defaults(func=run_certify)

    factor = subgroup(sub, groups, "factor", "factorize a matrix (floating point)")
    f = factor.add_parser("kronecker-sparse", help="float factorization into a Kronecker-sparse architecture",
                          description="Hierarchical factorization with orthonormalization (the butterfly algorithm "
                          "of arXiv 2411.04506); reports the relative error and the proved bounds error <= C * best "
                          "error: C_beta = 2^(L-1) - 1 of the paper (chainable, non-redundant architectures, any tree) "
                          "and sqrt(L-1) on the right comb tree.")
    f.add_argument("input", metavar="IN.npy", help="real or complex matrix of the architecture's shape")
    f.add_argument("--arch", type=arch_spec, required=True, metavar="ARCH", help=ARCH_HELP)
    f.add_argument("--tree", type=tree_spec, default="right", metavar="T", help=TREE_HELP + " (default right: the tree of the sqrt(L-1) bound)")
    f.add_argument("--algorithm", choices=["auto", "tree", "sweep"], default="auto",
                   help="sweep: QR of the other factors before each split (the paper's algorithm on any tree); "
                   "tree: orthonormal left parts only; auto (default): tree on the right comb, else sweep")
    f.add_argument("--perm", choices=["identity", "digit-reversal"], default="identity",
                   help="factor Z[:, perm] (digit reversal of a mixed-radix architecture's radices)")
    add_output(f, "OUT.npz", "compact factors (.npz)", required=True)
    add_json_flag(f)
    f.set_defaults(func=run_factor)

    crossval = subgroup(sub, groups, "crossval", "cross-validate a float result against the exact one")
    x = crossval.add_parser("kronecker", help="compare float Kronecker-sparse factors with the exact DFT factors",
                            description="Compare the float factors of a .npz written by factor kronecker-sparse (a "
                            "mixed-radix architecture, --perm digit-reversal) with the exact DFT factors, up to "
                            "diagonal scalings: equivalent or not_equivalent, with the largest deviation per factor.")
    x.add_argument("factors", metavar="FACTORS.npz")
    x.add_argument("--matrix", choices=["dft"], required=True)
    x.add_argument("--tol", type=tolerance, default=1e-8, metavar="T", help="tolerance (default 1e-8)")
    add_json_flag(x)
    x.set_defaults(func=run_crossval)


def arch_spec(text: str) -> str:
    """``--arch``: an architecture's text, bounded in length (parsed by the library)."""
    if len(text) > MAX_ARCH_CHARS:
        raise argparse.ArgumentTypeError(f"the architecture is longer than {MAX_ARCH_CHARS} characters")
    if not text.strip():
        raise argparse.ArgumentTypeError("the architecture is empty")
    return text


def run_describe(args) -> int:
    from ..factorization.kronecker import parse_architecture

    arch = parse_architecture(args.arch)
    tree = args.tree
    payload = {"name": arch.name, "patterns": [list(p.as_tuple()) for p in arch.patterns],
               "shape": list(arch.shape), "parameters": arch.parameters, "chainable": arch.chainable()}
    if arch.L > 1 and (tree is not None or arch.chainable()):
        try:
            top, nodes = arch.nodes(tree or "balanced")
            payload["tree"] = arch.tree(tree or "balanced").to_json()
            payload["product_pattern"] = list(top.as_tuple())
            payload["splits"] = [{"node": [n.p, n.l, n.q], "left": list(n.left.as_tuple()),
                                  "right": list(n.right.as_tuple()), "product": list(n.product.as_tuple()),
                                  "classes": n.classes, "class_size": n.rank} for n in nodes]
        except InputError as exc:
            payload["tree_error"] = str(exc)
    emit(args, payload, arch.describe(tree))
    return 0


def run_certify(args) -> int:
    from ..api.matrices import kronecker
    from ..factorization.kronecker import parse_architecture

    start = time.perf_counter()
    if (args.matrix is None) == (args.input is None):
        raise InputError("give either --matrix NAME or --input FILE")
    arch = parse_architecture(args.arch)
    if args.matrix is not None:
        res = kronecker(args.matrix, arch, tree=args.tree, seed=args.seed)
        what = f"{args.matrix} matrix of size {arch.shape[0]}x{arch.shape[1]}"
    else:
        from ..io.matrices import load_matrix

        matrix = load_matrix(args.input)
        res = kronecker(matrix, arch, tree=args.tree)
        what = f"{matrix.nrows}x{matrix.ncols} matrix {args.input}"
    written = res.certificate is not None and args.output
    if written:
        write_certificate(args.output, res.certificate)
    seconds = time.perf_counter() - start
    result = res.details
    payload = {"verdict": res.verdict, "architecture": res.architecture, "tree": res.tree,
               "seconds": round(seconds, 3)}
    if res.verdict == "identifiable":
        payload["ambiguity"] = res.ambiguity
        text = f"identifiable: the {what} factors in {res.architecture}, unique up to {res.ambiguity}"
    elif res.verdict == "no_factorization":
        w = result.witness
        payload["witness"] = {"kind": w.kind, "level": w.level, "rows": w.rows, "cols": w.cols}
        text = f"no_factorization: {res.reason}"
    elif res.verdict == "not_identifiable":
        inv = result.invariant
        payload["changed"] = {"factor": inv["factor"], "row" if inv["side"] == "rows" else "column": inv["member"],
                              "class_ranks": inv["ranks"]}
        text = f"not_identifiable: {res.reason}"
    else:
        text = f"undecided: {res.reason}"
    if result.reason:
        payload["reason"] = result.reason
    if written:
        payload["certificate"] = args.output
        text += f"\ncertificate written to {args.output}"
    emit(args, payload, text + f" ({seconds:.2f} s)")
    return 0


def run_factor(args) -> int:
    from ..factorization.kronecker import parse_architecture
    from ..factorization.kronecker.floating import factor_float, npz_bytes
    from ..io.arrays import load_npy

    start = time.perf_counter()
    arch = parse_architecture(args.arch)
    matrix = load_npy(args.input)
    result = factor_float(matrix, arch, args.tree, perm=args.perm, algorithm=args.algorithm)
    write_output_bytes(args.output, npz_bytes(result))
    seconds = time.perf_counter() - start
    payload = {"verdict": "undecided", "reason": "floating-point factorization (not certified)",
               "architecture": arch.name, "perm": args.perm, "relative_error": result.relative_error,
               "best_error_lower_bound": result.best_error_lower_bound, **result.bound_report(),
               "seconds": round(seconds, 3), "factorization_seconds": round(result.seconds, 3), "output": args.output}
    if result.constant is None:
        bound = f"no proved bound for this tree ({result.constant_reason})"
    else:
        paper = ("" if result.paper_constant is None else
                 f" (C_beta of arXiv 2411.04506: {result.paper_constant:.4g})")
        bound = (f"proved: error <= {result.constant:.4g} x best error{paper}; best relative error >= "
                 f"{result.best_error_lower_bound:.3e}")
    text = (f"{arch.name} factors written to {args.output}: relative error {result.relative_error:.3e}; {bound} "
            f"({seconds:.2f} s; floating point, not certified)")
    emit(args, payload, text)
    return 0


def run_crossval(args) -> int:
    from ..factorization.kronecker.crossval import crossval_npz

    start = time.perf_counter()
    report = crossval_npz(args.factors, args.matrix, args.tol)
    n = report.pop("n")
    report["seconds"] = round(time.perf_counter() - start, 3)
    text = (f"{report['verdict']}: max deviation after diagonal alignment {report['max_deviation']:.3e} "
            f"(tolerance {report['tolerance']:g}) against the exact DFT factors of size {n}")
    emit(args, report, text)
    return 0
