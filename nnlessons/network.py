"""A fully connected network, written the way the notes derive it.

A network with layer sizes ``[n0, n1, ..., nL]`` has parameters
``W1, b1, ..., WL, bL`` in one dict, with ``Wl`` ``(nl, n(l-1))`` and ``bl``
``(nl, 1)``. The inputs ``X`` are ``(n0, m)``, one example per column.

Forward, for l = 1..L (with A0 = X):

    Zl = Wl @ A(l-1) + bl
    Al = gl(Zl)

Backward, from dZL = A_L - Y (fused softmax/sigmoid + cross-entropy) or
dZL = gL.backward(dAL, ZL) (any other pairing), then for l = L..1:

    dWl = dZl @ A(l-1).T / m
    dbl = row sums of dZl / m
    dA(l-1) = Wl.T @ dZl
    dZ(l-1) = g(l-1).backward(dA(l-1), Z(l-1))      (= dA(l-1) * g(l-1)'(Z(l-1)))

Weights start as Gaussian noise with standard deviation ``sqrt(2 / n_in)``
for ReLU layers (He et al., 2015) and ``sqrt(1 / n_in)`` for the others
(LeCun/Xavier), which keeps the size of the activations roughly the same from
layer to layer; biases start at zero. ``init`` may instead give one fixed
standard deviation for every layer, and ``bias_init`` a standard deviation for
Gaussian biases (drawn after all the weights, from the same ``rng``).

The public methods check their arguments once; the loops inside run the bare
kernels ``layers.forward`` and ``layers.backward`` on arrays already checked.

Regularisation (notebook 07) happens only in training, in ``loss_and_grads`` and
``fit``: L2 weight decay (``weight_decay`` = lambda) adds ``lambda / (2 m) sum ||Wl||^2``
to the cost and ``lambda / m Wl`` to each ``dWl``, biases not decayed; inverted dropout
(``keep_prob`` < 1) multiplies every hidden layer's ``Al`` by a 0/1 mask ``Ml`` divided
by ``keep_prob``, and its ``dAl`` by the same. ``forward``, ``predict``, ``accuracy`` and
``cost`` never drop units (see ``nnlessons.regularization``).
"""

import numpy as np

from . import layers, regularization
from ._validation import (
    FLOAT_DTYPES, as_float_array, as_labels, check_finite, check_int, check_same_shape, check_shape, check_sizes,
    is_positive, make_rng,
)
from .activations import get_activation
from .datasets import minibatches
from .losses import FUSED, get_loss, one_hot
from .optim import get_optimizer
from .regularization import check_keep_prob, check_weight_decay

#: output activation -> the loss it must be trained with, for the two losses that need one
_LOSS_NEEDS_OUTPUT = {
    "binary_cross_entropy": ("sigmoid", "binary cross-entropy needs probabilities in (0, 1) from a 'sigmoid' output"),
    "categorical_cross_entropy": ("softmax", "categorical cross-entropy needs columns of probabilities "
                                             "from a 'softmax' output"),
}


def predict_classes(A):
    """Class labels ``(m,)`` from outputs ``A`` ``(n_out, m)``: the argmax of each column,
    or, for a single output ``(1, m)``, 1 where ``A > 0.5`` and 0 elsewhere."""
    if A.shape[0] == 1:
        return (A[0] > 0.5).astype(np.int64)
    return A.argmax(axis=0)


def accuracy_score(pred, labels):
    """Fraction of examples whose predicted label equals the true one: ``mean(pred == labels)``, both ``(m,)``."""
    pred, labels = np.asarray(pred), np.asarray(labels)
    check_same_shape(pred, labels, "pred", "labels")  # (m, 1) == (m,) would broadcast to (m, m)
    return float(np.mean(pred == labels))


