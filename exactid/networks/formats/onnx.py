"""ONNX models in and out (the ``onnx`` package only; no runtime is needed or used).

**Reading.** The graph must be one chain from its single input to its single output, made of

- ``Gemm`` (any ``transA``, ``transB``, ``alpha``, ``beta``: ``alpha`` and ``beta`` are float32
  attributes, multiplied in exactly), ``MatMul`` and ``Add`` (a bias added after the linear map),
- ``Relu``, ``LeakyRelu``, ``Tanh``, ``Sigmoid`` between linear maps,
- ``Identity``, ``Flatten`` (axis 1) and ``Reshape`` to one vector per sample,

with weights and biases from initializers or ``Constant`` nodes. Tensors of float16, bfloat16,
float32, float64 and integer types are converted to the exact rationals they hold (a float is
a dyadic rational; there is no decimal rounding on the way). The data may flow as
(batch, features) rows or, with the weight as Gemm's first input, as (features, batch)
columns; a rank >= 3 input (images) is the flattened vector in C order.

Anything else is refused with :class:`InputError` naming the op and the node: other ops,
a second input or a branch, shapes that do not chain, NaN or infinite weights, weights in
external files, an activation after the last linear map (exactid's networks end with the
affine output layer: the logits), and different activations in different hidden layers
(exactid's networks have one activation). Two linear maps with no activation between them
are read as an ``identity`` activation (so a graph with no activation at all is a linear
network; a mix of an activation and none is refused like any mix). A graph with a single
linear map has no hidden layer: its activation is the one recorded by exactid's writer in the
model's metadata (``exactid:activation``), else ``identity``.

**Classifiers ending in Softmax.** Name the logits tensor (``output="logits"``,
``load_network(path, onnx_output=...)``, ``exactid convert --onnx-output``): the network is
the chain from the input up to that tensor; the nodes after it and the graph's outputs are
not read.

**LeakyRelu.** Its ``alpha`` is a float32 attribute: the default ``0.01`` is stored as the
float32 nearest to 1/100, which is ``5368709/536870912``, and that exact value is the slope
read (activation ``leaky_relu:5368709/536870912``). When the model means an exact rational,
pass it as ``leaky_relu_slope="1/100"``: it replaces every ``alpha`` that is the float32
nearest to it (anything else is refused).

**Writing** (:func:`network_to_onnx`): ``Gemm`` nodes with float64 initializers (``transB=1``,
W of shape (out, in)) and the activation nodes between them, input ``X`` of shape
(N, in), output ``Y`` of shape (N, out), opset 17, and the activation's name in the
metadata. ONNX stores floats, so a network whose
parameters are not all float64 values (1/3, say) is refused with the first such parameter
named: a lossy export would break the exactness that the rest of exactid keeps. The same
holds for a leaky ReLU slope that is not a float32.

>>> from exactid.networks.format import Network
>>> net = Network.from_lists("leaky_relu:1/4", [([[1, -2]], ["1/2"]), ([[3]], [0])])
>>> network_from_onnx(network_to_onnx(net)) == net
True
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Optional

import flint
import numpy as np

from ...errors import InputError, ShapeError
from .common import (exact_entries, exact_scalar, float64_array, leaky_relu_name, normalize_activation, one_line,
                     read_file_bytes)

SUPPORTED_OPS = ("Gemm", "MatMul", "Add", "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Flatten", "Identity",
                 "Reshape", "Constant")
#: The attributes each op may carry, and their kinds (anything else is refused).
_ATTRIBUTES = {"Gemm": {"alpha": "float", "beta": "float", "transA": "int", "transB": "int"},
               "LeakyRelu": {"alpha": "float"}, "Flatten": {"axis": "int"}, "Reshape": {"allowzero": "int"},
               "Constant": {"value": "tensor", "value_float": "float", "value_floats": "floats",
                            "value_int": "int", "value_ints": "ints"}}
_EXPORT_OPSET = 17
#: Model metadata key holding the activation's name (used only for networks with one layer).
METADATA_ACTIVATION = "exactid:activation"
_EXPORT_IR_VERSION = 8


def _onnx():
    try:
        import onnx
    except ImportError:  # pragma: no cover - onnx is in the test extra
        raise InputError("reading or writing ONNX needs onnx, the optional extra 'onnx': pip install 'exactid[onnx]'") from None
    return onnx


# --------------------------------------------------------------------------- reading
def load_onnx_model(source: Any) -> Any:
    """An ``onnx.ModelProto`` from a path, bytes, or a ModelProto (returned as is)."""
    onnx = _onnx()
    if isinstance(source, onnx.ModelProto):
        return source
    what = "ONNX bytes"
    if isinstance(source, (str, os.PathLike)):
        what = str(source)
        source = read_file_bytes(source)
    if not isinstance(source, (bytes, bytearray)):
        raise InputError(f"expected a path, bytes or an onnx.ModelProto, got {type(source).__name__}")
    try:
        model = onnx.load_model_from_string(bytes(source))
    except Exception as exc:  # protobuf's DecodeError and friends
        raise InputError(f"{what}: not a readable ONNX model ({type(exc).__name__})") from None
    if not model.HasField("graph"):
        raise InputError(f"{what}: not an ONNX model (no graph)")
    return model


class _Reader:
    """Walks the node list once, keeping the single live data tensor and the layers so far."""

    def __init__(self, graph: Any, source: str, leaky_relu_slope: Any, output: Optional[str] = None):
        self.onnx = _onnx()
        self.source = source
        self.override: Optional[Fraction] = leaky_relu_slope
        self.constants: dict[str, np.ndarray] = {}
        for tensor in graph.initializer:
            self.constants[tensor.name] = self.tensor(tensor, f"initializer {tensor.name!r}")
        if len(graph.sparse_initializer):
            raise InputError(f"{source}: sparse initializers are not supported")
        inputs = [i for i in graph.input if i.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(repr(i.name) for i in inputs) or "none"
            raise InputError(f"{source}: the graph must have exactly one data input (found {names})")
        if output is None and len(graph.output) != 1:
            raise InputError(f"{source}: the graph must have exactly one output (found {len(graph.output)}); "
                             f"name the logits tensor to read up to it")
        self.output_name = graph.output[0].name if output is None else output
        self.data = inputs[0].name
        self.dead: set[str] = set()
        dims = self.input_dims(inputs[0])
        if dims is None:
            self.layout, self.dims = "2d", [None, None]
        elif len(dims) == 1:
            self.layout, self.dims = "vec", dims
        elif len(dims) == 2:
            self.layout, self.dims = "2d", dims
        elif len(dims) >= 3:
            self.layout, self.dims = "nd", dims
        else:
            raise InputError(f"{source}: the input {self.data!r} is a scalar")
        self.width: Optional[int] = dims[-1] if dims is not None and len(dims) == 1 else None
        self.weights: list[flint.fmpq_mat] = []
        self.biases: list[list[flint.fmpq]] = []
        self.stage = "start"  # 'start' | 'affine' (a linear map is the last op) | 'activated'
        self.activations: list[tuple[str, str]] = []  # (activation, node) after each hidden layer
        self.pending: Optional[tuple[str, str]] = None

    # ---- helpers
    def tensor(self, proto: Any, what: str) -> np.ndarray:
        if proto.data_location == self.onnx.TensorProto.EXTERNAL:
            raise InputError(f"{self.source}: {what} is stored in an external file; not supported")
        if proto.data_type in (self.onnx.TensorProto.STRING, self.onnx.TensorProto.BOOL,
                               self.onnx.TensorProto.COMPLEX64, self.onnx.TensorProto.COMPLEX128,
                               self.onnx.TensorProto.UNDEFINED):
            raise InputError(f"{self.source}: {what} has an unsupported element type")
        try:
            array = self.onnx.numpy_helper.to_array(proto)
        except Exception as exc:
            raise InputError(f"{self.source}: {what} cannot be read ({one_line(exc)})") from None
        if array.dtype.kind not in "iuf":
            try:
                array = array.astype(np.float64)  # bfloat16 and float8 types: exact in float64
            except (TypeError, ValueError):
                raise InputError(f"{self.source}: {what} has unsupported element type {array.dtype}") from None
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise InputError(f"{self.source}: {what} holds NaN or infinite values")
        return array

    def input_dims(self, value_info: Any) -> Optional[list[Optional[int]]]:
        t = value_info.type
        if not t.HasField("tensor_type") or not t.tensor_type.HasField("shape"):
            return None
        return [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                for d in t.tensor_type.shape.dim]

    def where(self, node: Any) -> str:
        return f"{self.source}: {node.op_type} node {node.name or '(unnamed)'!r}"

    def split_inputs(self, node: Any, count: int, required: Optional[int] = None) -> tuple[int, list]:
        """Index of the data input and the constant arrays of the others (None if absent);
        the first ``required`` inputs (default: all ``count``) must be present."""
        required = count if required is None else required
        names = list(node.input) + [""] * (count - len(node.input))
        if len(node.input) > count:
            raise InputError(f"{self.where(node)}: too many inputs")
        if any(not name for name in names[:required]):
            raise InputError(f"{self.where(node)}: needs {required} input{'s' if required > 1 else ''}")
        for name in names:
            if name and name in self.dead:
                raise InputError(f"{self.where(node)}: uses {name!r} a second time; only a single chain "
                                 f"of operations (no branches) is supported")
        positions = [i for i, name in enumerate(names) if name == self.data]
        if len(positions) != 1:
            raise InputError(f"{self.where(node)}: not on the single data path from the input "
                             f"(expected exactly one input {self.data!r})")
        consts = []
        for i, name in enumerate(names):
            if i == positions[0] or not name:
                consts.append(None)
            elif name in self.constants:
                consts.append(self.constants[name])
            else:
                raise InputError(f"{self.where(node)}: input {name!r} is neither the data nor a constant")
        return positions[0], consts

    def advance(self, node: Any) -> None:
        if len(node.output) != 1 or not node.output[0]:
            raise InputError(f"{self.where(node)}: expected exactly one output")
        self.dead.add(self.data)
        self.data = node.output[0]

    def exact(self, array: np.ndarray, what: str) -> list[flint.fmpq]:
        return exact_entries(array, what)

    def orient(self, node: Any, want: str) -> None:
        """The data must be laid out as ``want`` ('row': (batch, F), 'col': (F, batch))."""
        if self.layout == "2d":
            self.layout = want
            self.width = self.dims[1] if want == "row" else self.dims[0]
        elif self.layout == "nd":
            raise InputError(f"{self.where(node)}: the data has rank {len(self.dims)}; flatten it first")
        elif self.layout != want:
            raise InputError(f"{self.where(node)}: the data is laid out as {self.layout_words()}, "
                             f"this node uses it as {'(batch, features)' if want == 'row' else '(features, batch)'}")

    def batch(self) -> Optional[int]:
        """The batch size when known (1 for a single vector)."""
        if self.layout == "vec":
            return 1
        return self.dims[1] if self.layout == "col" else self.dims[0]

    def set_output(self, layout: str, batch: Optional[int]) -> None:
        self.layout = layout
        self.dims = {"row": [batch, self.width], "col": [self.width, batch], "vec": [self.width]}[layout]

    def layout_words(self) -> str:
        return {"row": "(batch, features)", "col": "(features, batch)", "vec": "one vector"}.get(self.layout, self.layout)

    def push_linear(self, node: Any, w: np.ndarray, factor: flint.fmpq, what: str) -> None:
        """Append the layer with weight ``factor * w`` (w of shape (out, in)) and zero bias."""
        out, fan_in = w.shape
        if self.width is not None and fan_in != self.width:
            raise ShapeError(f"{self.where(node)}: the weight takes {fan_in} inputs, the data has {self.width} "
                             f"features")
        if self.weights and self.stage == "affine":
            self.activations.append(("identity", node.name or node.op_type))
        elif self.stage == "activated":
            self.activations.append(self.pending)
        entries = self.exact(w, what)
        if factor != 1:
            entries = [factor * v for v in entries]
        self.weights.append(flint.fmpq_mat(out, fan_in, entries))
        self.biases.append([flint.fmpq(0)] * out)
        self.width = out
        self.stage = "affine"

    def add_bias(self, node: Any, c: np.ndarray, factor: flint.fmpq) -> None:
        out = self.width
        shape = tuple(c.shape)
        if shape in ((), (1,), (1, 1)):
            values = self.exact(c.reshape(1), f"{node.op_type} bias") * out
        elif (self.layout in ("row", "vec") and shape in ((out,), (1, out))) or \
                (self.layout == "col" and shape == (out, 1)):
            values = self.exact(c, f"{node.op_type} bias")
        else:
            raise ShapeError(f"{self.where(node)}: a bias of shape {list(shape)} does not fit {out} outputs "
                             f"laid out as {self.layout_words()}")
        self.biases[-1] = [b + factor * v for b, v in zip(self.biases[-1], values)]

    # ---- ops
    def run(self, node: Any) -> None:
        op = node.op_type
        if node.domain not in ("", "ai.onnx"):
            raise InputError(f"{self.where(node)}: op from domain {node.domain!r} is not supported")
        if op == "Constant":
            self.constant(node)
            return
        if op not in SUPPORTED_OPS:
            raise InputError(f"{self.where(node)}: unsupported ONNX op {op!r} (supported: "
                             f"{', '.join(SUPPORTED_OPS)})")
        self.attrs(node)  # refuses unknown or mistyped attributes of every op
        getattr(self, "op_" + op)(node)

    _ATTRIBUTE_TYPES = {"int": "INT", "float": "FLOAT", "tensor": "TENSOR", "ints": "INTS", "floats": "FLOATS"}

    def attrs(self, node: Any) -> dict:
        """The node's attributes by name, each checked to have the kind its op expects
        (``int``, ``float``, ``tensor``, ``ints``, ``floats``); any other attribute is refused."""
        expected = _ATTRIBUTES.get(node.op_type, {})
        out = {}
        for a in node.attribute:
            if a.name not in expected:
                raise InputError(f"{self.where(node)}: unsupported attribute {a.name!r}")
            if a.name in out:
                raise InputError(f"{self.where(node)}: attribute {a.name!r} given twice")
            kind = expected[a.name]
            if a.type != getattr(self.onnx.AttributeProto, self._ATTRIBUTE_TYPES[kind]):
                raise InputError(f"{self.where(node)}: attribute {a.name!r} must be of type {kind}")
            out[a.name] = self.onnx.helper.get_attribute_value(a)
        return out

    def constant(self, node: Any) -> None:
        attrs = self.attrs(node)
        if len(node.input) or len(node.output) != 1 or len(attrs) != 1:
            raise InputError(f"{self.where(node)}: expected no input, one output and one value attribute")
        (key, value), = attrs.items()
        if key == "value":
            array = self.tensor(value, f"Constant node {node.name!r}")
        elif key in ("value_float", "value_floats", "value_int", "value_ints"):
            array = np.array(value, dtype=np.float64 if "float" in key else np.int64)
            if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
                raise InputError(f"{self.where(node)}: NaN or infinite value")
        self.constants[node.output[0]] = array

    def op_Gemm(self, node: Any) -> None:
        a = self.attrs(node)
        alpha = exact_scalar(float(a.get("alpha", 1.0)), f"{self.where(node)}: alpha")
        beta = exact_scalar(float(a.get("beta", 1.0)), f"{self.where(node)}: beta")
        trans_a, trans_b = a.get("transA", 0), a.get("transB", 0)
        if trans_a not in (0, 1) or trans_b not in (0, 1):
            raise InputError(f"{self.where(node)}: transA and transB must be 0 or 1")
        pos, consts = self.split_inputs(node, 3, required=2)
        if pos == 2:
            raise InputError(f"{self.where(node)}: the data cannot be the bias input C")
        m = consts[1 - pos]
        if m.ndim != 2:
            raise ShapeError(f"{self.where(node)}: the weight has shape {list(m.shape)}, expected a matrix")
        if pos == 0:  # Y = alpha op(X) op(M) + beta C: rows are samples
            self.orient(node, "col" if trans_a else "row")
            op_m = m.T if trans_b else m  # (in, out)
            w, layout = op_m.T, "row"
        else:  # Y = alpha op(M) op(X) + beta C: columns are samples
            self.orient(node, "row" if trans_b else "col")
            w, layout = (m.T if trans_a else m), "col"
        batch = self.batch()
        self.push_linear(node, w, alpha, f"Gemm node {node.name!r} weight")
        self.set_output(layout, batch)
        if consts[2] is not None:
            self.add_bias(node, consts[2], beta)
        self.advance(node)

    def op_MatMul(self, node: Any) -> None:
        pos, consts = self.split_inputs(node, 2)
        m = consts[1 - pos]
        if m.ndim != 2:
            raise ShapeError(f"{self.where(node)}: the weight has shape {list(m.shape)}, expected a matrix")
        if self.layout != "vec":  # x @ M or M @ x on one vector give one vector
            self.orient(node, "row" if pos == 0 else "col")
        w = m.T if pos == 0 else m
        layout, batch = self.layout, self.batch()
        self.push_linear(node, w, flint.fmpq(1), f"MatMul node {node.name!r} weight")
        self.set_output(layout, batch)
        self.advance(node)

    def op_Add(self, node: Any) -> None:
        pos, consts = self.split_inputs(node, 2)
        if self.stage != "affine":
            raise InputError(f"{self.where(node)}: an added bias must follow Gemm or MatMul")
        self.add_bias(node, consts[1 - pos], flint.fmpq(1))
        self.advance(node)

    def activation(self, node: Any, name: str) -> None:
        self.split_inputs(node, 1)
        if self.stage == "start":
            raise InputError(f"{self.where(node)}: an activation on the input is not part of exactid's networks")
        if self.stage == "activated":
            raise InputError(f"{self.where(node)}: two activations in a row")
        self.pending = (name, node.name or node.op_type)
        self.stage = "activated"
        self.advance(node)

    def op_Relu(self, node: Any) -> None:
        self.activation(node, "relu")

    def op_Tanh(self, node: Any) -> None:
        self.activation(node, "tanh")

    def op_Sigmoid(self, node: Any) -> None:
        self.activation(node, "logistic")

    def op_LeakyRelu(self, node: Any) -> None:
        alpha = float(self.attrs(node).get("alpha", np.float32(0.01)))
        q = exact_scalar(alpha, f"{self.where(node)}: alpha")
        slope = Fraction(int(q.p), int(q.q))
        if self.override is not None:
            if np.float32(float(self.override)) != np.float32(alpha):
                raise InputError(f"{self.where(node)}: alpha = {alpha!r} is not the float32 nearest to the "
                                 f"given slope {self.override}")
            slope = self.override
        self.activation(node, leaky_relu_name(slope))

    def op_Identity(self, node: Any) -> None:
        self.split_inputs(node, 1)
        self.advance(node)

    def feature_count(self, node: Any) -> Optional[int]:
        if self.layout == "nd":
            rest = self.dims[1:]
            if any(d is None for d in rest):
                raise InputError(f"{self.where(node)}: the input's feature dimensions {rest} are not all known")
            return int(np.prod(rest))
        if self.layout == "2d":
            return self.dims[1]
        if self.layout == "col":
            raise InputError(f"{self.where(node)}: reshaping (features, batch) data is not supported")
        return self.width

    def op_Flatten(self, node: Any) -> None:
        self.split_inputs(node, 1)
        axis = self.attrs(node).get("axis", 1)
        rank = {"vec": 1, "row": 2, "col": 2, "2d": 2}.get(self.layout, len(self.dims))
        axis = axis + rank if axis < 0 else axis
        if self.layout == "vec" and axis == 0:
            self.layout, self.dims = "row", [1, self.width]
        elif rank >= 2 and axis == 1:
            if self.layout in ("nd", "2d"):
                self.width = self.feature_count(node)
                self.dims = [self.dims[0], self.width]
                self.layout = "row"
        else:
            raise InputError(f"{self.where(node)}: only Flatten with axis 1 (one vector per sample) is supported")
        self.advance(node)

    def op_Reshape(self, node: Any) -> None:
        pos, consts = self.split_inputs(node, 2)
        if pos != 0 or consts[1] is None:
            raise InputError(f"{self.where(node)}: the target shape must be a constant")
        if self.attrs(node).get("allowzero", 0):
            raise InputError(f"{self.where(node)}: allowzero=1 is not supported")
        target = [int(v) for v in np.ravel(consts[1])]
        features = self.feature_count(node)
        batch = self.batch()
        ok_features = lambda t: t == -1 or (features is not None and t == features)  # noqa: E731
        if len(target) == 2 and ok_features(target[1]) and (target[0] in (0, -1) or target[0] == batch) \
                and not (target[0] == -1 and target[1] == -1) and not (target[0] == 0 and self.layout == "vec"):
            self.layout, self.width = "row", features
            self.dims = [batch, features]
        elif len(target) == 1 and ok_features(target[0]) and batch == 1:
            self.layout, self.width = "vec", features
            self.dims = [features]
        else:
            raise InputError(f"{self.where(node)}: target shape {target} does not keep one vector per sample")
        self.advance(node)

    # ---- result
    def network(self) -> "Network":
        from ..format import Network

        if not self.weights:
            raise InputError(f"{self.source}: the graph has no Gemm or MatMul node")
        if self.stage == "activated":
            raise InputError(f"{self.source}: the output passes through {self.pending[0]} (node {self.pending[1]!r}); "
                             f"exactid's networks end with the affine output layer (the logits): "
                             f"remove the final activation, or name the logits tensor to read up to it")
        if self.data != self.output_name:
            raise InputError(f"{self.source}: the graph output {self.output_name!r} is not the end of the chain "
                             f"({self.data!r})")
        names = {name for name, _ in self.activations}
        if len(names) > 1:
            detail = ", ".join(f"{name} after layer {i + 1} (node {where!r})" for i, (name, where)
                               in enumerate(self.activations))
            raise InputError(f"{self.source}: the hidden layers use different activations ({detail}); "
                             f"exactid's networks have one activation")
        activation = names.pop() if names else "identity"
        biases = [flint.fmpq_mat(len(b), 1, b) for b in self.biases]
        return Network.from_matrices(activation, self.weights, biases)


def network_from_onnx(source: Any, leaky_relu_slope: Any = None, output: Optional[str] = None) -> "Network":
    """Read an ONNX model (path, bytes or ``onnx.ModelProto``) as an exact network.

    ``leaky_relu_slope``: an exact rational (``"1/100"``, a Fraction) meant by the model's
    LeakyRelu nodes; accepted only where their float32 ``alpha`` is the float32 nearest to it.
    ``output``: the name of a tensor on the chain (typically the logits, before a
    ``Softmax``): the network is the chain from the input up to it, and the nodes after it
    and the graph's outputs are ignored.
    """
    model = load_onnx_model(source)
    where = str(source) if isinstance(source, (str, os.PathLike)) else "ONNX model"
    if leaky_relu_slope is not None and not isinstance(leaky_relu_slope, Fraction):
        try:
            leaky_relu_slope = Fraction(str(leaky_relu_slope).strip())
        except (ValueError, ZeroDivisionError):
            raise InputError(f"leaky ReLU slope {leaky_relu_slope!r} is not a rational p/q") from None
    if output is not None and (not isinstance(output, str) or not output):
        raise InputError("the output tensor must be given by its name")
    reader = _Reader(model.graph, where, leaky_relu_slope, output)
    for node in model.graph.node:
        if output is not None and reader.data == output:
            break
        reader.run(node)
    if output is not None and reader.data != output:
        raise InputError(f"{where}: tensor {output!r} is not on the chain from the input (it ends at {reader.data!r})")
    net = reader.network()
    stored = {p.key: p.value for p in model.metadata_props}.get(METADATA_ACTIVATION)
    if net.depth == 1 and stored:  # no hidden layer: the graph has no activation to read
        net.activation = normalize_activation(stored)
    return net


# --------------------------------------------------------------------------- writing
def _export_activation(activation: str) -> Optional[tuple[str, dict]]:
    """(op, attributes) for ``activation``; None for identity (no node)."""
    if activation == "identity":
        return None
    ops = {"relu": ("Relu", {}), "tanh": ("Tanh", {}), "logistic": ("Sigmoid", {})}
    if activation in ops:
        return ops[activation]
    if activation.startswith("leaky_relu:"):
        slope = Fraction(activation.partition(":")[2])
        alpha = float(np.float32(float(slope)))
        if Fraction(alpha) != slope:
            raise InputError(f"the leaky ReLU slope {slope} is not a float32; ONNX's LeakyRelu alpha cannot hold "
                             f"it exactly")
        return "LeakyRelu", {"alpha": alpha}
    raise InputError(f"activation {activation!r} cannot be written to ONNX (supported: relu, leaky_relu:P/Q, "
                     f"tanh, logistic, identity)")


def network_to_onnx(network: "Network") -> Any:
    """The network as an ``onnx.ModelProto`` (see the module docstring)."""
    onnx = _onnx()
    from onnx import TensorProto, helper, numpy_helper

    act = _export_activation(network.activation) if network.depth > 1 else None
    initializers, nodes = [], []
    data = "X"
    for l, (w, b) in enumerate(zip(network.weights, network.biases)):
        initializers.append(numpy_helper.from_array(float64_array(w, f"W{l}"), name=f"W{l}"))
        initializers.append(numpy_helper.from_array(float64_array(b, f"b{l}").ravel(), name=f"b{l}"))
        last = l == network.depth - 1
        out = "Y" if last else f"z{l}"
        nodes.append(helper.make_node("Gemm", [data, f"W{l}", f"b{l}"], [out], name=f"gemm{l}", transB=1))
        data = out
        if not last and act is not None:
            op, attrs = act
            nodes.append(helper.make_node(op, [data], [f"h{l}"], name=f"{op.lower()}{l}", **attrs))
            data = f"h{l}"
    widths = network.widths
    graph = helper.make_graph(
        nodes, "exactid_network",
        [helper.make_tensor_value_info("X", TensorProto.DOUBLE, ["N", widths[0]])],
        [helper.make_tensor_value_info("Y", TensorProto.DOUBLE, ["N", widths[-1]])],
        initializer=initializers)
    model = helper.make_model(graph, producer_name="exactid",
                              opset_imports=[helper.make_opsetid("", _EXPORT_OPSET)])
    model.ir_version = _EXPORT_IR_VERSION
    # a network with one layer has no activation node; keep its activation's name for the round trip
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_ACTIVATION, network.activation
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # pragma: no cover - the graph above is valid by construction
        raise InputError(f"internal ONNX export error: {one_line(exc)}") from None
    return model


def onnx_bytes(network: "Network") -> bytes:
    """Deterministic serialized bytes of :func:`network_to_onnx`."""
    return network_to_onnx(network).SerializeToString(deterministic=True)


def write_onnx_model(path: str | os.PathLike, model: Any) -> None:
    """Write an ``onnx.ModelProto`` atomically, with deterministic bytes."""
    from ...io.files import atomic_write_bytes

    atomic_write_bytes(path, model.SerializeToString(deterministic=True))


def save_onnx(path: str | os.PathLike, network: "Network") -> None:
    """Write the network to ``path`` as ONNX, atomically (nothing is written when it is refused)."""
    write_onnx_model(path, network_to_onnx(network))
