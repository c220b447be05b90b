"""Exact ReLU networks over Q: forward pass, activation patterns, parameter vectors, Jacobians.

Conventions (shared with the checker and the certificates):

- ``f_0 = x``, ``z_l = W_l f_{l-1} + b_l``, ``f_l = relu(z_l)`` for hidden layers, and the
  last layer is affine: ``f_theta(x) = z_L``.
- **Parameter order**: layer by layer; inside a layer, ``W_l`` row-major, then ``b_l``.
  So ``theta`` has ``d = sum_l w_l (w_{l-1} + 1)`` entries.
- **Jacobian rows** are ordered sample-major: row ``x * k + o`` is output ``o`` at sample
  ``x`` (k = output width).  ``J = d f_theta(X) / d theta`` has shape ``(n k) x d``.

The derivative of output o with respect to ``W_l[i, j]`` at sample x is
``B_l(x)[o, i] * f_{l-1}(x)[j]`` and with respect to ``b_l[i]`` it is ``B_l(x)[o, i]``, where
``B_L = I_k`` and ``B_l = B_{l+1} W_{l+1} diag(a_l(x))`` (backpropagation with the 0/1
activation pattern ``a_l(x)``).  The exact forward pass uses ``flint.fmpq_mat``; the large
Jacobians used for certified ranks are computed directly modulo a prime p, which is all a
nonzero-minor certificate needs (a minor nonzero mod p is nonzero over Q).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import flint
import numpy as np

from ..domains.base import to_fmpq
from ..domains.matrix import ExactMatrix
from ..domains.rationals import QQ
from ..errors import DomainError, InputError, ShapeError
from ..resources import ensure_fits
from .format import Network

#: Default prime for Jacobians mod p: the largest prime below 2^30 (products of two residues
#: fit in 60 bits, so numpy int64 arithmetic with a 16-bit split never overflows).
DEFAULT_PRIME = 1073741789
_SPLIT = 1 << 16


def require_relu(net: Network) -> None:
    """Raise :class:`InputError` unless ``net`` is a ReLU network."""
    if net.activation != "relu":
        raise InputError(f"expected a ReLU network, got activation {net.activation!r}")


def as_samples(X: Any, input_width: int | None = None) -> flint.fmpq_mat:
    """Samples (one row each) as an ``fmpq_mat``; lists, numpy arrays (exact) or fmpq_mat."""
    if isinstance(X, flint.fmpq_mat):
        out = X
    elif isinstance(X, flint.fmpz_mat):
        out = flint.fmpq_mat(X)
    else:
        rows = X.tolist() if isinstance(X, np.ndarray) else X
        if not isinstance(rows, (list, tuple)) or not rows or any(not isinstance(r, (list, tuple)) for r in rows):
            raise InputError("samples must be a non-empty list of rows")
        out = flint.fmpq_mat([[to_fmpq(v) for v in r] for r in rows])
    if input_width is not None and out.ncols() != input_width:
        raise ShapeError(f"samples have {out.ncols()} coordinates, the network expects {input_width}")
    if out.nrows() == 0:
        raise InputError("at least one sample is needed")
    return out


@dataclass
class ForwardPass:
    """Exact pre-activations ``pre[l]`` (n x w_{l+1}) of every layer; the last one is the output."""

    pre: list[flint.fmpq_mat]
    samples: flint.fmpq_mat

    @property
    def output(self) -> flint.fmpq_mat:
        return self.pre[-1]

    def patterns(self) -> list[np.ndarray]:
        """0/1 activation patterns of the hidden layers, arrays of shape (n, w_l), dtype int64."""
        return [_positive_mask(z) for z in self.pre[:-1]]

    def zero_preactivations(self) -> list[tuple[int, int, int]]:
        """(hidden layer index starting at 1, neuron, sample) with an exactly zero pre-activation."""
        out = []
        for l, z in enumerate(self.pre[:-1], start=1):
            for x in range(z.nrows()):
                for i in range(z.ncols()):
                    if z[x, i] == 0:
                        out.append((l, i, x))
        return out


def _positive_mask(z: flint.fmpq_mat) -> np.ndarray:
    return np.array([[1 if z[x, i] > 0 else 0 for i in range(z.ncols())] for x in range(z.nrows())],
                    dtype=np.int64).reshape(z.nrows(), z.ncols())


def _relu(z: flint.fmpq_mat) -> flint.fmpq_mat:
    zero = flint.fmpq(0)
    return flint.fmpq_mat(z.nrows(), z.ncols(), [v if v > 0 else zero for v in z.entries()])


def forward(net: Network, X: Any) -> ForwardPass:
    """Exact forward pass over Q.

    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1, -1]], [0]), ([[2]], ["1/2"])])
    >>> str(forward(net, [[3, 1], [0, 1]]).output.entries()[0])
    '9/2'
    """
    require_relu(net)
    samples = as_samples(X, net.widths[0])
    n = samples.nrows()
    ones = flint.fmpq_mat(n, 1, [1] * n)
    h = samples
    pre = []
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = h * w.transpose() + ones * b.transpose()
        pre.append(z)
        if l < net.depth - 1:
            h = _relu(z)
    return ForwardPass(pre, samples)


# -- parameter vectors ---------------------------------------------------------------------
def parameter_offsets(widths: Sequence[int]) -> list[tuple[int, int]]:
    """(offset of W_l, offset of b_l) for each layer, in the documented order."""
    out, pos = [], 0
    for l in range(1, len(widths)):
        out.append((pos, pos + widths[l] * widths[l - 1]))
        pos += widths[l] * (widths[l - 1] + 1)
    return out


def parameter_name(widths: Sequence[int], index: int) -> str:
    """Human name of parameter ``index``: ``W1[i,j]`` or ``b1[i]`` (layers count from 1)."""
    for l, (w_off, b_off) in enumerate(parameter_offsets(widths), start=1):
        if index < b_off:
            i, j = divmod(index - w_off, widths[l - 1])
            return f"W{l}[{i},{j}]"
        if index < b_off + widths[l]:
            return f"b{l}[{index - b_off}]"
    raise IndexError(f"parameter index {index} out of range")


def parameter_vector(net: Network) -> list[flint.fmpq]:
    """theta in the documented order (W row-major then b, layer by layer)."""
    out: list[flint.fmpq] = []
    for w, b in zip(net.weights, net.biases):
        out.extend(w.entries())
        out.extend(b.entries())
    return out


def network_from_vector(widths: Sequence[int], theta: Sequence[Any], activation: str = "relu") -> Network:
    """Inverse of :func:`parameter_vector`."""
    total = sum(widths[l] * (widths[l - 1] + 1) for l in range(1, len(widths)))
    if len(theta) != total:
        raise ShapeError(f"expected {total} parameters for widths {list(widths)}, got {len(theta)}")
    layers = []
    for l, (w_off, b_off) in enumerate(parameter_offsets(widths), start=1):
        w = flint.fmpq_mat(widths[l], widths[l - 1], [to_fmpq(v) for v in theta[w_off:b_off]])
        b = flint.fmpq_mat(widths[l], 1, [to_fmpq(v) for v in theta[b_off:b_off + widths[l]]])
        layers.append((w, b))
    return Network(activation, [w for w, _ in layers], [b for _, b in layers])


def hidden_neurons(widths: Sequence[int]) -> list[tuple[int, int]]:
    """(hidden layer starting at 1, neuron) for every hidden neuron."""
    return [(l, i) for l in range(1, len(widths) - 1) for i in range(widths[l])]


# -- arithmetic modulo p ---------------------------------------------------------------------
def fmpq_mat_mod_p(m: flint.fmpq_mat, p: int) -> np.ndarray:
    """Entries of an ``fmpq_mat`` modulo p as an int64 array (denominators must be prime to p)."""
    values = []
    for q in m.entries():
        den = int(q.q)
        if den % p == 0:
            raise DomainError(f"a denominator is divisible by p = {p}")
        values.append(int(q.p) * pow(den, -1, p) % p)
    return np.array(values, dtype=np.int64).reshape(m.nrows(), m.ncols())


def matmul_mod_p(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """``a @ b mod p`` for int64 residues below 2^30 (the 16-bit split keeps sums in int64)."""
    if p >= 1 << 31 or max(a.shape[-1], 1) > 1 << 14:
        raise DomainError("matmul_mod_p supports p < 2^31 and inner dimension <= 16384")
    hi, lo = np.divmod(b, _SPLIT)
    return ((np.matmul(a, hi) % p) * _SPLIT + np.matmul(a, lo)) % p


def jacobian_mod_p(net: Network, X: Any, p: int = DEFAULT_PRIME) -> np.ndarray:
    """``J mod p`` as an int64 array of shape (n k) x d (see :mod:`exactid.networks.relu_forward`).

    Raises :class:`DomainError` if p divides a denominator of theta or X.
    """
    from .relu_forward import exact_forward, jacobian_mod_p as from_forward
    return from_forward(exact_forward(net, X), p, dtype=np.int64)


def jacobian_exact(net: Network, X: Any, fwd: ForwardPass | None = None) -> ExactMatrix:
    """The exact Jacobian over Q (for small networks; per-sample ``fmpq_mat`` backpropagation)."""
    fwd = fwd or forward(net, X)
    widths = net.widths
    n, k, L, d = fwd.samples.nrows(), widths[-1], net.depth, net.num_parameters
    ensure_fits(200 * n * k * d, f"an exact {n * k}x{d} Jacobian")
    masks = fwd.patterns()
    rows: list[list[flint.fmpq]] = []
    for x in range(n):
        inputs = [[fwd.samples[x, j] for j in range(widths[0])]]
        for l in range(L - 1):
            z = fwd.pre[l]
            inputs.append([z[x, i] if masks[l][x, i] else flint.fmpq(0) for i in range(widths[l + 1])])
        block = [[flint.fmpq(0)] * d for _ in range(k)]
        B = flint.fmpq_mat(k, k, [1 if i == j else 0 for i in range(k) for j in range(k)])
        for l in range(L - 1, -1, -1):
            w_off, b_off = parameter_offsets(widths)[l]
            g = inputs[l]
            for o in range(k):
                for i in range(widths[l + 1]):
                    c = B[o, i]
                    block[o][b_off + i] = c
                    if c != 0:
                        base = w_off + i * widths[l]
                        for j, gj in enumerate(g):
                            block[o][base + j] = c * gj
            if l > 0:
                mask = flint.fmpq_mat(widths[l], widths[l], [int(masks[l - 1][x, i]) if i == j else 0
                                                            for i in range(widths[l]) for j in range(widths[l])])
                B = B * net.weights[l] * mask
        rows.extend(block)
    return ExactMatrix.from_rows(rows, QQ)


def to_float(net: Network) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases as float64 arrays."""
    return net.to_numpy()


