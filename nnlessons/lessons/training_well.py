"""Helpers of notebook 07 (training well): the digits splits, deep-network statistics, the valley,
and the learner's regularisers and optimiser assembled into a training run.

The regularisers themselves are core API (``nnlessons.regularization`` and the
``weight_decay``, ``keep_prob``, ``schedule`` and ``restore_best`` options of
``Network.fit``), and so are the optimisers (``nnlessons.optim``). ``train`` runs the
notebook's comparisons through the learner's own ``l2_gradients``, dropout pair and
Adam loop instead (as a course assignment assembles the learner's functions into a
model), and gives the same numbers as ``fit`` when handed the package's versions.
"""

import numpy as np

from .. import losses, mnist
from .._validation import as_float_array, check_int, check_positive, make_rng
from ..datasets import minibatches
from ..layers import backward as dense_backward
from ..network import Network, predict_classes
from ..optim import Adam, get_optimizer
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


def backward_factors(net, X, Y):
    """The two factors of every weight gradient ``dW_l = dZ_l A_{l-1}^T / m``, by their spread.

    Returns ``(input_std, dZ_std)``, two arrays ``(L,)``: the standard deviation of the
    entries of ``A_{l-1}`` (``A_0 = X``) and of ``dZ_l`` (per example) for ``l = 1..L``.
    """
    A, cache = net.forward(X)
    L = net.n_layers
    dZ = net.g[L].backward(net._loss.grad(A, net.targets(Y)), cache[f"Z{L}"])
    dZ_std = [np.std(dZ)]
    for l in range(L, 1, -1):
        dZ = net.g[l - 1].backward(net.params[f"W{l}"].T @ dZ, cache[f"Z{l - 1}"])
        dZ_std.append(np.std(dZ))
    input_std = np.array([np.std(cache[f"A{l}"]) for l in range(L)])
    return input_std, np.array(dZ_std[::-1])


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


# --------------------------------------------------------------------------- the learner's functions, assembled

def momentum_step(params, grads, velocity, learning_rate, beta):
    """One step of momentum on new dicts: ``v <- beta v + dp``, ``p <- p - alpha v``.

    Exercise 3 of notebook 07 as the package writes it. Returns ``(new_params, new_velocity)``;
    the dicts passed in are left unchanged.
    """
    velocity = {name: beta * velocity[name] + grads[name] for name in params}
    return {name: params[name] - learning_rate * velocity[name] for name in params}, velocity


def train_with_adam(net, X, y, epochs, batch_size, learning_rate, rng):
    """Mini-batch Adam on ``net``, in place: exercise 4 of notebook 07 as the package writes it.

    Each epoch shuffles with ``rng.permutation(m)``; one ``net.loss_and_grads`` and one
    ``optim.Adam`` step per batch. Returns the batch costs, in order.
    """
    opt, costs = Adam(learning_rate), []
    for _ in range(epochs):
        for idx in minibatches(X.shape[1], batch_size, rng=rng):
            cost, grads = net.loss_and_grads(X[:, idx], y[idx])
            opt.step(net.params, grads)
            costs.append(cost)
    return costs


_FROM_LOGITS = {"softmax": losses.categorical_cross_entropy_from_logits,
                "sigmoid": losses.binary_cross_entropy_from_logits}


