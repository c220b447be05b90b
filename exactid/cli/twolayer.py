"""``exactid certify two-layer`` and ``exactid draw two-layer``.

Named products: ``--matrix NAME --n N --x-col-sparsity K --y-row-sparsity K2 [--r R]``
(r defaults to the tight count N^2 / (K K2)).  User data: ``--x X.json --y Y.json`` decides
the family with Z = X Y (K, K2, r default to X's largest column count, Y's largest row count
and X's column number) or, with ``--fixed-support``, the pair for its own supports.
"""

from __future__ import annotations

import sys
import time

from ..errors import InputError
from ..resources import MAX_NAMED_TWO_LAYER_N
from .common import add_json_flag, add_output, emit, int_range, nonnegative_int, positive_int, sparsity, subgroup, write_certificate


CERTIFY_DESCRIPTION = (
    "Identifiability of a two-layer sparse factorization Z = X Y. Named products: --matrix NAME --n N "
    "--x-col-sparsity K --y-row-sparsity K2 [--r R] (r defaults to the tight count N^2 / (K K2)). User data: "
    "--x X.json --y Y.json decides the family of Z = X Y (K, K2 and r default to the largest column count of X, "
    "the largest row count of Y and the number of columns of X) or, with --fixed-support, the pair for its own "
    "supports. A given product with given supports: --z Z.json --x-support SX.json --y-support SY.json (the "
    "nonzero patterns of the two files) recovers the factors by iterative completion.")


def _add_options(p) -> None:
    p.add_argument("--matrix", metavar="NAME", help="named product: dft, dct2, dst2, dct4, hadamard")
    p.add_argument("--n", type=int_range(1, MAX_NAMED_TWO_LAYER_N, "the size N", lambda n: 24 * n * n), metavar="N",
                   help=f"size of the named matrix (1..{MAX_NAMED_TWO_LAYER_N}, the checker's limit)")
    p.add_argument("--x", metavar="X.json", help="left factor X (matrix file)")
    p.add_argument("--y", metavar="Y.json", help="right factor Y (matrix file)")
    p.add_argument("--fixed-support", action="store_true", help="with --x/--y: decide for the fixed supports")
    p.add_argument("--z", metavar="Z.json", help="a given product Z (with --x-support and --y-support)")
    p.add_argument("--x-support", metavar="SX.json", help="with --z: support of X (a matrix file; its nonzero pattern)")
    p.add_argument("--y-support", metavar="SY.json", help="with --z: support of Y (a matrix file; its nonzero pattern)")
    p.add_argument("--x-col-sparsity", type=sparsity, metavar="K", help="at most K >= 1 nonzeros per column of X")
    p.add_argument("--y-row-sparsity", type=sparsity, metavar="K2", help="at most K2 >= 1 nonzeros per row of Y")
    p.add_argument("--r", type=positive_int, metavar="R", help="inner dimension (default: the tight count)")
    p.add_argument("--count", action="store_true", help="count all exact covers (can be slow)")
    p.add_argument("--max-candidates", type=nonnegative_int, default=200_000, metavar="M",
                   help="give up (undecided) beyond M candidate blocks (default 200000)")
    add_json_flag(p)


def register(sub, groups) -> None:
    certify = subgroup(sub, groups, "certify", "produce a certificate")
    p = certify.add_parser("two-layer", help="two-layer sparse factorization identifiability",
                           description=CERTIFY_DESCRIPTION)
    _add_options(p)
    add_output(p, "OUT", "write the certificate (.json or .json.gz)")
    p.set_defaults(func=run_certify)
    draw = subgroup(sub, groups, "draw", "draw pictures (needs the optional extra 'plot')")
    d = draw.add_parser("two-layer", help="draw Z's support with the rank-one blocks (or fixed supports)",
                        description="Draw the support of Z with the rank-one blocks of an exact cover, or the rank-one supports of fixed factors, to a PNG file (needs the optional extra plot).")
    _add_options(d)
    add_output(d, "FILE.png", "picture to write", required=True)
    d.set_defaults(func=run_draw)


