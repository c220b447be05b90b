"""exactid against stored oracle values (tests/data/oracles.json, made by tests/data/make_oracles.py
with SymPy and brute force, never with exactid)."""

import json
from pathlib import Path

import numpy as np
import pytest

import exactid
from exactid.checker import check_document

ORACLES = json.loads((Path(__file__).parent / "data" / "oracles.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", ORACLES["rank"], ids=lambda c: f"{c['field']}-{len(c['entries'])}")
def test_rank_equals_sympy(case):
    if case["field"] == "QQ":
        res = exactid.rank(case["entries"])
    else:
        res = exactid.rank(np.array(case["entries"], dtype=np.int64), field=case["field"])
    assert res.verdict == "exact" and res.rank == case["rank"]
    assert check_document(res.certificate)


@pytest.mark.parametrize("case", ORACLES["covers"], ids=lambda c: c["name"])
def test_exact_cover_count_equals_brute_force(case):
    Z = np.array(case["Z"], dtype=np.int64)
    res = exactid.two_layer(Z, family=(case["k"], case["kp"], case["r"]), count=True)
    expected = {0: "no_factorization", 1: "identifiable"}.get(case["covers"], "not_identifiable")
    assert res.verdict == expected
    assert res.covers == case["covers"]
    assert check_document(res.certificate)


@pytest.mark.parametrize("case", ORACLES["funcdim"], ids=lambda c: "-".join(str(len(l["b"])) for l in c["layers"]))
def test_functional_dimension_equals_sympy_jacobian_rank(case):
    res = exactid.funcdim({"activation": case["activation"], "layers": case["layers"]}, case["X"])
    assert res.d_minus_h == case["d_minus_h"]
    if res.verdict == "exact":
        assert res.rank == case["rank"]
    else:  # a certified lower bound never exceeds the true rank
        assert res.verdict == "lower_bound" and res.rank <= case["rank"]
