import numpy as np
import pytest

import nnlessons as nl
from nnlessons import layers
from nnlessons.layers import dense_backward, dense_forward


def _layer(rng, n_in=3, n_out=2, m=5):
    return rng.normal(size=(n_in, m)), rng.normal(size=(n_out, n_in)), rng.normal(size=(n_out, 1))


def test_forward_computes_W_A_plus_b_and_caches_its_inputs():
    A_prev, W, b = _layer(np.random.default_rng(0))
    Z, cache = dense_forward(A_prev, W, b)
    expected = np.array([[W[j] @ A_prev[:, i] + b[j, 0] for i in range(5)] for j in range(2)])
    np.testing.assert_allclose(Z, expected, rtol=1e-13)
    assert cache[0] is A_prev and cache[1] is W and cache[2] is b


def test_backward_matches_numerical_gradients():
    rng = np.random.default_rng(0)
    A_prev, W, b = _layer(rng)
    _, cache = dense_forward(A_prev, W, b)
    dZ = rng.normal(size=(2, 5))
    dA_prev, dW, db = dense_backward(dZ, cache)
    # cost = mean over columns of sum(dZ * Z): its gradients are these
    Wc, bc, Ac = W.copy(), b.copy(), A_prev.copy()
    f = lambda: np.sum(dZ * (Wc @ Ac + bc)) / 5  # noqa: E731
    assert nl.relative_error(dW, nl.numerical_gradient(f, Wc)) <= 1e-7
    assert nl.relative_error(db, nl.numerical_gradient(f, bc)) <= 1e-7
    # dA_prev carries no 1/m: the layer below divides once, when it forms its own dW
    assert nl.relative_error(dA_prev / 5, nl.numerical_gradient(f, Ac)) <= 1e-7


def test_first_layer_skips_the_input_gradient_but_keeps_the_others():
    rng = np.random.default_rng(0)
    A_prev, W, b = _layer(rng)
    _, cache = dense_forward(A_prev, W, b)
    dZ = rng.normal(size=(2, 5))
    full = dense_backward(dZ, cache)
    skipped = dense_backward(dZ, cache, need_dA_prev=False)
    assert skipped[0] is None
    assert np.array_equal(full[1], skipped[1]) and np.array_equal(full[2], skipped[2])


def test_checked_functions_equal_the_bare_kernels():
    rng = np.random.default_rng(1)
    A_prev, W, b = _layer(rng, 4, 3, 6)
    Z, cache = dense_forward(A_prev, W, b)
    Zk, cache_k = layers.forward(A_prev, W, b)
    assert np.array_equal(Z, Zk) and cache == cache_k
    dZ = rng.normal(size=(3, 6))
    for got, want in zip(dense_backward(dZ, cache), layers.backward(dZ, cache)):
        assert np.array_equal(got, want)


def test_checked_functions_name_the_argument_and_the_shapes():
    with pytest.raises(ValueError, match=r"b must have shape \(2, 1\), got shape \(2,\)"):
        dense_forward(np.zeros((3, 4)), np.zeros((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match=r"A_prev must have shape \(3, any\), got shape \(4, 3\)"):
        dense_forward(np.zeros((4, 3)), np.zeros((2, 3)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"W must be 2-D, got shape \(3,\)"):
        dense_forward(np.zeros((3, 4)), np.zeros(3), np.zeros((1, 1)))
    _, cache = dense_forward(np.zeros((3, 4)), np.zeros((2, 3)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"dZ must have shape \(2, 4\), got shape \(4, 2\)"):
        dense_backward(np.zeros((4, 2)), cache)


def test_network_backward_uses_the_caches_its_layers_returned():
    net = nl.Network([3, 4, 2], ["tanh", "identity"], "mse", rng=0)
    X = np.random.default_rng(2).normal(size=(3, 5))
    _, cache = net.forward(X)
    assert cache.layers[1][0] is cache["A0"] and cache.layers[2][0] is cache["A1"]
    assert cache.layers[2][1] is net.params["W2"]
    # The gradient is the one of the forward pass that made the cache: W2 replaced
    # afterwards does not enter it.
    before = net.backward(np.zeros((2, 5)), cache)
    net.params["W2"] = net.params["W2"] * 2.0
    after = net.backward(np.zeros((2, 5)), cache)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_each_argument_is_named_when_it_is_not_an_array_of_numbers():
    W, A, b = np.zeros((2, 3)), np.zeros((3, 4)), np.zeros((2, 1))
    for args, name in (((A, "x", b), "W"), (("x", W, b), "A_prev"), ((A, W, "x"), "b")):
        with pytest.raises(TypeError, match=f"^{name} must be an array of numbers, got str"):
            dense_forward(*args)
    _, cache = dense_forward(A, W, b)
    with pytest.raises(ValueError, match=r"^dZ must be 2-D, got shape \(2,\)"):
        dense_backward(np.zeros(2), cache)


def test_a_three_dimensional_input_is_refused():
    with pytest.raises(ValueError, match=r"^A_prev must be 2-D, got shape \(3, 4, 1\)$"):
        dense_forward(np.zeros((3, 4, 1)), np.zeros((2, 3)), np.zeros((2, 1)))


def test_a_transposed_weight_and_a_flat_bias_are_named_as_such():
    A, W, b = np.zeros((3, 4)), np.zeros((2, 3)), np.zeros((2, 1))
    with pytest.raises(ValueError, match=r"^W must have shape \(any, 3\), got shape \(3, 2\) "
                                         r"\(transposed\? W\.T has the expected shape\)$"):
        dense_forward(A, W.T, b)
    with pytest.raises(ValueError, match=r"^b must have shape \(2, 1\), got shape \(2,\) "
                                         r"\(a column is expected: b\.reshape\(-1, 1\)\)$"):
        dense_forward(A, W, b.ravel())
