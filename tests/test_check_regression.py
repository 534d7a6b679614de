"""The checkers of notebook 01 accept right answers and reject the usual wrong ones with a useful line."""

import numpy as np
import pytest

from nnlessons import check
from nnlessons.lessons import regression as reg


def verdict(checker, fn, capsys):
    result = checker(fn)
    out = capsys.readouterr().out
    return result, out


def assert_passed(checker, fn, capsys):
    result, out = verdict(checker, fn, capsys)
    assert result and out.startswith(f"PASSED  {result.name}: all 5 cases match"), out


def assert_failed(checker, fn, capsys, *fragments):
    result, out = verdict(checker, fn, capsys)
    assert not result and out.startswith(f"FAILED  {result.name}: "), out
    for fragment in fragments:
        assert fragment in out, out
    return out


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


def nb_gradient_descent_step(w, b, x, y, learning_rate):
    dw, db = nb_mse_gradient(w, b, x, y)
    return w - learning_rate * dw, b - learning_rate * db


def nb_fit_line_least_squares(x, y):
    A = np.stack([x, np.ones_like(x)], axis=1)
    w, b = np.linalg.solve(A.T @ A, A.T @ y)
    return w, b


def test_exported_names():
    assert set(check.regression.__all__) == {"mse_cost", "mse_gradient", "gradient_descent_step",
                                              "fit_line_least_squares"}
    for name in check.regression.__all__:
        assert getattr(check, name) is getattr(check.regression, name)


@pytest.mark.parametrize("checker, solutions", [
    (check.mse_cost, [reg.mse_cost, nb_mse_cost]),
    (check.mse_gradient, [reg.mse_gradient, nb_mse_gradient]),
    (check.gradient_descent_step, [reg.gradient_descent_step, nb_gradient_descent_step]),
    (check.fit_line_least_squares, [reg.fit_line_least_squares, nb_fit_line_least_squares]),
])
def test_right_answers_pass(checker, solutions, capsys):
    for fn in solutions:
        assert_passed(checker, fn, capsys)


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
    out = assert_failed(check.mse_cost, lambda w, b, x, y: np.mean(np.abs(w * x + b - y)), capsys,
                        "wrong value")
    assert "hint" not in out


def test_mse_cost_none_in_place_and_stub(capsys):
    def no_return(w, b, x, y):
        np.mean((w * x + b - y) ** 2)

    def in_place(w, b, x, y):
        x *= w  # reuses x's memory for the predictions
        x += b
        return np.mean((x - y) ** 2)

    def stub(w, b, x, y):
        raise NotImplementedError("replace this line with your code")

    assert_failed(check.mse_cost, no_return, capsys, "your function returned None")
    assert_failed(check.mse_cost, in_place, capsys, "modified its input x in place")
    out = assert_failed(check.mse_cost, stub, capsys, "not implemented yet")
    assert "hint" not in out


def test_a_learners_error_is_reported_and_reraised(capsys):
    def broken(w, b, x, y):
        return np.mean((w * x + b - y[:1, None]) ** 2, axis=2)

    with pytest.raises(Exception):
        check.mse_cost(broken)
    out = capsys.readouterr().out
    assert out.startswith("FAILED  mse_cost: on the x -> x + 2 data, your function raised")


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

    assert_failed(check.mse_gradient, swapped, capsys, "value 1 of 2: wrong value", "hint: your (dw, db) come out as (db, dw)")
    assert_failed(check.mse_gradient, no_two, capsys, "value 1 of 2: wrong value", "hint: both values are half")
    assert_failed(check.mse_gradient, sign, capsys, "hint: both values have the wrong sign")
    assert_failed(check.mse_gradient, no_mean, capsys, "hint: both values are m times too large")
    assert_failed(check.mse_gradient, no_x, capsys, "hint: dw is missing the factor x_i")
    assert_failed(check.mse_gradient, lambda w, b, x, y: nb_mse_gradient(w, b, x, y)[0], capsys,
                  "expected a tuple of 2 values, got a float")
    assert_failed(check.mse_gradient, lambda w, b, x, y: None, capsys, "your function returned None")


def test_mse_gradient_in_place(capsys):
    def in_place(w, b, x, y):
        y -= w * x + b  # y now holds minus the errors
        return -2 * np.mean(y * x), -2 * np.mean(y)

    assert_failed(check.mse_gradient, in_place, capsys, "modified its input y in place")


# ----------------------------------------------------------------- gradient_descent_step

def test_gradient_descent_step_wrong_answers(capsys):
    def uphill(w, b, x, y, lr):
        return nb_gradient_descent_step(w, b, x, y, -lr)  # a negative rate climbs

    def change_only(w, b, x, y, lr):
        w_new, b_new = nb_gradient_descent_step(w, b, x, y, lr)
        return w_new - w, b_new - b

    def swapped(w, b, x, y, lr):
        return nb_gradient_descent_step(w, b, x, y, lr)[::-1]

    def half_gradient(w, b, x, y, lr):
        dw, db = reg.mse_gradient(w, b, x, y)
        return w - lr * dw / 2, b - lr * db / 2

    assert_failed(check.gradient_descent_step, uphill, capsys, "hint: you stepped uphill")
    assert_failed(check.gradient_descent_step, change_only, capsys, "hint: you returned only the change")
    assert_failed(check.gradient_descent_step, swapped, capsys, "hint: your new (w, b) come out as (b, w)")
    out = assert_failed(check.gradient_descent_step, half_gradient, capsys, "wrong value")
    assert "hint" not in out
    assert_failed(check.gradient_descent_step, lambda w, b, x, y, lr: None, capsys,
                  "your function returned None")


# ----------------------------------------------------------------- fit_line_least_squares

def test_fit_line_least_squares_wrong_answers(capsys):
    def swapped(x, y):
        return nb_fit_line_least_squares(x, y)[::-1]

    def through_origin(x, y):
        return np.sum(x * y) / np.sum(x * x), 0.0

    assert_failed(check.fit_line_least_squares, swapped, capsys,
                  "on the x -> x + 2 data, value 1 of 2: wrong value, expected 1, got 2",
                  "hint: your (w, b) come out as (b, w)")
    assert_failed(check.fit_line_least_squares, through_origin, capsys,
                  "hint: you fitted a line through the origin")
    assert_failed(check.fit_line_least_squares, lambda x, y: None, capsys, "your function returned None")


def test_fit_line_that_centres_x_in_place_is_caught(capsys):
    def centre_in_place(x, y):
        x_mean, y_mean = x.mean(), y.mean()
        x -= x_mean
        w = np.sum(x * (y - y_mean)) / np.sum(x * x)
        return w, y_mean - w * x_mean

    assert_failed(check.fit_line_least_squares, centre_in_place, capsys, "modified its input x in place")


def test_not_a_function(capsys):
    assert_failed(check.fit_line_least_squares, 3.0, capsys, "expected a function")
