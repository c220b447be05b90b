"""Claims about ReLU networks, re-derived from theta and X with the checker's own code.

``relu_local_identifiability`` (parameters layer by layer, W row-major then b; Jacobian rows
(sample, output)): identifiable <= a (d - h)-minor of J nonzero mod p; not identifiable <= an
r-minor of J nonzero mod p and m kernel vectors of the Gram matrix K with r >= k (n - m) and
r < d - h.  ``relu_shallow_box``: one hidden layer on [lo, hi]^n (docs/relu.md).
"""

from __future__ import annotations

from fractions import Fraction
from itertools import accumulate, combinations
from math import lcm

import flint
import numpy as np

from .arith import index_list, integer, is_prime, rational
from .core import at_step, claim_handler, require, steps_of
from .equivalence import activation, relu_normal_form
from .errors import Malformed
from .linear import kernel_vectors, minor_nonzero_mod_p
from .matrices import CMatrix
from .modular import nonsingular_mod_p
from .network import parse_network


def _network(obj) -> tuple[list[int], list, list]:
    """Widths, weights (lists of Fraction rows) and biases of a ReLU network object."""
    name, widths, layers = parse_network(obj)
    if name != "relu":
        raise Malformed("network: the activation must be 'relu'")
    return widths, [W for W, _ in layers], [b for _, b in layers]


def _qmat(rows) -> flint.fmpq_mat:
    return flint.fmpq_mat([[flint.fmpq(x.numerator, x.denominator) for x in r] for r in rows])


def _forward(Ws, bs, X) -> list:
    """Exact pre-activations (fmpq_mat, samples x neurons) of every layer."""
    h, pre, n = _qmat(X), [], len(X)
    for l, (W, b) in enumerate(zip(Ws, bs)):
        z = h * _qmat(W).transpose() + flint.fmpq_mat(n, 1, [1] * n) * _qmat([b])
        pre.append(z)
        h = flint.fmpq_mat(z.nrows(), z.ncols(), [v if v > 0 else 0 * v for v in z.entries()])
    return pre


def _mod(m: flint.fmpq_mat, p: int) -> np.ndarray:
    vals = []
    for q in m.entries():
        require(int(q.q) % p != 0, f"p = {p} divides a denominator of theta or X")
        vals.append(int(q.p) * pow(int(q.q), -1, p) % p)
    return np.array(vals, dtype=np.int64).reshape(m.nrows(), m.ncols())


