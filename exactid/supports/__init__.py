"""Supports (boolean sparsity patterns) and the combinatorial engine.

Public API, kept stable for other parts (the butterfly module imports
:func:`butterfly_support` and :func:`partial_product_support`).
"""

from exactid.supports.supports import (
    SparsityFamily,
    as_support,
    block_diagonal_support,
    butterfly_support,
    butterfly_supports,
    family_of_factors,
    fixed_support,
    kronecker_sparse_support,
    log2_exact,
    partial_product_support,
    support_of,
    support_to_string,
    tight_family,
)

__all__ = [
    "SparsityFamily",
    "as_support",
    "block_diagonal_support",
    "butterfly_support",
    "butterfly_supports",
    "family_of_factors",
    "fixed_support",
    "kronecker_sparse_support",
    "log2_exact",
    "partial_product_support",
    "support_of",
    "support_to_string",
    "tight_family",
]
