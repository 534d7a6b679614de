"""Tests of nnlessons.lessons.linear_collapse: the collapse of linear layers into one affine map,
checked against the package's Network, explicit products, finite differences and np.linalg."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nnlessons as nl
from nnlessons.lessons import linear_collapse as lc
from nnlessons.activations import relu


# ------------------------------------------------------------ the 1-2-2-1 network
@pytest.mark.parametrize("seed", range(5))
def test_tiny_network_is_B_x_plus_C(seed):
    p = lc.tiny_weights(rng=seed)
    B, C = lc.tiny_B_C(p)
    x = np.linspace(-10, 10, 1001)
    y = lc.tiny_network(x, p)
    assert y.shape == x.shape
    assert np.max(np.abs(y - (B * x + C))) < 1e-12 * (1 + np.max(np.abs(y)))
    # independent of the expansion: an affine map has f(0) = C and f(1) - f(0) = B
    assert C == pytest.approx(float(lc.tiny_network(0.0, p)), abs=1e-14)
    assert B == pytest.approx(float(lc.tiny_network(1.0, p) - lc.tiny_network(0.0, p)), abs=1e-13)


@pytest.mark.parametrize("seed", range(3))
def test_tiny_layers_match_the_named_weights_through_network(seed):
    p = lc.tiny_weights(rng=seed)
    net = lc.network_from_layers(lc.tiny_layers(p))
    assert net.sizes == [1, 2, 2, 1]
    x = np.linspace(-3, 3, 13).reshape(1, -1)
    assert np.allclose(net(x), lc.tiny_network(x, p), rtol=1e-13, atol=1e-13)
    # "w2_12" is W2[0, 1]: from neuron 2 of layer 1 into neuron 1 of layer 2
    assert lc.tiny_layers(p)[1][0][0, 1] == p["w2_12"]
    assert lc.tiny_layers(p)[0][0][1, 0] == p["w1_21"]


def test_tiny_weights_are_seeded_and_complete():
    p = lc.tiny_weights(rng=7)
    assert tuple(p) == lc.TINY_NAMES and len(p) == 13
    assert p == lc.tiny_weights(rng=np.random.default_rng(7))
    assert p != lc.tiny_weights(rng=8)
    with pytest.raises(ValueError, match="p must be a dict"):
        lc.tiny_network(1.0, {k: v for k, v in p.items() if k != "b3_1"})
    with pytest.raises(TypeError, match="rng"):
        lc.tiny_weights(rng=None)


# -------------------------------------------------------------- collapse
def _random_layers(rng, sizes):
    return [(rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), rng.standard_normal((n_out, 1)))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def test_collapse_of_three_layers_is_the_written_out_formula():
    rng = np.random.default_rng(0)
    (W1, b1), (W2, b2), (W3, b3) = layers = _random_layers(rng, [2, 4, 3, 5])
    W, b = lc.collapse(layers)
    assert W.shape == (5, 2) and b.shape == (5, 1)
    assert np.allclose(W, np.linalg.multi_dot([W3, W2, W1]), rtol=1e-13, atol=1e-14)
    assert np.allclose(b, W3 @ W2 @ b1 + W3 @ b2 + b3, rtol=1e-13, atol=1e-14)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=9), seed=st.integers(0, 2**31))
def test_collapse_equals_the_network_for_any_depth_and_widths(sizes, seed):
    rng = np.random.default_rng(seed)
    net = nl.Network(sizes, "identity", "mse", rng=rng)
    for l in range(1, net.n_layers + 1):
        net.params[f"b{l}"] = rng.standard_normal(net.params[f"b{l}"].shape)
    X = rng.standard_normal((sizes[0], 7))
    W, b = lc.collapse(lc.network_layers(net))
    assert nl.relative_error(W @ X + b, net(X)) < 1e-12


@pytest.mark.parametrize("width, seed", [(8, 0), (16, 1), (16, 2)])
def test_a_thousand_orthogonal_layers_collapse_to_machine_precision(width, seed):
    net = lc.deep_linear_network(width, 1000, rng=seed, bias_std=0.1)
    assert net.n_layers == 1000 and set(net.activations) == {"identity"}
    X = np.random.default_rng(seed + 100).standard_normal((width, 20))
    out = net(X)
    W, b = lc.collapse(lc.network_layers(net))
    assert np.isfinite(out).all()
    assert nl.relative_error(W @ X + b, out) < 1e-12
    # the product of orthogonal matrices is orthogonal: the input is neither lost nor blown up
    assert np.allclose(W.T @ W, np.eye(width), atol=1e-10)


def test_collapse_leaves_its_input_alone_and_returns_new_arrays():
    layers = _random_layers(np.random.default_rng(1), [3, 3, 2])
    before = [(W.copy(), b.copy()) for W, b in layers]
    W, b = lc.collapse(layers)
    assert all(np.array_equal(W0, W1) and np.array_equal(b0, b1) for (W0, b0), (W1, b1) in zip(before, layers))
    single = layers[:1]
    W, b = lc.collapse(single)
    W += 1.0
    b += 1.0
    assert np.array_equal(single[0][0], before[0][0]) and np.array_equal(single[0][1], before[0][1])


def test_collapse_rejects_bad_layers():
    rng = np.random.default_rng(2)
    W1, b1 = rng.standard_normal((3, 2)), rng.standard_normal((3, 1))
    with pytest.raises(ValueError, match=r"W of layer 2 must have shape \(any, 3\), got shape \(2, 2\)"):
        lc.collapse([(W1, b1), (np.eye(2), np.zeros((2, 1)))])
    with pytest.raises(ValueError, match=r"b of layer 1 must have shape \(3, 1\), got shape \(3,\)"):
        lc.collapse([(W1, b1[:, 0])])
    with pytest.raises(ValueError, match=r"b of layer 1 must have shape \(3, 1\), got shape \(\)"):
        lc.collapse([(W1, 1.0)])
    with pytest.raises(ValueError, match=r"W of layer 1 must have shape \(any, any\), got shape \(3,\)"):
        lc.collapse([(b1[:, 0], b1)])
    with pytest.raises(ValueError, match="non-empty list"):
        lc.collapse([])
    with pytest.raises(ValueError, match=r"layers\[0\] must be a pair"):
        lc.collapse([W1])


def test_network_layers_are_the_network_parameters():
    net = nl.Network([2, 3, 1], "identity", "mse", rng=0)
    layers = lc.network_layers(net)
    assert [W.shape for W, _ in layers] == [(3, 2), (1, 3)]
    assert layers[1][0] is net.params["W2"] and layers[0][1] is net.params["b1"]
    with pytest.raises(TypeError, match="net must be a nnlessons.Network"):
        lc.network_layers([(np.eye(2), np.zeros((2, 1)))])


def test_network_from_layers_round_trips_and_copies():
    layers = _random_layers(np.random.default_rng(3), [2, 5, 3])
    net = lc.network_from_layers(layers)
    assert net.sizes == [2, 5, 3] and net.activations == ["identity", "identity"]
    for (W, b), (W_net, b_net) in zip(layers, lc.network_layers(net)):
        assert np.array_equal(W, W_net) and np.array_equal(b, b_net) and W is not W_net
    X = np.random.default_rng(4).standard_normal((2, 6))
    W1, b1 = layers[0]
    W2, b2 = layers[1]
    assert np.allclose(net(X), W2 @ (W1 @ X + b1) + b2, rtol=1e-13, atol=1e-14)
    bent = lc.network_from_layers(layers, ["relu", "identity"])
    assert np.allclose(bent(X), W2 @ relu(W1 @ X + b1) + b2, rtol=1e-13, atol=1e-14)


# ------------------------------------------------------- weights for depth
def test_random_orthogonal_is_orthogonal_and_unbiased():
    Q = lc.random_orthogonal(5, rng=0)
    assert Q.shape == (5, 5)
    assert np.allclose(Q.T @ Q, np.eye(5), atol=1e-12)
    many = lc.random_orthogonal(4, rng=1, count=4000)
    assert many.shape == (4000, 4, 4)
    assert np.allclose(np.einsum("kji,kjl->kil", many, many), np.eye(4), atol=1e-12)
    # uniformly random orthogonal matrices: entries average 0 with variance 1/n
    # (without the sign fix, numpy's QR would make the diagonal of Q biased)
    assert np.abs(many.mean(axis=0)).max() < 0.05
    assert np.abs((many**2).mean(axis=0) - 0.25).max() < 0.03
    dets = np.linalg.det(many)
    assert np.allclose(np.abs(dets), 1.0) and 0.4 < np.mean(dets > 0) < 0.6
    assert np.array_equal(lc.random_orthogonal(3, rng=5), lc.random_orthogonal(3, rng=np.random.default_rng(5)))
    with pytest.raises(ValueError, match="n must be a positive int"):
        lc.random_orthogonal(0, rng=0)
    with pytest.raises(ValueError, match="count must be"):
        lc.random_orthogonal(3, rng=0, count=0)


def test_deep_linear_network_weight_choices():
    g = lc.deep_linear_network(16, 50, rng=0, weights="gaussian")
    W = np.stack([g.params[f"W{l}"] for l in range(1, 51)])
    assert abs(W.std() - 1 / 4) < 0.01
    s = lc.deep_linear_network(16, 50, rng=0, weights=2.0)
    assert abs(np.stack([s.params[f"W{l}"] for l in range(1, 51)]).std() - 2.0) < 0.05
    o = lc.deep_linear_network(6, 10, rng=0, bias_std=0.5)
    for l in range(1, 11):
        Q = o.params[f"W{l}"]
        assert np.allclose(Q @ Q.T, np.eye(6), atol=1e-12)
    b = np.concatenate([o.params[f"b{l}"] for l in range(1, 11)])
    assert b.std() > 0.2
    assert not np.any(lc.deep_linear_network(6, 3, rng=0).params["b2"])
    assert o.sizes == [6] * 11 and o.activations == ["identity"] * 10
    with pytest.raises(ValueError, match="weights must be"):
        lc.deep_linear_network(4, 3, rng=0, weights="xavier")
    with pytest.raises(ValueError, match="depth must be"):
        lc.deep_linear_network(4, 0, rng=0)
    with pytest.raises(ValueError, match="bias_init"):
        lc.deep_linear_network(4, 2, rng=0, bias_std=-1.0)


def test_signal_log10_norms_match_direct_products_on_a_shallow_net():
    net = lc.deep_linear_network(5, 6, rng=3, weights=1.0, bias_std=1.0)
    x = np.random.default_rng(4).standard_normal(5)
    v, direct = x.copy(), [np.log10(np.linalg.norm(x))]
    for l in range(1, 7):
        v = net.params[f"W{l}"] @ v  # biases are left out on purpose
        direct.append(np.log10(np.linalg.norm(v)))
    got = lc.signal_log10_norms(net, x)
    assert got.shape == (7,)
    assert np.allclose(got, direct, atol=1e-12)
    assert np.allclose(lc.signal_log10_norms(net, x.reshape(-1, 1)), got)


def test_signal_log10_norms_at_a_thousand_layers():
    x = np.random.default_rng(0).standard_normal(16)
    start = np.log10(np.linalg.norm(x))
    orth = lc.signal_log10_norms(lc.deep_linear_network(16, 1000, rng=1), x)
    assert orth.shape == (1001,) and np.allclose(orth, start, atol=1e-10)
    # standard deviation 1: every layer multiplies the size by about sqrt(16) = 4
    big = lc.signal_log10_norms(lc.deep_linear_network(16, 1000, rng=1, weights=1.0), x)
    assert np.isfinite(big).all() and big[-1] > 308  # beyond the largest float64
    slope = np.polyfit(np.arange(1001), big, 1)[0]
    assert abs(slope - np.log10(4)) < 0.05
    # 1/sqrt(n): the size is right on average, yet a typical signal shrinks
    small = lc.signal_log10_norms(lc.deep_linear_network(16, 1000, rng=1, weights="gaussian"), x)
    assert small[-1] < start - 5
    with pytest.raises(ValueError, match=r"x must have shape \(16, 1\)"):
        lc.signal_log10_norms(lc.deep_linear_network(16, 2, rng=1), np.ones(3))
    with pytest.raises(ValueError, match=r"x must have shape \(16, 1\), got shape \(1, 16\)"):
        lc.signal_log10_norms(lc.deep_linear_network(16, 2, rng=1), np.ones((1, 16)))
    with pytest.raises(ValueError, match="zero vector"):
        lc.signal_log10_norms(lc.deep_linear_network(16, 2, rng=1), np.zeros(16))


# ------------------------------------------------------- fitting a curve
def test_least_squares_line_matches_polyfit():
    X, Y = nl.datasets.noisy_regression(40, rng=0, fn=np.sin)
    W, b = lc.least_squares_line(X, Y)
    slope, intercept = np.polyfit(X[0], Y[0], 1)
    assert W.shape == (1, 1) and b.shape == (1, 1)
    assert W[0, 0] == pytest.approx(slope, rel=1e-10) and b[0, 0] == pytest.approx(intercept, abs=1e-10)
    X2 = np.array([[0.0, 1.0, 2.0]])
    W2, b2 = lc.least_squares_line(X2, 3 * X2 - 1)
    assert np.allclose([W2[0, 0], b2[0, 0]], [3.0, -1.0])
    with pytest.raises(ValueError, match="two different inputs"):
        lc.least_squares_line(np.ones((1, 4)), np.ones((1, 4)))
    with pytest.raises(ValueError, match=r"Y must have shape \(1, 3\)"):
        lc.least_squares_line(X2, np.ones((1, 4)))


def descend(net, X, Y, learning_rate, n_steps):
    """Plain gradient descent, as the notebook's loop: the costs before each step and at the end."""
    costs = []
    for _ in range(n_steps):
        cost, grads = net.loss_and_grads(X, Y)
        for name in net.params:
            net.params[name] -= learning_rate * grads[name]
        costs.append(cost)
    return np.array(costs + [net.cost(X, Y)])


