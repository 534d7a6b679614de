"""Network's training options of notebook 07: weight decay, dropout, schedules, restoring the best epoch.

Every new gradient is checked against central differences (float64, relative error <= 1e-7).
"""

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import optim, regularization
from nnlessons.gradcheck import gradient_check

CONFIGS = [
    ([4, 5, 3], ["tanh", "softmax"], "categorical_cross_entropy"),
    ([3, 6, 4, 1], ["relu", "sigmoid", "sigmoid"], "binary_cross_entropy"),
    ([2, 5, 5, 2], ["sigmoid", "tanh", "identity"], "mse"),
]


def _data(sizes, loss, m=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sizes[0], m))
    if loss == "categorical_cross_entropy":
        return X, rng.integers(0, sizes[-1], m)
    if loss == "binary_cross_entropy":
        return X, rng.integers(0, 2, m)
    return X, rng.standard_normal((sizes[-1], m))


def _moons(m=120, seed=0):
    X, y = nl.datasets.moons(m, rng=seed)
    Xv, yv = nl.datasets.moons(80, rng=seed + 100)
    return X, y, Xv, yv


def _classifier(seed=1, hidden=16):
    return nl.Network([2, hidden, hidden, 2], ["relu", "relu", "softmax"], "categorical_cross_entropy", rng=seed)


@pytest.mark.parametrize("sizes, acts, loss", CONFIGS)
def test_weight_decay_gradients_match_central_differences(sizes, acts, loss):
    net = nl.Network(sizes, acts, loss, rng=2, bias_init=0.3)
    X, Y = _data(sizes, loss)
    cost, grads = net.loss_and_grads(X, Y, weight_decay=0.8)
    plain = net.cost(X, Y)
    assert cost == pytest.approx(plain + regularization.l2_penalty(net.params, 0.8, X.shape[1]), rel=1e-12)
    errors = gradient_check(lambda: net.loss_and_grads(X, Y, weight_decay=0.8)[0], net.params, grads)
    assert max(errors.values()) <= 1e-7, errors


@pytest.mark.parametrize("sizes, acts, loss", CONFIGS)
def test_dropout_gradients_with_fixed_masks_match_central_differences(sizes, acts, loss):
    net = nl.Network(sizes, acts, loss, rng=3, bias_init=0.3)
    X, Y = _data(sizes, loss, seed=1)
    masks = net.dropout_masks(X.shape[1], 0.6, np.random.default_rng(4))
    assert sorted(masks) == [f"M{l}" for l in range(1, len(sizes) - 1)]
    cost, grads = net.loss_and_grads(X, Y, keep_prob=0.6, masks=masks, weight_decay=0.3)
    errors = gradient_check(
        lambda: net.loss_and_grads(X, Y, keep_prob=0.6, masks=masks, weight_decay=0.3)[0], net.params, grads)
    assert max(errors.values()) <= 1e-7, errors
    # the masks really act: without them the cost differs
    assert cost != pytest.approx(net.loss_and_grads(X, Y, weight_decay=0.3)[0], rel=1e-6)


def test_dropout_forward_uses_inverted_masks_on_hidden_layers_only():
    net = nl.Network([3, 4, 5, 2], ["relu", "tanh", "softmax"], "categorical_cross_entropy", rng=0)
    X = np.random.default_rng(1).standard_normal((3, 6))
    masks = net.dropout_masks(6, 0.5, np.random.default_rng(2))
    _, cache = net._forward(X, masks, 0.5)
    A1 = np.maximum(net.params["W1"] @ X + net.params["b1"], 0) * masks["M1"] / 0.5
    np.testing.assert_allclose(cache["A1"], A1, rtol=1e-14)
    np.testing.assert_allclose(cache["A3"].sum(axis=0), 1.0)  # the output layer is never dropped


def test_dropout_is_never_on_outside_training():
    X, y, Xv, yv = _moons()
    net = _classifier()
    net.fit(X, y, epochs=3, batch_size=16, learning_rate=0.1, rng=0, keep_prob=0.5)
    out = net(Xv)
    assert np.array_equal(out, net(Xv)) and np.array_equal(net.predict(Xv), net.predict(Xv))
    assert net.cost(Xv, yv) == net.loss_and_grads(Xv, yv)[0]
    # training mode draws new masks each time, so the cost varies
    c1 = net.loss_and_grads(Xv, yv, keep_prob=0.5, rng=1)[0]
    c2 = net.loss_and_grads(Xv, yv, keep_prob=0.5, rng=2)[0]
    assert c1 != c2


