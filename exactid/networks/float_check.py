"""Float64 cross-validation of the exact Jacobian rank.

The float rank is the number of singular values above ``sigma_max * max(shape) * eps``
(numpy's default, :class:`exactid.domains.FloatDomain`), reported with the singular-value
gap around it.  It is never used for a verdict: :func:`compare_ranks` puts it beside the
exact rank so a float pipeline can be checked against ground truth.  Nearly dependent
samples (two samples closer than the float resolution allows to separate) make the float
rank too small while the exact rank is right; :func:`nearly_dependent_samples` builds such
a sample set.
"""

from __future__ import annotations

from typing import Any

import flint
import numpy as np

from ..domains.floats import FloatDomain
from .format import Network
from .funcdim import functional_dimension
from .relu import as_samples, jacobian_float


def samples_to_float(samples: flint.fmpq_mat) -> np.ndarray:
    return np.array([[float(samples[i, j].p) / float(samples[i, j].q) for j in range(samples.ncols())]
                     for i in range(samples.nrows())])


def float_rank_report(net: Network, X: Any) -> dict:
    """Float64 Jacobian rank with its tolerance and singular-value gap."""
    samples = as_samples(X, net.widths[0])
    ws, bs = net.to_numpy()
    J = jacobian_float(ws, bs, samples_to_float(samples))
    report = FloatDomain(np.float64).rank_report(J)
    report["shape"] = list(J.shape)
    return report


def compare_ranks(net: Network, X: Any) -> dict:
    """Exact (mod-p certified) and float ranks of the same Jacobian, side by side."""
    samples = as_samples(X, net.widths[0])
    exact = functional_dimension(net, samples, show_progress=False)
    flt = float_rank_report(net, samples)
    return {"exact_rank": exact.rank, "exact_status": exact.status, "float_rank": flt["rank"],
            "tolerance": flt["tolerance"], "sigma_above": flt["sigma_above"], "sigma_below": flt["sigma_below"],
            "gap": flt["gap"], "agree": exact.rank == flt["rank"], "d_minus_h": exact.d - exact.h}


def nearly_dependent_samples(X: Any, copies: int, offset: Any = "1/1000000000000000000") -> flint.fmpq_mat:
    """Append, for the first ``copies`` samples, a copy moved by ``offset`` along the first axis.

    In float64 the moved copy gives Jacobian rows within rounding of the original ones, so
    the float rank misses them; exactly they are new (independent) rows whenever the
    activation pattern is the same and the first input weight matters.
    """
    samples = as_samples(X)
    off = flint.fmpq(offset) if not isinstance(offset, flint.fmpq) else offset
    rows = [[samples[i, j] for j in range(samples.ncols())] for i in range(samples.nrows())]
    for i in range(copies):
        moved = list(rows[i])
        moved[0] = moved[0] + off
        rows.append(moved)
    return flint.fmpq_mat(rows)
