"""Costs for classification: logistic regression on one input (notebook 02).

Notation (the same as in notebook 02)
-------------------------------------
* ``m`` examples with one input each, as a row: ``X`` ``(1, m)``. Targets ``Y``
  ``(1, m)`` are 1.0 ("yes, a red ball") or 0.0 ("no"); values in between are
  accepted as soft targets.
* The model is logistic regression, ``y_hat = sigmoid(z)`` with ``z = w x + b``:
  the predicted probability of "yes". ``w`` and ``b`` are numbers.
* Two costs of ``(w, b)`` (the mean of the examples' losses), named by ``kind``::

      "squared"  J(w, b) = (1/m) sum_i (y_hat_i - y_i)^2     (no factor 1/2, as in notebook 01)
      "log"      J(w, b) = -(1/m) sum_i [y_i log y_hat_i + (1 - y_i) log(1 - y_hat_i)]

  (log is the natural logarithm.)

* Through the sigmoid (``dy_hat/dz = y_hat (1 - y_hat)``), the derivative of one
  example's loss with respect to its ``z`` is ``2 (y_hat - y) y_hat (1 - y_hat)`` for
  squared error and ``y_hat - y`` for log loss. The factor ``y_hat (1 - y_hat)`` vanishes wherever the sigmoid
  saturates, right or wrong: that is why squared error has plateaus on which
  gradient descent stalls, and log loss has none.

``cost`` also takes arrays ``w`` and ``b`` of one shape (a grid from
``np.meshgrid``) and returns the cost at every grid point, for contour plots.
The convexity checks work on such tables of costs: a convex function's second
difference, ``J(p - u) - 2 J(p) + J(p + u)``, is never negative, for any point
``p`` and step ``u``.

For the regression warm-up, the mean absolute error of a line and its best
line sit here too, beside ``nnlessons.lessons.regression``'s mean squared error.
"""

import numpy as np

from .._validation import as_float_array, as_scalar, check_int, check_positive, check_same_shape, check_shape, make_rng
from ..activations import log_sigmoid, sigmoid, sigmoid_backward
from ..losses import sigmoid_bce_dZ
# notebook 01's argument checks, shared rather than written twice
from .regression import draw_cost_map, label_panels, signed_errors, slider_explorer

#: the two costs of notebook 02
KINDS = ("squared", "log")


# --------------------------------------------------------------------------- checks

def _kind(kind):
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return kind


def _data(X, Y):
    X = as_float_array(X, "X", ndim=2)
    check_shape(X, "X", (1, None))
    Y = as_float_array(Y, "Y", ndim=2)
    check_same_shape(X, Y, "X", "Y")
    if X.shape[1] == 0:
        raise ValueError("X must hold at least one example, got shape (1, 0)")
    if np.any((Y < 0) | (Y > 1)):
        raise ValueError(f"Y must hold targets in [0, 1], got values from {Y.min()} to {Y.max()}")
    return X, Y


# --------------------------------------------------------------------------- data and model

