"""Tests of notebook 07's checkers: the solution passes, a stub is "not implemented yet",
and the usual slips fail with the hint that names them."""

import pathlib

import numpy as np
import pytest

from nnlessons import check
from nnlessons.check import training_well as ctw
from notebook_cells import exercise_sources, run_cells
from verdicts import assert_failed, assert_not_implemented, assert_passed, assert_raised
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "07_training_well.ipynb"


# ------------------------------------------------------------------ l2_gradients
def l2_solution(grads, params, lam, m):
    return {name: g + lam / m * params[name] if name.startswith("W") else g for name, g in grads.items()}


def l2_loop(grads, params, lam, m):
    new = {}
    for name in grads:
        new[name] = grads[name].copy()
        if name[0] == "W":
            new[name] += (lam / m) * params[name]
    return new


@pytest.mark.parametrize("learner", [l2_solution, l2_loop])
def test_l2_gradients_accepts_right_answers(capsys, learner):
    assert_passed(check.l2_gradients, learner, capsys, "all 3 cases match the reference")


L2_SLIPS = [
    (lambda g, p, lam, m: {k: g[k] + lam / m * p[k] for k in g}, "weight decay is for the weights only"),
    (lambda g, p, lam, m: {k: g[k] + lam * p[k] if k[0] == "W" else g[k] for k in g}, "divide by m"),
    (lambda g, p, lam, m: {k: g[k] + lam / (2 * m) * p[k] if k[0] == "W" else g[k] for k in g},
     "cancels the 1/2"),
    (lambda g, p, lam, m: {k: g[k] - lam / m * p[k] if k[0] == "W" else g[k] for k in g},
     "its gradient is added"),
    (lambda g, p, lam, m: {k: lam / m * p[k] if k[0] == "W" else g[k] for k in g}, "do not replace dW"),
    (lambda g, p, lam, m: {k: g[k] for k in g if k[0] == "W"}, "expected a dict with keys"),
    (lambda g, p, lam, m: None, "your function returned None"),
]


@pytest.mark.parametrize("learner, fragment", L2_SLIPS)
def test_l2_gradients_names_the_slip(capsys, learner, fragment):
    assert_failed(check.l2_gradients, learner, capsys, fragment)


def test_l2_gradients_refuses_changing_grads_in_place(capsys):
    def in_place(grads, params, lam, m):
        for k in grads:
            if k[0] == "W":
                grads[k] += lam / m * params[k]
        return grads

    assert_failed(check.l2_gradients, in_place, capsys, "modified its input grads in place")


def test_l2_gradients_stub(capsys):
    assert_not_implemented(check.l2_gradients, capsys)


# ------------------------------------------------------------------ dropout
def dropout_forward(A, keep_prob, rng):
    mask = rng.random(A.shape) < keep_prob
    return A * mask / keep_prob, mask


def dropout_backward(dA_drop, mask, keep_prob):
    return dA_drop * mask / keep_prob


def scaled_forward(A, keep_prob, rng):  # a mask that already holds 1 / keep_prob
    mask = (rng.random(A.shape) < keep_prob) / keep_prob
    return A * mask, mask


def scaled_backward(dA_drop, mask, keep_prob):
    return dA_drop * mask


def float_forward(A, keep_prob, rng):  # a mask of 0.0 and 1.0
    mask = (rng.random(A.shape) < keep_prob).astype(float)
    return A * mask / keep_prob, mask


DROPOUT_PASSED = ("mask, scaling and backward right; the gradient through your dropout in a network "
                  "matches central differences (relative error below 1e-7)")


def float32_forward(A, keep_prob, rng):
    mask = rng.random(A.shape) < keep_prob
    return (A * mask / keep_prob).astype(np.float32), mask


def float32_backward(dA_drop, mask, keep_prob):
    return (dA_drop * mask / keep_prob).astype(np.float32)


@pytest.mark.parametrize("forward, backward", [(dropout_forward, dropout_backward),
                                               (scaled_forward, scaled_backward),
                                               (float_forward, dropout_backward),
                                               (float32_forward, float32_backward)])
def test_dropout_accepts_right_answers(capsys, forward, backward):
    assert_passed(_drop(None, backward), forward, capsys, DROPOUT_PASSED)


