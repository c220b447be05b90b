"""Q(zeta_1) = Q(zeta_2) = Q: generators and checker name it "QQ" alike (issue 13)."""

import pytest

from exactid.certify.rank import rank_certificate
from exactid.certify.twolayer import fixed_certificate, named_family_certificate
from exactid.checker import check_document
from exactid.checker.matrices import field_name, parse_field
from exactid.domains import CyclotomicField, ExactMatrix


@pytest.mark.parametrize("name", ["dft", "hadamard"])
@pytest.mark.parametrize("k, kp", [(1, 2), (2, 1), (1, 1)])
def test_size_two_named_products_check(name, k, kp):
    cert, res = named_family_certificate(name, 2, k, kp)
    assert cert["claim"]["field"] == "QQ"
    summary = check_document(cert)
    assert res.verdict.replace("_", " ").split()[-1] in summary.replace("_", " ")


def test_checker_names_degree_one_fields_qq():
    assert [field_name(n) for n in (1, 2, 3, 4)] == ["QQ", "QQ", "QQ(zeta_3)", "QQ(zeta_4)"]
    assert [parse_field(s) for s in ("QQ", "QQ(zeta_1)", "QQ(zeta_2)", "QQ(zeta_8)")] == [1, 1, 1, 8]


@pytest.mark.parametrize("n", [1, 2])
def test_degree_one_cyclotomic_data_is_certified_as_rational(n):
    K = CyclotomicField(n)
    X = ExactMatrix.from_rows([[[1], [2]], [[3], [4]]], K)
    Y = ExactMatrix.from_rows([[[1], [1]], [[1], [-1]]], K)
    cert, res = fixed_certificate(X, Y)
    assert res.verdict == "not_identifiable" and cert["claim"]["field"] == "QQ"
    assert cert["data"]["X"]["field"] == "QQ"
    check_document(cert)
    cert, res = rank_certificate(ExactMatrix.from_rows([[[1], [2]], [[2], [4]]], K))
    assert res.rank == 1 and cert["claim"]["field"] == "QQ"
    assert "rank = 1" in check_document(cert)