def red_ball_data(m, *, rng, separation=1.0):
    """``m`` pictures, each summarised by one number ``x`` (its redness), labelled 1 if it shows a red ball.

    ``m // 2`` pictures show a ball. Redness is drawn from ``N(+separation, 1)``
    for those and from ``N(-separation, 1)`` for the others, so the classes
    overlap, and the ideal classifier is exactly a logistic one:
    ``P(ball | x) = sigmoid(2 separation x)`` (``w = 2 separation``, ``b = 0``).
    Returns ``X`` ``(1, m)`` and ``Y`` ``(1, m)`` (floats 0.0 / 1.0), columns shuffled.
    """
    m, rng = check_int(m, "m", 1), make_rng(rng)
    check_positive(separation, "separation")
    y = np.zeros(m)
    y[: m // 2] = 1.0
    x = np.where(y == 1.0, separation, -separation) + rng.standard_normal(m)
    order = rng.permutation(m)
    return x[order].reshape(1, -1), y[order].reshape(1, -1)


def predict(w, b, X):
    """``y_hat = sigmoid(w x + b)`` for every example: ``X`` ``(1, m)`` -> ``(1, m)``, values in (0, 1)."""
    X = as_float_array(X, "X", ndim=2)
    check_shape(X, "X", (1, None))
    return sigmoid(as_scalar(w, "w") * X + as_scalar(b, "b"))


# --------------------------------------------------------------------------- costs and gradients

def cost(w, b, X, Y, kind="log"):
    """``J(w, b)`` of ``kind`` ("squared" or "log"; see the module docstring).

    ``w`` and ``b`` are numbers (returns a float) or arrays of one shape
    (returns an array of that shape, the cost at each pair ``(w[k], b[k])``).
    Log loss is computed from ``z`` with ``log_sigmoid``, so it stays finite
    and exact for saturated predictions.
    """
    kind = _kind(kind)
    X, Y = _data(X, Y)
    w, b = as_float_array(w, "w"), as_float_array(b, "b")
    check_same_shape(w, b, "w", "b")
    x, y = X[0], Y[0]
    Z = w[..., None] * x + b[..., None]  # (..., m): one row of logits per (w, b)
    if kind == "squared":
        values = np.mean((sigmoid(Z) - y) ** 2, axis=-1)
    else:
        # log(1 - sigmoid(z)) = log(sigmoid(-z))
        values = -np.mean(y * log_sigmoid(Z) + (1.0 - y) * log_sigmoid(-Z), axis=-1)
    return float(values) if values.ndim == 0 else values


def gradients(w, b, X, Y, kind="log"):
    """``(dJ/dw, dJ/db)`` as two floats, by the chain rule through ``z = w x + b``.

    ``dJ/dw = (1/m) sum_i dz_i x_i`` and ``dJ/db = (1/m) sum_i dz_i``, with the
    per-example ``dz = y_hat - y`` (log loss) or ``2 (y_hat - y) y_hat (1 - y_hat)`` (squared error).
    """
    kind = _kind(kind)
    X, Y = _data(X, Y)
    Z = as_scalar(w, "w") * X + as_scalar(b, "b")
    H = sigmoid(Z)
    if kind == "log":
        dZ = sigmoid_bce_dZ(H, Y)  # y_hat - y: the sigmoid's slope has cancelled
    else:
        dZ = sigmoid_backward(2.0 * (H - Y), Z)  # times h (1 - h), tiny when saturated
    return float(np.mean(dZ * X)), float(np.mean(dZ))


def gradient_descent(w, b, X, Y, kind="log", learning_rate=1.0, steps=500):
    """``steps`` steps of gradient descent on ``cost`` from ``(w, b)``.

    Returns the path ``(steps + 1, 2)``: row ``t`` is ``(w, b)`` after ``t`` steps.
    """
    kind, learning_rate = _kind(kind), check_positive(learning_rate, "learning_rate")
    steps = check_int(steps, "steps", 0)
    w, b = as_scalar(w, "w"), as_scalar(b, "b")
    X, Y = _data(X, Y)
    path = np.empty((steps + 1, 2))
    path[0] = w, b
    for t in range(1, steps + 1):
        dw, db = gradients(w, b, X, Y, kind)
        w, b = w - learning_rate * dw, b - learning_rate * db
        path[t] = w, b
    return path


def train_logistic(X, Y, learning_rate, n_steps):
    """Gradient descent on log loss from ``w = b = 0``: the ``(w, b)`` after ``n_steps`` steps, two floats.

    Notebook 02's exercise 4; its checker compares the learner's loop with this one.
    """
    w, b = gradient_descent(0.0, 0.0, X, Y, "log", learning_rate, n_steps)[-1]
    return float(w), float(b)


# --------------------------------------------------------------------------- convexity

def second_differences(values, step):
    """``(v[i-1] - 2 v[i] + v[i+1]) / step^2`` for values on an evenly spaced grid: ``(n,)`` -> ``(n - 2,)``.

    This approximates the second derivative. For a convex function it is never
    negative: the midpoint of every chord lies on or above the curve.
    """
    v = as_float_array(values, "values", ndim=1)
    if v.size < 3:
        raise ValueError(f"values must hold at least 3 points, got shape {v.shape}")
    if not step > 0:
        raise ValueError(f"step must be a positive number, got {step!r}")
    return (v[:-2] - 2.0 * v[1:-1] + v[2:]) / step**2


def chord_gap(values, i, j):
    """How far the chord from point ``i`` to point ``j`` of a sampled curve lies above it, ``(j - i + 1,)``.

    ``values`` ``(n,)`` are the curve's heights on an evenly spaced grid. A
    convex curve has every gap ``>= 0`` (its chords never pass below it); a
    negative gap is a point where the chord runs under the curve.
    """
    v = as_float_array(values, "values", ndim=1)
    i, j = check_int(i, "i", 0), check_int(j, "j", 0)
    if not i < j < v.size:
        raise ValueError(f"i and j must satisfy 0 <= i < j < {v.size}, got i={i}, j={j}")
    chord = np.linspace(v[i], v[j], j - i + 1)
    return chord - v[i:j + 1]


def second_differences_2d(C, w_step, b_step):
    """Second differences of a table of costs ``C`` ``(n_b, n_w)`` along four directions.

    Row ``i`` of ``C`` is one ``b``, column ``j`` one ``w`` (the layout of
    ``np.meshgrid(ws, bs)``). The directions are along ``w``, along ``b`` and the
    two diagonals; each difference is divided by the squared length of its step.
    Returns ``(4, n_b - 2, n_w - 2)``, one layer per direction, at the interior points.
    """
    C = as_float_array(C, "C", ndim=2)
    if min(C.shape) < 3:
        raise ValueError(f"C must be at least 3 x 3, got shape {C.shape}")
    if not (w_step > 0 and b_step > 0):
        raise ValueError(f"w_step and b_step must be positive, got {w_step!r} and {b_step!r}")
    mid = C[1:-1, 1:-1]
    diagonal = w_step**2 + b_step**2
    return np.stack([
        (C[1:-1, :-2] - 2.0 * mid + C[1:-1, 2:]) / w_step**2,   # along w
        (C[:-2, 1:-1] - 2.0 * mid + C[2:, 1:-1]) / b_step**2,   # along b
        (C[:-2, :-2] - 2.0 * mid + C[2:, 2:]) / diagonal,       # w and b up together
        (C[2:, :-2] - 2.0 * mid + C[:-2, 2:]) / diagonal,       # w up, b down
    ])


def convexity_report(second_diffs, tol=1e-9):
    """Summary of second differences (any shape) as a dict.

    ``min``, ``max``; ``negative_fraction``, the share below ``-tol``; and
    ``changes_sign``, True when some are below ``-tol`` and some above ``tol``.
    ``tol`` absorbs round-off (about ``1e-16 * C / step^2``), nothing more.
    """
    d = as_float_array(second_diffs, "second_diffs")
    if d.size == 0 or not np.all(np.isfinite(d)):
        raise ValueError("second_diffs must be a non-empty array of finite numbers")
    negative = d < -tol
    return {"min": float(d.min()), "max": float(d.max()),
            "negative_fraction": float(np.mean(negative)),
            "changes_sign": bool(negative.any() and (d > tol).any())}


# --------------------------------------------------------------------------- mean absolute error

def mae_cost(w, b, x, y):
    """``(1/m) sum_i |w x_i + b - y_i|``: each example pulls in proportion to 1, not to its error."""
    return float(np.mean(np.abs(signed_errors(w, b, x, y))))


def fit_line_least_absolute(x, y):
    """The ``(w, b)`` of lowest ``mae_cost``.

    Some best line always passes through two of the data points (the cost is
    piecewise linear in ``(w, b)``, so a minimum sits at a corner), so trying
    every line through two points with different ``x`` finds one. ``O(m^3)``:
    for small data sets.
    """
    x = as_float_array(x, "x", ndim=(1, 2))
    y = as_float_array(y, "y", ndim=(1, 2))
    check_same_shape(x, y, "x", "y")
    x, y = x.reshape(-1), y.reshape(-1)
    i, j = np.triu_indices(x.size, k=1)
    keep = x[i] != x[j]
    if not keep.any():
        raise ValueError("x must contain at least two different values to fix a line")
    i, j = i[keep], j[keep]
    ws = (y[j] - y[i]) / (x[j] - x[i])
    bs = y[i] - ws * x[i]
    costs = np.mean(np.abs(ws[:, None] * x + bs[:, None] - y), axis=1)  # (pairs,)
    k = int(np.argmin(costs))
    return float(ws[k]), float(bs[k])


# --------------------------------------------------------------------------- drawing

def plot_cost_surface(ax, ws, bs, C, paths=(), title=None, label="cost"):
    """Filled contours of costs ``C`` ``(n_b, n_w)`` over ``ws`` (x axis) and ``bs`` (y axis), with a colour bar.

    Each path ``(k, 2)`` of ``(w, b)`` rows is drawn on top, from a circle (start)
    to a cross (end). Contour levels are quantiles of ``C``, so flat regions and
    steep ones both get their share of lines. Returns the contour set.
    """
    ws, bs = as_float_array(ws, "ws", ndim=1), as_float_array(bs, "bs", ndim=1)
    C = as_float_array(C, "C", ndim=2)
    check_shape(C, "C", (bs.size, ws.size))
    levels = np.unique(np.quantile(C, np.linspace(0.0, 1.0, 21)))
    filled = ax.contourf(ws, bs, C, levels=levels, cmap="viridis")
    for path in paths:
        path = as_float_array(path, "path", ndim=2)
        check_shape(path, "path", (None, 2))
        ax.plot(path[:, 0], path[:, 1], "-", color="w", lw=1.2)
        ax.plot(*path[0], "o", color="w", ms=5)
        ax.plot(*path[-1], "x", color="r", ms=8, mew=2)
    ax.set_xlim(ws[0], ws[-1])
    ax.set_ylim(bs[0], bs[-1])
    ax.set_xlabel("$w$")
    ax.set_ylabel("$b$")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(filled, ax=ax, label=label, ticks=colour_bar_ticks(C), format="%.3g")
    return filled


def colour_bar_ticks(C, n=5):
    """Ticks for the colour bar of a cost table ``C``: its lowest value, then round numbers up to its highest.

    The lowest value is the bowl's bottom on the grid, the number a reader looks
    for; round ticks too close to it (within 8% of the range) are left out, so
    that no two labels print over each other.
    """
    from matplotlib.ticker import MaxNLocator

    C = as_float_array(C, "C")
    low, high = float(C.min()), float(C.max())
    if not high > low:
        raise ValueError(f"C must hold different values, got all equal to {low}")
    ticks = MaxNLocator(n).tick_values(low, high)
    ticks = ticks[(ticks >= low + 0.08 * (high - low)) & (ticks <= high)]
    return np.concatenate([[low], ticks])


def draw_curve_and_cost(ax_data, ax_cost, X, Y, ws, bs, C, pairs):
    """The logistic curve of each ``(w, b)`` of ``pairs`` on the data (left), its point on a log-loss map (right).

    ``C`` is ``cost(W, B, X, Y, "log")`` on ``np.meshgrid(ws, bs)``; grey
    contours, so the coloured points (the curves' colours) stand out. Returns
    ``[(log loss, share of examples classified right), ...]``, one per pair.
    """
    from ..plotting import COLOURS

    X, Y = _data(X, Y)
    ws, bs = as_float_array(ws, "ws", ndim=1), as_float_array(bs, "bs", ndim=1)
    C = as_float_array(C, "C", ndim=2)
    check_shape(C, "C", (bs.size, ws.size))
    xs = np.linspace(X.min() - 0.5, X.max() + 0.5, 200).reshape(1, -1)
    ax_data.scatter(X[0], Y[0], c=Y[0], cmap="coolwarm", edgecolors="k", linewidths=0.4, zorder=3)
    ax_data.axhline(0.5, color="gray", lw=0.6, ls=":")
    i, j = np.unravel_index(np.argmin(C), C.shape)
    draw_cost_map(ax_cost, ws, bs, C, (ws[j], bs[i]), f"lowest on the grid ({ws[j]:.3g}, {bs[i]:.3g})")
    results = []
    for k, (w, b) in enumerate(pairs):
        colour = COLOURS[k % len(COLOURS)]
        loss = cost(w, b, X, Y, "log")
        right = float(np.mean((predict(w, b, X) >= 0.5) == (Y == 1)))
        results.append((loss, right))
        ax_data.plot(xs[0], predict(w, b, xs)[0], color=colour, label=f"$w = {w:.2f}$, $b = {b:.2f}$")
        ax_cost.plot(w, b, "o", color=colour, markersize=8, label=f"log loss {loss:.3g}, {right:.0%} right")
    ax_data.set_ylim(-0.08, 1.08)
    label_panels(ax_data, ax_cost, ("redness $x$", r"$y$ (dots) and $\hat y$ (curve)", "the curve on the data"),
                 ("$w$", "$b$", "its point on the log-loss map"), data_legend="center left")
    return results


def logistic_explorer(X, Y, ws, bs, C, w=0.0, b=0.0):
    """Sliders for ``y_hat = sigmoid(w x + b)``: the curve on the data and its point on the log-loss map ``C``.

    ``C`` is ``cost(W, B, X, Y, "log")`` on ``np.meshgrid(ws, bs)``; the sliders
    span ``ws`` and ``bs``. Needs ipywidgets (see ``regression.slider_explorer``,
    which says what it returns).
    """
    X, Y = _data(X, Y)
    ws, bs = as_float_array(ws, "ws", ndim=1), as_float_array(bs, "bs", ndim=1)

    def draw(axes, w_now, b_now):
        (loss, right), = draw_curve_and_cost(axes[0], axes[1], X, Y, ws, bs, C, [(w_now, b_now)])
        return f"w = {w_now:.2f}, b = {b_now:.2f}: log loss {loss:.4f}, {right:.0%} of the examples right"

    return slider_explorer(draw, (ws[0], ws[-1], float(w)), (bs[0], bs[-1], float(b)),
                           title="logistic curve explorer")
