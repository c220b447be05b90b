"""Path lifting of ReLU networks: ``f_theta(x) = alpha(x, theta) . Phi(theta)``.

For each output o the coordinates of ``Phi`` are, in this order:

1. input paths ``(j, i_1, ..., i_{L-1})`` (input coordinate j through one neuron per hidden
   layer to o), value ``W_1[i_1, j] W_2[i_2, i_1] ... W_L[o, i_{L-1}]``;
2. for each hidden layer l = 1..L-1, bias paths ``(i_l, ..., i_{L-1})``, value
   ``b_l[i_l] W_{l+1}[i_{l+1}, i_l] ... W_L[o, i_{L-1}]``;
3. the output bias ``b_L[o]``.

``alpha(x)`` has the matching entries ``x_j a_1[i_1] ... a_{L-1}[i_{L-1}]``,
``a_l[i_l] ... a_{L-1}[i_{L-1}]`` and 1 (a_l = 0/1 activation pattern at x).  Paths to
different outputs are disjoint, so ``alpha(X)`` is block diagonal with k equal blocks and
``rank alpha(X) = k * rank alpha_o(X)``; the Gram matrix of one block is

    K(x, x') = <x, x'> prod_l <a_l(x), a_l(x')> + sum_l prod_{l' >= l} <a_l'(x), a_l'(x')> + 1,

which is how ``R_A = k rank K`` is computed without materializing ``alpha``.
"""

from __future__ import annotations

from math import gcd
from typing import Any, Sequence

import flint
import numpy as np

from ..domains.base import to_fmpq
from ..domains.matrix import ExactMatrix
from ..domains.rationals import QQ
from ..errors import InputError, ResourceError, ShapeError
from .format import Network
from .relu import as_samples, forward

#: Refuse to materialize more path coordinates than this (per output).
MAX_MATERIALIZED_PATHS = 2_000_000


def path_count(widths: Sequence[int]) -> int:
    """Number of coordinates of Phi for one output."""
    L = len(widths) - 1
    total = int(np.prod([widths[l] for l in range(L)], dtype=object))
    for l in range(1, L):
        total += int(np.prod([widths[t] for t in range(l, L)], dtype=object))
    return total + 1


def _obj(m: flint.fmpq_mat) -> np.ndarray:
    out = np.empty((m.nrows(), m.ncols()), dtype=object)
    for i in range(m.nrows()):
        for j in range(m.ncols()):
            out[i, j] = m[i, j]
    return out


def _check_size(widths: Sequence[int]) -> None:
    if path_count(widths) > MAX_MATERIALIZED_PATHS:
        raise ResourceError(f"Phi has {path_count(widths)} coordinates per output: too many to materialize")


def path_lifting(net: Network) -> list[list[flint.fmpq]]:
    """``Phi(theta)`` materialized: one list per output, in the order of the module docstring."""
    _check_size(net.widths)
    L, k = net.depth, net.widths[-1]
    W = [_obj(w) for w in net.weights]
    b = [_obj(v)[:, 0] for v in net.biases]
    out = []
    for o in range(k):
        # chain[t] holds products over path suffixes from layer t to output o, indexed by i_t
        suffix = [None] * L  # suffix[l]: array over (i_l, ..., i_{L-1}) of W_{l+1}..W_L products
        tail = W[L - 1][o, :]  # over i_{L-1}
        suffix[L - 1] = tail
        for l in range(L - 2, 0, -1):
            # product W_{l+1}[i_{l+1}, i_l] * suffix[l+1][i_{l+1}, ...] reordered to (i_l, i_{l+1}, ...)
            s = suffix[l + 1]
            w = W[l]  # maps layer l -> l+1: shape (w_{l+1}, w_l)
            suffix[l] = np.moveaxis(w.reshape(w.shape + (1,) * (s.ndim - 1)) * s.reshape((s.shape[0], 1) + s.shape[1:]), 1, 0)
        first = W[0].T  # (j, i_1)
        if L == 1:
            inputs = W[0][o, :]
        else:
            s = suffix[1]
            inputs = first.reshape(first.shape + (1,) * (s.ndim - 1)) * s.reshape((1,) + s.shape)
        coords = list(np.ravel(inputs))
        for l in range(1, L):
            s = suffix[l]
            coords.extend(np.ravel(b[l - 1].reshape((-1,) + (1,) * (s.ndim - 1)) * s))
        coords.append(b[L - 1][o])
        out.append([flint.fmpq(c) for c in coords])
    return out


