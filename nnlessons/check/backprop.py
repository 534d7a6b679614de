"""Checkers for the exercises of notebook 05 (backpropagation).

``dense_backward`` and ``backward`` compare the learner's gradients with the
package's (``layers.dense_backward``; ``Network.backward`` for a whole network,
itself checked against central differences in the tests) on cases from the
checker's own generator, and name the usual slips: a missing ``1/m``, a flat
``db``, ``1/m`` also applied to ``dA``, a transpose in the wrong place. The
whole-network cases keep every layer as wide as its input, so that a
transposed product gives numbers instead of a numpy error and can be named.

``train_gd`` is the capstone: it first compares a few steps of the learner's
loop with the reference on small networks, then trains two moons with it end to
end and grades the accuracy on 2,000 held-out points.
"""

import contextlib
import io

import numpy as np

from .. import layers
from ..activations import relu_derivative, sigmoid_derivative, tanh_derivative
from ..datasets import moons, train_test_split
from ..lessons import backprop as _bp
from ..lessons.forward_prop import forward as _forward, network_from_params
from ..network import Network
from ._core import _report, check_function, earlier_passes, random_cases, report_again, report_copied, report_raised, watching
from .forward_prop import square_params

__all__ = ["dense_backward", "backward", "train_gd"]

#: the checkers in notebook order (the grader reads this)
EXERCISES = ("dense_backward", "backward", "train_gd")


def dense_backward(learner):
    """Check ``dense_backward(dZ, cache) -> (dA_prev, dW, db)`` with ``cache = (A_prev, W, b)``.

    ``dZ`` is per example; ``dW = dZ A_prev^T / m`` and ``db`` (row sums ``/ m``, shape
    ``(n_out, 1)``) are gradients of the mean cost; ``dA_prev = W^T dZ``.
    """

    def make(rng, i):
        n_out, n_in, m = [(3, 4, 5), (1, 3, 6), (4, 2, 1), (3, 3, 3)][i]
        A_prev = rng.standard_normal((n_in, m))
        W = rng.standard_normal((n_out, n_in))
        b = rng.standard_normal((n_out, 1))
        return rng.standard_normal((n_out, m)), (A_prev, W, b)

    def reference(dZ, cache):
        return layers.dense_backward(dZ, cache)

    def slip(dZ, cache, per_m=True, flat_db=False, dA_over_m=False, m_from=None, dW_only=False, db_axis0=False):
        dA_prev, dW, db = reference(dZ, cache)
        m = dZ.shape[1]
        scale = 1.0 if per_m else m
        if m_from is not None:  # divided by another size than the number of examples
            scale = m / m_from(dZ, cache)
        if db_axis0:
            db = dZ.sum(axis=0, keepdims=True) / m
        return ((dA_prev / m if dA_over_m else dA_prev), dW * scale,
                (db.ravel() if flat_db else db) * (1.0 if dW_only else scale))

    cases = random_cases(make, ["3 neurons, 4 inputs, 5 examples", "one output neuron, 6 examples",
                                "a single example", "a square layer (3 neurons, 3 inputs, 3 examples)"],
                         seed=502)
    return check_function("dense_backward", learner, reference, cases, ("dZ", "cache"),
                          names=("dA_prev", "dW", "db"), hints=[
        ("dW and db are m times too large: they are gradients of the mean cost, divide by m",
         lambda dZ, c: slip(dZ, c, per_m=False)),
        ("db must be a column (n_out, 1): sum with keepdims=True", lambda dZ, c: slip(dZ, c, flat_db=True)),
        ("dA_prev = W.T @ dZ has no 1/m: dZ holds per-example derivatives, the 1/m enters only dW and db",
         lambda dZ, c: slip(dZ, c, dA_over_m=True)),
        ("dW is m times too large: divide dZ @ A_prev.T by m, as db", lambda dZ, c: slip(dZ, c, per_m=False,
                                                                                         dW_only=True)),
        ("m is the number of examples, the columns: m = A_prev.shape[1] (not the number of units)",
         lambda dZ, c: slip(dZ, c, m_from=lambda dZ, c: dZ.shape[0])),
        ("m is the number of examples, the columns: m = A_prev.shape[1] (not the number of units)",
         lambda dZ, c: slip(dZ, c, m_from=lambda dZ, c: c[0].shape[0])),
        ("db sums over the examples, the columns: dZ.sum(axis=1, keepdims=True) / m",
         lambda dZ, c: slip(dZ, c, db_axis0=True)),
    ] + [("return (dA_prev, dW, db) in that order", _permuted(reference, order)) for order in _ORDERS] + [
        ("db averages each row of dZ over the examples: dZ.sum(axis=1, keepdims=True) / m, one entry per neuron",
         lambda dZ, c: tuple(reference(dZ, c)[:2]) + (np.full(c[2].shape, dZ.mean()),)),
    ])


