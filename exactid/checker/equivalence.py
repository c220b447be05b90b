"""Network equivalence (docs/networks-equivalence.md).  ``equivalent``: function-preserving
operations applied exactly, each symmetry checked against σ's definition, then a comparison.
``not_equivalent``: a point x where the enclosures of one output are disjoint."""

from __future__ import annotations

from fractions import Fraction

import flint

from .arith import index_list, integer, rational
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .network import parse_network

OPS = ("neuron_symmetry", "permute_neurons", "remove_neuron", "merge_neurons", "fold_constant_neuron",
       "zero_dead_neuron")
#: Working precisions (bits) tried in turn for tanh and logistic networks.
PRECISIONS = (64, 256, 1024, 4096, 20_000)


def activation(name) -> tuple:
    """('ode', P coefficients low->high, σ(0)) or ('pl', kinks, σ as a function of a Fraction)."""
    fixed = {"tanh": ("ode", (1, 0, -1), Fraction(0)), "logistic": ("ode", (0, 1, -1), Fraction(1, 2)),
             "relu": ("pl", (0,), lambda t: max(t, Fraction(0))),
             "hardtanh": ("pl", (-1, 1), lambda t: min(max(t, Fraction(-1)), Fraction(1)))}
    if isinstance(name, str) and name in fixed:
        return fixed[name]
    if isinstance(name, str) and name.startswith("leaky_relu:"):
        slope = rational(name[len("leaky_relu:"):], "leaky relu slope")
        require(slope != 1, "leaky_relu:1 is not an activation here")
        return ("pl", (0,), lambda t: t if t > 0 else slope * t)
    raise Malformed(f"unsupported activation {str(name)[:30]!r}")


def is_symmetry(spec: tuple, a: Fraction, b: Fraction, c: Fraction, d: Fraction) -> bool:
    """σ(a t + b) == c σ(t) + d for all real t (a, c != 0), decided exactly."""
    if spec[0] == "pl":
        # both sides are continuous and piecewise linear with breakpoints among these points
        points = set(spec[1]) | {(k - b) / a for k in spec[1]}
        points |= {min(points) - 1, max(points) + 1}
        return all(spec[2](a * t + b) == c * spec[2](t) + d for t in points)
    # σ' = P(σ): a P(c u + d) == c P(u) as polynomials and σ(b) = c σ(0) + d; for rational
    # b != 0, σ(b) is transcendental (Lindemann) while c σ(0) + d is rational, so b = 0.
    p0, p1, p2 = spec[1]
    composed = (p0 + p1 * d + p2 * d * d, p1 * c + 2 * p2 * c * d, p2 * c * c)
    return b == 0 and d == spec[2] * (1 - c) and all(a * x == c * y for x, y in zip(composed, (p0, p1, p2)))


def apply_op(spec: tuple, layers: list, step: dict) -> None:
    kind, layer = step["kind"], index_list([step.get("layer")], len(layers), "hidden layer")[0]
    require(layer >= 1, "hidden layers are numbered from 1 (layer l is fed by weights[l - 1])")
    (W, b), (V, c_out) = layers[layer - 1], layers[layer]

    def neuron_index(key):
        return index_list([step.get(key)], len(W), key)[0]

    def drop(i):
        require(len(W) > 1, "a hidden layer may not become empty")
        del W[i], b[i]
        for row in V:
            del row[i]

    if kind == "neuron_symmetry":
        i = neuron_index("neuron")
        a, s, c, d = (rational(step.get(k), k) for k in "abcd")
        require(a != 0 and c != 0, "a and c must be nonzero")
        require(is_symmetry(spec, a, s, c, d), f"({a}, {s}, {c}, {d}) is not a symmetry of the activation")
        W[i], b[i] = [a * w for w in W[i]], a * b[i] + s
        for k, row in enumerate(V):
            c_out[k] -= row[i] * d / c
            row[i] /= c
    elif kind == "permute_neurons":
        perm = index_list(step.get("permutation"), len(W), "permutation")  # distinct, in range
        require(len(perm) == len(W), "'permutation' must be a permutation of the layer's neurons")
        W[:], b[:] = [W[p] for p in perm], [b[p] for p in perm]
        V[:] = [[row[p] for p in perm] for row in V]
    elif kind in ("remove_neuron", "zero_dead_neuron"):
        i = neuron_index("neuron")
        require(all(row[i] == 0 for row in V), "the neuron's outgoing weights are not zero")
        if kind == "remove_neuron":
            drop(i)
        else:
            W[i], b[i] = [Fraction(0)] * len(W[i]), Fraction(0)
    elif kind == "merge_neurons":
        i, j = neuron_index("keep"), neuron_index("drop")
        require(i != j and W[i] == W[j] and b[i] == b[j], "the merged neurons are not identical")
        for row in V:
            row[i] += row[j]
        drop(j)
    else:  # fold_constant_neuron: v σ(β) moves into the next bias
        i = neuron_index("neuron")
        require(all(w == 0 for w in W[i]), "the neuron's incoming weights are not zero")
        require(spec[0] == "pl" or b[i] == 0, "σ(β) is not rational for β != 0")  # tanh, logistic
        value = spec[2](b[i]) if spec[0] == "pl" else spec[2]
        for k, row in enumerate(V):
            c_out[k] += row[i] * value
            row[i] = Fraction(0)


def tanh_as_logistic(layers: list) -> None:
    """In place: tanh(z) = 2 logistic(2 z) - 1, so layer 1 doubles; a later layer fed by 2 s - 1
    becomes (2 W, b - W 1), doubled again when hidden."""
    for index, (W, b) in enumerate(layers):
        if index > 0:
            for i, row in enumerate(W):
                b[i] -= sum(row, Fraction(0))
                row[:] = [2 * w for w in row]
        if index < len(layers) - 1:
            for i, row in enumerate(W):
                row[:] = [2 * w for w in row]
                b[i] *= 2


