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
from verdicts import (assert_failed, assert_not_implemented, assert_passed, assert_raised, assert_traceback_below,
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


# ---------------------------------------------------------------- flatten_images
def flatten_solution(images):  # the notebook's solution
    m = images.shape[0]
    return images.reshape(m, -1).T / 255.0


@pytest.mark.parametrize("learner", [flatten_solution, to_columns,
                                     lambda im: np.stack([x.ravel() for x in im], axis=1) / 255])
def test_flatten_images_accepts_right_answers(capsys, learner):
    assert_passed(check.flatten_images, learner, capsys, "all 3 cases match the reference")


FLATTEN_SLIPS = [
    (lambda im: im.reshape(im.shape[0], -1) / 255.0,
     "on 5 random images: wrong shape, expected (784, 5), got (5, 784) (transposed?)"),
    (lambda im: im.reshape(im.shape[0], -1).T, "on 5 random images: wrong value at index"),
    # the right shape, but each column mixes pixels of several images
    (lambda im: im.reshape(784, -1) / 255.0, "on 5 random images: wrong value at index"),
    (lambda im: im.reshape(im.shape[0], 28, 28).T.reshape(784, -1) / 255.0,
     "on 5 random images: wrong value at index"),
    (lambda im: None, "on 5 random images: your function returned None"),
]


def test_flatten_images_catches_input_changed_in_place(capsys):
    def binarise_in_place(images):
        images[images > 0] = 255
        return images.reshape(images.shape[0], -1).T / 255.0

    assert_failed(check.flatten_images, binarise_in_place, capsys, "modified its input images in place")


def test_flatten_images_reports_the_learners_error_with_its_traceback(capsys):
    def divide_in_place(images):
        images /= 255  # uint8 cannot hold the result: numpy raises
        return images

    with pytest.raises(TypeError) as numpys:  # its class, whose name numpy's traceback gives
        divide_in_place(np.zeros(3, np.uint8))
    result = check.flatten_images(divide_in_place)
    out = capsys.readouterr().out
    assert not result and "UFuncTypeError" in result.message
    line, _ = assert_traceback_below(out, numpys.type, divide_in_place)
    assert line.startswith("FAILED  flatten_images: on 5 random images, your function raised UFuncTypeError"), out


# -------------------------------------------------------------------- to_one_hot
def one_hot_solution(labels, n_classes):  # the notebook's solution
    Y = np.zeros((n_classes, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


@pytest.mark.parametrize("learner", [one_hot_solution, lambda y, n: np.eye(n)[y].T,
                                     lambda y, n: (np.arange(n)[:, None] == y).astype(int)])
def test_to_one_hot_accepts_right_answers(capsys, learner):
    assert_passed(check.to_one_hot, learner, capsys, "all 4 cases match the reference")


def sort_in_place(labels, n_classes):
    labels.sort()
    return np.eye(n_classes)[labels].T


ONE_HOT_SLIPS = [
    (lambda y, n: np.eye(n)[y],
     "on 7 labels, 10 classes: wrong shape, expected (10, 7), got (7, 10) (transposed?)"),
    # n_classes taken from the labels instead of the argument
    (lambda y, n: np.eye(y.max() + 1)[y].T, "on 7 labels, 10 classes: wrong shape, expected (10, 7), got (8, 7)"),
    (lambda y, n: np.eye(n)[:, :y.size], "on 7 labels, 10 classes: wrong value at index"),
    (lambda y, n: None, "on 7 labels, 10 classes: your function returned None"),
    (sort_in_place, "on 7 labels, 10 classes: your function modified its input labels in place"),
]


# -------------------------------------------------------------- confusion_matrix
def confusion_solution(true, predicted, n_classes):  # the notebook's solution
    C = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(true, predicted):
        C[t, p] += 1
    return C


def fancy_index_add(true, predicted, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    C[true, predicted] += 1  # a repeated (t, p) pair is counted once
    return C


def swapped(true, predicted, n_classes):
    return confusion_solution(predicted, true, n_classes)


def from_labels(true, predicted, n_classes):
    n = int(max(true.max(), predicted.max())) + 1
    return confusion_solution(true, predicted, n)


def add_at(true, predicted, n_classes):
    C = np.zeros((n_classes, n_classes))
    np.add.at(C, (true, predicted), 1)
    return C


@pytest.mark.parametrize("learner", [confusion_solution, add_at])
def test_confusion_matrix_accepts_right_answers(capsys, learner):
    assert_passed(check.confusion_matrix, learner, capsys, "all 3 cases match the reference")


CONFUSION_SLIPS = [
    (swapped, "on 40 examples, 4 classes: wrong value at index"),
    (fancy_index_add, "on 40 examples, 4 classes: wrong value at index"),
    (from_labels, "on 9 examples, 6 classes, class 5 never seen: wrong shape, expected (6, 6), got (5, 5)"),
    (lambda t, p, n: None, "on 40 examples, 4 classes: your function returned None"),
]


# ----------------------------------------------------------- every checker
SLIPS = ([("flatten_images", *s) for s in FLATTEN_SLIPS] + [("to_one_hot", *s) for s in ONE_HOT_SLIPS]
         + [("confusion_matrix", *s) for s in CONFUSION_SLIPS])


@pytest.mark.parametrize("name, learner, message", SLIPS)
def test_rejects_slips_with_the_right_message(capsys, name, learner, message):
    line = assert_failed(getattr(check, name), learner, capsys)
    assert line.startswith(f"FAILED  {name}: {message}"), line


@pytest.mark.parametrize("name, learner, hint", [
    ("flatten_images", lambda im: im.reshape(784, -1) / 255.0, "mixes the pixels of several images"),
    ("flatten_images", lambda im: im.reshape(im.shape[0], -1).T, "divide by 255"),
    ("flatten_images", lambda im: im.reshape(im.shape[0], -1).T // 255, "// is integer division"),
    ("flatten_images", lambda im: im.reshape(im.shape[0], 28, 28).T.reshape(784, -1) / 255.0,
     "flattened column by column"),
    ("flatten_images", lambda im: im.reshape(im.shape[0], -1, order="F").T / 255.0, "flattened column by column"),
    ("to_one_hot", lambda y, n: np.eye(y.max() + 1)[y].T, "take the number of rows from n_classes"),
    ("confusion_matrix", fancy_index_add, "np.add.at"),
    ("confusion_matrix", swapped, "rows are the true classes"),
    ("confusion_matrix", from_labels, "take the size from n_classes"),
])
def test_the_slips_the_exercise_text_warns_of_are_named(capsys, name, learner, hint):
    line = assert_failed(getattr(check, name), learner, capsys)
    assert "(hint: " in line and hint in line.split("(hint: ", 1)[1], line


def test_checkers_are_exported_in_notebook_order():
    assert check_digits.EXERCISES == ("train_sgd", "flatten_images", "to_one_hot", "confusion_matrix")
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

@pytest.mark.parametrize("learner", [
    lambda images: images.reshape(images.shape[0], -1).T / images.max(),
    lambda images: (lambda x: (x - x.min()) / (x.max() - x.min()))(images.reshape(images.shape[0], -1).T.astype(float)),
])
def test_flatten_images_rejects_dividing_by_the_brightest_pixel(capsys, learner):
    # Random uint8 images nearly always hold a 255, so x / x.max() passed.
    assert_failed(check.flatten_images, learner, capsys, "on 1 random image",
                  "hint: divide by 255, the largest value a uint8 pixel can take")


def test_to_one_hot_names_ten_rows_hard_coded(capsys):
    assert_failed(check.to_one_hot, lambda labels, n_classes: np.eye(10)[:, labels], capsys,
                  "on 4 labels, 3 classes", "hint: take the number of rows from n_classes, not 10")


@pytest.mark.parametrize("empty_row", ["nan", "zero"])
def test_confusion_matrix_names_row_fractions(capsys, empty_row):
    def fractions(true, predicted, n_classes):
        C = np.zeros((n_classes, n_classes))
        np.add.at(C, (true, predicted), 1)
        totals = C.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            return C / totals if empty_row == "nan" else C / np.maximum(totals, 1)

    assert_failed(check.confusion_matrix, fractions, capsys, "hint: C counts examples")


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
