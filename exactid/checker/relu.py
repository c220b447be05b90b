"""``relu_shallow_box``: a one-hidden-layer ReLU network on [lo, hi]^n (docs/relu.md).

(The local identifiability claim from samples is in :mod:`.relu_local`.)
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from math import lcm

import flint

from .arith import rational
from .core import at_step, claim_handler, require, steps_of
from .equivalence import activation, relu_normal_form
from .errors import Malformed
from .linear import minor_nonzero_mod_p
from .matrices import CMatrix
from .network import parse_network


def _network(obj) -> tuple[list[int], list, list]:
    """Widths, weights (lists of Fraction rows) and biases of a ReLU network object."""
    name, widths, layers = parse_network(obj)
    if name != "relu":
        raise Malformed("network: the activation must be 'relu'")
    return widths, [W for W, _ in layers], [b for _, b in layers]


def _terms(widths, Ws, bs, sign):
    return [(Ws[0][j], bs[0][j], [sign * Ws[1][o][j] for o in range(widths[2])]) for j in range(widths[1])]


def _same_on_box(terms, const, lo, hi) -> bool:
    """sum v relu(w.x + b) + const == 0 on [lo, hi]^n?  A neuron inactive on the box drops out; one
    active on all of it is affine there, relu(t) = relu(t) - relu(-t), so its negated twin joins.
    The hyperplanes left cut the open box, where distinct relu terms and the affine functions are
    independent: zero iff the hyperplane normal form is zero (a zero neuron keeps the layer non-empty)."""
    neurons = [([Fraction(0)] * len(terms[0][0]), Fraction(0), [Fraction(0)] * len(const))]
    for w, b, v in terms:
        if b + sum(max(x * lo, x * hi) for x in w) > 0:
            neurons.append((w, b, v))
            if b + sum(min(x * lo, x * hi) for x in w) >= 0:
                neurons.append(([-x for x in w], -b, [-vo for vo in v]))
    layers = [[[w for w, _, _ in neurons], [b for _, b, _ in neurons]],
              [[[v[o] for _, _, v in neurons] for o in range(len(const))], list(const)]]
    mu, affine = relu_normal_form(activation("relu"), layers)
    return not mu and not any(x for row in affine for x in row)


def _canonical(widths, Ws, bs) -> tuple:
    """Neurons scaled so the first nonzero of (w, b) is +-1, sorted; with the output bias.  A neuron
    with (w, b) = 0 has the orbit (0, 0, v / λ): its outgoing weights are scaled instead."""
    out = []
    for w, b, v in _terms(widths, Ws, bs, 1):
        lead = next((x for x in w + [b] if x != 0), None)
        s = abs(lead) if lead is not None else 1 / abs(next((x for x in v if x != 0), Fraction(1)))
        out.append((tuple(x / s for x in w), b / s, tuple(x * s for x in v)))
    return tuple(sorted(out)), tuple(bs[1])


@claim_handler("relu_shallow_box")
def check_shallow(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict):
        raise Malformed("'data' must be an object")
    widths, Ws, bs = _network(data.get("network"))
    require(len(Ws) == 2, "the box theorem is about one hidden layer")
    require(claim.get("widths") == widths, f"claim.widths differ from the network's {widths}")
    lo, hi = rational(data.get("lo"), "lo"), rational(data.get("hi"), "hi")
    require(lo < hi, "the box needs lo < hi")
    terms, h = _terms(widths, Ws, bs, 1), widths[1]
    verdict = claim.get("verdict")
    if verdict == "not_identifiable":
        widths2, Ws2, bs2 = _network(data.get("alternative"))
        require(widths2 == widths, "the alternative network has another architecture")
        require(not steps_of(doc), "this claim carries no steps")
        require(_canonical(widths, Ws, bs) != _canonical(widths2, Ws2, bs2),
                "the alternative is a permutation and positive rescaling of theta")
        const = [c - c2 for c, c2 in zip(bs[1], bs2[1])]
        require(_same_on_box(terms + _terms(widths2, Ws2, bs2, -1), const, lo, hi),
                "the two networks differ somewhere on the box")
        return f"ReLU network {widths} is not identifiable on [{lo}, {hi}]^{widths[0]} (explicit second network)"
    require(verdict == "identifiable", "claim.verdict must be identifiable or not_identifiable")
    for j, (w, b, v) in enumerate(terms):
        require(any(v) and any(w), f"neuron {j} has zero outgoing or incoming weights")
        require(b + sum(min(x * lo, x * hi) for x in w) < 0 < b + sum(max(x * lo, x * hi) for x in w),
                f"the hyperplane of neuron {j} misses the interior of the box")
    for (w1, b1, _), (w2, b2, _) in combinations(terms, 2):
        a, c = w1 + [b1], w2 + [b2]
        require(any(a[i] * c[j] != a[j] * c[i] for i in range(len(a)) for j in range(i)), "two proportional neurons")
    outer = [[vo * wi for vo in v for wi in w] for w, _, v in terms]
    independent = False
    for s, kind, step in steps_of(doc):
        with at_step(s, kind):
            if kind == "outer_products_minor_nonzero_mod_p":
                den = lcm(1, *(x.denominator for r in outer for x in r))
                cm = CMatrix(1, [flint.fmpz_mat([[int(x * den) for x in r] for r in outer])], den, h, len(outer[0]))
                independent = minor_nonzero_mod_p(cm, step) == h
            elif kind == "subset_search":
                require(h <= 16, "the subset search is limited to 16 neurons")
                independent = not any(all(sum(outer[j][t] for j in S) == 0 for t in range(len(outer[0])))
                                      for size in range(1, h + 1) for S in combinations(range(h), size))
            else:
                raise Malformed(f"unexpected step {kind!r}")
    require(independent, "no step shows that no set of neurons can be flipped")
    return f"ReLU network {widths} is identifiable on [{lo}, {hi}]^{widths[0]}"
