"""The kernel family behind funcdim's upper bound: every vector is an exact kernel vector of J
(checked against the per-sample rational Jacobian and SymPy), the bound is never below the
exact rank, and it closes where the rescalings and zero columns alone did not."""

from __future__ import annotations

from fractions import Fraction

import flint
import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from exactid.networks.elimination import usable_prime
from exactid.networks.format import Network
from exactid.networks.funcdim import functional_dimension
from exactid.networks.kernel_family import kernel_family, live_samples
from exactid.networks.relu_forward import exact_forward


def integer_network(widths, seed, activation="relu", dead=0.2, sparse=0.3):
    """Small integer weights (some exactly 0), half-integer biases, some neurons pushed off."""
    rng = np.random.default_rng(seed)
    layers = []
    for l in range(len(widths) - 1):
        W = rng.integers(-3, 4, (widths[l + 1], widths[l])) * (rng.random((widths[l + 1], widths[l])) >= sparse)
        b = [Fraction(int(v), 2) for v in 2 * rng.integers(-3, 3, widths[l + 1]) + 1]
        if l < len(widths) - 2:
            b = [v - 40 if rng.random() < dead else v for v in b]
        layers.append((W.tolist(), b))
    return Network.from_lists(activation, layers)


def sparse_samples(n, width, seed, zeros=0.5):
    rng = np.random.default_rng(seed + 7)
    X = rng.integers(0, 4, (n, width)) * (rng.random((n, width)) >= zeros)
    X[:, 0] = 0 if width > 2 else X[:, 0]  # a blank input coordinate
    return X


def exact_jacobian(net, X) -> flint.fmpq_mat:
    """Brute-force oracle: J over Q by backpropagation in Fractions, one sample at a time (no exactid code)."""
    slope = Fraction(0) if net.activation == "relu" else Fraction(net.activation.split(":")[1])
    W = [[[Fraction(int(w[i, j].p), int(w[i, j].q)) for j in range(w.ncols())] for i in range(w.nrows())]
         for w in net.weights]
    b = [[Fraction(int(v[i, 0].p), int(v[i, 0].q)) for i in range(v.nrows())] for v in net.biases]
    L, rows = len(W), []
    for x in X:
        acts, slopes = [[Fraction(int(v)) for v in x]], []
        for l in range(L):
            z = [sum(W[l][i][j] * acts[-1][j] for j in range(len(acts[-1]))) + b[l][i] for i in range(len(W[l]))]
            if l < L - 1:
                slopes.append([Fraction(1) if t > 0 else slope for t in z])
                z = [t * s for t, s in zip(z, slopes[-1])]
            acts.append(z)
        k = len(W[-1])
        G = [[Fraction(int(o == i)) for i in range(k)] for o in range(k)]  # d out / d z_L
        blocks = []
        for l in range(L - 1, -1, -1):
            a = acts[l]
            blocks.insert(0, [[G[o][i] * a[j] for i in range(len(W[l])) for j in range(len(a))] + G[o]
                              for o in range(k)])
            if l:
                G = [[sum(G[o][m] * W[l][m][i] for m in range(len(W[l]))) * slopes[l - 1][i] for i in range(len(a))]
                     for o in range(k)]
        rows += [[v for blk in blocks for v in blk[o]] for o in range(k)]
    return flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in r] for r in rows])


def check_family(net, X, free=None):
    fwd = exact_forward(net, X)
    if fwd.kinks:
        return None
    J = exact_jacobian(net, X)
    columns = np.arange(J.ncols()) if free is None else np.flatnonzero(free)
    Jf = flint.fmpq_mat([[J[i, int(c)] for c in columns] for i in range(J.nrows())])
    fam = kernel_family(fwd, usable_prime(fwd.denominators()), free, keep_vectors=True)
    for rule, v in fam.vectors:
        assert all(free is None or free[c] for c in v), rule
        w = flint.fmpq_mat(J.ncols(), 1, [flint.fmpq(v[c].numerator, v[c].denominator) if c in v else 0
                                          for c in range(J.ncols())])
        assert all(e == 0 for e in (J * w).entries()), (rule, v)
    rank = Jf.rank()
    assert fam.d == len(columns) and fam.upper_bound >= rank
    # rank_p(V) never exceeds the exact rank of V over Q
    V = flint.fmpq_mat(len(fam.vectors), J.ncols(), [flint.fmpq(v.get(c, 0).numerator, v.get(c, 0).denominator)
                                                      for _, v in fam.vectors for c in range(J.ncols())])
    assert fam.rank <= (V.rank() if fam.vectors else 0)
    return fam, rank


