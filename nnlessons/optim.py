"""Optimisers and learning-rate schedules: rules that turn gradients into parameter updates.

Each optimiser updates a parameter dict (``{"W1": ..., "b1": ...}``) in place
from a gradient dict with the same names and shapes, and leaves the gradients
untouched. Each one derives from the one before (notebook 07):

    SGD       p <- p - alpha dp
    Momentum  v <- beta v + dp;                         p <- p - alpha v
    Adam      m <- beta1 m + (1 - beta1) dp             (mean of recent gradients)
              v <- beta2 v + (1 - beta2) dp^2           (mean of their squares)
              p <- p - alpha (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)

with ``alpha`` the ``learning_rate`` and ``t`` the number of steps taken so far
(counted once per step, not once per parameter). The updates are computed in a
scratch buffer per parameter, allocated once, so a step allocates no new arrays.

A **schedule** is any callable ``schedule(epoch) -> learning_rate`` of the
0-based epoch index; ``Network.fit(..., schedule=...)`` sets the optimiser's
``learning_rate`` from it at the start of every epoch. ``StepDecay`` and
``CosineDecay`` are two such callables.
"""

import math

import numpy as np

from ._validation import check_grads, check_int, check_positive


def _check_beta(beta, name):
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.floating)) or not 0 <= beta < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {beta!r}")
    return float(beta)


class _Optimizer:
    """What every optimiser shares: a learning rate and one scratch buffer per parameter.

    An optimiser with state (``Momentum``'s velocity, ``Adam``'s averages and step count)
    serves one network: the first step records the names, shapes and dtypes of the
    parameters it updates, and a later step on parameters of another set is refused, since
    the state carried over would steer the other network. ``reset()`` starts afresh.
    """

    _keeps_state = True

    def __init__(self, learning_rate):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.reset()

    def reset(self):
        """Forget the state of earlier steps, so that the optimiser can serve another network."""
        self._scratch = {}
        self._shapes = None

    def _start_step(self, params, grads):
        """Check a step's arguments before any update, so a refused step changes nothing."""
        check_grads(grads, params)
        shapes = {name: (np.shape(params[name]), np.asarray(params[name]).dtype.name) for name in grads}
        if self._shapes is None or shapes == self._shapes:
            self._shapes = shapes
        elif not self._keeps_state:
            self._scratch, self._shapes = {}, shapes  # SGD keeps no state: only its scratch buffers start afresh
        else:
            raise ValueError(
                f"this {type(self).__name__} has stepped parameters {_describe(self._shapes)} and was handed "
                f"{_describe(shapes)}: its state belongs to the other network; make a new "
                f"{type(self).__name__}(...) for each network, or call .reset() first")

    def _buffer(self, store, name, like):
        """``store[name]``, created as zeros shaped like ``like`` on first use."""
        buf = store.get(name)
        if buf is None:
            buf = store[name] = np.zeros_like(like)
        return buf


def _describe(shapes):
    return "{" + ", ".join(f"{name}: {shape} {dtype}" for name, (shape, dtype) in sorted(shapes.items())) + "}"


class SGD(_Optimizer):
    """Plain gradient descent: ``p <- p - learning_rate * dp``."""

    _keeps_state = False  # may serve any parameters, one network after another

    def __init__(self, learning_rate=0.1):
        super().__init__(learning_rate)

    def step(self, params, grads):
        self._start_step(params, grads)
        for name, g in grads.items():
            p = params[name]
            buf = self._buffer(self._scratch, name, p)
            np.multiply(g, self.learning_rate, out=buf)
            p -= buf


class Momentum(_Optimizer):
    """Gradient descent with momentum: ``v <- beta v + dp;  p <- p - learning_rate * v``.

    The velocity ``v`` sums recent gradients with weights ``beta^k``, so steps grow
    (up to ``1 / (1 - beta)`` times) along directions where the gradient keeps its
    sign and cancel where it changes sign from step to step.
    """

    def __init__(self, learning_rate=0.1, beta=0.9):
        super().__init__(learning_rate)
        self.beta = _check_beta(beta, "beta")

    def reset(self):
        super().reset()
        self.velocity = {}

    def step(self, params, grads):
        self._start_step(params, grads)
        for name, g in grads.items():
            p = params[name]
            v = self._buffer(self.velocity, name, p)
            v *= self.beta
            v += g
            buf = self._buffer(self._scratch, name, p)
            np.multiply(v, self.learning_rate, out=buf)
            p -= buf


