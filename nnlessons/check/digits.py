"""Checkers for the exercises of notebook 06 (handwritten digits)."""

import functools

import numpy as np

from ..activations import relu, relu_derivative, softmax
from ..lessons import digits
from ..losses import one_hot
from ..network import Network
from ._core import NOT_IMPLEMENTED, RETURNED_NONE, _report, call_for_answer, report_copied, report_raised, watching

__all__ = ["train_sgd", "choose_recipe"]

#: the checkers in the order the notebook's exercises use them
EXERCISES = ("train_sgd", "choose_recipe")


# ------------------------------------------------------------------ train_sgd
# The small problem on which every step of the learner's loop is inspected:
# 23 examples in batches of 5, so each epoch ends with a partial batch of 3.
_SMALL = {"sizes": [6, 5, 10], "m": 23, "m_val": 11, "epochs": 3, "batch_size": 5, "learning_rate": 0.3}
_SEED = 606


class _Recorder(Network):
    """A Network that remembers every step taken through its ``forward`` and ``backward``.

    A step is a ``backward`` on the cache of a ``forward`` whose inputs are
    training columns; it records which columns, the targets given (one-hot), the
    parameters when the forward ran, and a copy of the gradients returned.
    """

    def __init__(self, sizes, X, *, rng):
        super().__init__(sizes, ["relu", "softmax"], "categorical_cross_entropy", rng=rng)
        # the first row of the small problem's X is all distinct: it names each column
        self._column = {float(v): j for j, v in enumerate(X[0])}
        self._params_at = {}
        self.steps = []
        self.used_fit = False

    def fit(self, *args, **kwargs):
        self.used_fit = True  # the exercise is to write the loop that fit hides
        return super().fit(*args, **kwargs)

    def forward(self, X):
        A, cache = super().forward(X)
        self._params_at[id(cache)] = (cache, {k: v.copy() for k, v in self.params.items()})
        return A, cache

    def backward(self, Y, cache):
        grads = super().backward(Y, cache)
        ids = [self._column.get(float(v)) for v in cache["A0"][0]]
        if None not in ids and id(cache) in self._params_at:
            self.steps.append({"batch": np.array(ids), "targets": np.array(self.targets(Y), dtype=np.float64),
                               "params": self._params_at[id(cache)][1],
                               "grads": {k: np.array(v, dtype=np.float64) for k, v in grads.items()}})
        return grads


def _small_problem(seed=_SEED):
    rng = np.random.default_rng(seed)
    s = _SMALL
    X = rng.standard_normal((s["sizes"][0], s["m"]))
    y = rng.integers(0, s["sizes"][-1], size=s["m"])
    X_val = rng.standard_normal((s["sizes"][0], s["m_val"]))
    y_val = rng.integers(0, s["sizes"][-1], size=s["m_val"])
    return X, y, X_val, y_val


def _run(learner, net, X, y, X_val, y_val, epochs, batch_size, learning_rate, seed):
    return learner(net, X.copy(), y.copy(), X_val.copy(), y_val.copy(), epochs, batch_size, learning_rate,
                   np.random.default_rng(seed))


def _close(a, b):
    return all(np.allclose(a[k], b[k], rtol=1e-9, atol=1e-12) for k in a)


def _step_problem(before, after, grads, lr, batch_size):
    """What is wrong with the step from ``before`` to ``after`` (None if it is ``-lr * grads``)."""
    if _close(after, {k: before[k] - lr * grads[k] for k in before}):
        return None
    if _close(after, before):
        return "the parameters did not change (update net.params[name] in place, e.g. with -=)"
    if _close(after, {k: before[k] + lr * grads[k] for k in before}):
        return "the parameters moved up the gradient (the update is p - learning_rate * dp: check the sign)"
    if _close(after, {k: before[k] - lr * batch_size * grads[k] for k in before}):
        return ("the step is batch_size times too large (the gradients from backward are already means "
                "over the batch; if you wrote the backward pass, did it forget the 1/m?)")
    if _close(after, {k: before[k] - lr / batch_size * grads[k] for k in before}):
        return ("the step is batch_size times too small (the gradients from backward are already means "
                "over the batch: do not divide them by the batch size again)")
    return "the step is not -learning_rate * (the gradients of the batch)"


