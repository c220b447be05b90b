"""Sussmann reduction: detect reducible neurons and remove them exactly.

For one hidden layer tanh (Sussmann 1992) and logistic networks, a network is *reducible*
when a neuron has zero outgoing weights, a neuron has zero incoming weights (it is constant),
or two neurons have (w, β) equal up to sign; irreducible networks realizing the same function
differ only by permutations and sign flips.  The same three reductions preserve the function
for relu-like σ (with "up to positive scaling") and in every layer of deeper networks, so
:func:`reduce_network` applies them layer by layer for every supported activation.

A constant neuron is folded into the next bias only when its value σ(β) is rational (always
for piecewise-linear σ; β = 0 for tanh and logistic): tanh(β) for rational β != 0 is
transcendental, so such neurons are kept (merged when their β agree up to sign) to stay over Q.

>>> from exactid.networks.format import Network
>>> net = Network.from_lists("tanh", [([[1, 2], [-1, -2], [3, 0]], [1, -1, 0]), ([[2, 1, 0]], [0])])
>>> [r.reason for r in reducibility(net)]
['zero_outgoing', 'equal_up_to_symmetry']
>>> reduced, ops = reduce_network(net)
>>> reduced.to_json()["layers"]
[{'W': [[1, 2]], 'b': [1]}, {'W': [[1]], 'b': [0]}]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import DomainError
from .actions import Params, apply_operation, canonicalize_layer, net_activation, normalizing_symmetry
from .format import Network


@dataclass
class Reducibility:
    """One reason why a network is reducible (``neurons`` are neuron indices of hidden layer ``layer``, from 1)."""

    layer: int
    neurons: tuple[int, ...]
    reason: str  # 'zero_outgoing' | 'zero_incoming' | 'equal_up_to_symmetry'

    def __str__(self) -> str:
        text = {"zero_outgoing": "has zero outgoing weights", "zero_incoming": "has zero incoming weights (constant)",
                "equal_up_to_symmetry": "are equal up to a symmetry of the activation"}[self.reason]
        who = f"neuron {self.neurons[0]}" if len(self.neurons) == 1 else f"neurons {self.neurons[0]} and {self.neurons[1]}"
        return f"hidden layer {self.layer}: {who} {text}"

    def to_json(self) -> dict:
        return {"layer": self.layer, "neurons": list(self.neurons), "reason": self.reason, "text": str(self)}


def reducibility(net: Network) -> list[Reducibility]:
    """Every reason (on the given parameters) why ``net`` is reducible; [] if irreducible."""
    act = net_activation(net.activation)
    params = Params(net)
    found = []
    for layer in range(len(params.W) - 1):
        normalized = []
        for i in range(params.width(layer)):
            if all(v == 0 for v in params.outgoing(layer, i)):
                found.append(Reducibility(layer + 1, (i,), "zero_outgoing"))
            if all(w == 0 for w in params.W[layer][i]):
                found.append(Reducibility(layer + 1, (i,), "zero_incoming"))
            row, bias = list(params.W[layer][i]), params.b[layer][i]
            sym = normalizing_symmetry(act, row, bias)
            if sym is not None:
                a, b = sym[0], sym[1]
                row, bias = [a * w for w in row], a * bias + b
            normalized.append((tuple(row), bias))
        for i in range(len(normalized)):
            for j in range(i + 1, len(normalized)):
                if normalized[i] == normalized[j] and any(w != 0 for w in params.W[layer][i]):
                    found.append(Reducibility(layer + 1, (i, j), "equal_up_to_symmetry"))
    return found


def is_irreducible(net: Network) -> bool:
    return not reducibility(net)


def reduce_network(net: Network) -> tuple[Network, list[dict]]:
    """An equivalent network without reducible neurons (as far as exact arithmetic over Q allows).

    Returns the reduced network, in canonical form layer by layer, and the operations
    (see :mod:`exactid.networks.actions`) that turn ``net`` into it.  Each hidden layer keeps
    at least one neuron (a dead last neuron is kept with zero weights).
    """
    act = net_activation(net.activation)
    params = Params(net)
    ops: list[dict] = []

    def run(op: dict) -> None:
        apply_operation(params, op)
        ops.append(op)

    for layer in range(len(params.W) - 1):
        changed = True
        while changed:
            changed = False
            ops.extend(canonicalize_layer(params, layer))
            for i in range(params.width(layer) - 1):
                if params.W[layer][i] == params.W[layer][i + 1] and params.b[layer][i] == params.b[layer][i + 1]:
                    run({"kind": "merge_neurons", "layer": layer + 1, "keep": i, "drop": i + 1})
                    changed = True
                    break
            if changed:
                continue
            for i in range(params.width(layer)):
                outgoing_zero = all(v == 0 for v in params.outgoing(layer, i))
                incoming_zero = all(w == 0 for w in params.W[layer][i])
                if not outgoing_zero and incoming_zero and act.rational_value(params.b[layer][i]) is not None:
                    run({"kind": "fold_constant_neuron", "layer": layer + 1, "neuron": i})
                    changed = True
                    break
                if outgoing_zero and params.width(layer) > 1:
                    run({"kind": "remove_neuron", "layer": layer + 1, "neuron": i})
                    changed = True
                    break
                if outgoing_zero and not (incoming_zero and params.b[layer][i] == 0):
                    run({"kind": "zero_dead_neuron", "layer": layer + 1, "neuron": i})
                    changed = True
                    break
    return params.network(), ops


def sussmann_reduce(net: Network) -> tuple[Network, list[dict], list[Reducibility]]:
    """Reduction of a one-hidden-layer tanh or logistic network (Sussmann's setting).

    Returns (irreducible network, operations, reasons found on the input).  The result is
    irreducible except for constant neurons tanh(β)/logistic(β) with β != 0, which cannot be
    folded over Q (at most one per value of |β|).
    """
    if net.depth != 2 or net.activation not in ("tanh", "logistic"):
        raise DomainError("Sussmann reduction is for one-hidden-layer tanh or logistic networks "
                          "(use reduce_network for the others)")
    reasons = reducibility(net)
    reduced, ops = reduce_network(net)
    return reduced, ops, reasons
