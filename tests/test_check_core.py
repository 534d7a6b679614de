"""Tests of the checker engine (nnlessons/check/_core.py).

Each realistic mistake a learner makes must give its own one-line verdict;
a learner's exception must be a failed verdict that shows the learner's own traceback; the
inputs must not depend on what the learner draws from random generators.
"""

import inspect
import os
import warnings

import numpy as np
import pytest

from nnlessons.check import NOT_IMPLEMENTED, CheckResult, check_function, check_stable, random_cases
from nnlessons.check._core import RTOL
from verdicts import assert_failed, assert_not_implemented, assert_passed, assert_raised, assert_traceback_below
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")


def relu_backward_ref(dA, Z):
    return dA * (Z > 0)


def make_relu_args(rng, i):
    # Non-square shapes so that a transposed answer has a different shape.
    shape = [(3, 5), (1, 4), (6, 2)][i]
    return rng.standard_normal(shape), rng.standard_normal(shape)


DESCRIPTIONS = ["a 3x5 batch", "a single row", "a 6x2 batch"]


def relu_cases():
    return random_cases(make_relu_args, DESCRIPTIONS, seed=3)


def run(learner, reference=relu_backward_ref, cases=None, arg_names=("dA", "Z"), name="relu_backward"):
    return check_function(name, learner, reference, relu_cases() if cases is None else cases,
                          arg_names=arg_names)


def checker(name, reference, cases, **options):
    """A checker named ``name`` as the notebooks' are, for the shared verdict helpers."""
    def check(learner):
        return check_function(name, learner, reference, cases() if callable(cases) else cases, **options)

    check.__name__ = name
    return check


relu_backward = checker("relu_backward", relu_backward_ref, relu_cases, arg_names=("dA", "Z"))


def one_line(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), f"expected exactly one printed line, got {out!r}"
    return out.rstrip("\n")


# -- passing --------------------------------------------------------------------

def test_right_answer_passes_and_prints_one_line(capsys):
    result = run(lambda dA, Z: np.where(Z > 0, dA, 0.0))
    assert isinstance(result, CheckResult)
    assert result and result.passed
    assert one_line(capsys) == "PASSED  relu_backward: all 3 cases match the reference"
    assert_passed(relu_backward, lambda dA, Z: np.where(Z > 0, dA, 0.0), capsys,
                  "all 3 cases match the reference")


def test_rounding_noise_within_tolerance_passes_but_real_error_fails(capsys):
    assert_passed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z) * (1 + 1e-9), capsys)
    assert_failed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z) * (1 + 1e-4), capsys,
                  "FAILED  relu_backward: on a 3x5 batch: wrong value")


def test_a_list_instead_of_an_array_is_accepted(capsys):
    assert_passed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z).tolist(), capsys)


# -- wrong shape --------------------------------------------------------------

def test_transposed_result_is_named(capsys):
    line = assert_failed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z).T, capsys)
    assert line == "FAILED  relu_backward: on a 3x5 batch: wrong shape, expected (3, 5), got (5, 3) (transposed?)"


def test_lost_axis_gets_a_keepdims_hint(capsys):
    def db_ref(dZ):
        return dZ.sum(axis=1, keepdims=True)

    db = checker("db", db_ref, [("a 3x5 batch", (np.arange(15.0).reshape(3, 5),))])
    assert_failed(db, lambda dZ: dZ.sum(axis=1), capsys, "wrong shape, expected (3, 1), got (3,)", "keepdims=True")


def test_unrelated_shape_has_no_hint(capsys):
    line = assert_failed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z)[:2], capsys)
    assert line.endswith("wrong shape, expected (3, 5), got (2, 5)")


# -- wrong value --------------------------------------------------------------

def test_wrong_value_names_first_index_expected_and_got(capsys):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])

    def almost(x):
        y = 2 * x
        y[1, 0] = 99.0
        return y

    double = checker("double", lambda x: 2 * x, [("a 2x2 matrix", (x,))])
    assert assert_failed(double, almost, capsys) == ("FAILED  double: on a 2x2 matrix: wrong value at index (1, 0), "
                                                     "expected 6, got 99 (1 of 4 entries differ)")


