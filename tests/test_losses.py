import warnings

import numpy as np
import pytest

from nnlessons import losses as L
from nnlessons.activations import sigmoid, softmax
from nnlessons.gradcheck import numerical_gradient, relative_error


def _per_example_numeric(value, A, Y):
    # The package's loss gradients are per example: m * d(mean cost)/dA.
    A = A.copy()
    return A.shape[1] * numerical_gradient(lambda: value(A, Y), A)


def test_mse_value_and_gradient():
    rng = np.random.default_rng(0)
    A, Y = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    assert L.mean_squared_error(A, Y) == pytest.approx(np.sum((A - Y) ** 2) / (2 * 5))
    assert relative_error(L.mean_squared_error_grad(A, Y), _per_example_numeric(L.mean_squared_error, A, Y)) <= 1e-7


def test_binary_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(1)
    A = rng.uniform(0.05, 0.95, size=(1, 8))
    Y = rng.integers(0, 2, size=(1, 8)).astype(float)
    expected = -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    assert L.binary_cross_entropy(A, Y) == pytest.approx(expected, rel=1e-13)
    assert relative_error(L.binary_cross_entropy_grad(A, Y),
                          _per_example_numeric(L.binary_cross_entropy, A, Y)) <= 1e-7


def test_categorical_cross_entropy_value_and_gradient():
    rng = np.random.default_rng(2)
    A = softmax(rng.normal(size=(4, 6)))
    Y = L.one_hot(rng.integers(0, 4, 6), 4)
    expected = -np.mean(np.log(A[Y.argmax(axis=0), np.arange(6)]))
    assert L.categorical_cross_entropy(A, Y) == pytest.approx(expected, rel=1e-13)
    assert relative_error(L.categorical_cross_entropy_grad(A, Y),
                          _per_example_numeric(L.categorical_cross_entropy, A, Y)) <= 1e-7


def test_from_logits_match_and_fused_gradients_are_right():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(1, 7))
    Y = rng.integers(0, 2, size=(1, 7)).astype(float)
    assert L.binary_cross_entropy_from_logits(Z, Y) == pytest.approx(L.binary_cross_entropy(sigmoid(Z), Y), rel=1e-12)
    Zc = Z.copy()
    numeric = 7 * numerical_gradient(lambda: L.binary_cross_entropy_from_logits(Zc, Y), Zc)
    assert relative_error(L.sigmoid_bce_dZ(sigmoid(Z), Y), numeric) <= 1e-7

    Z = rng.normal(size=(3, 5))
    Y = L.one_hot([0, 2, 1, 1, 0], 3)
    assert L.categorical_cross_entropy_from_logits(Z, Y) == pytest.approx(
        L.categorical_cross_entropy(softmax(Z), Y), rel=1e-12)
    Zc = Z.copy()
    numeric = 5 * numerical_gradient(lambda: L.categorical_cross_entropy_from_logits(Zc, Y), Zc)
    assert relative_error(L.softmax_cce_dZ(softmax(Z), Y), numeric) <= 1e-7


def test_saturated_predictions_stay_finite():
    Z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = L.binary_cross_entropy_from_logits(Z, Y)
        clipped = L.binary_cross_entropy(sigmoid(Z), Y)
        g = L.binary_cross_entropy_grad(sigmoid(Z), Y)
        dZ = L.sigmoid_bce_dZ(sigmoid(Z), Y)
        Zs = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
        cce = L.categorical_cross_entropy_from_logits(Zs, L.one_hot([1, 1], 2))
    assert exact == pytest.approx(500.0)  # two right (loss 0), two wrong by 1000 each: mean over 4
    assert np.isfinite(clipped) and np.all(np.isfinite(g))
    assert np.array_equal(dZ, [[0.0, 0.0, 1.0, -1.0]])
    assert cce == pytest.approx(1000.0)


def test_one_hot():
    Y = L.one_hot(np.array([2, 0, 1]), 3)
    assert np.array_equal(Y, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="labels must hold labels in 0..2, got values from 0 to 3"):
        L.one_hot([0, 3], 3)
    with pytest.raises(ValueError, match="labels must hold labels in 0..2, got values from -1 to 1"):
        L.one_hot([-1, 1], 3)
    with pytest.raises(TypeError, match="labels must hold integer labels, got dtype float64"):
        L.one_hot([0.5, 1.0], 3)
    with pytest.raises(ValueError, match="n_classes must be a positive int"):
        L.one_hot([0], 0)


