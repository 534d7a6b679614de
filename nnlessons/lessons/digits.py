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

#: The learning rates tried, in 1-2-5 steps of a log scale: for cross-entropy
#: networks, and for squared-error ones (whose output gradient a sigmoid's slope
#: shrinks, so they need larger rates; the classic network's is 3.0).
CE_RATES = (0.1, 0.2, 0.5)
MSE_RATES = (0.5, 1.0, 3.0)
#: the batch sizes of the recipe's grid search
BATCH_SIZES = (10, 32, 100)
#: The grid search and the comparison of section 6 train many networks: to fit the
#: notebook's time budget, each trains for this many epochs on this many of the training images.
SEARCH_EPOCHS = 4
SEARCH_IMAGES = 3000

#: The exercise "choose the recipe": [784, hidden, 10] (ReLU, softmax,
#: cross-entropy), trained by plain SGD on the 9,000 training images with the
#: learner's learning rate, batch size and epochs (and optionally width), must
#: reach this validation accuracy within the budget: epochs x hidden units at most
#: ``max_work`` (4 epochs of 128 units, 2 of 256...), batches of at least ``min_batch_size``.
CHOICE_TARGET = 0.955
CHOICE_BUDGET = {"max_work": 512, "min_batch_size": 10, "max_hidden": 512}

