"""Function-preserving operations on exact networks, orbits and canonical forms.

An *operation* is a JSON-ready dict (the same dicts are the steps of equivalence
certificates).  Layers are numbered as everywhere in exactid (docs/design.md, section 4):
hidden layer ``l`` (1 <= l < depth) has ``widths[l]`` neurons, the outputs of ``weights[l-1]``;
operations on it change ``weights[l-1]``, ``biases[l-1]`` (incoming side) and ``weights[l]``,
``biases[l]`` (outgoing side).

* ``neuron_symmetry`` {layer, neuron, a, b, c, d}: with σ(a t + b) = c σ(t) + d, replace the
  incoming row w and bias β by (a w, a β + b); the neuron's output y becomes c y + d, so the
  outgoing column v becomes v / c and the next bias loses v d / c.
* ``permute_neurons`` {layer, permutation}: new neuron j is old neuron ``permutation[j]``.
* ``remove_neuron`` {layer, neuron}: its outgoing column is zero (the layer keeps >= 1 neuron).
* ``merge_neurons`` {layer, keep, drop}: identical incoming rows and biases; outgoing columns add.
* ``fold_constant_neuron`` {layer, neuron}: zero incoming row and σ(β) rational; the constant
  v σ(β) moves into the next bias and the outgoing column becomes zero (the neuron is then dead).
* ``zero_dead_neuron`` {layer, neuron}: the outgoing column is zero; the incoming row and bias
  are set to zero (used for the last neuron of a layer, which cannot be removed).

Network activations supported here: ``relu``, ``leaky_relu:P/Q``, ``hardtanh``, ``tanh``,
``logistic`` (``exp`` and others have no nontrivial rational symmetries; they are refused).

>>> from exactid.networks.format import Network
>>> net = Network.from_lists("tanh", [([[1, 2], [-3, 1]], [1, 0]), ([[1, 1]], [0])])
>>> canon, ops = canonical_form(net)
>>> canonical_form(apply_operations(net, [{"kind": "neuron_symmetry", "layer": 1, "neuron": 0,
...     "a": -1, "b": 0, "c": -1, "d": 0}]))[0].to_json() == canon.to_json()
True
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator, Optional, Sequence

import flint

from ..domains.base import to_fmpq
from ..errors import DomainError, InputError, ResourceError
from .format import Network
from .symmetries import PiecewiseLinear, activation

Q = flint.fmpq
NETWORK_ACTIVATIONS = ("relu", "leaky_relu:P/Q", "hardtanh", "tanh", "logistic")
#: The operation kinds of :func:`apply_operation` (the step kinds of equivalence certificates).
OPERATIONS = ("neuron_symmetry", "permute_neurons", "remove_neuron", "merge_neurons", "fold_constant_neuron",
              "zero_dead_neuron")


# --------------------------------------------------------------------------- activation facts
@dataclass(frozen=True)
class NetActivation:
    """What the network operations need to know about σ."""

    name: str
    normalizer: str  # 'sign' (reflection (-1, 0, c, d)), 'scale' (a > 0), 'scale_any' (a != 0)
    reflection: Optional[tuple[Q, Q]] = None  # (c, d) of the reflection t -> -t, for 'sign'
    pl: Optional[PiecewiseLinear] = None

    def rational_value(self, beta: Q) -> Optional[Q]:
        """σ(β) when it is rational (always for PL; tanh(0) = 0, logistic(0) = 1/2), else None."""
        if self.pl is not None:
            return to_fmpq(self.pl(Fraction(int(beta.p), int(beta.q))))
        if beta == 0:
            return Q(0) if self.name == "tanh" else Q(1, 2)
        return None  # σ(β) is transcendental for rational β != 0 (Lindemann)


def net_activation(name: str) -> NetActivation:
    """The operations' view of a network activation name."""
    # tanh and logistic: their groups {id, (t -> -t, y -> -y)} and {id, (t -> -t, y -> 1 - y)}
    # are computed by affine_symmetries (and tested); avoid the SymPy work on every call here.
    if name == "tanh":
        return NetActivation("tanh", "sign", (Q(-1), Q(0)))
    if name == "logistic":
        return NetActivation("logistic", "sign", (Q(-1), Q(1)))
    if not isinstance(name, str) or not (name in ("relu", "hardtanh") or name.startswith("leaky_relu")):
        raise InputError(f"network activation {name!r} is not supported here (supported: {', '.join(NETWORK_ACTIVATIONS)})")
    act = activation(name)
    if act.kind == "pl" and act.name == "hardtanh":
        return NetActivation("hardtanh", "sign", (Q(-1), Q(0)), act.pl)
    if act.kind == "pl" and (act.name == "relu" or act.name.startswith("leaky_relu")):
        slope_left = act.pl.slopes[0]
        return NetActivation(act.name, "scale_any" if slope_left == -1 else "scale", None, act.pl)
    raise InputError(f"network activation {name!r} is not supported here (supported: {', '.join(NETWORK_ACTIVATIONS)})")


