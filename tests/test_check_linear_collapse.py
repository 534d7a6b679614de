"""The checkers of notebook 03 accept right answers and reject the usual wrong ones with a useful line."""

import numpy as np
import pytest

from nnlessons import check
from nnlessons.lessons import linear_collapse as lc
from notebook_cells import ROOT, exercise_sources, run_cells
from verdicts import assert_failed, assert_not_implemented, assert_passed, assert_raised
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


def nb_abs_network():
    W1 = np.array([[1.0], [-1.0]])
    b1 = np.array([[0.0], [0.0]])
    W2 = np.array([[1.0, 1.0]])
    b2 = np.array([[0.0]])
    return W1, b1, W2, b2


def nb_bump_network():
    W1 = np.array([[1.0], [1.0], [1.0]])
    b1 = np.array([[-1.0], [-2.0], [-3.0]])
    W2 = np.array([[1.0, -2.0, 1.0]])
    b2 = np.array([[0.0]])
    return W1, b1, W2, b2


def nb_relu_kinks(W1, b1, W2):
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    active = (w != 0) & (v != 0)
    return np.unique(-c[active] / w[active])


def test_exported_names():
    assert check.linear_collapse.EXERCISES == ("collapse", "abs_network", "bump_network", "relu_kinks")
    assert set(check.linear_collapse.__all__) == set(check.linear_collapse.EXERCISES)
    for name in check.linear_collapse.__all__:
        assert getattr(check, name) is getattr(check.linear_collapse, name)


