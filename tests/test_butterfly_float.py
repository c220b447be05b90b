"""Float butterfly fallback, .npz layout, cross-validation (and pyfaust when installed)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from exactid.certify.butterfly import random_butterfly
from exactid.cli.main import main
from exactid.errors import InputError
from exactid.factorization.butterfly import factor_exact, to_dense
from exactid.factorization.butterfly_float import factor_float, load_factors, load_npz, save_npz
from exactid.factorization.crossval import align, crossval, crossval_dense, crossval_faust, exact_reference
from exactid.transforms import bitrev


def dft_matrix(N: int) -> np.ndarray:
    j = np.arange(N)
    return np.exp(-2j * np.pi * (np.outer(j, j) % N) / N)


def perm_matrix(perm: np.ndarray) -> np.ndarray:
    P = np.zeros((len(perm), len(perm)))
    P[np.arange(len(perm)), perm] = 1
    return P


@pytest.mark.parametrize("N", [2, 4, 16, 128])
@pytest.mark.parametrize("tree", ["balanced", "left", "right"])
def test_float_dft_factors(N, tree):
    res = factor_float(dft_matrix(N), "bitrev", tree)
    assert res.relative_error < 1e-13
    dense = res.dense_factors()
    total = dense[0]
    for f in dense[1:]:
        total = total @ f
    assert np.allclose(total @ perm_matrix(bitrev(N)), dft_matrix(N), atol=1e-10)
    assert np.allclose(res.matrix(), dft_matrix(N), atol=1e-10)
    report = crossval(list(res.values), res.perm, "dft", N)
    assert report.verdict == "equivalent" and report.max_deviation < 1e-12


@pytest.mark.parametrize("N", [4, 32])
def test_float_against_exact_factors_of_random_products(N):
    """The float factors equal the exact factors (from the exact algorithm) up to scalings."""
    L = N.bit_length() - 1
    original, Z = random_butterfly(N, seed=N)
    exact = factor_exact(Z)
    Zf = np.array([[float(x) for x in row] for row in Z.tolist()])
    res = factor_float(Zf, None, "right")
    assert res.relative_error < 1e-12
    reference = [np.array([[float(x) for x in row] for row in f]) for f in exact.factors]
    assert max(align(list(res.values), reference)) < 1e-9
    as_float = [np.array([[float(x) for x in row] for row in f]) for f in original]
    assert max(align(list(res.values), as_float)) < 1e-9
    # a wrong reference (one entry changed) is detected
    as_float[0][0, 0] *= 2
    assert max(align(list(res.values), as_float)) > 1e-3


def test_noisy_input_reports_its_error():
    N = 64
    rng = np.random.default_rng(0)
    noisy = dft_matrix(N) + 1e-6 * rng.standard_normal((N, N))
    res = factor_float(noisy, "bitrev")
    assert 1e-8 < res.relative_error < 1e-5
    assert crossval(list(res.values), res.perm, "dft", N, tolerance=1e-10).verdict == "not_equivalent"
    assert crossval(list(res.values), res.perm, "dft", N, tolerance=1e-3).verdict == "equivalent"
    assert crossval(list(res.values), np.arange(N), "dft", N).verdict == "not_equivalent"


def test_npz_layout_and_loader(tmp_path):
    N, L = 16, 4
    res = factor_float(dft_matrix(N), "bitrev")
    path = tmp_path / "f.npz"
    save_npz(str(path), res)
    with np.load(path) as data:
        assert sorted(data.files) == ["format", "perm", "relative_error", "tree", "values", "version"]
        values = data["values"]
        assert values.shape == (L, N, 2)
    factors, perm = load_factors(str(path))
    assert np.array_equal(perm, bitrev(N))
    for l in range(1, L + 1):
        b = 1 << (L - l)
        for i in range(N):
            for t in range(2):
                assert factors[l - 1][i, (i & ~b) | (t * b)] == values[l - 1, i, t]
        assert np.count_nonzero(factors[l - 1]) == 2 * N
    again = load_npz(str(path))
    assert again.tree.to_json() == res.tree.to_json() and again.relative_error == res.relative_error
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(InputError):
        load_npz(str(tmp_path / "bad.npz"))


def test_dense_crossval_counts_support_violations():
    N = 8
    values, perm = exact_reference("dft", N)
    dense = [to_dense(v, 3, l, l) for l, v in enumerate(values, start=1)]
    assert crossval_dense(dense, perm, "dft", N).verdict == "equivalent"
    dense[1][0, 7] = 0.5
    report = crossval_dense(dense, perm, "dft", N)
    assert report.verdict == "not_equivalent" and report.support_violations == 1


def test_float_input_errors():
    with pytest.raises(InputError):
        factor_float(np.ones((6, 6)))
    with pytest.raises(InputError):
        factor_float(np.ones((4, 8)))
    with pytest.raises(InputError):
        factor_float(np.full((4, 4), np.nan))


def test_cli_factor_and_crossval(tmp_path, capsys):
    N = 32
    np.save(tmp_path / "F.npy", dft_matrix(N))
    out = tmp_path / "F.npz"
    assert main(["factor", "butterfly", str(tmp_path / "F.npy"), "--perm", "bitrev", "-o", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["relative_error"] < 1e-13 and "seconds" in payload and "verdict" in payload
    assert main(["crossval", "butterfly", str(out), "--matrix", "dft", "--n", str(N), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["verdict"] == "equivalent" and payload["support_violations"] == 0
    assert payload["max_deviation"] < 1e-12
    assert main(["crossval", "butterfly", str(out), "--matrix", "dft", "--n", "64"]) == 2
    assert main(["factor", "butterfly", str(tmp_path / "missing.npy"), "-o", str(out)]) == 2


def _pyfaust():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pyfaust.fact  # noqa: F401
        return pyfaust
    except Exception:  # pragma: no cover - optional extra
        return None


@pytest.mark.skipif(_pyfaust() is None, reason="pyfaust (optional extra 'faust') is not installed")
@pytest.mark.parametrize("N", [4, 16, 64])  # pyfaust 3.41.0 crashes (segfault) on N = 2
def test_pyfaust_crossval(N):
    import pyfaust.fact

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        faust = pyfaust.fact.butterfly(dft_matrix(N), type="bbtree", perm="bitrev")
    report = crossval_faust(faust, "dft", N)
    assert report.verdict == "equivalent" and report.support_violations == 0 and report.max_deviation < 1e-10
