"""Checkers for the exercises of notebook 03 (a stack of linear layers is one layer).

``collapse`` and ``relu_kinks`` run the learner's function and the package's
reference on the same inputs, drawn from the checker's own seeded generator.
Outputs are compared as float64 numbers, so a learner's float32 array of the
right values passes.

``abs_network`` and ``bump_network`` judge parameters set by hand end to end:
the learner's function returns ``(W1, b1, W2, b2)`` of a one-input network with
one hidden layer of ReLU units, and the checker evaluates that network on a dense
grid and far out (up to |x| = 1e6), against the stated target. A wrong network
is described by where it bends and its slopes, with the likely mistake named.
"""

import copy

import numpy as np

from ..lessons import linear_collapse
from ._core import _compare, _describe, _report, call_for_answer, check_function, random_cases

__all__ = ["collapse", "abs_network", "bump_network", "relu_kinks"]
EXERCISES = ("collapse", "abs_network", "bump_network", "relu_kinks")


def _layers(rng, sizes, orthogonal=False):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if orthogonal:
            W = linear_collapse.random_orthogonal(n_in, rng=rng)
        else:
            W = rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)
        layers.append((W, rng.standard_normal((n_out, 1))))
    return layers


def collapse(learner):
    """Check ``collapse(layers) -> (W, b)`` against ``nnlessons.lessons.linear_collapse.collapse``."""
    shapes = [
        ("one layer 2 -> 3", lambda rng: _layers(rng, [2, 3])),
        # square layers before the others: multiplying in the wrong order then
        # gives wrong numbers rather than a shape error
        ("three 3x3 layers", lambda rng: _layers(rng, [3, 3, 3, 3])),
        ("layers 2 -> 4 -> 3 -> 1", lambda rng: _layers(rng, [2, 4, 3, 1])),
        ("two layers 3 -> 1 -> 2", lambda rng: _layers(rng, [3, 1, 2])),
        ("fifty orthogonal 4x4 layers", lambda rng: _layers(rng, [4] * 51, orthogonal=True)),
    ]
    cases = random_cases(lambda rng, i: (shapes[i][1](rng),), [d for d, _ in shapes], seed=3)
    # The usual slips (product in the wrong order, biases not carried) raise on
    # non-square layers, so they are recognised on the square cases alone; the
    # verdict then comes from those cases, which the slip already fails.
    square = [case for case in cases if all(W.shape[0] == W.shape[1] for W, _ in case[1][0][1:])]
    if callable(learner) and _collapse_slip(learner, square):
        cases = square
    return check_function("collapse", learner, linear_collapse.collapse, cases, arg_names=["layers"],
                          hints=_COLLAPSE_HINTS, names=("W", "b"))


def _collapse_folded(layers, step):
    W, b = layers[0]
    for W_l, b_l in layers[1:]:
        W, b = step(W, b, W_l, b_l)
    return W, b


_COLLAPSE_HINTS = [
    ("the product runs the wrong way: each new layer multiplies from the left, W <- W_l @ W",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W @ W_l, W_l @ b + b_l))),
    ("the earlier biases must pass through each later layer too: b <- W_l @ b + b_l",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W_l @ W, b + b_l))),
    ("the earlier biases are lost: b <- W_l @ b + b_l keeps them, carried through the later layers",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W_l @ W, b_l))),
    ("the bias went through the product so far: b <- W_l @ b + b_l, with the layer's own W_l",
     lambda layers: _collapse_folded(layers, lambda W, b, W_l, b_l: (W_l @ W, (W_l @ W) @ b + b_l))),
    ("only the first two layers were combined: is the `return` inside the loop?",
     lambda layers: _collapse_folded(layers[:2], lambda W, b, W_l, b_l: (W_l @ W, W_l @ b + b_l))),
    ("return (W, b) in that order", lambda layers: linear_collapse.collapse(layers)[::-1]),
]


def _collapse_slip(learner, cases):
    """True when ``learner`` is wrong and reproduces one of the usual slips on every case."""
    try:
        outputs = [learner(*copy.deepcopy(args)) for _, args in cases]
    except Exception:
        return False  # reported, with its traceback, by the check itself
    if all(_compare(linear_collapse.collapse(*args), got, "") is None for (_, args), got in zip(cases, outputs)):
        return False
    return any(all(_compare(wrong(*copy.deepcopy(args)), got, "") is None for (_, args), got in zip(cases, outputs))
               for _, wrong in _COLLAPSE_HINTS)


