"""Training behaviours notebook 07's stored outputs used to be the only check of: dropout in
``loss_and_grads`` and ``fit``, ``patience`` alone, the optimisers by name, the documented
defaults and ranges, and given dropout masks in the network's dtype."""

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import optim
from nnlessons.activations import softmax
from nnlessons.network import Network


def _moons(m=60, seed=0):
    X, y = nl.datasets.moons(m, rng=seed, noise=0.2)
    Xv, yv = nl.datasets.moons(40, rng=seed + 100, noise=0.2)
    return X, y, Xv, yv


def _net(seed=1, dtype=np.float64):
    return Network([2, 6, 5, 2], ["tanh", "relu", "softmax"], "categorical_cross_entropy", rng=seed,
                   bias_init=0.2, dtype=dtype)


def _by_hand(net, X, y, masks, keep_prob):
    """The training cost with inverted dropout, written out: each hidden A times M / keep_prob."""
    p = net.params
    A1 = np.tanh(p["W1"] @ X + p["b1"]) * masks["M1"] / keep_prob
    A2 = np.maximum(p["W2"] @ A1 + p["b2"], 0.0) * masks["M2"] / keep_prob
    A3 = softmax(p["W3"] @ A2 + p["b3"])
    return -np.mean(np.log(A3[y, np.arange(y.size)]))


class Recorder(optim.SGD):
    """SGD that remembers each step's gradients."""

    def __init__(self, learning_rate=0.1):
        super().__init__(learning_rate)
        self.grads = []

    def step(self, params, grads):
        self.grads.append({k: v.copy() for k, v in grads.items()})
        super().step(params, grads)


# ------------------------------------------------------------------ dropout in training
@pytest.mark.parametrize("keep_prob", [0.5, 0.8])
def test_loss_and_grads_divide_the_kept_units_by_keep_prob(keep_prob):
    X, y, _, _ = _moons(9)
    net = _net()
    masks = net.dropout_masks(9, keep_prob, np.random.default_rng(3))
    cost, grads = net.loss_and_grads(X, y, keep_prob=keep_prob, masks=masks)
    assert cost == pytest.approx(_by_hand(net, X, y, masks, keep_prob), rel=1e-12)
    # masks drawn from an rng are the same as dropout_masks draws from it
    drawn = net.loss_and_grads(X, y, keep_prob=keep_prob, rng=np.random.default_rng(3))
    assert drawn[0] == cost and all(np.array_equal(drawn[1][k], grads[k]) for k in grads)
    errors = nl.gradient_check(lambda: _by_hand(net, X, y, masks, keep_prob), net.params, grads)
    assert max(errors.values()) < 1e-7, errors


def test_fit_with_dropout_is_the_loop_of_loss_and_grads_with_masks_drawn_after_the_permutation():
    X, y, Xv, yv = _moons(50)
    net, twin = _net(), _net()
    h = net.fit(X, y, epochs=3, batch_size=16, learning_rate=0.3, rng=np.random.default_rng(6), keep_prob=0.6,
                validation=(Xv, yv))
    rng, opt, losses = np.random.default_rng(6), optim.SGD(0.3), []
    for _ in range(3):
        order, total = rng.permutation(50), 0.0
        for start in range(0, 50, 16):
            idx = order[start:start + 16]
            masks = twin.dropout_masks(idx.size, 0.6, rng)
            cost, grads = twin.loss_and_grads(X[:, idx], y[idx], keep_prob=0.6, masks=masks)
            assert cost == pytest.approx(_by_hand(twin, X[:, idx], y[idx], masks, 0.6), rel=1e-12)
            total += cost * idx.size
            opt.step(twin.params, grads)
        losses.append(total / 50)
    for k in net.params:
        np.testing.assert_allclose(net.params[k], twin.params[k], rtol=1e-12, atol=1e-14)
    assert h["loss"] == pytest.approx(losses, rel=1e-12)  # the running means, measured with dropout on
    # the validation data never are: val_loss and val_accuracy are the evaluation-mode ones
    assert h["val_loss"][-1] == pytest.approx(net.cost(Xv, yv), rel=1e-12)
    assert h["val_accuracy"][-1] == net.accuracy(Xv, yv)


def test_given_masks_are_cast_to_the_networks_dtype():
    X, y, _, _ = _moons(9)
    net = _net(dtype=np.float32)
    masks32 = net.dropout_masks(9, 0.5, np.random.default_rng(2))
    assert all(M.dtype == np.float32 for M in masks32.values())
    cost32, grads32 = net.loss_and_grads(X, y, keep_prob=0.5, masks=masks32)
    for given in ({k: M.astype(np.float64) for k, M in masks32.items()},
                  {k: M.astype(bool) for k, M in masks32.items()},
                  {k: M.astype(int).tolist() for k, M in masks32.items()}):
        cost, grads = net.loss_and_grads(X, y, keep_prob=0.5, masks=given)
        assert all(g.dtype == np.float32 for g in grads.values())
        assert cost == cost32 and all(np.array_equal(grads[k], grads32[k]) for k in grads)


