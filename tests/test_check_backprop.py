"""The checkers of notebook 05 accept right answers, report stubs, and name the usual wrong ones."""

import pathlib

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import check
from nnlessons.check import backprop as checks
from nnlessons.layers import dense_backward as package_dense_backward
from nnlessons.lessons import backprop as bp
from nnlessons.lessons.forward_prop import forward
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import assert_failed, assert_passed, assert_raised
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_backprop.ipynb"
CHECKERS = [check.dense_backward, check.backward, check.train_gd]
DERIVATIVES = {"relu": nl.activations.relu_derivative, "tanh": nl.activations.tanh_derivative,
               "sigmoid": nl.activations.sigmoid_derivative}


def test_exercises_in_notebook_order_and_reachable_from_check():
    assert checks.EXERCISES == ("dense_backward", "backward", "train_gd") == tuple(checks.__all__)
    for name in checks.EXERCISES:
        assert getattr(check, name) is getattr(checks, name)


# --------------------------------------------------------------- the notebook
def test_the_notebooks_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert [s.rstrip().splitlines()[-1] for s in sources] == [f"check.{n}({n})" for n in checks.EXERCISES]
    run_cells(sources, NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["PASSED  dense_backward: all 4 cases match the reference",
                         "PASSED  backward: all 4 cases match the reference"]
    assert lines[2].startswith("PASSED  train_gd: two moons, 500 steps of learning rate 1.0 on 1,000 points: ")
    assert len(lines) == 3


def test_the_handout_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    assert [blocks for _, blocks in students] == [1, 1, 1]
    run_cells([student for student, _ in students], NOTEBOOK)
    assert capsys.readouterr().out.splitlines() == [f"FAILED  {c.__name__}: not implemented yet" for c in CHECKERS]


# ------------------------------------------------------------ dense_backward
def solution_dense_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / m


def altered(dA_prev=None, dW=None, db=None):
    """The right dense_backward with some of its three results computed another way."""
    def fn(dZ, cache):
        A_prev, W, _ = cache
        m = A_prev.shape[1]
        right = solution_dense_backward(dZ, cache)
        return tuple(r if f is None else f(dZ, A_prev, W, m) for r, f in zip(right, (dA_prev, dW, db)))
    return fn


@pytest.mark.parametrize("fn", [
    package_dense_backward,
    solution_dense_backward,
    altered(dW=lambda dZ, A, W, m: np.einsum("ik,jk->ij", dZ, A) / m),
    altered(db=lambda dZ, A, W, m: dZ.mean(axis=1, keepdims=True)),
    lambda dZ, cache: list(solution_dense_backward(dZ, cache)),
])
def test_dense_backward_right_answers(fn, capsys):
    assert_passed(check.dense_backward, fn, capsys, "all 4 cases match the reference")


@pytest.mark.parametrize("fn, fragments", [
    (altered(dW=lambda dZ, A, W, m: dZ @ A.T, db=lambda dZ, A, W, m: dZ.sum(axis=1, keepdims=True)),
     ["value 2 of 3 (dW): wrong value", "hint: dW and db are m times too large"]),
    (altered(db=lambda dZ, A, W, m: dZ.sum(axis=1) / m),
     ["value 3 of 3 (db): wrong shape, expected (3, 1), got (3,)", "hint: db must be a column (n_out, 1)"]),
    (altered(dA_prev=lambda dZ, A, W, m: W.T @ dZ / m),
     ["value 1 of 3 (dA_prev): wrong value", "hint: dA_prev = W.T @ dZ has no 1/m"]),
    (altered(dW=lambda dZ, A, W, m: A @ dZ.T / m),
     ["value 2 of 3 (dW): wrong shape, expected (3, 4), got (4, 3) (transposed?)"]),
    (altered(dW=lambda dZ, A, W, m: dZ @ A.T), ["value 2 of 3 (dW): wrong value", "hint: dW is m times too large"]),
    (altered(db=lambda dZ, A, W, m: dZ.sum(axis=0, keepdims=True) / m),
     ["expected (3, 1), got (1, 5)", "hint: db sums over the examples"]),
    (altered(dW=lambda dZ, A, W, m: dZ @ A.T / dZ.shape[0], db=lambda dZ, A, W, m: dZ.sum(axis=1, keepdims=True)
             / dZ.shape[0]), ["value 2 of 3 (dW): wrong value", "hint: m is the number of examples"]),
    (altered(dW=lambda dZ, A, W, m: dZ @ A.T / A.shape[0], db=lambda dZ, A, W, m: dZ.sum(axis=1, keepdims=True)
             / A.shape[0]), ["value 2 of 3 (dW): wrong value", "hint: m is the number of examples"]),
    (altered(dW=lambda dZ, A, W, m: -dZ @ A.T / m), ["value 2 of 3 (dW): wrong value"]),
    (lambda dZ, cache: solution_dense_backward(dZ, cache)[::-1], ["hint: return (dA_prev, dW, db) in that order"]),
    (lambda dZ, cache: solution_dense_backward(dZ, cache)[1:], ["expected a tuple of 3 values"]),
])
def test_dense_backward_wrong_answers(fn, fragments, capsys):
    assert_failed(check.dense_backward, fn, capsys, *fragments)


def test_dense_backward_untransposed_W_raises_with_its_own_error(capsys):
    assert_raised(check.dense_backward, altered(dA_prev=lambda dZ, A, W, m: W @ dZ), capsys, ValueError, "matmul")


def test_dense_backward_in_place(capsys):
    def scales_dZ_in_place(dZ, cache):
        A_prev, W, _ = cache
        dA_prev = W.T @ dZ
        dZ /= A_prev.shape[1]
        return dA_prev, dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True)

    assert_failed(check.dense_backward, scales_dZ_in_place, capsys, "modified its input dZ in place")