# ------------------------------------------------ ReLU units set by hand
#: where the hand-set networks are evaluated: a dense grid around the corners (step 0.01),
#: and far out on both sides, where a lobe that never returns to 0 has grown large
GRID = np.unique(np.concatenate([np.linspace(-5.0, 5.0, 1001), [-1e6, -1e3, -100.0, -10.0, 10.0, 100.0, 1e3, 1e6]]))
_NAMES = ("W1", "b1", "W2", "b2")
#: the most hidden units a hand-set network may have (the grid's work grows with them)
MAX_UNITS = 100


class _Wrong(Exception):
    """Raised inside a hand-set network's check with the line to report."""


def _fmt(x):
    return f"{x:.6g}" if abs(x) >= 1e-9 else "0"


def _positions(xs):
    return "none" if len(xs) == 0 else ", ".join(_fmt(x) for x in xs)


def _hand_set(out, what):
    """The four arrays of the learner's answer as float64 ``(W1, b1, W2, b2)``, shapes checked; else ``_Wrong``."""
    if out is None:
        raise _Wrong("your function returned None (is a `return` missing?)")
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise _Wrong(f"expected the 4 values W1, b1, W2, b2, got {_describe(out)}")
    arrays = []
    for name, value in zip(_NAMES, out):
        if isinstance(value, (str, bytes, dict)) or value is None:
            raise _Wrong(f"{name}: expected numbers, got {_describe(value)}")
        try:
            if np.iscomplexobj(value):
                raise TypeError
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise _Wrong(f"{name}: expected an array of numbers, got {_describe(value)}") from None
        arrays.append(arr)
    W1, b1, W2, b2 = arrays
    n = W1.shape[0] if W1.ndim >= 1 else 0
    if W1.ndim == 2 and W1.shape[0] == 1 and W1.shape[1] > 1 and W2.shape == (W1.shape[1], 1):
        raise _Wrong(f"W1 has shape {W1.shape} and W2 {W2.shape}: transposed? A layer's W is (n_out, n_in): "
                     f"W1 is ({W1.shape[1]}, 1), one row per hidden unit, and W2 is (1, {W1.shape[1]})")
    if W1.ndim != 2 or W1.shape[1] != 1 or n == 0:
        raise _Wrong(f"W1 must have shape (n, 1), one row per hidden unit and one column for the input x, "
                     f"got shape {W1.shape}" + (" (a column: np.array([[1.0], [-1.0]]))" if W1.ndim == 1 else ""))
    if n > MAX_UNITS:
        raise _Wrong(f"W1 has {n} rows, one per hidden unit: two or three units are enough here "
                     f"(the checker takes at most {MAX_UNITS})")
    for name, arr, shape in (("b1", b1, (n, 1)), ("W2", W2, (1, n))):
        if arr.shape != shape:
            hint = " (transposed?)" if arr.shape == shape[::-1] else (
                " (a lost axis: write it as a 2-D array)" if arr.ndim == 1 and arr.size == n else "")
            raise _Wrong(f"{name} must have shape {shape} for the {n} hidden units of W1 {W1.shape}, "
                         f"got shape {arr.shape}{hint}")
    if b2.size != 1 or b2.ndim > 2:
        raise _Wrong(f"b2 must be one number (shape (1, 1)), got shape {b2.shape}")
    for name, arr in zip(_NAMES, arrays):
        if not np.all(np.isfinite(arr)):
            raise _Wrong(f"{name} holds {arr[~np.isfinite(arr)].ravel()[0]}: every parameter must be a finite number")
    return W1, b1, W2, b2.reshape(1, 1)


def _shape_of(params):
    """Where the network bends, its slopes far left and far right, and its values on ``GRID``."""
    W1, b1, W2, b2 = params
    kinks = linear_collapse.relu_kinks(W1, b1, W2)
    # beyond every switching point each unit is either off or straight: the slopes out there
    outer = max(1.0, float(np.max(np.abs(-b1[W1 != 0] / W1[W1 != 0]), initial=0.0))) + 1.0
    f = lambda x: linear_collapse.relu_network_1d(np.asarray(x, dtype=np.float64), W1, b1, W2, b2)  # noqa: E731
    left = f([-outer - 1.0, -outer])
    right = f([outer, outer + 1.0])
    return kinks, left[1] - left[0], right[1] - right[0], f


