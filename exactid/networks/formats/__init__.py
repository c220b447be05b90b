"""Network file formats: one reader per format, one dispatcher used by every command.

``load_network(path)`` chooses the reader by the file name's extension, and by the first
bytes when the extension says nothing:

=====================  ==============================================  ======================
extension              format                                          module
=====================  ==============================================  ======================
``.json``, ``.json.gz`` exactid's JSON (``{"activation", "layers"}``)  :mod:`.json`
``.onnx``              ONNX graph of Gemm/MatMul+Add and activations   :mod:`.onnx`
``.npz``               ``W0, b0, W1, b1, ...`` and ``activation``      :mod:`.npz`
``.pt``, ``.pth``      PyTorch state_dict saved with ``torch.save``    :mod:`.torch`
=====================  ==============================================  ======================

scikit-learn estimators are objects, not files: :func:`exactid.networks.formats.sklearn.network_from_sklearn`
(or ``Network.from_sklearn``). Samples: :mod:`.samples`.

Every number is converted to the exact rational it denotes (floats are dyadic rationals);
every failure is an :class:`exactid.errors.InputError` with a one-line message.

>>> import tempfile, os
>>> from exactid.networks.format import Network
>>> net = Network.from_lists("relu", [([[1, "1/2"]], [0]), ([[2]], [1])])
>>> with tempfile.TemporaryDirectory() as d:
...     save_network(os.path.join(d, "net.onnx"), net)
...     load_network(os.path.join(d, "net.onnx")) == net
True
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ...errors import InputError
from .common import normalize_activation
from .samples import load_samples

__all__ = ["load_network", "save_network", "load_samples", "network_format", "normalize_activation",
           "NETWORK_SUFFIXES", "WRITABLE_SUFFIXES"]

#: Endings of the file names :func:`save_network` writes.
WRITABLE_SUFFIXES = (".json", ".json.gz", ".onnx", ".npz")

#: Extensions recognized by :func:`load_network` and their format names.
NETWORK_SUFFIXES = {".json": "json", ".gz": "json", ".onnx": "onnx", ".npz": "npz", ".pt": "torch", ".pth": "torch"}


def network_format(path: str | os.PathLike) -> str:
    """The format of a network file: ``json``, ``onnx``, ``npz`` or ``torch``.

    By extension; otherwise by the first bytes (JSON text or gzip: ``json``; a zip archive:
    ``npz`` when it holds ``.npy`` members, else ``torch``); anything else is read as JSON,
    as exactid always did.

    >>> network_format("model.onnx"), network_format("net.json.gz"), network_format("w.pth")
    ('onnx', 'json', 'torch')
    """
    suffix = Path(path).suffix.lower()
    if suffix in NETWORK_SUFFIXES:
        return NETWORK_SUFFIXES[suffix]
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return "json"  # the JSON reader reports the missing file as it always did
    if head[:2] == b"PK":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except Exception:  # an unreadable archive: the JSON reader reports it as it always did
            return "json"
        return "npz" if names and all(n.endswith(".npy") for n in names) else "torch"
    return "json"


def load_network(path: str | os.PathLike, *, activation: Any = None, leaky_relu_slope: Any = None,
                 onnx_output: Any = None) -> "Network":
    """Read a network from a file of any supported format.

    ``activation`` is needed only for a PyTorch state_dict that does not name it;
    ``leaky_relu_slope`` (an exact rational such as ``"1/100"``) replaces the float32 slope
    of ONNX ``LeakyRelu`` nodes when it rounds to that float32 (see :mod:`.onnx`);
    ``onnx_output`` names the ONNX tensor to read up to (the logits, before a Softmax).
    """
    from ..format import Network  # noqa: F401  (the return type)

    kind = network_format(path)
    if onnx_output is not None and kind != "onnx":
        raise InputError(f"{path}: an ONNX output tensor was named, but this is not an ONNX file")
    if kind == "onnx":
        from .onnx import network_from_onnx

        return network_from_onnx(path, leaky_relu_slope=leaky_relu_slope, output=onnx_output)
    if kind == "npz":
        from .npz import load_npz_network

        return load_npz_network(path)
    if kind == "torch":
        from .torch import network_from_torch

        return network_from_torch(path, activation=activation, leaky_relu_slope=leaky_relu_slope)
    from .json import load_json_network

    return load_json_network(path)


def save_network(path: str | os.PathLike, network: "Network") -> None:
    """Write ``network`` atomically: exactid JSON (``.json``, ``.json.gz``), ONNX (``.onnx``) or
    ``.npz``.

    ONNX and ``.npz`` hold floats: they refuse networks whose parameters are not all float64
    values (see :mod:`.onnx`); JSON holds every rational.
    """
    name = str(path).lower()
    if name.endswith(".onnx"):
        from .onnx import save_onnx

        save_onnx(path, network)
    elif name.endswith(".npz"):
        from .npz import save_npz_network

        save_npz_network(path, network)
    elif name.endswith(".json") or name.endswith(".json.gz"):
        from .json import save_json_network

        save_json_network(path, network)
    else:
        raise InputError(f"cannot write a network to {path}: the name must end in {', '.join(WRITABLE_SUFFIXES)}")
