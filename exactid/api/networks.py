"""``exactid.relu_local``, ``relu_box``, ``funcdim``, ``equivalent`` and ``symmetries``."""

from __future__ import annotations

import os
from typing import Any, Optional

import numpy as np

from ..domains.arrays import exact_samples, warn_float_conversion
from ..errors import InputError
from ..networks.format import Network
from ..results import (EquivalenceResult, FuncdimResult, ReluBoxResult, ReluLocalResult, SymmetriesResult,
                       Verdict)


def as_network(net: Any, activation: Optional[str] = None) -> Network:
    """A :class:`Network` from a Network, its JSON form, a list of ``(W, b)`` pairs or a file path.

    ``W`` has shape (out, in) and may be a numpy array (floats converted exactly, with an
    :class:`~exactid.ExactConversionWarning`); the list form takes ``activation``.

    >>> as_network([(np.array([[1, -1]]), np.array([0])), ([[2]], ["1/2"])], "relu").widths
    [2, 1, 1]
    """
    if isinstance(net, Network):
        if activation is not None and activation != net.activation:
            raise InputError(f"the network's activation is {net.activation}, not {activation}")
        return net
    if isinstance(net, (str, os.PathLike)):
        from ..networks.format import load_network

        return load_network(str(net))
    if isinstance(net, dict):
        from ..networks.format import network_from_json

        if activation is not None and net.get("activation", activation) != activation:
            raise InputError(f"the network's activation is {net.get('activation')}, not {activation}")
        floats: list = []
        plain = _plain(net, floats)
        if floats:
            warn_float_conversion("the network's weights")
        return network_from_json(plain)
    if isinstance(net, (list, tuple)) and net and all(isinstance(l, (list, tuple)) and len(l) == 2 for l in net):
        if activation is None:
            raise InputError("a list of (W, b) layers needs its activation")
        floats: list = []
        layers = [(_plain(w, floats), _plain(b, floats)) for w, b in net]
        if floats:
            warn_float_conversion("the network's weights")
        return Network.from_lists(activation, layers)
    raise InputError("a network must be a Network, a dict {'activation', 'layers'}, a list of (W, b) pairs "
                     f"or a file path, got {type(net).__name__}")


