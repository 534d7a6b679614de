"""Checkers for the exercises of notebook 04 (forward propagation).

``forward`` compares the learner's function with the package's reference
(``Network.forward``) on cases from its own seeded generator. The first cases keep every layer as wide as
its input and the batch as wide as the layers (or one example): then the usual
slips (a transposed ``W``, a flat bias ``(n,)``, softmax over the wrong axis)
give numbers instead of a numpy error, and the checker can name the slip. The
last cases have layers of other widths than their inputs and a batch of yet
another size, so that an answer which takes a layer's shape from its input
(``Z = np.zeros(A.shape)``) cannot pass by accident.

``square_network`` has no single right answer: it runs the learner's hand-set network end to
end on squares of three sizes (a dense grid and a data set of each, without a thin band around
the edge) and passes when every point is classified right; a failure names the likely cause
from the learner's own weights (shapes transposed, a bias of the wrong sign, the classes
the wrong way round, lines that do not move with the square).
"""

import numpy as np

from ..activations import relu, sigmoid, softmax, tanh
from ..lessons import forward_prop as _fw
from ..lessons.forward_prop import forward as _forward
from ._core import NOT_IMPLEMENTED, _describe, _report, check_function, random_cases, report_copied, report_raised, \
    watching

__all__ = ["forward", "square_network"]

#: the checkers in notebook order (the grader reads this)
EXERCISES = ("forward", "square_network")


# ------------------------------------------------------------- whole network
_FUNCTIONS = {"relu": relu, "tanh": tanh, "sigmoid": sigmoid, "softmax": softmax}

#: (width, depth, batch size, activations): every layer as wide as its input
_NETWORKS = [(3, 2, 3, ["relu", "softmax"]),
             (4, 3, 4, ["relu", "tanh", "sigmoid"]),
             (2, 1, 2, ["sigmoid"]),
             (5, 2, 1, ["tanh", "softmax"])]
#: (layer sizes, batch size, activations): each layer of another width than its input, the batch
#: of a size no layer has
_UNEVEN = [([3, 5, 2], 7, ["tanh", "softmax"]),
           ([4, 6, 3, 1], 5, ["relu", "tanh", "sigmoid"])]


def square_params(rng, n, depth):
    """``W1, b1, ..., W_depth, b_depth`` of a network whose every layer has ``n`` units and ``n`` inputs."""
    return sized_params(rng, [n] * (depth + 1))


def sized_params(rng, sizes):
    """``W1, b1, ...`` of a network with the layer sizes ``sizes`` (inputs first)."""
    return {name: rng.normal(size=(n_out, n_in) if name[0] == "W" else (n_out, 1))
            for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
            for name in (f"W{l}", f"b{l}")}


def _network_case(rng, i):
    if i >= len(_NETWORKS):
        sizes, m, activations = _UNEVEN[i - len(_NETWORKS)]
        return rng.normal(size=(sizes[0], m)), sized_params(rng, sizes), list(activations)
    n, depth, m, activations = _NETWORKS[i]
    params = square_params(rng, n, depth)
    return rng.normal(size=(n, m)), params, list(activations)


def _uneven_error(description, args, exc):
    """The hint for an exception on a network whose layers change width, after the square ones passed."""
    X, params, activations = args
    if X.shape[0] == params["W1"].shape[0] or not isinstance(exc, (ValueError, IndexError)):
        return None  # a square network: the error is the learner's own, reported as it is
    text = str(exc).replace(" ", "")
    for l in range(1, len(activations) + 1):
        W = params[f"W{l}"]
        z, a = f"({W.shape[0]},{X.shape[1]})", f"({W.shape[1]},{X.shape[1]})"
        if z in text and a in text:
            return (f"layer {l}'s Z has shape {z.replace(',', ', ')}, W{l} @ A{l - 1} + b{l}, not the shape "
                    f"{a.replace(',', ', ')} of its input: an array made with the input's shape "
                    "(np.zeros(A.shape)) cannot hold it; let Z = W @ A + b make its own array")
    return ("the networks whose layers are as wide as their inputs passed; here each layer changes the width: "
            "Z_l has shape (n_l, m), from W_l (n_l, n_(l-1)), not the shape of the layer's input")


