"""The installed console script answers and the bundled proofs check."""

import subprocess
import sys

import exactid


def test_version_matches_package():
    out = subprocess.run([sys.executable, "-m", "exactid.cli.main", "--version"], capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.strip() == f"exactid {exactid.__version__}"
