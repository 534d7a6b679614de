"""nnlessons.lessons.backprop: every derived gradient against central differences, and against
the package's own backward pass; the references of notebook 05's exercises; the moons."""

import copy
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlessons as nl  # noqa: E402
from nnlessons.lessons import backprop as bp  # noqa: E402
from nnlessons.lessons import forward_prop as fw  # noqa: E402
from nnlessons.datasets import moons, x_plus_two  # noqa: E402
from nnlessons.losses import binary_cross_entropy_from_logits, categorical_cross_entropy_from_logits  # noqa: E402

TOL = 1e-7


# ------------------------------------------------------------------ warm-ups
def test_h_derivative_matches_central_differences():
    x = np.linspace(-3.0, 3.0, 13)
    numeric = nl.numerical_gradient(lambda: bp.h(x).sum(), x)  # h is elementwise
    assert nl.relative_error(bp.h_derivative(x), numeric) < TOL
    assert np.allclose(bp.h(x), 25 * x**2 + 30 * x + 9)        # (5x + 3)^2 expanded


def test_f_xy_gradient_matches_central_differences():
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.uniform(-3, 3, 2)
        numeric = nl.numerical_gradient(lambda: bp.f_xy(p[0], p[1]), p)
        assert nl.relative_error(np.array(bp.f_xy_gradient(p[0], p[1])), numeric) < TOL
    assert np.allclose(bp.f_xy_gradient(3.0, -2.0), (-12.0, 9.0))


def test_difference_quotients_on_a_parabola():
    # f(x) = x^2: one-sided = 2x + eps exactly, central = 2x exactly (up to rounding).
    x = np.array([-1.0, 0.5, 2.0])
    one_sided, central = bp.difference_quotients(np.square, x, 1e-3)
    assert np.allclose(one_sided, 2 * x + 1e-3, atol=1e-9)
    assert np.allclose(central, 2 * x, atol=1e-9)


def test_difference_quotients_keep_float32_and_refuse_integers():
    _, central = bp.difference_quotients(np.sin, np.zeros(3, dtype=np.float32), 1e-2)
    assert central.dtype == np.float32
    with pytest.raises(TypeError, match="x must be a float32 or float64 array"):
        bp.difference_quotients(np.sin, np.arange(3), 1e-2)


def test_difference_errors_show_the_orders_and_the_float32_floor():
    eps = np.array([1e-2, 1e-3])
    x = np.linspace(-3.0, 3.0, 13)
    one, central = bp.difference_errors(np.sin, np.cos, x, eps)
    assert 0.08 < one[1] / one[0] < 0.12           # error ~ eps
    assert 0.008 < central[1] / central[0] < 0.012  # error ~ eps^2
    grid = np.logspace(-12, -1, 12)
    assert bp.difference_errors(np.sin, np.cos, x, grid)[1].min() < 1e-9
    assert bp.difference_errors(np.sin, np.cos, x, grid, dtype=np.float32)[1].min() > 1e-6


def test_verdict_bounds():
    assert bp.verdict(1e-10) == "relative error < 1e-7 (right)"
    assert bp.verdict(0.0) == "relative error < 1e-7 (right)"
    assert bp.verdict(0.5) == "relative error > 1e-3 (wrong)"
    assert bp.verdict(1e-5) == "relative error between 1e-7 and 1e-3 (suspicious)"
    for bad in (-1.0, float("nan"), "small"):
        with pytest.raises(ValueError, match="error must be a non-negative number"):
            bp.verdict(bad)


# ----------------------------------------------------------------- landscape
def test_landscape_matches_the_network_cost_and_gradient():
    X, Y = x_plus_two()
    ws, bs = np.array([-1.0, 0.3, 2.5]), np.array([-2.0, 1.0, 4.0, 6.0])
    C, dW, dB = bp.landscape(X, Y, ws, bs)
    assert C.shape == dW.shape == dB.shape == (4, 3)
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            cost, grads = bp.linear_neuron(w, b).loss_and_grads(X, Y)
            assert np.isclose(C[i, j], cost) and np.isclose(dW[i, j], grads["W1"][0, 0])
            assert np.isclose(dB[i, j], grads["b1"][0, 0])
    C0, dw0, db0 = bp.landscape(X, Y, [1.0], [2.0])      # the exact fit y = x + 2
    assert C0[0, 0] == 0.0 and dw0[0, 0] == 0.0 and db0[0, 0] == 0.0