def _slip(X, params, activations, *, flat_bias=False, transpose_W=False, softmax_over=0, keep_A0=True,
          last_activation=True, one_short=False, first_only=False, from_X=False, relu_only=False,
          relu_in_place=False, A_before=False, first_activation=False):
    """The forward pass with one of the usual slips, returning ``(A_L, cache)`` like the reference."""
    A, cache = X, {"A0": X} if keep_A0 else {}
    layers = activations[:-1] if one_short else activations[:1] if first_only else activations
    for l, name in enumerate(layers, start=1):
        W, b = params[f"W{l}"], params[f"b{l}"]
        Z = (W.T if transpose_W else W) @ (X if from_X else A) + (b.ravel() if flat_bias else b)
        if A_before:  # the layer's input stored as its output
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
            A = _FUNCTIONS[name](Z)
            continue
        if first_activation:
            name = activations[0]
        if relu_only or (relu_in_place and name == "relu"):
            A = relu(Z)
            if relu_in_place:  # A = Z; A[A < 0] = 0 changes Z too
                Z = A
        elif l == len(activations) and not last_activation:
            A = Z
        elif name == "softmax" and softmax_over is None:
            E = np.exp(Z - Z.max())
            A = E / E.sum()
        elif name == "softmax" and softmax_over == 1:
            A = softmax(Z.T).T
        else:
            A = _FUNCTIONS[name](Z)
        cache[f"Z{l}"], cache[f"A{l}"] = Z, A
    return A, cache


def forward(learner):
    """Check ``forward(X, params, activations)`` -> ``(A_L, cache)`` for any number of layers.

    ``cache`` holds ``"A0"`` (the input) and every layer's ``"Zl"`` and ``"Al"``, as
    ``Network.forward`` returns it.
    """
    descriptions = [f"a {' -> '.join([str(n)] * (depth + 1))} network ({', '.join(acts)}) "
                    f"on {m} example{'s' * (m > 1)}" for n, depth, m, acts in _NETWORKS]
    descriptions += [f"a {' -> '.join(map(str, sizes))} network ({', '.join(acts)}) on {m} examples"
                     for sizes, m, acts in _UNEVEN]
    cases = random_cases(_network_case, descriptions, seed=404)

    def returns_Z(*a):
        A_L, cache = _forward(*a)
        return cache[f"Z{len(a[2])}"], cache

    return check_function("forward", learner, _forward, cases, ["X", "params", "activations"],
                          names=("A_L", "cache"), on_error=_uneven_error, hints=[
        ("the bias was added as a flat (n,) vector: keep b as the column (n, 1), so that bias j goes to "
         "neuron (row) j of every example", lambda *a: _slip(*a, flat_bias=True)),
        ("W is transposed: Z = W @ A_prev with W of shape (n_out, n_in)", lambda *a: _slip(*a, transpose_W=True)),
        ("softmax normalised each row: each column is one example, so normalise down the columns (axis=0)",
         lambda *a: _slip(*a, softmax_over=1)),
        ("softmax normalised the whole array at once: normalise each column (axis=0, keepdims=True)",
         lambda *a: _slip(*a, softmax_over=None)),
        ("the cache has no 'A0': store the input X as cache['A0'] (the backward pass needs it for dW1)",
         lambda *a: _slip(*a, keep_A0=False)),
        ("the last layer's activation is missing: A_L = g_L(Z_L)", lambda *a: _slip(*a, last_activation=False)),
        ("the loop stops one layer early: layers 1 to L are range(1, L + 1), with L = len(activations)",
         lambda *a: _slip(*a, one_short=True)),
        ("return the pair (A_L, cache), not A_L alone", lambda *a: _forward(*a)[0]),
        ("return the pair in the order (A_L, cache)", lambda *a: _forward(*a)[::-1]),
        ("only the first layer ran: is the `return` inside the loop?", lambda *a: _slip(*a, first_only=True)),
        ("every layer was fed X: layer l takes the previous layer's output A_(l-1)",
         lambda *a: _slip(*a, from_X=True)),
        ("every layer used ReLU: layer l uses its own activation, activations[l - 1]",
         lambda *a: _slip(*a, relu_only=True)),
        ("every layer used the first activation, activations[0]: layer l uses its own, activations[l - 1]",
         lambda *a: _slip(*a, first_activation=True)),
        ("the first value returned is Z_L, before the activation: return A_L = g_L(Z_L), as stored in "
         "the cache", returns_Z),
        ("Z was changed by the ReLU: A = Z then A[A < 0] = 0 changes Z too (one array, two names); "
         "compute a new array, e.g. np.maximum(Z, 0)", lambda *a: _slip(*a, relu_in_place=True)),
        ("cache['Al'] holds the layer's input: store A_l = g_l(Z_l) after applying the activation",
         lambda *a: _slip(*a, A_before=True)),
    ])


