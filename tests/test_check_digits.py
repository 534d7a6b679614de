"""Tests of the digits notebook's checkers: they accept right answers and reject the usual slips."""

import pathlib

import numpy as np
import pytest

from nnlessons import check
from nnlessons.mnist import to_columns
from notebook_cells import exercise_sources


def verdict(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1, f"expected one printed line, got {out!r}"
    return out.strip()


def stub(*args):
    raise NotImplementedError("write your solution here")


# ---------------------------------------------------------------- flatten_images
def flatten_solution(images):  # the notebook's solution
    m = images.shape[0]
    return images.reshape(m, -1).T / 255.0


@pytest.mark.parametrize("learner", [flatten_solution, to_columns,
                                     lambda im: np.stack([x.ravel() for x in im], axis=1) / 255])
def test_flatten_images_accepts_right_answers(capsys, learner):
    assert check.flatten_images(learner)
    assert verdict(capsys) == "PASSED  flatten_images: all 3 cases match the reference"


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

    assert not check.flatten_images(binarise_in_place)
    assert "modified its input images in place" in verdict(capsys)


def test_flatten_images_reports_the_learners_error_and_reraises(capsys):
    def divide_in_place(images):
        images /= 255  # uint8 cannot hold the result: numpy raises
        return images

    with pytest.raises(TypeError):
        check.flatten_images(divide_in_place)
    assert "your function raised" in capsys.readouterr().out


# -------------------------------------------------------------------- to_one_hot
def one_hot_solution(labels, n_classes):  # the notebook's solution
    Y = np.zeros((n_classes, labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


@pytest.mark.parametrize("learner", [one_hot_solution, lambda y, n: np.eye(n)[y].T,
                                     lambda y, n: (np.arange(n)[:, None] == y).astype(int)])
def test_to_one_hot_accepts_right_answers(capsys, learner):
    assert check.to_one_hot(learner)
    assert verdict(capsys) == "PASSED  to_one_hot: all 4 cases match the reference"


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
    assert check.confusion_matrix(learner)
    assert verdict(capsys) == "PASSED  confusion_matrix: all 3 cases match the reference"


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
    assert not getattr(check, name)(learner)
    line = verdict(capsys)
    assert line.startswith(f"FAILED  {name}: {message}"), line


@pytest.mark.parametrize("name", ["flatten_images", "to_one_hot", "confusion_matrix"])
def test_stub_is_not_implemented_yet(capsys, name):
    assert not getattr(check, name)(stub)
    assert verdict(capsys) == f"FAILED  {name}: not implemented yet"


def test_checkers_are_exported():
    from nnlessons.check import digits

    assert set(digits.__all__) == {"flatten_images", "to_one_hot", "confusion_matrix"}
    assert all(callable(getattr(check, name)) for name in digits.__all__)


def test_the_notebooks_own_solutions_pass(capsys):
    path = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "06_digits.ipynb"
    namespace = {"np": np}
    names = []
    for source in exercise_sources(path):
        definition, call = source.rsplit("\ncheck.", 1)
        exec(definition, namespace)
        names.append(call.split("(")[0])
    assert names == ["flatten_images", "to_one_hot", "confusion_matrix"]
    for name in names:
        assert getattr(check, name)(namespace[name])
        assert verdict(capsys).startswith(f"PASSED  {name}")
