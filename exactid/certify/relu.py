"""Certificates for ReLU networks: local identifiability from samples, and the shallow box case.

``relu_local_identifiability`` certificates store theta, X and either directions of
constancy (a parameter that moves freely, the fact that frees it, and a linear form showing
the move leaves the rescaling orbit), or the indices of a Jacobian minor (never J itself: the
checker recomputes J modulo p from theta and X) plus, for ``not_identifiable`` by C_N,
verified kernel vectors of the Gram matrix K.  ``relu_shallow_box``
certificates store theta, the box and either a second, inequivalent network with the same
function on the box, or the witness that no set of neurons can be flipped.
"""

from __future__ import annotations

import time
from typing import Any, Optional

import flint

from ..domains.base import to_fmpq
from ..domains.finite import Reduction
from ..errors import CertificationError
from ..networks.format import Network
from ..networks.local_identifiability import LocalReport, analyze
from ..networks.relu_forward import ExactForward, activation_name, exact_forward
from ..networks.shallow import ShallowReport, analyze_shallow
from .common import encode_rational, envelope
from .limits import MAX_PARAMETERS, require_checkable
from .rank import kernel_step, minor_step

LOCAL_KIND = "relu_local_identifiability"
SHALLOW_KIND = "relu_shallow_box"


def encode_samples(samples: Any) -> dict:
    """Samples as ``{"X": rows of integers or "p/q" strings}``, from an fmpq_mat or the exact forward pass."""
    if isinstance(samples, flint.fmpq_mat):
        return {"X": [[encode_rational(int(samples[i, j].p), int(samples[i, j].q)) for j in range(samples.ncols())]
                      for i in range(samples.nrows())]}
    num, den = samples
    return {"X": [[encode_rational(int(v), den) for v in row] for row in num.tolist()]}


def _witness(u: dict) -> dict:
    indices = sorted(u)
    return {"indices": indices, "values": [encode_rational(u[i].numerator, u[i].denominator) for i in indices]}


def report_steps(report: LocalReport) -> list[dict]:
    """The certificate's steps for a decided report (constancy directions, or minor and Gram kernel)."""
    if report.verdict not in ("identifiable", "not_identifiable"):
        raise CertificationError(f"no certificate for an undecided answer: {report.reason}")
    if report.constancy:  # one direction suffices; the report lists every one found
        c = report.constancy[0]
        return [{"kind": "constancy_direction", **c.as_dict(), "witness": _witness(c.witness)}]
    minor = report.minor
    steps = [{"kind": "jacobian_minor_nonzero_mod_p", "p": minor.p, "rows": list(minor.rows),
              "cols": list(minor.cols)}]
    if report.verdict == "not_identifiable":
        gram = report.gram_rank
        if gram.kernel is not None and gram.kernel.ncols:
            step = kernel_step(gram.kernel, Reduction(1, gram.minor.p, 1))
            step["kind"] = "gram_kernel_vectors"
            steps.append(step)
        elif report.r_a != report.k * report.n:  # pragma: no cover - the analysis asks for the kernel
            raise CertificationError("the Gram matrix is rank deficient but no kernel was computed")
        else:
            steps.append({"kind": "gram_kernel_vectors", **_empty_kernel(report.n)})
    return steps


def local_certificate(net: Network, X: Any, report: Optional[LocalReport] = None,
                      fwd: Optional[ExactForward] = None) -> tuple[dict, LocalReport]:
    """Analyze (unless given) and certify; raises :class:`CertificationError` for ``undecided``.

    >>> from exactid.networks.format import Network
    >>> net = Network.from_lists("relu", [([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> cert, rep = local_certificate(net, [[1], [-1], [2]])
    >>> cert["claim"]["verdict"], [s["kind"] for s in cert["steps"]]
    ('not_identifiable', ['jacobian_minor_nonzero_mod_p', 'gram_kernel_vectors'])
    """
    require_checkable(net.num_parameters, MAX_PARAMETERS, "number of network parameters")
    start = time.perf_counter()
    fwd = fwd or exact_forward(net, X)
    report = report or analyze(net, X, fwd=fwd)
    steps = report_steps(report)
    claim = {"kind": LOCAL_KIND, "verdict": report.verdict, "d": report.d, "h": report.h, "n": report.n,
             "k": report.k, "rank": report.rank}
    if report.constancy:
        del claim["rank"]
    network = net.to_json()
    network["activation"] = activation_name(fwd.slope)
    data = {"network": network, "samples": encode_samples((fwd.samples, fwd.samples_den))}
    meta = {"seconds": round(time.perf_counter() - start, 3), "d_minus_h": report.d_minus_h, "r_a": report.r_a,
            "reason": report.reason}
    return envelope(claim, data, steps, meta), report