def test_fit_with_dropout_is_reproducible_and_differs_from_without():
    X, y, Xv, yv = _moons()
    nets = [_classifier() for _ in range(3)]
    nets[0].fit(X, y, epochs=4, batch_size=16, learning_rate=0.1, rng=5, keep_prob=0.7)
    nets[1].fit(X, y, epochs=4, batch_size=16, learning_rate=0.1, rng=5, keep_prob=0.7)
    nets[2].fit(X, y, epochs=4, batch_size=16, learning_rate=0.1, rng=5)
    assert all(np.array_equal(nets[0].params[k], nets[1].params[k]) for k in nets[0].params)
    assert not np.allclose(nets[0].params["W1"], nets[2].params["W1"])


def test_fit_with_weight_decay_is_the_loop_with_the_term_over_the_training_set():
    X, y, _, _ = _moons(50)
    net, twin = _classifier(), _classifier()
    net.fit(X, y, epochs=3, batch_size=16, learning_rate=0.2, rng=np.random.default_rng(6), weight_decay=2.0)
    rng, opt = np.random.default_rng(6), optim.SGD(0.2)
    for _ in range(3):
        order = rng.permutation(50)
        for start in range(0, 50, 16):
            idx = order[start:start + 16]
            _, grads = twin.loss_and_grads(X[:, idx], y[idx])
            opt.step(twin.params, regularization.l2_gradients(grads, twin.params, 2.0, 50))
    for k in net.params:
        np.testing.assert_allclose(net.params[k], twin.params[k], rtol=1e-12, atol=1e-14)


def test_weight_decay_shrinks_the_weights_and_leaves_the_history_as_the_data_cost():
    X, y, Xv, yv = _moons()
    plain, decayed = _classifier(), _classifier()
    plain.fit(X, y, epochs=30, batch_size=16, learning_rate=0.1, rng=0)
    h = decayed.fit(X, y, epochs=30, batch_size=16, learning_rate=0.1, rng=0, weight_decay=5.0,
                    validation=(Xv, yv))
    assert np.linalg.norm(decayed.params["W2"]) < 0.8 * np.linalg.norm(plain.params["W2"])
    assert h["val_loss"][-1] == pytest.approx(decayed.cost(Xv, yv), rel=1e-12)


def test_schedule_sets_the_learning_rate_each_epoch():
    X, y, _, _ = _moons(40)
    net, twin = _classifier(), _classifier()
    schedule = optim.StepDecay(0.3, factor=0.5, every=2)
    h = net.fit(X, y, epochs=5, batch_size=10, rng=np.random.default_rng(1), schedule=schedule)
    assert h["learning_rate"] == pytest.approx([0.3, 0.3, 0.15, 0.15, 0.075])
    # the same as one fit call per epoch with the rate changed by hand
    rng, opt = np.random.default_rng(1), optim.SGD(0.3)
    for e in range(5):
        opt.learning_rate = schedule(e)
        twin.fit(X, y, epochs=1, batch_size=10, optimizer=opt, rng=rng)
    for k in net.params:
        np.testing.assert_allclose(net.params[k], twin.params[k], rtol=1e-12, atol=1e-14)


def test_schedule_drives_adam_too():
    X, y, _, _ = _moons(40)
    adam = optim.Adam(0.01)
    h = _classifier().fit(X, y, epochs=3, batch_size=10, optimizer=adam, rng=0,
                          schedule=optim.CosineDecay(0.01, epochs=3))
    assert h["learning_rate"][0] == pytest.approx(0.01) and adam.learning_rate == pytest.approx(0.0025)
    assert adam.t == 12


def test_restore_best_returns_the_parameters_of_the_best_validation_epoch():
    X, y, Xv, yv = _moons(60)
    net = _classifier(hidden=32)
    h = net.fit(X, y, epochs=25, batch_size=8, learning_rate=0.5, rng=3, validation=(Xv, yv), restore_best=True)
    best = h["best_epoch"]
    assert best == int(np.argmax(h["val_accuracy"])) + 1
    assert net.accuracy(Xv, yv) == max(h["val_accuracy"])
    # the same seeds stopped after `best` epochs give exactly these parameters
    twin = _classifier(hidden=32)
    twin.fit(X, y, epochs=best, batch_size=8, learning_rate=0.5, rng=3)
    assert all(np.array_equal(net.params[k], twin.params[k]) for k in net.params)


def test_restore_best_for_regression_uses_the_validation_loss():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((2, 30)), rng.standard_normal((1, 30))
    Xv, Yv = rng.standard_normal((2, 30)), rng.standard_normal((1, 30))
    net = nl.Network([2, 20, 1], ["tanh", "identity"], "mse", rng=1)
    h = net.fit(X, Y, epochs=40, batch_size=5, learning_rate=0.1, rng=2, validation=(Xv, Yv), restore_best=True)
    assert h["best_epoch"] == int(np.argmin(h["val_loss"])) + 1
    assert net.cost(Xv, Yv) == pytest.approx(min(h["val_loss"]), rel=1e-12)


