"""Boolean support matrices and their constructors.

A *support* is a boolean numpy array (dtype ``bool``) telling which entries of a
matrix may be nonzero.  A *constraint class* for a two-layer factorization
``Z = X @ Y`` is either a fixed pair of supports ``(S_X, S_Y)`` or a sparsity
family (:class:`SparsityFamily`).

Butterfly supports (N = 2**L) follow docs/design.md, section 3::

    S_l = I_{2^{l-1}} ⊗ 1_{2×2} ⊗ I_{N/2^l},           l = 1..L
    S_p ⋯ S_q = I_{2^{p-1}} ⊗ 1_{2^{q-p+1}} ⊗ I_{N/2^q}

Examples
--------
>>> butterfly_support(4, 1).astype(int).tolist()
[[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]]
>>> bool((partial_product_support(8, 1, 3) == 1).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from exactid.errors import InputError, ShapeError

__all__ = [
    "as_support",
    "support_of",
    "fixed_support",
    "block_diagonal_support",
    "kronecker_sparse_support",
    "butterfly_support",
    "butterfly_supports",
    "partial_product_support",
    "log2_exact",
    "SparsityFamily",
    "support_to_string",
    "tight_family",
    "family_of_factors",
]


def as_support(mask) -> np.ndarray:
    """Return ``mask`` as a 2-D boolean numpy array (a copy).

    Raises
    ------
    ShapeError
        If ``mask`` is not two-dimensional.
    """
    arr = np.array(mask, dtype=bool, copy=True)
    if arr.ndim != 2:
        raise ShapeError(f"a support must be a 2-D matrix, got {arr.ndim} dimensions")
    return arr


def support_of(matrix) -> np.ndarray:
    """Support (nonzero pattern) of an :class:`~exactid.domains.ExactMatrix` or array.

    For an ``ExactMatrix`` an entry is nonzero iff one of its integer coefficients is
    nonzero, which is exact.  For numpy input the test is ``!= 0`` (exact for integer
    and rational-valued arrays; floats are taken at face value).
    """
    num = getattr(matrix, "num", None)
    if num is not None:  # ExactMatrix: coefficient array of shape (degree, m, n)
        return np.asarray(num != 0).any(axis=0)
    arr = np.asarray(matrix)
    if arr.ndim != 2:
        raise ShapeError(f"expected a 2-D matrix, got {arr.ndim} dimensions")
    return arr != 0


def fixed_support(entries, shape: tuple[int, int]) -> np.ndarray:
    """Support of the given ``shape`` whose ``True`` entries are the pairs in ``entries``.

    >>> fixed_support([(0, 1), (1, 0)], (2, 2)).astype(int).tolist()
    [[0, 1], [1, 0]]
    """
    m, n = _check_shape(shape)
    out = np.zeros((m, n), dtype=bool)
    for i, j in entries:
        if not (0 <= i < m and 0 <= j < n):
            raise InputError(f"entry ({i}, {j}) is outside a {m}x{n} support")
        out[i, j] = True
    return out


def block_diagonal_support(blocks) -> np.ndarray:
    """Block-diagonal support; ``blocks`` are supports or ``(rows, cols)`` full blocks.

    >>> block_diagonal_support([(1, 2), (2, 1)]).astype(int).tolist()
    [[1, 1, 0], [0, 0, 1], [0, 0, 1]]
    """
    parts = []
    for b in blocks:
        if isinstance(b, tuple) and len(b) == 2 and all(isinstance(v, (int, np.integer)) for v in b):
            r, c = _check_shape(b)
            parts.append(np.ones((r, c), dtype=bool))
        else:
            parts.append(as_support(b))
    if not parts:
        raise InputError("block_diagonal_support needs at least one block")
    m = sum(p.shape[0] for p in parts)
    n = sum(p.shape[1] for p in parts)
    out = np.zeros((m, n), dtype=bool)
    i = j = 0
    for p in parts:
        out[i:i + p.shape[0], j:j + p.shape[1]] = p
        i += p.shape[0]
        j += p.shape[1]
    return out


def kronecker_sparse_support(a: int, b: int, c: int, d: int) -> np.ndarray:
    """Kronecker-sparse support ``I_a ⊗ 1_{b×c} ⊗ I_d`` of shape ``(a*b*d, a*c*d)``.

    >>> kronecker_sparse_support(1, 2, 2, 1).all()
    np.True_
    """
    for name, v in (("a", a), ("b", b), ("c", c), ("d", d)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise InputError(f"kronecker_sparse_support: {name} must be a positive integer, got {v!r}")
    core = np.ones((b, c), dtype=bool)
    return np.kron(np.kron(np.eye(a, dtype=bool), core), np.eye(d, dtype=bool)).astype(bool)


def log2_exact(N: int) -> int:
    """Return ``L`` with ``N == 2**L`` (``N >= 2``), else raise :class:`InputError`."""
    if not isinstance(N, (int, np.integer)) or N < 2 or (N & (N - 1)) != 0:
        raise InputError(f"size must be a power of two >= 2, got {N!r}")
    return int(N).bit_length() - 1


def butterfly_support(N: int, l: int) -> np.ndarray:
    """Butterfly factor support ``S_l = I_{2^{l-1}} ⊗ 1_{2×2} ⊗ I_{N/2^l}``, ``1 <= l <= log2 N``.

    >>> int(butterfly_support(8, 2).sum())
    16
    """
    L = log2_exact(N)
    if not isinstance(l, (int, np.integer)) or not 1 <= l <= L:
        raise InputError(f"butterfly level must be in 1..{L} for N={N}, got {l!r}")
    return kronecker_sparse_support(2 ** (l - 1), 2, 2, N >> l)


def butterfly_supports(N: int) -> list[np.ndarray]:
    """All butterfly supports ``[S_1, ..., S_L]`` for ``N = 2**L``."""
    L = log2_exact(N)
    return [butterfly_support(N, l) for l in range(1, L + 1)]


def partial_product_support(N: int, p: int, q: int) -> np.ndarray:
    """Support of ``S_p ⋯ S_q`` = ``I_{2^{p-1}} ⊗ 1_{2^{q-p+1}×2^{q-p+1}} ⊗ I_{N/2^q}``.

    Requires ``1 <= p <= q <= log2 N``.

    >>> bool((partial_product_support(8, 2, 2) == butterfly_support(8, 2)).all())
    True
    """
    L = log2_exact(N)
    if not (isinstance(p, (int, np.integer)) and isinstance(q, (int, np.integer)) and 1 <= p <= q <= L):
        raise InputError(f"partial product needs 1 <= p <= q <= {L}, got p={p!r}, q={q!r}")
    w = 2 ** (q - p + 1)
    return kronecker_sparse_support(2 ** (p - 1), w, w, N >> q)


@dataclass(frozen=True)
class SparsityFamily:
    """Family "X has ≤ ``x_col_sparsity`` nonzeros per column, Y ≤ ``y_row_sparsity`` per row, inner dim ``r``".

    Parameters
    ----------
    m, n : int
        Shape of the product ``Z`` (m×n); X is m×r and Y is r×n.
    r : int
        Inner dimension.
    x_col_sparsity, y_row_sparsity : int
        Maximal number of nonzeros per column of X and per row of Y.

    >>> SparsityFamily(4, 4, 4, 2, 2).tight_count()
    16
    """

    m: int
    n: int
    r: int
    x_col_sparsity: int
    y_row_sparsity: int

    def __post_init__(self) -> None:
        for name in ("m", "n", "r", "x_col_sparsity", "y_row_sparsity"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise InputError(f"SparsityFamily: {name} must be a positive integer, got {v!r}")
        if self.x_col_sparsity > self.m:
            raise InputError(f"column sparsity {self.x_col_sparsity} exceeds the number of rows {self.m}")
        if self.y_row_sparsity > self.n:
            raise InputError(f"row sparsity {self.y_row_sparsity} exceeds the number of columns {self.n}")

    def tight_count(self) -> int:
        """The largest number of entries a member's product can have: ``r·k·k'``."""
        return self.r * self.x_col_sparsity * self.y_row_sparsity

    def contains_supports(self, sx: np.ndarray, sy: np.ndarray) -> bool:
        """Whether supports of shapes (m, r), (r, n) respect the per-column/per-row bounds."""
        sx = as_support(sx)
        sy = as_support(sy)
        return (sx.shape == (self.m, self.r) and sy.shape == (self.r, self.n)
                and bool((sx.sum(axis=0) <= self.x_col_sparsity).all())
                and bool((sy.sum(axis=1) <= self.y_row_sparsity).all()))


def tight_family(m: int, n: int, x_col_sparsity: int, y_row_sparsity: int, r: Optional[int] = None) -> SparsityFamily:
    """The family for an ``m x n`` product; ``r`` defaults to the tight count ``m n / (k k')``.

    With that ``r`` a product without zero entries needs exactly ``r`` disjoint ``k x k'``
    blocks, the case the exact-cover decision settles.

    >>> tight_family(8, 8, 4, 2).r
    8
    """
    _check_sparsities(m, n, x_col_sparsity, y_row_sparsity, r)
    if r is None:
        r = max(1, (m * n) // (x_col_sparsity * y_row_sparsity))
    return SparsityFamily(m, n, r, x_col_sparsity, y_row_sparsity)


def family_of_factors(sx: np.ndarray, sy: np.ndarray, x_col_sparsity: Optional[int] = None,
                      y_row_sparsity: Optional[int] = None, r: Optional[int] = None) -> SparsityFamily:
    """The smallest family holding supports ``sx`` (m x r) and ``sy`` (r x n), unless overridden.

    Defaults: ``x_col_sparsity`` = the largest column count of ``sx``, ``y_row_sparsity`` =
    the largest row count of ``sy``, ``r`` = the number of columns of ``sx``.

    >>> f = family_of_factors(np.eye(4, 2), np.ones((2, 3)))
    >>> (f.m, f.n, f.r, f.x_col_sparsity, f.y_row_sparsity)
    (4, 3, 2, 1, 3)
    """
    sx, sy = as_support(sx), as_support(sy)
    if sx.shape[1] != sy.shape[0]:
        raise ShapeError(f"X is {sx.shape[0]}x{sx.shape[1]} and Y is {sy.shape[0]}x{sy.shape[1]}: inner dimensions differ")
    k = x_col_sparsity or max(1, int(sx.sum(axis=0).max()))
    kp = y_row_sparsity or max(1, int(sy.sum(axis=1).max()))
    r = r if r is not None else sx.shape[1]
    _check_sparsities(sx.shape[0], sy.shape[1], k, kp, r)
    return SparsityFamily(sx.shape[0], sy.shape[1], r, k, kp)


def _check_sparsities(m: int, n: int, k: int, kp: int, r: Optional[int]) -> None:
    for name, v in (("x_col_sparsity", k), ("y_row_sparsity", kp)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise InputError(f"{name} must be an integer, got {v!r}")
    if not (1 <= k <= m and 1 <= kp <= n) or (r is not None and r < 1):
        raise InputError(f"sparsities must satisfy 1 <= x_col_sparsity <= {m}, 1 <= y_row_sparsity <= {n}, "
                         "and r >= 1")


def support_to_string(mask: np.ndarray) -> str:
    """Render a support as rows of ``#`` and ``.`` (for messages and docs)."""
    return "\n".join("".join("#" if v else "." for v in row) for row in as_support(mask))


def _check_shape(shape) -> tuple[int, int]:
    try:
        m, n = (int(shape[0]), int(shape[1]))
    except (TypeError, ValueError, IndexError):
        raise InputError(f"a shape must be a pair of integers, got {shape!r}") from None
    if m < 1 or n < 1:
        raise InputError(f"a shape must be positive, got {shape!r}")
    return m, n