#: the orders of (dA_prev, dW, db) other than the right one
_ORDERS = [(2, 1, 0), (1, 2, 0), (1, 0, 2), (0, 2, 1), (2, 0, 1)]


def _permuted(reference, order):
    return lambda dZ, c: tuple(reference(dZ, c)[i] for i in order)


# ------------------------------------------------------------- whole network
_DERIVATIVES = {"relu": relu_derivative, "tanh": tanh_derivative, "sigmoid": sigmoid_derivative}

#: (width, depth, batch size, activations): every layer as wide as its input, batches of other sizes
_NETWORKS = [(3, 2, 5, ["relu", "softmax"]),
             (4, 3, 6, ["relu", "tanh", "sigmoid"]),
             (2, 1, 4, ["sigmoid"]),
             (3, 3, 2, ["sigmoid", "relu", "softmax"])]


def _network_case(rng, i):
    n, depth, m, activations = _NETWORKS[i]
    params = square_params(rng, n, depth)
    X = rng.normal(size=(n, m))
    if activations[-1] == "softmax":
        Y = np.eye(n)[:, rng.integers(0, n, m)]
    else:
        Y = rng.integers(0, 2, (n, m)).astype(np.float64)
    return Y, _forward(X, params, activations)[1], params, list(activations)


def _slip(Y, cache, params, activations, *, per_m=True, flat_db=False, dA_over_m=False, dW_transposed=False,
          W_untransposed=False, sign=1.0, output_derivative=False, derivative_of_A=False, m_rows=False,
          db_axis0=False, Z_of_layer_above=False, no_derivative=False, dZ_L_everywhere=False,
          relu_everywhere=False):
    """The backward pass with one of the usual slips, returning the reference's format."""
    L = len(activations)
    m = Y.shape[0] if m_rows else cache["A0"].shape[1]
    dZ = sign * (cache[f"A{L}"] - Y)
    if output_derivative:  # sigmoid'(Z) = A (1 - A), and the diagonal of softmax's Jacobian
        dZ = dZ * cache[f"A{L}"] * (1 - cache[f"A{L}"])
    scale = 1.0 / m if per_m else 1.0
    grads = {}
    for l in range(L, 0, -1):
        A_prev, W = cache[f"A{l - 1}"], params[f"W{l}"]
        grads[f"dW{l}"] = (A_prev @ dZ.T if dW_transposed else dZ @ A_prev.T) * scale
        db = dZ.sum(axis=1) if flat_db else dZ.sum(axis=1, keepdims=True)
        grads[f"db{l}"] = dZ.sum(axis=0, keepdims=True) * scale if db_axis0 else db * scale
        if l > 1 and dZ_L_everywhere:
            continue
        if l > 1 and no_derivative:
            dZ = W.T @ dZ
        elif l > 1:
            dA = (W @ dZ if W_untransposed else W.T @ dZ) / (m if dA_over_m else 1)
            at = cache[f"A{l - 1}"] if derivative_of_A else cache[f"Z{l}" if Z_of_layer_above else f"Z{l - 1}"]
            dZ = dA * _DERIVATIVES["relu" if relu_everywhere else activations[l - 2]](at)
    return grads


class _EarlierExercise(BaseException):
    """A function the learner's answer calls (an earlier exercise) raised NotImplementedError.

    A BaseException, so that it passes ``check_function``, which reports a learner's
    ``Exception`` as a failed verdict, on its way to the checker that names the exercise.
    """

    def __init__(self, name):
        super().__init__(name)
        self.name = name


