import numpy as np
import pytest

import nnlessons as nl
from nnlessons import Network
from nnlessons.datasets import moons
from nnlessons.optim import SGD, Adam, Momentum

CONFIGS = [
    ([3, 1], ["identity"], "mse"),
    ([3, 4, 2], ["tanh", "identity"], "mse"),
    ([3, 5, 4, 1], ["relu", "tanh", "sigmoid"], "binary_cross_entropy"),
    ([3, 5, 1], ["sigmoid", "sigmoid"], "mse"),
    ([3, 6, 5, 4, 3], ["relu", "sigmoid", "tanh", "softmax"], "categorical_cross_entropy"),
    ([3, 4, 3], ["relu", "softmax"], "mse"),
    ([3, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy"),
    ([3, 4, 4, 2], ["identity", "relu", "identity"], "mse"),
]


def _data(sizes, loss, rng, m=7):
    X = rng.normal(size=(sizes[0], m))
    if loss == "categorical_cross_entropy":
        return X, rng.integers(0, sizes[-1], m)
    if loss == "binary_cross_entropy":
        return X, rng.integers(0, 2, (1, m)).astype(float)
    return X, rng.normal(size=(sizes[-1], m))


@pytest.mark.parametrize("sizes, activations, loss", CONFIGS)
def test_backward_matches_numerical_gradients(sizes, activations, loss):
    rng = np.random.default_rng(0)
    net = Network(sizes, activations, loss, rng=rng)
    X, Y = _data(sizes, loss, rng)
    cost, grads = net.loss_and_grads(X, Y)
    assert cost == pytest.approx(net.cost(X, Y))
    errors = nl.gradient_check(lambda: net.cost(X, Y), net.params, grads)
    assert max(errors.values()) <= 1e-7, errors
    for name, g in grads.items():
        assert g.shape == net.params[name].shape


def test_forward_cache_and_shapes():
    net = Network([4, 2, 3], ["relu", "sigmoid"], "mse", rng=1)
    assert net.params["W1"].shape == (2, 4) and net.params["b1"].shape == (2, 1)
    assert net.params["W2"].shape == (3, 2) and net.params["b2"].shape == (3, 1)
    X = np.random.default_rng(2).normal(size=(4, 5))
    A, cache = net.forward(X)
    assert sorted(cache) == ["A0", "A1", "A2", "Z1", "Z2"]
    Z1 = net.params["W1"] @ X + net.params["b1"]
    assert np.array_equal(cache["Z1"], Z1)
    assert np.array_equal(cache["A1"], np.maximum(Z1, 0))
    assert np.allclose(A, nl.sigmoid(net.params["W2"] @ cache["A1"] + net.params["b2"]))
    assert A.shape == (3, 5)


def test_initialisation_scheme_and_seeding():
    a = Network([400, 300, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=np.random.default_rng(5))
    b = Network([400, 300, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=5)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert a.params["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert a.params["W2"].std() == pytest.approx(np.sqrt(1 / 300), rel=0.05)
    assert not np.any(a.params["b1"])
    c = Network([4, 3], "tanh", "mse", rng=0, init=0.01)
    assert c.params["W1"].std() == pytest.approx(0.01, rel=0.6)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        Network([2, 1], "sigmoid", "mse", rng=None)


def test_training_lowers_the_loss_and_is_reproducible():
    X, y = moons(300, rng=0, noise=0.2)
    runs = []
    for _ in range(2):
        net = Network([2, 16, 1], ["relu", "sigmoid"], "binary_cross_entropy", rng=1)
        initial = net.cost(X, y)
        history = net.fit(X, y, epochs=100, batch_size=32, learning_rate=0.5, rng=2, validation=(X, y),
                          evaluate_train=True)
        runs.append((net.get_params(), history))
    (p1, h1), (p2, h2) = runs
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    assert h1 == h2
    assert h1["loss"][-1] < 0.5 * initial
    assert h1["accuracy"][-1] >= 0.95
    assert h1["val_loss"] == h1["loss"]


@pytest.mark.parametrize("opt, lr", [(SGD(0.2), None), (Momentum(0.05), None), (Adam(0.01), None), ("adam", 0.01)])
def test_each_optimiser_trains_softmax(opt, lr):
    rng = np.random.default_rng(3)
    X, y = nl.datasets.spirals(60, rng=rng, n_classes=3, noise=0.1)
    net = Network([2, 32, 3], ["tanh", "softmax"], "categorical_cross_entropy", rng=4)
    initial = net.cost(X, y)
    h = net.fit(X, y, epochs=200, batch_size=30, optimizer=opt, learning_rate=lr, rng=5)
    assert h["loss"][-1] < 0.7 * initial
    assert net.predict(X).shape == (180,)
    assert net.accuracy(X, y) == np.mean(net.predict(X) == y)
    assert net.accuracy(X, nl.one_hot(y, 3)) == net.accuracy(X, y)


def test_optimiser_updates_follow_their_rules():
    p = {"w": np.array([1.0, -2.0])}
    g = {"w": np.array([0.5, 1.0])}
    SGD(0.1).step(p, g)
    assert np.allclose(p["w"], [0.95, -2.1])
    mom = Momentum(0.1, beta=0.5)
    p = {"w": np.zeros(2)}
    mom.step(p, g)
    mom.step(p, g)  # v: g, then 1.5 g
    assert np.allclose(p["w"], -0.1 * 2.5 * g["w"])
    adam = Adam(0.1)
    p = {"w": np.zeros(2)}
    adam.step(p, g)  # first bias-corrected step has size lr in every coordinate
    assert np.allclose(p["w"], [-0.1, -0.1], atol=1e-6)


def test_predict_for_each_kind_of_output():
    X = np.random.default_rng(0).normal(size=(2, 6))
    reg = Network([2, 3], "identity", "mse", rng=0)
    assert reg.predict(X).shape == (3, 6)
    reg = Network([2, 1], "identity", "mse", rng=0)
    with pytest.raises(ValueError, match="accuracy needs class outputs: a single 'identity' output"):
        reg.accuracy(X, np.zeros(6, int))
    binary = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    assert np.array_equal(binary.predict(X), (binary(X)[0] > 0.5).astype(int))


def test_errors_name_the_argument_and_shapes():
    net = Network([4, 2, 3], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    with pytest.raises(ValueError, match=r"X must have shape \(4, any\), got shape \(5, 4\)"):
        net.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(4,\)"):
        net.forward(np.zeros(4))
    with pytest.raises(ValueError, match=r"Y must hold labels in 0..2, got values from 0 to 3"):
        net.cost(np.zeros((4, 2)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"Y must have shape \(3, any\), got shape \(2, 2\)"):
        net.cost(np.zeros((4, 2)), np.eye(2))
    with pytest.raises(ValueError, match="activations must be one name or a list of 2 names"):
        Network([4, 2, 3], ["relu"], "mse", rng=0)
    with pytest.raises(ValueError, match="sizes must be a list of at least two positive ints"):
        Network([4], "relu", "mse", rng=0)
    with pytest.raises(ValueError, match="loss must be one of"):
        Network([4, 1], "relu", "l1", rng=0)
    with pytest.raises(ValueError, match="X and Y must have the same number of columns, got 3 and 2"):
        net.fit(np.zeros((4, 3)), np.array([0, 1]), epochs=1, learning_rate=0.1, rng=0)
    with pytest.raises(TypeError, match="fit needs a learning_rate or an optimizer"):
        net.fit(np.zeros((4, 2)), np.array([0, 1]), epochs=1, rng=0)
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        SGD(-1)
    with pytest.raises(ValueError, match=r"params\['W1'\] must have shape \(2, 4\), got shape \(4, 2\)"):
        p = net.get_params()
        p["W1"] = p["W1"].T
        net.set_params(p)


def test_float32_network_keeps_its_dtype_and_matches_float64():
    X, y = moons(200, rng=0, noise=0.2)
    n64 = Network([2, 16, 16, 1], ["relu", "tanh", "sigmoid"], "binary_cross_entropy", rng=3)
    n32 = Network([2, 16, 16, 1], ["relu", "tanh", "sigmoid"], "binary_cross_entropy", rng=3,
                  dtype=np.float32)
    assert all(n32.params[k].dtype == np.float32 for k in n32.params)
    assert all(np.array_equal(n32.params[k], n64.params[k].astype(np.float32)) for k in n64.params)
    A32, cache = n32.forward(X)
    assert A32.dtype == np.float32 and all(v.dtype == np.float32 for v in cache.values())
    (c32, g32), (c64, g64) = n32.loss_and_grads(X, y), n64.loss_and_grads(X, y)
    assert g32["W1"].dtype == np.float32
    assert c32 == pytest.approx(c64, rel=1e-5)
    for k in g64:
        assert nl.relative_error(g32[k], g64[k]) < 1e-4, k
    h32 = n32.fit(X, y, epochs=20, batch_size=32, optimizer=Adam(0.01), rng=4)
    h64 = n64.fit(X, y, epochs=20, batch_size=32, optimizer=Adam(0.01), rng=4)
    assert all(n32.params[k].dtype == np.float32 for k in n32.params)
    assert h32["loss"][-1] == pytest.approx(h64["loss"][-1], rel=1e-2)
    with pytest.raises(ValueError, match="dtype must be float64 or float32, got int64"):
        Network([2, 1], "sigmoid", "mse", rng=0, dtype=np.int64)


def test_bias_init_draws_gaussian_biases_after_the_weights():
    zero = Network([3, 50, 40, 2], ["relu", "relu", "identity"], "mse", rng=5)
    drawn = Network([3, 50, 40, 2], ["relu", "relu", "identity"], "mse", rng=5, bias_init=0.5)
    for l in (1, 2, 3):
        # The same weights as a zero-bias network from the same seed: biases come after.
        np.testing.assert_array_equal(drawn.params[f"W{l}"], zero.params[f"W{l}"])
        assert not np.any(zero.params[f"b{l}"])
    b = np.concatenate([drawn.params[f"b{l}"].ravel() for l in (1, 2)])
    assert 0.35 < b.std() < 0.65 and abs(b.mean()) < 0.2
    for bad in (-0.1, "0.5", True, float("nan")):
        with pytest.raises(ValueError, match="bias_init"):
            Network([2, 2], "identity", "mse", rng=0, bias_init=bad)