def _empty_kernel(n: int) -> dict:
    """Zero kernel vectors (K of full rank): the bound R_A <= k n needs no witness."""
    return {"vectors": {"field": "QQ", "shape": [n, 0], "entries": [[] for _ in range(n)]},
            "independence": {"p": 1073741789, "root": 1, "rows": []}}


def shallow_certificate(net: Network, lo: Any, hi: Any, report: Optional[ShallowReport] = None) -> tuple[dict, ShallowReport]:
    """Certificate of the box verdict for a one-hidden-layer network."""
    require_checkable(net.num_parameters, MAX_PARAMETERS, "number of network parameters")
    report = report or analyze_shallow(net, lo, hi)
    lo_q, hi_q = to_fmpq(lo), to_fmpq(hi)
    data = {"network": net.to_json(), "lo": encode_rational(int(lo_q.p), int(lo_q.q)),
            "hi": encode_rational(int(hi_q.p), int(hi_q.q))}
    steps: list = []
    if report.verdict == "not_identifiable":
        data["alternative"] = report.alternative.to_json()
    elif report.verdict == "identifiable":
        if report.independence is not None:
            step = minor_step(report.independence.minor)
            step["kind"] = "outer_products_minor_nonzero_mod_p"
            steps.append(step)
        else:
            steps.append({"kind": "subset_search"})
    else:
        raise CertificationError(f"no certificate for an undecided answer: {report.reason}")
    claim = {"kind": SHALLOW_KIND, "verdict": report.verdict, "widths": net.widths}
    return envelope(claim, data, steps, {"reason": report.reason, "condition": report.condition}), report


def bundled():
    """Local identifiability theorems for small architectures, and shallow box theorems."""
    from ..networks.format import Network as Net
    from ..networks.relu import random_network, random_samples
    from .bundle import BundleItem

    def local(widths, n, seed, bias_scale=None):
        def build():
            net = random_network(widths, seed, denominator=1000, bias_scale=bias_scale)
            X = random_samples(n, widths[0], seed + 100, denominator=97)
            return local_certificate(net, X)[0]
        return build

    def dead_neuron():
        # neuron 1 of the hidden layer is off at every sample: C_N fails
        net = Net.from_lists("relu", [([[1, 1], [-1, -1], [1, -1]], [0, -10, "1/2"]), ([[1, 2, -1]], [0])])
        X = [[1, 2], [2, 1], [3, -1], [-1, 2], [2, 3], [0, 1], [1, 0], [-2, -1], [4, 1], [1, 5]]
        return local_certificate(net, X)[0]

    def box(layers, lo, hi):
        return lambda: shallow_certificate(Net.from_lists("relu", layers), lo, hi)[0]

    yield BundleItem("relu/local-2-4-1-identifiable.json.gz", "ReLU 2-4-1 locally identifiable from 50 samples",
                     local([2, 4, 1], 50, 1))
    yield BundleItem("relu/local-3-6-2-identifiable.json.gz", "ReLU 3-6-2 locally identifiable from 100 samples",
                     local([3, 6, 2], 100, 2))
    yield BundleItem("relu/local-5-6-5-3-identifiable.json.gz", "ReLU 5-6-5-3 locally identifiable from 100 samples",
                     local([5, 6, 5, 3], 100, 2, 0.3))
    yield BundleItem("relu/local-2-5-4-1-too-few-samples.json.gz",
                     "ReLU 2-5-4-1 not locally identifiable from 8 samples (C_N fails)", local([2, 5, 4, 1], 8, 1))
    yield BundleItem("relu/local-2-3-1-dead-neuron.json", "ReLU 2-3-1 with a neuron off on X: not identifiable",
                     dead_neuron)
    yield BundleItem("relu/shallow-box-identifiable.json", "ReLU 1-2-1 on [-1,1]: identifiable",
                     box([([[1], [-1]], ["1/2", "1/3"]), ([[1, 2]], [0])], -1, 1))
    yield BundleItem("relu/shallow-box-proportional.json", "ReLU 2-2-1 with proportional neurons: not identifiable",
                     box([([[1, 2], [2, 4]], [0, 0]), ([[1, 1]], [3])], -1, 1))
    yield BundleItem("relu/shallow-box-flip.json", "ReLU 1-2-1 |x|-type flip pair on [-1,1]: not identifiable",
                     box([([[1], [2]], ["1/4", "-1/4"]), ([[2, -1]], [0])], -1, 1))
