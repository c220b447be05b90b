"""Every bad input listed in issue 17: exit 2 with one clear line, before any large allocation.

Valid edge cases give a correct answer.  The CLI runs in-process (``main(argv)``) unless a
fresh process is needed (memory limits, broken pipes).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import exactid
from exactid.cli.main import main

EXE = [sys.executable, "-m", "exactid.cli.main"]
ROOT = str(Path(exactid.__file__).parents[1])


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys, fragment, *argv):
    code, out, err = cli(capsys, *argv)
    assert code == 2, (argv, code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("exactid: error: "), err
    assert "Traceback" not in err and "internal error" not in err
    assert fragment in err, err
    return err


@pytest.fixture
def files(tmp_path):
    (tmp_path / "garbage.json").write_bytes(b"\x1f\x8b" + b"this is not deflate data" * 4)
    (tmp_path / "truncated.json.gz").write_bytes(gzip.compress(b"[[1, 2], [3, 4]]" * 100)[:40])
    (tmp_path / "digits.json").write_text("[[" + "7" * 5000 + "]]")
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "empty.npy").write_bytes(b"")
    np.save(tmp_path / "m.npy", np.arange(16).reshape(4, 4))
    np.savez(tmp_path / "other.npz", a=np.eye(2))
    (tmp_path / "deep_net.json").write_text(json.dumps({"activation": "relu", "layers": [
        {"W": [[1, 2], [3, 4]], "b": [0, 1]}, {"W": [[1, 1], [1, -1]], "b": [0, 0]}, {"W": [[1, 2]], "b": [0]}]}))
    return tmp_path


def test_gzip_garbage_and_truncation(capsys, files):
    refused(capsys, "corrupt gzip", "rank", files / "garbage.json")
    refused(capsys, "truncated gzip", "rank", files / "truncated.json.gz")
    refused(capsys, "corrupt gzip", "certify", "two-layer", "--x", files / "garbage.json", "--y", files / "garbage.json")


def test_json_integer_with_5000_digits(capsys, files):
    refused(capsys, "more than 4300 digits", "rank", files / "digits.json")


def test_empty_and_wrong_containers_for_crossval_and_factor(capsys, files):
    refused(capsys, "empty file", "crossval", "butterfly", files / "empty.npz", "--matrix", "dft", "--n", "4")
    refused(capsys, "got a .npy array", "crossval", "butterfly", files / "m.npy", "--matrix", "dft", "--n", "4")
    refused(capsys, "missing member", "crossval", "butterfly", files / "other.npz", "--matrix", "dft", "--n", "4")
    refused(capsys, "empty file", "factor", "butterfly", files / "empty.npy", "-o", files / "f.npz")
    refused(capsys, "got a .npz archive", "factor", "butterfly", files / "other.npz", "-o", files / "f.npz")
    assert not (files / "f.npz").exists()


def test_empty_factor_files(capsys, files):
    refused(capsys, "malformed JSON", "certify", "two-layer", "--x", files / "empty.json", "--y", files / "empty.json")


@pytest.mark.parametrize("argv, fragment", [
    (["certify", "two-layer", "--matrix", "dft", "--n", "8", "--x-col-sparsity", "0", "--y-row-sparsity", "2"],
     "--x-col-sparsity: a sparsity must be >= 1"),
    (["certify", "two-layer", "--matrix", "dft", "--n", "8", "--x-col-sparsity", "2", "--y-row-sparsity", "4",
      "--max-candidates", "-1"], "--max-candidates"),
    (["certify", "butterfly", "--matrix", "random", "--n", "8", "--seed", "-1"], "--seed: a seed must be in 0.."),
    (["crossval", "butterfly", "x.npz", "--matrix", "dft", "--n", "4", "--tol", "-1"], "tolerance must be > 0"),
    (["crossval", "butterfly", "x.npz", "--matrix", "dft", "--n", "4", "--tol", "nan"], "tolerance must be finite"),
    (["funcdim", "--arch", "2,3,1", "--denominator", "-3"], "--denominator"),
    (["recover", "--demo", "--far-radius", "nan"], "--far-radius: a positive number must be finite"),
    (["recover", "--demo", "--seed", "-2"], "--seed"),
    (["rank", "x.json", "-o", ""], "the output path is empty"),
    (["certify", "butterfly", "--matrix", "dft", "--n", "12"], "power of 2"),
])
def test_nonsense_arguments_are_refused_at_parse_time(capsys, argv, fragment):
    refused(capsys, fragment, *argv)


def test_deeply_nested_tree_and_perm(capsys, files):
    deep = "[" * 5000 + "]" * 5000
    refused(capsys, "nested 5000 levels", "certify", "butterfly", "--matrix", "dft", "--n", "8", "--tree", deep)
    refused(capsys, "nested 5000 levels", "certify", "butterfly", "--input", files / "m.npy", "--perm", deep)
    refused(capsys, "nested 5000 levels", "factor", "butterfly", files / "m.npy", "--tree", deep, "-o", files / "o.npz")
    # a valid explicit tree still works
    code, out, _ = cli(capsys, "certify", "butterfly", "--matrix", "dft", "--n", "8", "--tree", "[[1, 2], 3]", "--json")
    assert code == 0 and json.loads(out)["tree"] == [[1, 2], 3]


def test_outputs_checked_before_any_work(capsys, files, monkeypatch):
    import exactid.certify.butterfly as certify_module

    def never(*a, **k):  # the work must not start
        raise AssertionError("work started before the output was checked")

    monkeypatch.setattr(certify_module, "certify_named", never)
    base = ["certify", "butterfly", "--matrix", "dft", "--n", "8", "-o"]
    refused(capsys, "is a directory", *base, files)
    refused(capsys, "directory does not exist", *base, files / "missing" / "c.json")
    refused(capsys, "Not a directory", *base, files / "m.npy" / "c.json")  # parent is a file
    os.mkfifo(files / "fifo")
    refused(capsys, "not a regular file", *base, files / "fifo")
    (files / "link.json").symlink_to(files / "empty.json")
    refused(capsys, "symbolic link", *base, files / "link.json")
    refused(capsys, "not a regular file", *base, "/dev/null")
    assert (files / "link.json").is_symlink() and (files / "fifo").exists()
    assert (files / "empty.json").read_text() == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_directory(capsys, files):
    ro = files / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    refused(capsys, "not writable", "certify", "butterfly", "--matrix", "dft", "--n", "8", "-o", ro / "c.json")


def test_dash_writes_the_certificate_to_stdout(capsys):
    code, out, err = cli(capsys, "certify", "butterfly", "--matrix", "dft", "--n", "8", "-o", "-")
    assert code == 0
    assert json.loads(out)["claim"]["verdict"] == "identifiable"
    assert "identifiable" in err  # the summary moves to stderr


def test_relu_box_on_a_deeper_network(capsys, files):
    err = refused(capsys, "exactly one hidden layer", "certify", "relu-box", "--net", files / "deep_net.json")
    assert "bad box bounds" not in err
    refused(capsys, "rational", "certify", "relu-box", "--net", files / "deep_net.json", "--lo=abc")


def test_json_errors_on_stdout(capsys, files):
    code, out, err = cli(capsys, "rank", files / "garbage.json", "--json")
    assert code == 2 and len(err.splitlines()) == 1
    assert json.loads(out) == {"error": err.strip()[len("exactid: error: "):], "exit": 2}
    code, out, _ = cli(capsys, "certify", "butterfly", "--matrix", "dft", "--n", "3", "--json")
    assert code == 2 and json.loads(out)["exit"] == 2


class _ClosedPipe(io.TextIOWrapper):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_broken_pipe_ends_quietly(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _ClosedPipe(io.BytesIO()))
    assert main(["symmetries", "relu"]) == 0
    assert capsys.readouterr().err == ""


def test_broken_pipe_in_a_real_pipe():
    proc = subprocess.Popen([*EXE, "funcdim", "--arch", "2,2,1", "--seeds", "400", "--samples", "8", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.read(1)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def _limited(argv, limit_bytes):
    """Run the CLI in a child limited to ``limit_bytes`` of address space."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    return subprocess.run([*EXE, *map(str, argv)], capture_output=True, text=True, cwd=ROOT, preexec_fn=limit,
                          env={**os.environ, "PYTHONPATH": ROOT, "OPENBLAS_NUM_THREADS": "1"})


