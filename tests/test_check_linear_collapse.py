"""The checkers of notebook 03 accept right answers and reject the usual wrong ones with a useful line."""

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.lessons import linear_collapse as lc
from nnlessons.activations import relu_derivative, sigmoid_derivative
from notebook_cells import ROOT, exercise_sources, run_cells
from verdicts import assert_failed, assert_passed, assert_raised
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

NOTEBOOK = ROOT / "notebooks" / "03_linear_collapse.ipynb"


def assert_all_cases_pass(checker, fn, capsys, n_cases):
    return assert_passed(checker, fn, capsys, f"all {n_cases} cases match the reference")


# The solutions exactly as written in the notebook's exercise cells.

def nb_collapse(layers):
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W = W_l @ W
        b = W_l @ b + b_l
    return W, b


def nb_relu_derivative(Z):
    return (Z > 0).astype(float)


def nb_sigmoid_derivative(Z):
    s = nl.sigmoid(Z)
    return s * (1 - s)


def nb_relu_kinks(W1, b1, W2):
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    active = (w != 0) & (v != 0)
    return np.unique(-c[active] / w[active])


def test_exported_names():
    assert check.linear_collapse.EXERCISES == ("collapse", "relu_derivative", "sigmoid_derivative", "relu_kinks")
    assert set(check.linear_collapse.__all__) == set(check.linear_collapse.EXERCISES)
    for name in check.linear_collapse.__all__:
        assert getattr(check, name) is getattr(check.linear_collapse, name)


@pytest.mark.parametrize("checker, fns, n_cases", [
    (check.collapse, [lc.collapse, nb_collapse], 5),
    (check.relu_derivative, [relu_derivative, nb_relu_derivative], 4),
    (check.sigmoid_derivative, [sigmoid_derivative, nb_sigmoid_derivative], 4),
    (check.relu_kinks, [lc.relu_kinks, nb_relu_kinks], 5),
])
def test_reference_and_notebook_solution_pass(checker, fns, n_cases, capsys):
    for fn in fns:
        assert_all_cases_pass(checker, fn, capsys, n_cases)


def test_notebook_solutions_pass(capsys):
    run_cells(exercise_sources(NOTEBOOK), NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"PASSED  {name}" for name in check.linear_collapse.EXERCISES]


# ------------------------------------------------------------------ collapse
def wrong_order(layers):
    # W1 @ W2 @ W3 instead of W3 @ W2 @ W1
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W = W @ W_l
        b = W_l @ b + b_l
    return W, b


def biases_not_carried(layers):
    # earlier biases are added as they are, not passed through the later layers
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W = W_l @ W
        b = b + b_l
    return W, b


def last_bias_only(layers):
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W = W_l @ W
        b = b_l
    return W, b


def transposed(layers):
    W, b = nb_collapse(layers)
    return W.T, b


def bias_as_vector(layers):
    W, b = nb_collapse(layers)
    return W, b[:, 0]


def forgot_return(layers):
    nb_collapse(layers)


def only_W(layers):
    return nb_collapse(layers)[0]


def accumulates_into_the_layers(layers):
    # right numbers, but it writes into the caller's bias arrays
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W = W_l @ W
        b_l += W_l @ b
        b = b_l
    return W, b


def test_collapse_rejects_wrong_order(capsys):
    # the slip raises on non-square layers, and is still named
    assert_failed(check.collapse, wrong_order, capsys, "on three 3x3 layers, value 1 of 2 (W): wrong value",
                  "hint: the product runs the wrong way")


@pytest.mark.parametrize("fn, hint", [(biases_not_carried, "hint: the earlier biases must pass through"),
                                      (last_bias_only, "hint: the earlier biases are lost")])
def test_collapse_rejects_biases_not_carried(fn, hint, capsys):
    assert_failed(check.collapse, fn, capsys, "on three 3x3 layers, value 2 of 2 (b): wrong value", hint)


def test_collapse_names_no_slip_for_an_unrelated_mistake(capsys):
    line = assert_failed(check.collapse, lambda layers: (nb_collapse(layers)[0] * 2, nb_collapse(layers)[1]), capsys,
                         "on one layer 2 -> 3, value 1 of 2 (W): wrong value")
    assert "hint" not in line
    line = assert_failed(check.collapse, transposed, capsys, "on one layer 2 -> 3")
    assert "hint" not in line


def test_collapse_rejects_transposed_and_misshaped(capsys):
    assert_failed(check.collapse, transposed, capsys,
                  "on one layer 2 -> 3, value 1 of 2 (W): wrong shape, expected (3, 2), got (2, 3) (transposed?)")
    assert_failed(check.collapse, bias_as_vector, capsys,
                  "value 2 of 2 (b): wrong shape, expected (3, 1), got (3,)")


