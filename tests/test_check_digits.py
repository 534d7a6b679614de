"""Tests of the digits notebook's checkers: they accept right answers and reject the usual slips."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check, mnist
from nnlessons.check import digits as check_digits
from nnlessons.layers import dense_backward, dense_forward
from nnlessons.lessons import digits
from nnlessons.mnist import to_columns
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import (assert_failed, assert_not_implemented, assert_passed, assert_raised,
                      verdict)
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "06_digits.ipynb"


# --------------------------------------------------------------------- train_sgd
# the reference loop; the notebook's own solution is run by test_the_notebooks_own_solutions_pass
sgd_solution = digits.train_sgd


def sgd_with_layers(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """A correct loop on the package's layers and its own backward, a tuple, rng.shuffle, labels to backward."""
    p = net.params
    Y = np.eye(net.sizes[-1])[y].T
    idx = np.arange(X.shape[1])
    out = []
    for _ in range(epochs):
        rng.shuffle(idx)
        for s in range(0, len(idx), batch_size):
            b = idx[s:s + batch_size]
            Z1, c1 = dense_forward(X[:, b], p["W1"], p["b1"])
            A1 = nl.relu(Z1)
            Z2, c2 = dense_forward(A1, p["W2"], p["b2"])
            dZ2 = nl.softmax(Z2) - Y[:, b]
            dA1, dW2, db2 = dense_backward(dZ2, c2)
            _, dW1, db1 = dense_backward(dA1 * (Z1 > 0), c1)
            for k, g in zip(["W1", "b1", "W2", "b2"], [dW1, db1, dW2, db2]):
                p[k] -= learning_rate * g
        out.append(net.accuracy(X_val, y_val))
    return tuple(out)