def test_sign_error_is_caught(capsys):
    assert_failed(relu_backward, lambda dA, Z: -dA * (Z > 0), capsys, "wrong value at index")


def test_missing_one_over_m_is_caught_and_counts_every_entry(capsys):
    def mean_cost(A, Y):
        return np.sum((A - Y) ** 2) / A.shape[1]

    A = np.array([[0.2, 0.9, 0.4, 0.6]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    # sum of squares: 0.04 + 0.01 + 0.36 + 0.36 = 0.77; mean over 4 columns: 0.1925
    cost = checker("cost", mean_cost, [("4 examples", (A, Y))])
    assert assert_failed(cost, lambda A, Y: np.sum((A - Y) ** 2), capsys) == (
        "FAILED  cost: on 4 examples: wrong value, expected 0.1925, got 0.77")


def test_missing_one_over_m_in_an_array_counts_every_entry(capsys):
    dZ = np.arange(1.0, 7.0).reshape(2, 3)
    dW = checker("dW", lambda dZ: dZ / dZ.shape[1], [("m=3", (dZ,))])
    assert assert_failed(dW, lambda dZ: dZ, capsys).endswith("expected 0.333333, got 1 (6 of 6 entries differ)")


def test_nan_output_fails(capsys):
    line = assert_failed(relu_backward, lambda dA, Z: np.full_like(dA, np.nan), capsys)
    assert line.endswith("got nan (15 of 15 entries differ)")


# -- exceptions ---------------------------------------------------------------

def test_exception_is_a_failed_verdict_with_the_learners_own_traceback_below(capsys):
    def learners_helper(Z):
        return Z[10, 10]  # IndexError on every case: the arrays are smaller

    def learner(dA, Z):
        return dA * learners_helper(Z)

    result = run(learner)  # returns: "Run All" goes on past the exercise
    assert isinstance(result, CheckResult) and not result and not result.copied
    assert result.message.startswith("on a 3x5 batch, your function raised IndexError: index 10 is out of bounds")
    out = capsys.readouterr().out
    line, tb = assert_traceback_below(out, IndexError, learner)
    assert line == f"FAILED  relu_backward: {result.message} (traceback below)"
    # The learner's frames, in order, and none of the checker's (check_function, its wrappers).
    assert [ln.split(" in ")[-1] for ln in tb.splitlines() if ln.startswith('  File "')] == [
        "learner", "learners_helper"]
    assert "return Z[10, 10]" in tb and tb.rstrip().endswith("IndexError: index 10 is out of bounds for axis 0 "
                                                             "with size 3")
    assert result.traceback == tb.rstrip("\n")


def test_exception_message_is_quoted(capsys):
    def learner(dA, Z):
        raise ValueError("Z must be 2-D")

    line = assert_raised(relu_backward, learner, capsys, ValueError)
    assert line.endswith("your function raised ValueError: Z must be 2-D (traceback below)")


@pytest.mark.parametrize("exc, shown", [
    (ValueError("first line\nsecond line"), "ValueError: first line"),
    (ZeroDivisionError(), "ZeroDivisionError"),
    (KeyError("Z1"), "KeyError: 'Z1'"),
])
def test_exception_verdict_stays_on_one_line(exc, shown, capsys):
    def learner(dA, Z):
        raise exc

    result = run(learner)
    assert result.message == f"on a 3x5 batch, your function raised {shown}"
    line, tb = assert_traceback_below(capsys.readouterr().out, type(exc), learner)
    assert line.endswith(f"your function raised {shown} (traceback below)")


def test_an_exception_with_no_frame_of_the_learner_is_one_line(capsys):
    # A learner that is not Python code (here a builtin given the wrong arguments), or the grader's
    # stand-in for a function run in the student's kernel: no traceback of the learner's to show.
    result = run(len)
    assert not result and result.traceback == ""
    assert one_line(capsys) == f"FAILED  relu_backward: {result.message}"
    assert result.message.startswith("on a 3x5 batch, your function raised TypeError: len() takes")


class _Abort(BaseException):
    """Like the grader's Abort: a BaseException that no checker may swallow."""


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(1), _Abort("timeout")])
def test_a_base_exception_still_propagates(exc, capsys):
    def learner(dA, Z):
        raise exc

    with pytest.raises(type(exc)) as info:
        run(learner)
    assert info.value is exc
    assert capsys.readouterr().out == ""
    with pytest.raises(type(exc)):
        check_stable("relu_backward", learner, relu_backward_ref, relu_cases(), ("dA", "Z"))


