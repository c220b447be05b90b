"""Fitted scikit-learn ``MLPClassifier`` and ``MLPRegressor`` objects as exact networks.

``coefs_[l]`` has shape (in, out) and is transposed to exactid's (out, in); ``intercepts_[l]``
are the biases; ``activation`` (``relu``, ``tanh``, ``logistic``, ``identity``) is the hidden
activation. The float64 parameters are converted exactly.

**The outputs are the logits**: the network ends with the affine output layer, *before*
scikit-learn's output function (softmax for a multi-class classifier, the logistic function
for a binary or multi-label one, identity for a regressor). ``predict`` is the argmax of
these outputs (or, with one output, their sign); ``predict_proba`` applies the output
function to them.

This module never imports scikit-learn itself: it reads the fitted attributes of the object
given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import InputError
from .common import exact_column, exact_matrix

_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "logistic": "logistic", "identity": "identity"}
_ESTIMATORS = ("MLPClassifier", "MLPRegressor")


def network_from_sklearn(estimator: Any) -> "Network":
    """The exact network of a fitted ``MLPClassifier``/``MLPRegressor`` (outputs: the logits).

    >>> from sklearn.neural_network import MLPRegressor
    >>> import warnings; warnings.simplefilter("ignore")
    >>> est = MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit([[0, 1], [1, 0], [1, 1]], [0, 1, 2])
    >>> network_from_sklearn(est).widths
    [2, 3, 1]
    """
    from ..format import Network

    kind = type(estimator).__name__
    if not any(cls.__name__ in _ESTIMATORS for cls in type(estimator).__mro__):
        raise InputError(f"expected a scikit-learn MLPClassifier or MLPRegressor, got {kind}")
    coefs = getattr(estimator, "coefs_", None)
    intercepts = getattr(estimator, "intercepts_", None)
    if coefs is None or intercepts is None:
        raise InputError(f"the {kind} is not fitted (no coefs_/intercepts_)")
    name = getattr(estimator, "activation", None)
    if name not in _ACTIVATIONS:
        raise InputError(f"{kind} activation {name!r} is not supported (supported: {', '.join(_ACTIVATIONS)})")
    if len(coefs) != len(intercepts) or not coefs:
        raise InputError(f"{kind}: {len(coefs)} coefs_ but {len(intercepts)} intercepts_")
    weights = [exact_matrix(np.asarray(c).T, f"{kind} coefs_[{l}]") for l, c in enumerate(coefs)]
    biases = [exact_column(np.ravel(b), f"{kind} intercepts_[{l}]") for l, b in enumerate(intercepts)]
    return Network.from_matrices(_ACTIVATIONS[name], weights, biases)
