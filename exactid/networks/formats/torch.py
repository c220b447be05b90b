"""PyTorch networks: ``torch.nn.Sequential`` objects and ``state_dict`` files (optional extra ``torch``).

torch is imported only when a PyTorch model is read; without it the reader stops with one line
naming the extra (``pip install 'exactid[torch]'``).

**Objects.** A ``torch.nn.Sequential`` (nested ones are flattened) of ``Linear`` layers with
``ReLU``, ``LeakyReLU``, ``Tanh`` or ``Sigmoid`` between them (these exact classes: a subclass
may compute something else and is refused); ``Identity`` anywhere and
``Flatten`` before the first ``Linear`` are accepted (the network's input is then the flattened
sample). The activation must be the same between all layers, and the last module must be
affine (the network's outputs are the logits). Float tensors (float16, bfloat16, float32,
float64) are converted exactly. ``LeakyReLU.negative_slope`` is a Python float, converted
exactly; ``leaky_relu_slope="1/100"`` gives the exact rational meant instead (accepted when
that float is the float64 nearest to it).

**Files** saved with ``torch.save`` are read with ``torch.load(..., weights_only=True)`` only:
arbitrary pickled objects (a whole ``nn.Module``, custom classes) are refused, never executed.
Accepted content:

- ``{"state_dict": model.state_dict(), "activation": "relu"}`` (the recommended form:
  a state_dict does not record activations), or
- a bare ``model.state_dict()``, with the activation given by the caller
  (``load_network(path, activation="relu")``, ``Network.from_torch(path, activation="relu")``).

The state_dict must hold only ``<prefix>N.weight`` (2-d, (out, in)) and ``<prefix>N.bias`` (1-d,
optional: zero when missing) of the ``Linear`` layers, for one prefix; layers are ordered by the
integer ``N`` (as in a Sequential) or, when the names are not integers, in the stored order
(the order the layers were registered, which must be the order of the forward pass).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Optional

import flint
import numpy as np

from ...errors import InputError, ShapeError
from .common import exact_column, exact_matrix, exact_scalar, leaky_relu_name, normalize_activation, one_line, read_file_bytes

EXTRA_MESSAGE = "reading PyTorch models needs torch, the optional extra 'torch': pip install 'exactid[torch]'"
_KEY = re.compile(r"^(.*?)([^.]+)\.(weight|bias)$")


def _torch():
    try:
        import torch
    except ImportError:
        raise InputError(EXTRA_MESSAGE) from None
    return torch


def _array(tensor: Any, what: str) -> np.ndarray:
    torch = _torch()
    if not isinstance(tensor, torch.Tensor):
        raise InputError(f"{what}: expected a tensor, got {type(tensor).__name__}")
    try:
        t = tensor.detach().cpu()
        if t.is_complex():
            raise InputError(f"{what}: complex tensors are not supported")
        if t.dtype.is_floating_point:
            t = t.to(torch.float64)  # exact for float16, bfloat16 and float32
        return t.numpy()
    except InputError:
        raise
    except Exception as exc:  # meta tensors, sparse layouts, ...
        raise InputError(f"{what}: cannot be read ({one_line(exc)})") from None


def _slope(value: float, override: Optional[Fraction], where: str) -> Fraction:
    if override is None:
        q = exact_scalar(float(value), f"{where}: negative_slope")
        return Fraction(int(q.p), int(q.q))
    if float(override) != float(value):
        raise InputError(f"{where}: negative_slope = {value!r} is not the float nearest to the given slope {override}")
    return override


def _parse_override(value: Any) -> Optional[Fraction]:
    if value is None or isinstance(value, Fraction):
        return value
    try:
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"leaky ReLU slope {value!r} is not a rational p/q") from None


def _flatten_modules(module: Any, torch: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if type(module) is torch.nn.Sequential:
        out = []
        for name, child in module.named_children():
            out.extend(_flatten_modules(child, torch, f"{prefix}{name}."))
        return out
    return [(prefix.rstrip(".") or type(module).__name__, module)]


def network_from_module(module: Any, leaky_relu_slope: Any = None) -> "Network":
    """An exact network from a ``torch.nn.Sequential`` (or a single ``Linear``)."""
    from ..format import Network

    torch = _torch()
    override = _parse_override(leaky_relu_slope)
    nn = torch.nn
    if type(module) not in (nn.Sequential, nn.Linear):
        raise InputError(f"expected a torch.nn.Sequential of Linear layers and activations, got {type(module).__name__}")
    weights, biases, activations = [], [], []
    pending: Optional[tuple[str, str]] = None
    for name, child in _flatten_modules(module, torch):
        where = f"module {name} ({type(child).__name__})"
        kind = type(child)  # exact types: a subclass may compute something else in its forward
        if kind is nn.Identity:
            continue
        if kind is nn.Flatten:
            if weights or child.start_dim != 1 or child.end_dim != -1:
                raise InputError(f"{where}: only Flatten(start_dim=1) before the first Linear is supported")
            continue
        if kind is nn.Linear:
            w = exact_matrix(_array(child.weight, f"{where} weight"), f"{where} weight")
            b = (exact_column(_array(child.bias, f"{where} bias"), f"{where} bias") if child.bias is not None
                 else flint.fmpq_mat(w.nrows(), 1))
            if weights:
                activations.append(pending or ("identity", where))
            weights.append(w)
            biases.append(b)
            pending = None
            continue
        if kind in (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.LeakyReLU):
            if not weights:
                raise InputError(f"{where}: an activation on the input is not part of exactid's networks")
            if pending is not None:
                raise InputError(f"{where}: two activations in a row")
            if kind is nn.LeakyReLU:
                act = leaky_relu_name(_slope(child.negative_slope, override, where))
            else:
                act = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "logistic"}[kind]
            pending = (act, where)
            continue
        raise InputError(f"{where}: unsupported module (supported: Linear, ReLU, LeakyReLU, Tanh, Sigmoid, "
                         f"Identity, Flatten)")
    if not weights:
        raise InputError("the module has no Linear layer")
    if pending is not None:
        raise InputError(f"{pending[1]}: the output passes through an activation; exactid's networks end with "
                         f"the affine output layer (the logits): remove the final activation")
    names = {a for a, _ in activations}
    if len(names) > 1:
        detail = ", ".join(f"{a} at {w}" for a, w in activations)
        raise InputError(f"the hidden layers use different activations ({detail}); exactid's networks have one")
    return Network.from_matrices(names.pop() if names else "identity", weights, biases)


def network_from_state_dict(state: Mapping, activation: Any, source: str = "state_dict") -> "Network":
    """An exact network from a ``state_dict`` of ``Linear`` layers and the activation's name."""
    from ..format import Network

    if activation is None:
        raise InputError(f"{source}: a state_dict does not record the activation; save "
                         f"{{'state_dict': model.state_dict(), 'activation': 'relu'}} or give the activation")
    activation = normalize_activation(activation)
    prefixes, order, layers = set(), [], {}
    for key, value in state.items():
        match = _KEY.match(key) if isinstance(key, str) else None
        if not match:
            raise InputError(f"{source}: unexpected entry {key!r} (expected <layer>.weight and <layer>.bias "
                             f"of Linear layers only)")
        prefix, layer, part = match.groups()
        prefixes.add(prefix)
        if layer not in layers:
            order.append(layer)
            layers[layer] = {}
        layers[layer][part] = value
    if not layers:
        raise InputError(f"{source}: the state_dict is empty")
    if len(prefixes) > 1:
        raise InputError(f"{source}: layers under several prefixes {sorted(prefixes)}; expected one Sequential")
    if all(name.isdigit() for name in order):
        order.sort(key=int)
    weights, biases = [], []
    for name in order:
        parts = layers[name]
        if "weight" not in parts:
            raise InputError(f"{source}: layer {name} has a bias but no weight")
        w = _array(parts["weight"], f"{source}: {name}.weight")
        if w.ndim != 2:
            raise ShapeError(f"{source}: {name}.weight has shape {list(w.shape)}; only Linear layers (2-d weights) "
                             f"are supported")
        weights.append(exact_matrix(w, f"{source}: {name}.weight"))
        biases.append(exact_column(_array(parts["bias"], f"{source}: {name}.bias"), f"{source}: {name}.bias")
                      if "bias" in parts else flint.fmpq_mat(w.shape[0], 1))
    try:
        return Network.from_matrices(activation, weights, biases)
    except ShapeError as exc:
        raise ShapeError(f"{source}: {exc}") from None


