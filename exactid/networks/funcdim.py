"""Exact batch functional dimension: rank J of ``theta -> f_theta(X)`` for a given network and samples.

rank J mod p (a nonzero minor) is a lower bound.  It is reported as **exact** only when an
upper bound proved by kernel vectors meets it:

- the structural bound ``U = d - rank_p(V)``, V the family of exact kernel vectors of J built
  by :mod:`exactid.networks.kernel_family` (unit vectors of the exactly zero columns; the null
  space of each neuron's inputs over the samples where its gradient may be nonzero; the
  rescaling directions; bias trades of neurons active wherever they matter).  rank_p(V) <=
  rank V <= dim ker J, so U is an upper bound;
- ``R_A = k rank K`` when the rank of the Gram matrix K is certified exactly (verified kernel);
- for small J, the exact rank over Q with its verified kernel (:func:`certified_rank`).

Otherwise the status is ``lower_bound``.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from ..linalg.rank import certified_rank
from ..resources import ensure_fits
from .elimination import rank_profile, usable_prime
from .kernel_family import kernel_family
from .format import Network
from .local_identifiability import (EXACT_RANK_ENTRIES, JacobianMinor, _minor, gram_matrix_exact, gram_rank_mod_p,
                                   jacobian_over_q)
from .relu_forward import ExactForward, KinkError, exact_forward, jacobian_bytes, jacobian_mod_p


@dataclass
class FuncDim:
    """rank J with its status: ``exact`` (an upper bound proved it) or ``lower_bound``."""

    rank: int
    status: str
    upper_bound: int
    upper_bound_reason: str
    d: int
    h: int
    n: int
    k: int
    minor: JacobianMinor
    zero_columns: int = 0
    seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"rank": self.rank, "status": self.status, "upper_bound": self.upper_bound,
                "upper_bound_reason": self.upper_bound_reason, "d": self.d, "h": self.h,
                "d_minus_h": self.d - self.h, "n": self.n, "k": self.k, "p": self.minor.p,
                "zero_columns": self.zero_columns, "seconds": {k: round(v, 3) for k, v in self.seconds.items()}}


def functional_dimension(net: Network, X: Any, show_progress: Optional[bool] = None,
                         fwd: Optional[ExactForward] = None) -> FuncDim:
    """The exact batch functional dimension rank J, or a certified lower bound (module docstring).

    Raises :class:`KinkError` when a sample lies on a kink (J does not exist there).

    Examples
    --------
    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> fd = functional_dimension(net, [[1], [-1], [2]])
    >>> fd.rank, fd.status, fd.upper_bound_reason
    (3, 'exact', 'R_A = k rank K')
    """
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    fwd = fwd or exact_forward(net, X)
    if fwd.kinks:
        raise KinkError(*fwd.kinks[0])
    free = net.free_parameters()
    columns = None if free is None else np.flatnonzero(free)
    d, h, n, k = net.num_parameters if free is None else len(columns), net.num_hidden, fwd.n, fwd.k
    seconds["forward"] = time.perf_counter() - t
    p = usable_prime(fwd.denominators())
    ensure_fits(2 * jacobian_bytes(n, k, d), f"J ({n * k}x{d}) modulo p and its elimination")
    t = time.perf_counter()
    J = jacobian_mod_p(fwd, p, columns, show_progress=show_progress)
    seconds["jacobian_mod_p"] = time.perf_counter() - t
    t = time.perf_counter()
    prof = rank_profile(J, p, show_progress, overwrite=True)  # J is not needed afterwards
    del J
    seconds["elimination"] = time.perf_counter() - t
    minor = _minor(prof, p, columns)
    t = time.perf_counter()
    family = kernel_family(fwd, p, free)
    upper = family.upper_bound
    only_rescalings = not any(n for rule, n in family.counts.items() if rule != "rescaling")
    reason = "d - h (rescalings)" if only_rescalings and upper == d - h else "kernel vectors (" + ", ".join(
        f"{n} {rule.replace('_', ' ')}" for rule, n in family.counts.items() if n) + ")"
    seconds["upper_bound"] = time.perf_counter() - t
    result = FuncDim(prof.rank, "lower_bound", upper, reason, d, h, n, k, minor,
                     family.counts["zero_column"], seconds)
    if prof.rank == upper:
        result.status = "exact"
        return result
    t = time.perf_counter()
    K = gram_matrix_exact(fwd)
    if K.den % p == 0 or k * gram_rank_mod_p(K, p) < result.upper_bound:
        gram = certified_rank(K)  # R_A might be the better upper bound: its exact rank is worth it
    else:
        gram = None  # R_A >= k rank_p(K) >= the structural bound: no use
    seconds["gram_rank"] = time.perf_counter() - t
    if gram is not None and gram.certified == "exact" and k * gram.rank <= result.upper_bound:
        result.upper_bound, result.upper_bound_reason = k * gram.rank, "R_A = k rank K"
        if prof.rank == result.upper_bound:
            result.status = "exact"
            return result
    if n * k * d <= EXACT_RANK_ENTRIES:
        exact = certified_rank(jacobian_over_q(fwd, columns))
        if exact.certified == "exact":
            result.rank = result.upper_bound = exact.rank
            result.status, result.upper_bound_reason = "exact", "kernel of J over Q"
    return result


def funcdim_distribution(widths: Sequence[int], n: int, seeds: int, scale: float = 1.0,
                         denominator: Optional[int] = None) -> dict:
    """rank J over ``seeds`` random Gaussian networks on n Gaussian samples (the funcdim experiment).

    >>> out = funcdim_distribution([2, 3, 1], 30, 2, denominator=64)
    >>> sorted(out["distribution"].items())
    [('10', 1), ('7', 1)]
    """
    from .relu import random_network, random_samples

    runs = []
    for seed in range(seeds):
        net = random_network(widths, seed, scale=scale, denominator=denominator)
        X = random_samples(n, widths[0], 10_000 + seed, denominator=denominator)
        try:
            fd = functional_dimension(net, X, show_progress=False)
        except KinkError as exc:
            runs.append({"seed": seed, "rank": None, "exact": False, "note": str(exc)})
            continue
        runs.append({"seed": seed, "rank": fd.rank, "exact": fd.status == "exact", "d_minus_h": fd.d - fd.h})
    ranks = Counter(str(r["rank"]) if r["exact"] or r["rank"] is None else f">= {r['rank']}" for r in runs)
    d = sum(widths[l + 1] * (widths[l] + 1) for l in range(len(widths) - 1))
    h = sum(widths[1:-1])
    # exact when every rank is; lower_bound when some are only bounded below; undecided with a kink
    verdict = "exact" if all(r["exact"] for r in runs) else \
        "lower_bound" if all(r["rank"] is not None for r in runs) else "undecided"
    return {"verdict": verdict, "arch": list(widths), "d": d, "h": h, "d_minus_h": d - h, "samples": n,
            "distribution": dict(ranks), "runs": runs}
