"""Rank certificates: accepted when honest, rejected after tampering (checked by the checker)."""

import copy
import json

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certify.rank import rank_certificate
from exactid.checker import Rejected, check_document
from exactid.domains import QQ, CyclotomicField, ExactMatrix


def deficient(field, m, n, r, seed):
    rng = np.random.default_rng(seed)
    shape = lambda a, b: (a, b) if field.degree == 1 else (a, b, field.degree)  # noqa: E731
    return ExactMatrix.from_integers(rng.integers(-3, 4, size=shape(m, r)), field) @ ExactMatrix.from_integers(
        rng.integers(-3, 4, size=shape(r, n)), field)


CASES = [(QQ, 6, 7, 4, 1), (CyclotomicField(8), 5, 6, 3, 2), (CyclotomicField(12), 4, 4, 2, 3)]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"{c[0].name}-{c[1]}x{c[2]}-r{c[3]}")
def certificate(request):
    field, m, n, r, seed = request.param
    cert, result = rank_certificate(deficient(field, m, n, r, seed))
    assert result.rank == r
    return cert


def rejected(doc) -> bool:
    try:
        check_document(json.loads(json.dumps(doc)))
    except Rejected:
        return True
    return False


def test_honest_certificate_is_accepted(certificate):
    assert "rank = " in check_document(certificate)


def test_claiming_a_larger_or_smaller_rank_is_rejected(certificate):
    for delta in (-1, 1):
        doc = copy.deepcopy(certificate)
        doc["claim"]["rank"] += delta
        assert rejected(doc)


def test_dropping_the_kernel_leaves_only_a_lower_bound(certificate):
    doc = copy.deepcopy(certificate)
    doc["steps"] = doc["steps"][:1]
    assert rejected(doc)
    doc["claim"]["bound"] = "lower_bound"
    assert "rank >= " in check_document(doc)


@settings(max_examples=60)
@given(data=st.data())
def test_single_value_mutations_are_rejected_unless_independently_valid(certificate, data):
    doc = copy.deepcopy(certificate)
    step = data.draw(st.sampled_from(doc["steps"]))
    if step["kind"] == "minor_nonzero_mod_p":
        key = data.draw(st.sampled_from(["p", "root", "rows", "cols"]))
    else:
        key = data.draw(st.sampled_from(["vectors", "independence"]))
    if key in ("p", "root"):
        step[key] += data.draw(st.sampled_from([-2, -1, 1, 2]))
    elif key in ("rows", "cols"):
        if not step[key]:
            return
        i = data.draw(st.integers(0, len(step[key]) - 1))
        step[key][i] += 1
    elif key == "vectors":
        entries = step["vectors"]["entries"]
        i, j = data.draw(st.integers(0, len(entries) - 1)), data.draw(st.integers(0, len(entries[0]) - 1))
        e = entries[i][j]
        if isinstance(e, list):
            e[0] = (int(e[0]) + 1) if not isinstance(e[0], str) or "/" not in e[0] else 1
        else:
            entries[i][j] = int(e) + 1 if not isinstance(e, str) or "/" not in e else 1
    else:
        step["independence"]["rows"] = step["independence"]["rows"][:-1]
    if not rejected(doc):
        # Allowed only when the mutated certificate is genuinely valid: re-prove it independently.
        matrix = ExactMatrix.from_rows(doc["data"]["matrix"]["entries"], certificate_field(doc))
        s = matrix.to_sympy()
        assert s.rank() == doc["claim"]["rank"]
        minor = doc["steps"][0]
        assert bool(s.extract(minor["rows"], minor["cols"]).det()) if minor["rows"] else True


def certificate_field(doc):
    name = doc["data"]["matrix"]["field"]
    return QQ if name == "QQ" else CyclotomicField(int(name[len("QQ(zeta_"):-1]))


def test_tampered_matrix_changes_the_rank_and_is_rejected(certificate):
    doc = copy.deepcopy(certificate)
    entries = doc["data"]["matrix"]["entries"]
    first = entries[0][0]
    if isinstance(first, list):
        first[0] = int(first[0]) + 1000
    else:
        entries[0][0] = int(first) + 1000
    assert rejected(doc)


def test_full_rank_needs_no_kernel():
    cert, res = rank_certificate(ExactMatrix.from_rows([[1, 2], [3, 4], [5, 7]], QQ))
    assert res.rank == 2 and [s["kind"] for s in cert["steps"]] == ["minor_nonzero_mod_p"]
    assert check_document(cert) == "rank = 2 for a 3x2 matrix over QQ"


def test_hilbert_rank_against_sympy():
    H = ExactMatrix.from_rows([[f"1/{i + j + 1}" for j in range(6)] for i in range(6)], QQ)
    cert, res = rank_certificate(H)
    assert res.rank == sympy.Matrix(6, 6, lambda i, j: sympy.Rational(1, i + j + 1)).rank() == 6
    assert check_document(cert).startswith("rank = 6")
