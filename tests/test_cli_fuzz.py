"""Fuzz test over the whole command line: every subcommand, generated arguments and files.

Each invocation runs ``exactid.cli.main.main(argv)`` in a forked child (the package is
imported once, in the parent) with its address space limited by ``resource.setrlimit``,
stdout and stderr redirected to files, in a fresh folder holding the generated inputs.
Asserted for every invocation:

- the exit code is 0, 1 or 2 (3 would be an internal error, a signal a crash);
- no traceback on stderr; exit 2 prints exactly one line on stderr;
- on failure no file is left behind (no output, no temporary file); on success only the
  requested output is new.

Profiles: the default (``make test``) is derandomized and bounded (about 300 invocations);
``EXACTID_FUZZ_LONG=1`` runs at least 10,000 (``EXACTID_FUZZ_EXAMPLES`` overrides the count
per subcommand) and prints a summary line.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactid.cli.main import build_parser, main

LONG = bool(os.environ.get("EXACTID_FUZZ_LONG"))
COMMANDS = ["rank", "certify-butterfly", "factor-butterfly", "crossval-butterfly", "describe-architecture",
            "certify-kronecker", "factor-kronecker", "crossval-kronecker", "certify-two-layer",
            "draw-two-layer", "certify-relu", "certify-relu-box", "funcdim", "recover", "equiv", "symmetries",
            "check", "bundle", "random-argv"]
PER_COMMAND = int(os.environ.get("EXACTID_FUZZ_EXAMPLES", "700" if LONG else "20"))
TIMEOUT = 30  # seconds per invocation; a valid but heavy input may need it (counted, bounded below)
MEMORY = 2 << 30  # address space granted beyond what the parent already maps
STATS: Counter = Counter()

build_parser()  # import every command module before forking


# --------------------------------------------------------------------------- running one invocation
def run_limited(argv: list[str], folder: Path) -> tuple[str, int, str, str]:
    """('exit', code, stdout, stderr), ('signal', number, ...) or ('timeout', ...)."""
    out_path, err_path = folder.parent / f"{folder.name}.out", folder.parent / f"{folder.name}.err"
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 99
        try:
            os.chdir(folder)
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
            sys.stdout = open(1, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False)
            with open("/proc/self/status") as fh:
                mapped = next(int(l.split()[1]) * 1024 for l in fh if l.startswith("VmSize:"))
            resource.setrlimit(resource.RLIMIT_AS, (mapped + MEMORY, mapped + MEMORY))
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            signal.alarm(TIMEOUT)
            code = main(argv)
            sys.stdout.flush()
            sys.stderr.flush()
        except SystemExit as exc:
            code = 98 if not isinstance(exc.code, int) else exc.code + 200
        except BaseException:
            import traceback

            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            code = 97
        finally:
            os._exit(code if isinstance(code, int) and 0 <= code < 256 else 96)
    _, status = os.waitpid(pid, 0)
    out = out_path.read_text(errors="replace")
    err = err_path.read_text(errors="replace")
    out_path.unlink()
    err_path.unlink()
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        return ("timeout" if sig == signal.SIGALRM else "signal"), sig, out, err
    return "exit", os.WEXITSTATUS(status), out, err


def check_invocation(argv: list[str], files: dict[str, bytes], output: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "work"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        if "fifo" in argv:
            os.mkfifo(folder / "fifo")
        before = set(os.listdir(folder))
        kind, code, out, err = run_limited(argv, folder)
        after = set(os.listdir(folder))
    STATS["invocations"] += 1
    if kind == "timeout":
        STATS["timeouts"] += 1
        return
    context = f"argv={argv!r}\nstdout={out[-500:]!r}\nstderr={err[-2000:]!r}"
    assert kind == "exit", f"killed by signal {code}\n{context}"
    STATS[f"exit {code}"] += 1
    assert code in (0, 1, 2), f"exit {code}\n{context}"
    assert "Traceback" not in err, context
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("exactid: error: "), context
        assert after == before, f"files left behind: {sorted(after - before)}\n{context}"
    else:
        new = after - before
        assert new <= ({output} if output else set()), f"unexpected files {sorted(new)}\n{context}"


# --------------------------------------------------------------------------- generated inputs
small_int = st.integers(min_value=-3, max_value=9)
rational_text = st.builds(lambda p, q: f"{p}/{q}", st.integers(-9, 9), st.integers(-2, 9))
scalar = st.one_of(small_int, rational_text, st.floats(allow_nan=True, allow_infinity=True, width=32),
                   st.just(10**40), st.just("x"), st.just(True), st.none())


@st.composite
def matrix_json(draw) -> object:
    m, n = draw(st.integers(0, 4)), draw(st.integers(0, 4))
    if draw(st.booleans()):
        degree = draw(st.sampled_from([1, 2, 4]))
        field = {1: "QQ", 2: "QQ(zeta_3)", 4: draw(st.sampled_from(["QQ(zeta_8)", "QQ(zeta_5)", "QQ(zeta_10**9)"]))}[degree]
        cell = st.lists(st.one_of(small_int, rational_text), min_size=degree, max_size=degree)
        if degree == 1:
            cell = st.one_of(small_int, rational_text)
        entries = [[draw(cell) for _ in range(n)] for _ in range(m)]
        return {"field": field, "entries": entries}
    return [[draw(st.one_of(small_int, rational_text) if draw(st.integers(0, 9)) else scalar) for _ in range(n)]
            for _ in range(m)]


@st.composite
def network_json(draw, relu_only=False) -> object:
    widths = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    activation = "relu" if relu_only else draw(st.sampled_from(["relu", "tanh", "logistic", "leaky_relu:1/3",
                                                                 "hardtanh", "exp", "foo"]))
    layers = [{"W": [[draw(small_int) for _ in range(widths[k])] for _ in range(widths[k + 1])],
               "b": [draw(small_int) for _ in range(widths[k + 1])]} for k in range(len(widths) - 1)]
    return {"activation": activation, "layers": layers}


@st.composite
def samples_json(draw) -> object:
    n, d = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    return {"X": [[draw(st.one_of(small_int, rational_text)) for _ in range(d)] for _ in range(n)]}


def encode(obj) -> bytes:
    return json.dumps(obj).encode()


@st.composite
def corrupt(draw, data: bytes) -> bytes:
    """The bytes as they are, gzipped, truncated, with flipped bytes, or replaced by junk."""
    how = draw(st.sampled_from(["same", "same", "gzip", "truncate", "flip", "empty", "deep", "digits", "junk",
                                "gzip-junk", "npy", "npz"]))
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if how == "flip" and data:
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 4))):
            raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        return bytes(raw)
    if how == "empty":
        return b""
    if how == "deep":
        depth = draw(st.integers(50, 20000))
        return b"[" * depth + b"]" * depth
    if how == "digits":
        return b"[[" + b"9" * draw(st.integers(4000, 20000)) + b"]]"
    if how == "junk":
        return draw(st.binary(max_size=64))
    if how == "gzip-junk":
        return b"\x1f\x8b" + draw(st.binary(max_size=64))
    if how == "npy":
        return npy_bytes(np.arange(4).reshape(2, 2))
    if how == "npz":
        return npz_bytes(a=np.eye(2))
    return data


def npy_bytes(arr) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def npz_bytes(**arrays) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@st.composite
def npy_file(draw) -> bytes:
    n = draw(st.sampled_from([1, 2, 3, 4, 8]))
    kind = draw(st.sampled_from(["int", "float", "complex", "object-ish", "3d"]))
    if kind == "int":
        arr = np.array(draw(st.lists(st.integers(-5, 5), min_size=n * n, max_size=n * n))).reshape(n, n)
    elif kind == "float":
        arr = np.array(draw(st.lists(st.floats(-3, 3), min_size=n * n, max_size=n * n))).reshape(n, n)
    elif kind == "complex":
        arr = np.exp(2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)
    elif kind == "3d":
        arr = np.zeros((2, 2, 2))
    else:
        arr = np.array([["a", "b"], ["c", "d"]])
    return draw(corrupt(npy_bytes(arr)))


@st.composite
def factors_npz(draw) -> bytes:
    from exactid.factorization.butterfly_float import factor_float, npz_bytes as butterfly_npz

    n = draw(st.sampled_from([2, 4, 8]))
    matrix = np.exp(-2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)
    if draw(st.booleans()):
        data = butterfly_npz(factor_float(matrix, "bitrev", "balanced"))
    else:
        data = npz_bytes(format=np.array("exactid-butterfly"), version=np.array(draw(st.integers(0, 2))),
                         values=np.zeros((2, draw(st.integers(1, 5)), 2)), perm=np.arange(4),
                         tree=np.array(draw(st.sampled_from(["[1, 2]", "[[", "[" * 500 + "]" * 500]))))
    return draw(corrupt(data))


@st.composite
def kronecker_npz(draw) -> bytes:
    from exactid.factorization.kronecker.floating import factor_float, npz_bytes as kronecker_npz_bytes

    arch = draw(st.sampled_from(["radix:2,3", "radix:2^2", "monarch:2x2"]))
    n = 6 if arch == "radix:2,3" else 4
    matrix = np.exp(-2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)
    if draw(st.booleans()):
        data = kronecker_npz_bytes(factor_float(matrix, arch, "right", perm="digit-reversal"))
    else:
        data = npz_bytes(format=np.array("exactid-kronecker"), version=np.array(draw(st.integers(0, 2))),
                         architecture=np.array(draw(st.sampled_from(['{"patterns": [[1, 2, 2, 1]]}', "{", "[]",
                                                                     '{"patterns": [[0, 2, 2, 1]]}']))),
                         tree=np.array(draw(st.sampled_from(["1", "[1, 2]", "[" * 500 + "]" * 500]))),
                         relative_error=np.array(0.0), factor_1=np.zeros((1, 2, 2, draw(st.integers(1, 3)))))
    return draw(corrupt(data))


architectures = st.one_of(st.sampled_from(["radix:2,3", "radix:3,2", "radix:2^2", "monarch:2x2", "butterfly:4",
                                           "butterfly:8", "1,4,2,1;1,2,2,1;1,2,4,1", "1,2,2,1", "butterfly:3",
                                           "radix:1,2", "monarch:0x2", "radix:2^60", "butterfly:1099511627776",
                                           "monarch:99999x99999", "1,2,3", "a,b,c,d", "1,2,2,1;;", "", "x" * 5000]),
                          st.text(max_size=20))
ints = st.one_of(st.integers(-3, 10), st.sampled_from(["0", "-1", "1e3", "nan", "", "x", "99999999999999999999",
                                                      "65536", "40000", "2048", "4", "8", "16"]))
floats = st.one_of(st.floats(-5, 5, allow_nan=False).map(repr), st.sampled_from(["nan", "inf", "-inf", "0", "-1",
                                                                                  "1e-12", "x", ""]))
trees = st.one_of(st.sampled_from(["balanced", "left", "right", "[[1, 2], 3]", "[1, [2, 3]]", "[[1,2],[3,4]]", "[1]",
                                   "[", "{}", "null", "[[[[1]]]]", "[true, 2]"]),
                  st.integers(1, 3000).map(lambda d: "[" * d + "1" + "]" * d))
perms = st.one_of(st.sampled_from(["bitrev", "identity", "[0, 1, 2, 3]", "[3, 2, 1, 0]", "[0, 0, 1, 1]", "[]", "x",
                                   "[0.5]", "[1, [2]]"]),
                  st.integers(1, 3000).map(lambda d: "[" * d + "]" * d))
outputs = st.sampled_from([None, "out.json", "out.json.gz", "-", "", ".", "missing/out.json", "in.json",
                           "/dev/null", "fifo"])


def opt(flag, values):
    return st.one_of(st.just([]), values.map(lambda v: [flag, str(v)]))


def with_output(argv_files, output):
    argv, files = argv_files
    if output is None:
        return argv, files, None
    created = output if output not in ("", ".", "-", "/dev/null", "fifo") and "/" not in output else None
    return argv + ["-o", output], files, created


# --------------------------------------------------------------------------- per-command strategies
@st.composite
def invocation(draw, command: str):
    files: dict[str, bytes] = {}
    json_flag = ["--json"] if draw(st.booleans()) else []
    if command == "rank":
        files["in.json"] = draw(corrupt(encode(draw(matrix_json()))))
        name = draw(st.sampled_from(["in.json", "in.json", "missing.json", "."]))
        argv = ["rank", name]
        if draw(st.booleans()):
            files["in.npy"] = draw(npy_file())
            argv = ["rank", "in.npy"]
        return with_output((argv + json_flag, files), draw(outputs))
    if command == "certify-butterfly":
        argv = ["certify", "butterfly"]
        if draw(st.booleans()):
            argv += draw(opt("--matrix", st.sampled_from(["dft", "hadamard", "random", "bogus"])))
            argv += draw(opt("--n", st.one_of(st.sampled_from([2, 4, 8, 16]), ints)))
            argv += draw(opt("--seed", ints))
        else:
            files["in.json"] = draw(corrupt(encode(draw(matrix_json()))))
            argv += ["--input", "in.json"] + draw(opt("--perm", perms))
        argv += draw(opt("--tree", trees))
        return with_output((argv + json_flag, files), draw(outputs))
    if command == "factor-butterfly":
        files["in.npy"] = draw(npy_file())
        argv = ["factor", "butterfly", "in.npy"] + draw(opt("--perm", perms)) + draw(opt("--tree", trees))
        out = draw(st.sampled_from(["out.npz", "out.npz", "-", "", ".", "missing/o.npz", "fifo"]))
        created = out if out == "out.npz" else None
        return argv + ["-o", out] + json_flag, files, created
    if command == "crossval-butterfly":
        files["f.npz"] = draw(factors_npz())
        argv = ["crossval", "butterfly", draw(st.sampled_from(["f.npz", "f.npz", "missing.npz"]))]
        argv += ["--matrix", draw(st.sampled_from(["dft", "hadamard", "x"])), "--n", str(draw(st.one_of(
            st.sampled_from([2, 4, 8]), ints)))]
        argv += draw(opt("--tol", floats))
        return argv + json_flag, files, None
    if command == "describe-architecture":
        return ["describe-architecture", draw(architectures)] + draw(opt("--tree", trees)) + json_flag, files, None
    if command == "certify-kronecker":
        argv = ["certify", "kronecker"] + draw(opt("--arch", architectures))
        if draw(st.booleans()):
            argv += draw(opt("--matrix", st.sampled_from(["dft", "random", "bogus"]))) + draw(opt("--seed", ints))
        else:
            files["in.json"] = draw(corrupt(encode(draw(matrix_json()))))
            argv += ["--input", draw(st.sampled_from(["in.json", "in.json", "missing.json"]))]
        argv += draw(opt("--tree", trees))
        return with_output((argv + json_flag, files), draw(outputs))
    if command == "factor-kronecker":
        files["in.npy"] = draw(npy_file())
        argv = ["factor", "kronecker-sparse", "in.npy"] + draw(opt("--arch", architectures))
        argv += draw(opt("--perm", st.sampled_from(["identity", "digit-reversal", "bitrev"]))) + draw(opt("--tree", trees))
        out = draw(st.sampled_from(["out.npz", "out.npz", "-", "", ".", "missing/o.npz", "fifo"]))
        created = out if out == "out.npz" else None
        return argv + ["-o", out] + json_flag, files, created
    if command == "crossval-kronecker":
        files["f.npz"] = draw(kronecker_npz())
        argv = ["crossval", "kronecker", draw(st.sampled_from(["f.npz", "f.npz", "missing.npz"]))]
        argv += draw(opt("--matrix", st.sampled_from(["dft", "dft", "x"]))) + draw(opt("--tol", floats))
        return argv + json_flag, files, None
    if command in ("certify-two-layer", "draw-two-layer"):
        verb = command.split("-")[0]
        argv = [verb, "two-layer"]
        if draw(st.booleans()):
            argv += draw(opt("--matrix", st.sampled_from(["dft", "dct2", "dst2", "dct4", "hadamard", "bogus"])))
            argv += draw(opt("--n", st.one_of(st.sampled_from([2, 4, 8]), ints)))
        else:
            files["x.json"] = draw(corrupt(encode(draw(matrix_json()))))
            files["y.json"] = draw(corrupt(encode(draw(matrix_json()))))
            argv += ["--x", "x.json", "--y", "y.json"] + (["--fixed-support"] if draw(st.booleans()) else [])
        for flag in ("--x-col-sparsity", "--y-row-sparsity", "--r", "--max-candidates"):
            argv += draw(opt(flag, ints))
        argv += ["--count"] if draw(st.booleans()) else []
        if verb == "draw":
            out = draw(st.sampled_from(["p.png", "p.png", "-", "", "."]))
            return argv + ["-o", out] + json_flag, files, ("p.png" if out == "p.png" else None)
        return with_output((argv + json_flag, files), draw(outputs))
    if command in ("certify-relu", "certify-relu-box"):
        files["net.json"] = draw(corrupt(encode(draw(network_json(relu_only=draw(st.booleans()))))))
        if command == "certify-relu":
            files["x.json"] = draw(corrupt(encode(draw(samples_json()))))
            argv = ["certify", "relu", "--net", "net.json", "--samples", "x.json"]
        else:
            argv = ["certify", "relu-box", "--net", "net.json"]
            argv += draw(st.one_of(st.just([]), st.sampled_from(["-1", "0", "1/2", "x", "1/0", "-1e400"]).map(
                lambda v: [f"--lo={v}"])))
            argv += draw(opt("--hi", st.sampled_from(["1", "2", "3/2", "nan", "1e400"])))
        return with_output((argv + json_flag, files), draw(outputs))
    if command == "funcdim":
        arch = draw(st.one_of(st.lists(st.integers(1, 3), min_size=2, max_size=4).map(lambda w: ",".join(map(str, w))),
                              st.sampled_from(["", "2", "2,,1", "a,b", "0,1", "2,-1,1", "100000,100000,1"])))
        argv = ["funcdim", "--arch", arch] + draw(opt("--samples", st.one_of(st.integers(1, 12), ints)))
        argv += draw(opt("--seeds", st.one_of(st.integers(1, 3), ints))) + draw(opt("--scale", floats))
        argv += draw(opt("--denominator", ints))
        return argv + json_flag, files, None
    if command == "recover":
        argv = ["recover", "--demo", "--widths", draw(st.sampled_from(["2,2,1", "2,3,1", "3,2,2,1", "1", "2,0,1", "x"])),
                "--test-points", str(draw(st.sampled_from([10, 50, 0, -1]))), "--baseline-epochs",
                str(draw(st.sampled_from([1, 2, 0]))), "--iterations", "5", "--restarts", "2",
                "--finetune-iterations", "2", "--scale-shift-iterations", "2", "--fit-points", "30"]
        for flag in ("--far-radius", "--radius", "--step", "--min-gap", "--fit-radius"):
            argv += draw(opt(flag, floats))
        argv += draw(opt("--seed", ints)) + draw(opt("--method", st.sampled_from(["auto", "joint", "layered", "x"])))
        return argv + json_flag, files, None
    if command == "equiv":
        files["a.json"] = draw(corrupt(encode(draw(network_json()))))
        files["b.json"] = draw(corrupt(files["a.json"])) if draw(st.booleans()) else files["a.json"]
        argv = ["equiv", "a.json", "b.json"] + draw(opt("--precision", ints))
        return with_output((argv + json_flag, files), draw(outputs))
    if command == "symmetries":
        from test_activation_parser import grammar

        expr = draw(st.one_of(st.sampled_from(["relu", "tanh", "leaky_relu:1/3", "leaky_relu:x", "1/t", "tan(t)",
                                               "log(t)", "__import__('os')", "t.real", "(" * 300 + "t" + ")" * 300,
                                               "t" + "+t" * 600, "9**9**9", "exp(exp(exp(t)))"]),
                              grammar, st.text(max_size=30)))
        return ["symmetries", expr] + json_flag, files, None
    if command == "check":
        files["c.json"] = draw(corrupt(certificate_bytes()))
        return ["check", draw(st.sampled_from(["c.json", ".", "missing.json"]))] + json_flag, files, None
    if command == "bundle":
        folder = draw(st.sampled_from(["proofs", "missing/x", "", "in.json"]))
        argv = ["bundle", folder, "--only", draw(st.sampled_from(["zzz-nothing", "dft-8"])), "--no-check"]
        files["in.json"] = b"{}"
        return argv + json_flag, files, (folder.split("/")[0] or None)
    # random-argv: tokens from the whole vocabulary, in any order
    vocabulary = ["rank", "certify", "butterfly", "two-layer", "relu", "relu-box", "factor", "crossval", "draw",
                  "funcdim", "recover", "equiv", "symmetries", "check", "--matrix", "dft", "--n", "8", "-o",
                  "-", "--json", "--tree", "[[", "--perm", "--seed", "-1", "--x", "in.json", "--demo", "--arch",
                  "2,2,1", "--help", "--version", "", "\x00", "é", "--tol", "nan", "kronecker", "kronecker-sparse",
                  "describe-architecture", "radix:2,3", "--input"]
    files["in.json"] = encode([[1, 2], [3, 4]])
    argv = draw(st.lists(st.sampled_from(vocabulary), max_size=8))
    target = argv[argv.index("-o") + 1] if "-o" in argv[:-1] else None
    return argv, files, target


_CERTIFICATE: list = []


def certificate_bytes() -> bytes:
    """One valid certificate, made once (its meta holds timings: drawing must not vary)."""
    if not _CERTIFICATE:
        from exactid.certify.butterfly import certify_named

        cert, _ = certify_named("hadamard", 4)
        cert["meta"] = {}
        _CERTIFICATE.append(encode(cert))
    return _CERTIFICATE[0]


def _settings():
    return settings(max_examples=PER_COMMAND, deadline=None, derandomize=not LONG, database=None,
                    suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    if STATS["invocations"]:
        line = ", ".join(f"{k}: {v}" for k, v in sorted(STATS.items()))
        sys.stderr.write(f"\nCLI fuzz summary ({'long' if LONG else 'default'} profile): {line}\n")


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_fuzz(command, tmp_path):
    if command == "draw-two-layer":
        pytest.importorskip("matplotlib")
    before = STATS["invocations"], STATS["timeouts"]

    @_settings()
    @given(invocation(command))
    def run(case):
        argv, files, output = case
        check_invocation(argv, files, output)

    run()
    runs, timeouts = STATS["invocations"] - before[0], STATS["timeouts"] - before[1]
    assert runs > 0
    assert timeouts <= max(1, runs // 20), f"{timeouts} of {runs} invocations of {command} timed out"