# ------------------------------------------------------------------- backward
def written_backward(m_axis=1, db_axis=1, z_shift=0):
    """The backward pass as a learner writes it; the arguments give its usual slips."""
    def backward(Y, cache, params, activations):
        L, m = len(activations), Y.shape[m_axis]
        grads, dZ = {}, cache[f"A{L}"] - Y
        for l in range(L, 0, -1):
            grads[f"dW{l}"] = dZ @ cache[f"A{l - 1}"].T / m
            grads[f"db{l}"] = dZ.sum(axis=db_axis, keepdims=True) / m
            if l > 1:
                dZ = (params[f"W{l}"].T @ dZ) * DERIVATIVES[activations[l - 2]](cache[f"Z{l - 1 + z_shift}"])
        return grads
    return backward


right_backward = written_backward()


def with_dense_backward(Y, cache, params, activations):
    """Through the layer rule, with gradients named like params and listed first to last: still right."""
    L = len(activations)
    grads, dZ = {}, cache[f"A{L}"] - Y
    for l in range(L, 0, -1):
        dA, grads[f"W{l}"], grads[f"b{l}"] = package_dense_backward(
            dZ, (cache[f"A{l - 1}"], params[f"W{l}"], params[f"b{l}"]))
        if l > 1:
            dZ = nl.activations.get_activation(activations[l - 2])[1](dA, cache[f"Z{l - 1}"])
    return dict(sorted(grads.items()))


@pytest.mark.parametrize("fn", [right_backward, with_dense_backward, bp.backward])
def test_backward_right_answers(fn, capsys):
    assert_passed(check.backward, fn, capsys, "all 4 cases match the reference")


def slipped(**kw):
    return lambda *a: checks._slip(*a, **kw)