def test_landscape_rejects_mismatched_data():
    with pytest.raises(ValueError, match="X and Y must have the same shape"):
        bp.landscape(np.ones((1, 3)), np.ones((1, 4)), [0.0], [0.0])


def test_descend_goes_downhill_and_reaches_the_minimum():
    X, Y = x_plus_two()
    path, costs = bp.descend(X, Y, start=(-0.5, 5.0), learning_rate=0.15, steps=40)
    assert path.shape == (41, 2) and costs.shape == (41,)
    assert np.array_equal(path[0], [-0.5, 5.0])
    assert np.all(np.diff(costs) < 0)
    # one step by hand, from the closed-form gradient
    _, dw, db = bp.landscape(X, Y, [-0.5], [5.0])
    assert np.allclose(path[1], [-0.5 - 0.15 * dw[0, 0], 5.0 - 0.15 * db[0, 0]])
    path, _ = bp.descend(X, Y, start=(-0.5, 5.0), learning_rate=0.15, steps=2000)
    assert np.allclose(path[-1], [1.0, 2.0], atol=1e-6)


# ---------------------------------------------------------- chain of neurons
def chain_problem(L=3, m=5, seed=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(m), rng.uniform(0, 1, m), rng.normal(0, 1.5, L), rng.normal(0, 0.5, L)


@pytest.mark.parametrize("L", [1, 2, 3, 5])
def test_neuron_chain_parameter_gradients(L):
    x, y, w, b = chain_problem(L=L, seed=L)
    d = bp.neuron_chain_backward(x, y, w, b)
    w_, b_ = w.copy(), b.copy()
    errors = nl.gradient_check(lambda: bp.neuron_chain_losses(x, y, w_, b_).mean(),
                               {"w": w_, "b": b_}, {"w": d["dw"], "b": d["db"]})
    assert max(errors.values()) < TOL, errors


def test_neuron_chain_per_example_derivatives_passed_back():
    x, y, w, b = chain_problem()
    d = bp.neuron_chain_backward(x, y, w, b)
    _, a = bp.neuron_chain_forward(x, w, b)
    assert np.allclose(d["da"][3], 2 * (a[3] - y))
    for l in range(4):
        a_l = a[l].copy()
        numeric = nl.numerical_gradient(lambda: bp.neuron_chain_losses_from(l, a_l, y, w, b).sum(), a_l)
        assert nl.relative_error(d["da"][l], numeric) < TOL, l


def test_one_neuron_by_hand():
    x, y = np.array([0.5, -1.0]), np.array([1.0, 0.0])
    w, b = np.array([2.0]), np.array([0.3])
    z = 2.0 * x + 0.3
    a = 1 / (1 + np.exp(-z))
    dz = 2 * (a - y) * a * (1 - a)
    d = bp.neuron_chain_backward(x, y, w, b)
    assert np.isclose(d["dw"][0], np.mean(dz * x)) and np.isclose(d["db"][0], np.mean(dz))
    assert np.allclose(d["da"][0], dz * 2.0)


def test_neuron_chain_input_checks():
    x, y, w, b = chain_problem()
    assert np.array_equal(bp.neuron_chain_losses_from(0, x, y, w, b), bp.neuron_chain_losses(x, y, w, b))
    with pytest.raises(ValueError, match="w and b must have the same shape"):
        bp.neuron_chain_backward(x, y, w, b[:2])
    with pytest.raises(ValueError, match="l must be an int from 0 to 3"):
        bp.neuron_chain_losses_from(4, x, y, w, b)
    with pytest.raises(ValueError, match="a_L and y must have the same shape"):
        bp.neuron_chain_losses(x, y[:3], w, b)


def test_chain_graph_gradients_are_the_derivatives_of_the_loss():
    x, y, w, b = 1.5, 0.0, np.array([0.8, -1.2]), np.array([0.1, 0.4])
    nodes, edges = bp.chain_graph(x, y, w, b)
    w_, b_, x_ = w.copy(), b.copy(), np.array([x])
    loss = lambda: bp.neuron_chain_losses(x_, [y], w_, b_)[0]  # noqa: E731
    assert np.isclose(nodes["loss"][0], loss())
    for l in (1, 2):
        assert nl.relative_error(np.array([nodes[f"w{l}"][1], nodes[f"b{l}"][1]]),
                                 np.array([nl.numerical_gradient(loss, w_)[l - 1],
                                           nl.numerical_gradient(loss, b_)[l - 1]])) < TOL
        # each z's gradient is its a's gradient times sigmoid'(z), and b's gradient equals z's
        assert np.isclose(nodes[f"z{l}"][1], nodes[f"a{l}"][1] * nl.activations.sigmoid_derivative(
            np.array(nodes[f"z{l}"][0])))
        assert nodes[f"b{l}"][1] == nodes[f"z{l}"][1]
    assert nl.relative_error(np.array([nodes["x"][1]]), nl.numerical_gradient(loss, x_)) < TOL
    assert ("a2", "loss") in edges and ("w1", "z1") in edges and len(edges) == 10


def test_draw_chain_graph_writes_every_value_and_gradient():
    fig, ax = plt.subplots()
    bp.draw_chain_graph(ax, 1.5, 0.0, [0.8, -1.2], [0.1, 0.4])
    texts = [t.get_text() for t in ax.texts]
    nodes, edges = bp.chain_graph(1.5, 0.0, [0.8, -1.2], [0.1, 0.4])
    for u, _ in edges:
        assert f"{nodes[u][0]:.3f}" in texts
        if nodes[u][1] is not None:
            assert f"{nodes[u][1]:.3f}" in texts
    # every number sits on a white patch above the arrows, which would otherwise strike through it
    numbers = [t for t in ax.texts if t.get_text().lstrip("-").replace(".", "").isdigit()]
    assert len(numbers) == 19
    for t in numbers:
        assert t.get_bbox_patch().get_facecolor() == (1.0, 1.0, 1.0, 1.0) and t.get_zorder() > 3
    plt.close(fig)


# ------------------------------------------------------ the three-layer net
def three_layer_backward(params, cache, Y):
    """The notebook's manual backward pass, written out here as the tests' own reference."""
    W2, W3 = params["W2"], params["W3"]
    A0, Z1, A1, Z2, A2, A3 = (cache[k] for k in ("A0", "Z1", "A1", "Z2", "A2", "A3"))
    m = A0.shape[1]
    g = {"dZ3": A3 - Y}
    g["dW3"], g["db3"] = g["dZ3"] @ A2.T / m, g["dZ3"].sum(axis=1, keepdims=True) / m
    g["dA2"] = W3.T @ g["dZ3"]
    g["dZ2"] = g["dA2"] * (Z2 > 0)
    g["dW2"], g["db2"] = g["dZ2"] @ A1.T / m, g["dZ2"].sum(axis=1, keepdims=True) / m
    g["dA1"] = W2.T @ g["dZ2"]
    g["dZ1"] = g["dA1"] * (Z1 > 0)
    g["dW1"], g["db1"] = g["dZ1"] @ A0.T / m, g["dZ1"].sum(axis=1, keepdims=True) / m
    return {k: g[k] for k in bp.THREE_LAYER_GRADIENTS}


def three_layer_problem(sizes=(2, 4, 3, 1), m=6, seed=8, bias_std=0.5):
    rng = np.random.default_rng(seed)
    net = bp.three_layer_network(list(sizes), rng=rng, bias_std=bias_std)
    X = rng.standard_normal((sizes[0], m))
    y = rng.integers(0, 2, m)
    _, cache = net.forward(X)
    return net, X, y.reshape(1, -1).astype(float), cache


@pytest.mark.parametrize("sizes, m, seed", [((2, 4, 3, 1), 6, 8), ((3, 5, 2, 1), 9, 1), ((1, 7, 6, 1), 4, 2)])
def test_manual_backward_equals_network_backward(sizes, m, seed):
    net, X, Y, cache = three_layer_problem(sizes, m, seed)
    manual = three_layer_backward(net.params, cache, Y)
    for name, g in net.backward(Y, cache).items():
        assert np.allclose(manual["d" + name], g, rtol=1e-12, atol=1e-15), name


@pytest.mark.parametrize("sizes, m, seed", [((2, 4, 3, 1), 6, 8), ((3, 5, 2, 1), 9, 1)])
def test_every_intermediate_gradient_matches_central_differences(sizes, m, seed):
    net, X, Y, cache = three_layer_problem(sizes, m, seed)
    errors = bp.check_three_layer_backward(three_layer_backward, net.params, cache, Y)
    assert list(errors) == list(bp.THREE_LAYER_GRADIENTS)
    assert max(errors.values()) < TOL, errors


def test_dZ3_is_the_derivative_of_each_examples_loss():
    # independent of the helper: m * d(mean BCE)/dZ3 by central differences
    net, X, Y, cache = three_layer_problem()
    Z3 = cache["Z3"].copy()
    numeric = 6 * nl.numerical_gradient(lambda: binary_cross_entropy_from_logits(Z3, Y), Z3)
    assert nl.relative_error(three_layer_backward(net.params, cache, Y)["dZ3"], numeric) < TOL


@pytest.mark.parametrize("name", ["dW2", "dA1", "dZ2"])
def test_the_check_catches_a_wrong_line(name):
    net, X, Y, cache = three_layer_problem()

    def forgot_one_over_m(params, cache, Y):
        g = three_layer_backward(params, cache, Y)
        g[name] = g[name] * cache["A0"].shape[1]
        return g

    errors = bp.check_three_layer_backward(forgot_one_over_m, net.params, cache, Y)
    assert errors[name] > 1e-3
    assert max(e for k, e in errors.items() if k != name) < TOL


def test_cost_from_any_intermediate_is_the_network_cost():
    net, X, Y, cache = three_layer_problem()
    expected = net.cost(X, Y)
    for name in ("A0", "Z1", "A1", "Z2", "A2", "Z3"):
        assert np.isclose(bp.three_layer_cost_from(net.params, name, cache[name], Y), expected)
    with pytest.raises(ValueError, match="name must be one of"):
        bp.three_layer_cost_from(net.params, "A3", cache["A3"], Y)


def test_a_kink_fails_the_check_clearly_not_the_gradient():
    # Zero biases and three inputs at the origin put every z of those examples exactly on 0:
    # the bias checks land far above 1e-3, every weight check far below 1e-7 (notebook 05).
    net, X, Y, _ = three_layer_problem(bias_std=0.0)
    X[:, :3] = 0.0
    _, cache = net.forward(X)
    errors = nl.gradient_check(lambda: net.cost(X, Y), net.params, net.backward(Y, cache))
    assert errors["b1"] > 1e-2 and errors["b2"] > 1e-2, errors
    assert max(errors[k] for k in ("W1", "W2", "W3", "b3")) < TOL / 10, errors
    # Away from the tie, the same code passes.
    net, X, Y, cache = three_layer_problem(bias_std=0.5)
    assert max(nl.gradient_check(lambda: net.cost(X, Y), net.params, net.backward(Y, cache)).values()) < TOL


def test_network_builders_check_their_arguments():
    with pytest.raises(ValueError, match=r"sizes must be \[n0, n1, n2, 1\]"):
        bp.three_layer_network([2, 3, 1], rng=0)
    with pytest.raises(ValueError, match="bias_init must be a non-negative standard deviation"):
        bp.two_layer_network(2, 3, rng=0, bias_std=-1.0)
    net = bp.two_layer_network(2, 3, rng=0, bias_std=0.0)
    assert all(np.all(net.params[k] == 0) for k in ("b1", "b2"))


# ------------------------------------------------ two layers, squared error
def two_layer_problem(seed=9):
    rng = np.random.default_rng(seed)
    net = bp.two_layer_network(3, 5, rng=rng, bias_std=0.5)
    X, Y = rng.standard_normal((3, 8)), rng.uniform(0, 1, (1, 8))
    _, cache = net.forward(X)
    return net, X, Y, cache


@pytest.mark.parametrize("seed", [9, 3, 4])
def test_two_layer_correct_version(seed):
    net, X, Y, cache = two_layer_problem(seed)
    grads = bp.two_layer_backward(net.params, cache, Y)
    package = net.backward(Y, cache)
    assert all(np.allclose(grads[k], package[k], rtol=1e-12, atol=1e-15) for k in package)
    assert max(nl.gradient_check(lambda: net.cost(X, Y), net.params, grads).values()) < TOL


@pytest.mark.parametrize("seed", [9, 3, 4])
def test_two_layer_R_prime_of_z2_fails_in_the_first_layer_only(seed):
    net, X, Y, cache = two_layer_problem(seed)
    wrong = bp.two_layer_backward(net.params, cache, Y, relu_of="z2")
    errors = nl.gradient_check(lambda: net.cost(X, Y), net.params, wrong)
    assert errors["W1"] > 1e-3 and errors["b1"] > 1e-3
    assert errors["W2"] < TOL and errors["b2"] < TOL
    with pytest.raises(ValueError, match="relu_of must be 'z1'"):
        bp.two_layer_backward(net.params, cache, Y, relu_of="a1")


# ------------------------------------------------------------------- softmax
@pytest.mark.parametrize("n, m, seed", [(4, 5, 10), (2, 1, 0), (10, 7, 3)])
def test_softmax_dZ_through_the_jacobian(n, m, seed):
    rng = np.random.default_rng(seed)
    Z = 2.0 * rng.standard_normal((n, m))
    Y = nl.one_hot(rng.integers(0, n, m), n)
    long_way = bp.softmax_cce_dZ_jacobian(Z, Y)
    assert nl.relative_error(long_way, nl.softmax(Z) - Y) < 1e-12
    Zc = Z.copy()
    numeric = m * nl.numerical_gradient(lambda: categorical_cross_entropy_from_logits(Zc, Y), Zc)
    assert nl.relative_error(long_way, numeric) < TOL


def test_softmax_dZ_checks_shapes():
    with pytest.raises(ValueError, match="Z and Y must have the same shape"):
        bp.softmax_cce_dZ_jacobian(np.zeros((3, 2)), np.eye(2))


# -------------------------------------------------------------------- shapes
def test_gradient_shape_table():
    net = nl.Network([784, 128, 64, 10], ["relu", "relu", "softmax"], "categorical_cross_entropy", rng=0)
    rng = np.random.default_rng(0)
    _, grads = net.loss_and_grads(rng.uniform(0, 1, (784, 4)), rng.integers(0, 10, 4))
    lines = bp.gradient_shape_table(net.params, grads).splitlines()
    assert len(lines) == 7 and lines[0].split() == ["name", "parameter", "gradient"]
    assert lines[1].split() == ["W1", "(128,", "784)", "(128,", "784)"]
    grads["W2"] = grads["W2"].T
    assert bp.gradient_shape_table(net.params, grads).splitlines()[3].split() == ["W2", "(64,", "128)", "(128,", "64)"]
    with pytest.raises(ValueError, match="params and grads must have the same names"):
        bp.gradient_shape_table(net.params, {"W1": grads["W1"]})


def test_dense_flops_by_hand():
    # forward: 3*2 + 1*3 per example; backward: both products for layer 2, only dW for layer 1
    assert bp.dense_flops([2, 3, 1], 1) == (9, 2 * 9 - 6)
    assert bp.dense_flops([2, 3, 1], 10) == (90, 120)
    f, b = bp.dense_flops([100] * 6, 1)
    assert b / f == pytest.approx(1.8)            # (2 * 5 - 1) / 5: close to two for deep, equal layers


# ---------------------------------------------------- the exercises' references
ARCHITECTURES = [([3, 5, 1], ["relu", "sigmoid"]), ([4, 6, 5, 3], ["tanh", "relu", "softmax"]),
                 ([2, 7, 4, 3, 1], ["relu", "sigmoid", "tanh", "sigmoid"]), ([5, 4], ["softmax"])]


def architecture_problem(sizes, acts, seed, m=7):
    rng = np.random.default_rng(seed)
    loss = "categorical_cross_entropy" if acts[-1] == "softmax" else "binary_cross_entropy"
    net = nl.Network(sizes, acts, loss, rng=rng, bias_init=0.5)
    X = rng.standard_normal((sizes[0], m))
    Y = nl.one_hot(rng.integers(0, sizes[-1], m), sizes[-1]) if acts[-1] == "softmax" else \
        rng.integers(0, 2, (sizes[-1], m)).astype(float)
    return net, X, Y


@pytest.mark.parametrize("seed, arch", list(enumerate(ARCHITECTURES)))
def test_reference_backward_matches_central_differences(seed, arch):
    net, X, Y = architecture_problem(*arch, seed)
    _, cache = fw.forward(X, net.params, net.activations)
    grads = bp.backward(Y, cache, net.params, net.activations)
    assert sorted(grads) == sorted("d" + k for k in net.params)
    errors = nl.gradient_check(lambda: net.cost(X, Y), net.params, {k[1:]: v for k, v in grads.items()})
    assert max(errors.values()) < TOL, errors


def test_reference_train_gd_is_plain_gradient_descent():
    net, X, Y = architecture_problem(*ARCHITECTURES[1], seed=3)
    start = net.get_params()
    trained = bp.train_gd(X, Y, start, net.activations, 0.3, 3)
    assert all(np.array_equal(start[k], net.params[k]) for k in start)          # the caller's params untouched
    for _ in range(3):                                                           # p <- p - alpha dp, by hand
        grads = net.loss_and_grads(X, Y)[1]
        for k in grads:
            net.params[k] = net.params[k] - 0.3 * grads[k]
    assert all(np.allclose(trained[k], net.params[k], rtol=1e-12, atol=1e-15) for k in start)
    assert all(np.array_equal(bp.train_gd(X, Y, start, net.activations, 0.3, 0)[k], start[k]) for k in start)


def test_plain_gradient_descent_reaches_the_bayes_ceiling_on_moons(trained_moons):
    # The notebook's claim: plain full-batch GD reaches about 97% on fresh points, in well under a second.
    X, y = moons(10_000, rng=np.random.default_rng(1000), noise=0.2)
    net_acc, bayes_acc = trained_moons.accuracy(X, y), np.mean(bp.moons_bayes_predict(X) == y)
    assert net_acc > 0.96 and bayes_acc - net_acc < 0.01


# --------------------------------------------------------------------- moons
def test_moons_split_is_the_classic_setup():
    X_tr, X_te, y_tr, y_te = bp.moons_split(0)
    assert X_tr.shape == (2, 900) and X_te.shape == (2, 100) and y_tr.shape == (900,) and y_te.shape == (100,)
    rng = np.random.default_rng(0)
    X, y = moons(1000, rng=rng, noise=0.2)
    together = np.concatenate([X_tr, X_te], axis=1)
    order_all, order_split = np.lexsort(X), np.lexsort(together)
    assert np.array_equal(X[:, order_all], together[:, order_split])
    assert np.array_equal(y[order_all], np.concatenate([y_tr, y_te])[order_split])
    again = bp.moons_split(0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_tr, X_te, y_tr, y_te)))


