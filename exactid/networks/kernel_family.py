"""Exact kernel vectors of the Jacobian of a (leaky) ReLU network: the upper bound of funcdim.

Notation.  ``z_{l,i}(s)`` is the pre-activation of neuron i of layer l (1-based; layer L is the
output, no activation) at sample s, ``a_{l-1}(s)`` the outputs of layer l - 1 (``a_0 = x_s``)
and ``g_{l,i}(s) = d f(x_s) / d z_{l,i}`` (a vector of R^k).  The column of J for the incoming
weight ``W_l[i, j]`` is ``g_{l,i}(s) a_{l-1,j}(s)`` stacked over s, for the bias ``b_l[i]`` it
is ``g_{l,i}(s)``.  The chain rule gives ``g_{L,o} = e_o`` and, for a hidden neuron,
``g_{l,i}(s) = sigma_{l,i}(s) sum_m W_{l+1}[m, i] g_{l+1,m}(s)`` with sigma the slope (1 when
z > 0, the leak otherwise; a sample on a kink is refused before).

**Live samples.**  ``S_{L,o}`` is every sample; for a hidden neuron ``S_{l,i}`` is the set of s
with ``sigma_{l,i}(s) != 0`` and ``s in S_{l+1,m}`` for some m with ``W_{l+1}[m, i] != 0``.  By
induction from the output, ``g_{l,i}(s) = 0`` exactly when s is not in ``S_{l,i}`` (a sufficient
condition, decided on exact signs and on which weights are exactly 0; no float is involved).

**Neuron null spaces** (rules ``zero_column``, ``neuron_null_space``).  Let ``A_{l,i}`` be the
matrix with rows ``[a_{l-1}(s), 1]`` for s in ``S_{l,i}`` and ``delta`` a change of the incoming
weights and bias of (l, i) only (output neurons included).  Then
``J delta = (g_{l,i}(s) [a_{l-1}(s), 1] . delta)_s``, which is 0 when ``A_{l,i} delta = 0``:
every vector of the null space of ``A_{l,i}`` (restricted to the free coordinates) is in ker J.
A column of ``A_{l,i}`` that is 0 gives a unit vector (a zero column of J: blank inputs,
neurons off at every sample or without a live path, outgoing weights of such neurons).  The
null space of the other columns is computed exactly: the rows are scaled to integers and
deduplicated, their rank r mod p selects r rows independent over Q (a nonzero minor), the
null space of those rows over Z is computed with flint, and ``A_{l,i} N = 0`` is checked
exactly on every row (when the check fails, the null space of all rows is taken instead).

**Outgoing null spaces** (``outgoing_null_space``): the dual rule, on the weights leaving a set R
of input coordinates of layer l (inputs of the network for l = 1, hidden neurons of layer l - 1
otherwise).  For ``delta`` on the columns ``W_l[:, R]`` only,
``J delta = (G_l(s) sum_{j in R} a_{l-1,j}(s) delta_{:,j})_s`` with ``G_l(s)`` the k x w_l matrix
of the ``g_{l,i}(s)``: delta is in ker J when the matrix with rows ``G_l(s)[o, i] a_{l-1,j}(s)``
(one row per sample s where some ``a_{l-1,j}``, j in R, is nonzero, and output o; one column per
``(i, j)``) maps it to 0.  ``G_l(s)`` depends only on the signs of layers l..L-1 at s (repeated
rows are dropped); it is found exactly as integers, ``G_L = I`` and
``G_l = G_{l+1} W_{l+1} diag(sigma_l)`` with the numerators of the weights and of the slopes (a
positive multiple of the true ``G_l(s)`` per sample, which leaves the null space unchanged).  R
is a single input, or a group of inputs each nonzero at no more than w_l samples, joined when
they share a sample (at most :data:`GROUP_COLUMNS` columns).  The matrix is reduced mod p first
and its exact null space (as above) is computed only when its rank mod p is below its number of
columns; columns already known to be zero are left out.  This catches inputs (rare pixels) or
neurons nonzero on so few samples that the k rows per sample cannot separate the weights
leaving them.

**Trades between neurons of one layer** (``rescaling``, ``shared_pattern``, ``bias_trade``).  For a
hidden neuron (l, i) let ``T_{l,i}`` be the union of the ``S_{l+1,m}`` over the m with
``W_{l+1}[m, i] != 0`` (the samples where its output can matter), and let i2 be a neuron of the
same layer, or the constant input 1 (its "pre-activation" is 1, its slope 1).  Move the incoming
weights and bias of (l, i) by those of i2 (``theta_{i2}``; for the constant, ``e_{b_l[i]}``) and
the weights leaving i2 (for the constant, the biases ``b_{l+1}``) by ``-W_{l+1}[:, i]``:
``v = sum_j theta_{i2}[j] e_{(l,i),j} - sum_m W_{l+1}[m, i] e_{W_{l+1}[m, i2]}``.  Then
``J v = (g_{l,i}(s) z_{i2}(s) - sum_m g_{l+1,m}(s) W_{l+1}[m, i] a_{i2}(s))_s
      = (sum_m g_{l+1,m}(s) W_{l+1}[m, i] (sigma_{l,i}(s) - sigma_{i2}(s)) z_{i2}(s))_s``,
using ``a_{i2} = sigma_{i2} z_{i2}``.  Each term vanishes when ``sigma_{l,i}(s) = sigma_{i2}(s)``
or s is outside ``T_{l,i}`` (then ``g_{l+1,m}(s) = 0``).  So v is in ker J when (l, i) and i2 have
the same signs at every sample of ``T_{l,i}``: always for i2 = i (the rescaling of (l, i), the
tangent of the positive homogeneity), for the constant when (l, i) is active on ``T_{l,i}`` (a
generalization of the neuron active at every sample, ``always_active`` among the directions of
constancy), and for two neurons that switch together wherever it matters.

**The bound.**  Every vector of the family V is an exact kernel vector of J over Q with
rational entries whose denominators are prime to p (those of theta and of the forward pass), so
``rank_p(V mod p) <= rank_Q(V) <= dim ker J`` and ``U = d - rank_p(V) >= rank J``.  rank_p(V)
is computed without stacking V: the unit vectors remove their columns; the null-space vectors
of distinct neurons have disjoint supports (each neuron's incoming coordinates), so their rank
is the sum of the ranks of their blocks; the rescalings and trades are reduced modulo the span
of those blocks (row-reduced echelon form mod p per block) together with the outgoing null
spaces (which cross the blocks), and the rank of the remainder added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

import flint
import numpy as np

from .elimination import rank_profile
from .relu_forward import ExactForward, int_matmul, layer_offsets, matmul_mod, residues

RULES = ("zero_column", "neuron_null_space", "outgoing_null_space", "rescaling", "bias_trade",
         "shared_pattern")


@dataclass
class KernelFamily:
    """The family V of kernel vectors of J (free columns only) and the rank of V mod p."""

    d: int  # the number of free columns of J
    p: int
    rank: int  # rank_p(V): a lower bound on dim ker J
    counts: dict
    vectors: Optional[list] = field(default=None, repr=False)  # (rule, {parameter: Fraction}) if asked

    @property
    def upper_bound(self) -> int:
        return self.d - self.rank


def live_samples(fwd: ExactForward) -> list[np.ndarray]:
    """``S_{l,i}`` as boolean n x w_l matrices for l = 1..L (module docstring), index l - 1."""
    widths, L, n = fwd.widths, len(fwd.widths) - 1, fwd.n
    live = [None] * L
    live[L - 1] = np.ones((n, widths[L]), dtype=bool)
    for l in range(L - 1, 0, -1):  # hidden layer l (1-based)
        nonzero = (np.asarray(fwd.weights[l]) != 0).astype(np.int64)  # w_{l+1} x w_l
        reach = (live[l].astype(np.int64) @ nonzero) > 0  # exact integer counts
        slope_nonzero = fwd.signs[l - 1] > 0 if fwd.slope == 0 else np.ones_like(reach)
        live[l - 1] = reach & slope_nonzero
    return live


def _unique_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct rows, index of each row's distinct row), for int64 or object arrays."""
    if a.dtype != object:
        u, inv = np.unique(a, axis=0, return_inverse=True)
        return u, inv.ravel()
    seen: dict = {}
    inv = np.array([seen.setdefault(tuple(int(v) for v in row), len(seen)) for row in a], dtype=np.int64)
    u = np.empty((len(seen), a.shape[1]), dtype=object)
    for row, t in seen.items():
        u[t] = row
    return u, inv


