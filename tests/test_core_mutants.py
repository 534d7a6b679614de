"""Behaviours `make mutation` found untested in the core (docs/MUTATION.md): the names in
the error messages a learner reads, the arguments passed on, and copies kept apart."""

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import activations as act
from nnlessons import gradcheck, optim, regularization
from nnlessons.network import Network


def _net():
    return Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)


# Every public check names the argument as the learner wrote it.
@pytest.mark.parametrize("call, exc, message", [
    (lambda: optim.StepDecay(0), ValueError, "learning_rate must be a positive number, got 0"),
    (lambda: optim.StepDecay(0.1, every=0), ValueError, "every must be a positive int, got 0"),
    (lambda: optim.StepDecay(0.1)(-1), ValueError, "epoch must be a non-negative int, got -1"),
    (lambda: optim.CosineDecay(0, epochs=3), ValueError, "learning_rate must be a positive number, got 0"),
    (lambda: optim.CosineDecay(0.1, epochs=0), ValueError, "epochs must be a positive int, got 0"),
    (lambda: optim.CosineDecay(0.1, epochs=3)(-1), ValueError, "epoch must be a non-negative int, got -1"),
    (lambda: gradcheck.relative_error("a", [1.0]), TypeError, "a must be an array of numbers, got str"),
    (lambda: gradcheck.relative_error([1.0], "b"), TypeError, "b must be an array of numbers, got str"),
    (lambda: gradcheck.gradient_check(lambda: 0.0, {"w": np.zeros(2)}, {"w": "dw"}), TypeError,
     "grads['w'] must be an array of numbers, got str"),
    (lambda: gradcheck.numerical_gradient(lambda: 0.0, [1.0]), TypeError,
     "x must be a float64 numpy array that f reads (it is perturbed in place), got list"),
    (lambda: gradcheck.numerical_gradient(lambda: 0.0, np.zeros(2, np.float32)), TypeError,
     "x must be a float64 numpy array that f reads (it is perturbed in place), got ndarray of dtype float32"),
    (lambda: gradcheck.numerical_gradient(lambda: "0.5", np.zeros(2)), TypeError,
     "f must return the cost as one number, got str"),
    (lambda: gradcheck.numerical_gradient(lambda: 1j, np.zeros(2)), TypeError,
     "f must return the cost as one number, got complex"),
    (lambda: gradcheck.numerical_gradient(lambda: np.nan, np.zeros(2)), ValueError,
     "f returned nan at a perturbed parameter: the cost must be a finite number (check f at the parameters "
     "given, and that eps is small)"),
    (lambda: regularization.l2_penalty({"W1": np.ones((2, 2))}, 1.0, 0), ValueError,
     "m must be a positive number, got 0"),
    (lambda: regularization.l2_gradients({"W1": np.ones((2, 2))}, {"W1": np.ones((2, 2))}, 1.0, 0), ValueError,
     "m must be a positive number, got 0"),
    (lambda: regularization.dropout_forward("A", 0.5, 0), TypeError, "A must be an array of numbers, got str"),
    (lambda: regularization.dropout_backward("dA", np.ones(2), 0.5), TypeError,
     "dA_drop must be an array of numbers, got str"),
    (lambda: regularization.dropout_backward(np.ones(2), "M", 0.5), TypeError, "M must be an array of numbers, got str"),
    (lambda: Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0).dropout_masks(0, 0.5, 0),
     ValueError, "m must be a positive int, got 0"),
    (lambda: _net().loss_and_grads(np.zeros((2, 3)), [0, 1, 0], keep_prob=0.5), TypeError,
     "dropout (keep_prob < 1) needs an rng to draw its masks, or masks"),
    (lambda: _net().loss_and_grads(np.zeros((2, 3)), [0, 1, 0], masks={"M1": np.ones((3, 3))}), ValueError,
     "masks were given with keep_prob=1.0; give the keep_prob they were drawn with"),
    (lambda: _net().loss_and_grads(np.zeros((2, 3)), [0, 1, 0], keep_prob=0.5, masks=[np.ones((3, 3))]), ValueError,
     "masks must be a dict with the names ['M1'], got list"),
    (lambda: _net().loss_and_grads(np.zeros((2, 3)), [0, 1, 0], keep_prob=0.5, masks={"M2": 1, "M1": 1}),
     ValueError, "masks must be a dict with the names ['M1'], got ['M1', 'M2']"),
    (lambda: _net().loss_and_grads(np.zeros((2, 3)), [0, 1, 0], keep_prob=0.5, masks={"M1": "mask"}), TypeError,
     "masks['M1'] must be an array of numbers, got str"),
    (lambda: optim.Adam(0.1, beta1=1.0), ValueError, "beta1 must be a number in [0, 1), got 1.0"),
    (lambda: optim.Adam(0.1, beta2=-0.5), ValueError, "beta2 must be a number in [0, 1), got -0.5"),
    (lambda: optim.Adam(0.1, eps=0), ValueError, "eps must be a positive number, got 0"),
    (lambda: optim.Momentum(0.1, beta=False), ValueError, "beta must be a number in [0, 1), got False"),
    (lambda: optim.Adam(0.1, beta1=True), ValueError, "beta1 must be a number in [0, 1), got True"),
    (lambda: Network([2, 1], "identity", "mse", rng=0).accuracy(np.zeros((2, 2)), [0, 1]), ValueError,
     "accuracy needs class outputs: a single 'identity' output is a regression; use a 'sigmoid' output "
     "(classes 0 and 1) or several outputs (argmax)"),
    (lambda: _net().fit(np.zeros((2, 2)), [0, 1], epochs=1, rng=0, schedule=0.1), TypeError,
     "schedule must be a callable epoch -> learning rate, got float"),
    (lambda: _net().fit(np.zeros((2, 2)), [0, 1], epochs=1, learning_rate=0.1, rng=0, restore_best=True), ValueError,
     "restore_best and patience need validation data: validation=(X_val, Y_val)"),
    (lambda: _net().fit(np.zeros((2, 2)), [0, 1], epochs=1, learning_rate=0.1, rng=0, patience=0,
                        validation=(np.zeros((2, 2)), [0, 1])), ValueError, "patience must be a positive int, got 0"),
])
def test_messages_name_the_argument(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize("backward", [act.identity_backward, act.sigmoid_backward, act.tanh_backward,
                                      act.relu_backward])
def test_elementwise_backward_rules_check_and_name_both_arguments(backward):
    derivative = getattr(act, backward.__name__.replace("_backward", "_derivative"))
    Z = np.array([[-2.0, 0.5, 3.0]])
    dA = np.array([[0.3, -1.5, 2.0]])
    assert np.array_equal(backward(dA, Z), dA * derivative(Z))
    assert np.array_equal(backward(dA.tolist(), Z.tolist()), dA * derivative(Z))
    with pytest.raises(TypeError, match="^dA must be an array of numbers, got str$"):
        backward("dA", Z)
    with pytest.raises(TypeError, match="^Z must be an array of numbers, got str$"):
        backward(dA, "Z")
    with pytest.raises(ValueError, match=r"^dA and Z must have the same shape, got dA \(1, 3\) and Z \(3, 1\)$"):
        backward(dA, Z.T)
    assert backward.__name__ in backward.__doc__ .replace("_derivative", "_backward")


def test_dropout_forward_keeps_float32():
    A = np.ones((3, 4), dtype=np.float32)
    A_drop, M = regularization.dropout_forward(A, 0.5, 0)
    assert A_drop.dtype == np.float32 and M.dtype == np.float32
    assert set(np.unique(A_drop)) <= {0.0, 2.0}


def test_set_params_keeps_copies_of_arrays_of_the_network_dtype_too():
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "binary_cross_entropy", rng=0)
    given = {k: np.full(v.shape, 0.5) for k, v in net.params.items()}
    net.set_params(given)
    given["W1"][0, 0] = 7.0
    assert net.params["W1"][0, 0] == 0.5 and net.params["W1"] is not given["W1"]