class Assembled:
    """A ``Network`` whose ``loss_and_grads`` runs the learner's L2 and dropout, recording a history.

    Any training loop that calls ``loss_and_grads(X_batch, y_batch)`` and updates ``params``
    (the plain SGD of ``sgd``, the learner's Adam loop) trains the wrapped ``net``: ``params``
    is ``net.params`` itself. Inside, the forward pass applies ``dropout_forward(A, keep_prob,
    rng)`` to every hidden layer's activations (with ``keep_prob`` < 1), the backward pass
    ``dropout_backward(dA, mask, keep_prob)`` with that layer's mask, and the gradients go
    through ``l2_gradients(grads, params, weight_decay, m)`` (with ``weight_decay`` > 0; ``m``
    the number of training examples, as ``fit`` uses it). Needs a fused output (softmax or
    sigmoid with its cross-entropy), whose ``dZ_L`` is ``A_L - Y``.

    Like ``fit``, it records per epoch the running means of the batch costs (without the
    penalty) and accuracies, each measured before its step, and after every epoch the
    validation cost and accuracy; ``finish()`` returns that history and restores the
    parameters of the best validation epoch. An epoch ends when ``m`` examples have been seen.
    """

    def __init__(self, net, *, m, validation, l2_gradients=None, weight_decay=0.0, dropout=None,
                 keep_prob=1.0, rng=None):
        if not isinstance(net, Network):
            raise TypeError(f"net must be a Network, got {type(net).__name__}")
        if net.activations[-1] not in _FROM_LOGITS or net.loss not in ("categorical_cross_entropy",
                                                                       "binary_cross_entropy"):
            raise ValueError(f"net needs a softmax or sigmoid output with its cross-entropy, got "
                             f"{net.activations[-1]!r} with {net.loss!r}")
        self.net, self.m = net, check_int(m, "m")
        self.weight_decay = float(weight_decay)
        self.keep_prob = float(keep_prob)
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be at least 0, got {weight_decay}")
        if not 0.0 < self.keep_prob <= 1.0:
            raise ValueError(f"keep_prob must be in (0, 1], got {keep_prob}")
        if self.weight_decay > 0 and not callable(l2_gradients):
            raise TypeError("weight_decay > 0 needs l2_gradients(grads, params, lam, m), a function")
        if self.keep_prob < 1:
            if not (isinstance(dropout, (tuple, list)) and len(dropout) == 2 and all(map(callable, dropout))):
                raise TypeError("keep_prob < 1 needs dropout=(dropout_forward, dropout_backward), two functions")
            if rng is None:
                raise TypeError("keep_prob < 1 needs an rng for the dropout masks")
        self.l2_gradients, self.dropout, self.rng = l2_gradients, dropout, rng
        X_val, y_val = validation
        self.X_val, self.y_val = X_val, y_val
        self.history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
        self._seen, self._loss_sum, self._correct = 0, 0.0, 0
        self._best = (-1.0, None, 0)  # validation accuracy, parameters, epoch

    @property
    def params(self):
        return self.net.params

    def _close_epoch(self):
        """The epoch's data has all been seen and its last step taken: record it."""
        h = self.history
        h["loss"].append(self._loss_sum / self.m)
        h["accuracy"].append(self._correct / self.m)
        h["val_loss"].append(self.net.cost(self.X_val, self.y_val))
        h["val_accuracy"].append(self.net.accuracy(self.X_val, self.y_val))
        if h["val_accuracy"][-1] > self._best[0]:
            self._best = (h["val_accuracy"][-1], self.net.get_params(), len(h["val_accuracy"]))
        self._seen, self._loss_sum, self._correct = 0, 0.0, 0

    def loss_and_grads(self, X, y):
        """``(cost, grads)`` of one batch in training mode, through the learner's dropout and L2."""
        if self._seen >= self.m:
            self._close_epoch()
        net, L, keep = self.net, self.net.n_layers, self.keep_prob
        Y = net.targets(y)
        A, kept = X, []  # kept[l - 1]: (A_prev, Z, dropout mask or None) of layer l
        for l in range(1, L + 1):
            Z = net.params[f"W{l}"] @ A + net.params[f"b{l}"]
            A_out, mask = net.g[l].forward(Z), None
            if l < L and keep < 1:
                A_out, mask = self.dropout[0](A_out, keep, self.rng)
            kept.append((A, Z, mask))
            A = A_out
        cost = float(_FROM_LOGITS[net.activations[-1]](kept[-1][1], Y))
        self._seen += X.shape[1]
        self._loss_sum += cost * X.shape[1]
        self._correct += int(np.count_nonzero(predict_classes(A) == predict_classes(Y)))
        grads, dZ = {}, A - Y  # the fused output: dZ_L = A_L - Y
        for l in range(L, 0, -1):
            A_prev, _, _ = kept[l - 1]
            cache = (A_prev, net.params[f"W{l}"], net.params[f"b{l}"])
            dA, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dZ, cache, need_dA_prev=l > 1)
            if l > 1:
                _, Z_prev, mask = kept[l - 2]
                if mask is not None:
                    dA = self.dropout[1](dA, mask, keep)
                dZ = net.g[l - 1].backward(dA, Z_prev)
        grads = {name: grads[name] for name in net.params}
        if self.weight_decay > 0:
            grads = self.l2_gradients(grads, net.params, self.weight_decay, self.m)
        return cost, grads

    def finish(self):
        """Close the last epoch, restore the best validation epoch's parameters; the history."""
        if self._seen >= self.m:
            self._close_epoch()
        best_accuracy, best_params, best_epoch = self._best
        if best_params is not None:
            for name, value in best_params.items():
                self.net.params[name] = value.copy()
        return {**self.history, "best_epoch": best_epoch}


def sgd(model, X, y, *, epochs, batch_size, learning_rate=None, schedule=None, rng):
    """Plain mini-batch gradient descent on ``model`` (anything with ``loss_and_grads`` and ``params``).

    Notebook 06's loop: each epoch ``rng.permutation(m)``, one step per batch. ``schedule``
    (epoch -> learning rate, 0-based) replaces a constant ``learning_rate``.
    """
    if (learning_rate is None) == (schedule is None):
        raise TypeError("sgd needs exactly one of learning_rate and schedule")
    for epoch in range(check_int(epochs, "epochs", minimum=0)):
        rate = learning_rate if schedule is None else schedule(epoch)
        for idx in minibatches(X.shape[1], batch_size, rng=rng):
            _, grads = model.loss_and_grads(X[:, idx], y[idx])
            for name in model.params:
                model.params[name] = model.params[name] - rate * grads[name]


def train(net, X, y, validation, *, epochs, batch_size, rng, learning_rate=None, schedule=None,
          l2_gradients=None, weight_decay=0.0, dropout=None, keep_prob=1.0, adam=None):
    """Train ``net`` in place with the learner's functions; a history like ``fit(..., restore_best=True)``'s.

    ``l2_gradients`` (with ``weight_decay``) and ``dropout = (dropout_forward, dropout_backward)``
    (with ``keep_prob``) act inside every step (``Assembled``). The steps are plain SGD
    (``sgd``, with ``learning_rate`` or ``schedule``), or, with ``adam``, the learner's loop
    ``adam(net, X, y, epochs, batch_size, learning_rate, rng)`` driving the assembled model.
    ``rng`` shuffles the batches and draws the dropout masks, in ``fit``'s order.
    """
    rng = make_rng(rng)
    model = Assembled(net, m=X.shape[1], validation=validation, l2_gradients=l2_gradients,
                      weight_decay=weight_decay, dropout=dropout, keep_prob=keep_prob, rng=rng)
    if adam is None:
        sgd(model, X, y, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
            schedule=schedule, rng=rng)
    else:
        if schedule is not None:
            raise TypeError("a schedule is for plain SGD here; the Adam loop takes one learning_rate")
        adam(model, X, y, epochs, batch_size, learning_rate, rng)
    return model.finish()


def regularisation_choice():
    """Notebook 07's choice of L2 strength and keep probability, from its validation split: dropout alone."""
    return {"lam": 0.0, "keep_prob": 0.5}
