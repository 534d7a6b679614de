"""Tests of the exercise checkers of notebook 02 (nnlessons/check/cost_functions.py).

Each checker must pass the reference and the notebook's own solutions, and
reject the mistakes learners really make, each with its own message: an
overflowing sigmoid (even when its values happen to be right), a missing minus
or 1/m, a training loop that steps uphill or descends the wrong cost, a None, an
input changed in place, and a loop that fails because exercise 3 does.
"""

import pathlib
import warnings

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.lessons import cost_functions as logistic
from nnlessons.check import cost_functions as costs
from notebook_cells import exercise_sources, run_cells
from verdicts import assert_failed, assert_passed, assert_raised, stub, verdict
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "02_cost_functions.ipynb"


# ----------------------------------------------------------------- wiring

@pytest.mark.parametrize("name", costs.__all__)
def test_checkers_are_reachable_from_check_and_not_shadowed(name):
    assert getattr(check, name) is getattr(costs, name)


def test_exercises_in_notebook_order():
    assert costs.EXERCISES == ("stable_sigmoid", "log_loss", "log_loss_gradient", "train_logistic")
    assert set(costs.__all__) == set(costs.EXERCISES)


def test_notebook_solutions_pass(capsys):
    if not NOTEBOOK.exists():
        pytest.skip("notebook 02 not written yet")
    sources = exercise_sources(NOTEBOOK)
    assert len(sources) == 4
    for k in range(len(sources)):
        # the cells so far, in one namespace: exercise 4's loop calls exercise 3's function
        run_cells(sources[:k + 1], NOTEBOOK)
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == k + 1 and all(line.startswith("PASSED") for line in lines), lines


# ----------------------------------------------------------------- stable_sigmoid

def test_sigmoid_accepts_the_reference(capsys):
    assert verdict(check.stable_sigmoid, nl.sigmoid, capsys)[0]


