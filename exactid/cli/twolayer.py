"""``exactid certify two-layer`` and ``exactid draw two-layer``.

Named products: ``--matrix NAME --n N --x-col-sparsity K --y-row-sparsity K2 [--r R]``
(r defaults to the tight count N^2 / (K K2)).  User data: ``--x X.json --y Y.json`` decides
the family with Z = X Y (K, K2, r default to X's largest column count, Y's largest row count
and X's column number) or, with ``--fixed-support``, the pair for its own supports.  A given
product with given supports: ``--z Z.json --x-support SX.json --y-support SY.json`` (supports
are the nonzero patterns of the two files) recovers the factors by iterative completion.
"""

from __future__ import annotations

import time

from ..errors import InputError
from ..io.files import write_json
from .common import add_json_flag, emit, subgroup


def _add_options(p) -> None:
    p.add_argument("--matrix", metavar="NAME", help="named product: dft, dct2, dst2, dct4, hadamard")
    p.add_argument("--n", type=int, metavar="N", help="size of the named matrix")
    p.add_argument("--x", metavar="X.json", help="left factor X (matrix file)")
    p.add_argument("--y", metavar="Y.json", help="right factor Y (matrix file)")
    p.add_argument("--fixed-support", action="store_true", help="with --x/--y: decide for the fixed supports")
    p.add_argument("--z", metavar="Z.json", help="a given product Z (with --x-support and --y-support)")
    p.add_argument("--x-support", metavar="SX.json", help="with --z: support of X (a matrix file; its nonzero pattern)")
    p.add_argument("--y-support", metavar="SY.json", help="with --z: support of Y (a matrix file; its nonzero pattern)")
    p.add_argument("--x-col-sparsity", type=int, metavar="K", help="at most K nonzeros per column of X")
    p.add_argument("--y-row-sparsity", type=int, metavar="K2", help="at most K2 nonzeros per row of Y")
    p.add_argument("--r", type=int, metavar="R", help="inner dimension (default: the tight count)")
    p.add_argument("--count", action="store_true", help="count all exact covers (can be slow)")
    p.add_argument("--max-candidates", type=int, default=200_000, metavar="M",
                   help="give up (undecided) beyond M candidate blocks (default 200000)")
    add_json_flag(p)


def register(sub, groups) -> None:
    certify = subgroup(sub, groups, "certify", "produce a certificate")
    p = certify.add_parser("two-layer", help="two-layer sparse factorization identifiability",
                           description=__doc__.split("\n\n")[1])
    _add_options(p)
    p.add_argument("-o", "--output", metavar="OUT", help="write the certificate (.json or .json.gz)")
    p.set_defaults(func=run_certify)
    draw = subgroup(sub, groups, "draw", "draw pictures (needs the optional extra 'plot')")
    d = draw.add_parser("two-layer", help="draw Z's support with the rank-one blocks (or fixed supports)")
    _add_options(d)
    d.add_argument("-o", "--output", metavar="FILE.png", required=True, help="picture to write")
    d.set_defaults(func=run_draw)


