"""Floating-point hierarchical factorization into a chainable architecture, with error bounds.

At each node of an admissible tree, every class block of the current matrix (``b × c'``, the
class having ``r`` inner indices) is replaced by its best rank-``r`` approximation, a truncated
SVD ``U_r Σ_r V_r^H``: the left part takes ``U_r`` (orthonormal columns in each class — the
orthonormalization), the right part ``U_r^H B``; the algorithm recurses on both parts.

Two constants are reported (statements and proofs in docs/kronecker.md):

* ``paper_constant`` — ``C_β = 2^{L−1} − 1``, the constant of the butterfly algorithm with
  orthonormalization of Le, Zheng, Riccietti and Gribonval (arXiv 2411.04506): for a chainable
  architecture in their sense (every consecutive pair nests left to right) that is
  non-redundant, and the order of splits given by the tree.  On the right comb the algorithm
  below *is* theirs (left-to-right order); on every other tree :func:`factor_float` runs
  their algorithm, which orthonormalizes all the factors left of the split (columns) and
  right of it (rows) by class-block QR before each split (``algorithm="sweep"``).
* ``own_constant`` — ``√(L−1)``, exactid's refinement on the right comb (hypotheses checked by
  :func:`bound_constant`), with ``e_l`` the Frobenius norm discarded at the step splitting off
  factor ``l``:

    ‖A − X̂_1⋯X̂_L‖_F² = Σ_l e_l²,   e_l ≤ E* := inf ‖A − X_1⋯X_L‖_F,   so
    ‖A − X̂_1⋯X̂_L‖_F ≤ √(L−1) · E*   and   E* ≥ max_l e_l.

``constant`` is the smaller of the two that apply.

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
>>> res.relative_error < 1e-13, res.constant, res.paper_constant
(True, 1.0, 1.0)
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
    constant: Optional[float] = None  # the smallest proved C with error <= C * best error
    constant_reason: str = ""
    paper_constant: Optional[float] = None  # C_β = 2^(L−1) − 1 (arXiv 2411.04506), when its hypotheses hold
    paper_reason: str = ""
    own_constant: Optional[float] = None  # √(L−1), exactid's refinement on the right comb
    own_reason: str = ""
    algorithm: str = "tree"  # "tree" (orthonormal left parts) or "sweep" (QR sweeps before each split)
    safe_lower: float = 0.0  # a lower bound of the best absolute error (rounding allowance deducted)
    seconds: float = 0.0

    @property
    def best_error_lower_bound(self) -> float:
        """A lower bound of the best relative error: ``max_l e_l / ‖A‖`` less rounding when
        exactid's refinement applies, else the root step alone (the best two-factor error)."""
        return self.safe_lower / self.norm if self.norm > 0 else 0.0

    def bound_report(self) -> dict:
        """The constants and their reasons, as printed by ``factor kronecker-sparse --json``."""
        out: dict = {"constant": self.constant, "paper_constant": self.paper_constant,
                     "own_constant": self.own_constant, "algorithm": self.algorithm}
        for key, value, why in (("constant_reason", self.constant, self.constant_reason),
                                ("paper_constant_reason", self.paper_constant, self.paper_reason),
                                ("own_constant_reason", self.own_constant, self.own_reason)):
            if value is None:
                out[key] = why
        return out

    def dense_factors(self) -> list[np.ndarray]:
        return [to_dense(f, p) for f, p in zip(self.factors, self.arch.patterns)]

    def product(self) -> np.ndarray:
        return product_dense(self.factors, self.arch, self.tree)


def product_dense(factors: list, arch: Architecture, tree: Tree) -> np.ndarray:
    """``X_1 ⋯ X_L`` (dense), merged class block by class block along ``tree``."""
    top, nodes = arch.nodes(tree)
    return to_dense(merge_tree(factors, tree, nodes), top)