def _accuracies(values, epochs):
    """The learner's per-epoch validation accuracies as fractions, or a description of what is wrong."""
    if values is None:
        return None, ("your function returned None (is a `return` missing?); it should return the list of "
                      "validation accuracies, one per epoch")
    try:
        if isinstance(values, (str, bytes)) or np.asarray(values).dtype.kind in "SU":
            raise TypeError("text parses as numbers: a printed accuracy would pass")
        arr = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None, "expected a list of numbers (validation accuracy after each epoch)"
    if arr.size != epochs:
        return None, (f"expected one validation accuracy per epoch ({epochs} values), got {arr.size}")
    if np.all((arr >= 0) & (arr <= 100)) and np.any(arr > 1):
        # The notebook's next cells print and plot 100 * accuracy: percentages there would read 9500%.
        return None, ("your accuracies look like percentages; return fractions in [0, 1], as net.accuracy "
                      "gives them (the cells below multiply by 100)")
    return arr, None


def _own_loop_variants(net0, X, y, X_val, y_val, epochs, batch_size, lr, seed):
    """Final parameters of the reference loop and of its usual slips, written without Network.backward.

    For a learner whose loop uses their own forward and backward functions,
    only the final parameters can be compared.
    """
    def loop(labels_as_targets=False, shuffle=True, drop_last=False, in_place=False):
        params = net0.get_params()
        Y = y[None, :].astype(np.float64) if labels_as_targets else one_hot(y, net0.sizes[-1])
        rng = np.random.default_rng(seed)
        m = X.shape[1]
        order = np.arange(m)
        for _ in range(epochs):
            if in_place:  # rng.shuffle on one index array, epoch after epoch: as right
                rng.shuffle(order)
            elif shuffle:
                order = rng.permutation(m)
            stop = m - m % batch_size if drop_last else m
            for start in range(0, stop, batch_size):
                b = order[start:start + batch_size]
                Xb, Yb, n = X[:, b], Y[:, b], b.size
                Z1 = params["W1"] @ Xb + params["b1"]
                A1 = relu(Z1)
                A2 = softmax(params["W2"] @ A1 + params["b2"])
                dZ2 = A2 - Yb
                dZ1 = (params["W2"].T @ dZ2) * relu_derivative(Z1)
                grads = {"W2": dZ2 @ A1.T / n, "b2": dZ2.sum(axis=1, keepdims=True) / n,
                         "W1": dZ1 @ Xb.T / n, "b1": dZ1.sum(axis=1, keepdims=True) / n}
                for k in params:
                    params[k] -= lr * grads[k]
        return params

    return [loop(), loop(in_place=True)], [
        ("labels used as targets instead of one-hot columns (make Y = one_hot(y, 10) first)",
         loop(labels_as_targets=True)),
        ("the examples were not shuffled (draw order = rng.permutation(m) at the start of every epoch)",
         loop(shuffle=False)),
        ("the last, smaller batch of each epoch was skipped (range(0, m, batch_size) keeps it)",
         loop(drop_last=True)),
    ]


