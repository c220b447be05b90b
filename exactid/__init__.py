"""exactid: exact, certified identifiability of sparse factorizations and neural networks.

The main jobs, each taking numpy arrays (integers exactly; floats converted exactly, with an
:class:`ExactConversionWarning`) or exactid's own types, and returning a result with
``.verdict`` (a :class:`Verdict`), ``.reason``, ``.certificate`` (``None`` when nothing is
certified), ``.save(path)`` and the topic's numbers:

- :func:`rank` -- certified exact rank over Q or Q(zeta_n);
- :func:`two_layer` -- two-layer sparse factorization ``Z = X Y`` (sparsity family or fixed supports);
- :func:`butterfly` -- butterfly factorization unique up to diagonal scalings;
- :func:`kronecker` -- factorization into a Kronecker-sparse architecture (:func:`parse_architecture`,
  :class:`Architecture`, :class:`Pattern`), unique up to the classes' ambiguity;
- :func:`relu_local`, :func:`relu_box`, :func:`funcdim` -- ReLU network identifiability and
  the functional dimension;
- :func:`equivalent`, :func:`symmetries` -- equivalence of networks, activation symmetries;
- :func:`check` -- the independent checker;
- :func:`load_network`, :func:`save_network`, :func:`load_samples` -- network and sample files.

Layers (lower layers never import higher ones): :mod:`exactid.domains` (exact fields),
:mod:`exactid.linalg` (certified linear algebra), :mod:`exactid.supports`,
:mod:`exactid.factorization`, :mod:`exactid.networks`, :mod:`exactid.io`,
:mod:`exactid.certify` (certificate generation), :mod:`exactid.api` (the functions above),
:mod:`exactid.cli` (the ``exactid`` command); :mod:`exactid.checker` (the independent
checker) imports none of them.  Names are loaded on first use, so ``import exactid`` is cheap.

Examples
--------
>>> import numpy as np, exactid
>>> res = exactid.rank(np.array([[1, 2], [2, 4]]))
>>> res
RankResult(verdict='exact', rank=1, shape=(2, 2), field='QQ', certificate=<rank>)
>>> exactid.check(res.certificate).verdict == "valid"
True
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "rank": "exactid.api.matrices",
    "two_layer": "exactid.api.matrices",
    "butterfly": "exactid.api.matrices",
    "kronecker": "exactid.api.matrices",
    "relu_local": "exactid.api.networks",
    "relu_box": "exactid.api.networks",
    "funcdim": "exactid.api.networks",
    "equivalent": "exactid.api.networks",
    "symmetries": "exactid.api.networks",
    "check": "exactid.api.certificates",
    "Network": "exactid.networks.format",
    "load_network": "exactid.networks.format",
    "save_network": "exactid.networks.format",
    "load_samples": "exactid.networks.format",
    "Architecture": "exactid.factorization.kronecker",
    "Pattern": "exactid.factorization.kronecker",
    "parse_architecture": "exactid.factorization.kronecker",
    "Verdict": "exactid.results",
    "Result": "exactid.results",
    "ExactMatrix": "exactid.domains.matrix",
    "CyclotomicField": "exactid.domains.cyclotomic",
    "QQ": "exactid.domains.rationals",
    "SparsityFamily": "exactid.supports.supports",
    "ExactConversionWarning": "exactid.errors",
    "InputError": "exactid.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'exactid' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