def _check_by_hand(name, learner, target, hint):
    """Call ``learner()``, evaluate the network it returns on ``GRID`` against ``target``; report."""
    __tracebackhide__ = True
    out, verdict = call_for_answer(name, learner)
    if verdict is not None:
        return verdict
    try:
        params = _hand_set(out, name)
    except _Wrong as wrong:
        return _report(name, False, str(wrong))
    n = params[0].shape[0]
    shape = _shape_of(params)
    got, expected = shape[3](GRID), target(GRID)
    bad = ~np.isclose(got, expected, rtol=1e-6, atol=1e-9)
    if not np.any(bad):
        return _report(name, True, f"your network of {n} ReLU unit{'s' * (n != 1)} bends at x = "
                                   f"{_positions(shape[0])} and matches the target at all {GRID.size} points "
                                   f"from -1e6 to 1e6")
    # the first wrong point from the left on [-5, 5], where a learner can check it by hand; else the nearest far one
    i = int(min(np.flatnonzero(bad), key=lambda k: (abs(GRID[k]) > 5, abs(GRID[k]) if abs(GRID[k]) > 5 else GRID[k])))
    line = f"at x = {_fmt(GRID[i])}, expected {_fmt(expected[i])}, got {_fmt(got[i])}"
    why = hint(params, shape)
    return _report(name, False, f"{line} ({why})")


def _you(shape):
    kinks, slope_left, slope_right, _ = shape
    return (f"your network bends at x = {_positions(kinks)}, with slope {_fmt(slope_left)} on the far left "
            f"and {_fmt(slope_right)} on the far right")


def _abs_hint(params, shape):
    kinks, slope_left, slope_right, f = shape
    W1, b1, W2, _ = params
    if len(kinks) == 0 and np.isclose(slope_left, 1) and np.isclose(slope_right, 1):
        return ("hint: your network computes the straight line x (relu(x) - relu(-x) = x): the unit that is on for "
                "x < 0 (W1[j] = -1) adds slope W2[j] * W1[j] there, so for slope -1 its output weight is +1")
    if len(kinks) >= 1 and not np.allclose(kinks, 0.0):
        return (f"{_you(shape)}; |x| bends only at x = 0. hint: unit j switches where W1[j] x + b1[j] = 0, at "
                f"x = -b1[j] / W1[j]: a bias that is not 0 puts the kink in the wrong place")
    if np.allclose(kinks, 0.0) and len(kinks) == 1:
        offset = float(f(np.array([0.0]))[0])
        if np.isclose(slope_left, -1) and np.isclose(slope_right, 1):
            return (f"hint: the shape is right but the whole network is shifted by {_fmt(offset)}: "
                    f"at x = 0 it must give 0 (b2 = 0)")
        if np.isclose(slope_left, 0) and np.isclose(slope_right, 1):
            return ("hint: that is relu(x), flat for x < 0: add a second unit that is on for x < 0 (W1 = -1), "
                    "so that relu(x) + relu(-x) = |x|")
        if np.isclose(slope_left, -1) and np.isclose(slope_right, 0):
            return ("hint: that is relu(-x), flat for x > 0: add a second unit that is on for x > 0 (W1 = +1), "
                    "so that relu(x) + relu(-x) = |x|")
        return (f"{_you(shape)}; |x| has slope -1 for x < 0 and +1 for x > 0. hint: a unit with W1[j] = w on adds "
                f"slope W2[j] * w on its side: mind the sign and size of the output weights W2")
    return f"{_you(shape)}; |x| bends at x = 0, with slope -1 on the left and +1 on the right"


def _bump_hint(params, shape):
    kinks, slope_left, slope_right, f = shape
    corners = np.array([1.0, 2.0, 3.0])
    target = "the bump bends at x = 1, 2, 3 and is 0 (slope 0) left of 1 and right of 3"
    if kinks.shape == corners.shape and np.allclose(kinks, -corners[::-1]):
        return (f"{_you(shape)}: mirrored. hint: wrong sign of the biases: unit j switches where W1[j] x + b1[j] = 0, "
                f"at x = -b1[j] / W1[j], so a corner at x = 1 with W1[j] = 1 needs b1[j] = -1")
    far_left, far_right = f(np.array([-1e6, 1e6]))
    inside = all(np.any(np.isclose(k, corners)) for k in kinks)
    starts_flat = np.isclose(slope_left, 0) and np.isclose(far_left, 0, atol=1e-9)
    ends_flat = np.isclose(slope_right, 0) and np.isclose(far_right, 0, atol=1e-9)
    if inside and starts_flat and not ends_flat:
        return (f"{_you(shape)}, value {_fmt(far_right)} at x = 1e6: the bump never returns to 0. hint: after "
                f"the peak the output weights must bring the slope back to 0: a negative lobe, the middle unit's "
                f"output weight -2 times the others' (1, -2, 1), and a third unit that switches on at x = 3")
    if kinks.shape == corners.shape and np.allclose(kinks, corners):
        peak = float(f(np.array([2.0]))[0])
        if np.allclose(f(GRID), peak * linear_collapse.bump(GRID), rtol=1e-6, atol=1e-9):
            return (f"hint: the shape is right but the peak at x = 2 is {_fmt(peak)}, not 1: the slope up to the "
                    f"peak is W2[0] * W1[0]; scale the output weights W2")
        values = f(GRID) - linear_collapse.bump(GRID)
        if np.allclose(values, values[0], atol=1e-9):
            return (f"hint: the shape is right but the whole network is shifted by {_fmt(values[0])}, even far "
                    f"from the bump: b2 must be 0")
    if kinks.size >= 2 and starts_flat and ends_flat:
        return (f"hint: a bump, but over [{_fmt(kinks[0])}, {_fmt(kinks[-1])}] with corners at x = "
                f"{_positions(kinks)}: {target}, so the units switch at 1, 2 and 3 (b1[j] = -c for a corner at c "
                f"with W1[j] = 1)")
    return f"{_you(shape)}; {target}"


