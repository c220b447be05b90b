"""Certificates for two-layer sparse factorization identifiability.

``two_layer_family`` (tight-count sparsity families, named or data products) and
``two_layer_fixed`` (a given pair with fixed supports).  See docs/twolayer.md for the
step kinds; the checker is :mod:`exactid.checker.twolayer`.
"""

from __future__ import annotations

import time
from typing import Optional

from ..domains import ExactMatrix
from ..factorization.rootsums import RootSumMatrix, named_root_sums
from ..factorization.twolayer import FamilyResult, decide_family
from ..supports import SparsityFamily
from .common import encode_matrix, envelope, field_label, rational_if_degree_one
from .limits import MAX_NAMED_SIZE, require_checkable

__all__ = ["family_certificate", "named_family_certificate", "fixed_certificate", "given_supports_certificate",
           "bundled"]


def _block(b) -> dict:
    rows, cols = b
    return {"rows": [int(i) for i in rows], "cols": [int(j) for j in cols]}


def family_certificate(Z: RootSumMatrix, family: SparsityFamily, result: Optional[FamilyResult] = None,
                       data: Optional[ExactMatrix] = None, count: bool = False) -> tuple[dict, FamilyResult]:
    """Decide (unless ``result`` is given) and build the certificate for a tight-count family.

    ``Z`` must be named (``Z.name``) or ``data`` must hold the exact product to embed.
    Undecided results have no certificate: ``(None, result)`` is returned.
    """
    start = time.perf_counter()
    if Z.name is not None:
        require_checkable(int(Z.size), MAX_NAMED_SIZE, "named matrix size")
    if result is None:
        result = decide_family(Z, family, count=count)
    if result.verdict == "undecided":
        return None, result
    red = result.reduction
    claim = {"kind": "two_layer_family", "shape": list(Z.shape), "field": Z.field_name,
             "r": family.r, "x_col_sparsity": family.x_col_sparsity, "y_row_sparsity": family.y_row_sparsity,
             "verdict": result.verdict}
    if Z.name is not None:
        claim["matrix"] = {"name": Z.name, "n": int(Z.size)}
        payload = {}
    else:
        if data is None:
            data = Z.to_exact()
        claim["matrix"] = "data"
        payload = {"matrix": encode_matrix(data)}
    nnz = result.nonzeros if result.nonzeros is not None else Z.shape[0] * Z.shape[1]
    # every entry nonzero mod p; or, with zero entries, the zero residues are exact zeros
    steps = [{"kind": "entries_nonzero_mod_p" if nnz == Z.shape[0] * Z.shape[1] else "support_mod_p",
              "p": red.p, "root": red.root}]
    for blk, rows, cols, wred in result.excluded:
        steps.append({"kind": "block_not_rank_one", "block": _block(blk), "rows": [int(i) for i in rows],
                      "cols": [int(j) for j in cols], "p": wred.p, "root": wred.root})
    if result.verdict == "no_factorization" and not result.candidates and \
            family.r * family.x_col_sparsity * family.y_row_sparsity < nnz:
        pass  # the count alone proves it: every entry is nonzero
    elif result.verdict == "not_identifiable":
        for cover in result.covers[:2]:
            steps.append({"kind": "exact_cover", "blocks": [_block(b) for b in cover]})
        used = sorted({b for cover in result.covers[:2] for b in cover})
        steps.append({"kind": "rank_one_blocks", "blocks": [_block(b) for b in used]})
    else:
        steps.append({"kind": "cover_search", "p": red.p, "root": red.root, "covers": len(result.covers[:2])})
        if result.covers:
            steps.append({"kind": "rank_one_blocks", "blocks": [_block(b) for b in result.covers[0]]})
    meta = {"seconds": round(time.perf_counter() - start, 3), "candidates": len(result.candidates),
            "timings": {k: round(v, 4) for k, v in result.timings.items()}}
    if result.count is not None:
        meta["covers_counted"] = result.count
    return envelope(claim, payload, steps, meta), result