def _own_stub_only(learner):
    """The learner's function; a NotImplementedError raised deeper down, in a function it calls
    (say ``dense_backward`` inside ``backward``), becomes ``_EarlierExercise`` naming that function."""
    if not callable(learner):
        return learner  # check_function says what it got instead of a function
    own = getattr(learner, "__code__", None)

    def run(*args):
        try:
            return learner(*args)
        except NotImplementedError as exc:
            tb = exc.__traceback__
            while tb.tb_next is not None:
                tb = tb.tb_next
            if own is None or tb.tb_frame.f_code is own:
                raise
            raise _EarlierExercise(tb.tb_frame.f_code.co_name) from exc

    run.__wrapped__ = learner  # what the learner wrote, for the checker's look at its code
    return run


def _not_written(name, exc):
    return _report(name, False, f"your {name} calls {exc.name}, which is not written yet (it raised "
                                f"NotImplementedError): finish that exercise first")


def _run_reporting_earlier(name, run, learner=None):
    """``run()`` (a ``check_function`` call), with an unwritten earlier exercise reported as such,
    and a failure noted as possibly an earlier exercise's when ``learner`` calls one that fails."""
    __tracebackhide__ = True
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            result = run()
    except _EarlierExercise as exc:
        return _not_written(name, exc)  # check_function's "raised ..." line is dropped
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if result or learner is None:
        print(printed.getvalue(), end="")
        return result
    return _failed_with_note(result, printed.getvalue(), learner)


#: the earlier exercises an answer may call, by the name the notebook gives them
_EARLIER = {"backward": ("dense_backward",), "train_gd": ("backward",)}


def _earlier_failing(learner):
    """The earlier exercises that ``learner`` calls by name and that do not pass their checkers."""
    code, namespace = getattr(learner, "__code__", None), getattr(learner, "__globals__", {})
    failing = []
    for name in _EARLIER.get(getattr(learner, "__name__", ""), ()) if code is not None else ():
        answer = namespace.get(name)
        if name not in code.co_names or not callable(answer):
            continue
        if not earlier_passes(globals()[name], answer):
            failing.append(name)
    return failing


def _failed_with_note(result, printed, learner):
    """Print a failed verdict, with a note naming the learner's failing earlier exercises it calls."""
    failing = _earlier_failing(learner) if not result.copied else []
    if not failing:
        print(printed, end="")
        return result
    note = (f" (note: your {learner.__name__} calls your {' and '.join(failing)}, which does not pass its "
            "checker yet: make it pass first)")
    return report_again(result.name, result, result.message + note)


def _with_d_names(learner):
    """The learner's function, its gradients renamed ``dW1``, ... if it named them like ``params``."""

    def run(*args):
        grads = learner(*args)
        if isinstance(grads, dict) and grads and all(isinstance(k, str) and k[:1] in ("W", "b") for k in grads):
            return {f"d{k}": v for k, v in grads.items()}
        return grads

    run.__wrapped__ = learner  # what the learner wrote, for the checker's look at its code
    return run


