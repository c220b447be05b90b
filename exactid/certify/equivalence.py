"""Certificates for network equivalence (claim kind ``network_equivalence``).

``equivalent``: the operations reducing and canonicalizing each network (tagged with the
network they act on) and a final comparison step (``same_parameters`` or
``relu_normal_form``).  ``not_equivalent``: one ``separating_point`` step with the rational
input and the output index; the working precision and both enclosures go to ``meta`` (the
checker evaluates at its own precisions).
"""

from __future__ import annotations

import time
from typing import Optional

from ..networks.actions import enc, net_activation
from ..networks.equivalence import EquivalenceResult, decide_equivalence
from ..networks.format import Network
from .common import envelope
from .limits import MAX_PARAMETERS, require_checkable


def equivalence_certificate(net1: Network, net2: Network, result: Optional[EquivalenceResult] = None,
                            seconds: float = 0.0) -> Optional[dict]:
    """The certificate of a decided equivalence (None for ``undecided``).

    >>> from exactid.networks.format import Network
    >>> a = Network.from_lists("tanh", [([[1], [2]], [0, 1]), ([[1, 3]], [0])])
    >>> b = Network.from_lists("tanh", [([[-2], [1]], [-1, 0]), ([[-3, 1]], [0])])
    >>> cert = equivalence_certificate(a, b)
    >>> cert["claim"]["verdict"], cert["steps"][-1]["kind"]
    ('equivalent', 'same_parameters')
    """
    for net in (net1, net2):
        require_checkable(net.num_parameters, MAX_PARAMETERS, "number of network parameters")
    if result is None:
        start = time.perf_counter()
        result = decide_equivalence(net1, net2)
        seconds = time.perf_counter() - start
    if result.verdict == "undecided":
        return None
    claim = {"kind": "network_equivalence", "verdict": result.verdict,
             "activations": [net1.activation, net2.activation], "widths": [net1.widths, net2.widths]}
    data = {"network1": _canonical_names(net1.to_json()), "network2": _canonical_names(net2.to_json())}
    meta = {"seconds": round(seconds, 3), "method": result.method}
    if result.verdict == "equivalent":
        steps = [dict(op, network=1) for op in result.ops1] + [dict(op, network=2) for op in result.ops2]
        steps.append({"kind": "same_parameters" if result.method == "canonical_forms" else "relu_normal_form"})
    else:
        # the checker evaluates at its own precisions: what we found is for the reader (meta)
        out1, out2 = result.enclosures
        k = result.output_index
        steps = [{"kind": "separating_point", "x": [enc(v) for v in result.point], "output": k}]
        meta.update(precision=result.precision, enclosures=[out1[k].str(radius=True), out2[k].str(radius=True)])
    return envelope(claim, data, steps, meta)


def _canonical_names(obj: dict) -> dict:
    """Write the activation by its canonical name (e.g. ``leaky_relu:0.1`` -> ``leaky_relu:1/10``)."""
    return dict(obj, activation=net_activation(obj["activation"]).name)


