"""The checker's own definitions of the named matrices agree with exactid.transforms and numpy."""

import numpy as np
import pytest

from exactid.checker.named import bitrev, root_sum_terms
from exactid.transforms import NAMED
from exactid.transforms import bitrev as exact_bitrev


def evaluate(c, terms, den):
    """Complex values of sum coeff * zeta_c^exps / den (zeta_c = exp(2 pi i / c))."""
    return sum(coeff * np.exp(2j * np.pi * exps / c) for exps, coeff in terms) / den


@pytest.mark.parametrize("name", sorted(NAMED))
@pytest.mark.parametrize("n", [1, 2, 4, 8, 16])
def test_root_sums_match_exact_transforms(name, n):
    c, terms, den = root_sum_terms(name, n)
    assert np.allclose(evaluate(c, terms, den), NAMED[name](n).to_numpy(), atol=1e-12)


def test_dft_matches_numpy_fft():
    c, terms, den = root_sum_terms("dft", 32)
    assert np.allclose(evaluate(c, terms, den), np.fft.fft(np.eye(32)))


@pytest.mark.parametrize("n", [1, 2, 8, 64])
def test_bit_reversal_agrees(n):
    assert bitrev(n).tolist() == exact_bitrev(n).tolist()
    assert sorted(bitrev(n).tolist()) == list(range(n))
