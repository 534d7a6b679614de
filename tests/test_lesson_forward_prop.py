"""nnlessons.lessons.forward_prop: the reference forward pass against Network and by hand, the other
layouts, shapes, symmetry and the pictures of notebook 04."""

import math
import pathlib

import matplotlib.pyplot as plt  # the root conftest selects the Agg backend
import numpy as np
import pytest

from nnlessons import Network
from nnlessons.lessons import forward_prop as fw

ARCHS = [
    ([4, 2, 3], ["relu", "sigmoid"]),
    ([3, 1], ["identity"]),
    ([5, 6, 4, 3], ["tanh", "relu", "softmax"]),
    ([2, 8, 8, 1], ["relu", "relu", "sigmoid"]),
]


def _params(sizes, rng):
    p = {}
    for l in range(1, len(sizes)):
        p[f"W{l}"] = rng.normal(size=(sizes[l], sizes[l - 1]))
        p[f"b{l}"] = rng.normal(size=(sizes[l], 1))
    return p


def _sigmoid_scalar(z):
    return 1.0 / (1.0 + math.exp(-z))


# ----------------------------------------------------------------- one neuron
def test_neuron_is_weighted_sum_plus_bias_then_activation():
    x, w, b = [0.5, -1.0, 2.0, 0.1], [0.2, 0.4, -0.3, 1.5], 0.3
    z_expected = 0.5 * 0.2 + (-1.0) * 0.4 + 2.0 * (-0.3) + 0.1 * 1.5 + 0.3  # = -0.45
    z, a = fw.neuron(x, w, b)
    assert z == pytest.approx(-0.45, abs=1e-15) and z == pytest.approx(z_expected, abs=1e-15)
    assert a == pytest.approx(_sigmoid_scalar(-0.45), rel=1e-14)
    assert fw.neuron(x, w, b, "relu") == (pytest.approx(-0.45), 0.0)
    assert fw.neuron(x, w, b, "tanh")[1] == pytest.approx(math.tanh(-0.45), rel=1e-14)


def test_neuron_bias_is_the_weight_of_a_constant_input():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=6), rng.normal(size=6), 0.7
    z, _ = fw.neuron(x, w, b)
    z_aug, _ = fw.neuron(np.r_[1.0, x], np.r_[b, w], 0.0)
    assert z == pytest.approx(z_aug, abs=1e-13)


def test_neuron_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"w must have shape \(3,\), got shape \(2,\)"):
        fw.neuron([1, 2, 3], [1, 2], 0.0)
    with pytest.raises(ValueError, match="b must be a single number"):
        fw.neuron([1, 2], [1, 2], [0.0, 1.0])
    with pytest.raises(ValueError, match="activation must be one of"):
        fw.neuron([1, 2], [1, 2], 0.0, "swish")


# --------------------------------------------------------------- forward passes
@pytest.mark.parametrize("sizes, acts", ARCHS)
def test_reference_forward_is_network_forward_with_the_cache_of_the_exercise(sizes, acts):
    rng = np.random.default_rng(len(sizes))
    params = _params(sizes, rng)
    X = rng.normal(size=(sizes[0], 5))
    A, cache = fw.forward(X, params, acts)
    net = fw.network_from_params(params, acts)
    assert net.sizes == sizes and net.activations == acts
    A_net, cache_net = net.forward(X)
    assert np.array_equal(A, A_net)
    assert list(cache) == ["A0"] + [f"{k}{l}" for l in range(1, len(sizes)) for k in "ZA"]
    assert all(np.array_equal(cache[k], cache_net[k]) for k in cache)
    assert np.array_equal(cache["A0"], X)


def test_reference_forward_by_hand():
    rng = np.random.default_rng(3)
    p = _params([4, 3, 2], rng)
    X = rng.normal(size=(4, 6))
    A1 = np.maximum(p["W1"] @ X + p["b1"], 0)
    expected = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"])))
    A, cache = fw.forward(X, p, ["relu", "sigmoid"])
    np.testing.assert_allclose(A, expected, rtol=1e-13)
    np.testing.assert_allclose(cache["A1"], A1, rtol=1e-13)