def test_collapse_rejects_none_and_a_single_array(capsys):
    assert_failed(check.collapse, forgot_return, capsys, "returned None")
    assert_failed(check.collapse, only_W, capsys, "expected a tuple of 2 values, got an array of shape (3, 2)")


def test_collapse_rejects_modifying_the_layers(capsys):
    assert_failed(check.collapse, accumulates_into_the_layers, capsys,
                  "on three 3x3 layers: your function modified its input layers in place")


def test_collapse_shows_the_learners_own_error(capsys):
    def indexes_past_the_end(layers):
        return layers[0][0] @ layers[1][0], layers[1][1]

    line = assert_raised(check.collapse, indexes_past_the_end, capsys, IndexError)
    assert line.startswith("FAILED  collapse: on one layer 2 -> 3, your function raised IndexError"), line


# ---------------------------------------------------------- relu_derivative
def relu_derivative_ge(Z):
    return (Z >= 0).astype(float)


def relu_itself(Z):
    return np.maximum(Z, 0)


def relu_sign(Z):
    return np.sign(Z)


def relu_in_place(Z):
    Z[Z > 0] = 1.0
    Z[Z <= 0] = 0.0
    return Z


def test_relu_derivative_rejects_wrong_answers(capsys):
    assert_failed(check.relu_derivative, relu_derivative_ge, capsys,
                  "on Z holding exact zeros: wrong value at index (0, 1), expected 0, got 1", "z > 0, not z >= 0")
    assert_failed(check.relu_derivative, relu_itself, capsys, "on Z of shape (3, 4): wrong value",
                  "hint: that is ReLU itself")
    assert_failed(check.relu_derivative, relu_sign, capsys, "expected 0, got -1", "hint: np.sign gives -1")
    assert_failed(check.relu_derivative, relu_in_place, capsys, "modified its input Z in place")
    assert_failed(check.relu_derivative, lambda Z: None, capsys, "returned None")


def test_relu_derivative_accepts_booleans_and_integers(capsys):
    assert_all_cases_pass(check.relu_derivative, lambda Z: Z > 0, capsys, 4)
    assert_all_cases_pass(check.relu_derivative, lambda Z: (Z > 0).astype(int), capsys, 4)
    assert_all_cases_pass(check.relu_derivative, lambda Z: (Z > 0).astype(np.float32), capsys, 4)


# ------------------------------------------------------- sigmoid_derivative
def sigmoid_derivative_like_tanh(Z):
    return 1 - nl.sigmoid(Z) ** 2


def sigmoid_itself(Z):
    return nl.sigmoid(Z)


def sigmoid_derivative_sign_error(Z):
    s = nl.sigmoid(Z)
    return s * (1 + s)


def sigmoid_derivative_naive(Z):
    # exp(1000) overflows: inf / inf = nan
    e = np.exp(-Z)
    return e / (1 + e) ** 2


def test_sigmoid_derivative_rejects_wrong_answers(capsys):
    for fn, hint in [(sigmoid_derivative_like_tanh, "hint: 1 - s^2 is the pattern of tanh's derivative"),
                     (sigmoid_itself, "hint: that is the sigmoid itself"),
                     (sigmoid_derivative_sign_error, "hint: mind the sign: s (1 - s), not s (1 + s)")]:
        assert_failed(check.sigmoid_derivative, fn, capsys, "on Z of shape (3, 4): wrong value", hint)
    with np.errstate(over="ignore", invalid="ignore"):
        assert_failed(check.sigmoid_derivative, sigmoid_derivative_naive, capsys,
                      "on Z with |z| = 1000 and 50: wrong value at index (0, 0), expected 0, got nan",
                      "hint: e^(-z) / (1 + e^(-z))^2 computed as written gives inf / inf = nan")
    # a wrong answer that matches none of the usual slips gets no hint
    line = assert_failed(check.sigmoid_derivative, lambda Z: nl.sigmoid(Z) ** 2, capsys, "wrong value")
    assert "hint" not in line


def sigmoid_derivative_through_an_overflow(Z):
    # the right values: exp(1000) = inf gives s = 0 and s (1 - s) = 0, but numpy warns on the way
    s = 1 / (1 + np.exp(-Z))
    return s * (1 - s)


def test_sigmoid_derivative_follows_the_series_warning_policy(capsys):
    # as notebook 02's stable_sigmoid: right values computed through an overflow do not pass
    assert_failed(check.sigmoid_derivative, sigmoid_derivative_through_an_overflow, capsys,
                  "on Z with |z| = 1000 and 50, numpy warned 'overflow encountered in exp'")
    line = assert_failed(check.stable_sigmoid, lambda z: 1 / (1 + np.exp(-np.asarray(z, dtype=float))), capsys,
                         "numpy warned 'overflow encountered in exp'")
    assert "even where the values come out right" in line


