import numpy as np
import pytest

from nnlessons.gradcheck import gradient_check, numerical_gradient, numerical_gradients, relative_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[-1.5, 0.3], [2.0, 0.7]])
    # f = sum(x^3): df/dx = 3 x^2
    g = numerical_gradient(lambda: np.sum(x**3), x)
    assert np.allclose(g, 3 * x**2, rtol=1e-8)
    # f = sum(sin(x)): cos(x)
    assert np.allclose(numerical_gradient(lambda: np.sum(np.sin(x)), x), np.cos(x), rtol=1e-8)
    # f = v^T M v: (M + M^T) v
    rng = np.random.default_rng(0)
    M, v = rng.normal(size=(3, 3)), rng.normal(size=3)
    assert relative_error(numerical_gradient(lambda: v @ M @ v, v), (M + M.T) @ v) <= 1e-9


def test_numerical_gradient_is_not_off_by_a_factor():
    # A checker that evaluated f(x + h) and f(x - 2h) over 2h would give 1.5x the slope of a line.
    x = np.array([2.0])
    assert numerical_gradient(lambda: 7.0 * x[0] + 1.0, x)[0] == pytest.approx(7.0, rel=1e-9)


def test_numerical_gradient_restores_the_parameters():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    numerical_gradient(lambda: np.sum(x**2), x)
    assert np.array_equal(x, before)


def test_central_difference_error_shrinks_like_eps_squared():
    x = np.array([0.7])
    exact = np.cos(0.7)
    e1 = abs(numerical_gradient(lambda: np.sin(x[0]), x, eps=1e-2)[0] - exact)
    e2 = abs(numerical_gradient(lambda: np.sin(x[0]), x, eps=1e-3)[0] - exact)
    assert 80 < e1 / e2 < 120  # a tenth of eps, a hundredth of the error


def test_relative_error():
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0], [-1.0]) == pytest.approx(1.0)
    assert relative_error([1.0], [1.0 + 2e-8]) == pytest.approx(1e-8, rel=1e-3)
    with pytest.raises(ValueError, match=r"a and b must have the same shape, got a \(2,\) and b \(2, 1\)"):
        relative_error(np.zeros(2), np.zeros((2, 1)))


def test_gradient_check_reports_per_parameter_and_catches_a_wrong_gradient():
    rng = np.random.default_rng(1)
    params = {"w": rng.normal(size=(2, 3)), "b": rng.normal(size=(2, 1))}
    x = rng.normal(size=(3, 4))

    def f():
        return 0.5 * np.sum((params["w"] @ x + params["b"]) ** 2)

    r = params["w"] @ x + params["b"]
    right = {"w": r @ x.T, "b": r.sum(axis=1, keepdims=True)}
    errors = gradient_check(f, params, right)
    assert set(errors) == {"w", "b"} and max(errors.values()) <= 1e-7
    wrong = {"w": (r @ x.T) / 4, "b": right["b"]}
    assert gradient_check(f, params, wrong)["w"] > 1e-3
    assert set(numerical_gradients(f, params)) == {"w", "b"}


def test_gradient_check_input_errors():
    params = {"w": np.zeros(3)}
    with pytest.raises(ValueError, match=r"these differ: \['v', 'w'\]"):
        gradient_check(lambda: 0.0, params, {"v": np.zeros(3)})
    with pytest.raises(ValueError, match=r"grads\['w'\] must have the shape of params\['w'\] \(3,\), got \(3, 1\)"):
        gradient_check(lambda: 0.0, params, {"w": np.zeros((3, 1))})
    with pytest.raises(TypeError, match="x must be a float64 numpy array"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="dtype float32"):
        numerical_gradient(lambda: 0.0, np.zeros(2, dtype=np.float32))


def test_numerical_gradient_perturbs_a_parameter_of_any_memory_layout():
    # A transposed weight matrix (Fortran order, as set_params keeps it) and a strided view
    # cannot be flattened without a copy; they are perturbed in place all the same.
    base = np.arange(1.0, 13.0).reshape(3, 4)
    for x in (np.asfortranarray(base), base.T, base[:2, 1:3]):
        before = x.copy()
        g = numerical_gradient(lambda: np.sum(x**3), x)
        assert np.allclose(g, 3 * before**2, rtol=1e-7)
        assert np.array_equal(x, before)
    scalar = np.array(2.0)
    assert numerical_gradient(lambda: float(scalar) ** 2, scalar) == pytest.approx(4.0, rel=1e-8)