def test_eps_is_passed_on_and_its_default_is_small():
    x = np.array([1.0, 2.0])
    params = {"x": x}

    def f():
        return np.sum(x**3)

    # the central difference of x^3 is 3x^2 + eps^2 exactly
    assert np.allclose(gradcheck.numerical_gradients(f, params, eps=0.5)["x"], 3 * x**2 + 0.25, rtol=1e-12)
    assert np.allclose(gradcheck.numerical_gradients(f, params)["x"], 3 * x**2, rtol=1e-8)
    assert gradcheck.gradient_check(f, params, {"x": 3 * x**2 + 0.25}, eps=0.5)["x"] < 1e-12
    assert gradcheck.gradient_check(f, params, {"x": 3 * x**2})["x"] < 1e-8


def test_a_negative_probability_names_its_own_column():
    # 0.6 + 0.6 - 0.2 sums to 1 and no entry exceeds 1: only the sign gives it away
    A = np.array([[0.5, 0.6], [0.5, 0.6], [0.0, -0.2]])
    with pytest.raises(ValueError, match=r"got column 1 summing to 1 with entries from -0\.2 to 0\.6;"):
        nl.losses.categorical_cross_entropy(A, nl.one_hot([0, 1], 3))


def test_a_cost_that_turns_nan_is_an_error_without_numpy_warnings():
    # inf - inf inside the forward pass: numpy's "invalid value" warning would come first
    net = Network([2, 1], "identity", "mse", rng=0)
    net.set_params({"W1": np.array([[1e200, -1e200]]), "b1": np.zeros((1, 1))})
    with pytest.raises(ValueError, match="^the cost overflowed to nan: the outputs reach nan "):
        net.cost(np.full((2, 1), 1e200), np.zeros((1, 1)))


