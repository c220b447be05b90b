"""Kronecker-sparse certificates: uniqueness up to the classes' ambiguity, no factorization, not identifiable.

Claim ``kronecker_unique`` (verdict ``identifiable``)::

    claim: {"kind": "kronecker_unique", "architecture": [[a, b, c, d], ...], "tree": nested list,
            "matrix": "dft" | "explicit" | "planted", "perm": "identity" | {"digit_reversal": [r, ...]},
            "verdict": "identifiable"}
    data:  {"encoding": "roots_of_unity", "conductor": n, "factors": [[e, ...] x L]}
        or {"encoding": "rational", "factors": [["p/q", ...] x L], "matrix": {...} | "planted": [...]}
    steps: class_lemma (one per internal node: [p, l, q]), nondegenerate {"prime"}, product {"primes"} or
           {"prime", "root"}

Factor ``l`` lists its ``a·b·c·d`` values ``V[α, β, γ, δ]`` in row-major order
(``X[(α·b+β)·d+δ, (α·c+γ)·d+δ]``).  ``planted``: the matrix is the product of the factors in
``data.planted`` (a random product; the certified factors are those the algorithm found).

Claim ``kronecker_no_factorization``: class lemmas, then ``outside_support`` or ``rank_excess``
(``r+1`` rows and columns of a class block of the root split with a nonzero minor).
Claim ``kronecker_not_identifiable``: two factorizations (``factors``, ``second``) of the matrix
not related by the ambiguity group: their zero patterns differ (``different_zeros``, trees whose
classes all have size 1) or a class of the split at ``l`` has different ranks in the rows of
``X_{l+1}`` or the columns of ``X_l`` (``class_rank {"node", "member", "side"}``).
"""

from __future__ import annotations

from math import lcm
from typing import Any, Optional, Union

import flint
import numpy as np

from ..domains.matrix import ExactMatrix
from ..errors import InputError
from ..factorization.butterfly import Tree
from ..factorization.kronecker.architecture import Architecture, mixed_radix, parse_architecture, radices_of
from ..factorization.kronecker.exact import (
    KroneckerResult,
    digit_reversal,
    factor_exact,
    factor_roots_of_unity,
)
from ..factorization.kronecker.layout import Split, from_dense, merge_tree, to_dense
from ..factorization.kronecker.modular import bound, chain_mod, crt_primes, primes_below, residues, root_prime
from .common import encode_matrix, envelope

MATRICES = ("dft", "random")
_FMPQ = np.frompyfunc(flint.fmpq, 2, 1)


def _rational(values: np.ndarray) -> list:
    """JSON values: an int, or the "p/q" string flint writes (already in lowest terms)."""
    out = []
    for x in values.reshape(-1):
        if x.q == 1:
            p = int(x.p)
            out.append(p if -(1 << 53) < p < 1 << 53 else str(p))
        else:
            out.append(str(x))
    return out


def _lemmas(result: KroneckerResult) -> list[dict]:
    return [{"kind": "class_lemma", "node": [nd.p, nd.l, nd.q]} for nd in result.nodes]


def _product_step(factors: list, patterns: list, extra_D: int, extra_B: int) -> dict:
    D, B = bound(factors, patterns)
    return {"kind": "product", "primes": crt_primes(D * extra_D, D * extra_D * (B + extra_B))}


def _nondegenerate_prime(result: KroneckerResult, D: int) -> int:
    """A prime below 2^20, prime to the denominators, under which every class keeps its rank."""
    pats = result.arch.patterns
    for tries, p in enumerate(primes_below()):
        if tries > 200:
            break
        if D % p == 0:
            continue
        mods = [residues(f, p) for f in result.factors]
        ok = True
        for nd in result.nodes:
            sp = Split(nd.left, nd.right)
            left = from_dense(chain_mod(mods, pats, nd.p, nd.l, p), nd.left)
            right = from_dense(chain_mod(mods, pats, nd.l + 1, nd.q, p), nd.right)
            for blocks in (sp.left_blocks(left), np.swapaxes(sp.right_blocks(right), 1, 2)):
                if nd.rank == 1:
                    ok = ok and bool(blocks.any(axis=(1, 2)).all())
                else:
                    ok = ok and all(flint.nmod_mat(b.astype(np.int64).tolist(), p).rank() == nd.rank for b in blocks)
            if not ok:
                break
        if ok:
            return p
    raise InputError("no prime below 2^20 keeps the ranks of the classes: the factorization is degenerate")


def _head(result: KroneckerResult, matrix_name: str, verdict: str, kind: str, perm: Any = "identity") -> dict:
    claim = {"kind": kind, "architecture": [list(p.as_tuple()) for p in result.arch.patterns],
             "matrix": matrix_name, "verdict": verdict}
    if result.arch.L > 1:
        claim["tree"] = result.tree.to_json()
    if matrix_name == "dft":
        claim["perm"] = perm
    return claim


