"""A fully connected (dense) layer as a forward/backward pair.

Shapes: ``W`` ``(n_out, n_in)``, ``b`` ``(n_out, 1)``, inputs ``A_prev``
``(n_in, m)`` with one example per column, so ``Z = W @ A_prev + b`` is
``(n_out, m)``.

The forward pass returns a *cache* holding what the backward pass needs; the
backward pass takes ``dZ`` (gradient of each example's loss with respect to
``Z``, one column per example) and returns the gradients of the mean cost:

    dW      = dZ @ A_prev.T / m      (n_out, n_in)   same shape as W
    db      = sum of dZ's columns / m (n_out, 1)     same shape as b
    dA_prev = W.T @ dZ               (n_in, m)       passed on to the layer below

``forward`` and ``backward`` are the bare kernels ``Network`` runs inside its
loops, on arrays it has already checked; ``dense_forward`` and ``dense_backward``
are the same with their arguments checked, for calling by hand.
"""

from ._validation import as_float_array, check_shape


def forward(A_prev, W, b):
    """Z = W @ A_prev + b. Returns ``(Z, cache)`` with ``cache = (A_prev, W, b)``."""
    Z = W @ A_prev
    Z += b  # in place: one (n_out, m) array instead of two
    return Z, (A_prev, W, b)


def backward(dZ, cache, need_dA_prev=True):
    """Gradients of a dense layer. Returns ``(dA_prev, dW, db)``; see the module docstring.

    The first layer's ``dA_prev`` is the gradient with respect to the input data,
    which training never uses: ``need_dA_prev=False`` skips that product (a third
    of the work of a backward pass on MNIST) and returns ``None`` in its place.
    """
    A_prev, W, _ = cache
    dZ_mean = dZ / A_prev.shape[1]  # the 1/m, applied to dZ (n_out, m) rather than to dW (n_out, n_in)
    dW = dZ_mean @ A_prev.T
    db = dZ_mean.sum(axis=1, keepdims=True)
    dA_prev = W.T @ dZ if need_dA_prev else None
    return dA_prev, dW, db


def dense_forward(A_prev, W, b):
    """``forward`` with its arguments checked: ``W`` ``(n_out, n_in)``, ``A_prev`` ``(n_in, m)``,
    ``b`` ``(n_out, 1)``."""
    W = as_float_array(W, "W", ndim=2)
    n_out, n_in = W.shape
    A_prev = as_float_array(A_prev, "A_prev", ndim=2)
    if A_prev.shape[0] == n_out != n_in != A_prev.shape[1]:
        # W given as (n_in, n_out): name W, not the A_prev that fits it the right way round
        check_shape(W, "W", (None, n_out))
    check_shape(A_prev, "A_prev", (n_in, None))
    b = as_float_array(b, "b")
    check_shape(b, "b", (n_out, 1))
    return forward(A_prev, W, b)


def dense_backward(dZ, cache, need_dA_prev=True):
    """``backward`` with ``dZ`` checked against the cache: ``dZ`` must be ``(n_out, m)``."""
    A_prev, W, _ = cache
    dZ = as_float_array(dZ, "dZ", ndim=2)
    check_shape(dZ, "dZ", (W.shape[0], A_prev.shape[1]))
    return backward(dZ, cache, need_dA_prev)
