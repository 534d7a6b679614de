"""The checkers of notebook 04 accept right answers, report stubs, and name the usual wrong ones."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.check import forward_prop as checks
from nnlessons.lessons import forward_prop as fw
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import assert_failed, assert_passed, assert_raised, stub
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_forward_prop.ipynb"
CHECKERS = [check.forward, check.square_network]
#: the grid points the square checker judges over its three squares (81 x 81 each, without the band)
GRID_POINTS = sum(fw.square_grid(r, 81)[1].size for r in (1.0, 0.5, 2.5))
G = {"identity": nl.activations.identity, "relu": nl.relu, "tanh": nl.tanh, "sigmoid": nl.sigmoid,
     "softmax": nl.softmax}


def test_exercises_in_notebook_order_and_reachable_from_check():
    assert checks.EXERCISES == ("forward", "square_network") == tuple(checks.__all__)
    for name in checks.EXERCISES:
        assert getattr(check, name) is getattr(checks, name)


# --------------------------------------------------------------- the notebook
def test_the_notebooks_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert [s.rstrip().splitlines()[-1] for s in sources] == [f"check.{n}({n})" for n in checks.EXERCISES]
    run_cells(sources, NOTEBOOK)
    assert capsys.readouterr().out.splitlines() == [
        "PASSED  forward: all 6 cases match the reference",
        f"PASSED  square_network: all 600 data points and {GRID_POINTS} grid points of the squares r = 1, 0.5, 2.5 "
        "are classified right"]


def test_the_handout_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    assert [blocks for _, blocks in students] == [1, 1]
    run_cells([student for student, _ in students], NOTEBOOK)
    assert capsys.readouterr().out.splitlines() == [f"FAILED  {c.__name__}: not implemented yet" for c in CHECKERS]


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


# ------------------------------------------------------------- square_network
def square(r, *, W1_scale=1.0, b1_sign=-1.0, W2_scale=1.0, b2=None, flip_output=False):
    """A learner's square network; each keyword is one decision, the defaults a right one."""
    W1 = W1_scale * np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    b1 = b1_sign * r * W1_scale * np.ones((4, 1))
    W2 = -W2_scale * np.ones((1, 4))
    b2 = np.array([[r / 10 if b2 is None else b2]])
    return (W1, b1, -W2, -b2) if flip_output else (W1, b1, W2, b2)


def eight_units(r):
    """Another right design: 8 units, two per side (a steeper wall), weights scaled by 1/r, b2 a plain number."""
    W1 = np.repeat(np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]) / r, 2, axis=0)
    return W1.tolist(), [[-1.0]] * 8, [[-5.0] * 8], 1.0


def inward_units(r):
    """Another right design, float32: every unit on at the centre (its line on a side, b1 = +r), so inside
    z2 = b2 - 4r, and beyond a side z2 falls as in the solution."""
    W1 = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], dtype=np.float32)
    b1 = np.full((4, 1), r, dtype=np.float32)
    return W1, b1, -np.ones((1, 4), dtype=np.float32), np.array([[4.1 * r]], dtype=np.float32)


@pytest.mark.parametrize("fn", [
    fw.square_network,
    square,
    lambda r: square(r, W1_scale=3.0),                 # steeper units, the same lines
    lambda r: square(r, W2_scale=2.0),                 # the boundary nearer the edge
    lambda r: tuple(np.asarray(p, dtype=np.float32) for p in square(r)),
    lambda r: [p.tolist() for p in square(r)],         # lists, a list of the four
    eight_units,
    inward_units,
])
def test_square_network_right_answers(fn, capsys):
    assert_passed(check.square_network, fn, capsys,
                  f"all 600 data points and {GRID_POINTS} grid points of the squares r = 1, 0.5, 2.5 are classified right")


@pytest.mark.parametrize("fn, fragments", [
    (lambda r: (square(r)[0].T, *square(r)[1:]), ["r = 1: W1 has shape (2, 4), transposed"]),
    (lambda r: (square(r)[0], square(r)[1].ravel(), *square(r)[2:]), ["b1 has shape (4,): make it the column (4, 1)"]),
    (lambda r: (*square(r)[:2], square(r)[2].T, square(r)[3]), ["W2 has shape (4, 1), transposed"]),
    (lambda r: (*square(r)[:2], square(r)[2].ravel(), square(r)[3]), ["W2 must have shape (1, 4)", "got (4,)"]),
    (lambda r: (*square(r)[:3], np.zeros((2, 1))), ["b2 must be one number"]),
    (lambda r: square(r)[:3], ["return the four arrays W1, b1, W2, b2", "a tuple of 3 values"]),
    (lambda r: (np.ones((3, 3)), *square(r)[1:]), ["W1 must have shape (n_1, 2)", "got (3, 3)"]),
    (lambda r: (square(r)[0], np.ones((3, 1)), *square(r)[2:]), ["b1 must have shape (4, 1)"]),
    (lambda r: (*square(r)[:3], np.array([[np.nan]])), ["b2 holds inf or nan"]),
    (lambda r: ("W1", *square(r)[1:]), ["W1 must be an array of numbers"]),
    (lambda r: None, ["returned None (is a `return` missing?)"]),
])
def test_square_network_wrong_forms_are_named(fn, fragments, capsys):
    assert_failed(check.square_network, fn, capsys, *fragments)


