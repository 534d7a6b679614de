"""Helpers for the handwritten-digits notebook: looking at images, judging a classifier.

Images are ``(m, h, w)`` arrays (``(m, 28, 28)`` for MNIST), labels integers
``(m,)``. The network sees the same images as columns ``(784, m)``
(``nnlessons.mnist.to_columns``) and answers with one column of 10 class
probabilities per image, ``P`` ``(10, m)``.

The numbers behind every figure of the notebook are computed here, by tested
functions; the ``plot_*`` functions only draw them. ``train_sgd`` is the
reference for the learner's mini-batch loop (its checker compares against it,
and a handout whose loop is not written yet falls back on it).
"""

import numpy as np

from .._validation import as_float_array, as_labels, check_int, check_shape
from ..datasets import minibatches
from ..losses import one_hot
from ..network import Network

#: the notebook's recipe for [784, 128, 10] (ReLU, softmax, cross-entropy), plain
#: SGD, picked on the validation split: 12 epochs of mini-batches of 32.
RECIPE = {"epochs": 12, "batch_size": 32, "learning_rate": 0.5}

#: From the classic network (Nielsen's book, chapter 1: [784, 30, 10], sigmoid
#: everywhere, squared error, plain SGD on mini-batches of 10 with learning rate
#: 3.0) to the notebook's, one change at a time:
#: (description, hidden neurons, hidden activation, output activation, loss, learning rate).
#: Squared-error rows keep the classic learning rate 3.0; cross-entropy rows use
#: 0.1, since their output gradient A - Y is not shrunk by a sigmoid's slope.
ONE_CHANGE = (
    ("classic: 30 sigmoid, squared error", 30, "sigmoid", "sigmoid", "mse", 3.0),
    ("30 sigmoid, softmax + cross-entropy", 30, "sigmoid", "softmax", "categorical_cross_entropy", 0.1),
    ("30 ReLU, softmax + cross-entropy", 30, "relu", "softmax", "categorical_cross_entropy", 0.1),
    ("128 sigmoid, squared error", 128, "sigmoid", "sigmoid", "mse", 3.0),
    ("128 ReLU, softmax + cross-entropy", 128, "relu", "softmax", "categorical_cross_entropy", 0.1),
)


def _check_images(images, name="images"):
    arr = np.asarray(images)
    if arr.ndim != 3:
        raise ValueError(f"{name} must have shape (m, height, width), got shape {arr.shape}")
    return arr


def _check_n_classes(n_classes):
    return check_int(n_classes, "n_classes")


# ------------------------------------------------------------------ the data
def mean_images(images, labels, n_classes=10):
    """The average image of each class: ``(n_classes, h, w)`` float64, from ``(m, h, w)`` and ``(m,)``.

    A class with no example gets an all-zero image.
    """
    images = _check_images(images)
    n_classes = _check_n_classes(n_classes)
    labels = as_labels(labels, "labels", n_classes)
    if labels.size != images.shape[0]:
        raise ValueError(f"labels must have shape ({images.shape[0]},) to match images, got {labels.shape}")
    flat = images.reshape(images.shape[0], -1).astype(np.float64)
    sums = np.zeros((n_classes, flat.shape[1]))
    np.add.at(sums, labels, flat)
    counts = np.bincount(labels, minlength=n_classes)
    means = sums / np.maximum(counts, 1)[:, None]
    return means.reshape((n_classes,) + images.shape[1:])


def intensity_summary(images):
    """Share of pixels that are exactly 0 (background), share above half of full scale, and the mean.

    ``images`` are uint8 ``(m, h, w)`` (0..255). Returns a dict of floats
    ``{"zero": ..., "bright": ..., "mean": ...}``, the mean on the 0..1 scale.
    """
    images = _check_images(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0..255), got dtype {images.dtype}")
    return {
        "zero": float(np.mean(images == 0)),
        "bright": float(np.mean(images > 127)),
        "mean": float(images.mean() / 255.0),
    }


def blank_pixels(images):
    """Pixels that are 0 in every image: a boolean mask ``(h*w,)``, in the order ``to_columns`` flattens them."""
    images = _check_images(images)
    return ~np.any(images.reshape(images.shape[0], -1), axis=0)