def _integer_null_space(M: np.ndarray, p: int) -> np.ndarray:
    """A basis (rows, integers) of the null space over Q of the integer matrix M (module docstring)."""
    if M.dtype == object and M.size:  # divide each row by its content: smaller numbers, same null space
        g = np.array([int(np.gcd.reduce(np.abs(row))) or 1 for row in M], dtype=object)
        M = M // g[:, None]
    prof = rank_profile(residues(M, 1, p), p, False)
    if prof.rank == M.shape[1]:
        return np.zeros((0, M.shape[1]), dtype=object)
    for rows in (prof.rows, range(M.shape[0])):
        sub = M[list(rows)]
        X, nullity = flint.fmpz_mat(sub.shape[0], sub.shape[1], [int(v) for v in sub.ravel()]).nullspace()
        N = np.array([[int(X[i, j]) for i in range(X.nrows())] for j in range(nullity)], dtype=object)
        if not N.size or not np.any(int_matmul(M, N.T) != 0):
            for row in N:  # primitive integer vectors
                g = int(np.gcd.reduce(np.abs(row).astype(object)))
                row //= g if g > 1 else 1
            return N.reshape(nullity, M.shape[1])
    raise AssertionError("the null space of all rows is not a null space")  # flint's nullspace is exact


def _rref_mod_p(N: np.ndarray, p: int) -> tuple[np.ndarray, list[int]]:
    """Row-reduced echelon form mod p of the residue matrix N (nonzero rows) and its pivot columns."""
    R, rank = flint.nmod_mat(N.shape[0], N.shape[1], [int(v) for v in N.ravel()], p).rref()
    E = np.array([[int(R[i, j]) for j in range(N.shape[1])] for i in range(rank)], dtype=np.int64)
    pivots = [int(np.flatnonzero(row)[0]) for row in E]
    return E.reshape(rank, N.shape[1]), pivots


