"""Kronecker-sparse architectures: ``describe-architecture``, ``certify kronecker``,
``factor kronecker-sparse`` (float) and ``crossval kronecker``.

Architectures are written ``butterfly:N`` (square dyadic, N = 2^L), ``radix:K^L`` (radix-K
butterfly of size K^L), ``radix:r1,r2,...`` (mixed radix), ``monarch:PxQ`` (Monarch of size
P·Q: patterns (1,P,P,Q) and (P,Q,Q,1)) or explicit patterns ``a,b,c,d;a,b,c,d;...``.
"""

from __future__ import annotations

import json
import os
import time

import numpy as np

from ..errors import InputError
from .common import add_json_flag, emit, subgroup

ARCH_HELP = "architecture: butterfly:N, radix:K^L, radix:r1,r2,..., monarch:PxQ or a,b,c,d;a,b,c,d;..."
TREE_HELP = "tree of splits: balanced, left, right, or a nested JSON list such as '[[1,2],3]'"


def register(sub, groups) -> None:
    d = sub.add_parser("describe-architecture", help="describe a Kronecker-sparse architecture",
                       description="Patterns, shapes, chainability and the splits of a tree of an architecture. "
                       "Architectures: butterfly:N (square dyadic, N = 2^L), radix:K^L, radix:r1,r2,... (mixed "
                       "radix), monarch:PxQ (patterns (1,P,P,Q) and (P,Q,Q,1)), or patterns a,b,c,d;a,b,c,d;...")
    d.add_argument("arch", metavar="ARCH", help=ARCH_HELP)
    d.add_argument("--tree", default=None, metavar="T", help=TREE_HELP + " (default balanced)")
    add_json_flag(d)
    d.set_defaults(func=run_describe)

    certify = subgroup(sub, groups, "certify", "produce a certificate")
    c = certify.add_parser("kronecker", help="exact factorization into a Kronecker-sparse architecture, certified",
                           description="Exact hierarchical factorization into a chainable architecture with a "
                           "certificate: identifiable (unique up to the classes' ambiguity), no_factorization, "
                           "not_identifiable, or undecided.  --matrix dft takes a mixed-radix butterfly "
                           "(digit reversal); --matrix random a product of random rational factors.")
    c.add_argument("--arch", required=True, metavar="ARCH", help=ARCH_HELP)
    c.add_argument("--matrix", choices=["dft", "random"], help="named matrix")
    c.add_argument("--seed", type=int, default=0, metavar="S", help="seed for --matrix random (default 0)")
    c.add_argument("--input", metavar="FILE", help="an explicit rational matrix (JSON, or integer .npy)")
    c.add_argument("--tree", default="balanced", metavar="T", help=TREE_HELP + " (default balanced)")
    c.add_argument("-o", "--output", metavar="OUT", help="write the certificate (.json or .json.gz)")
    add_json_flag(c)
    c.set_defaults(func=run_certify)

    factor = subgroup(sub, groups, "factor", "factorize a matrix (floating point)")
    f = factor.add_parser("kronecker-sparse", help="float factorization into a Kronecker-sparse architecture",
                          description="Hierarchical factorization with orthonormal left parts; reports the relative "
                          "error and, on the right comb tree, the proved bound error <= C * best error.")
    f.add_argument("input", metavar="IN.npy", help="real or complex matrix of the architecture's shape")
    f.add_argument("--arch", required=True, metavar="ARCH", help=ARCH_HELP)
    f.add_argument("--tree", default="right", metavar="T", help=TREE_HELP + " (default right: the bound's tree)")
    f.add_argument("--perm", choices=["identity", "digit-reversal"], default="identity",
                   help="factor Z[:, perm] (digit reversal of a mixed-radix architecture's radices)")
    f.add_argument("-o", "--output", metavar="OUT.npz", required=True, help="compact factors (.npz)")
    add_json_flag(f)
    f.set_defaults(func=run_factor)

    crossval = subgroup(sub, groups, "crossval", "cross-validate a float result against the exact one")
    x = crossval.add_parser("kronecker", help="compare float Kronecker-sparse factors with the exact DFT factors",
                            description="Compare the float factors of a .npz written by factor kronecker-sparse (a "
                            "mixed-radix architecture, --perm digit-reversal) with the exact DFT factors, up to "
                            "diagonal scalings: equivalent or not_equivalent, with the largest deviation per factor.")
    x.add_argument("factors", metavar="FACTORS.npz")
    x.add_argument("--matrix", choices=["dft"], required=True)
    x.add_argument("--tol", type=float, default=1e-8, metavar="T", help="tolerance (default 1e-8)")
    add_json_flag(x)
    x.set_defaults(func=run_crossval)


def _tree_arg(text):
    if text is None or text in ("balanced", "left", "right"):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise InputError(f"--tree must be balanced, left, right or a JSON list, got {text[:40]!r}") from None


