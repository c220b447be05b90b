"""Rank profile of a residue matrix modulo p: the elimination step of the ReLU pipeline.

``rank_profile(A, p)`` returns the rank of ``A mod p`` and the rows and columns of a nonzero
r x r minor (a certificate of rank >= r over Q when A is the reduction of a rational matrix).
For primes up to :data:`PRIME_MAX` this is :func:`exactid.linalg.modular.rank_profile`
(float64-BLAS elimination, one pass, with its own progress on stderr); larger primes (older
certificates used primes near 2^30) go through ``flint.nmod_mat`` (two eliminations: pivot
columns of A, then independent rows of those columns), correct but slower.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import flint
import numpy as np

from ..domains.finite import is_prime
from ..progress import progress

from ..linalg.modular import PRIME_MAX, rank_profile as _fast_rank_profile


class RankProfile(NamedTuple):
    """Rank r modulo p and a nonzero r x r minor (row and column indices, increasing)."""

    rank: int
    rows: list
    cols: list


def _nmod(a: np.ndarray, p: int) -> flint.nmod_mat:
    m, n = a.shape
    if m == 0 or n == 0:
        return flint.nmod_mat(m, n, p)
    return flint.nmod_mat(flint.fmpz_mat(m, n, a.astype(np.int64).ravel().tolist()), p)


def _pivots(echelon: flint.nmod_mat, rank: int) -> list[int]:
    out, col = [], 0
    for r in range(rank):
        while int(echelon[r, col]) == 0:
            col += 1
        out.append(col)
        col += 1
    return out


def _nmod_rank_profile(A: np.ndarray, p: int) -> RankProfile:
    echelon, r = _nmod(A, p).rref()
    cols = _pivots(echelon, r)
    if not r:
        return RankProfile(0, [], [])
    echelon_t, r2 = _nmod(np.ascontiguousarray(A[:, cols].T), p).rref()
    rows = _pivots(echelon_t, r2)
    return RankProfile(r, rows, cols)


def rank_profile(A: np.ndarray, p: int, show_progress: Optional[bool] = None, overwrite: bool = False) -> RankProfile:
    """Rank of ``A mod p`` (entries in [0, p)) with the rows and columns of a nonzero minor.

    ``overwrite``: the elimination may work in ``A``'s memory (``A`` is destroyed).

    >>> rank_profile(np.array([[1, 2, 3], [2, 4, 6], [0, 0, 1]]), 101)
    RankProfile(rank=2, rows=[0, 2], cols=[0, 2])
    """
    if p <= PRIME_MAX:
        prof = _fast_rank_profile(A, p, overwrite=overwrite)
        return RankProfile(int(prof.rank), [int(i) for i in prof.rows], [int(j) for j in prof.cols])
    with progress(1, f"elimination mod p of a {A.shape[0]}x{A.shape[1]} matrix (nmod_mat)", show_progress) as bar:
        out = _nmod_rank_profile(A, p)
        bar.update(1)
    return out


def usable_prime(denominators, below: int = PRIME_MAX) -> int:
    """The largest prime < ``below`` (and <= PRIME_MAX) that divides none of ``denominators``."""
    p = min(below, PRIME_MAX + 1) - 1
    while p > 2 and (not is_prime(p) or any(d % p == 0 for d in denominators)):
        p -= 1
    return p