# ------------------------------------------------------------------ patience alone
def test_patience_without_restore_best_keeps_the_last_epoch():
    X, y, Xv, yv = _moons(60)
    stopped = _net(seed=4)
    h = stopped.fit(X, y, epochs=60, batch_size=8, learning_rate=0.5, rng=3, validation=(Xv, yv), patience=2)
    epochs = len(h["loss"])
    assert epochs < 60 and "best_epoch" not in h
    acc = h["val_accuracy"]
    assert max(acc[-2:]) <= max(acc[:-2]) and acc[-3] == max(acc), "stopped 2 epochs after the last best one"
    twin = _net(seed=4)
    twin.fit(X, y, epochs=epochs, batch_size=8, learning_rate=0.5, rng=3)
    assert all(np.array_equal(stopped.params[k], twin.params[k]) for k in twin.params)


# ------------------------------------------------------------------ names and defaults
@pytest.mark.parametrize("name, cls", [("sgd", optim.SGD), ("momentum", optim.Momentum), ("adam", optim.Adam)])
def test_optimisers_by_name_are_the_objects_with_their_defaults(name, cls):
    X, y, _, _ = _moons(40)
    by_name, by_object = _net(), _net()
    h1 = by_name.fit(X, y, epochs=2, batch_size=10, optimizer=name, learning_rate=0.05, rng=0)
    h2 = by_object.fit(X, y, epochs=2, batch_size=10, optimizer=cls(0.05), rng=0)
    assert h1 == h2 and all(np.array_equal(by_name.params[k], by_object.params[k]) for k in by_name.params)
    made = optim.get_optimizer(name)
    assert type(made) is cls and made.learning_rate == cls().learning_rate
    assert optim.get_optimizer(name, 0.02).learning_rate == 0.02


def test_the_documented_defaults():
    assert optim.SGD().learning_rate == 0.1
    momentum = optim.Momentum()
    assert (momentum.learning_rate, momentum.beta) == (0.1, 0.9)
    adam = optim.Adam()
    assert (adam.learning_rate, adam.beta1, adam.beta2, adam.eps, adam.bias_correction) == (0.001, 0.9, 0.999, 1e-8,
                                                                                           True)
    assert type(optim.get_optimizer(None)) is optim.SGD and optim.get_optimizer(None).learning_rate == 0.1
    step = optim.StepDecay(0.4)
    assert (step.factor, step.every) == (0.1, 10)
    assert [step(e) for e in (0, 9, 10, 19, 20)] == pytest.approx([0.4, 0.4, 0.04, 0.04, 0.004])
    assert optim.CosineDecay(0.4, epochs=4).final == 0.0
    # fit: batches of 32, the last one holding what is left
    X, y, _, _ = _moons(70)
    opt = Recorder()
    _net().fit(X, y, epochs=2, optimizer=opt, rng=0)
    assert [g["W1"].shape for g in opt.grads] == [(6, 2)] * 6
    sizes = []
    net = _net()
    original = net._forward

    def spy(Xb, *args):
        sizes.append(Xb.shape[1])
        return original(Xb, *args)

    net._forward = spy
    net.fit(X, y, epochs=1, learning_rate=0.1, rng=0)
    assert sizes == [32, 32, 6]


def test_inclusive_ends_of_the_schedules_ranges():
    assert optim.StepDecay(0.1, factor=1)(25) == 0.1  # factor 1: a constant rate
    assert optim.StepDecay(0.1, factor=1.0, every=1)(3) == 0.1
    for factor in (0, 0.0, -0.5, 1.0001, True, "0.5"):
        with pytest.raises(ValueError, match=rf"^factor must be a number in \(0, 1\], got {factor!r}$"):
            optim.StepDecay(0.1, factor=factor)
    ends = optim.CosineDecay(0.2, epochs=4, final=0)
    assert ends(4) == 0.0 and ends(0) == 0.2
    flat = optim.CosineDecay(0.2, epochs=4, final=0.2)  # final = learning_rate: a constant rate
    assert [flat(e) for e in range(6)] == pytest.approx([0.2] * 6, rel=1e-15)
    for final in (-1e-9, 0.2000001, 1, True, None):
        with pytest.raises(ValueError, match=rf"^final must be a number in \[0, learning_rate\], got {final!r}$"):
            optim.CosineDecay(0.2, epochs=4, final=final)
    assert optim.CosineDecay(1, epochs=2, final=1)(1) == 1.0  # ints are numbers too
