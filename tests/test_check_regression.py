"""The checkers of notebook 01 accept right answers and reject the usual wrong ones with a useful line."""

import numpy as np
import pytest

from nnlessons import check
from nnlessons.lessons import regression as reg
from notebook_cells import ROOT, exercise_sources, run_cells
from verdicts import assert_failed, assert_passed, assert_raised, assert_traceback_below, stub
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

NOTEBOOK = ROOT / "notebooks" / "01_regression.ipynb"


# The solutions exactly as written in the notebook's exercise cells.

def nb_mse_cost(w, b, x, y):
    errors = w * x + b - y
    return np.mean(errors ** 2)


def nb_mse_gradient(w, b, x, y):
    m = len(x)
    errors = w * x + b - y
    dw = 2 / m * np.sum(errors * x)
    db = 2 / m * np.sum(errors)
    return dw, db


def loop_with(cost, gradient):
    """The notebook's descent loop, built on the given cost and gradient functions."""
    def loop(w, b, x, y, lr, n):
        costs = [cost(w, b, x, y)]
        for _ in range(n):
            dw, db = gradient(w, b, x, y)
            w, b = w - lr * dw, b - lr * db
            costs.append(cost(w, b, x, y))
        return costs
    return loop


nb_gradient_descent = loop_with(nb_mse_cost, nb_mse_gradient)


def bisect_threshold(loop, n_steps=300):
    """An experiment's answer: bisect on the verdict "the cost ends above where it started"."""
    def threshold(x, y):
        low, high = 0.0, 1.0
        for _ in range(30):
            middle = (low + high) / 2
            with np.errstate(over="ignore", invalid="ignore"):
                costs = loop(0.0, 0.0, x, y, middle, n_steps)
            if not costs[-1] <= costs[0]:
                high = middle
            else:
                low = middle
        return (low + high) / 2
    return threshold


def test_exported_names():
    assert check.regression.EXERCISES == ("mse_cost", "mse_gradient", "gradient_descent", "divergence_threshold")
    assert set(check.regression.__all__) == set(check.regression.EXERCISES)
    for name in check.regression.__all__:
        assert getattr(check, name) is getattr(check.regression, name)


def test_notebook_solutions_pass(capsys):
    run_cells(exercise_sources(NOTEBOOK), NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"PASSED  {name}" for name in check.regression.EXERCISES]


@pytest.mark.parametrize("checker, solutions", [
    (check.mse_cost, [reg.mse_cost, nb_mse_cost]),
    (check.mse_gradient, [reg.mse_gradient, nb_mse_gradient]),
    (check.gradient_descent, [lambda *a: reg.gradient_descent(*a)[1], nb_gradient_descent]),
    (check.divergence_threshold, [lambda x, y: reg.largest_stable_learning_rate(x),
                                  bisect_threshold(nb_gradient_descent)]),
])
def test_right_answers_pass(checker, solutions, capsys):
    for fn in solutions:
        assert_passed(checker, fn, capsys)


@pytest.mark.parametrize("form", [tuple, list, np.array, lambda pair: np.array(pair, dtype=np.float32).astype(float)])
def test_a_pair_may_come_in_any_form(form, capsys):
    assert_passed(check.mse_gradient, lambda *a: form(nb_mse_gradient(*a)), capsys)


def test_costs_may_come_as_an_array(capsys):
    assert_passed(check.gradient_descent, lambda *a: np.array(nb_gradient_descent(*a)), capsys)


# ----------------------------------------------------------------- mse_cost

def test_mse_cost_wrong_answers(capsys):
    assert_failed(check.mse_cost, lambda w, b, x, y: np.sum((w * x + b - y) ** 2), capsys,
                  "on the x -> x + 2 data: wrong value", "hint: your numbers are m times too large")
    assert_failed(check.mse_cost, lambda w, b, x, y: 0.5 * np.mean((w * x + b - y) ** 2), capsys,
                  "hint: your numbers are half the expected ones")
    assert_failed(check.mse_cost, lambda w, b, x, y: np.mean(w * x + b - y), capsys,
                  "hint: you averaged the signed errors")
    assert_failed(check.mse_cost, lambda w, b, x, y: np.mean(w * x + b - y) ** 2, capsys,
                  "hint: you squared the mean error")
    # a wrong answer that matches no known slip gets no hint
    out = assert_failed(check.mse_cost, lambda w, b, x, y: np.mean((b * x + w - y) ** 2), capsys,
                        "wrong value")
    assert "hint" not in out
    # the right cost as a one-entry array: asked for a number, not for keepdims
    assert_failed(check.mse_cost, lambda w, b, x, y: np.mean((w * x + b - y) ** 2, keepdims=True), capsys,
                  "wrong shape, expected (), got (1,)", "hint: the cost is right but comes as an array of shape (1,)")
    out = assert_failed(check.mse_cost, lambda w, b, x, y: np.sum((w * x + b - y) ** 2, keepdims=True), capsys,
                        "wrong shape, expected (), got (1,)")
    assert "is right" not in out


