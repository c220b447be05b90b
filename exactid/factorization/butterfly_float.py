"""Floating-point butterfly factorization (the fallback for large or noisy inputs).

The same hierarchical algorithm as :mod:`exactid.factorization.butterfly`, in numpy,
batched over the N blocks of each node: the rank-one step is the best rank-one
approximation of each block (top singular pair by batched power iteration on
``W^H W``, started from the block's largest row; blocks that do not converge fall back to
a batched SVD).  The result is *not* certified: it comes with its relative Frobenius error.

``.npz`` layout (``save_npz`` / ``load_npz``)
----------------------------------------------
- ``format``: the string ``"exactid-butterfly"``; ``version``: 1;
- ``values``: array of shape ``(L, N, 2)`` (float64 or complex128): ``values[l-1, i, t] =
  X_l[i, (i & ~b) | t*b]`` with ``b = 2**(L-l)`` — each factor's 2N nonzero values in
  butterfly-support order (row ``i``, then its two columns in increasing order);
- ``perm``: int64 array of length N, ``Z ≈ X_1 ⋯ X_L · P`` with ``P[i, perm[i]] = 1``;
- ``tree``: the tree of splits as JSON text; ``relative_error``: ``||Z - X_1⋯X_L P||_F / ||Z||_F``.

Examples
--------
>>> import numpy as np
>>> from exactid.transforms import bitrev
>>> N = 16
>>> F = np.exp(-2j * np.pi * np.outer(np.arange(N), np.arange(N)) / N)
>>> res = factor_float(F, "bitrev")
>>> res.relative_error < 1e-14, res.values.shape
(True, (4, 16, 2))
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from typing import Any, Sequence, Union

import numpy as np

from ..errors import InputError
from ..resources import ensure_fits
from .butterfly import (
    Tree,
    dims,
    log2_size,
    make_tree,
    merge,
    resolve_perm,
    run_tree,
    to_dense,
)

NPZ_FORMAT = "exactid-butterfly"


@dataclass
class FloatButterfly:
    """Float butterfly factors: ``values[l-1]`` is factor ``l`` in compact ``(N, 2)`` layout."""

    values: np.ndarray  # (L, N, 2)
    perm: np.ndarray
    tree: Tree
    relative_error: float = float("nan")
    seconds: float = 0.0

    @property
    def N(self) -> int:
        return self.values.shape[1]

    @property
    def L(self) -> int:
        return self.values.shape[0]

    def dense_factors(self) -> list[np.ndarray]:
        """The L factors as dense ``N x N`` numpy arrays."""
        return [to_dense(self.values[l - 1], self.L, l, l) for l in range(1, self.L + 1)]

    def product(self) -> np.ndarray:
        """``X_1 ⋯ X_L`` as a dense array (the approximation of ``Z·P^T``)."""
        return _product_dense(self.values, self.tree)

    def matrix(self) -> np.ndarray:
        """The approximation of ``Z`` itself: ``X_1 ⋯ X_L · P``."""
        out = np.empty_like(self.product())
        out[:, self.perm] = self.product()
        return out


def _product_dense(values: np.ndarray, tree: Tree) -> np.ndarray:
    L = values.shape[0]

    def walk(node: Tree) -> np.ndarray:
        if node.is_leaf:
            return values[node.p - 1]
        return merge(walk(node.left), walk(node.right), L, node.p, node.split, node.q)  # type: ignore[arg-type]

    return walk(tree)


def rank_one_float(blocks: np.ndarray, max_iter: int = 50, tol: float = 1e-15) -> tuple[np.ndarray, np.ndarray]:
    """Best rank-one factors ``(a, b)`` of each block: ``W[..., r, c] ≈ a[..., r] b[..., c]``, ``||b|| = 1``.

    ``blocks`` has shape ``(*K, R, C)`` and may be a strided view (the hierarchical driver
    passes a transposed view of the node's compact array, so blocks are never copied).
    Power iteration on ``W^H W`` from the conjugated first row (the largest row for blocks
    whose first row is negligible); blocks that have not converged are redone by SVD.  Zero
    blocks give zero factors.
    """
    cplx = np.iscomplexobj(blocks)
    # start from the first row (cheap); blocks whose first row is (nearly) zero start from their largest row
    first = blocks[..., 0, :]
    first_norm = np.linalg.norm(first, axis=-1)
    weak = first_norm <= 1e-3 * np.abs(first).max(initial=0.0) if first.size else first_norm < 0
    start = first.conj()
    if weak.any():
        idx = np.nonzero(weak)
        sub = blocks[idx]  # (m, R, C) copy of the few weak blocks
        best = np.einsum("mrc,mrc->mr", sub, sub.conj()).real.argmax(axis=-1)
        start[idx] = sub[np.arange(len(best)), best].conj()
    v = _normalize(start)
    u = np.einsum("...rc,...c->...r", blocks, v)
    converged = np.zeros(v.shape[:-1], dtype=bool)
    for _ in range(max_iter):
        w = np.einsum("...r,...rc->...c", u.conj(), blocks)
        w = _normalize(w.conj() if cplx else w)
        converged = np.abs(w - v).max(axis=-1, initial=0.0) <= tol * 16
        if converged.all():
            break  # keep (u, v): u = W v exactly, and v is converged
        v = w
        u = np.einsum("...rc,...c->...r", blocks, v)
    if not converged.all():
        idx = np.nonzero(~converged)
        _, _, vh = np.linalg.svd(blocks[idx], full_matrices=False)
        v[idx] = vh[:, 0, :].conj()
        u[idx] = np.einsum("mrc,mc->mr", blocks[idx], v[idx])
    return u, v.conj()


def _normalize(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def factor_float(matrix: np.ndarray, perm: Union[None, str, Sequence[int]] = None,
                 tree: Union[str, Tree, Any] = "balanced", compute_error: bool = True) -> FloatButterfly:
    """Hierarchical butterfly factorization of a float (real or complex) square matrix.

    Parameters
    ----------
    matrix : ndarray
        ``N x N`` with ``N = 2**L >= 2``; float32/float64 become float64, complex becomes complex128.
    perm : None, "bitrev", "identity" or a permutation
        Factorize ``Z·P^T`` (``P[i, perm[i]] = 1``).
    tree : "balanced" (default), "left", "right" or a nested list
    compute_error : bool
        Also compute the relative Frobenius error (one more O(N^2 log N) pass).
    """
    start = time.perf_counter()
    Z = np.asarray(matrix)
    if Z.ndim != 2 or Z.shape[0] != Z.shape[1]:
        raise InputError(f"butterfly factorization needs a square matrix, got shape {Z.shape}")
    if Z.dtype.kind not in "fciu":
        raise InputError(f"unsupported dtype {Z.dtype}")
    N = Z.shape[0]
    L = log2_size(N)
    dtype = np.complex128 if Z.dtype.kind == "c" else np.float64
    if not np.isfinite(Z).all():
        raise InputError("the matrix has NaN or infinite entries")
    item = np.dtype(dtype).itemsize
    ensure_fits(3 * N * N * item + (64 << 20), f"the float butterfly factorization of size {N}")
    tree_obj = tree if isinstance(tree, Tree) else make_tree(tree, L)
    order = resolve_perm(perm, N)
    root = np.take(Z.astype(dtype, copy=False), order, axis=1)

    def split_node(current: np.ndarray, p: int, l: int, q: int) -> tuple[np.ndarray, np.ndarray]:
        A, B, C, D = dims(L, p, l, q)
        # blocks_of without the copy: axes (alpha, beta*, gamma, delta | row beta, col gamma')
        view = current.reshape(A, B, C, D, B, C).transpose(0, 4, 2, 3, 1, 5)
        a, b = rank_one_float(view)
        return a.reshape(N, B), b.reshape(N, C)

    values = np.stack(run_tree(root, L, tree_obj, split_node, f"butterfly (float) N={N}")).astype(dtype, copy=False)
    result = FloatButterfly(values, order, tree_obj)
    if compute_error:
        result.relative_error = relative_error(root, values, tree_obj)
    result.seconds = time.perf_counter() - start
    return result


def relative_error(target: np.ndarray, values: np.ndarray, tree: Tree) -> float:
    """``||target - X_1⋯X_L||_F / ||target||_F`` (target = ``Z·P^T``), streamed by row chunks."""
    L = values.shape[0]
    N = values.shape[1]
    if L == 1:
        diff, ref = target - values[0], target
        return float(np.linalg.norm(diff) / max(np.linalg.norm(ref), np.finfo(float).tiny))
    l = tree.split
    left = _product_dense(values, tree.left) if tree.left else None  # type: ignore[arg-type]
    right = _product_dense(values, tree.right) if tree.right else None  # type: ignore[arg-type]
    _, B, C, _ = dims(L, 1, l, L)
    lhs = left.reshape(B, C, B)  # [beta, gamma, beta']
    rhs = right.reshape(B, C, C).transpose(1, 0, 2)  # [gamma, beta', gamma']
    err = ref = 0.0
    step = max(1, (1 << 22) // (C * N))
    for b0 in range(0, B, step):
        b1 = min(B, b0 + step)
        block = (lhs[b0:b1, :, :, None] * rhs[None]).reshape((b1 - b0) * C, N)
        want = target[b0 * C:b1 * C]
        diff = _as_real(want - block)
        err += float(np.einsum("ij,ij->", diff, diff))
        ref += float(np.einsum("ij,ij->", _as_real(want), _as_real(want)))
    return float(np.sqrt(err / ref)) if ref > 0 else float(np.sqrt(err))


def _as_real(x: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(x)
    return x.view(np.float64) if np.iscomplexobj(x) else x


def npz_bytes(result: FloatButterfly) -> bytes:
    """The compact layout (see the module docstring) as the bytes of an ``.npz`` archive."""
    buffer = io.BytesIO()
    np.savez(buffer, format=np.array(NPZ_FORMAT), version=np.array(1), values=result.values,
             perm=result.perm.astype(np.int64), tree=np.array(json.dumps(result.tree.to_json())),
             relative_error=np.array(result.relative_error))
    return buffer.getvalue()


def save_npz(path: str, result: FloatButterfly) -> None:
    """Write the compact layout atomically (a temporary file and a rename; none is left on failure)."""
    from ..io.files import atomic_write_bytes

    atomic_write_bytes(path, npz_bytes(result))


def load_npz(path: str) -> FloatButterfly:
    """Read a butterfly ``.npz``; ``.dense_factors()`` gives the factors as numpy arrays.

    Raises ``InputError`` for a file that is not in the layout described above (through the
    input layer :func:`exactid.io.arrays.load_npz`: no pickle, sizes checked first).
    """
    from ..io.arrays import load_npz as read_archive
    from ..io.files import parse_json

    data = read_archive(path, required=("format", "version", "values", "perm", "tree"))
    fmt, version = data["format"], data["version"]
    if fmt.shape != () or fmt.dtype.kind != "U" or str(fmt) != NPZ_FORMAT \
            or version.shape != () or version.dtype.kind not in "iu" or int(version) != 1:
        raise InputError(f"{path}: not an exactid butterfly .npz (format/version)")
    values, perm, tree_text = data["values"], data["perm"], data["tree"]
    if values.dtype.kind not in "fc":
        raise InputError(f"{path}: 'values' must be a real or complex float array, got dtype {values.dtype}")
    if values.ndim != 3 or values.shape[2] != 2 or not 1 <= values.shape[0] <= 30 \
            or values.shape[1] != 1 << values.shape[0]:
        raise InputError(f"{path}: 'values' must have shape (L, 2^L, 2), got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise InputError(f"{path}: 'values' holds NaN or infinite entries")
    if perm.dtype.kind not in "iu" or perm.ndim != 1:
        raise InputError(f"{path}: 'perm' must be a 1-d integer array")
    if tree_text.shape != () or tree_text.dtype.kind != "U":
        raise InputError(f"{path}: 'tree' must be a JSON string")
    tree_json = parse_json(str(tree_text).encode("utf-8"), f"{path}: tree")
    rel = float("nan")
    if "relative_error" in data and data["relative_error"].shape == () and data["relative_error"].dtype.kind == "f":
        rel = float(data["relative_error"])
    N = values.shape[1]
    perm = resolve_perm(perm.astype(np.int64), N)
    tree = make_tree(tree_json, values.shape[0])
    return FloatButterfly(np.array(values), perm, tree, rel)


def load_factors(path: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The factors of a butterfly ``.npz`` as dense numpy arrays, and the permutation."""
    res = load_npz(path)
    return res.dense_factors(), res.perm