def test_deep_linear_training_reaches_the_least_squares_line_and_tanh_beats_it():
    """The notebook's claim: plain gradient descent on a linear stack ends at the line."""
    X, Y = nl.datasets.noisy_regression(100, rng=0, noise=0.1, fn=np.sin)
    W_ls, b_ls = lc.least_squares_line(X, Y)
    line_loss = nl.losses.mean_squared_error(W_ls @ X + b_ls, Y)
    lin = nl.Network([1, 16, 16, 1], "identity", "mse", rng=1)
    costs = descend(lin, X, Y, 0.05, 3000)
    W, b = lc.collapse(lc.network_layers(lin))
    assert np.allclose([W[0, 0], b[0, 0]], [W_ls[0, 0], b_ls[0, 0]], atol=1e-8)
    assert costs[-1] == pytest.approx(line_loss, rel=1e-9)
    # no set of weights does better: the cost never goes below the line's
    assert costs.min() >= line_loss * (1 - 1e-12)
    bent = nl.Network([1, 16, 16, 1], ["tanh", "tanh", "identity"], "mse", rng=1)
    bent_costs = descend(bent, X, Y, 0.05, 3000)
    assert bent_costs[-1] < 0.1 * line_loss


def test_tiny_paths_sum_to_B():
    for seed in range(5):
        p = lc.tiny_weights(rng=seed)
        paths = lc.tiny_paths(p)
        assert len(paths) == 4 and len({names for names, _ in paths}) == 4
        for names, product in paths:
            assert [n[:2] for n in names] == ["w1", "w2", "w3"]
            # consecutive weights meet at one neuron: into j of layer 1, then from j into layer 2, ...
            assert names[0][3] == names[1][4] and names[1][3] == names[2][4]
            assert product == pytest.approx(np.prod([p[n] for n in names]))
        assert sum(pr for _, pr in paths) == pytest.approx(lc.tiny_B_C(p)[0], rel=1e-12, abs=1e-15)