def _decide(args):
    """Returns (kind, result, certificate builder, data for pictures)."""
    from ..certify.twolayer import family_certificate, fixed_certificate
    from ..factorization.rootsums import RootSumMatrix, named_root_sums
    from ..factorization.twolayer import decide_family
    from ..supports import SparsityFamily

    if args.z is not None or args.x_support is not None or args.y_support is not None:
        return _decide_given_supports(args)
    named = args.matrix is not None
    if named == (args.x is not None or args.y is not None):
        raise InputError("give either --matrix NAME --n N, --x X.json --y Y.json, or --z Z.json with "
                         "--x-support and --y-support")
    if named:
        if args.n is None:
            raise InputError("--matrix needs --n N")
        if args.fixed_support:
            raise InputError("--fixed-support applies to --x/--y data")
        if args.x_col_sparsity is None or args.y_row_sparsity is None:
            raise InputError("--matrix needs --x-col-sparsity K and --y-row-sparsity K2")
        Z, data = named_root_sums(args.matrix, args.n), None
        k, kp = args.x_col_sparsity, args.y_row_sparsity
        r = args.r if args.r is not None else max(1, args.n * args.n // (k * kp))
    else:
        from ..io.matrices import load_matrix
        from ..supports import support_of

        if args.x is None or args.y is None:
            raise InputError("--x needs --y (and the reverse)")
        X, Y = load_matrix(args.x), load_matrix(args.y)
        if X.ncols != Y.nrows:
            raise InputError(f"X is {X.nrows}x{X.ncols} and Y is {Y.nrows}x{Y.ncols}: inner dimensions differ")
        if X.field != Y.field:
            raise InputError(f"X is over {X.field.name} and Y over {Y.field.name}")
        if args.fixed_support:
            cert, result = fixed_certificate(X, Y)
            return "fixed", result, cert, (support_of(X), support_of(Y))
        data = X @ Y
        Z = RootSumMatrix.from_exact(data)
        k = args.x_col_sparsity or max(1, int(support_of(X).sum(axis=0).max()))
        kp = args.y_row_sparsity or max(1, int(support_of(Y).sum(axis=1).max()))
        r = args.r if args.r is not None else X.ncols
    m, n = Z.shape
    if k > m or kp > n or k < 1 or kp < 1 or r < 1:
        raise InputError(f"sparsities must satisfy 1 <= K <= {m}, 1 <= K2 <= {n}, and r >= 1")
    family = SparsityFamily(m, n, r, k, kp)
    result = decide_family(Z, family, count=args.count, max_candidates=args.max_candidates)
    cert, result = family_certificate(Z, family, result, data=data)
    return "family", result, cert, Z.shape


def _decide_given_supports(args):
    from ..certify.twolayer import given_supports_certificate
    from ..io.matrices import load_matrix
    from ..supports import support_of

    if args.z is None or args.x_support is None or args.y_support is None:
        raise InputError("--z, --x-support and --y-support go together")
    if args.matrix is not None or args.x is not None or args.y is not None or args.fixed_support:
        raise InputError("--z with supports excludes --matrix, --x/--y and --fixed-support")
    Z = load_matrix(args.z)
    SX, SY = support_of(load_matrix(args.x_support)), support_of(load_matrix(args.y_support))
    if SX.shape[0] != Z.nrows or SY.shape[1] != Z.ncols or SX.shape[1] != SY.shape[0]:
        raise InputError(f"supports {SX.shape[0]}x{SX.shape[1]} and {SY.shape[0]}x{SY.shape[1]} do not fit "
                         f"the {Z.nrows}x{Z.ncols} matrix Z")
    cert, result = given_supports_certificate(Z, SX, SY)
    return "supports", result, cert, (SX, SY)


def run_certify(args) -> int:
    start = time.perf_counter()
    kind, result, cert, info = _decide(args)
    seconds = time.perf_counter() - start
    payload = {"verdict": result.verdict, "reason": result.reason, "seconds": round(seconds, 3), "kind": kind}
    if kind == "family":
        payload["candidates"] = len(result.candidates)
        payload["r"] = result.family.r
        if result.count is not None:
            payload["covers"] = result.count
    elif kind == "supports":
        payload["r"] = int(info[0].shape[1])
        payload["recovered"] = [int(rec[0]) for rec in result.recovered]
        if result.X is not None:  # the factors, as matrix files write them
            from ..certify.common import encode_matrix

            payload["X"], payload["Y"] = encode_matrix(result.X), encode_matrix(result.Y)
    elif result.analysis is not None:  # support-level analysis of (supp X, supp Y)
        a = result.analysis
        payload["supports"] = {"disjoint": a.disjoint, "identical": a.identical, "nested": a.nested,
                               "intersecting": a.intersecting, "completable": a.completable,
                               "order": a.order, "stuck": a.stuck, "half_empty": a.half_empty,
                               "shared": [[i, j, side] for i, j, side, _ in a.shared],
                               "verdict_for_all_pairs": a.verdict}
    if args.output and cert is not None:
        write_json(args.output, cert)
        payload["certificate"] = args.output
    text = f"{result.verdict}: {result.reason}"
    if kind == "family" and result.count is not None:
        text += f" ({result.count} exact cover{'s' if result.count != 1 else ''})"
    if args.output:
        text += f"; certificate written to {args.output}" if cert is not None else "; no certificate (undecided)"
    emit(args, payload, text + f" [{seconds:.2f} s]")
    return 0


def run_draw(args) -> int:
    from ..supports.draw import draw_cover, draw_overlaps, require_matplotlib

    require_matplotlib()  # fail fast, before any computation
    kind, result, _, info = _decide(args)
    title = f"{args.matrix}({args.n})" if args.matrix else "X Y"
    if kind in ("fixed", "supports"):
        draw_overlaps(info[0], info[1], args.output, f"{title}: {result.verdict}")
    else:
        blocks = result.covers[0] if result.covers else []
        draw_cover(info, blocks, args.output, f"{title}: {result.verdict}")
    emit(args, {"verdict": result.verdict, "picture": args.output}, f"{result.verdict}; picture written to {args.output}")
    return 0