def _inspect_small(learner):
    """Run the learner's loop on the small problem; return None if every step is right, else the problem."""
    s = _SMALL
    X, y, X_val, y_val = _small_problem()
    m, B, epochs, lr = s["m"], s["batch_size"], s["epochs"], s["learning_rate"]
    net = _Recorder(s["sizes"], X, rng=_SEED)
    values = _run(learner, net, X, y, X_val, y_val, epochs, B, lr, _SEED)
    where = f"on {m} examples in batches of {B} for {epochs} epochs"
    if net.used_fit:
        return (f"{where}: your function called net.fit; the exercise is to write that loop yourself "
                "(shuffle, slice, forward, backward, update)")
    accuracies, problem = _accuracies(values, epochs)
    if problem:
        return f"{where}: {problem}"
    steps = net.steps
    if not steps:
        # The loop used its own forward/backward: only the outcome can be compared.
        reference, slips = _own_loop_variants(Network(s["sizes"], ["relu", "softmax"], "categorical_cross_entropy",
                                                      rng=_SEED), X, y, X_val, y_val, epochs, B, lr, _SEED)
        if any(_close(net.params, right) for right in reference):
            return None
        for message, params in slips:
            if _close(net.params, params):
                return f"{where}: {message}"
        return (f"{where}: your loop did not call net.forward and net.backward, so its steps could not be "
                "inspected, and its final parameters differ from the reference loop's (shuffle with "
                "order = rng.permutation(m) once per epoch, one step per batch)")
    # which examples, in which batches
    sizes = [len(st["batch"]) for st in steps]
    used = np.concatenate([st["batch"] for st in steps])
    if used.size == epochs * (m - m % B) and all(n == B for n in sizes):
        return (f"{where}: the last, smaller batch of each epoch was skipped ({m} is not a multiple of {B}; "
                "range(0, m, batch_size) keeps it)")
    if used.size != epochs * m:
        return (f"{where}: your loop took {len(steps)} steps on {used.size} examples in all; expected each of "
                f"the {m} examples once per epoch, {epochs * m} in all")
    per_epoch = used.reshape(epochs, m)
    for e, order in enumerate(per_epoch):
        if not np.array_equal(np.sort(order), np.arange(m)):
            return (f"{where}: in epoch {e + 1} some examples were used twice and others never "
                    "(slice one permutation into batches instead of drawing each batch at random)")
    expected_sizes = [B] * (m // B) + ([m % B] if m % B else [])
    if sizes != expected_sizes * epochs:
        return f"{where}: batch sizes {sizes[:len(expected_sizes)]} in the first epoch, expected {expected_sizes}"
    if np.array_equal(per_epoch[0], np.arange(m)):
        return (f"{where}: the examples were not shuffled (draw order = rng.permutation(m) at the start of "
                "every epoch)")
    if all(np.array_equal(order, per_epoch[0]) for order in per_epoch):
        return f"{where}: the examples were shuffled once, in the same order every epoch (shuffle every epoch)"
    # each batch is fed its own targets: the labels of its columns, not of others
    Y = one_hot(y, s["sizes"][-1])
    for k, st in enumerate(steps):
        if "targets" in st and not np.array_equal(st["targets"], Y[:, st["batch"]]):
            return (f"{where}, step {k + 1}: the targets given to backward do not belong to the batch's columns "
                    "(index X and the one-hot Y with the same batch of indices: X[:, batch] and Y[:, batch], "
                    "one permutation for both)")
    # every step is -learning_rate * the gradients of its own batch
    after = [st["params"] for st in steps[1:]] + [net.params]
    if len(steps) > 1 and _close(after[0], steps[0]["params"]) and _close(
            after[1], {k: v - lr * steps[0]["grads"][k] for k, v in steps[1]["params"].items()}):
        return (f"{where}, step 2: the step used the gradients of the previous batch (compute the "
                "gradients of this batch, then update with them)")
    for k, st in enumerate(steps):
        problem = _step_problem(st["params"], after[k], st["grads"], lr, len(st["batch"]))
        if problem:
            return f"{where}, step {k + 1}: {problem}"
    # the accuracies returned are those of the network after each epoch
    steps_per_epoch = len(expected_sizes)
    ends = [steps[(e + 1) * steps_per_epoch]["params"] for e in range(epochs - 1)] + [net.params]
    probe = Network(s["sizes"], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    for e, params in enumerate(ends):
        probe.set_params(params)
        true = probe.accuracy(X_val, y_val)
        if not np.isclose(accuracies[e], true):
            return (f"{where}: after epoch {e + 1} you returned validation accuracy {accuracies[e]:.4f}, but the "
                    f"network's is {true:.4f} (measure on X_val, y_val after the epoch's last step)")
    # the shuffle must come from the rng given, so that a run can be repeated
    again = _Recorder(s["sizes"], X, rng=_SEED)
    _run(learner, again, X, y, X_val, y_val, epochs, B, lr, _SEED)
    if not _close(again.params, net.params):
        return (f"{where}: two runs with the same rng gave different results (shuffle with the rng "
                "argument, not np.random or a new default_rng())")
    return None


def train_sgd(learner, data=None, *, test=None, epochs=None, threshold=0.95, recipe=None):
    """Check ``train_sgd(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng)``.

    First every step of the learner's loop is inspected on a small problem
    (23 examples in batches of 5): shuffling each epoch with ``rng``, every
    example once per epoch including the last partial batch, each update
    ``p - learning_rate * dp`` with the batch's own gradients, and the returned
    validation accuracy per epoch. Then, with ``data = (X, y, X_val, y_val)``,
    the loop trains ``Network([784, 128, 10], ["relu", "softmax"],
    "categorical_cross_entropy", rng=606)`` with ``recipe`` (a dict like
    ``lessons.digits.RECIPE``, the default; ``epochs`` overrides its epochs) and ``rng=np.random.default_rng(606)``;
    it passes when the accuracy on ``test = (X_test, y_test)`` (if given, else
    the final validation accuracy) is at least ``threshold``. The result then
    carries the trained network and the accuracies returned, as ``.network``
    and ``.val_accuracy``.
    """
    __tracebackhide__ = True
    name = "train_sgd"
    if not callable(learner):
        return _report(name, False, f"expected a function, got a {type(learner).__name__}")
    try:
        with watching(name) as seen:
            problem = _inspect_small(learner)
        if seen:
            return report_copied(name, seen)
        if problem is None and data is not None:
            X, y, X_val, y_val = data
            recipe = dict(digits.RECIPE if recipe is None else recipe)
            if epochs is not None:
                recipe["epochs"] = epochs
            net = Network([X.shape[0], 128, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=_SEED)
            with watching(name) as seen:
                values = learner(net, X, y, X_val, y_val, recipe["epochs"], recipe["batch_size"],
                                 recipe["learning_rate"], np.random.default_rng(_SEED))
            if seen:
                return report_copied(name, seen)
    except NotImplementedError:
        return _report(name, False, NOT_IMPLEMENTED)
    except Exception as exc:
        return report_raised(name, exc)
    if problem:
        return _report(name, False, problem)
    if data is None:
        return _report(name, True, f"every step right on {_SMALL['m']} examples in batches of "
                                   f"{_SMALL['batch_size']} for {_SMALL['epochs']} epochs")
    accuracies, problem = _accuracies(values, recipe["epochs"])
    if problem:
        return _report(name, False, f"on the digits: {problem}")
    final = net.accuracy(X_val, y_val)
    where = (f"[784, 128, 10] trained with your loop on {X.shape[1]:,} images for {recipe['epochs']} epochs, "
             f"validation accuracy {100 * final:.2f}%")
    if not np.isclose(accuracies[-1], final):
        return _report(name, False, f"{where}, but your loop returned {100 * accuracies[-1]:.2f}% for the last epoch")
    score = final
    if test is not None:
        score = net.accuracy(*test)
        where += f", accuracy on the {test[1].size:,} test images {100 * score:.2f}%"
    if score < threshold:
        return _report(name, False, f"{where}, below {100 * threshold:.0f}% (every step was right on the small "
                                    "problem: check the learning rate, batch size and epochs you pass on)")
    result = _report(name, True, f"every step right on a small problem; {where} (at least {100 * threshold:.0f}%)")
    result.network, result.val_accuracy = net, list(accuracies)
    return result


# ------------------------------------------------------------------ choose_recipe
_CHOICE_KEYS = ("learning_rate", "batch_size", "epochs")
_CHOICE_SEED = 606


@functools.lru_cache(maxsize=1)
def _digits_split():
    """The notebook's data: 9,000 training and 1,000 validation columns (its split), and the 10,000 test columns."""
    from ..datasets import train_test_split
    from ..mnist import load_mnist_small, to_columns

    (train_images, train_labels), (test_images, test_labels) = load_mnist_small()
    X_fit, X_val, y_fit, y_val = train_test_split(to_columns(train_images), train_labels, test_fraction=0.1, rng=0)
    return X_fit, y_fit, X_val, y_val, to_columns(test_images), test_labels


def _whole_number(value):
    """``value`` as an int if it is a whole number (int, numpy integer, or a float like 4.0), else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def _choice_problem(choice):
    """The learner's choice as ``(learning_rate, batch_size, epochs, hidden)``, or a description of what is wrong."""
    budget = digits.CHOICE_BUDGET
    if choice is None:
        return None, f"{RETURNED_NONE}: return a dict like {{'learning_rate': ..., 'batch_size': ..., 'epochs': ...}}"
    if not isinstance(choice, dict):
        return None, (f"expected a dict like {{'learning_rate': ..., 'batch_size': ..., 'epochs': ...}}, "
                      f"got {type(choice).__name__}")
    missing = [k for k in _CHOICE_KEYS if k not in choice]
    extra = sorted(str(k) for k in choice if k not in _CHOICE_KEYS + ("hidden",))
    if missing or extra:
        return None, ("your dict " + (f"lacks {', '.join(map(repr, missing))}" if missing else "")
                      + ("; " if missing and extra else "")
                      + (f"has unknown keys {', '.join(map(repr, extra))}" if extra else "")
                      + " (expected 'learning_rate', 'batch_size', 'epochs' and optionally 'hidden')")
    lr = choice["learning_rate"]
    if isinstance(lr, (bool, np.bool_)) or not isinstance(lr, (int, float, np.integer, np.floating)) \
            or not np.isfinite(lr) or lr <= 0:
        return None, f"the learning rate must be a positive number, got {lr!r}"
    values = {}
    for key in ("batch_size", "epochs", "hidden"):
        value = _whole_number(choice.get(key, 128))
        if value is None or value < 1:
            return None, f"{key} must be a whole number of at least 1, got {choice.get(key)!r}"
        values[key] = value
    B, epochs, hidden = values["batch_size"], values["epochs"], values["hidden"]
    if B < budget["min_batch_size"]:
        return None, (f"batches of {B} break the time budget: below {budget['min_batch_size']} each example costs "
                      "several times more (section 3 measured it); take batches of at least "
                      f"{budget['min_batch_size']}")
    if B > 9000:
        return None, f"batches of {B}: there are only 9,000 training images"
    if hidden > budget["max_hidden"]:
        return None, f"{hidden} hidden units break the time budget: at most {budget['max_hidden']}"
    if epochs * hidden > budget["max_work"]:
        return None, (f"{epochs} epochs of a network with {hidden} hidden units break the time budget: epochs x "
                      f"hidden units may be at most {budget['max_work']} (with 128 units, at most "
                      f"{budget['max_work'] // 128} epochs); reach the target with a better learning rate or "
                      "batch size instead")
    return (float(lr), B, epochs, hidden), None


def _choice_hint(accs, lr, B, epochs, hidden):
    """Why a run within the budget missed the target, judged from its validation accuracy per epoch."""
    budget = digits.CHOICE_BUDGET
    if accs[-1] < 0.5 or not np.all(np.isfinite(accs)):
        return (f"training diverged at learning rate {lr:g}: the accuracy stayed far below what a working run "
                f"reaches ({100 * accs[-1]:.1f}% after the last epoch; chance is 10%); a rate that large overshoots, "
                "take one several times smaller")
    if epochs < budget["max_work"] // hidden and accs[-1] >= max(accs):
        return (f"too few epochs: the accuracy was still rising after epoch {epochs}; the budget allows "
                f"{budget['max_work'] // hidden}")
    if accs[-1] >= max(accs) and np.all(np.diff(accs) > -0.005):
        return (f"the accuracy was still climbing after {epochs} epochs, the most the budget allows: the run needs "
                "more progress per epoch; try a larger learning rate or smaller batches (more steps per epoch), "
                "comparing a few settings on the validation split")
    return (f"the accuracy went up and down from epoch to epoch: at learning rate {lr:g} with batches of {B} the "
            "steps are noisy; try a smaller rate or larger batches, and compare the settings on the validation "
            "split")


def choose_recipe(learner):
    """Check ``choose_recipe()``: the learner's learning rate, batch size and epochs (and optional width).

    ``learner()`` returns a dict ``{"learning_rate": ..., "batch_size": ...,
    "epochs": ...}`` (optionally ``"hidden"``, default 128). Refused if it breaks
    ``lessons.digits.CHOICE_BUDGET``. Otherwise ``[784, hidden, 10]`` (ReLU,
    softmax, cross-entropy, ``rng=606``) trains on the notebook's 9,000 training
    images with ``lessons.digits.train_sgd`` and ``np.random.default_rng(606)``;
    it passes when its validation accuracy after the last epoch reaches
    ``CHOICE_TARGET``, and only then is the test set scored, once, and reported.
    """
    __tracebackhide__ = True
    name = "choose_recipe"
    choice, verdict = call_for_answer(name, learner, " (a function that returns your choice as a dict)")
    if verdict is not None:
        return verdict
    values, problem = _choice_problem(choice)
    if problem:
        return _report(name, False, problem)
    lr, B, epochs, hidden = values
    X_fit, y_fit, X_val, y_val, X_test, y_test = _digits_split()
    net = digits.recipe_network(_CHOICE_SEED, hidden)
    with np.errstate(all="ignore"):  # a diverging rate overflows: judged below, not warned about
        accs = np.asarray(digits.train_sgd(net, X_fit, y_fit, X_val, y_val, epochs, B, lr,
                                           np.random.default_rng(_CHOICE_SEED)))
    target = digits.CHOICE_TARGET
    where = (f"[784, {hidden}, 10] trained {epochs} epoch{'s' if epochs > 1 else ''} in batches of {B} at learning "
             f"rate {lr:g}: validation accuracy per epoch "
             + " ".join(f"{100 * a:.1f}%" for a in accs))
    if not accs[-1] >= target:
        return _report(name, False, f"{where}, below the target {100 * target:.1f}% (hint: "
                                    f"{_choice_hint(accs, lr, B, epochs, hidden)})")
    test = net.accuracy(X_test, y_test)
    result = _report(name, True, f"{where}, target {100 * target:.1f}% reached; on the {y_test.size:,} test "
                                 f"images, scored once for the report (not a target to tune on): {100 * test:.1f}%")
    result.network, result.val_accuracy, result.test_accuracy = net, list(accs), test
    return result
