"""Regularisation: L2 weight decay and inverted dropout, each as a forward rule and its gradient.

**L2 weight decay.** The regularised cost adds the squared size of every weight matrix,

    J_reg = J + (lambda / (2 m)) sum_l ||W_l||^2        (||W||^2: the sum of the squared entries)

so its gradient gains one term per weight matrix,

    dW_l += (lambda / m) W_l

and a step of gradient descent first shrinks every weight by the factor
``1 - alpha lambda / m`` ("decay"). Biases are not decayed: a bias does not
multiply an input, so shrinking it does not make the function smoother, and
there are few of them. Parameters are weights when their name starts with
``"W"`` (the ``Network`` naming ``W1, b1, W2, ...``). ``m`` is the number of
training examples the cost ``J`` averages over.

**Inverted dropout.** In training, each hidden unit of each example is kept
with probability ``keep_prob`` and set to 0 otherwise; the kept ones are divided
by ``keep_prob``:

    M = (u < keep_prob), u uniform in [0, 1)      (n, m) of 0s and 1s, from an explicit rng
    A_drop = A * M / keep_prob

so ``E[A_drop] = A`` and nothing needs rescaling at evaluation, where dropout is
simply off. The backward rule uses the *same* mask:

    dA = dA_drop * M / keep_prob
"""

import numpy as np

from ._validation import as_float_array, check_grads, check_positive, make_rng


def is_weight(name):
    """True for the parameters weight decay applies to: ``"W1"``, ``"W2"``, ... (not the biases)."""
    return name.startswith("W")


def check_keep_prob(keep_prob):
    """``keep_prob`` as a float in (0, 1], or ValueError."""
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float, np.floating)) or not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be a number in (0, 1] (1 means no dropout), got {keep_prob!r}")
    return float(keep_prob)


def check_weight_decay(weight_decay):
    """``weight_decay`` (lambda) as a float >= 0, or ValueError."""
    if isinstance(weight_decay, bool) or not isinstance(weight_decay, (int, float, np.floating)) \
            or not 0 <= weight_decay < np.inf:
        raise ValueError(f"weight_decay must be a number >= 0, got {weight_decay!r}")
    return float(weight_decay)


def l2_penalty(params, weight_decay, m):
    """``(lambda / (2 m)) sum_l ||W_l||^2`` over the weights in ``params`` (biases excluded)."""
    lam = check_weight_decay(weight_decay)
    m = check_positive(m, "m")
    return lam / (2.0 * m) * sum(float(np.sum(p * p)) for name, p in params.items() if is_weight(name))


def l2_gradients(grads, params, weight_decay, m):
    """A new gradient dict with ``(lambda / m) W`` added to every weight's gradient; biases unchanged."""
    lam = check_weight_decay(weight_decay)
    m = check_positive(m, "m")
    check_grads(grads, params)
    return {name: g + (lam / m) * params[name] if is_weight(name) else g for name, g in grads.items()}


def dropout_mask(shape, keep_prob, rng):
    """A mask of 0.0 and 1.0, each entry 1 with probability ``keep_prob``, drawn from ``rng``."""
    keep_prob = check_keep_prob(keep_prob)
    return (make_rng(rng).random(shape) < keep_prob).astype(np.float64)


def dropout_forward(A, keep_prob, rng):
    """Inverted dropout in training: ``(A * M / keep_prob, M)`` with ``M`` from ``dropout_mask``.

    ``A`` ``(n, m)``: one mask entry per unit and example. Returns new arrays; ``A`` is unchanged.
    """
    A = as_float_array(A, "A")
    M = dropout_mask(A.shape, keep_prob, rng).astype(A.dtype, copy=False)
    return A * M / keep_prob, M


def dropout_backward(dA_drop, M, keep_prob):
    """Gradient through inverted dropout: ``dA_drop * M / keep_prob``, with the forward pass's mask ``M``."""
    dA_drop = as_float_array(dA_drop, "dA_drop")
    M = as_float_array(M, "M")
    if M.shape != dA_drop.shape:
        raise ValueError(f"M must have the shape of dA_drop {dA_drop.shape}, got shape {M.shape}")
    return dA_drop * M / check_keep_prob(keep_prob)
