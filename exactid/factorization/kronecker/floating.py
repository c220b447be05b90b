"""Floating-point hierarchical factorization into a chainable architecture, with an error bound.

At each node of an admissible tree, every class block of the current matrix (``b × c'``, the
class having ``r`` inner indices) is replaced by its best rank-``r`` approximation, a truncated
SVD ``U_r Σ_r V_r^H``: the left part takes ``U_r`` (orthonormal columns in each class — the
orthonormalization), the right part ``Σ_r V_r^H``; the algorithm recurses on both parts.

Error guarantee (proved in docs/kronecker.md).  On the *right comb* tree ``[1, [2, [3, …]]]``
(factor 1 is split off first, then factor 2, …) and under the hypotheses checked by
:func:`bound_constant`, with ``e_l`` the Frobenius norm discarded at the step splitting off
factor ``l``:

    ‖A − X̂_1⋯X̂_L‖_F² = Σ_l e_l²,   e_l ≤ E* := inf ‖A − X_1⋯X_L‖_F,   so
    ‖A − X̂_1⋯X̂_L‖_F ≤ √(L−1) · E*   and   E* ≥ max_l e_l.

Examples
--------
>>> import numpy as np
>>> from .architecture import monarch
>>> from .layout import to_dense
>>> arch = monarch(4, 4)
>>> rng = np.random.default_rng(0)
>>> xs = [rng.standard_normal(p.as_tuple()) for p in arch.patterns]
>>> A = to_dense(xs[0], arch.patterns[0]) @ to_dense(xs[1], arch.patterns[1])
>>> res = factor_float(A, arch)
>>> res.relative_error < 1e-13, res.constant
(True, 1.0)
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from math import sqrt
from typing import Any, Optional, Union

import numpy as np

from ...errors import InputError
from ...resources import ensure_fits
from ..butterfly import Tree
from .architecture import Architecture, pair_product, parse_architecture, radices_of
from .exact import digit_reversal
from .layout import Split, from_dense, merge_tree, to_dense, walk_tree

NPZ_FORMAT = "exactid-kronecker"


@dataclass
class FloatKronecker:
    """Float factors (compact arrays, one per pattern) and what is known of their error."""

    arch: Architecture
    tree: Tree
    factors: list
    relative_error: float = float("nan")
    step_errors: list = field(default_factory=list)  # e_l (absolute), by split position
    safe_step_errors: list = field(default_factory=list)  # e_l less their rounding allowance
    norm: float = float("nan")
    constant: Optional[float] = None  # C with error <= C * best error, when the theorem applies
    constant_reason: str = ""
    seconds: float = 0.0

    @property
    def best_error_lower_bound(self) -> float:
        """``max_l e_l / ‖A‖`` less rounding: no factorization in the architecture does better (relative)."""
        return max(self.safe_step_errors, default=0.0) / self.norm if self.norm > 0 else 0.0

    def dense_factors(self) -> list[np.ndarray]:
        return [to_dense(f, p) for f, p in zip(self.factors, self.arch.patterns)]

    def product(self) -> np.ndarray:
        return product_dense(self.factors, self.arch, self.tree)


def product_dense(factors: list, arch: Architecture, tree: Tree) -> np.ndarray:
    """``X_1 ⋯ X_L`` (dense), merged class block by class block along ``tree``."""
    top, nodes = arch.nodes(tree)
    return to_dense(merge_tree(factors, tree, nodes), top)


def bound_constant(arch: Architecture, tree: Tree) -> tuple[Optional[float], str]:
    """``(√(L−1), "")`` when the error theorem applies to ``tree``, else ``(None, reason)``.

    Hypotheses: (H1) the tree is the right comb and is admissible; (H2) for ``2 ≤ l ≤ L−1`` the
    product ``P_{1..l−1}`` of the first patterns (folded left to right) is Kronecker-sparse, and
    every class of the pair ``(P_{1..l−1}, P_{l..L})`` lies in one row class of ``π_l``.
    """
    L = arch.L
    if L == 1:
        return 1.0, ""
    if tree.to_json() != arch.tree("right").to_json():
        return None, "the bound is proved for the right comb tree (factor 1 split off first) only"
    _, nodes = arch.nodes(tree)
    rights = {nd.p: nd.product for nd in nodes}  # pattern of S_l..S_L
    rights[L] = arch.patterns[-1]
    left = arch.patterns[0]
    for l in range(2, L):
        x, y, pi = left, rights[l], arch.patterns[l - 1]
        k = np.arange(x.cols, dtype=np.int64)
        key = ((k // (x.c * x.d)) * x.d + k % x.d) * (y.a * y.d) + (k // (y.b * y.d)) * y.d + k % y.d
        row_key = (k // (pi.b * pi.d)) * pi.d + k % pi.d
        order = np.lexsort((row_key, key))
        same = key[order][1:] == key[order][:-1]
        if np.any(same & (row_key[order][1:] != row_key[order][:-1])):
            return None, f"a class of the split 1..{l - 1} | {l}..{L} mixes row supports of X_{l}"
        got = pair_product(left, pi)
        if got is None:
            return None, f"the product of patterns 1..{l} is not Kronecker-sparse (not chainable)"
        left = got[0]
    return sqrt(L - 1), ""


def _energy(x: np.ndarray) -> np.ndarray:
    """Squared Frobenius norm of each block ``(K, R, C)`` (real view of complex data: no conjugate copy)."""
    x = np.ascontiguousarray(x)
    flat = x.reshape(len(x), -1)
    if np.iscomplexobj(flat):
        flat = flat.view(np.float64)
    return np.einsum("kc,kc->k", flat, flat)


def _gram(B: np.ndarray) -> np.ndarray:
    """``B B^H`` of contiguous blocks ``(K, R, C)``; complex data through its real view (no conjugate copy)."""
    if not np.iscomplexobj(B):
        return np.einsum("krc,ksc->krs", B, B)
    K, R, C = B.shape
    flat = B.view(np.float64)  # (K, R, 2C): re, im interleaved
    parts = flat.reshape(K, R, C, 2)
    im = np.einsum("krc,ksc->krs", parts[..., 1], parts[..., 0])
    return np.einsum("krc,ksc->krs", flat, flat) + 1j * (im - np.swapaxes(im, 1, 2))


def _truncated(blocks: np.ndarray, r: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(U_r, U_r^H B, discarded energy, its rounding allowance)`` for a batch of blocks ``(K, R, C)``.

    ``U_r``: the top ``r`` left singular vectors (orthonormal columns).  The discarded energy is
    ``‖B‖² − ‖U_r^H B‖²`` (exact in real arithmetic: ``U_r U_r^H`` is an orthogonal projection);
    the allowance ``(R·C + r + 2)·ε·‖B‖²`` bounds its rounding error, so that
    ``discarded − allowance`` is a safe lower bound of the optimum of the block.
    """
    K, R, C = blocks.shape
    B = np.ascontiguousarray(blocks)
    if R <= C and R <= 32:  # Gram matrices B B^H: eigenvectors = left singular vectors, eigenvalues = σ²
        w, v = np.linalg.eigh(_gram(B))
        u = v[:, :, ::-1][:, :, :r]
        lost = np.maximum(w[:, : max(R - r, 0)].sum(axis=1), 0.0)
        total = np.maximum(w.sum(axis=1), 0.0)
    else:
        if r == 1 and min(R, C) > 8:
            u = _top_vector(B)
        else:
            u = np.linalg.svd(B, full_matrices=False)[0][:, :, :r]
            if u.shape[2] < r:
                u = np.concatenate([u, np.zeros((K, R, r - u.shape[2]), dtype=u.dtype)], axis=2)
        lost = None
    # the projection U^H B (Pythagoras holds exactly); einsum: numpy's batched matmul of thin factors is slow
    u = np.ascontiguousarray(u)
    right = np.einsum("kr,krc->kc", u[:, :, 0].conj(), B)[:, None, :] if r == 1 else np.einsum(
        "krs,krc->ksc", u.conj(), B)
    if lost is None:
        total = _energy(B)
        lost = np.maximum(total - _energy(right), 0.0)
    return u, right, lost, (R * C + r + 2) * np.finfo(np.float64).eps * total