def _plain(value: Any, floats: list) -> Any:
    """Numpy arrays (anywhere inside) as nested lists; records in ``floats`` that floats were met."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            floats.append(True)
        elif value.dtype.kind not in "iubO":
            raise InputError(f"unsupported dtype {value.dtype} in a network")
        return value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v, floats) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, floats) for v in value]
    if isinstance(value, float):
        floats.append(True)
    if isinstance(value, np.generic):
        return value.item()
    return value


def relu_local(net: Any, X: Any) -> ReluLocalResult:
    """Local identifiability of a ReLU network's parameters from the samples ``X``.

    The Jacobian ``J`` of the outputs on the samples with respect to the ``d`` parameters has
    rank at most ``d - h`` (``h`` hidden neurons) and at most ``R_A``.  ``rank J = d - h``
    proves local identifiability (condition C_S); ``rank J = R_A < d - h`` proves the
    opposite (C_N fails); anything else is ``undecided``.

    Parameters
    ----------
    net : Network, dict, list of (W, b) or path
        A ReLU network (last layer affine).
    X : array-like
        One sample per row (integers exactly, floats converted exactly with a warning).

    Returns
    -------
    ReluLocalResult
        ``identifiable``, ``not_identifiable`` (both certified) or ``undecided``; ``rank``
        of J (``rank_certified`` says whether it is exact), ``d``, ``h``, ``d_minus_h``,
        ``r_a``, ``n`` samples, ``k`` outputs; ``details`` has the never/always active neurons.

    Examples
    --------
    >>> import numpy as np, exactid
    >>> net = [(np.array([[1], [-1]]), np.array([0, 0])), (np.array([[1, 1]]), np.array([0]))]
    >>> res = exactid.relu_local(net, np.array([[1], [-1], [2]]))
    >>> res.verdict, res.rank, res.d_minus_h
    (<Verdict.NOT_IDENTIFIABLE: 'not_identifiable'>, 3, 5)
    """
    from ..certify.relu import local_certificate
    from ..networks.local_identifiability import analyze

    network = as_network(net, None if isinstance(net, (Network, dict, str, os.PathLike)) else "relu")
    samples = exact_samples(X, network.widths[0])
    report = analyze(network, samples)
    cert = None
    if report.verdict in ("identifiable", "not_identifiable"):
        cert, _ = local_certificate(network, samples, report)
    return ReluLocalResult(report.verdict, report.reason, cert, report, rank=report.rank,
                           rank_certified=report.rank_certified, d=report.d, h=report.h, d_minus_h=report.d_minus_h,
                           r_a=report.r_a, n=report.n, k=report.k)


def relu_box(net: Any, lo: Any = -1, hi: Any = 1) -> ReluBoxResult:
    """Identifiability of a one-hidden-layer ReLU network from its function on ``[lo, hi]^n``.

    Parameters
    ----------
    net : Network, dict, list of (W, b) or path
        One hidden layer, ReLU.
    lo, hi : rational (int, "p/q", Fraction, float converted exactly)
        The box ``[lo, hi]^n``, ``lo < hi``.

    Returns
    -------
    ReluBoxResult
        ``identifiable`` or ``not_identifiable`` (both certified) or ``undecided``;
        ``condition`` names the failed condition and ``alternative`` is a second network
        with the same function on the box that is not a rescaling or permutation of the first.

    Examples
    --------
    >>> import exactid
    >>> net = [([[1], [2]], [0, 0]), ([[1, 1]], [0])]
    >>> res = exactid.relu_box(net, -1, 1)
    >>> res.verdict, res.condition
    (<Verdict.NOT_IDENTIFIABLE: 'not_identifiable'>, 'positively proportional neurons')
    """
    from ..certify.relu import shallow_certificate
    from ..networks.shallow import analyze_shallow

    network = as_network(net, None if isinstance(net, (Network, dict, str, os.PathLike)) else "relu")
    try:
        report = analyze_shallow(network, lo, hi)
    except InputError:
        raise
    except (ValueError, TypeError) as exc:
        raise InputError(f"bad box bounds: {exc}") from None
    cert = None
    if report.verdict != "undecided":
        cert, _ = shallow_certificate(network, lo, hi, report)
    return ReluBoxResult(report.verdict, report.reason, cert, report, condition=report.condition,
                         neurons=tuple(report.neurons), alternative=report.alternative)


def funcdim(net: Any, X: Any) -> FuncdimResult:
    """Batch functional dimension of a (leaky) ReLU network: the exact rank of its Jacobian on ``X``.

    rank J mod p (a nonzero minor) is a certified lower bound; the verdict is ``exact`` only
    when a verified upper bound meets it (d minus the rank mod p of the exact kernel vectors of
    :mod:`exactid.networks.kernel_family`, ``R_A = k rank K`` with a verified kernel of K, or
    the exact rank of a small J),
    otherwise ``lower_bound``.  A sample on a kink (J not defined) raises
    :class:`~exactid.errors.InputError`.  See :mod:`exactid.networks.funcdim`.

    Parameters
    ----------
    net : Network, dict, list of (W, b) or path
    X : array-like
        One sample per row.

    Returns
    -------
    FuncdimResult
        ``rank`` of J with ``d``, ``h``, ``d_minus_h`` and ``r_a``; ``certificate`` is the
        ReLU certificate when the analysis is decided (it proves the rank), else ``None``.

    Examples
    --------
    >>> import numpy as np, exactid
    >>> net = [(np.array([[1], [-1]]), np.array([0, 0])), (np.array([[1, 1]]), np.array([0]))]
    >>> res = exactid.funcdim(net, np.array([[1], [-1], [2]]))
    >>> res.verdict, res.rank, res.d_minus_h
    (<Verdict.EXACT: 'exact'>, 3, 5)
    """
    from ..networks.funcdim import functional_dimension

    network = as_network(net, None if isinstance(net, (Network, dict, str, os.PathLike)) else "relu")
    samples = exact_samples(X, network.widths[0])
    fd = functional_dimension(network, samples)
    verdict = Verdict.EXACT if fd.status == "exact" else Verdict.LOWER_BOUND
    reason = (f"rank J {'=' if verdict == Verdict.EXACT else '>='} {fd.rank} (d - h = {fd.d - fd.h}; "
              f"upper bound {fd.upper_bound} from {fd.upper_bound_reason})")
    return FuncdimResult(verdict, reason, None, fd, rank=fd.rank, d=fd.d, h=fd.h, d_minus_h=fd.d - fd.h,
                         r_a=fd.upper_bound if fd.upper_bound_reason.startswith("R_A") else None)


def equivalent(net1: Any, net2: Any, precision: int = 128) -> EquivalenceResult:
    """Do two networks compute the same function?

    ``equivalent`` comes with the symmetry operations (permutations, sign flips, rescalings,
    removals of inactive neurons) mapping both onto the same parameters; ``not_equivalent``
    with a rational input where ball-arithmetic enclosures of the outputs are disjoint.

    Parameters
    ----------
    net1, net2 : Network, dict or path
        Networks with the same activation family (relu, leaky_relu:P/Q, hardtanh, tanh, logistic).
    precision : int
        Bits of the ball arithmetic used to search a separating point (16..20000).

    Returns
    -------
    EquivalenceResult
        ``equivalent``, ``not_equivalent`` or ``undecided``; ``method``, ``operations``
        (counts for both networks), ``point`` and ``output`` (where they differ).

    Examples
    --------
    >>> import exactid
    >>> a = {"activation": "tanh", "layers": [{"W": [[1], [2]], "b": [0, 1]}, {"W": [[1, 3]], "b": [0]}]}
    >>> b = {"activation": "tanh", "layers": [{"W": [[-2], [1]], "b": [-1, 0]}, {"W": [[-3, 1]], "b": [0]}]}
    >>> exactid.equivalent(a, b).verdict
    <Verdict.EQUIVALENT: 'equivalent'>
    """
    from ..certify.equivalence import equivalence_certificate
    from ..networks.equivalence import decide_equivalence

    if isinstance(precision, bool) or not isinstance(precision, int) or not 16 <= precision <= 20000:
        raise InputError("precision must be an integer in 16..20000")
    first, second = as_network(net1), as_network(net2)
    import time

    start = time.perf_counter()
    result = decide_equivalence(first, second, prec=precision)
    cert = equivalence_certificate(first, second, result, time.perf_counter() - start)
    ops = (len(result.ops1), len(result.ops2)) if result.verdict == "equivalent" else None
    point = [str(v) for v in result.point] if result.point is not None else None
    return EquivalenceResult(result.verdict, result.reason, cert, result, method=result.method, operations=ops,
                             point=point, output=result.output_index)


def symmetries(activation: Any) -> SymmetriesResult:
    """The group of affine symmetries ``(A, B)`` with ``σ∘A = B∘σ`` of an activation ``σ``.

    ``activation`` is a name (relu, tanh, logistic, exp, hardtanh, identity,
    ``leaky_relu:P/Q``) or an expression in ``t``.  Computed symbolically; no certificate.

    Returns
    -------
    SymmetriesResult
        ``exact`` with ``finite``, ``order`` and ``families`` (in words), or ``undecided``
        with the reason; ``details`` is the group (membership tests, elements).

    Examples
    --------
    >>> import exactid
    >>> g = exactid.symmetries("tanh")
    >>> g.verdict, g.finite, g.order
    (<Verdict.EXACT: 'exact'>, True, 2)
    """
    from ..networks.symmetries import affine_symmetries

    group = affine_symmetries(activation)
    info = group.to_json()
    if group.status == "exact":
        return SymmetriesResult(Verdict.EXACT, group.describe(), None, group, activation=info["activation"],
                                finite=info["finite"], order=info["order"],
                                families=tuple(f["text"] for f in info["families"]))
    return SymmetriesResult(Verdict.UNDECIDED, group.reason, None, group, activation=info["activation"])
