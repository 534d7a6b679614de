"""Linear regression, the first lesson: learning ``f(x) = w x + b`` from examples.

Notation (the same as in notebook 01)
-------------------------------------
* ``m`` examples with one input each: ``x`` and ``y`` are 1-D arrays of shape
  ``(m,)``. A ``(1, m)`` row, the package's one-example-per-column layout with a
  single feature, is accepted too; results are always ``(m,)`` or plain floats.
* The model is a line, ``f(x) = w x + b``, its prediction ``y_hat = f(x)``; ``w``
  and ``b`` are plain numbers.
* The cost is the **mean squared error**, without a factor 1/2::

      J(w, b) = (1/m) sum_i (w x_i + b - y_i)^2

  so its partial derivatives carry a factor 2::

      dJ/dw = (2/m) sum_i (w x_i + b - y_i) x_i
      dJ/db = (2/m) sum_i (w x_i + b - y_i)

  (``nnlessons.losses.mean_squared_error`` has the 1/2, which cancels the 2 in
  later lessons; the two costs differ by that factor only and have the same
  minimum.)

Beyond lines, a polynomial of degree ``d`` is still linear in its coefficients:
with the features ``1, x, x^2, ..., x^d`` stacked as rows of a ``(d + 1, m)``
matrix (one column per example), least squares fits it exactly as it fits a line.
"""


import io

import numpy as np

from .._validation import as_float_array, as_scalar, check_int, check_positive, check_same_shape, check_shape

#: gradient descent stops once the cost exceeds this: the run has diverged, and
#: carrying on would only overflow to inf
DIVERGED = 1e100


# --------------------------------------------------------------------------- checks


def _inputs(x, name="x"):
    """``x`` as a 1-D float array ``(m,)``; a ``(1, m)`` row is accepted."""
    arr = as_float_array(x, name, ndim=(1, 2))
    if arr.ndim == 2:
        check_shape(arr, name, (1, None))
        arr = arr.reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one example, got shape {arr.shape}")
    return arr


def _pair(x, y, x_name="x", y_name="y"):
    x_arr = as_float_array(x, x_name, ndim=(1, 2))
    y_arr = as_float_array(y, y_name, ndim=(1, 2))
    # Checked before flattening, so that a (5,) x with a (1, 5) y is refused
    # rather than quietly matched.
    check_same_shape(x_arr, y_arr, x_name, y_name)
    return _inputs(x_arr, x_name), _inputs(y_arr, y_name)




# --------------------------------------------------------------------------- errors and costs

def predict_line(w, b, x):
    """``f(x) = w x + b`` for every input: ``x`` ``(m,)`` -> ``(m,)``."""
    return as_scalar(w, "w") * _inputs(x) + as_scalar(b, "b")


def signed_errors(w, b, x, y):
    """``f(x_i) - y_i`` for every example, ``(m,)``: positive where the line is too high."""
    x, y = _pair(x, y)
    return as_scalar(w, "w") * x + as_scalar(b, "b") - y


def sum_of_errors(w, b, x, y):
    """``sum_i (f(x_i) - y_i)``: positive and negative errors cancel, so it is a poor cost."""
    return float(np.sum(signed_errors(w, b, x, y)))


def sum_squared_error(w, b, x, y):
    """``sum_i (f(x_i) - y_i)^2``: never negative, zero only for a perfect fit; grows with ``m``."""
    return float(np.sum(signed_errors(w, b, x, y) ** 2))


def mse(predictions, targets):
    """``(1/m) sum_i (p_i - t_i)^2`` for predictions and targets of the same shape ``(m,)``."""
    p, t = _pair(predictions, targets, "predictions", "targets")
    return float(np.mean((p - t) ** 2))


def mse_cost(w, b, x, y):
    """The lesson's cost ``J(w, b) = (1/m) sum_i (w x_i + b - y_i)^2`` (no factor 1/2)."""
    return float(np.mean(signed_errors(w, b, x, y) ** 2))


def mse_grid(ws, bs, x, y):
    """``J(w, b)`` for every pair of the grid: ``ws`` ``(n_w,)``, ``bs`` ``(n_b,)`` -> ``(n_b, n_w)``.

    Row ``i`` holds the costs for ``bs[i]`` and every ``w``: the layout of
    ``np.meshgrid(ws, bs)``, so the result goes straight into ``plt.contour``.
    """
    ws, bs = _inputs(ws, "ws"), _inputs(bs, "bs")
    x, y = _pair(x, y)
    costs = np.empty((bs.size, ws.size))
    # One row of the grid at a time: memory stays (n_w, m) whatever the grid size.
    for i, b in enumerate(bs):
        E = ws[:, None] * x[None, :] + b - y[None, :]  # (n_w, m): row j is the line ws[j]
        costs[i] = np.mean(E**2, axis=1)
    return costs