def uniqueness_certificate(result: KroneckerResult, matrix_name: str, matrix: Optional[ExactMatrix] = None,
                           planted: Optional[list] = None, perm: Any = "identity", meta: Optional[dict] = None) -> dict:
    """Certificate that ``result`` is the unique factorization up to the architecture's ambiguity."""
    if result.status != "factorized":
        raise InputError(f"no uniqueness certificate for a {result.status} result")
    claim = _head(result, matrix_name, "identifiable", "kronecker_unique", perm)
    pats = list(result.arch.patterns)
    if result.encoding == "exponents":
        p, root = root_prime(result.conductor)
        data: dict = {"encoding": "roots_of_unity", "conductor": result.conductor,
                      "factors": [f.astype(np.int64).reshape(-1).tolist() for f in result.factors]}
        steps = _lemmas(result) + [{"kind": "nondegenerate"}, {"kind": "product", "prime": p, "root": root}]
        return envelope(claim, data, steps, meta)
    data = {"encoding": "rational", "factors": [_rational(f) for f in result.factors]}
    if matrix_name == "explicit":
        data["matrix"] = encode_matrix(matrix)
        top = max((abs(int(x)) for x in np.asarray(matrix.num[0]).reshape(-1)), default=0)
        extra_D, extra_B = int(matrix.den), top
    else:
        data["planted"] = [_rational(f) for f in planted]
        extra_D, extra_B = bound(planted, pats)
    D, _ = bound(result.factors, pats)
    steps = _lemmas(result) + [{"kind": "nondegenerate", "prime": _nondegenerate_prime(result, D)},
                               _product_step(result.factors, pats, extra_D, extra_B)]
    return envelope(claim, data, steps, meta)


def no_factorization_certificate(result: KroneckerResult, matrix: ExactMatrix, meta: Optional[dict] = None) -> dict:
    """Certificate that ``matrix`` has no factorization in the architecture."""
    w = result.witness
    if result.status != "no_factorization" or w is None:
        raise InputError("no witness")
    arch = result.arch
    if w.kind == "outside":
        tree, step = result.tree, {"kind": "outside_support", "row": w.rows[0], "col": w.cols[0]}
    else:  # left combs on both sides of the witness's root split: the folds the witness search used
        def comb(lo: int, hi: int) -> Any:
            node: Any = lo
            for x in range(lo + 1, hi + 1):
                node = [node, x]
            return node

        tree = arch.tree([comb(1, w.level), comb(w.level + 1, arch.L)])
        step = {"kind": "rank_excess", "rows": w.rows, "cols": w.cols}
    _, nodes = arch.nodes(tree)
    res = KroneckerResult(result.status, arch, tree, nodes)
    claim = _head(res, "explicit", "no_factorization", "kronecker_no_factorization")
    data = {"matrix": encode_matrix(matrix)}
    return envelope(claim, data, _lemmas(res) + [step], meta)


def _invariant_step(result: KroneckerResult) -> dict:
    """``different_zeros`` when every class has size 1 (diagonal scalings keep zeros), else ``class_rank``."""
    if all(nd.rank == 1 for nd in result.nodes) and result.invariant["side"] == "rows":
        return {"kind": "different_zeros", "factor": result.changed[0]}
    inv = result.invariant
    return {"kind": "class_rank", "node": inv["node"], "member": inv["member"], "side": inv["side"]}


def not_identifiable_certificate(result: KroneckerResult, matrix: ExactMatrix, meta: Optional[dict] = None) -> dict:
    """Two factorizations of ``matrix`` not related by the ambiguity group (an invariant differs)."""
    if result.status != "not_identifiable" or result.second is None:
        raise InputError("no second factorization")
    claim = _head(result, "explicit", "not_identifiable", "kronecker_not_identifiable")
    pats = list(result.arch.patterns)
    data = {"matrix": encode_matrix(matrix), "factors": [_rational(f) for f in result.factors],
            "second": [_rational(f) for f in result.second]}
    top = max((abs(int(x)) for x in np.asarray(matrix.num[0]).reshape(-1)), default=0)
    steps = _lemmas(result) + [_product_step(result.factors, pats, int(matrix.den), top),
                               _product_step(result.second, pats, int(matrix.den), top),
                               _invariant_step(result)]
    return envelope(claim, data, steps, meta)


def random_factors(arch: Architecture, seed: int) -> list:
    """Rational factors with full support: entries ``±a/b``, ``a ∈ 1..9``, ``b ∈ 1..4``."""
    rng = np.random.default_rng(seed)
    out = []
    for p in arch.patterns:
        num = rng.integers(1, 10, p.nnz) * rng.choice([-1, 1], p.nnz)
        den = rng.integers(1, 5, p.nnz)
        out.append(_FMPQ(num.astype(object), den.astype(object)).reshape(p.as_tuple()))
    return out


