"""The exactid command: --version, rank, check, and bad input (one line, exit 2, no traceback)."""

import json
import subprocess
import sys

import numpy as np
import pytest

EXE = [sys.executable, "-m", "exactid.cli.main"]


def run(*args, cwd=None):
    return subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True, cwd=cwd)


def test_rank_json_and_certificate_round_trip(tmp_path):
    f = tmp_path / "m.json"
    f.write_text(json.dumps([[1, 2, 3], [2, 4, 6], ["1/2", 0, 1]]))
    out = run("rank", f, "--json", "-o", tmp_path / "c.json.gz")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["rank"] == 2 and payload["certified"] == "exact"
    chk = run("check", tmp_path / "c.json.gz")
    assert chk.returncode == 0 and chk.stdout.startswith("VALID rank = 2")


def test_rank_of_cyclotomic_json_and_npy(tmp_path):
    f = tmp_path / "z.json"
    f.write_text(json.dumps({"field": "QQ(zeta_8)", "entries": [[[1, 0, 0, 0], [0, 1, 0, 0]],
                                                                 [[0, 1, 0, 0], [0, 0, 1, 0]]]}))
    assert json.loads(run("rank", f, "--json").stdout)["rank"] == 1
    npy = tmp_path / "a.npy"
    np.save(npy, np.array([[1, 2], [2, 4], [0, 0]], dtype=np.int64))
    assert json.loads(run("rank", npy, "--json").stdout)["rank"] == 1


@pytest.mark.parametrize(
    "content,fragment",
    [
        (None, "no such file"),
        ("{not json", "malformed JSON"),
        ("[[1, 2], [3]]", "ragged rows"),
        ('[[1, "x"]]', "not a rational"),
        ('[[1, 1e999]]', "not a finite"),
        ('{"n": 0, "entries": [[[1]]]}', "integer >= 1"),
        ('{"n": 8, "entries": [[[1, 2]]]}', "coefficients"),
        ('{"field": "QQ(zeta_x)", "entries": [[1]]}', "unknown field"),
        ('"text"', "list of rows"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(tmp_path, content, fragment):
    f = tmp_path / "bad.json"
    if content is not None:
        f.write_text(content)
    out = run("rank", f)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert fragment in out.stderr


def test_float_npy_is_refused(tmp_path):
    f = tmp_path / "f.npy"
    np.save(f, np.ones((2, 2)))
    out = run("rank", f)
    assert out.returncode == 2 and "integers" in out.stderr


def test_unknown_command_and_missing_argument_exit_2():
    for args in (["nope"], ["rank"], ["check"]):
        out = run(*args)
        assert out.returncode == 2 and "Traceback" not in out.stderr


def test_output_into_missing_directory_is_bad_input(tmp_path):
    f = tmp_path / "m.json"
    f.write_text("[[1]]")
    out = run("rank", f, "-o", tmp_path / "missing" / "c.json")
    assert out.returncode == 2 and "directory does not exist" in out.stderr