def test_patience_stops_after_that_many_epochs_without_improvement():
    X, y, Xv, yv = _moons(60)
    full = _classifier(hidden=32).fit(X, y, epochs=60, batch_size=8, learning_rate=0.5, rng=3,
                                      validation=(Xv, yv))
    acc = full["val_accuracy"]
    best_so_far = np.maximum.accumulate(acc)
    # the first epoch that is 3 epochs after the last improvement
    improved = [0] + [e for e in range(1, 60) if acc[e] > best_so_far[e - 1]]
    stop = next((e for e in range(60) if e - max(i for i in improved if i <= e) >= 3), 59)
    h = _classifier(hidden=32).fit(X, y, epochs=60, batch_size=8, learning_rate=0.5, rng=3,
                                   validation=(Xv, yv), patience=3, restore_best=True)
    assert len(h["val_accuracy"]) == stop + 1
    assert h["val_accuracy"] == acc[:stop + 1]


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(weight_decay=-1.0), ValueError, "weight_decay"),
    (dict(keep_prob=0.0), ValueError, "keep_prob"),
    (dict(keep_prob=1.5), ValueError, "keep_prob"),
    (dict(restore_best=True), ValueError, "need validation data"),
    (dict(patience=3), ValueError, "need validation data"),
    (dict(schedule=0.1), TypeError, "schedule must be a callable"),
    (dict(schedule=lambda e: -0.1), ValueError, "schedule"),
])
def test_fit_refuses_bad_training_options(kwargs, exc, match):
    X, y, _, _ = _moons(20)
    kwargs.setdefault("learning_rate", 0.1) if "schedule" not in kwargs else None
    with pytest.raises(exc, match=match):
        _classifier().fit(X, y, epochs=1, rng=0, **kwargs)


def test_loss_and_grads_refuses_bad_dropout_arguments():
    net = _classifier()
    X, y, _, _ = _moons(6)
    with pytest.raises(TypeError, match="needs an rng"):
        net.loss_and_grads(X, y, keep_prob=0.5)
    masks = net.dropout_masks(6, 0.5, 0)
    with pytest.raises(ValueError, match="keep_prob=1.0"):
        net.loss_and_grads(X, y, masks=masks)
    with pytest.raises(ValueError, match=r"masks must be a dict with the names \['M1', 'M2'\]"):
        net.loss_and_grads(X, y, keep_prob=0.5, masks={"M1": masks["M1"]})
    with pytest.raises(ValueError, match=r"masks\['M2'\] must have shape \(16, 6\)"):
        net.loss_and_grads(X, y, keep_prob=0.5, masks={"M1": masks["M1"], "M2": masks["M2"][:, :3]})


def test_float32_networks_train_with_dropout_and_weight_decay():
    X, y, Xv, yv = _moons(40)
    net = nl.Network([2, 8, 2], ["relu", "softmax"], "categorical_cross_entropy", rng=0, dtype=np.float32)
    h = net.fit(X, y, epochs=3, batch_size=10, learning_rate=0.1, rng=1, keep_prob=0.8, weight_decay=1.0,
                validation=(Xv, yv), restore_best=True)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert np.all(np.isfinite(h["loss"])) and 1 <= h["best_epoch"] <= 3
    cost, grads = net.loss_and_grads(X, y, keep_prob=0.5, rng=2, weight_decay=1.0)
    assert all(g.dtype == np.float32 for g in grads.values())


def test_restore_best_restores_into_the_same_arrays():
    # Every step updates the parameters in place, so a reference taken before fit follows
    # training; restore_best used to swap in new arrays, leaving such a reference at the last epoch.
    X, y, Xv, yv = _moons(60)
    net = _classifier(hidden=32)
    arrays = dict(net.params)
    h = net.fit(X, y, epochs=25, batch_size=8, learning_rate=0.5, rng=3, validation=(Xv, yv), restore_best=True)
    assert h["best_epoch"] < 25
    assert all(net.params[k] is arrays[k] for k in arrays)
    assert net.accuracy(Xv, yv) == max(h["val_accuracy"])


def test_a_schedule_class_instead_of_an_object_is_named():
    # StepDecay(0) raised "learning_rate must be a positive number, got 0", a rate nobody gave.
    from nnlessons.optim import StepDecay

    X, y, _, _ = _moons(20)
    with pytest.raises(TypeError, match=r"^schedule must be a schedule object such as StepDecay\(learning_rate, ...\), "
                                        r"not the class itself$"):
        _classifier().fit(X, y, epochs=1, rng=0, schedule=StepDecay)
