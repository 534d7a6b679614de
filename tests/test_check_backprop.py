"""The checkers of notebook 05 pass right answers and name the usual backprop mistakes."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.activations import relu_backward as package_relu_backward
from nnlessons.layers import dense_backward as package_dense_backward
from notebook_cells import exercise_sources, run_cells, student_sources

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_backprop.ipynb"
CHECKERS = [check.relu_backward, check.dense_backward, check.softmax_ce_backward]
N_CASES = {"relu_backward": 3, "dense_backward": 4, "softmax_ce_backward": 3}


def verdict_line(checker, fn, capsys):
    """Run a checker; return its single printed line, which must agree with its result."""
    result = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert out.startswith("PASSED  " if result else "FAILED  "), out
    return out


def passes(checker, fn, capsys):
    name = checker.__name__
    assert verdict_line(checker, fn, capsys) == f"PASSED  {name}: all {N_CASES[name]} cases match the reference\n"


def fails(checker, fn, capsys, *fragments):
    out = verdict_line(checker, fn, capsys)
    assert out.startswith(f"FAILED  {checker.__name__}: "), out
    for fragment in fragments:
        assert fragment in out, out


def raises(checker, fn, capsys, exc_type, *fragments):
    """The learner's exception is reported in one line and re-raised for its traceback."""
    with pytest.raises(exc_type):
        checker(fn)
    out = capsys.readouterr().out
    assert out.startswith(f"FAILED  {checker.__name__}: on "), out
    assert f"your function raised {exc_type.__name__}" in out, out
    for fragment in fragments:
        assert fragment in out, out


def test_exported_and_reachable_from_check():
    assert set(check.backprop.__all__) == {c.__name__ for c in CHECKERS}
    for name in check.backprop.__all__:
        assert getattr(check, name) is getattr(check.backprop, name)


# ------------------------------------------------------------ common behaviour
@pytest.mark.parametrize("checker", CHECKERS)
def test_not_a_function(checker, capsys):
    fails(checker, "A - Y", capsys, "expected a function, got a str")


# ------------------------------------------------------------- relu_backward
@pytest.mark.parametrize("fn", [
    package_relu_backward,
    lambda dA, Z: dA * (Z > 0),
    lambda dA, Z: np.where(Z > 0, dA, 0.0),
    lambda dA, Z: dA * (nl.relu(Z) > 0),   # A > 0 is the same mask as Z > 0
])
def test_relu_backward_right_answers(fn, capsys):
    passes(check.relu_backward, fn, capsys)


def test_relu_backward_kink_convention(capsys):
    # z = 0 counts as inactive; >= lets the gradient through there.
    fails(check.relu_backward, lambda dA, Z: dA * (Z >= 0), capsys,
          "on a batch where row 1 of Z is exactly 0: wrong value at index (1, 0), expected 0, got")


@pytest.mark.parametrize("fn, fragment", [
    (lambda dA, Z: -dA * (Z > 0), "on a layer of 3 neurons, 4 examples: wrong value"),        # sign
    (lambda dA, Z: (Z > 0).astype(float), "on a layer of 3 neurons, 4 examples: wrong value"),  # forgot dA
    (lambda dA, Z: dA * (dA > 0), "on a layer of 3 neurons, 4 examples: wrong value"),       # mask from dA
    (lambda dA, Z: dA * nl.relu(Z), "on a layer of 3 neurons, 4 examples: wrong value"),      # A, not R'(Z)
    (lambda dA, Z: (dA * (Z > 0)).T, "wrong shape, expected (3, 4), got (4, 3) (transposed?)"),
    (lambda dA, Z: dA * (Z > 0) / Z.shape[1], "wrong value"),                                  # a stray 1/m
])
def test_relu_backward_wrong_answers(fn, fragment, capsys):
    fails(check.relu_backward, fn, capsys, fragment)


def test_relu_backward_in_place(capsys):
    def zero_out_dA(dA, Z):
        dA[Z <= 0] = 0.0
        return dA

    fails(check.relu_backward, zero_out_dA, capsys, "modified its input dA in place")


# ------------------------------------------------------------ dense_backward
def solution_dense_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def altered(dA_prev=None, dW=None, db=None):
    """The right dense_backward with one of its three results computed another way."""
    def fn(dZ, cache):
        A_prev, W, _ = cache
        m = A_prev.shape[1]
        right = solution_dense_backward(dZ, cache)
        return tuple(r if f is None else f(dZ, A_prev, W, m)
                     for r, f in zip(right, (dA_prev, dW, db)))
    return fn


@pytest.mark.parametrize("fn", [
    package_dense_backward,
    solution_dense_backward,
    altered(dW=lambda dZ, A, W, m: np.einsum("ik,jk->ij", dZ, A) / m),
    altered(db=lambda dZ, A, W, m: dZ.mean(axis=1, keepdims=True)),
])
def test_dense_backward_right_answers(fn, capsys):
    passes(check.dense_backward, fn, capsys)


