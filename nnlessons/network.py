"""A fully connected network, written the way the notes derive it.

A network with layer sizes ``[n0, n1, ..., nL]`` has parameters
``W1, b1, ..., WL, bL`` in one dict, with ``Wl`` ``(nl, n(l-1))`` and ``bl``
``(nl, 1)``. The inputs ``X`` are ``(n0, m)``, one example per column.

Forward, for l = 1..L (with A0 = X):

    Zl = Wl @ A(l-1) + bl
    Al = gl(Zl)

Backward, from dZL = A_L - Y (fused softmax/sigmoid + cross-entropy) or
dZL = dAL * gL'(ZL) (any other pairing), then for l = L..1:

    dWl = dZl @ A(l-1).T / m
    dbl = row sums of dZl / m
    dA(l-1) = Wl.T @ dZl
    dZ(l-1) = dA(l-1) * g(l-1)'(Z(l-1))

Weights start as Gaussian noise with standard deviation ``sqrt(2 / n_in)``
for ReLU layers (He et al., 2015) and ``sqrt(1 / n_in)`` for the others
(LeCun/Xavier), which keeps the size of the activations roughly the same from
layer to layer; biases start at zero. ``init`` may instead give one fixed
standard deviation for every layer, and ``bias_init`` a standard deviation for
Gaussian biases (drawn after all the weights, from the same ``rng``).
"""

import numpy as np

from ._validation import FLOAT_DTYPES, as_float_array, as_labels, check_int, check_shape, make_rng
from .activations import get_activation
from .layers import dense_backward, dense_forward
from .losses import FUSED, get_loss, one_hot
from .optim import get_optimizer


