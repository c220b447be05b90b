"""exactid from Python, notebook style: each main job in a few lines from numpy arrays.

Run: python examples/quickstart.py   (a few seconds)
"""

import tempfile
import warnings
from pathlib import Path

import numpy as np

import exactid

# %% Certified rank: integers are exact; the certificate is re-checked independently
A = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]])
res = exactid.rank(A)
print(res)                                    # exact: rank = 2 over QQ
print(repr(res))
print("check:", exactid.check(res.certificate).verdict)

# %% Floats are converted exactly (no rounding), with a warning that says so
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    print("rank of a float matrix:", exactid.rank(np.array([[0.5, 1.0], [1.0, 2.0]])).rank)
print("warning:", caught[0].category.__name__)

# %% Two-layer sparse factorization: the DCT-II of size 8, X 4-sparse by column, Y 2-sparse by row
res = exactid.two_layer("dct2", n=8, family={"x_col_sparsity": 4, "y_row_sparsity": 2})
print("DCT-II 8:", res.verdict, f"(r = {res.r})")
res = exactid.two_layer("hadamard", n=4, family=(2, 2), count=True)
print("Hadamard 4:", res.verdict, f"({res.covers} exact covers)")

# %% Your own factors: is (X, Y) determined by Z = X Y within its supports?
X = np.array([[1, 0], [2, 0], [0, 3], [0, 1]])
Y = np.array([[1, 1, 0], [0, 2, 5]])
print("fixed supports:", exactid.two_layer(X=X, Y=Y, fixed_support=True).verdict)

# %% Butterfly factorization of the DFT (bit reversal), unique up to diagonal scalings
res = exactid.butterfly("dft", n=64)
print("DFT 64:", res.verdict, f"({len(res.factors)} factors, encoding {res.encoding}, conductor {res.conductor})")

# %% ReLU network: local identifiability from samples, and its functional dimension
rng = np.random.default_rng(2)
net = [(rng.integers(-3, 4, size=(4, 2)), rng.integers(-2, 3, size=4) * 2 + 1),   # (W1, b1): 2 -> 4
       (rng.integers(-3, 4, size=(1, 4)), np.array([0]))]                        # (W2, b2): 4 -> 1
samples = rng.integers(-9, 10, size=(30, 2)) * 2
local = exactid.relu_local(net, samples)
print("ReLU local:", local.verdict, f"rank J = {local.rank}, d - h = {local.d_minus_h}")
print("functional dimension:", exactid.funcdim(net, samples).rank)

# %% A one-hidden-layer ReLU network on the box [-1, 1]
box = exactid.relu_box([([[1], [2]], [0, 0]), ([[1, 1]], [0])], -1, 1)
print("ReLU box:", box.verdict, "-", box.reason)

# %% Equivalence of two tanh networks (a sign flip and a permutation apart)
a = {"activation": "tanh", "layers": [{"W": [[1], [2]], "b": [0, 1]}, {"W": [[1, 3]], "b": [0]}]}
b = {"activation": "tanh", "layers": [{"W": [[-2], [1]], "b": [-1, 0]}, {"W": [[-3, 1]], "b": [0]}]}
print("equivalent:", exactid.equivalent(a, b).verdict)

# %% Affine symmetries of an activation
print("symmetries of logistic:", exactid.symmetries("logistic").reason)

# %% Save certificates (atomic writes) and check a folder of them
with tempfile.TemporaryDirectory() as folder:
    exactid.rank(A).save(Path(folder) / "rank.json")
    exactid.butterfly("hadamard", n=8).save(Path(folder) / "hadamard-8.json.gz")
    report = exactid.check(folder)
    print("folder check:", report.verdict, f"{report.valid} of {report.total} valid")