@pytest.mark.parametrize("fn, fragment", [
    # dW transposed: A_prev dZ^T
    (altered(dW=lambda dZ, A, W, m: A @ dZ.T / m),
     "on 3 neurons, 4 inputs, 5 examples, value 2 of 3: wrong shape, expected (3, 4), got (4, 3) (transposed?)"),
    # the 1/m forgotten in dW, or in db
    (altered(dW=lambda dZ, A, W, m: dZ @ A.T), "value 2 of 3: wrong value"),
    (altered(db=lambda dZ, A, W, m: dZ.sum(axis=1, keepdims=True)), "value 3 of 3: wrong value"),
    # a 1/m too many in dA_prev (per example, it has none)
    (altered(dA_prev=lambda dZ, A, W, m: W.T @ dZ / m), "value 1 of 3: wrong value"),
    # db without keepdims
    (altered(db=lambda dZ, A, W, m: dZ.sum(axis=1) / m), "value 3 of 3: wrong shape, expected (3, 1), got (3,)"),
    # db summed over the wrong axis
    (altered(db=lambda dZ, A, W, m: dZ.sum(axis=0, keepdims=True) / m),
     "value 3 of 3: wrong shape, expected (3, 1), got (1, 5)"),
    # sign error
    (altered(dW=lambda dZ, A, W, m: -dZ @ A.T / m), "value 2 of 3: wrong value"),
    # the wrong cache entry: the next layer's ReLU mask taken from A_prev
    (altered(dA_prev=lambda dZ, A, W, m: (W.T @ dZ) * (A > 0)), "value 1 of 3: wrong value"),
])
def test_dense_backward_wrong_answers(fn, fragment, capsys):
    fails(check.dense_backward, fn, capsys, fragment)


def test_dense_backward_results_in_the_wrong_order(capsys):
    def dW_first(dZ, cache):
        dA_prev, dW, db = solution_dense_backward(dZ, cache)
        return dW, db, dA_prev

    fails(check.dense_backward, dW_first, capsys, "value 1 of 3: wrong shape, expected (4, 5), got (3, 4)")


def test_dense_backward_two_results_only(capsys):
    fails(check.dense_backward, lambda dZ, cache: solution_dense_backward(dZ, cache)[1:], capsys,
          "expected a tuple of 3 values")


def test_dense_backward_untransposed_W_raises(capsys):
    # W @ dZ cannot multiply (3, 4) by (3, 5): numpy's own error reaches the learner.
    raises(check.dense_backward, altered(dA_prev=lambda dZ, A, W, m: W @ dZ), capsys, ValueError, "matmul")


def test_dense_backward_transpose_that_fits_only_when_square(capsys):
    def W_not_transposed_when_square(dZ, cache):
        A_prev, W, b = cache
        dA_prev, dW, db = solution_dense_backward(dZ, cache)
        return (W @ dZ if W.shape[0] == W.shape[1] else dA_prev), dW, db

    fails(check.dense_backward, W_not_transposed_when_square, capsys,
          "on a square layer (3 neurons, 3 inputs, 3 examples), value 1 of 3: wrong value")


def test_dense_backward_in_place(capsys):
    def scales_dZ_in_place(dZ, cache):
        A_prev, W, _ = cache
        m = A_prev.shape[1]
        dA_prev = W.T @ dZ
        dZ /= m
        return dA_prev, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)

    fails(check.dense_backward, scales_dZ_in_place, capsys, "modified its input dZ in place")


def test_dense_backward_in_place_on_the_cache(capsys):
    def centres_A_prev(dZ, cache):
        out = solution_dense_backward(dZ, cache)
        cache[0][...] = 0.0
        return out

    fails(check.dense_backward, centres_A_prev, capsys, "modified its input cache in place")


# ------------------------------------------------------- softmax_ce_backward
@pytest.mark.parametrize("fn", [
    lambda A, Y: A - Y,
    nl.losses.softmax_cce_dZ,
    lambda A, Y: A * (1.0 - Y) - Y * (1.0 - A),   # the same thing, expanded
])
def test_softmax_ce_backward_right_answers(fn, capsys):
    passes(check.softmax_ce_backward, fn, capsys)


def test_softmax_ce_backward_agrees_with_the_jacobian_route(capsys):
    # The long derivation in the notebook, fed the probabilities: the same dZ.
    def through_jacobian(A, Y):
        return np.stack([(np.diag(a) - np.outer(a, a)).T @ (-y / a) for a, y in zip(A.T, Y.T)], axis=1)

    passes(check.softmax_ce_backward, through_jacobian, capsys)


@pytest.mark.parametrize("fn, fragment", [
    (lambda A, Y: (A - Y) / A.shape[1], "on 3 classes, 5 examples: wrong value"),   # 1/m: not per example
    (lambda A, Y: Y - A, "on 3 classes, 5 examples: wrong value"),                  # sign
    (lambda A, Y: -Y / A, "on 3 classes, 5 examples: wrong value"),                 # dA, not dZ
    (lambda A, Y: (A - Y) * A * (1 - A), "on 3 classes, 5 examples: wrong value"),  # an extra sigmoid'
    (lambda A, Y: (A - Y).T, "wrong shape, expected (3, 5), got (5, 3) (transposed?)"),
    (lambda A, Y: (A - Y).sum(axis=1, keepdims=True), "wrong shape, expected (3, 5), got (3, 1)"),
])
def test_softmax_ce_backward_wrong_answers(fn, fragment, capsys):
    fails(check.softmax_ce_backward, fn, capsys, fragment)


def test_softmax_ce_backward_in_place(capsys):
    def subtract_in_place(A, Y):
        A -= Y
        return A

    fails(check.softmax_ce_backward, subtract_in_place, capsys, "modified its input A in place")


# --------------------------------------------------------------- the notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 05 not written yet")
def test_the_notebooks_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert len(sources) == len(CHECKERS)
    run_cells(sources, NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"PASSED  {c.__name__}: all {N_CASES[c.__name__]} cases match the reference"
                     for c in CHECKERS]


@pytest.mark.skipif(not NOTEBOOK.exists() or not (ROOT / "tools" / "handouts.py").exists(),
                    reason="notebook 05 or the handout tool missing")
def test_the_handout_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    for student, blocks in students:
        assert blocks == 1 and "BEGIN SOLUTION" not in student
    run_cells([student for student, _ in students], NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"FAILED  {c.__name__}: not implemented yet" for c in CHECKERS]
