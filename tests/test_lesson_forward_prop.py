import math

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


def _network(sizes, acts, params):
    loss = "categorical_cross_entropy" if acts[-1] == "softmax" else "mse"
    net = Network(sizes, acts, loss, rng=0)
    net.set_params(params)
    return net


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
def test_forward_batch_matches_network(sizes, acts):
    rng = np.random.default_rng(1)
    params = _params(sizes, rng)
    X = rng.normal(size=(sizes[0], 9))
    A_net, _ = _network(sizes, acts, params).forward(X)
    np.testing.assert_allclose(fw.forward_batch(X, params, acts), A_net, rtol=0, atol=1e-14)


def test_forward_two_layer_against_scalar_formula():
    # An independent reference: every output written out with Python floats and math.exp.
    rng = np.random.default_rng(2)
    params = _params([4, 2, 3], rng)
    X = rng.normal(size=(4, 5))
    out = fw.forward_two_layer(X, params)
    assert out.shape == (3, 5)
    W1, b1, W2, b2 = (params[k].tolist() for k in ("W1", "b1", "W2", "b2"))
    for j in range(5):
        x = X[:, j].tolist()
        h = [max(sum(W1[r][c] * x[c] for c in range(4)) + b1[r][0], 0.0) for r in range(2)]
        for r in range(3):
            expected = _sigmoid_scalar(sum(W2[r][c] * h[c] for c in range(2)) + b2[r][0])
            assert out[r, j] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("sizes, acts", ARCHS)
def test_loop_and_rows_layout_agree_with_batch(sizes, acts):
    rng = np.random.default_rng(3)
    params = _params(sizes, rng)
    X = rng.normal(size=(sizes[0], 11))
    A = fw.forward_batch(X, params, acts)
    np.testing.assert_allclose(fw.forward_loop(X, params, acts), A, rtol=0, atol=1e-12)
    A_rows = fw.forward_rows(X.T, params, acts)
    assert A_rows.shape == (11, sizes[-1])
    np.testing.assert_allclose(A_rows, A.T, rtol=0, atol=1e-12)
    assert fw.layout_difference(X, params, acts) < 1e-12


def test_each_column_depends_only_on_its_own_example():
    rng = np.random.default_rng(4)
    params = _params([3, 5, 4], rng)
    acts = ["relu", "softmax"]
    X = rng.normal(size=(3, 8))
    order = rng.permutation(8)
    A = fw.forward_batch(X, params, acts)
    np.testing.assert_allclose(fw.forward_batch(X[:, order], params, acts), A[:, order], atol=1e-14)
    np.testing.assert_allclose(A.sum(axis=0), np.ones(8), atol=1e-14)
    np.testing.assert_allclose(fw.forward_rows(X.T, params, acts).sum(axis=1), np.ones(8), atol=1e-14)


def test_forward_does_not_modify_inputs():
    rng = np.random.default_rng(5)
    params = _params([4, 2, 3], rng)
    X = rng.normal(size=(4, 6))
    before = {k: v.copy() for k, v in params.items()}, X.copy()
    for fn in (fw.forward_batch, fw.forward_loop):
        fn(X, params, ["relu", "sigmoid"])
    fw.forward_rows(X.T, params, ["relu", "sigmoid"])
    assert all(np.array_equal(before[0][k], params[k]) for k in params) and set(params) == set(before[0])
    assert np.array_equal(before[1], X)


def test_forward_rejects_inconsistent_params():
    rng = np.random.default_rng(6)
    params = _params([4, 2, 3], rng)
    X = rng.normal(size=(4, 5))
    bad = dict(params, b1=params["b1"].ravel())
    with pytest.raises(ValueError, match=r"params\['b1'\] must be 2-D, got shape \(2,\)"):
        fw.forward_batch(X, bad, ["relu", "sigmoid"])
    bad = dict(params, W2=params["W2"].T)
    with pytest.raises(ValueError, match=r"params\['W2'\] must have shape \(any, 2\), got shape \(2, 3\)"):
        fw.forward_loop(X, bad, ["relu", "sigmoid"])
    with pytest.raises(ValueError, match=r"X has 3 features per example but params\['W1'\] of shape \(2, 4\) expects 4"):
        fw.forward_batch(X[:3], params, ["relu", "sigmoid"])
    with pytest.raises(ValueError, match=r"X_rows has 5 features per example"):
        fw.forward_rows(X, params, ["relu", "sigmoid"])
    with pytest.raises(ValueError, match="params has no 'W3'"):
        fw.forward_rows(X.T, params, ["relu", "relu", "sigmoid"])
    with pytest.raises(TypeError, match="activations must be a list"):
        fw.forward_batch(X, params, "relu")


def test_time_loop_vs_batch_returns_two_positive_times():
    rng = np.random.default_rng(7)
    params = _params([4, 3, 2], rng)
    t_loop, t_batch = fw.time_loop_vs_batch(rng.normal(size=(4, 20)), params, ["relu", "sigmoid"], repeats=2)
    assert t_loop > 0 and t_batch > 0
    with pytest.raises(ValueError, match="repeats"):
        fw.time_loop_vs_batch(np.zeros((4, 2)), params, ["relu", "sigmoid"], repeats=0)


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
    assert fw.cache_matches_table(cache, net)
    tampered = dict(cache, Z2=cache["Z2"].T)
    assert not fw.cache_matches_table(tampered, net)
    assert not fw.cache_matches_table({k: v for k, v in cache.items() if k != "A3"}, net)