def _top_vector(blocks: np.ndarray) -> np.ndarray:
    """Top left singular vector of each block ``(K, R, 1)`` (the butterfly code's batched power iteration)."""
    from ..butterfly_float import rank_one_float

    u, _ = rank_one_float(blocks)  # blocks ≈ u v with ||v|| = 1, so u = σ·(top left singular vector)
    s = np.linalg.norm(u, axis=-1)
    unit = np.divide(u, s[:, None], out=np.zeros_like(u), where=s[:, None] > 0)
    unit[s == 0, 0] = 1  # any unit vector will do for a zero block
    return unit[:, :, None]


PERMS = ("identity", "digit-reversal")


def factor_float(matrix: np.ndarray, arch: Union[str, Architecture], tree: Union[str, Tree, Any] = "right",
                 compute_error: bool = True, perm: str = "identity") -> FloatKronecker:
    """Hierarchical factorization of a real or complex matrix into ``arch`` (orthonormal left parts).

    Parameters
    ----------
    matrix : ndarray
        Of the architecture's shape; float becomes float64, complex becomes complex128.
    arch : Architecture or its command-line text (``monarch:16x16``, ``butterfly:1024``, …)
    tree : the tree of splits; the default ``"right"`` is the one the error bound covers.
    compute_error : also recompute the relative error from the product (one more pass).
    perm : "identity" or "digit-reversal"
        Factor ``matrix[:, P]``, ``P`` the digit reversal of a mixed-radix architecture's radices
        (so that the DFT becomes a product of butterfly factors).
    """
    start = time.perf_counter()
    arch = parse_architecture(arch) if isinstance(arch, str) else arch
    A = np.asarray(matrix)
    if A.ndim != 2 or A.shape != arch.shape:
        raise InputError(f"the matrix has shape {A.shape}, the architecture {arch.shape}")
    if perm not in PERMS:
        raise InputError(f"perm must be identity or digit-reversal, got {perm!r}")
    if A.dtype.kind not in "fciu":
        raise InputError(f"unsupported dtype {A.dtype}")
    dtype = np.complex128 if A.dtype.kind == "c" else np.float64
    ensure_fits(3 * A.size * np.dtype(dtype).itemsize + (64 << 20), "the float Kronecker-sparse factorization")
    A = A.astype(dtype, copy=False)
    if perm == "digit-reversal":
        A = A[:, digit_reversal(radices_of(arch))]
    if not np.isfinite(A).all():
        raise InputError("the matrix has NaN or infinite entries")
    tree_obj = arch.tree(tree)
    top, nodes = arch.nodes(tree_obj)
    norm = float(np.linalg.norm(A))
    root = np.ascontiguousarray(from_dense(A, top))
    outside = A[~top.support()] if top.nnz < A.size else A[:0, 0]
    off = float(np.vdot(outside, outside).real)  # energy off the product pattern, summed directly
    errors: dict = {}
    guards: dict = {}

    def split(info, sp: Split, values: np.ndarray):
        lefts, rights, lost, allowance = _truncated(sp.blocks(values), info.rank)
        errors[info.l] = float(lost.sum())
        guards[info.l] = float(allowance.sum())
        return sp.parts(lefts, rights)

    factors = walk_tree(tree_obj, root, nodes, arch.L, f"kronecker (float) {arch.name}", split)
    step = [sqrt(errors[l] + (off if l == nodes[0].l else 0.0)) for l in sorted(errors)] if nodes else [sqrt(off)]
    safe = [sqrt(max(errors[l] - guards[l], 0.0) + (off if l == nodes[0].l else 0.0)) for l in sorted(errors)]
    constant, why = bound_constant(arch, tree_obj)
    result = FloatKronecker(arch, tree_obj, [f.astype(dtype, copy=False) for f in factors], step_errors=step,
                            norm=norm, constant=constant, constant_reason=why, safe_step_errors=safe if nodes else step)
    if compute_error:
        diff = float(np.linalg.norm(A - result.product()))
        result.relative_error = diff / norm if norm > 0 else diff
    else:
        result.relative_error = sqrt(sum(e * e for e in step)) / norm if norm > 0 else 0.0
    result.seconds = time.perf_counter() - start
    return result