def abs_network(learner):
    """Check ``abs_network() -> (W1, b1, W2, b2)``: the network ``W2 relu(W1 x + b1) + b2`` is ``|x|``."""
    return _check_by_hand("abs_network", learner, np.abs, _abs_hint)


def bump_network(learner):
    """Check ``bump_network() -> (W1, b1, W2, b2)``: the network is the bump 0 for x <= 1 and x >= 3, 1 at x = 2,
    straight between."""
    return _check_by_hand("bump_network", learner, linear_collapse.bump, _bump_hint)


def _relu_net(rng, n, zero_input=(), zero_output=(), shared=None):
    W1 = rng.uniform(0.5, 2.0, (n, 1)) * rng.choice([-1.0, 1.0], (n, 1))
    b1 = rng.uniform(-2.0, 2.0, (n, 1))
    W2 = rng.uniform(0.5, 2.0, (1, n)) * rng.choice([-1.0, 1.0], (1, n))
    for j in zero_input:
        W1[j, 0] = 0.0
    for j in zero_output:
        W2[0, j] = 0.0
    if shared is not None:
        # units 0 and 1 switch at the same x = 1 (w x + c = 0 for x = 1)
        W1[:2, 0], b1[:2, 0], W2[0, :2] = [1.0, 2.0], [-1.0, -2.0], [1.0, 0.5]
    return W1, b1, W2


def relu_kinks(learner):
    """Check ``relu_kinks(W1, b1, W2)`` (sorted positions where the slope changes)."""
    makers = [
        ("a network of 3 units", lambda rng: _relu_net(rng, 3)),
        ("a network of 6 units", lambda rng: _relu_net(rng, 6)),
        ("5 units, unit 2 with input weight 0", lambda rng: _relu_net(rng, 5, zero_input=[2])),
        ("5 units, unit 4 with output weight 0", lambda rng: _relu_net(rng, 5, zero_output=[4])),
        ("4 units, units 0 and 1 switching at the same x", lambda rng: _relu_net(rng, 4, shared=True)),
    ]
    cases = random_cases(lambda rng, i: makers[i][1](rng), [d for d, _ in makers], seed=6)
    return check_function("relu_kinks", learner, linear_collapse.relu_kinks, cases, arg_names=["W1", "b1", "W2"],
                          hints=_KINK_HINTS)


def _switches(W1, b1, W2, keep):
    """``-b1 / W1`` of the units ``keep(w, v)`` selects, unsorted (inf or nan for an input weight 0)."""
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    selected = keep(w, v)
    return -c[selected] / w[selected]


def _both(w, v):
    return (w != 0) & (v != 0)


_KINK_HINTS = [
    ("unit j switches where W1[j] x + b1[j] = 0, that is at x = -b1[j] / W1[j]: mind the minus",
     lambda W1, b1, W2: np.unique(-_switches(W1, b1, W2, _both))),
    ("return the positions sorted from left to right (np.unique sorts and removes repeats)",
     lambda W1, b1, W2: _switches(W1, b1, W2, _both)),
    ("two units switching at the same x make one kink: remove the repeated position (np.unique)",
     lambda W1, b1, W2: np.sort(_switches(W1, b1, W2, _both))),
    ("a unit with output weight W2[j] = 0 adds nothing to f, so it makes no kink: leave it out",
     lambda W1, b1, W2: np.unique(_switches(W1, b1, W2, lambda w, v: w != 0))),
    ("a unit with input weight W1[j] = 0 never switches (-b1[j] / 0 is inf or nan), and one with "
     "output weight W2[j] = 0 adds nothing: leave both out",
     lambda W1, b1, W2: np.unique(_switches(W1, b1, W2, lambda w, v: np.ones(w.shape, bool)))),
]
