"""Networks as certificates hold them: ``{"activation": name, "layers": [{"W": rows, "b": list}]}``."""

from __future__ import annotations

from .arith import rational
from .errors import Malformed

MAX_PARAMETERS = 100_000


def parse_network(obj, what: str = "network") -> tuple[object, list[int], list]:
    """(activation name, unchecked; widths; layers ``[[W rows, b], ...]`` of Fractions)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("layers"), list) or not obj["layers"]:
        raise Malformed(f"{what}: expected an object with a non-empty 'layers' list")
    layers, widths, count = [], [], 0
    for k, layer in enumerate(obj["layers"]):
        W, b = (layer.get(key) if isinstance(layer, dict) else None for key in ("W", "b"))
        if not (isinstance(W, list) and W and isinstance(b, list) and len(b) == len(W)
                and all(isinstance(r, list) and r and len(r) == len(W[0]) for r in W)):
            raise Malformed(f"{what} layer {k}: W must be a non-empty rectangle with one bias per row")
        if widths and len(W[0]) != widths[-1]:
            raise Malformed(f"{what} layer {k}: {len(W[0])} inputs but the previous layer has {widths[-1]} outputs")
        count += len(W) * (len(W[0]) + 1)
        if count > MAX_PARAMETERS:
            raise Malformed(f"{what}: more than {MAX_PARAMETERS} parameters")
        widths += [len(W)] if widths else [len(W[0]), len(W)]
        layers.append([[[rational(x, f"{what} W") for x in r] for r in W], [rational(x, f"{what} b") for x in b]])
    return obj.get("activation"), widths, layers