def test_check_stable_reports_an_exception_like_check_function(capsys):
    def learner(dA, Z):
        return dA @ Z  # (3, 5) @ (3, 5): a shape mismatch

    result = check_stable("relu_backward", learner, relu_backward_ref, relu_cases(), ("dA", "Z"))
    assert not result and "your function raised ValueError: matmul" in result.message
    assert_traceback_below(capsys.readouterr().out, ValueError, learner)


def test_under_ipython_the_traceback_is_ipythons(capsys, monkeypatch):
    ipython = pytest.importorskip("IPython")
    from IPython.core.ultratb import AutoFormattedTB

    class Shell:
        InteractiveTB = AutoFormattedTB(mode="Context", theme_name="nocolor") \
            if "theme_name" in inspect.signature(AutoFormattedTB).parameters \
            else AutoFormattedTB(mode="Context", color_scheme="NoColor")

    monkeypatch.setattr(ipython, "get_ipython", lambda: Shell())

    def learners_helper(Z):
        return Z[10, 10]

    def learner(dA, Z):
        return dA * learners_helper(Z)

    result = run(learner)
    out = capsys.readouterr().out
    assert not result and out.startswith(f"FAILED  relu_backward: {result.message} (traceback below)\n")
    # IPython's layout (its own header, source in context), through the learner's frames only.
    assert "Traceback (most recent call last)" in out and "learners_helper" in out and "Z[10, 10]" in out
    assert "check_function" not in out and os.path.join("nnlessons", "check") not in out
    assert out.rstrip().endswith("IndexError: index 10 is out of bounds for axis 0 with size 3")


def test_not_implemented_reports_and_does_not_raise(capsys):
    def stub(dA, Z):
        raise NotImplementedError("Exercise: write this part, then re-run the cell")

    result = run(stub)
    assert not result
    assert result.message == NOT_IMPLEMENTED
    assert one_line(capsys) == "FAILED  relu_backward: not implemented yet"
    assert assert_not_implemented(relu_backward, capsys) == "FAILED  relu_backward: not implemented yet"


def test_non_callable_learner(capsys):
    assert assert_failed(relu_backward, np.zeros((3, 5)), capsys) == (
        "FAILED  relu_backward: expected a function, got an array of shape (3, 5)")


def test_malformed_case_is_a_checker_bug_not_a_learner_verdict():
    with pytest.raises(TypeError, match="must be a tuple"):
        check_function("f", lambda x: x, lambda x: x, [("one array", np.zeros(3))])


# -- None, in place -----------------------------------------------------------

def test_none_returned(capsys):
    def forgot_return(dA, Z):
        dA * (Z > 0)

    assert assert_failed(relu_backward, forgot_return, capsys) == (
        "FAILED  relu_backward: on a 3x5 batch: your function returned None (is a `return` missing?)")


def test_input_modified_in_place_is_named_even_when_the_value_is_right(capsys):
    def in_place(dA, Z):
        dA[Z <= 0] = 0.0
        return dA

    cases = relu_cases()
    originals = [tuple(a.copy() for a in args) for _, args in cases]
    assert not run(in_place, cases=cases)
    assert one_line(capsys) == ("FAILED  relu_backward: on a 3x5 batch: your function modified its "
                                "input dA in place; compute a new array instead")
    # The learner got copies: the checker's cases are intact for the next run.
    for (_, args), before in zip(cases, originals):
        for a, b in zip(args, before):
            np.testing.assert_array_equal(a, b)


def test_in_place_without_arg_names_says_argument_number(capsys):
    def clip_in_place(dA, Z):
        np.maximum(Z, 0, out=Z)
        return dA * (Z > 0)

    unnamed = checker("relu_backward", relu_backward_ref, relu_cases, arg_names=None)
    assert_failed(unnamed, clip_in_place, capsys, "modified its input argument 2 in place")


