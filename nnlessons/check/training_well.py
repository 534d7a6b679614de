"""Checkers for the exercises of notebook 07 (training well).

``l2_gradients`` and ``momentum_step`` compare the learner's function with the
package's rule on the checker's own inputs. ``dropout`` cannot compare random
masks draw for draw (a learner may draw them in any order), so it checks what
defines inverted dropout instead: the mask is reproducible from the ``rng``
argument, keeps about ``keep_prob`` of the units, the kept values are divided by
``keep_prob``, the backward pass reuses the forward mask, and a gradient through
the learner's pair in a small network matches central differences.
``train_with_adam`` runs the learner's whole training loop on small networks and
compares every mini-batch cost with the package's ``optim.Adam`` in the same loop.
``regularisation_choice`` takes a decision, not a function to compare: the learner's
lambda and keep probability train section 1's digits network with section 1's recipe,
whose validation accuracy must beat the unregularised network's by ``MARGIN``; the
test set is scored once, for the report.
"""

import contextlib
import copy
import functools
import io
import math
import numbers

import numpy as np

from .. import regularization
from ..datasets import minibatches
from ..gradcheck import numerical_gradient, relative_error
from ..network import Network
from ..optim import Adam, Momentum
from ._core import (NOT_IMPLEMENTED, call_for_answer, RETURNED_NONE, _compare, _describe, _report, _same, check_function, random_cases,
                    report_copied, report_raised, watching)

__all__ = ["l2_gradients", "dropout", "momentum_step", "train_with_adam", "regularisation_choice"]

#: the checkers in the order of the notebook's exercises
EXERCISES = ("l2_gradients", "dropout", "momentum_step", "train_with_adam", "regularisation_choice")


def _params(rng, sizes):
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.standard_normal((sizes[l], sizes[l - 1]))
        params[f"b{l}"] = rng.standard_normal((sizes[l], 1))
    return params


# ------------------------------------------------------------------ L2
def l2_gradients(learner):
    """Check ``l2_gradients(grads, params, lam, m)``: a new dict with ``lam / m * W`` added to each ``dW``, ``db`` unchanged."""
    specs = [([3, 4, 2], 0.5, 10), ([2, 3, 3, 1], 2.0, 7), ([5, 1], 0.1, 40)]

    def make(rng, i):
        sizes, lam, m = specs[i]
        params = _params(rng, sizes)
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        return grads, params, lam, m

    def plus(term):
        return lambda grads, params, lam, m: {
            k: g + term(params[k], lam, m) if k.startswith("W") else g for k, g in grads.items()}

    hints = [
        ("the gradients came back unchanged: add lambda / m W to every weight gradient (the keys here are "
         "named like the parameters, 'W1', 'b1', ..., not 'dW1')",
         lambda grads, params, lam, m: {k: g.copy() for k, g in grads.items()}),
        ("weight decay is for the weights only: leave every db as it is",
         lambda grads, params, lam, m: {k: g + lam / m * params[k] for k, g in grads.items()}),
        ("divide by m: the penalty is lambda / (2 m) times the sum of squares, so its gradient is lambda / m W",
         plus(lambda W, lam, m: lam * W)),
        ("the 2 from differentiating W^2 cancels the 1/2 of the penalty: the term is lambda / m W",
         plus(lambda W, lam, m: lam / (2 * m) * W)),
        ("the penalty adds to the cost, so its gradient is added: dW + lambda / m W",
         plus(lambda W, lam, m: -lam / m * W)),
        ("add the term to dW; do not replace dW by it",
         lambda grads, params, lam, m: {k: lam / m * params[k] if k.startswith("W") else g
                                        for k, g in grads.items()}),
    ]
    cases = random_cases(make, ["a [3, 4, 2] network, lambda 0.5, m 10", "a [2, 3, 3, 1] network, lambda 2, m 7",
                                "a single layer, lambda 0.1, m 40"], seed=701)
    return check_function("l2_gradients", learner, regularization.l2_gradients, cases,
                          ("grads", "params", "lam", "m"), hints)