@pytest.mark.parametrize("checker, fns, n_cases", [
    (check.collapse, [lc.collapse, nb_collapse], 5),
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


# ------------------------------------------------ ReLU units set by hand
def network(W1, b1, W2, b2):
    return lambda: (np.array(W1, dtype=float), np.array(b1, dtype=float), np.array(W2, dtype=float),
                    np.array(b2, dtype=float))


def test_hand_set_networks_pass_in_every_plausible_form(capsys):
    for fn in (lc.abs_parameters, nb_abs_network,
               lambda: tuple(a.astype(np.float32) for a in nb_abs_network()),
               lambda: ([[1], [-1]], [[0], [0]], [[1, 1]], 0),  # lists and a plain number
               network([[1], [-1], [1]], [[0], [0], [-7]], [[1, 1, 0]], [[0]])):  # a third unit that adds nothing
        assert_passed(check.abs_network, fn, capsys)
    line = assert_passed(check.abs_network, nb_abs_network, capsys)
    assert line.endswith("2 ReLU units bends at x = 0 and matches the target at all 1009 points from -1e6 to 1e6")
    for fn in (lc.bump_parameters, nb_bump_network, lambda: [list(map(list, a)) for a in nb_bump_network()],
               # the same bump from units that face the other way: relu(1 - x) - 2 relu(2 - x) + relu(3 - x)
               network([[-1], [-1], [-1]], [[1], [2], [3]], [[1, -2, 1]], [[0]])):
        assert_passed(check.bump_network, fn, capsys)


@pytest.mark.parametrize("checker", [check.abs_network, check.bump_network])
def test_hand_set_stub_none_and_wrong_forms(checker, capsys):
    assert_not_implemented(checker, capsys)
    assert_failed(checker, lambda: None, capsys, "your function returned None (is a `return` missing?)")
    assert_failed(checker, lambda: nb_abs_network()[:3], capsys,
                  "expected the 4 values W1, b1, W2, b2, got a tuple of 3")
    assert_failed(checker, nb_abs_network(), capsys, "expected a function, got a tuple of 4 values")
    assert_failed(checker, lambda: ("1", 0, 1, 0), capsys, "W1: expected numbers, got a str")


def test_hand_set_shapes_transposed_or_flat_are_named(capsys):
    assert_failed(check.abs_network, network([[1, -1]], [[0], [0]], [[1], [1]], [[0]]), capsys,
                  "W1 has shape (1, 2) and W2 (2, 1): transposed? A layer's W is (n_out, n_in)")
    assert_failed(check.abs_network, network([1, -1], [[0], [0]], [[1, 1]], [[0]]), capsys,
                  "W1 must have shape (n, 1)", "got shape (2,) (a column: np.array([[1.0], [-1.0]]))")
    assert_failed(check.bump_network, network([[1], [1], [1]], [-1, -2, -3], [[1, -2, 1]], [[0]]), capsys,
                  "b1 must have shape (3, 1) for the 3 hidden units of W1 (3, 1), got shape (3,) (a lost axis")
    assert_failed(check.bump_network, network([[1], [1], [1]], [[-1, -2, -3]], [[1, -2, 1]], [[0]]), capsys,
                  "b1 must have shape (3, 1)", "got shape (1, 3) (transposed?)")
    assert_failed(check.bump_network, network([[1], [1], [1]], [[-1], [-2], [-3]], [[1], [-2], [1]], [[0]]),
                  capsys, "W2 must have shape (1, 3)", "(transposed?)")
    assert_failed(check.abs_network, network([[1], [-1]], [[0], [0]], [[1, 1]], [[0], [0]]), capsys,
                  "b2 must be one number (shape (1, 1)), got shape (2, 1)")
    assert_failed(check.abs_network, network(np.ones((101, 1)), np.zeros((101, 1)), np.ones((1, 101)), [[0]]), capsys,
                  "W1 has 101 rows, one per hidden unit: two or three units are enough here",
                  "(the checker takes at most 100)")
    assert_failed(check.abs_network, network([[1], [np.nan]], [[0], [0]], [[1, 1]], [[0]]), capsys,
                  "W1 holds nan: every parameter must be a finite number")


def test_abs_network_names_the_usual_mistakes(capsys):
    # relu(x) - relu(-x) = x: the sign of the left unit's output weight
    assert_failed(check.abs_network, network([[1], [-1]], [[0], [0]], [[1, -1]], [[0]]), capsys,
                  "at x = -5, expected 5, got -5", "hint: your network computes the straight line x")
    # a bias that is not 0: the kink moves to x = 1
    assert_failed(check.abs_network, network([[1], [-1]], [[-1], [1]], [[1, 1]], [[0]]), capsys,
                  "your network bends at x = 1, with slope -1 on the far left and 1 on the far right",
                  "a bias that is not 0 puts the kink in the wrong place")
    assert_failed(check.abs_network, network([[1]], [[0]], [[1]], [[0]]), capsys,
                  "at x = -5, expected 5, got 0", "hint: that is relu(x), flat for x < 0")
    assert_failed(check.abs_network, network([[-1]], [[0]], [[1]], [[0]]), capsys,
                  "hint: that is relu(-x), flat for x > 0")
    assert_failed(check.abs_network, network([[1], [-1]], [[0], [0]], [[1, 1]], [[1]]), capsys,
                  "at x = -5, expected 5, got 6", "hint: the shape is right but the whole network is shifted by 1")
    assert_failed(check.abs_network, network([[2], [-2]], [[0], [0]], [[1, 1]], [[0]]), capsys,
                  "with slope -2 on the far left and 2 on the far right; |x| has slope -1 for x < 0 and +1",
                  "mind the sign and size of the output weights W2")


def test_bump_network_names_the_usual_mistakes(capsys):
    # the biases' sign: corners at -3, -2, -1
    assert_failed(check.bump_network, network([[1], [1], [1]], [[1], [2], [3]], [[1, -2, 1]], [[0]]), capsys,
                  "at x = -2.99, expected 0, got 0.01", "your network bends at x = -3, -2, -1",
                  "hint: wrong sign of the biases")
    # no negative lobe: rises to 1 and stays there; or falls on forever
    for W2, far in (([[1, -1, 0]], "value 1 at x = 1e6"), ([[1, -2, 0]], "value -999997 at x = 1e6")):
        assert_failed(check.bump_network, network([[1], [1], [1]], [[-1], [-2], [-3]], W2, [[0]]), capsys,
                      far, "the bump never returns to 0", "output weight -2 times the others'")
    assert_failed(check.bump_network, network([[1], [1]], [[-1], [-2]], [[1, -1]], [[0]]), capsys,
                  "at x = 2.01, expected 0.99, got 1", "the bump never returns to 0")
    # the wrong height, the wrong width, an offset
    assert_failed(check.bump_network, network([[1], [1], [1]], [[-1], [-2], [-3]], [[2, -4, 2]], [[0]]), capsys,
                  "expected 0.01, got 0.02", "hint: the shape is right but the peak at x = 2 is 2, not 1")
    assert_failed(check.bump_network, network([[1], [1], [1]], [[0], [-2], [-4]], [[0.5, -1, 0.5]], [[0]]), capsys,
                  "hint: a bump, but over [0, 4] with corners at x = 0, 2, 4")
    assert_failed(check.bump_network, network([[1], [1], [1]], [[-1], [-2], [-3]], [[1, -2, 1]], [[0.5]]), capsys,
                  "at x = -5, expected 0, got 0.5", "hint: the shape is right but the whole network is shifted by 0.5")


def test_bump_network_is_checked_far_outside_the_bump(capsys):
    # right on [-5, 5], but a fourth unit switches on at x = 50
    line = assert_failed(check.bump_network,
                         network([[1], [1], [1], [1]], [[-1], [-2], [-3], [-50]], [[1, -2, 1, 1]], [[0]]), capsys,
                         "at x = 100, expected 0, got 50", "your network bends at x = 1, 2, 3, 50")
    assert "never returns" not in line


def test_hand_set_shows_the_learners_own_error(capsys):
    def misspelt():
        return W1, b1, W2, b2  # noqa: F821 (never defined)

    line = assert_raised(check.bump_network, misspelt, capsys, NameError)
    assert line.startswith("FAILED  bump_network: your function raised NameError"), line


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