def paper_pairs(arch: Architecture) -> tuple[bool, str]:
    """``(True, "")`` when ``arch`` is chainable and non-redundant in the sense of arXiv 2411.04506.

    Chainable: every consecutive pair ``(π_l, π_{l+1})`` nests left to right (``a_l | a_{l+1}``,
    ``d_{l+1} | d_l`` and ``r_l = a_l c_l / a_{l+1} = b_{l+1} d_{l+1} / d_l`` an integer; the
    mirrored nesting that exactid also accepts is outside the paper's definition).
    Non-redundant: ``r_l < min(b_l, c_{l+1})`` for every ``l`` (else the class blocks of that pair
    have rank ≤ ``r_l`` and the two factors merge into one).
    """
    for l, (x, y) in enumerate(zip(arch.patterns, arch.patterns[1:]), start=1):
        a, b, c, d = x.as_tuple()
        a2, b2, c2, d2 = y.as_tuple()
        if not (a2 % a == 0 and d % d2 == 0 and (a * c) % a2 == 0):  # shapes chain, so r = b' d'/d too
            return False, (f"the pair (π_{l}, π_{l + 1}) = ({x}, {y}) does not nest left to right "
                           "(not chainable in the sense of arXiv 2411.04506)")
        r = a * c // a2
        if r >= min(b, c2):
            return False, (f"the pair (π_{l}, π_{l + 1}) is redundant (r = {r} >= min(b_{l}, c_{l + 1}) = "
                           f"{min(b, c2)}); the theorem of arXiv 2411.04506 assumes a non-redundant architecture")
    return True, ""


def paper_constant(arch: Architecture, tree: Tree) -> tuple[Optional[float], str]:
    """``(C_β, "")`` with ``C_β = 2^{L−1} − 1`` when the guarantee of arXiv 2411.04506 applies.

    Hypotheses: ``arch`` chainable and non-redundant (:func:`paper_pairs`) and ``tree``
    admissible; the factorization is their butterfly algorithm with orthonormalization for the
    order of splits given by ``tree`` (what :func:`factor_float` runs with its default
    ``algorithm``).  ``C_β = Σ_{t=1}^{L−1} 2^{L−1−t}``: the weight of the ``t``-th split.

    >>> from .architecture import butterfly, monarch
    >>> paper_constant(butterfly(1024), butterfly(1024).tree("balanced"))
    (511.0, '')
    >>> paper_constant(monarch(4, 8), monarch(4, 8).tree("right"))[0]
    1.0
    """
    if arch.L == 1:
        return 1.0, ""
    ok, why = paper_pairs(arch)
    if not ok:
        return None, why
    arch.nodes(tree)  # admissibility (InputError otherwise)
    return float(2 ** (arch.L - 1) - 1), ""


def paper_weights(arch: Architecture, tree: Tree) -> list[tuple[int, int]]:
    """``[(l_t, 2^{L−1−t})]``: the split position of the ``t``-th split (pre-order of ``tree``) and its weight.

    The a-posteriori form of the guarantee: ``‖A − X̂‖_F ≤ Σ_t 2^{L−1−t} · E_{l_t}(A)``, with
    ``E_l(A)`` the best error of the two-factor architecture ``(π_1⋯π_l, π_{l+1}⋯π_L)`` (each
    ``E_l(A) ≤ E*(A)``, whence ``C_β``).

    >>> from .architecture import butterfly
    >>> paper_weights(butterfly(16), butterfly(16).tree("balanced"))
    [(2, 4), (1, 2), (3, 1)]
    """
    return [(nd.split, 2 ** (arch.L - 1 - t)) for t, nd in enumerate(arch.tree(tree).internal_nodes(), start=1)]


def bound_constant(arch: Architecture, tree: Tree) -> tuple[Optional[float], str]:
    """``(√(L−1), "")`` when exactid's refined bound applies to ``tree``, else ``(None, reason)``.

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
ALGORITHMS = ("auto", "tree", "sweep")


def _qr_left(lb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Q, R)`` with ``lb = Q R`` per class, ``Q`` ``(K, b, r)`` with orthonormal (or zero) columns."""
    K, b, r = lb.shape
    q, rr = np.linalg.qr(lb)
    if q.shape[2] < r:  # b < r (a redundant pair): pad, the product is unchanged
        q = np.concatenate([q, np.zeros((K, b, r - q.shape[2]), dtype=q.dtype)], axis=2)
        rr = np.concatenate([rr, np.zeros((K, r - rr.shape[1], r), dtype=rr.dtype)], axis=1)
    return q, rr


