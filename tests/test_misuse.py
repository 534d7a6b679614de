"""A learner's misuses of the core library, each refused with a message that says what is
wrong and what to do, and, in training, before a step has changed anything."""

import re

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import losses as L
from nnlessons.autodiff import Tensor, Value
from nnlessons.gradcheck import gradient_check, numerical_gradient
from nnlessons.network import MAX_DATA, FitDiverged, Network, _Growth
from nnlessons.optim import Adam, CosineDecay, Momentum, StepDecay


def _moons(m=40):
    return nl.datasets.moons(m, rng=0, noise=0.1)


def _same(a, b):
    return set(a) == set(b) and all(np.array_equal(a[k], b[k]) for k in a)


# ------------------------------------------------------------------ losses
@pytest.mark.parametrize("fn", [L.binary_cross_entropy, L.binary_cross_entropy_grad, L.sigmoid_bce_dZ])
def test_binary_cross_entropy_of_logits_is_refused_pointing_to_the_logits_version(fn):
    # Given logits (A = 3) the clipped log returned 1e-12, a near-perfect cost.
    Y = np.array([[1.0, 0.0]])
    with pytest.raises(ValueError, match=r"^binary_cross_entropy expects probabilities in \[0, 1\] in A, got values "
                                         r"from -1 to 3; these look like logits: use "
                                         r"binary_cross_entropy_from_logits, or apply the sigmoid first$"):
        fn(np.array([[3.0, -1.0]]), Y)
    with pytest.raises(ValueError, match=r"from 0\.5 to 1\.001;"):
        fn(np.array([[0.5, 1.001]]), Y)
    with pytest.raises(ValueError, match=r"from -0\.001 to 0\.5;"):
        fn(np.array([[-0.001, 0.5]]), Y)
    fn(np.array([[0.0, 1.0]]), Y)  # the ends of [0, 1] are probabilities


@pytest.mark.parametrize("fn", [L.categorical_cross_entropy, L.categorical_cross_entropy_grad, L.softmax_cce_dZ])
def test_categorical_cross_entropy_needs_probability_columns(fn):
    # Columns that did not sum to 1 returned -0.0.
    Y = L.one_hot([0, 1], 2)
    with pytest.raises(ValueError, match=r"^categorical_cross_entropy expects columns of probabilities in A \(entries "
                                         r"in \[0, 1\] summing to 1, as a softmax outputs\), got column 1 summing to "
                                         r"5 with entries from 2 to 3; for logits use "
                                         r"categorical_cross_entropy_from_logits, or apply the softmax first$"):
        fn(np.array([[0.5, 3.0], [0.5, 2.0]]), Y)
    with pytest.raises(ValueError, match=r"got column 0 summing to 1 with entries from -0\.5 to 1\.5"):
        fn(np.array([[1.5, 0.5], [-0.5, 0.5]]), Y)  # sums to 1, but not probabilities
    with pytest.raises(ValueError, match=r"got column 0 summing to 1\.1 with entries from 0\.1 to 1;"):
        fn(np.array([[1.0, 0.5], [0.0, 0.5]]) + np.array([[0.0, 0.0], [0.1, 0.0]]), Y)
    with pytest.raises(ValueError, match=r"got column 1 summing to 0\.9998 "):
        fn(np.array([[0.5, 0.5 - 2e-4], [0.5, 0.5]]), Y)
    fn(np.array([[0.5, 0.5 - 5e-5], [0.5, 0.5]]), Y)  # within SUM_TOLERANCE: rounding, not a mistake
    # a float32 softmax, whose columns sum to 1 only to about 1e-7
    Z = np.random.default_rng(0).normal(size=(10, 50)).astype(np.float32) * 5
    fn(nl.activations.softmax(Z), L.one_hot(np.arange(50) % 10, 10))