def test_shape_table_text():
    net = Network([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_cross_entropy", rng=0)
    lines = fw.shape_table(net, 32).splitlines()
    assert len(lines) == 6
    assert lines[2].split() == ["1", "relu", "(128,", "784)", "(128,", "1)", "(128,", "32)", "100480"]
    assert lines[-1].split() == ["total", str(sum(p.size for p in net.params.values()))]
    assert fw.layer_shapes([3, 2], 4)[1]["W"] == (2, 3)
    with pytest.raises(TypeError, match="network must be a Network or a list"):
        fw.layer_shapes([3, 0], 4)
    with pytest.raises(ValueError, match="m must be a positive int"):
        fw.layer_shapes([3, 2], 0)


# ----------------------------------------------------------------- predictions
def test_predict_classes_against_a_loop():
    rng = np.random.default_rng(8)
    A = rng.random((10, 13))
    expected = [max(range(10), key=lambda i: A[i, j]) for j in range(13)]
    assert fw.predict_classes(A).tolist() == expected
    S = np.array([[0.2, 0.7, 0.5000001, 0.4999999]])
    assert fw.predict_classes(S).tolist() == [0, 1, 1, 0]
    assert fw.predict_classes(S).shape == (4,)


def test_accuracy_score():
    assert fw.accuracy_score([1, 0, 2, 2], [1, 1, 2, 2]) == 0.75
    assert fw.accuracy_score(np.array([3]), np.array([4])) == 0.0
    with pytest.raises(ValueError, match="pred and y must have the same shape"):
        fw.accuracy_score([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="at least one"):
        fw.accuracy_score([], [])


# ---------------------------------------------------------------- the picture
def test_random_network_is_seeded_and_has_random_biases():
    a = fw.random_network([2, 8, 1], rng=3, output_scale=4.0)
    b = fw.random_network([2, 8, 1], rng=np.random.default_rng(3), output_scale=4.0)
    plain = fw.random_network([2, 8, 1], rng=3)
    for k in a.params:
        assert np.array_equal(a.params[k], b.params[k])
    assert np.all(a.params["b1"] != 0)
    assert np.array_equal(a.params["W1"], plain.params["W1"])
    np.testing.assert_allclose(a.params["W2"], 4.0 * plain.params["W2"], rtol=1e-15)
    assert a.activations == ["relu", "sigmoid"] and a.loss == "binary_cross_entropy"


def test_network_surface_values_are_the_network_at_the_grid_points():
    net = fw.random_network([2, 5, 1], rng=1)
    xx, yy, Z, A = fw.network_surface(net, lim=1.5, n=21)
    assert xx.shape == yy.shape == Z.shape == A.shape == (21, 21)
    assert (xx.min(), xx.max(), yy.min(), yy.max()) == (-1.5, 1.5, -1.5, 1.5)
    p = net.params
    for i, j in [(0, 0), (3, 17), (20, 20), (10, 4)]:
        x = np.array([[xx[i, j]], [yy[i, j]]])
        z = (p["W2"] @ np.maximum(p["W1"] @ x + p["b1"], 0) + p["b2"])[0, 0]
        assert Z[i, j] == pytest.approx(z, rel=1e-12, abs=1e-14)
        assert A[i, j] == pytest.approx(_sigmoid_scalar(z), rel=1e-12)
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        fw.network_surface(fw.random_network([3, 1], rng=0))


def test_plane_fit_r2():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 11), np.linspace(-1, 1, 11))
    assert fw.plane_fit_r2(xx, yy, 3 * xx - 2 * yy + 1) == pytest.approx(1.0, abs=1e-12)
    # On a symmetric grid the best plane through x^2 + y^2 is flat, so it explains nothing.
    assert fw.plane_fit_r2(xx, yy, xx ** 2 + yy ** 2) == pytest.approx(0.0, abs=1e-12)
    assert fw.plane_fit_r2(xx, yy, np.ones_like(xx)) == 1.0
    # A network with no hidden layer has a planar logit; one hidden ReLU layer bends it.
    assert fw.plane_fit_r2(*fw.network_surface(fw.random_network([2, 1], rng=0))[:3]) == pytest.approx(1.0, abs=1e-12)
    assert fw.plane_fit_r2(*fw.network_surface(fw.random_network([2, 8, 1], rng=0))[:3]) < 0.99


def test_network_diagram_has_one_edge_per_weight():
    nodes, edges = fw.network_diagram([4, 2, 3])
    assert len(nodes) == 9 and len(edges) == 4 * 2 + 2 * 3
    assert len(set(edges)) == len(edges)
    assert sum(1 for (a, b) in edges if b[0] == 1) == 8
    assert all(b[0] == a[0] + 1 for a, b in edges)
    ys = [y for (l, _), (_, y) in nodes.items() if l == 1]
    assert sorted(ys) == [-0.5, 0.5]


def test_drawing_functions_draw():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    fw.draw_network(ax1, [4, 2, 3], highlight=(1, 1, 2))
    assert len(ax1.lines) == 14 + 1  # every edge, plus the highlighted one on top
    xx, yy, _, A = fw.network_surface(fw.random_network([2, 4, 1], rng=0, output_scale=4.0), n=11)
    fw.draw_surface(ax2, xx, yy, A, title="t")
    assert ax2.get_title() == "t"
    plt.close(fig)