def test_network_from_params_copies_and_checks():
    rng = np.random.default_rng(1)
    p = _params([3, 2], rng)
    net = fw.network_from_params(p, ["sigmoid"])
    assert net.loss == "binary_cross_entropy" and not np.shares_memory(net.params["W1"], p["W1"])
    assert fw.network_from_params(p, ["identity"]).loss == "mse"
    with pytest.raises(ValueError, match="params has no 'W2'"):
        fw.network_from_params(p, ["relu", "sigmoid"])
    with pytest.raises(TypeError, match="activations must be a list"):
        fw.network_from_params(p, "sigmoid")
    with pytest.raises(TypeError, match="params must be a dict"):
        fw.network_from_params([p["W1"]], ["sigmoid"])
    with pytest.raises(ValueError):
        fw.network_from_params({"W1": p["W1"], "b1": np.zeros((3, 1))}, ["sigmoid"])


@pytest.mark.parametrize("sizes, acts", ARCHS)
def test_loop_and_rows_layout_agree_with_the_batch(sizes, acts):
    rng = np.random.default_rng(11)
    net = fw.network_from_params(_params(sizes, rng), acts)
    X = rng.normal(size=(sizes[0], 7))
    np.testing.assert_allclose(fw.forward_loop(net, X), net(X), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fw.forward_rows(net, X.T), net(X).T, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="X_rows must have shape"):
        fw.forward_rows(net, np.zeros((2, sizes[0] + 1)))


def test_each_column_depends_only_on_its_own_example():
    rng = np.random.default_rng(2)
    net = fw.network_from_params(_params([3, 4, 2], rng), ["relu", "softmax"])
    X = rng.normal(size=(3, 5))
    changed = X.copy()
    changed[:, 2] += 10.0
    A, B = fw.forward_loop(net, X), fw.forward_loop(net, changed)
    assert np.array_equal(np.delete(A, 2, axis=1), np.delete(B, 2, axis=1)) and not np.allclose(A[:, 2], B[:, 2])


def test_time_loop_vs_batch_returns_two_positive_times():
    net = fw.network_from_params(_params([4, 3, 2], np.random.default_rng(7)), ["relu", "sigmoid"])
    t_loop, t_batch = fw.time_loop_vs_batch(net, np.ones((4, 20)), repeats=2)
    assert t_loop > 0 and t_batch > 0
    with pytest.raises(ValueError, match="repeats"):
        fw.time_loop_vs_batch(net, np.zeros((4, 2)), repeats=0)


def test_bound():
    assert fw.bound(3e-17) == "below 1e-15" and fw.bound(-2e-13) == "below 1e-12"
    assert fw.bound(0.0) == "below 1e-15" and fw.bound(0.5) == "below 1" and fw.bound(12.5) == "12.5"


def test_flat_bias_broadcasts_silently_into_a_square():
    # The notebook's corrected claim: a (n,) bias on one example gives (n, n), no error.
    W, x, b = np.ones((3, 4)), np.ones((4, 1)), np.arange(3.0)
    assert (W @ x + b).shape == (3, 3)
    assert (W @ np.ones((4, 3)) + b).shape == (3, 3)
    with pytest.raises(ValueError):
        W @ np.ones((4, 5)) + b


# ---------------------------------------------------------------------- shapes
def test_layer_shapes_match_a_real_forward_pass():
    net = Network([5, 4, 3, 2], ["relu", "tanh", "softmax"], "categorical_cross_entropy", rng=0)
    m = 7
    _, cache = net.forward(np.zeros((5, m)))
    rows = fw.layer_shapes(net, m)
    assert [r["layer"] for r in rows] == [0, 1, 2, 3]
    assert rows[0]["A"] == cache["A0"].shape
    for r in rows[1:]:
        l = r["layer"]
        assert r["W"] == net.params[f"W{l}"].shape and r["b"] == net.params[f"b{l}"].shape
        assert r["Z"] == cache[f"Z{l}"].shape and r["A"] == cache[f"A{l}"].shape
        assert r["n_params"] == net.params[f"W{l}"].size + net.params[f"b{l}"].size
        assert r["activation"] == net.activations[l - 1]