#: From the classic network (Nielsen's book, chapter 1: [784, 30, 10], sigmoid
#: everywhere, squared error, plain SGD on mini-batches of 10 with learning rate
#: 3.0) to the notebook's, one change at a time:
#: (description, hidden neurons, hidden activation, output activation, loss); the notebook's
#: comparison chooses each row's learning rate on the validation split (``one_change_configs``).
ONE_CHANGE = (
    ("classic: 30 sigmoid, squared error", 30, "sigmoid", "sigmoid", "mse"),
    ("30 sigmoid, softmax + cross-entropy", 30, "sigmoid", "softmax", "categorical_cross_entropy"),
    ("30 ReLU, softmax + cross-entropy", 30, "relu", "softmax", "categorical_cross_entropy"),
    ("128 sigmoid, squared error", 128, "sigmoid", "sigmoid", "mse"),
    ("128 ReLU, softmax + cross-entropy", 128, "relu", "softmax", "categorical_cross_entropy"),
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


# ------------------------------------------- choosing on the validation split
def _net_maker(sizes, activations, loss):
    def make(seed):
        return Network(sizes, activations, loss, rng=seed)
    return make


def recipe_network(seed, hidden=128):
    """The notebook's network, ``[784, hidden, 10]`` with ReLU, softmax and cross-entropy, initialised with ``seed``."""
    return Network([784, hidden, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=seed)


def budget_choice():
    """A choice for the exercise "choose the recipe" that reaches its target within its budget (its stand-in)."""
    return {"learning_rate": 0.5, "batch_size": 32, "epochs": 4}


def validation_runs(make_net, data, *, epochs, batch_size, learning_rate, seeds, train=None):
    """Validation accuracy after each epoch, one row per seed: an array ``(len(seeds), epochs)``.

    ``make_net(seed)`` builds a fresh network; ``data = (X, y, X_val, y_val)``.
    Seed ``s`` draws both the initial weights (``make_net(s)``) and the shuffle
    (``np.random.default_rng(s)``); ``train`` is the loop (default ``train_sgd``).
    """
    train = train_sgd if train is None else train
    X, y, X_val, y_val = data
    rows = []
    for seed in seeds:
        net = make_net(seed)
        rows.append(list(train(net, X, y, X_val, y_val, epochs, batch_size, learning_rate,
                               np.random.default_rng(seed))))
    return np.array(rows, dtype=np.float64).reshape(len(rows), epochs)


def grid_search(make_net, data, *, learning_rates, batch_sizes, epochs, seed=0, train=None):
    """Train once per (learning rate, batch size): ``{(rate, B): validation accuracy per epoch (epochs,)}``.

    Every run starts from the same initial weights and shuffle (``seed``), so the
    grid differs only in the two settings; the dict keeps the grid's order.
    """
    return {(lr, B): validation_runs(make_net, data, epochs=epochs, batch_size=B, learning_rate=lr,
                                     seeds=[seed], train=train)[0]
            for lr in learning_rates for B in batch_sizes}


def best_setting(grid):
    """The best entry of ``grid_search``'s dict: ``(rate, batch size, accuracy)``.

    Judged by the validation accuracy after the last epoch, since the network kept
    is the one after the last epoch; a tie goes to the earlier entry of the grid.
    """
    best = None
    for (lr, B), accs in grid.items():
        if best is None or accs[-1] > best[2]:
            best = (lr, B, float(accs[-1]))
    return best


def compare_with_chosen_rates(configs, data, *, epochs, select_seed, seeds, known=None, train=None):
    """For each configuration, choose its learning rate on the validation split, then train it with other seeds.

    ``configs`` is a list of ``(name, make_net, batch_size, learning_rates)``. The
    rate with the best validation accuracy after ``epochs`` epochs with
    ``select_seed`` is chosen (a tie goes to the smaller rate); then each seed of
    ``seeds`` (other seeds, so that the numbers reported are not those the choice
    was made on) trains a fresh network with it. ``known`` maps ``(name, rate)`` to
    a final accuracy already measured with ``select_seed`` (not trained again).
    Returns one dict per configuration: ``name``, ``batch_size``, ``rates`` (the
    final accuracy at each rate tried), ``rate`` (the one chosen) and
    ``accuracies`` (the final accuracy of each seed, ``(len(seeds),)``).
    """
    known = {} if known is None else known
    out = []
    for name, make_net, B, learning_rates in configs:
        rates = {}
        for lr in learning_rates:
            if (name, lr) in known:
                rates[lr] = float(known[name, lr])
            else:
                rates[lr] = float(validation_runs(make_net, data, epochs=epochs, batch_size=B, learning_rate=lr,
                                                  seeds=[select_seed], train=train)[0, -1])
        rate = max(sorted(rates), key=lambda lr: rates[lr])  # max keeps the first (smallest) of equals
        final = validation_runs(make_net, data, epochs=epochs, batch_size=B, learning_rate=rate,
                                seeds=seeds, train=train)[:, -1]
        out.append({"name": name, "batch_size": B, "rates": rates, "rate": rate, "accuracies": final})
    return out


def one_change_configs(batch_size=10):
    """``compare_with_chosen_rates``'s configurations: the rows of ``ONE_CHANGE``, then the recipe's network.

    The rows train in batches of ``batch_size`` (the classic 10), squared error
    with rates from ``MSE_RATES`` and cross-entropy from ``CE_RATES``; the last
    entry is ``[784, 128, 10]`` ReLU with softmax and cross-entropy in batches of
    ``RECIPE["batch_size"]``, the network and batch size of section 5.
    """
    configs = [(row[0], _net_maker([784, row[1], 10], [row[2], row[3]], row[4]), batch_size,
                MSE_RATES if row[4] == "mse" else CE_RATES) for row in ONE_CHANGE]
    B = RECIPE["batch_size"]
    configs.append(("128 ReLU, softmax + cross-entropy (section 5)", recipe_network, B, CE_RATES))
    return configs


def spread(accuracies):
    """Mean and standard deviation (with ``ddof=1``: an estimate from a few seeds) of accuracies, in percent."""
    a = 100 * np.asarray(accuracies, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


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


def plot_comparison(ax, results):
    """Draw ``compare_with_chosen_rates``' results: one row per configuration, its mean over seeds as a diamond.

    Each mean carries an error bar of one standard deviation and a dot per seed,
    and its label gives the learning rate chosen, so that differences of a point
    can be read against the spread of the seeds. First configuration at the
    top; the axis spans the seeds' range (no bars, whose lengths would mislead on an axis not starting at 0).
    """
    from ..plotting import COLOURS

    n = len(results)
    y = np.arange(n)[::-1]
    stats = [spread(r["accuracies"]) for r in results]
    means = np.array([m for m, _ in stats])
    stds = np.array([s for _, s in stats])
    for yi, r in zip(y, results):
        a = 100 * np.asarray(r["accuracies"])
        ax.plot(a, np.full(a.size, yi), "o", color=COLOURS[3], ms=6, alpha=0.8, zorder=3)
    ax.errorbar(means, y, xerr=stds, fmt="D", color=COLOURS[0], ms=9, capsize=5, lw=1.5, zorder=2,
                label="mean ± 1 standard deviation")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r['name']}\n(rate {r['rate']:g}, batches of {r['batch_size']})" for r in results])
    low = min(100 * np.min(r["accuracies"]) for r in results)
    high = max(100 * np.max(r["accuracies"]) for r in results)
    ax.set_xlim(np.floor(low) - 1, np.ceil(high) + 0.5)
    ax.set_xlabel("validation accuracy (%)")
    ax.grid(axis="x", alpha=0.3)
    ax.plot([], [], "o", color=COLOURS[3], label="one seed")
    ax.legend(loc="upper right", fontsize=10)


def comparison_alt(results, epochs, images):
    """The alt text of ``plot_comparison``'s figure, from its numbers."""
    parts = []
    for r in results:
        m, s = spread(r["accuracies"])
        parts.append(f"{r['name']} (rate {r['rate']:g}, batches of {r['batch_size']}): {m:.1f}% ± {s:.1f}")
    n_seeds = len(results[0]["accuracies"])
    return (f"Dot chart of the validation accuracy of {len(results)} networks, from the classic "
            f"[784, 30, 10] to the notebook's, each trained {n_seeds} times (seeds) for {epochs} epochs on "
            f"{images:,} training images with its learning rate chosen on the validation split; each row shows a dot per "
            f"seed and a diamond at the mean with a line of plus or minus one standard deviation. Mean ± standard "
            "deviation: " + "; ".join(parts) + ".")