def test_mse_cost_none_in_place_and_stub(capsys):
    def no_return(w, b, x, y):
        np.mean((w * x + b - y) ** 2)

    def in_place(w, b, x, y):
        x *= w  # reuses x's memory for the predictions
        x += b
        return np.mean((x - y) ** 2)

    assert_failed(check.mse_cost, no_return, capsys, "your function returned None")
    assert_failed(check.mse_cost, in_place, capsys, "modified its input x in place")
    out = assert_failed(check.mse_cost, stub, capsys, "not implemented yet")
    assert "hint" not in out


def test_a_learners_error_is_reported_and_reraised(capsys):
    def broken(w, b, x, y):
        return np.mean((w * x + b - y[:1, None]) ** 2, axis=2)

    # numpy.exceptions is numpy >= 1.25; the oldest supported numpy has AxisError at the top.
    axis_error = getattr(np, "exceptions", np).AxisError
    assert_raised(check.mse_cost, broken, capsys, axis_error, "FAILED  mse_cost: on the x -> x + 2 data")


# ----------------------------------------------------------------- mse_gradient

def test_mse_gradient_wrong_answers(capsys):
    def swapped(w, b, x, y):
        dw, db = nb_mse_gradient(w, b, x, y)
        return db, dw

    def no_two(w, b, x, y):
        e = w * x + b - y
        return np.mean(e * x), np.mean(e)

    def sign(w, b, x, y):
        e = y - (w * x + b)
        return 2 * np.mean(e * x), 2 * np.mean(e)

    def no_mean(w, b, x, y):
        e = w * x + b - y
        return 2 * np.sum(e * x), 2 * np.sum(e)

    def no_x(w, b, x, y):
        e = w * x + b - y
        return 2 * np.mean(e), 2 * np.mean(e)

    assert_failed(check.mse_gradient, swapped, capsys, "value 1 of 2 (dw): wrong value",
                  "hint: your (dw, db) come out as (db, dw)")
    assert_failed(check.mse_gradient, no_two, capsys, "value 1 of 2 (dw): wrong value", "hint: both values are half")
    assert_failed(check.mse_gradient, sign, capsys, "hint: both values have the wrong sign")
    assert_failed(check.mse_gradient, no_mean, capsys, "hint: both values are m times too large")
    assert_failed(check.mse_gradient, no_x, capsys, "hint: dw is missing the factor x_i")
    assert_failed(check.mse_gradient, lambda w, b, x, y: nb_mse_gradient(w, b, x, y)[0], capsys,
                  "expected a list of 2 values, got a float64")
    assert_failed(check.mse_gradient, lambda w, b, x, y: None, capsys, "your function returned None")


def test_mse_gradient_in_place(capsys):
    def in_place(w, b, x, y):
        y -= w * x + b  # y now holds minus the errors
        return -2 * np.mean(y * x), -2 * np.mean(y)

    assert_failed(check.mse_gradient, in_place, capsys, "modified its input y in place")


# ----------------------------------------------------------------- gradient_descent (the loop)

