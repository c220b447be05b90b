"""``relu_local_identifiability``: a (leaky) ReLU network and samples X, re-derived from theta and X.

Parameters layer by layer (W row-major, then b), restricted to the free ones when the layers
carry 0/1 masks ``W_mask``/``b_mask``; Jacobian rows (sample, output).  Either one
``constancy_direction`` (a move of a parameter, plus the next biases for always_active, that
keeps f(X) by the rule's facts; a linear form vanishing on every rescaling but not on the move:
not_identifiable), or a ``jacobian_minor_nonzero_mod_p`` (rank J >= r; identifiable when
r = d - h) with, for not_identifiable by C_N, ``gram_kernel_vectors`` (r >= k (n - m) and
r < d - h).  See docs/relu.md.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

import flint
import numpy as np

from .arith import index_list, integer, is_prime, rational
from .core import at_step, claim_handler, require, steps_of
from .errors import Malformed
from .linear import kernel_vectors
from .matrices import CMatrix
from .modular import nonsingular_mod_p
from .network import parse_network

RULES = ("zero_input", "zero_outgoing", "never_active", "always_active")


def slope_of(name) -> Fraction:
    """Leak of ``relu`` (0) or ``leaky_relu:P/Q`` (not 1)."""
    if name == "relu":
        return Fraction(0)
    if isinstance(name, str) and name.startswith("leaky_relu:"):
        slope = rational(name[len("leaky_relu:"):], "leaky relu slope")
        require(slope != 1, "leaky_relu:1 is not a piecewise-linear activation")
        return slope
    raise Malformed(f"network: the activation must be 'relu' or 'leaky_relu:P/Q', got {str(name)[:30]!r}")


def _int(rows) -> tuple[flint.fmpz_mat, int]:
    """Rows of Fractions as (integer matrix, common denominator)."""
    den = lcm(1, *(x.denominator for r in rows for x in r))
    return flint.fmpz_mat([[x.numerator * (den // x.denominator) for x in r] for r in rows]), den


def _residues(m: flint.fmpz_mat, den: int, p: int) -> np.ndarray:
    require(den % p != 0, f"p = {p} divides a denominator of theta or X")
    r = np.array([int(v) for v in flint.nmod_mat(m, p).entries()], dtype=np.int64).reshape(m.nrows(), m.ncols())
    return r * pow(den, -1, p) % p


def _mulmod(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    if (p - 1) ** 2 * b.shape[0] < 1 << 53:  # float64 products of residues stay exact
        return np.fmod(a.astype(np.float64) @ b.astype(np.float64), p).astype(np.int64)
    hi, lo = np.divmod(b, 1 << 16)  # residues < 2^31: every partial sum stays below 2^63
    return ((np.matmul(a, hi) % p) * (1 << 16) + np.matmul(a, lo)) % p


class _Net:
    """theta, X and the exact forward pass in integers: pre[l] / pre_den[l], signs, hidden outputs."""

    def __init__(self, obj, X):
        name, self.widths, layers = parse_network(obj)
        self.slope = slope_of(name)
        self.Ws, self.bs = [W for W, _ in layers], [b for _, b in layers]
        self.L, self.n, self.k = len(layers), len(X), self.widths[-1]
        self.h = sum(self.widths[1:-1])
        self.size = sum(self.widths[l + 1] * (self.widths[l] + 1) for l in range(self.L))
        self.free = self._masks(obj)
        self.d = len(self.free)
        self.X = X
        a, c = self.slope.numerator, self.slope.denominator
        H, dH = _int(X)
        self.inputs = [(H, dH)]  # the input of each layer as (integers, denominator)
        self.signs = []
        ones = flint.fmpz_mat(self.n, 1, [1] * self.n)
        for l in range(self.L - 1):
            Wn, dW = _int(self.Ws[l])
            bn, db = _int([self.bs[l]])
            den = lcm(dH * dW, db)
            Z = H * Wn.transpose() * (den // (dH * dW)) + ones * bn * (den // db)
            values = Z.entries()
            sign = np.array([(v > 0) - (v < 0) for v in values], dtype=np.int8).reshape(self.n, -1)
            self.signs.append(sign)
            H = flint.fmpz_mat(self.n, Z.ncols(), [v * c if v > 0 else v * a for v in values])
            dH = den * c
            self.inputs.append((H, dH))

    def _masks(self, obj) -> set:
        """Free parameter indices: optional per-layer 0/1 masks ``W_mask``, ``b_mask``; fixed entries are 0."""
        free, pos = set(), 0
        for l, layer in enumerate(obj["layers"]):
            out_w, in_w = self.widths[l + 1], self.widths[l]
            wm = layer.get("W_mask", [[1] * in_w for _ in range(out_w)])
            bm = layer.get("b_mask", [1] * out_w)
            require(isinstance(wm, list) and len(wm) == out_w and all(isinstance(r, list) and len(r) == in_w for r in wm)
                    and isinstance(bm, list) and len(bm) == out_w, f"layer {l}: masks of the wrong shape")
            values = [v for r in wm for v in r] + bm
            require(all(type(v) is int and v in (0, 1) for v in values), f"layer {l}: masks must hold 0 or 1")
            params = [x for r in self.Ws[l] for x in r] + list(self.bs[l])
            require(all(v or x == 0 for v, x in zip(values, params)), f"layer {l}: a fixed parameter is not 0")
            free.update(pos + t for t, v in enumerate(values) if v)
            pos += len(values)
        return free

    def offsets(self, l: int) -> tuple[int, int]:
        """(offset of W_{l+1}, offset of b_{l+1}) for 0-based layer l."""
        pos = sum(self.widths[t + 1] * (self.widths[t] + 1) for t in range(l))
        return pos, pos + self.widths[l + 1] * self.widths[l]

    def jacobian_minor(self, rows: list[int], cols: list[int], p: int) -> np.ndarray:
        """The (rows, cols) submatrix of J mod p, computed for those entries only."""
        n, k = self.n, self.k
        xs, os = np.array(rows, dtype=np.int64) // k, np.array(rows, dtype=np.int64) % k
        leak = self.slope.numerator % p * pow(self.slope.denominator, -1, p) % p
        out = np.zeros((len(rows), len(cols)), dtype=np.int64)
        cols = np.array(cols, dtype=np.int64)
        B = np.broadcast_to(np.eye(k, dtype=np.int64), (n, k, k))
        for l in range(self.L - 1, -1, -1):
            w_off, b_off = self.offsets(l)
            end = b_off + self.widths[l + 1]
            g = _residues(*self.inputs[l], p)
            Bx = B[xs, os]  # rows x w_{l+1}
            sel = np.flatnonzero((cols >= w_off) & (cols < b_off))
            if sel.size:
                i, j = np.divmod(cols[sel] - w_off, self.widths[l])
                out[:, sel] = Bx[:, i] * g[xs][:, j] % p
            sel = np.flatnonzero((cols >= b_off) & (cols < end))
            if sel.size:
                out[:, sel] = Bx[:, cols[sel] - b_off]
            if l > 0:
                Wn, dW = _int(self.Ws[l])
                slopes = np.where(self.signs[l - 1] > 0, 1, leak)
                B = _mulmod(B, _residues(Wn, dW, p), p) * slopes[:, None, :] % p
        return out

    def gram(self) -> CMatrix:
        """K(x, x') = <x,x'> prod_l P_l + sum_l prod_{l'>=l} P_l' + 1, P_l = <s_l(x), s_l(x')>, scaled by c^(2H)."""
        a, c = self.slope.numerator, self.slope.denominator
        H = len(self.signs)
        suffix = flint.fmpz_mat(self.n, self.n, [1] * (self.n * self.n))
        bias_part = [c ** (2 * H)] * (self.n * self.n)
        for l in range(H - 1, -1, -1):
            S = flint.fmpz_mat([[c if v > 0 else a for v in row] for row in self.signs[l].tolist()])
            P = (S * S.transpose()).entries()
            suffix = flint.fmpz_mat(self.n, self.n, [u * v for u, v in zip(suffix.entries(), P)])
            bias_part = [u + v * c ** (2 * l) for u, v in zip(bias_part, suffix.entries())]
        Xn, dX = self.inputs[0]
        inner = (Xn * Xn.transpose()).entries()
        num = [u * v + w * dX * dX for u, v, w in zip(inner, suffix.entries(), bias_part)]
        return CMatrix(1, [flint.fmpz_mat(self.n, self.n, num)], dX * dX * c ** (2 * H), self.n, self.n)

    def owners(self, c: int) -> list[tuple[tuple[int, int], int, Fraction]]:
        """The rescaling directions touching parameter c: ((hidden layer from 1, neuron), sign, theta_c)."""
        for l in range(self.L):
            w_off, b_off = self.offsets(l)
            if c < b_off:
                i, j = divmod(c - w_off, self.widths[l])
                out = [((l + 1, i), 1, self.Ws[l][i][j])] if l + 1 < self.L else []
                return out + ([((l, j), -1, self.Ws[l][i][j])] if l >= 1 else [])
            if c < b_off + self.widths[l + 1]:
                i = c - b_off
                return [((l + 1, i), 1, self.bs[l][i])] if l + 1 < self.L else []
        raise Malformed(f"parameter {c} out of range")

    def moves_freely(self, rule: str, layer: int, index: int, c: int) -> dict:
        """The rule's facts hold and it moves parameter c; return the move v (index -> Fraction)."""
        if rule == "zero_input":
            require(layer == 0 and 0 <= index < self.widths[0], "zero_input: index must be an input coordinate")
            require(all(x[index] == 0 for x in self.X), f"input coordinate {index} is not 0 at every sample")
            require(c < self.widths[1] * self.widths[0] and c % self.widths[0] == index,
                    f"parameter {c} is not a first-layer weight of input {index}")
            return {c: Fraction(1)}
        require(1 <= layer < self.L and 0 <= index < self.widths[layer], f"no hidden neuron {index} in layer {layer}")
        w_off, b_off = self.offsets(layer - 1)
        incoming = w_off + index * self.widths[layer - 1]
        require(incoming <= c < incoming + self.widths[layer - 1] or c == b_off + index,
                f"parameter {c} is not an incoming weight or the bias of neuron {index} of layer {layer}")
        signs = self.signs[layer - 1][:, index]
        if rule == "zero_outgoing":
            require(all(row[index] == 0 for row in self.Ws[layer]), f"neuron {index} of layer {layer}: outgoing weight")
        elif rule == "never_active":
            require(self.slope == 0 and bool((signs < 0).all()), f"neuron {index} of layer {layer} is not off (ReLU)")
        else:  # always_active: raise the bias, lower the next biases by the outgoing weights
            require(rule == "always_active" and c == b_off + index and bool((signs > 0).all()),
                    f"neuron {index} of layer {layer}: not its bias, or not on at every sample")
            nxt = self.offsets(layer)[1]
            return {c: Fraction(1), **{nxt + m: -row[index] for m, row in enumerate(self.Ws[layer]) if row[index]}}
        return {c: Fraction(1)}

    def outside_orbit(self, v: dict, step: dict) -> None:
        """The witness u vanishes on every rescaling direction and u . v != 0."""
        require(all(c in self.free for c in v), "the move changes a parameter fixed by the mask")
        witness = step.get("witness")
        if not isinstance(witness, dict):
            raise Malformed("'witness' must be an object with 'indices' and 'values'")
        indices = index_list(witness.get("indices"), self.size, "witness indices")
        values = witness.get("values")
        require(isinstance(values, list) and len(values) == len(indices), "witness values do not match its indices")
        u = {i: rational(v, "witness value") for i, v in zip(indices, values)}
        require(sum(u.get(c, 0) * x for c, x in v.items()) != 0, "the witness vanishes on the move")
        sums: dict = {}
        for i, value in u.items():
            for neuron, sign, theta in self.owners(i):
                sums[neuron] = sums.get(neuron, 0) + sign * theta * value
        require(all(v == 0 for v in sums.values()), "the witness does not vanish on every rescaling direction")


def _samples(data: dict, width: int) -> list:
    X = data["samples"].get("X")
    if not isinstance(X, list) or not X or any(not isinstance(r, list) or len(r) != width for r in X):
        raise Malformed(f"samples: X must be a non-empty list of rows of length {width}")
    return [[rational(v, "X") for v in r] for r in X]


def _outside_s_and_delta(net: _Net) -> None:
    for l in range(1, net.L):
        for i in range(net.widths[l]):
            require(any(row[i] != 0 for row in net.Ws[l]), f"neuron {i} of layer {l}: zero outgoing weights")
            require(any(net.Ws[l - 1][i]) or net.bs[l - 1][i] != 0, f"neuron {i} of layer {l}: zero incoming")
        require(bool((net.signs[l - 1] != 0).all()), f"a pre-activation of hidden layer {l} is zero at a sample")


def _rank_mod_p(minor: np.ndarray, p: int) -> int:
    return minor.shape[0] if not minor.shape[0] or nonsingular_mod_p(minor, p) else -1


@claim_handler("relu_local_identifiability")
def check_local(doc: dict) -> str:
    claim, data = doc["claim"], doc.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("samples"), dict):
        raise Malformed("'data' must hold 'network' and 'samples'")
    obj = data.get("network")
    _, widths, _ = parse_network(obj)
    net = _Net(obj, _samples(data, widths[0]))
    d, h, n, k = net.d, net.h, net.n, net.k
    verdict = claim.get("verdict")
    require(verdict in ("identifiable", "not_identifiable"), "claim.verdict must be identifiable or not_identifiable")
    require([integer(claim.get(key), key) for key in ("d", "h", "n", "k")] == [d, h, n, k],
            f"claim d, h, n, k differ from the network's {d}, {h}, {n}, {k}")
    steps = steps_of(doc)
    if steps and all(kind == "constancy_direction" for _, kind, _ in steps):
        require(verdict == "not_identifiable", "a direction of constancy proves not_identifiable only")
        for s, kind, step in steps:
            with at_step(s, kind):
                c, rule = integer(step.get("parameter"), "parameter"), step.get("rule")
                require(0 <= c < net.size and rule in RULES, "parameter out of range or unknown rule")
                v = net.moves_freely(rule, integer(step.get("layer"), "layer"), integer(step.get("index"), "index"), c)
                net.outside_orbit(v, step)
        return (f"ReLU network {widths} is not locally identifiable from {n} samples "
                f"(a direction of constancy outside the rescaling orbit: {steps[0][2]['rule']})")
    _outside_s_and_delta(net)
    rank_lower, kernel_count = None, None
    for s, kind, step in steps:
        with at_step(s, kind):
            if kind == "jacobian_minor_nonzero_mod_p" and rank_lower is None:
                p = integer(step.get("p"), "p")
                require(2 < p < 1 << 31 and is_prime(p), "p must be a prime in (2, 2^31)")
                rows, cols = index_list(step.get("rows"), n * k, "rows"), index_list(step.get("cols"), net.size, "cols")
                require(all(c in net.free for c in cols), "a column of the minor is a parameter fixed by the mask")
                rank_lower = len(rows)
                require(len(cols) == rank_lower, "rows and cols differ in number")
                require(_rank_mod_p(net.jacobian_minor(rows, cols, p), p) == rank_lower,
                        f"the {rank_lower}x{rank_lower} minor of J vanishes mod {p}")
            elif kind == "gram_kernel_vectors" and kernel_count is None:
                kernel_count = kernel_vectors(net.gram(), step)
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
