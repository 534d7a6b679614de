import re
import warnings

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
    with pytest.raises(ValueError, match=r"X must have shape \(4, any\), got shape \(5, 4\) \(transposed\? X\.T has the expected shape\)$"):
        net.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"X must be 2-D, got shape \(4,\)"):
        net.forward(np.zeros(4))
    with pytest.raises(ValueError, match=r"Y must hold labels in 0..2, got values from 0 to 3"):
        net.cost(np.zeros((4, 2)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"Y must have shape \(3, any\), got shape \(2, 2\)$"):
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
    with pytest.raises(ValueError, match=r"params\['W1'\] must have shape \(2, 4\), got shape \(4, 2\) "
                                         r"\(transposed\? params\['W1'\]\.T has the expected shape\)$"):
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


# ------------------------------------------------------------- non-finite data
def _classifier():
    return Network([3, 4, 2], ["relu", "softmax"], "categorical_cross_entropy", rng=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X_is_refused_by_every_method_naming_the_first_bad_entry(bad):
    net = _classifier()
    X, y = np.zeros((3, 5)), np.array([0, 1, 0, 1, 1])
    X[1, 3], X[2, 4] = bad, bad
    message = rf"X must hold only finite numbers, got {bad} at X\[1, 3\]"
    calls = [lambda: net.forward(X), lambda: net(X), lambda: net.predict(X), lambda: net.cost(X, y),
             lambda: net.accuracy(X, y), lambda: net.loss_and_grads(X, y),
             lambda: net.fit(X, y, epochs=1, learning_rate=0.1, rng=0)]
    for call in calls:
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=rf"X_val must hold only finite numbers, got {bad} at X_val\[1, 3\]"):
        net.fit(np.zeros((3, 5)), y, epochs=1, learning_rate=0.1, rng=0, validation=(X, y))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_Y_is_refused_naming_the_first_bad_entry(bad):
    net = Network([3, 2], "identity", "mse", rng=0)
    X, Y = np.zeros((3, 4)), np.zeros((2, 4))
    Y[0, 2] = bad
    message = rf"Y must hold only finite numbers, got {bad} at Y\[0, 2\]"
    _, cache = net.forward(X)
    for call in (lambda: net.cost(X, Y), lambda: net.backward(Y, cache), lambda: net.loss_and_grads(X, Y),
                 lambda: net.fit(X, Y, epochs=1, learning_rate=0.1, rng=0)):
        with pytest.raises(ValueError, match=message):
            call()
    with pytest.raises(ValueError, match=rf"Y_val must hold only finite numbers, got {bad} at Y_val\[0, 2\]"):
        net.fit(X, np.zeros((2, 4)), epochs=1, learning_rate=0.1, rng=0, validation=(X, Y))
    p = net.get_params()
    p["b1"][1, 0] = bad
    with pytest.raises(ValueError, match=rf"params\['b1'\] must hold only finite numbers, got {bad} at"):
        net.set_params(p)


def test_a_large_but_finite_X_whose_sum_overflows_is_accepted():
    net = Network([2, 1], "identity", "mse", rng=0, init=0.0)
    X = np.full((2, 3), 1e308)
    assert np.array_equal(net(X), np.zeros((1, 3)))


def test_empty_X_is_refused():
    net = _classifier()
    with pytest.raises(ValueError, match=r"X must hold at least one example \(column\), got shape \(3, 0\)"):
        net.forward(np.zeros((3, 0)))
    with pytest.raises(ValueError, match=r"X must hold at least one example"):
        net.fit(np.zeros((3, 0)), np.zeros(0, int), epochs=1, learning_rate=0.1, rng=0)


# ----------------------------------------------------- refused configurations
@pytest.mark.parametrize("sizes, activations, loss, fragments", [
    ([2, 3, 1], ["relu", "relu"], "binary_cross_entropy", ["a 'sigmoid' output", "got a 'relu' output"]),
    ([2, 1], "identity", "binary_cross_entropy", ["use 'sigmoid' as the last activation"]),
    ([2, 3, 1], ["tanh", "tanh"], "binary_cross_entropy", ["got a 'tanh' output"]),
    ([2, 3], "sigmoid", "categorical_cross_entropy", ["from a 'softmax' output", "use 'softmax'"]),
    ([2, 3, 1], ["relu", "softmax"], "categorical_cross_entropy",
     ["a softmax over a single output unit always outputs 1", "one 'sigmoid' output with 'binary_cross_entropy'"]),
    ([2, 1], "softmax", "mse", ["a softmax over a single output unit"]),
])
def test_configurations_that_cannot_train_are_refused_with_what_to_use(sizes, activations, loss, fragments):
    with pytest.raises(ValueError) as info:
        Network(sizes, activations, loss, rng=0)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_configurations_that_can_train_are_accepted():
    for sizes, acts, loss in CONFIGS:
        Network(sizes, acts, loss, rng=0)
    Network([2, 3, 4], ["relu", "sigmoid"], "binary_cross_entropy", rng=0)  # several independent labels


# ------------------------------------------------------------ accuracy
def test_accuracy_of_a_sigmoid_network_trained_with_squared_error_on_labels():
    # Nielsen's classic [784, 30, 10]: ten sigmoid outputs, squared error, integer labels.
    rng = np.random.default_rng(0)
    net = Network([784, 30, 10], "sigmoid", "mse", rng=1)
    X, y = rng.random((784, 40)), rng.integers(0, 10, 40)
    expected = np.mean(net(X).argmax(axis=0) == y)
    assert net.accuracy(X, y) == expected
    assert net.accuracy(X, nl.one_hot(y, 10)) == expected
    assert np.array_equal(net.targets(y), nl.one_hot(y, 10))
    h = net.fit(X, y, epochs=1, batch_size=10, learning_rate=3.0, rng=2, validation=(X, y))
    assert set(h) == {"loss", "val_loss"}
    with pytest.raises(ValueError, match="y must have 40 labels, one per column of X, got 39"):
        net.accuracy(X, y[:39])


def test_accuracy_of_a_single_sigmoid_output_thresholds_at_one_half():
    net = Network([2, 1], "sigmoid", "mse", rng=0)
    X = np.random.default_rng(1).normal(size=(2, 30))
    y = np.random.default_rng(2).integers(0, 2, 30)
    assert net.accuracy(X, y) == np.mean((net(X)[0] > 0.5) == y)


# --------------------------------------------------------- training mechanics
class Recorder:
    """SGD that records the parameters before each step and the batches it steps on."""

    def __init__(self, learning_rate):
        self.sgd = SGD(learning_rate)
        self.before = []

    def step(self, params, grads):
        self.before.append({k: v.copy() for k, v in params.items()})
        self.sgd.step(params, grads)


def _replay(net, X, Y, *, epochs, batch_size, lr, seed):
    """What fit documents, written out: shuffle with rng.permutation(m), step on each batch
    (the last one partial), loss of each batch before its step, means weighted by size."""
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    losses, accuracies, batches = [], [], []
    labels = Y.argmax(axis=0)
    for _ in range(epochs):
        order = rng.permutation(m)
        total, correct = 0.0, 0
        for start in range(0, m, batch_size):
            idx = order[start:start + batch_size]
            batches.append(idx)
            cost, grads = net.loss_and_grads(X[:, idx], Y[:, idx])
            total += cost * idx.size
            correct += np.sum(net.predict(X[:, idx]) == labels[idx])
            for k in net.params:
                net.params[k] -= lr * grads[k]
        losses.append(total / m)
        accuracies.append(correct / m)
    return losses, accuracies, batches


def test_fit_follows_its_documented_shuffle_batches_and_running_means():
    X, y = nl.datasets.spirals(23, rng=0, n_classes=3, noise=0.1)  # m = 69: a partial last batch
    Y = nl.one_hot(y, 3)
    net = Network([2, 8, 3], ["tanh", "softmax"], "categorical_cross_entropy", rng=1)
    twin = Network([2, 8, 3], ["tanh", "softmax"], "categorical_cross_entropy", rng=1)
    seen = []
    forward = net._forward
    net._forward = lambda Xb: seen.append(Xb.copy()) or forward(Xb)
    history = net.fit(X, y, epochs=3, batch_size=16, learning_rate=0.5, rng=7)
    losses, accuracies, batches = _replay(twin, X, Y, epochs=3, batch_size=16, lr=0.5, seed=7)
    assert [b.size for b in batches[:5]] == [16, 16, 16, 16, 5]
    assert len(seen) == len(batches) == 15
    for Xb, idx in zip(seen, batches):
        assert np.array_equal(Xb, X[:, idx])
    assert history["loss"] == pytest.approx(losses, rel=1e-12)
    assert history["accuracy"] == pytest.approx(accuracies, rel=1e-12)
    for k in net.params:
        np.testing.assert_allclose(net.params[k], twin.params[k], rtol=1e-12)


def test_fewer_examples_than_batch_size_still_step_once_per_epoch():
    X, y = moons(5, rng=0, noise=0.1)
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=1)
    opt = Recorder(0.1)
    net.fit(X, y, epochs=4, batch_size=32, optimizer=opt, rng=0)
    assert len(opt.before) == 4
    assert not np.array_equal(opt.before[0]["W1"], net.params["W1"])


