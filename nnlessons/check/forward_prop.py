"""Checkers for the exercises of notebook 04 (forward propagation, vectorised).

Each checker compares the learner's function with the package's reference on
cases from its own seeded generator. The cases include a square layer and a
batch as wide as the layer, where a transposed ``W`` or a bias of shape ``(n,)``
(added along the wrong axis) gives the right shape with the wrong numbers.
"""

import numpy as np

from ..lessons import forward_prop as _forward
from ..layers import dense_forward as _dense_forward
from ._core import check_function, random_cases

__all__ = ["dense_forward", "forward_two_layer", "predict_classes", "accuracy_score"]


def _layer_args(rng, n_in, n_out, m):
    return (rng.normal(size=(n_in, m)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1)))


def dense_forward(learner):
    """Check ``dense_forward(A_prev, W, b)`` -> ``Z = W @ A_prev + b`` ``(n_out, m)``."""
    shapes = [(4, 2, 5), (3, 3, 3), (5, 1, 1), (2, 4, 4)]
    descriptions = [f"a layer of {n_out} neuron{'s' * (n_out > 1)} on {n_in} inputs, "
                    f"{m} example{'s' * (m > 1)}" for n_in, n_out, m in shapes]
    cases = random_cases(lambda rng, i: _layer_args(rng, *shapes[i]), descriptions, seed=4)
    return check_function("dense_forward", learner, lambda A, W, b: _dense_forward(A, W, b)[0],
                          cases, arg_names=["A_prev", "W", "b"])


def _two_layer_args(rng, n0, n1, n2, m):
    params = {"W1": rng.normal(size=(n1, n0)), "b1": rng.normal(size=(n1, 1)),
              "W2": rng.normal(size=(n2, n1)), "b2": rng.normal(size=(n2, 1))}
    return (rng.normal(size=(n0, m)), params)


def forward_two_layer(learner):
    """Check ``forward_two_layer(X, params)`` -> ``sigmoid(W2 @ relu(W1 @ X + b1) + b2)``."""
    shapes = [(4, 2, 3, 5), (3, 3, 3, 3), (2, 6, 1, 4), (5, 4, 2, 1)]
    descriptions = [f"a {n0} -> {n1} -> {n2} network on {m} example{'s' * (m > 1)}"
                    for n0, n1, n2, m in shapes]
    # Seed chosen so that every case has hidden pre-activations of both signs:
    # a missing or misplaced ReLU then changes the output.
    cases = random_cases(lambda rng, i: _two_layer_args(rng, *shapes[i]), descriptions, seed=7)
    return check_function("forward_two_layer", learner, _forward.forward_two_layer, cases,
                          arg_names=["X", "params"])


def predict_classes(learner):
    """Check ``predict_classes(A)`` -> labels ``(m,)``: argmax per column, or ``A > 0.5`` for one row."""
    shapes = [(10, 6), (3, 3), (1, 7), (4, 1)]
    descriptions = ["10 softmax outputs for 6 examples", "3 softmax outputs for 3 examples",
                    "one sigmoid output for 7 examples", "4 softmax outputs for 1 example"]

    def make(rng, i):
        n, m = shapes[i]
        if n == 1:
            return (rng.uniform(0.02, 0.98, size=(1, m)),)  # both sides of 0.5, never at it
        return (rng.dirichlet(np.ones(n), size=m).T,)  # columns of probabilities, no ties

    cases = random_cases(make, descriptions, seed=6)
    return check_function("predict_classes", learner, _forward.predict_classes, cases, arg_names=["A"])


def accuracy_score(learner):
    """Check ``accuracy_score(pred, y)`` -> the fraction of ``pred == y`` (a number in [0, 1])."""
    specs = [(8, 10, 5), (4, 2, 3), (5, 3, 0), (6, 3, 6)]  # (m, n_classes, how many right)
    descriptions = [f"{m} examples, {right} predicted right" for m, _, right in specs]

    def make(rng, i):
        m, n_classes, n_right = specs[i]
        y = rng.integers(0, n_classes, m)
        pred = y.copy()
        wrong = rng.choice(m, m - n_right, replace=False)
        # A shift of 1 .. n_classes - 1 always lands on another class.
        pred[wrong] = (y[wrong] + rng.integers(1, n_classes, wrong.size)) % n_classes
        return (pred, y)

    cases = random_cases(make, descriptions, seed=7)
    return check_function("accuracy_score", learner, _forward.accuracy_score, cases,
                          arg_names=["pred", "y"])


EXERCISES = ("dense_forward", "forward_two_layer", "predict_classes", "accuracy_score")
