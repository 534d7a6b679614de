"""Checkers for the exercises of notebook 01 (linear regression).

Each checker compares the learner's function with ``nnlessons.lessons.regression`` on
inputs from its own seeded generator: 1-D arrays ``x``, ``y`` of shape ``(m,)``
for several ``m``, so a missing ``1/m`` cannot hide behind ``m = 1``. When the
answer is wrong, the checker also tries the usual slips (a missing ``1/m``, a
forgotten factor 2, a flipped sign, swapped outputs) and adds a hint to its
line if one of them explains the learner's numbers exactly.

The pair ``(dw, db)`` may come back as a tuple, a list or an array of two
numbers, the costs of the loop as a list or an array. Exercises that build on
earlier answers (the loop calls the cost and the gradient, the experiment
calls the loop) take those functions too, e.g.
``check.gradient_descent(loop, mse_cost=cost, mse_gradient=grad)``; when the
later check fails and an earlier function fails its own check, the line names
the earlier exercise as the cause.
"""

import contextlib
import io

import numpy as np

from ..lessons import regression as reference
from ._core import (NOT_IMPLEMENTED, _report, check_function, random_cases, report_again, report_copied,
                    stands_in_for, watching)

__all__ = ["mse_cost", "mse_gradient", "gradient_descent", "divergence_threshold"]
EXERCISES = ("mse_cost", "mse_gradient", "gradient_descent", "divergence_threshold")

_DESCRIPTIONS = ["the x -> x + 2 data", "m = 1 example", "m = 3 examples", "m = 7 examples",
                 "m = 20 examples"]


def _as_list(fn):
    """``fn`` returning its pair as a list: then a tuple, a list or an array of two numbers all match."""
    return lambda *args: list(fn(*args))


def _using(name, run, earlier):
    """Run the check ``run()``; if it fails, blame an earlier exercise that fails its own check.

    ``earlier`` lists ``(exercise, checker, learner_function_or_None)``. The
    earlier checks run silently; the first that fails replaces the line, so the
    learner fixes the cause rather than the symptom. A learner's exception keeps its
    traceback below the line.
    """
    __tracebackhide__ = True
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            result = run()
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if result.passed or result.copied:
        print(printed.getvalue(), end="")
        return result
    for exercise, checker, fn in earlier:
        if fn is None or stands_in_for(fn, checker):
            continue  # a stand-in from check.use is the package's own version: right by construction
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                verdict = checker(fn)
            except Exception:
                verdict = None
        if verdict:
            continue
        if verdict is not None and verdict.message == NOT_IMPLEMENTED and result.message == NOT_IMPLEMENTED:
            # Both missing (a fresh handout): say so, without pretending to know which stub was hit.
            # The line still ends in "not implemented yet", as every stub's line does.
            result = _report(name, False, f"this exercise or your {checker.__name__} from {exercise}, "
                                          f"which it calls: {NOT_IMPLEMENTED}")
        else:
            result = report_again(name, result, f"this exercise calls your {checker.__name__} from {exercise}, "
                                                f"which fails its own check: fix that one first")
        break
    else:
        print(printed.getvalue(), end="")
    return result


def _boxed_hints(reference, names, patterns):
    """Hints for right numbers returned as one-entry arrays (``np.dot`` and ``axis=`` give them).

    ``names`` names the returned values (one name: a single value), ``patterns`` lists their
    shapes, ``()`` for a value left a number. The message asks for plain numbers: the later
    cells and exercises use them as numbers.
    """
    def boxed(shapes):
        def wrong(*args):
            out = reference(*args)
            if len(names) == 1:
                return np.reshape(out, shapes[0])
            return [np.reshape(v, shape) for v, shape in zip(out, shapes)]
        return wrong

    hints = []
    for shapes in patterns:
        arrays = [name for name, shape in zip(names, shapes) if shape != ()]
        shape = next(shape for shape in shapes if shape != ())
        several = len(arrays) > 1
        hints.append((f"{' and '.join(arrays)} {'are' if several else 'is'} right but "
                      f"{'come as arrays' if several else 'comes as an array'} of shape {shape}: return "
                      f"{'plain numbers' if len(names) > 1 else 'a plain number'} "
                      f"(x.item() turns a one-entry array x into a number)", boxed(shapes)))
    return hints


