"""Helpers of notebook 07 (training well): the digits splits, deep-network statistics, the valley.

The regularisers themselves are core API (``nnlessons.regularization`` and the
``weight_decay``, ``keep_prob``, ``schedule`` and ``restore_best`` options of
``Network.fit``), and so are the optimisers (``nnlessons.optim``); this module
holds only what the notebook's experiments need around them.
"""

import numpy as np

from .. import mnist
from .._validation import as_float_array, check_int, check_positive, make_rng
from ..network import Network
from ..optim import get_optimizer
from . import regression


# --------------------------------------------------------------------------- data

def digits_split(n_train=1000, n_val=2000, *, rng):
    """A small training split and a validation split of the embedded MNIST training images.

    The 10,000 embedded training images are shuffled with ``rng``; the first ``n_train``
    become the training split, the next ``n_val`` the validation split (no overlap).
    Returns ``(X_train, y_train), (X_val, y_val)`` with ``X`` ``(784, m)`` in [0, 1] and
    integer labels ``(m,)``. The official test images are not touched: see ``digits_test``.
    """
    n_train, n_val = check_int(n_train, "n_train"), check_int(n_val, "n_val")
    (images, labels), _ = mnist.load_mnist_small()
    if n_train + n_val > len(labels):
        raise ValueError(f"n_train + n_val must be at most {len(labels)}, got {n_train + n_val}")
    order = make_rng(rng).permutation(len(labels))
    train, val = order[:n_train], order[n_train:n_train + n_val]
    return ((mnist.to_columns(images[train]), labels[train].astype(np.int64)),
            (mnist.to_columns(images[val]), labels[val].astype(np.int64)))


def digits_test():
    """The official 10,000 MNIST test images as ``(X_test (784, 10000), y_test (10000,))``."""
    _, (images, labels) = mnist.load_mnist_small()
    return mnist.to_columns(images), labels.astype(np.int64)


# --------------------------------------------------------------------------- initialisation

def unit_spread(W):
    """How different a layer's units are: the largest gap between two rows of ``W`` ``(n_out, n_in)``.

    ``max over inputs j of (max_i W[i, j] - min_i W[i, j])``: 0 exactly when every unit
    (row) has the same weights, as after an all-zero initialisation.
    """
    W = as_float_array(W, "W", ndim=2)
    return float(np.max(W.max(axis=0) - W.min(axis=0)))


def deep_network(activation, init, *, depth=10, width=100, rng):
    """A ``depth``-layer network of ``width`` units per layer, every layer ``activation``, weights N(0, init^2).

    ``init`` is a standard deviation or ``"auto"`` (He for ReLU, Xavier/LeCun otherwise).
    The loss is squared error, so that the same activation can sit on the last layer too.
    """
    depth, width = check_int(depth, "depth"), check_int(width, "width")
    return Network([width] * (depth + 1), activation, "mse", rng=rng, init=init)


def layer_statistics(net, X, Y):
    """The spread of every layer's activations and weight gradients on one batch.

    Returns ``(activation_std, gradient_std)``, two arrays ``(L,)``: the standard
    deviation of the entries of ``A_l`` and of ``dW_l`` for ``l = 1..L``.
    """
    A, cache = net.forward(X)
    grads = net.backward(Y, cache)
    L = net.n_layers
    act = np.array([np.std(cache[f"A{l}"]) for l in range(1, L + 1)])
    grad = np.array([np.std(grads[f"W{l}"]) for l in range(1, L + 1)])
    return act, grad


# --------------------------------------------------------------------------- the valley of notebook 01

def valley_run(optimizer, x, y, start, n_steps):
    """Run ``optimizer`` (an object of ``nnlessons.optim``) on notebook 01's cost ``J(w, b)``.

    The parameters ``theta = (w, b)`` start at ``start``; each step feeds the optimiser
    the exact gradient ``(dJ/dw, dJ/db)`` of ``regression.mse_cost``. Returns ``path``
    ``(k, 2)`` (row ``t``: ``(w, b)`` after ``t`` steps) and ``costs`` ``(k,)``, with
    ``k = n_steps + 1``, fewer if the cost passes ``regression.DIVERGED``.
    """
    opt = get_optimizer(optimizer)
    n_steps = check_int(n_steps, "n_steps", minimum=0)
    theta = as_float_array(start, "start", ndim=1).astype(np.float64, copy=True)
    if theta.shape != (2,):
        raise ValueError(f"start must have shape (2,) for (w, b), got shape {theta.shape}")
    params = {"theta": theta}
    path, costs = [theta.copy()], [regression.mse_cost(theta[0], theta[1], x, y)]
    for _ in range(n_steps):
        if not costs[-1] <= regression.DIVERGED:
            break
        opt.step(params, {"theta": np.array(regression.mse_gradient(theta[0], theta[1], x, y))})
        path.append(theta.copy())
        costs.append(regression.mse_cost(theta[0], theta[1], x, y))
    return np.array(path), np.array(costs)


def steps_to_reach(costs, tolerance):
    """The first step ``t`` from which ``costs[t:]`` all stay below ``tolerance``; None if never."""
    costs = as_float_array(costs, "costs", ndim=1)
    tolerance = check_positive(tolerance, "tolerance")
    above = np.flatnonzero(~(costs < tolerance))
    if above.size == 0:
        return 0
    t = int(above[-1]) + 1
    return t if t < costs.size else None


def fewest_steps(make_optimizer, learning_rates, x, y, start, n_steps, tolerance):
    """Each learning rate's steps to reach ``tolerance`` on the valley, and the best of them.

    ``make_optimizer(learning_rate)`` returns a fresh optimiser. Returns
    ``(best_learning_rate, best_steps, steps)`` with ``steps`` a list of ints or None
    (never reached within ``n_steps``), one per learning rate; the best is the fewest steps,
    ``(None, None, steps)`` if no rate reaches the tolerance.
    """
    steps = [steps_to_reach(valley_run(make_optimizer(lr), x, y, start, n_steps)[1], tolerance)
             for lr in learning_rates]
    reached = [(s, lr) for s, lr in zip(steps, learning_rates) if s is not None]
    if not reached:
        return None, None, steps
    best_steps, best_lr = min(reached)
    return best_lr, best_steps, steps


def step_lengths(path):
    """The length of every step of a path ``(k, 2)``: ``(k - 1,)``."""
    path = as_float_array(path, "path", ndim=2)
    return np.linalg.norm(np.diff(path, axis=0), axis=1)