def test_shape_table_text():
    net = Network([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_cross_entropy", rng=0)
    lines = fw.shape_table(net, 32).splitlines()
    assert len(lines) == 6
    assert lines[2].split() == ["1", "relu", "(128,", "784)", "(128,", "1)", "(128,", "32)", "100480"]
    assert lines[-1].split() == ["total", str(sum(p.size for p in net.params.values()))]
    with pytest.raises(ValueError, match="m must be a positive int"):
        fw.layer_shapes(net, 0)


# -------------------------------------------------------------------- symmetry
def test_hidden_unit_spread():
    p = {"W1": np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.5]]), "b1": np.zeros((3, 1))}
    assert fw.hidden_unit_spread(p) == 0.5
    p["W1"][2, 1] = 2.0
    assert fw.hidden_unit_spread(p) == 0.0
    p["b1"][1, 0] = -0.25
    assert fw.hidden_unit_spread(p) == 0.25


def test_equal_weights_stay_equal_under_gradient_descent():
    X, y = np.random.default_rng(5).normal(size=(2, 40)), np.arange(40) % 2
    net = Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)
    net.set_params({k: np.full_like(v, 0.5 if k[0] == "W" else 0.0) for k, v in net.params.items()})
    for _ in range(50):
        for k, g in net.loss_and_grads(X, y)[1].items():
            net.params[k] -= 1.0 * g
    assert fw.hidden_unit_spread(net.params) == 0.0 and not np.allclose(net.params["W1"], 0.5)


# ---------------------------------------------------------------- the picture
def _surface_net(sizes, seed=1):
    L = len(sizes) - 1
    return Network(sizes, ["relu"] * (L - 1) + ["sigmoid"], "binary_cross_entropy", rng=seed, bias_init=0.5)


def test_network_surface_values_are_the_network_at_the_grid_points():
    net = _surface_net([2, 5, 1])
    xx, yy, Z, A, pieces = fw.network_surface(net, lim=1.5, n=21)
    assert xx.shape == yy.shape == Z.shape == A.shape == (21, 21)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-1.5, 1.5, -1.5, 1.5)
    p = net.params
    for i, j in [(0, 0), (3, 17), (20, 20), (10, 4)]:
        x = np.array([[xx[i, j]], [yy[i, j]]])
        z = (p["W2"] @ np.maximum(p["W1"] @ x + p["b1"], 0) + p["b2"])[0, 0]
        assert Z[i, j] == pytest.approx(z, rel=1e-12, abs=1e-14)
        assert A[i, j] == pytest.approx(_sigmoid_scalar(z), rel=1e-12)
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        fw.network_surface(_surface_net([3, 1]))


def test_flat_pieces_are_the_on_off_patterns():
    assert fw.network_surface(_surface_net([2, 1]))[-1] == 1
    # one hidden unit whose line z = 0 crosses the square: two pieces
    net = _surface_net([2, 1, 1])
    net.set_params({"W1": [[1.0, 0.0]], "b1": [[0.3]], "W2": [[1.0]], "b2": [[0.0]]})
    assert fw.network_surface(net)[-1] == 2
    # two crossing lines: four pieces; on each, Z is affine (the notebook's reading of the count)
    net = _surface_net([2, 2, 1])
    net.set_params({"W1": [[1.0, 0.0], [0.0, 1.0]], "b1": [[0.0], [0.5]], "W2": [[1.0, -2.0]], "b2": [[0.0]]})
    xx, yy, Z, _, pieces = fw.network_surface(net, n=41)
    assert pieces == 4
    corner = (xx > 0) & (yy > -0.5)
    assert fw.plane_fit_r2(xx[corner], yy[corner], Z[corner]) == pytest.approx(1.0, abs=1e-12)
    # deeper random networks have more pieces (the measured claim of notebook 04)
    counts = [np.median([fw.network_surface(_surface_net(s, seed), n=41)[-1] for seed in range(5)])
              for s in ([2, 8, 1], [2, 8, 8, 8, 1])]
    assert counts[1] > 2 * counts[0]