def test_dropout_catches_a_mask_drawn_twice(capsys):
    def drawn_twice(A, k, rng):
        return A * (rng.random(A.shape) < k) / k, rng.random(A.shape) < k

    assert_failed(_drop(None), drawn_twice, capsys, "A_drop = A * mask / keep_prob for the mask you return")


def _drop(forward, backward=dropout_backward):
    """A one-argument checker for verdicts.py, with the other function fixed."""
    def checker(learner):
        return check.dropout(learner, backward) if forward is None else check.dropout(forward, learner)
    checker.__name__ = "dropout"
    return checker


DROPOUT_FORWARD_SLIPS = [
    (lambda A, k, rng: (A * (rng.random(A.shape) < k), rng.random(A.shape) < k), "A_drop"),
    (lambda A, k, rng: (A * (m := rng.random(A.shape) < k), m), "divide the kept activations by keep_prob"),
    (lambda A, k, rng: (A * (m := rng.random(A.shape) < k) * k, m), "do not multiply"),
    (lambda A, k, rng: (A * (m := rng.random(A.shape) > k) / k, m), "you keep with probability 1 - keep_prob"),
    (lambda A, k, rng: (A * (m := rng.random((A.shape[0], 1)) < k) / k, m), "one mask entry per unit AND"),
    # a mask of one column or one row, broadcast to the shape of A: the right shape, but not dropout
    (lambda A, k, rng: (A * (m := np.broadcast_to(rng.random((A.shape[0], 1)) < k, A.shape)) / k, m),
     "every example drops the same units"),
    (lambda A, k, rng: (A * (m := np.broadcast_to(rng.random((1, A.shape[1])) < k, A.shape)) / k, m),
     "every unit is dropped for the same examples"),
    (lambda A, k, rng: (A * (m := np.random.default_rng().random(A.shape) < k) / k, m),
     "the mask must come from the rng argument"),
    (lambda A, k, rng: (A * (m := np.random.default_rng(0).random(A.shape) < k) / k, m),
     "the mask must come from the rng argument"),
    (lambda A, k, rng: A * (rng.random(A.shape) < k) / k, "must return (A_drop, mask)"),
    (lambda A, k, rng: None, "dropout_forward returned None"),
]


@pytest.mark.parametrize("learner, fragment", DROPOUT_FORWARD_SLIPS)
def test_dropout_forward_slips(capsys, learner, fragment):
    assert_failed(_drop(None), learner, capsys, fragment)


def test_dropout_forward_in_place(capsys):
    def in_place(A, k, rng):
        mask = rng.random(A.shape) < k
        A *= mask / k
        return A, mask

    assert_failed(_drop(None), in_place, capsys, "modified its input A in place")


DROPOUT_BACKWARD_SLIPS = [
    (lambda dA, M, k: dA * M, "the backward pass divides by keep_prob too"),
    (lambda dA, M, k: dA / k, "multiply by the mask"),
    (lambda dA, M, k: dA * (np.random.default_rng().random(dA.shape) < k) / k,
     "a mask redrawn in the backward pass"),
    (lambda dA, M, k: dA * (np.random.default_rng(1).random(dA.shape) < k) / k,
     "a mask redrawn in the backward pass"),
    (lambda dA, M, k: dA * M * k, "divide by keep_prob, do not multiply"),
    (lambda dA, M, k: (dA * M / k).T, "wrong shape"),
]


@pytest.mark.parametrize("learner, fragment", DROPOUT_BACKWARD_SLIPS)
def test_dropout_backward_slips(capsys, learner, fragment):
    assert_failed(_drop(dropout_forward), learner, capsys, fragment)


def test_dropout_stubs_and_errors(capsys):
    from verdicts import stub
    assert_failed(_drop(None), stub, capsys, "not implemented yet")
    assert_failed(_drop(dropout_forward), stub, capsys, "not implemented yet")

    def broken(dA, M, k):
        return dA @ M  # shapes do not fit

    assert_raised(_drop(dropout_forward), broken, capsys, ValueError, "on dropout_backward")
    assert not check.dropout(dropout_forward, "not a function")
    assert "expected a function" in capsys.readouterr().out
    assert_failed(_drop(None, None), dropout_forward, capsys, "now pass both functions")


