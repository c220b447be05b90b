"""Certify three facts with exactid's Python API and re-check them with the independent checker.

Run: .venv/bin/python examples/certify_and_check.py
"""

import tempfile
from pathlib import Path

import numpy as np

from exactid.certify.rank import rank_certificate
from exactid.checker import check_file
from exactid.domains import CyclotomicField, ExactMatrix
from exactid.io.files import write_json
from exactid.transforms import dft

K = CyclotomicField(8)
rng = np.random.default_rng(0)

# 1. The exact rank of a 12 x 12 product of rank 9 over Q(zeta_8), with both bounds certified.
left = ExactMatrix.from_integers(rng.integers(-3, 4, size=(12, 9, K.degree)), K)
right = ExactMatrix.from_integers(rng.integers(-3, 4, size=(9, 12, K.degree)), K)
certificate, result = rank_certificate(left @ right)
print("rank:", result, f"({result.certified})")

# 2. The DFT of size 8 is an exact matrix over Q(zeta_8) that agrees with numpy's FFT.
F = dft(8)
print("DFT(8) matches numpy:", np.allclose(F.to_numpy(), np.fft.fft(np.eye(8))))

# 3. Write the certificate atomically and re-check it with the checker, which imports nothing
#    else from exactid.
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "rank.json.gz"
    write_json(path, certificate)
    print(check_file(str(path)).line())
