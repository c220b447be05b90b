"""Atomic, deterministic certificate writes; gzip output is read back by the checker."""

from __future__ import annotations

import gzip
import os

import pytest

from exactid.certify.rank import rank_certificate
from exactid.checker import check_file
from exactid.domains import QQ, ExactMatrix
from exactid.errors import InputError
from exactid.io import files
from exactid.io.files import dumps_canonical, read_json, write_json


@pytest.fixture
def cert():
    return rank_certificate(ExactMatrix.from_rows([[1, "1/2"], [2, 1]], QQ))[0]


def test_gz_output_is_gzip_deterministic_and_checks(tmp_path, cert):
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    write_json(a, cert)
    write_json(b, cert)
    raw = a.read_bytes()
    assert raw[:2] == b"\x1f\x8b" and raw == b.read_bytes()
    assert gzip.decompress(raw) == dumps_canonical(cert)
    assert read_json(a) == cert
    assert check_file(str(a)).status == "valid"


def test_plain_output_is_canonical(tmp_path, cert):
    write_json(tmp_path / "c.json", cert)
    text = (tmp_path / "c.json").read_bytes()
    assert text == dumps_canonical(cert) and text.endswith(b"\n") and b" " not in text.split(b'"tool"')[0]


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_failed_write_leaves_no_partial_file(tmp_path, cert, monkeypatch):
    target = tmp_path / "cert.json"

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_json(target, cert)
    assert leftovers(tmp_path) == []  # neither the target nor a temporary file


def test_failed_write_keeps_the_previous_version(tmp_path, cert, monkeypatch):
    target = tmp_path / "cert.json.gz"
    write_json(target, cert)
    before = target.read_bytes()

    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    changed = dict(cert, claim=dict(cert["claim"], rank=0))
    with pytest.raises(OSError):
        write_json(target, changed)
    assert target.read_bytes() == before and leftovers(tmp_path) == ["cert.json.gz"]
    assert check_file(str(target)).status == "valid"


def test_unserializable_object_writes_nothing(tmp_path):
    with pytest.raises(TypeError):
        write_json(tmp_path / "x.json", {"bad": object()})
    assert leftovers(tmp_path) == []


def test_interrupted_write_leaves_no_partial_file(tmp_path, cert, monkeypatch):
    real_fdopen = os.fdopen

    class Interrupting:
        def __init__(self, fd, mode):
            self.fh = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fdopen", Interrupting)
    with pytest.raises(KeyboardInterrupt):
        write_json(tmp_path / "cert.json", cert)
    assert leftovers(tmp_path) == []


def test_missing_directory_is_an_input_error(tmp_path, cert):
    with pytest.raises(InputError, match="directory does not exist"):
        write_json(tmp_path / "nope" / "c.json", cert)