def test_cache_dict_modified_in_place(capsys):
    def ref(dA, cache):
        return dA * (cache["Z"] > 0)

    def learner(dA, cache):
        cache["Z"] = np.maximum(cache["Z"], 0)  # rebinds a key of the caller's dict
        return dA * (cache["Z"] > 0)

    cases = [("a 2x3 batch", (np.ones((2, 3)), {"Z": np.array([[1.0, -1.0, 2.0], [-3.0, 4.0, -5.0]])}))]
    assert_failed(checker("relu_backward", ref, cases, arg_names=["dA", "cache"]), learner, capsys,
                  "modified its input cache in place")


def test_in_place_check_handles_non_float_inputs(capsys):
    def count(words, labels):
        return float(np.sum(labels == 1))

    cases = [("strings and int labels", (np.array(["a", "b"]), np.array([1, 0])))]
    assert_passed(checker("count", count, cases), count, capsys)

    def sorts_labels(words, labels):
        labels.sort()
        return count(words, labels)

    assert_failed(checker("count", count, cases, arg_names=["words", "labels"]), sorts_labels, capsys,
                  "modified its input labels in place")


# -- tuple, list and dict outputs ---------------------------------------------

def forward_ref(W, X):
    Z = W @ X
    return np.maximum(Z, 0), Z


def forward_cases():
    return random_cases(lambda rng, i: (rng.standard_normal((4, 3)), rng.standard_normal((3, 2 + i))),
                        ["2 examples", "3 examples"], seed=1)


forward = checker("forward", forward_ref, forward_cases)


def test_tuple_output_right_answer_passes(capsys):
    assert_passed(forward, lambda W, X: forward_ref(W, X), capsys)
    assert_passed(forward, lambda W, X: list(forward_ref(W, X)), capsys)


def test_tuple_output_missing_cache(capsys):
    assert assert_failed(forward, lambda W, X: np.maximum(W @ X, 0), capsys) == (
        "FAILED  forward: on 2 examples: expected a tuple of 2 values, got an array of shape (4, 2)")


def test_tuple_output_wrong_cache_names_the_value(capsys):
    def wrong_cache(W, X):
        Z = W @ X
        return np.maximum(Z, 0), X  # caches the input instead of Z

    assert assert_failed(forward, wrong_cache, capsys) == (
        "FAILED  forward: on 2 examples, value 2 of 2: wrong shape, expected (4, 2), got (3, 2)")


def test_none_inside_a_tuple(capsys):
    assert_failed(forward, lambda W, X: (np.maximum(W @ X, 0), None), capsys,
                  "value 2 of 2: your function returned None")


def test_tuple_where_one_array_is_expected(capsys):
    line = assert_failed(relu_backward, lambda dA, Z: (relu_backward_ref(dA, Z), Z), capsys)
    assert line.endswith("expected one array of shape (3, 5), got a tuple of 2 values")


def test_dict_output_wrong_key_and_wrong_value(capsys):
    def grads_ref(dZ, A_prev):
        return {"dW": dZ @ A_prev.T / dZ.shape[1], "db": dZ.mean(axis=1, keepdims=True)}

    cases = random_cases(lambda rng, i: (rng.standard_normal((2, 4)), rng.standard_normal((3, 4))), ["m=4"])
    grads = checker("grads", grads_ref, cases)
    assert_passed(grads, grads_ref, capsys)
    assert assert_failed(grads, lambda dZ, A: {"dW": grads_ref(dZ, A)["dW"]}, capsys) == (
        "FAILED  grads: on m=4: expected a dict with keys ['dW', 'db'], got keys ['dW'] (missing 'db')")
    assert_failed(grads, lambda dZ, A: {**grads_ref(dZ, A), "db": dZ.sum(axis=1, keepdims=True)}, capsys,
                  "FAILED  grads: on m=4, key 'db': wrong value at index (0, 0)")


def test_list_output_may_come_back_as_any_sequence(capsys):
    def sizes_ref(x):
        return [float(x.sum()), float(x.max())]

    cases = [("a vector", (np.array([1.0, 5.0, 2.0]),))]
    stats = checker("stats", sizes_ref, cases)
    assert_passed(stats, lambda x: np.array([x.sum(), x.max()]), capsys)
    assert assert_failed(stats, lambda x: [x.sum()], capsys) == (
        "FAILED  stats: on a vector: expected a list of 2 values, got a list of 1 values")


