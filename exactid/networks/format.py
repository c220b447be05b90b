"""The network type shared by every network command, and exactid's JSON network format.

``{"activation": "relu" | "tanh" | "logistic" | ..., "layers": [{"W": [[...]], "b": [...]}, ...]}``
with W of shape (out, in); numbers are JSON integers, strings "p/q", or floats (converted
exactly).  The last layer is affine (no activation).  Sample files are ``{"X": [[...], ...]}``
with one row per sample.

Optional, per layer: ``"W_mask"`` (rows of 0/1, the shape of W) and ``"b_mask"`` (0/1 per
bias) mark which parameters are free (1) and which are fixed at zero (0), for masked or sparse
layers; a layer without ``"b"`` has no bias (all biases fixed at 0).  A fixed entry must be 0.
Files without masks mean every parameter is free.

Other file formats (ONNX, scikit-learn, PyTorch, ``.npz``; samples from ``.npy``, ``.npz``,
``.csv``) live in :mod:`exactid.networks.formats`; :func:`load_network` and
:func:`load_samples` here dispatch to it, so every command reads every format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import flint
import numpy as np

from ..domains.base import to_fmpq
from ..errors import InputError, ShapeError
from ..io.files import write_json


@dataclass
class Network:
    """An exact feed-forward network: ``weights[l]`` (out x in) and ``biases[l]`` (out x 1).

    >>> net = Network.from_lists("relu", [([[1, -1]], [0]), ([[2]], ["1/2"])])
    >>> net.widths
    [2, 1, 1]
    """

    activation: str
    weights: list[flint.fmpq_mat]
    biases: list[flint.fmpq_mat]
    #: per layer (W mask, b mask) of booleans (True = free); None when every parameter is free
    masks: Optional[list[tuple[np.ndarray, np.ndarray]]] = None

    def free_parameters(self) -> Optional[np.ndarray]:
        """Boolean mask over theta (W_l row-major then b_l, layer by layer), or None if all are free."""
        if self.masks is None:
            return None
        return np.concatenate([np.concatenate([wm.ravel(), bm.ravel()]) for wm, bm in self.masks]).astype(bool)

    def with_masks(self, masks: Optional[Sequence[tuple[Any, Any]]]) -> "Network":
        """A copy with masks (per layer (W mask, b mask), 0/1); fixed entries must be 0."""
        if masks is None:
            return Network(self.activation, self.weights, self.biases)
        if len(masks) != self.depth:
            raise ShapeError(f"{len(masks)} masks for {self.depth} layers")
        out = []
        for l, ((wm, bm), w, b) in enumerate(zip(masks, self.weights, self.biases), start=1):
            wm, bm = np.asarray(wm), np.asarray(bm).ravel()
            if wm.shape != (w.nrows(), w.ncols()) or bm.shape != (b.nrows(),):
                raise ShapeError(f"layer {l}: the masks do not have the shapes of W and b")
            if not (np.isin(wm, (0, 1)).all() and np.isin(bm, (0, 1)).all()):
                raise InputError(f"layer {l}: masks must hold 0 or 1")
            wm, bm = wm.astype(bool), bm.astype(bool)
            if any(w[i, j] != 0 for i, j in zip(*np.nonzero(~wm))) or any(b[i, 0] != 0 for i in np.flatnonzero(~bm)):
                raise InputError(f"layer {l}: a parameter fixed by the mask is not 0")
            out.append((wm, bm))
        return Network(self.activation, self.weights, self.biases, out)

    @property
    def widths(self) -> list[int]:
        return [self.weights[0].ncols()] + [w.nrows() for w in self.weights]

    @property
    def depth(self) -> int:
        return len(self.weights)

    @property
    def num_parameters(self) -> int:
        return sum(w.nrows() * w.ncols() + w.nrows() for w in self.weights)

    @property
    def num_hidden(self) -> int:
        return sum(self.widths[1:-1])

    @classmethod
    def from_lists(cls, activation: str, layers: Sequence[tuple[Any, Any]]) -> "Network":
        weights, biases = [], []
        for index, (w, b) in enumerate(layers):
            weights.append(_matrix(w, f"layer {index} W"))
            bias = _vector(b, f"layer {index} b")
            if bias.nrows() != weights[-1].nrows():
                raise ShapeError(f"layer {index}: W has {weights[-1].nrows()} rows but b has {bias.nrows()} entries")
            biases.append(bias)
        for index in range(1, len(weights)):
            if weights[index].ncols() != weights[index - 1].nrows():
                raise ShapeError(
                    f"layer {index}: W has {weights[index].ncols()} columns, previous layer has "
                    f"{weights[index - 1].nrows()} outputs"
                )
        if not weights:
            raise InputError("a network needs at least one layer")
        if not isinstance(activation, str) or not activation.strip():
            raise InputError("'activation' must be a non-empty string")
        from .formats.common import normalize_activation

        return cls(normalize_activation(activation), weights, biases)

    @classmethod
    def from_numpy(cls, weights: Any, biases: Any, activation: Any = None,
                   denominator: int | None = None) -> "Network":
        """From numeric arrays ``weights[l]`` (out x in) and ``biases[l]``: floats are converted
        exactly (or rounded to multiples of ``1/denominator`` when it is given).

        The older argument order ``from_numpy(activation, weights, biases)`` is also accepted.

        >>> Network.from_numpy([np.array([[0.5, 1.0]])], [np.array([0.25])], "relu").to_json()
        {'activation': 'relu', 'layers': [{'W': [['1/2', 1]], 'b': ['1/4']}]}
        """
        if isinstance(weights, str):  # legacy order (activation, weights, biases)
            weights, biases, activation = biases, activation, weights
        if activation is None:
            raise InputError("from_numpy needs the activation")
        from .formats.common import exact_column, exact_matrix

        weights, biases = list(weights), list(biases)
        if len(weights) != len(biases):
            raise InputError(f"{len(weights)} weight matrices but {len(biases)} bias vectors")
        ws, bs = [], []
        for index, (w, b) in enumerate(zip(weights, biases)):
            w, b = np.atleast_2d(np.asarray(w)), np.ravel(np.asarray(b))
            if denominator is not None:
                ws.append(flint.fmpq_mat(w.shape[0], w.shape[1], _round_to(w, denominator, f"layer {index} W")))
                bs.append(flint.fmpq_mat(b.shape[0], 1, _round_to(b, denominator, f"layer {index} b")))
            else:
                ws.append(exact_matrix(w, f"layer {index} W"))
                bs.append(exact_column(b, f"layer {index} b"))
        return cls.from_matrices(activation, ws, bs)

    @classmethod
    def from_matrices(cls, activation: Any, weights: Sequence[flint.fmpq_mat],
                      biases: Sequence[flint.fmpq_mat]) -> "Network":
        """From exact matrices (out x in) and bias columns, checking that the shapes chain and
        normalizing the activation name."""
        from .formats.common import normalize_activation

        weights, biases = list(weights), list(biases)
        if not weights:
            raise InputError("a network needs at least one layer")
        if len(weights) != len(biases):
            raise InputError(f"{len(weights)} weight matrices but {len(biases)} bias vectors")
        for index, (w, b) in enumerate(zip(weights, biases)):
            if b.ncols() != 1 or b.nrows() != w.nrows():
                raise ShapeError(f"layer {index}: W has {w.nrows()} rows but b has {b.nrows()} entries")
            if index and w.ncols() != weights[index - 1].nrows():
                raise ShapeError(f"layer {index}: W has {w.ncols()} columns, previous layer has "
                                 f"{weights[index - 1].nrows()} outputs")
        return cls(normalize_activation(activation), weights, biases)

    @classmethod
    def from_onnx(cls, path_or_model: Any, leaky_relu_slope: Any = None, output: Any = None) -> "Network":
        """Read an ONNX model (a path, bytes, or an ``onnx.ModelProto``), up to the tensor
        ``output`` when given; see :mod:`exactid.networks.formats.onnx` for the supported graphs."""
        from .formats.onnx import network_from_onnx

        return network_from_onnx(path_or_model, leaky_relu_slope=leaky_relu_slope, output=output)

    @classmethod
    def from_sklearn(cls, estimator: Any) -> "Network":
        """A fitted scikit-learn ``MLPClassifier``/``MLPRegressor``; the outputs are the logits."""
        from .formats.sklearn import network_from_sklearn

        return network_from_sklearn(estimator)

    @classmethod
    def from_torch(cls, module_or_path: Any, activation: Any = None, leaky_relu_slope: Any = None) -> "Network":
        """A ``torch.nn.Sequential`` of ``Linear`` layers and activations, or a file saved with
        ``torch.save`` (read with ``weights_only=True``); see :mod:`exactid.networks.formats.torch`."""
        from .formats.torch import network_from_torch

        return network_from_torch(module_or_path, activation=activation, leaky_relu_slope=leaky_relu_slope)

    def to_onnx(self, path: Any = None) -> Any:
        """The network as an ``onnx.ModelProto`` (float64 weights, refused unless every
        parameter is a float64); written atomically to ``path`` when given."""
        from .formats.onnx import network_to_onnx, write_onnx_model

        model = network_to_onnx(self)
        if path is not None:
            write_onnx_model(path, model)
        return model

    def to_json(self, path: Any = None) -> dict:
        """exactid's JSON form (a dict); also written (canonical, atomic) to ``path`` when given."""
        if path is not None:
            write_json(path, self.to_json())

        def enc(q: flint.fmpq) -> Any:
            return int(q.p) if q.q == 1 else f"{q.p}/{q.q}"

        layers = []
        for w, b in zip(self.weights, self.biases):
            layers.append({"W": [[enc(w[i, j]) for j in range(w.ncols())] for i in range(w.nrows())],
                           "b": [enc(b[i, 0]) for i in range(b.nrows())]})
        for layer, (wm, bm) in zip(layers, self.masks or []):
            layer["W_mask"] = wm.astype(int).tolist()
            layer["b_mask"] = bm.astype(int).tolist()
        return {"activation": self.activation, "layers": layers}

    def to_numpy(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """float64 weights and biases, each the float nearest to the exact value."""
        def conv(m: flint.fmpq_mat) -> np.ndarray:
            return np.array([_nearest_float(q) for q in m.entries()], dtype=np.float64).reshape(m.nrows(), m.ncols())

        return [conv(w) for w in self.weights], [conv(b).ravel() for b in self.biases]


def _nearest_float(q: flint.fmpq) -> float:
    try:
        return int(q.p) / int(q.q)  # Python's int / int is correctly rounded
    except OverflowError:
        return math.copysign(math.inf, int(q.p))


def _round_to(a: np.ndarray, denominator: int, what: str) -> list[flint.fmpq]:
    """The entries rounded to the nearest multiples of 1/denominator (ties to even)."""
    values = np.asarray(a, dtype=np.float64).ravel().tolist()
    if not all(math.isfinite(v) for v in values):
        raise InputError(f"{what}: not a finite number")
    return [flint.fmpq(round(v * denominator), denominator) for v in values]


def random_rational_network(activation: str, widths: Sequence[int], seed: int) -> Network:
    """A reproducible network with small rational weights (numerators in [-6, 6] over 1..3)
    and biases (numerators in [-4, 4] over 1..2), for examples, tests and benchmarks.

    >>> random_rational_network("tanh", [3, 4, 1], seed=0).widths
    [3, 4, 1]
    """
    import random
    from fractions import Fraction

    rng = random.Random(seed)
    layers = [([[Fraction(rng.randint(-6, 6), rng.randint(1, 3)) for _ in range(widths[k])]
                for _ in range(widths[k + 1])],
               [Fraction(rng.randint(-4, 4), rng.randint(1, 2)) for _ in range(widths[k + 1])])
              for k in range(len(widths) - 1)]
    return Network.from_lists(activation, layers)


def _matrix(rows: Any, what: str) -> flint.fmpq_mat:
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        raise InputError(f"{what} must be a non-empty list of rows")
    width = len(rows[0])
    if width == 0 or any(len(r) != width for r in rows):
        raise ShapeError(f"{what} has ragged or empty rows")
    try:
        return flint.fmpq_mat([[to_fmpq(x) for x in r] for r in rows])
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None


def _vector(values: Any, what: str) -> flint.fmpq_mat:
    if not isinstance(values, list) or not values or any(isinstance(v, list) for v in values):
        raise InputError(f"{what} must be a non-empty list of numbers")
    try:
        return flint.fmpq_mat([[to_fmpq(x)] for x in values])
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None


def network_from_json(obj: Any, source: str = "network") -> Network:
    if not isinstance(obj, dict) or "layers" not in obj or "activation" not in obj:
        raise InputError(f"{source}: expected an object with 'activation' and 'layers'")
    layers = obj["layers"]
    if not isinstance(layers, list) or not all(isinstance(l, dict) and "W" in l for l in layers):
        raise InputError(f"{source}: 'layers' must be a list of objects with 'W' (and 'b')")
    try:
        biasless = [("b" not in l) for l in layers]
        rows = [(l["W"], l["b"] if "b" in l else [0] * (len(l["W"]) if isinstance(l["W"], list) else 0))
                for l in layers]
        net = Network.from_lists(obj["activation"], rows)
        if not any(biasless) and not any("W_mask" in l or "b_mask" in l for l in layers):
            return net
        masks = []
        for l, no_bias, w in zip(layers, biasless, net.weights):
            wm = l.get("W_mask", [[1] * w.ncols() for _ in range(w.nrows())])
            bm = l.get("b_mask", [0 if no_bias else 1] * w.nrows())
            if not isinstance(wm, list) or not isinstance(bm, list) or any(not isinstance(r, list) for r in wm):
                raise InputError("W_mask must be rows of 0/1 and b_mask a list of 0/1")
            if any(type(v) is not int for r in wm for v in r) or any(type(v) is not int for v in bm):
                raise InputError("masks must hold the integers 0 or 1")
            if len(wm) != w.nrows() or any(len(r) != w.ncols() for r in wm):
                raise ShapeError("W_mask does not have the shape of W")
            masks.append((np.array(wm, dtype=np.int64).reshape(w.nrows(), w.ncols()), np.array(bm, dtype=np.int64)))
        return net.with_masks(masks)
    except InputError as exc:
        raise type(exc)(f"{source}: {exc}") from None


def load_network(path: str, **options: Any) -> Network:
    """Read a network file of any supported format (see :func:`exactid.networks.formats.load_network`)."""
    from .formats import load_network as load

    return load(path, **options)


def save_network(path: str, network: Network) -> None:
    """Write ``network`` as JSON (``.json``/``.json.gz``), ONNX (``.onnx``) or ``.npz``, atomically."""
    from .formats import save_network as save

    save(path, network)


def samples_from_json(obj: Any, source: str = "samples") -> flint.fmpq_mat:
    """Sample matrix, one row per sample."""
    if not isinstance(obj, dict) or "X" not in obj:
        raise InputError(f"{source}: expected an object with key 'X'")
    return _matrix(obj["X"], f"{source}: X")


def load_samples(path: str, width: int | None = None) -> flint.fmpq_mat:
    """Samples, one row each, from ``.json``/``.json.gz`` (``{"X": ...}``), ``.npy``, ``.npz``
    (key ``X`` or the only array) or ``.csv``; ``width`` (the network's input width) is
    checked when given.  See :mod:`exactid.networks.formats.samples`."""
    from .formats.samples import load_samples as load

    return load(path, width=width)