def _sweep_factor(A_root: np.ndarray, tree: Tree, nodes: list, top, L: int, errors: dict, guards: dict) -> list:
    """The butterfly algorithm with orthonormalization of arXiv 2411.04506, splits in the tree's pre-order.

    The current factors are intervals of levels.  Before splitting the one that holds the next
    node, every factor left of it gets orthonormal class columns (QR, ``R`` pushed to the right)
    and every factor right of it orthonormal class rows (``R^H`` pushed to the left), so that the
    product is ``Q_left · F · Q_right`` with isometries around the factor ``F`` being split.
    """
    patterns = {(1, L): top}
    for nd in nodes:
        patterns[(nd.p, nd.l)] = nd.left
        patterns[(nd.l + 1, nd.q)] = nd.right
    segs = [[1, L, A_root, ""]]  # p, q, compact values, state: "L" columns / "R" rows orthonormal, "" neither

    def split_of(i: int) -> Split:
        x, y = segs[i], segs[i + 1]
        return Split(patterns[(x[0], x[1])], patterns[(y[0], y[1])])

    for nd in nodes:  # pre-order: parents before children, left subtree first
        m = next(i for i, sg in enumerate(segs) if sg[0] == nd.p and sg[1] == nd.q)
        for i in range(m):  # left of the split: orthonormal columns
            if segs[i][3] != "L":
                sp = split_of(i)
                q, rr = _qr_left(sp.left_blocks(segs[i][2]))
                segs[i][2], segs[i + 1][2] = (np.ascontiguousarray(v) for v in sp.parts(
                    q, np.matmul(rr, sp.right_blocks(segs[i + 1][2]))))
                segs[i][3], segs[i + 1][3] = "L", ""
        for i in range(len(segs) - 1, m, -1):  # right of the split: orthonormal rows
            if segs[i][3] != "R":
                sp = split_of(i - 1)
                q, rr = _qr_left(np.swapaxes(sp.right_blocks(segs[i][2]), 1, 2).conj())
                lefts = np.matmul(sp.left_blocks(segs[i - 1][2]), np.swapaxes(rr, 1, 2).conj())
                segs[i - 1][2], segs[i][2] = (np.ascontiguousarray(v) for v in sp.parts(
                    lefts, np.swapaxes(q, 1, 2).conj()))
                segs[i][3], segs[i - 1][3] = "R", ""
        sp = Split(nd.left, nd.right)
        lefts, rights, lost, allowance = _truncated(sp.blocks(segs[m][2]), nd.rank)
        errors[nd.l] = float(lost.sum())
        guards[nd.l] = float(allowance.sum())
        U, W = sp.parts(lefts, rights)
        segs[m:m + 1] = [[nd.p, nd.l, np.ascontiguousarray(U), "L"], [nd.l + 1, nd.q, np.ascontiguousarray(W), ""]]
    return [sg[2] for sg in segs]


