"""Property-based tests: invariants that must hold for any input in range."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlessons import activations as act
from nnlessons import losses

finite = st.floats(-1000.0, 1000.0, allow_nan=False, allow_infinity=False)
matrices = st.tuples(st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=finite)
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(matrices)
def test_sigmoid_tanh_relu_stay_in_range_without_warnings(Z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s, t, r = act.sigmoid(Z), act.tanh(Z), act.relu(Z)
        ds, dt = act.sigmoid_derivative(Z), act.tanh_derivative(Z)
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.abs(t) <= 1) and np.all(r >= 0)
    assert np.all((ds >= 0) & (ds <= 0.25 + 1e-15)) and np.all((dt >= 0) & (dt <= 1 + 1e-15))
    # symmetry: sigmoid(-z) = 1 - sigmoid(z)
    assert np.allclose(act.sigmoid(-Z), 1 - s, atol=1e-15)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(matrices, st.floats(-500.0, 500.0))
def test_softmax_is_a_distribution_and_shift_invariant(Z, c):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A = act.softmax(Z)
        B = act.softmax(Z + c)
    assert np.all(A >= 0) and np.allclose(A.sum(axis=0), 1.0)
    assert np.allclose(A, B, atol=1e-12)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(matrices)
def test_losses_from_logits_are_finite_and_non_negative(Z):
    rng = np.random.default_rng(0)
    Yb = rng.integers(0, 2, Z[:1].shape).astype(float)
    Yc = losses.one_hot(rng.integers(0, Z.shape[0], Z.shape[1]), Z.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = losses.binary_cross_entropy_from_logits(Z[:1], Yb)
        c = losses.categorical_cross_entropy_from_logits(Z, Yc)
    assert np.isfinite(b) and b >= 0
    assert np.isfinite(c) and c >= 0
