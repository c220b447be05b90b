"""Exact forward pass of a (leaky) ReLU network in integer arithmetic, and its Jacobian modulo p.

Every rational weight, bias and sample is written over a common denominator per matrix
(floats are dyadic, so this is exact), and each layer's pre-activations are computed as
integer matrices scaled by a known denominator: ``z_l = Z_l / D_l`` with ``Z_l`` integer.
Products run in float64 BLAS when every partial sum stays below 2^53, in int64 when it
stays below 2^63, and otherwise as ``flint.fmpz_mat`` products (exact big integers); the
sign tests are then exact integer comparisons, vectorized over the samples.

The Jacobian ``J = d f_theta(X) / d theta`` (rows sample-major: row ``x k + o`` is output o
at sample x; columns in parameter order, W_l row-major then b_l, layer by layer) is built
modulo a prime p directly from these integers: every entry is a product of residues, and
the backpropagated factors ``B_l = B_{l+1} W_{l+1} diag(s_l(x))`` (``s_l(x)`` the slope of
the activation at each neuron: 1 when z > 0, the leak a otherwise) are float64 matrix
products of residues kept exact.  No rational number is formed per entry.

A pre-activation exactly 0 at a sample is a kink: J does not exist there.  The forward pass
records where (:attr:`ExactForward.kinks`); the analyses refuse such samples
(:class:`KinkError`) unless a direction of constancy settles the question without J.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd, lcm
from typing import Any, Optional, Sequence

import flint
import numpy as np

from ..errors import DomainError, InputError, ShapeError
from ..progress import progress
from ..resources import ensure_fits
from .format import Network

_F53 = float(1 << 53)
_I63 = 1 << 62  # int64 results stay below this (a margin for the additions that follow)
_LEAKY = re.compile(r"^leaky_relu(?::(-?\d+(?:/\d+|\.\d+)?))?$")


class KinkError(InputError):
    """A hidden pre-activation is exactly 0 at a sample (the network is not differentiable there)."""

    def __init__(self, sample: int, layer: int, neuron: int):
        self.sample, self.layer, self.neuron = sample, layer, neuron
        super().__init__(f"sample {sample} lies on the kink of neuron {neuron} of hidden layer {layer} (its "
                         "pre-activation is exactly 0, where the network is not differentiable): remove that "
                         "sample or move it off the kink")


def activation_slope(name: str) -> Fraction:
    """Slope on t < 0 of ``relu`` (0), ``leaky_relu`` (1/100) or ``leaky_relu:S`` (S rational, not 1).

    >>> activation_slope("relu"), activation_slope("leaky_relu:0.1"), activation_slope("leaky_relu")
    (Fraction(0, 1), Fraction(1, 10), Fraction(1, 100))
    """
    if not isinstance(name, str):
        raise InputError("the activation must be a string")
    text = name.strip().lower()
    if text == "relu":
        return Fraction(0)
    match = _LEAKY.match(text)
    if not match:
        raise InputError(f"expected a relu or leaky_relu:S network, got activation {name[:40]!r}")
    slope = Fraction(match.group(1)) if match.group(1) else Fraction(1, 100)
    if slope == 1:
        raise InputError("leaky_relu:1 is the identity, not a piecewise-linear activation")
    return slope


def activation_name(slope: Fraction) -> str:
    """Canonical name: ``relu`` for slope 0, else ``leaky_relu:P/Q`` (``leaky_relu:1/100``)."""
    return "relu" if slope == 0 else f"leaky_relu:{slope.numerator}/{slope.denominator}"


# -- exact integer matrices ------------------------------------------------------------------
def _max_abs(a: np.ndarray) -> int:
    if a.size == 0:
        return 0
    if a.dtype == object:
        return max(abs(int(v)) for v in a.ravel())
    return int(np.abs(a).max())


def _shrink(a: np.ndarray) -> np.ndarray:
    """int64 when every entry fits comfortably, else an object array of Python ints."""
    if a.dtype == object and _max_abs(a) < _I63:
        return a.astype(np.int64)
    return a


def integer_matrix(M: Any, what: str = "matrix") -> tuple[np.ndarray, int]:
    """``M = num / den`` exactly, with ``num`` an integer array (int64 or object) and den >= 1.

    Accepts ``flint.fmpq_mat``/``fmpz_mat``, numpy integer or float arrays (floats are dyadic
    and converted exactly; NaN and inf are refused), and nested lists of those numbers.

    >>> num, den = integer_matrix(np.array([[0.5, -1.25]]))
    >>> num.tolist(), den
    ([[2, -5]], 4)
    """
    if isinstance(M, flint.fmpz_mat):
        return _shrink(np.array([int(v) for v in M.entries()], dtype=object).reshape(M.nrows(), M.ncols())), 1
    if isinstance(M, flint.fmpq_mat):
        entries = M.entries()
        den = lcm(1, *{int(q.q) for q in entries})
        num = np.array([int(q.p) * (den // int(q.q)) for q in entries], dtype=object)
        return _shrink(num.reshape(M.nrows(), M.ncols())), den
    a = np.asarray(M) if not isinstance(M, np.ndarray) else M
    if a.dtype.kind in "iub":
        return a.astype(np.int64) if a.dtype != np.uint64 else _shrink(a.astype(object)), 1
    if a.dtype.kind == "f":
        a = a.astype(np.float64)
        if not np.isfinite(a).all():
            raise InputError(f"{what}: NaN or infinite values")
        mant, expo = np.frexp(a)
        mi = (mant * _F53).astype(np.int64)  # a = mi * 2^(expo - 53), exactly
        shift = expo.astype(np.int64) - 53
        nz = mi != 0
        if not nz.any():
            return np.zeros(a.shape, dtype=np.int64), 1
        # strip trailing zero bits so the common denominator is as small as possible
        tz = np.zeros_like(mi)
        m = np.where(nz, mi, 1)
        low = m & -m
        tz[nz] = np.log2(low[nz].astype(np.float64)).astype(np.int64)
        mi, shift = mi >> tz, shift + tz
        e = int(max(0, -shift[nz].min()))
        up = np.where(nz, shift + e, 0)
        if int(up.max()) + 53 < 62:
            return mi << up, 1 << e
        num = np.array([int(v) << int(s) for v, s in zip(mi.ravel(), up.ravel())], dtype=object).reshape(a.shape)
        return _shrink(num), 1 << e
    if a.dtype == object or a.dtype.kind in "US":
        from ..domains.base import to_fmpq
        rows = a.tolist()
        try:
            q = flint.fmpq_mat([[to_fmpq(v) for v in r] for r in rows]) if a.ndim == 2 else None
        except (TypeError, ValueError) as exc:
            raise InputError(f"{what}: {exc}") from None
        if q is None:
            raise ShapeError(f"{what} must be a matrix")
        return integer_matrix(q, what)
    raise InputError(f"{what}: unsupported entries of type {a.dtype}")


def _fmpz(a: np.ndarray) -> flint.fmpz_mat:
    return flint.fmpz_mat(a.shape[0], a.shape[1], [int(v) for v in a.ravel()])


def int_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` exactly for integer arrays (float64 BLAS, int64, or fmpz_mat by size of the entries)."""
    bound = _max_abs(a) * _max_abs(b) * max(a.shape[1], 1)
    if bound < 1 << 53:
        return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.int64)
    if bound < _I63 and a.dtype != object and b.dtype != object:
        return a @ b
    prod = _fmpz(a) * _fmpz(b)
    return _shrink(np.array([int(v) for v in prod.entries()], dtype=object).reshape(a.shape[0], b.shape[1]))


