"""Checkers for the exercises of notebook 01 (linear regression).

Each checker compares the learner's function with ``nnlessons.regression`` on
inputs from its own seeded generator: 1-D arrays ``x``, ``y`` of shape ``(m,)``
for several ``m``, so a missing ``1/m`` cannot hide behind ``m = 1``. When the
answer is wrong, the checker also tries the usual slips (a missing ``1/m``, a
forgotten factor 2, a flipped sign, swapped outputs) and adds a hint to its
line if one of them explains the learner's numbers exactly.
"""

import numpy as np

from .. import regression as reference
from ._core import check_function, random_cases

__all__ = ["mse_cost", "mse_gradient", "gradient_descent_step", "fit_line_least_squares"]

_DESCRIPTIONS = ["the x -> x + 2 data", "m = 1 example", "m = 3 examples", "m = 7 examples",
                 "m = 20 examples"]


def _line_case(rng, i, with_rate=False):
    if i == 0:
        x = np.arange(1.0, 6.0)
        w, b, y = -1.5, 0.5, x + 2.0
    else:
        m = [1, 3, 7, 20][i - 1]
        x = rng.uniform(-3.0, 3.0, m)
        y = rng.normal(0.7, 1.0) * x + rng.normal(-0.4, 1.0) + 0.3 * rng.standard_normal(m)
        w, b = float(rng.normal(0.0, 2.0)), float(rng.normal(0.0, 2.0))
    return (w, b, x, y, 0.05) if with_rate else (w, b, x, y)


def _fit_case(rng, i):
    # At least two different x values: a line needs them.
    if i == 0:
        x = np.arange(1.0, 6.0)
        return x, x + 2.0
    m = [2, 3, 7, 20][i - 1]
    x = rng.uniform(-3.0, 3.0, m)
    y = rng.normal(0.7, 1.0) * x + rng.normal(-0.4, 1.0) + 0.3 * rng.standard_normal(m)
    return x, y


def mse_cost(learner):
    """Check ``mse_cost(w, b, x, y)`` -> ``(1/m) sum (w x + b - y)^2``."""
    cases = random_cases(_line_case, _DESCRIPTIONS, seed=101)
    return check_function("mse_cost", learner, reference.mse_cost, cases, ["w", "b", "x", "y"], hints=[
        ("your numbers are m times too large: divide the sum by m (the mean, not the sum)",
         lambda w, b, x, y: reference.sum_squared_error(w, b, x, y)),
        ("your numbers are half the expected ones: this lesson's cost has no factor 1/2",
         lambda w, b, x, y: reference.mse_cost(w, b, x, y) / 2),
        ("you averaged the signed errors: square each error before taking the mean",
         lambda w, b, x, y: reference.sum_of_errors(w, b, x, y) / len(x)),
        ("you squared the mean error: square each error first, then take the mean",
         lambda w, b, x, y: (reference.sum_of_errors(w, b, x, y) / len(x)) ** 2),
    ])


def mse_gradient(learner):
    """Check ``mse_gradient(w, b, x, y)`` -> ``(dw, db)`` of the lesson's mean squared error."""
    cases = random_cases(_line_case, _DESCRIPTIONS, seed=102)
    ref = reference.mse_gradient
    return check_function("mse_gradient", learner, ref, cases, ["w", "b", "x", "y"], hints=[
        ("your (dw, db) come out as (db, dw): return dw first",
         lambda *a: ref(*a)[::-1]),
        ("both values are half the expected ones: the derivative of e^2 is 2 e",
         lambda *a: tuple(g / 2 for g in ref(*a))),
        ("both values have the wrong sign: the error is g(x) - y, not y - g(x)",
         lambda *a: tuple(-g for g in ref(*a))),
        ("both values are m times too large: the cost is a mean, so is its gradient (divide by m)",
         lambda *a: tuple(g * len(a[2]) for g in ref(*a))),
        ("dw is missing the factor x_i: d(w x_i + b)/dw = x_i",
         lambda *a: (ref(*a)[1], ref(*a)[1])),
    ])


def gradient_descent_step(learner):
    """Check ``gradient_descent_step(w, b, x, y, learning_rate)`` -> the new ``(w, b)``."""
    cases = random_cases(lambda rng, i: _line_case(rng, i, with_rate=True), _DESCRIPTIONS, seed=103)
    ref = reference.gradient_descent_step

    def uphill(w, b, x, y, lr):
        dw, db = reference.mse_gradient(w, b, x, y)
        return w + lr * dw, b + lr * db

    def gradient_only(w, b, x, y, lr):
        dw, db = reference.mse_gradient(w, b, x, y)
        return -lr * dw, -lr * db

    return check_function("gradient_descent_step", learner, ref, cases,
                          ["w", "b", "x", "y", "learning_rate"], hints=[
        ("you stepped uphill: subtract learning_rate * gradient, do not add it", uphill),
        ("you returned only the change: return w - learning_rate * dw (and the same for b)",
         gradient_only),
        ("your new (w, b) come out as (b, w): return w first", lambda *a: ref(*a)[::-1]),
    ])


def fit_line_least_squares(learner):
    """Check ``fit_line_least_squares(x, y)`` -> the ``(w, b)`` of lowest mean squared error."""
    descriptions = ["the x -> x + 2 data", "m = 2 examples", "m = 3 examples", "m = 7 examples",
                    "m = 20 examples"]
    cases = random_cases(_fit_case, descriptions, seed=104)
    ref = reference.fit_line_least_squares

    def through_origin(x, y):
        return float(np.sum(x * y) / np.sum(x * x)), 0.0

    return check_function("fit_line_least_squares", learner, ref, cases, ["x", "y"], hints=[
        ("your (w, b) come out as (b, w): the column of x goes first, the column of ones second",
         lambda x, y: ref(x, y)[::-1]),
        ("you fitted a line through the origin: add a column of ones for b", through_origin),
    ])


EXERCISES = ("mse_cost", "mse_gradient", "gradient_descent_step", "fit_line_least_squares")