def backward(learner):
    """Check ``backward(Y, cache, params, activations) -> grads`` for any number of layers.

    ``grads`` holds ``"dW1"``, ``"db1"``, ... (``"W1"``, ``"b1"``, ... are accepted too), the
    gradients of the mean cost, each of the shape of its parameter. The output layer is
    sigmoid or softmax with cross-entropy, so ``dZ_L = A_L - Y``.
    """
    descriptions = [f"a {' -> '.join([str(n)] * (depth + 1))} network ({', '.join(acts)}) "
                    f"on {m} examples" for n, depth, m, acts in _NETWORKS]
    cases = random_cases(_network_case, descriptions, seed=505)
    if not callable(learner):
        return check_function("backward", learner, _bp.backward, cases)
    return _run_reporting_earlier("backward", learner=learner, run=lambda: check_function(
        "backward", _with_d_names(_own_stub_only(learner)), _bp.backward, cases,
        ["Y", "cache", "params", "activations"], hints=[
        ("every gradient is m times too large: dW and db are gradients of the mean cost, divide by m",
         lambda *a: _slip(*a, per_m=False)),
        ("db must be a column (n_l, 1) like b: sum with keepdims=True", lambda *a: _slip(*a, flat_db=True)),
        ("dA_prev = W.T @ dZ has no 1/m: dZ and dA hold per-example derivatives, the 1/m enters only dW and db",
         lambda *a: _slip(*a, dA_over_m=True)),
        ("dW is transposed: dW = dZ @ A_prev.T / m has the shape (n_out, n_in) of W",
         lambda *a: _slip(*a, dW_transposed=True)),
        ("dA_prev = W.T @ dZ: W must be transposed to send the gradient back",
         lambda *a: _slip(*a, W_untransposed=True)),
        ("the sign is flipped: dZ_L = A_L - Y", lambda *a: _slip(*a, sign=-1.0)),
        ("dZ_L = A_L - Y already includes the output activation's derivative: do not multiply by it again",
         lambda *a: _slip(*a, output_derivative=True)),
        ("the derivative g'(Z) must be taken at the layer's Z, not at its output A",
         lambda *a: _slip(*a, derivative_of_A=True)),
        ("dZ_(l-1) = dA_(l-1) * g'(Z_(l-1)): the derivative at the Z of the layer the gradient enters, not at "
         "Z_l (notebook 05's published mistake)", lambda *a: _slip(*a, Z_of_layer_above=True)),
        ("m is the number of examples, the columns: m = Y.shape[1] (not the number of output units)",
         lambda *a: _slip(*a, m_rows=True)),
        ("db sums over the examples, the columns: dZ.sum(axis=1, keepdims=True) / m",
         lambda *a: _slip(*a, db_axis0=True)),
        ("every layer used dZ_L: send the gradient back after each layer, "
         "dZ_(l-1) = (W_l.T @ dZ_l) * g'(Z_(l-1))", lambda *a: _slip(*a, dZ_L_everywhere=True)),
        ("the activation's derivative is missing: dZ_(l-1) = dA_(l-1) * g'(Z_(l-1))",
         lambda *a: _slip(*a, no_derivative=True)),
        ("every hidden layer used ReLU's derivative: layer l - 1 uses the derivative of its own activation, "
         "activations[l - 2]", lambda *a: _slip(*a, relu_everywhere=True)),
    ]))


# ---------------------------------------------------------------- the capstone
#: the end-to-end run: architecture, learning rate, steps, pass mark
MOONS_NETWORK = ([2, 16, 16, 1], ["relu", "relu", "sigmoid"])
LEARNING_RATE, STEPS, PASS_MARK = 1.0, 500, 0.96


def _small_gd_case(rng, i):
    sizes, activations, m, learning_rate, steps = [
        ([2, 3, 1], ["relu", "sigmoid"], 6, 0.5, 1),
        ([3, 4, 4, 2], ["tanh", "relu", "softmax"], 5, 0.3, 3),
        ([2, 5, 5, 1], ["relu", "relu", "sigmoid"], 8, 1.0, 4),
    ][i]
    net = Network(sizes, activations, "binary_cross_entropy" if sizes[-1] == 1 else "categorical_cross_entropy",
                  rng=rng, bias_init=0.5)
    X = rng.normal(size=(sizes[0], m))
    if activations[-1] == "softmax":
        Y = np.eye(sizes[-1])[:, rng.integers(0, sizes[-1], m)]
    else:
        Y = rng.integers(0, 2, (1, m)).astype(np.float64)
    return X, Y, net.get_params(), activations, learning_rate, steps


