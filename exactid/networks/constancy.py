"""Exact directions of constancy of theta -> f_theta(X) outside the rescaling orbit.

If moving one parameter c leaves f_theta(X) unchanged (for all small moves) and the
basis vector e_c is not tangent to the rescaling orbit of theta, then theta + t e_c, for small t != 0,
has the same outputs on X and is not a positive rescaling of theta: theta is **not locally
identifiable** from X, whatever the rank of J.  Three instances are recognized:

- ``zero_input``: input coordinate j is 0 at every sample; every ``W1[i, j]`` moves freely.
- ``zero_outgoing``: hidden neuron i of layer l has all-zero outgoing weights; f does not
  depend on its output, so its bias and incoming weights move freely.
- ``never_active`` (ReLU only, leak 0): the pre-activation of neuron i of layer l is < 0 at
  every sample; a small change of its bias keeps it < 0, so the neuron's output stays 0.
- ``always_active``: the pre-activation of neuron i of layer l is > 0 at every sample, so the
  neuron is the identity on X; raising its bias by t and lowering every next-layer bias
  ``b_{l+1}[m]`` by ``t W_{l+1}[m, i]`` leaves every later pre-activation unchanged (small t).
  The move is ``v = e_c - sum_m W_{l+1}[m, i] e_{b_{l+1}[m]}`` (c the bias), not ``e_c``.

**Not tangent to the orbit.**  The rescaling of hidden neuron (l, i) by lambda > 0 multiplies
its incoming row and bias by lambda and its outgoing column by 1/lambda; in logarithmic
coordinates the orbit is an affine subspace, so a line theta + t v meets the orbit at t's
accumulating at 0 only if v lies in the span of the tangent directions ``r_(l,i)`` (+theta_c
on the incoming row and bias, -theta_c on the outgoing column).  The witness is a sparse
linear form u with ``u . r_(l,i) = 0`` for every hidden neuron and ``u_c != 0``: then
``e_c`` is outside that span.  It is found by a path through nonzero weights from the neuron
owning c to a coordinate owned by a single rescaling (a nonzero bias, first-layer or
last-layer weight), with ``u = sum sigma_e e_e / theta_e`` and signs that cancel at every
neuron on the path (``u = e_c`` when theta_c = 0).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import numpy as np

from .relu_forward import ExactForward, layer_offsets

RULES = ("zero_input", "zero_outgoing", "never_active", "always_active")


@dataclass
class Constancy:
    """One direction of constancy: parameter index ``parameter`` moves freely, by ``rule``."""

    rule: str
    layer: int  # hidden layer from 1 (0 for zero_input)
    index: int  # the neuron, or the input coordinate for zero_input
    parameter: int
    witness: dict  # parameter index -> Fraction (the linear form u)
    direction: Optional[dict] = None  # the move v (index -> Fraction) when it is not e_parameter

    def as_dict(self) -> dict:
        return {"rule": self.rule, "layer": self.layer, "index": self.index, "parameter": self.parameter}


class _Params:
    """theta as exact Fractions by (layer, row, col) / (layer, row) with the owners of each coordinate."""

    def __init__(self, fwd: ExactForward, free: Optional[np.ndarray]):
        self.widths = fwd.widths
        self.L = len(self.widths) - 1
        self.W, self.Wd = fwd.weights, fwd.weights_den
        self.b, self.bd = fwd.biases, fwd.biases_den
        self.offsets = layer_offsets(self.widths)
        self.free = free

    def is_free(self, c: int) -> bool:
        return self.free is None or bool(self.free[c])

    def w_index(self, l: int, i: int, j: int) -> int:  # l: 1-based layer
        return self.offsets[l - 1][0] + i * self.widths[l - 1] + j

    def b_index(self, l: int, i: int) -> int:
        return self.offsets[l - 1][1] + i

    def w(self, l, i, j) -> Fraction:
        return Fraction(int(self.W[l - 1][i, j]), self.Wd[l - 1])

    def bias(self, l, i) -> Fraction:
        return Fraction(int(self.b[l - 1][i]), self.bd[l - 1])

    def hidden(self, l) -> bool:
        return 1 <= l < self.L

    def coordinates(self, l: int, i: int):
        """(index, value, sign in r_(l,i), other owner or None) over the support of r_(l,i)."""
        for j in range(self.widths[l - 1]):
            v = self.w(l, i, j)
            if v:
                yield self.w_index(l, i, j), v, 1, ((l - 1, j) if l > 1 else None)
        v = self.bias(l, i)
        if v:
            yield self.b_index(l, i), v, 1, None
        for m in range(self.widths[l + 1]):
            v = self.w(l + 1, m, i)
            if v:
                yield self.w_index(l + 1, m, i), v, -1, ((l + 1, m) if self.hidden(l + 1) else None)


def orbit_witness(params: _Params, start: int, owner: tuple[int, int], value: Fraction) -> Optional[dict]:
    """A linear form u (index -> Fraction) vanishing on every rescaling direction, u[start] != 0.

    ``start`` must be a bias or first-layer weight of ``owner`` (owned by that rescaling only).
    """
    if value == 0:
        return {start: Fraction(1)}
    # BFS over hidden neurons: parent[n] = (previous neuron, shared coordinate, its value)
    parent = {owner: None}
    queue = deque([owner])
    while queue:
        node = queue.popleft()
        end = None
        for c, v, sign, other in params.coordinates(*node):
            if c == start:
                continue
            if other is None:
                end = (c, v)
                break
            if other not in parent:
                parent[other] = (node, c, v)
                queue.append(other)
        if end is None:
            continue
        # walk back from node to owner: the path's coordinates, then signs from the start
        path = [end]
        cur = node
        while parent[cur] is not None:
            prev, c, v = parent[cur]
            path.append((c, v))
            cur = prev
        path.append((start, value))
        path.reverse()  # start, e_1, ..., e_m, end
        neurons = [owner]
        cur = node
        chain = []
        while cur is not None:
            chain.append(cur)
            cur = parent[cur][0] if parent[cur] is not None else None
        neurons = list(reversed(chain))  # owner ... node
        sigma = [1]
        for t, neuron in enumerate(neurons):
            signs = {c: s for c, _, s, _ in params.coordinates(*neuron)}
            a, b = path[t][0], path[t + 1][0]
            sigma.append(-sigma[-1] * signs[a] * signs[b])
        return {c: Fraction(s) / v for (c, v), s in zip(path, sigma)}
    return None


def constancy_directions(fwd: ExactForward, free: Optional[np.ndarray] = None, limit: int = 1000) -> list[Constancy]:
    """Every recognized direction of constancy with its witness (module docstring), at most ``limit``."""
    P = _Params(fwd, free)
    out: list[Constancy] = []
    # zero inputs: W1[i, j] for the first neuron i with a witness
    zero_cols = np.flatnonzero(~(np.asarray(fwd.samples) != 0).any(axis=0))
    for j in zero_cols:
        for i in range(P.widths[1]):
            c = P.w_index(1, i, int(j))
            if not P.is_free(c):
                continue
            u = orbit_witness(P, c, (1, i), P.w(1, i, int(j))) if P.hidden(1) else {c: Fraction(1)}
            if u is not None:
                out.append(Constancy("zero_input", 0, int(j), c, u))
                break
    never = set(fwd.never_positive()) if fwd.slope == 0 else set()
    for l in range(1, P.L):
        zero_out = ~(np.asarray(fwd.weights[l]) != 0).any(axis=0)
        for i in range(P.widths[l]):
            rule = "zero_outgoing" if zero_out[i] else ("never_active" if (l, i) in never else None)
            if rule is None:
                continue
            starts = [(P.b_index(l, i), P.bias(l, i))]
            if l == 1:
                starts += [(P.w_index(1, i, j), P.w(1, i, j)) for j in range(P.widths[0])]
            for c, v in starts:
                if not P.is_free(c):
                    continue
                u = orbit_witness(P, c, (l, i), v)
                if u is not None:
                    out.append(Constancy(rule, l, i, c, u))
                    break
        if len(out) >= limit:
            break
    always = set(fwd.always_positive())
    for l, i in sorted(always):
        c = P.b_index(l, i)
        v = {c: Fraction(1)}
        v.update({P.b_index(l + 1, m): -P.w(l + 1, m, i) for m in range(P.widths[l + 1]) if P.w(l + 1, m, i)})
        if any(not P.is_free(j) for j in v) or any(x.rule != "always_active" and x.layer == l and x.index == i
                                                   for x in out):
            continue
        u = orbit_witness(P, c, (l, i), P.bias(l, i))
        if u is not None and sum(u.get(j, 0) * x for j, x in v.items()) != 0:
            out.append(Constancy("always_active", l, i, c, u, v))
    return out[:limit]
