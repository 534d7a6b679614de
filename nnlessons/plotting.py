"""Plotting helpers for the notebooks (matplotlib).

The numbers behind each figure come from tested functions (``grid_points``,
``evaluate_on_grid``); the drawing code here only draws them.
"""

import numpy as np

from ._validation import as_float_array, check_shape

#: The line colours C0, C1, ... of every figure, told apart with every common colour-vision
#: deficiency: blue, orange, bluish green, red, reddish purple, sky blue (Okabe and Ito's
#: palette, with Paul Tol's red in place of its vermillion, which is too close to its orange).
#: matplotlib's default orange and green look alike to protanopes, its green and red to deuteranopes.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC3311", "#CC79A7", "#56B4E9")


def notebook_setup(dpi=100, figsize=(6.0, 3.6)):
    """The series' figure style and 4-decimal array printing.

    100 dpi keeps figures sharp on a high-resolution screen while a notebook of a
    dozen figures stays well under 1.5 MB (``tests/test_notebooks.py`` checks both).
    Lines take their colours from ``COLOURS``.
    """
    import matplotlib as mpl

    mpl.rcParams.update({"figure.dpi": dpi, "figure.figsize": figsize, "savefig.dpi": dpi,
                         "axes.grid": False, "font.size": 10,
                         "axes.prop_cycle": mpl.cycler(color=list(COLOURS))})
    np.set_printoptions(precision=4, suppress=True)


def grid_points(xlim, ylim, n=200):
    """An ``n x n`` grid over the rectangle, as columns ``(2, n*n)`` plus the mesh ``xx, yy`` ``(n, n)``."""
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}")
    xs = np.linspace(xlim[0], xlim[1], n)
    ys = np.linspace(ylim[0], ylim[1], n)
    xx, yy = np.meshgrid(xs, ys)
    return np.stack([xx.ravel(), yy.ravel()]), xx, yy


def evaluate_on_grid(fn, X, n=200, margin=0.5):
    """Evaluate ``fn`` (columns ``(2, k)`` -> ``(k,)`` or ``(1, k)``) on a grid around the points ``X`` ``(2, m)``.

    Returns ``xx, yy, values`` with ``values`` ``(n, n)``.
    """
    X = as_float_array(X, "X", ndim=2)
    check_shape(X, "X", (2, None))
    lo, hi = X.min(axis=1) - margin, X.max(axis=1) + margin
    G, xx, yy = grid_points((lo[0], hi[0]), (lo[1], hi[1]), n)
    values = np.asarray(fn(G), dtype=np.float64)
    if values.size != G.shape[1]:
        raise ValueError(f"fn must return one value per column of its (2, {G.shape[1]}) input, as (k,) or (1, k), "
                         f"got shape {values.shape}")
    values = values.reshape(xx.shape)
    return xx, yy, values


def plot_decision_boundary(ax, fn, X, y, n=200, title=None):
    """Shade ``fn``'s output over the plane, draw its 0.5 contour, and the labelled points."""
    xx, yy, values = evaluate_on_grid(fn, X, n)
    ax.contourf(xx, yy, values, levels=20, cmap="RdBu_r", alpha=0.6, vmin=0, vmax=1)
    if values.min() < 0.5 < values.max():
        ax.contour(xx, yy, values, levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[0], X[1], c=y, cmap="RdBu_r", edgecolors="k", linewidths=0.3, s=10, vmin=0, vmax=1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return values


def plot_history(ax, history, keys=("loss",), title=None):
    """Plot per-epoch curves from a ``Network.fit`` history."""
    for key in keys:
        values = history[key]
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.legend()
    if title:
        ax.set_title(title)


def show_images(axes, images, titles=None, cmap="gray_r"):
    """Draw ``images`` ``(k, h, w)`` on the flat sequence of ``axes``, without ticks."""
    axes = np.ravel(axes)
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(images):
            ax.imshow(images[i], cmap=cmap)
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
        else:
            ax.axis("off")