def run_describe(args) -> int:
    from ..factorization.kronecker import parse_architecture

    arch = parse_architecture(args.arch)
    tree = _tree_arg(args.tree)
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
    from ..certify.kronecker import certify_matrix, certify_named, verdict_of
    from ..factorization.kronecker import parse_architecture
    from ..io.files import write_json

    start = time.perf_counter()
    if (args.matrix is None) == (args.input is None):
        raise InputError("give either --matrix NAME or --input FILE")
    arch = parse_architecture(args.arch)
    tree = _tree_arg(args.tree)
    if args.matrix is not None:
        cert, result = certify_named(args.matrix, arch, tree, args.seed)
        what = f"{args.matrix} matrix of size {arch.shape[0]}x{arch.shape[1]}"
    else:
        from ..io.matrices import load_matrix

        matrix = load_matrix(args.input)
        cert, result = certify_matrix(matrix, arch, tree)
        what = f"{matrix.nrows}x{matrix.ncols} matrix {args.input}"
    verdict = verdict_of(result, cert)
    if cert is not None and args.output:
        write_json(args.output, cert)
    seconds = time.perf_counter() - start
    payload = {"verdict": verdict, "architecture": arch.name, "tree": result.tree.to_json(),
               "seconds": round(seconds, 3)}
    if verdict == "identifiable":
        payload["ambiguity"] = result.ambiguity()
        text = f"identifiable: the {what} factors in {arch.name}, unique up to {result.ambiguity()}"
    elif verdict == "no_factorization":
        w = result.witness
        payload["witness"] = {"kind": w.kind, "level": w.level, "rows": w.rows, "cols": w.cols}
        text = f"no_factorization: {result.reason} (rows {w.rows}, cols {w.cols})"
    elif verdict == "not_identifiable":
        payload["changed"] = {"factor": result.changed[0], "row": result.changed[1]}
        text = (f"not_identifiable: {result.reason}; a second factorization changes row {result.changed[1]} "
                f"of X_{result.changed[0]}")
    else:
        text = f"undecided: {result.reason}"
    if result.reason:
        payload["reason"] = result.reason
    if cert is not None and args.output:
        payload["certificate"] = args.output
        text += f"\ncertificate written to {args.output}"
    emit(args, payload, text + f" ({seconds:.2f} s)")
    return 0


def run_factor(args) -> int:
    from ..certify.kronecker import radices_of
    from ..factorization.kronecker import parse_architecture
    from ..factorization.kronecker.exact import digit_reversal
    from ..factorization.kronecker.floating import factor_float, save_npz
    from ..io.arrays import load_npy

    start = time.perf_counter()
    arch = parse_architecture(args.arch)
    matrix = load_npy(args.input)
    if matrix.ndim == 2 and args.perm == "digit-reversal":
        if matrix.shape != arch.shape:
            raise InputError(f"the matrix has shape {matrix.shape}, the architecture {arch.shape}")
        matrix = matrix[:, digit_reversal(radices_of(arch))]
    result = factor_float(matrix, arch, _tree_arg(args.tree))
    save_npz(args.output, result)
    seconds = time.perf_counter() - start
    payload = {"verdict": "undecided", "reason": "floating-point factorization (not certified)",
               "architecture": arch.name, "perm": args.perm, "relative_error": result.relative_error,
               "best_error_lower_bound": result.best_error_lower_bound, "constant": result.constant,
               "seconds": round(seconds, 3), "factorization_seconds": round(result.seconds, 3), "output": args.output}
    if result.constant is None:
        payload["constant_reason"] = result.constant_reason
        bound = f"no proved bound for this tree ({result.constant_reason})"
    else:
        bound = (f"proved: error <= {result.constant:.4g} x best error; best relative error >= "
                 f"{result.best_error_lower_bound:.3e}")
    text = (f"{arch.name} factors written to {args.output}: relative error {result.relative_error:.3e}; {bound} "
            f"({seconds:.2f} s; floating point, not certified)")
    emit(args, payload, text)
    return 0


def run_crossval(args) -> int:
    from ..certify.kronecker import radices_of
    from ..factorization.kronecker.crossval import compare
    from ..factorization.kronecker.exact import digit_reversal, factor_roots_of_unity
    from ..factorization.kronecker.floating import load_npz

    start = time.perf_counter()
    if not os.path.exists(args.factors):
        raise InputError(f"no such file: {args.factors}")
    res = load_npz(args.factors)
    arch = res.arch
    n = arch.shape[0]
    perm = digit_reversal(radices_of(arch))
    j = np.arange(n, dtype=np.int64)
    exact = factor_roots_of_unity((-(j[:, None] * perm[None, :])) % n, n, arch, "balanced")
    reference = [np.exp(2j * np.pi * f / n) for f in exact.factors]
    report = compare(res.factors, reference, arch, args.tol)
    report["seconds"] = round(time.perf_counter() - start, 3)
    text = (f"{report['verdict']}: max deviation after diagonal alignment {report['max_deviation']:.3e} "
            f"(tolerance {report['tolerance']:g}) against the exact DFT factors of size {n}")
    emit(args, report, text)
    return 0
