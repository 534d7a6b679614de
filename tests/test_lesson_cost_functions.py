"""Tests of nnlessons.lessons.cost_functions against closed forms, the package's losses and numerical gradients."""

import numpy as np
import pytest

from nnlessons.lessons import cost_functions as lg
from nnlessons.lessons import regression
from nnlessons.activations import sigmoid
from nnlessons.gradcheck import gradient_check
from nnlessons.losses import binary_cross_entropy_from_logits, mean_squared_error


@pytest.fixture
def data():
    """The notebook's data set."""
    return lg.red_ball_data(40, rng=np.random.default_rng(0))


# ----------------------------------------------------------------- data and model

def test_red_ball_data_shapes_labels_and_seeding():
    X, Y = lg.red_ball_data(9, rng=3)
    assert X.shape == Y.shape == (1, 9) and X.dtype == Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0} and Y.sum() == 4
    X2, Y2 = lg.red_ball_data(9, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    X3, _ = lg.red_ball_data(9, rng=4)
    assert not np.array_equal(X, X3)


def test_red_ball_data_has_the_stated_class_distributions():
    X, Y = lg.red_ball_data(40_000, rng=5, separation=1.5)
    ball, no_ball = X[Y == 1], X[Y == 0]
    assert ball.mean() == pytest.approx(1.5, abs=0.03) and no_ball.mean() == pytest.approx(-1.5, abs=0.03)
    assert ball.std() == pytest.approx(1.0, abs=0.03) and no_ball.std() == pytest.approx(1.0, abs=0.03)


def test_log_loss_fit_recovers_the_ideal_classifier():
    # P(ball | x) = sigmoid(2 separation x): the best (w, b) is (2 separation, 0).
    X, Y = lg.red_ball_data(20_000, rng=6, separation=0.75)
    w, b = lg.gradient_descent(0.0, 0.0, X, Y, "log", learning_rate=2.0, steps=300)[-1]
    assert max(abs(g) for g in lg.gradients(w, b, X, Y, "log")) < 1e-8
    assert w == pytest.approx(1.5, abs=0.06) and b == pytest.approx(0.0, abs=0.04)


@pytest.mark.parametrize("kwargs, match", [
    ({"m": 0, "rng": 0}, "m must be a positive int"),
    ({"m": 2.5, "rng": 0}, "m must be a positive int"),
    ({"m": 5, "rng": None}, "rng must be"),
    ({"m": 5, "rng": 0, "separation": 0}, "separation must be"),
])
def test_red_ball_data_rejects_bad_arguments(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        lg.red_ball_data(**kwargs)


def test_predict_is_the_sigmoid_of_the_line():
    X = np.array([[-2.0, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(lg.predict(1.5, -0.5, X), 1 / (1 + np.exp(-(1.5 * X - 0.5))), rtol=1e-15)
    assert lg.predict(0.0, 0.0, X).shape == (1, 4)
    with pytest.raises(ValueError, match=r"X must have shape \(1, any\), got shape \(2, 2\)"):
        lg.predict(1.0, 0.0, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="w must be a single number"):
        lg.predict(np.ones(2), 0.0, X)


# ----------------------------------------------------------------- costs

def test_costs_match_the_package_losses(data):
    X, Y = data
    for w, b in [(0.0, 0.0), (2.5, -0.3), (-7.0, 6.0)]:
        Z = w * X + b
        assert lg.cost(w, b, X, Y, "log") == pytest.approx(binary_cross_entropy_from_logits(Z, Y), rel=1e-13)
        explicit = -np.mean(Y * np.log(sigmoid(Z)) + (1 - Y) * np.log(1 - sigmoid(Z)))
        # the textbook formula loses digits in log(1 - h) once h is close to 1
        assert lg.cost(w, b, X, Y, "log") == pytest.approx(explicit, rel=1e-8)
        # the package's mean squared error carries 1/2; this lesson's does not
        assert lg.cost(w, b, X, Y, "squared") == pytest.approx(2 * mean_squared_error(sigmoid(Z), Y), rel=1e-13)
    assert isinstance(lg.cost(1.0, 0.0, X, Y), float)
    assert lg.cost(0.0, 0.0, X, Y, "log") == pytest.approx(np.log(2), rel=1e-14)
    assert lg.cost(0.0, 0.0, X, Y, "squared") == pytest.approx(0.25, rel=1e-14)


def test_cost_on_a_grid_equals_the_cost_at_each_point(data):
    X, Y = data
    W, B = np.meshgrid(np.linspace(-3, 3, 4), np.linspace(-2, 2, 3))
    for kind in lg.KINDS:
        C = lg.cost(W, B, X, Y, kind)
        assert C.shape == (3, 4)
        for i in range(3):
            for j in range(4):
                assert C[i, j] == pytest.approx(lg.cost(W[i, j], B[i, j], X, Y, kind), rel=1e-14)


def test_log_loss_is_exact_for_saturated_predictions():
    X, Y = np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]])
    # both examples confidently wrong, z = +-1000: each loses log(1 + e^1000) = 1000 + tiny
    assert lg.cost(1000.0, 0.0, X, Y, "log") == pytest.approx(1000.0, rel=1e-15)
    assert lg.cost(1000.0, 0.0, X, Y, "squared") == pytest.approx(1.0, rel=1e-15)
    assert lg.cost(-1000.0, 0.0, X, Y, "log") == pytest.approx(0.0, abs=1e-300)


@pytest.mark.parametrize("call, error, match", [
    (lambda X, Y: lg.cost(0.0, 0.0, X, Y, "cross"), ValueError, "kind must be one of"),
    (lambda X, Y: lg.cost(np.zeros(3), np.zeros(2), X, Y), ValueError, "w and b must have the same shape"),
    (lambda X, Y: lg.cost(0.0, 0.0, X, Y[:, :3]), ValueError, "X and Y must have the same shape"),
    (lambda X, Y: lg.cost(0.0, 0.0, X, 2 * Y), ValueError, r"Y must hold targets in \[0, 1\]"),
    (lambda X, Y: lg.cost(0.0, 0.0, X.ravel(), Y.ravel()), ValueError, "X must be 2-D"),
    (lambda X, Y: lg.gradients(0.0, 0.0, X, Y, "mse"), ValueError, "kind must be one of"),
    (lambda X, Y: lg.gradients(None, 0.0, X, Y), TypeError, "w must be an array of numbers"),
])
def test_costs_and_gradients_reject_bad_input(data, call, error, match):
    with pytest.raises(error, match=match):
        call(*data)


# ----------------------------------------------------------------- gradients and descent

@pytest.mark.parametrize("kind", lg.KINDS)
@pytest.mark.parametrize("w, b", [(0.0, 0.0), (2.5, -0.3), (-4.0, 3.0), (9.0, 1.0)])
def test_gradients_match_central_differences(data, kind, w, b):
    X, Y = data
    p = np.array([w, b])
    dw, db = lg.gradients(w, b, X, Y, kind)
    errors = gradient_check(lambda: lg.cost(p[0], p[1], X, Y, kind), {"p": p}, {"p": np.array([dw, db])})
    assert errors["p"] < 1e-7


def test_gradients_follow_the_written_formulas(data):
    X, Y = data
    H = sigmoid(1.2 * X - 0.4)
    assert lg.gradients(1.2, -0.4, X, Y, "log") == pytest.approx(
        (np.mean((H - Y) * X), np.mean(H - Y)), rel=1e-13)
    dz = 2 * (H - Y) * H * (1 - H)
    assert lg.gradients(1.2, -0.4, X, Y, "squared") == pytest.approx((np.mean(dz * X), np.mean(dz)), rel=1e-13)


def test_gradient_descent_takes_the_stated_steps(data):
    X, Y = data
    path = lg.gradient_descent(1.0, -2.0, X, Y, "squared", learning_rate=0.5, steps=3)
    assert path.shape == (4, 2) and tuple(path[0]) == (1.0, -2.0)
    for t in range(3):
        dw, db = lg.gradients(*path[t], X, Y, "squared")
        np.testing.assert_allclose(path[t + 1], path[t] - 0.5 * np.array([dw, db]), rtol=1e-15)
    assert lg.gradient_descent(1.0, -2.0, X, Y, steps=0).shape == (1, 2)
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        lg.gradient_descent(0.0, 0.0, X, Y, learning_rate=0)
    with pytest.raises(ValueError, match="steps must be a non-negative int"):
        lg.gradient_descent(0.0, 0.0, X, Y, steps=-1)


def test_train_logistic_starts_at_zero_and_takes_n_steps(data):
    X, Y = data
    assert lg.train_logistic(X, Y, 1.0, 0) == (0.0, 0.0)
    # the first step by hand: at w = b = 0 every h is 1/2
    w, b = lg.train_logistic(X, Y, 0.3, 1)
    assert (w, b) == pytest.approx((-0.3 * np.mean((0.5 - Y) * X), -0.3 * np.mean(0.5 - Y)), rel=1e-13)
    assert all(type(v) is float for v in (w, b))
    w, b = lg.train_logistic(X, Y, 1.0, 1000)
    assert max(abs(g) for g in lg.gradients(w, b, X, Y, "log")) < 1e-8
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        lg.train_logistic(X, Y, -1.0, 10)


def test_log_loss_descent_reaches_one_answer_from_every_start(data):
    X, Y = data
    ends = np.array([lg.gradient_descent(w, b, X, Y, "log", 1.0, 1000)[-1]
                     for w, b in [(-8, 8), (-6, -2), (0, 0), (6, -8), (8, 6)]])
    assert np.ptp(ends, axis=0).max() < 1e-6
    assert max(abs(g) for g in lg.gradients(*ends[0], X, Y, "log")) < 1e-8


def test_squared_error_descent_stalls_on_a_plateau(data):
    # The notebook's claim: from (-8, 8) squared error barely improves, from (0, 0) it fits.
    X, Y = data
    bad = lg.gradient_descent(-8.0, 8.0, X, Y, "squared", 1.0, 1000)[-1]
    good = lg.gradient_descent(0.0, 0.0, X, Y, "squared", 1.0, 1000)[-1]
    assert lg.cost(*bad, X, Y, "squared") > 0.45
    assert lg.cost(*good, X, Y, "squared") < 0.15
    assert np.hypot(*lg.gradients(*bad, X, Y, "squared")) < 0.05


# ----------------------------------------------------------------- convexity

def test_second_differences_of_known_functions():
    x = np.linspace(-2, 2, 41)
    np.testing.assert_allclose(lg.second_differences(3 * x**2 - x + 1, 0.1), 6.0, rtol=1e-9)
    # x^3 has second derivative 6x: negative on the left, positive on the right; exact for cubics
    np.testing.assert_allclose(lg.second_differences(x**3, 0.1), 6 * x[1:-1], atol=1e-9)
    with pytest.raises(ValueError, match="at least 3 points"):
        lg.second_differences([1.0, 2.0], 0.1)
    with pytest.raises(ValueError, match="step must be a positive number"):
        lg.second_differences(x, 0.0)


def test_second_differences_2d_of_a_quadratic_form():
    # f = w^2 + 3 w b + b^2: second derivative along (u, v) is 2 (u^2 + 3 u v + v^2) / (u^2 + v^2)
    ws, bs = np.linspace(-1, 1, 6), np.linspace(-2, 2, 5)
    W, B = np.meshgrid(ws, bs)
    hw, hb = ws[1] - ws[0], bs[1] - bs[0]
    D = lg.second_differences_2d(W**2 + 3 * W * B + B**2, hw, hb)
    assert D.shape == (4, 3, 4)
    expected = [2.0, 2.0, 2 * (hw**2 + 3 * hw * hb + hb**2) / (hw**2 + hb**2),
                2 * (hw**2 - 3 * hw * hb + hb**2) / (hw**2 + hb**2)]
    for layer, value in zip(D, expected):
        np.testing.assert_allclose(layer, value, rtol=1e-9)
    assert expected[3] < 0  # a saddle: convex along the axes, not along the anti-diagonal
    with pytest.raises(ValueError, match="at least 3 x 3"):
        lg.second_differences_2d(np.zeros((2, 5)), 0.1, 0.1)


def test_convexity_report():
    report = lg.convexity_report(np.array([[0.5, -0.2], [1e-12, -1e-12]]))
    assert report == {"min": -0.2, "max": 0.5, "negative_fraction": 0.25, "changes_sign": True}
    assert not lg.convexity_report(np.array([0.0, -1e-12, 2.0]))["changes_sign"]
    assert not lg.convexity_report(np.array([-1.0, -2.0]))["changes_sign"]  # concave, no sign change
    with pytest.raises(ValueError, match="finite"):
        lg.convexity_report(np.array([1.0, np.nan]))


def test_log_loss_is_convex_and_squared_error_is_not_on_the_notebook_grid(data):
    X, Y = data
    ws, bs = np.linspace(-10, 10, 41), np.linspace(-12, 12, 49)
    W, B = np.meshgrid(ws, bs)
    reports = {kind: lg.convexity_report(lg.second_differences_2d(lg.cost(W, B, X, Y, kind), 0.5, 0.5))
               for kind in lg.KINDS}
    assert reports["log"]["min"] > 0 and reports["log"]["negative_fraction"] == 0.0
    assert reports["squared"]["changes_sign"] and reports["squared"]["negative_fraction"] > 0.2


# ----------------------------------------------------------------- mean absolute error

def test_mae_cost():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 5.0, 4.0])
    # errors of 2x - 1: 1 - 2, 3 - 5, 5 - 4 -> |-1|, |-2|, |1|
    assert lg.mae_cost(2.0, -1.0, x, y) == pytest.approx(4 / 3, rel=1e-15)


