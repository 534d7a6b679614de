"""The checkers of notebook 04 accept right answers and reject the usual wrong ones with a useful line."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.lessons import forward_prop as fw
from nnlessons.layers import dense_forward as package_dense_forward
from notebook_cells import exercise_sources, run_cells, student_sources

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_forward_prop.ipynb"
N_CASES = 4


def run(checker, fn, capsys):
    """The one line a checker prints, after checking it agrees with the returned verdict."""
    result = checker(fn)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("PASSED  " if result else "FAILED  "), out
    return out


def assert_passed(checker, fn, capsys):
    assert run(checker, fn, capsys) == f"PASSED  {checker.__name__}: all {N_CASES} cases match the reference\n"


def assert_failed(checker, fn, capsys, *fragments):
    out = run(checker, fn, capsys)
    assert out.startswith(f"FAILED  {checker.__name__}: ") and all(f in out for f in fragments), out


def cases_of(checker, monkeypatch):
    """The (description, args) cases a checker runs, captured on the way to check_function."""
    seen = []
    original = check.forward_prop.check_function

    def spy(name, learner, reference, cases, arg_names=None):
        seen.extend(cases)
        return original(name, learner, reference, cases, arg_names)

    monkeypatch.setattr(check.forward_prop, "check_function", spy)
    return seen


def assert_raised(checker, fn, capsys, exc_type, *fragments):
    """The learner's own exception is reported in one line, then re-raised for its traceback."""
    with pytest.raises(exc_type):
        checker(fn)
    out = capsys.readouterr().out
    assert out.startswith(f"FAILED  {checker.__name__}: ") and f"your function raised {exc_type.__name__}" in out, out
    for fragment in fragments:
        assert fragment in out, out


CHECKERS = [check.dense_forward, check.forward_two_layer, check.predict_classes, check.accuracy_score]


def test_exported_names():
    assert set(check.forward_prop.__all__) == {"dense_forward", "forward_two_layer", "predict_classes", "accuracy_score"}
    for name in check.forward_prop.__all__:
        assert getattr(check, name) is getattr(check.forward_prop, name)


# ----------------------------------------------- right answers, stubs, notebook
@pytest.mark.parametrize("checker, fn", [
    (check.dense_forward, lambda A, W, b: package_dense_forward(A, W, b)[0]),
    (check.dense_forward, lambda A, W, b: np.dot(W, A) + b),
    (check.forward_two_layer, fw.forward_two_layer),
    (check.forward_two_layer, lambda X, p: fw.forward_batch(X, p, ["relu", "sigmoid"])),
    (check.predict_classes, fw.predict_classes),
    (check.predict_classes, lambda A: (A > 0.5).astype(int)[0] if len(A) == 1 else A.argmax(axis=0)),
    (check.accuracy_score, fw.accuracy_score),
    (check.accuracy_score, lambda pred, y: np.sum(pred == y) / len(y)),
])
def test_reference_and_other_right_answers_pass(checker, fn, capsys):
    assert_passed(checker, fn, capsys)


def test_not_a_function(capsys):
    assert_failed(check.dense_forward, "W @ A + b", capsys, "expected a function, got a str")


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_the_notebooks_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert len(sources) == 4
    run_cells(sources, NOTEBOOK)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"PASSED  {c.__name__}: all {N_CASES} cases match the reference" for c in CHECKERS]


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook not written yet")
def test_the_handout_version_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    for student, blocks in students:
        assert blocks == 1 and "return" not in student.split("raise NotImplementedError")[1].split("check.")[0]
    run_cells([student for student, _ in students], NOTEBOOK)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"FAILED  {c.__name__}: not implemented yet" for c in CHECKERS]


# -------------------------------------------------------------- dense_forward
def test_dense_forward_rejects_a_missing_bias(capsys):
    assert_failed(check.dense_forward, lambda A, W, b: W @ A, capsys,
                  "on a layer of 2 neurons on 4 inputs, 5 examples: wrong value")