def sigmoid_derivative_silenced(Z):
    with np.errstate(over="ignore"):  # hides the warning, not the overflow
        s = 1 / (1 + np.exp(-Z))
    return s * (1 - s)


def test_sigmoid_derivative_an_overflow_hidden_by_errstate_does_not_pass(capsys):
    assert_failed(check.sigmoid_derivative, sigmoid_derivative_silenced, capsys,
                  "numpy warned 'overflow encountered in exp'", "np.errstate hides numpy's warning")


def test_sigmoid_derivative_float32_is_accepted(capsys):
    assert_all_cases_pass(check.sigmoid_derivative, lambda Z: nb_sigmoid_derivative(Z).astype(np.float32),
                          capsys, 4)


# --------------------------------------------------------------- relu_kinks
def kinks_unfiltered(W1, b1, W2):
    # divides by every input weight: a zero one gives inf (or nan)
    return np.unique(-b1[:, 0] / W1[:, 0])


def kinks_ignoring_output_weights(W1, b1, W2):
    w, c = W1[:, 0], b1[:, 0]
    return np.unique(-c[w != 0] / w[w != 0])


def kinks_with_duplicates(W1, b1, W2):
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    active = (w != 0) & (v != 0)
    return np.sort(-c[active] / w[active])


def kinks_unsorted(W1, b1, W2):
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    active = (w != 0) & (v != 0)
    return -c[active] / w[active]


def kinks_sign_error(W1, b1, W2):
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    active = (w != 0) & (v != 0)
    return np.unique(c[active] / w[active])


def kinks_as_column(W1, b1, W2):
    return nb_relu_kinks(W1, b1, W2).reshape(-1, 1)


def test_relu_kinks_rejects_wrong_answers(capsys):
    assert_failed(check.relu_kinks, kinks_unsorted, capsys, "on a network of 3 units: wrong value",
                  "hint: return the positions sorted")
    assert_failed(check.relu_kinks, kinks_sign_error, capsys, "on a network of 3 units: wrong value",
                  "hint: unit j switches where W1[j] x + b1[j] = 0, that is at x = -b1[j] / W1[j]")
    assert_failed(check.relu_kinks, kinks_as_column, capsys,
                  "wrong shape, expected (3,), got (3, 1) (same number of entries")
    with np.errstate(divide="ignore", invalid="ignore"):
        assert_failed(check.relu_kinks, kinks_unfiltered, capsys,
                      "on 5 units, unit 2 with input weight 0: wrong shape, expected (4,), got (5,)",
                      "hint: a unit with input weight W1[j] = 0 never switches")
    assert_failed(check.relu_kinks, kinks_ignoring_output_weights, capsys,
                  "on 5 units, unit 4 with output weight 0: wrong shape, expected (4,), got (5,)",
                  "hint: a unit with output weight W2[j] = 0 adds nothing")
    assert_failed(check.relu_kinks, kinks_with_duplicates, capsys,
                  "on 4 units, units 0 and 1 switching at the same x: wrong shape, expected (3,), got (4,)",
                  "hint: two units switching at the same x make one kink")
    # a wrong answer that matches none of the usual slips gets no hint
    line = assert_failed(check.relu_kinks, lambda W1, b1, W2: nb_relu_kinks(W1, b1, W2) + 1.0, capsys,
                         "wrong value")
    assert "hint" not in line


# -- a learner's slips beyond the classic ones ---------------------------------

def test_collapse_names_a_return_in_the_loop_a_bias_through_the_product_and_swapped_outputs(capsys):
    def return_in_loop(layers):
        W, b = layers[0]
        for W_l, b_l in layers[1:]:
            W, b = W_l @ W, W_l @ b + b_l
            return W, b
        return W, b

    def bias_through_product(layers):
        W, b = layers[0]
        for W_l, b_l in layers[1:]:
            W = W_l @ W
            b = W @ b + b_l  # the new W, not W_l
        return W, b

    def b_first(layers):
        W, b = nb_collapse(layers)
        return b, W

    assert_failed(check.collapse, return_in_loop, capsys, "hint: only the first two layers were combined")
    assert_failed(check.collapse, bias_through_product, capsys, "hint: the bias went through the product so far")
    assert_failed(check.collapse, b_first, capsys, "hint: return (W, b) in that order")


def test_rounded_kinks_show_the_digits_that_differ(capsys):
    # Rounded to 6 decimals, the answer printed at 6 significant digits looked identical
    # to the expected one ("expected -0.406216, got -0.406216").
    def rounded(W1, b1, W2):
        return np.round(nb_relu_kinks(W1, b1, W2), 6)

    line = assert_failed(check.relu_kinks, rounded, capsys, "expected -0.4062164859, got -0.406216",
                         "(apart from the 7th digit on: rounded?)")
    assert "expected -0.406216," not in line