def alpha(patterns: Sequence[np.ndarray], x: Sequence[Any], sample: int) -> list[flint.fmpq]:
    """``alpha_o(x)`` for one output (identical for every output), materialized.

    ``patterns`` are the 0/1 hidden activation arrays (n, w_l) and ``sample`` the row of x.
    """
    widths = [len(x)] + [p.shape[1] for p in patterns] + [1]
    _check_size(widths)
    a = [np.asarray(p[sample], dtype=object) for p in patterns]
    L = len(widths) - 1
    suffix = [None] * L
    if L > 1:
        suffix[L - 1] = a[L - 2]
        for l in range(L - 2, 0, -1):
            suffix[l] = np.multiply.outer(a[l - 1], suffix[l + 1])
    xs = np.array([flint.fmpq(v) for v in x], dtype=object)
    inputs = xs if L == 1 else np.multiply.outer(xs, suffix[1])
    coords = list(np.ravel(inputs))
    for l in range(1, L):
        coords.extend(np.ravel(suffix[l]))
    coords.append(flint.fmpq(1))
    return [flint.fmpq(c) for c in coords]


def alpha_dot_phi(net: Network, x: Sequence[Any], patterns_at_x: Sequence[Sequence[int]]) -> list[flint.fmpq]:
    """``alpha(x, a) . Phi(theta)`` for every output, without materializing either.

    With the activation pattern ``a`` held fixed this is the forward pass
    ``h_l = a_l * (W_l h_{l-1} + b_l)``; when ``a`` is the pattern of theta at x it equals
    ``f_theta(x)`` (checked by :func:`lifting_identity_holds`).
    """
    h = flint.fmpq_mat([[flint.fmpq(v)] for v in x])
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = w * h + b
        if l < net.depth - 1:
            mask = list(patterns_at_x[l])
            z = flint.fmpq_mat(z.nrows(), 1, [z[i, 0] if mask[i] else 0 for i in range(z.nrows())])
        h = z
    return [h[i, 0] for i in range(h.nrows())]


def lifting_identity_holds(net: Network, X: Any, materialize: bool = True) -> bool:
    """Check ``f_theta(x) = alpha(x, theta) . Phi(theta)`` exactly at every sample."""
    fwd = forward(net, X)
    pats = fwd.patterns()
    phi = path_lifting(net) if materialize else None
    for s in range(fwd.samples.nrows()):
        x = [fwd.samples[s, j] for j in range(fwd.samples.ncols())]
        want = [fwd.output[s, o] for o in range(fwd.output.ncols())]
        if alpha_dot_phi(net, x, [p[s] for p in pats]) != want:
            return False
        if phi is not None:
            a = alpha(pats, x, s)
            if [sum((ai * pi for ai, pi in zip(a, phi_o)), flint.fmpq(0)) for phi_o in phi] != want:
                return False
    return True


def alpha_matrix(net_widths: Sequence[int], X: Any, patterns: Sequence[np.ndarray]) -> ExactMatrix:
    """``alpha_o(X)``: one row per sample (the block shared by all outputs)."""
    samples = as_samples(X)
    rows = [alpha(patterns, [samples[s, j] for j in range(samples.ncols())], s) for s in range(samples.nrows())]
    return ExactMatrix.from_rows(rows, QQ)


