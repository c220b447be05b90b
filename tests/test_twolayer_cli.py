"""Command line: ``exactid certify two-layer`` and ``exactid draw two-layer``."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from exactid.cli.main import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_certify_named_json_and_check(tmp_path, capsys):
    out = tmp_path / "dst2-8.json.gz"
    code, text, _ = run(capsys, "certify", "two-layer", "--matrix", "dst2", "--n", "8", "--x-col-sparsity", "4",
                        "--y-row-sparsity", "2", "-o", str(out), "--json")
    payload = json.loads(text)
    assert code == 0 and payload["verdict"] == "identifiable" and payload["r"] == 8
    code, text, _ = run(capsys, "check", str(out))
    assert code == 0 and "VALID dst2(8) is identifiable" in text


def test_certify_count(capsys):
    code, text, _ = run(capsys, "certify", "two-layer", "--matrix", "hadamard", "--n", "4", "--x-col-sparsity", "2",
                        "--y-row-sparsity", "2", "--count", "--json")
    payload = json.loads(text)
    assert code == 0 and payload["verdict"] == "not_identifiable" and payload["covers"] == 3


def test_certify_user_data(tmp_path, capsys):
    (tmp_path / "X.json").write_text(json.dumps([[1, 2], [3, 4]]))
    (tmp_path / "Y.json").write_text(json.dumps([[1, 1], [1, -1]]))
    code, text, _ = run(capsys, "certify", "two-layer", "--x", str(tmp_path / "X.json"), "--y",
                        str(tmp_path / "Y.json"), "--fixed-support", "--json", "-o", str(tmp_path / "c.json"))
    assert code == 0 and json.loads(text)["verdict"] == "not_identifiable"
    code, text, _ = run(capsys, "check", str(tmp_path / "c.json"))
    assert code == 0
    (tmp_path / "X1.json").write_text(json.dumps([[1, 0], [0, 1]]))
    (tmp_path / "Y1.json").write_text(json.dumps([[2, 3], [5, 7]]))
    code, text, _ = run(capsys, "certify", "two-layer", "--x", str(tmp_path / "X1.json"), "--y",
                        str(tmp_path / "Y1.json"), "--json", "-o", str(tmp_path / "f.json"))
    payload = json.loads(text)
    assert code == 0 and payload["verdict"] == "identifiable" and payload["kind"] == "family"
    assert run(capsys, "check", str(tmp_path / "f.json"))[0] == 0


@pytest.mark.parametrize("argv", [
    ["--matrix", "nope", "--n", "4", "--x-col-sparsity", "2", "--y-row-sparsity", "2"],
    ["--matrix", "dft", "--x-col-sparsity", "2", "--y-row-sparsity", "2"],
    ["--matrix", "dft", "--n", "4"],
    ["--matrix", "dft", "--n", "4", "--x-col-sparsity", "9", "--y-row-sparsity", "2"],
    ["--x", "/nonexistent.json", "--y", "/nonexistent.json"],
    [],
])
def test_bad_input_exits_2_with_one_line(argv, capsys):
    code, _, err = run(capsys, "certify", "two-layer", *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_draw_without_matplotlib(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import fails as if not installed
    code, _, err = run(capsys, "draw", "two-layer", "--matrix", "dft", "--n", "4", "--x-col-sparsity", "2",
                       "--y-row-sparsity", "2", "-o", str(tmp_path / "p.png"))
    assert code == 2 and "matplotlib" in err and err.count("\n") == 1


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="matplotlib (extra 'plot') not installed")
def test_draw_writes_png(tmp_path, capsys):
    target = tmp_path / "dct.png"
    code, _, _ = run(capsys, "draw", "two-layer", "--matrix", "dct2", "--n", "8", "--x-col-sparsity", "4",
                     "--y-row-sparsity", "2", "-o", str(target))
    assert code == 0 and target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "X.json").write_text(json.dumps([[1, 2], [3, 4]]))
    (tmp_path / "Y.json").write_text(json.dumps([[1, 1], [1, -1]]))
    code, _, _ = run(capsys, "draw", "two-layer", "--x", str(tmp_path / "X.json"), "--y", str(tmp_path / "Y.json"),
                     "--fixed-support", "-o", str(tmp_path / "fixed.png"))
    assert code == 0 and (tmp_path / "fixed.png").exists()