def test_a_run_whose_first_forward_pass_turns_nan_stops_without_numpy_warnings():
    net = Network([2, 1], "identity", "mse", rng=0)
    net.set_params({"W1": np.array([[1e300, -1e300]]), "b1": np.zeros((1, 1))})
    with pytest.raises(nl.network.FitDiverged, match=r"^the loss is nan at epoch 1, batch 1, before any step"):
        net.fit(np.full((2, 1), 1e10), np.zeros((1, 1)), epochs=3, learning_rate=0.1, rng=0)


def test_zero_epochs_take_no_step_and_so_report_no_divergence():
    net = _net()
    net.params["W1"][0, 0] = np.inf  # written by hand: set_params would refuse it
    assert net.fit(np.zeros((2, 2)), [0, 1], epochs=0, learning_rate=0.1, rng=0) == {"loss": [], "accuracy": []}


def test_a_cost_of_any_real_number_type_is_one_number():
    x = np.array([1.0])
    # f may return a bool, a signed or an unsigned integer: numbers all the same
    assert numerical_gradient_of(lambda: x[0] > 1.0, x) == pytest.approx(0.5e6)
    assert numerical_gradient_of(lambda: np.int64(round(x[0] * 1e6)), x) == pytest.approx(1e6)
    assert numerical_gradient_of(lambda: np.uint64(round(x[0] * 1e6)), x) == pytest.approx(1e6)
    assert numerical_gradient_of(lambda: np.float32(x[0]), x) == pytest.approx(1.0, rel=0.2)


def numerical_gradient_of(f, x):
    return gradcheck.numerical_gradient(f, x)[0]


@pytest.mark.parametrize("bad", ["y", {"y": 1}])
def test_targets_that_are_not_numbers_are_named_for_one_output_too(bad):
    net = Network([2, 1], "sigmoid", "binary_cross_entropy", rng=0)
    with pytest.raises(TypeError, match=f"^Y must be an array of numbers, got {type(bad).__name__}$"):
        net.cost(np.zeros((2, 1)), bad)