def naive_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_sigmoid_rejects_an_overflowing_one_even_with_right_values(capsys):
    # 1 / (1 + inf) is 0, the right value: only numpy's warning gives it away
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(naive_sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
    result, out = verdict(check.stable_sigmoid, naive_sigmoid, capsys)
    assert not result and "overflow encountered in exp" in out and "z = -1000" in out


def where_sigmoid(z):
    # both branches are computed for every element before np.where picks one
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def test_sigmoid_rejects_np_where_over_two_overflowing_branches(capsys):
    assert_failed(check.stable_sigmoid, where_sigmoid, capsys, "on z = -1000, -745, -40, 40, 745, 1000",
                  "numpy warned 'overflow encountered in exp'")


def test_sigmoid_rejects_nan_from_inf_over_inf(capsys):
    def ratio(z):
        with np.errstate(over="ignore", invalid="ignore"):  # the learner silenced numpy
            return np.exp(z) / (1 + np.exp(z))

    result, out = verdict(check.stable_sigmoid, ratio, capsys)
    assert not result and "got nan" in out and "z = -1000" in out


def silenced_sigmoid(z):
    with np.errstate(over="ignore"):  # numpy's warning hidden, the overflow still there
        return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def test_sigmoid_rejects_an_overflow_hidden_by_errstate(capsys):
    original = np.errstate, np.seterr
    assert_failed(check.stable_sigmoid, silenced_sigmoid, capsys, "on z = -1000, -745, -40, 40, 745, 1000",
                  "numpy warned 'overflow encountered in exp'", "np.errstate hides numpy's warning")
    assert (np.errstate, np.seterr) == original


def test_sigmoid_with_errstate_around_a_stable_computation_passes(capsys):
    def careful(z):
        with np.errstate(over="raise"):
            z = np.asarray(z, dtype=float)
            e = np.exp(-np.abs(z))
            return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    assert_passed(check.stable_sigmoid, careful, capsys, "all 4 cases match the reference")


def test_errstate_is_restored_when_the_learner_raises(capsys):
    original = np.errstate, np.seterr

    def broken(z):
        with np.errstate(over="ignore"):
            raise ValueError("my own bug")

    assert_raised(check.stable_sigmoid, broken, capsys, ValueError, "my own bug")
    assert (np.errstate, np.seterr) == original


@pytest.mark.parametrize("wrong, message", [
    (lambda z: nl.sigmoid(-np.asarray(z)), "wrong value at index (0, 0), expected 0.253694, got 0.746306 "
                                           "(12 of 12 entries differ) (hint: mind the sign"),
    (lambda z: None, "returned None"),
    (lambda z: np.mean(nl.sigmoid(z)), "wrong shape"),
])
def test_sigmoid_rejects_wrong_answers(wrong, message, capsys):
    result, out = verdict(check.stable_sigmoid, wrong, capsys)
    assert not result and message in out


def test_sigmoid_rejects_changing_its_input(capsys):
    def in_place(z):
        h = nl.sigmoid(z)
        if isinstance(z, np.ndarray):
            z *= 0.0  # scratch space reused: right values, ruined input
        return h

    result, out = verdict(check.stable_sigmoid, in_place, capsys)
    assert not result and "modified its input z in place" in out


def test_a_learners_exception_is_a_failed_verdict_with_its_traceback(capsys):
    def broken(z):
        raise ValueError("my own bug")

    assert_raised(check.stable_sigmoid, broken, capsys, ValueError, "on ", "my own bug")


def test_other_warnings_are_passed_on_not_judged(capsys):
    def chatty(z):
        warnings.warn("just saying", UserWarning)
        return nl.sigmoid(z)

    with pytest.warns(UserWarning, match="just saying"):
        result, _ = verdict(check.stable_sigmoid, chatty, capsys)
    assert result


# ----------------------------------------------------------------- log_loss

def textbook_log_loss(h, y):
    return -np.sum(y * np.log(h) + (1 - y) * np.log(1 - h)) / h.shape[1]


def test_log_loss_accepts_the_reference_and_the_textbook_formula(capsys):
    assert verdict(check.log_loss, nl.losses.binary_cross_entropy, capsys)[0]
    assert verdict(check.log_loss, textbook_log_loss, capsys)[0]


@pytest.mark.parametrize("wrong, message", [
    (lambda h, y: -textbook_log_loss(h, y), "on m = 1 example with y = 1: wrong value, expected 0.223144, got -0.223144"),
    (lambda h, y: -textbook_log_loss(h, y), "(hint: the leading minus is missing"),
    (lambda h, y: textbook_log_loss(h, y) * h.shape[1], "on m = 4 examples: wrong value"),        # no 1/m
    (lambda h, y: textbook_log_loss(h, y) * h.shape[1], "(hint: divide the sum by m"),
    (lambda h, y: textbook_log_loss(h, 1 - y), "(hint: the branches are swapped"),
    (lambda h, y: -np.sum(y * np.log(h)) / h.shape[1], "on m = 4 examples: wrong value"),          # y = 0 forgotten
    (lambda h, y: -np.mean(y * np.log(h)), "(hint: the examples with y = 0 cost nothing here"),
    (lambda h, y: None, "returned None"),
    (lambda h, y: -(y * np.log(h) + (1 - y) * np.log(1 - h)), "wrong shape"),                     # no mean at all
    (lambda h, y: -(np.dot(y, np.log(h).T) + np.dot(1 - y, np.log(1 - h).T)) / h.shape[1],         # the np.dot form
     "wrong shape, expected (), got (1, 1) (hint: the cost is right but comes as an array"),
    (lambda h, y: -(np.dot(y, np.log(h).T) + np.dot(1 - y, np.log(1 - h).T)) / h.shape[1],
     "(hint: the cost is right but comes as an array of shape (1, 1): return a plain number"),
])
def test_log_loss_rejects_wrong_answers(wrong, message, capsys):
    result, out = verdict(check.log_loss, wrong, capsys)
    assert not result and message in out


def test_log_loss_rejects_changing_its_input(capsys):
    def in_place(h, y):
        h[y == 0] = 1 - h[y == 0]  # now the probability given to the true class
        return -np.mean(np.log(h))

    result, out = verdict(check.log_loss, in_place, capsys)
    assert not result and "modified its input y_hat in place" in out


# ----------------------------------------------------------------- log_loss_gradient

def good_gradient(w, b, x, y):
    dz = nl.sigmoid(w * x + b) - y
    return np.mean(dz * x), np.mean(dz)


def test_gradient_accepts_the_reference_and_a_numerical_gradient(capsys):
    assert verdict(check.log_loss_gradient, lambda w, b, x, y: logistic.gradients(w, b, x, y), capsys)[0]
    assert verdict(check.log_loss_gradient, good_gradient, capsys)[0]

    def numerical(w, b, x, y):  # independent of the reference: central differences of the cost
        p = np.array([w, b], dtype=float)
        g = nl.numerical_gradient(lambda: logistic.cost(p[0], p[1], x, y, "log"), p, eps=1e-5)
        return float(g[0]), float(g[1])

    # differences are only good to about 1e-10, inside the checker's tolerance
    assert verdict(check.log_loss_gradient, numerical, capsys)[0]


@pytest.mark.parametrize("wrong, message", [
    (lambda w, b, x, y: tuple(g * x.shape[1] for g in good_gradient(w, b, x, y)),
     "on the red-ball data (m = 40) at w = 0, b = 0, value 1 of 2 (dw): wrong value"),                # no 1/m
    (lambda w, b, x, y: tuple(g * x.shape[1] for g in good_gradient(w, b, x, y)), "(hint: divide by m"),
    (lambda w, b, x, y: tuple(-g for g in good_gradient(w, b, x, y)), "(hint: mind the sign"),  # y - h
    (lambda w, b, x, y: tuple(2 * g for g in good_gradient(w, b, x, y)), "(hint: the factor 2 belongs"),  # from 01
    (lambda w, b, x, y: logistic.gradients(w, b, x, y, "squared"), "(hint: that is the gradient of squared"),
    (lambda w, b, x, y: good_gradient(w, b, x, y)[::-1], "(hint: return (dw, db) in that order)"),
    (lambda w, b, x, y: good_gradient(w, b, x, y)[0], "expected a list of 2 values"),          # dw only
    (lambda w, b, x, y: (np.mean(nl.sigmoid(w * x + b) - y),) * 2, "value 1 of 2 (dw): wrong value"),  # forgot x
    (lambda w, b, x, y: None, "returned None"),
    (lambda w, b, x, y: tuple(np.reshape(g, (1, 1)) for g in good_gradient(w, b, x, y)),
     "wrong shape, expected (), got (1, 1)"),
    (lambda w, b, x, y: tuple(np.reshape(g, (1, 1)) for g in good_gradient(w, b, x, y)),
     "(hint: dw and db are right but come as arrays of shape (1, 1): return plain numbers"),
    (lambda w, b, x, y: (np.dot(nl.sigmoid(w * x + b) - y, x.T) / x.shape[1], np.mean(nl.sigmoid(w * x + b) - y)),
     "(hint: dw is right but comes as an array of shape (1, 1)"),
])
def test_gradient_rejects_wrong_answers(wrong, message, capsys):
    result, out = verdict(check.log_loss_gradient, wrong, capsys)
    assert not result and message in out


def test_a_wrong_gradient_in_one_entry_arrays_is_not_called_right(capsys):
    result, out = verdict(check.log_loss_gradient,
                          lambda w, b, x, y: tuple(np.reshape(2 * g, (1, 1)) for g in good_gradient(w, b, x, y)),
                          capsys)
    assert not result and "wrong shape" in out and "right" not in out


@pytest.mark.parametrize("form", [tuple, list, np.array])
def test_gradient_may_come_in_any_form(form, capsys):
    assert_passed(check.log_loss_gradient, lambda *a: form(good_gradient(*a)), capsys)


def test_gradient_rejects_changing_its_input(capsys):
    def in_place(w, b, x, y):
        y -= nl.sigmoid(w * x + b)  # y now holds y - h
        return np.mean(-y * x), np.mean(-y)

    result, out = verdict(check.log_loss_gradient, in_place, capsys)
    assert not result and "modified its input y in place" in out


def test_log_loss_rejects_dividing_by_zero_on_the_way(capsys):
    def via_odds(h, y):
        # log h - log(1 - h) written through the odds, with a guard that divides by zero for y = 1
        with np.errstate(divide="warn"):
            guard = np.where(y == 1, 0.0, 1.0 / (1.0 - y))
        return textbook_log_loss(h, y) + 0.0 * np.sum(np.isfinite(guard))

    result, out = verdict(check.log_loss, via_odds, capsys)
    assert not result and "numpy warned 'divide by zero encountered in divide'" in out
    assert "gives numpy nothing to warn about" in out


# ----------------------------------------------------------------- train_logistic

def good_gradient_of(w, b, x, y):
    dz = nl.sigmoid(w * x + b) - y
    return np.mean(dz * x), np.mean(dz)


def loop_with(gradient, update=None):
    """A learner's train_logistic calling ``gradient``; ``update(w, b, dw, db, rate)`` -> (w, b)."""
    update = update or (lambda w, b, dw, db, rate: (w - rate * dw, b - rate * db))

    def train_logistic(x, y, learning_rate, n_steps):
        w, b = 0, 0
        for _ in range(n_steps):
            dw, db = gradient(w, b, x, y)
            w, b = update(w, b, dw, db, learning_rate)
        return w, b
    return train_logistic


def test_training_accepts_the_reference_and_a_plain_loop(capsys):
    assert_passed(check.train_logistic, logistic.train_logistic, capsys)
    result, out = verdict(check.train_logistic, loop_with(good_gradient_of), capsys)
    assert result and out == "PASSED  train_logistic: all 5 cases match the reference"


@pytest.mark.parametrize("form", [tuple, list, np.array, lambda p: np.array(p, dtype=np.float32)])
def test_training_result_may_come_in_any_form(form, capsys):
    assert_passed(check.train_logistic, lambda *a: form(logistic.train_logistic(*a)), capsys)


def test_training_stub_is_not_implemented_yet(capsys):
    result, out = verdict(check.train_logistic, stub, capsys)
    assert not result and out == "FAILED  train_logistic: not implemented yet"


def squared_gradient(w, b, x, y):
    h = nl.sigmoid(w * x + b)
    dz = 2 * (h - y) * h * (1 - h)
    return np.mean(dz * x), np.mean(dz)


def summed_gradient(w, b, x, y):
    dz = nl.sigmoid(w * x + b) - y
    return np.sum(dz * x), np.sum(dz)


def new_w_for_b(x, y, learning_rate, n_steps):
    w, b = 0.0, 0.0
    for _ in range(n_steps):
        w = w - learning_rate * good_gradient_of(w, b, x, y)[0]
        b = b - learning_rate * good_gradient_of(w, b, x, y)[1]
    return w, b


def one_step_short(x, y, learning_rate, n_steps):
    return loop_with(good_gradient_of)(x, y, learning_rate, n_steps - 1)


@pytest.mark.parametrize("wrong, message", [
    (loop_with(good_gradient_of, lambda w, b, dw, db, r: (w + r * dw, b + r * db)),
     "the parameters move uphill: step against the gradient"),
    (loop_with(squared_gradient), "that is descent on squared error"),
    (loop_with(summed_gradient), "the steps are m times too long"),
    (new_w_for_b, "b was stepped with the gradient at the new w"),
    (lambda *a: loop_with(good_gradient_of)(*a)[::-1], "return (w, b) in that order"),
    (one_step_short, "one step too few"),
    (loop_with(good_gradient_of, lambda w, b, dw, db, r: (w - r * dw, b)), "wrong value"),  # b never moves
    (lambda *a: None, "returned None"),
])
def test_training_rejects_wrong_answers_with_their_hint(wrong, message, capsys):
    result, out = verdict(check.train_logistic, wrong, capsys)
    assert not result and message in out, out


def test_training_rejects_a_loop_that_does_not_start_at_zero(capsys):
    def from_one(x, y, learning_rate, n_steps):
        w, b = 1.0, 1.0
        for _ in range(n_steps):
            dw, db = good_gradient_of(w, b, x, y)
            w, b = w - learning_rate * dw, b - learning_rate * db
        return w, b

    result, out = verdict(check.train_logistic, from_one, capsys)
    assert not result and "on the red-ball data (m = 40), rate 1, 50 steps, value 1 of 2 (w): wrong value" in out


def checked_with(gradient):
    """check.train_logistic with the learner's exercise-3 function passed, as the notebook does."""
    def train_logistic(learner):
        return check.train_logistic(learner, log_loss_gradient=gradient)
    return train_logistic


def test_training_blames_a_failing_gradient_from_exercise_3(capsys):
    # The loop is right; the gradient it calls forgot the 1/m.
    result, out = verdict(checked_with(summed_gradient), loop_with(summed_gradient), capsys)
    assert not result
    assert out == ("FAILED  train_logistic: this exercise calls your log_loss_gradient from exercise 3, "
                   "which fails its own check: fix that one first")


def test_training_is_not_blamed_on_a_correct_gradient(capsys):
    result, out = verdict(checked_with(good_gradient_of), loop_with(summed_gradient), capsys)
    assert not result and "the steps are m times too long" in out


def test_training_with_both_stubs_says_not_implemented(capsys):
    result, out = verdict(checked_with(stub), stub, capsys)
    assert not result and out == ("FAILED  train_logistic: this exercise or your log_loss_gradient from "
                                  "exercise 3, which it calls: not implemented yet")


def test_training_with_the_learners_right_gradient_passes(capsys):
    assert_passed(checked_with(good_gradient_of), loop_with(good_gradient_of), capsys,
                  "all 5 cases match the reference")


# -- a learner's slips beyond the classic ones ---------------------------------

def test_log_loss_names_a_missing_mean_even_on_one_example(capsys):
    # The first case has m = 1, where the per-example losses look like one boxed number:
    # the line must not advise returning that number.
    line = assert_failed(check.log_loss, lambda h, y: -(y * np.log(h) + (1 - y) * np.log(1 - h)), capsys,
                         "wrong shape, expected (), got (1, 1)", "hint: that is the loss of each example")
    assert "return a plain number" not in line
    assert_failed(check.log_loss, lambda h, y: -np.mean(y * np.log10(h) + (1 - y) * np.log10(1 - h)), capsys,
                  "hint: use the natural logarithm, np.log")


def test_log_loss_gradient_names_a_missing_x_and_a_left_over_sigmoid_slope(capsys):
    def without_x(w, b, x, y):
        h = nl.sigmoid(w * x + b)
        return np.mean(h - y), np.mean(h - y)

    def through_the_slope(w, b, x, y):
        h = nl.sigmoid(w * x + b)
        return np.mean((h - y) * h * (1 - h) * x), np.mean((h - y) * h * (1 - h))

    assert_failed(check.log_loss_gradient, without_x, capsys, "hint: dw is missing the factor x_i")
    assert_failed(check.log_loss_gradient, through_the_slope, capsys, "hint: for log loss the factor y_hat (1 - y_hat)")


def nb_log_loss_gradient(w, b, x, y):
    h = nl.sigmoid(w * x + b)
    return np.mean((h - y) * x), np.mean(h - y)


def train_with_slip(slip):
    """The learner's training loop with one slip in it."""
    def train_logistic(x, y, learning_rate, n_steps):
        w = b = 0.0
        dw, db = nb_log_loss_gradient(w, b, x, y)
        for _ in range(n_steps):
            if slip != "gradient once":
                dw, db = nb_log_loss_gradient(w, b, x, y)
            if slip == "swapped":
                dw, db = db, dw
            w, b = w - learning_rate * dw, b - learning_rate * db
            if slip == "return in loop":
                return w, b
        return w, b
    return train_logistic


@pytest.mark.parametrize("slip, fragment", [
    ("return in loop", "hint: only one step was taken"),
    ("gradient once", "hint: every step used the gradient at the start"),
    ("swapped", "hint: dw and db are swapped"),
])
def test_train_logistic_names_loop_slips(slip, fragment, capsys):
    result = check.train_logistic(train_with_slip(slip), log_loss_gradient=nb_log_loss_gradient)
    out = capsys.readouterr().out
    assert not result and fragment in out, out


def test_the_slip_free_loop_passes(capsys):
    assert check.train_logistic(train_with_slip(None), log_loss_gradient=nb_log_loss_gradient)
    assert capsys.readouterr().out.startswith("PASSED")


# ------------------------------------------------ the gradient at logits of -1000 and 1000
def naive_gradient(w, b, x, y):
    h = 1 / (1 + np.exp(-(w * x + b)))  # overflows in exp at z = -1000
    dz = h - y
    return np.mean(dz * x), np.mean(dz)


def naive_gradient_silenced(w, b, x, y):
    with np.errstate(over="ignore"):
        h = 1 / (1 + np.exp(-(w * x + b)))
    dz = h - y
    return np.mean(dz * x), np.mean(dz)


def test_gradient_cases_reach_logits_of_1000():
    z = [w * x + b for _, (w, b, x, y) in costs._gradient_cases()]
    assert max(np.max(np.abs(v)) for v in z) == 1000


@pytest.mark.parametrize("fn", [naive_gradient, naive_gradient_silenced])
def test_gradient_with_the_naive_sigmoid_fails_naming_the_overflow(fn, capsys):
    assert_failed(check.log_loss_gradient, fn, capsys, "logits z = w x + b from -1000 to 1000",
                  "numpy warned 'overflow encountered in exp'", "1 / (1 + np.exp(-z)) overflows at z = -1000",
                  "stable sigmoid")


def test_gradient_with_a_stable_sigmoid_passes_the_five_cases(capsys):
    def stable(w, b, x, y):
        dz = nl.sigmoid(w * x + b) - y
        return np.mean(dz * x), np.mean(dz)
    assert_passed(check.log_loss_gradient, stable, capsys, "all 5 cases match the reference")
