"""Tests for nnlessons.lessons.training_well: the numbers behind notebook 07's experiments."""

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import optim, regularization
from nnlessons.lessons import regression
from nnlessons.lessons import training_well as tw


def test_digits_split_is_disjoint_and_reproducible():
    (Xt, yt), (Xv, yv) = tw.digits_split(100, 50, rng=0)
    assert Xt.shape == (784, 100) and Xv.shape == (784, 50) and yt.shape == (100,) and yv.shape == (50,)
    assert 0.0 <= Xt.min() and Xt.max() <= 1.0
    # no image in both splits
    train_keys = {x.tobytes() for x in Xt.T}
    assert not any(x.tobytes() in train_keys for x in Xv.T)
    (Xt2, _), _ = tw.digits_split(100, 50, rng=0)
    assert np.array_equal(Xt, Xt2)
    with pytest.raises(ValueError, match="n_train"):
        tw.digits_split(9000, 2000, rng=0)


def test_digits_test_is_the_official_test_set():
    X, y = tw.digits_test()
    assert X.shape == (784, 10000) and y.shape == (10000,)
    assert np.array_equal(np.bincount(y), np.bincount(nl.mnist.load_mnist_small()[1][1]))


def test_unit_spread():
    assert tw.unit_spread(np.zeros((4, 3))) == 0.0
    assert tw.unit_spread(np.tile([[1.0, -2.0, 3.0]], (5, 1))) == 0.0
    assert tw.unit_spread(np.array([[0.0, 1.0], [0.5, -2.0]])) == pytest.approx(3.0)


def test_zero_initialisation_keeps_hidden_units_identical():
    X, y = nl.datasets.moons(60, rng=0)
    net = nl.Network([2, 5, 1], ["sigmoid", "sigmoid"], "binary_cross_entropy", rng=0, init=0.0)
    net.fit(X, y, epochs=20, batch_size=20, learning_rate=1.0, rng=1)
    # identical up to the last bit of a matrix product's rounding
    assert tw.unit_spread(net.params["W1"]) < 1e-12
    assert tw.unit_spread(net.params["W2"].T) > 0.0  # ...although the weights did move
    other = nl.Network([2, 5, 1], ["sigmoid", "sigmoid"], "binary_cross_entropy", rng=0)
    other.fit(X, y, epochs=20, batch_size=20, learning_rate=1.0, rng=1)
    assert tw.unit_spread(other.params["W1"]) > 0.1


def test_layer_statistics_match_a_direct_computation():
    rng = np.random.default_rng(0)
    net = tw.deep_network("tanh", 0.1, depth=3, width=6, rng=1)
    X, Y = rng.normal(size=(6, 20)), rng.normal(size=(6, 20))
    act, grad = tw.layer_statistics(net, X, Y)
    A, cache = net.forward(X)
    grads = net.backward(Y, cache)
    np.testing.assert_allclose(act, [np.std(cache[f"A{l}"]) for l in (1, 2, 3)])
    np.testing.assert_allclose(grad, [np.std(grads[f"W{l}"]) for l in (1, 2, 3)])


def test_backward_factors_multiply_to_the_weight_gradients():
    # dW_l = dZ_l A_(l-1)^T / m: the factors recomputed from the gradients of a net with one example
    rng = np.random.default_rng(0)
    net = tw.deep_network("relu", 0.3, depth=3, width=5, rng=1)
    X, Y = rng.normal(size=(5, 1)), rng.normal(size=(5, 1))
    inputs, dZ = tw.backward_factors(net, X, Y)
    A, cache = net.forward(X)
    grads = net.backward(Y, cache)
    np.testing.assert_allclose(inputs, [np.std(cache[f"A{l}"]) for l in (0, 1, 2)])
    # with m = 1, dW_l is the outer product dZ_l A_(l-1)^T and db_l is dZ_l itself
    np.testing.assert_allclose(dZ, [np.std(grads[f"b{l}"]) for l in (1, 2, 3)])
    for l in (1, 2, 3):
        np.testing.assert_allclose(grads[f"W{l}"], grads[f"b{l}"] @ cache[f"A{l - 1}"].T)