@pytest.mark.parametrize("fn, fragments", [
    (slipped(per_m=False), ["wrong value", "hint: every gradient is m times too large"]),
    (slipped(flat_db=True), ["wrong shape", "hint: db must be a column (n_l, 1)"]),
    (slipped(dA_over_m=True), ["hint: dA_prev = W.T @ dZ has no 1/m"]),
    (slipped(dW_transposed=True), ["hint: dW is transposed"]),
    (slipped(W_untransposed=True), ["hint: dA_prev = W.T @ dZ: W must be transposed"]),
    (slipped(sign=-1.0), ["hint: the sign is flipped"]),
    (slipped(output_derivative=True), ["hint: dZ_L = A_L - Y already includes the output activation's derivative"]),
    (slipped(derivative_of_A=True), ["on a 4 -> 4 -> 4 -> 4 network", "hint: the derivative g'(Z) must be taken"]),
    (lambda *a: {k: v for k, v in right_backward(*a).items() if k != "db1"}, ["expected a dict with keys"]),
    (written_backward(z_shift=1), ["key 'dW1'", "hint: dZ_(l-1) = dA_(l-1) * g'(Z_(l-1))", "published mistake"]),
    (written_backward(m_axis=0), ["hint: m is the number of examples, the columns: m = Y.shape[1]"]),
    (written_backward(db_axis=0), ["wrong shape", "hint: db sums over the examples"]),
])
def test_backward_wrong_answers_are_named(fn, fragments, capsys):
    assert_failed(check.backward, fn, capsys, *fragments)


def test_backward_every_slip_changes_some_case():
    cases = nl.check.random_cases(checks._network_case, ["x"] * 4, seed=505)
    for kw in [dict(per_m=False), dict(dA_over_m=True), dict(dW_transposed=True), dict(W_untransposed=True),
               dict(sign=-1.0), dict(output_derivative=True), dict(derivative_of_A=True),
               dict(Z_of_layer_above=True), dict(m_rows=True)]:
        differs = []
        for _, args in cases:
            ref, got = bp.backward(*args), checks._slip(*args, **kw)
            differs.append(any(not np.allclose(ref[k], got[k]) for k in ref))
        assert any(differs), kw


def test_backward_exception_is_reported_then_raised(capsys):
    def keyerror(Y, cache, params, activations):
        return {"dW1": cache["X"]}

    assert_raised(check.backward, keyerror, capsys, KeyError, "'X'")


# -------------------------------------------------------------------- train_gd
def written_train_gd(update_biases=True, forward_every_step=True):
    """The training loop as a learner writes it; the arguments give its usual slips."""
    def train_gd(X, Y, params, activations, learning_rate, steps):
        params = {k: v.copy() for k, v in params.items()}
        _, cache = forward(X, params, activations)
        for _ in range(steps):
            if forward_every_step:
                _, cache = forward(X, params, activations)
            grads = right_backward(Y, cache, params, activations)
            for k in params:
                if update_biases or k[0] == "W":
                    params[k] = params[k] - learning_rate * grads["d" + k]
        return params
    return train_gd


right_train_gd = written_train_gd()


def with_network(X, Y, params, activations, learning_rate, steps):
    net = nl.Network([params["W1"].shape[1]] + [params[f"W{l}"].shape[0] for l in range(1, len(activations) + 1)],
                     activations, "categorical_cross_entropy" if activations[-1] == "softmax" else "binary_cross_entropy",
                     rng=0)
    net.set_params(params)
    for _ in range(steps):
        for k, g in net.loss_and_grads(X, Y)[1].items():
            net.params[k] -= learning_rate * g
    return net.get_params()


@pytest.mark.parametrize("fn", [right_train_gd, with_network, bp.train_gd])
def test_train_gd_right_answers_pass_end_to_end(fn, capsys):
    line = assert_passed(check.train_gd, fn, capsys)
    assert "two moons, 500 steps of learning rate 1.0 on 1,000 points: " in line
    accuracy = float(line.split(": ")[2].split("%")[0])
    assert accuracy >= 96.0 and "on 2,000 held-out points (pass mark 96%)" in line


def hinted(i):
    return checks._steps_hints()[i][1]


