import warnings
from decimal import Decimal, getcontext

import numpy as np
import pytest

from nnlessons import activations as act
from nnlessons.gradcheck import numerical_gradient, relative_error

ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu"]


def _numeric_elementwise_derivative(f, z, eps=1e-6):
    # derivative of sum(f(z)) with respect to each z_i is f'(z_i) for elementwise f
    z = z.copy()
    return numerical_gradient(lambda: np.sum(f(z)), z, eps)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name):
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(4, 6))
    z[np.abs(z) < 1e-3] = 0.5  # keep clear of relu's kink
    f = act.ACTIVATIONS[name][0]
    analytic = act.DERIVATIVES[name](z)
    assert relative_error(analytic, _numeric_elementwise_derivative(f, z)) <= 1e-7


def _decimal_reference(name, z):
    # Closed forms in 60-digit decimal arithmetic: an independent reference where
    # central differences lose their digits (values of f within 1e-9 of 1).
    getcontext().prec = 60
    out = []
    for v in z:
        d = Decimal(float(v))
        if name == "sigmoid":
            e = (-d).exp()
            out.append(float(e / (1 + e) ** 2))
        else:
            out.append(float(4 / (d.exp() + (-d).exp()) ** 2))
    return np.array(out)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_derivative_at_extreme_inputs(name):
    z = np.array([-300.0, -40.0, -20.0, -3.0, 0.0, 0.5, 20.0, 40.0, 300.0])
    analytic = act.DERIVATIVES[name](z)
    reference = _decimal_reference(name, z)
    assert np.all(reference > 0)
    assert np.max(np.abs(analytic - reference) / reference) <= 1e-7
    assert np.array_equal(act.DERIVATIVES[name](np.array([-1000.0, 1000.0])), [0.0, 0.0])


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax"])
def test_no_warning_inf_or_nan_at_1000(name):
    f = act.ACTIVATIONS[name][0]
    z = np.array([[-1000.0, 1000.0, 0.0], [1000.0, -1000.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = f(z)
        d = act.DERIVATIVES[name](z) if name in act.DERIVATIVES else act.softmax_backward(np.ones_like(z), z)
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(d))


def test_sigmoid_values():
    z = np.array([-1000.0, -800.0, 0.0, 2.0, 1000.0])
    s = act.sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    assert s[3] == pytest.approx(1 / (1 + np.exp(-2.0)), rel=1e-15)
    assert np.all((s >= 0) & (s <= 1))


def test_log_sigmoid_is_exact_where_the_naive_form_breaks():
    assert act.log_sigmoid(np.array(-800.0)) == pytest.approx(-800.0, rel=1e-15)
    assert act.log_sigmoid(np.array(800.0)) == pytest.approx(0.0, abs=1e-300)
    z = np.linspace(-5, 5, 11)
    assert np.allclose(act.log_sigmoid(z), np.log(act.sigmoid(z)), rtol=1e-13)


def test_relu_and_identity_values():
    z = np.array([-2.0, 0.0, 3.0])
    assert np.array_equal(act.relu(z), [0.0, 0.0, 3.0])
    assert np.array_equal(act.relu_derivative(z), [0.0, 0.0, 1.0])
    assert np.array_equal(act.identity(z), z)
    assert np.array_equal(act.identity_derivative(z), [1.0, 1.0, 1.0])


def test_softmax_columns_sum_to_one_and_shift_invariance():
    rng = np.random.default_rng(1)
    Z = rng.normal(0, 5, size=(5, 7))
    A = act.softmax(Z)
    assert A.shape == (5, 7)
    assert np.allclose(A.sum(axis=0), 1.0, atol=1e-15)
    assert np.allclose(act.softmax(Z + rng.normal(0, 100, size=(1, 7))), A, atol=1e-14)
    assert np.allclose(np.exp(act.log_softmax(Z)), A, rtol=1e-13)


def test_softmax_of_huge_logits():
    A = act.softmax(np.array([[1000.0], [0.0], [-1000.0]]))
    assert np.array_equal(A[:, 0], [1.0, 0.0, 0.0])


def test_softmax_jacobian_and_backward_match_numerical():
    rng = np.random.default_rng(2)
    z = rng.normal(size=4)
    J = act.softmax_jacobian(z)
    numeric = np.stack(
        [numerical_gradient(lambda: act.softmax(zz)[i], zz) for i in range(4) for zz in [z.copy()]]
    )
    assert relative_error(J, numeric) <= 1e-7
    Z = rng.normal(size=(4, 3))
    dA = rng.normal(size=(4, 3))
    Zc = Z.copy()
    numeric_dZ = numerical_gradient(lambda: np.sum(dA * act.softmax(Zc)), Zc)
    assert relative_error(act.softmax_backward(dA, Z), numeric_dZ) <= 1e-7


@pytest.mark.parametrize("name", ["identity", "sigmoid", "tanh", "relu", "softmax"])
def test_backward_matches_numerical(name):
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(3, 5))
    Z[np.abs(Z) < 1e-3] = 0.5
    dA = rng.normal(size=(3, 5))
    forward, backward = act.get_activation(name)
    Zc = Z.copy()
    numeric = numerical_gradient(lambda: np.sum(dA * forward(Zc)), Zc)
    assert relative_error(backward(dA, Z), numeric) <= 1e-7


def test_backward_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"dA and Z must have the same shape, got dA \(3, 1\) and Z \(3, 4\)"):
        act.relu_backward(np.ones((3, 1)), np.ones((3, 4)))