def test_backward_factors_shrink_and_grow_in_opposite_directions_for_a_small_scale():
    X = np.random.default_rng(0).normal(size=(100, 200))
    Y = np.random.default_rng(1).normal(size=(100, 200))
    inputs, dZ = tw.backward_factors(tw.deep_network("relu", 0.01, rng=1), X, Y)
    assert inputs[-1] < 1e-8 * inputs[0] and dZ[0] < 1e-8 * dZ[-1]
    product = inputs * dZ
    assert product.max() < 3 * product.min()  # flat across the layers


def test_regularisation_choice_is_a_valid_choice():
    choice = tw.regularisation_choice()
    assert set(choice) == {"lam", "keep_prob"} and choice["lam"] >= 0 and 0 < choice["keep_prob"] <= 1


def test_activations_vanish_explode_or_stay_with_the_initial_scale():
    X = np.random.default_rng(0).normal(size=(100, 200))
    Y = np.zeros((100, 200))
    small, _ = tw.layer_statistics(tw.deep_network("relu", 0.01, rng=1), X, Y)
    large, _ = tw.layer_statistics(tw.deep_network("relu", 0.5, rng=1), X, Y)
    he, _ = tw.layer_statistics(tw.deep_network("relu", "auto", rng=1), X, Y)
    assert small[-1] < 1e-10 * small[0] < 1e-10  # shrinks by about 0.01 * sqrt(100 / 2) per layer
    assert large[-1] > 1e4 * large[0]
    assert 0.3 < he[-1] / he[0] < 3


def _valley():
    X, Y = nl.datasets.x_plus_two()
    return X.ravel(), Y.ravel()


def test_valley_run_with_sgd_is_notebook_01s_gradient_descent():
    x, y = _valley()
    path, costs = tw.valley_run(nl.optim.SGD(0.05), x, y, [-4.0, -4.0], 50)
    ref_path, ref_costs = regression.gradient_descent(-4.0, -4.0, x, y, 0.05, 50)
    np.testing.assert_allclose(path, ref_path, rtol=1e-12)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-12)


def test_valley_run_stops_when_diverging():
    x, y = _valley()
    path, costs = tw.valley_run(nl.optim.SGD(0.5), x, y, [-4.0, -4.0], 10_000)
    assert len(costs) < 200 and costs[-1] > regression.DIVERGED
    with pytest.raises(ValueError, match="start"):
        tw.valley_run(nl.optim.SGD(0.5), x, y, [1.0, 2.0, 3.0], 3)


def test_steps_to_reach():
    assert tw.steps_to_reach([5.0, 1.0, 0.5, 0.01, 0.001], 0.1) == 3
    assert tw.steps_to_reach([5.0, 0.01, 0.5, 0.01, 0.001], 0.1) == 3  # must stay below
    assert tw.steps_to_reach([0.01, 0.001], 0.1) == 0
    assert tw.steps_to_reach([5.0, 1.0, 0.5], 0.1) is None
    assert tw.steps_to_reach([5.0, 1.0, 0.01], 0.1) == 2


def test_fewest_steps_picks_the_best_rate_and_momentum_beats_sgd():
    x, y = _valley()
    start = [-4.0, -4.0]
    lr, steps, all_steps = tw.fewest_steps(nl.optim.SGD, [0.01, 0.05, 0.2], x, y, start, 3000, 1e-6)
    assert all_steps[2] is None  # 0.2 diverges: above 2 / largest curvature
    assert lr == 0.05 and steps == all_steps[1] == min(s for s in all_steps if s is not None)
    direct = tw.steps_to_reach(tw.valley_run(nl.optim.SGD(0.05), x, y, start, 3000)[1], 1e-6)
    assert steps == direct
    _, mom_steps, _ = tw.fewest_steps(lambda r: nl.optim.Momentum(r, beta=0.9), [0.01, 0.05],
                                      x, y, start, 3000, 1e-6)
    assert mom_steps < steps
    assert tw.fewest_steps(nl.optim.SGD, [1.0], x, y, start, 100, 1e-6)[:2] == (None, None)