def test_draw_tiny_network_labels_every_weight_and_highlights_a_path():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = lc.tiny_weights(rng=0)
    names, _ = lc.tiny_paths(p)[1]
    fig, ax = plt.subplots()
    lc.draw_tiny_network(ax, p, highlight=names, color="C1")
    weights = [n for n in lc.TINY_NAMES if n.startswith("w")]
    assert len(ax.lines) == len(weights) == 8
    thick = [line for line in ax.lines if line.get_linewidth() == 3]
    assert len(thick) == 3
    texts = [t.get_text() for t in ax.texts]
    assert all(f"{p[n]:+.2f}" in texts for n in weights)
    assert {"x", "ŷ", "1,1", "1,2", "2,1", "2,2"} <= set(texts)
    with pytest.raises(ValueError):
        lc.draw_tiny_network(ax, {"w1_11": 1.0})
    plt.close(fig)


def test_a_deep_linear_network_with_one_input_and_output_is_a_line():
    net = lc.deep_linear_network(16, 1000, rng=2, bias_std=0.1, n_in=1, n_out=1)
    assert net.sizes[0] == net.sizes[-1] == 1 and net.sizes[1:-1] == [16] * 999
    np.testing.assert_allclose(np.linalg.norm(net.params["W1"]), 1.0)  # a unit column: |W1 x| = |x|
    np.testing.assert_allclose(np.linalg.norm(net.params["W1000"]), 1.0)
    W, b = lc.collapse(lc.network_layers(net))
    assert W.shape == b.shape == (1, 1)
    x = np.linspace(-10, 10, 21).reshape(1, -1)
    np.testing.assert_allclose(net(x), W @ x + b, rtol=0, atol=1e-10)
    assert 0.01 < abs(W[0, 0]) <= 1.0  # orthonormal rows and columns: nothing explodes or vanishes
    g = lc.deep_linear_network(8, 5, rng=0, weights="gaussian", n_in=3, n_out=2)
    assert [g.params[f"W{l}"].shape for l in range(1, 6)] == [(8, 3), (8, 8), (8, 8), (8, 8), (2, 8)]
    with pytest.raises(ValueError, match="n_in"):
        lc.deep_linear_network(8, 5, rng=0, n_in=0)


