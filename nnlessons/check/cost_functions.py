"""Checkers for the exercises of notebook 02 (cost functions, classification).

Each checker compares the learner's function with the package's reference on
inputs from its own seeded generator, including the extreme inputs the
exercise is about (logits of size 1000). Right numbers are not enough there:
if numpy has to warn while running the learner's function (overflow in
``exp``, an invalid value, a division by zero), the checker fails and says
which warning, because a sigmoid that overflows is exactly what the exercise
asks to avoid; a learner's own ``np.errstate`` does not hide the warning from it.

The last exercise assembles: ``train_logistic`` is run end to end and calls
the learner's ``log_loss_gradient``; when that one fails its own check, the
line names exercise 3 as the cause (``check.regression``'s rule).
"""

import numpy as np

from ..lessons import cost_functions as reference
from ..activations import sigmoid as _sigmoid
from ..losses import binary_cross_entropy
from ._core import check_function, check_stable, random_cases
from .regression import _boxed_hints, _using

__all__ = ["stable_sigmoid", "log_loss", "log_loss_gradient", "train_logistic"]
EXERCISES = ("stable_sigmoid", "log_loss", "log_loss_gradient", "train_logistic")


# --------------------------------------------------------------------------- stable_sigmoid

def _sigmoid_cases():
    def make(rng, i):
        if i == 0:
            return (0.0,)
        if i == 1:
            return (rng.normal(0.0, 3.0, (3, 4)),)
        if i == 2:
            return (np.linspace(-40.0, 40.0, 9).reshape(1, -1),)
        return (np.array([[-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0]]),)

    return random_cases(make, ["z = 0 (a single number)", "a (3, 4) array of moderate z",
                               "a (1, 9) row of z from -40 to 40",
                               "z = -1000, -745, -40, 40, 745, 1000"], seed=20)


def stable_sigmoid(learner):
    """Check ``stable_sigmoid(z)`` -> ``1 / (1 + exp(-z))`` elementwise, without overflow at |z| = 1000."""
    hints = [("mind the sign: sigmoid(z) = 1 / (1 + exp(-z)), which is 1 for large z",
              lambda z: _sigmoid(-np.asarray(z, dtype=np.float64)))]
    return check_stable("stable_sigmoid", learner, _sigmoid, _sigmoid_cases(), ["z"], hints)


# --------------------------------------------------------------------------- log_loss