def forward_float(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Float forward pass: outputs of shape (n, k)."""
    h = np.asarray(X, dtype=float)
    for l, (w, b) in enumerate(zip(weights, biases)):
        z = h @ np.asarray(w).T + np.ravel(b)
        h = np.maximum(z, 0.0) if l < len(weights) - 1 else z
    return h


def jacobian_float(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Float64 Jacobian with the same row and column order as :func:`jacobian_mod_p`."""
    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    widths = [X.shape[1]] + [np.asarray(w).shape[0] for w in weights]
    k, L = widths[-1], len(weights)
    inputs, masks, h = [X], [], X
    for l in range(L - 1):
        z = h @ np.asarray(weights[l]).T + np.ravel(biases[l])
        masks.append((z > 0).astype(float))
        h = z * masks[-1]
        inputs.append(h)
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(L))
    J = np.empty((n, k, d))
    B = np.broadcast_to(np.eye(k), (n, k, k))
    for l in range(L - 1, -1, -1):
        w_off, b_off = parameter_offsets(widths)[l]
        J[:, :, w_off:b_off] = (B[:, :, :, None] * inputs[l][:, None, None, :]).reshape(n, k, -1)
        J[:, :, b_off:b_off + widths[l + 1]] = B
        if l > 0:
            B = (B @ np.asarray(weights[l])) * masks[l - 1][:, None, :]
    return J.reshape(n * k, d)