def test_plane_fit_r2():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 11), np.linspace(-1, 1, 11))
    assert fw.plane_fit_r2(xx, yy, 3 * xx - 2 * yy + 1) == pytest.approx(1.0, abs=1e-12)
    # On a symmetric grid the best plane through x^2 + y^2 is flat, so it explains nothing.
    assert fw.plane_fit_r2(xx, yy, xx ** 2 + yy ** 2) == pytest.approx(0.0, abs=1e-12)
    assert fw.plane_fit_r2(xx, yy, np.ones_like(xx)) == 1.0
    assert fw.plane_fit_r2(*fw.network_surface(_surface_net([2, 1]))[:3]) == pytest.approx(1.0, abs=1e-12)
    assert fw.plane_fit_r2(*fw.network_surface(_surface_net([2, 8, 1]))[:3]) < 0.99


def test_network_diagram_has_one_edge_per_weight():
    nodes, edges = fw.network_diagram([4, 2, 3])
    assert len(nodes) == 9 and len(edges) == 4 * 2 + 2 * 3
    assert len(set(edges)) == len(edges)
    assert sum(1 for (a, b) in edges if b[0] == 1) == 8
    assert all(b[0] == a[0] + 1 for a, b in edges)
    ys = [y for (l, _), (_, y) in nodes.items() if l == 1]
    assert sorted(ys) == [-0.5, 0.5]
    with pytest.raises(ValueError, match="sizes must be a list"):
        fw.network_diagram([3, 0])


def test_drawing_functions_draw():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    fw.draw_network(ax1, [4, 2, 3], highlight=(1, 2, 3))
    assert len(ax1.lines) == 14 + 1  # every edge, plus the highlighted one on top
    red = ax1.lines[-1]
    nodes, _ = fw.network_diagram([4, 2, 3])
    # (W1)_23, numbered from 1: from input 3 (node (0, 2)) into hidden unit 2 (node (1, 1))
    assert list(red.get_xdata()) == [nodes[(0, 2)][0], nodes[(1, 1)][0]]
    assert list(red.get_ydata()) == [nodes[(0, 2)][1], nodes[(1, 1)][1]]
    assert "$(W_1)_{23}$" in [t.get_text() for t in ax1.texts]
    assert sorted(t.get_text() for t in ax1.texts if t.get_text().isdigit()) == sorted("123412123")
    net = _surface_net([2, 4, 1])
    pieces = fw.draw_pieces(ax2, net, n=41, title="t")
    assert ax2.get_title() == "t" and pieces == fw.network_surface(net, n=41)[-1]
    assert len([l for l in ax2.lines if l.get_linestyle() == "--"]) <= 4  # a line outside the square is cut off
    plt.close(fig)


def test_activation_regions_label_the_on_off_patterns():
    net = _surface_net([2, 2, 1])
    net.set_params({"W1": [[1.0, 0.0], [0.0, 1.0]], "b1": [[0.0], [0.5]], "W2": [[1.0, -2.0]], "b2": [[0.0]]})
    xx, yy, Z, A, regions, pieces = fw.activation_regions(net, n=41)
    assert pieces == 4 and regions.shape == (41, 41) and sorted(np.unique(regions)) == [0, 1, 2, 3]
    for on_x in (True, False):
        for on_y in (True, False):
            where = ((xx > 0) == on_x) & ((yy > -0.5) == on_y)
            assert len(np.unique(regions[where])) == 1  # one label per quadrant of the two lines
    assert fw.network_surface(net, n=41)[-1] == pieces


def test_colour_regions_gives_neighbours_different_colours():
    for sizes in ([2, 8, 1], [2, 8, 8, 8, 1]):
        _, _, _, _, regions, pieces = fw.activation_regions(_surface_net(sizes), n=121)
        colours = fw.colour_regions(regions)
        assert colours.max() < len(fw.PIECE_COLOURS)
        for a, b, ca, cb in [(regions[:, :-1], regions[:, 1:], colours[:, :-1], colours[:, 1:]),
                             (regions[:-1], regions[1:], colours[:-1], colours[1:])]:
            boundary = a != b
            assert np.all(ca[boundary] != cb[boundary])
        # one colour per region
        for r in range(pieces):
            assert len(np.unique(colours[regions == r])) == 1
    assert np.array_equal(fw.colour_regions(np.zeros((3, 3), int)), np.zeros((3, 3), int))