def _steps_hints():
    ref = _bp.train_gd

    def uphill(X, Y, params, acts, lr, steps):
        net = network_from_params(params, acts)
        for _ in range(steps):
            for name, g in net.loss_and_grads(X, Y)[1].items():
                net.params[name] += lr * g
        return net.get_params()

    def biases_fixed(X, Y, params, acts, lr, steps):
        net = network_from_params(params, acts)
        for _ in range(steps):
            for name, g in net.loss_and_grads(X, Y)[1].items():
                if name[0] == "W":
                    net.params[name] -= lr * g
        return net.get_params()

    def forward_once(X, Y, params, acts, lr, steps):
        # the cache of the starting parameters, reused at every step (the weights in it do change)
        net = network_from_params(params, acts)
        _, cache = net.forward(X)
        for _ in range(steps):
            for name, g in net.backward(Y, cache).items():
                net.params[name] -= lr * g
        return net.get_params()

    def gradients_once(X, Y, params, acts, lr, steps):
        # the gradients of the starting parameters, computed before the loop and reused at every step
        net = network_from_params(params, acts)
        grads = net.loss_and_grads(X, Y)[1]
        for _ in range(steps):
            for name, g in grads.items():
                net.params[name] -= lr * g
        return net.get_params()

    def first_only(X, Y, params, acts, lr, steps):
        # `return` inside the loop over the parameters: W1 updated once, the rest unchanged
        out = {k: v.copy() for k, v in params.items()}
        if steps:
            out["W1"] = ref(X, Y, params, acts, lr, 1)["W1"]
        return out

    return [
        ("the parameters moved uphill: subtract learning_rate * gradient", uphill),
        ("the parameters did not change: update them at every step and return the updated ones",
         lambda X, Y, p, a, lr, s: {k: v.copy() for k, v in p.items()}),
        ("only one step was taken: repeat forward, backward, update `steps` times",
         lambda X, Y, p, a, lr, s: ref(X, Y, p, a, lr, 1)),
        ("the biases did not change: update every b as well as every W", biases_fixed),
        ("the forward pass ran once, before the loop: run forward at every step, on the current params",
         forward_once),
        ("every step used the gradients of the starting parameters: run forward and backward inside "
         "the loop, at every step", gradients_once),
        ("only W1 changed: is the `return` inside the loop over the parameters?", first_only),
        ("the learning rate was fixed at 1.0: use the argument learning_rate",
         lambda X, Y, p, a, lr, s: ref(X, Y, p, a, 1.0, s)),
        ("every step is m times too short: the gradients from backward are already means over the examples "
         "(backward divides by m); do not divide by m again in the update",
         lambda X, Y, p, a, lr, s: ref(X, Y, p, a, lr / X.shape[1], s)),
    ]


def train_gd(learner):
    """Check ``train_gd(X, Y, params, activations, learning_rate, steps) -> params``, then run it on two moons.

    First, a few steps on three small networks must give the reference's parameters.
    Then the learner's loop trains ``[2, 16, 16, 1]`` (ReLU, ReLU, sigmoid) on 1,000 moons
    points for 500 steps with learning rate 1.0; it passes at 96% accuracy on 2,000 held-out points.
    """
    __tracebackhide__ = True
    cases = random_cases(_small_gd_case, ["a 2 -> 3 -> 1 network, 1 step", "a 3 -> 4 -> 4 -> 2 softmax "
                                          "network, 3 steps", "a 2 -> 5 -> 5 -> 1 network, 4 steps"], seed=506)
    # The few-steps verdict is printed only when it is the final one: a failure or an exception.
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            first = check_function("train_gd", _own_stub_only(learner), _bp.train_gd, cases,
                                   ["X", "Y", "params", "activations", "learning_rate", "steps"],
                                   hints=_steps_hints())
    except _EarlierExercise as exc:
        return _not_written("train_gd", exc)
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if not first:
        return _failed_with_note(first, printed.getvalue(), learner)
    rng = np.random.default_rng(2026)
    X, y = moons(3000, rng=rng, noise=0.2)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=2 / 3, rng=rng)
    sizes, activations = MOONS_NETWORK
    start = Network(sizes, activations, "binary_cross_entropy", rng=rng).get_params()
    try:
        with watching("train_gd") as seen:
            trained = learner(X_train, y_train.reshape(1, -1).astype(np.float64), start, list(activations),
                              LEARNING_RATE, STEPS)
    except Exception as exc:
        return report_raised("train_gd", exc, "on two moons")
    if seen:
        return report_copied("train_gd", seen, "on two moons")
    if not isinstance(trained, dict) or sorted(trained) != sorted(start):
        return _report("train_gd", False, f"on two moons: expected the trained params {sorted(start)}, "
                                          f"got {type(trained).__name__}")
    accuracy = network_from_params(trained, activations).accuracy(X_test, y_test)
    message = (f"two moons, {STEPS} steps of learning rate {LEARNING_RATE} on {X_train.shape[1]:,} points: "
               f"{accuracy:.1%} on {X_test.shape[1]:,} held-out points (pass mark {PASS_MARK:.0%})")
    if accuracy < PASS_MARK:
        message += ("; your train_gd calls your backward, which does not pass its checker yet: make it pass first"
                    if _earlier_failing(learner) else "; does your backward pass its checker?")
    return _report("train_gd", accuracy >= PASS_MARK, message)
