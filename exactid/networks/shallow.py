"""One-hidden-layer ReLU networks ``f(x) = V relu(W x + b) + c`` on a box ``[lo, hi]^n``.

The network is identifiable on the box (up to permutations and positive rescalings of the
hidden neurons) exactly when

1. every neuron has nonzero outgoing weights ``v_j`` and nonzero incoming weights ``w_j``;
2. every hyperplane ``w_j . x + b_j = 0`` cuts the interior of the box;
3. no two neurons have proportional ``(w, b)`` (positively: the kinks add up; negatively:
   the pair can be rewritten with one neuron plus an affine one);
4. no nonempty set S of neurons has ``sum_{j in S} v_j w_j^T = 0`` (flipping every neuron of
   S, ``(w, b) -> (-w, -b)``, changes the function by that affine sum, which the output
   bias absorbs when the linear part vanishes).

Sufficiency: f has exactly h kink hyperplanes in the box, with jumps ``v_j w_j^T != 0``, so
any other representation with h neurons has one neuron per hyperplane, equal up to a
nonzero factor; positive factors are rescalings, and the set of negative ones is a set S
as in 4.  When a condition fails, :func:`analyze_shallow` builds an explicit second
parameter vector with the same function on the box that is not equivalent to theta.
Condition 4 is certified by the independence of the h matrices ``v_j w_j^T`` (a nonzero
minor), or, for h <= 16, by checking every subset.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Optional

import flint

from ..domains.base import to_fmpq
from ..domains.matrix import ExactMatrix
from ..domains.rationals import QQ
from ..errors import InputError
from ..linalg.rank import certified_rank
from .format import Network
from .relu import require_relu

#: Largest number of hidden neurons for which condition 4 is settled by trying every subset.
MAX_SUBSET_SEARCH = 16


@dataclass
class ShallowReport:
    """Verdict on the box, the failed condition, and the alternative network when there is one."""

    verdict: str
    reason: str
    condition: Optional[str] = None
    neurons: tuple = ()
    alternative: Optional[Network] = None
    independence: Optional[object] = None  # RankResult of the outer products, when used
    subset_search: bool = False

    def as_dict(self) -> dict:
        out = {"verdict": self.verdict, "reason": self.reason, "condition": self.condition,
               "neurons": list(self.neurons)}
        if self.alternative is not None:
            out["alternative"] = self.alternative.to_json()
        return out


def _neuron(net: Network, j: int) -> tuple[list, flint.fmpq, list]:
    W, b, V = net.weights[0], net.biases[0], net.weights[1]
    return ([W[j, i] for i in range(W.ncols())], b[j, 0], [V[o, j] for o in range(V.nrows())])


def _range_on_box(w: list, b: flint.fmpq, lo: flint.fmpq, hi: flint.fmpq) -> tuple[flint.fmpq, flint.fmpq]:
    """min and max of w . x + b over the box."""
    zmin = b + sum((min(wi * lo, wi * hi) for wi in w), flint.fmpq(0))
    zmax = b + sum((max(wi * lo, wi * hi) for wi in w), flint.fmpq(0))
    return zmin, zmax


def _proportional(a: list, b: list) -> Optional[flint.fmpq]:
    """lambda with b = lambda * a (a nonzero), or None."""
    pivot = next(i for i, x in enumerate(a) if x != 0)
    lam = b[pivot] / a[pivot]
    return lam if all(y == lam * x for x, y in zip(a, b)) else None


def _edit(net: Network, j: int, w=None, b=None, v=None, dc=None) -> Network:
    W, B, V, C = (flint.fmpq_mat(m) for m in (net.weights[0], net.biases[0], net.weights[1], net.biases[1]))
    if w is not None:
        for i, x in enumerate(w):
            W[j, i] = x
    if b is not None:
        B[j, 0] = b
    if v is not None:
        for o, x in enumerate(v):
            V[o, j] = x
    if dc is not None:
        for o, x in enumerate(dc):
            C[o, 0] = C[o, 0] + x
    return Network("relu", [W, V], [B, C])


def analyze_shallow(net: Network, lo: Any, hi: Any) -> ShallowReport:
    """Identifiability of a one-hidden-layer ReLU network on ``[lo, hi]^n`` (module docstring).

    >>> net = Network.from_lists("relu", [([[1], [2]], [0, 0]), ([[1, 1]], [0])])
    >>> rep = analyze_shallow(net, -1, 1)
    >>> rep.verdict, rep.condition
    ('not_identifiable', 'positively proportional neurons')
    """
    require_relu(net)
    if net.depth != 2:
        raise InputError(f"the box analysis needs exactly one hidden layer, got {net.depth - 1}")
    lo, hi = to_fmpq(lo), to_fmpq(hi)
    if not lo < hi:
        raise InputError("the box needs lo < hi")
    h, k = net.widths[1], net.widths[2]
    neurons = [_neuron(net, j) for j in range(h)]
    one = flint.fmpq(1)
    for j, (w, b, v) in enumerate(neurons):
        if all(x == 0 for x in v):
            new_w = list(w) if any(x != 0 for x in w) else [one] + list(w[1:])
            new_b = b + 1 if any(x != 0 for x in w) else b
            return ShallowReport("not_identifiable", f"neuron {j} has zero outgoing weights", "zero outgoing weights",
                                 (j,), _edit(net, j, w=new_w, b=new_b))
    for j, (w, b, v) in enumerate(neurons):
        if all(x == 0 for x in w):
            if b <= 0:
                alt = _edit(net, j, b=b - 1)
            else:
                alt = _edit(net, j, b=b + 1, dc=[-x for x in v])
            return ShallowReport("not_identifiable", f"neuron {j} has zero incoming weights (constant on the box)",
                                 "zero incoming weights", (j,), alt)
    for j, (w, b, v) in enumerate(neurons):
        zmin, zmax = _range_on_box(w, b, lo, hi)
        if zmax <= 0:
            return ShallowReport("not_identifiable", f"neuron {j} is off on the whole box", "hyperplane misses the box",
                                 (j,), _edit(net, j, b=b - 1))
        if zmin >= 0:
            return ShallowReport("not_identifiable", f"neuron {j} is affine (always on) on the box",
                                 "hyperplane misses the box", (j,), _edit(net, j, b=b + 1, dc=[-x for x in v]))
    for j1, j2 in combinations(range(h), 2):
        (w1, b1, v1), (w2, b2, v2) = neurons[j1], neurons[j2]
        lam = _proportional(w1 + [b1], w2 + [b2])
        if lam is None:
            continue
        if lam > 0:
            # v1 relu(z) + v2 relu(lam z) = (v1 + lam v2) relu(z): move t from v2 to v1.  The new pair
            # is a mere swap of the old one (an equivalence) only when v1 + lam t = lam v2.
            t = one
            if [x + lam * t for x in v1] == [lam * y for y in v2]:
                t = 2 * one
            alt = _edit(_edit(net, j1, v=[x + lam * t for x in v1]), j2, v=[y - t for y in v2])
            return ShallowReport("not_identifiable", f"neurons {j1} and {j2} have positively proportional (w, b)",
                                 "positively proportional neurons", (j1, j2), alt)
        # (w2, b2) = -mu (w1, b1): neuron j1 takes both kinks, neuron j2 becomes affine on the box.
        mu = -lam
        w_new = [-mu * x for x in w1]
        _, zmax = _range_on_box([-x for x in w_new], flint.fmpq(0), lo, hi)
        beta = zmax + 1  # -mu w1 . x + beta >= 1 on the box
        alt = _edit(net, j1, v=[x + mu * y for x, y in zip(v1, v2)])
        alt = _edit(alt, j2, w=w_new, b=beta, dc=[-mu * y * b1 - y * beta for y in v2])
        return ShallowReport("not_identifiable", f"neurons {j1} and {j2} have negatively proportional (w, b)",
                             "negatively proportional neurons", (j1, j2), alt)
    # Condition 4: independence of the outer products v_j w_j^T, else a subset search.
    outer = ExactMatrix.from_rows([[vo * wi for vo in v for wi in w] for w, _, v in neurons], QQ)
    result = certified_rank(outer)
    if result.rank == h:
        return ShallowReport("identifiable", "all four conditions hold (outer products v_j w_j^T independent)",
                             independence=result)
    if h > MAX_SUBSET_SEARCH:
        return ShallowReport("undecided", f"the outer products v_j w_j^T are dependent and h = {h} is too large "
                             "to try every subset")
    flat = [[vo * wi for vo in v for wi in w] for w, _, v in neurons]
    for size in range(1, h + 1):
        for subset in combinations(range(h), size):
            if all(sum((flat[j][t] for j in subset), flint.fmpq(0)) == 0 for t in range(len(flat[0]))):
                alt = net
                dc = [flint.fmpq(0)] * k
                for j in subset:
                    w, b, v = neurons[j]
                    alt = _edit(alt, j, w=[-x for x in w], b=-b)
                    dc = [c + vo * b for c, vo in zip(dc, v)]
                alt = _edit(alt, 0, dc=dc)
                return ShallowReport("not_identifiable", f"flipping neurons {list(subset)} changes f by an affine "
                                     "map with zero linear part", "zero-sum flip set", subset, alt)
    return ShallowReport("identifiable", "all four conditions hold (no subset of v_j w_j^T sums to zero)",
                         subset_search=True)