def test_layer_gradient_norms_match_numerical_gradients():
    rng = np.random.default_rng(0)
    net = nl.Network([3, 4, 4, 1], ["sigmoid", "tanh", "identity"], "mse", rng=1)
    X, Y = rng.standard_normal((3, 5)), rng.standard_normal((1, 5))
    got = lc.layer_gradient_norms(net, X, Y)
    numeric = [np.linalg.norm(nl.numerical_gradient(lambda: net.cost(X, Y), net.params[f"W{l}"]))
               for l in (1, 2, 3)]
    assert got.shape == (3,)
    assert np.allclose(got, numeric, rtol=1e-6)


def test_sigmoid_gradients_shrink_towards_the_first_layers():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((16, 64)), rng.standard_normal((1, 64))
    g = {a: lc.layer_gradient_norms(nl.Network([16] * 11 + [1], [a] * 10 + ["identity"], "mse", rng=0), X, Y)
         for a in ("sigmoid", "relu")}
    assert g["sigmoid"][0] / g["sigmoid"][9] < 1e-4
    assert 0.1 < g["relu"][0] / g["relu"][9] < 10


# -------------------------------------------------------------- ReLU kinks
def _relu_net_values(W1, b1, W2, x):
    return (W2 @ relu(W1 @ x.reshape(1, -1) + b1))[0]