def test_dense_forward_rejects_the_rows_layout_result(capsys):
    assert_failed(check.dense_forward, lambda A, W, b: A.T @ W.T + b.T, capsys,
                  "wrong shape, expected (2, 5), got (5, 2) (transposed?)")


def test_dense_forward_transposed_W_fails_loudly_or_on_the_square_layer(capsys):
    # W.T @ A cannot multiply a 2 x 4 layer: numpy's own error is shown.
    assert_raised(check.dense_forward, lambda A, W, b: W.T @ A + b, capsys, ValueError, "matmul")

    # Where the shapes happen to fit (a square layer), the numbers are wrong.
    def transposes_when_it_can(A, W, b):
        return (W.T if W.shape[0] == W.shape[1] else W) @ A + b

    assert_failed(check.dense_forward, transposes_when_it_can, capsys,
                  "on a layer of 3 neurons on 3 inputs, 3 examples: wrong value")


def test_dense_forward_rejects_a_flat_bias(capsys):
    # b of shape (n,) is added along the wrong axis: an error, or silently wrong numbers.
    assert_raised(check.dense_forward, lambda A, W, b: W @ A + b.ravel(), capsys, ValueError,
                  "could not be broadcast")

    def flat_bias_when_it_broadcasts(A, W, b):
        return W @ A + (b.ravel() if A.shape[1] == W.shape[0] else b)

    assert_failed(check.dense_forward, flat_bias_when_it_broadcasts, capsys,
                  "on a layer of 3 neurons on 3 inputs, 3 examples: wrong value")


def test_dense_forward_rejects_modifying_its_input(capsys):
    def adds_bias_into_A(A, W, b):
        Z = W @ A + b
        A += 1.0  # a stray in-place update of the caller's array
        return Z

    assert_failed(check.dense_forward, adds_bias_into_A, capsys, "modified its input A_prev in place")


# ---------------------------------------------------------- forward_two_layer
def _two_layer(g1, g2, use_b2=True):
    def fn(X, p):
        return g2(p["W2"] @ g1(p["W1"] @ X + p["b1"]) + (p["b2"] if use_b2 else 0.0))
    return fn


@pytest.mark.parametrize("fn", [
    _two_layer(nl.sigmoid, nl.relu),                       # activations swapped
    _two_layer(nl.relu, lambda Z: Z),                      # no output activation
    _two_layer(lambda Z: Z, nl.sigmoid),                   # no hidden activation
    _two_layer(nl.relu, nl.sigmoid, use_b2=False),         # forgot b2
    _two_layer(nl.relu, nl.softmax),                       # softmax instead of sigmoid
])
def test_forward_two_layer_rejects_wrong_activations_or_bias(fn, capsys):
    assert_failed(check.forward_two_layer, fn, capsys, "on a 4 -> 2 -> 3 network on 5 examples: wrong value")


def test_forward_two_layer_cases_make_relu_matter(monkeypatch):
    # Every case has hidden pre-activations of both signs, so dropping ReLU changes the output.
    cases = cases_of(check.forward_two_layer, monkeypatch)
    assert check.forward_two_layer(fw.forward_two_layer)
    Z1s = [p["W1"] @ X + p["b1"] for _, (X, p) in cases]
    assert len(Z1s) == N_CASES and all(np.any(Z > 0) and np.any(Z < 0) for Z in Z1s)


def test_forward_two_layer_rejects_storing_into_params(capsys):
    def keeps_cache_in_params(X, p):
        p["A1"] = nl.relu(p["W1"] @ X + p["b1"])
        return nl.sigmoid(p["W2"] @ p["A1"] + p["b2"])

    assert_failed(check.forward_two_layer, keeps_cache_in_params, capsys, "modified its input params in place")


