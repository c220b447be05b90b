"""The installed console script answers and the bundled proofs check."""

import json
import re
import subprocess
import sys
from pathlib import Path

import exactid
from exactid.certify.bundle import items

PROOFS = Path(__file__).parent.parent / "proofs"


def run(*args):
    return subprocess.run([sys.executable, "-m", "exactid.cli.main", *args], capture_output=True, text=True)


def test_version_matches_package():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"exactid {exactid.__version__}"


def test_bundled_proofs_check():
    expected = sorted(item.path for item in items())
    on_disk = sorted(str(p.relative_to(PROOFS)) for p in PROOFS.rglob("*") if p.name.endswith((".json", ".json.gz")))
    assert on_disk == expected and len(expected) >= 50
    out = run("check", str(PROOFS), "--quiet")
    assert out.returncode == 0, out.stdout[-2000:]
    summary = re.fullmatch(r"(\d+) certificates: (\d+) valid, 0 invalid, 0 malformed \([0-9.]+ s\)", out.stdout.strip())
    assert summary and int(summary.group(1)) == int(summary.group(2)) == len(expected)


def test_bundled_proofs_check_json_report():
    out = run("check", str(PROOFS / "rank"), "--json")
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["verdict"] == "valid" and report["exit_code"] == 0
    assert report["valid"] == report["total"] == len(list((PROOFS / "rank").glob("*.json*")))
