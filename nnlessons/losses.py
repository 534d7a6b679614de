"""Loss functions: a value, and a gradient with respect to the prediction.

Conventions (the same as in the notebooks):

* ``A`` is the network's prediction and ``Y`` the target, both ``(n_out, m)``:
  one column per example.
* The *cost* is the mean of the per-example losses over the ``m`` columns.
* ``*_grad(A, Y)`` returns ``dA``, the derivative of each example's own loss
  with respect to its prediction, one column per example. The ``1/m`` of the
  mean is applied once, when the backward pass forms ``dW`` and ``db``
  (``dW = dZ @ A_prev.T / m``), exactly as in the derivations.
* Mean squared error carries a factor 1/2, ``(1/2m) sum (A - Y)^2``, so that its
  derivative is simply ``A - Y``.

The fused gradients ``sigmoid_bce_dZ`` and ``softmax_cce_dZ`` give the
derivative with respect to the *logits* ``Z`` directly: ``dZ = A - Y``. They
never divide by ``A (1 - A)``, so they stay exact when predictions saturate.
"""

from typing import Callable, NamedTuple

import numpy as np

from ._validation import as_float_array, as_labels, check_finite, check_int, check_same_shape
from .activations import log_sigmoid, log_softmax

# Probabilities are kept this far from 0 and 1 before taking a log or dividing,
# so a saturated prediction gives a large finite loss instead of inf or nan.
EPS = 1e-12


def _pair(A, Y, A_name):
    A = as_float_array(A, A_name, ndim=(1, 2))
    Y = as_float_array(Y, "Y", ndim=(1, 2))
    check_same_shape(A, Y, A_name, "Y")
    check_finite(A, A_name)
    check_finite(Y, "Y")
    A, Y = np.atleast_2d(A, Y)  # one row (1, m) for 1-D predictions
    if A.shape[1] == 0:
        raise ValueError(f"{A_name} must hold at least one example (column), got shape {A.shape}")
    return A, Y


def _clip_probabilities(A):
    """``A`` kept in ``[EPS, 1 - EPS]``; in float32, where ``1 - EPS`` rounds to 1, at most the
    largest float32 below 1 instead, so that ``log(1 - A)`` stays finite there too."""
    high = 1.0 - EPS if A.dtype == np.float64 else 1.0 - float(np.finfo(A.dtype).epsneg)
    return np.clip(A, EPS, high)


# The bare kernels take (n_out, m) arrays already checked; the public functions
# below check their arguments, then call them.
def _mse(A, Y):
    return float(0.5 * np.sum((A - Y) ** 2) / A.shape[1])


def _mse_grad(A, Y):
    return A - Y


def _bce(A, Y):
    A = _clip_probabilities(A)
    return float(-np.sum(Y * np.log(A) + (1.0 - Y) * np.log1p(-A)) / A.shape[1])


def _bce_grad(A, Y):
    A = _clip_probabilities(A)
    return (A - Y) / (A * (1.0 - A))


def _bce_from_logits(Z, Y):
    # log(1 - sigmoid(z)) = log(sigmoid(-z))
    return float(-np.sum(Y * log_sigmoid(Z) + (1.0 - Y) * log_sigmoid(-Z)) / Z.shape[1])


def _cce(A, Y):
    return float(-np.sum(Y * np.log(np.maximum(A, EPS))) / A.shape[1])


def _cce_grad(A, Y):
    return -Y / np.maximum(A, EPS)


def _cce_from_logits(Z, Y):
    return float(-np.sum(Y * log_softmax(Z)) / Z.shape[1])


def _fused_dZ(A, Y):
    return A - Y


def _no_target_check(Y, name):
    pass


#: how far a column of probabilities may sum from 1 (a float32 softmax rounds by ~1e-7 per entry)
SUM_TOLERANCE = 1e-4


def check_probabilities(A, loss, name):
    """Raise unless ``A`` holds probabilities in [0, 1], the values a sigmoid outputs.

    Outside [0, 1] they are most likely logits: the clipped log would turn them into a
    near-zero loss without a word."""
    low, high = A.min(), A.max()
    if low < 0 or high > 1:
        raise ValueError(f"{loss} expects probabilities in [0, 1] in {name}, got values from {low:.4g} to "
                         f"{high:.4g}; these look like logits: use {loss}_from_logits, or apply the sigmoid first")


def check_probability_columns(A, loss, name):
    """Raise unless every column of ``A`` is a probability distribution (entries in [0, 1] summing to 1)."""
    sums = A.sum(axis=0)
    # Entries >= 0 that sum to 1 are <= 1 too.
    bad = (np.abs(sums - 1.0) > SUM_TOLERANCE) | (A < 0).any(axis=0)
    if bad.any():
        j = int(np.argmax(bad))
        raise ValueError(f"{loss} expects columns of probabilities in {name} (entries in [0, 1] summing to 1, as a "
                         f"softmax outputs), got column {j} summing to {sums[j]:.4g} with entries from "
                         f"{A[:, j].min():.4g} to {A[:, j].max():.4g}; for logits use {loss}_from_logits, "
                         "or apply the softmax first")