# ------------------------------------------------------------------ momentum_step
def momentum_solution(params, grads, velocity, learning_rate, beta):
    new_velocity = {k: beta * velocity[k] + grads[k] for k in params}
    new_params = {k: params[k] - learning_rate * new_velocity[k] for k in params}
    return new_params, new_velocity


def test_momentum_step_accepts_the_solution(capsys):
    assert_passed(check.momentum_step, momentum_solution, capsys, "all 3 cases match the reference")
    as_list = lambda *a: list(momentum_solution(*a))  # noqa: E731
    assert_passed(check.momentum_step, as_list, capsys)


MOMENTUM_SLIPS = [
    (lambda p, g, v, lr, b: momentum_solution(p, {k: (1 - b) * g[k] for k in g}, v, lr, b),
     "without the factor (1 - beta)"),
    (lambda p, g, v, lr, b: ({k: p[k] - lr * v[k] for k in p}, {k: b * v[k] + g[k] for k in p}),
     "update the velocity first"),
    (lambda p, g, v, lr, b: ({k: p[k] + lr * (b * v[k] + g[k]) for k in p}, {k: b * v[k] + g[k] for k in p}),
     "step downhill"),
    (lambda p, g, v, lr, b: ({k: p[k] - lr * g[k] for k in p}, {k: b * v[k] + g[k] for k in p}),
     "the step uses v, not dp alone"),
    (lambda p, g, v, lr, b: ({k: p[k] - lr * (b * v[k] + g[k]) for k in p},
                             {k: -lr * (b * v[k] + g[k]) for k in p}),
     "keep the learning rate out of the velocity"),
    (lambda p, g, v, lr, b: momentum_solution(p, {k: b * g[k] for k in g}, v, lr, b),
     "beta multiplies the old velocity only"),
    (lambda p, g, v, lr, b: momentum_solution(p, g, v, lr, b)[0], "expected a tuple of 2 values"),
    (lambda p, g, v, lr, b: (lambda nv: ({k: p[k] + nv[k] for k in p}, nv))(
        {k: b * v[k] - lr * g[k] for k in p}), "the other common form of momentum"),
    (lambda p, g, v, lr, b: momentum_solution(p, g, v, lr, b)[::-1], "return (new_params, new_velocity)"),
]


@pytest.mark.parametrize("learner, fragment", MOMENTUM_SLIPS)
def test_momentum_step_names_the_slip(capsys, learner, fragment):
    assert_failed(check.momentum_step, learner, capsys, fragment)


def test_momentum_step_in_place_and_stub(capsys):
    def in_place(params, grads, velocity, lr, beta):
        for k in params:
            velocity[k] = beta * velocity[k] + grads[k]
            params[k] -= lr * velocity[k]
        return params, velocity

    assert_failed(check.momentum_step, in_place, capsys, "modified its input params in place")
    assert_not_implemented(check.momentum_step, capsys)


# ------------------------------------------------------------------ train_with_adam
def adam_solution(net, X, y, epochs, batch_size, learning_rate, rng, power=2, eps_term="+", efficient=False):
    """``power=1``: the slip of an s that averages the gradients themselves, not their squares;
    ``eps_term`` "-" or "none": eps subtracted or left out; ``efficient``: Kingma and Ba's form (right)."""
    beta1, beta2 = 0.9, 0.999
    eps = {"+": 1e-8, "-": -1e-8, "none": 0.0}[eps_term]
    m = {k: np.zeros_like(p) for k, p in net.params.items()}
    v = {k: np.zeros_like(p) for k, p in net.params.items()}
    t = 0
    costs = []
    n = X.shape[1]
    for epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            cost, grads = net.loss_and_grads(X[:, idx], y[idx])
            t += 1
            for k in net.params:
                m[k] = beta1 * m[k] + (1 - beta1) * grads[k]
                v[k] = beta2 * v[k] + (1 - beta2) * grads[k] ** power
                m_hat = m[k] / (1 - beta1**t)
                v_hat = v[k] / (1 - beta2**t)
                with np.errstate(invalid="ignore", divide="ignore"):  # power=1: square roots of negatives
                    if efficient:  # the corrections folded into the step size
                        step = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
                        net.params[k] = net.params[k] - step * m[k] / (np.sqrt(v[k]) + eps)
                    else:
                        net.params[k] = net.params[k] - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
            costs.append(cost)
    return costs