def _line_case(rng, i):
    if i == 0:
        x = np.arange(1.0, 6.0)
        w, b, y = -1.5, 0.5, x + 2.0
    else:
        m = [1, 3, 7, 20][i - 1]
        x = rng.uniform(-3.0, 3.0, m)
        y = rng.normal(0.7, 1.0) * x + rng.normal(-0.4, 1.0) + 0.3 * rng.standard_normal(m)
        w, b = float(rng.normal(0.0, 2.0)), float(rng.normal(0.0, 2.0))
    return w, b, x, y


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
        ("you divided by 5, the number of examples of the lesson's data: divide by m = len(x)",
         lambda w, b, x, y: reference.sum_squared_error(w, b, x, y) / 5),
        ("you averaged the absolute errors: square each error instead",
         lambda w, b, x, y: float(np.mean(np.abs(reference.signed_errors(w, b, x, y))))),
        ("you took the square root of the mean: J is the mean of the squares itself",
         lambda w, b, x, y: np.sqrt(reference.mse_cost(w, b, x, y))),
        ("only the first example counted: is the `return` inside the loop?",
         lambda w, b, x, y: reference.sum_squared_error(w, b, x[:1], y[:1]) / len(x)),
    ] + _boxed_hints(reference.mse_cost, ["the cost"], [[(1,)], [(1, 1)]]) + [
        (f"your cost is rounded to {digits} decimal{'s' * (digits != 1)}: return the value itself "
         "(round only where you print it)", _rounded(reference.mse_cost, digits)) for digits in range(7)])


def _rounded(fn, digits):
    return lambda *args: round(float(fn(*args)), digits)


def mse_gradient(learner):
    """Check ``mse_gradient(w, b, x, y)`` -> ``(dw, db)`` of the lesson's mean squared error."""
    cases = random_cases(_line_case, _DESCRIPTIONS, seed=102)
    ref = _as_list(reference.mse_gradient)
    return check_function("mse_gradient", learner, ref, cases, ["w", "b", "x", "y"], names=("dw", "db"), hints=[
        ("your (dw, db) come out as (db, dw): return dw first",
         lambda *a: ref(*a)[::-1]),
        ("both values are half the expected ones: the derivative of e^2 is 2 e",
         lambda *a: [g / 2 for g in ref(*a)]),
        ("both values have the wrong sign: the error is f(x) - y, not y - f(x)",
         lambda *a: [-g for g in ref(*a)]),
        ("both values are m times too large: the cost is a mean, so is its gradient (divide by m)",
         lambda *a: [g * len(a[2]) for g in ref(*a)]),
        ("dw is missing the factor x_i: d(w x_i + b)/dw = x_i",
         lambda *a: [ref(*a)[1], ref(*a)[1]]),
        ("dw is half the expected value: the derivative of e^2 is 2 e, for w as for b",
         lambda *a: [ref(*a)[0] / 2, ref(*a)[1]]),
        ("db is m times too large: it is a mean over the examples too (divide by m)",
         lambda *a: [ref(*a)[0], ref(*a)[1] * len(a[2])]),
        ("you divided by 5, the number of examples of the lesson's data: divide by m = len(x)",
         lambda *a: [g * len(a[2]) / 5 for g in ref(*a)]),
        ("only the first example counted: is the `return` inside the loop?",
         lambda w, b, x, y: [g / len(x) for g in ref(w, b, x[:1], y[:1])]),
    ])


def _loop_case(rng, i):
    # Rates below the limit, and one above it for a few steps: the loop
    # records whatever happens, it does not judge it.
    w, b, x, y = _line_case(rng, i)
    limit = reference.largest_stable_learning_rate(x)
    rate, n_steps = [(0.05, 30), (0.5 * limit, 1), (0.5 * limit, 12), (1.2 * limit, 8), (0.9 * limit, 40)][i]
    return w, b, x, y, rate, n_steps


def _reference_costs(w, b, x, y, learning_rate, n_steps):
    return reference.gradient_descent(w, b, x, y, learning_rate, n_steps)[1]