def nmod_mat_from_array(a: np.ndarray, p: int) -> flint.nmod_mat:
    """An int64 residue array as a ``flint.nmod_mat``."""
    m, n = a.shape
    if m == 0 or n == 0:
        return flint.nmod_mat(m, n, p)
    # through fmpz_mat: its list constructor is faster than nmod_mat's, the reduction is in C
    return flint.nmod_mat(flint.fmpz_mat(m, n, a.ravel().tolist()), p)


def random_network(widths: Sequence[int], seed: int, scale: float = 1.0, denominator: int | None = None,
                   bias_scale: float | None = None) -> Network:
    """Gaussian weights N(0, scale^2/fan_in), biases N(0, bias_scale^2); exact or rounded to 1/denominator."""
    rng = np.random.default_rng(seed)
    bias_scale = scale if bias_scale is None else bias_scale
    ws = [rng.normal(0.0, scale / np.sqrt(widths[l]), size=(widths[l + 1], widths[l])) for l in range(len(widths) - 1)]
    bs = [rng.normal(0.0, bias_scale, size=widths[l + 1]) for l in range(len(widths) - 1)]
    return Network.from_numpy("relu", ws, bs, denominator=denominator)


def random_samples(n: int, width: int, seed: int, denominator: int | None = None) -> flint.fmpq_mat:
    """Gaussian samples, exact or rounded to multiples of 1/denominator."""
    X = np.random.default_rng(seed).normal(size=(n, width))
    if denominator is None:
        return as_samples(X)
    return flint.fmpq_mat([[flint.fmpq(int(round(v * denominator)), denominator) for v in row] for row in X])
