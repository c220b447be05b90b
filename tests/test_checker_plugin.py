"""The pytest entry point for users' CI: ``--exactid-certificates`` and ``exactid.testing``."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from exactid.certify.rank import rank_certificate
from exactid.domains import QQ, ExactMatrix
from exactid.io.files import write_json
from exactid.testing import assert_certificates_valid, check_certificates


@pytest.fixture
def folder(tmp_path):
    cert = rank_certificate(ExactMatrix.from_rows([[1, 2], [3, 4]], QQ))[0]
    (tmp_path / "certs" / "sub").mkdir(parents=True)
    write_json(tmp_path / "certs" / "a.json", cert)
    write_json(tmp_path / "certs" / "sub" / "b.json.gz", cert)
    return tmp_path


def make_invalid(folder):
    cert = rank_certificate(ExactMatrix.from_rows([[1, 2], [3, 4]], QQ))[0]
    bad = copy.deepcopy(cert)
    bad["claim"]["rank"] = 1
    write_json(folder / "certs" / "bad.json", bad)


def run_pytest(cwd, *args, autoload=True):
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    extra = []
    if not autoload:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        extra = ["-p", "exactid.pytest_plugin"]
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *extra, *args],
                          cwd=cwd, capture_output=True, text=True, env=env)


def test_entry_point_is_registered():
    names = {ep.value for ep in entry_points(group="pytest11")}
    assert "exactid.pytest_plugin" in names


def test_plugin_collects_one_item_per_certificate(folder):
    out = run_pytest(folder, "--exactid-certificates", "certs", "-v", autoload=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "collected 2 items" in out.stdout and "2 passed" in out.stdout
    assert "exactid-certificate::certs/sub/b.json.gz PASSED" in out.stdout


def test_plugin_reports_the_failing_step(folder):
    make_invalid(folder)
    out = run_pytest(folder, "--exactid-certificates", "certs", autoload=False)
    assert out.returncode == 1
    assert "1 failed, 2 passed" in out.stdout
    assert "INVALID certs/bad.json: claim (rank): no step proves rank <= 1" in out.stdout


def test_plugin_is_inert_without_the_option(folder):
    (folder / "test_plain.py").write_text("def test_one():\n    assert True\n")
    out = run_pytest(folder, autoload=False)
    assert out.returncode == 0 and "1 passed" in out.stdout


def test_plugin_loads_through_the_entry_point(folder):
    out = run_pytest(folder, "--exactid-certificates", "certs")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 passed" in out.stdout


def test_helper(folder):
    assert len(assert_certificates_valid(folder / "certs")) == 2
    make_invalid(folder)
    with pytest.raises(AssertionError, match="1 of 3 certificates failed"):
        assert_certificates_valid(folder / "certs")
    (folder / "empty").mkdir()
    with pytest.raises(AssertionError, match="no certificates found"):
        assert_certificates_valid(folder / "empty")
    assert assert_certificates_valid(folder / "empty", allow_empty=True) == []
    with pytest.raises(AssertionError, match="no such file"):
        assert_certificates_valid(folder / "missing")
    assert [o.status for o in check_certificates(folder / "certs" / "a.json")] == ["valid"]
