"""Checkers for the exercises of notebook 06 (handwritten digits)."""

import numpy as np

from ..lessons import digits
from ..losses import one_hot
from ._core import check_function, random_cases

__all__ = ["flatten_images", "to_one_hot", "confusion_matrix"]


def _to_columns(images):
    # imported here so that the checkers load even while the data module is being built
    from ..mnist import to_columns

    return to_columns(images)


def flatten_images(learner):
    """Check ``flatten_images(images)``: uint8 ``(m, 28, 28)`` -> float ``(784, m)`` in [0, 1], one image per column."""
    sizes = [5, 1, 12]
    cases = random_cases(
        lambda rng, i: (rng.integers(0, 256, size=(sizes[i], 28, 28), dtype=np.uint8),),
        [f"{m} random image{'s' if m > 1 else ''}" for m in sizes],
        seed=60,
    )
    return check_function("flatten_images", learner, _to_columns, cases, ["images"])


def to_one_hot(learner):
    """Check ``to_one_hot(labels, n_classes)``: integer labels ``(m,)`` -> one-hot columns ``(n_classes, m)``."""
    shapes = [(7, 10), (4, 3), (1, 10), (6, 10)]

    def make(rng, i):
        m, n = shapes[i]
        # the last case never uses the top classes: n_classes must come from the argument
        high = 5 if i == 3 else n
        return rng.integers(0, high, size=m), n

    cases = random_cases(make, ["7 labels, 10 classes", "4 labels, 3 classes", "a single label",
                                "6 labels, none above 4, 10 classes"], seed=61)
    return check_function("to_one_hot", learner, one_hot, cases, ["labels", "n_classes"])


def confusion_matrix(learner):
    """Check ``confusion_matrix(true, predicted, n_classes)``: ``C[i, j]`` counts true ``i`` predicted as ``j``."""
    specs = [(40, 4), (25, 10), (9, 6)]

    def make(rng, i):
        m, n = specs[i]
        true = rng.integers(0, n, size=m)
        # mostly right, sometimes wrong, and never symmetric by accident
        predicted = np.where(rng.random(m) < 0.6, true, rng.integers(0, n, size=m))
        if i == 2:  # no label reaches the last class: n_classes must come from the argument
            true, predicted = np.minimum(true, n - 2), np.minimum(predicted, n - 2)
        return true, predicted, n

    cases = random_cases(make, ["40 examples, 4 classes", "25 examples, 10 classes",
                                "9 examples, 6 classes, class 5 never seen"], seed=62)
    return check_function("confusion_matrix", learner, digits.confusion_matrix, cases,
                          ["true", "predicted", "n_classes"])


EXERCISES = ("flatten_images", "to_one_hot", "confusion_matrix")
