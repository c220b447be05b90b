"""Local identifiability of a ReLU network from a finite sample set (conditions C_S and C_N).

For theta outside S (no hidden neuron with all-zero outgoing weights, nor with all-zero
incoming weights and bias) and outside Delta_X (no hidden pre-activation exactly zero at a
sample), with J = d f_theta(X) / d theta of shape (n k) x d, d parameters and h hidden
neurons:

- rank J <= d - h (the rescaling directions lie in the kernel) and rank J <= R_A = k rank K;
- **C_S**: rank J = d - h  =>  theta is locally identifiable from X (``identifiable``);
- **C_N fails**: rank J = R_A < d - h  =>  not locally identifiable (``not_identifiable``);
- otherwise (rank J < R_A and rank J < d - h) the test is ``undecided``.

Ranks of J are computed modulo a prime p (rank mod p <= rank over Q, and a nonzero minor
mod p is the certificate of the lower bound); R_A is computed exactly with a verified
kernel of K, the upper-bound half of the not_identifiable certificate.

The identifiable search first tries the d - h columns left after dropping, for each hidden
neuron, one coordinate of its own rescaling direction (its bias, or its first nonzero
incoming weight).  Those coordinates form a block-triangular invertible submatrix of the
rescaling directions, so when rank J = d - h and the kernel is spanned by rescalings the
remaining columns are independent.  Rows: the first d - h rows are tried first (one square
rank), then an echelon form of the transpose picks independent rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Optional

import flint
import numpy as np

from ..domains.finite import is_prime
from ..domains.matrix import ExactMatrix
from ..errors import CertificationError
from ..linalg.rank import RankResult, certified_rank, pivot_columns
from .format import Network
from .pathlifting import gram_matrix
from .relu import (DEFAULT_PRIME, ForwardPass, as_samples, forward, hidden_neurons, jacobian_exact, jacobian_mod_p,
                   nmod_mat_from_array, parameter_offsets, require_relu)


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
    rank: Optional[int] = None  # certified lower bound of rank J (a minor mod p); exact when decided
    rank_certified: str = "lower_bound"  # "exact" when rank J = rank is proved
    r_a: Optional[int] = None  # k * rank K (exact except for identifiable verdicts, where a mod-p lower bound may be shown)
    minor: Optional[JacobianMinor] = None
    gram_rank: Optional[RankResult] = None
    zero_preactivations: list = field(default_factory=list)
    never_active: list = field(default_factory=list)
    always_active: list = field(default_factory=list)
    in_s: list = field(default_factory=list)
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
                "n_times_k_at_least_d_minus_h": self.enough_rows,
                "never_active": [list(t) for t in self.never_active],
                "always_active": [list(t) for t in self.always_active],
                "zero_preactivations": [list(t) for t in self.zero_preactivations[:20]],
                "in_s": [list(t) for t in self.in_s],
                "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def neurons_in_s(net: Network) -> list[tuple[int, int, str]]:
    """Hidden neurons (layer from 1, index, why) that put theta in the exceptional set S."""
    out = []
    for l, i in hidden_neurons(net.widths):
        w_in, w_out = net.weights[l - 1], net.weights[l]
        if all(w_out[o, i] == 0 for o in range(w_out.nrows())):
            out.append((l, i, "zero outgoing weights"))
        elif all(w_in[i, j] == 0 for j in range(w_in.ncols())) and net.biases[l - 1][i, 0] == 0:
            out.append((l, i, "zero incoming weights and bias"))
    return out


def usable_prime(net: Network, samples: flint.fmpq_mat, start: int = DEFAULT_PRIME) -> int:
    """The largest prime <= start dividing no denominator of theta or X."""
    dens = {int(q.q) for m in list(net.weights) + list(net.biases) + [samples] for q in m.entries()}
    p = start
    while not is_prime(p) or any(den % p == 0 for den in dens):
        p -= 1
    return p


_nmod = nmod_mat_from_array


def independent_rows(a: np.ndarray, p: int) -> list[int]:
    """Indices of a maximal set of independent rows of ``a`` modulo p (pivots of the transpose)."""
    echelon, r = _nmod(np.ascontiguousarray(a.T), p).rref()
    return pivot_columns(echelon, r)


def full_minor(J: np.ndarray, p: int) -> JacobianMinor:
    """A maximal nonzero minor of J mod p (two eliminations)."""
    echelon, r = _nmod(J, p).rref()
    cols = pivot_columns(echelon, r)
    rows = independent_rows(J[:, cols], p) if r else []
    return JacobianMinor(p, rows, cols)


def candidate_columns(net: Network) -> Optional[list[int]]:
    """The d - h columns left after dropping one own coordinate per hidden neuron (module docstring)."""
    widths = net.widths
    offsets = parameter_offsets(widths)
    dropped = []
    for l, i in hidden_neurons(widths):
        w_off, b_off = offsets[l - 1]
        if net.biases[l - 1][i, 0] != 0:
            dropped.append(b_off + i)
            continue
        row = [j for j in range(widths[l - 1]) if net.weights[l - 1][i, j] != 0]
        if not row:
            return None
        dropped.append(w_off + i * widths[l - 1] + row[0])
    drop = set(dropped)
    return [c for c in range(net.num_parameters) if c not in drop]


def identifiable_minor(net: Network, J: np.ndarray, p: int) -> Optional[JacobianMinor]:
    """A (d - h)-minor of J nonzero mod p from the candidate columns, or None."""
    cols = candidate_columns(net)
    if cols is None or J.shape[0] < len(cols):
        return None
    sub = J[:, cols]
    # The first d - h rows usually suffice (a square rank is cheaper than an echelon form).
    if _nmod(np.ascontiguousarray(sub[:len(cols)]), p).rank() == len(cols):
        return JacobianMinor(p, list(range(len(cols))), cols)
    if sub.shape[0] == sub.shape[1]:
        return None
    rows = independent_rows(sub, p)
    return JacobianMinor(p, rows, cols) if len(rows) == len(cols) else None


def analyze(net: Network, X: Any, prime: int = DEFAULT_PRIME, fwd: Optional[ForwardPass] = None,
            gram_upper_bound: bool = True) -> LocalReport:
    """Decide local identifiability of theta from the samples X (module docstring).

    Examples
    --------
    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> rep = analyze(net, [[1], [-1], [2]])   # |x| on R from three samples
    >>> rep.verdict, rep.rank, rep.r_a, rep.d_minus_h
    ('not_identifiable', 3, 3, 5)
    """
    require_relu(net)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    samples = as_samples(X, net.widths[0])
    d, h, k, n = net.num_parameters, net.num_hidden, net.widths[-1], samples.nrows()
    report = LocalReport("undecided", "", d, h, n, k)
    report.in_s = neurons_in_s(net)
    fwd = fwd or forward(net, samples)
    pats = fwd.patterns()
    for l, pat in enumerate(pats, start=1):
        for i in range(pat.shape[1]):
            if not pat[:, i].any():
                report.never_active.append((l, i))
            elif pat[:, i].all():
                report.always_active.append((l, i))
    report.zero_preactivations = fwd.zero_preactivations()
    timings["forward"] = time.perf_counter() - start
    report.seconds = timings
    if report.in_s:
        l, i, why = report.in_s[0]
        report.reason = f"theta is in S: hidden neuron {i} of layer {l} has {why}"
        return report
    if report.zero_preactivations:
        l, i, x = report.zero_preactivations[0]
        report.reason = (f"theta is in Delta_X: the pre-activation of neuron {i} of layer {l} is exactly 0 "
                         f"at sample {x} (J is not defined there)")
        return report

    p = usable_prime(net, samples, prime)
    t = time.perf_counter()
    J = jacobian_mod_p(net, samples, p, fwd)
    timings["jacobian_mod_p"] = time.perf_counter() - t
    t = time.perf_counter()
    minor = identifiable_minor(net, J, p) if report.enough_rows else None
    if minor is None:
        minor = full_minor(J, p)
    timings["rank_mod_p"] = time.perf_counter() - t
    report.rank, report.minor = minor.size, minor
    if minor.size > d - h:  # pragma: no cover - would contradict rank J <= d - h
        raise CertificationError(f"rank J mod p = {minor.size} exceeds d - h = {d - h}: internal error")
    t = time.perf_counter()
    K = gram_matrix(samples, pats)
    gram = certified_rank(K, upper_bound=gram_upper_bound and minor.size < d - h)
    timings["gram_rank"] = time.perf_counter() - t
    report.gram_rank, report.r_a = gram, k * gram.rank  # reported in every case
    if minor.size == d - h:
        report.verdict, report.rank_certified = "identifiable", "exact"
        report.reason = f"C_S holds: rank J = d - h = {d - h}"
        return report
    if minor.size < report.r_a:
        # A second prime guards against an unlucky first one before calling it undecided.
        p2 = usable_prime(net, samples, p - 1)
        second = full_minor(jacobian_mod_p(net, samples, p2, fwd), p2)
        if second.size > minor.size:
            minor = second
            report.rank, report.minor = minor.size, minor
    if minor.size > report.r_a:  # pragma: no cover - would contradict rank J <= R_A
        raise CertificationError(f"rank J mod p = {minor.size} exceeds R_A = {report.r_a}: internal error")
    if minor.size == report.r_a and gram.certified == "exact":
        report.verdict, report.rank_certified = "not_identifiable", "exact"
        report.reason = f"C_N fails: rank J = R_A = {report.r_a} < d - h = {d - h}"
    else:
        relation = ">="
        if J.size <= EXACT_RANK_ENTRIES:  # small: settle the exact rank of J for the report
            exact = certified_rank(jacobian_exact(net, samples, fwd))
            if exact.certified == "exact":
                report.rank, report.rank_certified, relation = exact.rank, "exact", "="
        report.reason = (f"rank J {relation} {report.rank} is below both R_A = {report.r_a} and d - h = {d - h}: "
                         "neither C_S nor the failure of C_N is established")
    return report