def test_shape_mismatch_is_refused_not_broadcast():
    with pytest.raises(ValueError, match=r"A and Y must have the same shape, got A \(1, 5\) and Y \(5, 1\)"):
        L.mean_squared_error(np.zeros((1, 5)), np.zeros((5, 1)))
    with pytest.raises(ValueError, match=r"A and Y must have the same shape, got A \(3, 4\) and Y \(1, 4\)"):
        L.categorical_cross_entropy(np.full((3, 4), 1 / 3), np.ones((1, 4)))


def test_bad_targets_are_refused():
    with pytest.raises(ValueError, match=r"Y must hold targets in \[0, 1\]"):
        L.binary_cross_entropy(np.full((1, 2), 0.5), np.array([[0.0, 2.0]]))
    with pytest.raises(ValueError, match="Y must be one-hot"):
        L.categorical_cross_entropy(np.full((3, 2), 1 / 3), np.ones((3, 2)))
    with pytest.raises(ValueError, match="loss must be one of"):
        L.get_loss("hinge")


@pytest.mark.parametrize("fn", [L.mean_squared_error, L.mean_squared_error_grad, L.binary_cross_entropy,
                                L.binary_cross_entropy_grad, L.binary_cross_entropy_from_logits])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_inputs_are_refused_naming_the_argument_and_position(fn, bad):
    A, Y = np.full((1, 4), 0.5), np.array([[0.0, 1.0, 1.0, 0.0]])
    first = "Z" if fn is L.binary_cross_entropy_from_logits else "A"
    A[0, 2] = bad
    with pytest.raises(ValueError, match=rf"{first} must hold only finite numbers, got {bad} at {first}\[0, 2\]"):
        fn(A, Y)
    A[0, 2] = 0.5
    Y[0, 1] = bad
    with pytest.raises(ValueError, match=rf"Y must hold only finite numbers, got {bad} at Y\[0, 1\]"):
        fn(A, Y)


def test_categorical_losses_refuse_nan_too():
    Z = np.zeros((3, 2))
    Z[2, 1] = np.nan
    Y = L.one_hot([0, 2], 3)
    for fn in (L.categorical_cross_entropy, L.categorical_cross_entropy_grad):
        with pytest.raises(ValueError, match=r"A must hold only finite numbers, got nan at A\[2, 1\]"):
            fn(Z, Y)
    with pytest.raises(ValueError, match=r"Z must hold only finite numbers, got nan at Z\[2, 1\]"):
        L.categorical_cross_entropy_from_logits(Z, Y)


def test_public_functions_equal_the_kernels_the_network_runs():
    rng = np.random.default_rng(0)
    A = rng.uniform(0.05, 0.95, (3, 4))
    Y = L.one_hot([0, 2, 1, 1], 3)
    columns = A / A.sum(axis=0)  # categorical cross-entropy takes probability columns only
    for name, (value, grad) in {"mse": (L.mean_squared_error, L.mean_squared_error_grad),
                                "binary_cross_entropy": (L.binary_cross_entropy, L.binary_cross_entropy_grad),
                                "categorical_cross_entropy": (L.categorical_cross_entropy,
                                                              L.categorical_cross_entropy_grad)}.items():
        loss = L.get_loss(name)
        P = columns if name == "categorical_cross_entropy" else A
        assert loss.value(P, Y) == value(P, Y)
        assert np.array_equal(loss.grad(P, Y), grad(P, Y))


def test_probability_losses_stay_finite_at_a_zero_probability():
    A = np.array([[0.0, 0.5], [1.0, 0.5]])
    Y = L.one_hot([0, 1], 2)
    # The zero probability is taken as EPS: a large finite loss, not inf.
    assert L.categorical_cross_entropy(A, Y) == pytest.approx((-np.log(L.EPS) - np.log(0.5)) / 2, rel=1e-12)
    assert np.array_equal(L.categorical_cross_entropy_grad(A, Y), [[-1.0 / L.EPS, 0.0], [0.0, -2.0]])
    b = np.array([[1.0, 0.0]])
    assert L.binary_cross_entropy(b, np.array([[0.0, 1.0]])) == pytest.approx(-np.log(L.EPS), rel=1e-6)