class ForwardCache(dict):
    """What a forward pass keeps for the backward pass: ``"A0"`` (= X) and every
    layer's ``"Zl"`` and ``"Al"`` by name, and in ``layers[l]`` the cache
    ``(A(l-1), Wl, bl)`` that ``layers.forward`` returned for layer ``l``. In
    training with dropout, ``dropout[l]`` is hidden layer ``l``'s ``Ml / keep_prob``
    (and ``"Al"`` the activations after dropout)."""

    def __init__(self, X):
        super().__init__(A0=X)
        self.layers = {}
        self.dropout = {}


#: data larger than this in size are refused by fit: a weight's gradient multiplies the error by
#: the inputs, so a stable learning rate is about 1 / |x|^2, and float64 overflows near 1e308
MAX_DATA = 1e12


def _check_scale(arr, name):
    """Refuse data too large to train on (see ``MAX_DATA``), before any step."""
    big = float(max(arr.max(), -arr.min()))  # no |arr| copy: X may be all of MNIST
    if big > MAX_DATA:
        raise ValueError(f"{name} holds values up to {big:.3g} in size: gradient descent on data this large "
                         f"overflows or needs a learning rate near 1 / {big:.3g}^2; scale it first to values of "
                         "order 1 (for example standardise each feature: subtract its mean, divide by its std)")


class _Growth:
    """Watches the batch losses of a run: it has diverged when ``BATCHES`` losses in a row exceed
    ``FACTOR`` times the first (or ``FACTOR`` for a first loss below 1), long before they overflow."""

    FACTOR, BATCHES = 1e4, 3

    def __init__(self):
        self.first, self.above = None, 0

    def diverged(self, loss):
        if self.first is None:
            self.first = loss
        self.above = self.above + 1 if loss > self.FACTOR * max(self.first, 1.0) else 0
        return self.above >= self.BATCHES


def _schedule_rates(schedule, epochs):
    """``[schedule(0), ..., schedule(epochs - 1)]``, each checked to be a positive number."""
    rates = []
    for e in range(epochs):
        rate = schedule(e)
        if not is_positive(rate):
            hint = ""
            if isinstance(getattr(schedule, "epochs", None), int) and e >= schedule.epochs:
                hint = f"; {schedule!r} ends at epoch {schedule.epochs}: give it epochs={epochs} to last the run"
            raise ValueError(f"schedule({e}), the learning rate of epoch {e + 1} of {epochs}, must be a positive "
                             f"number, got {rate!r}{hint} (nothing was trained)")
        rates.append(float(rate))
    return rates


