"""The checkers of notebook 04 accept right answers, report stubs, and name the usual wrong ones."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.check import forward_prop as checks
from nnlessons.layers import dense_forward as package_dense_forward
from nnlessons.lessons import forward_prop as fw
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import assert_failed, assert_passed, assert_raised
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_forward_prop.ipynb"
CHECKERS = [check.dense_forward, check.forward]
G = {"identity": nl.activations.identity, "relu": nl.relu, "tanh": nl.tanh, "sigmoid": nl.sigmoid,
     "softmax": nl.softmax}


def test_exercises_in_notebook_order_and_reachable_from_check():
    assert checks.EXERCISES == ("dense_forward", "forward") == tuple(checks.__all__)
    for name in checks.EXERCISES:
        assert getattr(check, name) is getattr(checks, name)


# --------------------------------------------------------------- the notebook
def test_the_notebooks_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert [s.rstrip().splitlines()[-1] for s in sources] == [f"check.{n}({n})" for n in checks.EXERCISES]
    run_cells(sources, NOTEBOOK)
    assert capsys.readouterr().out.splitlines() == [f"PASSED  {c.__name__}: all {n} cases match the reference"
                                                    for c, n in zip(CHECKERS, (4, 6))]


def test_the_handout_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    assert [blocks for _, blocks in students] == [1, 1]
    run_cells([student for student, _ in students], NOTEBOOK)
    assert capsys.readouterr().out.splitlines() == [f"FAILED  {c.__name__}: not implemented yet" for c in CHECKERS]


# -------------------------------------------------------------- dense_forward
@pytest.mark.parametrize("fn", [
    lambda A, W, b: package_dense_forward(A, W, b)[0],
    lambda A, W, b: np.dot(W, A) + b,
    lambda A, W, b: (A.T @ W.T + b.T).T,                          # the rows layout, transposed back
    lambda A, W, b: (W @ A + b).tolist(),
])
def test_dense_forward_right_answers(fn, capsys):
    assert_passed(check.dense_forward, fn, capsys, "all 4 cases match the reference")


@pytest.mark.parametrize("fn, fragments", [
    (lambda A, W, b: W @ A, ["wrong value", "hint: the bias is missing"]),
    (lambda A, W, b: W @ A - b, ["hint: the bias has the wrong sign"]),
    (lambda A, W, b: A.T @ W.T + b.T, ["on a layer of 3 neurons on 3 inputs, 3 examples: wrong value",
                                       "hint: that is Z transposed, the rows layout"]),
    (lambda A, W, b: W.T @ A + b, ["wrong value", "hint: W is transposed"]),
    (lambda A, W, b: W @ A + b.ravel(), ["wrong value", "hint: the bias was added as a flat (n_out,) vector"]),
    (lambda A, W, b: W @ A + b.sum(), ["wrong value"]),
    (lambda A, W, b: (W @ A + b)[:, :1], ["wrong shape, expected (3, 3), got (3, 1)"]),
    (lambda A, W, b: None, ["returned None"]),
])
def test_dense_forward_wrong_answers(fn, fragments, capsys):
    assert_failed(check.dense_forward, fn, capsys, *fragments)


def test_dense_forward_first_case_is_square():
    """A transposed W or a flat bias gives numbers on the first case, so the slip is named, not a numpy error."""
    (_, (A, W, b)), = nl.check.random_cases(lambda rng, i: checks._layer_args(rng, 3, 3, 3), ["x"], seed=4)
    assert W.shape[0] == W.shape[1] == A.shape[1]


def test_dense_forward_an_unnamed_shape_error_raises_with_its_own_error(capsys):
    assert_raised(check.dense_forward, lambda A, W, b: W @ np.vstack([A, A]) + b, capsys, ValueError, "matmul")


def test_dense_forward_in_place(capsys):
    def in_place(A, W, b):
        A *= 1.0
        A += 1.0
        return W @ (A - 1.0) + b

    assert_failed(check.dense_forward, in_place, capsys, "modified its input A_prev in place")


# -------------------------------------------------------------------- forward
def right_forward(X, params, activations):
    A, cache = X, {"A0": X}
    for l, name in enumerate(activations, start=1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        A = G[name](Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def rows_forward(X, params, activations):
    """Computed in the rows layout and transposed back, returned as a list: still right."""
    A, cache = X.T, {"A0": X}
    for l, name in enumerate(activations, start=1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"].ravel()
        A = G[name](Z.T).T
        cache[f"Z{l}"], cache[f"A{l}"] = Z.T, A.T
    return [A.T, cache]


@pytest.mark.parametrize("fn", [right_forward, rows_forward, fw.forward,
                                lambda X, p, a: fw.network_from_params(p, a).forward(X)])
def test_forward_right_answers(fn, capsys):
    assert_passed(check.forward, fn, capsys, "all 6 cases match the reference")


def slipped(**kw):
    return lambda *a: checks._slip(*a, **kw)


@pytest.mark.parametrize("fn, fragments", [
    (slipped(flat_bias=True), ["wrong value", "hint: the bias was added as a flat (n,) vector"]),
    (slipped(transpose_W=True), ["hint: W is transposed"]),
    (slipped(softmax_over=1), ["hint: softmax normalised each row"]),
    (slipped(softmax_over=None), ["hint: softmax normalised the whole array at once"]),
    (slipped(keep_A0=False), ["expected a dict with keys", "hint: the cache has no 'A0'"]),
    (slipped(last_activation=False), ["hint: the last layer's activation is missing"]),
    (slipped(one_short=True), ["wrong value", "hint: the loop stops one layer early"]),
    (lambda *a: right_forward(*a)[0], ["expected a tuple of 2 values", "hint: return the pair (A_L, cache)"]),
    (lambda *a: right_forward(*a)[::-1], ["value 1 of 2 (A_L): expected one array of shape (3, 3), got a dict"]),
])
def test_forward_wrong_answers_are_named(fn, fragments, capsys):
    assert_failed(check.forward, fn, capsys, *fragments)


def test_forward_every_slip_changes_every_case():
    """Each hint is reachable: on every case, every slip gives a different answer from the reference."""
    for description, args in nl.check.random_cases(checks._network_case, ["x"] * 4, seed=404):
        expected, _ = fw.forward(*args)
        for kw in [dict(flat_bias=True), dict(transpose_W=True), dict(last_activation=False),
                   dict(one_short=True)]:
            got, _ = checks._slip(*args, **kw)
            assert got.shape != expected.shape or not np.allclose(got, expected), (description, kw)
        if args[2][-1] == "softmax" and args[0].shape[1] > 1:  # one column: the whole array is the column
            for kw in [dict(softmax_over=1), dict(softmax_over=None)]:
                got, _ = checks._slip(*args, **kw)
                assert not np.allclose(got, expected), (description, kw)


def test_forward_one_layer_only(capsys):
    def first_layer_only(X, params, activations):
        Z = params["W1"] @ X + params["b1"]
        A = G[activations[0]](Z)
        return A, {"A0": X, "Z1": Z, "A1": A}

    assert_failed(check.forward, first_layer_only, capsys, "wrong value")


def test_forward_storing_into_params_is_caught(capsys):
    def stores(X, params, activations):
        A, cache = right_forward(X, params, activations)
        params["A_L"] = A
        return A, cache

    assert_failed(check.forward, stores, capsys, "modified its input params in place")


def test_forward_learners_exception_is_reported_then_raised(capsys):
    assert_raised(check.forward, lambda X, p, a: G["relu"](p["W0"] @ X), capsys, KeyError, "'W0'")


# -- a learner's slips beyond the classic ones ---------------------------------

@pytest.mark.parametrize("wrong, fragment", [
    (lambda A_prev, W, b: A_prev @ W + b, "hint: the product runs the wrong way"),
    (lambda A_prev, W, b: W * A_prev + b, "hint: * multiplies entry by entry"),
    (lambda A_prev, W, b: nl.relu(W @ A_prev + b), "hint: dense_forward returns Z, before any activation"),
])
def test_dense_forward_names_more_slips(wrong, fragment, capsys):
    assert_failed(check.dense_forward, wrong, capsys, fragment)


ACTIVATIONS = {"relu": nl.relu, "tanh": nl.tanh, "sigmoid": nl.sigmoid, "softmax": nl.softmax}


def forward_with(slip):
    """A learner's forward pass; ``slip`` names the one mistake in it."""
    def forward(X, params, activations):
        A, cache = X, {"A0": X}
        for l, name in enumerate(activations, start=1):
            Z = params[f"W{l}"] @ (X if slip == "from X" else A) + params[f"b{l}"]
            if slip == "A before":
                cache[f"Z{l}"], cache[f"A{l}"] = Z, A
                A = ACTIVATIONS[name](Z)
                continue
            if slip == "relu in place" and name == "relu":
                A = Z
                A[A < 0] = 0
            else:
                A = ACTIVATIONS["relu" if slip == "relu only" else name](Z)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
            if slip == "return in loop":
                return A, cache
        if slip == "AL key":
            cache["AL"] = A
        return (cache, A) if slip == "swapped" else (A, cache)
    return forward


