"""Checkers for the exercises of notebook 04 (forward propagation).

Each checker compares the learner's function with the package's reference
(``layers.dense_forward``; ``Network.forward`` for a whole network) on cases from
its own seeded generator. The first whole-network cases keep every layer as wide as
its input and the batch as wide as the layers (or one example): then the usual
slips (a transposed ``W``, a flat bias ``(n,)``, softmax over the wrong axis)
give numbers instead of a numpy error, and the checker can name the slip. The
last cases have layers of other widths than their inputs and a batch of yet
another size, so that an answer which takes a layer's shape from its input
(``Z = np.zeros(A.shape)``) cannot pass by accident.
"""

import numpy as np

from ..activations import relu, sigmoid, softmax, tanh
from ..layers import dense_forward as _dense_forward
from ..lessons.forward_prop import forward as _forward
from ._core import check_function, random_cases

__all__ = ["dense_forward", "forward"]

#: the checkers in notebook order (the grader reads this)
EXERCISES = ("dense_forward", "forward")


def _layer_args(rng, n_in, n_out, m):
    return (rng.normal(size=(n_in, m)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1)))


def dense_forward(learner):
    """Check ``dense_forward(A_prev, W, b)`` -> ``Z = W @ A_prev + b`` ``(n_out, m)``."""
    # The square case first: a transposed W or a flat bias then gives wrong numbers the
    # checker can name, before a non-square case would stop it with a numpy error.
    shapes = [(3, 3, 3), (4, 2, 5), (5, 1, 1), (2, 4, 4)]
    descriptions = [f"a layer of {n_out} neuron{'s' * (n_out > 1)} on {n_in} inputs, "
                    f"{m} example{'s' * (m > 1)}" for n_in, n_out, m in shapes]
    cases = random_cases(lambda rng, i: _layer_args(rng, *shapes[i]), descriptions, seed=4)
    return check_function("dense_forward", learner, lambda A, W, b: _dense_forward(A, W, b)[0],
                          cases, arg_names=["A_prev", "W", "b"], hints=[
        ("the bias is missing: add b to W @ A_prev", lambda A, W, b: W @ A),
        ("the bias has the wrong sign: Z = W @ A_prev + b", lambda A, W, b: W @ A - b),
        ("W is transposed: W has shape (n_out, n_in), so Z = W @ A_prev", lambda A, W, b: W.T @ A + b),
        ("the bias was added as a flat (n_out,) vector, which numpy adds to the columns (examples): "
         "keep b as the column (n_out, 1)", lambda A, W, b: W @ A + b.ravel()),
        ("that is Z transposed, the rows layout (examples as rows): here examples are columns, "
         "Z = W @ A_prev + b of shape (n_out, m)", lambda A, W, b: (W @ A + b).T),
        ("the product runs the wrong way: Z = W @ A_prev, W first", lambda A, W, b: A @ W + b),
        ("* multiplies entry by entry: the layer needs the matrix product W @ A_prev",
         lambda A, W, b: W * A + b),
        ("dense_forward returns Z, before any activation (the activation is applied to its result)",
         lambda A, W, b: relu(W @ A + b)),
    ])


# ------------------------------------------------------------- whole network
_FUNCTIONS = {"relu": relu, "tanh": tanh, "sigmoid": sigmoid, "softmax": softmax}

#: (width, depth, batch size, activations): every layer as wide as its input
_NETWORKS = [(3, 2, 3, ["relu", "softmax"]),
             (4, 3, 4, ["relu", "tanh", "sigmoid"]),
             (2, 1, 2, ["sigmoid"]),
             (5, 2, 1, ["tanh", "softmax"])]
#: (layer sizes, batch size, activations): each layer of another width than its input, the batch
#: of a size no layer has
_UNEVEN = [([3, 5, 2], 7, ["tanh", "softmax"]),
           ([4, 6, 3, 1], 5, ["relu", "tanh", "sigmoid"])]


def square_params(rng, n, depth):
    """``W1, b1, ..., W_depth, b_depth`` of a network whose every layer has ``n`` units and ``n`` inputs."""
    return sized_params(rng, [n] * (depth + 1))


def sized_params(rng, sizes):
    """``W1, b1, ...`` of a network with the layer sizes ``sizes`` (inputs first)."""
    return {name: rng.normal(size=(n_out, n_in) if name[0] == "W" else (n_out, 1))
            for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
            for name in (f"W{l}", f"b{l}")}


def _network_case(rng, i):
    if i >= len(_NETWORKS):
        sizes, m, activations = _UNEVEN[i - len(_NETWORKS)]
        return rng.normal(size=(sizes[0], m)), sized_params(rng, sizes), list(activations)
    n, depth, m, activations = _NETWORKS[i]
    params = square_params(rng, n, depth)
    return rng.normal(size=(n, m)), params, list(activations)