def _mod_p(v: Fraction, p: int) -> int:
    return v.numerator * pow(v.denominator, -1, p) % p


def gradients_mod_p(fwd: ExactForward, p: int) -> list[np.ndarray]:
    """``G_l(s) = d f(x_s) / d z_l`` mod p (n x k x w_l) for l = 1..L, index l - 1."""
    L, k = len(fwd.widths) - 1, fwd.k
    ws = [residues(w, dw, p) for w, dw in zip(fwd.weights, fwd.weights_den)]
    G = [None] * L
    G[L - 1] = np.broadcast_to(np.eye(k, dtype=np.int64), (fwd.n, k, k))
    for l in range(L - 1, 0, -1):
        G[l - 1] = matmul_mod(G[l], ws[l], p) * fwd.slope_residues(l, p)[:, None, :] % p
    return G


def gradients_exact(fwd: ExactForward, l: int, samples: np.ndarray) -> np.ndarray:
    """Positive integer multiples ``c_s G_l(s)`` of the gradients of layer l at ``samples`` (m x k x w_l).

    ``G_L = I`` and ``G_l = G_{l+1} W_{l+1} diag(sigma_l)``: the weights are taken as their
    integer numerators and the slopes as 1 -> den, leak -> its numerator (positive scalings of
    each sample's G, which leave its null space unchanged).
    """
    L, k, m = len(fwd.widths) - 1, fwd.k, len(samples)
    G = np.broadcast_to(np.eye(k, dtype=np.int64), (m, k, k)).copy()
    a, c = fwd.slope.numerator, fwd.slope.denominator
    for q in range(L - 1, l - 1, -1):  # hidden layer q (1-based): through W_{q+1} and sigma_q
        W = np.asarray(fwd.weights[q])
        G = int_matmul(G.reshape(m * k, -1), W).reshape(m, k, W.shape[1])
        on = fwd.signs[q - 1][samples] > 0
        sigma = on.astype(np.int64) if a == 0 else np.where(on, c, a).astype(object)
        G = G * sigma[:, None, :]
    return G


#: Most weights (columns) in a group of inputs: a larger group is split into singletons (the exact
#: null space of a group costs about the cube of its size times the length of its numbers).
GROUP_COLUMNS = 512


