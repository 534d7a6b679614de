"""Tests for nnlessons.lessons.digits: every number behind the digits notebook's figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlessons as nl  # noqa: E402
from nnlessons.lessons import digits  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ------------------------------------------------------------------ mean_images
def test_mean_images_matches_per_class_loop(rng):
    images = rng.integers(0, 256, size=(50, 4, 3), dtype=np.uint8)
    labels = rng.integers(0, 4, size=50)
    means = digits.mean_images(images, labels, n_classes=5)
    assert means.shape == (5, 4, 3) and means.dtype == np.float64
    for k in range(4):
        members = [images[i].astype(float) for i in range(50) if labels[i] == k]
        np.testing.assert_allclose(means[k], sum(members) / len(members))
    # class 4 never occurs: its mean is defined as zeros, not nan
    assert np.all(means[4] == 0)


def test_mean_images_rejects_bad_shapes(rng):
    with pytest.raises(ValueError, match="images"):
        digits.mean_images(np.zeros((5, 784)), np.zeros(5, int))
    with pytest.raises(ValueError, match="labels"):
        digits.mean_images(np.zeros((5, 2, 2)), np.zeros(4, int))
    with pytest.raises(ValueError, match="labels"):
        digits.mean_images(np.zeros((2, 2, 2)), np.array([0, 10]))


# ----------------------------------------------------------- intensity_summary
def test_intensity_summary_on_known_pixels():
    images = np.zeros((2, 2, 5), dtype=np.uint8)
    images[0, 0, :3] = 255  # 3 bright pixels
    images[1, 1, 0] = 127   # not above half scale
    images[1, 1, 1] = 128   # above half scale
    s = digits.intensity_summary(images)
    assert s["zero"] == pytest.approx(15 / 20)
    assert s["bright"] == pytest.approx(4 / 20)
    assert s["mean"] == pytest.approx((3 * 255 + 127 + 128) / 255 / 20)


def test_intensity_summary_needs_uint8():
    with pytest.raises(TypeError, match="uint8"):
        digits.intensity_summary(np.zeros((1, 2, 2)))


def test_blank_pixels_in_flattening_order():
    images = np.zeros((3, 2, 3), dtype=np.uint8)
    images[0, 0, 1] = 5
    images[2, 1, 2] = 1
    mask = digits.blank_pixels(images)
    assert mask.shape == (6,)
    # pixel (r, c) is entry 3 r + c, as in to_columns
    assert list(np.flatnonzero(~mask)) == [1, 5]


def test_nearest_mean_predict_matches_brute_force(rng):
    means = rng.random((4, 3, 2))
    X = rng.random((6, 25))
    pred = digits.nearest_mean_predict(means, X)
    dist = [[np.sum((X[:, i] - means[k].ravel()) ** 2) for k in range(4)] for i in range(25)]
    np.testing.assert_array_equal(pred, np.argmin(dist, axis=1))
    # each mean is its own nearest mean
    np.testing.assert_array_equal(digits.nearest_mean_predict(means, means.reshape(4, 6).T), np.arange(4))
    with pytest.raises(ValueError, match="X"):
        digits.nearest_mean_predict(means, X.T)


# ------------------------------------------------------------- confusion_matrix
def test_confusion_matrix_counts_pairs(rng):
    true = rng.integers(0, 6, size=200)
    pred = np.where(rng.random(200) < 0.5, true, rng.integers(0, 6, size=200))
    C = digits.confusion_matrix(true, pred, 7)
    expected = np.zeros((7, 7), int)
    for t, p in zip(true, pred):
        expected[t, p] += 1
    np.testing.assert_array_equal(C, expected)
    # rows are true classes, the diagonal the correct answers
    np.testing.assert_array_equal(C.sum(axis=1), np.bincount(true, minlength=7))
    np.testing.assert_array_equal(C.sum(axis=0), np.bincount(pred, minlength=7))
    assert np.trace(C) == np.sum(true == pred)


def test_confusion_matrix_orientation():
    # one example of class 2 predicted as 0: row 2, column 0
    C = digits.confusion_matrix([2], [0], 3)
    assert C[2, 0] == 1 and C.sum() == 1


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        digits.confusion_matrix([0, 1], [0], 2)
    with pytest.raises(ValueError, match="predicted"):
        digits.confusion_matrix([0, 1], [0, 2], 2)
    with pytest.raises(ValueError, match="n_classes"):
        digits.confusion_matrix([0], [0], 0)


def test_per_class_accuracy(rng):
    true = rng.integers(0, 3, size=60)
    pred = np.where(rng.random(60) < 0.7, true, (true + 1) % 3)
    acc = digits.per_class_accuracy(digits.confusion_matrix(true, pred, 4))
    for k in range(3):
        assert acc[k] == pytest.approx(np.mean(pred[true == k] == k))
    assert np.isnan(acc[3])


def test_top_confusions_ignores_diagonal_and_breaks_ties_in_order():
    C = np.array([[50, 1, 4],
                  [4, 60, 0],
                  [2, 7, 40]])
    assert digits.top_confusions(C, k=3) == [(2, 1, 7), (0, 2, 4), (1, 0, 4)]
    assert digits.top_confusions(C, k=1) == [(2, 1, 7)]


# ----------------------------------------------------------- most_confident_errors
def test_most_confident_errors_brute_force(rng):
    m = 40
    P = rng.random((5, m))
    P /= P.sum(axis=0)
    labels = rng.integers(0, 5, size=m)
    idx, pred, true, conf = digits.most_confident_errors(P, labels, k=6)
    errors = [(P[:, i].max(), i) for i in range(m) if np.argmax(P[:, i]) != labels[i]]
    errors.sort(key=lambda e: -e[0])
    assert list(idx) == [i for _, i in errors[:6]]
    np.testing.assert_array_equal(pred, P[:, idx].argmax(axis=0))
    np.testing.assert_array_equal(true, labels[idx])
    np.testing.assert_allclose(conf, [c for c, _ in errors[:6]])
    assert np.all(pred != true) and np.all(np.diff(conf) <= 0)


def test_most_confident_errors_fewer_errors_than_k():
    P = np.array([[0.9, 0.2, 0.6],
                  [0.1, 0.8, 0.4]])
    idx, pred, true, conf = digits.most_confident_errors(P, [0, 1, 1], k=10)
    assert list(idx) == [2] and list(pred) == [0] and list(true) == [1]
    assert conf[0] == pytest.approx(0.6)
    idx, *_ = digits.most_confident_errors(P, [0, 1, 0], k=10)
    assert idx.size == 0


def test_most_confident_errors_rejects_mismatch():
    with pytest.raises(ValueError, match="P"):
        digits.most_confident_errors(np.ones((3, 4)) / 3, [0, 1, 2], k=2)


# ------------------------------------------------------------ weights_as_images
def test_weights_as_images_puts_each_weight_on_its_pixel(rng):
    images = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    # a neuron whose weights are an image flattened the way images become columns
    W = images.reshape(3, 784).astype(float)
    np.testing.assert_array_equal(digits.weights_as_images(W), images)
    out = digits.weights_as_images(W)
    out[0, 0, 0] = -1.0
    assert W[0, 0] == images[0, 0, 0]  # a copy, not a view into the network's weights
    assert digits.weights_as_images(np.zeros((2, 12)), shape=(3, 4)).shape == (2, 3, 4)


def test_weights_as_images_rejects_wrong_width():
    with pytest.raises(ValueError, match="W"):
        digits.weights_as_images(np.zeros((784, 30)))


# -------------------------------------------------------------------- training
def toy_problem(rng, m=60):
    """784 inputs; the class is the index of the largest of the first 3."""
    X = rng.standard_normal((784, m))
    return X, X[:3].argmax(axis=0)


def test_train_sgd_steps_are_the_hand_computed_ones(rng):
    # one epoch of 7 examples in batches of 3: steps on 3, 3 and the last 1, in the rng's order
    X, y = rng.standard_normal((4, 7)), rng.integers(0, 3, size=7)
    net = nl.Network([4, 5, 3], ["relu", "softmax"], "categorical_cross_entropy", rng=1)
    twin = nl.Network([4, 5, 3], ["relu", "softmax"], "categorical_cross_entropy", rng=1)
    accs = digits.train_sgd(net, X, y, X[:, :2], y[:2], 1, 3, 0.5, np.random.default_rng(5))
    order = np.random.default_rng(5).permutation(7)
    for batch in (order[:3], order[3:6], order[6:]):
        _, grads = twin.loss_and_grads(X[:, batch], y[batch])
        for k in twin.params:
            twin.params[k] -= 0.5 * grads[k]
    for k in net.params:
        np.testing.assert_allclose(net.params[k], twin.params[k], rtol=1e-12)
    assert accs == [pytest.approx(np.mean(twin(X[:, :2]).argmax(axis=0) == y[:2]))]


def test_train_sgd_learns_a_toy_task_with_squared_error_too(rng):
    X, y = toy_problem(rng)
    configs = digits.one_change_configs()
    # the classic row at its classic rate 3.0, the last row at cross-entropy's 0.1
    for (_, make, _, _), rate in ((configs[0], max(digits.MSE_RATES)), (configs[4], min(digits.CE_RATES))):
        net = make(1)
        before = net.accuracy(X, y)
        accs = digits.train_sgd(net, X, y, X, y, 20, 10, rate, np.random.default_rng(2))
        assert len(accs) == 20 and accs[-1] > max(0.9, before)


def test_one_change_rows_start_from_the_classic_network():
    rows = [r[1:] for r in digits.ONE_CHANGE]
    assert rows == [(30, "sigmoid", "sigmoid", "mse"),
                    (30, "sigmoid", "softmax", "categorical_cross_entropy"),
                    (30, "relu", "softmax", "categorical_cross_entropy"),
                    (128, "sigmoid", "sigmoid", "mse"),
                    (128, "relu", "softmax", "categorical_cross_entropy")]
    net = digits.one_change_configs()[2][1](0)
    assert net.sizes == [784, 30, 10] and net.activations == ["relu", "softmax"]
    assert net.loss == "categorical_cross_entropy"


def test_gradient_noise_falls_like_one_over_batch_size(rng):
    X, y = toy_problem(rng, m=400)
    net = nl.Network([784, 8, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    noise = digits.gradient_noise(net, X, y, [4, 40, 400], n_batches=200, rng=np.random.default_rng(1))
    assert noise[2] == pytest.approx(0.0, abs=1e-20)  # the whole set is the full gradient
    m = 400
    # expectation trace(Cov) / B * (m - B) / (m - 1): the ratio of 4 to 40 is 10 * 396 / 360 = 11
    assert noise[0] / noise[1] == pytest.approx(10 * (m - 4) / (m - 40), rel=0.25)


def test_gradient_noise_rejects_too_large_batches(rng):
    X, y = toy_problem(rng, m=10)
    net = nl.Network([784, 2, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    with pytest.raises(ValueError, match="at most m = 10"):
        digits.gradient_noise(net, X, y, [11], n_batches=1, rng=np.random.default_rng(0))


# ----------------------------------------------------------------------- drawing
def test_plot_digits_draws_every_image_with_its_title(rng):
    images = rng.integers(0, 256, size=(13, 28, 28), dtype=np.uint8)
    fig = digits.plot_digits(images, titles=[str(i) for i in range(13)], n_cols=5)
    axes = fig.axes
    assert len(axes) == 15
    drawn = [ax for ax in axes if ax.images]
    assert len(drawn) == 13
    np.testing.assert_array_equal(drawn[7].images[0].get_array(), images[7])
    assert drawn[7].get_title() == "7"
    plt.close(fig)


def test_plot_weights_one_shared_symmetric_scale_with_colour_bar(rng):
    W = rng.standard_normal((12, 784))
    W[3] *= 5  # the largest weight of all is in row 3
    fig = digits.plot_weights(W, n=12, n_cols=5)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 12
    assert {im.get_clim() for ax in drawn for im in ax.images} == {(-np.abs(W[3]).max(), np.abs(W[3]).max())}
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 1
    plt.close(fig)
    fig = digits.plot_weights(W, n=4, lim=2.0)
    assert {ax.images[0].get_clim() for ax in fig.axes if ax.images} == {(-2.0, 2.0)}
    plt.close(fig)


def test_plot_confusion_matrix_labels_nonzero_cells():
    C = np.array([[5, 0], [2, 9]])
    fig, ax = plt.subplots()
    digits.plot_confusion_matrix(ax, C, title="t")
    assert sorted(t.get_text() for t in ax.texts) == ["2", "5", "9"]
    assert ax.get_ylabel() == "true" and ax.get_xlabel() == "predicted"
    plt.close(fig)


# ------------------------------------------- choosing on the validation split
def _fake_train(log):
    """A stand-in for the training loop: records each run, returns accuracies that depend on rate, batch and seed."""
    def train(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
        draw = float(rng.random())  # the shuffle's rng: seeded like the network
        log.append((net.seed, batch_size, learning_rate, draw))
        top = {0.1: 0.90, 0.2: 0.95, 0.5: 0.80}.get(learning_rate, 0.5) - batch_size / 1000
        return [top * (e + 1) / epochs for e in range(epochs)]
    return train


class _Seeded:
    def __init__(self, seed):
        self.seed = seed


def test_validation_runs_seed_both_the_network_and_the_shuffle():
    log = []
    out = digits.validation_runs(_Seeded, (None, None, None, None), epochs=3, batch_size=10, learning_rate=0.2,
                                 seeds=[4, 7], train=_fake_train(log))
    assert out.shape == (2, 3) and np.allclose(out[0], [0.94 / 3, 2 * 0.94 / 3, 0.94])
    assert [(s, B, lr) for s, B, lr, _ in log] == [(4, 10, 0.2), (7, 10, 0.2)]
    assert [d for *_, d in log] == [np.random.default_rng(4).random(), np.random.default_rng(7).random()]


def test_grid_search_covers_the_grid_in_order_and_best_setting_reads_the_last_epoch():
    log = []
    grid = digits.grid_search(_Seeded, (None,) * 4, learning_rates=(0.1, 0.2, 0.5), batch_sizes=(10, 100),
                              epochs=2, seed=3, train=_fake_train(log))
    assert list(grid) == [(0.1, 10), (0.1, 100), (0.2, 10), (0.2, 100), (0.5, 10), (0.5, 100)]
    assert all(s == 3 for s, *_ in log)
    lr, B, acc = digits.best_setting(grid)
    assert (lr, B) == (0.2, 10) and np.isclose(acc, 0.94)
    # the last epoch decides, not the best one; a tie goes to the earlier entry
    assert digits.best_setting({(1, 1): np.array([0.9, 0.5]), (2, 2): np.array([0.6, 0.6]),
                                (3, 3): np.array([0.1, 0.6])}) == (2, 2, 0.6)


def test_compare_with_chosen_rates_chooses_on_one_seed_and_reports_others():
    log = []
    configs = [("a", _Seeded, 10, (0.1, 0.2, 0.5)), ("b", _Seeded, 100, (0.1, 0.5))]
    out = digits.compare_with_chosen_rates(configs, (None,) * 4, epochs=2, select_seed=0, seeds=[1, 2, 3],
                                           known={("b", 0.1): 0.99}, train=_fake_train(log))
    assert [r["rate"] for r in out] == [0.2, 0.1] and out[1]["rates"] == {0.1: 0.99, 0.5: pytest.approx(0.7)}
    assert np.allclose(out[0]["accuracies"], [0.94] * 3) and out[0]["batch_size"] == 10
    # "a": 3 rates with seed 0, then seeds 1-3; "b": only 0.5 trained for the choice (0.1 was known), then 1-3
    assert [(s, lr) for s, B, lr, _ in log] == [(0, 0.1), (0, 0.2), (0, 0.5), (1, 0.2), (2, 0.2), (3, 0.2),
                                                (0, 0.5), (1, 0.1), (2, 0.1), (3, 0.1)]


def test_compare_with_chosen_rates_breaks_ties_towards_the_smaller_rate():
    def flat(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
        return [0.9] * epochs
    out = digits.compare_with_chosen_rates([("a", _Seeded, 10, (0.5, 0.1, 0.2))], (None,) * 4, epochs=1,
                                           select_seed=0, seeds=[1, 2, 3], train=flat)
    assert out[0]["rate"] == 0.1


def test_one_change_configs_follow_one_change_then_the_recipe():
    configs = digits.one_change_configs()
    assert [c[0] for c in configs[:5]] == [row[0] for row in digits.ONE_CHANGE]
    assert [c[2] for c in configs] == [10] * 5 + [digits.RECIPE["batch_size"]]
    assert [c[3] for c in configs] == [digits.MSE_RATES if row[4] == "mse" else digits.CE_RATES
                                       for row in digits.ONE_CHANGE] + [digits.CE_RATES]
    for (_, make, _, _), row in zip(configs, digits.ONE_CHANGE + (("", 128, "relu", "softmax",
                                                                   "categorical_cross_entropy"),)):
        net = make(5)
        assert net.sizes == [784, row[1], 10] and net.loss == row[4]
        assert np.array_equal(net.params["W1"], nl.Network([784, row[1], 10], [row[2], row[3]], row[4],
                                                           rng=5).params["W1"])
    assert digits.RECIPE["learning_rate"] in digits.CE_RATES and digits.RECIPE["batch_size"] in digits.BATCH_SIZES


def test_spread_is_mean_and_sample_standard_deviation_in_percent():
    mean, sd = digits.spread([0.90, 0.92, 0.94])
    assert np.isclose(mean, 92.0) and np.isclose(sd, 2.0)
    assert digits.spread([0.5]) == (50.0, 0.0)


def test_plot_comparison_draws_each_seed_and_each_mean_and_the_alt_text_gives_them():
    import matplotlib.pyplot as plt

    results = [{"name": "first", "batch_size": 10, "rate": 3.0, "rates": {}, "accuracies": np.array([0.9, 0.91, 0.92])},
               {"name": "second", "batch_size": 32, "rate": 0.5, "rates": {}, "accuracies": np.array([0.95, 0.93, 0.94])}]
    fig, ax = plt.subplots()
    digits.plot_comparison(ax, results)
    dots = [line for line in ax.lines if line.get_marker() == "o" and len(line.get_xdata())]
    assert sorted(np.concatenate([line.get_xdata() for line in dots]).round(6)) == [90, 91, 92, 93, 94, 95]
    means = [line for line in ax.lines if line.get_marker() == "D"]
    assert len(means) == 1 and np.allclose(means[0].get_xdata(), [91, 94]) and np.allclose(means[0].get_ydata(), [1, 0])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["first\n(rate 3, batches of 10)", "second\n(rate 0.5, batches of 32)"]  # first at the top (y = 1)
    plt.close(fig)
    alt = digits.comparison_alt(results, epochs=4, images=3000)
    assert "first (rate 3, batches of 10): 91.0% ± 1.0" in alt and "second (rate 0.5, batches of 32): 94.0% ± 1.0" in alt
    assert "3 times (seeds) for 4 epochs on 3,000 training images" in alt