def _uneven_error(description, args, exc):
    """The hint for an exception on a network whose layers change width, after the square ones passed."""
    X, params, activations = args
    if X.shape[0] == params["W1"].shape[0] or not isinstance(exc, (ValueError, IndexError)):
        return None  # a square network: the error is the learner's own, reported as it is
    text = str(exc).replace(" ", "")
    for l in range(1, len(activations) + 1):
        W = params[f"W{l}"]
        z, a = f"({W.shape[0]},{X.shape[1]})", f"({W.shape[1]},{X.shape[1]})"
        if z in text and a in text:
            return (f"layer {l}'s Z has shape {z.replace(',', ', ')}, W{l} @ A{l - 1} + b{l}, not the shape "
                    f"{a.replace(',', ', ')} of its input: an array made with the input's shape "
                    "(np.zeros(A.shape)) cannot hold it; let Z = W @ A + b make its own array")
    return ("the networks whose layers are as wide as their inputs passed; here each layer changes the width: "
            "Z_l has shape (n_l, m), from W_l (n_l, n_(l-1)), not the shape of the layer's input")


def _slip(X, params, activations, *, flat_bias=False, transpose_W=False, softmax_over=0, keep_A0=True,
          last_activation=True, one_short=False, first_only=False, from_X=False, relu_only=False,
          relu_in_place=False, A_before=False, first_activation=False):
    """The forward pass with one of the usual slips, returning ``(A_L, cache)`` like the reference."""
    A, cache = X, {"A0": X} if keep_A0 else {}
    layers = activations[:-1] if one_short else activations[:1] if first_only else activations
    for l, name in enumerate(layers, start=1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = (W.T if transpose_W else W) @ (X if from_X else A) + (b.ravel() if flat_bias else b)
        if A_before:  # the layer's input stored as its output
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
            A = _FUNCTIONS[name](Z)
            continue
        if first_activation:
            name = activations[0]
        if relu_only or (relu_in_place and name == "relu"):
            A = relu(Z)
            if relu_in_place:  # A = Z; A[A < 0] = 0 changes Z too
                Z = A
        elif l == len(activations) and not last_activation:
            A = Z
        elif name == "softmax" and softmax_over is None:
            E = np.exp(Z - Z.max())
            A = E / E.sum()
        elif name == "softmax" and softmax_over == 1:
            A = softmax(Z.T).T
        else:
            A = _FUNCTIONS[name](Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def forward(learner):
    """Check ``forward(X, params, activations)`` -> ``(A_L, cache)`` for any number of layers.

    ``cache`` holds ``"A0"`` (the input) and every layer's ``"Zl"`` and ``"Al"``, as
    ``Network.forward`` returns it.
    """
    descriptions = [f"a {' -> '.join([str(n)] * (depth + 1))} network ({', '.join(acts)}) "
                    f"on {m} example{'s' * (m > 1)}" for n, depth, m, acts in _NETWORKS]
    descriptions += [f"a {' -> '.join(map(str, sizes))} network ({', '.join(acts)}) on {m} examples"
                     for sizes, m, acts in _UNEVEN]
    cases = random_cases(_network_case, descriptions, seed=404)

    def returns_Z(*a):
        A_L, cache = _forward(*a)
        return cache[f"Z{len(a[2])}"], cache

    return check_function("forward", learner, _forward, cases, ["X", "params", "activations"],
                          names=("A_L", "cache"), on_error=_uneven_error, hints=[
        ("the bias was added as a flat (n,) vector: keep b as the column (n, 1), so that bias j goes to "
         "neuron (row) j of every example", lambda *a: _slip(*a, flat_bias=True)),
        ("W is transposed: Z = W @ A_prev with W of shape (n_out, n_in)", lambda *a: _slip(*a, transpose_W=True)),
        ("softmax normalised each row: each column is one example, so normalise down the columns (axis=0)",
         lambda *a: _slip(*a, softmax_over=1)),
        ("softmax normalised the whole array at once: normalise each column (axis=0, keepdims=True)",
         lambda *a: _slip(*a, softmax_over=None)),
        ("the cache has no 'A0': store the input X as cache['A0'] (the backward pass needs it for dW1)",
         lambda *a: _slip(*a, keep_A0=False)),
        ("the last layer's activation is missing: A_L = g_L(Z_L)", lambda *a: _slip(*a, last_activation=False)),
        ("the loop stops one layer early: layers 1 to L are range(1, L + 1), with L = len(activations)",
         lambda *a: _slip(*a, one_short=True)),
        ("return the pair (A_L, cache), not A_L alone", lambda *a: _forward(*a)[0]),
        ("return the pair in the order (A_L, cache)", lambda *a: _forward(*a)[::-1]),
        ("only the first layer ran: is the `return` inside the loop?", lambda *a: _slip(*a, first_only=True)),
        ("every layer was fed X: layer l takes the previous layer's output A_(l-1)",
         lambda *a: _slip(*a, from_X=True)),
        ("every layer used ReLU: layer l uses its own activation, activations[l - 1]",
         lambda *a: _slip(*a, relu_only=True)),
        ("every layer used the first activation, activations[0]: layer l uses its own, activations[l - 1]",
         lambda *a: _slip(*a, first_activation=True)),
        ("the first value returned is Z_L, before the activation: return A_L = g_L(Z_L), as stored in "
         "the cache", returns_Z),
        ("Z was changed by the ReLU: A = Z then A[A < 0] = 0 changes Z too (one array, two names); "
         "compute a new array, e.g. np.maximum(Z, 0)", lambda *a: _slip(*a, relu_in_place=True)),
        ("cache['Al'] holds the layer's input: store A_l = g_l(Z_l) after applying the activation",
         lambda *a: _slip(*a, A_before=True)),
    ])