# --------------------------------------------------------------------------- mutable parameters
class Params:
    """Mutable rows of a network: ``W[k][i][j]``, ``b[k][i]`` (fmpq), ``k`` indexing ``weights``.

    Methods take the list index ``k`` of a hidden layer's incoming weights (hidden layer
    ``k + 1`` in the numbering of operations and reports).
    """

    def __init__(self, net: Network):
        self.activation = net.activation
        self.W = [[[w[i, j] for j in range(w.ncols())] for i in range(w.nrows())] for w in net.weights]
        self.b = [[bb[i, 0] for i in range(bb.nrows())] for bb in net.biases]

    def network(self) -> Network:
        return Network(self.activation, [flint.fmpq_mat(w) for w in self.W], [flint.fmpq_mat([[x] for x in bb]) for bb in self.b])

    def width(self, layer: int) -> int:
        return len(self.W[layer])

    def outgoing(self, layer: int, neuron: int) -> list[Q]:
        return [row[neuron] for row in self.W[layer + 1]]

    def drop(self, layer: int, neuron: int) -> None:
        if len(self.W[layer]) == 1:
            raise DomainError(f"cannot remove the last neuron of hidden layer {layer + 1}")
        del self.W[layer][neuron]
        del self.b[layer][neuron]
        for row in self.W[layer + 1]:
            del row[neuron]