def _input_groups(nonzero: np.ndarray, fan_out: int) -> list[list[int]]:
    """The inputs of a layer in groups: those nonzero at 1..fan_out samples joined when they share a
    sample (connected components), each other input alone."""
    counts = nonzero.sum(axis=0)
    rare = [j for j in range(nonzero.shape[1]) if 0 < counts[j] <= fan_out]
    parent = {j: j for j in rare}

    def find(j):
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    owner: dict = {}
    for j in rare:
        for s in np.flatnonzero(nonzero[:, j]):
            if s in owner:
                parent[find(j)] = find(owner[s])
            else:
                owner[s] = j
    components: dict = {}
    for j in rare:
        components.setdefault(find(j), []).append(j)
    out = [[j] for j in range(nonzero.shape[1]) if counts[j] > fan_out]
    for group in components.values():
        out += [[j] for j in group] if len(group) * fan_out > GROUP_COLUMNS else [sorted(group)]
    return out


def kernel_family(fwd: ExactForward, p: int, free: Optional[np.ndarray] = None,
                  keep_vectors: bool = False) -> KernelFamily:
    """The family V of exact kernel vectors of J and rank_p(V) (module docstring).

    ``free``: boolean mask over theta (the columns of J are the free parameters); ``p`` must
    divide none of ``fwd.denominators()``.  ``keep_vectors`` returns the vectors themselves (in
    parameter indices over all of theta, exact Fractions), for tests and certificates.

    >>> from exactid.networks.format import Network
    >>> from exactid.networks.relu_forward import exact_forward
    >>> net = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> fam = kernel_family(exact_forward(net, [[1], [2]]), 101)
    >>> fam.upper_bound, fam.counts["zero_column"], fam.counts["neuron_null_space"]
    (2, 3, 0)
    """
    widths, L = fwd.widths, len(fwd.widths) - 1
    offsets = layer_offsets(widths)
    D = offsets[-1][1] + widths[-1]
    free = np.ones(D, dtype=bool) if free is None else np.asarray(free, dtype=bool)
    live = live_samples(fwd)
    counts = dict.fromkeys(RULES, 0)
    vectors: Optional[list] = [] if keep_vectors else None
    zero_column = np.zeros(D, dtype=bool)
    blocks: list[tuple[np.ndarray, np.ndarray]] = []  # (columns, rref of the block's null space mod p)
    rank = 0
    for l in range(1, L + 1):
        num, den = (fwd.samples, fwd.samples_den) if l == 1 else (fwd.post[l - 2], fwd.post_den[l - 2])
        ones = np.full((fwd.n, 1), den, dtype=object if num.dtype == object or den >= 1 << 62 else np.int64)
        rows, inv = _unique_rows(np.hstack([num.astype(ones.dtype), ones]))  # [a_{l-1}(s), 1] * den
        w_off, b_off = offsets[l - 1]
        for i in range(widths[l]):
            cols = np.array([w_off + i * widths[l - 1] + j for j in range(widths[l - 1])] + [b_off + i])
            local = np.flatnonzero(free[cols])
            M = rows[np.unique(inv[live[l - 1][:, i]])][:, local]
            zero = ~np.any(M != 0, axis=0) if M.shape[0] else np.ones(len(local), dtype=bool)
            for c in cols[local[zero]]:
                zero_column[c] = True
                counts["zero_column"] += 1
                if vectors is not None:
                    vectors.append(("zero_column", {int(c): Fraction(1)}))
            rest = local[~zero]
            if not len(rest):
                continue
            N = _integer_null_space(M[:, ~zero], p)
            if not len(N):
                continue
            counts["neuron_null_space"] += len(N)
            if vectors is not None:
                vectors += [("neuron_null_space", {int(cols[c]): Fraction(int(v)) for c, v in zip(rest, row) if v})
                            for row in N]
            E, _ = _rref_mod_p(np.mod(N, p).astype(np.int64), p)
            rank += len(E)
            blocks.append((cols[rest], E))
    # outgoing null spaces, rescalings and bias trades, reduced modulo the span of the blocks
    others: list[dict] = []
    G = gradients_mod_p(fwd, p)
    patterns = np.hstack([np.zeros((fwd.n, 1), dtype=np.int64)] + [(s > 0).astype(np.int64) for s in fwd.signs])
    for l in range(1, L + 1):
        num = fwd.samples if l == 1 else fwd.post[l - 2]
        # G_l(s) depends only on the signs of layers l..L-1 (column 0: so that none is empty)
        _, by_pattern = _unique_rows(patterns[:, [0, *range(1 + sum(widths[1:l]), patterns.shape[1])]])
        nonzero = np.asarray(num != 0)
        for R in _input_groups(nonzero, widths[l]):
            cols = np.array([offsets[l - 1][0] + i * widths[l - 1] + j for i in range(widths[l]) for j in R])
            local = np.flatnonzero(free[cols] & ~zero_column[cols])  # (i, j) in the order i * len(R) + position of j
            act = np.flatnonzero(nonzero[:, R].any(axis=1))
            if not len(local) or not len(act):
                continue
            key = by_pattern[act, None] if len(R) == 1 else np.hstack([by_pattern[act, None], num[act][:, R]])
            _, first = np.unique(_unique_rows(key)[1], return_index=True)
            act = act[first]  # one sample per distinct G_l(s) (and values of the inputs R)
            A = residues(num[act][:, R], 1, p)
            Gp = (G[l - 1][act][:, :, :, None] * A[:, None, None, :] % p).reshape(len(act) * fwd.k, -1)[:, local]
            if rank_profile(Gp, p, False).rank == len(local):
                continue
            Ge, Ae = gradients_exact(fwd, l, act).astype(object), num[act][:, R].astype(object)  # no overflow
            M = (Ge[:, :, :, None] * Ae[:, None, None, :]).reshape(len(act) * fwd.k, -1)
            for row in _integer_null_space(M[:, local], p):
                v = {int(cols[c]): Fraction(int(x)) for c, x in zip(local, row) if x}
                others.append(v)
                counts["outgoing_null_space"] += 1
                if vectors is not None:
                    vectors.append(("outgoing_null_space", v))
    for l in range(1, L):
        W_in, W_out, dw = fwd.weights[l - 1], np.asarray(fwd.weights[l]), fwd.weights_den[l]
        T = (live[l].astype(np.int64) @ (W_out != 0).astype(np.int64)) > 0
        on = fwd.signs[l - 1] > 0
        theta = [{j: Fraction(int(W_in[i, j]), fwd.weights_den[l - 1]) for j in range(widths[l - 1]) if W_in[i, j]}
                 for i in range(widths[l])]  # incoming weights (j < fan_in) and bias (j = fan_in) of (l, i)
        for i in range(widths[l]):
            if fwd.biases[l - 1][i]:
                theta[i][widths[l - 1]] = Fraction(int(fwd.biases[l - 1][i]), fwd.biases_den[l - 1])

        def into(i, j):  # coordinate of the incoming weight j (bias: j = fan_in) of (l, i)
            return offsets[l - 1][1] + i if j == widths[l - 1] else offsets[l - 1][0] + i * widths[l - 1] + j

        for i in range(widths[l]):
            # (rule, i2): i2 = i the rescaling, i2 = None the bias input, else another neuron
            moves = [("rescaling", i)]
            if T[:, i].any():
                same = np.all(on[T[:, i]] == on[T[:, i], i][:, None], axis=0)
                moves += [("shared_pattern", int(i2)) for i2 in np.flatnonzero(same) if i2 != i]
                if on[T[:, i], i].all():
                    moves.append(("bias_trade", None))
            for rule, i2 in moves:
                source = {widths[l - 1]: Fraction(1)} if i2 is None else theta[i2]
                v = {into(i, j): x for j, x in source.items()}
                v.update({(offsets[l][1] + m if i2 is None else offsets[l][0] + m * widths[l] + i2):
                          -Fraction(int(W_out[m, i]), dw) for m in np.flatnonzero(W_out[:, i])})
                if v and all(free[c] for c in v):
                    others.append(v)
                    counts[rule] += 1
                    if vectors is not None:
                        vectors.append((rule, v))
    if others:
        R = np.zeros((len(others), D), dtype=np.int64)
        for row, v in enumerate(others):
            for c, x in v.items():
                R[row, c] = _mod_p(x, p)
        for cols, E in blocks:
            _, pivots = E, [int(np.flatnonzero(e)[0]) for e in E]
            coef = R[:, cols[pivots]]
            R[:, cols] = (R[:, cols] - coef @ E) % p if (p - 1) ** 2 * len(E) < 1 << 62 else \
                np.array((R[:, cols].astype(object) - coef.astype(object) @ E.astype(object)) % p, dtype=np.int64)
        keep = np.flatnonzero(free & ~zero_column)
        rank += rank_profile(R[:, keep], p, False).rank
    rank += int(zero_column.sum())
    return KernelFamily(int(free.sum()), p, rank, counts, vectors)