@pytest.mark.parametrize("seed", range(6))
def test_relu_kinks_are_where_the_sampled_function_bends(seed):
    rng = np.random.default_rng(seed)
    n = 5
    W1, b1, W2 = rng.standard_normal((n, 1)), rng.uniform(-3, 3, (n, 1)), rng.standard_normal((1, n))
    kinks = lc.relu_kinks(W1, b1, W2)
    assert kinks.ndim == 1 and len(kinks) <= n and np.all(np.diff(kinks) > 0)
    x = np.linspace(-40, 40, 80001)
    found = lc.numerical_kinks(x, _relu_net_values(W1, b1, W2, x))
    inside = kinks[np.abs(kinks) < 39]
    assert len(found) == len(inside)
    assert np.allclose(found, inside, atol=1e-3)
    # between kinks the function is a straight line: its midpoint lies on the chord
    edges = np.concatenate([[-39.0], inside, [39.0]])
    for a, c in zip(edges[:-1], edges[1:]):
        fa, fm, fc = _relu_net_values(W1, b1, W2, np.array([a, (a + c) / 2, c]))
        assert fm == pytest.approx((fa + fc) / 2, abs=1e-9)


def test_relu_kinks_edge_cases():
    W1 = np.array([[1.0], [2.0], [0.0], [1.0], [1.0], [1.0]])
    b1 = np.array([[-1.0], [-2.0], [5.0], [3.0], [-4.0], [-4.0]])
    W2 = np.array([[1.0, 0.5, 7.0, 0.0, 2.0, -2.0]])
    # units 0 and 1 switch together at x = 1 (one kink); unit 2 has no input weight,
    # unit 3 no output weight; units 4 and 5 switch at x = 4 but their jumps cancel
    assert np.array_equal(lc.relu_kinks(W1, b1, W2), [1.0])
    x = np.linspace(-10, 10, 20001)
    assert np.allclose(lc.numerical_kinks(x, _relu_net_values(W1, b1, W2, x)), [1.0], atol=1e-3)
    assert lc.relu_kinks(np.zeros((2, 1)), np.ones((2, 1)), np.ones((1, 2))).shape == (0,)
    with pytest.raises(ValueError, match=r"W2 must have shape \(1, 6\), got shape \(6, 1\)"):
        lc.relu_kinks(W1, b1, W2.T)
    with pytest.raises(ValueError, match=r"b1 must have shape \(6, 1\)"):
        lc.relu_kinks(W1, b1[:, 0], W2)