class Network:
    """Fully connected network.

    Parameters
    ----------
    sizes : list of int, e.g. ``[2, 16, 1]``: inputs, hidden layers, outputs.
    activations : list of names (one per layer after the input), or one name for
        every layer: ``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``, ``"softmax"``.
    loss : ``"mse"``, ``"binary_cross_entropy"`` or ``"categorical_cross_entropy"``.
    rng : ``np.random.Generator`` or int seed, used for the initial weights.
    init : ``"auto"`` (He for ReLU, LeCun otherwise) or a float standard deviation.
    bias_init : standard deviation of the initial biases; ``0.0`` (the default) starts
        them at zero. Random biases move a ReLU network's kinks away from the origin.
    dtype : ``np.float64`` (the default; gradient checks need it) or ``np.float32``,
        which trains MNIST 1.5-1.7x faster on this machine (benchmarks/RESULTS.md).
        Inputs and targets are converted to it.
    """

    def __init__(self, sizes, activations, loss, *, rng, init="auto", bias_init=0.0, dtype=np.float64):
        if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in sizes
        ):
            raise ValueError(f"sizes must be a list of at least two positive ints, got {sizes!r}")
        self.sizes = [int(n) for n in sizes]
        L = len(self.sizes) - 1
        if isinstance(activations, str):
            activations = [activations] * L
        if not isinstance(activations, (list, tuple)) or len(activations) != L:
            raise ValueError(
                f"activations must be one name or a list of {L} names (one per layer), got {activations!r}"
            )
        self.activations = list(activations)
        self._act = [get_activation(a) for a in self.activations]
        self.loss = loss
        self._loss_value, self._loss_grad = get_loss(loss)
        self._fused = FUSED.get((self.activations[-1], loss))
        self.dtype = np.dtype(dtype)
        if self.dtype not in FLOAT_DTYPES:
            raise ValueError(f"dtype must be float64 or float32, got {self.dtype}")
        rng = make_rng(rng)
        self.params = {}
        for l in range(1, L + 1):
            n_in, n_out = self.sizes[l - 1], self.sizes[l]
            if init == "auto":
                std = np.sqrt((2.0 if self.activations[l - 1] == "relu" else 1.0) / n_in)
            elif isinstance(init, (int, float)) and not isinstance(init, bool) and init >= 0:
                std = float(init)
            else:
                raise ValueError(f"init must be 'auto' or a non-negative standard deviation, got {init!r}")
            # Drawn in float64 whatever the dtype, so a float32 network starts
            # from the same weights as its float64 twin.
            self.params[f"W{l}"] = (rng.standard_normal((n_out, n_in)) * std).astype(self.dtype)
            self.params[f"b{l}"] = np.zeros((n_out, 1), dtype=self.dtype)
        if not isinstance(bias_init, (int, float)) or isinstance(bias_init, bool) or not bias_init >= 0:
            raise ValueError(f"bias_init must be a non-negative standard deviation, got {bias_init!r}")
        if bias_init > 0:
            for l in range(1, L + 1):
                self.params[f"b{l}"] = (rng.standard_normal((self.sizes[l], 1)) * bias_init).astype(self.dtype)

    @property
    def n_layers(self):
        """Number of layers with parameters (the input layer does not count)."""
        return len(self.sizes) - 1

    def __repr__(self):
        return f"Network(sizes={self.sizes}, activations={self.activations}, loss={self.loss!r})"

    # ------------------------------------------------------------------ checks
    def _check_X(self, X):
        X = as_float_array(X, "X", ndim=2)
        check_shape(X, "X", (self.sizes[0], None))
        return X.astype(self.dtype, copy=False)

    def targets(self, Y):
        """Targets in the loss's format ``(n_out, m)``.

        Integer labels ``(m,)`` are accepted too: one-hot encoded for a softmax
        output, reshaped to ``(1, m)`` for a single sigmoid output.
        """
        n_out = self.sizes[-1]
        arr = np.asarray(Y)
        if arr.ndim == 1 and self.loss == "categorical_cross_entropy":
            return one_hot(arr, n_out).astype(self.dtype, copy=False)
        if arr.ndim == 1 and n_out == 1:
            arr = arr.reshape(1, -1)
        Y = as_float_array(arr, "Y", ndim=2)
        check_shape(Y, "Y", (n_out, None))
        return Y.astype(self.dtype, copy=False)

    # ----------------------------------------------------------------- forward
    def forward(self, X):
        """Run the network on ``X`` ``(n0, m)``.

        Returns ``(A_L, cache)`` where ``cache`` holds ``"A0"`` (= X) and every
        layer's ``"Zl"`` and ``"Al"``, as the backward pass needs them.
        """
        X = self._check_X(X)
        cache = {"A0": X}
        A = X
        for l, (g, _) in enumerate(self._act, start=1):
            Z, _ = dense_forward(A, self.params[f"W{l}"], self.params[f"b{l}"])
            A = g(Z)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return A, cache

    def __call__(self, X):
        """The network's output ``A_L`` for inputs ``X`` ``(n0, m)``."""
        return self.forward(X)[0]

    def cost(self, X, Y):
        """Mean loss over the columns of ``X`` and ``Y``."""
        A, cache = self.forward(X)
        return self._cost(A, cache, self.targets(Y))

    def _cost(self, A, cache, Y):
        if A.shape != Y.shape:
            raise ValueError(f"Y must have shape {A.shape} to match the output, got {Y.shape}")
        if self._fused is not None:
            return self._fused(cache[f"Z{self.n_layers}"], Y)
        return self._loss_value(A, Y)

    # ---------------------------------------------------------------- backward
    def backward(self, Y, cache):
        """Gradients of the mean cost for every parameter, named like ``params``.

        ``cache`` is the one returned by ``forward`` on the same batch.
        """
        Y = self.targets(Y)
        L = self.n_layers
        A = cache[f"A{L}"]
        if A.shape != Y.shape:
            raise ValueError(f"Y must have shape {A.shape} to match the output, got {Y.shape}")
        if self._fused is not None:
            dZ = A - Y
        else:
            dZ = self._act[-1][1](self._loss_grad(A, Y), cache[f"Z{L}"])
        grads = {}
        for l in range(L, 0, -1):
            layer_cache = (cache[f"A{l - 1}"], self.params[f"W{l}"], self.params[f"b{l}"])
            dA_prev, grads[f"W{l}"], grads[f"b{l}"] = dense_backward(dZ, layer_cache, need_dA_prev=l > 1)
            if l > 1:
                dZ = self._act[l - 2][1](dA_prev, cache[f"Z{l - 1}"])
        return {name: grads[name] for name in self.params}

    def loss_and_grads(self, X, Y):
        """``(cost, grads)`` for one batch."""
        Y = self.targets(Y)
        A, cache = self.forward(X)
        return self._cost(A, cache, Y), self.backward(Y, cache)

    # --------------------------------------------------------------- training
    def fit(self, X, Y, *, epochs, batch_size=32, learning_rate=None, optimizer=None,
            rng, validation=None, verbose=False):
        """Mini-batch gradient descent.

        Each epoch shuffles the examples with ``rng``, then steps once per batch of
        ``batch_size`` columns. ``optimizer`` is an object from ``nnlessons.optim``
        or a name; with neither, plain SGD with ``learning_rate``.
        ``validation`` is an optional ``(X_val, Y_val)``.

        Returns a history dict of per-epoch lists: ``"loss"`` and, for a classifier,
        ``"accuracy"`` on the training data (measured after the epoch), and ``"val_loss"``
        (and ``"val_accuracy"``) when ``validation`` is given.
        """
        X = self._check_X(X)
        Y = self.targets(Y)
        m = X.shape[1]
        if Y.shape[1] != m:
            raise ValueError(f"X and Y must have the same number of columns, got {m} and {Y.shape[1]}")
        epochs = check_int(epochs, "epochs", minimum=0)
        batch_size = check_int(batch_size, "batch_size")
        if optimizer is None and learning_rate is None:
            raise TypeError("fit needs a learning_rate or an optimizer")
        if hasattr(optimizer, "step") and learning_rate is not None:
            raise ValueError("give learning_rate to the optimizer object, not to fit, when passing both")
        opt = get_optimizer(optimizer, learning_rate)
        rng = make_rng(rng)
        if validation is not None:
            X_val = self._check_X(validation[0])
            Y_val = self.targets(validation[1])
        # Columns contiguous in memory make gathering a shuffled batch cheap.
        Xf, Yf = np.asfortranarray(X), np.asfortranarray(Y)
        # Accuracy means something only for a classifier; a regression net records the loss alone.
        classifier = self._is_classifier()
        history = {"loss": [], "accuracy": []} if classifier else {"loss": []}
        if validation is not None:
            history.update({"val_loss": [], "val_accuracy": []} if classifier else {"val_loss": []})
        for epoch in range(int(epochs)):
            order = rng.permutation(m)
            for start in range(0, m, batch_size):
                idx = order[start:start + batch_size]
                Xb, Yb = Xf[:, idx], Yf[:, idx]
                A, cache = self.forward(Xb)
                opt.step(self.params, self.backward(Yb, cache))
            history["loss"].append(self.cost(X, Y))
            if classifier:
                history["accuracy"].append(self.accuracy(X, Y))
            if validation is not None:
                history["val_loss"].append(self.cost(X_val, Y_val))
                if classifier:
                    history["val_accuracy"].append(self.accuracy(X_val, Y_val))
            if verbose:
                print(f"epoch {epoch + 1}: " + " ".join(f"{k} {v[-1]:.4f}" for k, v in history.items()))
        return history

    # -------------------------------------------------------------- prediction
    def predict(self, X):
        """Class labels ``(m,)`` for a classifier (argmax, or A > 0.5 for one output);
        the raw output ``(n_out, m)`` for a regression network."""
        A = self(X)
        if not self._is_classifier():
            return A
        if self.activations[-1] == "softmax" or self.sizes[-1] > 1:
            return A.argmax(axis=0)
        return (A[0] > 0.5).astype(np.int64)

    def _is_classifier(self):
        """True when ``predict`` gives class labels (softmax or cross-entropy outputs)."""
        n_out, last = self.sizes[-1], self.activations[-1]
        return (last == "softmax" or (n_out > 1 and self.loss == "categorical_cross_entropy")
                or (n_out == 1 and self.loss == "binary_cross_entropy"))

    def accuracy(self, X, y):
        """Fraction of columns whose predicted class equals the label (labels or one-hot)."""
        pred = self.predict(X)
        if pred.ndim != 1:
            raise ValueError("accuracy needs a classifier (softmax or a single sigmoid output)")
        Y = np.asarray(y)
        if Y.ndim == 2 and Y.shape[0] > 1:
            labels = Y.argmax(axis=0)
        else:
            labels = as_labels(Y, "y", max(self.sizes[-1], 2))
        if labels.shape != pred.shape:
            raise ValueError(f"y must have {pred.shape[0]} labels, got {labels.shape[0]}")
        return float(np.mean(pred == labels))

    # ------------------------------------------------------------- parameters
    def get_params(self):
        """A deep copy of the parameter dict."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, params):
        """Replace the parameters with copies of ``params`` (same names and shapes)."""
        if set(params) != set(self.params):
            raise ValueError(f"params must have the names {sorted(self.params)}, got {sorted(params)}")
        for k, v in params.items():
            v = as_float_array(v, f"params[{k!r}]")
            check_shape(v, f"params[{k!r}]", self.params[k].shape)
            self.params[k] = v.astype(self.dtype, copy=True)