# ------------------------------------------------------------------ autodiff
def test_autodiff_losses_check_their_targets_and_a_one_row_softmax():
    Z = Tensor(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="^Y must be one-hot"):
        Z.softmax_cross_entropy(np.array([[1.0, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"^a softmax over a single row always outputs 1 \(the cost would be 0 "
                                         r"whatever the logits\); for two classes use sigmoid_cross_entropy on one "
                                         r"row, or two rows of logits$"):
        Tensor(np.zeros((1, 3))).softmax_cross_entropy(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"^Y must hold targets in \[0, 1\], got values from 0\.0 to 2\.0$"):
        Tensor(np.zeros((1, 2))).sigmoid_cross_entropy(np.array([[0.0, 2.0]]))
    with pytest.raises(ValueError, match=r"^Y must hold only finite numbers, got nan at Y\[0, 1\]$"):
        Tensor(np.zeros((1, 2))).sigmoid_cross_entropy(np.array([[0.0, np.nan]]))
    with pytest.raises(TypeError, match="^Y must be an array of numbers, got str$"):
        Z.softmax_cross_entropy("Y")
    # probability columns are targets too, as in losses
    assert Z.softmax_cross_entropy(np.full((2, 2), 0.5)).data == pytest.approx(np.log(2))


def test_values_and_tensors_refuse_what_is_not_a_finite_real_number():
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match=f"^data must be a finite number, got {bad}$"):
            Value(bad)
    with pytest.raises(ValueError, match=r"^data must hold only finite numbers, got nan at data\[1, 0\]$"):
        Tensor([[1.0], [np.nan]])
    with pytest.raises(ValueError, match=r"^log needs positive numbers, got -1: the log of a number <= 0 is not a "
                                         r"real number$"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="^log needs positive numbers, got 0:"):
        Tensor([[1.0, 0.0]]).log()
    assert Value(np.e).log().data == pytest.approx(1.0)


def test_dividing_by_a_zero_value_says_so():
    # 1 / Value(0.0) spoke of "0.0 cannot be raised to a negative power".
    for divide in (lambda: 1 / Value(0.0), lambda: Value(1.0) / 0.0, lambda: Value(1.0) / Value(0.0),
                   lambda: Tensor([[1.0, 2.0]]) / Tensor([[1.0, 0.0]])):
        with pytest.raises(ZeroDivisionError, match="^division by zero: the divisor is 0$"):
            divide()
    with pytest.raises(ZeroDivisionError, match=r"^0 \*\* -2 divides by zero: the base of a negative power must not "
                                                r"be 0$"):
        Value(0.0) ** -2
    assert (Value(0.0) ** 2).data == 0.0 and (Value(0.0) ** 0).data == 1.0
    assert (1 / Value(4.0)).data == 0.25 and (Value(-2.0) ** -1).data == -0.5
    with pytest.raises(ValueError, match=r"^a negative number to a fractional power is not a real number: "
                                         r"\(-4\) \*\* 0\.5$"):
        Tensor([[1.0, -4.0]]) ** 0.5


# ------------------------------------------------------------------ gradient checks
def test_gradient_check_of_an_f_that_ignores_the_parameters_is_refused():
    # It returned 1.0 for each parameter, blaming a right gradient.
    params = {"w": np.array([1.0, 2.0])}
    copy = params["w"].copy()
    with pytest.raises(ValueError, match=r"^f returned the same cost however params were changed, so every numerical "
                                         r"gradient is 0: f must compute the cost from the arrays in params \(the "
                                         r"very arrays, which are changed in place\), not from copies or other "
                                         r"variables$"):
        gradient_check(lambda: np.sum(copy**2), params, {"w": 2 * copy})
    # A cost that is flat in every parameter, with gradients of 0, is right: nothing to refuse.
    assert gradient_check(lambda: 5.0, params, {"w": np.zeros(2)}) == {"w": 0.0}
    # One parameter flat is fine when another moves the cost.
    two = {"w": np.array([1.0]), "v": np.array([3.0])}
    errors = gradient_check(lambda: 2 * two["w"][0], two, {"w": np.array([2.0]), "v": np.array([0.0])})
    assert errors["w"] < 1e-9 and errors["v"] == 0.0


def test_gradient_check_names_a_cost_that_is_not_one_finite_number():
    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"^f returned nan at a perturbed parameter: the cost must be a finite number "):
        gradient_check(lambda: np.nan * x.sum(), {"x": x}, {"x": np.ones(2)})
    with pytest.raises(ValueError, match="^f returned inf "):
        numerical_gradient(lambda: np.inf, x)
    with pytest.raises(TypeError, match=r"^f must return the cost as one number, got an array of shape \(2,\); for a "
                                        r"loss per example, return their mean$"):
        gradient_check(lambda: x**2, {"x": x}, {"x": 2 * x})
    with pytest.raises(TypeError, match="^f must return the cost as one number, got NoneType$"):
        numerical_gradient(lambda: None, x)
    assert np.array_equal(x, [1.0, 2.0]), "the perturbed entry is restored when f fails"
    # a (1, 1) array is one number
    assert np.allclose(numerical_gradient(lambda: (x @ x).reshape(1, 1), x), 2 * x)


@pytest.mark.parametrize("eps", [0, 0.0, -1e-6, np.nan, "1e-6"])
def test_gradient_check_refuses_an_eps_that_is_not_positive(eps):
    # eps = 0 raised ZeroDivisionError from inside the loop.
    with pytest.raises(ValueError, match=f"^eps must be a positive number, got {eps!r}$"):
        numerical_gradient(lambda: 0.0, np.zeros(2), eps=eps)


# ------------------------------------------------------------------ training
def test_a_plainly_diverging_run_stops_long_before_it_overflows():
    # A learning rate of 1e6 filled the history with losses from 1e38 to 1e258 and returned normally.
    X, y = _moons()
    net = Network([2, 8, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)
    seen = []

    class Spy(nl.optim.SGD):
        def step(self, params, grads):
            seen.append({k: v.copy() for k, v in params.items()})
            super().step(params, grads)

    with pytest.raises(FitDiverged, match=r"^the loss grew from 0\.\d+ to \d[\d.e+]* at epoch \d+, batch \d+: training "
                                          r"diverged \(the parameters from before the last step are kept\); try a "
                                          r"smaller learning rate$") as info:
        net.fit(X, y, epochs=20, batch_size=10, optimizer=Spy(1e6), rng=0)
    grown = float(str(info.value).split(" to ")[1].split(" at ")[0])
    assert 1e4 * 0.5 < grown < 1e100
    assert _same(net.params, seen[-1])
    assert all(np.all(np.isfinite(p)) for p in net.params.values())


def test_the_growth_guard_needs_three_batches_in_a_row_far_above_the_first_loss():
    g = _Growth()
    assert not g.diverged(2.0)  # the first loss: the reference
    assert not any(g.diverged(x) for x in [2.0e4, 2.0e4, 2.0e4])  # exactly 1e4 times: not above
    assert not g.diverged(2.1e4) and not g.diverged(2.1e4)
    assert not g.diverged(3.0)  # a loss back under the limit starts the count again
    assert not g.diverged(2.1e4) and not g.diverged(2.1e4)
    assert g.diverged(2.1e4)
    small = _Growth()  # a first loss below 1 is measured against 1: 1e4, not 1e4 * 0.001
    assert not any(small.diverged(x) for x in [0.001, 5.0, 9999.0, 9999.0, 9999.0])
    assert not small.diverged(1.1e4) and not small.diverged(1.1e4) and small.diverged(1.1e4)
    assert small.first == 0.001


def test_the_growth_guard_lets_high_but_stable_learning_rates_train():
    # notebook 07 trains the moons with learning rate 2.0, and notebook 05 shows 30.0 oscillating
    X, y = _moons(200)
    for lr in (2.0, 30.0):
        net = Network([2, 8, 1], ["relu", "sigmoid"], "binary_cross_entropy", rng=1)
        h = net.fit(X, y, epochs=30, batch_size=20, learning_rate=lr, rng=2)
        assert len(h["loss"]) == 30


@pytest.mark.parametrize("bad, what", [(1e300, "X"), (-1e13, "X")])
def test_data_too_large_to_train_on_are_refused_before_training(bad, what):
    # Inputs of 1e300 passed the finite check, then FitDiverged advised a smaller learning rate.
    X, y = _moons(8)
    X[1, 3] = bad
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)
    before = net.get_params()
    size = re.escape(f"{abs(bad):.3g}")
    with pytest.raises(ValueError, match=rf"^{what} holds values up to {size} in size: gradient descent on "
                                         rf"data this large overflows or needs a learning rate near 1 / "
                                         rf"{size}\^2; scale it first to values of order 1 \(for example "
                                         r"standardise each feature: subtract its mean, divide by its std\)$"):
        net.fit(X, y, epochs=2, learning_rate=0.1, rng=0)
    assert _same(net.params, before)
    X[1, 3] = MAX_DATA  # the limit itself is allowed
    net.fit(X, y, epochs=1, learning_rate=1e-30, rng=0)


def test_regression_targets_and_validation_data_too_large_are_refused_too():
    X = np.linspace(-1, 1, 8).reshape(1, -1)
    net = Network([1, 1], "identity", "mse", rng=0)
    with pytest.raises(ValueError, match=r"^Y holds values up to 1e\+200 in size"):
        net.fit(X, np.full((1, 8), 1e200), epochs=1, learning_rate=0.1, rng=0)
    with pytest.raises(ValueError, match=r"^X_val holds values up to 1e\+20 in size"):
        net.fit(X, X, epochs=1, learning_rate=0.1, rng=0, validation=(X * 1e20, X))
    with pytest.raises(ValueError, match=r"^Y_val holds values up to 1e\+20 in size"):
        net.fit(X, X, epochs=1, learning_rate=0.1, rng=0, validation=(X, X * 1e20))


def test_a_cost_that_overflows_is_an_error_not_inf():
    # Targets of 1e200 returned inf with only a numpy warning.
    net = Network([1, 1], "identity", "mse", rng=0)
    net.set_params({"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))})
    with pytest.raises(ValueError, match=r"^the cost overflowed to inf: the outputs reach 1 and the targets 1e\+200 "
                                         r"in size, too large for float64; scale the targets and inputs to values "
                                         r"of order 1$"):
        net.cost(np.ones((1, 2)), np.full((1, 2), 1e200))
    assert net.cost(np.ones((1, 2)), np.full((1, 2), 1e100)) == pytest.approx(0.5e200)


def test_a_schedule_is_checked_for_every_epoch_before_training():
    # CosineDecay(epochs=3) for fit(epochs=6) raised at epoch 4, after three epochs of steps.
    X, y = _moons()
    net = Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)
    before = net.get_params()
    short = CosineDecay(0.1, epochs=3)
    with pytest.raises(ValueError, match=r"^schedule\(3\), the learning rate of epoch 4 of 6, must be a positive "
                                         r"number, got 0\.0; CosineDecay\(0\.1, epochs=3, final=0\.0\) ends at epoch 3: "
                                         r"give it epochs=6 to last the run \(nothing was trained\)$"):
        net.fit(X, y, epochs=6, rng=0, schedule=short)
    assert _same(net.params, before)
    # a schedule that turns NaN, or returns no number, is caught up front too
    with pytest.raises(ValueError, match=r"^schedule\(4\), the learning rate of epoch 5 of 6, must be a positive "
                                         r"number, got nan \(nothing was trained\)$"):
        net.fit(X, y, epochs=6, rng=0, learning_rate=0.1, schedule=lambda e: 0.1 if e < 4 else float("nan"))
    with pytest.raises(ValueError, match=r"^schedule\(0\), the learning rate of epoch 1 of 2, must be a positive "
                                         r"number, got None \(nothing was trained\)$"):
        net.fit(X, y, epochs=2, rng=0, learning_rate=0.1, schedule=lambda e: None)
    assert _same(net.params, before)
    # a schedule that lasts exactly the run, or keeps a positive final rate after it, trains
    assert len(net.fit(X, y, epochs=3, rng=0, schedule=short)["learning_rate"]) == 3
    h = net.fit(X, y, epochs=5, rng=0, schedule=CosineDecay(0.1, epochs=3, final=0.01))
    assert h["learning_rate"][3:] == [0.01, 0.01]


def test_a_schedule_is_called_once_per_epoch_in_order():
    X, y = _moons()
    calls = []

    def schedule(e):
        calls.append(e)
        return 0.1

    Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0).fit(X, y, epochs=4, rng=0,
                                                                                schedule=schedule)
    assert calls == [0, 1, 2, 3]
    calls.clear()
    Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0).fit(X, y, epochs=0, rng=0,
                                                                                schedule=schedule)
    assert calls == []


