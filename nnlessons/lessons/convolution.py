"""Helpers for the convolution notebook: hand-made kernels, shifted and permuted digits, a small CNN.

Images for the network are ``(C, H, W, m)``, the examples last (``nnlessons.conv``);
MNIST's columns ``(784, m)`` become ``(1, 28, 28, m)`` with ``as_images``, no copy.
``conv2d_loops`` is the convolution written as four loops, the readable
definition that the vectorised ``conv.conv2d_forward`` is tested against.
The numbers behind every figure are computed here by tested functions; the
``plot_*`` functions only draw them.
"""

import numpy as np

from .. import conv
from .._validation import as_float_array, check_int
from ..losses import one_hot

#: kernels made by hand: what a first convolution layer could look for
KERNELS = {
    "vertical edge": np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]),   # Sobel: left minus right
    "horizontal edge": np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]]),  # top minus bottom
    "blur": np.full((3, 3), 1.0 / 9.0),
}

#: the notebook's CNN (chosen on the validation split): 16 filters 5x5, ReLU, 2x2 max-pooling,
#: 100 hidden ReLU units, 10 softmax outputs; plain SGD, batches of 32, learning rate 0.4, 12 epochs
CNN = {"n_filters": 16, "kernel": 5, "hidden": 100}
RECIPE = {"epochs": 12, "batch_size": 32, "learning_rate": 0.4}


def as_images(X, size=28):
    """Columns ``(size*size, m)`` -> images ``(1, size, size, m)`` (a view: row-major flattening undone)."""
    X = as_float_array(X, "X", ndim=2)
    if X.shape[0] != size * size:
        raise ValueError(f"X must have {size * size} rows (one {size}x{size} image per column), got {X.shape}")
    return X.reshape(1, size, size, X.shape[1])