def planted_product(factors: list, arch: Architecture, tree: Union[str, Tree, Any] = "balanced") -> ExactMatrix:
    """The exact product of compact rational factors, merged along an admissible tree on integers.

    Each factor is scaled to integers by the lcm of its denominators; int64 while the entries
    of every partial product provably stay below 2^62, Python integers otherwise.
    """
    ints, den = [], 1
    for f in factors:
        q = np.frompyfunc(lambda v: int(v.q), 1, 1)(f)
        scale = lcm(1, *set(q.reshape(-1).tolist()))
        num = np.frompyfunc(lambda v, s=scale: int(v.p) * (s // int(v.q)), 1, 1)(f)
        ints.append(num)
        den *= scale
    top, bound_ = 1, 1
    for n, p in zip(ints, arch.patterns):
        top *= max(1, int(np.abs(n).max()))
        bound_ *= p.c
    dtype = np.int64 if top * bound_ < 1 << 62 else object
    ints = [n.astype(dtype) for n in ints]
    tree_obj = arch.tree(tree)
    top_pattern, nodes = arch.nodes(tree_obj)
    dense = to_dense(merge_tree(ints, tree_obj, nodes), top_pattern, 0)
    return ExactMatrix.from_integers(dense, den=den)


def certify_named(name: str, arch: Union[str, Architecture], tree: Union[str, Tree, Any] = "balanced",
                  seed: int = 0) -> tuple[Optional[dict], KroneckerResult]:
    """``dft`` (digit reversal of the architecture's radices) or ``random`` (a planted product)."""
    arch = parse_architecture(arch) if isinstance(arch, str) else arch
    if name == "dft":
        rs = radices_of(arch)
        n = arch.shape[0]
        j = np.arange(n, dtype=np.int64)
        perm = digit_reversal(rs)
        E = (-(j[:, None] * perm[None, :])) % n
        result = factor_roots_of_unity(E, n, arch, tree)
        cert = uniqueness_certificate(result, "dft", perm={"digit_reversal": rs}) if result.status == "factorized" else None
        return cert, result
    if name != "random":
        raise InputError(f"unknown matrix {name!r} (use dft or random)")
    planted = random_factors(arch, seed)
    M = planted_product(planted, arch, tree)
    result = factor_exact(M, arch, tree)
    cert = uniqueness_certificate(result, "planted", planted=planted) if result.status == "factorized" else None
    return cert, result


def certify_matrix(matrix: ExactMatrix, arch: Union[str, Architecture], tree: Union[str, Tree, Any] = "balanced"):
    """Decide an explicit rational matrix: ``(certificate or None, result)``."""
    arch = parse_architecture(arch) if isinstance(arch, str) else arch
    result = factor_exact(matrix, arch, tree)
    if result.status == "factorized":
        return uniqueness_certificate(result, "explicit", matrix=matrix), result
    if result.status == "no_factorization":
        return no_factorization_certificate(result, matrix), result
    if result.status == "not_identifiable":
        return not_identifiable_certificate(result, matrix), result
    return None, result


def verdict_of(result: KroneckerResult, cert: Optional[dict]) -> str:
    """``identifiable`` | ``no_factorization`` | ``not_identifiable`` (each with a certificate) or ``undecided``."""
    if cert is None:
        return "undecided"
    return {"factorized": "identifiable"}.get(result.status, result.status)


def bundled():
    """DFT of sizes 2^a·3^b in radix-2/3 butterflies, and a random rational Monarch product."""
    from .bundle import BundleItem

    for radices in ([2, 3], [3, 2, 2], [2, 3, 3], [3, 3, 3], [2, 2, 3, 3], [3, 3, 2, 2]):
        arch = mixed_radix(radices)
        n = arch.shape[0]
        tag = "x".join(map(str, radices))
        yield BundleItem(f"kronecker/dft-{n}-radix-{tag}.json.gz",
                         f"DFT of size {n} in the radix-{tag} butterfly (digit reversal): unique up to scalings",
                         lambda arch=arch: certify_named("dft", arch)[0])
    yield BundleItem("kronecker/dft-2187-radix-3.json.gz",
                     "DFT of size 2187 = 3^7 in the radix-3 butterfly (digit reversal): unique up to scalings",
                     lambda: certify_named("dft", "radix:3^7")[0])
    yield BundleItem("kronecker/monarch-8x8-seed-1.json.gz",
                     "random rational Monarch product of size 64 (8x8 blocks, seed 1): unique up to scalings",
                     lambda: certify_named("random", "monarch:8x8", seed=1)[0])
    yield BundleItem("kronecker/classes-2-seed-3.json.gz",
                     "random rational product in (1,4,2,1);(1,2,2,1);(1,2,4,1): unique up to 2x2 blocks on the classes",
                     lambda: certify_named("random", "1,4,2,1;1,2,2,1;1,2,4,1", seed=3)[0])
