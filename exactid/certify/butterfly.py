"""Butterfly certificates: uniqueness up to diagonal scalings, or no butterfly factorization.

Claim ``butterfly_unique`` (verdict ``identifiable``)::

    claim: {"kind": "butterfly_unique", "matrix": "dft" | "hadamard" | "explicit", "n": N,
            "perm": "bitrev" | "identity" | [perm], "tree": nested list, "verdict": "identifiable"}
    data:  {"encoding": "roots_of_unity", "conductor": c, "factors": [[e, ...] x L]}
        or {"encoding": "rational", "factors": [["p/q", ...] x L], "matrix": {...}}  (explicit)
    steps: supports, split_lemma (one per internal node: [p, l, q]), nondegenerate, product

Each factor lists its 2N values in butterfly-support order: value ``2*i + t`` is
``X_l[i, (i & ~b) | t*b]`` with ``b = 2**(L-l)``; ``zeta_c^e`` for roots of unity.

Claim ``butterfly_no_factorization`` (explicit matrices): a block of the root split at level
``l`` with a nonzero 2x2 minor (steps: split_lemma [1, l, L], rank_two_block).
"""

from __future__ import annotations

import time
from typing import Any, Optional

import flint
import numpy as np

from ..domains import QQ
from ..domains.matrix import ExactMatrix
from ..errors import InputError
from ..factorization.butterfly import (
    ButterflyResult,
    Tree,
    factor_dft,
    factor_exact,
    factor_hadamard,
    log2_size,
    make_tree,
    nondegenerate,
    product_compact,
)
from .common import encode_matrix, encode_rational, envelope, rational_if_degree_one
from .limits import MAX_BUTTERFLY_N, require_checkable

MATRICES = ("dft", "hadamard", "random")


def _perm_json(result: ButterflyResult, perm_name: Optional[str]) -> Any:
    if perm_name in ("bitrev", "identity"):
        return perm_name
    if np.array_equal(result.perm, np.arange(result.N)):
        return "identity"
    return [int(x) for x in result.perm]


def _steps(tree: Tree) -> list[dict]:
    steps: list[dict] = [{"kind": "supports"}]
    steps += [{"kind": "split_lemma", "node": [n.p, n.split, n.q]} for n in tree.internal_nodes()]
    steps += [{"kind": "nondegenerate"}, {"kind": "product"}]
    return steps


def uniqueness_certificate(result: ButterflyResult, matrix_name: str, matrix: Optional[ExactMatrix] = None,
                           perm_name: Optional[str] = None, meta: Optional[dict] = None) -> dict:
    """Certificate that ``result``'s factorization is the unique one up to diagonal scalings.

    ``matrix_name`` is ``dft``/``hadamard`` (the checker recomputes them) or ``explicit``
    (then ``matrix`` is embedded; rational factors only).
    """
    if result.status != "factorized":
        raise InputError(f"no uniqueness certificate for a {result.status} result")
    claim = {"kind": "butterfly_unique", "matrix": matrix_name, "n": result.N,
             "perm": _perm_json(result, perm_name), "tree": result.tree.to_json(), "verdict": "identifiable"}
    if result.encoding == "roots_of_unity":
        data: dict = {"encoding": "roots_of_unity", "conductor": result.conductor,
                      "factors": [f.astype(np.int64).ravel().tolist() for f in result.factors]}
    else:
        data = _explicit_factors(result, "factors")
        why = nondegenerate(result.factors, result.tree, result.L)
        if why:
            raise InputError(f"the factorization is degenerate ({why}): uniqueness is not certified")
    if matrix_name == "explicit":
        if matrix is None:
            raise InputError("an explicit uniqueness certificate needs the matrix")
        data["matrix"] = encode_matrix(matrix)
    return envelope(claim, data, _steps(result.tree), meta)


def _explicit_factors(result: ButterflyResult, key: str, factors: Optional[list] = None) -> dict:
    """Explicit factor values: rationals, or power-basis coefficient lists over Q(zeta_c)."""
    factors = result.factors if factors is None else factors
    if result.encoding == "rational":
        return {"encoding": "rational",
                key: [[encode_rational(int(x.p), int(x.q)) for x in f.ravel()] for f in factors]}
    if result.encoding != "cyclotomic":  # pragma: no cover - roots of unity are encoded by exponents
        raise InputError(f"no explicit encoding for {result.encoding!r} factors")

    def coefficients(x) -> list:
        return [encode_rational(int(c.p), int(c.q)) for c in x.coefficients()]

    return {"encoding": "cyclotomic", "conductor": result.conductor,
            key: [[coefficients(x) for x in f.ravel()] for f in factors]}