# ------------------------------------------------------------ a square by hand
#: the half-widths r of the squares the learner's network must draw, and the seeds of their data
_SQUARES = ((1.0, 41), (0.5, 42), (2.5, 43))
_GRID_N, _DATA_M = 81, 200


def _as_parameters(answer):
    """``(W1, b1, W2, b2)`` as float arrays, or a message saying what is wrong with their form."""
    if answer is None:
        return None, "your function returned None (is a `return` missing?): return W1, b1, W2, b2"
    if not isinstance(answer, (tuple, list)) or len(answer) != 4:
        return None, f"return the four arrays W1, b1, W2, b2 (in that order), got {_describe(answer)}"
    arrays = []
    for name, value in zip(("W1", "b1", "W2", "b2"), answer):
        try:
            array = np.array(value, dtype=float)
        except (TypeError, ValueError):
            return None, f"{name} must be an array of numbers, got {type(value).__name__}"
        if not np.all(np.isfinite(array)):
            return None, f"{name} holds inf or nan: every weight must be a finite number"
        arrays.append(array)
    W1, b1, W2, b2 = arrays
    if W1.ndim != 2 or 2 not in W1.shape:
        return None, f"W1 must have shape (n_1, 2), one row per hidden unit and a column per input, got {W1.shape}"
    if W1.shape[1] != 2:
        return None, (f"W1 has shape {W1.shape}, transposed: W1 is (n_1, 2), one row per hidden unit "
                      f"and one column per input x1, x2")
    n = W1.shape[0]
    if b1.shape != (n, 1) and b1.shape in ((n,), (1, n)):
        return None, (f"b1 has shape {b1.shape}: make it the column ({n}, 1), one bias per hidden unit, so that "
                      "numpy adds bias j to unit j for every example")
    if b1.shape != (n, 1):
        return None, f"b1 must have shape ({n}, 1), one bias per hidden unit (W1 has {n} rows), got {b1.shape}"
    if W2.shape == (n, 1) and n != 1:
        return None, f"W2 has shape {W2.shape}, transposed: W2 is (1, {n}), one row for the output unit"
    if W2.shape != (1, n):
        return None, f"W2 must have shape (1, {n}): one output unit reading the {n} hidden units, got {W2.shape}"
    if b2.size != 1:
        return None, f"b2 must be one number (shape (1, 1)), got shape {b2.shape}"
    return (W1, b1, W2, b2.reshape(1, 1)), None


def _square_hint(params, r, X, y, predicted):
    """The likely cause of the errors on the square of half-width ``r``, or None."""
    W1, b1, W2, b2 = params
    inside, outside = y == 1, y == 0
    right_in, right_out = np.mean(predicted[inside] == 1), np.mean(predicted[outside] == 0)
    if right_in < 0.5 and right_out < 0.5:
        return ("the classes are the wrong way round: class 1 (inside) is where the output a > 0.5, "
                "that is z2 > 0; change the signs of W2 and b2")
    z1_centre = b1[:, 0]  # at x = (0, 0), each hidden unit's z is its bias
    if right_in < 0.5 and np.all(z1_centre <= 0) and b2[0, 0] <= 0:
        return (f"at the centre every hidden unit is off, so z2 = b2 = {b2[0, 0]:.3g} there, and a <= 0.5: "
                "for class 1 inside, b2 must be positive (a bias with the wrong sign?)")
    norms = np.hypot(W1[:, 0], W1[:, 1])
    lines = norms > 0
    distance = np.abs(b1[lines, 0]) / norms[lines]  # each unit's line w x + b = 0 from the centre
    near = np.abs(distance - r) <= _fw.SQUARE_BAND * r
    flipped = [j + 1 for j, d, on in zip(np.flatnonzero(lines), near, z1_centre[lines] > 0) if d and on]
    if flipped:
        units = f"hidden unit{'s' * (len(flipped) > 1)} {', '.join(map(str, flipped))}"
        return (f"{units}: the line lies on a side of the square, but the unit is on at the centre; "
                "b1_j = -r |w_j| keeps unit j off inside the square and on beyond its side "
                "(a bias with the wrong sign?)")
    if lines.any() and not near.any():
        shown = ", ".join(f"{d:.3g}" for d in sorted(set(np.round(distance, 3)))[:4])
        return (f"the hidden units' lines lie at distance {shown} from the centre, the square's sides at r = {r:g}: "
                "unit j's line (W1 x + b1)_j = 0 lies |b1_j| / |w_j| from the centre, so b1 must change with r")
    beyond = _unguarded_sides(params, r)
    if beyond:
        return (f"beyond the side{'s' * (len(beyond) > 1)} {' and '.join(beyond)} z2 does not fall as x moves "
                "away from the square: each side needs a hidden unit that is on beyond it, with a negative "
                "weight in W2 (a unit missing, or W2 with the wrong sign?)")
    if right_in == 1 or right_out == 1:
        side, fix = (("outside", "smaller, or W2's weights larger in size") if right_in == 1
                     else ("inside", "larger, or W2's weights smaller in size"))
        return (f"all the errors are {side} the square: the boundary z2 = 0 lies {side} its edge, farther than "
                f"{_fw.SQUARE_BAND:.0%} of r; beyond a side z2 falls by |W2_j w_j| per unit of distance from "
                f"b2 inside, so make b2 {fix}")
    return None