def grid_minimum(ws, bs, costs):
    """The grid point of lowest cost: ``(w, b, cost)`` from an ``(n_b, n_w)`` table of ``mse_grid``."""
    ws, bs = _inputs(ws, "ws"), _inputs(bs, "bs")
    costs = as_float_array(costs, "costs", ndim=2)
    check_shape(costs, "costs", (bs.size, ws.size))
    i, j = np.unravel_index(np.argmin(costs), costs.shape)
    return float(ws[j]), float(bs[i]), float(costs[i, j])


# --------------------------------------------------------------------------- gradient descent

def mse_gradient(w, b, x, y):
    """``(dJ/dw, dJ/db)`` of ``mse_cost``, two floats.

    ``dJ/dw = (2/m) sum_i e_i x_i`` and ``dJ/db = (2/m) sum_i e_i`` with
    ``e_i = w x_i + b - y_i``: the 2 comes from the square, the ``x_i`` from
    the inner derivative of ``w x_i``.
    """
    x, y = _pair(x, y)
    e = as_scalar(w, "w") * x + as_scalar(b, "b") - y
    m = x.size
    return float(2.0 * np.sum(e * x) / m), float(2.0 * np.sum(e) / m)


def gradient_descent_step(w, b, x, y, learning_rate):
    """One step downhill: ``w - lr dJ/dw, b - lr dJ/db``, returned as ``(w, b)``."""
    lr = check_positive(learning_rate, "learning_rate")
    dw, db = mse_gradient(w, b, x, y)
    return as_scalar(w, "w") - lr * dw, as_scalar(b, "b") - lr * db


def gradient_descent(w, b, x, y, learning_rate, n_steps):
    """``n_steps`` steps of gradient descent from ``(w, b)``.

    Returns ``path`` ``(k, 2)`` (row ``t`` is ``(w, b)`` after ``t`` steps, row 0 the
    start) and ``costs`` ``(k,)``, with ``k = n_steps + 1``; a run whose cost passes
    ``DIVERGED`` stops there, so then ``k`` is smaller.
    """
    lr = check_positive(learning_rate, "learning_rate")
    n_steps = check_int(n_steps, "n_steps", 0)
    w, b = as_scalar(w, "w"), as_scalar(b, "b")
    x, y = _pair(x, y)
    path, costs = [(w, b)], [mse_cost(w, b, x, y)]
    for _ in range(n_steps):
        if costs[-1] > DIVERGED:
            break
        w, b = gradient_descent_step(w, b, x, y, lr)
        path.append((w, b))
        costs.append(mse_cost(w, b, x, y))
    return np.array(path), np.array(costs)


def w_curvature(x):
    """The second derivative of ``mse_cost`` along ``w`` alone (``b`` held fixed): ``(2/m) sum_i x_i^2``.

    The w-sweep of ``mse_cost`` is a parabola with this curvature; one step of
    descent along ``w`` multiplies the distance to its bottom by ``1 - lr * curvature``.
    """
    x = _inputs(x)
    return float(2.0 * np.mean(x * x))


def steps_to_reach(costs, target):
    """The first step ``t`` with ``costs[t] <= target``, or ``None`` if the run never gets there."""
    costs = as_float_array(costs, "costs", ndim=1)
    below = np.flatnonzero(costs <= target)
    return int(below[0]) if below.size else None


def mse_curvatures(x):
    """The curvatures of the bowl ``mse_cost`` along its two principal directions, ascending ``(2,)``.

    ``J`` is quadratic in ``(w, b)``, so its matrix of second derivatives is the
    same everywhere, ``H = (2/m) [[sum x^2, sum x], [sum x, m]]`` (it does not
    depend on ``y``); the curvatures are its eigenvalues.
    """
    x = _inputs(x)
    m = x.size
    H = (2.0 / m) * np.array([[np.sum(x * x), np.sum(x)], [np.sum(x), m]])
    return np.linalg.eigvalsh(H)


def largest_stable_learning_rate(x):
    """The learning rate above which gradient descent on ``mse_cost`` diverges, for inputs ``x``.

    One step multiplies the distance to the minimum along a principal direction
    of curvature ``lambda`` by ``1 - lr * lambda``, which shrinks it only if
    ``lr < 2 / lambda``: the steepest direction sets the limit, ``2 / lambda_max``.
    """
    return float(2.0 / mse_curvatures(x)[-1])


