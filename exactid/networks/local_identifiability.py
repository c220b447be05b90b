"""Local identifiability of a (leaky) ReLU network from a finite sample set.

The pipeline, in one line: model -> exact forward pass -> J mod p -> elimination -> verdict
(the certificate is written from the report by :mod:`exactid.certify.relu`)::

    fwd = exact_forward(net, X)                  # integer arithmetic, exact signs
    constancy_directions(fwd)                    # settles not_identifiable without J
    J = jacobian_mod_p(fwd, p)                   # numpy, residues only
    rank_profile(J, p)                           # rank r and a nonzero r-minor

With d free parameters, h hidden neurons and J = d f_theta(X) / d theta ((n k) x d):

1. **A direction of constancy** outside the rescaling orbit (:mod:`exactid.networks.constancy`:
   an input coordinate zero at every sample, a neuron with zero outgoing weights, a ReLU
   neuron off at every sample) => ``not_identifiable``.
2. A sample on a kink (a hidden pre-activation exactly 0): J does not exist there; the
   analysis refuses with the sample and the neuron (:class:`KinkError`).
3. Otherwise every hidden neuron has a nonzero incoming weight or bias, the h rescaling
   directions are independent kernel vectors of J, and rank J <= d - h; also rank J <= R_A
   = k rank K (K the Gram matrix of the path activations, slopes included).

   - **C_S**: rank J = d - h  =>  ``identifiable`` (a nonzero (d - h)-minor mod p);
   - **C_N fails**: rank J = R_A < d - h  =>  ``not_identifiable`` (near theta the activation
     patterns are fixed, f(X) = A Phi(theta), rank J is constant = rank A, so the fibre of
     theta -> f_theta(X) is a manifold of dimension d - rank J > h, larger than the orbit);
   - otherwise ``undecided``.

Masked networks (fixed zero weights, no biases: :meth:`Network.free_parameters`) are analyzed
in their free parameters only: d counts the free ones, J has their columns, and the rescaling
count h is unchanged (each rescaling direction lives on nonzero, hence free, coordinates).

Ranks of J are computed modulo a prime p below ``PRIME_MAX`` dividing no denominator
(rank mod p <= rank over Q; a nonzero minor mod p is the certificate of the lower bound);
R_A is computed exactly with a verified kernel of K.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Optional

import flint
import numpy as np

from ..domains.matrix import ExactMatrix
from ..domains.rationals import QQ
from ..errors import CertificationError
from ..linalg.rank import RankResult, certified_rank
from ..resources import ensure_fits
from .constancy import Constancy, constancy_directions
from .elimination import RankProfile, rank_profile, usable_prime
from .format import Network
from .relu_forward import ExactForward, KinkError, exact_forward, int_matmul, jacobian_bytes, jacobian_mod_p

#: Undecided reports settle the exact rank of J (certified_rank over Q) up to this many entries.
EXACT_RANK_ENTRIES = 200_000


@dataclass
class JacobianMinor:
    """Rows and columns of a nonzero r x r minor of J modulo p."""

    p: int
    rows: list[int]
    cols: list[int]

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclass
class LocalReport:
    """Outcome of :func:`analyze`; ``verdict`` is identifiable | not_identifiable | undecided."""

    verdict: str
    reason: str
    d: int
    h: int
    n: int
    k: int
    rank: Optional[int] = None  # certified lower bound of rank J (a minor mod p); exact when decided by rank
    rank_certified: str = "lower_bound"  # "exact" when rank J = rank is proved
    r_a: Optional[int] = None  # k * rank K (exact when computed)
    minor: Optional[JacobianMinor] = None
    gram_rank: Optional[RankResult] = None
    constancy: list[Constancy] = field(default_factory=list)
    never_active: list = field(default_factory=list)
    always_active: list = field(default_factory=list)
    kinks: list = field(default_factory=list)
    activation: str = "relu"
    seconds: dict = field(default_factory=dict)

    @property
    def d_minus_h(self) -> int:
        return self.d - self.h

    @property
    def enough_rows(self) -> bool:
        return self.n * self.k >= self.d - self.h

    def as_dict(self) -> dict:
        return {"verdict": self.verdict, "reason": self.reason, "rank": self.rank,
                "rank_certified": self.rank_certified, "d": self.d, "h": self.h,
                "d_minus_h": self.d_minus_h, "r_a": self.r_a, "n": self.n, "k": self.k,
                "activation": self.activation, "n_times_k_at_least_d_minus_h": self.enough_rows,
                "constancy": [c.as_dict() for c in self.constancy],
                "never_active": [list(t) for t in self.never_active],
                "always_active": [list(t) for t in self.always_active],
                "kinks": [list(t) for t in self.kinks[:20]],
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def gram_matrix_exact(fwd: ExactForward) -> ExactMatrix:
    """The Gram matrix K of the path activations of one output, over Q, slopes included.

    ``K(x, x') = <x, x'> prod_l P_l + sum_l prod_{l' >= l} P_l' + 1`` with
    ``P_l = <s_l(x), s_l(x')>`` (``s_l`` the activation slopes: 1 where z > 0, the leak a
    elsewhere; 0/1 patterns for ReLU).
    """
    a, c = fwd.slope.numerator, fwd.slope.denominator
    n, H = fwd.n, len(fwd.signs)
    # scaled slopes c*s in {c, a}: every P_l is scaled by c^2
    grams = [int_matmul(np.where(s > 0, c, a).astype(np.int64), np.where(s > 0, c, a).astype(np.int64).T)
             for s in fwd.signs]
    grams = [g.astype(object) for g in grams]
    suffix = np.ones((n, n), dtype=object)
    bias_part = np.full((n, n), c ** (2 * H), dtype=object)  # the output bias, times c^(2H)
    for l in range(H - 1, -1, -1):
        suffix = suffix * grams[l]
        bias_part = bias_part + suffix * c ** (2 * l)
    Xn = fwd.samples
    inner = int_matmul(Xn, Xn.T).astype(object)
    dX = fwd.samples_den
    num = inner * suffix + bias_part * (dX * dX)
    return ExactMatrix(QQ, num.reshape(1, n, n), dX * dX * c ** (2 * H))


def gram_rank_mod_p(K: ExactMatrix, p: int) -> int:
    """rank K mod p, a lower bound of rank K (K's denominator must be prime to p)."""
    num = K.num[0]
    return rank_profile(np.mod(num, p).astype(np.int64) if num.dtype == object else np.mod(num, p), p, False).rank


def _minor(prof: RankProfile, p: int, columns: Optional[np.ndarray] = None) -> JacobianMinor:
    """The minor with columns named in parameter order (J may hold only the free columns)."""
    cols = list(prof.cols) if columns is None else [int(columns[j]) for j in prof.cols]
    return JacobianMinor(p, list(prof.rows), cols)


def neurons_in_s(net: Network) -> list[tuple[int, int, str]]:
    """Hidden neurons (layer from 1, index, why) that put theta in the exceptional set S."""
    out = []
    for l in range(1, net.depth):
        w_in, w_out, b_in = net.weights[l - 1], net.weights[l], net.biases[l - 1]
        for i in range(net.widths[l]):
            if all(w_out[o, i] == 0 for o in range(w_out.nrows())):
                out.append((l, i, "zero outgoing weights"))
            elif all(w_in[i, j] == 0 for j in range(w_in.ncols())) and b_in[i, 0] == 0:
                out.append((l, i, "zero incoming weights and bias"))
    return out


def analyze(net: Network, X: Any, prime: Optional[int] = None, show_progress: Optional[bool] = None,
            fwd: Optional[ExactForward] = None) -> LocalReport:
    """Decide local identifiability of theta from the samples X (module docstring).

    Raises :class:`KinkError` when a sample lies on a kink and no direction of constancy
    settles the question.

    Examples
    --------
    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> rep = analyze(net, [[1], [-1], [2]])   # |x| from three samples
    >>> rep.verdict, rep.rank, rep.r_a, rep.d_minus_h
    ('not_identifiable', 3, 3, 5)
    """
    timings: dict[str, float] = {}
    t = time.perf_counter()
    fwd = fwd or exact_forward(net, X)
    free = net.free_parameters()
    columns = None if free is None else np.flatnonzero(free)
    d, h, k, n = net.num_parameters if free is None else len(columns), net.num_hidden, net.widths[-1], fwd.n
    report = LocalReport("undecided", "", d, h, n, k, activation=net.activation)
    report.always_active, report.kinks = fwd.always_positive(), fwd.kinks
    # diagnostic: off (z <= 0) at every sample; the never_active rule itself needs z < 0
    report.never_active = [(l, int(i)) for l, s in enumerate(fwd.signs, start=1) for i in np.flatnonzero((s <= 0).all(axis=0))]
    timings["forward"] = time.perf_counter() - t
    report.seconds = timings

    t = time.perf_counter()
    report.constancy = constancy_directions(fwd, free)
    timings["constancy"] = time.perf_counter() - t
    if report.constancy:
        first = report.constancy[0]
        what = {"zero_input": f"input coordinate {first.index} is 0 at every sample",
                "zero_outgoing": f"neuron {first.index} of hidden layer {first.layer} has zero outgoing weights",
                "never_active": f"neuron {first.index} of hidden layer {first.layer} is off (z < 0) at every sample",
                "always_active": f"neuron {first.index} of hidden layer {first.layer} is on (z > 0) at every sample"}
        report.verdict = "not_identifiable"
        report.reason = (f"a direction of constancy outside the rescaling orbit: {what[first.rule]}"
                         + (f" ({len(report.constancy)} such directions)" if len(report.constancy) > 1 else ""))
        return report
    if fwd.kinks:
        raise KinkError(*fwd.kinks[0])

    p = prime or usable_prime(fwd.denominators())
    ensure_fits(3 * jacobian_bytes(n, k, d), f"J ({n * k}x{d}) modulo p and its elimination")
    t = time.perf_counter()
    J = jacobian_mod_p(fwd, p, columns, show_progress=show_progress)
    timings["jacobian_mod_p"] = time.perf_counter() - t
    t = time.perf_counter()
    minor = _minor(rank_profile(J, p, show_progress), p, columns)
    timings["elimination"] = time.perf_counter() - t
    report.rank, report.minor = minor.size, minor
    if minor.size > d - h:  # pragma: no cover - would contradict rank J <= d - h
        raise CertificationError(f"rank J mod p = {minor.size} exceeds d - h = {d - h}: internal error")
    in_s = neurons_in_s(net)
    if minor.size == d - h and in_s:
        l, i, why = in_s[0]
        report.reason = f"rank J = d - h = {d - h} but theta is in S (neuron {i} of layer {l} has {why})"
        return report
    if minor.size == d - h:
        report.verdict, report.rank_certified = "identifiable", "exact"
        report.reason = f"C_S holds: rank J = d - h = {d - h}"
        return report
    t = time.perf_counter()
    K = gram_matrix_exact(fwd)
    r_a_lower = k * gram_rank_mod_p(K, p) if K.den % p else 0
    if r_a_lower > minor.size and n * k * d > EXACT_RANK_ENTRIES:
        # R_A >= k rank_p(K) > rank J mod p: unless a second prime raises rank J, neither C_S nor
        # C_N can hold, and the exact rank of K (costly for many samples) would not change that
        del J
        p2 = usable_prime(fwd.denominators(), p)
        second = _minor(rank_profile(jacobian_mod_p(fwd, p2, columns, show_progress=show_progress), p2,
                                     show_progress), p2, columns)
        if second.size > minor.size:
            minor = second
            report.rank, report.minor = minor.size, minor
        if minor.size == d - h and not in_s:
            report.verdict, report.rank_certified = "identifiable", "exact"
            report.reason = f"C_S holds: rank J = d - h = {d - h}"
            return report
        if r_a_lower > minor.size:
            timings["gram_rank"] = time.perf_counter() - t
            report.reason = (f"rank J >= {minor.size} is below both R_A >= {r_a_lower} and d - h = {d - h}: "
                             "neither C_S nor the failure of C_N is established")
            return report
    gram = certified_rank(K)
    timings["gram_rank"] = time.perf_counter() - t
    report.gram_rank, report.r_a = gram, k * gram.rank
    if minor.size < report.r_a:
        # a second prime guards against an unlucky first one before calling it undecided
        p2 = usable_prime(fwd.denominators(), p)
        J = None
        J2 = jacobian_mod_p(fwd, p2, columns, show_progress=show_progress)
        second = _minor(rank_profile(J2, p2, show_progress), p2, columns)
        if second.size > minor.size:
            minor = second
            report.rank, report.minor = minor.size, minor
    if minor.size > report.r_a:  # pragma: no cover - would contradict rank J <= R_A
        raise CertificationError(f"rank J mod p = {minor.size} exceeds R_A = {report.r_a}: internal error")
    if minor.size == report.r_a and gram.certified == "exact":
        report.verdict, report.rank_certified = "not_identifiable", "exact"
        report.reason = f"C_N fails: rank J = R_A = {report.r_a} < d - h = {d - h}"
        return report
    relation = ">="
    if n * k * d <= EXACT_RANK_ENTRIES:  # small: settle the exact rank of J for the report
        exact = certified_rank(jacobian_over_q(fwd, columns))
        if exact.certified == "exact":
            report.rank, report.rank_certified, relation = exact.rank, "exact", "="
    report.reason = (f"rank J {relation} {report.rank} is below both R_A = {report.r_a} and d - h = {d - h}: "
                     "neither C_S nor the failure of C_N is established")
    return report


def jacobian_over_q(fwd: ExactForward, columns: Optional[np.ndarray] = None) -> ExactMatrix:
    """The exact Jacobian over Q, or its ``columns`` (object arithmetic: for small networks only)."""
    widths, n, k = fwd.widths, fwd.n, fwd.k
    L = len(widths) - 1
    q = lambda num, den: np.vectorize(lambda v: Fraction(int(v), den), otypes=[object])(num)
    inputs = [q(fwd.samples, fwd.samples_den)] + [q(hh, dh) for hh, dh in zip(fwd.post, fwd.post_den)]
    ws = [q(w, dw) for w, dw in zip(fwd.weights, fwd.weights_den)]
    slopes = [np.where(s > 0, Fraction(1), fwd.slope).astype(object) for s in fwd.signs]
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(L))
    J = np.empty((n, k, d), dtype=object)
    B = np.broadcast_to(np.eye(k, dtype=np.int64).astype(object), (n, k, k))
    pos = np.cumsum([0] + [widths[l + 1] * (widths[l] + 1) for l in range(L)])
    for l in range(L - 1, -1, -1):
        mid = pos[l] + widths[l + 1] * widths[l]
        J[:, :, pos[l]:mid] = (B[:, :, :, None] * inputs[l][:, None, None, :]).reshape(n, k, -1)
        J[:, :, mid:mid + widths[l + 1]] = B
        if l > 0:
            B = np.einsum("xoi,ij->xoj", B, ws[l]) * slopes[l - 1][:, None, :]
    J = J.reshape(n * k, d) if columns is None else J.reshape(n * k, d)[:, columns]
    rows = [[flint.fmpq(v.numerator, v.denominator) if isinstance(v, Fraction) else flint.fmpq(int(v))
             for v in row] for row in J]
    return ExactMatrix.from_rows(rows, QQ)