def test_class_density_integrates_to_one():
    xs, ys = np.linspace(-1.5, 2.5, 201), np.linspace(-1.4, 1.9, 166)
    xx, yy = np.meshgrid(xs, ys)
    G = np.stack([xx.ravel(), yy.ravel()])
    cell = (xs[1] - xs[0]) * (ys[1] - ys[0])
    for label in (0, 1):
        mass = np.exp(bp.moons_class_log_density(G, label)).sum() * cell
        assert abs(mass - 1.0) < 2e-3, (label, mass)


def test_class_density_has_converged_in_t():
    X, _ = moons(500, rng=3, noise=0.2)
    far = np.array([[5.0, -4.0], [5.0, 6.0]])  # far out: log-sum-exp keeps it finite
    for label in (0, 1):
        assert np.allclose(bp.moons_class_log_density(X, label), bp.moons_class_log_density(X, label, n_t=4001),
                           rtol=0, atol=1e-4)
        assert np.all(np.isfinite(bp.moons_class_log_density(far, label)))


def test_bayes_classifier_is_calibrated_and_about_97_percent():
    X, y = moons(40_000, rng=7, noise=0.2)
    p = bp.moons_bayes_probability(X)
    assert 0.965 < np.mean(bp.moons_bayes_predict(X) == y) < 0.977
    # among points given probability p, a fraction p belongs to class 1
    for lo, hi in [(0.0, 0.1), (0.1, 0.5), (0.5, 0.9), (0.9, 1.0)]:
        sel = (p >= lo) & (p < hi)
        assert sel.sum() > 300
        assert abs(y[sel].mean() - p[sel].mean()) < 0.03, (lo, hi)