@pytest.mark.parametrize("fn, fragments", [
    # the output bias: 0 or negative leaves z2 <= 0 (a = 0.5 or less) inside
    (lambda r: square(r, b2=0.0), ["r = 1, 155 of 200 data points (77.5%)", "inside the square, it predicts class 0",
                                   "hint: at the centre every hidden unit is off, so z2 = b2 = 0 there",
                                   "b2 must be positive (a bias with the wrong sign?)"]),
    (lambda r: square(r, b2=-0.1), ["z2 = b2 = -0.1 there"]),
    # the hidden biases' sign: the lines in place, the units on inside
    (lambda r: square(r, b1_sign=1.0), ["hidden units 1, 2, 3, 4: the line lies on a side of the square, but the unit "
                                        "is on at the centre", "(a bias with the wrong sign?)"]),
    # the output threshold on the wrong side
    (lambda r: square(r, flip_output=True), ["0 of 200 data points (0.0%)", "hint: the classes are the wrong way round",
                                             "change the signs of W2 and b2"]),
    # the lines placed for r = 1 only
    (lambda r: square(1.0, b2=r / 10), ["on the square of half-width r = 0.5",
                                        "hint: the hidden units' lines lie at distance 1 from the centre",
                                        "so b1 must change with r"]),
    # the boundary too far out, or too far in
    (lambda r: square(r, b2=0.5 * r), ["hint: all the errors are outside the square", "make b2 smaller"]),
    (lambda r: square(r, b2=0.1), ["on the square of half-width r = 0.5",  # b2 fixed: too far out for r = 0.5
                                                 "hint: all the errors are outside the square"]),
    (lambda r: (*inward_units(r)[:3], np.array([[4 * r]])), ["r = 1,", "inside the square, it predicts class 0"]),
    # a side left without a unit (three units), and W2 pushing up instead of down
    (lambda r: (square(r)[0][:3], square(r)[1][:3], square(r)[2][:, :3], square(r)[3]),
     ["hint: beyond the side x2 < -r z2 does not fall", "(a unit missing, or W2 with the wrong sign?)"]),
    (lambda r: (*square(r)[:2], -square(r)[2], square(r)[3]),
     ["hint: beyond the sides x1 > r and x1 < -r and x2 > r and x2 < -r z2 does not fall"]),
])
def test_square_network_wrong_answers_are_named(fn, fragments, capsys):
    assert_failed(check.square_network, fn, capsys, *fragments)


def test_square_network_one_hidden_unit_has_a_column_bias(capsys):
    """With n_1 = 1, b1 of shape (1, 1) is the column: the verdict is about the boundary, not the shape."""
    line = assert_failed(check.square_network, lambda r: ([[1.0, 0.0]], [[-r]], [[-1.0]], [[0.1 * r]]), capsys,
                         "r = 1,", "classified right")
    assert "shape" not in line


def test_square_network_names_the_flipped_unit_by_its_own_number(capsys):
    def one_flipped(r):  # unit 2 has no weights (no line); unit 4's bias has the wrong sign
        W1 = np.array([[1.0, 0.0], [0.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        b1 = np.array([[-r], [0.0], [-r], [r], [-r]])
        return W1, b1, -np.ones((1, 5)), np.array([[r / 10]])

    assert_failed(check.square_network, one_flipped, capsys, "hint: hidden unit 4: the line lies on a side")


def test_square_network_a_diamond_fails_at_the_corners(capsys):
    def diamond(r):  # r - |x1| - |x2| > 0: the square's corners cut off
        W1 = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
        return W1, np.zeros((4, 1)), -np.ones((1, 4)), np.array([[r]])

    line = assert_failed(check.square_network, diamond, capsys, "r = 1,", "inside the square, it predicts class 0")
    assert "(-0.85, -0.85)" in line


def test_square_network_stub_and_exceptions(capsys):
    assert_failed(check.square_network, stub, capsys, "not implemented yet")
    assert_failed(check.square_network, 3, capsys, "expected a function")
    assert_raised(check.square_network, lambda r: square(r)[4], capsys, IndexError, "tuple index out of range")


def test_square_network_judges_every_square():
    """Each square has points inside and outside on the grid and in the data, none in the band."""
    for r, seed in checks._SQUARES:
        (Xd, yd, _), (Xg, yg, _) = checks._square_case(square(r), r, seed)
        for X, y in ((Xd, yd), (Xg, yg)):
            assert 0 < y.sum() < y.size
            assert np.all(np.abs(np.max(np.abs(X), axis=0) - r) > fw.SQUARE_BAND * r)
    assert len({r for r, _ in checks._SQUARES}) == 3 and 1.0 in [r for r, _ in checks._SQUARES]
