"""Gradient checking: compare a derived gradient with central differences.

The central difference

    df/dx ~ (f(x + eps) - f(x - eps)) / (2 eps)

has an error of order ``eps^2`` (the first-order terms cancel), against
``eps`` for the one-sided difference. With ``eps = 1e-6`` in float64 its
round-off error is about ``1e-16 / 1e-6 = 1e-10`` relative to ``f``.

The comparison uses the relative error

    ||a - n|| / (||a|| + ||n||)

which is 0 for identical gradients, 1 for gradients of opposite sign, and does
not depend on the scale of the loss. How to read it, in float64:

* below ``1e-7``: correct;
* ``1e-7`` to ``1e-5``: suspicious, unless a kink (ReLU at 0) lies within ``eps``;
* above ``1e-3``: a bug (a missing ``1/m``, a transpose, the wrong cache ...).

In float32 the round-off is about ``1e-7 / eps``, far too coarse: check in float64.
"""

import numpy as np

from ._validation import as_float_array, check_positive

#: relative error below which a gradient is taken to be right (float64)
TOLERANCE = 1e-7


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function ``f()`` with respect to array ``x``.

    ``x`` is changed in place one entry at a time, ``f()`` is evaluated, and the
    entry is restored; so ``f`` must read ``x`` (a parameter array it closes over).
    Returns an array of the same shape as ``x``.
    """
    eps = check_positive(eps, "eps")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            "x must be a float64 numpy array that f reads (it is perturbed in place), "
            f"got {type(x).__name__}{'' if not isinstance(x, np.ndarray) else ' of dtype ' + str(x.dtype)}"
        )
    grad = np.zeros_like(x)
    # Indexing x itself (not a flattened copy) perturbs the very array f reads,
    # whatever its memory layout: a transposed or Fortran-ordered parameter too.
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        try:
            f_plus = _cost(f)
            x[i] = old - eps
            f_minus = _cost(f)
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def _cost(f):
    """``f()`` as a float, or raise saying what f returned instead of one finite number."""
    value = f()
    arr = np.asarray(value)
    if arr.dtype.kind not in {"b", "i", "u", "f"}:  # None, text, an autodiff Value ... (and complex numbers)
        raise TypeError(f"f must return the cost as one number, got {type(value).__name__}")
    if arr.size != 1:
        raise TypeError(f"f must return the cost as one number, got an array of shape {arr.shape}; "
                        "for a loss per example, return their mean")
    value = float(arr.reshape(()))
    if not np.isfinite(value):
        raise ValueError(f"f returned {value} at a perturbed parameter: the cost must be a finite number "
                         "(check f at the parameters given, and that eps is small)")
    return value


def numerical_gradients(f, params, eps=1e-6):
    """Central-difference gradients of ``f()`` for every array in the dict ``params``."""
    return {name: numerical_gradient(f, p, eps) for name, p in params.items()}


def relative_error(a, b):
    """||a - b|| / (||a|| + ||b||); 0 when both are zero."""
    a = as_float_array(a, "a")
    b = as_float_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got a {a.shape} and b {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def gradient_check(f, params, grads, eps=1e-6):
    """Relative error of each analytic gradient in ``grads`` against central differences.

    ``f()`` returns the cost computed from the arrays in ``params``; ``grads`` maps
    the same names to the gradients to check. Returns ``{name: relative error}``.
    """
    missing = set(params) ^ set(grads)
    if missing:
        raise ValueError(f"params and grads must have the same names, these differ: {sorted(missing)}")
    checked = {}
    for name in params:
        g = as_float_array(grads[name], f"grads[{name!r}]")
        if g.shape != params[name].shape:
            raise ValueError(
                f"grads[{name!r}] must have the shape of params[{name!r}] {params[name].shape}, got {g.shape}"
            )
        checked[name] = g
    numeric = numerical_gradients(f, params, eps)
    if not any(n.any() for n in numeric.values()) and any(g.any() for g in checked.values()):
        # Every central difference exactly 0: f did not read the arrays it was handed.
        raise ValueError("f returned the same cost however params were changed, so every numerical gradient is 0: "
                         "f must compute the cost from the arrays in params (the very arrays, which are changed "
                         "in place), not from copies or other variables")
    return {name: relative_error(g, numeric[name]) for name, g in checked.items()}