def adam_with_package(net, X, y, epochs, batch_size, learning_rate, rng):
    from nnlessons.optim import Adam
    opt, costs = Adam(learning_rate), []
    for _ in range(epochs):
        order = rng.permutation(X.shape[1])
        for s in range(0, X.shape[1], batch_size):
            cost, grads = net.loss_and_grads(X[:, order[s:s + batch_size]], y[order[s:s + batch_size]])
            opt.step(net.params, grads)
            costs.append(cost)
    return np.array(costs)


@pytest.mark.parametrize("learner", [adam_solution, adam_with_package])
def test_train_with_adam_accepts_right_answers(capsys, learner):
    assert_passed(check.train_with_adam, learner, capsys, "all 2 cases match the reference")


@pytest.mark.parametrize("slip, fragment", [
    (dict(correct=False), "correct the bias of v and s"),
    (dict(per_parameter=True), "count t once per step, not once per parameter"),
    (dict(reset_each_epoch=True), "do not reset it each epoch"),
    (dict(eps_inside=True), "eps goes outside the square root"),
    (dict(no_sqrt=True), "divide by the square root of s_hat"),
])
def test_train_with_adam_names_the_slip(capsys, slip, fragment):
    assert_failed(check.train_with_adam, ctw._wrong_adam(**slip), capsys, fragment)


def test_train_with_adam_other_slips(capsys):
    def unshuffled(net, X, y, epochs, batch_size, learning_rate, rng):
        return adam_solution(net, X, y, epochs, batch_size, learning_rate, ctw._Unshuffled())

    assert_failed(check.train_with_adam, unshuffled, capsys, "shuffle every epoch")

    def drops_last_batch(net, X, y, epochs, batch_size, learning_rate, rng):
        return adam_solution(net, X[:, :24], y[:24], epochs, batch_size, learning_rate, rng)

    assert_failed(check.train_with_adam, drops_last_batch, capsys, "expected a list of")

    def skips_last_batch(net, X, y, epochs, batch_size, learning_rate, rng):
        from nnlessons.optim import Adam
        opt, costs, n = Adam(learning_rate), [], X.shape[1]
        for _ in range(epochs):
            order = rng.permutation(n)
            for s in range(0, n - n % batch_size, batch_size):
                cost, grads = net.loss_and_grads(X[:, order[s:s + batch_size]], y[order[s:s + batch_size]])
                opt.step(net.params, grads)
                costs.append(cost)
        return costs

    assert_failed(check.train_with_adam, skips_last_batch, capsys, "the last, smaller batch of each epoch")

    def shuffled_once(net, X, y, epochs, batch_size, learning_rate, rng):
        order = rng.permutation(X.shape[1])
        return adam_solution(net, X, y, epochs, batch_size, learning_rate, _Fixed(order))

    assert_failed(check.train_with_adam, shuffled_once, capsys, "shuffled once, in the same order every epoch")

    assert_failed(check.train_with_adam, _sgd, capsys, "wrong value")
    assert_failed(check.train_with_adam, lambda *a: None, capsys, "your function returned None")
    assert_not_implemented(check.train_with_adam, capsys)


def _sgd(net, X, y, epochs, batch_size, learning_rate, rng):
    costs = []
    for _ in range(epochs):
        order = rng.permutation(X.shape[1])
        for s in range(0, X.shape[1], batch_size):
            idx = order[s:s + batch_size]
            cost, grads = net.loss_and_grads(X[:, idx], y[idx])
            for k in net.params:
                net.params[k] = net.params[k] - learning_rate * grads[k]
            costs.append(cost)
    return costs