def test_unknown_activation_and_bad_input():
    with pytest.raises(ValueError, match="activation must be one of .* got 'swish'"):
        act.get_activation("swish")
    with pytest.raises(TypeError, match="Z must be an array of numbers, got str"):
        act.sigmoid("abc")
    with pytest.raises(ValueError, match=r"Z must be 1-D or 2-D, got shape \(2, 2, 2\)"):
        act.softmax(np.zeros((2, 2, 2)))


def test_softmax_backward_and_jacobian_name_their_arguments():
    with pytest.raises(TypeError, match="^dA must be an array of numbers, got str"):
        act.softmax_backward("x", np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"^Z must be 1-D or 2-D, got shape \(1, 1, 1\)"):
        act.softmax_backward(np.zeros((1, 1)), np.zeros((1, 1, 1)))
    with pytest.raises(ValueError, match=r"^dA and Z must have the same shape, got dA \(2, 3\) and Z \(3, 2\)"):
        act.softmax_backward(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"^z must be 1-D, got shape \(2, 2\)"):
        act.softmax_jacobian(np.zeros((2, 2)))
    for backward in (act.relu_backward, act.sigmoid_backward):
        with pytest.raises(TypeError, match="^dA must be an array of numbers, got NoneType"):
            backward(None, np.zeros(3))
        with pytest.raises(TypeError, match="^Z must be an array of numbers, got NoneType"):
            backward(np.zeros(3), None)


def test_activation_objects_unpack_and_name_themselves():
    for name, a in act.ACTIVATIONS.items():
        forward, backward = a
        assert a.name == name and forward is a.forward and backward is a.backward
    assert act.get_activation("relu").backward is act.relu_backward
    with pytest.raises(TypeError, match="activation must be a name"):
        act.get_activation(3)


@pytest.mark.parametrize("fn", [act.identity, act.identity_derivative, act.sigmoid, act.sigmoid_derivative,
                                act.log_sigmoid, act.tanh, act.tanh_derivative, act.relu, act.relu_derivative,
                                act.softmax, act.log_softmax])
def test_every_activation_names_its_argument(fn):
    with pytest.raises(TypeError, match="^Z must be an array of numbers, got str$"):
        fn("z")


def test_shape_checks_of_softmax_backward_and_get_activation_message():
    with pytest.raises(ValueError, match=r"^dA must be 1-D or 2-D, got shape \(1, 1, 1\)$"):
        act.softmax_backward(np.zeros((1, 1, 1)), np.zeros((1, 1)))
    with pytest.raises(TypeError, match="^activation must be a name \\(str\\), got int$"):
        act.get_activation(3)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix itself
def test_an_np_matrix_is_computed_as_a_plain_array():
    # On np.matrix, * is a matrix product: relu_backward's dA * g'(Z) silently multiplied matrices.
    dA = np.asmatrix([[1.0, 2.0], [3.0, 4.0]])
    Z = np.asmatrix([[0.0, 1.0], [2.0, 3.0]])
    expected = np.asarray(dA) * (np.asarray(Z) > 0)
    for dtype in (np.float64, np.float32, np.int64):
        out = act.relu_backward(dA.astype(dtype), Z.astype(dtype))
        assert type(out) is np.ndarray
        np.testing.assert_array_equal(out, expected)
