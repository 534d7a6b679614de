import numpy as np
import pytest

from nnlessons import datasets as D


def test_x_plus_two():
    X, Y = D.x_plus_two()
    assert X.shape == (1, 5) and np.array_equal(X[0], [1, 2, 3, 4, 5])
    assert np.array_equal(Y, X + 2)


def test_noisy_regression_shapes_noise_and_seed():
    X, Y = D.noisy_regression(2000, rng=0, noise=0.1)
    assert X.shape == Y.shape == (1, 2000)
    assert np.all(np.diff(X[0]) >= 0)
    assert np.std(Y - np.sin(X)) == pytest.approx(0.1, rel=0.1)
    X2, Y2 = D.noisy_regression(2000, rng=np.random.default_rng(0), noise=0.1)
    assert np.array_equal(X, X2) and np.array_equal(Y, Y2)


def test_moons_geometry():
    X, y = D.moons(1001, rng=1, noise=0.0)
    assert X.shape == (2, 1001) and y.shape == (1001,)
    assert np.sum(y == 0) == 501 and np.sum(y == 1) == 500
    up, low = X[:, y == 0], X[:, y == 1]
    assert np.allclose(np.hypot(up[0], up[1]), 1.0)
    assert np.allclose(np.hypot(low[0] - 1.0, low[1] - 0.5), 1.0)
    assert np.all(up[1] >= 0) and np.all(low[1] <= 0.5)
    Xn, _ = D.moons(1001, rng=1, noise=0.2)
    assert np.std(Xn - X) == pytest.approx(0.2, rel=0.1)


def test_spirals():
    X, y = D.spirals(50, rng=0, n_classes=4)
    assert X.shape == (2, 200) and np.array_equal(np.bincount(y), [50] * 4)
    assert np.all(np.hypot(X[0], X[1]) <= 1.0 + 1e-12)


def test_train_test_split():
    X = np.arange(20.0).reshape(2, 10)
    y = np.arange(10)
    Xtr, Xte, ytr, yte = D.train_test_split(X, y, test_fraction=0.2, rng=0)
    assert Xtr.shape == (2, 8) and Xte.shape == (2, 2)
    assert np.array_equal(Xtr[0], ytr) and np.array_equal(Xte[0], yte)
    assert sorted(np.concatenate([ytr, yte])) == list(range(10))
    with pytest.raises(ValueError, match=r"y must have 10 examples .* got shape \(9,\)"):
        D.train_test_split(X, y[:9], test_fraction=0.2, rng=0)


def test_generators_require_explicit_randomness_and_valid_sizes():
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        D.moons(10, rng=None)
    with pytest.raises(ValueError, match="m must be a positive int, got 0"):
        D.moons(0, rng=0)
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        D.noisy_regression(5, rng=0, noise=-1)


def test_moons_arc_is_the_curve_the_points_scatter_around():
    t = np.linspace(0.0, np.pi, 5)
    np.testing.assert_allclose(D.moons_arc(0, t), [np.cos(t), np.sin(t)])
    np.testing.assert_allclose(D.moons_arc(1, t), [1 - np.cos(t), 0.5 - np.sin(t)])
    with pytest.raises(ValueError, match="label"):
        D.moons_arc(2, t)
    # Without noise, every point of class k lies on arc k.
    X, y = D.moons(200, rng=0, noise=0.0)
    arc = {k: D.moons_arc(k, np.linspace(0, np.pi, 20001)) for k in (0, 1)}
    for k in (0, 1):
        pts = X[:, y == k]
        gaps = np.min(np.linalg.norm(pts[:, :, None] - arc[k][:, None, :], axis=0), axis=1)
        assert gaps.max() < 1e-3


def test_minibatches_cut_one_permutation_in_order():
    batches = list(D.minibatches(10, 4, rng=np.random.default_rng(3)))
    order = np.random.default_rng(3).permutation(10)
    assert [b.size for b in batches] == [4, 4, 2]  # the last batch holds the rest
    np.testing.assert_array_equal(np.concatenate(batches), order)
    # The permutation is drawn when called: the rng's next draw follows it.
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    D.minibatches(7, 3, rng=rng_a)
    rng_b.permutation(7)
    assert rng_a.random() == rng_b.random()
    with pytest.raises(ValueError, match="batch_size"):
        D.minibatches(10, 0, rng=0)


def test_train_test_split_refuses_a_split_that_leaves_a_part_empty():
    X, y = np.zeros((2, 10)), np.arange(10)
    with pytest.raises(ValueError, match=r"^test_fraction=0.01 of 10 examples leaves the test part empty$"):
        D.train_test_split(X, y, test_fraction=0.01, rng=0)
    with pytest.raises(ValueError, match=r"^test_fraction=0.99 of 10 examples leaves the training part empty$"):
        D.train_test_split(X, y, test_fraction=0.99, rng=0)
    with pytest.raises(ValueError, match=r"^test_fraction must be between 0 and 1, got '0.2'$"):
        D.train_test_split(X, y, test_fraction="0.2", rng=0)
    with pytest.raises(ValueError, match=r"^y must have 10 examples \(its last axis\) to match X, got shape \(\)$"):
        D.train_test_split(X, 3, test_fraction=0.2, rng=0)


@pytest.mark.parametrize("noise", [float("nan"), float("inf"), True])
def test_noise_must_be_a_finite_number(noise):
    with pytest.raises(ValueError, match="noise must be a non-negative number"):
        D.moons(4, rng=0, noise=noise)


def test_nothing_in_the_package_draws_from_numpys_global_generator():
    from nnlessons import Network
    from nnlessons.regularization import dropout_mask

    np.random.seed(0)
    before = np.random.get_state()
    X, y = D.moons(40, rng=1)
    D.spirals(5, rng=1), D.noisy_regression(5, rng=1), D.train_test_split(X, y, test_fraction=0.25, rng=1)
    list(D.minibatches(10, 3, rng=1)), dropout_mask((2, 3), 0.5, 1)
    net = Network([2, 8, 2], ["relu", "softmax"], "categorical_cross_entropy", rng=1, bias_init=0.1)
    net.fit(X, y, epochs=2, batch_size=8, optimizer="adam", rng=1, keep_prob=0.8, validation=(X, y))
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]