# --------------------------------------------------------------------------- exact answers

def fit_line_least_squares(x, y):
    """The ``(w, b)`` of lowest ``mse_cost``, from the normal equations.

    Setting both partial derivatives to zero gives the 2 x 2 system::

        [sum x^2  sum x] [w]   [sum x y]
        [sum x    m    ] [b] = [sum y  ]

    which is ``A^T A theta = A^T y`` for the ``(m, 2)`` matrix ``A = [x, 1]``.
    """
    x, y = _pair(x, y)
    if np.ptp(x) == 0:
        raise ValueError("x must contain at least two different values to fix a line, "
                         f"got {x.size} copies of {x[0]}")
    A = np.stack([x, np.ones_like(x)], axis=1)  # (m, 2)
    w, b = np.linalg.solve(A.T @ A, A.T @ y)
    return float(w), float(b)


def polynomial_features(x, degree):
    """The rows ``1, x, x^2, ..., x^degree``: ``x`` ``(m,)`` -> ``(degree + 1, m)``, one column per example."""
    x = _inputs(x)
    degree = check_int(degree, "degree", 0)
    return x[None, :] ** np.arange(degree + 1)[:, None]


def fit_polynomial(x, y, degree):
    """Least-squares coefficients ``c`` ``(degree + 1,)`` of ``f(x) = sum_k c[k] x^k`` (lowest power first).

    Solved with ``np.linalg.lstsq``, which also copes when there are fewer
    examples than coefficients (it then returns the smallest such ``c``).
    """
    x, y = _pair(x, y)
    Phi = polynomial_features(x, degree)  # (degree + 1, m)
    coeffs, *_ = np.linalg.lstsq(Phi.T, y, rcond=None)
    return coeffs


def predict_polynomial(coeffs, x):
    """``f(x) = sum_k coeffs[k] x^k`` for every input: ``coeffs`` ``(d + 1,)``, ``x`` ``(m,)`` -> ``(m,)``."""
    coeffs = as_float_array(coeffs, "coeffs", ndim=1)
    if coeffs.size == 0:
        raise ValueError("coeffs must hold at least one coefficient, got shape (0,)")
    return coeffs @ polynomial_features(x, coeffs.size - 1)  # (d+1,) @ (d+1, m) -> (m,)


def polynomial_errors(x_train, y_train, x_test, y_test, degrees):
    """Fit each degree on the training points; mean squared error on both sets.

    Returns a list of ``(degree, train_mse, test_mse)``, in the order of ``degrees``.
    """
    x_train, y_train = _pair(x_train, y_train, "x_train", "y_train")
    x_test, y_test = _pair(x_test, y_test, "x_test", "y_test")
    rows = []
    for d in degrees:
        c = fit_polynomial(x_train, y_train, d)
        rows.append((int(d), mse(predict_polynomial(c, x_train), y_train),
                     mse(predict_polynomial(c, x_test), y_test)))
    return rows


# --------------------------------------------------------------------------- pictures

def plot_surface_3d(ax, ws, bs, C, title=None, label="cost", stride=1):
    """Draw a table of costs ``C`` ``(n_b, n_w)`` over ``ws`` and ``bs`` as a 3-D surface on ``ax``.

    ``ax`` must be a 3-D axes (``fig.add_subplot(..., projection="3d")``);
    ``stride`` keeps every ``stride``-th grid line, which keeps the image small.
    """
    ws, bs = as_float_array(ws, "ws", ndim=1), as_float_array(bs, "bs", ndim=1)
    C = as_float_array(C, "C", ndim=2)
    check_shape(C, "C", (bs.size, ws.size))
    W, B = np.meshgrid(ws[::stride], bs[::stride])
    surface = ax.plot_surface(W, B, C[::stride, ::stride], cmap="viridis", linewidth=0)
    ax.set_xlabel("w")
    ax.set_ylabel("b")
    ax.set_zlabel(label)
    ax.view_init(elev=30, azim=-60)
    if title:
        ax.set_title(title)
    return surface