def conv2d_loops(X, W, b, stride=1, padding=0):
    """The convolution by its definition, one output number at a time: ``(F, Ho, Wo, m)``.

    Slow (four nested loops); the reference that ``conv.conv2d_forward`` is tested against.
    """
    X, W, b, stride, padding = conv._check_conv(X, W, stride, padding, b)
    C, H, Wd, m = X.shape
    F, _, kh, kw = W.shape
    Xp = np.pad(X, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    Ho, Wo = (H + 2 * padding - kh) // stride + 1, (Wd + 2 * padding - kw) // stride + 1
    Z = np.zeros((F, Ho, Wo, m), dtype=np.result_type(X, W))
    for n in range(m):
        for f in range(F):
            for i in range(Ho):
                for j in range(Wo):
                    patch = Xp[:, stride * i:stride * i + kh, stride * j:stride * j + kw, n]   # (C, kh, kw)
                    Z[f, i, j, n] = np.sum(W[f] * patch) + b[f, 0]
    return Z


def flipped_convolution(X, W, b, stride=1, padding=0):
    """Convolution as mathematics defines it: the kernel flipped in both directions, then slid."""
    W = as_float_array(W, "W", ndim=4)
    return conv.conv2d_forward(X, W[:, :, ::-1, ::-1], b, stride, padding)


def apply_kernel(images, kernel, padding=1):
    """One 2-D ``kernel`` slid over each of ``images`` ``(k, h, w)``: ``(k, h', w')`` (for pictures)."""
    images = as_float_array(images, "images", ndim=3)
    kernel = as_float_array(kernel, "kernel", ndim=2)
    X = images.transpose(1, 2, 0)[None]                       # (1, h, w, k)
    Z = conv.conv2d_forward(X, kernel[None, None], np.zeros((1, 1)), padding=padding)
    return Z[0].transpose(2, 0, 1)


def shift_images(X, dy, dx):
    """Move every image of ``X`` ``(C, H, W, m)`` ``dy`` pixels down and ``dx`` right; zeros fill in."""
    X = conv._check_images(X, "X")
    out = np.zeros_like(X)
    H, W = X.shape[1:3]
    if abs(dy) >= H or abs(dx) >= W:
        return out
    src_y, dst_y = slice(max(0, -dy), H - max(0, dy)), slice(max(0, dy), H - max(0, -dy))
    src_x, dst_x = slice(max(0, -dx), W - max(0, dx)), slice(max(0, dx), W - max(0, -dx))
    out[:, dst_y, dst_x, :] = X[:, src_y, src_x, :]
    return out


def equivariance_error(maps, maps_of_shifted, dy, dx, margin):
    """How far the maps of a shifted input are from the shifted maps, away from the borders.

    ``maps`` and ``maps_of_shifted`` are ``(F, H, W, m)``; compared on the pixels at
    least ``margin`` from every edge, where zero padding cannot reach. Returns the
    largest absolute difference over the largest absolute value of ``maps`` there.
    """
    moved = shift_images(maps, dy, dx)
    H, W = maps.shape[1:3]
    inner = (slice(None), slice(margin, H - margin), slice(margin, W - margin), slice(None))
    return float(np.abs(moved[inner] - maps_of_shifted[inner]).max() / np.abs(maps[inner]).max())


def permuted(X, permutation):
    """Columns ``X`` ``(n, m)`` with their rows (pixels) reordered by one fixed ``permutation``."""
    X = as_float_array(X, "X", ndim=2)
    permutation = np.asarray(permutation)
    if permutation.shape != (X.shape[0],) or not np.array_equal(np.sort(permutation), np.arange(X.shape[0])):
        raise ValueError(f"permutation must be a permutation of range({X.shape[0]}), got shape {permutation.shape}")
    return X[permutation]


def true_class_probability(P, labels):
    """The probability each column of ``P`` ``(n_classes, m)`` gives to its true label: ``(m,)``."""
    P = as_float_array(P, "P", ndim=2)
    labels = np.asarray(labels)
    return P[labels, np.arange(P.shape[1])]


def make_cnn(*, rng, n_filters=CNN["n_filters"], kernel=CNN["kernel"], hidden=CNN["hidden"], size=28,
             dtype=np.float64, conv_forward=None, conv_backward=None, pool_backward=None):
    """conv(``n_filters`` ``kernel``x``kernel``) -> ReLU -> 2x2 max-pool -> dense(``hidden``) -> ReLU -> dense(10).

    ``conv_forward``, ``conv_backward`` and ``pool_backward`` replace the package's
    functions (a learner's own, with the same signatures). Seeds come from ``rng``.
    """
    rng = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
    pooled = (size - kernel + 1) // 2
    return conv.Sequential([
        conv.Conv2D(1, n_filters, kernel, rng=rng, dtype=dtype, forward_fn=conv_forward, backward_fn=conv_backward),
        conv.ReLU(),
        conv.MaxPool2D(2, backward_fn=pool_backward),
        conv.Flatten(),
        conv.Dense(n_filters * pooled * pooled, hidden, rng=rng, dtype=dtype),
        conv.ReLU(),
        conv.Dense(hidden, 10, rng=rng, scale=1.0, dtype=dtype),
    ])


def train_sgd(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    """Mini-batch SGD, notebook 06's loop with ``X[..., batch]``: examples on the last axis of any shape.

    Works for a ``Network`` on columns and for a ``conv.Sequential`` on images.
    Returns the validation accuracy after each epoch.
    """
    Y = one_hot(y, 10)
    m = X.shape[-1]
    val_accuracy = []
    for _ in range(check_int(epochs, "epochs")):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            batch = order[start:start + batch_size]
            _, cache = net.forward(X[..., batch])
            grads = net.backward(Y[:, batch], cache)
            for name in net.params:
                net.params[name] -= learning_rate * grads[name]
        val_accuracy.append(net.accuracy(X_val, y_val))
    return val_accuracy


# ----------------------------------------------------------------- drawing
def plot_sliding(image, kernel_size=3, positions=((4, 6), (12, 14)), kernel=None):
    """A digit with a ``kernel_size`` window drawn at two ``positions`` (top-left corners) and the outputs they make."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ..plotting import COLOURS

    image = as_float_array(image, "image", ndim=2)
    kernel = KERNELS["vertical edge"] if kernel is None else as_float_array(kernel, "kernel", ndim=2)
    out = apply_kernel(image[None], kernel, padding=0)[0]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8.0, 3.8))
    a1.imshow(image, cmap="gray_r", interpolation="nearest")
    lim = float(np.abs(out).max()) or 1.0
    a2.imshow(out, cmap="bwr", vmin=-lim, vmax=lim, interpolation="nearest")
    for (r, c), colour in zip(positions, COLOURS):
        a1.add_patch(Rectangle((c - 0.5, r - 0.5), kernel_size, kernel_size, fill=False, lw=2.5, ec=colour))
        a2.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, lw=2.5, ec=colour))
    a1.set_title(f"input {image.shape[0]}x{image.shape[1]}, {kernel_size}x{kernel_size} windows")
    a2.set_title(f"output {out.shape[0]}x{out.shape[1]}: one number per window")
    for ax in (a1, a2):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig, out


def plot_maps(maps, titles=None, lim=None, n_cols=8, size=1.1, label="value", signed=True):
    """Images ``(k, h, w)`` on one colour scale, with a colour bar.

    ``signed``: symmetric ``[-lim, lim]``, red positive, blue negative, white 0; else
    ``[0, lim]`` in shades of red (for maps after a ReLU). ``lim`` defaults to the largest |value|.
    """
    import matplotlib.pyplot as plt

    maps = as_float_array(maps, "maps", ndim=3)
    if lim is None:
        lim = float(np.abs(maps).max()) or 1.0
    n_rows = -(-maps.shape[0] // n_cols)
    extra = 0.25 if titles is not None else 0.0
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols + 0.8, (size + extra) * n_rows), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if k < maps.shape[0]:
            im = ax.imshow(maps[k], cmap="bwr" if signed else "Reds", vmin=-lim if signed else 0.0, vmax=lim,
                           interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[k], fontsize=8)
        else:
            ax.axis("off")
    fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.01, label=label)
    return fig