def gradient_descent(learner, mse_cost=None, mse_gradient=None):
    """Check ``gradient_descent(w, b, x, y, learning_rate, n_steps)`` -> the ``n_steps + 1`` costs.

    The costs are ``J`` at the start and after each step (a list or an array).
    ``mse_cost``, ``mse_gradient``: the learner's exercise-1 and -2 functions, which the loop calls.
    """
    descriptions = ["the x -> x + 2 data, rate 0.05, 30 steps", "m = 1 example, 1 step",
                    "m = 3 examples, 12 steps", "m = 7 examples, a rate above the limit, 8 steps",
                    "m = 20 examples, 40 steps"]
    cases = random_cases(_loop_case, descriptions, seed=105)

    def uphill(w, b, x, y, lr, n):
        costs = [reference.mse_cost(w, b, x, y)]
        for _ in range(n):
            dw, db = reference.mse_gradient(w, b, x, y)
            w, b = w + lr * dw, b + lr * db
            costs.append(reference.mse_cost(w, b, x, y))
        return costs

    def one_at_a_time(w, b, x, y, lr, n):
        costs = [reference.mse_cost(w, b, x, y)]
        for _ in range(n):
            w = w - lr * reference.mse_gradient(w, b, x, y)[0]
            b = b - lr * reference.mse_gradient(w, b, x, y)[1]
            costs.append(reference.mse_cost(w, b, x, y))
        return costs

    def stale(w, b, x, y, lr, n):
        # The gradient of the start, computed once before the loop, used for every step.
        dw, db = reference.mse_gradient(w, b, x, y)
        return [reference.mse_cost(w - k * lr * dw, b - k * lr * db, x, y) for k in range(n + 1)]

    def lagging(w, b, x, y, lr, n):
        # Each step uses the gradient computed at the step before (none before the first).
        costs, dw, db = [reference.mse_cost(w, b, x, y)], 0.0, 0.0
        for _ in range(n):
            w, b = w - lr * dw, b - lr * db
            dw, db = reference.mse_gradient(w, b, x, y)
            costs.append(reference.mse_cost(w, b, x, y))
        return costs

    def swapped(w, b, x, y, lr, n):
        costs = [reference.mse_cost(w, b, x, y)]
        for _ in range(n):
            db, dw = reference.mse_gradient(w, b, x, y)
            w, b = w - lr * dw, b - lr * db
            costs.append(reference.mse_cost(w, b, x, y))
        return costs

    def stops_when_rising(*a):
        costs = _reference_costs(*a)
        rise = next((k for k in range(1, len(costs)) if costs[k] > costs[k - 1]), len(costs))
        return costs[:rise]

    def run():
        return check_function("gradient_descent", learner, _reference_costs, cases,
                              ["w", "b", "x", "y", "learning_rate", "n_steps"], hints=[
            ("the cost before the first step is missing: record J at the start, then after each step",
             lambda *a: _reference_costs(*a)[1:]),
            ("the cost after the last step is missing: record J after every step, the last one too",
             lambda *a: _reference_costs(*a)[:-1]),
            ("the costs rise: step against the gradient", uphill),
            ("b was stepped with the gradient at the new w: compute (dw, db) once, at the old point, "
             "then update both", one_at_a_time),
            ("only the first step was recorded: is the `return` inside the loop?",
             lambda *a: _reference_costs(*a)[:2]),
            ("every step used the gradient at the start: compute (dw, db) again inside the loop, "
             "at the current (w, b)", stale),
            ("each step used the gradient of the step before: compute (dw, db) at the current (w, b), "
             "then update", lagging),
            ("dw and db are swapped: mse_gradient returns (dw, db), in that order", swapped),
            ("your loop stopped when the cost rose: take all n_steps steps, a diverging run included",
             stops_when_rising),
        ])

    return _using("gradient_descent", run, [("exercise 1", globals()["mse_cost"], mse_cost),
                                            ("exercise 2", globals()["mse_gradient"], mse_gradient)])


#: an experiment finds the threshold only approximately: answers this close count
THRESHOLD_RTOL = 0.02