@pytest.mark.parametrize("fn, fragments", [
    (hinted(0), ["1 step, key 'W1': wrong value", "hint: the parameters moved uphill"]),
    (hinted(1), ["hint: the parameters did not change"]),
    (hinted(2), ["3 steps", "hint: only one step was taken"]),
    (hinted(3), ["key 'b1'", "hint: the biases did not change"]),
    (written_train_gd(update_biases=False), ["key 'b1'", "hint: the biases did not change"]),
    (written_train_gd(forward_every_step=False), ["3 steps", "hint: the forward pass ran once, before the loop"]),
    (lambda X, Y, p, a, lr, steps: right_train_gd(X, Y, p, a, lr / X.shape[1], steps), ["wrong value"]),
    (lambda X, Y, p, a, lr, steps: right_train_gd(X, Y, p, a, lr, steps + 1), ["wrong value"]),
])
def test_train_gd_wrong_loops_are_named(fn, fragments, capsys):
    assert_failed(check.train_gd, fn, capsys, *fragments)


def test_train_gd_updating_the_callers_params_is_caught(capsys):
    def in_place(X, Y, params, activations, learning_rate, steps):
        for _ in range(steps):
            _, cache = forward(X, params, activations)
            grads = right_backward(Y, cache, params, activations)
            for k in params:
                params[k] -= learning_rate * grads["d" + k]
        return params

    assert_failed(check.train_gd, in_place, capsys, "modified its input params in place")


def test_train_gd_that_fits_the_few_steps_but_not_the_moons_fails_on_accuracy(capsys):
    def stops_early(X, Y, params, activations, learning_rate, steps):
        return right_train_gd(X, Y, params, activations, learning_rate, min(steps, 5))

    line = assert_failed(check.train_gd, stops_early, capsys, "two moons", "(pass mark 96%); does your backward pass")
    assert float(line.split(": ")[2].split("%")[0]) < 96.0


def test_train_gd_returning_nothing_on_the_moons(capsys):
    def forgets_on_big_data(X, Y, params, activations, learning_rate, steps):
        return None if X.shape[1] > 100 else right_train_gd(X, Y, params, activations, learning_rate, steps)

    assert_failed(check.train_gd, forgets_on_big_data, capsys, "on two moons: expected the trained params")


def test_train_gd_exception_on_the_moons_is_a_failed_verdict(capsys):
    def fails_on_big_data(X, Y, params, activations, learning_rate, steps):
        if X.shape[1] > 100:
            raise MemoryError("too big")
        return right_train_gd(X, Y, params, activations, learning_rate, steps)

    line = assert_raised(check.train_gd, fails_on_big_data, capsys, MemoryError)
    assert line == "FAILED  train_gd: on two moons, your function raised MemoryError: too big (traceback below)"


def test_train_gd_exception_is_a_failed_verdict(capsys):
    def broken(X, Y, params, activations, learning_rate, steps):
        raise ValueError("shapes (3,4) and (5,6) not aligned")

    assert_raised(check.train_gd, broken, capsys, ValueError, "not aligned")


# ------------------------------------------- an earlier exercise not yet written
def _unwritten_dense_backward(dZ, cache):
    raise NotImplementedError("Exercise: write this part, then re-run the cell")


def _backward_on_unwritten_dense_backward(Y, cache, params, activations):
    L = len(activations)
    _unwritten_dense_backward(cache[f"A{L}"] - Y, (cache[f"A{L - 1}"], params[f"W{L}"], params[f"b{L}"]))


def _train_gd_on_unwritten_backward(X, Y, params, activations, learning_rate, steps):
    for _ in range(steps):
        _, cache = forward(X, params, activations)
        _backward_on_unwritten_dense_backward(Y, cache, params, activations)
    return params


