"""Kronecker-sparse (chainable) architectures: patterns, exact and float hierarchical factorization."""

from .architecture import (
    Architecture,
    NodeInfo,
    Pattern,
    butterfly,
    deformable,
    mixed_radix,
    monarch,
    pair_product,
    parse_architecture,
    radices_of,
    radix,
)

__all__ = ["Architecture", "NodeInfo", "Pattern", "butterfly", "deformable", "mixed_radix", "monarch",
           "pair_product", "parse_architecture", "radices_of", "radix"]