class Adam(_Optimizer):
    """Adam (Kingma and Ba, 2015): momentum on the gradient and on its square, bias-corrected.

    ``m`` and ``v`` start at zero, so after ``t`` steps they are averages shrunk by the
    factors ``1 - beta1^t`` and ``1 - beta2^t``; dividing by those factors undoes the
    shrinking, which matters in the first few hundred steps. ``t`` is the number of
    calls to ``step``. ``bias_correction=False`` leaves the correction out, for
    showing what it does (notebook 07); never needed otherwise.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8, *, bias_correction=True):
        super().__init__(learning_rate)
        self.bias_correction = bool(bias_correction)
        self.beta1, self.beta2 = _check_beta(beta1, "beta1"), _check_beta(beta2, "beta2")
        self.eps = check_positive(eps, "eps")

    def reset(self):
        super().reset()
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, params, grads):
        self._start_step(params, grads)
        self.t += 1  # once per step, whatever the number of parameters
        b1, b2 = self.beta1, self.beta2
        c1, c2 = (1.0 - b1**self.t, 1.0 - b2**self.t) if self.bias_correction else (1.0, 1.0)
        for name, g in grads.items():
            p = params[name]
            m = self._buffer(self.m, name, p)
            v = self._buffer(self.v, name, p)
            buf = self._buffer(self._scratch, name, p)
            np.multiply(g, 1.0 - b1, out=buf)
            m *= b1
            m += buf
            np.multiply(g, g, out=buf)
            buf *= 1.0 - b2
            v *= b2
            v += buf
            # buf <- sqrt(v / c2) + eps, then the step alpha (m / c1) / buf
            np.divide(v, c2, out=buf)
            np.sqrt(buf, out=buf)
            buf += self.eps
            np.divide(m, buf, out=buf)
            buf *= self.learning_rate / c1
            p -= buf


def get_optimizer(optimizer, learning_rate=None):
    """An optimiser object, a name ("sgd", "momentum", "adam"), or None for SGD."""
    if isinstance(optimizer, type):
        # The class has .step too, but as a plain function: the error would come from inside fit's loop.
        raise TypeError(f"optimizer must be an optimiser object such as {optimizer.__name__}(learning_rate=...), "
                        "not the class itself")
    if hasattr(optimizer, "step"):
        return optimizer
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    choices = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
    if optimizer is None:
        return SGD(**kwargs)
    if isinstance(optimizer, str) and optimizer in choices:
        return choices[optimizer](**kwargs)
    raise ValueError(f"optimizer must be one of {sorted(choices)} or an object with .step, got {optimizer!r}")


# ------------------------------------------------------------------ schedules

class StepDecay:
    """``learning_rate * factor ** (epoch // every)``: the rate drops by ``factor`` every ``every`` epochs."""

    def __init__(self, learning_rate, *, factor=0.1, every=10):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= 1:
            raise ValueError(f"factor must be a number in (0, 1], got {factor!r}")
        self.factor = float(factor)
        self.every = check_int(every, "every")

    def __call__(self, epoch):
        epoch = check_int(epoch, "epoch", minimum=0)
        return self.learning_rate * self.factor ** (epoch // self.every)

    def __repr__(self):
        return f"StepDecay({self.learning_rate!r}, factor={self.factor!r}, every={self.every!r})"


class CosineDecay:
    """Half a cosine from ``learning_rate`` at epoch 0 down to ``final`` at epoch ``epochs``.

    ``lr(e) = final + (learning_rate - final) (1 + cos(pi e / epochs)) / 2``, and ``final``
    after ``epochs``. Large steps early cross the cost surface quickly; small steps at the
    end stop the noise of mini-batch gradients from keeping the parameters away from the
    bottom, which is where the last digits of accuracy come from.
    """

    def __init__(self, learning_rate, *, epochs, final=0.0):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self.epochs = check_int(epochs, "epochs")
        if isinstance(final, bool) or not isinstance(final, (int, float)) or not 0 <= final <= learning_rate:
            raise ValueError(f"final must be a number in [0, learning_rate], got {final!r}")
        self.final = float(final)

    def __call__(self, epoch):
        epoch = check_int(epoch, "epoch", minimum=0)
        e = min(epoch, self.epochs)
        return self.final + (self.learning_rate - self.final) * (1.0 + math.cos(math.pi * e / self.epochs)) / 2.0

    def __repr__(self):
        return f"CosineDecay({self.learning_rate!r}, epochs={self.epochs!r}, final={self.final!r})"