def npz_bytes(result: FloatKronecker) -> bytes:
    """The bytes of the ``.npz`` archive: ``format``, ``version``, ``architecture`` and ``tree``
    (JSON text), ``factor_1..factor_L`` (compact arrays of shape ``(a, b, c, d)``),
    ``relative_error``, ``step_errors``, ``norm``, ``constant`` (NaN when no bound is proved)."""
    buffer = io.BytesIO()
    arrays = {f"factor_{l}": f for l, f in enumerate(result.factors, start=1)}
    np.savez(buffer, format=np.array(NPZ_FORMAT), version=np.array(1),
             architecture=np.array(json.dumps(result.arch.to_json())), tree=np.array(json.dumps(result.tree.to_json())),
             relative_error=np.array(result.relative_error), step_errors=np.array(result.step_errors),
             norm=np.array(result.norm), constant=np.array(np.nan if result.constant is None else result.constant),
             **arrays)
    return buffer.getvalue()


def save_npz(path: str, result: FloatKronecker) -> None:
    """Write :func:`npz_bytes` atomically (a temporary file and a rename; none is left on failure)."""
    from ...io.files import atomic_write_bytes

    atomic_write_bytes(path, npz_bytes(result))


def load_npz(path: str) -> FloatKronecker:
    """Read a ``.npz`` written by :func:`save_npz` (``InputError`` if it is not one)."""
    from ...io.arrays import load_npz as read_npz

    data = read_npz(path, required=("format", "version", "architecture", "tree", "relative_error"))
    try:
        if str(data["format"]) != NPZ_FORMAT or int(data["version"]) != 1:
            raise InputError(f"{path}: not an exactid Kronecker-sparse .npz (format/version)")
        spec = json.loads(str(data["architecture"]))
        arch = Architecture([tuple(p) for p in spec["patterns"]], spec.get("name", ""))
        tree = arch.tree(json.loads(str(data["tree"])))
        factors = [np.array(data[f"factor_{l}"]) for l in range(1, arch.L + 1)]
        rel = float(data["relative_error"])
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: cannot read a Kronecker-sparse .npz ({type(exc).__name__}: {exc})") from None
    for f, p in zip(factors, arch.patterns):
        if f.shape != p.as_tuple():
            raise InputError(f"{path}: a factor has shape {f.shape}, its pattern is {p.as_tuple()}")
    return FloatKronecker(arch, tree, factors, rel)