def test_bayes_inputs_are_checked():
    with pytest.raises(ValueError, match=r"X must have shape \(2, any\)"):
        bp.moons_class_log_density(np.zeros((3, 4)), 0)
    with pytest.raises(ValueError, match="label must be 0 or 1"):
        bp.moons_class_log_density(np.zeros((2, 4)), 2)
    with pytest.raises(ValueError, match="noise must be positive"):
        bp.moons_class_log_density(np.zeros((2, 4)), 0, noise=0.0)
    with pytest.raises(ValueError, match="n_t must be an odd int"):
        bp.moons_class_log_density(np.zeros((2, 4)), 0, n_t=100)


@pytest.fixture(scope="module")
def trained_moons():
    X_tr, _, y_tr, _ = bp.moons_split(0)
    acts = ["relu", "relu", "sigmoid"]
    start = nl.Network([2, 16, 16, 1], acts, "binary_cross_entropy", rng=0).get_params()
    return fw.network_from_params(bp.train_gd(X_tr, y_tr.reshape(1, -1).astype(float), start, acts, 1.0, 500), acts)


def test_spread():
    assert bp.spread([0.95, 0.99, 0.97]) == "mean 97.0%, min 95.0%, max 99.0%"
    with pytest.raises(ValueError, match="values must not be empty"):
        bp.spread([])


