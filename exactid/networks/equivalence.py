"""Exact equivalence of two networks: do they realize the same function?

Verdicts (never a guess):

* ``equivalent`` -- reductions and symmetry operations (:mod:`exactid.networks.actions`)
  turn both networks into the same parameters; for one-hidden-layer relu-like networks,
  alternatively, equal *hyperplane normal forms* (below).
* ``not_equivalent`` -- a rational input point where ball-arithmetic enclosures (python-flint
  ``arb``; exact rationals for piecewise-linear σ) of the two outputs are disjoint.
* ``undecided`` -- neither could be shown (deep networks whose canonical forms differ but no
  separating point was found, or different activations).

Exact decision for one hidden layer: tanh/logistic through Sussmann reduction (irreducible
networks with the same function differ by permutations and sign flips; constant neurons are
kept as tanh(β) for distinct |β|, which are linearly independent over Q with 1), relu and
leaky relu through the hyperplane normal form f(x) = Σ_H μ_H relu(h_H·(x,1)) + affine(x),
h_H normalized with first nonzero input weight +1: two such functions are equal iff all μ_H
and the affine parts agree (the relu(h_H·) are independent modulo affine functions).  When
the procedure knows the networks differ it searches rational points until the enclosures
separate (always succeeds in practice; otherwise the answer stays ``undecided``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional, Sequence

import flint

from ..domains.base import to_fmpq
from ..errors import InputError
from .actions import net_activation, same_parameters, tanh_as_logistic
from .format import Network
from .sussmann import reduce_network

Q = flint.fmpq


@dataclass
class EquivalenceResult:
    verdict: str  # 'equivalent' | 'not_equivalent' | 'undecided'
    reason: str
    method: str = ""  # 'canonical_forms' | 'relu_normal_form' | 'ball_arithmetic' | ...
    ops1: list = field(default_factory=list)
    ops2: list = field(default_factory=list)
    point: Optional[list] = None  # rational input (fmpq) separating the networks
    output_index: Optional[int] = None
    enclosures: Optional[tuple[list, list]] = None  # arb outputs of both networks at point
    precision: int = 0


# --------------------------------------------------------------------------- evaluation
def evaluate_exact(net: Network, x: Sequence[Q]) -> list[Q]:
    """Outputs of a piecewise-linear network at a rational point, exactly."""
    pl = net_activation(net.activation).pl
    if pl is None:
        raise InputError(f"{net.activation} networks are not evaluated exactly; use evaluate_ball")
    values = [to_fmpq(v) for v in x]
    for index, (w, b) in enumerate(zip(net.weights, net.biases)):
        z = [sum((w[i, j] * values[j] for j in range(w.ncols())), Q(0)) + b[i, 0] for i in range(w.nrows())]
        if index < net.depth - 1:
            z = [to_fmpq(pl(Fraction(int(t.p), int(t.q)))) for t in z]
        values = z
    return values


def evaluate_ball(net: Network, x: Sequence[Q], prec: int = 128) -> list[flint.arb]:
    """Rigorous ``arb`` enclosures of the outputs at a rational point (exact for PL σ)."""
    if net_activation(net.activation).pl is not None:
        return [flint.arb(v) for v in evaluate_exact(net, x)]
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        values = [flint.arb(to_fmpq(v)) for v in x]
        for index, (w, b) in enumerate(zip(net.weights, net.biases)):
            z = [sum((flint.arb(w[i, j]) * values[j] for j in range(w.ncols())), flint.arb(0)) + flint.arb(b[i, 0])
                 for i in range(w.nrows())]
            if index < net.depth - 1:
                z = [t.tanh() if net.activation == "tanh" else 1 / (1 + (-t).exp()) for t in z]
            values = z
        return values
    finally:
        flint.ctx.prec = old


def separating_point(net1: Network, net2: Network, tries: int = 200, seed: int = 0,
                     prec: int = 128) -> Optional[tuple[list, int, list, list, int]]:
    """A rational point where the output enclosures are disjoint, or None."""
    rng = random.Random(seed)
    n = net1.widths[0]
    candidates = [[Q(0)] * n]
    for t in range(tries):
        scale = [1, 3, 10][t % 3]
        candidates.append([Q(rng.randint(-64 * scale, 64 * scale), 64) for _ in range(n)])
    for x in candidates:
        for p in (prec, 4 * prec):
            out1, out2 = evaluate_ball(net1, x, p), evaluate_ball(net2, x, p)
            for k, (y1, y2) in enumerate(zip(out1, out2)):
                if not y1.overlaps(y2):
                    return x, k, out1, out2, p
            if all(y1.rad() == 0 and y2.rad() == 0 for y1, y2 in zip(out1, out2)):
                break  # exact values: more precision cannot help
    return None


# --------------------------------------------------------------------------- relu normal form
def relu_normal_form(net: Network) -> tuple[dict, list]:
    """For a one-hidden-layer relu-like network: ({h: μ_h}, affine rows).

    σ(z) = s_L z + (s_R - s_L) relu(z) (kink at 0); a neuron with weights (w, β) = s λ h,
    λ > 0, s = ±1, h with first nonzero entry of w equal to 1, contributes λ relu(s h·x̃) =
    λ relu(h·x̃) - [s < 0] λ h·x̃.  Returns μ_h as tuples of output coefficients (zero ones
    dropped) and the affine part as rows (input coefficients, then constant).
    """
    act = net_activation(net.activation)
    if net.depth != 2 or act.pl is None or len(act.pl.kinks) != 1 or act.pl.kinks[0] != 0:
        raise InputError("the relu normal form is for one-hidden-layer relu / leaky relu networks")
    slope_left, slope_right = (to_fmpq(s) for s in act.pl.slopes)
    jump = slope_right - slope_left
    W1, b1, W2, b2 = net.weights[0], net.biases[0], net.weights[1], net.biases[1]
    n, k = W1.ncols(), W2.nrows()
    affine = [[Q(0)] * n + [b2[o, 0]] for o in range(k)]
    mu: dict = {}
    for i in range(W1.nrows()):
        full = [W1[i, j] for j in range(n)] + [b1[i, 0]]
        lead = next((x for x in full[:n] if x != 0), None)
        if lead is None:  # constant neuron
            value = to_fmpq(act.pl(Fraction(int(full[n].p), int(full[n].q))))
            for o in range(k):
                affine[o][n] += W2[o, i] * value
            continue
        h = tuple(x / lead for x in full)
        lam = abs(lead)
        coeffs = mu.setdefault(h, [Q(0)] * k)
        for o in range(k):
            v = W2[o, i]
            coeffs[o] += v * jump * lam
            for j in range(n + 1):
                affine[o][j] += v * slope_left * full[j] - (v * jump * lam * h[j] if lead < 0 else 0)
    mu = {h: tuple(c) for h, c in mu.items() if any(x != 0 for x in c)}
    return mu, affine


def _single_kink(net: Network) -> bool:
    """One hidden layer and a piecewise-linear σ with one kink, at 0 (relu, leaky relu)."""
    act = net_activation(net.activation)
    return net.depth == 2 and act.pl is not None and len(act.pl.kinks) == 1 and act.pl.kinks[0] == 0


def _dot(h: Sequence[Q], x: Sequence[Q]) -> Q:
    """h . (x, 1) for a hyperplane h = (w, b)."""
    return sum((a * b for a, b in zip(h, x)), Q(0)) + h[-1]


def normal_form_witness(net1: Network, net2: Network) -> Optional[tuple[list, int]]:
    """An exact point and output where two one-hidden-layer single-kink networks differ, or None.

    With g = f1 - f2 = sum_H mu_H relu(h_H . (x, 1)) + affine(x) (normal forms), either some
    mu_H is nonzero at output o: then at a point x0 of H on no other hyperplane, moving along
    e_j (h_H has w_j = 1) by +-eps, eps below the distance to every other hyperplane, the
    second difference g(x0 + eps e_j) + g(x0 - eps e_j) - 2 g(x0) = eps mu_H[o] is nonzero, so
    one of the three values is; or g is affine and nonzero, so g(0) or some g(e_j) is nonzero.
    Returns None when the normal forms are equal (the networks are equivalent).

    >>> a = Network.from_lists("relu", [([[1], [1], [1]], [0, "-1/1000", "-2/1000"]), ([[1, -2, 1]], [0])])
    >>> b = Network.from_lists("relu", [([[1]], [0]), ([[0]], [0])])
    >>> x, o = normal_form_witness(a, b)
    >>> evaluate_exact(a, x)[o] != evaluate_exact(b, x)[o]
    True
    """
    mu1, affine1 = relu_normal_form(net1)
    mu2, affine2 = relu_normal_form(net2)
    n, k = net1.widths[0], net1.widths[-1]
    mu = {}
    for h in set(mu1) | set(mu2):
        diff = [a - b for a, b in zip(mu1.get(h, (Q(0),) * k), mu2.get(h, (Q(0),) * k))]
        if any(diff):
            mu[h] = diff
    affine = [[a - b for a, b in zip(r1, r2)] for r1, r2 in zip(affine1, affine2)]
    candidates: list[list[Q]] = []
    if mu:
        h = min(mu)  # deterministic choice
        j = next(i for i in range(n) if h[i] != 0)  # h[j] = 1 by the normalization
        others = [g for g in mu if g != h]
        for c in range(1, 4 * (len(others) + 1) * (n + 1) + 2):
            # a point of H on the moment curve: avoids every other hyperplane for all but finitely many c
            x0 = [Q(c) ** (i + 1) if i != j else Q(0) for i in range(n)]
            x0[j] = -_dot(h, x0)
            if all(_dot(g, x0) != 0 for g in others):
                break
        else:  # pragma: no cover - excluded by the counting argument above
            return None
        crossings = [abs(_dot(g, x0) / g[j]) for g in others if g[j] != 0]
        eps = min(crossings + [Q(1)]) / 2
        for step in (Q(0), eps, -eps):
            candidates.append([v + step if i == j else v for i, v in enumerate(x0)])
    else:
        candidates.append([Q(0)] * n)
        candidates.extend([Q(int(i == j)) for i in range(n)] for j in range(n))
    for x in candidates:
        out1, out2 = evaluate_exact(net1, x), evaluate_exact(net2, x)
        for o in range(k):
            if out1[o] != out2[o]:
                return x, o
    if mu or any(v for row in affine for v in row):  # pragma: no cover - the argument above rules this out
        raise AssertionError("normal forms differ but no witness was found")
    return None


# --------------------------------------------------------------------------- decision
def decide_equivalence(net1: Network, net2: Network, prec: int = 128, seed: int = 0) -> EquivalenceResult:
    """Decide whether two networks compute the same function (see the module docstring)."""
    if net1.widths[0] != net2.widths[0] or net1.widths[-1] != net2.widths[-1]:
        raise InputError(f"the networks have different input/output sizes: {net1.widths} vs {net2.widths}")
    net_activation(net1.activation), net_activation(net2.activation)  # validate both names
    if {net1.activation, net2.activation} == {"tanh", "logistic"}:
        return _tanh_against_logistic(net1, net2, prec, seed)
    shallow_pl = _single_kink(net1) and _single_kink(net2)
    exact_decision = False
    if net1.activation == net2.activation or shallow_pl:
        red1, ops1 = reduce_network(net1)
        red2, ops2 = reduce_network(net2)
        if same_parameters(red1, red2):
            return EquivalenceResult("equivalent", "reductions and symmetry operations map both networks onto "
                                     "the same canonical parameters", "canonical_forms", ops1, ops2)
        if shallow_pl:
            witness = normal_form_witness(red1, red2)
            if witness is None:
                return EquivalenceResult("equivalent", "equal hyperplane normal forms (one hidden layer)",
                                         "relu_normal_form", ops1, ops2)
            x, k = witness
            out1, out2 = evaluate_ball(net1, x), evaluate_ball(net2, x)
            return EquivalenceResult("not_equivalent", f"output {k} differs at an exact point built from a "
                                     "hyperplane where the normal forms differ", "relu_normal_form_witness",
                                     point=x, output_index=k, enclosures=(out1, out2), precision=prec)
        exact_decision = net1.depth == 2 and net2.depth == 2 and net1.activation in ("tanh", "logistic")
    found = separating_point(net1, net2, seed=seed, prec=prec)
    if found is not None:
        x, k, out1, out2, p = found
        return EquivalenceResult("not_equivalent", f"output {k} differs at a rational point (disjoint enclosures)",
                                 "ball_arithmetic", point=x, output_index=k, enclosures=(out1, out2), precision=p)
    if exact_decision:
        return EquivalenceResult("undecided", "the networks are provably different (distinct reduced canonical "
                                 "forms) but no rational point with disjoint enclosures was found")
    return EquivalenceResult("undecided", "canonical forms differ and no separating point was found "
                             "(deep networks: canonical forms are only a sufficient test)")


def _tanh_against_logistic(net1: Network, net2: Network, prec: int, seed: int) -> EquivalenceResult:
    """Rewrite the tanh network as a logistic one (tanh(z) = 2 logistic(2 z) - 1), then compare."""
    first_is_tanh = net1.activation == "tanh"
    a = tanh_as_logistic(net1) if first_is_tanh else net1
    b = net2 if first_is_tanh else tanh_as_logistic(net2)
    result = decide_equivalence(a, b, prec=prec, seed=seed)
    if result.verdict == "equivalent":
        converted = result.ops1 if first_is_tanh else result.ops2
        converted.insert(0, {"kind": "tanh_as_logistic"})
        result.reason = "tanh(z) = 2 logistic(2 z) - 1, then " + result.reason
    return result