def test_evaluate_train_measures_the_whole_training_set_after_the_epoch():
    X, y = moons(50, rng=0, noise=0.1)
    net = Network([2, 6, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=1)
    h = net.fit(X, y, epochs=2, batch_size=8, learning_rate=0.3, rng=0, evaluate_train=True)
    assert h["loss"][-1] == net.cost(X, y) and h["accuracy"][-1] == net.accuracy(X, y)
    running = Network([2, 6, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=1).fit(
        X, y, epochs=2, batch_size=8, learning_rate=0.3, rng=0)
    assert running["loss"] != h["loss"]


def test_validation_history_is_measured_on_the_validation_data():
    X, y = moons(60, rng=0, noise=0.1)
    X_val, y_val = moons(30, rng=1, noise=0.4)
    net = Network([2, 6, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=1)
    h = net.fit(X, y, epochs=2, batch_size=16, learning_rate=0.3, rng=0, validation=(X_val, y_val))
    assert h["val_loss"][-1] == net.cost(X_val, y_val)
    assert h["val_accuracy"][-1] == net.accuracy(X_val, y_val)
    assert net.cost(X_val, y_val) != net.cost(X, y)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = moons(40, rng=0, noise=0.1)
    net = Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=1)
    h = net.fit(X, y, epochs=3, batch_size=16, learning_rate=0.3, rng=0, validation=(X, y), verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[2] == (f"epoch 3/3: loss {h['loss'][2]:.4f}  accuracy {h['accuracy'][2]:.4f}  "
                        f"val_loss {h['val_loss'][2]:.4f}  val_accuracy {h['val_accuracy'][2]:.4f}")
    net.fit(X, y, epochs=2, batch_size=16, learning_rate=0.3, rng=0)
    assert capsys.readouterr().out == ""


def test_adam_advances_its_step_counter_once_per_batch():
    X, y = moons(50, rng=0, noise=0.1)
    net = Network([2, 5, 4, 1], ["relu", "tanh", "sigmoid"], "binary_cross_entropy", rng=1)
    adam = Adam(0.01)
    net.fit(X, y, epochs=3, batch_size=16, optimizer=adam, rng=0)
    assert adam.t == 3 * 4


def test_cost_of_saturated_outputs_comes_from_the_logits():
    # With probabilities clipped at 1e-12 the cost would read -log(1e-12) = 27.6.
    sig = Network([1, 1], "sigmoid", "binary_cross_entropy", rng=0)
    sig.set_params({"W1": np.array([[1000.0]]), "b1": np.zeros((1, 1))})
    assert sig.cost(np.ones((1, 1)), np.zeros((1, 1))) == pytest.approx(1000.0, rel=1e-12)
    soft = Network([1, 2], "softmax", "categorical_cross_entropy", rng=0)
    soft.set_params({"W1": np.array([[500.0], [-500.0]]), "b1": np.zeros((2, 1))})
    assert soft.cost(np.ones((1, 1)), np.array([1])) == pytest.approx(1000.0, rel=1e-12)
    assert soft.loss_and_grads(np.ones((1, 1)), np.array([1]))[0] == pytest.approx(1000.0, rel=1e-12)


def test_a_diverging_fit_stops_naming_epoch_and_batch_and_keeps_the_last_good_parameters():
    X, Y = nl.datasets.noisy_regression(64, rng=0)
    net = Network([1, 16, 1], ["tanh", "identity"], "mse", rng=1)
    opt = Recorder(10.0)
    with pytest.raises(nl.network.FitDiverged) as info:
        net.fit(X, Y, epochs=50, batch_size=16, optimizer=opt, rng=0)
    steps = len(opt.before)
    epoch, batch = steps // 4 + 1, steps % 4 + 1
    message = str(info.value)
    assert f"at epoch {epoch}, batch {batch}:" in message and "smaller learning rate" in message
    assert isinstance(info.value, ValueError)
    # The parameters from before the last step, at which the loss was still finite.
    for k in net.params:
        assert np.array_equal(net.params[k], opt.before[-1][k])
    assert np.isfinite(net.cost(X, Y))


def test_set_params_keeps_the_network_dtype_and_names_what_is_wrong():
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0, dtype=np.float32)
    p = {k: v.astype(np.float64) for k, v in net.get_params().items()}
    net.set_params(p)
    assert all(v.dtype == np.float32 for v in net.params.values())
    p["W1"][0, 0] = 5.0
    assert net.params["W1"][0, 0] != 5.0  # copies, not the caller's arrays
    with pytest.raises(ValueError, match=r"params must have the names \['W1', 'W2', 'b1', 'b2'\], got \['W1'\]"):
        net.set_params({"W1": p["W1"]})


def test_backward_refuses_a_cache_it_did_not_make():
    net = _classifier()
    _, cache = net.forward(np.zeros((3, 2)))
    with pytest.raises(TypeError, match="cache must be the one Network.forward returned, got dict"):
        net.backward(np.array([0, 1]), dict(cache))
    with pytest.raises(ValueError, match=r"Y must have shape \(2, 2\) to match the output, got \(2, 3\)"):
        net.backward(np.array([0, 1, 1]), cache)


# ------------------------------------------- found by mutation testing (mutmut)
@pytest.mark.parametrize("epochs", [1, 3])
def test_float32_network_fit_on_float64_inputs_trains_in_float32(epochs):
    X, y = moons(40, rng=0, noise=0.1)
    nets = [Network([2, 5, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=1, dtype=np.float32)
            for _ in range(2)]
    Xc = np.ascontiguousarray(X)  # C-ordered float64: converted per batch, or copied once for longer runs
    h64 = nets[0].fit(Xc, y, epochs=epochs, batch_size=16, learning_rate=0.3, rng=0, evaluate_train=True)
    h32 = nets[1].fit(np.asfortranarray(X, dtype=np.float32), y, epochs=epochs, batch_size=16,
                      learning_rate=0.3, rng=0, evaluate_train=True)
    assert h64 == h32
    for k in nets[0].params:
        assert nets[0].params[k].dtype == np.float32
        assert np.array_equal(nets[0].params[k], nets[1].params[k])


def test_divergence_at_the_very_first_batch_says_no_step_was_taken():
    net = Network([1, 1], "identity", "mse", rng=0)
    net.set_params({"W1": np.array([[1e200]]), "b1": np.zeros((1, 1))})
    before = net.get_params()
    # The first loss, (1e200)^2 / 2, overflows before any step: no learning rate is to blame.
    with pytest.raises(nl.network.FitDiverged, match=r"^the loss is inf at epoch 1, batch 1, before any step \(no step "
                                                     r"was taken\): the initial parameters are too large for these "
                                                     r"data; start from smaller weights \(init\) or scale the data$"):
        net.fit(np.ones((1, 4)), np.zeros((1, 4)), epochs=2, batch_size=2, learning_rate=0.1, rng=0)
    assert all(np.array_equal(net.params[k], before[k]) for k in before)


def test_a_divergence_at_the_first_batch_of_a_later_epoch_restores_the_step_before():
    X, Y = nl.datasets.noisy_regression(64, rng=0)
    net = Network([1, 16, 1], ["tanh", "identity"], "mse", rng=1)
    opt = Recorder(1000.0)
    with pytest.raises(nl.network.FitDiverged, match=r"at epoch \d+, batch 1: .*the parameters from before the last"):
        net.fit(X, Y, epochs=50, batch_size=64, optimizer=opt, rng=0)  # one batch per epoch
    assert len(opt.before) > 1
    assert all(np.array_equal(net.params[k], opt.before[-1][k]) for k in net.params)


def test_fit_arguments_are_checked_with_their_names():
    net = _classifier()
    X, y = np.zeros((3, 4)), np.array([0, 1, 0, 1])
    assert net.fit(X, y, epochs=0, learning_rate=0.1, rng=0) == {"loss": [], "accuracy": []}
    for kwargs, exc, message in [
        ({"epochs": -1, "learning_rate": 0.1}, ValueError, "epochs must be a non-negative int, got -1"),
        ({"epochs": 1, "batch_size": 0, "learning_rate": 0.1}, ValueError, "batch_size must be a positive int, got 0"),
        ({"epochs": 1, "optimizer": SGD(0.1), "learning_rate": 0.1}, ValueError,
         "give learning_rate to the optimizer object, not to fit, when passing both"),
        ({"epochs": 1, "learning_rate": 0.1, "validation": (X,)}, TypeError,
         r"validation must be a pair \(X_val, Y_val\)"),
        ({"epochs": 1, "learning_rate": 0.1, "validation": (X, y[:3])}, ValueError,
         "X_val and Y_val must have the same number of columns, got 4 and 3"),
        ({"epochs": 1, "optimizer": "rmsprop"}, ValueError, "optimizer must be one of"),
    ]:
        with pytest.raises(exc, match=message):
            net.fit(X, y, rng=0, **kwargs)
    with pytest.raises(ValueError, match="X and Y must have the same number of columns, got 4 and 3"):
        net.cost(X, y[:3])


def test_one_sgd_object_can_train_networks_of_other_shapes_and_dtypes():
    X, y = moons(30, rng=0, noise=0.1)
    sgd = SGD(0.2)
    for sizes, dtype in (([2, 4, 1], np.float64), ([2, 6, 1], np.float64), ([2, 6, 1], np.float32)):
        net = Network(sizes, ["tanh", "sigmoid"], "binary_cross_entropy", rng=1, dtype=dtype)
        twin = Network(sizes, ["tanh", "sigmoid"], "binary_cross_entropy", rng=1, dtype=dtype)
        net.fit(X, y, epochs=2, batch_size=10, optimizer=sgd, rng=0)
        twin.fit(X, y, epochs=2, batch_size=10, learning_rate=0.2, rng=0)
        assert all(np.array_equal(net.params[k], twin.params[k]) for k in net.params)


def test_predictions_are_integer_labels_and_one_half_counts_as_class_0():
    net = Network([1, 1], "sigmoid", "binary_cross_entropy", rng=0, init=0.0)
    pred = net.predict(np.zeros((1, 3)))  # sigmoid(0) = 0.5 exactly
    assert pred.dtype == np.int64 and np.array_equal(pred, [0, 0, 0])


def test_init_and_bias_init_are_checked_and_biases_take_the_dtype():
    for bad in (True, -0.5, "big"):
        with pytest.raises(ValueError, match=f"init must be 'auto' or a non-negative standard deviation, got {bad!r}"):
            Network([2, 2], "tanh", "mse", rng=0, init=bad)
    net = Network([2, 3, 2], "tanh", "mse", rng=0, bias_init=0.5, dtype=np.float32)
    assert net.params["b1"].dtype == np.float32 and np.any(net.params["b1"])
    # bias_init=0 draws nothing: the generator is left where the weights put it
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    Network([2, 3, 2], "tanh", "mse", rng=rng_a, bias_init=0.0)
    rng_b.standard_normal((3, 2)), rng_b.standard_normal((2, 3))  # the two weight matrices
    assert rng_a.random() == rng_b.random()


def test_targets_of_a_single_output_network_are_checked():
    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    assert np.array_equal(net.targets([0, 1, 1]), [[0.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=r"Y must have shape \(1, any\), got shape \(3, 1\) \(transposed\?"):
        net.targets(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"Y_val must hold targets in \[0, 1\], got values from 0.0 to 2.0"):
        net.fit(np.zeros((2, 3)), [0, 1, 1], epochs=1, learning_rate=0.1, rng=0,
                validation=(np.zeros((2, 3)), [0, 2, 1]))
    with pytest.raises(ValueError, match="Y must be one-hot"):
        _classifier().cost(np.zeros((3, 2)), np.ones((2, 2)))


def test_accuracy_of_a_deeper_single_output_network_and_its_label_range():
    net = Network([2, 4, 1], ["relu", "sigmoid"], "binary_cross_entropy", rng=0)
    X = np.random.default_rng(1).normal(size=(2, 20))
    y = (X[0] > 0).astype(int)
    assert net.accuracy(X, y) == np.mean((net(X)[0] > 0.5) == y)
    with pytest.raises(ValueError, match=r"y must hold labels in 0..1, got values from 0 to 2"):
        net.accuracy(X[:, :2], [0, 2])
    with pytest.raises(ValueError, match=r"y must hold labels in 0..1"):
        net.accuracy(X[:, :2], np.array([[0, 2]]))
    ten = Network([2, 10], "softmax", "categorical_cross_entropy", rng=0)
    with pytest.raises(ValueError, match=r"y must hold labels in 0..9, got values from 0 to 10"):
        ten.accuracy(X[:, :2], [0, 10])


@pytest.mark.parametrize("m, batch_size, where", [(1, 1, "epoch 2, batch 1"), (2, 1, "epoch 1, batch 2")])
def test_divergence_right_after_the_first_step_restores_the_initial_parameters(m, batch_size, where):
    # W = 1e150, x = 1, y = 0: the first loss is finite (5e299), its step throws W to -1e160.
    net = Network([1, 1], "identity", "mse", rng=0)
    net.set_params({"W1": np.full((1, 1), 1e150), "b1": np.zeros((1, 1))})
    with pytest.raises(nl.network.FitDiverged, match=f"^the loss became inf at {where}: training diverged "
                                                     r"\(the parameters from before the last step are kept\); "
                                                     r"try a smaller learning rate$"):
        net.fit(np.ones((1, m)), np.zeros((1, m)), epochs=3, batch_size=batch_size, learning_rate=1e10, rng=0)
    assert net.params["W1"][0, 0] == 1e150 and net.params["b1"][0, 0] == 0.0


def test_fit_messages_are_exactly_these():
    net = _classifier()
    X, y = np.zeros((3, 2)), np.array([0, 1])
    for kwargs, message in [({}, "^fit needs a learning_rate or an optimizer$"),
                            ({"optimizer": SGD(0.1), "learning_rate": 0.1},
                             "^give learning_rate to the optimizer object, not to fit, when passing both$"),
                            ({"learning_rate": 0.1, "validation": X}, r"^validation must be a pair \(X_val, Y_val\)$")]:
        with pytest.raises((TypeError, ValueError), match=message):
            net.fit(X, y, epochs=1, rng=0, **kwargs)


def test_a_softmax_output_trained_with_squared_error_is_a_classifier():
    X, y = nl.datasets.spirals(10, rng=0, n_classes=3, noise=0.1)
    net = Network([2, 8, 3], ["tanh", "softmax"], "mse", rng=0)
    h = net.fit(X, y, epochs=2, batch_size=10, learning_rate=0.5, rng=0)
    assert set(h) == {"loss", "accuracy"}
    assert net.predict(X).shape == (30,)


def test_accuracy_with_one_hot_targets_of_two_classes_and_bad_shapes():
    X, y = moons(20, rng=0, noise=0.1)
    net = Network([2, 4, 2], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    assert net.accuracy(X, nl.one_hot(y, 2)) == net.accuracy(X, y) == np.mean(net(X).argmax(axis=0) == y)
    with pytest.raises(ValueError, match=r"^y must have shape \(2, any\), got shape \(3, 20\)"):
        net.accuracy(X, np.zeros((3, 20)))
    with pytest.raises(TypeError, match=r"^params\['W1'\] must be an array of numbers, got str"):
        net.set_params({**net.get_params(), "W1": "zeros"})


def test_targets_of_the_wrong_rank_are_named():
    net = Network([2, 3], "identity", "mse", rng=0)
    with pytest.raises(ValueError, match=r"^Y must be 2-D, got shape \(3, 2, 1\)$"):
        net.targets(np.zeros((3, 2, 1)))
    with pytest.raises(TypeError, match="^Y must be an array of numbers, got str$"):
        net.targets("labels")


def test_bool_labels_are_classes_0_and_1_everywhere():
    # fit and cost took y = x > 0 as targets while accuracy refused them as "not integer labels".
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 20))
    y = X[0] > 0
    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    assert net.accuracy(X, y) == net.accuracy(X, y.astype(int))
    assert net.cost(X, y) == net.cost(X, y.astype(int))
    two = Network([2, 2], "softmax", "categorical_cross_entropy", rng=0)
    assert two.accuracy(X, y) == two.accuracy(X, y.astype(int))
    assert np.array_equal(nl.one_hot(y, 2), nl.one_hot(y.astype(int), 2))


@pytest.mark.parametrize("bad, error, message", [
    ([np.inf, 1.0], TypeError, "y must hold integer labels, got dtype float64"),
    ([1e30, 1.0], ValueError, "y must hold labels that fit in an int64, got values up to 1e+30"),
    ([1 + 0j, 0j], TypeError, "y must hold integer labels, got dtype complex128"),
])
def test_labels_that_no_integer_can_hold_are_refused_without_a_cast_warning(bad, error, message):
    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(error, match=rf"^{re.escape(message)}$"):
            net.accuracy(np.zeros((2, 2)), np.array(bad))


def test_complex_inputs_are_refused_not_silently_made_real():
    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for X in (np.array([[1 + 2j], [0j]]), [[1j], [0.0]]):
            with pytest.raises(TypeError, match=r"^X must hold real numbers, got complex values$"):
                net(X)
        with pytest.raises(TypeError, match=r"^Z must hold real numbers, got complex values$"):
            nl.sigmoid(np.array([1 + 1j]))



def test_a_last_step_that_diverges_is_caught_too():
    # No batch loss follows fit's last step: a step throwing W to -inf used to return
    # normally, leaving a network whose outputs are nan.
    # W = 1e150, x = 1, y = 0: the loss 5e299 is finite, its gradient 1e150 times 1e300 is not.
    net = Network([1, 1], "identity", "mse", rng=0)
    net.set_params({"W1": np.full((1, 1), 1e150), "b1": np.zeros((1, 1))})
    with pytest.raises(nl.network.FitDiverged, match=r"^the parameters stopped being finite numbers at the last "
                                                     r"step of fit \(epoch 1, batch 1\): training diverged \(the "
                                                     r"parameters from before the last step are kept\); try a "
                                                     r"smaller learning rate$"):
        net.fit(np.ones((1, 1)), np.zeros((1, 1)), epochs=1, batch_size=1, learning_rate=1e300, rng=0)
    assert net.params["W1"][0, 0] == 1e150 and net.params["b1"][0, 0] == 0.0


def test_numpy_numbers_are_settings_too_and_infinite_ones_are_refused():
    # np.float32(0.1) was refused as init while np.float64(0.1) (a float subclass) was taken;
    # an array init raised numpy's "truth value of an array is ambiguous".
    a = Network([2, 3, 1], "tanh", "mse", rng=0, init=np.float32(0.5), bias_init=np.float32(0.25))
    b = Network([2, 3, 1], "tanh", "mse", rng=0, init=0.5, bias_init=0.25)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    for bad in (float("inf"), np.array([0.1, 0.2])):
        with pytest.raises(ValueError, match=r"^init must be 'auto' or a non-negative standard deviation, got"):
            Network([2, 1], "tanh", "mse", rng=0, init=bad)
    with pytest.raises(ValueError, match=r"^bias_init must be a non-negative standard deviation, got inf$"):
        Network([2, 1], "tanh", "mse", rng=0, bias_init=float("inf"))
    net = Network([2, 1], "tanh", "mse", rng=0)
    X, Y = np.zeros((2, 3)), np.zeros((1, 3))
    with pytest.raises(ValueError, match=r"^learning_rate must be a positive number, got inf$"):
        net.fit(X, Y, epochs=1, learning_rate=float("inf"), rng=0)
    with pytest.raises(ValueError, match=r"^weight_decay must be a number >= 0, got inf$"):
        net.fit(X, Y, epochs=1, learning_rate=0.1, weight_decay=float("inf"), rng=0)


def test_accuracy_score_compares_label_for_label():
    from nnlessons.network import accuracy_score

    assert accuracy_score([1, 0, 1, 1], [1, 1, 1, 0]) == 0.5  # lists compared as wholes gave 0.0
    with pytest.raises(ValueError, match=r"^pred and labels must have the same shape, "
                                         r"got pred \(4, 1\) and labels \(4,\)$"):
        accuracy_score(np.array([[1], [0], [1], [1]]), np.array([1, 1, 1, 0]))  # broadcast to (4, 4): 0.625