def relu_normal_form(spec: tuple, layers: list) -> tuple:
    """({h: μ_h}, affine rows) of a one-hidden-layer network with one kink at 0 (see the docs)."""
    require(spec[0] == "pl" and spec[1] == (0,) and len(layers) == 2, "relu normal form needs one hidden layer "
            "and a single kink at 0")
    (W, b), (V, c_out) = layers
    left, n = -spec[2](Fraction(-1)), len(W[0])
    jump = spec[2](Fraction(1)) - left
    affine = [[Fraction(0)] * n + [c_out[o]] for o in range(len(V))]
    mu = {}
    for i, row in enumerate(W):
        full = row + [b[i]]
        lead = next((x for x in row if x != 0), None)
        if lead is None:
            for o in range(len(V)):
                affine[o][n] += V[o][i] * spec[2](b[i])
            continue
        h = tuple(x / lead for x in full)
        coeffs = mu.setdefault(h, [Fraction(0)] * len(V))
        for o in range(len(V)):
            coeffs[o] += V[o][i] * jump * abs(lead)
            for j in range(n + 1):
                affine[o][j] += V[o][i] * left * full[j] - (V[o][i] * jump * abs(lead) * h[j] if lead < 0 else 0)
    return {h: tuple(v) for h, v in mu.items() if any(v)}, affine


def outputs(spec: tuple, layers: list, x: list) -> list:
    """arb enclosures of the outputs at x (exact rationals for piecewise-linear σ)."""
    exact = spec[0] == "pl"
    num = (lambda q: q) if exact else (lambda q: flint.arb(flint.fmpq(q.numerator, q.denominator)))
    values = [num(v) for v in x]
    for k, (W, b) in enumerate(layers):
        values = [sum((num(w) * v for w, v in zip(row, values)), num(bi)) for row, bi in zip(W, b)]
        if k < len(layers) - 1:
            values = [spec[2](t) if exact else t.tanh() if spec[1] == (1, 0, -1) else 1 / (1 + (-t).exp())
                      for t in values]
    return [flint.arb(flint.fmpq(v.numerator, v.denominator)) if exact else v for v in values]


def separated(specs: tuple, nets: tuple, x: list, o: int) -> bool:
    """Are the enclosures of output o disjoint at one of the working precisions?"""
    old = flint.ctx.prec
    try:
        for prec in PRECISIONS:
            flint.ctx.prec = prec
            y1, y2 = (outputs(spec, net, x)[o] for spec, net in zip(specs, nets))
            if not y1.overlaps(y2) or specs[0][0] == specs[1][0] == "pl":  # exact: precision cannot help
                return not y1.overlaps(y2)
        return False
    finally:
        flint.ctx.prec = old


@claim_handler("network_equivalence")
def check_network_equivalence(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict):
        raise Malformed("'data' must be an object")
    name1, widths1, net1 = parse_network(data.get("network1"), "network1")
    name2, widths2, net2 = parse_network(data.get("network2"), "network2")
    specs = activation(name1), activation(name2)
    require(claim.get("activations") == [name1, name2], "claim.activations do not match the data")
    require(claim.get("widths") == [widths1, widths2], "claim.widths do not match the data")
    verdict, steps = claim.get("verdict"), steps_of(doc)
    if verdict == "equivalent":
        nets, names, compared = {1: net1, 2: net2}, {1: name1, 2: name2}, False
        for k, kind, step in steps:
            with at_step(k, kind):
                require(not compared, "no step may follow the final comparison")
                which = step.get("network")
                if kind in OPS or kind == "tanh_as_logistic":
                    if which not in (1, 2):
                        raise Malformed("'network' must be 1 or 2")
                    if kind == "tanh_as_logistic":
                        require(names[which] == "tanh", "only a tanh network is rewritten as a logistic one")
                        tanh_as_logistic(nets[which])
                        names[which] = "logistic"
                    else:
                        apply_op(activation(names[which]), nets[which], step)
                elif kind == "same_parameters":
                    require(names[1] == names[2], "the activations differ")
                    require(net1 == net2, "the transformed networks differ")
                    compared = True
                elif kind == "relu_normal_form":
                    require(relu_normal_form(activation(names[1]), net1) == relu_normal_form(activation(names[2]), net2),
                            "the normal forms differ")
                    compared = True
                else:
                    raise Malformed(f"step kind {kind!r} does not belong in an equivalence certificate")
        require(compared, "no final comparison step")
        return f"a {name1} and a {name2} network compute the same function ({len(steps) - 1} operations)"
    if verdict != "not_equivalent":
        raise Malformed("claim.verdict must be 'equivalent' or 'not_equivalent'")
    require(widths1[0] == widths2[0], "the networks have different input sizes")
    require(len(steps) == 1 and steps[0][1] == "separating_point", "expected exactly one 'separating_point' step")
    k, kind, step = steps[0]
    with at_step(k, kind):
        x, o = step.get("x"), integer(step.get("output"), "output")
        if not isinstance(x, list) or len(x) != widths1[0] or set(step) != {"kind", "x", "output"}:
            raise Malformed("a separating point is exactly 'x' (a rational input vector) and 'output'")
        if not 0 <= o < min(widths1[-1], widths2[-1]):
            raise Malformed("output index out of range")
        require(separated(specs, (net1, net2), [rational(v, "x") for v in x], o),
                f"the enclosures of output {o} intersect")
    return f"a {name1} and a {name2} network differ at a rational point (output {o})"
