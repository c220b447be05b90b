"""``exactid check``: output lines, exit codes, folders, gzip, --json."""

from __future__ import annotations

import copy
import gzip
import json
import subprocess
import sys

import pytest

from exactid.certify.rank import rank_certificate
from exactid.cli.main import main
from exactid.domains import QQ, ExactMatrix
from exactid.io.files import write_json


@pytest.fixture
def cert():
    return rank_certificate(ExactMatrix.from_rows([[1, 2, 3], [2, 4, 6], [1, 0, 1]], QQ))[0]


def run(capsys, *argv):
    code = main(["check", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_valid_file(tmp_path, capsys, cert):
    write_json(tmp_path / "a.json", cert)
    code, out, _ = run(capsys, tmp_path / "a.json")
    assert code == 0
    assert out.splitlines()[0].startswith("VALID rank = 2 for a 3x3 matrix over QQ")
    assert "1 certificate: 1 valid, 0 invalid, 0 malformed" in out


def test_invalid_names_the_failing_step(tmp_path, capsys, cert):
    bad = copy.deepcopy(cert)
    bad["steps"][1]["vectors"]["entries"][0][0] = 7
    write_json(tmp_path / "bad.json", bad)
    code, out, _ = run(capsys, tmp_path / "bad.json")
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith(f"INVALID {tmp_path / 'bad.json'}: step 1 (kernel_vectors): ")
    assert "M @ W is not zero" in line


def test_malformed_exits_2(tmp_path, capsys, cert):
    (tmp_path / "x.json").write_bytes(b"\x00\xffnot json")
    write_json(tmp_path / "ok.json", cert)
    code, out, _ = run(capsys, tmp_path)
    assert code == 2
    assert "MALFORMED" in out and "VALID rank" in out
    (tmp_path / "x.json").write_text('{"hello": 1}')
    code, out, _ = run(capsys, tmp_path / "x.json")
    assert code == 2 and "not an exactid certificate" in out
    code, out, _ = run(capsys, tmp_path / "missing.json")
    assert code == 2 and "no such file" in out


def test_invalid_and_malformed_together_exit_2(tmp_path, capsys, cert):
    bad = copy.deepcopy(cert)
    bad["claim"]["rank"] = 3
    write_json(tmp_path / "bad.json", bad)
    (tmp_path / "junk.json").write_text("[")
    assert run(capsys, tmp_path)[0] == 2
    (tmp_path / "junk.json").unlink()
    assert run(capsys, tmp_path)[0] == 1


def test_folders_recursive_and_gzip(tmp_path, capsys, cert):
    (tmp_path / "a" / "b").mkdir(parents=True)
    write_json(tmp_path / "a" / "one.json", cert)
    write_json(tmp_path / "a" / "b" / "two.json.gz", cert)
    (tmp_path / "a" / "b" / "notes.txt").write_text("ignored: not .json")
    assert (tmp_path / "a" / "b" / "two.json.gz").read_bytes()[:2] == b"\x1f\x8b"
    code, out, _ = run(capsys, tmp_path)
    assert code == 0
    assert out.count("VALID") == 2 and "two.json.gz" in out and "notes.txt" not in out


def test_json_report(tmp_path, capsys, cert):
    write_json(tmp_path / "a.json", cert)
    bad = copy.deepcopy(cert)
    bad["steps"][0]["rows"] = [0, 0]
    write_json(tmp_path / "b.json", bad)
    code, out, _ = run(capsys, "--json", tmp_path)
    report = json.loads(out)
    assert code == 1 and report["verdict"] == "invalid" and report["exit_code"] == 1
    assert (report["valid"], report["invalid"], report["malformed"], report["total"]) == (1, 1, 0, 2)
    by_name = {c["path"].rsplit("/", 1)[-1]: c for c in report["certificates"]}
    assert by_name["a.json"]["status"] == "valid" and by_name["a.json"]["summary"].startswith("rank = 2")
    assert by_name["b.json"]["step"] == 0 and by_name["b.json"]["kind"] == "minor_nonzero_mod_p"
    assert "repeated index" in by_name["b.json"]["reason"]


def test_quiet_prints_only_problems(tmp_path, capsys, cert):
    write_json(tmp_path / "a.json", cert)
    code, out, _ = run(capsys, "--quiet", tmp_path)
    assert code == 0 and "VALID" not in out and "1 valid" in out


def test_empty_folder(tmp_path, capsys):
    code, out, _ = run(capsys, tmp_path)
    assert code == 0 and "no certificates found" in out


def test_console_script_no_traceback_on_garbage(tmp_path):
    (tmp_path / "g.json.gz").write_bytes(gzip.compress(b"\xff" * 100)[:-5])
    (tmp_path / "deep.json").write_bytes(b"[" * 200_000)
    out = subprocess.run([sys.executable, "-m", "exactid.cli.main", "check", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr + out.stdout
    assert out.stdout.count("MALFORMED") == 2


def test_special_files_are_not_read(capsys):
    code, out, _ = run(capsys, "/dev/null")
    assert code == 2 and "not a regular file" in out


def test_bundle_reports_a_failing_generator_and_goes_on(tmp_path, monkeypatch):
    from exactid.certify import bundle

    def fake_items(only=None):
        yield bundle.BundleItem("t/ok.json", "fine", lambda: rank_certificate(ExactMatrix.from_rows([[1]], QQ))[0])
        yield bundle.BundleItem("t/broken.json", "raises", lambda: 1 / 0)
        yield bundle.BundleItem("t/ok2.json.gz", "fine", lambda: rank_certificate(ExactMatrix.from_rows([[2]], QQ))[0])

    monkeypatch.setattr(bundle, "items", fake_items)
    records = bundle.regenerate(str(tmp_path), out=None)
    assert [r.status for r in records][0::2] == ["valid", "valid"]
    assert records[1].status.startswith("FAILED to generate: ZeroDivisionError")
    assert not (tmp_path / "t" / "broken.json").exists()
