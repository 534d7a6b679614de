"""Optimisers: rules that turn gradients into parameter updates.

Each optimiser updates a parameter dict (``{"W1": ..., "b1": ...}``) in place
from a gradient dict with the same names and shapes.
"""

import numpy as np

from ._validation import check_positive


class SGD:
    """Plain gradient descent: p <- p - learning_rate * dp."""

    def __init__(self, learning_rate=0.1):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        self._scratch = {}

    def step(self, params, grads):
        for name, g in grads.items():
            # learning_rate * g into a buffer kept between steps: a fresh array per
            # parameter per step costs more than the subtraction itself.
            step = self._scratch.get(name)
            if step is None or step.shape != g.shape or step.dtype != g.dtype:
                step = self._scratch[name] = np.empty_like(g)
            np.multiply(g, self.learning_rate, out=step)
            params[name] -= step


class Momentum:
    """Gradient descent with momentum: v <- beta v + dp;  p <- p - learning_rate * v.

    The velocity ``v`` averages recent gradients, so steps grow along directions
    where the gradient keeps its sign and cancel where it oscillates.
    """

    def __init__(self, learning_rate=0.1, beta=0.9):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        if not 0 <= beta < 1:
            raise ValueError(f"beta must be in [0, 1), got {beta!r}")
        self.beta = float(beta)
        self.velocity = {}

    def step(self, params, grads):
        for name, g in grads.items():
            v = self.velocity.get(name)
            if v is None:
                v = self.velocity[name] = np.zeros_like(g)
            v *= self.beta
            v += g
            params[name] -= self.learning_rate * v


class Adam:
    """Adam (Kingma and Ba, 2015): momentum on the gradient and on its square, bias-corrected."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = check_positive(learning_rate, "learning_rate")
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, params, grads):
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for name, g in grads.items():
            if name not in self.m:
                self.m[name] = np.zeros_like(g)
                self.v[name] = np.zeros_like(g)
            m, v = self.m[name], self.v[name]
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            params[name] -= self.learning_rate * (m / c1) / (np.sqrt(v / c2) + self.eps)


def get_optimizer(optimizer, learning_rate=None):
    """An optimiser object, a name ("sgd", "momentum", "adam"), or None for SGD."""
    if hasattr(optimizer, "step"):
        return optimizer
    kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
    choices = {"sgd": SGD, "momentum": Momentum, "adam": Adam}
    if optimizer is None:
        return SGD(**kwargs)
    if isinstance(optimizer, str) and optimizer in choices:
        return choices[optimizer](**kwargs)
    raise ValueError(f"optimizer must be one of {sorted(choices)} or an object with .step, got {optimizer!r}")
