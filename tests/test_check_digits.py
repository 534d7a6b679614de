"""Tests of the digits notebook's checkers: they accept right answers and reject the usual slips."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check, mnist
from nnlessons.check import digits as check_digits
from nnlessons.layers import dense_backward, dense_forward
from nnlessons.mnist import to_columns
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import assert_failed, assert_not_implemented, assert_passed, assert_raised, verdict

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "06_digits.ipynb"


# --------------------------------------------------------------------- train_sgd
def sgd_solution(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):  # the notebook's
    Y = nl.one_hot(y, 10 if net.sizes[-1] == 10 else net.sizes[-1])
    m = X.shape[1]
    val_accuracy = []
    for epoch in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            A, cache = net.forward(X[:, batch])
            grads = net.backward(Y[:, batch], cache)
            for name in net.params:
                net.params[name] -= learning_rate * grads[name]
        val_accuracy.append(np.mean(net(X_val).argmax(axis=0) == y_val))
    return val_accuracy


def sgd_with_layers(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """A correct loop on the package's layers and its own backward, percentages, rng.shuffle, labels to backward."""
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
        out.append(100 * net.accuracy(X_val, y_val))
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


def test_train_sgd_stub_is_not_implemented_yet(capsys):
    assert_not_implemented(check.train_sgd, capsys)


def test_train_sgd_reports_the_learners_error_and_reraises(capsys):
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


def test_train_sgd_end_to_end_fails_below_the_threshold(capsys, small_digits):
    # every step is right, but one epoch on 2,000 images cannot reach 99%
    assert_failed(on_digits(small_digits, epochs=1, threshold=0.99), sgd_solution, capsys,
                  "on 2,000 images for 1 epochs", "below 99%")


def test_train_sgd_end_to_end_checks_the_returned_accuracies(capsys, small_digits):
    def off_by_one_epoch(*args):
        return [0.0] + list(sgd_solution(*args))[:-1]

    # on the small problem the first epoch's accuracy is caught already
    assert_failed(check.train_sgd, off_by_one_epoch, capsys, "after epoch 1 you returned validation accuracy 0.0000")