# -- hints for the usual slips --------------------------------------------------

def dW_ref(dZ, A_prev):
    return dZ @ A_prev.T / dZ.shape[1]


DW_HINTS = [("did you divide by m, the number of examples?", lambda dZ, A: dZ @ A.T),
            ("check the sign", lambda dZ, A: -dZ @ A.T / dZ.shape[1])]


def dw_cases():
    return random_cases(lambda rng, i: (rng.standard_normal((2, 3 + i)), rng.standard_normal((4, 3 + i))),
                        ["m=3", "m=4"], seed=5)


@pytest.mark.parametrize("learner, hint", [
    (lambda dZ, A: dZ @ A.T, "did you divide by m, the number of examples?"),
    (lambda dZ, A: -(dZ @ A.T) / dZ.shape[1], "check the sign"),
])
def test_a_matching_slip_adds_its_hint_to_the_one_line(learner, hint, capsys):
    result = check_function("dW", learner, dW_ref, dw_cases(), hints=DW_HINTS)
    assert not result
    line = one_line(capsys)
    assert line.startswith("FAILED  dW: on m=3: wrong value at index (0, 0)")
    assert line.endswith(f" (hint: {hint})")
    assert result.message.endswith(f"(hint: {hint})")


def test_no_hint_when_no_slip_explains_the_answer(capsys):
    # Right on the first case only: no slip reproduces every case.
    def half_right(dZ, A):
        return dW_ref(dZ, A) if dZ.shape[1] == 3 else 3 * dW_ref(dZ, A)

    line = assert_failed(checker("dW", dW_ref, dw_cases, hints=DW_HINTS), half_right, capsys,
                         "FAILED  dW: on m=4: wrong value")
    assert "hint" not in line


def test_no_hint_on_a_pass_nor_for_a_transposed_answer(capsys):
    dW = checker("dW", dW_ref, dw_cases, hints=DW_HINTS)
    assert_passed(dW, dW_ref, capsys)
    assert assert_failed(dW, lambda dZ, A: (dZ @ A.T).T, capsys).endswith("(transposed?)")


# -- randomness ---------------------------------------------------------------

def test_random_cases_ignore_the_global_and_other_generators():
    np.random.seed(0)
    first = random_cases(make_relu_args, DESCRIPTIONS, seed=3)
    np.random.seed(12345)
    np.random.standard_normal(1000)
    np.random.default_rng().standard_normal(10)
    second = random_cases(make_relu_args, DESCRIPTIONS, seed=3)
    for (d1, a1), (d2, a2) in zip(first, second):
        assert d1 == d2
        for x, y in zip(a1, a2):
            np.testing.assert_array_equal(x, y)
    # ... but the seed does matter.
    other = random_cases(make_relu_args, DESCRIPTIONS, seed=4)
    assert not np.array_equal(first[0][1][0], other[0][1][0])
    # Equal cases alone would not tell np.random.seed(seed) from a generator of its own:
    # the global generator must be left where it was.
    before = np.random.get_state()
    random_cases(make_relu_args, DESCRIPTIONS, seed=3)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def recorded_inputs(learner_draws, cases):
    seen = []

    def learner(dA, Z):
        seen.append((dA.copy(), Z.copy()))
        if learner_draws:
            np.random.seed(99)  # the learner reseeds and draws from every source it can
            np.random.standard_normal(50)
            np.random.default_rng().random(5)
        return relu_backward_ref(dA, Z)

    result = check_function("relu_backward", learner, relu_backward_ref, cases())
    return result, seen