def test_gradient_descent_wrong_answers(capsys):
    def no_start(w, b, x, y, lr, n):
        return nb_gradient_descent(w, b, x, y, lr, n)[1:]

    def no_end(w, b, x, y, lr, n):
        return nb_gradient_descent(w, b, x, y, lr, n)[:-1]

    def uphill(w, b, x, y, lr, n):
        return nb_gradient_descent(w, b, x, y, -lr, n)

    def stops_when_rising(w, b, x, y, lr, n):
        costs = [nb_mse_cost(w, b, x, y)]
        for _ in range(n):
            dw, db = nb_mse_gradient(w, b, x, y)
            w, b = w - lr * dw, b - lr * db
            if nb_mse_cost(w, b, x, y) > costs[-1]:
                break
            costs.append(nb_mse_cost(w, b, x, y))
        return costs

    def final_only(w, b, x, y, lr, n):
        return nb_gradient_descent(w, b, x, y, lr, n)[-1]

    def one_step_too_many(w, b, x, y, lr, n):
        return nb_gradient_descent(w, b, x, y, lr, n + 1)

    def gauss_seidel(w, b, x, y, lr, n):
        # b updated with the gradient at the new w: not one step against one gradient
        costs = [nb_mse_cost(w, b, x, y)]
        for _ in range(n):
            w = w - lr * nb_mse_gradient(w, b, x, y)[0]
            b = b - lr * nb_mse_gradient(w, b, x, y)[1]
            costs.append(nb_mse_cost(w, b, x, y))
        return costs

    assert_failed(check.gradient_descent, no_start, capsys, "wrong shape",
                  "hint: the cost before the first step is missing")
    assert_failed(check.gradient_descent, no_end, capsys, "wrong shape",
                  "hint: the cost after the last step is missing")
    assert_failed(check.gradient_descent, uphill, capsys, "hint: the costs rise: step against the gradient")
    assert_failed(check.gradient_descent, stops_when_rising, capsys,
                  "on m = 7 examples, a rate above the limit, 8 steps: wrong shape")
    assert_failed(check.gradient_descent, final_only, capsys, "wrong shape, expected (31,), got ()")
    assert_failed(check.gradient_descent, one_step_too_many, capsys, "wrong shape, expected (31,), got (32,)")
    assert_failed(check.gradient_descent, gauss_seidel, capsys, "on the x -> x + 2 data, rate 0.05, 30 steps: wrong value",
                  "hint: b was stepped with the gradient at the new w")


# ----------------------------------------------------------------- divergence_threshold

def test_divergence_threshold_wrong_answers(capsys):
    def along_w_only(x, y):
        return 2.0 / reg.w_curvature(x)

    def half(x, y):
        return bisect_threshold(nb_gradient_descent)(x, y) / 2

    def too_few_steps(x, y):
        return bisect_threshold(nb_gradient_descent, n_steps=2)(x, y)

    assert_failed(check.divergence_threshold, along_w_only, capsys,
                  "hint: that is the limit for descent along w alone")
    assert_failed(check.divergence_threshold, half, capsys, "hint: that is half the threshold")
    # an answer near a slip is named by its hint and shown as the learner returned it
    assert_failed(check.divergence_threshold, lambda x, y: 1.01 * along_w_only(x, y), capsys,
                  f"expected 0.0845241, got {1.01 * 2 / 22:.6g}", "hint: that is the limit for descent along w alone")
    out = assert_failed(check.divergence_threshold, lambda x, y: 0.09, capsys,
                        "on the x -> x + 2 data: wrong value, expected 0.0845241, got 0.09")
    assert "hint" not in out
    out = assert_failed(check.divergence_threshold, too_few_steps, capsys, "on m = 4 examples: wrong value")
    assert "hint" not in out
    assert_failed(check.divergence_threshold, lambda x, y: 0.0845, capsys, "on m = 4 examples: wrong value")
    assert_failed(check.divergence_threshold, lambda x, y: (0.08, 0.09), capsys,
                  "expected a number, got a tuple")
    assert_failed(check.divergence_threshold, lambda x, y: "about 0.08", capsys, "expected numbers")
    assert_failed(check.divergence_threshold, 0.0845, capsys, "expected a function")


def test_threshold_tolerance_is_two_percent(capsys):
    exact = lambda x, y: reg.largest_stable_learning_rate(x)  # noqa: E731
    assert_passed(check.divergence_threshold, lambda x, y: 1.019 * exact(x, y), capsys)
    assert_passed(check.divergence_threshold, lambda x, y: 0.981 * exact(x, y), capsys)
    assert_failed(check.divergence_threshold, lambda x, y: 1.03 * exact(x, y), capsys, "wrong value")


# ----------------------------------------------------------------- an earlier answer as the cause

def given(checker, **earlier):
    """``checker`` with the learner's earlier functions passed along, as a notebook cell calls it."""
    def run(learner):
        return checker(learner, **earlier)
    run.__name__ = checker.__name__
    return run


def wrong_gradient(w, b, x, y):
    return nb_mse_gradient(w, b, x, y)[::-1]


