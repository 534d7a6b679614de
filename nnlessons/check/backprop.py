"""Checkers for the exercises of notebook 05 (backpropagation).

Each checker runs the learner's function and the package's own backward rule
on the same inputs, drawn from the checker's generator, with shapes chosen so
that a transposed result has the wrong shape and a missing ``1/m`` the wrong
values.
"""

import numpy as np

from .. import activations, layers, losses
from ._core import check_function, random_cases

__all__ = ["relu_backward", "dense_backward", "softmax_ce_backward"]


def relu_backward(learner):
    """Check ``relu_backward(dA, Z) -> dZ``: ``dA`` where ``Z > 0``, else 0 (also at ``z = 0``)."""

    def make(rng, i):
        shape = [(3, 4), (1, 6), (4, 5)][i]
        Z = rng.standard_normal(shape)
        dA = rng.standard_normal(shape)
        if i == 2:
            Z[1] = 0.0  # on the kink, the derivative is taken to be 0
            dA[1] = np.abs(dA[1])  # so that the expected zeros print as 0, not -0
        return dA, Z

    cases = random_cases(make, ["a layer of 3 neurons, 4 examples", "one neuron, 6 examples",
                                "a batch where row 1 of Z is exactly 0"], seed=501)
    return check_function("relu_backward", learner, activations.relu_backward, cases, ("dA", "Z"))


def dense_backward(learner):
    """Check ``dense_backward(dZ, cache) -> (dA_prev, dW, db)`` with ``cache = (A_prev, W, b)``.

    ``dZ`` is per example; ``dW = dZ A_prev^T / m`` and ``db`` (row sums ``/ m``, shape
    ``(n_out, 1)``) are gradients of the mean cost; ``dA_prev = W^T dZ``.
    """

    def make(rng, i):
        n_out, n_in, m = [(3, 4, 5), (1, 3, 6), (4, 2, 1), (3, 3, 3)][i]
        A_prev = rng.standard_normal((n_in, m))
        W = rng.standard_normal((n_out, n_in))
        b = rng.standard_normal((n_out, 1))
        return rng.standard_normal((n_out, m)), (A_prev, W, b)

    cases = random_cases(make, ["3 neurons, 4 inputs, 5 examples", "one output neuron, 6 examples",
                                "a single example", "a square layer (3 neurons, 3 inputs, 3 examples)"],
                         seed=502)
    return check_function("dense_backward", learner, layers.dense_backward, cases, ("dZ", "cache"))


def softmax_ce_backward(learner):
    """Check ``softmax_ce_backward(A, Y) -> dZ = A - Y``, per example (no ``1/m``).

    ``A`` are softmax probabilities and ``Y`` one-hot targets, both ``(n_classes, m)``.
    """

    def make(rng, i):
        n, m = [(3, 5), (10, 4), (2, 1)][i]
        A = activations.softmax(2.0 * rng.standard_normal((n, m)))
        return A, losses.one_hot(rng.integers(0, n, m), n)

    cases = random_cases(make, ["3 classes, 5 examples", "10 classes, 4 examples", "2 classes, one example"],
                         seed=503)
    return check_function("softmax_ce_backward", learner, losses.softmax_cce_dZ, cases, ("A", "Y"))


EXERCISES = ("relu_backward", "dense_backward", "softmax_ce_backward")
