"""One vocabulary: the checker's constants, names and limits equal the generator's."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import exactid
from exactid.certify import bundle
from exactid.certify import common as generator_common
from exactid.checker import CLAIMS, core, equivalence as checker_equivalence, matrices as checker_matrices
from exactid.checker import named as checker_named, supports as checker_supports
from exactid.checker.errors import Malformed
from exactid.domains import QQ, CyclotomicField, field_from_name
from exactid.factorization import twolayer as generator_twolayer
from exactid.factorization.rootsums import NAMED_ROOT_SUMS
from exactid.networks import actions
from exactid.results import Verdict
from exactid.transforms import NAMED

ROOT = Path(__file__).parent.parent


def test_envelope_constants_agree():
    assert (core.FORMAT, core.VERSION) == (generator_common.FORMAT, generator_common.VERSION)


def test_candidate_limit_agrees():
    assert checker_supports.MAX_CANDIDATES == generator_twolayer.DEFAULT_MAX_CANDIDATES


@pytest.mark.parametrize("conductor", [1, 3, 4, 8, 12, 60])
def test_field_names_agree(conductor):
    field = QQ if conductor == 1 else CyclotomicField(conductor)
    assert checker_matrices.field_name(conductor) == field.name
    assert checker_matrices.parse_field(field.name) == field.conductor == conductor
    assert field_from_name(field.name) == field


def test_named_matrices_agree():
    assert set(NAMED) == set(NAMED_ROOT_SUMS)
    for name in NAMED:
        checker_named.root_sum_terms(name, 4)  # the checker knows every name the generator uses
    with pytest.raises(Malformed):
        checker_named.root_sum_terms("not_a_matrix", 4)


def test_every_generated_claim_kind_has_a_checker():
    kinds = set()
    for item in bundle.items():
        path = ROOT / "proofs" / item.path
        doc = json.loads(__import__("gzip").decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes())
        kinds.add(doc["claim"]["kind"])
        assert doc["claim"].get("verdict", "exact") in {v.value for v in Verdict}
    assert kinds <= set(CLAIMS)
    from exactid.certify.relu import LOCAL_KIND, SHALLOW_KIND

    assert {LOCAL_KIND, SHALLOW_KIND} <= set(CLAIMS)


def test_network_operations_agree():
    assert set(checker_equivalence.OPS) == set(actions.OPERATIONS)


def test_butterfly_encodings_agree():
    res = exactid.butterfly("dft", n=4)
    assert res.encoding == res.certificate["data"]["encoding"] == "roots_of_unity"
    assert res.conductor == res.certificate["data"]["conductor"]
    explicit = exactid.butterfly(np.array([[1, 1], [1, -1]]))
    assert explicit.encoding == explicit.certificate["data"]["encoding"] == "rational"


def test_sparsity_names_agree():
    res = exactid.two_layer("dft", n=4, family=(2, 2))
    claim = res.certificate["claim"]
    assert (claim["x_col_sparsity"], claim["y_row_sparsity"]) == (res.x_col_sparsity, res.y_row_sparsity)
    assert res.details.family.x_col_sparsity == claim["x_col_sparsity"]
    help_text = subprocess.run([sys.executable, "-m", "exactid.cli.main", "certify", "two-layer", "--help"],
                               capture_output=True, text=True).stdout
    assert "--x-col-sparsity" in help_text and "--y-row-sparsity" in help_text


NETWORK_TEXTS = ["exactid/networks", "exactid/checker/equivalence.py", "exactid/checker/relu.py",
                 "exactid/checker/network.py", "exactid/certify/equivalence.py", "exactid/certify/relu.py",
                 "exactid/cli/equiv.py", "exactid/cli/relu.py", "docs/networks-equivalence.md", "docs/relu.md"]


def _texts(names):
    for name in names:
        path = ROOT / name
        yield from (sorted(q for q in path.rglob("*") if q.suffix in (".py", ".md")) if path.is_dir() else [path])


def test_no_decided_outcome():
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in _texts(["exactid", "docs", "README.md"])
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if re.search(r"[\"'`]decided[\"'`]", line)]
    assert not offenders, offenders


def test_networks_have_neurons_not_units():
    # "unit" keeps its geometric sense (unit ball, unit vector, unit rows, unit norm)
    pattern = re.compile(r"\bunits?\b(?! ball| sphere| vectors?| rows?| norm| Frobenius)", re.IGNORECASE)
    offenders = [f"{p.relative_to(ROOT)}:{i}: {line.strip()[:60]}" for p in _texts(NETWORK_TEXTS)
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders


def test_every_command_prints_a_verdict_of_the_one_vocabulary(tmp_path):
    matrix = tmp_path / "m.json"
    matrix.write_text("[[1, 2], [2, 4]]")
    runs = [["rank", str(matrix)], ["symmetries", "tanh"], ["symmetries", "sin(t)"],
            ["certify", "butterfly", "--matrix", "hadamard", "--n", "4"],
            ["certify", "two-layer", "--matrix", "dft", "--n", "4", "--x-col-sparsity", "2", "--y-row-sparsity", "2"],
            ["check", str(ROOT / "proofs" / "rank")]]
    words = {v.value for v in Verdict}
    for args in runs:
        out = subprocess.run([sys.executable, "-m", "exactid.cli.main", *args, "--json"], capture_output=True, text=True)
        assert out.returncode == 0, (args, out.stderr)
        assert json.loads(out.stdout)["verdict"] in words, args


def test_limits_agree_and_are_enforced_before_work():
    from exactid.certify import limits
    from exactid.checker import arith, butterfly as checker_butterfly, network as checker_network
    from exactid.checker import twolayer as checker_twolayer
    from exactid.errors import ResourceError

    assert limits.MAX_CONDUCTOR == arith.MAX_CONDUCTOR
    assert limits.MAX_BUTTERFLY_N == checker_butterfly.MAX_N
    assert limits.MAX_NAMED_SIZE == checker_twolayer.MAX_NAMED_SIZE
    assert limits.MAX_PARAMETERS == checker_network.MAX_PARAMETERS
    with pytest.raises(ResourceError):
        exactid.butterfly("dft", n=2 * limits.MAX_BUTTERFLY_N)
    with pytest.raises(ResourceError):
        exactid.two_layer("dct2", n=2 * limits.MAX_NAMED_SIZE, family=(2, 2))
    from exactid.domains import euler_phi

    big = limits.MAX_CONDUCTOR + 2
    with pytest.raises(ResourceError):
        exactid.rank(np.zeros((1, 1, euler_phi(big)), dtype=int), field=big)