def gram_matrix(X: Any, patterns: Sequence[np.ndarray]) -> ExactMatrix:
    """The Gram matrix K of ``alpha_o(X)`` (module docstring), exactly, over Q.

    >>> import numpy as np
    >>> K = gram_matrix([[1, 2], [3, 4]], [np.array([[1, 0], [1, 1]])])
    >>> K.to_numpy().tolist()   # e.g. K[1,1] = 25*2 + 2 + 1
    [[7.0, 13.0], [13.0, 53.0]]
    """
    samples = as_samples(X)
    n = samples.nrows()
    pats = [np.asarray(p, dtype=np.int64) for p in patterns]
    if any(p.shape[0] != n for p in pats):
        raise ShapeError("every activation pattern needs one row per sample")
    if any(((p != 0) & (p != 1)).any() for p in pats):
        raise InputError("activation patterns must be 0/1")
    dtype = object if np.prod([max(p.shape[1], 1) for p in pats] + [1], dtype=float) > 2.0**60 else np.int64
    grams = [(p @ p.T).astype(dtype) for p in pats]
    # suffix products prod_{l' >= l} P_l' and their sum over l
    suffix = np.ones((n, n), dtype=dtype)
    bias_part = np.ones((n, n), dtype=dtype)  # the output bias contributes 1
    for g in reversed(grams):
        suffix = suffix * g
        bias_part = bias_part + suffix
    # <x, x'> with denominators cleared: X = Xn / D
    den = 1
    for q in samples.entries():
        den = den * int(q.q) // gcd(den, int(q.q))
    Xn = flint.fmpz_mat(n, samples.ncols(), [int(q.p) * (den // int(q.q)) for q in samples.entries()])
    G = Xn * Xn.transpose()
    inner = np.array([int(v) for v in G.entries()], dtype=object).reshape(n, n)
    num = inner * suffix.astype(object) + bias_part.astype(object) * (den * den)
    return ExactMatrix(QQ, num.reshape(1, n, n), den * den)


# -- symmetry actions ---------------------------------------------------------------------
def rescale(net: Network, layer: int, neuron: int, factor: Any) -> Network:
    """Multiply the incoming row and bias of a hidden neuron by ``factor > 0`` and its outgoing
    column by ``1/factor`` (hidden layers from 1): the ``neuron_symmetry`` operation
    ``(a, b, c, d) = (factor, 0, factor, 0)`` of :mod:`exactid.networks.actions`.

    >>> net = Network.from_lists("relu", [([[1, 2]], [3]), ([[4]], [5])])
    >>> rescale(net, 1, 0, 2).to_json()["layers"]
    [{'W': [[2, 4]], 'b': [6]}, {'W': [[2]], 'b': [5]}]
    """
    from .actions import apply_operations

    lam = to_fmpq(factor)
    if lam <= 0:
        raise InputError("rescaling factors must be positive")
    text = str(lam)
    op = {"kind": "neuron_symmetry", "layer": layer, "neuron": neuron, "a": text, "b": 0, "c": text, "d": 0}
    return apply_operations(net, [op])


def permute(net: Network, layer: int, perm: Sequence[int]) -> Network:
    """Reorder the neurons of hidden layer ``layer`` (from 1; new neuron i is old neuron perm[i]):
    the ``permute_neurons`` operation of :mod:`exactid.networks.actions`."""
    from .actions import apply_operations

    return apply_operations(net, [{"kind": "permute_neurons", "layer": layer, "permutation": [int(p) for p in perm]}])


def rescaling_directions(net: Network) -> list[list[flint.fmpq]]:
    """Tangent vectors of the rescaling orbit at theta (one per hidden neuron), in parameter order.

    They lie in the kernel of the Jacobian: ``J v = 0``.
    """
    from .relu import hidden_neurons, parameter_offsets

    widths = net.widths
    offsets = parameter_offsets(widths)
    out = []
    for l, i in hidden_neurons(widths):
        v = [flint.fmpq(0)] * net.num_parameters
        w_off, b_off = offsets[l - 1]
        for j in range(widths[l - 1]):
            v[w_off + i * widths[l - 1] + j] = net.weights[l - 1][i, j]
        v[b_off + i] = net.biases[l - 1][i, 0]
        w_off2, _ = offsets[l]
        for o in range(widths[l + 1]):
            v[w_off2 + o * widths[l] + i] = -net.weights[l][o, i]
        out.append(v)
    return out


def phi_invariant_under_rescaling(net: Network, factors: dict[tuple[int, int], Any]) -> bool:
    """``Phi`` unchanged after rescaling the given neurons ``{(layer, neuron): factor}``."""
    other = net
    for (layer, neuron), lam in factors.items():
        other = rescale(other, layer, neuron, lam)
    return path_lifting(other) == path_lifting(net)