# ------------------------------------------------------------------ dropout
class _Failed(Exception):
    """Raised inside the dropout checker with the line to report."""


class _Raised(Exception):
    """Raised inside the dropout checker when the learner's function raised ``exc`` (on ``where``)."""

    def __init__(self, exc, where):
        super().__init__(where)
        self.exc, self.where = exc, where


def _call(name, fn, what, *args):
    """Run one of the learner's functions; its exception (the stub's aside) comes out as ``_Raised``."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except Exception as exc:
        raise _Raised(exc, what) from None


def _forward(forward, A, keep_prob, seed):
    """The learner's forward pass on a copy of ``A``, checked for its form.

    Returns ``(A_drop, kept, mask)``: ``kept`` the boolean pattern of kept units,
    ``mask`` exactly as the learner returned it (for their backward pass).
    """
    given = A.copy()
    out = _call("dropout", forward, f"on dropout_forward(A {A.shape}, keep_prob={keep_prob})",
                given, keep_prob, np.random.default_rng(seed))
    if not _same(A, given):
        raise _Failed("dropout_forward modified its input A in place; compute a new array instead")
    if out is None:
        raise _Failed("dropout_forward returned None (is a `return` missing?)")
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise _Failed(f"dropout_forward must return (A_drop, mask), got {_describe(out)}")
    A_drop = np.asarray(out[0])
    A_drop = A_drop if _single(A_drop) else A_drop.astype(np.float64)  # float32 kept for the tolerance
    mask = np.asarray(out[1], dtype=np.float64)
    for what, arr in (("A_drop", A_drop), ("mask", mask)):
        if arr.shape != A.shape:
            extra = (" (one mask entry per unit AND per example: use the shape of A)"
                     if what == "mask" and arr.size in (A.shape[0], A.shape[1]) else "")
            raise _Failed(f"dropout_forward's {what} has shape {arr.shape}, expected {A.shape}{extra}")
    kept = mask != 0
    # A mask drawn for one column or one row and broadcast has the right shape but is not
    # dropout: every example loses the same units (or every unit the same examples).
    if min(A.shape) > 1 and not kept.all() and (np.all(kept == kept[:, :1]) or np.all(kept == kept[:1, :])):
        which = "every example drops the same units" if np.all(kept == kept[:, :1]) else \
            "every unit is dropped for the same examples"
        raise _Failed(f"dropout_forward's mask repeats one row or column: {which} (hint: one independent "
                      "draw per unit AND per example, rng.random(A.shape) < keep_prob)")
    # A mask of 0/1 or of 0/(1 / keep_prob) are both fine: only which units are kept matters.
    if not (np.all(mask[kept] == 1) or np.allclose(mask[kept], 1.0 / keep_prob)):
        first = np.asarray(out[0], dtype=np.float64)
        swapped = " (hint: return (A_drop, mask) in that order)" if np.all((first == 0) | (first == 1)) else ""
        raise _Failed(f"dropout_forward's mask must hold 0 (dropped) and 1 (kept){swapped}")
    return A_drop, kept, out[1]


def _single(x):
    """True for a float32 answer (array or number)."""
    return getattr(x, "dtype", None) == np.float32


def _check_dropout(forward, backward):
    rng = np.random.default_rng(702)
    keep = 0.8
    A = rng.random((200, 500)) + 0.5  # positive, so that a kept unit is never 0
    A_drop, kept, _ = _forward(forward, A, keep, 7021)
    fraction = kept.mean()
    if abs(fraction - keep) > 0.01:  # 100,000 draws: the standard error is 0.0013
        hint = (" (hint: you keep with probability 1 - keep_prob; keep where rng.random(shape) < keep_prob)"
                if abs(fraction - (1 - keep)) < 0.01 else "")
        raise _Failed(f"with keep_prob={keep}, your mask keeps {fraction:.3f} of the units{hint}")
    # an answer computed in float32 is right to float32's precision
    rtol = 1e-6 if _single(A_drop) else 1e-9
    if not np.allclose(A_drop, A * kept / keep, rtol=rtol):
        if np.allclose(A_drop, A * kept, rtol=rtol):
            hint = ("divide the kept activations by keep_prob (inverted dropout); without it their "
                    "expected value shrinks to keep_prob times the activation")
        elif np.allclose(A_drop, A * kept * keep, rtol=rtol):
            hint = "divide by keep_prob, do not multiply"
        else:
            hint = "A_drop = A * mask / keep_prob for the mask you return"
        raise _Failed(f"A_drop is wrong for keep_prob={keep} (hint: {hint})")
    _, kept_again, _ = _forward(forward, A, keep, 7021)
    _, kept_other, _ = _forward(forward, A, keep, 7022)
    if not np.array_equal(kept, kept_again) or np.array_equal(kept, kept_other):
        raise _Failed("the mask must come from the rng argument (rng.random(A.shape) < keep_prob), "
                      "so that the same seed gives the same mask")

    # backward, with the learner's own mask
    if backward is None:
        raise _Failed("dropout_forward is right; now pass both functions: "
                      "check.dropout(dropout_forward, dropout_backward)")
    for keep_b, shape, seed in ((0.5, (4, 6), 7023), (0.9, (3, 50), 7024)):
        dA_drop = rng.standard_normal(shape)
        _, kept_b, mask = _forward(forward, rng.random(shape) + 0.5, keep_b, seed)
        given = dA_drop.copy()
        got = _call("dropout", backward, f"on dropout_backward(dA_drop {shape}, mask, keep_prob={keep_b})",
                    given, mask, keep_b)
        if not _same(dA_drop, given):
            raise _Failed("dropout_backward modified its input dA_drop in place; compute a new array instead")
        expected = dA_drop * kept_b / keep_b
        problem = _compare(expected, got, f"dropout_backward with keep_prob={keep_b}")
        if problem:
            arr = np.asarray(got, dtype=np.float64)
            if arr.shape == expected.shape:
                if np.allclose(arr, dA_drop * kept_b, rtol=1e-9):
                    problem += " (hint: the backward pass divides by keep_prob too)"
                elif np.allclose(arr, dA_drop * kept_b * keep_b, rtol=1e-9):
                    problem += " (hint: divide by keep_prob, do not multiply)"
                elif np.allclose(arr, dA_drop / keep_b, rtol=1e-9) or np.allclose(arr, dA_drop, rtol=1e-9):
                    problem += " (hint: multiply by the mask: a dropped unit passes no gradient back)"
                elif not np.array_equal(arr != 0, kept_b):
                    problem += (" (hint: use the mask from the forward pass; a mask redrawn in the backward "
                                "pass drops other units than the forward pass did)")
            raise _Failed(problem)

    # the pair inside a small network: its gradient against central differences, mask fixed
    X = rng.standard_normal((3, 8))
    W1, W2 = rng.standard_normal((5, 3)), rng.standard_normal((2, 5))
    T = rng.standard_normal((2, 8))
    A1 = np.tanh(W1 @ X)
    A1_drop, kept1, mask1 = _forward(forward, A1, 0.6, 7025)
    dA1 = _call("dropout", backward, "on dropout_backward in a network", W2.T @ (W2 @ A1_drop - T), mask1, 0.6)
    limit = 1e-5 if _single(dA1) else 1e-7  # float32 rounding alone is about 1e-7
    dA1 = np.asarray(dA1, dtype=np.float64)
    dW1 = (dA1 * (1 - A1**2)) @ X.T

    def cost():
        return 0.5 * np.sum((W2 @ (np.tanh(W1 @ X) * kept1 / 0.6) - T) ** 2)

    error = relative_error(dW1, numerical_gradient(cost, W1))
    if not error < limit:
        raise _Failed(f"in a small network, the gradient through your dropout pair has relative error "
                      f"{error:.1e} against central differences (mask fixed)")


def dropout(forward, backward=None):
    """Check ``dropout_forward(A, keep_prob, rng) -> (A_drop, mask)`` and ``dropout_backward(dA_drop, mask, keep_prob)``.

    Inverted dropout: ``mask`` 1 with probability ``keep_prob`` (drawn from ``rng``), else 0,
    one entry per unit and example; ``A_drop = A * mask / keep_prob``; backward
    ``dA = dA_drop * mask / keep_prob`` with the forward pass's mask.
    """
    __tracebackhide__ = True
    for fn, what in ((forward, "dropout_forward"), (backward, "dropout_backward")):
        if not callable(fn) and not (fn is None and what == "dropout_backward"):
            return _report("dropout", False, f"{what}: expected a function, got {_describe(fn)}")
    try:
        with watching("dropout") as seen:
            _check_dropout(forward, backward)
    except NotImplementedError:
        return _report("dropout", False, NOT_IMPLEMENTED)
    except (_Failed, _Raised) as failed:
        if seen:
            return report_copied("dropout", seen)
        if isinstance(failed, _Raised):
            return report_raised("dropout", failed.exc, failed.where)
        return _report("dropout", False, str(failed))
    if seen:
        return report_copied("dropout", seen)
    return _report("dropout", True, "mask, scaling and backward right; the gradient through your dropout "
                                    "in a network matches central differences (relative error below 1e-7)")


# ------------------------------------------------------------------ momentum
def _momentum_reference(params, grads, velocity, learning_rate, beta):
    opt = Momentum(learning_rate, beta)
    opt.velocity = {k: v.copy() for k, v in velocity.items()}
    new = {k: v.copy() for k, v in params.items()}
    opt.step(new, grads)
    return new, opt.velocity


def momentum_step(learner):
    """Check ``momentum_step(params, grads, velocity, learning_rate, beta) -> (new_params, new_velocity)``.

    ``v <- beta v + dp`` then ``p <- p - learning_rate v``, for every name, as new dicts.
    """
    specs = [([3, 4, 2], 0.1, 0.9), ([2, 3, 1], 0.05, 0.5), ([4, 2], 0.2, 0.0)]

    def make(rng, i):
        sizes, lr, beta = specs[i]
        params = _params(rng, sizes)
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        velocity = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        return params, grads, velocity, lr, beta

    def rule(new_v, use_old=False, sign=-1.0):
        def wrong(params, grads, velocity, lr, beta):
            v = {k: new_v(velocity[k], grads[k], beta) for k in params}
            step = velocity if use_old else v
            return {k: params[k] + sign * lr * step[k] for k in params}, v
        return wrong

    def lr_in_velocity(params, grads, velocity, lr, beta):
        v = {k: -lr * (beta * velocity[k] + grads[k]) for k in params}
        return {k: params[k] + v[k] for k in params}, v

    def cs231n_form(params, grads, velocity, lr, beta):
        v = {k: beta * velocity[k] - lr * grads[k] for k in params}
        return {k: params[k] + v[k] for k in params}, v

    hints = [
        ("this notebook's velocity is v = beta v + dp, without the factor (1 - beta)",
         rule(lambda v, g, b: b * v + (1 - b) * g)),
        ("update the velocity first, then step with the new velocity",
         rule(lambda v, g, b: b * v + g, use_old=True)),
        ("step downhill: p - learning_rate v", rule(lambda v, g, b: b * v + g, sign=1.0)),
        ("the velocity carries the gradient: v = beta v + dp, and the step uses v, not dp alone",
         lambda p, g, v, lr, b: ({k: p[k] - lr * g[k] for k in p}, {k: b * v[k] + g[k] for k in p})),
        ("keep the learning rate out of the velocity: v = beta v + dp, then p - learning_rate v", lr_in_velocity),
        ("beta multiplies the old velocity only: v = beta v + dp",
         rule(lambda v, g, b: b * (v + g))),
        ("that is the other common form of momentum, v = beta v - learning_rate dp, p + v; this notebook's is "
         "v = beta v + dp, then p - learning_rate v", cs231n_form),
        ("return (new_params, new_velocity) in that order",
         lambda p, g, v, lr, b: _momentum_reference(p, g, v, lr, b)[::-1]),
    ]
    cases = random_cases(make, ["a [3, 4, 2] network, learning rate 0.1, beta 0.9",
                                "a [2, 3, 1] network, learning rate 0.05, beta 0.5",
                                "one layer, beta 0 (plain gradient descent)"], seed=703)
    return check_function("momentum_step", learner, _momentum_reference, cases,
                          ("params", "grads", "velocity", "learning_rate", "beta"), hints,
                          names=("new_params", "new_velocity"))


# ------------------------------------------------------------------ Adam, end to end
def _adam_loop(net, X, y, epochs, batch_size, learning_rate, rng, *, step=None):
    """The reference: the mini-batch loop of notebook 06 with ``optim.Adam``; the cost of every batch."""
    step = step or Adam(learning_rate).step
    m = X.shape[1]
    costs = []
    for _ in range(epochs):
        for idx in minibatches(m, batch_size, rng=rng):
            cost, grads = net.loss_and_grads(X[:, idx], y[idx])
            step(net.params, grads)
            costs.append(cost)
    return costs


def _adam_loop_slip(net, X, y, epochs, batch_size, learning_rate, rng, *, shuffle_once=False, drop_last=False):
    """The reference loop, shuffled only once or without the last, smaller batch of each epoch."""
    step = Adam(learning_rate).step
    m = X.shape[1]
    costs = []
    order = rng.permutation(m)
    for epoch in range(epochs):
        if epoch and not shuffle_once:
            order = rng.permutation(m)
        for start in range(0, m - m % batch_size if drop_last else m, batch_size):
            idx = order[start:start + batch_size]
            cost, grads = net.loss_and_grads(X[:, idx], y[idx])
            step(net.params, grads)
            costs.append(cost)
    return costs


def _wrong_adam(*, correct=True, per_parameter=False, reset_each_epoch=False, eps_inside=False, no_sqrt=False,
                unsquared=False, efficient=False, eps=1e-8):
    """A reference with one classic slip, for the hints."""

    def train(net, X, y, epochs, batch_size, learning_rate, rng):
        b1, b2 = 0.9, 0.999
        m1 = {k: np.zeros_like(v) for k, v in net.params.items()}
        m2 = {k: np.zeros_like(v) for k, v in net.params.items()}
        state = {"t": 0}

        def step(params, grads):
            if not per_parameter:
                state["t"] += 1
            for k, g in grads.items():
                if per_parameter:
                    state["t"] += 1
                t = state["t"]
                m1[k] = b1 * m1[k] + (1 - b1) * g
                m2[k] = b2 * m2[k] + (1 - b2) * (g if unsquared else g * g)
                mh = m1[k] / (1 - b1**t) if correct else m1[k]
                vh = m2[k] / (1 - b2**t) if correct else m2[k]
                if efficient:  # Kingma and Ba's form: the corrections folded into the step size
                    step_size = learning_rate * np.sqrt(1 - b2**t) / (1 - b1**t)
                    params[k] = params[k] - step_size * m1[k] / (np.sqrt(m2[k]) + eps)
                    continue
                with np.errstate(invalid="ignore"):  # the unsquared slip takes square roots of negatives
                    denom = vh + eps if no_sqrt else (np.sqrt(vh + eps) if eps_inside else np.sqrt(vh) + eps)
                params[k] = params[k] - learning_rate * mh / denom

        costs = []
        for _ in range(epochs):
            if reset_each_epoch:
                state["t"] = 0
            costs += _adam_loop(net, X, y, 1, batch_size, learning_rate, rng, step=step)
        return costs

    return train


def train_with_adam(learner):
    """Check ``train_with_adam(net, X, y, epochs, batch_size, learning_rate, rng) -> costs``, end to end.

    The loop of notebook 06 (each epoch ``order = rng.permutation(m)``, then batches of
    ``batch_size`` columns in that order, the last one possibly smaller), with an Adam
    step (``beta1 = 0.9``, ``beta2 = 0.999``, ``eps = 1e-8``, bias-corrected, ``t`` counted
    once per step) after ``net.loss_and_grads`` on each batch; returns the list of the
    batches' costs. The learner's loop trains fresh networks; every cost must match.
    """
    specs = [([4, 6, 3], "relu", 30, 8, 2, 0.01), ([3, 5, 5, 2], "tanh", 24, 6, 3, 0.05)]

    def make(rng, i):
        sizes, act, m, batch, epochs, lr = specs[i]
        net = Network(sizes, [act] * (len(sizes) - 2) + ["softmax"], "categorical_cross_entropy",
                      rng=int(rng.integers(1000)))
        X = rng.standard_normal((sizes[0], m))
        y = rng.integers(0, sizes[-1], m)
        return net, X, y, epochs, batch, lr, np.random.default_rng(int(rng.integers(1000)))

    hints = [
        ("correct the bias of v and s: v_hat = v / (1 - beta1^t), s_hat = s / (1 - beta2^t); without it "
         "the first steps are about 3 times too long", _wrong_adam(correct=False)),
        ("count t once per step, not once per parameter", _wrong_adam(per_parameter=True)),
        ("t counts every step since the start; do not reset it each epoch", _wrong_adam(reset_each_epoch=True)),
        ("eps goes outside the square root: sqrt(s_hat) + eps", _wrong_adam(eps_inside=True)),
        ("divide by the square root of s_hat", _wrong_adam(no_sqrt=True)),
        ("s averages the squared gradients: s = beta2 s + (1 - beta2) dp * dp", _wrong_adam(unsquared=True)),
        ("shuffle every epoch with order = rng.permutation(m), as in notebook 06",
         lambda net, X, y, epochs, batch, lr, rng: _adam_loop(
             net, X, y, epochs, batch, lr, _Unshuffled())),
        ("the examples were shuffled once, in the same order every epoch: draw order = rng.permutation(m) "
         "at the start of every epoch", lambda *args: _adam_loop_slip(*args, shuffle_once=True)),
        ("the last, smaller batch of each epoch was skipped: range(0, m, batch_size) keeps it",
         lambda *args: _adam_loop_slip(*args, drop_last=True)),
    ] + [(message, _wrong_adam(efficient=form, eps=eps)) for form in (False, True)
         for message, eps in _EPS_SLIPS]
    cases = random_cases(make, ["a [4, 6, 3] ReLU network, 30 examples in batches of 8, 2 epochs",
                                "a [3, 5, 5, 2] tanh network, 24 examples in batches of 6, 3 epochs"], seed=704)
    __tracebackhide__ = True
    printed = io.StringIO()
    arg_names = ("net", "X", "y", "epochs", "batch_size", "learning_rate", "rng")
    efficient = False
    try:
        with contextlib.redirect_stdout(printed):
            result = check_function("train_with_adam", learner, _adam_loop, cases, arg_names, hints)
            if not result and not result.copied and callable(learner):
                # Kingma and Ba's efficient form puts eps elsewhere (eps * sqrt(1 - beta2^t) in the
                # corrected terms): as right, and compared with that form itself.
                with contextlib.redirect_stdout(io.StringIO()):
                    efficient = check_function("train_with_adam", learner, _wrong_adam(efficient=True), cases,
                                               arg_names)
                if efficient:
                    printed, result = io.StringIO(f"PASSED  train_with_adam: {efficient.message}\n"), efficient
                efficient = bool(efficient)
            problem = _eps_problem(learner, efficient) if result else None
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if problem:
        return _report("train_with_adam", False, problem)
    if result or "(hint: " in result.message or not _unrepeatable(learner, cases[0][1]):
        print(printed.getvalue(), end="")
        return result
    # No slip fits, and the loop does not repeat itself: it shuffles with some other generator.
    return _report("train_with_adam", False, f"{result.message} (hint: two runs with the same rng gave different "
                                             "costs: shuffle with the rng argument, order = rng.permutation(m), "
                                             "not a generator of the notebook or np.random)")


#: (hint, the eps of the slip): where eps sits, what it is
_EPS_SLIPS = [("eps is added to the square root, sqrt(s_hat) + eps: it sets the step where s_hat is about 0", -1e-8),
              ("add eps to the square root, sqrt(s_hat) + eps: it sets the step where s_hat is about 0", 0.0),
              ("eps is 1e-8", 1e-7)]


def _eps_problem(learner, efficient):
    """What is wrong with the trained parameters where a gradient is far below eps, or None.

    The costs cannot show eps: where it matters, a parameter's gradient is tiny, and so is its
    effect on the cost. The parameters show it: one input row scaled by 1e-7 makes the weights
    that read it receive gradients of about 1e-8, whose steps eps sets.
    """
    rng = np.random.default_rng(705)
    net = Network([4, 5, 3], ["relu", "softmax"], "categorical_cross_entropy", rng=705)
    X = rng.standard_normal((4, 20))
    X[0] *= 1e-7
    args = (net, X, rng.integers(0, 3, 20), 2, 5, 0.01)
    where = "on a [4, 5, 3] network whose first input is 1e-7 times the others, the trained net.params"

    def trained(train, seed=7051):
        fresh = copy.deepcopy(args)
        train(*fresh, np.random.default_rng(seed))
        return fresh[0].get_params()

    got = trained(learner)
    problem = _compare(trained(_wrong_adam(efficient=efficient)), got, where)
    if problem is None:
        return None
    for message, eps in _EPS_SLIPS:
        slip = _wrong_adam(efficient=efficient, eps=eps)
        with np.errstate(all="ignore"):
            if _compare(trained(slip), got, where, equal_nan=True) is None:
                return f"{problem} (hint: {message})"
    return problem


def _unrepeatable(learner, args):
    """True when two runs of ``learner`` on copies of the same ``args`` return different results."""
    try:
        first, second = (learner(*copy.deepcopy(args)) for _ in range(2))
    except Exception:
        return False  # its error was reported already
    return _compare(first, second, "", equal_nan=True) is not None


class _Unshuffled(np.random.Generator):
    """An rng whose permutation is the identity: the reference run as a loop that never shuffles."""

    def __init__(self):
        super().__init__(np.random.PCG64(0))

    def permutation(self, m):
        return np.arange(m)


# ------------------------------------------------------------------ choosing lambda and keep_prob
#: how much the validation accuracy must beat the unregularised network's: 6 of the 2,000 images
MARGIN = 0.003
#: section 1's recipe, which the learner's choice trains with
RECIPE = {"epochs": 40, "batch_size": 32, "learning_rate": 0.1}
#: beyond these a choice is strong enough to underfit on this problem (the hints' thresholds)
LARGE_LAMBDA, SMALL_KEEP = 5.0, 0.4


@functools.lru_cache(maxsize=None)
def _regularised_run(lam, keep_prob):
    """Section 1's network and recipe with ``lam`` and ``keep_prob``, kept at its best validation epoch.

    Returns (validation correct, training accuracy at that epoch, test correct, best epoch);
    deterministic (the seeds are section 1's), so cached.
    """
    from ..lessons.training_well import digits_split, digits_test

    (X, y), (X_val, y_val) = digits_split(1000, 2000, rng=0)
    net = Network([784, 128, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=1)
    history = net.fit(X, y, **RECIPE, rng=np.random.default_rng(2), validation=(X_val, y_val),
                      weight_decay=lam, keep_prob=keep_prob, restore_best=True)
    best = history["best_epoch"]
    X_test, y_test = digits_test()
    return (int(np.sum(net.predict(X_val) == y_val)), float(history["accuracy"][best - 1]),
            int(np.sum(net.predict(X_test) == y_test)), best)


def _choice_problem(choice):
    """What is wrong with the shape of ``choice`` (a dict ``{"lam": ..., "keep_prob": ...}``), or None."""
    if choice is None:
        return f"{RETURNED_NONE}: return a dict {{'lam': ..., 'keep_prob': ...}}"
    if not isinstance(choice, dict):
        return f"expected a dict {{'lam': ..., 'keep_prob': ...}}, got {_describe(choice)}"
    if set(choice) != {"lam", "keep_prob"}:
        return f"expected the keys 'lam' and 'keep_prob' and no others, got {sorted(map(str, choice))}"
    for key, value in choice.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            return f"{key} must be a finite number, got {value!r}"
    if choice["keep_prob"] > 1:
        return (f"keep_prob is the probability of keeping a unit, at most 1 (1 means no dropout), got "
                f"{choice['keep_prob']:g}")
    if choice["keep_prob"] <= 0:
        return f"keep_prob must be above 0 (at 0 every hidden unit is dropped), got {choice['keep_prob']:g}"
    if choice["lam"] < 0:
        return f"lambda must be at least 0 (a negative lambda rewards large weights), got {choice['lam']:g}"
    if choice["lam"] == 0 and choice["keep_prob"] == 1:
        return ("lambda 0 and keep_prob 1 is the unregularised network itself: it cannot beat itself; choose "
                "a regulariser on the validation split")
    return None


def regularisation_choice(learner):
    """Check a choice of L2 strength and keep probability, ``{"lam": ..., "keep_prob": ...}``, end to end.

    ``learner`` is that dict or a function returning it. Section 1's digits network
    (``[784, 128, 10]``, ``rng=1``) trains with ``RECIPE`` (shuffled by ``default_rng(2)``),
    ``weight_decay=lam`` and ``keep_prob``, kept at its best validation epoch; its validation
    accuracy must be at least the unregularised network's plus ``MARGIN``. The test set is
    scored once, for the report, never for the verdict.
    """
    __tracebackhide__ = True
    name = "regularisation_choice"
    choice, verdict = learner, None
    if not isinstance(learner, dict):
        choice, verdict = call_for_answer(name, learner, " (a function that returns {'lam': ..., 'keep_prob': ...})")
    if verdict is not None:
        return verdict
    problem = _choice_problem(choice)
    if problem is not None:
        return _report(name, False, problem)
    lam, keep = float(choice["lam"]), float(choice["keep_prob"])
    val_base, _, test_base, _ = _regularised_run(0.0, 1.0)
    val_correct, train_accuracy, test_correct, best = _regularised_run(lam, keep)
    n_val, n_test = 2000, 10000
    need = val_base + round(MARGIN * n_val)
    said = (f"lambda {lam:g}, keep_prob {keep:g}: validation accuracy {val_correct / n_val:.4f} at its best epoch "
            f"({best}), against {val_base / n_val:.4f} without a regulariser")
    if val_correct >= need:
        return _report(name, True, f"{said}, at least {MARGIN:g} better; test accuracy, scored once: "
                                   f"{test_correct / n_test:.4f} (without a regulariser {test_base / n_test:.4f})")
    culprits = []
    if lam > LARGE_LAMBDA:
        culprits.append(f"lambda {lam:g} is so large that it shrinks the weights until the network underfits")
    if keep < SMALL_KEEP:
        culprits.append(f"keep_prob {keep:g} is so small that too few units are left to fit the training images")
    if culprits:
        hint = (" and ".join(culprits) + f" (training accuracy {train_accuracy:.4f} at the best epoch): "
                "regularise less")
    elif test_correct >= test_base + round(MARGIN * n_test):
        hint = ("this choice does better on the test set than on the validation split: choose on the validation "
                "split (the tables of sections 2 and 3, the random search); the test set only reports the "
                "final choice")
    else:
        hint = ("the regularisation is too weak or the wrong kind here: compare candidates on the validation split "
                "(the tables of sections 2 and 3, the random search) and take one that beats the baseline there "
                "by the margin")
    return _report(name, False, f"{said}; it must be at least {need / n_val:.4f} (hint: {hint})")
