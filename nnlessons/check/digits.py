"""Checkers for the exercises of notebook 06 (handwritten digits)."""

import numpy as np

from ..activations import relu, relu_derivative, softmax
from ..lessons import digits
from ..losses import one_hot
from ..network import Network
from ._core import NOT_IMPLEMENTED, _report, check_function, random_cases, report_copied, report_raised, watching

__all__ = ["train_sgd", "flatten_images", "to_one_hot", "confusion_matrix"]

#: the checkers in the order the notebook's exercises use them
EXERCISES = ("train_sgd", "flatten_images", "to_one_hot", "confusion_matrix")


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


def train_sgd(learner, data=None, *, test=None, epochs=None, threshold=0.95):
    """Check ``train_sgd(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng)``.

    First every step of the learner's loop is inspected on a small problem
    (23 examples in batches of 5): shuffling each epoch with ``rng``, every
    example once per epoch including the last partial batch, each update
    ``p - learning_rate * dp`` with the batch's own gradients, and the returned
    validation accuracy per epoch. Then, with ``data = (X, y, X_val, y_val)``,
    the loop trains ``Network([784, 128, 10], ["relu", "softmax"],
    "categorical_cross_entropy", rng=606)`` with ``lessons.digits.RECIPE``
    (``epochs`` overrides its epochs) and ``rng=np.random.default_rng(606)``;
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
            recipe = dict(digits.RECIPE)
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


def _to_columns(images):
    # imported here so that the checkers load even while the data module is being built
    from ..mnist import to_columns

    return to_columns(images)


def flatten_images(learner):
    """Check ``flatten_images(images)``: uint8 ``(m, 28, 28)`` -> float ``(784, m)`` in [0, 1], one image per column."""
    sizes = [5, 1, 12]
    # The single image is faint (no pixel above 199): dividing by the largest pixel instead of
    # 255 then gives other numbers (on the other cases, whose brightest pixel is 255, it does not).
    cases = random_cases(
        lambda rng, i: (rng.integers(0, 200 if sizes[i] == 1 else 256, size=(sizes[i], 28, 28), dtype=np.uint8),),
        [f"{m} random image{'s' if m > 1 else ''}" for m in sizes],
        seed=60,
    )
    def columns(images):
        return images.reshape(images.shape[0], -1).T

    hints = [
        ("images.reshape(784, m) has the right shape but mixes the pixels of several images in each column: "
         "reshape to (m, 784), one image per row, then transpose", lambda im: im.reshape(784, -1) / 255),
        ("divide by 255: the values must lie in [0, 1]", lambda im: columns(im).astype(np.float64)),
        ("// is integer division and leaves only 0 and 1: divide with /", lambda im: columns(im) // 255),
        ("each image was flattened column by column: flatten it row by row, images.reshape(m, 784)",
         lambda im: columns(im.transpose(0, 2, 1)) / 255),
        ("divide by 255, the largest value a uint8 pixel can take, not by the largest value in these images",
         lambda im: columns(im) / im.max()),
        ("divide by 255, the largest value a uint8 pixel can take, not by the largest value in these images",
         lambda im: (columns(im) - im.min()) / (float(im.max()) - im.min())),
    ]
    return check_function("flatten_images", learner, _to_columns, cases, ["images"], hints)


def to_one_hot(learner):
    """Check ``to_one_hot(labels, n_classes)``: integer labels ``(m,)`` -> one-hot columns ``(n_classes, m)``."""
    shapes = [(7, 10), (4, 3), (1, 10), (6, 10)]

    def make(rng, i):
        m, n = shapes[i]
        # the last case never uses the top classes: n_classes must come from the argument
        high = 5 if i == 3 else n
        return rng.integers(0, high, size=m), n

    cases = random_cases(make, ["7 labels, 10 classes", "4 labels, 3 classes", "a single label",
                                "6 labels, none above 4, 10 classes"], seed=61)
    hints = [("take the number of rows from n_classes, not from the largest label: a batch may not contain "
              "every class", lambda labels, n: one_hot(labels, int(labels.max()) + 1)),
             ("take the number of rows from n_classes, not 10: the function serves any number of classes",
              lambda labels, n: one_hot(labels, 10))]
    return check_function("to_one_hot", learner, one_hot, cases, ["labels", "n_classes"], hints)


def confusion_matrix(learner):
    """Check ``confusion_matrix(true, predicted, n_classes)``: ``C[i, j]`` counts true ``i`` predicted as ``j``."""
    specs = [(40, 4), (25, 10), (9, 6)]

    def make(rng, i):
        m, n = specs[i]
        true = rng.integers(0, n, size=m)
        # mostly right, sometimes wrong, and never symmetric by accident
        predicted = np.where(rng.random(m) < 0.6, true, rng.integers(0, n, size=m))
        if i == 2:  # no label reaches the last class: n_classes must come from the argument
            true, predicted = np.minimum(true, n - 2), np.minimum(predicted, n - 2)
        return true, predicted, n

    cases = random_cases(make, ["40 examples, 4 classes", "25 examples, 10 classes",
                                "9 examples, 6 classes, class 5 never seen"], seed=62)
    def buffered(true, predicted, n):
        C = np.zeros((n, n), dtype=int)
        C[true, predicted] += 1
        return C

    hints = [
        ("C[true, predicted] += 1 adds 1 only once for a pair that occurs several times: loop over the "
         "pairs, or use np.add.at(C, (true, predicted), 1)", buffered),
        ("rows are the true classes and columns the predictions: count C[t, p], not C[p, t]",
         lambda true, predicted, n: digits.confusion_matrix(predicted, true, n)),
        ("C counts examples: return the counts, not the fractions of each row",
         lambda true, predicted, n: _row_fractions(digits.confusion_matrix(true, predicted, n))),
        ("C counts examples: return the counts, not the fractions of each row",
         lambda true, predicted, n: np.nan_to_num(_row_fractions(digits.confusion_matrix(true, predicted, n)))),
        ("take the size from n_classes, not from the labels: a class may never occur",
         lambda true, predicted, n: digits.confusion_matrix(true, predicted, int(max(true.max(), predicted.max())) + 1)),
    ]
    return check_function("confusion_matrix", learner, digits.confusion_matrix, cases,
                          ["true", "predicted", "n_classes"], hints)


def _row_fractions(C):
    with np.errstate(invalid="ignore", divide="ignore"):
        return C / C.sum(axis=1, keepdims=True)
