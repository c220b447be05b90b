"""Exact hierarchical butterfly factorization over Q and Q(zeta_n).

Conventions (docs/design.md, section 3).  ``N = 2**L``; the butterfly support of level ``l`` (1..L) is
``S_l = I_{2^{l-1}} ⊗ 1_{2x2} ⊗ I_{N/2^l}``: row ``i`` may only meet the columns ``i`` and
``i ^ 2**(L-l)``.  A matrix ``Z`` has a butterfly factorization (with a column permutation
``P``, ``P[i, perm[i]] = 1``) when ``Z = X_1 ⋯ X_L · P`` with ``supp(X_l) ⊆ S_l``; then
``M = Z·P^T``, i.e. ``M[:, j] = Z[:, perm[j]]``, is the product of the factors.

Compact layout
--------------
A matrix supported on ``S_p ⋯ S_q`` (levels ``p..q`` are the contiguous bit positions
``L-q .. L-p`` of the index) is stored as an array ``V`` of shape ``(N, 2**(q-p+1))`` with
``V[i, t] = M[i, (i & ~mask) | (t << (L-q))]``: row by row, the columns of the support in
increasing order.  A single factor (``p = q = l``) is therefore ``(N, 2)``: its 2N nonzero
values in "butterfly-support order".  Every entry of a product of butterfly factors is the
product along a single path, so merging two compact partial products is an entrywise
product after a reshape (:func:`merge`) — or a sum of exponents for roots of unity.

Splitting the node ``[p, q]`` at ``l`` (``p <= l < q``): write an index as
``(alpha, beta, gamma, delta)`` with ``beta`` the bits of levels ``p..l`` and ``gamma``
those of levels ``l+1..q``.  The rank-one support of inner index ``k = (alpha, beta*, gamma,
delta)`` is rows ``(alpha, *, gamma, delta)`` times columns ``(alpha, beta*, *, delta)``;
these N blocks are pairwise disjoint and cover ``S_p ⋯ S_q`` (the split lemma).  Hence the
restriction of ``M`` to block ``k`` must have rank <= 1, and (non-degenerate case) its
rank-one factor gives column ``k`` of the left part and row ``k`` of the right part up to
one scalar.  :func:`blocks_of` gathers the blocks, :func:`left_from_columns` puts the
columns back in compact layout.

Examples
--------
>>> from exactid.transforms import hadamard
>>> res = factor_exact(hadamard(8))
>>> res.status, len(res.factors), res.factors[0].shape
('factorized', 3, (8, 2))

Modules: :mod:`.trees` (split trees), :mod:`.layout` (compact layout), :mod:`.kernels`
(exact rank-one steps), :mod:`.driver` (the algorithm and its result), :mod:`.uniqueness`
(checks on factorizations).
"""

from .driver import (
    BlockWitness,
    ButterflyResult,
    dft_root_exponents,
    factor_dft,
    factor_exact,
    factor_exponents,
    factor_hadamard,
    run_tree,
)
from .kernels import rank_one_elements, rank_one_exponents
from .layout import (
    block_chunks,
    blocks_of,
    columns_of_left,
    dims,
    left_from_columns,
    log2_size,
    merge,
    off_support,
    product_compact,
    resolve_perm,
    support_columns,
    to_compact,
    to_dense,
)
from .trees import Tree, make_tree, tree_from_json
from .uniqueness import diagonal_scalings, nondegenerate

__all__ = [
    "BlockWitness", "ButterflyResult", "Tree", "block_chunks", "blocks_of", "columns_of_left",
    "dft_root_exponents", "diagonal_scalings", "dims", "factor_dft", "factor_exact", "factor_exponents",
    "factor_hadamard", "left_from_columns", "log2_size", "make_tree", "merge", "nondegenerate",
    "off_support", "product_compact", "rank_one_elements", "rank_one_exponents", "resolve_perm",
    "run_tree", "support_columns", "to_compact", "to_dense", "tree_from_json",
]