def test_numerical_kinks_on_known_polylines():
    x = np.linspace(-2, 2, 4001)
    assert np.allclose(lc.numerical_kinks(x, np.abs(x - 0.3) + 2 * relu(x - 1.2)), [0.3, 1.2], atol=1e-3)
    # a kink between two grid points is found once, halfway between them (error at most half a step)
    assert np.allclose(lc.numerical_kinks(x, np.abs(x - 0.1009)), [0.1005], atol=1e-12)
    assert lc.numerical_kinks(x, 3 * x - 1).size == 0
    with pytest.raises(ValueError, match="strictly increasing"):
        lc.numerical_kinks(x[::-1], x)
    with pytest.raises(ValueError, match="same length"):
        lc.numerical_kinks(x, x[:-1])


# ------------------------------------------------ ReLU units set by hand
def test_relu_network_1d_matches_the_package_network():
    rng = np.random.default_rng(5)
    W1, b1, W2, b2 = rng.standard_normal((4, 1)), rng.standard_normal((4, 1)), rng.standard_normal((1, 4)), 0.3
    net = nl.Network([1, 4, 1], ["relu", "identity"], "mse", rng=0)
    net.set_params({"W1": W1, "b1": b1, "W2": W2, "b2": np.array([[b2]])})
    x = np.linspace(-4, 4, 81)
    assert np.allclose(lc.relu_network_1d(x, W1, b1, W2, b2), net(x.reshape(1, -1))[0], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="W2"):
        lc.relu_network_1d(x, W1, b1, W2.T, b2)
    with pytest.raises(ValueError, match="b2 must be a number or of shape"):
        lc.relu_network_1d(x, W1, b1, W2, np.zeros((2, 1)))


def test_abs_parameters_compute_abs_with_one_kink_at_zero():
    params = lc.abs_parameters()
    x = np.concatenate([np.linspace(-3, 3, 61), [-1e6, 1e6]])
    assert np.array_equal(lc.relu_network_1d(x, *params), np.abs(x))
    assert np.array_equal(lc.relu_kinks(*params[:3]), [0.0])


@pytest.mark.parametrize("left, right, height", [(1.0, 3.0, 1.0), (-2.0, 0.5, 3.0), (0.0, 10.0, -1.0)])
def test_bump_parameters_give_the_bump_formula(left, right, height):
    params = lc.bump_parameters(left, right, height)
    x = np.concatenate([np.linspace(left - 2, right + 2, 401), [-1e6, 1e6]])
    f = lc.relu_network_1d(x, *params)
    assert np.allclose(f, lc.bump(x, left, right, height), rtol=1e-12, atol=1e-15 * (1 + np.abs(x)) * 100)
    outside = (x <= left) | (x >= right)
    # exactly 0 for the exercise's integer corners; within rounding for the others
    assert np.allclose(f[outside], 0, atol=1e-15 * (1 + np.abs(x[outside])) * 100)
    if (left, right, height) == (1.0, 3.0, 1.0):
        assert np.all(f[outside] == 0)
    assert lc.relu_network_1d([(left + right) / 2], *params)[0] == pytest.approx(height)
    assert np.allclose(lc.relu_kinks(*params[:3]), [left, (left + right) / 2, right])
    # the formula itself, at hand-computed points of the default bump
    assert np.allclose(lc.bump([0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0]), [0, 0, 0.5, 1, 0.5, 0, 0])
    with pytest.raises(ValueError, match="left < right"):
        lc.bump_parameters(3.0, 1.0)