def not_identifiable_certificate(result: ButterflyResult, matrix: ExactMatrix, second: list, level: int,
                                 perm_name: Optional[str] = None, meta: Optional[dict] = None) -> dict:
    """Certificate of two butterfly factorizations (``result.factors`` and ``second``) whose
    zero patterns differ at ``level``: the factorization is not identifiable."""
    claim = {"kind": "butterfly_not_identifiable", "matrix": "explicit", "n": result.N,
             "perm": _perm_json(result, perm_name), "verdict": "not_identifiable"}
    data = _explicit_factors(result, "factors")
    data["second"] = _explicit_factors(result, "second", second)["second"]
    data["matrix"] = encode_matrix(matrix)
    steps = [{"kind": "product", "factorization": "factors"}, {"kind": "product", "factorization": "second"},
             {"kind": "zero_patterns_differ", "level": int(level)}]
    return envelope(claim, data, steps, meta)


def no_factorization_certificate(result: ButterflyResult, matrix: ExactMatrix, meta: Optional[dict] = None,
                                 perm_name: Optional[str] = None) -> dict:
    """Certificate that ``matrix`` has no butterfly factorization (a root block of rank >= 2)."""
    w = result.witness
    if result.status != "no_factorization" or w is None:
        raise InputError("no witness of non-factorizability")
    L = result.L
    claim = {"kind": "butterfly_no_factorization", "matrix": "explicit", "n": result.N,
             "perm": _perm_json(result, perm_name), "verdict": "no_factorization"}
    steps = [{"kind": "split_lemma", "node": [1, w.level, L]},
             {"kind": "rank_two_block", "level": w.level, "block": w.block, "rows": list(w.rows), "cols": list(w.cols)}]
    return envelope(claim, {"matrix": encode_matrix(matrix)}, steps, meta)


def random_butterfly(N: int, seed: int) -> tuple[list[np.ndarray], ExactMatrix]:
    """Rational butterfly factors with full support drawn with ``seed``, and their product.

    Entries ``a/b`` with ``a`` in ±1..9 and ``b`` in 1..4; factors are compact ``(N, 2)``
    object arrays of ``fmpq``.
    """
    L = log2_size(N)
    rng = np.random.default_rng(seed)
    factors = []
    for _ in range(L):
        num = rng.integers(1, 10, size=(N, 2)) * rng.choice([-1, 1], size=(N, 2))
        den = rng.integers(1, 5, size=(N, 2))
        arr = np.empty((N, 2), dtype=object)
        for idx in np.ndindex(N, 2):
            arr[idx] = flint.fmpq(int(num[idx]), int(den[idx]))
        factors.append(arr)
    dense = product_compact(factors, L)  # the root compact layout is the dense matrix
    return factors, ExactMatrix.from_rows(dense.tolist(), QQ)


def certify_named(name: str, N: int, tree: Any = "balanced", seed: int = 0) -> tuple[dict, ButterflyResult]:
    """Run the exact algorithm on ``dft`` (bit reversal), ``hadamard`` or ``random`` and certify.

    >>> cert, res = certify_named("dft", 8)
    >>> cert["claim"]["verdict"], [s["kind"] for s in cert["steps"]][:2]
    ('identifiable', ['supports', 'split_lemma'])
    """
    if name not in MATRICES:
        raise InputError(f"unknown matrix {name!r}; choose one of {', '.join(MATRICES)}")
    L = log2_size(N)
    require_checkable(N, MAX_BUTTERFLY_N, "butterfly size")
    tree_obj = make_tree(tree, L)
    start = time.perf_counter()
    if name == "dft":
        result = factor_dft(N, tree_obj)
        cert_args: tuple = ("dft", None, "bitrev")
    elif name == "hadamard":
        result = factor_hadamard(N, tree_obj)
        cert_args = ("hadamard", None, "identity")
    else:
        _, matrix = random_butterfly(N, seed)
        result = factor_exact(matrix, None, tree_obj)
        cert_args = ("explicit", matrix, "identity")
    seconds = time.perf_counter() - start
    meta: dict = {"seconds": round(seconds, 3)}
    if name == "random":
        meta["seed"] = seed
    cert = uniqueness_certificate(result, *cert_args, meta=meta)
    return cert, result


