"""Exact rank-one kernels: factor every block of a split exactly, or report the failing block."""

from __future__ import annotations

import numpy as np


class BlockFailure(Exception):
    """A block of a split that is zero (``kind='zero block'``) or of rank >= 2 (``kind='rank'``, with a nonzero 2x2 minor)."""

    def __init__(self, block: int, kind: str, rows: tuple[int, int] = (0, 0), cols: tuple[int, int] = (0, 0)):
        super().__init__(kind)
        self.block, self.kind, self.rows, self.cols = block, kind, rows, cols


def nonzero(arr: np.ndarray) -> np.ndarray:
    """Entrywise ``!= 0`` (field elements in object arrays included)."""
    return arr != 0


def rank_one_elements(blocks: np.ndarray, k0: int = 0, zero_blocks: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pivot-based exact rank-one factors of each block (object arrays of field elements).

    Pivot = first nonzero entry in row-major order; left column = the pivot column, right
    row = the pivot row divided by the pivot (no square roots).  Raises ``BlockFailure``
    for a block of rank >= 2 (with a nonzero 2x2 minor), and for a zero block unless
    ``zero_blocks`` (then its factors are a zero column and a zero row: a degenerate choice).
    """
    K, B, C = blocks.shape
    nz = nonzero(blocks).reshape(K, B * C)
    has = nz.any(axis=1)
    if not has.all():
        if not zero_blocks:
            raise BlockFailure(k0 + int(np.argmin(has)), "zero block")
        cols, rows = np.empty((K, B), dtype=object), np.empty((K, C), dtype=object)
        zero = blocks.flat[0] * 0  # a zero of the blocks' field
        cols[:], rows[:] = zero, zero
        if has.any():
            cols[has], rows[has] = rank_one_elements(blocks[has], k0)  # (a failing index is then relative)
        return cols, rows
    flat = nz.argmax(axis=1)
    r0, c0 = flat // C, flat % C
    ks = np.arange(K)
    pivot = blocks[ks, r0, c0]
    cols = blocks[ks, :, c0]
    rows = blocks[ks, r0, :] / pivot[:, None]
    bad = ~(cols[:, :, None] * rows[:, None, :] == blocks)
    if bad.any():
        k, r, c = (int(x) for x in np.argwhere(bad)[0])
        raise BlockFailure(k0 + k, "rank", (int(r0[k]), r), (int(c0[k]), c))
    return cols, rows


def rank_one_exponents(blocks: np.ndarray, conductor: int, k0: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rank-one factors of blocks of roots of unity ``zeta_n^e`` (integer exponents mod n).

    Left column = the block's column 0, right row = row 0 minus the pivot ``e[0, 0]``; the
    block is rank one iff ``e[r, c] = e[r, 0] + e[0, c] - e[0, 0] (mod n)`` everywhere.
    """
    # int16 suffices when e[r, 0] + e[0, c] < 2^15; powers of two reduce with a mask (faster than %)
    w = blocks if blocks.dtype == np.int16 and conductor <= (1 << 14) else blocks.astype(np.int32, copy=False)
    mask = conductor - 1 if conductor & (conductor - 1) == 0 else None

    def reduce(x: np.ndarray) -> np.ndarray:
        return x & mask if mask is not None else x % conductor

    cols = w[:, :, 0]
    rows = reduce(w[:, 0, :] - w[:, 0:1, 0])
    bad = reduce(cols[:, :, None] + rows[:, None, :] - w) != 0
    if bad.any():
        k, r, c = (int(x) for x in np.argwhere(bad)[0])
        raise BlockFailure(k0 + k, "rank", (0, r), (0, c))
    return cols, rows
