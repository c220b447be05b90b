"""Networks in numpy ``.npz`` archives, and the safe reading of ``.npy``/``.npz`` files.

A network archive holds ``W0, b0, W1, b1, ..., W{L-1}, b{L-1}`` and ``activation``:

- ``Wl`` has shape (out, in), exactid's orientation (scikit-learn's ``coefs_`` are (in, out):
  transpose them, or use :func:`exactid.networks.formats.sklearn.network_from_sklearn`);
- ``bl`` has shape (out,) (or (out, 1));
- ``activation`` is a string array (0-d or one element), e.g. ``np.array("relu")``.

Integer and float arrays are converted exactly; the archive is read with
``allow_pickle=False`` (object arrays are refused), and any other key is refused so that a
misspelled layer is not silently dropped. :func:`save_npz_network` writes such an archive when
every parameter is a float64 value.

>>> arrays = {"W0": np.array([[1.5, -2.0]]), "b0": np.array([0.25]), "activation": np.array("relu")}
>>> network_from_npz_arrays(arrays, "net.npz").to_json()
{'activation': 'relu', 'layers': [{'W': [['3/2', -2]], 'b': ['1/4']}]}
"""

from __future__ import annotations

import io
import os
import re
import zipfile

import numpy as np

from ...errors import InputError, ShapeError
from ...io.arrays import load_npz
from .common import exact_column, exact_matrix, float64_array

_LAYER_KEY = re.compile(r"^([Wb])(0|[1-9][0-9]*)$")


def _activation_of(value: np.ndarray, source: str) -> str:
    if value.dtype.kind not in "US" or value.size != 1:
        raise InputError(f"{source}: 'activation' must be one string (e.g. np.array('relu')), "
                         f"got dtype {value.dtype} and shape {list(value.shape)}")
    item = value.reshape(()).item()
    return item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)


def network_from_npz_arrays(arrays: dict[str, np.ndarray], source: str = "npz") -> "Network":
    """A network from the arrays of an archive (see the module docstring)."""
    from ..format import Network

    if "activation" not in arrays:
        raise InputError(f"{source}: no 'activation' array (expected W0, b0, W1, b1, ... and activation)")
    layers: dict[int, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        if key == "activation":
            continue
        match = _LAYER_KEY.match(key)
        if not match:
            raise InputError(f"{source}: unexpected array {key!r} (expected W0, b0, W1, b1, ... and activation)")
        layers.setdefault(int(match.group(2)), {})[match.group(1)] = value
    if not layers:
        raise InputError(f"{source}: no layers (expected W0, b0, W1, b1, ... and activation)")
    count = max(layers) + 1
    for l in range(count):
        for part in "Wb":
            if part not in layers.get(l, {}):
                raise InputError(f"{source}: missing array {part}{l} (found {sorted(arrays)})")
    weights, biases = [], []
    for l in range(count):
        weights.append(exact_matrix(layers[l]["W"], f"{source}: W{l}"))
        b = layers[l]["b"]
        if b.ndim == 2 and b.shape[1] == 1:
            b = b[:, 0]
        biases.append(exact_column(b, f"{source}: b{l}"))
    try:
        return Network.from_matrices(_activation_of(arrays["activation"], source), weights, biases)
    except ShapeError as exc:
        raise ShapeError(f"{source}: {exc}") from None


def load_npz_network(path: str | os.PathLike) -> "Network":
    """Read a network ``.npz`` file."""
    return network_from_npz_arrays(load_npz(path), str(path))


def save_npz_network(path: str | os.PathLike, network: "Network") -> None:
    """Write ``W0, b0, ..., activation`` (float64; refused unless every parameter is a float64), atomically."""
    from ...io.files import atomic_write_bytes

    arrays: dict[str, np.ndarray] = {"activation": np.array(network.activation)}
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        arrays[f"W{l}"] = float64_array(w, f"W{l}")
        arrays[f"b{l}"] = float64_array(b, f"b{l}").ravel()
    atomic_write_bytes(path, npz_bytes(arrays))


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An uncompressed ``.npz`` archive with fixed timestamps: the same arrays give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), member.getvalue())
    return buf.getvalue()
