"""Floating-point feed-forward networks used by the recovery pipeline.

A network maps ``x`` (shape ``(d,)``) through hidden layers ``h_l = σ(W_l h_{l-1} + b_l)`` and an
affine output layer ``y = W_L h_{L-1} + b_L``.  Batches are rows: ``net(X)`` with ``X`` of shape
``(n, d)`` returns ``(n, outputs)``.  The *entangled weights* of a hidden neuron are the gradient
at ``x = 0`` of its pre-activation: for the first layer the rows of ``W_1``; for a neuron ``j`` of
layer ``l`` the vector ``W_1^T D_1 W_2^T D_2 ... W_l^T e_j`` with ``D_k = diag(σ'(z_k(0)))``.
These are the directions along which the Hessians of the network near the origin are rank one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..errors import InputError, ShapeError

ACTIVATIONS = ("tanh", "logistic")


def _tanh(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = np.tanh(z)
    d1 = 1.0 - t * t
    return t, d1, -2.0 * t * d1


def _logistic(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s = 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic
    d1 = s * (1.0 - s)
    return s, d1, d1 * (1.0 - 2.0 * s)


def activation_functions(name: str) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """σ, σ' and σ'' evaluated together, for ``name`` in :data:`ACTIVATIONS`."""
    if name == "tanh":
        return _tanh
    if name == "logistic":
        return _logistic
    raise InputError(f"activation {name!r} is not supported by the recovery pipeline (use one of {ACTIVATIONS})")