def test_gzip_bomb_refused_with_little_memory(tmp_path):
    bomb = tmp_path / "bomb.json.gz"
    with gzip.GzipFile(bomb, "wb", compresslevel=9) as fh:
        chunk = b" " * (1 << 20)
        for _ in range(1200):  # 1.2 GB of JSON whitespace in about 1.2 MB
            fh.write(chunk)
    assert bomb.stat().st_size < 2 << 20
    out = _limited(["rank", bomb], 1500 << 20)  # far below the 1.2 GB it decompresses to, plus Python
    assert out.returncode == 2, out.stderr
    assert "decompresses to more than" in out.stderr and len(out.stderr.splitlines()) == 1


def test_huge_sizes_refused_quickly_with_estimates(capsys, tmp_path):
    (tmp_path / "c.json").write_text(json.dumps({"field": "QQ(zeta_1000000000)", "entries": [[[1]]]}))
    refused(capsys, "conductor", "rank", tmp_path / "c.json")
    err = refused(capsys, "--n", "certify", "two-layer", "--matrix", "dft", "--n", "40000",
                  "--x-col-sparsity", "2", "--y-row-sparsity", "2")
    assert "GiB" in err
    err = refused(capsys, "32768", "certify", "butterfly", "--matrix", "dft", "--n", "65536")
    assert "GiB" in err
    refused(capsys, "1..1000000", "funcdim", "--arch", "2,3,1", "--samples", "100000000")
    refused(capsys, "GiB", "funcdim", "--arch", "2,5000,5000,1", "--samples", "900000")