def factor_float(matrix: np.ndarray, arch: Union[str, Architecture], tree: Union[str, Tree, Any] = "right",
                 compute_error: bool = True, perm: str = "identity", algorithm: str = "auto") -> FloatKronecker:
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
    algorithm : "auto", "tree" or "sweep"
        "tree": orthonormal left parts only, node after node (on the right comb this is the
        paper's algorithm); "sweep": the paper's algorithm with orthonormalization for any
        tree (class-block QR of the other factors before each split); "auto": "tree" on the
        right comb, "sweep" on other trees when the architecture is chainable in the paper's
        sense, "tree" otherwise (no bound is then stated).
    """
    start = time.perf_counter()
    arch = parse_architecture(arch) if isinstance(arch, str) else arch
    A = np.asarray(matrix)
    if A.ndim != 2 or A.shape != arch.shape:
        raise InputError(f"the matrix has shape {A.shape}, the architecture {arch.shape}")
    if perm not in PERMS:
        raise InputError(f"perm must be identity or digit-reversal, got {perm!r}")
    if algorithm not in ALGORITHMS:
        raise InputError(f"algorithm must be auto, tree or sweep, got {algorithm!r}")
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

    right_comb = tree_obj.to_json() == arch.tree("right").to_json()
    if algorithm == "auto":
        algorithm = "sweep" if not right_comb and paper_pairs(arch)[0] else "tree"
    if algorithm == "sweep" and nodes:
        factors = _sweep_factor(root, tree_obj, nodes, top, arch.L, errors, guards)
    else:
        factors = walk_tree(tree_obj, root, nodes, arch.L, f"kronecker (float) {arch.name}", split)
    step = [sqrt(errors[l] + (off if l == nodes[0].l else 0.0)) for l in sorted(errors)] if nodes else [sqrt(off)]
    safe = [sqrt(max(errors[l] - guards[l], 0.0) + (off if l == nodes[0].l else 0.0)) for l in sorted(errors)]
    if not nodes:
        safe = step
    own, own_why = bound_constant(arch, tree_obj)
    paper, paper_why = paper_constant(arch, tree_obj)
    if paper is not None and algorithm == "tree" and not right_comb:
        paper, paper_why = None, "the paper's algorithm on this tree is algorithm='sweep' (QR sweeps); 'tree' is not it"
    constant = min((c for c in (own, paper) if c is not None), default=None)
    why = "" if constant is not None else f"{paper_why}; {own_why}"
    # E* >= every e_l under exactid's refinement; in general only the root step is a best error (two factors)
    lower = max(safe, default=0.0) if own is not None else (safe[sorted(errors).index(nodes[0].l)] if nodes else safe[0])
    result = FloatKronecker(arch, tree_obj, [f.astype(dtype, copy=False) for f in factors], step_errors=step,
                            norm=norm, constant=constant, constant_reason=why, safe_step_errors=safe,
                            paper_constant=paper, paper_reason=paper_why, own_constant=own, own_reason=own_why,
                            algorithm=algorithm, safe_lower=lower)
    if compute_error:
        diff = float(np.linalg.norm(A - result.product()))
        result.relative_error = diff / norm if norm > 0 else diff
    else:
        result.relative_error = sqrt(sum(e * e for e in step)) / norm if norm > 0 else 0.0
    result.seconds = time.perf_counter() - start
    return result


NPZ_VERSION = 2  # 2 added paper_constant, own_constant and algorithm; load_npz reads 1 and 2


def _nan_or(value: Optional[float]) -> np.ndarray:
    return np.array(np.nan if value is None else value)


def npz_bytes(result: FloatKronecker) -> bytes:
    """The bytes of the ``.npz`` archive: ``format``, ``version`` (2), ``architecture`` and ``tree``
    (JSON text), ``factor_1..factor_L`` (compact arrays of shape ``(a, b, c, d)``),
    ``relative_error``, ``step_errors``, ``norm``, ``constant`` (the smallest proved constant),
    ``paper_constant`` (``C_β`` of arXiv 2411.04506), ``own_constant`` (``√(L−1)``) — NaN when
    not proved — and ``algorithm`` ("tree" or "sweep")."""
    buffer = io.BytesIO()
    arrays = {f"factor_{l}": f for l, f in enumerate(result.factors, start=1)}
    np.savez(buffer, format=np.array(NPZ_FORMAT), version=np.array(NPZ_VERSION),
             architecture=np.array(json.dumps(result.arch.to_json())), tree=np.array(json.dumps(result.tree.to_json())),
             relative_error=np.array(result.relative_error), step_errors=np.array(result.step_errors),
             norm=np.array(result.norm), constant=_nan_or(result.constant),
             paper_constant=_nan_or(result.paper_constant), own_constant=_nan_or(result.own_constant),
             algorithm=np.array(result.algorithm), **arrays)
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
        if str(data["format"]) != NPZ_FORMAT or int(data["version"]) not in (1, NPZ_VERSION):
            raise InputError(f"{path}: not an exactid Kronecker-sparse .npz (format/version)")
        spec = json.loads(str(data["architecture"]))
        arch = Architecture([tuple(p) for p in spec["patterns"]], spec.get("name", ""))
        tree = arch.tree(json.loads(str(data["tree"])))
        factors = [np.array(data[f"factor_{l}"]) for l in range(1, arch.L + 1)]
        rel = float(data["relative_error"])
        consts = {}
        for key in ("constant", "paper_constant", "own_constant"):  # version 1 has only "constant"
            value = float(data[key]) if key in data else float("nan")
            consts[key] = None if np.isnan(value) else value
        algorithm = str(data["algorithm"]) if "algorithm" in data else "tree"
    except (KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{path}: cannot read a Kronecker-sparse .npz ({type(exc).__name__}: {exc})") from None
    for f, p in zip(factors, arch.patterns):
        if f.shape != p.as_tuple():
            raise InputError(f"{path}: a factor has shape {f.shape}, its pattern is {p.as_tuple()}")
    return FloatKronecker(arch, tree, factors, rel, constant=consts["constant"], algorithm=algorithm,
                          paper_constant=consts["paper_constant"], own_constant=consts["own_constant"])