def test_step_lengths_and_adam_bias_correction_on_the_valley():
    x, y = _valley()
    path, _ = tw.valley_run(nl.optim.Adam(0.1), x, y, [-4.0, -4.0], 5)
    lengths = tw.step_lengths(path)
    assert lengths.shape == (5,)
    # corrected: the first step moves each coordinate by exactly the learning rate
    assert lengths[0] == pytest.approx(0.1 * np.sqrt(2), rel=1e-6)
    raw, _ = tw.valley_run(nl.optim.Adam(0.1, bias_correction=False), x, y, [-4.0, -4.0], 5)
    assert tw.step_lengths(raw)[0] == pytest.approx(0.1 * np.sqrt(2) * 0.1 / np.sqrt(0.001), rel=1e-6)


# -- the learner's functions assembled into training runs (tw.train) ----------------------------


DROPOUT = (regularization.dropout_forward, regularization.dropout_backward)


@pytest.fixture(scope="module")
def small_digits():
    return tw.digits_split(120, 60, rng=5)


def _net(seed=1):
    return nl.Network([784, 12, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=seed)


FIT_AND_TRAIN = {
    "L2": ({"learning_rate": 0.1, "weight_decay": 3.0},
           {"learning_rate": 0.1, "weight_decay": 3.0, "l2_gradients": regularization.l2_gradients}),
    "dropout": ({"learning_rate": 0.1, "keep_prob": 0.5}, {"learning_rate": 0.1, "keep_prob": 0.5, "dropout": DROPOUT}),
    "schedule": ({"schedule": optim.CosineDecay(0.3, epochs=4), "keep_prob": 0.8},
                 {"schedule": optim.CosineDecay(0.3, epochs=4), "keep_prob": 0.8, "dropout": DROPOUT}),
    "Adam": ({"optimizer": optim.Adam(0.003), "keep_prob": 0.5, "weight_decay": 1.0},
             {"adam": tw.train_with_adam, "learning_rate": 0.003, "keep_prob": 0.5, "dropout": DROPOUT,
              "weight_decay": 1.0, "l2_gradients": regularization.l2_gradients}),
}


@pytest.mark.parametrize("kind", FIT_AND_TRAIN)
def test_train_with_the_package_s_functions_is_fit(kind, small_digits):
    (X, y), (Xv, yv) = small_digits
    fit_options, train_options = FIT_AND_TRAIN[kind]
    a, b = _net(), _net()
    h_fit = a.fit(X, y, epochs=4, batch_size=16, rng=np.random.default_rng(2), validation=(Xv, yv),
                  restore_best=True, **fit_options)
    h_train = tw.train(b, X, y, (Xv, yv), epochs=4, batch_size=16, rng=np.random.default_rng(2), **train_options)
    assert h_train["best_epoch"] == h_fit["best_epoch"]
    for key in ["loss", "accuracy", "val_loss", "val_accuracy"]:
        np.testing.assert_allclose(h_train[key], h_fit[key], rtol=1e-12, atol=0)
    for name in a.params:
        np.testing.assert_allclose(b.params[name], a.params[name], rtol=1e-12, atol=1e-14)


def test_train_runs_the_learner_s_functions(small_digits):
    (X, y), (Xv, yv) = small_digits
    calls = {"l2": 0, "forward": 0, "backward": 0, "adam": 0}

    def l2_without_m(grads, params, lam, m):  # a slip: the 1/m missing
        calls["l2"] += 1
        return {k: g + lam * params[k] if k.startswith("W") else g for k, g in grads.items()}

    def dropout_forward(A, keep_prob, rng):
        calls["forward"] += 1
        return regularization.dropout_forward(A, keep_prob, rng)

    def dropout_backward(dA, mask, keep_prob):
        calls["backward"] += 1
        return regularization.dropout_backward(dA, mask, keep_prob)

    def adam(net, X, y, epochs, batch_size, learning_rate, rng):
        calls["adam"] += 1
        return tw.train_with_adam(net, X, y, epochs, batch_size, learning_rate, rng)

    right, wrong = _net(), _net()
    tw.train(right, X, y, (Xv, yv), epochs=2, batch_size=30, rng=3, learning_rate=0.1, weight_decay=2.0,
             l2_gradients=regularization.l2_gradients)
    tw.train(wrong, X, y, (Xv, yv), epochs=2, batch_size=30, rng=3, learning_rate=0.1, weight_decay=2.0,
             l2_gradients=l2_without_m)
    assert calls["l2"] == 8  # 4 batches of 30 per epoch, 2 epochs
    assert np.abs(wrong.params["W1"]).sum() < np.abs(right.params["W1"]).sum()  # decayed 120 times harder
    history = tw.train(_net(), X, y, (Xv, yv), epochs=3, batch_size=40, rng=3, learning_rate=0.01, keep_prob=0.5,
                       dropout=(dropout_forward, dropout_backward), adam=adam)
    assert calls["adam"] == 1 and calls["forward"] == calls["backward"] == 9  # one hidden layer, 9 batches
    assert len(history["val_accuracy"]) == 3 and 1 <= history["best_epoch"] <= 3


def test_assembled_refuses_what_it_cannot_run(small_digits):
    (X, y), (Xv, yv) = small_digits
    regression_net = nl.Network([784, 4, 1], ["relu", "identity"], "mse", rng=0)
    with pytest.raises(ValueError, match="softmax or sigmoid output"):
        tw.Assembled(regression_net, m=10, validation=(Xv, yv))
    with pytest.raises(TypeError, match="dropout_forward, dropout_backward"):
        tw.Assembled(_net(), m=10, validation=(Xv, yv), keep_prob=0.5, rng=0)
    with pytest.raises(TypeError, match="l2_gradients"):
        tw.Assembled(_net(), m=10, validation=(Xv, yv), weight_decay=1.0)
    with pytest.raises(ValueError, match="keep_prob"):
        tw.Assembled(_net(), m=10, validation=(Xv, yv), keep_prob=0.0, dropout=DROPOUT, rng=0)
    with pytest.raises(TypeError, match="exactly one of learning_rate and schedule"):
        tw.train(_net(), X, y, (Xv, yv), epochs=1, batch_size=32, rng=0)
    with pytest.raises(TypeError, match="schedule is for plain SGD"):
        tw.train(_net(), X, y, (Xv, yv), epochs=1, batch_size=32, rng=0, schedule=optim.CosineDecay(0.1, epochs=1),
                 adam=tw.train_with_adam)


def test_momentum_step_and_train_with_adam_are_the_optimisers(small_digits):
    rng = np.random.default_rng(0)
    params = {"W1": rng.standard_normal((3, 2)), "b1": rng.standard_normal((3, 1))}
    grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    velocity = {k: rng.standard_normal(v.shape) for k, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}
    new_params, new_velocity = tw.momentum_step(params, grads, velocity, 0.1, 0.9)
    opt = optim.Momentum(0.1, beta=0.9)
    opt.velocity = {k: v.copy() for k, v in velocity.items()}
    stepped = {k: v.copy() for k, v in params.items()}
    opt.step(stepped, grads)
    for k in params:
        np.testing.assert_allclose(new_params[k], stepped[k], rtol=1e-15)
        np.testing.assert_allclose(new_velocity[k], opt.velocity[k], rtol=1e-15)
        assert np.array_equal(params[k], before[k])
    (X, y), _ = small_digits
    a, b = _net(), _net()
    costs = tw.train_with_adam(a, X, y, 2, 50, 0.01, np.random.default_rng(4))
    b.fit(X, y, epochs=2, batch_size=50, optimizer=optim.Adam(0.01), rng=np.random.default_rng(4))
    assert len(costs) == 6
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12, atol=1e-14)
