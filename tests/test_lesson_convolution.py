"""The helpers of notebook 09: kernels, shifts, permutations, the CNN and its training loop."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlessons as nl  # noqa: E402
from nnlessons import conv  # noqa: E402
from nnlessons.lessons import convolution as cv  # noqa: E402


def test_loops_flip_and_kernels():
    rng = np.random.default_rng(0)
    X, W, b = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal((3, 1))
    np.testing.assert_allclose(cv.conv2d_loops(X, W, b, 2, 1), conv.conv2d_forward(X, W, b, 2, 1), atol=1e-12)
    # flipping an antisymmetric kernel negates the output; a symmetric one changes nothing
    img = rng.random((1, 8, 8, 2))
    edge, blur = cv.KERNELS["vertical edge"][None, None], cv.KERNELS["blur"][None, None]
    zero = np.zeros((1, 1))
    np.testing.assert_allclose(cv.flipped_convolution(img, edge, zero), -conv.conv2d_forward(img, edge, zero))
    np.testing.assert_allclose(cv.flipped_convolution(img, blur, zero), conv.conv2d_forward(img, blur, zero))
    maps = cv.apply_kernel(img[0].transpose(2, 0, 1), cv.KERNELS["blur"])
    assert maps.shape == (2, 8, 8)
    assert np.isclose(maps[0, 3, 3], img[0, 2:5, 2:5, 0].mean())


def test_shift_images_moves_and_fills_with_zeros():
    X = np.arange(2 * 4 * 5 * 3, dtype=float).reshape(2, 4, 5, 3)
    S = cv.shift_images(X, 1, -2)
    np.testing.assert_array_equal(S[:, 1:, :3], X[:, :3, 2:])
    assert np.all(S[:, 0] == 0) and np.all(S[:, :, 3:] == 0)
    np.testing.assert_array_equal(cv.shift_images(X, 0, 0), X)
    assert not cv.shift_images(X, 4, 0).any()


def test_first_layer_is_translation_equivariant():
    rng = np.random.default_rng(1)
    X, W, b = rng.random((1, 16, 16, 3)), rng.standard_normal((4, 1, 5, 5)), rng.standard_normal((4, 1))
    maps = conv.conv2d_forward(X, W, b)
    assert cv.equivariance_error(maps, conv.conv2d_forward(cv.shift_images(X, 2, 3), W, b), 2, 3, margin=4) < 1e-12
    # a dense layer on the same pixels is not: the measure must be able to say so
    other = conv.conv2d_forward(cv.shift_images(X, 2, 3), W[:, :, ::-1], b)
    assert cv.equivariance_error(maps, other, 2, 3, margin=4) > 0.1


def test_permuted_and_views():
    X = np.arange(12.0).reshape(4, 3)
    perm = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(cv.permuted(X, perm), X[perm])
    with pytest.raises(ValueError, match="permutation of range"):
        cv.permuted(X, [0, 0, 1, 2])
    cols = np.random.default_rng(2).random((784, 5))
    images = cv.as_images(cols)
    assert images.shape == (1, 28, 28, 5) and np.shares_memory(images, cols)
    np.testing.assert_array_equal(images[0, :, :, 3], cols[:, 3].reshape(28, 28))
    with pytest.raises(ValueError, match="784 rows"):
        cv.as_images(cols[:100])
    P = np.array([[0.1, 0.7], [0.9, 0.3]])
    np.testing.assert_array_equal(cv.true_class_probability(P, [1, 1]), [0.9, 0.3])


def test_make_cnn_and_its_training_loop():
    net = cv.make_cnn(rng=0)
    assert net.n_params() == 16 * 25 + 16 + 2304 * 100 + 100 + 100 * 10 + 10 == 231_926
    rng = np.random.default_rng(3)
    X, y = rng.random((1, 28, 28, 40)), rng.integers(0, 10, 40)
    small = cv.make_cnn(rng=0, n_filters=2, hidden=8)
    before = small.loss_and_grads(X, y)[0]
    val = cv.train_sgd(small, X, y, X[..., :10], y[:10], 3, 8, 0.05, np.random.default_rng(0))
    assert len(val) == 3 and all(0 <= a <= 1 for a in val)
    assert small.loss_and_grads(X, y)[0] < before
    # the same loop trains a Network on columns
    dense = nl.Network([784, 8, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    cols = X.reshape(784, 40)
    before = dense.cost(cols, y)
    cv.train_sgd(dense, cols, y, cols, y, 3, 8, 0.1, np.random.default_rng(0))
    assert dense.cost(cols, y) < before


def test_drawings():
    image = np.random.default_rng(4).random((28, 28))
    fig, out = cv.plot_sliding(image)
    assert out.shape == (26, 26)
    plt.close(fig)
    fig = cv.plot_maps(np.random.default_rng(5).standard_normal((5, 6, 6)), titles=list("abcde"), n_cols=3)
    assert len([ax for ax in fig.axes if ax.images]) == 5
    assert fig.axes[0].images[0].get_clim() == fig.axes[4].images[0].get_clim()
    plt.close(fig)
    fig = cv.plot_maps(np.abs(np.random.default_rng(6).standard_normal((2, 4, 4))), lim=2.0, signed=False)
    assert fig.axes[0].images[0].get_clim() == (0.0, 2.0)
    plt.close(fig)


def test_every_figure_of_notebook_09_has_an_alt_text():
    import json
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "09_convolution.ipynb"
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    figures = [c for c in cells if any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert len(figures) >= 7
    for cell in figures:
        alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt) > 40, "".join(cell["source"])[:80]
