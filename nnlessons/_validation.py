"""Input checks shared by the public functions.

Arguments are checked once, where they enter the package: in ``Network``'s
public methods and in the module-level functions a notebook calls
(``dense_forward``, the loss functions, ``one_hot``, the datasets...), which
name the argument and the expected and received shapes; ``Network``'s methods
and the loss functions also refuse ``nan`` and ``inf``, naming the first. The
kernels ``Network`` runs inside its loops (``layers.forward`` and
``layers.backward``, the ``Loss`` kernels of ``losses.LOSSES``) check nothing,
so they read like the equations. The activation functions serve both: they
convert their arguments with ``as_float_array``, which returns a float array
unchanged (no copy, no pass over the values), and the backward rules compare
the two shapes; checks that cost nothing next to the arithmetic.
"""

import numbers

import numpy as np

#: the floating-point types computations keep; anything else is converted to float64
FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def as_float_array(x, name, ndim=None):
    """Return ``x`` as a floating-point array, or raise naming ``name``.

    Everything becomes float64, except a float32 array, which stays float32 so
    that a network can run in single precision where a benchmark shows it pays.
    ``ndim`` (an int, or a tuple of allowed ints) is checked when given.
    """
    if isinstance(x, np.ndarray) and x.dtype in FLOAT_DTYPES:
        # A subclass becomes a plain view: on an np.matrix, * would be a matrix product.
        arr = x if type(x) is np.ndarray else np.asarray(x)
    elif x is None or isinstance(x, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    else:
        try:
            # Checked first: converting complex numbers to float64 would drop their
            # imaginary parts with no more than a warning.
            is_complex = np.iscomplexobj(x)
            arr = None if is_complex else np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name} must be an array of numbers, got {type(x).__name__}"
            ) from None
        if is_complex:
            raise TypeError(f"{name} must hold real numbers, got complex values")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    return arr


def check_shape(arr, name, expected):
    """Raise ``ValueError`` unless ``arr.shape`` matches ``expected``.

    ``expected`` is a tuple whose entries are ints or ``None`` (any size).
    """
    ok = arr.ndim == len(expected) and all(
        e is None or e == s for e, s in zip(expected, arr.shape)
    )
    if not ok:
        want = "(" + ", ".join("any" if e is None else str(e) for e in expected)
        want += ",)" if len(expected) == 1 else ")"
        raise ValueError(f"{name} must have shape {want}, got shape {arr.shape}{_shape_advice(arr, name, expected)}")


def _shape_advice(arr, name, expected):
    """The two slips the shape convention invites: a transposed matrix and a flat column."""
    if len(expected) != 2:
        return ""
    if arr.ndim == 2 and all(e is None or e == s for e, s in zip(expected, arr.shape[::-1])):
        return f" (transposed? {name}.T has the expected shape)"
    if expected[1] == 1 and arr.ndim == 1 and expected[0] in (None, arr.shape[0]):
        return f" (a column is expected: {name}.reshape(-1, 1))"
    return ""


def check_finite(arr, name):
    """Raise ``ValueError`` naming the position of the first ``nan`` or ``inf`` in ``arr``."""
    # One sum is far cheaper than a full elementwise test, and is finite whenever
    # every entry is (unless finite values overflow it, which the test below sorts out).
    with np.errstate(all="ignore"):
        if np.isfinite(arr.sum()):
            return
    bad = ~np.isfinite(arr)
    if bad.any():
        pos = np.unravel_index(int(np.argmax(bad)), arr.shape)
        where = ", ".join(str(int(i)) for i in pos)
        raise ValueError(f"{name} must hold only finite numbers, got {arr[pos]} at {name}[{where}]")


def check_sizes(sizes, name="sizes"):
    """Layer sizes ``[n0, n1, ..., nL]``: a list or tuple of at least two positive ints, returned as a list."""
    if not isinstance(sizes, (list, tuple)) or len(sizes) < 2 or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in sizes
    ):
        raise ValueError(f"{name} must be a list of at least two positive ints, got {sizes!r}")
    return [int(n) for n in sizes]


def check_same_shape(a, b, name_a, name_b):
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same shape (no broadcasting)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, "
            f"got {name_a} {a.shape} and {name_b} {b.shape}"
        )


def check_grads(grads, params):
    """Raise unless every gradient in ``grads`` names an array of ``params`` and has its shape
    (numpy would broadcast a ``(n, 1)`` gradient across an ``(n, k)`` parameter without a word)."""
    for name, g in grads.items():
        if name not in params:
            raise ValueError(f"grads[{name!r}] has no parameter of that name; params has {sorted(params)}")
        if np.shape(g) != np.shape(params[name]):
            raise ValueError(f"grads[{name!r}] must have the shape of params[{name!r}] {np.shape(params[name])}, "
                             f"got shape {np.shape(g)}")


def as_labels(y, name, n_classes=None):
    """Return integer class labels as a 1-D int array, rejecting out-of-range values."""
    if y is None or isinstance(y, (str, bytes, dict)):
        raise TypeError(f"{name} must be an array of integer labels, got {type(y).__name__}")
    arr = np.asarray(y)
    if arr.ndim == 2 and 1 in arr.shape:
        arr = arr.reshape(-1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D with shape (m,), got shape {arr.shape}")
    # bool labels are the classes 0 and 1 (say, y = x > 0); floats must be whole numbers.
    if arr.size and not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        with np.errstate(invalid="ignore"):
            whole = np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr) & (arr == np.round(arr)))
        if not whole:
            raise TypeError(f"{name} must hold integer labels, got dtype {arr.dtype}")
        if np.any(np.abs(arr) > np.iinfo(np.int64).max):
            raise ValueError(f"{name} must hold labels that fit in an int64, got values up to {np.abs(arr).max()}")
    arr = arr.astype(np.int64)
    if n_classes is not None and arr.size and (arr.min() < 0 or arr.max() >= n_classes):
        raise ValueError(
            f"{name} must hold labels in 0..{n_classes - 1}, "
            f"got values from {arr.min()} to {arr.max()}"
        )
    return arr


def make_rng(rng, name="rng"):
    """Accept a ``np.random.Generator`` or an int seed; refuse hidden global randomness."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{name} must be a np.random.Generator (np.random.default_rng(seed)) or an int seed, "
        f"got {type(rng).__name__}"
    )


def check_int(n, name, minimum=1):
    """Return ``n`` as an int, or raise unless it is an int (not a bool) >= ``minimum``."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < minimum:
        kind = {0: "a non-negative int", 1: "a positive int"}.get(minimum, f"an int >= {minimum}")
        raise ValueError(f"{name} must be {kind}, got {n!r}")
    return int(n)


def is_positive(x):
    """True for a finite real number > 0 (not a bool, not text, not nan)."""
    return not isinstance(x, (bool, np.bool_)) and isinstance(x, numbers.Real) and 0 < x < np.inf


def check_positive(x, name):
    """Return ``x`` as a float, or raise unless it is a finite real number > 0."""
    if not is_positive(x):
        raise ValueError(f"{name} must be a positive number, got {x!r}")
    return float(x)


def as_scalar(v, name):
    """A parameter such as ``w``: a real number or a 0-d array, returned as a float."""
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number, got bool")
    arr = as_float_array(v, name)
    if arr.ndim != 0:
        raise ValueError(f"{name} must be a single number (shape ()), got shape {arr.shape}")
    return float(arr)