def _mulmod(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    hi, lo = np.divmod(b, 1 << 16)  # residues < 2^31: every partial sum stays below 2^63
    return ((np.matmul(a, hi) % p) * (1 << 16) + np.matmul(a, lo)) % p


def _jacobian_mod_p(widths, Ws, X, pre, p) -> np.ndarray:
    """J mod p, rows (sample, output), columns in parameter order."""
    n, k, L = len(X), widths[-1], len(Ws)
    offsets = list(accumulate((widths[l + 1] * (widths[l] + 1) for l in range(L)), initial=0))
    pos = offsets[-1]
    masks = [np.array([[1 if v > 0 else 0 for v in z.entries()]], dtype=np.int64).reshape(n, -1) for z in pre[:-1]]
    inputs = [_mod(_qmat(X), p)] + [_mod(z, p) * m for z, m in zip(pre[:-1], masks)]
    J = np.empty((n, k, pos), dtype=np.int64)
    B = np.broadcast_to(np.eye(k, dtype=np.int64), (n, k, k))
    for l in range(L - 1, -1, -1):
        start, mid = offsets[l], offsets[l] + widths[l + 1] * widths[l]
        J[:, :, start:mid] = ((B[:, :, :, None] * inputs[l][:, None, None, :]) % p).reshape(n, k, -1)
        J[:, :, mid:mid + widths[l + 1]] = B
        if l > 0:
            B = _mulmod(B, _mod(_qmat(Ws[l]), p), p) * masks[l - 1][:, None, :]
    return J.reshape(n * k, pos)


def _gram(X, pre) -> CMatrix:
    """K(x, x') = <x,x'> prod_l P_l + sum_l prod_{l'>=l} P_l' + 1 with P_l = <a_l(x), a_l(x')>."""
    n = len(X)
    suffix, bias_part = np.ones((n, n), dtype=object), np.ones((n, n), dtype=object)
    for z in reversed(pre[:-1]):
        a = np.array([1 if v > 0 else 0 for v in z.entries()], dtype=object).reshape(n, -1)
        suffix = suffix * a.dot(a.T)
        bias_part = bias_part + suffix
    den = lcm(1, *(x.denominator for r in X for x in r))
    inner = np.array([[sum(int(x * den) * int(y * den) for x, y in zip(r, s)) for s in X] for r in X], dtype=object)
    num = inner * suffix + bias_part * (den * den)
    return CMatrix(1, [flint.fmpz_mat(n, n, [int(v) for v in num.ravel()])], den * den, n, n)


@claim_handler("relu_local_identifiability")
def check_local(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("samples"), dict):
        raise Malformed("'data' must hold 'network' and 'samples'")
    widths, Ws, bs = _network(data.get("network"))
    X = data["samples"].get("X")
    if not isinstance(X, list) or not X or any(not isinstance(r, list) or len(r) != widths[0] for r in X):
        raise Malformed(f"samples: X must be a non-empty list of rows of length {widths[0]}")
    X = [[rational(v, "X") for v in r] for r in X]
    n, k, h = len(X), widths[-1], sum(widths[1:-1])
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(Ws)))
    verdict = claim.get("verdict")
    require(verdict in ("identifiable", "not_identifiable"), "claim.verdict must be identifiable or not_identifiable")
    require([integer(claim.get(key), key) for key in ("d", "h", "n", "k")] == [d, h, n, k],
            f"claim d, h, n, k differ from the network's {d}, {h}, {n}, {k}")
    for l in range(1, len(Ws)):  # theta outside S
        for i in range(widths[l]):
            require(any(Ws[l][o][i] != 0 for o in range(widths[l + 1])), f"neuron {i} of layer {l}: zero outgoing weights")
            require(any(x != 0 for x in Ws[l - 1][i]) or bs[l - 1][i] != 0, f"neuron {i} of layer {l}: zero incoming")
    pre = _forward(Ws, bs, X)
    for l, z in enumerate(pre[:-1], start=1):  # theta outside Delta_X
        require(all(v != 0 for v in z.entries()), f"a pre-activation of hidden layer {l} is zero at a sample")
    rank_lower, kernel_count = None, None
    for s, kind, step in steps_of(doc):
        with at_step(s, kind):
            if kind == "jacobian_minor_nonzero_mod_p" and rank_lower is None:
                p = integer(step.get("p"), "p")
                require(2 < p < 1 << 31 and is_prime(p), "p must be a prime in (2, 2^31)")
                rows, cols = index_list(step.get("rows"), n * k, "rows"), index_list(step.get("cols"), d, "cols")
                rank_lower = len(rows)
                require(len(cols) == rank_lower, "rows and cols differ in number")
                minor = _jacobian_mod_p(widths, Ws, X, pre, p)[rows][:, cols]
                require(nonsingular_mod_p(minor, p), f"the {rank_lower}x{rank_lower} minor of J vanishes mod {p}")
            elif kind == "gram_kernel_vectors" and kernel_count is None:
                kernel_count = kernel_vectors(_gram(X, pre), step)
            else:
                raise Malformed(f"unexpected step {kind!r}")
    require(rank_lower is not None, "no Jacobian minor step")
    rank = integer(claim.get("rank"), "claim.rank")
    require(rank == rank_lower, f"claim.rank = {rank} but the minor has size {rank_lower}")
    if verdict == "identifiable":
        require(rank_lower == d - h, f"the minor has size {rank_lower}, C_S needs d - h = {d - h}")
        return f"ReLU network {widths} is locally identifiable from {n} samples (rank J = d - h = {d - h})"
    require(kernel_count is not None, "no kernel vectors of K (needed for R_A <= rank J)")
    r_a_bound = k * (n - kernel_count)
    require(rank_lower >= r_a_bound, f"rank J >= {rank_lower} does not reach the bound R_A <= {r_a_bound}")
    require(rank_lower < d - h, f"rank J = {rank_lower} is not below d - h = {d - h}")
    return (f"ReLU network {widths} is not locally identifiable from {n} samples "
            f"(rank J = R_A = {rank_lower} < d - h = {d - h})")


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