class FitDiverged(ValueError):
    """Raised by ``Network.fit`` when training diverges: a mini-batch loss stops being a finite
    number or grows far above the first one."""


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
        which trains MNIST faster (benchmarks/RESULTS.md).
        Inputs and targets are converted to it.

    Configurations that cannot train are refused here: binary cross-entropy needs a
    sigmoid output, categorical cross-entropy a softmax output, and a softmax needs at
    least two output units.
    """

    def __init__(self, sizes, activations, loss, *, rng, init="auto", bias_init=0.0, dtype=np.float64):
        self.sizes = check_sizes(sizes)
        L = len(self.sizes) - 1
        if isinstance(activations, str):
            activations = [activations] * L
        if not isinstance(activations, (list, tuple)) or len(activations) != L:
            raise ValueError(
                f"activations must be one name or a list of {L} names (one per layer), got {activations!r}"
            )
        self.activations = list(activations)
        #: g[l] is layer l's activation, with .forward(Z) and .backward(dA, Z)
        self.g = {l: get_activation(name) for l, name in enumerate(self.activations, start=1)}
        self.loss = loss
        self._loss = get_loss(loss)
        self._check_configuration()
        self._from_logits = FUSED.get((self.activations[-1], loss))
        self.dtype = np.dtype(dtype)
        if self.dtype not in FLOAT_DTYPES:
            raise ValueError(f"dtype must be float64 or float32, got {self.dtype}")
        if not (isinstance(init, str) and init == "auto") and (
                not isinstance(init, (int, float, np.floating)) or isinstance(init, bool) or not 0 <= init < np.inf):
            raise ValueError(f"init must be 'auto' or a non-negative standard deviation, got {init!r}")
        if not isinstance(bias_init, (int, float, np.floating)) or isinstance(bias_init, bool) \
                or not 0 <= bias_init < np.inf:
            raise ValueError(f"bias_init must be a non-negative standard deviation, got {bias_init!r}")
        rng = make_rng(rng)
        self.params = {}
        for l in range(1, L + 1):
            n_in, n_out = self.sizes[l - 1], self.sizes[l]
            if init == "auto":
                std = np.sqrt((2.0 if self.activations[l - 1] == "relu" else 1.0) / n_in)
            else:
                std = float(init)
            # Drawn in float64 whatever the dtype, so a float32 network starts
            # from the same weights as its float64 twin.
            self.params[f"W{l}"] = (rng.standard_normal((n_out, n_in)) * std).astype(self.dtype)
            self.params[f"b{l}"] = np.zeros((n_out, 1), dtype=self.dtype)
        if bias_init > 0:
            for l in range(1, L + 1):
                self.params[f"b{l}"] = (rng.standard_normal((self.sizes[l], 1)) * bias_init).astype(self.dtype)

    def _check_configuration(self):
        n_out, last = self.sizes[-1], self.activations[-1]
        if last == "softmax" and n_out == 1:
            raise ValueError(
                "a softmax over a single output unit always outputs 1; for two classes use one 'sigmoid' "
                "output with 'binary_cross_entropy', or two 'softmax' outputs with 'categorical_cross_entropy'"
            )
        need = _LOSS_NEEDS_OUTPUT.get(self.loss)
        if need is not None and last != need[0]:
            raise ValueError(f"{need[1]}, got a {last!r} output; use {need[0]!r} as the last activation")

    @property
    def n_layers(self):
        """Number of layers with parameters (the input layer does not count)."""
        return len(self.sizes) - 1

    def __repr__(self):
        return f"Network(sizes={self.sizes}, activations={self.activations}, loss={self.loss!r})"

    # ------------------------------------------------------------------ checks
    def _check_X(self, X, name="X", convert=True):
        X = as_float_array(X, name, ndim=2)
        check_shape(X, name, (self.sizes[0], None))
        if X.shape[1] == 0:
            raise ValueError(f"{name} must hold at least one example (column), got shape {X.shape}")
        check_finite(X, name)
        return X.astype(self.dtype, copy=False) if convert else X

    def targets(self, Y, name="Y"):
        """Targets in the loss's format ``(n_out, m)``, checked.

        Integer labels ``(m,)`` are accepted too: one-hot encoded when there are
        several outputs, reshaped to ``(1, m)`` for a single output.
        """
        n_out = self.sizes[-1]
        arr = np.asarray(Y) if not isinstance(Y, (str, bytes, dict)) else Y
        if isinstance(arr, np.ndarray) and arr.ndim == 1 and n_out > 1:
            return one_hot(as_labels(arr, name, n_out), n_out).astype(self.dtype, copy=False)
        if isinstance(arr, np.ndarray) and arr.ndim == 1 and n_out == 1:
            arr = np.atleast_2d(arr)
        Y = as_float_array(arr, name, ndim=2)
        check_shape(Y, name, (n_out, None))
        check_finite(Y, name)
        self._loss.check_targets(Y, name)
        return Y.astype(self.dtype, copy=False)

    def _check_pair(self, X, Y):
        X = self._check_X(X)
        Y = self.targets(Y)
        if Y.shape[1] != X.shape[1]:
            raise ValueError(f"X and Y must have the same number of columns, got {X.shape[1]} and {Y.shape[1]}")
        return X, Y

    # ----------------------------------------------------------------- forward
    def forward(self, X):
        """Run the network on ``X`` ``(n0, m)``.

        Returns ``(A_L, cache)`` where ``cache`` holds ``"A0"`` (= X) and every
        layer's ``"Zl"`` and ``"Al"``, as the backward pass needs them.
        """
        return self._forward(self._check_X(X))

    def _forward(self, X, masks=None, keep_prob=None):
        """The forward pass; with ``masks`` (training with dropout), hidden layer ``l``'s
        activations are multiplied by ``masks["Ml"] / keep_prob``."""
        cache = ForwardCache(X)
        A = X
        for l in range(1, self.n_layers + 1):
            Z, cache.layers[l] = layers.forward(A, self.params[f"W{l}"], self.params[f"b{l}"])
            A = self.g[l].forward(Z)
            if masks is not None and l < self.n_layers:
                cache.dropout[l] = masks[f"M{l}"] / keep_prob
                A = A * cache.dropout[l]
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return A, cache

    def __call__(self, X):
        """The network's output ``A_L`` for inputs ``X`` ``(n0, m)``."""
        return self.forward(X)[0]

    def cost(self, X, Y):
        """Mean loss over the columns of ``X`` and ``Y``."""
        X, Y = self._check_pair(X, Y)
        with np.errstate(over="ignore", invalid="ignore"):
            A, cache = self._forward(X)
            cost = self._cost(cache, Y)
        if not np.isfinite(cost):
            raise ValueError(f"the cost overflowed to {cost}: the outputs reach {float(np.abs(A).max()):.3g} and the "
                             f"targets {float(np.abs(Y).max()):.3g} in size, too large for float64; scale the "
                             "targets and inputs to values of order 1")
        return cost

    def _cost(self, cache, Y):
        L = self.n_layers
        if self._from_logits is not None:
            # From the logits: exact where the probabilities saturate to 0 or 1.
            return self._from_logits(cache[f"Z{L}"], Y)
        return self._loss.value(cache[f"A{L}"], Y)

    # ---------------------------------------------------------------- backward
    def backward(self, Y, cache):
        """Gradients of the mean cost for every parameter, named like ``params``.

        ``cache`` is the one returned by ``forward`` on the same batch.
        """
        if not isinstance(cache, ForwardCache):
            raise TypeError(f"cache must be the one Network.forward returned, got {type(cache).__name__}")
        Y = self.targets(Y)
        A = cache[f"A{self.n_layers}"]
        if A.shape != Y.shape:
            raise ValueError(f"Y must have shape {A.shape} to match the output, got {Y.shape}")
        return self._backward(Y, cache)

    def _backward(self, Y, cache):
        L = self.n_layers
        if self._from_logits is not None:
            dZ = cache[f"A{L}"] - Y
        else:
            dZ = self.g[L].backward(self._loss.grad(cache[f"A{L}"], Y), cache[f"Z{L}"])
        grads = {}
        for l in range(L, 0, -1):
            dA, grads[f"W{l}"], grads[f"b{l}"] = layers.backward(dZ, cache.layers[l], need_dA_prev=l > 1)
            if l > 1:
                if l - 1 in cache.dropout:
                    dA = dA * cache.dropout[l - 1]  # the forward pass's mask, not a new one
                dZ = self.g[l - 1].backward(dA, cache[f"Z{l - 1}"])
        return {name: grads[name] for name in self.params}

    def _add_weight_decay(self, grads, decay):
        """``dWl += decay * Wl`` in place, for every weight (``decay`` = lambda / m); biases untouched."""
        for name, g in grads.items():
            if regularization.is_weight(name):
                g += decay * self.params[name]

    def loss_and_grads(self, X, Y, *, weight_decay=0.0, keep_prob=1.0, rng=None, masks=None):
        """``(cost, grads)`` for one batch, in training mode.

        ``weight_decay`` (lambda) adds ``lambda / (2 m) sum_l ||Wl||^2`` to the cost and
        ``lambda / m Wl`` to each ``dWl``, with ``m`` the batch's columns. ``keep_prob`` < 1
        applies inverted dropout to the hidden layers, with masks drawn from ``rng``, or
        the given ``masks`` (``dropout_masks``; fixed masks make the cost a deterministic
        function of the parameters, for gradient checks).
        """
        X, Y = self._check_pair(X, Y)
        lam = check_weight_decay(weight_decay)
        keep_prob = self._check_keep_prob(keep_prob)
        masks = self._check_masks(masks, keep_prob, rng, X.shape[1])
        _, cache = self._forward(X, masks, keep_prob)
        cost, grads = self._cost(cache, Y), self._backward(Y, cache)
        if lam > 0:
            m = X.shape[1]
            cost += regularization.l2_penalty(self.params, lam, m)
            self._add_weight_decay(grads, lam / m)
        return cost, grads

    def _check_keep_prob(self, keep_prob):
        """``keep_prob`` checked; dropout < 1 needs a hidden layer to drop units from."""
        keep_prob = check_keep_prob(keep_prob)
        if keep_prob < 1 and self.n_layers == 1:
            raise ValueError(f"keep_prob={keep_prob:g} drops hidden units, and this network {self.sizes} has no "
                             "hidden layer (the output layer is never dropped): leave keep_prob at 1, or add a "
                             "hidden layer")
        return keep_prob

    def dropout_masks(self, m, keep_prob, rng):
        """Dropout masks for a batch of ``m`` columns: ``{"M1": (n1, m), ..., "M(L-1)": ...}``.

        One 0/1 mask per hidden layer (the output layer is never dropped), each entry 1
        with probability ``keep_prob``, drawn from ``rng`` in layer order.
        """
        m = check_int(m, "m")
        keep_prob = self._check_keep_prob(keep_prob)
        rng = make_rng(rng)
        return {f"M{l}": regularization.dropout_mask((self.sizes[l], m), keep_prob, rng).astype(self.dtype)
                for l in range(1, self.n_layers)}

    def _check_masks(self, masks, keep_prob, rng, m):
        """The masks to use for a batch of ``m`` columns: None without dropout, else checked or drawn."""
        if masks is None:
            if keep_prob == 1.0:
                return None
            if rng is None:
                raise TypeError("dropout (keep_prob < 1) needs an rng to draw its masks, or masks")
            return self.dropout_masks(m, keep_prob, rng)
        if keep_prob == 1.0:
            raise ValueError("masks were given with keep_prob=1.0; give the keep_prob they were drawn with")
        names = [f"M{l}" for l in range(1, self.n_layers)]
        if not isinstance(masks, dict) or sorted(masks) != sorted(names):
            got = sorted(masks) if isinstance(masks, dict) else type(masks).__name__
            raise ValueError(f"masks must be a dict with the names {names}, got {got}")
        checked = {}
        for name in names:
            M = as_float_array(masks[name], f"masks[{name!r}]")
            check_shape(M, f"masks[{name!r}]", (self.sizes[int(name[1:])], m))
            checked[name] = M.astype(self.dtype, copy=False)
        return checked

    # --------------------------------------------------------------- training
    def fit(self, X, Y, *, epochs, batch_size=32, learning_rate=None, optimizer=None,
            rng, validation=None, evaluate_train=False, verbose=False,
            weight_decay=0.0, keep_prob=1.0, schedule=None, restore_best=False, patience=None):
        """Mini-batch gradient descent.

        Each epoch shuffles the examples with ``rng`` (``rng.permutation(m)``), then
        steps once per batch of ``batch_size`` columns, the last batch holding what
        is left. ``optimizer`` is an object from ``nnlessons.optim`` or a name; with
        neither, plain SGD with ``learning_rate``. ``validation`` is an optional
        ``(X_val, Y_val)``.

        Returns a history dict of per-epoch lists: ``"loss"`` and, for a classifier,
        ``"accuracy"``: the running means over the epoch's mini-batches (each batch
        measured before its step, weighted by its size), which cost nothing extra.
        With ``evaluate_train=True`` they are instead measured on the whole training
        set after the epoch (one more forward pass). ``"val_loss"`` (and
        ``"val_accuracy"``) are always measured on the whole validation set after
        the epoch. ``verbose=True`` prints one line per epoch.

        If a mini-batch loss stops being finite (a learning rate too large), exceeds
        10^4 times the first batch's loss (or 10^4, if that was below 1) three batches in a
        row, or the parameters after the last step stop being finite, fit raises
        ``FitDiverged`` naming the epoch and batch, and keeps the parameters from before the
        step that made it so. Everything that can be checked before the first step is: the
        arguments, data no larger than ``MAX_DATA`` in size, and the schedule's rate for
        every epoch of the run.

        Training well (notebook 07):

        * ``weight_decay`` (lambda >= 0): every step adds ``lambda / m Wl`` to each
          weight gradient, ``m`` the number of training examples (the penalty
          ``lambda / (2 m) sum ||Wl||^2`` belongs to the cost of the whole set); biases
          are not decayed. The history's losses are the data cost, without the penalty.
        * ``keep_prob`` (in (0, 1]): inverted dropout on the hidden layers during the
          training steps, each batch's masks drawn from ``rng`` after the epoch's
          permutation. The running means are then measured with dropout on; the
          validation data never are.
        * ``schedule``: a callable ``schedule(epoch) -> learning rate`` of the 0-based
          epoch (e.g. ``optim.CosineDecay``); the optimiser's ``learning_rate`` is set from
          it at the start of every epoch, and the history gains ``"learning_rate"``.
          With a schedule, ``learning_rate`` and ``optimizer`` may both be left out (SGD).
        * ``restore_best=True`` (needs ``validation``): at the end, the parameters of the
          epoch with the best validation accuracy (validation loss for a regression
          network; the first such epoch) are restored, and ``history["best_epoch"]``
          (1-based) says which. ``patience=k`` stops after ``k`` epochs without a better one.
        """
        X = self._check_X(X, convert=False)
        Y = self.targets(Y)
        _check_scale(X, "X")
        _check_scale(Y, "Y")
        m = X.shape[1]
        if Y.shape[1] != m:
            raise ValueError(f"X and Y must have the same number of columns, got {m} and {Y.shape[1]}")
        epochs = check_int(epochs, "epochs", minimum=0)
        batch_size = check_int(batch_size, "batch_size")
        if schedule is not None and not callable(schedule):
            raise TypeError(f"schedule must be a callable epoch -> learning rate, got {type(schedule).__name__}")
        if isinstance(schedule, type):  # callable too, but schedule(0) would build one from learning_rate=0
            raise TypeError(f"schedule must be a schedule object such as {schedule.__name__}(learning_rate, ...), "
                            "not the class itself")
        # Every epoch's rate up front: a schedule that ends too soon or turns NaN fails
        # here, before a step has changed the parameters, not half-way through the run.
        rates = None if schedule is None else _schedule_rates(schedule, epochs)
        # With a schedule, the optimiser's rate is set from it at the start of every epoch.
        if optimizer is None and learning_rate is None and schedule is None:
            raise TypeError("fit needs a learning_rate or an optimizer")
        if hasattr(optimizer, "step") and learning_rate is not None:
            raise ValueError("give learning_rate to the optimizer object, not to fit, when passing both")
        opt = get_optimizer(optimizer, learning_rate)
        rng = make_rng(rng)
        decay = check_weight_decay(weight_decay) / m
        keep_prob = self._check_keep_prob(keep_prob)
        if (restore_best or patience is not None) and validation is None:
            raise ValueError("restore_best and patience need validation data: validation=(X_val, Y_val)")
        if patience is not None:
            patience = check_int(patience, "patience")
        if validation is not None:
            if not isinstance(validation, (tuple, list)) or len(validation) != 2:
                raise TypeError("validation must be a pair (X_val, Y_val)")
            X_val = self._check_X(validation[0], "X_val")
            Y_val = self.targets(validation[1], "Y_val")
            _check_scale(X_val, "X_val")
            _check_scale(Y_val, "Y_val")
            if Y_val.shape[1] != X_val.shape[1]:
                raise ValueError(f"X_val and Y_val must have the same number of columns, "
                                 f"got {X_val.shape[1]} and {Y_val.shape[1]}")
        # A batch is gathered from X's columns and converted to the network's dtype.
        # That is fastest when the columns are contiguous (an F-ordered X, as
        # mnist.to_columns returns); copying a C-ordered X once costs about as much as
        # three epochs of slower gathering, so it pays only for longer runs.
        if not (X.flags.f_contiguous and X.dtype == self.dtype) and epochs > 2:
            X = np.asfortranarray(X, dtype=self.dtype)
        # Accuracy means something only for a classifier; a regression net records the loss alone.
        classifier = self._is_classifier()
        labels = predict_classes(Y) if classifier else None
        keys = ["loss", "accuracy"] if classifier else ["loss"]
        if validation is not None:
            keys += ["val_" + k for k in keys]
        history = {k: [] for k in keys}
        if schedule is not None:
            history["learning_rate"] = []
        best_score, best_epoch, best_params = None, 0, None
        # The parameters before the current step, restored if the loss diverges.
        backup = {k: np.empty_like(v) for k, v in self.params.items()}
        growth = _Growth()
        # A diverging run overflows somewhere before its loss does; the non-finite loss
        # then stops it with one clear error instead of a trail of numpy warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(1, epochs + 1):
                if schedule is not None:
                    opt.learning_rate = rates[epoch - 1]
                    history["learning_rate"].append(opt.learning_rate)
                loss, accuracy = self._epoch(epoch, X, Y, batch_size, opt, rng, labels, backup, growth, decay,
                                             keep_prob)
                if evaluate_train:
                    A, cache = self._forward(X.astype(self.dtype, copy=False))
                    loss = self._cost(cache, Y)
                    accuracy = accuracy_score(predict_classes(A), labels) if classifier else None
                history["loss"].append(loss)
                if classifier:
                    history["accuracy"].append(accuracy)
                if validation is not None:
                    history["val_loss"].append(self._cost(self._forward(X_val)[1], Y_val))
                    if classifier:
                        history["val_accuracy"].append(self._accuracy(X_val, predict_classes(Y_val)))
                if verbose:
                    print(f"epoch {epoch}/{epochs}: " + "  ".join(f"{k} {v[-1]:.4f}" for k, v in history.items()),
                          flush=True)
                if restore_best or patience is not None:
                    # higher is better: the accuracy of a classifier, minus the loss otherwise
                    score = history["val_accuracy"][-1] if classifier else -history["val_loss"][-1]
                    if best_score is None or score > best_score:
                        best_score, best_epoch = score, epoch
                        best_params = self.get_params() if restore_best else None
                    elif patience is not None and epoch - best_epoch >= patience:
                        break
        if best_params is not None:
            for k, v in best_params.items():
                self.params[k][...] = v  # in place, like every update: references to params stay valid
            history["best_epoch"] = best_epoch
        # Each batch's loss catches a step that diverged, except the very last step's:
        # no loss is computed after it.
        if epochs > 0 and not all(np.isfinite(p).all() for p in self.params.values()):
            for k, v in backup.items():
                self.params[k][...] = v
            raise FitDiverged(f"the parameters stopped being finite numbers at the last step of fit (epoch {epoch}, "
                              f"batch {-(-m // batch_size)}): training diverged (the parameters from before the "
                              "last step are kept); try a smaller learning rate")
        return history

    def _epoch(self, epoch, X, Y, batch_size, opt, rng, labels, backup, growth, decay, keep_prob):
        """One pass over shuffled mini-batches. Returns the mean of the batch losses and
        the fraction of examples predicted right (with ``labels``), each batch measured
        before its step. ``growth`` (a ``_Growth``) watches the batch losses for divergence;
        ``decay`` is lambda / m of weight decay; ``keep_prob`` < 1 drops hidden units with
        masks drawn from ``rng``."""
        m = X.shape[1]
        loss_sum, correct = 0.0, 0
        for batch, idx in enumerate(minibatches(m, batch_size, rng=rng), start=1):
            Xb, Yb = X[:, idx].astype(self.dtype, copy=False), Y[:, idx]
            if keep_prob < 1:
                A, cache = self._forward(Xb, self.dropout_masks(idx.size, keep_prob, rng), keep_prob)
            else:
                A, cache = self._forward(Xb)
            loss = self._cost(cache, Yb)
            if epoch == 1 and batch == 1 and not np.isfinite(loss):
                raise FitDiverged(f"the loss is {loss} at epoch 1, batch 1, before any step (no step was taken): "
                                  "the initial parameters are too large for these data; start from smaller "
                                  "weights (init) or scale the data")
            if not np.isfinite(loss) or growth.diverged(loss):
                for k, v in backup.items():
                    self.params[k][...] = v
                what = f"became {loss}" if not np.isfinite(loss) else f"grew from {growth.first:.4g} to {loss:.4g}"
                raise FitDiverged(f"the loss {what} at epoch {epoch}, batch {batch}: training diverged "
                                  "(the parameters from before the last step are kept); try a smaller learning rate")
            loss_sum += loss * idx.size
            if labels is not None:
                correct += int(np.count_nonzero(predict_classes(A) == labels[idx]))
            grads = self._backward(Yb, cache)
            if decay > 0:
                self._add_weight_decay(grads, decay)
            for k, v in self.params.items():
                np.copyto(backup[k], v)
            opt.step(self.params, grads)
        return loss_sum / m, correct / m

    # -------------------------------------------------------------- prediction
    def predict(self, X):
        """Class labels ``(m,)`` for a classifier (argmax, or A > 0.5 for one output);
        the raw output ``(n_out, m)`` for a regression network."""
        A = self(X)
        return predict_classes(A) if self._is_classifier() else A

    def _is_classifier(self):
        """True when ``predict`` gives class labels (softmax or cross-entropy outputs)."""
        return self.activations[-1] == "softmax" or self.loss != "mse"

    def accuracy(self, X, y):
        """Fraction of columns whose predicted class equals the label.

        ``y`` holds integer labels ``(m,)`` or one-hot columns ``(n_out, m)``. A network
        with several outputs predicts the argmax, whatever its loss (so a sigmoid network
        trained with squared error on one-hot targets works too); a single output
        predicts 1 where it exceeds 0.5, which needs a sigmoid output.
        """
        X = self._check_X(X)
        n_out = self.sizes[-1]
        if n_out == 1 and self.activations[-1] != "sigmoid":
            raise ValueError(
                f"accuracy needs class outputs: a single {self.activations[-1]!r} output is a regression; "
                "use a 'sigmoid' output (classes 0 and 1) or several outputs (argmax)"
            )
        arr = np.asarray(y)
        labels = predict_classes(self.targets(y, "y")) if arr.ndim == 2 and n_out > 1 else \
            as_labels(arr, "y", max(n_out, 2))
        if labels.shape[0] != X.shape[1]:
            raise ValueError(f"y must have {X.shape[1]} labels, one per column of X, got {labels.shape[0]}")
        return self._accuracy(X, labels)

    def _accuracy(self, X, labels):
        return accuracy_score(predict_classes(self._forward(X)[0]), labels)

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
            check_finite(v, f"params[{k!r}]")
            self.params[k] = v.astype(self.dtype, copy=True)