@dataclass
class FloatNetwork:
    """A smooth feed-forward network with float64 parameters.

    >>> net = FloatNetwork("tanh", [np.eye(2), np.ones((1, 2))], [np.zeros(2), np.zeros(1)])
    >>> float(net(np.array([[0.5, 0.0]]))[0, 0])  # doctest: +ELLIPSIS
    0.4621...
    """

    activation: str
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    _act: Callable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._act = activation_functions(self.activation)
        if len(self.weights) != len(self.biases) or not self.weights:
            raise ShapeError("a network needs as many bias vectors as weight matrices, and at least one layer")
        self.weights = [np.asarray(w, dtype=np.float64) for w in self.weights]
        self.biases = [np.asarray(b, dtype=np.float64).reshape(-1) for b in self.biases]
        for index, (w, b) in enumerate(zip(self.weights, self.biases)):
            if w.ndim != 2 or w.shape[0] != b.shape[0]:
                raise ShapeError(f"layer {index}: W of shape {w.shape} does not fit b of length {b.shape[0]}")
            if index and w.shape[1] != self.weights[index - 1].shape[0]:
                raise ShapeError(f"layer {index}: W has {w.shape[1]} columns, previous layer has "
                                 f"{self.weights[index - 1].shape[0]} neurons")

    # -- shape -------------------------------------------------------------------------------
    @property
    def widths(self) -> list[int]:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def hidden_widths(self) -> list[int]:
        return self.widths[1:-1]

    @property
    def num_parameters(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def copy(self) -> "FloatNetwork":
        return FloatNetwork(self.activation, [w.copy() for w in self.weights], [b.copy() for b in self.biases])

    # -- evaluation --------------------------------------------------------------------------
    def __call__(self, X: np.ndarray) -> np.ndarray:
        h = np.atleast_2d(np.asarray(X, dtype=np.float64))
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = self._act(h @ w.T + b)[0]
        return h @ self.weights[-1].T + self.biases[-1]

    def pre_activations_at_zero(self) -> list[np.ndarray]:
        h = np.zeros(self.widths[0])
        out = []
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            z = w @ h + b
            out.append(z)
            h = self._act(z)[0]
        return out

    def entangled_weights(self) -> list[np.ndarray]:
        """For each hidden layer, a matrix whose rows are the entangled weights of its neurons."""
        zs = self.pre_activations_at_zero()
        result = []
        jac = np.eye(self.widths[0])  # d(h_{l-1})/dx at 0, shape (width_{l-1}, d)
        for w, z in zip(self.weights[:-1], zs):
            grad = w @ jac  # d z_l / dx at 0
            result.append(grad)
            jac = self._act(z)[1][:, None] * grad
        return result

    # -- parameters as one vector (for fine-tuning) ------------------------------------------
    def flat(self) -> np.ndarray:
        return np.concatenate([np.concatenate([w.ravel(), b]) for w, b in zip(self.weights, self.biases)])

    def with_flat(self, theta: np.ndarray) -> "FloatNetwork":
        weights, biases, pos = [], [], 0
        for w, b in zip(self.weights, self.biases):
            weights.append(theta[pos:pos + w.size].reshape(w.shape)); pos += w.size
            biases.append(theta[pos:pos + b.size].copy()); pos += b.size
        return FloatNetwork(self.activation, weights, biases)

    def _forward_with_derivatives(self, X: np.ndarray) -> tuple[list, list, np.ndarray]:
        """Hidden activations (input first), their derivatives, and the outputs."""
        acts, derivs = [np.atleast_2d(X)], []
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            s, d1, _ = self._act(acts[-1] @ w.T + b)
            acts.append(s)
            derivs.append(d1)
        return acts, derivs, acts[-1] @ self.weights[-1].T + self.biases[-1]

    def residual_jacobian(self, X: np.ndarray, skip_layers: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Outputs ``(n, k)`` and the Jacobian of the flattened outputs w.r.t. :meth:`flat`.

        The Jacobian has shape ``(n * k, num_parameters)``, rows ordered sample-major.  The
        columns of the first ``skip_layers`` layers are left at zero (not computed): a search
        that keeps those layers fixed does not need them.
        """
        acts, derivs, out = self._forward_with_derivatives(np.asarray(X, dtype=np.float64))
        n, k = out.shape
        blocks: list[np.ndarray] = [None] * (2 * len(self.weights))  # type: ignore[list-item]
        # delta[n, k, width]: derivative of output k w.r.t. the pre-activation of the current layer
        delta = np.broadcast_to(np.eye(k), (n, k, k))
        for layer in range(len(self.weights) - 1, -1, -1):
            if layer < skip_layers:
                w = self.weights[layer]
                blocks[2 * layer] = np.zeros((n * k, w.size))
                blocks[2 * layer + 1] = np.zeros((n * k, w.shape[0]))
                continue
            a = acts[layer]
            blocks[2 * layer] = (delta[:, :, :, None] * a[:, None, None, :]).reshape(n * k, -1)
            blocks[2 * layer + 1] = delta.reshape(n * k, -1)
            if layer:
                delta = (delta @ self.weights[layer]) * derivs[layer - 1][:, None, :]
        return out, np.concatenate(blocks, axis=1)

    def loss_gradient(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean squared error over samples and its gradient w.r.t. :meth:`flat` (backpropagation)."""
        acts, derivs, out = self._forward_with_derivatives(X)
        diff = out - Y.reshape(out.shape)
        loss = float(np.mean(diff * diff))
        delta = 2.0 * diff / diff.size
        grads: list[np.ndarray] = []
        for layer in range(len(self.weights) - 1, -1, -1):
            grads.append(delta.sum(axis=0))
            grads.append((delta.T @ acts[layer]).ravel())
            if layer:
                delta = (delta @ self.weights[layer]) * derivs[layer - 1]
        return loss, np.concatenate(grads[::-1])


def random_pyramidal(widths: Sequence[int], activation: str = "tanh", seed: int = 0,
                     bias_scale: float = 0.3, outer_scale: float = 1.0) -> FloatNetwork:
    """A random network with the given widths ``[d, m_1, ..., m_L, outputs]``.

    Hidden weight matrices have rows drawn uniformly on the unit sphere (so each neuron sees
    pre-activations of size at most 1 on the unit ball), biases are ``N(0, bias_scale²)``, output
    weights are ``outer_scale`` times a random sign times a magnitude uniform in ``[0.5, 1.5]``,
    and output biases ``N(0, (0.1 outer_scale)²)``.
    """
    widths = [int(w) for w in widths]
    if len(widths) < 3 or min(widths) < 1:
        raise InputError(f"widths must be [input, hidden..., output] with positive entries, got {widths}")
    rng = np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(widths[:-2], widths[1:-1]):
        w = rng.standard_normal((fan_out, fan_in))
        weights.append(w / np.linalg.norm(w, axis=1, keepdims=True))
        biases.append(bias_scale * rng.standard_normal(fan_out))
    # Output weights bounded away from zero: a neuron with (nearly) zero outgoing weight does
    # not (visibly) influence the function, so nothing could recover it.
    magnitudes = rng.uniform(0.5, 1.5, (widths[-1], widths[-2]))
    weights.append(outer_scale * magnitudes * rng.choice([-1.0, 1.0], magnitudes.shape))
    biases.append(0.1 * outer_scale * rng.standard_normal(widths[-1]))
    return FloatNetwork(activation, weights, biases)


def sample_ball(count: int, dim: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` points uniform in the ball of the given radius in ``R^dim``."""
    g = rng.standard_normal((count, dim))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g * (radius * rng.uniform(0.0, 1.0, (count, 1)) ** (1.0 / dim))


def sample_sphere(count: int, dim: int, radius: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` points uniform on the sphere of the given radius in ``R^dim``."""
    g = rng.standard_normal((count, dim))
    return radius * g / np.linalg.norm(g, axis=1, keepdims=True)