def nearest_mean_predict(means, X):
    """Classify each column of ``X`` ``(h*w, m)`` as the class whose mean image is closest (Euclidean).

    ``means`` ``(n_classes, h, w)`` must be on the same scale as ``X`` (e.g. both in [0, 1]).
    Returns labels ``(m,)``. A baseline with no training beyond averaging.
    """
    means = as_float_array(means, "means", ndim=3)
    M = means.reshape(means.shape[0], -1)
    X = as_float_array(X, "X", ndim=2)
    check_shape(X, "X", (M.shape[1], None))
    # |x - mu|^2 = |x|^2 - 2 mu.x + |mu|^2; |x|^2 is the same for every class, so it drops out
    scores = M @ X - 0.5 * np.sum(M * M, axis=1, keepdims=True)
    return scores.argmax(axis=0)


# ----------------------------------------------------------- training
def train_sgd(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """Mini-batch SGD on ``net`` (a ``Network``), in place; the reference for the notebook's loop.

    ``X`` ``(n0, m)`` with labels ``y`` ``(m,)``; each epoch shuffles the
    columns with ``rng``, then takes one step ``p <- p - learning_rate * dp`` per
    batch of ``batch_size`` columns (the last batch holds the rest). Returns the
    validation accuracy after each epoch, a list of ``epochs`` floats.
    """
    Y = one_hot(y, net.sizes[-1])
    m = X.shape[1]
    val_accuracy = []
    for _ in range(epochs):
        for batch in minibatches(m, batch_size, rng=rng):
            _, cache = net.forward(X[:, batch])
            grads = net.backward(Y[:, batch], cache)
            for name in net.params:
                net.params[name] -= learning_rate * grads[name]
        val_accuracy.append(net.accuracy(X_val, y_val))
    return val_accuracy


def gradient_noise(net, X, y, batch_sizes, *, n_batches, rng):
    """How far mini-batch gradients stray from the full-batch gradient, per batch size.

    For each ``B`` in ``batch_sizes``, draws ``n_batches`` batches of ``B``
    distinct columns of ``X`` ``(n0, m)`` and returns the mean over batches of
    ``|g_B - g|^2`` (all parameters together), where ``g`` is the gradient on all
    ``m`` columns: an array ``(len(batch_sizes),)``. For a batch drawn without
    replacement its expectation is ``trace(Cov) / B * (m - B) / (m - 1)``, so it
    falls like ``1 / B``.
    """
    Y = one_hot(y, net.sizes[-1])
    m = X.shape[1]
    full = net.backward(Y, net.forward(X)[1])
    out = []
    for B in batch_sizes:
        B = check_int(B, "batch size")
        if B > m:
            raise ValueError(f"batch sizes must be at most m = {m}, got {B}")
        total = 0.0
        for _ in range(n_batches):
            idx = rng.choice(m, size=B, replace=False)
            g = net.backward(Y[:, idx], net.forward(X[:, idx])[1])
            total += sum(float(np.sum((g[k] - full[k]) ** 2)) for k in full)
        out.append(total / n_batches)
    return np.array(out)


# ----------------------------------------------------------- judging a model
def confusion_matrix(true, predicted, n_classes=10):
    """Counts ``C`` ``(n_classes, n_classes)`` int: ``C[i, j]`` = examples of true class ``i`` predicted as ``j``.

    Rows are true classes (each row sums to that class's count), columns are predictions.
    """
    n_classes = _check_n_classes(n_classes)
    true = as_labels(true, "true", n_classes)
    predicted = as_labels(predicted, "predicted", n_classes)
    if true.shape != predicted.shape:
        raise ValueError(f"true and predicted must have the same shape, got {true.shape} and {predicted.shape}")
    flat = np.bincount(true * n_classes + predicted, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def per_class_accuracy(C):
    """Accuracy on each true class, ``(n_classes,)``: the diagonal of ``C`` over its row sums (nan for an empty row)."""
    C = as_float_array(C, "C", ndim=2)
    check_shape(C, "C", (C.shape[0], C.shape[0]))
    rows = C.sum(axis=1)
    out = np.full(C.shape[0], np.nan)
    np.divide(np.diag(C), rows, out=out, where=rows > 0)
    return out


def top_confusions(C, k=3):
    """The ``k`` largest off-diagonal entries of ``C``: a list of ``(true, predicted, count)``, largest first.

    Ties are broken by (true, predicted) order, so the list is reproducible.
    """
    C = np.asarray(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ValueError(f"C must be a square matrix (n_classes, n_classes), got shape {C.shape}")
    off = C.astype(np.int64).copy()
    np.fill_diagonal(off, -1)
    # stable sort on the negated counts keeps row-major order among equal counts
    order = np.argsort(-off.ravel(), kind="stable")[:k]
    return [(int(i), int(j), int(off[i, j])) for i, j in zip(*np.unravel_index(order, C.shape))]


def most_confident_errors(P, labels, k=10):
    """The ``k`` wrongly classified examples with the highest predicted probability, most confident first.

    ``P`` ``(n_classes, m)`` are the network's probability columns, ``labels`` ``(m,)``.
    Returns ``(indices, predicted, true, confidence)``, four arrays of length
    ``min(k, number of errors)``; ``confidence`` is the probability given to the wrong answer.
    """
    P = as_float_array(P, "P", ndim=2)
    labels = as_labels(labels, "labels", P.shape[0])
    check_shape(P, "P", (None, labels.size))
    predicted = P.argmax(axis=0)
    confidence = P.max(axis=0)
    wrong = np.flatnonzero(predicted != labels)
    order = np.argsort(-confidence[wrong], kind="stable")[:k]
    idx = wrong[order]
    return idx, predicted[idx], labels[idx], confidence[idx]


def weights_as_images(W, shape=(28, 28)):
    """Each row of a first-layer weight matrix ``W`` ``(n_hidden, h*w)`` as an image: ``(n_hidden, h, w)``.

    Row ``i`` holds the weights from every pixel into hidden neuron ``i``, so it
    has one entry per pixel and can be drawn where the pixels are.
    """
    W = as_float_array(W, "W", ndim=2)
    h, w = shape
    check_shape(W, "W", (None, h * w))
    return W.reshape(W.shape[0], h, w).copy()


# ------------------------------------------- from the classic network, one change at a time
def one_change_network(row, *, rng):
    """The ``[784, n, 10]`` network of one row of ``ONE_CHANGE``; the first row is the classic one.

    Its answer is the output neuron that fires most, whatever the output layer,
    so ``net.accuracy(X, labels)`` scores every row alike.
    """
    _, n_hidden, hidden, output, loss, _ = row
    return Network([784, n_hidden, 10], [hidden, output], loss, rng=rng)


# ----------------------------------------------------------------- drawing
def plot_digits(images, titles=None, n_cols=10, size=0.9, cmap="gray_r"):
    """Draw ``images`` ``(k, h, w)`` in a grid ``n_cols`` wide, with optional titles; returns the figure."""
    import matplotlib.pyplot as plt

    from ..plotting import show_images

    images = _check_images(images)
    n_rows = max(1, -(-images.shape[0] // n_cols))
    title_lines = max((str(t).count("\n") + 1 for t in titles), default=0) if titles is not None else 0
    height = size * n_rows * (1 + 0.2 * title_lines)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, height), squeeze=False)
    show_images(axes, images, titles, cmap=cmap)
    for ax in axes.ravel():
        for im in ax.images:
            # one screen block per pixel: the real pixels, unsmoothed (and smaller PNG files)
            im.set_interpolation("nearest")
    fig.tight_layout(pad=0.3)
    return fig


def plot_weights(W, n=20, n_cols=10, size=0.9, lim=None, label="weight"):
    """The first ``n`` rows of ``W`` ``(n_hidden, 784)`` as 28x28 images, red positive and blue negative.

    All images share one symmetric colour scale ``[-lim, lim]`` (default: the
    largest absolute weight shown), so white is a weight of 0 and equal colours
    are equal weights; a colour bar on the right gives the scale. Returns the figure.
    """
    images = weights_as_images(W)[:n]
    if lim is None:
        lim = float(np.abs(images).max()) or 1.0
    fig = plot_digits(images, n_cols=n_cols, size=size, cmap="bwr")
    axes = [ax for ax in fig.axes if ax.images]
    for ax in axes:
        ax.images[0].set_clim(-lim, lim)
    fig.colorbar(axes[0].images[0], ax=fig.axes, fraction=0.02, pad=0.01, label=label)
    return fig


def plot_confusion_matrix(ax, C, title=None):
    """Draw the counts of ``C`` (rows true, columns predicted), coloured by their square root, numbers in cells."""
    C = np.asarray(C)
    n = C.shape[0]
    # the diagonal dwarfs the errors: colour by sqrt so the off-diagonal cells show
    ax.imshow(np.sqrt(C), cmap="Blues")
    top = np.sqrt(C.max()) if C.size else 1.0
    for i in range(n):
        for j in range(n):
            if C[i, j]:
                ax.text(j, i, str(int(C[i, j])), ha="center", va="center", fontsize=8,
                        color="white" if np.sqrt(C[i, j]) > 0.6 * top else "black")
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