def test_one_dimensional_predictions_are_one_output_row():
    a, y = np.array([0.2, 0.9, 0.4]), np.array([0.0, 1.0, 1.0])
    for fn in (L.mean_squared_error, L.binary_cross_entropy, L.binary_cross_entropy_from_logits):
        assert fn(a, y) == fn(a.reshape(1, -1), y.reshape(1, -1))
    assert np.array_equal(L.mean_squared_error_grad(a, y), (a - y).reshape(1, -1))
    with pytest.raises(ValueError, match=r"^A must be 1-D or 2-D, got shape \(1, 1, 3\)"):
        L.mean_squared_error(a.reshape(1, 1, 3), y)
    with pytest.raises(ValueError, match=r"^Y must be 1-D or 2-D, got shape \(1, 1, 3\)"):
        L.mean_squared_error(a, y.reshape(1, 1, 3))
    with pytest.raises(TypeError, match="^Y must be an array of numbers, got str"):
        L.mean_squared_error(a, "y")
    with pytest.raises(ValueError, match=r"^Z must be 1-D or 2-D"):
        act_log_softmax_3d()


def act_log_softmax_3d():
    from nnlessons.activations import log_softmax

    return log_softmax(np.zeros((1, 1, 1)))


def test_every_function_checks_its_targets():
    A = np.full((2, 1), 0.5)
    with pytest.raises(ValueError, match="^Y must be one-hot"):
        L.categorical_cross_entropy(A, np.array([[1.5], [-0.5]]))  # sums to 1, but negative
    with pytest.raises(ValueError, match="^Y must be one-hot"):
        L.categorical_cross_entropy_grad(A, np.array([[1.0], [1.0]]))
    with pytest.raises(ValueError, match=r"^Y must hold targets in \[0, 1\], got values from 0.0 to 2.0"):
        L.binary_cross_entropy_grad(np.full((1, 2), 0.5), np.array([[0.0, 2.0]]))
    with pytest.raises(TypeError, match="^loss must be a name \\(str\\), got int$"):
        L.get_loss(3)


def test_float32_probabilities_of_exactly_0_and_1_stay_finite():
    # 1 - EPS rounds to 1.0 in float32: clipping there would leave log(1 - A) = -inf,
    # 0 * -inf = nan in the loss and a division by zero in its gradient.
    A = np.array([[1.0, 0.0, 1.0, 0.0]], dtype=np.float32)
    Y = np.array([[1.0, 0.0, 0.0, 1.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = L.binary_cross_entropy(A, Y)
        grad = L.binary_cross_entropy_grad(A, Y)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert value == pytest.approx(L.binary_cross_entropy(A.astype(np.float64), Y), rel=0.2)
    grad64 = L.binary_cross_entropy_grad(A.astype(np.float64), Y)
    assert grad.dtype == np.float32 and np.array_equal(np.sign(grad), np.sign(grad64))
    assert np.allclose(grad[:, :2], grad64[:, :2], rtol=1e-6)  # the right predictions: -1/A and 1/(1 - A)


def test_an_empty_batch_is_refused_naming_the_argument():
    for fn in (L.mean_squared_error, L.binary_cross_entropy, L.categorical_cross_entropy,
               L.binary_cross_entropy_from_logits, L.sigmoid_bce_dZ):
        name = "Z" if "logits" in fn.__name__ else "A"
        with pytest.raises(ValueError, match=rf"^{name} must hold at least one example \(column\), got shape \(1, 0\)"):
            fn(np.zeros((1, 0)), np.zeros((1, 0)))


def test_fused_gradients_check_their_targets_like_the_losses():
    with pytest.raises(ValueError, match=r"^Y must hold targets in \[0, 1\], got values from 0.0 to 2.0"):
        L.sigmoid_bce_dZ(np.full((1, 2), 0.5), np.array([[0.0, 2.0]]))
    with pytest.raises(ValueError, match="^Y must be one-hot"):
        L.softmax_cce_dZ(np.full((2, 1), 0.5), np.array([[2.0], [0.0]]))
    soft = np.array([[0.25], [0.75]])  # probability columns are targets too
    assert np.array_equal(L.softmax_cce_dZ(np.full((2, 1), 0.5), soft), [[0.25], [-0.25]])