def _threshold_case(rng, i):
    if i == 0:
        x = np.arange(1.0, 6.0)
        return x, x + 2.0
    m = [4, 9][i - 1]
    x = rng.uniform(-1.0, 4.0, m)
    return x, 0.5 * x - 1.0 + 0.3 * rng.standard_normal(m)


def divergence_threshold(learner, gradient_descent=None):
    """Check ``divergence_threshold(x, y)``: the learning rate above which descent diverges, found by experiment.

    Accepted within ``THRESHOLD_RTOL`` of ``2 / largest curvature``.
    ``gradient_descent``: the learner's exercise-3 loop, which the experiment calls.
    """
    cases = random_cases(_threshold_case, ["the x -> x + 2 data", "m = 4 examples", "m = 9 examples"],
                         seed=106)
    ref = reference.largest_stable_learning_rate

    slips = [
        ("that is the limit for descent along w alone (2 / the curvature in w); "
         "the steeper diagonal direction of the bowl sets a lower one",
         lambda x, y: 2.0 / reference.w_curvature(x)),
        ("that is half the threshold: rates up to twice 1 / curvature still converge, zigzagging",
         lambda x, y: ref(x) / 2),
        ("that is the threshold of the lesson's data (x -> x + 2) on every case: experiment on the "
         "x and y your function receives", lambda x, y: ref(np.arange(1.0, 6.0))),
    ]
    overflow = ("at your rate the costs overflow to inf and then nan, and nan compares False with "
                "everything (nan > J0 is False): count a cost that is not finite (np.isfinite) as diverging")

    def runs_to_nan(rate, x, y):
        # 300 steps from (0, 0), as the exercise suggests, in the lesson's formulas.
        w = b = 0.0
        with np.errstate(all="ignore"):
            for _ in range(300):
                e = w * x + b - y
                w, b = w - rate * 2 * np.mean(e * x), b - rate * 2 * np.mean(e)
            return not np.isfinite(np.mean((w * x + b - y) ** 2))
    answers = {}  # the learner's answer on each case, as it returned it

    def near(got, target):
        if isinstance(got, (str, bytes)):
            return False  # float("0.0845") parses: a printed answer would pass
        if np.ndim(got) != 0:
            return False  # numpy 1 reads float(np.array([r])) as r: a boxed answer would pass
        try:
            return abs(float(got) / target - 1.0) <= THRESHOLD_RTOL
        except (TypeError, ValueError):
            return False

    copied = []  # the references the learner's function called, if any

    def snapped(x, y):
        # An experiment's answer within the tolerance of the threshold stands for it;
        # any other answer is compared, and shown, as the learner returned it.
        with watching("divergence_threshold") as seen:  # the learner's call alone: snapped calls ref
            got = answers[x.tobytes(), y.tobytes()] = learner(x, y)
        copied.extend(seen.called)
        return ref(x) if near(got, ref(x)) else got

    def tolerant(slip):
        # A slip matches the learner's answer when that answer is within the tolerance of it.
        def wrong(x, y):
            got = answers.get((x.tobytes(), y.tobytes()))
            if near(got, ref(x)):  # snapped to the threshold, as the learner's answer was
                return ref(x)
            return got if near(got, slip(x, y)) else slip(x, y)
        return wrong

    hints = [(message, tolerant(slip)) for message, slip in slips]

    def nan_verdict(x, y):
        # Fits an answer well above the threshold at which the run ends in nan.
        got = answers.get((x.tobytes(), y.tobytes()))
        try:
            fits = (np.ndim(got) == 0 and float(got) > (1 + THRESHOLD_RTOL) * ref(x)
                    and runs_to_nan(float(got), x, y))
        except (TypeError, ValueError):
            fits = False
        return got if fits else ref(x)
    hints.append((overflow, nan_verdict))

    def run():
        if not callable(learner):
            return check_function("divergence_threshold", learner, ref, cases)
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                result = check_function("divergence_threshold", snapped, lambda x, y: ref(x), cases, ["x", "y"],
                                        hints=hints, references=())
        except BaseException:
            print(printed.getvalue(), end="")
            raise
        if copied:
            return report_copied("divergence_threshold", copied)
        print(printed.getvalue(), end="")
        return result

    return _using("divergence_threshold", run,
                  [("exercise 3", globals()["gradient_descent"], gradient_descent)])