def bundled():
    """Small equivalence and non-equivalence theorems for tanh, logistic and relu networks."""
    import random

    from ..networks.actions import random_orbit_member
    from .bundle import BundleItem

    def base(activation: str, seed: int, widths: tuple) -> Network:
        rng = random.Random(seed)
        layers = [([[rng.randint(-4, 4) for _ in range(widths[k])] for _ in range(widths[k + 1])],
                   [rng.randint(-3, 3) for _ in range(widths[k + 1])]) for k in range(len(widths) - 1)]
        return Network.from_lists(activation, layers)

    def orbit_pair(activation: str, seed: int, widths: tuple) -> dict:
        net = base(activation, seed, widths)
        other, _ = random_orbit_member(net, random.Random(seed + 100))
        return equivalence_certificate(net, other)

    def perturbed_pair(activation: str, seed: int, widths: tuple) -> dict:
        net = base(activation, seed, widths)
        other, _ = random_orbit_member(net, random.Random(seed + 100))
        js = other.to_json()
        js["layers"][-1]["W"][0][0] = enc(other.weights[-1][0, 0] + other.weights[-1][0, 0].__class__(1, 1000))
        from ..networks.format import network_from_json
        return equivalence_certificate(net, network_from_json(js))

    def sussmann_pair() -> dict:
        # tanh: neuron 2 is neuron 0 with the sign flipped, neuron 3 is dead, neuron 4 is constant 0
        red = Network.from_lists("tanh", [([[1, 2], [3, -1]], [1, 0]), ([[2, 5]], ["1/2"])])
        big = Network.from_lists("tanh", [([[1, 2], [3, -1], [-1, -2], [7, 7], [0, 0]], [1, 0, -1, 2, 0]),
                                           ([[3, 5, 1, 0, 9]], ["1/2"])])
        return equivalence_certificate(big, red)

    def relu_affine_pair() -> dict:
        # relu(x) - relu(-x) = x = relu(x + 1) - relu(-x - 1) - 1: same function, other hyperplanes
        a = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, -1]], [0])])
        b = Network.from_lists("relu", [([[2], [-1]], [2, -1]), ([["1/2", -1]], [-1])])
        return equivalence_certificate(a, b)

    def tanh_logistic_pair() -> dict:
        from ..networks.actions import tanh_as_logistic

        net = base("tanh", 4, (2, 3, 2, 1))
        other, _ = random_orbit_member(tanh_as_logistic(net), random.Random(104))
        return equivalence_certificate(net, other)

    def kink_bump() -> dict:
        # relu(x) - 2 relu(x - 1/1000) + relu(x - 2/1000) is a bump of height 1/1000, not 0
        bump = Network.from_lists("relu", [([[1], [1], [1]], [0, "-1/1000", "-2/1000"]), ([[1, -2, 1]], [0])])
        zero = Network.from_lists("relu", [([[1]], [0]), ([[0]], [0])])
        return equivalence_certificate(bump, zero)

    cases = [
        ("equivalence/tanh-logistic-2-3-2-1.json", "a tanh 2-3-2-1 network equals a logistic network "
         "(tanh(z) = 2 logistic(2 z) - 1, then an orbit member)", tanh_logistic_pair),
        ("equivalence/relu-bump-not-zero.json", "three relu neurons with kinks 1/1000 apart do not compute 0 "
         "(exact separating point from the normal forms)", kink_bump),
        ("equivalence/tanh-3-5-2-orbit.json", "a tanh 3-5-2 network and a random member of its orbit are equivalent",
         lambda: orbit_pair("tanh", 1, (3, 5, 2))),
        ("equivalence/logistic-2-4-3-1-orbit.json", "a logistic 2-4-3-1 network and an orbit member are equivalent",
         lambda: orbit_pair("logistic", 2, (2, 4, 3, 1))),
        ("equivalence/relu-3-6-1-orbit.json", "a relu 3-6-1 network and a rescaled permuted copy are equivalent",
         lambda: orbit_pair("relu", 3, (3, 6, 1))),
        ("equivalence/tanh-sussmann-reduction.json", "a reducible tanh network equals its Sussmann reduction",
         sussmann_pair),
        ("equivalence/relu-affine-part.json", "two relu networks with different hyperplanes compute x",
         relu_affine_pair),
        ("equivalence/tanh-3-5-2-perturbed.json", "perturbing one output weight by 1/1000 changes a tanh network",
         lambda: perturbed_pair("tanh", 1, (3, 5, 2))),
        ("equivalence/relu-3-6-1-perturbed.json", "perturbing one output weight by 1/1000 changes a relu network",
         lambda: perturbed_pair("relu", 3, (3, 6, 1))),
    ]
    for path, description, make in cases:
        yield BundleItem(path, description, make)