def check_binary_targets(Y, name):
    """Raise unless every target lies in [0, 1]."""
    if np.any((Y < 0) | (Y > 1)):
        raise ValueError(f"{name} must hold targets in [0, 1], got values from {Y.min()} to {Y.max()}")


def check_one_hot(Y, name):
    """Raise unless ``Y`` ``(n_classes, m)`` has non-negative columns that each sum to 1."""
    if np.any(Y < 0) or not np.allclose(Y.sum(axis=0), 1.0):
        raise ValueError(
            f"{name} must be one-hot (or probability) columns of shape (n_classes, m) "
            f"that each sum to 1; use one_hot(labels, n_classes) to build it"
        )


class Loss(NamedTuple):
    """A loss as bare kernels on checked ``(n_out, m)`` arrays: ``value(A, Y)`` (the
    cost, a float), ``grad(A, Y)`` (``dA`` per example) and ``check_targets(Y)``."""

    value: Callable
    grad: Callable
    check_targets: Callable


#: name -> Loss
LOSSES = {
    "mse": Loss(_mse, _mse_grad, _no_target_check),
    "binary_cross_entropy": Loss(_bce, _bce_grad, check_binary_targets),
    "categorical_cross_entropy": Loss(_cce, _cce_grad, check_one_hot),
}

#: (output activation, loss) -> the stable loss-from-logits ``value(Z, Y)`` for the
#: pairings whose gradient fuses into dZ = A - Y
FUSED = {
    ("sigmoid", "binary_cross_entropy"): _bce_from_logits,
    ("softmax", "categorical_cross_entropy"): _cce_from_logits,
}


# The public functions: arguments checked, then the kernel.
def _checked(kernel, A, Y, check_targets=_no_target_check, A_name="A", check_A=None):
    A, Y = _pair(A, Y, A_name)
    check_targets(Y, "Y")
    if check_A is not None:
        check_A(A)
    return kernel(A, Y)


def _bce_input(A):
    check_probabilities(A, "binary_cross_entropy", "A")


def _cce_input(A):
    check_probability_columns(A, "categorical_cross_entropy", "A")


def mean_squared_error(A, Y):
    """(1 / 2m) * sum((A - Y)^2) over ``(n_out, m)`` arrays."""
    return _checked(_mse, A, Y)


def mean_squared_error_grad(A, Y):
    """dA = A - Y (per example; see the module docstring for where 1/m goes)."""
    return _checked(_mse_grad, A, Y)


def binary_cross_entropy(A, Y):
    """-(1/m) sum[Y log A + (1 - Y) log(1 - A)] for probabilities ``A`` ``(1, m)``."""
    return _checked(_bce, A, Y, check_binary_targets, check_A=_bce_input)


def binary_cross_entropy_grad(A, Y):
    """dA = (A - Y) / (A (1 - A)), per example."""
    return _checked(_bce_grad, A, Y, check_binary_targets, check_A=_bce_input)


def binary_cross_entropy_from_logits(Z, Y):
    """Binary cross-entropy of ``sigmoid(Z)``, computed from the logits ``Z``: exact at |z| = 1000."""
    return _checked(_bce_from_logits, Z, Y, check_binary_targets, "Z")


def categorical_cross_entropy(A, Y):
    """-(1/m) sum(Y log A) for probability columns ``A`` and one-hot ``Y`` ``(n_classes, m)``."""
    return _checked(_cce, A, Y, check_one_hot, check_A=_cce_input)


def categorical_cross_entropy_grad(A, Y):
    """dA = -Y / A, per example."""
    return _checked(_cce_grad, A, Y, check_one_hot, check_A=_cce_input)


def categorical_cross_entropy_from_logits(Z, Y):
    """Categorical cross-entropy of ``softmax(Z)`` from the logits: exact at |z| = 1000."""
    return _checked(_cce_from_logits, Z, Y, check_one_hot, "Z")


def sigmoid_bce_dZ(A, Y):
    """Fused gradient of binary cross-entropy through a sigmoid: dZ = A - Y (per example)."""
    return _checked(_fused_dZ, A, Y, check_binary_targets, check_A=_bce_input)


def softmax_cce_dZ(A, Y):
    """Fused gradient of categorical cross-entropy through a softmax: dZ = A - Y (per example)."""
    return _checked(_fused_dZ, A, Y, check_one_hot, check_A=_cce_input)


def one_hot(labels, n_classes):
    """Integer labels ``(m,)`` -> one-hot columns ``(n_classes, m)``.

    >>> one_hot([2, 0], 3)
    array([[0., 1.],
           [0., 0.],
           [1., 0.]])
    """
    n_classes = check_int(n_classes, "n_classes")
    labels = as_labels(labels, "labels", n_classes)
    Y = np.zeros((int(n_classes), labels.size))
    Y[labels, np.arange(labels.size)] = 1.0
    return Y


def get_loss(name):
    """The ``Loss`` called ``name``, or raise naming the choices."""
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name (str), got {type(name).__name__}")
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {name!r}") from None