def test_plot_moons_boundary_draws_the_network_on_the_grid(trained_moons):
    X_tr, X_te, y_tr, y_te = bp.moons_split(0)
    grid = bp.moons_bayes_grid(X_tr, n=30)
    xx, yy, p_bayes = grid
    assert xx.shape == yy.shape == p_bayes.shape == (30, 30)
    fig, ax = plt.subplots()
    values = bp.plot_moons_boundary(ax, trained_moons, X_te, y_te, grid, title="t")
    G = np.stack([xx.ravel(), yy.ravel()])
    assert np.allclose(values, trained_moons(G).reshape(30, 30))
    # the network's boundary and the Bayes boundary agree on most of the plane
    assert np.mean((values > 0.5) == (p_bayes > 0.5)) > 0.9
    assert ax.get_legend() is None
    plt.close(fig)


def test_plot_moons_boundary_legend_names_the_lines_and_classes_in_words(trained_moons):
    X_tr, X_te, y_tr, y_te = bp.moons_split(0)
    fig, ax = plt.subplots()
    bp.plot_moons_boundary(ax, trained_moons, X_te, y_te, bp.moons_bayes_grid(X_tr, n=20), legend=True)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "network", "Bayes", "class 0", "class 1"]
    assert ax.get_legend().get_title().get_text() == "boundary, points"
    # outside the panel, where it cannot hide points or the boundary
    fig.canvas.draw()
    assert ax.get_legend().get_window_extent().x0 > ax.get_window_extent().x1
    plt.close(fig)