def test_an_optimiser_with_state_refuses_a_second_network_before_changing_it():
    X, y = _moons()
    adam = Adam(0.01)
    Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0).fit(X, y, epochs=2, optimizer=adam, rng=0)
    other = Network([2, 5, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)
    before = other.get_params()
    with pytest.raises(ValueError, match=r"^this Adam has stepped parameters \{W1: \(4, 2\) float64, "):
        other.fit(X, y, epochs=1, optimizer=adam, rng=0)
    assert _same(other.params, before)
    t = adam.t
    adam.reset()
    other.fit(X, y, epochs=1, batch_size=40, optimizer=adam, rng=0)
    assert adam.t == 1 and t == 4
    momentum = Momentum(0.1)
    momentum.step({"w": np.zeros(2)}, {"w": np.ones(2)})
    with pytest.raises(ValueError, match=r"^this Momentum has stepped parameters \{w: \(2,\) float64\}"):
        other.fit(X, y, epochs=1, optimizer=momentum, rng=0)


def test_dropout_on_a_network_without_a_hidden_layer_is_refused():
    # keep_prob was ignored without a word: the output layer is never dropped.
    X, y = _moons(10)
    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    message = (r"^keep_prob=0\.5 drops hidden units, and this network \[2, 1\] has no hidden layer \(the output "
               r"layer is never dropped\): leave keep_prob at 1, or add a hidden layer$")
    before = net.get_params()
    with pytest.raises(ValueError, match=message):
        net.fit(X, y, epochs=1, learning_rate=0.1, rng=0, keep_prob=0.5)
    with pytest.raises(ValueError, match=message):
        net.loss_and_grads(X, y, keep_prob=0.5, rng=0)
    with pytest.raises(ValueError, match=message):
        net.dropout_masks(10, 0.5, rng=0)
    assert _same(net.params, before)
    net.fit(X, y, epochs=1, learning_rate=0.1, rng=0, keep_prob=1.0)
    assert Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0).dropout_masks(10, 0.5, 0)["M1"].shape \
        == (3, 10)


def test_step_decay_needs_no_check_up_front_it_never_reaches_zero():
    X, y = _moons()
    h = Network([2, 4, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0).fit(
        X, y, epochs=3, rng=0, schedule=StepDecay(0.2, factor=0.5, every=1))
    assert h["learning_rate"] == [0.2, 0.1, 0.05]
