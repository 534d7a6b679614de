"""Activation functions, each beside its derivative.

Every function works elementwise on an array ``Z`` of any shape, except
``softmax``, which normalises each column of a ``(n_classes, m)`` array.

The backward rule of an activation turns ``dA`` (the gradient of the cost with
respect to the activation's output) into ``dZ`` (the gradient with respect to
its input): for the elementwise functions ``dZ = dA * g'(Z)``.

All of them are stable by construction: no overflow, ``inf`` or ``nan`` for
inputs as large as ``|z| = 1000``.
"""

from typing import Callable, NamedTuple

import numpy as np

from ._validation import as_float_array, check_same_shape


def identity(Z):
    """g(z) = z."""
    return as_float_array(Z, "Z").copy()


def identity_derivative(Z):
    """g'(z) = 1."""
    return np.ones_like(as_float_array(Z, "Z"))


def sigmoid(Z):
    """g(z) = 1 / (1 + exp(-z)), in (0, 1)."""
    Z = as_float_array(Z, "Z")
    # exp(-|z|) lies in (0, 1], so neither branch can overflow.
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(Z):
    """g'(z) = g(z) (1 - g(z)); at most 1/4, reached at z = 0."""
    Z = as_float_array(Z, "Z")
    # Written as e / (1 + e)^2 with e = exp(-|z|): the same value, but 1 - g(z)
    # would lose all its digits to cancellation once g(z) is close to 1.
    e = np.exp(-np.abs(Z))
    return e / (1.0 + e) ** 2


def log_sigmoid(Z):
    """log(sigmoid(z)) computed without forming sigmoid(z), so it is exact for z = -800."""
    Z = as_float_array(Z, "Z")
    return -np.logaddexp(0.0, -Z)


def tanh(Z):
    """g(z) = tanh(z), in (-1, 1)."""
    return np.tanh(as_float_array(Z, "Z"))


def tanh_derivative(Z):
    """g'(z) = 1 - tanh(z)^2."""
    Z = as_float_array(Z, "Z")
    # Same value as 1 - tanh^2, written as 4e / (1 + e)^2 with e = exp(-2|z|)
    # so that it keeps full relative precision where tanh(z) is close to +-1.
    e = np.exp(-2.0 * np.abs(Z))
    return 4.0 * e / (1.0 + e) ** 2


def relu(Z):
    """g(z) = max(z, 0)."""
    return np.maximum(as_float_array(Z, "Z"), 0.0)


def relu_derivative(Z):
    """g'(z) = 1 where z > 0, else 0 (the value 0 is taken at the kink z = 0)."""
    Z = as_float_array(Z, "Z")
    return (Z > 0).astype(Z.dtype)


def softmax(Z):
    """Column-wise softmax of ``Z`` ``(n_classes, m)``: each column is positive and sums to 1.

    Subtracting each column's maximum first changes nothing mathematically
    (softmax is unchanged by adding a constant to a column) but keeps exp() <= 1.
    """
    Z = as_float_array(Z, "Z", ndim=(1, 2))
    # A column's maximum or sum, shape (m,), broadcasts along the rows: one per column.
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)


def log_softmax(Z):
    """log(softmax(Z)) column-wise, computed stably (log-sum-exp trick)."""
    Z = as_float_array(Z, "Z", ndim=(1, 2))
    shifted = Z - Z.max(axis=0)  # (m,) broadcasts along the rows, as in softmax
    return shifted - np.log(np.exp(shifted).sum(axis=0))


def softmax_jacobian(z):
    """Jacobian of softmax for one column ``z`` ``(n,)``: J[i, j] = s_i (delta_ij - s_j)."""
    z = as_float_array(z, "z", ndim=1)
    s = softmax(z)
    return np.diag(s) - np.outer(s, s)


def softmax_backward(dA, Z):
    """dZ from dA through softmax, for ``(n_classes, m)`` arrays.

    Applies each column's Jacobian without building it:
    dZ = A * (dA - sum_i(dA_i A_i)).
    """
    dA = as_float_array(dA, "dA", ndim=(1, 2))
    Z = as_float_array(Z, "Z", ndim=(1, 2))
    check_same_shape(dA, Z, "dA", "Z")
    A = softmax(Z)
    return A * (dA - np.sum(dA * A, axis=0))


def _elementwise_backward(dA, Z, derivative):
    """dZ = dA * derivative(Z), with ``dA`` and ``Z`` of the same shape."""
    dA = as_float_array(dA, "dA")
    Z = as_float_array(Z, "Z")
    check_same_shape(dA, Z, "dA", "Z")
    return dA * derivative(Z)


def identity_backward(dA, Z):
    """dZ = dA * identity_derivative(Z); dA and Z of the same shape."""
    return _elementwise_backward(dA, Z, identity_derivative)


def sigmoid_backward(dA, Z):
    """dZ = dA * sigmoid_derivative(Z); dA and Z of the same shape."""
    return _elementwise_backward(dA, Z, sigmoid_derivative)


def tanh_backward(dA, Z):
    """dZ = dA * tanh_derivative(Z); dA and Z of the same shape."""
    return _elementwise_backward(dA, Z, tanh_derivative)


def relu_backward(dA, Z):
    """dZ = dA * relu_derivative(Z); dA and Z of the same shape."""
    return _elementwise_backward(dA, Z, relu_derivative)


class Activation(NamedTuple):
    """An activation ``g`` as the pair the network needs:

    * ``forward(Z)`` -> ``A = g(Z)``;
    * ``backward(dA, Z)`` -> ``dZ``, the gradient with respect to ``Z`` given the
      one with respect to ``A`` (``dA * g'(Z)`` for an elementwise ``g``).

    It unpacks as ``forward, backward = ACTIVATIONS["relu"]``.
    """

    forward: Callable
    backward: Callable

    @property
    def name(self):
        return self.forward.__name__


#: name -> Activation(forward, backward)
ACTIVATIONS = {
    "identity": Activation(identity, identity_backward),
    "sigmoid": Activation(sigmoid, sigmoid_backward),
    "tanh": Activation(tanh, tanh_backward),
    "relu": Activation(relu, relu_backward),
    "softmax": Activation(softmax, softmax_backward),
}

#: name -> elementwise derivative g'(z) (softmax has a Jacobian instead: softmax_jacobian)
DERIVATIVES = {
    "identity": identity_derivative,
    "sigmoid": sigmoid_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}


def get_activation(name):
    """The ``Activation`` called ``name``, or raise naming the choices."""
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name (str), got {type(name).__name__}")
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}"
        ) from None