def test_plot_moons_boundary_without_a_boundary_does_not_warn(trained_moons):
    constant = copy.deepcopy(trained_moons)
    for k in constant.params:
        constant.params[k][...] = 0.0
    constant.params["b3"][...] = 3.0           # predicts class 1 everywhere
    X_tr, X_te, y_tr, y_te = bp.moons_split(0)
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = bp.plot_moons_boundary(ax, constant, X_te, y_te, bp.moons_bayes_grid(X_tr, n=20))
    assert np.all(values > 0.5)
    plt.close(fig)


def test_plot_moons_boundary_names_another_reference_and_draws_it_in_its_colour(trained_moons):
    X_tr, X_te, y_tr, y_te = bp.moons_split(0)
    xx, yy, _ = bp.moons_bayes_grid(X_tr, n=20)
    other = trained_moons(np.stack([xx.ravel(), yy.ravel()])).reshape(xx.shape)
    fig, ax = plt.subplots()
    bp.plot_moons_boundary(ax, trained_moons, X_te, y_te, (xx, yy, other), legend=True, label="mine",
                           reference="theirs", reference_colour="#E69F00")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[:2] == ["mine", "theirs"]
    assert matplotlib.colors.same_color(ax.get_legend().get_lines()[1].get_color(), "#E69F00")
    plt.close(fig)


