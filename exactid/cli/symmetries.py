"""``exactid symmetries NAME_OR_EXPR``: the affine symmetry group of an activation."""

from __future__ import annotations

from ..api.networks import symmetries
from .common import add_json_flag, emit


def register(sub, groups) -> None:
    p = sub.add_parser("symmetries", help="affine symmetries (A, B) with σ∘A = B∘σ of an activation",
                       description="The group of affine symmetries (A, B) with σ∘A = B∘σ of an activation σ. "
                                   "Names: relu, tanh, logistic, exp, hardtanh, identity, leaky_relu:P/Q; "
                                   "or an expression in t, e.g. '2*tanh(t)+1' (numbers, t, + - * / **, "
                                   "exp log tanh sinh cosh sin cos atan asinh erf sqrt abs max min relu; "
                                   "read by a whitelisted parser, never evaluated; it must be defined and "
                                   "continuous on all of R).")
    p.add_argument("activation", metavar="NAME_OR_EXPR")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    res = symmetries(args.activation)
    group = res.details
    payload = group.to_json()
    payload["verdict"] = res.verdict
    if res.verdict == "exact":
        order = "finite, order %d" % len(group.families) if group.is_finite() else "infinite"
        lines = [f"affine symmetries of {group.activation.name} ({order}):"]
        if "ode" in payload:
            lines.append(f"  (detected {payload['ode']})")
        lines += [f"  {f.describe()}" for f in group.families]
        text = "\n".join(lines)
    else:
        text = f"affine symmetries of {group.activation.name}: unknown ({group.reason})"
    emit(args, payload, text)
    return 0