@pytest.mark.parametrize("checker, learner, names", [
    (check.backward, _backward_on_unwritten_dense_backward, ("backward", "_unwritten_dense_backward")),
    (check.train_gd, _train_gd_on_unwritten_backward, ("train_gd", "_unwritten_dense_backward")),
])
def test_a_stub_in_an_earlier_exercise_is_named_not_taken_for_this_one(checker, learner, names, capsys):
    line = assert_failed(checker, learner, capsys, f"your {names[0]} calls {names[1]}, which is not written yet")
    assert "not implemented yet" not in line


# ------------------------------------------------ an earlier exercise that fails
EARLIER = '''
def dense_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    return W.T @ dZ, dZ @ A_prev.T / m, dZ.sum(axis=1, keepdims=True) / (m if DB_RIGHT else 1)


def backward(Y, cache, params, activations):
    L, grads = len(activations), {}
    dZ = cache[f"A{L}"] - Y
    for l in range(L, 0, -1):
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = dense_backward(
            dZ, (cache[f"A{l - 1}"], params[f"W{l}"], params[f"b{l}"]))
        if l > 1:
            dZ = dA_prev * DERIVATIVES[activations[l - 2]](cache[f"Z{l - 1 + SHIFT}"])
    return grads


def train_gd(X, Y, params, activations, learning_rate, steps):
    for _ in range(steps):
        grads = backward(Y, forward(X, params, activations)[1], params, activations)
        params = {k: v - learning_rate * grads["d" + k] for k, v in params.items()}
    return params
'''


def earlier_answers(db_right=True, shift=0):
    namespace = {"DERIVATIVES": DERIVATIVES, "forward": forward, "DB_RIGHT": db_right, "SHIFT": shift}
    exec(EARLIER, namespace)
    return namespace


def test_a_failure_caused_by_an_earlier_exercise_says_so(capsys):
    wrong_dense = earlier_answers(db_right=False)
    assert_failed(check.backward, wrong_dense["backward"], capsys,
                  "note: your backward calls your dense_backward, which does not pass its checker yet")
    assert_failed(check.train_gd, wrong_dense["train_gd"], capsys,
                  "note: your train_gd calls your backward, which does not pass its checker yet")
    # the fault in backward itself, with a right dense_backward: no note, the slip is named
    wrong_backward = earlier_answers(shift=1)
    line = assert_failed(check.backward, wrong_backward["backward"], capsys, "hint: dZ_(l-1) = dA_(l-1)")
    assert "note:" not in line
    assert_failed(check.train_gd, wrong_backward["train_gd"], capsys, "note: your train_gd calls your backward")
    right = earlier_answers()
    assert_passed(check.backward, right["backward"], capsys)


def test_an_exception_keeps_its_traceback_below_the_note_on_an_earlier_exercise(capsys):
    both = earlier_answers(db_right=False, shift=5)  # cache["Z5"]: a KeyError in backward itself
    assert_raised(check.backward, both["backward"], capsys, KeyError, "your function raised KeyError: 'Z",
                  "note: your backward calls your dense_backward, which does not pass its checker yet")
    assert_raised(check.train_gd, both["train_gd"], capsys, KeyError,
                  "note: your train_gd calls your backward, which does not pass its checker yet")


# -- a learner's slips beyond the classic ones ---------------------------------

@pytest.mark.parametrize("order", [(1, 2, 0), (2, 0, 1), (1, 0, 2), (0, 2, 1)])
def test_dense_backward_names_any_order_of_its_three_outputs(order, capsys):
    def mixed_up(dZ, cache):
        out = solution_dense_backward(dZ, cache)
        return tuple(out[i] for i in order)

    assert_failed(check.dense_backward, mixed_up, capsys, "hint: return (dA_prev, dW, db) in that order")


def test_dense_backward_names_db_averaged_over_everything(capsys):
    def one_mean(dZ, cache):
        dA_prev, dW, db = solution_dense_backward(dZ, cache)
        return dA_prev, dW, np.mean(dZ) * np.ones_like(cache[2])

    assert_failed(check.dense_backward, one_mean, capsys, "hint: db averages each row of dZ")