def test_forward_two_layer_rejects_transposed_weights(capsys):
    assert_raised(check.forward_two_layer,
                  lambda X, p: nl.sigmoid(p["W2"].T @ nl.relu(p["W1"].T @ X + p["b1"]) + p["b2"]),
                  capsys, ValueError, "on a 4 -> 2 -> 3 network on 5 examples")


def test_forward_two_layer_rejects_returning_the_cache(capsys):
    def returns_tuple(X, p):
        A1 = nl.relu(p["W1"] @ X + p["b1"])
        return nl.sigmoid(p["W2"] @ A1 + p["b2"]), A1

    assert_failed(check.forward_two_layer, returns_tuple, capsys,
                  "expected one array of shape (3, 5), got a tuple of 2 values")


# ------------------------------------------------------------ predict_classes
def test_predict_classes_rejects_argmax_over_the_wrong_axis(capsys):
    assert_failed(check.predict_classes, lambda A: A.argmax(axis=1), capsys,
                  "on 10 softmax outputs for 6 examples: wrong shape, expected (6,), got (10,)")

    def wrong_axis_when_square(A):
        return A.argmax(axis=1 if A.shape[0] == A.shape[1] else 0) if A.shape[0] > 1 else (A[0] > 0.5).astype(int)

    assert_failed(check.predict_classes, wrong_axis_when_square, capsys,
                  "on 3 softmax outputs for 3 examples: wrong value")


def test_predict_classes_rejects_argmax_of_a_single_sigmoid_row(capsys):
    assert_failed(check.predict_classes, lambda A: A.argmax(axis=0), capsys,
                  "on one sigmoid output for 7 examples: wrong value")


def test_predict_classes_rejects_flat_argmax_and_unthresholded_output(capsys):
    assert_failed(check.predict_classes, lambda A: np.argmax(A), capsys, "wrong shape, expected (6,), got ()")

    def returns_probabilities_for_one_row(A):
        return A[0] if A.shape[0] == 1 else A.argmax(axis=0)

    assert_failed(check.predict_classes, returns_probabilities_for_one_row, capsys,
                  "on one sigmoid output for 7 examples: wrong value")


def test_predict_classes_rejects_sorting_in_place(capsys):
    def sorts_columns(A):
        A.sort(axis=0)  # modifies the caller's outputs
        return fw.predict_classes(A)

    assert_failed(check.predict_classes, sorts_columns, capsys, "modified its input A in place")


# ------------------------------------------------------------- accuracy_score
@pytest.mark.parametrize("fn, fragment", [
    (lambda pred, y: np.sum(pred == y), "wrong value, expected 0.625, got 5"),       # a count
    (lambda pred, y: np.mean(pred != y), "wrong value, expected 0.625, got 0.375"),  # the error rate
    (lambda pred, y: 100 * np.mean(pred == y), "wrong value, expected 0.625, got 62.5"),  # a percentage
    (lambda pred, y: pred == y, "wrong shape, expected (), got (8,)"),               # no mean
    (lambda pred, y: np.mean(pred[:, None] == y), "wrong value, expected 0.625"),    # broadcast to (m, m)
])
def test_accuracy_score_rejects_wrong_answers(fn, fragment, capsys):
    assert_failed(check.accuracy_score, fn, capsys, "on 8 examples, 5 predicted right: " + fragment)


def test_accuracy_score_rejects_modifying_its_input(capsys):
    def overwrites_pred(pred, y):
        pred[:] = pred == y
        return np.mean(pred)

    assert_failed(check.accuracy_score, overwrites_pred, capsys, "modified its input pred in place")


def test_accuracy_cases_cover_none_and_all_right(monkeypatch):
    # The cases include 0 and m right answers, so an error rate or 1 - accuracy cannot pass by luck.
    cases = cases_of(check.accuracy_score, monkeypatch)
    assert check.accuracy_score(fw.accuracy_score)
    assert [fw.accuracy_score(*args) for _, args in cases] == [0.625, 0.75, 0.0, 1.0]