@pytest.mark.parametrize("slip, fragment", [
    ("return in loop", "hint: only the first layer ran"),
    ("from X", "hint: every layer was fed X"),
    ("relu only", "hint: every layer used ReLU"),
    ("relu in place", "key 'Z1'"),
    ("relu in place", "hint: Z was changed by the ReLU"),
    ("A before", "hint: cache['Al'] holds the layer's input"),
    ("swapped", "hint: return the pair in the order (A_L, cache)"),
    ("AL key", "(unexpected 'AL')"),
])
def test_forward_names_more_slips(slip, fragment, capsys):
    assert_failed(check.forward, forward_with(slip), capsys, fragment)


# ------------------------------------------- answers that passed the square networks alone
def _loop_forward(make_Z, activation=lambda name, l, activations: name):
    def forward(X, params, activations):
        A, cache = X, {"A0": X}
        for l, name in enumerate(activations, start=1):
            Z = make_Z(A, params[f"W{l}"], params[f"b{l}"])
            A = G[activation(name, l, activations)](Z)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return A, cache
    return forward


def _preallocated_assign(A, W, b):
    Z = np.zeros(A.shape)  # the output takes the input's shape: right only while they agree
    Z[:] = W @ A + b
    return Z


def _preallocated_add(A, W, b):
    Z = np.zeros(A.shape)
    Z += W @ A + b
    return Z


