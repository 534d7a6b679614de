"""L2 weight decay and inverted dropout: values, gradients against central differences, masks."""

import numpy as np
import pytest

from nnlessons import regularization as reg
from nnlessons.gradcheck import numerical_gradient, relative_error


def _params(rng):
    return {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=(4, 1)),
            "W2": rng.normal(size=(2, 4)), "b2": rng.normal(size=(2, 1))}


def test_l2_penalty_counts_weights_only():
    rng = np.random.default_rng(0)
    p = _params(rng)
    expected = 0.7 / (2 * 5) * (np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))
    assert reg.l2_penalty(p, 0.7, 5) == pytest.approx(expected, rel=1e-14)
    p["b1"] += 100.0  # biases do not count
    assert reg.l2_penalty(p, 0.7, 5) == pytest.approx(expected, rel=1e-14)
    assert reg.l2_penalty(p, 0.0, 5) == 0.0


def test_l2_gradients_are_the_gradient_of_the_penalty():
    rng = np.random.default_rng(1)
    p = _params(rng)
    zero = {k: np.zeros_like(v) for k, v in p.items()}
    grads = reg.l2_gradients(zero, p, 0.9, 7)
    for name, arr in p.items():
        numeric = numerical_gradient(lambda: reg.l2_penalty(p, 0.9, 7), arr)
        if name.startswith("b"):
            assert np.all(grads[name] == 0) and np.all(numeric == 0)
        else:
            assert relative_error(grads[name], numeric) < 1e-7


def test_l2_gradients_add_to_a_copy():
    rng = np.random.default_rng(2)
    p = _params(rng)
    g = {k: rng.normal(size=v.shape) for k, v in p.items()}
    before = {k: v.copy() for k, v in g.items()}
    out = reg.l2_gradients(g, p, 2.0, 4)
    assert all(np.array_equal(g[k], before[k]) for k in g)
    np.testing.assert_allclose(out["W2"], before["W2"] + 0.5 * p["W2"], rtol=1e-14)
    assert np.array_equal(out["b2"], before["b2"])


@pytest.mark.parametrize("bad", [-0.1, True, "1", float("nan")])
def test_weight_decay_must_be_non_negative(bad):
    with pytest.raises(ValueError, match="weight_decay"):
        reg.l2_penalty({"W1": np.ones((1, 1))}, bad, 1)


def test_dropout_mask_keeps_the_right_fraction_and_is_reproducible():
    M = reg.dropout_mask((200, 500), 0.8, np.random.default_rng(3))
    assert set(np.unique(M)) == {0.0, 1.0}
    assert abs(M.mean() - 0.8) < 0.005  # 100,000 draws: standard error 0.0013
    assert np.array_equal(M, reg.dropout_mask((200, 500), 0.8, np.random.default_rng(3)))
    assert np.all(reg.dropout_mask((3, 4), 1.0, 0) == 1)


def test_dropout_forward_is_inverted_and_unbiased():
    rng = np.random.default_rng(4)
    A = rng.random((50, 4000)) + 0.5
    A_before = A.copy()
    A_drop, M = reg.dropout_forward(A, 0.6, np.random.default_rng(5))
    assert np.array_equal(A, A_before)
    np.testing.assert_allclose(A_drop, A * M / 0.6, rtol=1e-15)
    assert np.all((A_drop == 0) == (M == 0))
    # the mean over many examples of a unit's dropped activation is close to its mean activation
    np.testing.assert_allclose(A_drop.mean(axis=1), A.mean(axis=1), rtol=0.05)


def test_dropout_backward_is_the_gradient_with_the_mask_fixed():
    rng = np.random.default_rng(6)
    A = rng.normal(size=(3, 5))
    C = rng.normal(size=(3, 5))  # a linear function of the dropped activations: f = sum(C * A_drop)
    _, M = reg.dropout_forward(A, 0.7, np.random.default_rng(7))
    dA = reg.dropout_backward(C, M, 0.7)
    numeric = numerical_gradient(lambda: np.sum(C * A * M / 0.7), A)
    assert relative_error(dA, numeric) < 1e-7


@pytest.mark.parametrize("bad", [0.0, 1.5, -1, True])
def test_keep_prob_must_be_a_probability(bad):
    with pytest.raises(ValueError, match="keep_prob"):
        reg.dropout_mask((2, 2), bad, 0)


def test_dropout_backward_refuses_a_mask_of_another_shape():
    with pytest.raises(ValueError, match=r"M must have the shape of dA_drop \(2, 3\)"):
        reg.dropout_backward(np.ones((2, 3)), np.ones((3, 2)), 0.5)


def test_l2_gradients_refuse_a_gradient_of_another_shape():
    # g + (lambda / m) W broadcast a (4, 1) gradient to W1's (4, 3) without a word.
    p = _params(np.random.default_rng(3))
    g = {k: np.zeros_like(v) for k, v in p.items()}
    g["W1"] = np.zeros((4, 1))
    with pytest.raises(ValueError, match=r"^grads\['W1'\] must have the shape of params\['W1'\] \(4, 3\), "
                                         r"got shape \(4, 1\)$"):
        reg.l2_gradients(g, p, 0.5, 10)