def _scaled(a: np.ndarray, s: int) -> np.ndarray:
    """``a * s`` exactly."""
    if s == 1:
        return a
    if a.dtype != object and _max_abs(a) * abs(s) < _I63:
        return a * s
    return _shrink(a.astype(object) * s)


def _add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.dtype != object and b.dtype != object and _max_abs(a) + _max_abs(b) < _I63:
        return a + b
    return _shrink(a.astype(object) + b.astype(object))


def residues(num: np.ndarray, den: int, p: int) -> np.ndarray:
    """``num / den mod p`` as int64 in [0, p) (den must be prime to p)."""
    if den % p == 0:
        raise DomainError(f"the denominator {den} is divisible by p = {p}")
    r = np.mod(num, p)
    r = r.astype(np.int64) if r.dtype == object else r
    inv = pow(den % p, -1, p)
    return r if inv == 1 else (r * inv) % p  # r, inv < p < 2^31: the product fits in int64


def matmul_mod(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """``a @ b mod p`` for residues in [0, p), float64 BLAS kept exact (partial sums below 2^53).

    For p above 2^26 (products of two residues no longer exact in float64) int64 products of
    16-bit halves are used instead.
    """
    if (p - 1) ** 2 >= 1 << 53:
        if p >= 1 << 31 or a.shape[-1] > 1 << 14:
            raise DomainError("matmul_mod supports p < 2^31 and inner dimension <= 16384 above 2^26")
        hi, lo = np.divmod(b.astype(np.int64), 1 << 16)
        a64 = a.astype(np.int64)
        return ((np.matmul(a64, hi) % p) * (1 << 16) + np.matmul(a64, lo)) % p
    chunk = max(1, int((_F53 - 1) // float((p - 1) ** 2 or 1)))
    af, bf = a.astype(np.float64), b.astype(np.float64)
    inner = a.shape[-1]
    out = None
    for s in range(0, inner, chunk):
        part = np.fmod(af[..., s:s + chunk] @ bf[s:s + chunk], p)
        out = part if out is None else np.fmod(out + part, p)
    if out is None:
        out = np.zeros(a.shape[:-1] + b.shape[1:])
    return out.astype(np.int64)


# -- the forward pass ----------------------------------------------------------------------
@dataclass
class ExactForward:
    """Exact forward pass: ``pre[l] / pre_den[l]`` are the pre-activations of layer l (0-based).

    ``signs[l]`` (int8, n x w_{l+1}) are their exact signs for the hidden layers; ``post[l] /
    post_den[l]`` the hidden outputs; ``kinks`` lists (sample, hidden layer from 1, neuron)
    where a hidden pre-activation is exactly 0.
    """

    network: Network
    slope: Fraction
    samples: np.ndarray
    samples_den: int
    weights: list[np.ndarray]
    weights_den: list[int]
    biases: list[np.ndarray]
    biases_den: list[int]
    pre: list[np.ndarray]
    pre_den: list[int]
    post: list[np.ndarray]
    post_den: list[int]
    signs: list[np.ndarray]
    kinks: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def widths(self) -> list[int]:
        return self.network.widths

    @property
    def n(self) -> int:
        return self.samples.shape[0]

    @property
    def k(self) -> int:
        return self.widths[-1]

    def denominators(self) -> set[int]:
        """Every denominator a residue computation divides by."""
        return {self.samples_den, *self.weights_den, *self.biases_den, *self.post_den,
                self.slope.denominator}

    def output(self) -> tuple[np.ndarray, int]:
        """Outputs ``num / den`` (n x k)."""
        return self.pre[-1], self.pre_den[-1]

    def output_fractions(self) -> list[list[Fraction]]:
        num, den = self.output()
        return [[Fraction(int(v), den) for v in row] for row in num]

    def patterns(self) -> list[np.ndarray]:
        """0/1 patterns (z > 0) of the hidden layers, int64 arrays (n x w_l)."""
        return [(s > 0).astype(np.int64) for s in self.signs]

    def never_positive(self) -> list[tuple[int, int]]:
        """Hidden neurons (layer from 1, index) whose pre-activation is < 0 at every sample."""
        return [(l, int(i)) for l, s in enumerate(self.signs, start=1) for i in np.flatnonzero((s < 0).all(axis=0))]

    def always_positive(self) -> list[tuple[int, int]]:
        return [(l, int(i)) for l, s in enumerate(self.signs, start=1) for i in np.flatnonzero((s > 0).all(axis=0))]

    def slope_residues(self, l: int, p: int) -> np.ndarray:
        """s_l(x) mod p for hidden layer l (1-based): 1 where z > 0, the leak elsewhere."""
        leak = self.slope.numerator % p * pow(self.slope.denominator, -1, p) % p
        return np.where(self.signs[l - 1] > 0, 1, leak).astype(np.int64)


def exact_forward(net: Network, X: Any) -> ExactForward:
    """The exact forward pass of ``net`` on the samples X (rows), in integer arithmetic.

    Examples
    --------
    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1, -1]], [0]), ([[2]], ["1/2"])])
    >>> fwd = exact_forward(net, [[3, 1], [0, 1]])
    >>> [str(v) for row in fwd.output_fractions() for v in row], fwd.signs[0].ravel().tolist()
    (['9/2', '1/2'], [1, -1])
    """
    slope = activation_slope(net.activation)
    Xn, dX = integer_matrix(X, "samples")
    if Xn.ndim != 2 or Xn.shape[0] == 0:
        raise InputError("samples must be a non-empty matrix, one row per sample")
    if Xn.shape[1] != net.widths[0]:
        raise ShapeError(f"samples have {Xn.shape[1]} coordinates, the network expects {net.widths[0]}")
    n = Xn.shape[0]
    ws = [integer_matrix(w, f"W{l + 1}") for l, w in enumerate(net.weights)]
    bs = [integer_matrix(b, f"b{l + 1}") for l, b in enumerate(net.biases)]
    h, dh = Xn, dX
    pre, pre_den, post, post_den, signs, kinks = [], [], [], [], [], []
    a, c = slope.numerator, slope.denominator
    for l, ((Wn, dW), (bn, db)) in enumerate(zip(ws, bs)):
        den = lcm(dh * dW, db)
        z = _add(_scaled(int_matmul(h, Wn.T), den // (dh * dW)), _scaled(bn.reshape(1, -1), den // db))
        pre.append(z)
        pre_den.append(den)
        if l == len(ws) - 1:
            break
        s = np.sign(z).astype(np.int8) if z.dtype != object else np.array(
            [[(v > 0) - (v < 0) for v in row] for row in z], dtype=np.int8).reshape(z.shape)
        signs.append(s)
        for x, i in zip(*np.nonzero(s == 0)):
            kinks.append((int(x), l + 1, int(i)))
        if a == 0:
            h, dh = np.where(s > 0, z, 0).astype(z.dtype), den
        else:
            zc, za = _scaled(z, c), _scaled(z, a)
            kind = object if object in (zc.dtype, za.dtype) else np.int64
            h, dh = _shrink(np.where(s > 0, zc.astype(kind), za.astype(kind))), den * c
        if h.dtype != object and h.size:  # keep the numbers small: divide out a common factor
            g = gcd(dh, int(np.gcd.reduce(np.abs(h).ravel())))
            if g > 1:
                h, dh = h // g, dh // g
        post.append(h)
        post_den.append(dh)
    kinks.sort()
    return ExactForward(net, slope, Xn, dX, [w for w, _ in ws], [d for _, d in ws], [b.ravel() for b, _ in bs],
                        [d for _, d in bs], pre, pre_den, post, post_den, signs, kinks)


# -- the Jacobian modulo p ----------------------------------------------------------------------
def layer_offsets(widths: Sequence[int]) -> list[tuple[int, int]]:
    """(offset of W_l, offset of b_l) for each layer, in parameter order."""
    out, pos = [], 0
    for l in range(1, len(widths)):
        out.append((pos, pos + widths[l] * widths[l - 1]))
        pos += widths[l] * (widths[l - 1] + 1)
    return out


def jacobian_bytes(n: int, k: int, d: int, itemsize: int = 8) -> int:
    """Memory for J (n k x d) plus the backpropagation buffers."""
    return itemsize * n * k * d + 32 * n * k * 1024


def jacobian_mod_p(fwd: ExactForward, p: int, columns: Optional[np.ndarray] = None,
                   dtype: Any = np.float64, show_progress: Optional[bool] = None) -> np.ndarray:
    """``J mod p`` (n k x d, or only ``columns``), entries in [0, p) stored as ``dtype``.

    Raises :class:`DomainError` when p divides a denominator, :class:`ResourceError` (before
    allocating) when J cannot fit in memory.

    Examples
    --------
    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1], [-1]], [0, 1]), ([[2, 3]], [0])])
    >>> jacobian_mod_p(exact_forward(net, [[2]]), 7, dtype=np.int64).tolist()  # z = (2, -1)
    [[4, 0, 2, 0, 2, 0, 1]]
    """
    if p >= 1 << 31:
        raise DomainError("jacobian_mod_p needs p < 2^31")
    bad = [d for d in fwd.denominators() if d % p == 0]
    if bad:
        raise DomainError(f"p = {p} divides a denominator of theta or X")
    widths, n, k = fwd.widths, fwd.n, fwd.k
    L = len(widths) - 1
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(L))
    cols = np.arange(d) if columns is None else np.asarray(columns, dtype=np.int64)
    ensure_fits(jacobian_bytes(n, k, len(cols), np.dtype(dtype).itemsize), f"a {n * k}x{len(cols)} Jacobian modulo p")
    J = np.empty((n, k, len(cols)), dtype=dtype)
    inputs = [residues(fwd.samples, fwd.samples_den, p)] + [residues(h, dh, p) for h, dh in zip(fwd.post, fwd.post_den)]
    ws = [residues(w, dw, p) for w, dw in zip(fwd.weights, fwd.weights_den)]
    offsets = layer_offsets(widths)
    # where each requested column lands in J: position in the output, by layer
    where = np.full(d, -1, dtype=np.int64)
    where[cols] = np.arange(len(cols))
    B = np.broadcast_to(np.eye(k, dtype=np.int64), (n, k, k))
    pf = float(p)
    with progress(L, "Jacobian mod p (layers)", show_progress) as bar:
        for l in range(L - 1, -1, -1):
            w_off, b_off = offsets[l]
            out_w, in_w = widths[l + 1], widths[l]
            target = where[w_off:b_off].reshape(out_w, in_w)
            exact_float = (p - 1) ** 2 < 1 << 53  # a product of two residues is exact in float64
            g = inputs[l].astype(np.float64) if exact_float else inputs[l]
            Bf = B.astype(np.float64) if exact_float else B
            if columns is None and exact_float and J.dtype == np.float64:
                # every column wanted, in order: write the whole block in place, no temporaries
                view = J[:, :, w_off:b_off]
                view.shape = (n, k, out_w, in_w)  # a view (raises rather than copy)
                np.multiply(Bf[:, :, :, None], g[:, None, None, :], out=view)
                np.fmod(view, pf, out=view)
                rows_needed = []
            else:
                rows_needed = np.flatnonzero((target >= 0).any(axis=1))
            for i in rows_needed:  # one neuron at a time keeps the temporary at n x k x in_w
                prod = Bf[:, :, i, None] * g[:, None, :]
                block = np.fmod(prod, pf) if exact_float else prod % p
                sel = target[i] >= 0
                J[:, :, target[i][sel]] = block[:, :, sel]
            bsel = where[b_off:b_off + out_w]
            J[:, :, bsel[bsel >= 0]] = B[:, :, bsel >= 0]
            if l > 0:
                B = matmul_mod(B, ws[l], p) * fwd.slope_residues(l, p)[:, None, :] % p
            bar.update(1)
    return J.reshape(n * k, len(cols))
