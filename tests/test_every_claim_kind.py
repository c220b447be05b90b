"""Guard: every claim kind the checker knows has a generator strategy here, and every
certificate the generators write for random small instances is accepted by the checker.

To cover a new claim kind, add ONE entry to :data:`STRATEGIES`: a Hypothesis strategy that
draws a small random instance, runs the public generator on it and yields the certificate
(``None`` when the generator answers ``undecided`` and writes nothing).  The test fails for a
registered claim kind without an entry, and for a strategy that rarely writes a certificate
(Hypothesis' health check on filtered examples).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exactid.checker import CLAIMS, check_bytes
from exactid.errors import CertificationError
from exactid.io.files import dumps_canonical

SMALL = st.integers(0, 2**32 - 1)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _field(conductor: int):
    from exactid.domains import QQ, CyclotomicField

    return QQ if conductor == 1 else CyclotomicField(conductor)


def _entries(rng, field, shape, lo=-3, hi=3):
    """Random entries: rationals, or coefficient lists in the power basis."""
    if field.degree == 1:
        return [[int(rng.integers(lo, hi + 1)) for _ in range(shape[1])] for _ in range(shape[0])]
    return [[[int(rng.integers(lo, hi + 1)) for _ in range(field.degree)] for _ in range(shape[1])]
            for _ in range(shape[0])]


@st.composite
def rank_certificates(draw):
    from exactid.certify.rank import rank_certificate
    from exactid.domains import ExactMatrix

    field = _field(draw(st.sampled_from([1, 2, 3, 4, 5, 8, 12])))
    m, n, r = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    rng = _rng(draw(SMALL))
    A = ExactMatrix.from_rows(_entries(rng, field, (m, r)), field)
    B = ExactMatrix.from_rows(_entries(rng, field, (r, n)), field)
    return rank_certificate(A @ B)[0]


@st.composite
def _random_cover_product(draw):
    """Z = X Y with X k-sparse by column, Y k'-sparse by row on random disjoint blocks (tight count),
    or a random matrix with nonzero entries (often no factorization); over Q or Q(zeta_n)."""
    from exactid.domains import ExactMatrix

    conductor = draw(st.sampled_from([1, 1, 3, 4]))
    field = _field(conductor)
    a, b = draw(st.integers(1, 3)), draw(st.integers(1, 3))  # row groups, column groups
    k, kp = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    m, n, r = a * k, b * kp, a * b
    rng = _rng(draw(SMALL))
    if draw(st.booleans()):
        rows, cols = rng.permutation(m), rng.permutation(n)
        X = [[0] * r for _ in range(m)] if field.degree == 1 else [[[0] * field.degree for _ in range(r)] for _ in range(m)]
        Y = [[0] * n for _ in range(r)] if field.degree == 1 else [[[0] * field.degree for _ in range(n)] for _ in range(r)]
        t, drop = 0, draw(st.sampled_from([0.0, 0.0, 0.3]))  # dropped blocks leave zeros in Z
        for g in range(a):
            for h in range(b):
                if t and rng.random() < drop:
                    continue
                for i in rows[g * k:(g + 1) * k]:
                    X[i][t] = _nonzero(rng, field)
                for j in cols[h * kp:(h + 1) * kp]:
                    Y[t][j] = _nonzero(rng, field)
                t += 1
        Z = ExactMatrix.from_rows(X, field)[:, list(range(t))] @ ExactMatrix.from_rows(Y, field)[list(range(t)), :]
        r = t
    else:
        Z = ExactMatrix.from_rows([[_nonzero(rng, field) for _ in range(n)] for _ in range(m)], field)
    return Z, r, k, kp


def _nonzero(rng, field):
    while True:
        x = _entries(rng, field, (1, 1))[0][0]
        if x != 0 and x != [0] * field.degree:
            return x


@st.composite
def two_layer_family_certificates(draw):
    from exactid.certify.twolayer import family_certificate, named_family_certificate
    from exactid.factorization.rootsums import RootSumMatrix
    from exactid.supports import SparsityFamily

    if draw(st.booleans()):
        name = draw(st.sampled_from(["dft", "dct2", "dst2", "dct4", "hadamard"]))
        N = draw(st.sampled_from([2, 4]) if name == "hadamard" else st.integers(2, 6))
        k, kp = draw(st.integers(1, N)), draw(st.integers(1, N))
        r = draw(st.sampled_from([None, max(1, N * N // (k * kp) - 1)]))
        return named_family_certificate(name, N, k, kp, r)[0]
    Z, r, k, kp = draw(_random_cover_product())
    m, n = Z.shape
    return family_certificate(RootSumMatrix.from_exact(Z), SparsityFamily(m, n, r, k, kp), data=Z)[0]


@st.composite
def two_layer_fixed_certificates(draw):
    from exactid.certify.twolayer import fixed_certificate
    from exactid.domains import ExactMatrix

    field = _field(draw(st.sampled_from([1, 1, 2, 3, 8])))
    m, r, n = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    rng = _rng(draw(SMALL))
    density = draw(st.sampled_from([0.4, 0.7, 1.0]))

    def sparse(shape):
        rows = _entries(rng, field, shape, -2, 2)
        zero = 0 if field.degree == 1 else [0] * field.degree
        return [[x if rng.random() < density else zero for x in row] for row in rows]

    X, Y = ExactMatrix.from_rows(sparse((m, r)), field), ExactMatrix.from_rows(sparse((r, n)), field)
    return fixed_certificate(X, Y)[0]


@st.composite
def two_layer_supports_certificates(draw):
    """A product of random sparse factors, perturbed at one entry, with its factors' supports
    (no factorization, or identifiable through the fixed-support kind)."""
    from exactid.certify.twolayer import given_supports_certificate
    from exactid.domains import ExactMatrix

    field = _field(draw(st.sampled_from([1, 1, 3, 4])))
    m, r, n = draw(st.integers(1, 4)), draw(st.integers(1, 2)), draw(st.integers(1, 4))
    rng = _rng(draw(SMALL))
    zero = 0 if field.degree == 1 else [0] * field.degree
    X = [[_nonzero(rng, field) if rng.random() < 0.7 else zero for _ in range(r)] for _ in range(m)]
    Y = [[_nonzero(rng, field) if rng.random() < 0.7 else zero for _ in range(n)] for _ in range(r)]
    Xm, Ym = ExactMatrix.from_rows(X, field), ExactMatrix.from_rows(Y, field)
    Z = (Xm @ Ym).tolist()
    if draw(st.sampled_from([True, True, True, False])):
        a, b = draw(st.integers(0, m - 1)), draw(st.integers(0, n - 1))
        Z[a][b] = Z[a][b] + 1
    SX = np.array([[x != zero for x in row] for row in X])
    SY = np.array([[y != zero for y in row] for row in Y])
    return given_supports_certificate(ExactMatrix.from_rows(Z, field), SX, SY)[0]


@st.composite
def butterfly_unique_certificates(draw):
    from exactid.certify.butterfly import certify_matrix, certify_named, random_butterfly
    from exactid.domains import QQ, ExactMatrix

    L = draw(st.integers(1, 4))
    tree = draw(st.sampled_from(["balanced", "left", "right"]))
    kind = draw(st.sampled_from(["dft", "hadamard", "random", "permuted", "cyclotomic"]))
    if kind == "cyclotomic":
        Z, perm = _random_butterfly_product(draw)
        return certify_matrix(Z, perm, tree)[0]
    if kind != "permuted":
        return certify_named(kind, 1 << L, tree, seed=draw(st.integers(0, 10**6)))[0]
    _, M = random_butterfly(1 << L, draw(st.integers(0, 10**6)))
    perm = _rng(draw(SMALL)).permutation(1 << L)
    Z = [[None] * (1 << L) for _ in range(1 << L)]
    for i in range(1 << L):
        for j in range(1 << L):
            Z[i][int(perm[j])] = M.entry(i, j)
    return certify_matrix(ExactMatrix.from_rows(Z, QQ), [int(p) for p in perm], tree)[0]


def _random_butterfly_product(draw, zero_column: bool = False):
    """Random butterfly factors over Q or Q(zeta_c) (optionally one zero column in a factor
    X_l, l < L), their product as an ExactMatrix, and a random column permutation applied."""
    import flint

    from exactid.domains import ExactMatrix
    from exactid.factorization.butterfly import product_compact, to_compact, to_dense

    L = draw(st.integers(2 if zero_column else 1, 3))
    N = 1 << L
    field = _field(draw(st.sampled_from([1, 3, 4, 8])))
    rng = _rng(draw(SMALL))

    def value():
        x = _nonzero(rng, field)
        return flint.fmpq(x) if field.degree == 1 else field.convert(x)

    factors = []
    for _ in range(L):
        f = np.empty((N, 2), dtype=object)
        for idx in np.ndindex(N, 2):
            f[idx] = value()
        factors.append(f)
    if zero_column:
        level = draw(st.integers(1, L - 1))
        dense = to_dense(factors[level - 1], L, level, level, factors[0][0, 0] * 0)
        dense[:, draw(st.integers(0, N - 1))] = factors[0][0, 0] * 0
        factors[level - 1] = to_compact(dense, L, level, level)
    M = product_compact(factors, L)
    perm = [int(p) for p in rng.permutation(N)] if draw(st.booleans()) else None
    Z = np.empty((N, N), dtype=object)
    for j in range(N):
        Z[:, perm[j] if perm else j] = M[:, j]
    return ExactMatrix.from_rows(Z.tolist(), field), perm


@st.composite
def butterfly_not_identifiable_certificates(draw):
    from exactid.certify.butterfly import certify_matrix

    Z, perm = _random_butterfly_product(draw, zero_column=True)
    return certify_matrix(Z, perm, draw(st.sampled_from(["balanced", "left", "right"])))[0]


@st.composite
def butterfly_no_factorization_certificates(draw):
    from exactid.certify.butterfly import certify_matrix
    from exactid.domains import QQ, ExactMatrix

    N = 1 << draw(st.integers(2, 3))
    rng = _rng(draw(SMALL))
    Z = ExactMatrix.from_rows(_entries(rng, QQ, (N, N), -4, 4), QQ)
    perm = draw(st.sampled_from([None, "bitrev", "identity", "random"]))
    if perm == "random":
        perm = [int(p) for p in rng.permutation(N)]
    cert, _ = certify_matrix(Z, perm, draw(st.sampled_from(["balanced", "left"])))
    return cert


#: Activations whose equivalence certificates are exercised (add others once they certify).
EQUIVALENCE_ACTIVATIONS = ["tanh", "logistic", "relu", "leaky_relu", "leaky_relu:0.1", "leaky_relu:1/100"]


@st.composite
def network_equivalence_certificates(draw):
    from exactid.certify.equivalence import equivalence_certificate
    from exactid.networks.actions import random_orbit_member
    from exactid.networks.format import network_from_json, random_rational_network

    act = draw(st.sampled_from(EQUIVALENCE_ACTIVATIONS))
    widths = draw(st.sampled_from([[1, 2, 1], [2, 2, 1], [2, 3, 2], [1, 2, 2, 1]]))
    seed = draw(st.integers(0, 10**6))
    net = random_rational_network(act, widths, seed)
    if draw(st.booleans()):
        other, _ = random_orbit_member(net, random.Random(seed))
    else:
        js = net.to_json()
        js["layers"][-1]["b"][0] = str(draw(st.integers(-5, 5))) + "/7"
        other = network_from_json(js)
    return equivalence_certificate(net, other)


def _relu_network(draw, widths):
    """Weights in +-1..3 (zero too, when drawn), biases in [-3/2, 3/2]."""
    from exactid.networks.format import Network

    rng = _rng(draw(SMALL))
    low = draw(st.sampled_from([-3, 1]))  # 1: nonzero weights only
    weight = lambda: int(rng.integers(1, 4)) * (int(rng.choice([-1, 1])) if low == 1 else 1) if low == 1 \
        else int(rng.integers(-3, 4))
    layers = [([[weight() for _ in range(widths[k])] for _ in range(widths[k + 1])],
               [f"{int(rng.integers(-3, 4))}/{int(rng.integers(1, 3))}" for _ in range(widths[k + 1])])
              for k in range(len(widths) - 1)]
    return Network.from_lists("relu", layers), rng


@st.composite
def relu_local_certificates(draw):
    from exactid.certify.relu import local_certificate

    widths = draw(st.sampled_from([[1, 2, 1], [2, 2, 1], [2, 3, 1], [2, 2, 2, 1]]))
    net, rng = _relu_network(draw, widths)
    samples = [[f"{int(rng.integers(-9, 10))}/{int(rng.integers(1, 4))}" for _ in range(widths[0])]
               for _ in range(draw(st.integers(8, 40)))]
    from exactid.networks.relu_forward import KinkError

    try:
        return local_certificate(net, samples)[0]
    except (CertificationError, KinkError):  # undecided, or a sample on a kink (refused): nothing written
        return None


@st.composite
def relu_shallow_certificates(draw):
    from exactid.certify.relu import shallow_certificate

    widths = draw(st.sampled_from([[1, 1, 1], [1, 2, 1], [1, 3, 1], [2, 2, 1], [2, 3, 2]]))
    net, _ = _relu_network(draw, widths)
    lo = draw(st.integers(-3, 1))
    try:
        return shallow_certificate(net, lo, lo + draw(st.integers(1, 4)))[0]
    except CertificationError:
        return None

#: Small architectures for the Kronecker-sparse strategies (classes of size 1, and of size 2).
KRONECKER_ARCHS = ["monarch:2x2", "monarch:2x3", "radix:2,3", "radix:2^3", "1,3,2,1;1,2,3,1", "1,2,2,2;2,2,2,1"]


@st.composite
def kronecker_unique_certificates(draw):
    from exactid.certify.kronecker import certify_named

    if draw(st.booleans()):
        return certify_named("dft", draw(st.sampled_from(["radix:2,3", "radix:3^2", "radix:2,2,3"])),
                             draw(st.sampled_from(["balanced", "left", "right"])))[0]
    return certify_named("random", draw(st.sampled_from(KRONECKER_ARCHS)), "balanced", seed=draw(SMALL))[0]


@st.composite
def kronecker_no_factorization_certificates(draw):
    from exactid.certify.kronecker import certify_matrix
    from exactid.domains import QQ, ExactMatrix
    from exactid.factorization.kronecker import parse_architecture

    arch = parse_architecture(draw(st.sampled_from(KRONECKER_ARCHS)))
    Z = ExactMatrix.from_rows(_entries(_rng(draw(SMALL)), QQ, arch.shape, -4, 4), QQ)
    return certify_matrix(Z, arch)[0]


@st.composite
def kronecker_not_identifiable_certificates(draw):
    import flint

    from exactid.certify.kronecker import certify_matrix, planted_product, random_factors
    from exactid.factorization.kronecker import parse_architecture

    # classes of size 1 (different_zeros) and of size 2 (class_rank: a class of rank 1 < 2)
    arch = parse_architecture(draw(st.sampled_from(["monarch:2x2", "monarch:2x3", "radix:2^3", "1,3,2,1;1,2,3,1",
                                                    "1,2,2,2;1,2,2,2", "1,4,2,1;1,2,2,1;1,2,4,1"])))
    factors = random_factors(arch, draw(SMALL))
    a, b, c, d = arch.patterns[0].as_tuple()
    k = draw(st.integers(0, a * c * d - 1))  # a zero column of X_1: a rank-deficient class block
    factors[0][k // (c * d), :, (k // d) % c, k % d] = flint.fmpq(0)
    return certify_matrix(planted_product(factors, arch), arch)[0]


#: claim kind -> strategy of certificates (None: the generator wrote nothing).
STRATEGIES = {
    "rank": rank_certificates(),
    "two_layer_family": two_layer_family_certificates(),
    "two_layer_fixed": two_layer_fixed_certificates(),
    "two_layer_supports": two_layer_supports_certificates(),
    "butterfly_unique": butterfly_unique_certificates(),
    "butterfly_no_factorization": butterfly_no_factorization_certificates(),
    "butterfly_not_identifiable": butterfly_not_identifiable_certificates(),
    "network_equivalence": network_equivalence_certificates(),
    "relu_local_identifiability": relu_local_certificates(),
    "relu_shallow_box": relu_shallow_certificates(),
    "kronecker_unique": kronecker_unique_certificates(),
    "kronecker_no_factorization": kronecker_no_factorization_certificates(),
    "kronecker_not_identifiable": kronecker_not_identifiable_certificates(),
}


def test_every_claim_kind_has_a_strategy():
    missing = sorted(set(CLAIMS) - set(STRATEGIES))
    assert not missing, f"claim kinds without a generator strategy in {__name__}.STRATEGIES: {missing}"
    assert not set(STRATEGIES) - set(CLAIMS), "strategies for claim kinds the checker does not know"


@pytest.mark.parametrize("kind", sorted(STRATEGIES))
def test_every_written_certificate_checks(kind):
    seen = set()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(cert=STRATEGIES[kind])
    def run(cert):
        assume(cert is not None)
        # the strategy may write certificates of a sibling kind (e.g. a no-factorization
        # answer); each is checked all the same, through the bytes `exactid check` reads
        outcome = check_bytes(dumps_canonical(cert), f"<{kind}>")
        assert outcome.status == "valid", (cert["claim"], outcome.line())
        seen.add(cert["claim"]["kind"])

    run()
    assert kind in seen, f"the strategy for {kind} wrote no certificate of that kind"
