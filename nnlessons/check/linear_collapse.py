"""Checkers for the exercises of notebook 03 (a stack of linear layers is one layer).

Each runs the learner's function and the package's reference on the same
inputs, drawn from the checker's own seeded generator. Outputs are compared as
float64 numbers, so a learner's bool or float32 array of the right values
passes. The sigmoid derivative follows the series' one warning policy (that of
notebook 02): right values computed through an overflow do not pass.
"""

import copy

import numpy as np

from .. import activations
from ..lessons import linear_collapse
from ._core import _compare, check_function, check_stable, random_cases

__all__ = ["collapse", "relu_derivative", "sigmoid_derivative", "relu_kinks"]
EXERCISES = ("collapse", "relu_derivative", "sigmoid_derivative", "relu_kinks")


def _layers(rng, sizes, orthogonal=False):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if orthogonal:
            W = linear_collapse.random_orthogonal(n_in, rng=rng)
        else:
            W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        layers.append((W, rng.standard_normal((n_out, 1))))
    return layers


def collapse(learner):
    """Check ``collapse(layers) -> (W, b)`` against ``nnlessons.lessons.linear_collapse.collapse``."""
    shapes = [
        ("one layer 2 -> 3", lambda rng: _layers(rng, [2, 3])),
        # square layers before the others: multiplying in the wrong order then
        # gives wrong numbers rather than a shape error
        ("three 3x3 layers", lambda rng: _layers(rng, [3, 3, 3, 3])),
        ("layers 2 -> 4 -> 3 -> 1", lambda rng: _layers(rng, [2, 4, 3, 1])),
        ("two layers 3 -> 1 -> 2", lambda rng: _layers(rng, [3, 1, 2])),
        ("fifty orthogonal 4x4 layers", lambda rng: _layers(rng, [4] * 51, orthogonal=True)),
    ]
    cases = random_cases(lambda rng, i: (shapes[i][1](rng),), [d for d, _ in shapes], seed=3)
    # The usual slips (product in the wrong order, biases not carried) raise on
    # non-square layers, so they are recognised on the square cases alone; the
    # verdict then comes from those cases, which the slip already fails.
    square = [case for case in cases if all(W.shape[0] == W.shape[1] for W, _ in case[1][0][1:])]
    if callable(learner) and _collapse_slip(learner, square):
        cases = square
    return check_function("collapse", learner, linear_collapse.collapse, cases, arg_names=["layers"],
                          hints=_COLLAPSE_HINTS, names=("W", "b"))


def _collapse_folded(layers, step):
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W, b = step(W, b, W_l, b_l)
    return W, b


_COLLAPSE_HINTS = [
    ("the product runs the wrong way: each new layer multiplies from the left, W <- W_l @ W",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W @ W_l, W_l @ b + b_l))),
    ("the earlier biases must pass through each later layer too: b <- W_l @ b + b_l",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W_l @ W, b + b_l))),
    ("the earlier biases are lost: b <- W_l @ b + b_l keeps them, carried through the later layers",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W_l @ W, b_l))),
    ("the bias went through the product so far: b <- W_l @ b + b_l, with the layer's own W_l",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W_l @ W, (W_l @ W) @ b + b_l))),
    ("only the first two layers were combined: is the `return` inside the loop?",
     lambda layers: _collapse_folded(layers[:2], lambda W, b, W_l, b_l: (W_l @ W, W_l @ b + b_l))),
    ("return (W, b) in that order", lambda layers: linear_collapse.collapse(layers)[::-1]),
]


def _collapse_slip(learner, cases):
    """True when ``learner`` is wrong and reproduces one of the usual slips on every case."""
    try:
        outputs = [learner(*copy.deepcopy(args)) for _, args in cases]
    except Exception:
        return False  # reported, with its traceback, by the check itself
    if all(_compare(linear_collapse.collapse(*args), got, "") is None for (_, args), got in zip(cases, outputs)):
        return False
    return any(all(_compare(wrong(*copy.deepcopy(args)), got, "") is None for (_, args), got in zip(cases, outputs))
               for _, wrong in _COLLAPSE_HINTS)


def _z_cases(seed):
    makers = [
        ("Z of shape (3, 4)", lambda rng: rng.standard_normal((3, 4)) * 3),
        ("Z holding exact zeros", lambda rng: np.array([[-2.0, 0.0, 2.0], [0.0, -0.5, 0.5]])),
        ("Z with |z| = 1000 and 50", lambda rng: np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])),
        ("a 1-D Z of shape (6,)", lambda rng: rng.uniform(-6, 6, size=6)),
    ]
    return random_cases(lambda rng, i: (makers[i][1](rng),), [d for d, _ in makers], seed=seed)


