"""``exactid convert NET -o OUT``: a network from any supported format to JSON, ONNX or ``.npz``."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from ..networks.formats import WRITABLE_SUFFIXES, load_network, save_network
from .common import add_json_flag, emit


def register(sub, groups) -> None:
    p = sub.add_parser("convert", help="convert a network file (.json, .onnx, .npz, .pt) to .json, .onnx or .npz",
                       description="Read a network from .json, .onnx, .npz or a PyTorch file and write it as exact "
                       "JSON, ONNX or .npz (float64, refused unless the weights are exactly representable).")
    p.add_argument("net", metavar="NET", help="network file: .json[.gz], .onnx, .npz, .pt/.pth (docs/networks-formats.md)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="output file: .json, .json.gz (exact), .onnx or .npz (float64; refused unless exact)")
    p.add_argument("--activation", default=None,
                   help="activation of a PyTorch state_dict that does not record it (e.g. relu)")
    p.add_argument("--leaky-relu-slope", default=None, metavar="P/Q",
                   help="exact leaky ReLU slope meant by the model's float slope (e.g. 1/100)")
    p.add_argument("--onnx-output", default=None, metavar="TENSOR",
                   help="ONNX: read the graph up to this tensor (the logits, before a final Softmax)")
    add_json_flag(p)
    p.set_defaults(func=run)


def check_output(path: str, source: str) -> None:
    """Refuse a bad ``-o`` before any work: unknown ending, missing directory, or the input itself."""
    if not path.lower().endswith(WRITABLE_SUFFIXES):
        raise InputError(f"-o {path}: the name must end in {', '.join(WRITABLE_SUFFIXES)}")
    target = Path(path)
    if target.is_dir():
        raise InputError(f"-o {path}: is a directory")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"-o {path}: directory does not exist: {directory}")
    if not os.access(directory, os.W_OK):
        raise InputError(f"-o {path}: directory is not writable: {directory}")
    if target.exists() and Path(source).exists() and target.resolve() == Path(source).resolve():
        raise InputError(f"-o {path}: is the input file")


def run(args) -> int:
    check_output(args.output, args.net)
    net = load_network(args.net, activation=args.activation, leaky_relu_slope=args.leaky_relu_slope,
                       onnx_output=args.onnx_output)
    save_network(args.output, net)
    payload = {"verdict": "converted", "input": args.net, "output": args.output, "activation": net.activation,
               "widths": net.widths, "d": net.num_parameters}
    emit(args, payload, f"wrote {args.output}: widths {net.widths}, activation {net.activation}, "
                        f"{net.num_parameters} parameters")
    return 0
