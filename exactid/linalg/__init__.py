"""Certified linear algebra over Q and Q(zeta_n)."""

from .rank import MinorWitness, RankResult, certified_rank, integral_kernel, nonzero_minor, nullspace, rank_mod_p
from .solve import det, inverse, regular_representation, solve

__all__ = [
    "MinorWitness", "RankResult", "certified_rank", "integral_kernel", "nonzero_minor",
    "nullspace", "rank_mod_p", "det", "inverse", "regular_representation", "solve",
]
