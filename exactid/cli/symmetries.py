"""``exactid symmetries NAME_OR_EXPR``: the affine symmetry group of an activation."""

from __future__ import annotations

from ..errors import InputError
from ..networks.symmetries import affine_symmetries
from .common import add_json_flag, emit


def register(sub, groups) -> None:
    p = sub.add_parser("symmetries", help="affine symmetries (A, B) with σ∘A = B∘σ of an activation",
                       description="Names: relu, tanh, logistic, exp, hardtanh, identity, leaky_relu:P/Q; "
                                   "or an expression in t, e.g. '2*tanh(t)+1' (numbers, t, + - * / **, "
                                   "exp log tanh sinh cosh sin cos atan asinh erf sqrt abs max min relu; "
                                   "read by a whitelisted parser, never evaluated; it must be defined and "
                                   "continuous on all of R).")
    p.add_argument("activation", metavar="NAME_OR_EXPR")
    add_json_flag(p)
    p.set_defaults(func=run)


def run(args) -> int:
    group = affine_symmetries(args.activation)
    payload = group.to_json()
    payload["verdict"] = "decided" if group.status == "exact" else "undecided"
    if group.status == "exact":
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