def enc(q: Any) -> Any:
    q = to_fmpq(q)
    return int(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def _check_hidden(params: Params, layer: int, neuron: Optional[int] = None) -> None:
    if not 0 <= layer < len(params.W) - 1:
        raise InputError(f"layer {layer + 1} is not a hidden layer (1..{len(params.W) - 1})")
    if neuron is not None and not 0 <= neuron < params.width(layer):
        raise InputError(f"neuron {neuron} out of range in hidden layer {layer + 1}")


def apply_operation(params: Params, op: dict) -> None:
    """Apply one operation in place (the preconditions are checked; DomainError otherwise)."""
    kind, layer = op["kind"], op["layer"]
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise InputError(f"an operation's layer must be an integer, got {layer!r}")
    layer -= 1  # hidden layer l is fed by weights[l - 1]
    act = net_activation(params.activation)
    if kind == "neuron_symmetry":
        i = op["neuron"]
        _check_hidden(params, layer, i)
        a, b, c, d = (to_fmpq(op[k]) for k in "abcd")
        if a == 0 or c == 0:
            raise DomainError("a symmetry needs a != 0 and c != 0")
        params.W[layer][i] = [a * w for w in params.W[layer][i]]
        params.b[layer][i] = a * params.b[layer][i] + b
        for k, row in enumerate(params.W[layer + 1]):
            params.b[layer + 1][k] -= row[i] * d / c
            row[i] = row[i] / c
    elif kind == "permute_neurons":
        _check_hidden(params, layer)
        perm = list(op["permutation"])
        if sorted(perm) != list(range(params.width(layer))):
            raise InputError("not a permutation of the layer's neurons")
        params.W[layer] = [params.W[layer][p] for p in perm]
        params.b[layer] = [params.b[layer][p] for p in perm]
        params.W[layer + 1] = [[row[p] for p in perm] for row in params.W[layer + 1]]
    elif kind == "remove_neuron":
        i = op["neuron"]
        _check_hidden(params, layer, i)
        if any(v != 0 for v in params.outgoing(layer, i)):
            raise DomainError("remove_neuron: the outgoing weights are not all zero")
        params.drop(layer, i)
    elif kind == "merge_neurons":
        keep, drop = op["keep"], op["drop"]
        _check_hidden(params, layer, keep)
        _check_hidden(params, layer, drop)
        if keep == drop or params.W[layer][keep] != params.W[layer][drop] or params.b[layer][keep] != params.b[layer][drop]:
            raise DomainError("merge_neurons: the two neurons differ")
        for row in params.W[layer + 1]:
            row[keep] += row[drop]
        params.drop(layer, drop)
    elif kind == "fold_constant_neuron":
        i = op["neuron"]
        _check_hidden(params, layer, i)
        value = act.rational_value(params.b[layer][i])
        if any(w != 0 for w in params.W[layer][i]) or value is None:
            raise DomainError("fold_constant_neuron: not a constant neuron with a rational value")
        for k, row in enumerate(params.W[layer + 1]):
            params.b[layer + 1][k] += row[i] * value
            row[i] = Q(0)
    elif kind == "zero_dead_neuron":
        i = op["neuron"]
        _check_hidden(params, layer, i)
        if any(v != 0 for v in params.outgoing(layer, i)):
            raise DomainError("zero_dead_neuron: the outgoing weights are not all zero")
        params.W[layer][i] = [Q(0)] * len(params.W[layer][i])
        params.b[layer][i] = Q(0)
    else:
        raise InputError(f"unknown operation {kind!r}")


def apply_operations(net: Network, ops: Sequence[dict]) -> Network:
    """The network obtained by applying ``ops`` in order (each preserves the function)."""
    params = Params(net)
    for op in ops:
        apply_operation(params, op)
    return params.network()


def apply_symmetry(net: Network, layer: int, neuron: int, symmetry: Any) -> tuple[Network, dict]:
    """Apply an affine symmetry (a :class:`~exactid.networks.symmetries.Symmetry` or (a, b, c, d))
    at neuron ``neuron`` of hidden layer ``layer`` (from 1); the next layer's weights and bias absorb B.  Membership in the
    activation's symmetry group is checked exactly first (DomainError if it is not a symmetry).

    >>> net = Network.from_lists("logistic", [([[1, 2]], [3]), ([[4]], [5])])
    >>> apply_symmetry(net, 1, 0, (-1, 0, -1, 1))[0].to_json()["layers"]
    [{'W': [[-1, -2]], 'b': [-3]}, {'W': [[-4]], 'b': [9]}]
    """
    from .symmetries import Symmetry, affine_symmetries

    if not isinstance(symmetry, Symmetry):
        symmetry = Symmetry.from_numbers(*(Fraction(str(x)) if isinstance(x, str) else x for x in symmetry))
    numbers = symmetry.rational_numbers()  # DomainError when it leaves Q
    if not affine_symmetries(net.activation).contains(symmetry):
        raise DomainError(f"{symmetry} is not an affine symmetry of {net.activation}")
    op = {"kind": "neuron_symmetry", "layer": layer, "neuron": neuron, **{k: enc(v) for k, v in zip("abcd", numbers)}}
    return apply_operations(net, [op]), op


def permute_neurons(net: Network, layer: int, permutation: Sequence[int]) -> tuple[Network, dict]:
    """Reorder the neurons of hidden layer ``layer`` (from 1): new neuron j is old neuron ``permutation[j]``."""
    op = {"kind": "permute_neurons", "layer": layer, "permutation": [int(p) for p in permutation]}
    return apply_operations(net, [op]), op


# --------------------------------------------------------------------------- canonical forms
def _first_nonzero(row: Sequence[Q], bias: Q) -> Q:
    for x in list(row) + [bias]:
        if x != 0:
            return x
    return Q(0)


def normalizing_symmetry(act: NetActivation, row: Sequence[Q], bias: Q) -> Optional[tuple[Q, Q, Q, Q]]:
    """(a, b, c, d) making the first nonzero entry of (row, bias) equal to +1 (scale) or > 0 (sign)."""
    lead = _first_nonzero(row, bias)
    if lead == 0:
        return None
    if act.normalizer == "sign":
        if lead > 0:
            return None
        c, d = act.reflection
        return (Q(-1), Q(0), c, d)
    if lead == 1 or (lead == -1 and act.normalizer == "scale"):
        return None
    a = 1 / abs(lead) if act.normalizer == "scale" else 1 / lead
    c = a if a > 0 else -a  # relu-like: B = a y for a > 0; abs-like reflection: B = -a y
    return (a, Q(0), c, Q(0))


def _sort_key(params: Params, layer: int, i: int) -> tuple:
    return (tuple(params.W[layer][i]), params.b[layer][i])


def canonicalize_layer(params: Params, layer: int) -> list[dict]:
    """Normalize every neuron of one hidden layer, then sort them; returns the operations."""
    act = net_activation(params.activation)
    ops = []
    for i in range(params.width(layer)):
        sym = normalizing_symmetry(act, params.W[layer][i], params.b[layer][i])
        if sym is not None:
            op = {"kind": "neuron_symmetry", "layer": layer + 1, "neuron": i, **{k: enc(v) for k, v in zip("abcd", sym)}}
            apply_operation(params, op)
            ops.append(op)
    order = sorted(range(params.width(layer)), key=lambda i: _sort_key(params, layer, i))
    if order != list(range(params.width(layer))):
        op = {"kind": "permute_neurons", "layer": layer + 1, "permutation": order}
        apply_operation(params, op)
        ops.append(op)
    return ops


def canonical_form(net: Network) -> tuple[Network, list[dict]]:
    """Canonical representative of the orbit of ``net`` and the operations reaching it.

    Neurons are normalized (sign for tanh/logistic/hardtanh, scale by the first nonzero weight
    for relu-like σ), then sorted, layer by layer.  Two networks in the same orbit get identical
    canonical forms whenever no two neurons of a layer have equal normalized incoming weights
    (reduce first: see :mod:`exactid.networks.sussmann`).
    """
    params = Params(net)
    ops: list[dict] = []
    for layer in range(len(params.W) - 1):
        ops += canonicalize_layer(params, layer)
    return params.network(), ops


def same_parameters(net1: Network, net2: Network) -> bool:
    return (net1.activation == net2.activation and len(net1.weights) == len(net2.weights)
            and all(a == b for a, b in zip(net1.weights, net2.weights))
            and all(a == b for a, b in zip(net1.biases, net2.biases)))


def tanh_as_logistic(net: Network) -> Network:
    """The logistic network computing the same function as a tanh network, exactly.

    tanh(z) = 2 logistic(2 z) - 1: the first layer's weights and biases double; a later layer,
    fed by 2 s - 1 where s are logistic outputs, becomes 2 W s + (b - W 1), and doubles again
    when it is hidden.

    >>> net = Network.from_lists("tanh", [([[1, -1]], [0]), ([[3]], [1])])
    >>> tanh_as_logistic(net).to_json()
    {'activation': 'logistic', 'layers': [{'W': [[2, -2]], 'b': [0]}, {'W': [[6]], 'b': [-2]}]}
    """
    if net.activation != "tanh":
        raise InputError(f"tanh_as_logistic takes a tanh network, got {net.activation}")
    layers = []
    last = net.depth - 1
    for index, (W, b) in enumerate(zip(net.weights, net.biases)):
        rows = [[W[i, j] for j in range(W.ncols())] for i in range(W.nrows())]
        bias = [b[i, 0] for i in range(b.nrows())]
        if index > 0:
            bias = [bi - sum(row, Q(0)) for bi, row in zip(bias, rows)]
            rows = [[2 * w for w in row] for row in rows]
        if index < last:
            rows = [[2 * w for w in row] for row in rows]
            bias = [2 * bi for bi in bias]
        layers.append((rows, bias))
    return Network.from_lists("logistic", layers)


# --------------------------------------------------------------------------- orbits
def group_elements_for_orbit(act: NetActivation, scalings: Sequence[Any]) -> list[tuple[Q, Q, Q, Q]]:
    """Per-neuron symmetries used in orbit enumeration (finite groups: all; relu: given scalings)."""
    if act.normalizer == "sign":
        c, d = act.reflection
        return [(Q(1), Q(0), Q(1), Q(0)), (Q(-1), Q(0), c, d)]
    out = []
    for s in scalings:
        s = to_fmpq(s)
        if s == 0 or (act.normalizer == "scale" and s < 0):
            raise InputError(f"scaling {s} is not a symmetry of {act.name}")
        out.append((s, Q(0), abs(s), Q(0)))
    return out


def orbit(net: Network, scalings: Sequence[Any] = (1,), limit: int = 20000) -> Iterator[tuple[Network, list[dict]]]:
    """Every member of the orbit of ``net`` under per-neuron symmetries and permutations.

    For tanh/logistic/hardtanh the group is finite and this is the whole orbit; for relu-like
    σ the positive scalings form a continuum, so only the given ``scalings`` are used per
    neuron.  Yields (network, operations from ``net``).  ResourceError above ``limit`` members.
    """
    act = net_activation(net.activation)
    elements = group_elements_for_orbit(act, scalings)
    widths = net.widths[1:-1]
    size = math.prod(math.factorial(w) * len(elements) ** w for w in widths)
    if size > limit:
        raise ResourceError(f"the orbit has {size} members (limit {limit})")
    per_layer = [list(itertools.product(itertools.permutations(range(w)), itertools.product(elements, repeat=w)))
                 for w in widths]
    for choice in itertools.product(*per_layer):
        ops = []
        for layer, (perm, syms) in enumerate(choice, start=1):
            for i, sym in enumerate(syms):
                if sym != (1, 0, 1, 0):
                    ops.append({"kind": "neuron_symmetry", "layer": layer, "neuron": i,
                                **{k: enc(v) for k, v in zip("abcd", sym)}})
            if list(perm) != sorted(perm):
                ops.append({"kind": "permute_neurons", "layer": layer, "permutation": list(perm)})
        yield apply_operations(net, ops), ops


def random_orbit_member(net: Network, rng: random.Random, max_scale_denominator: int = 5) -> tuple[Network, list[dict]]:
    """A random member of the orbit (random symmetries at every neuron, random permutations)."""
    act = net_activation(net.activation)
    params = Params(net)
    ops = []
    for layer in range(len(params.W) - 1):
        for i in range(params.width(layer)):
            if act.normalizer == "sign":
                if rng.random() < 0.5:
                    continue
                c, d = act.reflection
                sym = (Q(-1), Q(0), c, d)
            else:
                a = Q(rng.randint(1, 9), rng.randint(1, max_scale_denominator))
                if act.normalizer == "scale_any" and rng.random() < 0.5:
                    a = -a
                sym = (a, Q(0), abs(a), Q(0))
            ops.append({"kind": "neuron_symmetry", "layer": layer + 1, "neuron": i,
                        **{k: enc(v) for k, v in zip("abcd", sym)}})
        perm = list(range(params.width(layer)))
        rng.shuffle(perm)
        ops.append({"kind": "permute_neurons", "layer": layer + 1, "permutation": perm})
    for op in ops:
        apply_operation(params, op)
    return params.network(), ops