def named_family_certificate(name: str, N: int, x_col_sparsity: int, y_row_sparsity: int, r: Optional[int] = None,
                             count: bool = False) -> tuple[Optional[dict], FamilyResult]:
    """Certificate for a named N x N transform; ``r`` defaults to the tight count N^2/(k k').

    >>> cert, res = named_family_certificate("dct2", 8, 4, 2)
    >>> cert["claim"]["verdict"], [s["kind"] for s in cert["steps"]]
    ('identifiable', ['entries_nonzero_mod_p', 'cover_search', 'rank_one_blocks'])
    """
    Z = named_root_sums(name, N)
    if r is None:
        r = max(1, (N * N) // (x_col_sparsity * y_row_sparsity))
    return family_certificate(Z, SparsityFamily(N, N, r, x_col_sparsity, y_row_sparsity), count=count)


def bundled():
    """DFT, DCT-II, DST-II (N = 4..64) identifiable; Hadamard 4 and 8 not (X N/2-sparse by
    column, Y 2-sparse by row, r = N)."""
    from .bundle import BundleItem

    for name, label in (("dft", "DFT"), ("dct2", "DCT-II"), ("dst2", "DST-II"), ("hadamard", "Hadamard")):
        sizes = (4, 8) if name == "hadamard" else (4, 8, 16, 32, 64)
        for N in sizes:
            verdict = "not identifiable" if name == "hadamard" else "identifiable"
            yield BundleItem(
                f"two-layer/{name}-{N}.json.gz",
                f"{label} of size {N} is {verdict} (X {N // 2}-sparse by column, Y 2-sparse by row, r = {N})",
                lambda name=name, N=N: named_family_certificate(name, N, N // 2, 2, N)[0])
    yield from _bundled_decisions(BundleItem)


def _bundled_decisions(BundleItem):
    """Small instances of each rule of docs/twolayer.md (fixed supports, zeros, given supports)."""
    import numpy as np

    def rows(*r):
        return ExactMatrix.from_rows([list(x) for x in r])

    Y = rows((1, 1, 0), (0, 1, 1))
    yield BundleItem("two-layer/fixed-shared-rows-independent.json",
                     "X = [[1,1],[1,2]], Y = [[1,1,0],[0,1,1]]: the shared rows carry independent factors, "
                     "identifiable for the fixed supports",
                     lambda: fixed_certificate(rows((1, 1), (1, 2)), Y)[0])
    yield BundleItem("two-layer/fixed-shared-rows-proportional.json",
                     "X = [[1,2],[1,2]], Y = [[1,1,0],[0,1,1]]: proportional shared factors, a shift on the "
                     "overlap gives a second pair (not identifiable)",
                     lambda: fixed_certificate(rows((1, 2), (1, 2)), Y)[0])
    yield BundleItem("two-layer/fixed-half-degenerate.json",
                     "x_1 = 0 with y_1 nonzero: y_1 can be zeroed (not identifiable)",
                     lambda: fixed_certificate(rows((1, 0), (2, 0)), rows((1, 3), (1, 1)))[0])
    Z = rows((1, 2, 0, 0), (2, 4, 0, 0), (0, 0, 3, 0), (0, 0, 1, 0))
    yield BundleItem("two-layer/zeros-4x4-identifiable.json",
                     "Z = [[1,2,0,0],[2,4,0,0],[0,0,3,0],[0,0,1,0]] (6 nonzero entries), X 2-sparse by column, "
                     "Y 1-sparse by row, r = 3: unique exact cover of supp(Z), identifiable",
                     lambda: family_certificate(RootSumMatrix.from_exact(Z), SparsityFamily(4, 4, 3, 2, 1),
                                                data=Z)[0])
    yield BundleItem("two-layer/zeros-4x4-no-factorization.json",
                     "the same Z with X and Y 2-sparse and r = 1: 6 nonzero entries > r k k' = 4, no factorization",
                     lambda: family_certificate(RootSumMatrix.from_exact(Z), SparsityFamily(4, 4, 1, 2, 2),
                                                data=Z)[0])
    SX, SY = np.array([[1, 0], [1, 1]]), np.array([[1, 1], [0, 1]])
    yield BundleItem("two-layer/given-supports-identifiable.json",
                     "Z = [[2,3],[4,11]] with supports [[1,0],[1,1]], [[1,1],[0,1]]: factors recovered by "
                     "completion, identifiable",
                     lambda: given_supports_certificate(rows((2, 3), (4, 11)), SX, SY)[0])
    yield BundleItem("two-layer/given-supports-no-factorization.json",
                     "Z = [[2,3],[4,7]] has no factorization with supports [[1],[1]], [[1,1]] (rank one forced)",
                     lambda: given_supports_certificate(rows((2, 3), (4, 7)), np.array([[1], [1]]),
                                                        np.array([[1, 1]]))[0])


def fixed_certificate(X: ExactMatrix, Y: ExactMatrix, result=None,
                      product: Optional[ExactMatrix] = None) -> tuple[Optional[dict], "FixedResult"]:
    """Decide (unless given) and certify identifiability of (X, Y) for its fixed supports.

    With ``product`` (Z, given by the user), the certificate also carries Z and the checker
    verifies X Y = Z.

    >>> from exactid.domains import ExactMatrix
    >>> X = ExactMatrix.from_rows([[1, 2], [3, 4]]); Y = ExactMatrix.from_rows([[1, 1], [1, -1]])
    >>> cert, res = fixed_certificate(X, Y)
    >>> res.verdict, [s["kind"] for s in cert["steps"]]
    ('not_identifiable', ['two_solutions'])
    """
    from ..factorization.fixed import decide_fixed

    start = time.perf_counter()
    X, Y = rational_if_degree_one(X), rational_if_degree_one(Y)
    if result is None:
        result = decide_fixed(X, Y)
    if result.verdict not in ("identifiable", "not_identifiable"):
        return None, result
    claim = {"kind": "two_layer_fixed", "shape": [X.nrows, X.ncols, Y.ncols], "field": field_label(X.field),
             "verdict": result.verdict}
    data = {"X": encode_matrix(X), "Y": encode_matrix(Y)}
    if product is not None:
        data["Z"] = encode_matrix(rational_if_degree_one(product))
    analysis = result.analysis
    if result.verdict == "not_identifiable":
        X2, Y2 = result.second
        if result.witness == "zero_pattern":
            steps = [{"kind": "two_solutions_zero_pattern", "X": encode_matrix(X2), "Y": encode_matrix(Y2)}]
        else:
            new = next(t for t in range(X.ncols) if not any(
                X2[:, [t]] @ Y2[[t], :] == X[:, [s]] @ Y[[s], :] for s in range(X.ncols)))
            steps = [{"kind": "two_solutions", "X": encode_matrix(X2), "Y": encode_matrix(Y2), "new_component": new}]
    elif analysis.disjoint and not result.events:
        steps = [{"kind": "pairwise_disjoint"}]
    else:
        steps = [{"kind": "completable", "component": int(e[1]), "tree": [[int(a), int(b)] for a, b in e[2]]}
                 if e[0] == "single" else
                 {"kind": "shared_pair", "components": [int(e[1]), int(e[2])], "side": e[3],
                  "indices": [int(e[4][0]), int(e[4][1])]} for e in result.events]
    meta = {"seconds": round(time.perf_counter() - start, 3), "reason": result.reason}
    return envelope(claim, data, steps, meta), result


def given_supports_certificate(Z: ExactMatrix, SX, SY) -> tuple[Optional[dict], "GivenSupportsResult"]:
    """Decide and certify a given Z with a given support pair (S_X, S_Y).

    ``identifiable`` / ``not_identifiable``: a ``two_layer_fixed`` certificate of the recovered
    pair (whose supports are exactly S_X, S_Y) carrying Z; ``no_factorization``: a
    ``two_layer_supports`` certificate (recovered components and a contradicting entry).

    >>> import numpy as np
    >>> Z = ExactMatrix.from_rows([[2, 3], [4, 7]])
    >>> cert, res = given_supports_certificate(Z, np.array([[1, 0], [1, 0]]), np.array([[1, 1], [0, 0]]))
    >>> res.verdict, [s["kind"] for s in cert["steps"]]
    ('no_factorization', ['recovered', 'residual_nonzero'])
    """
    import numpy as np

    from ..factorization.given_supports import decide_given_supports

    start = time.perf_counter()
    Z = rational_if_degree_one(Z)
    SX, SY = np.asarray(SX, dtype=bool), np.asarray(SY, dtype=bool)
    result = decide_given_supports(Z, SX, SY)
    if result.verdict in ("identifiable", "not_identifiable"):
        cert, fixed = fixed_certificate(result.X, result.Y, product=Z)
        if fixed.verdict != result.verdict:  # pragma: no cover - both follow from the same completion
            raise AssertionError(f"the recovered pair is {fixed.verdict}, the completion says {result.verdict}")
        return cert, result
    if result.verdict != "no_factorization":
        return None, result
    field = Z.field

    def vector(values, column: bool) -> dict:
        rows = [[v] for v in values] if column else [list(values)]
        return encode_matrix(ExactMatrix.from_rows(rows, field))

    steps = [{"kind": "recovered", "component": int(i), "tree": [[int(a), int(b)] for a, b in tree],
              "x": vector(x, True), "y": vector(y, False)} for i, tree, x, y in result.recovered]
    steps.append({"kind": "residual_nonzero", "entry": [int(v) for v in result.mismatch]})
    claim = {"kind": "two_layer_supports", "shape": [Z.nrows, SX.shape[1], Z.ncols], "field": field_label(field),
             "verdict": "no_factorization"}
    data = {"Z": encode_matrix(Z), "x_support": SX.astype(int).tolist(), "y_support": SY.astype(int).tolist()}
    meta = {"seconds": round(time.perf_counter() - start, 3), "reason": result.reason}
    return envelope(claim, data, steps, meta), result