@pytest.mark.parametrize("activation", ["relu", "leaky_relu:1/10"])
@pytest.mark.parametrize("widths", [[3, 4, 2], [4, 3, 3, 2], [3, 2, 4, 2, 1]])
def test_family_is_in_the_kernel_and_bound_is_sound(widths, activation):
    seen, counts = 0, dict.fromkeys(["neuron_null_space", "outgoing_null_space", "bias_trade", "shared_pattern"], 0)
    for seed in range(25):
        net = integer_network(widths, seed, activation)
        out = check_family(net, sparse_samples(1 + seed % 9, widths[0], seed))
        seen += out is not None
        for rule in counts:
            counts[rule] += out[0].counts[rule] if out else 0
    assert seen >= 10 and all(counts.values()), counts  # every rule is exercised


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(2, 3), st.integers(1, 12),
       st.integers(0, 10**6), st.sampled_from(["relu", "leaky_relu:1/3"]), st.floats(0, 0.7), st.floats(0, 0.6))
def test_family_hypothesis(hidden, n_in, n, seed, activation, sparse, dead):
    widths = [n_in, *hidden, 2]
    net = integer_network(widths, seed, activation, dead=dead, sparse=sparse)
    out = check_family(net, sparse_samples(n, n_in, seed))
    assume(out is not None)


def test_family_on_a_masked_network():
    from exactid.networks.format import network_from_json
    for seed in range(6):
        obj = integer_network([3, 4, 2], seed, sparse=0).to_json()
        mask = [[1, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 1]]
        obj["layers"][0]["W"] = [[w if m else 0 for w, m in zip(r, mr)] for r, mr in zip(obj["layers"][0]["W"], mask)]
        obj["layers"][0]["W_mask"] = mask
        del obj["layers"][0]["b"]
        net = network_from_json(obj)
        check_family(net, sparse_samples(3 + seed, 3, seed, zeros=0.2), net.free_parameters())


def test_family_vectors_against_sympy():
    from test_relu_pipeline import sympy_jacobian
    net = integer_network([3, 3, 2], 4, "leaky_relu:1/3")
    X = sparse_samples(3, 3, 4)
    fam, rank = check_family(net, X)
    J = sympy_jacobian(net, [[Fraction(int(v)) for v in row] for row in X])
    assert J.rank() == rank
    for _, v in fam.vectors:
        assert J * sympy.Matrix([sympy.Rational(v.get(c, 0).numerator, v.get(c, 0).denominator)
                                 for c in range(J.shape[1])]) == sympy.zeros(J.shape[0], 1)


def test_live_samples_follow_the_paths():
    # neuron 0 of layer 1 only feeds neuron 0 of layer 2, which is off at every sample: no live path
    net = Network.from_lists("relu", [([[1, 0], [0, 1]], [1, 1]), ([[1, 0], [0, 1]], [-100, 1]), ([[1, 1]], [0])])
    live = live_samples(exact_forward(net, [[1, 2], [3, 4]]))
    assert live[0].tolist() == [[False, True], [False, True]]
    assert live[1].tolist() == [[False, True], [False, True]] and live[2].all()


def test_bound_closes_where_rescalings_did_not():
    # 2-3-1 network, 14 samples; neuron 0 is active on 3 samples, only 2 of them distinct: its
    # incoming weights and bias (3 coordinates) are not determined by the data
    net = Network.from_lists("relu", [([[1, 1], [1, -1], [-1, -1]], ["-9/2", "1/2", "5/2"]), ([[1, 2, 3]], [1])])
    X = [[3, 1], [0, -2], [-2, -4], [-4, -4], [-3, 3], [1, 4], [0, 1], [4, 2], [1, 0], [1, 4], [-2, 3], [2, -4],
         [-1, 3], [0, -4]]
    fwd = exact_forward(net, X)
    assert not fwd.kinks and not fwd.never_positive() and not fwd.always_positive()
    exact = exact_jacobian(net, np.array(X)).rank()
    d, h = net.num_parameters, net.num_hidden
    assert exact < d - h  # the former bound (no zero column: d - h) does not meet
    fam = kernel_family(fwd, usable_prime(fwd.denominators()))
    assert fam.upper_bound == exact and fam.counts["neuron_null_space"] > 0
    fd = functional_dimension(net, X)
    assert fd.status == "exact" and fd.rank == exact and fd.upper_bound_reason.startswith("kernel vectors")