def _unguarded_sides(params, r):
    """The sides (``"x2 < -r"``...) beyond which z2 does not fall: no hidden unit turns on out there."""
    W1, b1, W2, b2 = params
    sides = []
    for axis in (0, 1):
        for sign, name in ((1, f"x{axis + 1} > r"), (-1, f"x{axis + 1} < -r")):
            ray = np.zeros((2, 2))
            ray[axis] = sign * r * np.array([1 + 2 * _fw.SQUARE_BAND, 3.0])  # from the side's middle outwards
            z2 = (W2 @ np.maximum(W1 @ ray + b1, 0) + b2)[0]
            if z2[1] >= z2[0]:
                sides.append(name)
    return sides


def _square_case(params, r, seed):
    """(the points, their labels, the predictions) on the data and on the grid of the square ``r``."""
    out = []
    for X, y in (_fw.square_data(_DATA_M, r, rng=seed), _fw.square_grid(r, _GRID_N)):
        out.append((X, y, _fw.predict_two_layer(*params, X)[0]))
    return out


def square_network(learner):
    """Check ``square_network(r)`` -> ``(W1, b1, W2, b2)``: a [2, n_1, 1] network, ReLU then sigmoid, whose
    output is above 0.5 exactly inside the square ``|x1| < r, |x2| < r``.

    Run end to end on three squares, each on ``_DATA_M`` data points and an ``_GRID_N`` x ``_GRID_N`` grid over
    ``[-2r, 2r]^2``, without the points within ``SQUARE_BAND * r`` of the edge; every point must be right.
    """
    __tracebackhide__ = True
    name = "square_network"
    if not callable(learner):
        return _report(name, False, f"expected a function, got {_describe(learner)}")
    counts = [0, 0]
    for r, seed in _SQUARES:
        where = f"on the square of half-width r = {r:g}"
        try:
            with watching(name) as seen:
                answer = learner(r)
        except NotImplementedError:
            return _report(name, False, NOT_IMPLEMENTED)
        except Exception as exc:
            return report_raised(name, exc, where)
        if seen:
            return report_copied(name, seen)
        params, problem = _as_parameters(answer)
        if problem:
            return _report(name, False, f"{where}: {problem}")
        (Xd, yd, pd), (Xg, yg, pg) = _square_case(params, r, seed)
        if np.any(pd != yd) or np.any(pg != yg):
            wrong = np.flatnonzero(pg != yg)
            first = wrong[0] if wrong.size else None
            example = "" if first is None else (
                f"; e.g. at (x1, x2) = ({Xg[0, first]:.3g}, {Xg[1, first]:.3g}), "
                f"{'inside' if yg[first] else 'outside'} the square, it predicts class {pg[first]}")
            message = (f"{where}, {np.sum(pd == yd)} of {yd.size} data points ({100 * np.mean(pd == yd):.1f}%) and "
                       f"{np.sum(pg == yg)} of {yg.size} grid points ({100 * np.mean(pg == yg):.1f}%) are classified "
                       f"right{example}")
            hint = _square_hint(params, r, Xg, yg, pg)
            return _report(name, False, f"{message} (hint: {hint})" if hint else message)
        counts[0] += yd.size
        counts[1] += yg.size
    sizes = ", ".join(f"{r:g}" for r, _ in _SQUARES)
    return _report(name, True, f"all {counts[0]} data points and {counts[1]} grid points of the squares "
                               f"r = {sizes} are classified right")