def _decide(args):
    """The library's decision for the parsed arguments (a :class:`TwoLayerResult`)."""
    from ..api.matrices import two_layer
    from ..io.matrices import load_matrix

    if args.z is not None or args.x_support is not None or args.y_support is not None:
        if args.z is None or args.x_support is None or args.y_support is None:
            raise InputError("--z, --x-support and --y-support go together")
        if args.matrix is not None or args.x is not None or args.y is not None or args.fixed_support:
            raise InputError("--z with supports excludes --matrix, --x/--y and --fixed-support")
        return two_layer(load_matrix(args.z), supports=(load_matrix(args.x_support), load_matrix(args.y_support)))
    named = args.matrix is not None
    if named == (args.x is not None or args.y is not None):
        raise InputError("give either --matrix NAME --n N, --x X.json --y Y.json, or --z Z.json with "
                         "--x-support and --y-support")
    sparsities = {"x_col_sparsity": args.x_col_sparsity, "y_row_sparsity": args.y_row_sparsity, "r": args.r}
    if named:
        if args.n is None:
            raise InputError("--matrix needs --n N")
        if args.fixed_support:
            raise InputError("--fixed-support applies to --x/--y data")
        if args.x_col_sparsity is None or args.y_row_sparsity is None:
            raise InputError("--matrix needs --x-col-sparsity K and --y-row-sparsity K2")
        return two_layer(args.matrix, n=args.n, family=sparsities, count=args.count,
                         max_candidates=args.max_candidates)
    if args.x is None or args.y is None:
        raise InputError("--x needs --y (and the reverse)")
    X, Y = load_matrix(args.x, allow_empty=False), load_matrix(args.y, allow_empty=False)
    if args.fixed_support:
        return two_layer(X=X, Y=Y, fixed_support=True)
    overrides = {k: v for k, v in sparsities.items() if v is not None}
    return two_layer(X=X, Y=Y, family=overrides or None, count=args.count, max_candidates=args.max_candidates)


def run_certify(args) -> int:
    start = time.perf_counter()
    res = _decide(args)
    result, kind, cert = res.details, res.kind, res.certificate
    seconds = time.perf_counter() - start
    payload = {"verdict": res.verdict, "reason": res.reason, "seconds": round(seconds, 3), "kind": kind}
    if kind == "family":
        payload["candidates"] = res.candidates
        payload["r"] = res.r
        if res.covers is not None:
            payload["covers"] = res.covers
    elif kind == "supports":
        payload["r"] = res.r
        payload["recovered"] = [int(rec[0]) for rec in result.recovered]
        if res.factors:  # the recovered factors, as matrix files write them
            from ..certify.common import encode_matrix

            payload["X"], payload["Y"] = (encode_matrix(M) for M in res.factors)
    elif result.analysis is not None:  # support-level analysis of (supp X, supp Y)
        a = result.analysis
        payload["supports"] = {"disjoint": a.disjoint, "identical": a.identical, "nested": a.nested,
                               "intersecting": a.intersecting, "completable": a.completable,
                               "order": a.order, "stuck": a.stuck, "half_empty": a.half_empty,
                               "shared": [[i, j, side] for i, j, side, _ in a.shared],
                               "verdict_for_all_pairs": a.verdict}
    if args.output and cert is not None:
        write_certificate(args.output, res.certificate)
        payload["certificate"] = args.output
    text = f"{res.verdict}: {res.reason}"
    if kind == "family" and res.covers is not None:
        text += f" ({res.covers} exact cover{'s' if res.covers != 1 else ''})"
    if args.output:
        text += f"; certificate written to {args.output}" if cert is not None else "; no certificate (undecided)"
    emit(args, payload, text + f" [{seconds:.2f} s]")
    return 0


def run_draw(args) -> int:
    from ..supports.draw import draw_cover, draw_overlaps, require_matplotlib

    require_matplotlib()  # fail fast, before any computation
    res = _decide(args)
    title = f"{args.matrix}({args.n})" if args.matrix else "X Y"
    target = sys.stdout.buffer if args.output == "-" else args.output
    if res.kind in ("fixed", "supports"):
        SX, SY = res.supports
        draw_overlaps(SX, SY, target, f"{title}: {res.verdict}")
    else:
        blocks = res.details.covers[0] if res.details.covers else []
        draw_cover(res.shape, blocks, target, f"{title}: {res.verdict}")
    emit(args, {"verdict": res.verdict, "picture": args.output}, f"{res.verdict}; picture written to {args.output}")
    return 0