def certify_matrix(matrix: ExactMatrix, perm: Any = None, tree: Any = "balanced") -> tuple[Optional[dict], ButterflyResult]:
    """Exact factorization of an explicit matrix over Q or Q(zeta_n) with its certificate.

    ``identifiable`` (non-degenerate factorization), ``no_factorization`` (a root block of
    rank >= 2), ``not_identifiable`` (a factorization with a zero column or row, hence a free
    row or column in the next factor), or ``None`` and status ``degenerate`` when neither applies.
    """
    require_checkable(matrix.nrows, MAX_BUTTERFLY_N, "butterfly size")
    from ..factorization.butterfly.degenerate import second_factorization

    matrix = rational_if_degree_one(matrix)
    result = factor_exact(matrix, perm, tree)
    perm_name = perm if isinstance(perm, str) else None
    if result.status == "no_factorization":
        return no_factorization_certificate(result, matrix, perm_name=perm_name), result
    if result.status == "factorized" and nondegenerate(result.factors, result.tree, result.L) is None:
        return uniqueness_certificate(result, "explicit", matrix, perm_name), result
    # degenerate: a zero block, or a partial product with a zero column or row
    found = result if result.status == "factorized" else factor_exact(matrix, perm, tree, zero_blocks=True)
    if found.status == "factorized":
        second = second_factorization(found.factors, found.L)
        if second is not None:
            factors2, level, why = second
            found.status, found.reason = "not_identifiable", f"{why}: the next factor has a free row or column"
            return not_identifiable_certificate(found, matrix, factors2, level, perm_name), found
    result.status = "degenerate"
    result.reason = result.reason or "a partial product has a zero column or row, and no factor has one"
    return None, result


#: Verdict of each status of a :class:`ButterflyResult` once certified (factorized results are
#: certified unique, or re-labelled ``degenerate`` / ``uncertified`` by :func:`certify_matrix`).
VERDICTS = {"factorized": "identifiable", "no_factorization": "no_factorization",
            "not_identifiable": "not_identifiable"}


def verdict_of(result: ButterflyResult) -> str:
    """``identifiable``, ``no_factorization`` or ``undecided`` (degenerate or uncertified results).

    >>> verdict_of(certify_named("hadamard", 4)[1])
    'identifiable'
    """
    return VERDICTS.get(result.status, "undecided")


def _dft_matrix(N: int) -> ExactMatrix:
    from ..transforms import dft

    return dft(N)


def bundled():
    """DFT (bit reversal) and Hadamard butterfly uniqueness for N = 2 ... 1024, balanced trees."""
    from .bundle import BundleItem

    for L in range(1, 11):
        N = 1 << L
        suffix = ".json.gz" if N >= 32 else ".json"
        yield BundleItem(f"butterfly/dft-{N}{suffix}",
                         f"DFT of size {N} with bit reversal: butterfly factorization unique up to scalings",
                         lambda N=N: certify_named("dft", N)[0])
        yield BundleItem(f"butterfly/hadamard-{N}{suffix}",
                         f"Hadamard matrix of size {N}: butterfly factorization unique up to scalings",
                         lambda N=N: certify_named("hadamard", N)[0])
    yield BundleItem("butterfly/dft-8-explicit-cyclotomic.json",
                     "the DFT of size 8 given by its entries over Q(zeta_8), bit reversal: unique up to scalings",
                     lambda: certify_matrix(_dft_matrix(8), "bitrev")[0])
    yield BundleItem("butterfly/zero-column-4.json",
                     "Z = [[1,2,0,0],[3,6,0,0],[0,0,0,0],[0,0,0,0]]: a factor with a zero column leaves a row of the "
                     "next factor free (not identifiable)",
                     lambda: certify_matrix(ExactMatrix.from_rows([[1, 2, 0, 0], [3, 6, 0, 0], [0, 0, 0, 0],
                                                                   [0, 0, 0, 0]]))[0])
    yield BundleItem("butterfly/random-64-seed-1.json.gz",
                     "random rational butterfly product of size 64 (seed 1): unique up to scalings",
                     lambda: certify_named("random", 64, seed=1)[0])
    yield BundleItem("butterfly/dft-64-left-tree.json.gz",
                     "DFT of size 64 with bit reversal, left comb tree: unique up to scalings",
                     lambda: certify_named("dft", 64, "left")[0])
