"""Sparse matrix factorizations: identifiability decisions (two-layer)."""
