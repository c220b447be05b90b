"""The worked example of docs/certificates.md is valid, and its tampered variants fail as told."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from exactid.checker import check_document
from exactid.checker.core import Rejected

DOC = Path(__file__).resolve().parents[1] / "docs" / "certificates.md"


def worked_example() -> dict:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Worked example", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    return json.loads(block)


def test_worked_example_is_valid():
    assert check_document(worked_example()) == "rank = 2 for a 3x3 matrix over QQ"


@pytest.mark.parametrize("path,value,message", [
    (("steps", 0, "rows"), [0, 1], r"step 0 \(minor_nonzero_mod_p\): the 2x2 minor vanishes mod 7"),
    (("steps", 1, "vectors", "entries", 1, 0), "7/2", r"step 1 \(kernel_vectors\): M @ W is not zero"),
    (("steps", 0, "p"), 6, "p = 6 is not prime"),
    (("claim", "rank"), 1, "no step proves rank <= 1"),
])
def test_worked_example_tampered(path, value, message):
    doc = copy.deepcopy(worked_example())
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(Rejected, match=message):
        check_document(doc)
