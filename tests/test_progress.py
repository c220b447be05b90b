"""Progress bars appear on an interactive stderr only, and never change results."""

import io

import numpy as np
import pytest

import exactid
from exactid.supports.exactcover import exact_covers

pytest.importorskip("tqdm")


class Terminal(io.StringIO):
    def isatty(self):
        return True


def on_terminal(monkeypatch) -> Terminal:
    """Replace stderr inside the test body (pytest re-installs its own capture after fixtures)."""
    fake = Terminal()
    monkeypatch.setattr("sys.stderr", fake)
    return fake


def test_exact_cover_search_shows_progress_on_a_terminal(monkeypatch):
    fake_tty = on_terminal(monkeypatch)
    blocks = [[0, 1], [2, 3], [0, 2], [1, 3]]
    assert exact_covers(4, blocks) == [[0, 1], [2, 3]]
    assert "exact cover search" in fake_tty.getvalue()


def test_no_progress_when_not_a_terminal(capsys):
    assert exact_covers(4, [[0, 1], [2, 3]]) == [[0, 1]]
    assert capsys.readouterr().err == ""


def test_check_of_files_shows_steps_and_files(monkeypatch, tmp_path):
    for i in range(2):
        exactid.rank(np.eye(3, dtype=int) * (i + 1)).save(tmp_path / f"r{i}.json")
    fake_tty = on_terminal(monkeypatch)
    res = exactid.check(tmp_path)
    assert res.verdict == "valid" and res.total == 2
    text = fake_tty.getvalue()
    assert "certificates" in text and "r0.json" in text
