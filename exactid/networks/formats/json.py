"""exactid's JSON network format (``.json``, or gzip-compressed ``.json.gz``).

``{"activation": "relu", "layers": [{"W": [[...]], "b": [...]}, ...]}`` with W of shape
(out, in); numbers are JSON integers, ``"p/q"`` strings or floats (their exact value).
Writing is canonical (sorted keys, ``"p/q"`` strings) and atomic.

>>> from exactid.networks.format import Network
>>> network_to_json(Network.from_lists("tanh", [([[0.25]], ["-1/3"])]))
{'activation': 'tanh', 'layers': [{'W': [['1/4']], 'b': ['-1/3']}]}
"""

from __future__ import annotations

import os
from typing import Any

from ...io.files import read_json, write_json


def network_from_json_object(obj: Any, source: str = "network") -> "Network":
    """A network from the parsed JSON object (``InputError`` naming ``source`` on failure)."""
    from ..format import network_from_json

    return network_from_json(obj, source)


def network_to_json(network: "Network") -> dict:
    """The JSON object of ``network`` (exact: integers and ``"p/q"`` strings)."""
    return network.to_json()


def load_json_network(path: str | os.PathLike) -> "Network":
    """Read a ``.json``/``.json.gz`` network file."""
    return network_from_json_object(read_json(path), str(path))


def save_json_network(path: str | os.PathLike, network: "Network") -> None:
    """Write ``network`` as canonical JSON, gzip-compressed when the name ends in ``.gz``."""
    write_json(path, network_to_json(network))