def test_generator_limits_equal_the_checker_limits():
    from exactid import resources
    from exactid.checker import arith, butterfly, matrices, network, twolayer

    assert resources.MAX_CONDUCTOR == arith.MAX_CONDUCTOR
    assert resources.MAX_BUTTERFLY_N == butterfly.MAX_N
    assert resources.MAX_NAMED_TWO_LAYER_N == twolayer.MAX_NAMED_SIZE
    assert resources.MAX_NETWORK_PARAMETERS == network.MAX_PARAMETERS
    assert resources.MAX_MATRIX_COEFFICIENTS == matrices.MAX_ENTRIES
    assert resources.MAX_CERTIFICATE_DIGITS == arith.MAX_DIGITS


def test_largest_allowed_butterfly_size_is_accepted_by_the_checker(capsys, tmp_path):
    # the edge: the smallest and a mid size generate certificates the checker accepts
    for n in (2, 64):
        out = tmp_path / f"b{n}.json"
        code, _, _ = cli(capsys, "certify", "butterfly", "--matrix", "hadamard", "--n", n, "-o", out)
        assert code == 0
        code, out_text, _ = cli(capsys, "check", out)
        assert code == 0 and out_text.startswith("VALID")


def test_no_temporary_file_left_when_writing_fails(tmp_path, monkeypatch):
    from exactid.io import files as files_module

    target = tmp_path / "c.json"

    def failing_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files_module.os, "fsync", failing_fsync)
    code = main(["certify", "butterfly", "--matrix", "dft", "--n", "8", "-o", str(target)])
    assert code == 2
    assert list(tmp_path.iterdir()) == []