def test_least_absolute_line_ignores_one_outlier():
    x = np.arange(1.0, 9.0)
    y = x + 2
    y[5] = 20.0
    assert lg.fit_line_least_absolute(x, y) == (1.0, 2.0)
    w_sq, b_sq = regression.fit_line_least_squares(x, y)
    assert w_sq - 1.0 > 0.4  # the squared-error line is dragged towards the outlier


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_least_absolute_line_beats_every_line_on_a_fine_grid(seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, 9)
    y = 0.8 * x + 0.5 + rng.laplace(0, 0.5, 9)
    w, b = lg.fit_line_least_absolute(x, y.reshape(1, -1).ravel())
    best = lg.mae_cost(w, b, x, y)
    W, B = np.meshgrid(np.linspace(-1, 3, 401), np.linspace(-2, 3, 401))
    grid = np.mean(np.abs(W[..., None] * x + B[..., None] - y), axis=-1)
    assert best <= grid.min() + 1e-12
    assert grid.min() - best < 0.01  # and the grid gets close: the two searches agree


def test_least_absolute_line_rejects_bad_input():
    with pytest.raises(ValueError, match="two different values"):
        lg.fit_line_least_absolute([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        lg.fit_line_least_absolute(np.ones(3), np.ones((1, 3)))


# ----------------------------------------------------------------- drawing

def test_plot_cost_surface_draws_the_table_and_the_paths(data):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, Y = data
    ws, bs = np.linspace(-4, 4, 9), np.linspace(-3, 3, 7)
    W, B = np.meshgrid(ws, bs)
    paths = [lg.gradient_descent(-3.0, 2.0, X, Y, steps=5), lg.gradient_descent(3.0, -2.0, X, Y, steps=5)]
    fig, ax = plt.subplots()
    try:
        lg.plot_cost_surface(ax, ws, bs, lg.cost(W, B, X, Y), paths, title="t", label="C")
        assert len(ax.lines) == 3 * len(paths)  # each path: the line, its start, its end
        np.testing.assert_array_equal(ax.lines[0].get_xdata(), paths[0][:, 0])
        assert ax.get_title() == "t" and ax.get_xlim() == (-4.0, 4.0) and len(fig.axes) == 2  # plus colour bar
        with pytest.raises(ValueError, match=r"C must have shape \(7, 9\)"):
            lg.plot_cost_surface(ax, ws, bs, np.zeros((9, 7)))
    finally:
        plt.close(fig)


def test_chord_gap_of_known_curves():
    xs = np.linspace(-2.0, 2.0, 41)
    gap = lg.chord_gap(xs**2, 0, 40)  # chord at height 4 over the parabola
    assert gap[0] == gap[-1] == 0.0
    np.testing.assert_allclose(gap, 4.0 - xs**2, atol=1e-12)
    np.testing.assert_allclose(lg.chord_gap(3.0 * xs + 1.0, 5, 30), 0.0, atol=1e-12)  # a line is its own chord
    assert lg.chord_gap(-(xs**2), 0, 40).min() == pytest.approx(-4.0)  # concave: the chord runs below
    for i, j in [(3, 3), (5, 2), (0, 41), (-1, 4)]:
        with pytest.raises(ValueError):
            lg.chord_gap(xs, i, j)


def test_the_notebook_chord_crosses_squared_error_and_stays_above_log_loss(data):
    X, Y = data
    ws = np.linspace(-10, 10, 201)
    sq = lg.chord_gap(lg.cost(ws, np.zeros_like(ws), X, Y, "squared"), 10, 130)
    log = lg.chord_gap(lg.cost(ws, np.zeros_like(ws), X, Y, "log"), 10, 130)
    assert sq.min() < -0.2 and sq.max() > 0.05
    assert log[1:-1].min() > 0


def test_mae_is_convex_despite_its_kinks():
    x = np.arange(1.0, 9.0)
    y = x + 2
    y[5] = 20.0
    ws = np.linspace(-2, 4, 601)
    mae = np.array([lg.mae_cost(w, 2.0, x, y) for w in ws])
    d2 = lg.second_differences(mae, ws[1] - ws[0])
    report = lg.convexity_report(d2)
    assert report["negative_fraction"] == 0.0 and report["max"] > 100  # the kinks


def test_plot_surface_3d_draws_the_table():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ws, bs = np.linspace(-1, 1, 9), np.linspace(-2, 2, 7)
    W, B = np.meshgrid(ws, bs)
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    surface = regression.plot_surface_3d(ax, ws, bs, W**2 + B**2, title="bowl", stride=2)
    assert ax.get_title() == "bowl" and ax.get_zlabel() == "cost"
    assert len(surface.get_facecolor()) == 3 * 4  # every second grid line: 4 x 5 points, 3 x 4 faces
    assert ax.get_zlim()[0] < 0.5 and ax.get_zlim()[1] > 4.5  # the grid's costs run from 0.5 to 5
    with pytest.raises(ValueError, match="C"):
        regression.plot_surface_3d(ax, ws, bs, np.zeros((9, 7)))
    plt.close(fig)


def test_colour_bar_ticks_cover_the_bottom_of_the_bowl(data):
    X, Y = data
    ws, bs = np.linspace(-10, 10, 41), np.linspace(-12, 12, 49)
    W, B = np.meshgrid(ws, bs)
    for kind in lg.KINDS:
        C = lg.cost(W, B, X, Y, kind)
        ticks = lg.colour_bar_ticks(C)
        assert ticks[0] == C.min() and ticks[-1] <= C.max()
        assert ticks[1] - ticks[0] >= 0.08 * (C.max() - C.min())  # no label printed over the lowest one
        np.testing.assert_allclose(ticks[1:], np.round(ticks[1:], 2))
    with pytest.raises(ValueError, match="different values"):
        lg.colour_bar_ticks(np.ones((3, 3)))


def _log_grid(X, Y):
    ws, bs = np.linspace(-10, 10, 21), np.linspace(-12, 12, 25)
    return ws, bs, lg.cost(*np.meshgrid(ws, bs), X, Y, "log")


def test_draw_curve_and_cost_draws_each_curve_and_its_point(data):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, Y = data
    ws, bs, C = _log_grid(X, Y)
    fig, (left, right) = plt.subplots(1, 2)
    results = lg.draw_curve_and_cost(left, right, X, Y, ws, bs, C, [(1.0, 0.0), (4.0, -4.0)])
    for (w, b), (loss, right_share) in zip([(1.0, 0.0), (4.0, -4.0)], results):
        assert loss == lg.cost(w, b, X, Y, "log")
        assert right_share == np.mean((lg.predict(w, b, X) >= 0.5) == (Y == 1))
    curves = left.get_lines()[1:]  # after the dotted line at 1/2
    assert len(curves) == 2
    np.testing.assert_allclose(curves[1].get_ydata(), 1 / (1 + np.exp(-(4.0 * curves[1].get_xdata() - 4.0))))
    assert [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in right.get_lines()[1:]] == [(1.0, 0.0), (4.0, -4.0)]
    plt.close(fig)


def test_logistic_explorer_follows_its_sliders(data):
    pytest.importorskip("ipywidgets")
    X, Y = data
    ws, bs, C = _log_grid(X, Y)
    explorer = lg.logistic_explorer(X, Y, ws, bs, C, w=1.0, b=0.0)
    before = explorer.image.value
    explorer.sliders["w"].value = 4.0
    explorer.sliders["b"].value = -4.0
    curve = explorer.figure.axes[0].get_lines()[-1]
    np.testing.assert_allclose(curve.get_ydata(), 1 / (1 + np.exp(-(4.0 * curve.get_xdata() - 4.0))))
    point = explorer.figure.axes[1].get_lines()[-1]
    assert (point.get_xdata()[0], point.get_ydata()[0]) == (4.0, -4.0)
    right = np.mean((lg.predict(4.0, -4.0, X) >= 0.5) == (Y == 1))
    assert explorer.label.value == (f"w = 4.00, b = -4.00: log loss {lg.cost(4.0, -4.0, X, Y, 'log'):.4f}, "
                                    f"{right:.0%} of the examples right")
    assert explorer.image.value != before


def test_logistic_explorer_without_ipywidgets_says_how_to_get_it(data, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    X, Y = data
    with pytest.raises(ImportError, match="pip install ipywidgets"):
        lg.logistic_explorer(X, Y, *_log_grid(X, Y))