@pytest.mark.parametrize("cases", ["random_cases", "lazy generator"])
def test_learners_random_draws_do_not_change_the_inputs(cases, capsys):
    def lazy():
        # A careless checker drawing from the global generator while iterating:
        # the engine draws every case before the learner's first call.
        np.random.seed(7)
        for d in DESCRIPTIONS:
            yield d, (np.random.standard_normal((2, 3)), np.random.standard_normal((2, 3)))

    make = relu_cases if cases == "random_cases" else lazy
    quiet_result, quiet = recorded_inputs(False, make)
    noisy_result, noisy = recorded_inputs(True, make)
    assert quiet_result and noisy_result
    assert len(quiet) == len(noisy) == 3
    for (a1, z1), (a2, z2) in zip(quiet, noisy):
        np.testing.assert_array_equal(a1, a2)
        np.testing.assert_array_equal(z1, z2)


# -- display ------------------------------------------------------------------

def test_ipython_does_not_display_the_result(capsys):
    formatters = pytest.importorskip("IPython.core.formatters")
    result = run(lambda dA, Z: relu_backward_ref(dA, Z))
    # An object that displays itself (as a no-op) yields no data for Out[...].
    assert formatters.DisplayFormatter().format(result) == ({}, {})
    assert repr(result) == "CheckResult('relu_backward', passed=True)"


def _all_checkers():
    import importlib
    import pkgutil

    from nnlessons import check

    modules = [importlib.import_module(f"nnlessons.check.{info.name}")
               for info in pkgutil.iter_modules(check.__path__) if not info.name.startswith("_")]
    return [getattr(check, name) for module in modules for name in module.__all__]


@pytest.mark.parametrize("checker", _all_checkers(), ids=lambda c: c.__name__)
def test_every_checker_reports_a_stub_a_missing_return_and_not_a_function(checker, capsys):
    assert_not_implemented(checker, capsys)
    assert_failed(checker, lambda *args: None, capsys, "returned None (is a `return` missing?)")
    assert_failed(checker, "W @ A + b", capsys, "expected a function, got a str")


def test_float32_answers_get_a_float32_tolerance(capsys):
    # 1 - cos(x) for small x: float32 loses digits to cancellation, a right answer still.
    x = np.array([0.0188, 0.03, 0.5])

    def reference(x):
        return 1.0 - np.cos(x)

    cases = [("three angles", (x,))]
    assert check_function("gap", lambda x: (1 - np.cos(x.astype(np.float32))).astype(np.float32), reference, cases)
    assert abs(float(1 - np.cos(np.float32(0.0188))) - reference(0.0188)) / reference(0.0188) > RTOL
    capsys.readouterr()
    # A float32 answer off by 0.1% is still wrong.
    assert not check_function("gap", lambda x: (reference(x) * 1.001).astype(np.float32), reference, cases)
    assert "wrong value" in one_line(capsys)
    # float64 answers keep the tight tolerance.
    assert not check_function("gap", lambda x: reference(x) * (1 + 1e-5), reference, cases)
    assert "wrong value" in one_line(capsys)


def test_a_hint_is_found_on_the_cases_the_learner_gets_through(capsys):
    def reference(W, x):
        return W @ x

    def transposed(W, x):
        return W.T @ x

    square = ("a square W", (np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])))
    wide = ("a 2 x 3 W", (np.arange(6.0).reshape(2, 3), np.ones(3)))
    hints = [("W is transposed: W @ x, not W.T @ x", transposed)]
    # The slip crashes on the wide case, yet the square case names it.
    assert not check_function("product", transposed, reference, [square, wide], hints=hints)
    assert "(hint: W is transposed" in one_line(capsys)


def test_a_slip_that_gives_nan_can_be_named(capsys):
    def reference(z):
        return np.exp(z - z.max()) / np.exp(z - z.max()).sum()

    def whole_max_naive(z):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.exp(z) / np.exp(z).sum()

    cases = [("large logits", (np.array([1000.0, 999.0, 0.0]),))]
    hints = [("subtract the largest logit before exp", whole_max_naive)]
    assert not check_function("softmax", whole_max_naive, reference, cases, hints=hints)
    assert "(hint: subtract the largest logit" in one_line(capsys)



def test_complex_answers_are_not_passed_on_their_real_parts(capsys):
    # np.asarray(..., float64) keeps the real parts alone (with a mere ComplexWarning), so a
    # wrong answer whose real part is right used to pass.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        line = assert_failed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z) + 1e-3j, capsys)
        assert line.endswith("expected real numbers, got complex ones "
                             "(a square root or a fractional power of a negative number?)")
        assert_passed(relu_backward, lambda dA, Z: relu_backward_ref(dA, Z) + 0j, capsys)