def sgd_labels_to_backward(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """Correct too: Network.backward takes integer labels for a softmax network."""
    m = X.shape[1]
    accs = []
    for _ in range(epochs):
        perm = rng.permutation(m)
        for start in range(0, m, batch_size):
            b = perm[start:start + batch_size]
            _, cache = net.forward(X[:, b])
            for k, g in net.backward(y[b], cache).items():
                net.params[k] = net.params[k] - learning_rate * g
        accs.append(net.accuracy(X_val, y_val))
    return np.array(accs)


def make_sgd(shuffle="each", drop_last=False, sign=1.0, scale=1.0, stale=False, labels=False,
             accuracy="val", own_rng=False):
    """The solution with one slip; each keyword names one."""
    def train(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
        Y = nl.one_hot(y, net.sizes[-1])
        m = X.shape[1]
        r = np.random.default_rng() if own_rng else rng
        fixed = r.permutation(m) if shuffle == "once" else None
        accs, grads = [], None
        for _ in range(epochs):
            order = {"each": None, "once": fixed, "never": np.arange(m)}[shuffle]
            order = r.permutation(m) if order is None else order
            stop = m - m % batch_size if drop_last else m
            for start in range(0, stop, batch_size):
                b = order[start:start + batch_size]
                Xb = X[:, b]
                if labels:  # own backward, labels where one-hot columns belong
                    p = net.params
                    Z1 = p["W1"] @ Xb + p["b1"]
                    A1 = nl.relu(Z1)
                    dZ2 = nl.softmax(p["W2"] @ A1 + p["b2"]) - y[b]
                    dZ1 = (p["W2"].T @ dZ2) * (Z1 > 0)
                    g = {"W2": dZ2 @ A1.T / b.size, "b2": dZ2.mean(axis=1, keepdims=True),
                         "W1": dZ1 @ Xb.T / b.size, "b1": dZ1.mean(axis=1, keepdims=True)}
                    for k in p:
                        p[k] -= learning_rate * g[k]
                    continue
                _, cache = net.forward(Xb)
                if stale and grads is not None:
                    for k in net.params:
                        net.params[k] -= learning_rate * grads[k]
                grads = net.backward(Y[:, b], cache)
                if not stale:
                    for k in net.params:
                        net.params[k] -= sign * scale * learning_rate * grads[k]
            data = (X, y) if accuracy == "train" else (X_val, y_val)
            accs.append(np.mean(net(data[0]).argmax(axis=0) == data[1]))
        return None if accuracy == "none" else accs[-1:] if accuracy == "last" else accs
    return train


SMALL = "on 23 examples in batches of 5 for 3 epochs"


@pytest.mark.parametrize("learner", [sgd_solution, sgd_with_layers, sgd_labels_to_backward])
def test_train_sgd_accepts_right_loops(capsys, learner):
    assert_passed(check.train_sgd, learner, capsys, "every step right on 23 examples in batches of 5 for 3 epochs")


SGD_SLIPS = [
    (make_sgd(shuffle="never"), f"{SMALL}: the examples were not shuffled"),
    (make_sgd(shuffle="once"), f"{SMALL}: the examples were shuffled once, in the same order every epoch"),
    (make_sgd(drop_last=True), f"{SMALL}: the last, smaller batch of each epoch was skipped"),
    (make_sgd(sign=-1.0), f"{SMALL}, step 1: the parameters moved up the gradient"),
    (make_sgd(scale=5.0), f"{SMALL}, step 1: the step is batch_size times too large"),
    (make_sgd(scale=0.2), f"{SMALL}, step 1: the step is batch_size times too small"),
    (make_sgd(scale=0.0), f"{SMALL}, step 1: the parameters did not change"),
    (make_sgd(stale=True), f"{SMALL}, step 2: the step used the gradients of the previous batch"),
    (make_sgd(labels=True), f"{SMALL}: labels used as targets instead of one-hot columns"),
    (make_sgd(accuracy="train"), f"{SMALL}: after epoch 1 you returned validation accuracy"),
    (make_sgd(accuracy="last"), f"{SMALL}: expected one validation accuracy per epoch (3 values), got 1"),
    (make_sgd(accuracy="none"), f"{SMALL}: your function returned None"),
    (make_sgd(own_rng=True), f"{SMALL}: two runs with the same rng gave different results"),
]


@pytest.mark.parametrize("learner, message", SGD_SLIPS)
def test_train_sgd_names_the_slip(capsys, learner, message):
    assert_failed(check.train_sgd, learner, capsys, message)


def test_train_sgd_refuses_net_fit(capsys):
    def with_fit(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
        accs = []
        for _ in range(epochs):
            net.fit(X, y, epochs=1, batch_size=batch_size, learning_rate=learning_rate, rng=rng)
            accs.append(net.accuracy(X_val, y_val))
        return accs

    assert_failed(check.train_sgd, with_fit, capsys, f"{SMALL}: your function called net.fit")


def test_train_sgd_stub_is_not_implemented_yet(capsys):
    assert_not_implemented(check.train_sgd, capsys)


def test_train_sgd_reports_the_learners_error_with_its_traceback(capsys):
    def wrong_shape(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
        net.forward(X.T)

    assert_raised(check.train_sgd, wrong_shape, capsys, ValueError, "X must have shape")


@pytest.fixture(scope="module")
def small_digits():
    """2,000 embedded training images and 500 others for validation: a few seconds of training at most."""
    (images, labels), _ = mnist.load_mnist_small()
    X = to_columns(images[::4])
    y = labels[::4]
    return X[:, :2000], y[:2000], X[:, 2000:], y[2000:]


def on_digits(data, **options):
    """``check.train_sgd`` with the digits data, under the checker's name (the verdict helpers need it)."""
    def train_sgd(learner):
        return check.train_sgd(learner, data, **options)
    return train_sgd


def test_train_sgd_trains_digits_end_to_end(capsys, small_digits):
    result, line = verdict(on_digits(small_digits, epochs=3, threshold=0.85), sgd_solution, capsys)
    assert result, line
    acc = result.val_accuracy[-1]
    assert acc >= 0.85 and f"validation accuracy {100 * acc:.2f}%" in line
    assert result.network.sizes == [784, 128, 10]
    assert np.isclose(result.network.accuracy(small_digits[2], small_digits[3]), acc)


def test_train_sgd_scores_the_test_set_when_given(capsys, small_digits):
    X, y, X_val, y_val = small_digits
    data, test = (X, y, X_val[:, :200], y_val[:200]), (X_val[:, 200:], y_val[200:])
    result, line = verdict(on_digits(data, test=test, epochs=3, threshold=0.85), sgd_solution, capsys)
    assert result, line
    score = result.network.accuracy(*test)
    assert f"accuracy on the {y_val.size - 200:,} test images {100 * score:.2f}% (at least 85%)" in line


def test_train_sgd_end_to_end_fails_below_the_threshold(capsys, small_digits):
    # every step is right, but one epoch on 2,000 images cannot reach 99%
    assert_failed(on_digits(small_digits, epochs=1, threshold=0.99), sgd_solution, capsys,
                  "on 2,000 images for 1 epochs", "below 99%")


def test_train_sgd_end_to_end_checks_the_returned_accuracies(capsys, small_digits):
    def off_by_one_epoch(*args):
        return [0.0] + list(sgd_solution(*args))[:-1]

    # on the small problem the first epoch's accuracy is caught already
    assert_failed(check.train_sgd, off_by_one_epoch, capsys, "after epoch 1 you returned validation accuracy 0.0000")


# ----------------------------------------------------------------- choose_recipe
def recipe_solution():  # the notebook's solution
    return {"learning_rate": 0.5, "batch_size": 32, "epochs": 4}


def choosing(**choice):
    def choose_recipe():
        return choice
    return choose_recipe


@pytest.mark.parametrize("learner", [
    recipe_solution,
    choosing(learning_rate=0.1, batch_size=10, epochs=4),  # another right choice: smaller rate, smaller batches
    choosing(learning_rate=np.float32(0.5), batch_size=np.int64(32), epochs=4.0, hidden=128),  # numpy numbers
])
def test_choose_recipe_accepts_choices_that_reach_the_target(capsys, learner):
    result, line = verdict(check.choose_recipe, learner, capsys)
    assert result, line
    assert "target 95.5% reached" in line and "on the 10,000 test images, scored once for the report" in line
    assert f"{100 * result.test_accuracy:.1f}%" in line
    assert result.network.accuracy(*check_digits._digits_split()[2:4]) == result.val_accuracy[-1]


def test_choose_recipe_trains_what_the_learner_chose(capsys):
    # the checker's run is the notebook's digits.validation_runs with seed 606: the learner can reproduce it
    result, line = verdict(check.choose_recipe, recipe_solution, capsys)
    X_fit, y_fit, X_val, y_val, _, _ = check_digits._digits_split()
    again = digits.validation_runs(digits.recipe_network, (X_fit, y_fit, X_val, y_val), epochs=4, batch_size=32,
                                   learning_rate=0.5, seeds=[606])
    assert np.array_equal(again[0], result.val_accuracy)
    assert "validation accuracy per epoch " + " ".join(f"{100 * a:.1f}%" for a in again[0]) in line


def test_choose_recipe_stub_is_not_implemented_yet(capsys):
    assert_not_implemented(check.choose_recipe, capsys)


RECIPE_SLIPS = [
    # the classic network's rate, copied from section 6: training diverges
    (choosing(learning_rate=3.0, batch_size=32, epochs=4), "below the target 95.5% (hint: training diverged"),
    (choosing(learning_rate=0.01, batch_size=32, epochs=4), "hint: the accuracy was still climbing after 4 epochs"),
    (choosing(learning_rate=0.5, batch_size=32, epochs=1), "hint: too few epochs: the accuracy was still rising after "
                                                           "epoch 1; the budget allows 4"),
    (choosing(learning_rate=0.5, batch_size=32, epochs=12), "12 epochs of a network with 128 hidden units break the "
                                                            "time budget"),
    (choosing(learning_rate=0.5, batch_size=64, epochs=4, hidden=256), "break the time budget"),
    (choosing(learning_rate=0.5, batch_size=1, epochs=4), "batches of 1 break the time budget"),
    (choosing(learning_rate=0.5, batch_size=32, epochs=1, hidden=1024), "1024 hidden units break the time budget"),
    (choosing(learning_rate=0.5, batch_size=10000, epochs=4), "there are only 9,000 training images"),
    (choosing(learning_rate=0.5, batch_size=32), "your dict lacks 'epochs'"),
    (choosing(learning_rate=0.5, batch_size=32, epochs=4, momentum=0.9), "has unknown keys 'momentum'"),
    (choosing(learning_rate=-0.5, batch_size=32, epochs=4), "the learning rate must be a positive number"),
    (choosing(learning_rate="0.5", batch_size=32, epochs=4), "the learning rate must be a positive number"),
    (choosing(learning_rate=0.5, batch_size=32.5, epochs=4), "batch_size must be a whole number"),
    (choosing(learning_rate=0.5, batch_size=32, epochs=True), "epochs must be a whole number"),
    (choosing(learning_rate=0.5, batch_size=32, epochs=0), "epochs must be a whole number of at least 1"),
    (lambda: None, "returned None (is a `return` missing?)"),
    (lambda: (0.5, 32, 4), "expected a dict like"),
]


@pytest.mark.parametrize("learner, message", RECIPE_SLIPS)
def test_choose_recipe_names_the_mistake(capsys, learner, message):
    line = assert_failed(check.choose_recipe, learner, capsys, message)
    assert "test images" not in line  # the test set is scored only for a choice that reached the target


def test_choose_recipe_wants_a_function(capsys):
    assert_failed(check.choose_recipe, recipe_solution(), capsys, "expected a function, got a dict (a function that returns your choice")


def test_choose_recipe_reports_the_learners_error_with_its_traceback(capsys):
    def typo():
        return {"learning_rate": 0.5, "batch_size": 32, "epochs": epochs}  # noqa: F821

    assert_raised(check.choose_recipe, typo, capsys, NameError, "epochs")


def test_the_budget_allows_the_solution_and_not_section_5s_recipe():
    assert check_digits._choice_problem(recipe_solution())[1] is None
    assert "break the time budget" in check_digits._choice_problem(dict(digits.RECIPE))[1]


# ----------------------------------------------------------- every checker
def test_checkers_are_exported_in_notebook_order():
    assert check_digits.EXERCISES == ("train_sgd", "choose_recipe")
    assert set(check_digits.__all__) == set(check_digits.EXERCISES)
    assert all(getattr(check, name) is getattr(check_digits, name) for name in check_digits.EXERCISES)


def _definitions(sources):
    return [src.rsplit("\ncheck.", 1)[0] for src in sources]


def test_the_notebooks_own_solutions_pass(capsys):
    solved = exercise_sources(NOTEBOOK)
    assert [src.rsplit("\ncheck.", 1)[1].split("(")[0] for src in solved] == list(check_digits.EXERCISES)
    # called without the training data, the capstone's checker inspects the steps only, which is quick
    namespace = run_cells(_definitions(solved), NOTEBOOK)
    for name in check_digits.EXERCISES:
        assert_passed(getattr(check, name), namespace[name], capsys)


def test_the_handout_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    for student, blocks in students:
        assert blocks == 1 and "BEGIN SOLUTION" not in student
    namespace = run_cells(_definitions([student for student, _ in students]), NOTEBOOK)
    for name in check_digits.EXERCISES:
        assert_failed(getattr(check, name), namespace[name], capsys, "not implemented yet")


# -- a learner's slips beyond the classic ones ---------------------------------

def test_train_sgd_refuses_percentages(capsys):
    # The notebook's next cells print 100 * accuracy and plot it: percentages there read 9500%.
    def in_percent(*args):
        return [100 * a for a in sgd_solution(*args)]

    assert_failed(check.train_sgd, in_percent, capsys, "your accuracies look like percentages",
                  "return fractions in [0, 1], as net.accuracy gives them")


def test_train_sgd_refuses_accuracies_as_text(capsys):
    def as_text(*args):
        return [str(a) for a in sgd_solution(*args)]

    assert_failed(check.train_sgd, as_text, capsys, "expected a list of numbers")


# ------------------------------------------------------- each batch fed its own targets
def sgd_two_permutations(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """X and Y shuffled by two different permutations: every batch's labels belong to other columns."""
    Y = nl.one_hot(y, 10)
    m = X.shape[1]
    accs = []
    for _ in range(epochs):
        X_shuffled, Y_shuffled = X[:, rng.permutation(m)], Y[:, rng.permutation(m)]
        for start in range(0, m, batch_size):
            _, cache = net.forward(X_shuffled[:, start:start + batch_size])
            grads = net.backward(Y_shuffled[:, start:start + batch_size], cache)
            for name in net.params:
                net.params[name] -= learning_rate * grads[name]
        accs.append(net.accuracy(X_val, y_val))
    return accs


def sgd_neighbours_labels(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """Each batch given the labels of the batch before it (the first batch its own)."""
    Y = nl.one_hot(y, 10)
    m = X.shape[1]
    accs = []
    for _ in range(epochs):
        order = rng.permutation(m)
        previous = None
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            labels = batch if previous is None else previous[:batch.size]
            _, cache = net.forward(X[:, batch])
            grads = net.backward(Y[:, labels], cache)
            for name in net.params:
                net.params[name] -= learning_rate * grads[name]
            previous = batch
        accs.append(net.accuracy(X_val, y_val))
    return accs


@pytest.mark.parametrize("learner, step", [(sgd_two_permutations, "step 1"), (sgd_neighbours_labels, "step 2")])
def test_train_sgd_refuses_targets_that_belong_to_other_columns(capsys, learner, step):
    assert_failed(check.train_sgd, learner, capsys, f"{SMALL}, {step}: the targets given to backward do not "
                                                    "belong to the batch's columns", "X[:, batch] and Y[:, batch]")