def test_bias_trade_of_a_neuron_active_wherever_it_matters():
    # neuron 0 of layer 1 is off at sample 1, but there its only successor (neuron 0 of layer 2) is off
    net = Network.from_lists("relu", [([[1], [1]], [0, 5]), ([[1, 0], [0, 1]], ["-1/2", 0]), ([[1, 1]], [0])])
    X = [[2], [-1], [3], [4]]
    fwd = exact_forward(net, X)
    assert (1, 0) not in fwd.always_positive()
    fam, _ = check_family(net, np.array(X))
    assert fam.counts["bias_trade"] >= 1


def test_outgoing_null_space_of_a_rare_input():
    # input 1 is nonzero at one sample only: 1 output row there cannot separate the 4 weights
    # leaving it (the first hidden layer is 4 wide), so 3 of their combinations are in ker J
    net = Network.from_lists("leaky_relu:1/5", [([[1, 2], [-3, 2], [2, 1], [1, -1]], ["1/2", "-1/2", "3/2", "1/3"]),
                                                ([[3, 1, 1, 2]], [0])])
    X = np.array([[1, 0], [2, 0], [-1, 0], [3, 0], [1, 2], [-2, 0], [0, 0], [4, 0]])
    fam, rank = check_family(net, X)
    out = [v for rule, v in fam.vectors if rule == "outgoing_null_space"]
    assert sum(set(v) <= {1, 3, 5, 7} for v in out) == 3  # on W1[:, 1]
    # (and one on W1[:, 0]: neurons 0 and 2 have the same signs at every sample, and k = 1)


def test_shared_pattern_trade_closes_the_bound():
    # neurons 0 and 1 of the hidden layer are on at every sample: each can take over the other's
    # incoming weights (and neuron 2 switches), so the rank is below d - h and the shared
    # pattern trades (with the bias trades and rescalings) account for all of the kernel
    net = Network.from_lists("relu", [([[1, 2], [2, -1], [1, -1]], [20, 20, "1/2"]), ([[1, 2, 3], [2, -1, 1]], [0, 1])])
    X = np.array([[1, 2], [3, -1], [-2, 1], [0, 3], [2, 2], [-1, -3], [4, 1], [1, -2], [-3, 2], [2, -1]])
    fam, rank = check_family(net, X)
    assert fam.counts["shared_pattern"] == 2 and fam.counts["bias_trade"] == 2
    assert rank < net.num_parameters - net.num_hidden and fam.upper_bound == rank
    fd = functional_dimension(net, X)
    assert fd.status == "exact" and fd.rank == rank and fd.upper_bound_reason.startswith("kernel vectors")


def test_outgoing_null_space_of_a_group_of_rare_inputs():
    # inputs 1 and 2 are nonzero at 2 samples each, one of them shared: the weights leaving them
    # have 2 and 3 kernel vectors apart, 6 together (a combination across the two inputs)
    net = Network.from_lists("relu", [([[2, -3, -2], [-2, -2, 2], [3, 1, -3], [-3, -1, 0]],
                                       ["1/2", "-1/2", "3/2", "1/3"]), ([[1, 0, -2, -2]], [0])])
    X = np.array([[1, 1, 0], [2, 0, 0], [-1, 2, 1], [3, 0, 0], [1, 0, 2], [-2, 0, 0], [0, 0, 0], [4, 0, 0],
                  [1, 0, 0], [-3, 0, 0]])
    fam, rank = check_family(net, X)
    group = {1, 4, 7, 10, 2, 5, 8, 11}  # W1[:, 1] and W1[:, 2]
    units = [c for rule, v in fam.vectors if rule == "zero_column" for c in v if c in group]
    out = [v for rule, v in fam.vectors if rule == "outgoing_null_space" and set(v) <= group]
    assert len(units) + len(out) == 6 and any(set(v) & {1, 4, 7, 10} and set(v) & {2, 5, 8, 11} for v in out)
