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


# Colour-vision-deficiency simulation of Machado, Oliveira and Fernandes (2009), severity 1, in linear RGB.
_DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                          [-0.011820, 0.042940, 0.968881]])
_PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]])


def _lab(rgb):
    """CIELAB (D65) of an sRGB colour in [0, 1]."""
    rgb = np.clip(rgb, 0.0, 1.0)
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen_by(rgb, M):
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    out = np.clip(M @ linear, 0.0, 1.0)
    return np.where(out <= 0.0031308, 12.92 * out, 1.055 * out ** (1 / 2.4) - 0.055)


def _closest_pair(colours):
    """The smallest colour difference (CIELAB distance) between two of the first four
    colours, for normal vision, deuteranopia and protanopia."""
    rgb = [np.array(matplotlib.colors.to_rgb(c)) for c in colours[:4]]
    seen = {"normal": rgb, "deuteranopia": [_seen_by(c, _DEUTERANOPIA) for c in rgb],
            "protanopia": [_seen_by(c, _PROTANOPIA) for c in rgb]}
    return {name: min(np.linalg.norm(_lab(cs[i]) - _lab(cs[j])) for i in range(4) for j in range(i))
            for name, cs in seen.items()}


def test_notebook_lines_stay_distinct_for_colour_blind_readers():
    # Figures often tell up to four lines apart by colour alone (C0..C3).
    before, printing = matplotlib.rcParams.copy(), np.get_printoptions()
    try:
        plotting.notebook_setup()
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
        assert tuple(cycle) == plotting.COLOURS
        closest = _closest_pair(cycle)
        assert min(closest.values()) > 25, closest
        # matplotlib's default cycle, which the series used before: orange and green
        # collapse for protanopes, green and red for deuteranopes
        tab10 = _closest_pair(["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"])
        assert tab10["protanopia"] < 6 and tab10["deuteranopia"] < 10
        assert np.get_printoptions()["precision"] == 4
    finally:
        matplotlib.rcParams.update(before)
        np.set_printoptions(**printing)