def relu_derivative(learner):
    """Check ``relu_derivative(Z)``: 1 where z > 0, else 0 (0 at z = 0, as the package)."""
    hints = [
        ("at z = 0, where ReLU has its kink, take the derivative 0 as the exercise says: z > 0, not z >= 0",
         lambda Z: (np.asarray(Z) >= 0).astype(float)),
        ("that is ReLU itself, max(z, 0); its derivative is 1 where z > 0 and 0 elsewhere",
         lambda Z: np.maximum(Z, 0.0)),
        ("np.sign gives -1 for negative z, where ReLU is flat and its derivative is 0",
         lambda Z: np.sign(Z)),
    ]
    return check_function("relu_derivative", learner, activations.relu_derivative, _z_cases(4), arg_names=["Z"],
                          hints=hints)


def _naive_sigmoid_derivative(Z):
    e = np.exp(-np.asarray(Z, dtype=np.float64))
    return e / (1 + e) ** 2


def sigmoid_derivative(learner):
    """Check ``sigmoid_derivative(Z)`` = sigmoid(z) (1 - sigmoid(z)), also at |z| = 1000."""
    s = activations.sigmoid
    hints = [
        ("e^(-z) / (1 + e^(-z))^2 computed as written gives inf / inf = nan at z = -1000: "
         "write it as s (1 - s) with s = nl.sigmoid(Z)", _naive_sigmoid_derivative),
        ("that is the sigmoid itself; its derivative is s (1 - s)", lambda Z: s(Z)),
        ("1 - s^2 is the pattern of tanh's derivative (1 - tanh^2); the sigmoid's is s (1 - s)",
         lambda Z: 1 - s(Z) ** 2),
        ("mind the sign: s (1 - s), not s (1 + s)", lambda Z: s(Z) * (1 + s(Z))),
    ]
    return check_stable("sigmoid_derivative", learner, activations.sigmoid_derivative, _z_cases(5), ["Z"],
                        hints)


def _relu_net(rng, n, zero_input=(), zero_output=(), shared=None):
    W1 = rng.uniform(0.5, 2.0, (n, 1)) * rng.choice([-1.0, 1.0], (n, 1))
    b1 = rng.uniform(-2.0, 2.0, (n, 1))
    W2 = rng.uniform(0.5, 2.0, (1, n)) * rng.choice([-1.0, 1.0], (1, n))
    for j in zero_input:
        W1[j, 0] = 0.0
    for j in zero_output:
        W2[0, j] = 0.0
    if shared is not None:
        # units 0 and 1 switch at the same x = 1 (w x + c = 0 for x = 1)
        W1[:2, 0], b1[:2, 0], W2[0, :2] = [1.0, 2.0], [-1.0, -2.0], [1.0, 0.5]
    return W1, b1, W2


def relu_kinks(learner):
    """Check ``relu_kinks(W1, b1, W2)`` (sorted positions where the slope changes)."""
    makers = [
        ("a network of 3 units", lambda rng: _relu_net(rng, 3)),
        ("a network of 6 units", lambda rng: _relu_net(rng, 6)),
        ("5 units, unit 2 with input weight 0", lambda rng: _relu_net(rng, 5, zero_input=[2])),
        ("5 units, unit 4 with output weight 0", lambda rng: _relu_net(rng, 5, zero_output=[4])),
        ("4 units, units 0 and 1 switching at the same x", lambda rng: _relu_net(rng, 4, shared=True)),
    ]
    cases = random_cases(lambda rng, i: makers[i][1](rng), [d for d, _ in makers], seed=6)
    return check_function("relu_kinks", learner, linear_collapse.relu_kinks, cases, arg_names=["W1", "b1", "W2"],
                          hints=_KINK_HINTS)


def _switches(W1, b1, W2, keep):
    """``-b1 / W1`` of the units ``keep(w, v)`` selects, unsorted (inf or nan for an input weight 0)."""
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    selected = keep(w, v)
    return -c[selected] / w[selected]


def _both(w, v):
    return (w != 0) & (v != 0)


_KINK_HINTS = [
    ("unit j switches where W1[j] x + b1[j] = 0, that is at x = -b1[j] / W1[j]: mind the minus",
     lambda W1, b1, W2: np.unique(-_switches(W1, b1, W2, _both))),
    ("return the positions sorted from left to right (np.unique sorts and removes repeats)",
     lambda W1, b1, W2: _switches(W1, b1, W2, _both)),
    ("two units switching at the same x make one kink: remove the repeated position (np.unique)",
     lambda W1, b1, W2: np.sort(_switches(W1, b1, W2, _both))),
    ("a unit with output weight W2[j] = 0 adds nothing to f, so it makes no kink: leave it out",
     lambda W1, b1, W2: np.unique(_switches(W1, b1, W2, lambda w, v: w != 0))),
    ("a unit with input weight W1[j] = 0 never switches (-b1[j] / 0 is inf or nan), and one with "
     "output weight W2[j] = 0 adds nothing: leave both out",
     lambda W1, b1, W2: np.unique(_switches(W1, b1, W2, lambda w, v: np.ones(w.shape, bool)))),
]