def plot_descent_path(ax, path, label_steps=5, cmap="viridis", colorbar=True, min_gap=14):
    """Draw a descent ``path`` ``(k, 2)`` of ``(w, b)`` rows, coloured by step; number its first steps.

    The axis limits are left as they are, so that panels drawn side by side keep
    one frame; points outside it are simply not visible. A number that would land
    within ``min_gap`` pixels of one already written is left out, so that numbers
    never print over each other (set the axes' aspect before calling). Returns the scatter.
    """
    path = as_float_array(path, "path", ndim=2)
    check_shape(path, "path", (None, 2))
    steps = np.arange(len(path))
    ax.plot(path[:, 0], path[:, 1], color="0.4", lw=0.6, zorder=2)
    dots = ax.scatter(path[:, 0], path[:, 1], c=steps, cmap=cmap, s=10, zorder=3)
    w_lo, w_hi = ax.get_xlim()
    b_lo, b_hi = ax.get_ylim()
    ax.apply_aspect()  # an equal aspect changes the pixel positions the gap is measured in
    written = []
    for t in range(min(label_steps, len(path))):
        w, b = path[t]
        if not (w_lo <= w <= w_hi and b_lo <= b <= b_hi):
            continue
        pixel = ax.transData.transform((w, b))
        if all(np.hypot(*(pixel - other)) >= min_gap for other in written):
            ax.annotate(str(t), (w, b), textcoords="offset points", xytext=(4, 4), fontsize=10)
            written.append(pixel)
    if colorbar:
        ax.figure.colorbar(dots, ax=ax, label="step")
    return dots


def plot_path_on_surface(ax, path, costs, color="r"):
    """Draw a descent ``path`` ``(k, 2)`` on a 3-D cost surface at heights ``costs`` ``(k,)``, start marked.

    For the 3-D axes of ``plot_surface_3d``; the path is drawn above the surface
    (``computed_zorder`` off), since mplot3d would otherwise sort it underneath.
    """
    path = as_float_array(path, "path", ndim=2)
    check_shape(path, "path", (None, 2))
    costs = as_float_array(costs, "costs", ndim=1)
    check_shape(costs, "costs", (path.shape[0],))
    ax.computed_zorder = False
    line, = ax.plot(path[:, 0], path[:, 1], costs, "-", color=color, lw=1.5, zorder=5)
    ax.scatter(path[:, 0], path[:, 1], costs, color=color, s=8, depthshade=False, zorder=6)
    ax.scatter([path[0, 0]], [path[0, 1]], [costs[0]], color=color, marker="o", s=40,
               depthshade=False, zorder=6)
    return line


# --------------------------------------------------------------------------- sliders

#: what a learner without ipywidgets is told
NEEDS_IPYWIDGETS = ("this interactive control needs ipywidgets, which this kernel cannot import: install it with "
                    "`pip install ipywidgets` (or `pip install -e \".[lab]\"` in the course folder; `make lab` does "
                    "that), then restart the kernel. The figure below shows the same for fixed values.")


def slider_explorer(draw, w, b, step=0.05, figsize=(10.0, 3.8), title="explore"):
    """Sliders for ``w`` and ``b`` over a two-panel figure that ``draw`` redraws at every move.

    ``draw(axes, w, b)`` draws on the two cleared axes and returns a line of text
    (shown above the figure). ``w`` and ``b`` are ``(low, high, start)``. Needs
    ipywidgets (imported only here; without it an ``ImportError`` says how to get
    it). Returns a ``VBox`` with the attributes ``sliders`` (``{"w", "b"}``),
    ``label`` (the text widget), ``figure`` (the matplotlib figure) and ``image``.
    """
    try:
        import ipywidgets as widgets
    except ImportError:
        raise ImportError(NEEDS_IPYWIDGETS) from None
    from matplotlib.figure import Figure

    class Explorer(widgets.VBox):
        # A short text in place of the widget's repr, which would hold the whole PNG:
        # a front end without widgets, and a saved notebook, show this line.
        def __repr__(self):
            return f"{title}: sliders for w and b (drag them in JupyterLab with ipywidgets)"

    sliders = {}
    for name, (low, high, start) in (("w", w), ("b", b)):
        if not low <= start <= high:
            raise ValueError(f"{name} must be (low, high, start) with low <= start <= high, got {(low, high, start)}")
        sliders[name] = widgets.FloatSlider(value=start, min=low, max=high, step=step, description=name,
                                            readout_format=".2f", continuous_update=True)
    fig = Figure(figsize=figsize, dpi=100, layout="constrained")
    axes = fig.subplots(1, 2)
    label = widgets.Label()
    image = widgets.Image(format="png")

    def update(_change=None):
        for ax in axes:
            ax.clear()
        label.value = draw(axes, sliders["w"].value, sliders["b"].value)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        image.value = buffer.getvalue()

    for slider in sliders.values():
        slider.observe(update, names="value")
    update()
    box = Explorer([widgets.HBox(list(sliders.values())), label, image])
    box.sliders, box.label, box.figure, box.image = sliders, label, fig, image
    return box


