"""``make proofs`` is deterministic: regenerating a bundled certificate gives the committed bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from exactid.certify import bundle
from exactid.io.files import write_json

PROOFS = Path(__file__).resolve().parents[1] / "proofs"
#: Regenerate only certificates whose committed file is this small (a proxy for quick builds).
MAX_BYTES = 60_000

ITEMS = list(bundle.items())


def test_every_bundled_certificate_is_committed():
    missing = [item.path for item in ITEMS if not (PROOFS / item.path).is_file()]
    assert not missing, f"bundled but not committed under proofs/ (run make proofs): {missing}"


def test_bundled_paths_are_unique_and_relative():
    paths = [item.path for item in ITEMS]
    assert len(paths) == len(set(paths))
    assert all(not p.startswith("/") and ".." not in Path(p).parts and p.endswith((".json", ".json.gz")) for p in paths)


@pytest.mark.parametrize("item", ITEMS, ids=[item.path for item in ITEMS])
def test_regenerating_gives_identical_bytes(item, tmp_path):
    committed = PROOFS / item.path
    if not committed.is_file():
        pytest.skip("not committed (reported by test_every_bundled_certificate_is_committed)")
    if committed.stat().st_size > MAX_BYTES:
        pytest.skip(f"large certificate ({committed.stat().st_size} bytes): checked by make proofs only")
    target = tmp_path / Path(item.path).name
    write_json(target, bundle.deterministic(item.build()))
    assert target.read_bytes() == committed.read_bytes(), f"{item.path} is not reproducible byte for byte"


def test_deterministic_keeps_only_the_tool_in_meta():
    cert = {"claim": {}, "meta": {"tool": "exactid x", "seconds": 1.25, "host": "h"}}
    assert bundle.deterministic(cert)["meta"] == {"tool": "exactid x"}