@pytest.mark.parametrize("make_Z", [_preallocated_assign, _preallocated_add])
def test_forward_preallocating_Z_with_the_inputs_shape_fails_naming_it(make_Z, capsys):
    line = assert_raised(check.forward, _loop_forward(make_Z), capsys, ValueError,
                         "on a 3 -> 5 -> 2 network (tanh, softmax) on 7 examples",
                         "hint: layer 1's Z has shape (5, 7)", "np.zeros(A.shape)")
    assert "cannot hold it" in line


def test_forward_cases_include_uneven_layers_and_a_batch_of_another_size():
    for _, (X, params, activations) in [c for c in
                                        checks.random_cases(checks._network_case, ["x"] * 6, seed=404)[4:]]:
        widths = [X.shape[0]] + [params[f"W{l}"].shape[0] for l in range(1, len(activations) + 1)]
        assert all(a != b for a, b in zip(widths, widths[1:])), widths
        assert X.shape[1] not in widths


def test_forward_returning_Z_L_is_named(capsys):
    def returns_Z(X, params, activations):
        A, cache = right_forward(X, params, activations)
        return cache[f"Z{len(activations)}"], cache
    assert_failed(check.forward, returns_Z, capsys, "value 1 of 2 (A_L): wrong value",
                  "hint: the first value returned is Z_L, before the activation")


def test_forward_using_the_first_activation_everywhere_is_named(capsys):
    first = _loop_forward(lambda A, W, b: W @ A + b, activation=lambda name, l, acts: acts[0])
    assert_failed(check.forward, first, capsys, "hint: every layer used the first activation, activations[0]")


def test_forward_right_loop_passes_the_uneven_networks(capsys):
    assert_passed(check.forward, _loop_forward(lambda A, W, b: W @ A + b), capsys,
                  "all 6 cases match the reference")