def backward_without(step):
    """The learner's backward pass with ``step`` ("send back" or "derivative") left out."""
    def backward(Y, cache, params, activations):
        L, m = len(activations), Y.shape[1]
        grads, dZ = {}, cache[f"A{L}"] - Y
        for l in range(L, 0, -1):
            grads[f"dW{l}"] = dZ @ cache[f"A{l - 1}"].T / m
            grads[f"db{l}"] = dZ.sum(axis=1, keepdims=True) / m
            if l > 1 and step == "derivative":
                dZ = params[f"W{l}"].T @ dZ
            elif l > 1 and step != "send back":
                dZ = (params[f"W{l}"].T @ dZ) * DERIVATIVES[activations[l - 2]](cache[f"Z{l - 1}"])
        return grads
    return backward


def test_backward_names_a_gradient_never_sent_back_and_a_missing_derivative(capsys):
    assert_passed(check.backward, backward_without(None), capsys)
    assert_failed(check.backward, backward_without("send back"), capsys, "hint: every layer used dZ_L")
    assert_failed(check.backward, backward_without("derivative"), capsys,
                  "hint: the activation's derivative is missing")


def train_gd_with(slip):
    """The learner's training loop with one slip: "gradients once", "return in update loop", "rate 1"."""
    def train_gd(X, Y, params, activations, learning_rate, steps):
        params = {k: v.copy() for k, v in params.items()}
        grads = right_backward(Y, forward(X, params, activations)[1], params, activations)
        for _ in range(steps):
            if slip != "gradients once":
                grads = right_backward(Y, forward(X, params, activations)[1], params, activations)
            for k in params:
                params[k] = params[k] - (1.0 if slip == "rate 1" else learning_rate) * grads["d" + k]
                if slip == "return in update loop":
                    return params
        return params
    return train_gd


@pytest.mark.parametrize("slip, fragment", [
    ("gradients once", "hint: every step used the gradients of the starting parameters"),
    ("return in update loop", "hint: only W1 changed"),
    ("rate 1", "hint: the learning rate was fixed at 1.0"),
])
def test_train_gd_names_more_loop_slips(slip, fragment, capsys):
    assert_failed(check.train_gd, train_gd_with(slip), capsys, fragment)


# the notebook's training data, as a learner's loop may read it instead of its arguments
X_tr = np.random.default_rng(0).normal(size=(2, 10))
Y_tr = (X_tr[:1] > 0).astype(float)


def train_gd_on_notebook_data(X, Y, params, activations, learning_rate, steps):
    params = {k: v.copy() for k, v in params.items()}
    for _ in range(steps):
        grads = right_backward(Y_tr, forward(X_tr, params, activations)[1], params, activations)
        for k in params:
            params[k] = params[k] - learning_rate * grads["d" + k]
    return params


def test_train_gd_reading_the_notebooks_data_is_told_so(capsys):
    # the checker wraps the learner's function; the hint looks through the wrapper
    assert_failed(check.train_gd, train_gd_on_notebook_data, capsys,
                  "hint: your function reads the notebook's X_tr, Y_tr, not only its arguments")


# --------------------------------------------------------------- slips that had no hint
def test_backward_with_relu_derivative_for_every_layer_is_named(capsys):
    def relu_everywhere(Y, cache, params, activations):
        return written_backward()(Y, cache, params, ["relu"] * (len(activations) - 1) + activations[-1:])
    assert_failed(check.backward, relu_everywhere, capsys, "(relu, tanh, sigmoid)",
                  "hint: every hidden layer used ReLU's derivative")


def test_train_gd_dividing_by_m_twice_is_named(capsys):
    def over_m(X, Y, params, activations, learning_rate, steps):
        return right_train_gd(X, Y, params, activations, learning_rate / X.shape[1], steps)
    assert_failed(check.train_gd, over_m, capsys, "on a 2 -> 3 -> 1 network, 1 step",
                  "hint: every step is m times too short", "do not divide by m again")