# -- check_stable ----------------------------------------------------------------

def _exp_cases():
    return [("z = 1", (np.array([1.0]),)), ("z = 800", (np.array([800.0]),))]


def _sigmoid_ref(z):
    return np.exp(-np.logaddexp(0.0, -z))


def test_check_stable_passes_a_stable_function_and_fails_one_that_overflows(capsys):
    assert check_stable("sigmoid", _sigmoid_ref, _sigmoid_ref, _exp_cases(), ["z"])
    assert one_line(capsys) == "PASSED  sigmoid: all 2 cases match the reference"
    # exp(800) overflows to inf, and 1 - 1 / (1 + inf) still comes out right: the values alone pass.
    assert not check_stable("sigmoid", lambda z: 1 - 1 / (1 + np.exp(z)), _sigmoid_ref, _exp_cases(), ["z"])
    assert one_line(capsys) == (
        "FAILED  sigmoid: on z = 800, numpy warned 'overflow encountered in exp': even where the values come "
        "out right, the computation fails on the way; rearrange it so that exp never receives a large positive number")


def test_check_stable_takes_any_iterable_of_cases_like_check_function(capsys):
    # It indexed the cases to name the one that warned: a generator raised TypeError.
    assert check_stable("sigmoid", _sigmoid_ref, _sigmoid_ref, iter(_exp_cases()), ["z"])
    assert one_line(capsys) == "PASSED  sigmoid: all 2 cases match the reference"


def test_text_is_not_a_number(capsys):
    # np.asarray parses "0.25" as 0.25: a value returned as str() or as a list of
    # formatted strings must not pass.
    def mean(x):
        return float(np.mean(x))

    cases = [("three numbers", (np.array([0.25, 0.5, 0.75]),))]
    check = checker("mean", mean, cases)
    assert_failed(check, lambda x: str(np.mean(x)), capsys, "expected numbers, got a str '0.5'")
    each = checker("each", lambda x: x * 2, cases)
    assert_failed(each, lambda x: [f"{v}" for v in x * 2], capsys, "expected numbers, got text")


@pytest.mark.parametrize("got, fragment", [
    (lambda x: np.array([np.mean(x)]), "expected (), got (1,) (a number inside an array: return a plain number)"),
    (lambda x: x / len(x), "expected (), got (3,) (one value per example: a sum or a mean over the examples"),
])
def test_a_number_expected_names_the_shape_slip(got, fragment, capsys):
    cases = [("three numbers", (np.array([0.25, 0.5, 0.75]),))]
    assert_failed(checker("mean", lambda x: float(np.mean(x)), cases), got, capsys, fragment)


def test_a_fitting_hint_replaces_the_guess_from_the_shape(capsys):
    # On m = 1 a forgotten mean returns a (1,) array, which the shape alone reads as a boxed
    # number; the hint that fits every case names the real slip, and the guess is left out.
    def mean(x):
        return float(np.mean(x))

    cases = [("one number", (np.array([0.25]),)), ("three numbers", (np.array([0.25, 0.5, 0.75]),))]
    hints = [("that is one value per example: take their mean", lambda x: x.copy())]
    line = assert_failed(checker("mean", mean, cases, hints=hints), lambda x: x * 1.0, capsys,
                         "expected (), got (1,) (hint: that is one value per example")
    assert "plain number" not in line


# the notebook's data, as a learner's function may read it instead of its arguments
x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])


def mean_of_notebook_x(values):
    return float(np.mean(x))


def mean_of_argument(values):
    return float(np.mean(values)) * 2  # wrong, but reads only its argument


def test_a_function_reading_the_notebooks_arrays_is_told_so(capsys):
    cases = [("three numbers", (np.array([0.25, 0.5, 0.75]),))]
    check = checker("mean", lambda v: float(np.mean(v)), cases)
    assert_failed(check, mean_of_notebook_x, capsys,
                  "(hint: your function reads the notebook's x, not only its arguments")
    line = assert_failed(check, mean_of_argument, capsys, "wrong value")
    assert "hint" not in line