def test_a_failing_earlier_answer_is_named_as_the_cause(capsys):
    bad_loop = loop_with(nb_mse_cost, wrong_gradient)
    assert_failed(given(check.gradient_descent, mse_cost=nb_mse_cost, mse_gradient=wrong_gradient), bad_loop,
                  capsys, "this exercise calls your mse_gradient from exercise 2, which fails its own check")
    half_cost = lambda w, b, x, y: nb_mse_cost(w, b, x, y) / 2  # noqa: E731
    assert_failed(given(check.gradient_descent, mse_cost=half_cost, mse_gradient=nb_mse_gradient),
                  loop_with(half_cost, nb_mse_gradient), capsys, "calls your mse_cost from exercise 1")
    # without the earlier functions, the checker can only report the symptom
    out = assert_failed(check.gradient_descent, bad_loop, capsys, "wrong value")
    assert "exercise 2" not in out
    # given too, but right: the symptom, since the cause is elsewhere
    out = assert_failed(given(check.gradient_descent, mse_cost=nb_mse_cost, mse_gradient=nb_mse_gradient),
                        loop_with(nb_mse_cost, lambda *a: [0.0, 0.0]), capsys, "wrong value")
    assert "exercise" not in out
    frozen = loop_with(nb_mse_cost, lambda *a: [0.0, 0.0])
    assert_failed(given(check.divergence_threshold, gradient_descent=frozen), bisect_threshold(frozen), capsys,
                  "calls your gradient_descent from exercise 3")


def test_earlier_checks_run_only_on_failure(capsys):
    calls = []

    def counted(*args):
        calls.append(1)
        return nb_mse_gradient(*args)

    result = check.gradient_descent(nb_gradient_descent, mse_gradient=counted)
    assert result and not calls
    capsys.readouterr()


def test_a_fresh_handout_reports_not_implemented(capsys):
    line = assert_failed(given(check.gradient_descent, mse_cost=stub, mse_gradient=stub), stub, capsys)
    assert line.endswith("this exercise or your mse_cost from exercise 1, which it calls: not implemented yet")
    line = assert_failed(given(check.divergence_threshold, gradient_descent=stub), stub, capsys)
    assert line.endswith(": not implemented yet")
    # the learner's own loop written, the gradient still a stub: reached through the loop
    assert_failed(given(check.gradient_descent, mse_cost=nb_mse_cost, mse_gradient=stub),
                  loop_with(nb_mse_cost, stub), capsys, "mse_gradient from exercise 2", "not implemented yet")


def test_an_exception_keeps_its_traceback_below_the_earlier_cause(capsys):
    def crashing_gradient(w, b, x, y):
        raise ZeroDivisionError("boom")

    result = check.gradient_descent(loop_with(nb_mse_cost, crashing_gradient), mse_gradient=crashing_gradient)
    assert not result and "calls your mse_gradient from exercise 2" in result.message
    line, _ = assert_traceback_below(capsys.readouterr().out, ZeroDivisionError, crashing_gradient)
    assert "calls your mse_gradient from exercise 2" in line


# ----------------------------------------------------------------- a learner's slips beyond the classic ones

def test_mse_cost_slips_are_named(capsys):
    def fixed_m(w, b, x, y):  # the 5 examples of the lesson's data, hard-coded
        return np.sum((w * x + b - y) ** 2) / 5

    def return_in_loop(w, b, x, y):
        total = 0.0
        for i in range(len(x)):
            total += (w * x[i] + b - y[i]) ** 2
            return total / len(x)

    def absolute(w, b, x, y):
        return np.mean(np.abs(w * x + b - y))

    def rmse(w, b, x, y):
        return np.sqrt(np.mean((w * x + b - y) ** 2))

    def as_text(w, b, x, y):  # a printed value is not a returned number
        return str(np.mean((w * x + b - y) ** 2))

    assert_failed(check.mse_cost, fixed_m, capsys, "on m = 1 example", "hint: you divided by 5")
    assert_failed(check.mse_cost, return_in_loop, capsys, "hint: only the first example counted")
    assert_failed(check.mse_cost, absolute, capsys, "hint: you averaged the absolute errors")
    assert_failed(check.mse_cost, rmse, capsys, "hint: you took the square root")
    assert_failed(check.mse_cost, as_text, capsys, "expected numbers, got a str '93.5'")