# ------------------------------------------------------------------ the notebook
def test_exercises_lists_the_checkers_in_notebook_order():
    assert ctw.EXERCISES == ("l2_gradients", "dropout", "momentum_step", "train_with_adam", "regularisation_choice")
    assert all(hasattr(check, name) for name in ctw.EXERCISES)
    if NOTEBOOK.exists():
        calls = [src.rsplit("\ncheck.", 1)[1].split("(")[0] for src in exercise_sources(NOTEBOOK)]
        assert tuple(calls) == ctw.EXERCISES


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 07 not written yet")
def test_the_notebooks_solutions_pass(capsys):
    run_cells(exercise_sources(NOTEBOOK), NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"PASSED  {name}" for name in ctw.EXERCISES]


class _Fixed:
    """An rng whose every permutation is the same order: a loop that shuffled once."""

    def __init__(self, order):
        self.order = order

    def permutation(self, m):
        return self.order.copy()



# -- a learner's slips beyond the classic ones ---------------------------------

def test_l2_gradients_names_keys_taken_from_notebook_05(capsys):
    # notebook 05 named the gradients "dW1", ...; here they are named like the parameters
    def dW_keys(grads, params, lam, m):
        return {k: g + lam / m * params[k[1:]] if k.startswith("dW") else g for k, g in grads.items()}

    assert_failed(check.l2_gradients, dW_keys, capsys, "hint: the gradients came back unchanged")


def test_a_shallow_copy_changed_in_place_is_explained(capsys):
    def shallow(grads, params, lam, m):
        new = dict(grads)
        for k in new:
            if k.startswith("W"):
                new[k] += lam / m * params[k]
        return new

    assert_failed(check.l2_gradients, shallow, capsys, "modified its input grads in place",
                  "dict(d) or list(x) copies the container but shares its arrays")


def test_dropout_names_the_outputs_swapped(capsys):
    def swapped(A, keep_prob, rng):
        A_drop, mask = dropout_forward(A, keep_prob, rng)
        return mask, A_drop

    assert_failed(check.dropout, swapped, capsys, "hint: return (A_drop, mask) in that order")


def test_train_with_adam_names_s_of_unsquared_gradients(capsys):
    def unsquared(*args):
        return adam_solution(*args, power=1)

    assert_failed(check.train_with_adam, unsquared, capsys, "hint: s averages the squared gradients")


notebook_rng = np.random.default_rng(5)  # a generator of the notebook, not the one passed in


def test_train_with_adam_names_a_shuffle_from_another_generator(capsys):
    def other_rng(net, X, y, epochs, batch_size, learning_rate, rng):
        return adam_solution(net, X, y, epochs, batch_size, learning_rate, notebook_rng)

    assert_failed(check.train_with_adam, other_rng, capsys, "wrong value",
                  "hint: two runs with the same rng gave different costs")
    # a wrong loop that repeats itself is not told about its rng
    line = assert_failed(check.train_with_adam, lambda *args: adam_solution(*args)[::-1], capsys, "wrong value")
    assert "same rng" not in line


# ------------------------------------------------------------- Adam: where eps sits
def adam_written(eps_term="+", efficient=False):
    """Adam with ``eps_term`` "+" (right), "-" or "none"; ``efficient``: Kingma and Ba's form."""
    return lambda *args: adam_solution(*args, eps_term=eps_term, efficient=efficient)


def test_train_with_adam_accepts_kingma_and_bas_efficient_form(capsys):
    assert_passed(check.train_with_adam, adam_written(efficient=True), capsys, "all 2 cases match the reference")


@pytest.mark.parametrize("eps_term, hint", [("-", "hint: eps is added to the square root, sqrt(s_hat) + eps"),
                                            ("none", "hint: add eps to the square root")])
@pytest.mark.parametrize("efficient", [False, True])
def test_train_with_adam_names_eps_on_a_near_zero_gradient(capsys, eps_term, hint, efficient):
    # on the costs already, or on the parameters of a network where eps sets the steps
    line = assert_failed(check.train_with_adam, adam_written(eps_term, efficient), capsys, hint)
    assert "rounded?" not in line
    if not efficient:
        assert "on a [4, 5, 3] network whose first input is 1e-7 times the others, the trained net.params" in line


# -- regularisation_choice: a decision, graded end to end -----------------------
# Each distinct choice trains section 1's network once (about a second; the checker caches the runs).

def _choose(lam, keep_prob):
    return lambda: {"lam": lam, "keep_prob": keep_prob}


