"""The numbers behind the package's shared figures (nbval never compares images)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlessons import plotting  # noqa: E402


def test_evaluate_on_grid_covers_the_points_with_a_margin():
    X = np.array([[0.0, 2.0, 1.0], [-1.0, 1.0, 0.0]])
    xx, yy, values = plotting.evaluate_on_grid(lambda G: G[0] + 10 * G[1], X, n=5, margin=0.5)
    assert xx.shape == yy.shape == values.shape == (5, 5)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-0.5, 2.5, -1.5, 1.5)
    np.testing.assert_allclose(values, xx + 10 * yy)
    with pytest.raises(ValueError, match="X"):
        plotting.evaluate_on_grid(lambda G: G[0], np.zeros((3, 4)))


def test_decision_boundary_draws_the_half_contour_only_when_it_exists():
    X = np.array([[-1.0, 1.0], [0.0, 0.0]])
    y = np.array([0, 1])
    fig, (ax1, ax2) = plt.subplots(1, 2)
    values = plotting.plot_decision_boundary(ax1, lambda G: 1 / (1 + np.exp(-4 * G[0])), X, y, n=21, title="t")
    # The boundary of the rule "x1 > 0" is the line x1 = 0, inside the plotted square.
    assert values.shape == (21, 21) and values.min() < 0.5 < values.max()
    assert ax1.get_title() == "t"
    np.testing.assert_array_equal(ax1.collections[-1].get_offsets(), X.T)  # the points, drawn last
    values = plotting.plot_decision_boundary(ax2, lambda G: np.full(G.shape[1], 0.9), X, y, n=21)
    np.testing.assert_array_equal(values, 0.9)  # nothing crosses 0.5: no boundary line, and no warning
    plt.close(fig)


def test_evaluate_on_grid_names_a_function_that_returns_the_wrong_number_of_values():
    # A two-output network returns (2, k): numpy's reshape error named neither fn nor the shapes.
    X = np.array([[0.0, 1.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match=r"^fn must return one value per column of its \(2, 16\) input, "
                                         r"as \(k,\) or \(1, k\), got shape \(2, 16\)$"):
        plotting.evaluate_on_grid(lambda G: np.ones((2, G.shape[1])), X, n=4)