def cost_map_levels(J):
    """Ten contour levels for a cost table ``J``, spaced by ratios from just above its lowest value to its highest.

    A bowl is steep at its rim and flat at its bottom: equal ratios give both their share of lines.
    """
    J = as_float_array(J, "J")
    low, high = float(J.min()), float(J.max())
    if not (low >= 0 and high > low):
        raise ValueError(f"J must hold costs >= 0, not all equal, got values from {low} to {high}")
    return np.geomspace(max(1.5 * low, 1.5e-4 * high), high, 10)


def line_formula(w, b):
    """``"w x + b"`` with two decimals and the sign of ``b`` in front of it: ``"2.00 x - 1.00"``."""
    w, b = as_scalar(w, "w"), as_scalar(b, "b")
    return f"{w:.2f} x {'-' if b < 0 else '+'} {abs(b):.2f}"


def draw_line_and_cost(ax_data, ax_cost, x, y, ws, bs, J, pairs):
    """Lines of the ``pairs`` ``[(w, b), ...]`` on the examples (left), their points on the cost map (right).

    ``J`` is ``mse_grid(ws, bs, x, y)``; the map's contours are grey, so the
    coloured points (the colours of the lines) stand out, and its axes have one
    scale. Returns the cost of each pair, a list of floats.
    """
    from ..plotting import COLOURS

    x, y = _pair(x, y)
    ws, bs = _inputs(ws, "ws"), _inputs(bs, "bs")
    J = as_float_array(J, "J", ndim=2)
    check_shape(J, "J", (bs.size, ws.size))
    grid = np.linspace(x.min() - 1.0, x.max() + 1.0, 2)
    ax_data.scatter(x, y, color="k", zorder=3, label="examples")
    w_best, b_best = fit_line_least_squares(x, y)
    draw_cost_map(ax_cost, ws, bs, J, (w_best, b_best), f"lowest cost ({w_best:.3g}, {b_best:.3g})")
    costs = []
    for k, (w, b) in enumerate(pairs):
        colour = COLOURS[k % len(COLOURS)]
        cost = mse_cost(w, b, x, y)
        costs.append(cost)
        ax_data.plot(grid, predict_line(w, b, grid), color=colour, label=f"f(x) = {line_formula(w, b)}")
        ax_cost.plot(w, b, "o", color=colour, markersize=8, label=f"J({w:.2f}, {b:.2f}) = {cost:.3g}")
    ax_data.set_ylim(min(y.min(), 0.0) - 2.0, y.max() + 3.0)
    ax_cost.set_aspect("equal")
    label_panels(ax_data, ax_cost, ("x", "y", "the line on the examples"), ("w", "b", "its point on the cost map"))
    return costs


def draw_cost_map(ax, ws, bs, C, best, best_label):
    """Grey contours of a cost table ``C`` ``(n_b, n_w)`` over ``ws`` and ``bs``, and a black star at ``best``.

    Grey, so that points drawn on top in colour stand out; the star above them
    (a point placed on the minimum does not hide it). Limits are the grid's.
    """
    ax.contour(ws, bs, C, levels=cost_map_levels(C), colors="0.7", linewidths=0.7)
    ax.plot(*best, "*", color="k", markersize=11, zorder=4, label=best_label)
    ax.set_xlim(ws[0], ws[-1])
    ax.set_ylim(bs[0], bs[-1])


def label_panels(ax_data, ax_cost, data_names, cost_names, data_legend="upper left"):
    """Axis labels, title and legend of the two panels: ``names`` are ``(x label, y label, title)``."""
    for ax, (x_name, y_name, title), where in [(ax_data, data_names, data_legend), (ax_cost, cost_names, "lower left")]:
        ax.set_xlabel(x_name)
        ax.set_ylabel(y_name)
        ax.set_title(title)
        ax.legend(loc=where, fontsize=9)


def line_explorer(x, y, ws, bs, J, w=0.0, b=0.0):
    """Sliders for the line ``f(x) = w x + b``: the line on the examples and its point on the cost map ``J``.

    ``J`` is ``mse_grid(ws, bs, x, y)``; the sliders span ``ws`` and ``bs``. Needs
    ipywidgets (see ``slider_explorer``, which says what it returns).
    """
    x, y = _pair(x, y)
    ws, bs = _inputs(ws, "ws"), _inputs(bs, "bs")

    def draw(axes, w_now, b_now):
        cost, = draw_line_and_cost(axes[0], axes[1], x, y, ws, bs, J, [(w_now, b_now)])
        return f"w = {w_now:.2f}, b = {b_now:.2f}: cost J(w, b) = {cost:.4f}"

    return slider_explorer(draw, (ws[0], ws[-1], float(w)), (bs[0], bs[-1], float(b)),
                           title="line explorer")