def test_hidden_lines_are_where_each_first_layer_unit_crosses_zero():
    net = _surface_net([2, 3, 1])
    lines = fw.hidden_lines(net)
    assert len(lines) == 3 and fw.hidden_lines(_surface_net([2, 1])) == []
    for j, (w1, w2, b) in enumerate(lines):
        x = np.array([[1.0], [-(w1 * 1.0 + b) / w2]])
        assert (net.params["W1"] @ x + net.params["b1"])[j, 0] == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------ the square
def test_square_data_leaves_a_band_around_the_edge():
    for r in (1.0, 0.5):
        X, y = fw.square_data(300, r, rng=0)
        assert X.shape == (2, 300) and y.shape == (300,) and set(np.unique(y)) == {0, 1}
        edge = np.max(np.abs(X), axis=0)
        assert np.all(np.abs(edge - r) > fw.SQUARE_BAND * r) and np.all(edge <= 2 * r)
        assert np.array_equal(y, (edge < r).astype(int))
    assert np.array_equal(fw.square_data(50, rng=3)[0], fw.square_data(50, rng=3)[0])
    Xg, yg = fw.square_grid(1.0, 21)
    assert Xg.shape[1] == yg.size < 21 * 21 and yg.sum() > 0


def test_square_network_reference_draws_the_square():
    for r in (0.3, 1.0, 4.0):
        W1, b1, W2, b2 = fw.square_network(r)
        assert (W1.shape, b1.shape, W2.shape, b2.shape) == ((4, 2), (4, 1), (1, 4), (1, 1))
        for X, y in (fw.square_data(500, r, rng=1), fw.square_grid(r, 61)):
            predicted, Z1 = fw.predict_two_layer(W1, b1, W2, b2, X)
            assert np.array_equal(predicted, y) and Z1.shape == (4, X.shape[1])
        # the same prediction as a Network built from these weights
        net = fw.network_from_params({"W1": W1, "b1": b1, "W2": W2, "b2": b2}, ["relu", "sigmoid"])
        X, _ = fw.square_data(100, r, rng=2)
        assert np.array_equal((net(X)[0] > 0.5).astype(int), fw.predict_two_layer(W1, b1, W2, b2, X)[0])


def test_draw_digit_outputs_draws_images_over_bars():
    fig, axes = plt.subplots(2, 3)
    probs = np.full((10, 3), 0.1)
    fw.draw_digit_outputs(axes, np.zeros((3, 28, 28)), probs, [7, 2, 1])
    assert [ax.get_title() for ax in axes[0]] == ["label 7", "label 2", "label 1"]
    assert all(len(ax.patches) == 10 for ax in axes[1])
    plt.close(fig)


# ------------------------------------------------------------- the notebook's alt texts
def _alt_texts():
    import json
    nb = json.loads((pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "04_forward_prop.ipynb").read_text())
    return [c["metadata"].get("mystnb", {}).get("image", {}).get("alt", "") for c in nb["cells"]]


def test_the_pieces_figure_alt_text_states_the_computed_counts():
    alt = next(a for a in _alt_texts() if "flat piece" in a and "random ReLU network" in a)
    for sizes in ([2, 1], [2, 8, 1], [2, 8, 8, 8, 1]):
        xx, yy, Z, _, pieces = fw.network_surface(_surface_net(sizes, seed=2), n=201)
        assert f"{pieces} piece" in alt and f"{fw.plane_fit_r2(xx, yy, Z):.3f}" in alt


def test_the_digits_figure_alt_text_states_the_computed_range():
    import nnlessons as nl
    alt = next(a for a in _alt_texts() if "untrained network" in a and "digits" in a)
    net = Network([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_cross_entropy", rng=0)
    (_, _), (images, labels) = nl.mnist.load_mnist_small()
    probs = net(nl.mnist.to_columns(images[:6]))
    assert f"between {probs.min():.2f} and {probs.max():.2f}" in alt
    assert f"labelled {', '.join(map(str, labels[:6]))}" in alt