def _log_loss_cases():
    def make(rng, i):
        if i == 0:
            return np.array([[0.8]]), np.array([[1.0]])
        if i == 3:
            return np.array([[0.001, 0.999, 0.999, 0.001]]), np.array([[0.0, 1.0, 0.0, 1.0]])
        m = [None, 4, 25][i]
        y_hat = rng.uniform(0.05, 0.95, (1, m))
        y = np.zeros((1, m))
        y[0, rng.permutation(m)[: m // 2]] = 1.0
        return y_hat, y

    return random_cases(make, ["m = 1 example with y = 1", "m = 4 examples", "m = 25 examples",
                               "confident predictions, two right and two wrong"], seed=21)


def log_loss(learner):
    """Check ``log_loss(y_hat, y)`` -> ``-(1/m) sum[y log y_hat + (1 - y) log(1 - y_hat)]`` for ``(1, m)`` arrays."""
    hints = [("the leading minus is missing: log y_hat is negative for y_hat in (0, 1)",
              lambda y_hat, y: -binary_cross_entropy(y_hat, y)),
             ("divide the sum by m = y_hat.shape[1]",
              lambda y_hat, y: y_hat.shape[1] * binary_cross_entropy(y_hat, y)),
             ("the branches are swapped: y log y_hat is the term for y = 1",
              lambda y_hat, y: binary_cross_entropy(y_hat, 1.0 - y)),
             ("the examples with y = 0 cost nothing here: add their branch, (1 - y) log(1 - y_hat)",
              lambda y_hat, y: -np.sum(y * np.log(y_hat)) / y_hat.shape[1]),
             ("that is the loss of each example: take the mean over the examples",
              lambda y_hat, y: -(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))),
             ("use the natural logarithm, np.log", lambda y_hat, y: binary_cross_entropy(y_hat, y) / np.log(10)),
             ("use the natural logarithm, np.log", lambda y_hat, y: binary_cross_entropy(y_hat, y) / np.log(2))]
    hints += _boxed_hints(binary_cross_entropy, ["the cost"], [[(1,)], [(1, 1)]])
    return check_stable("log_loss", learner, binary_cross_entropy, _log_loss_cases(), ["y_hat", "y"], hints)


# --------------------------------------------------------------------------- log_loss_gradient

def _gradient_cases():
    def make(rng, i):
        if i == 0:
            x, y = reference.red_ball_data(40, rng=rng)
            return 0.0, 0.0, x, y
        if i == 1:
            return 1.5, -0.5, np.array([[2.0]]), np.array([[0.0]])
        if i == 4:  # logits of -1000 and 1000, as the notebook promises: a naive sigmoid overflows
            return 500.0, 0.0, np.array([[-2.0, -1.0, 0.5, 2.0]]), np.array([[0.0, 1.0, 1.0, 0.0]])
        m = [None, None, 5, 12][i]
        x = rng.uniform(-3.0, 3.0, (1, m))
        y = (rng.uniform(size=(1, m)) < 0.5).astype(np.float64)
        w, b = (float(rng.normal(0.0, 2.0)), float(rng.normal(0.0, 1.0))) if i == 2 else (-15.0, 4.0)
        return w, b, x, y

    return random_cases(make, ["the red-ball data (m = 40) at w = 0, b = 0", "m = 1 example",
                               "m = 5 examples", "m = 12 examples with saturated predictions (w = -15)",
                               "m = 4 examples with logits z = w x + b from -1000 to 1000 (w = 500)"],
                        seed=22)


def _reference_log_loss_gradient(w, b, x, y):
    # a list, so that a tuple, a list or an array of the two numbers all match
    return list(reference.gradients(w, b, x, y, "log"))


def log_loss_gradient(learner):
    """Check ``log_loss_gradient(w, b, x, y)`` -> ``(dJ/dw, dJ/db)`` of log loss for ``y_hat = sigmoid(w x + b)``."""
    def scaled(factor):
        return lambda w, b, x, y: [factor(x) * g for g in _reference_log_loss_gradient(w, b, x, y)]

    hints = [("divide by m: the cost is a mean over the examples", scaled(lambda x: x.shape[1])),
             ("mind the sign: dl/dz = y_hat - y, not y - y_hat", scaled(lambda x: -1.0)),
             ("the factor 2 belongs to squared error; for log loss dl/dz = y_hat - y, without it",
              scaled(lambda x: 2.0)),
             ("return (dw, db) in that order", lambda *args: _reference_log_loss_gradient(*args)[::-1]),
             ("that is the gradient of squared error; for log loss the factor y_hat (1 - y_hat) cancels",
              lambda w, b, x, y: list(reference.gradients(w, b, x, y, "squared"))),
             ("for log loss the factor y_hat (1 - y_hat) of the sigmoid's slope cancels: dl/dz = y_hat - y",
              lambda w, b, x, y: [g / 2 for g in reference.gradients(w, b, x, y, "squared")]),
             ("dw is missing the factor x_i: dz/dw = x", lambda *a: [_reference_log_loss_gradient(*a)[1]] * 2)]
    hints += _boxed_hints(_reference_log_loss_gradient, ["dw", "db"],
                          [[(1, 1), ()], [(1, 1), (1, 1)], [(1,), ()], [(1,), (1,)]])
    return check_stable("log_loss_gradient", learner, _reference_log_loss_gradient, _gradient_cases(),
                        ["w", "b", "x", "y"], hints, names=("dw", "db"), overflow_advice=(
                            "the sigmoid written as 1 / (1 + np.exp(-z)) overflows at z = -1000: compute y_hat with "
                            "a stable sigmoid (your stable_sigmoid of exercise 1, or nl.sigmoid)"))


# --------------------------------------------------------------------------- train_logistic

def _training_cases():
    def make(rng, i):
        if i == 0:
            x, y = reference.red_ball_data(40, rng=rng)
            return x, y, 1.0, 50
        if i == 1:
            return np.array([[2.0]]), np.array([[1.0]]), 0.5, 1
        m, rate, n_steps = [None, None, (5, 0.5, 3), (12, 2.0, 20), (30, 0.1, 60)][i]
        x = rng.uniform(-3.0, 3.0, (1, m))
        y = (rng.uniform(size=(1, m)) < reference.predict(1.5, 0.5, x)).astype(np.float64)
        return x, y, rate, n_steps

    return random_cases(make, ["the red-ball data (m = 40), rate 1, 50 steps", "m = 1 example, 1 step",
                               "m = 5 examples, rate 0.5, 3 steps", "m = 12 examples, rate 2, 20 steps",
                               "m = 30 examples, rate 0.1, 60 steps"], seed=24)


def _reference_training(x, y, learning_rate, n_steps):
    # a list, so that a tuple, a list or an array of the two numbers all match
    return list(reference.train_logistic(x, y, learning_rate, n_steps))


def _descent(step):
    """A training loop from ``w = b = 0`` whose update is ``step(w, b, x, y, rate) -> (w, b)``."""
    def loop(x, y, learning_rate, n_steps):
        w, b = 0.0, 0.0
        for _ in range(n_steps):
            w, b = step(w, b, x, y, learning_rate)
        return [w, b]
    return loop


def _log(w, b, x, y):
    return reference.gradients(w, b, x, y, "log")


def train_logistic(learner, log_loss_gradient=None):
    """Check ``train_logistic(x, y, learning_rate, n_steps)`` -> ``(w, b)`` after ``n_steps`` steps from 0, 0.

    ``log_loss_gradient``: the learner's exercise-3 function, which the loop calls;
    when the loop fails and that function fails its own check, the line says so.
    """
    def uphill(w, b, x, y, rate):
        dw, db = _log(w, b, x, y)
        return w + rate * dw, b + rate * db

    def squared(w, b, x, y, rate):
        dw, db = reference.gradients(w, b, x, y, "squared")
        return w - rate * dw, b - rate * db

    def summed(w, b, x, y, rate):
        dw, db = _log(w, b, x, y)
        return w - rate * x.shape[1] * dw, b - rate * x.shape[1] * db

    def one_at_a_time(w, b, x, y, rate):
        w = w - rate * _log(w, b, x, y)[0]
        return w, b - rate * _log(w, b, x, y)[1]

    def swapped(w, b, x, y, rate):
        db, dw = _log(w, b, x, y)
        return w - rate * dw, b - rate * db

    def stale(x, y, rate, n):
        # the gradient at (0, 0), computed once before the loop, for every step
        dw, db = _log(0.0, 0.0, x, y)
        return [-n * rate * dw, -n * rate * db]

    hints = [
        ("the parameters move uphill: step against the gradient, w - learning_rate * dw", _descent(uphill)),
        ("that is descent on squared error; this loop descends log loss, whose gradient is your "
         "log_loss_gradient (dl/dz = y_hat - y, no factor y_hat (1 - y_hat))", _descent(squared)),
        ("the steps are m times too long: the gradient of a mean divides by m (np.mean, not np.sum)",
         _descent(summed)),
        ("b was stepped with the gradient at the new w: compute (dw, db) once, at the old point, "
         "then update both", _descent(one_at_a_time)),
        ("dw and db are swapped: log_loss_gradient returns (dw, db), in that order", _descent(swapped)),
        ("every step used the gradient at the start: compute (dw, db) again inside the loop, "
         "at the current (w, b)", stale),
        ("return (w, b) in that order", lambda *a: _reference_training(*a)[::-1]),
        ("only one step was taken: is the `return` inside the loop?",
         lambda x, y, rate, n: _reference_training(x, y, rate, min(n, 1))),
        ("one step too few: take exactly n_steps steps (range(n_steps))",
         lambda x, y, rate, n: _reference_training(x, y, rate, max(n - 1, 0))),
        ("one step too many: take exactly n_steps steps (range(n_steps))",
         lambda x, y, rate, n: _reference_training(x, y, rate, n + 1)),
    ]
    cases = _training_cases()

    def run():
        return check_function("train_logistic", learner, _reference_training, cases,
                              ["x", "y", "learning_rate", "n_steps"], hints, names=("w", "b"))

    return _using("train_logistic", run, [("exercise 3", globals()["log_loss_gradient"], log_loss_gradient)])
