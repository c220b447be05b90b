"""Rank certificates: a nonzero minor mod p and, for deficient ranks, verified kernel vectors."""

from __future__ import annotations

import time
from typing import Optional

from ..domains.finite import Reduction
from ..domains.matrix import ExactMatrix
from ..linalg.rank import MinorWitness, RankResult, certified_rank, nonzero_minor
from .common import encode_matrix, envelope, field_label, rational_if_degree_one
from .limits import MAX_CONDUCTOR, require_checkable


def minor_step(witness: MinorWitness) -> dict:
    return {"kind": "minor_nonzero_mod_p", "p": witness.p, "root": witness.root,
            "rows": list(witness.rows), "cols": list(witness.cols)}


def kernel_step(kernel: ExactMatrix, reduction: Reduction) -> dict:
    """Kernel vectors with a witness of their independence (rows of a nonzero minor)."""
    witness = nonzero_minor(kernel, reduction)
    if len(witness.cols) != kernel.ncols:  # pragma: no cover - kernels are built independent
        raise ValueError("kernel vectors are not independent modulo the chosen prime")
    return {"kind": "kernel_vectors", "vectors": encode_matrix(kernel),
            "independence": {"p": witness.p, "root": witness.root, "rows": list(witness.rows)}}


def rank_steps(result: RankResult) -> list[dict]:
    steps = [minor_step(result.minor)]
    if result.kernel is not None and result.kernel.ncols:
        conductor = result.kernel.field.conductor
        steps.append(kernel_step(result.kernel, Reduction(conductor, result.minor.p, result.minor.root)))
    return steps


def rank_certificate(matrix: ExactMatrix, result: Optional[RankResult] = None) -> tuple[dict, RankResult]:
    """Compute (unless given) the certified rank of ``matrix`` and its certificate.

    >>> from exactid.domains import ExactMatrix, QQ
    >>> cert, res = rank_certificate(ExactMatrix.from_rows([[1, 2], [2, 4]], QQ))
    >>> cert["claim"]["rank"], cert["claim"]["bound"], [s["kind"] for s in cert["steps"]]
    (1, 'exact', ['minor_nonzero_mod_p', 'kernel_vectors'])
    """
    require_checkable(matrix.field.conductor, MAX_CONDUCTOR, "conductor")
    start = time.perf_counter()
    matrix = rational_if_degree_one(matrix)
    if result is None or result.minor.root != 1 and matrix.field.degree == 1:
        result = certified_rank(matrix)
    seconds = time.perf_counter() - start
    claim = {"kind": "rank", "field": field_label(matrix.field), "shape": list(matrix.shape),
             "rank": result.rank, "bound": result.certified}
    cert = envelope(claim, {"matrix": encode_matrix(matrix)}, rank_steps(result), {"seconds": round(seconds, 3)})
    return cert, result


def bundled():
    """Small rank theorems: full-rank and rank-deficient matrices over Q and Q(zeta_n)."""
    import numpy as np

    from ..certify.bundle import BundleItem
    from ..domains import QQ, CyclotomicField

    def product_of_factors(n: int, rows: int, inner: int, cols: int, seed: int) -> ExactMatrix:
        rng = np.random.default_rng(seed)
        field = QQ if n == 1 else CyclotomicField(n)
        shape = (rows, inner) if field.degree == 1 else (rows, inner, field.degree)
        left = ExactMatrix.from_integers(rng.integers(-3, 4, size=shape), field)
        shape = (inner, cols) if field.degree == 1 else (inner, cols, field.degree)
        right = ExactMatrix.from_integers(rng.integers(-3, 4, size=shape), field)
        return left @ right

    cases = [
        ("rank/hilbert-8.json", "Hilbert matrix H_8 over Q has rank 8",
         lambda: ExactMatrix.from_rows([[f"1/{i + j + 1}" for j in range(8)] for i in range(8)], QQ)),
        ("rank/q-20x24-rank-17.json", "20x24 product of rank 17 over Q has rank 17",
         lambda: product_of_factors(1, 20, 17, 24, 1)),
        ("rank/qzeta8-30x30-rank-27.json", "30x30 product of rank 27 over Q(zeta_8) has rank 27",
         lambda: product_of_factors(8, 30, 27, 30, 2)),
        ("rank/qzeta12-16x12-rank-9.json", "16x12 product of rank 9 over Q(zeta_12) has rank 9",
         lambda: product_of_factors(12, 16, 9, 12, 3)),
    ]
    for path, description, make in cases:
        yield BundleItem(path, description, lambda make=make: rank_certificate(make())[0])
