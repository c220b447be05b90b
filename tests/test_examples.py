"""The example scripts run to completion and print what they promise."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    if script.name == "certify_and_check.py":
        assert "rank = 9 (exact)" in out.stdout and "VALID rank = 9" in out.stdout
    if script.name == "quickstart.py":
        for line in ("exact: rank = 2 over QQ", "check: valid", "warning: ExactConversionWarning",
                     "DCT-II 8: identifiable (r = 8)", "Hadamard 4: not_identifiable (3 exact covers)",
                     "DFT 64: identifiable (6 factors", "ReLU local: identifiable rank J = 13, d - h = 13",
                     "functional dimension: 13", "ReLU box: not_identifiable", "equivalent: equivalent",
                     "folder check: valid 2 of 2 valid"):
            assert line in out.stdout, line