@pytest.mark.parametrize("learner", [_choose(0.0, 0.5), {"lam": 0.0, "keep_prob": 0.5}, _choose(1, 0.5),
                                     _choose(3.0, 0.6)])
def test_regularisation_choice_accepts_choices_that_beat_the_baseline(capsys, learner):
    line = assert_passed(check.regularisation_choice, learner, capsys)
    # the baseline is the unregularised network of section 1 (0.9090 at its best epoch), the test set reported once
    assert "against 0.9090 without a regulariser" in line and line.count("test accuracy") == 1


def test_regularisation_choice_stub_and_errors(capsys):
    assert_not_implemented(check.regularisation_choice, capsys)

    def broken():
        return {"lam": undefined_name, "keep_prob": 0.5}  # noqa: F821

    assert_raised(check.regularisation_choice, broken, capsys, NameError)


@pytest.mark.parametrize("choice, fragment", [
    ({"lam": 0.0, "keep_prob": 1.5}, "at most 1 (1 means no dropout), got 1.5"),
    ({"lam": 0.0, "keep_prob": 0.0}, "keep_prob must be above 0"),
    ({"lam": -1.0, "keep_prob": 0.5}, "a negative lambda rewards large weights"),
    ({"lam": 0.0, "keep_prob": 1.0}, "is the unregularised network itself"),
    ({"lambda": 1.0, "keep_prob": 0.5}, "expected the keys 'lam' and 'keep_prob'"),
    ({"lam": 1.0}, "expected the keys 'lam' and 'keep_prob'"),
    ({"lam": "1", "keep_prob": 0.5}, "lam must be a finite number"),
    ({"lam": 0.0, "keep_prob": float("nan")}, "keep_prob must be a finite number"),
    ({"lam": True, "keep_prob": 0.5}, "lam must be a finite number"),
    ((0.0, 0.5), "expected a dict"),
])
def test_regularisation_choice_refuses_impossible_choices_without_training(capsys, choice, fragment, monkeypatch):
    def no_training(*args):
        raise AssertionError("an impossible choice must not be trained")

    monkeypatch.setattr(ctw, "_regularised_run", no_training)
    assert_failed(check.regularisation_choice, lambda: choice, capsys, fragment)


@pytest.mark.parametrize("lam, keep_prob, fragments", [
    (30.0, 1.0, ["lambda 30 is so large that it shrinks the weights until the network underfits", "regularise less"]),
    (0.0, 0.2, ["keep_prob 0.2 is so small", "training accuracy 0.88", "regularise less"]),
    (3.0, 1.0, ["too weak or the wrong kind", "validation split"]),
    (1.0, 1.0, ["too weak or the wrong kind"]),
    (0.0, 0.4, ["better on the test set than on the validation split"]),
])
def test_regularisation_choice_names_the_mistake(capsys, lam, keep_prob, fragments):
    assert_failed(check.regularisation_choice, _choose(lam, keep_prob), capsys, "it must be at least 0.9120",
                  *fragments)


def test_regularisation_choice_names_both_culprits(capsys, monkeypatch):
    runs = {(0.0, 1.0): (1818, 1.0, 8879, 33), (20.0, 0.1): (1700, 0.5, 8500, 40)}
    monkeypatch.setattr(ctw, "_regularised_run", lambda lam, keep: runs[lam, keep])
    assert_failed(check.regularisation_choice, _choose(20.0, 0.1), capsys, "lambda 20 is so large",
                  "and keep_prob 0.1 is so small", "training accuracy 0.5000")


def test_regularisation_choice_verdict_ignores_the_test_set(capsys, monkeypatch):
    # validation exactly at the margin passes even with a worse test score; one image short fails with a better one
    runs = {(0.0, 1.0): (1818, 1.0, 8879, 33), (0.0, 0.5): (1824, 0.98, 8000, 38), (0.0, 0.6): (1823, 0.98, 9500, 30)}
    monkeypatch.setattr(ctw, "_regularised_run", lambda lam, keep: runs[lam, keep])
    assert_passed(check.regularisation_choice, _choose(0.0, 0.5), capsys)
    assert_failed(check.regularisation_choice, _choose(0.0, 0.6), capsys, "better on the test set")