def test_mse_gradient_slips_in_one_component_are_named(capsys):
    def db_as_sum(w, b, x, y):
        e = w * x + b - y
        return 2 * np.mean(e * x), 2 * np.sum(e)

    def dw_without_2(w, b, x, y):
        e = w * x + b - y
        return np.mean(e * x), 2 * np.mean(e)

    def per_example(w, b, x, y):  # the mean forgotten
        e = w * x + b - y
        return 2 * e * x / len(x), 2 * e / len(x)

    assert_failed(check.mse_gradient, db_as_sum, capsys, "value 2 of 2", "hint: db is m times too large")
    assert_failed(check.mse_gradient, dw_without_2, capsys, "hint: dw is half the expected value")
    assert_failed(check.mse_gradient, per_example, capsys,
                  "expected (), got (5,) (one value per example: a sum or a mean over the examples is missing?)")


def loop_with_slip(slip):
    """The learner's descent loop with one slip in it."""
    def loop(w, b, x, y, lr, n):
        costs = [nb_mse_cost(w, b, x, y)]
        dw, db = (nb_mse_gradient(w, b, x, y) if slip == "gradient once" else (0.0, 0.0))
        for _ in range(n):
            if slip == "previous gradient":
                w, b = w - lr * dw, b - lr * db
            if slip not in ("gradient once",):
                dw, db = nb_mse_gradient(w, b, x, y)
            if slip == "swapped":
                dw, db = db, dw
            if slip != "previous gradient":
                w, b = w - lr * dw, b - lr * db
            if slip == "stops when rising" and nb_mse_cost(w, b, x, y) > costs[-1]:
                break
            costs.append(nb_mse_cost(w, b, x, y))
            if slip == "return in loop":
                return costs
        return costs
    return loop


@pytest.mark.parametrize("slip, fragments", [
    (None, ()),
    ("return in loop", ("got (2,)", "hint: only the first step was recorded")),
    ("gradient once", ("hint: every step used the gradient at the start",)),
    ("previous gradient", ("hint: each step used the gradient of the step before",)),
    ("swapped", ("hint: dw and db are swapped",)),
    ("stops when rising", ("hint: your loop stopped when the cost rose",)),
])
def test_gradient_descent_loop_slips_are_named(slip, fragments, capsys):
    if slip is None:
        assert_passed(check.gradient_descent, loop_with_slip(slip), capsys)
    else:
        assert_failed(check.gradient_descent, loop_with_slip(slip), capsys, *fragments)


def test_divergence_threshold_slips_are_named(capsys):
    x_lesson, y_lesson = np.arange(1.0, 6.0), np.arange(1.0, 6.0) + 2.0

    def notebook_data(xs, ys):  # experiments on the notebook's x, y instead of its arguments
        return bisect_threshold(nb_gradient_descent)(x_lesson, y_lesson)

    def nan_counts_as_converging(x, y):
        lo, hi = 0.0, 1.0
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(40):
                mid = (lo + hi) / 2
                costs = nb_gradient_descent(0.0, 0.0, x, y, mid, 300)
                if costs[-1] > costs[0]:  # False for nan
                    hi = mid
                else:
                    lo = mid
        return (lo + hi) / 2

    assert_failed(check.divergence_threshold, notebook_data, capsys, "on m = 4 examples",
                  "hint: that is the threshold of the lesson's data")
    assert_failed(check.divergence_threshold, lambda x, y: 0.0845, capsys,
                  "hint: that is the threshold of the lesson's data")
    assert_failed(check.divergence_threshold, nan_counts_as_converging, capsys, "got 1 ",
                  "hint: at your rate the costs overflow to inf and then nan")
    assert_failed(check.divergence_threshold, lambda x, y: np.array([bisect_threshold(nb_gradient_descent)(x, y)]),
                  capsys, "expected (), got (1,) (a number inside an array: return a plain number)")


def test_divergence_threshold_refuses_a_formatted_answer(capsys):
    # float("0.0845") parses, and the tolerance snapped the text to the threshold: it passed.
    assert_failed(check.divergence_threshold, lambda x, y: f"{reg.largest_stable_learning_rate(x):.4f}", capsys,
                  "expected numbers, got a str '0.0845'")


@pytest.mark.parametrize("digits", [2, 4])
@pytest.mark.parametrize("rounding", [round, np.round])
def test_mse_cost_rounded_is_named(capsys, digits, rounding):
    assert_failed(check.mse_cost, lambda w, b, x, y: rounding(nb_mse_cost(w, b, x, y), digits), capsys,
                  "wrong value", f"hint: your cost is rounded to {digits} decimals")


def test_the_value_named_in_a_pair(capsys):
    assert_failed(check.mse_gradient, lambda w, b, x, y: (0.0, 0.0), capsys, "value 1 of 2 (dw): wrong value")