# ------------------------------------------------------------------ the shapes picture
def test_backward_shapes_of_one_layer():
    s = bp.backward_shapes(3, 4, 6)
    assert s == {"dZ": (3, 6), "A_prev": (4, 6), "A_prev.T": (6, 4), "dW": (3, 4), "db": (3, 1),
                 "W": (3, 4), "W.T": (4, 3), "dA_prev": (4, 6)}
    assert s["dW"] == s["W"]                              # every gradient has its parameter's shape
    for bad in [0, 2.0, True]:
        with pytest.raises(ValueError, match="m must be a positive int"):
            bp.backward_shapes(3, 4, bad)


def test_draw_backward_shapes_draws_one_cell_per_entry_and_labels_the_shapes():
    fig, ax = plt.subplots()
    shapes = bp.draw_backward_shapes(ax, 3, 4, 6, layer=2)
    assert shapes == bp.backward_shapes(3, 4, 6)
    blocks = [p for p in ax.patches]
    # dZ three times, A^T, dW, db, W^T, dA: their areas are their numbers of entries
    assert sorted(p.get_width() * p.get_height() for p in blocks) == sorted(
        [18, 24, 12, 18, 3, 12, 18, 24])
    texts = [t.get_text() for t in ax.texts]
    for label in ["$(n_2, m)$ = (3, 6)", "$(m, n_1)$ = (6, 4)", "$(n_2, n_1)$ = (3, 4)", "$(n_2, 1)$ = (3, 1)",
                  "$(n_1, n_2)$ = (4, 3)", "$(n_1, m)$ = (4, 6)"]:
        assert label in texts
    plt.close(fig)
    # two sizes alike: numbers only, since a symbol would be ambiguous
    fig, ax = plt.subplots()
    bp.draw_backward_shapes(ax, 3, 3, 5, layer=1)
    assert "(3, 5)" in [t.get_text() for t in ax.texts]
    plt.close(fig)


def test_order_of_magnitude():
    assert bp.order_of_magnitude(1.75e-11) == "1e-11"
    assert bp.order_of_magnitude(-2.9e-11) == "1e-11"
    assert bp.order_of_magnitude(4e-5) == "1e-4"
    assert bp.order_of_magnitude(np.float64(1.0)) == "1e0"
    for bad in [0.0, np.nan, "1e-3"]:
        with pytest.raises(ValueError, match="x must be a finite non-zero number"):
            bp.order_of_magnitude(bad)