def load_torch_file(path: str | os.PathLike) -> Any:
    """The content of a ``torch.save`` file, loaded with ``weights_only=True`` (never arbitrary objects)."""
    data = read_file_bytes(path)
    torch = _torch()
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises pickle's UnpicklingError when weights_only refuses an object
        if type(exc).__name__ == "UnpicklingError" and "weights only" in str(exc).lower():
            raise InputError(f"{path}: holds objects other than tensors and plain containers, refused "
                             f"(save model.state_dict(), not the model) [{one_line(exc, 160)}]") from None
        raise InputError(f"{path}: not a readable PyTorch file ({one_line(exc, 160)})") from None


def network_from_torch(source: Any, activation: Any = None, leaky_relu_slope: Any = None) -> "Network":
    """An exact network from a PyTorch module, a state_dict (or ``{"state_dict", "activation"}``),
    or a ``torch.save`` file holding one of these (see the module docstring)."""
    where = "state_dict"
    if isinstance(source, (str, os.PathLike)):
        where = str(source)
        source = load_torch_file(source)
        if not isinstance(source, Mapping):
            raise InputError(f"{where}: expected a state_dict (or {{'state_dict': ..., 'activation': ...}}), "
                             f"got {type(source).__name__}")
    if isinstance(source, Mapping) and "state_dict" in source:
        extra = set(source) - {"state_dict", "activation"}
        if extra:
            raise InputError(f"{where}: unexpected keys {sorted(map(str, extra))} next to 'state_dict'")
        stored = source.get("activation")
        if stored is not None and not isinstance(stored, str):
            raise InputError(f"{where}: 'activation' must be a string")
        if stored is not None and activation is not None and \
                normalize_activation(stored) != normalize_activation(activation):
            raise InputError(f"{where}: the file says activation {stored!r}, the caller {activation!r}")
        activation = stored if stored is not None else activation
        source = source["state_dict"]
        if not isinstance(source, Mapping):
            raise InputError(f"{where}: 'state_dict' must be a mapping of tensors")
    if isinstance(source, Mapping):
        if leaky_relu_slope is not None:  # the exact slope of a state_dict's leaky ReLU
            if activation is not None and not normalize_activation(activation).startswith("leaky_relu"):
                raise InputError(f"{where}: a leaky ReLU slope was given for activation {activation!r}")
            activation = leaky_relu_name(_parse_override(leaky_relu_slope))
        return network_from_state_dict(source, activation, where)
    return network_from_module(source, leaky_relu_slope=leaky_relu_slope)
