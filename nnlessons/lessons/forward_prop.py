"""Forward propagation, from one neuron to a batch through a whole network (notebook 04).

Shapes follow the package contract: a layer ``l`` has ``Wl`` ``(n_l, n_(l-1))``
and ``bl`` ``(n_l, 1)``; a batch ``X`` is ``(n_0, m)``, one example per column, and
every layer computes ``Zl = Wl @ A(l-1) + bl`` and ``Al = gl(Zl)``, both ``(n_l, m)``.

The notebook writes the batched layer loop itself; the reference is
``Network.forward``. This module holds what the notebook compares it with or
draws: one neuron, the same pass one example at a time (``forward_loop``) and
in the rows layout of PyTorch and scikit-learn (``forward_rows``), the shapes
of a network, the symmetry of equal weights, and pictures of a random network.
"""

import time

import numpy as np

from .._validation import as_float_array, check_int, check_same_shape, check_shape, check_sizes
from ..activations import get_activation
from ..network import Network
from ..plotting import grid_points

#: the loss that goes with each output activation, for a ``Network`` built from parameters
_LOSS_FOR_OUTPUT = {"sigmoid": "binary_cross_entropy", "softmax": "categorical_cross_entropy"}


def neuron(x, w, b, activation="sigmoid"):
    """One neuron: ``z = x . w + b`` and ``a = g(z)``, for ``x``, ``w`` ``(n,)`` and a number ``b``.

    Returns ``(z, a)`` as Python floats.
    """
    x = as_float_array(x, "x", ndim=1)
    w = as_float_array(w, "w", ndim=1)
    check_shape(w, "w", x.shape)
    b = as_float_array(b, "b")
    if b.ndim != 0:
        raise ValueError(f"b must be a single number, got shape {b.shape}")
    z = float(x @ w + b)
    return z, float(get_activation(activation)[0](np.array([z]))[0])


def network_from_params(params, activations):
    """A ``Network`` holding copies of ``params`` (``W1``, ``b1``, ...), one activation name per layer.

    Its loss is cross-entropy for a sigmoid or softmax output, squared error otherwise.
    ``Network`` checks the names and shapes.
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    if isinstance(activations, str) or not isinstance(activations, (list, tuple)) or not activations:
        raise TypeError(f"activations must be a list of names, one per layer, got {activations!r}")
    missing = [f"W{l}" for l in range(1, len(activations) + 1) if f"W{l}" not in params]
    if missing:
        raise ValueError(f"params has no {missing[0]!r}: {len(activations)} activations need "
                         f"W1, b1, ..., W{len(activations)}, b{len(activations)}")
    sizes = [np.shape(params["W1"])[-1]] + [np.shape(params[f"W{l}"])[0] for l in range(1, len(activations) + 1)]
    net = Network(sizes, list(activations), _LOSS_FOR_OUTPUT.get(activations[-1], "mse"), rng=0)
    net.set_params(params)
    return net


def forward(X, params, activations):
    """The reference of the notebook's exercise: ``(A_L, cache)`` for ``X`` ``(n_0, m)``.

    ``cache`` holds ``"A0"`` (= X) and every layer's ``"Zl"`` and ``"Al"``, computed by ``Network.forward``.
    """
    net = network_from_params(params, activations)
    A, cache = net.forward(X)
    keys = ["A0"] + [f"{k}{l}" for l in range(1, net.n_layers + 1) for k in "ZA"]
    return A, {k: cache[k] for k in keys}


def bound(x):
    """The smallest of 1e-15, 1e-12, ..., 1e-3, 1 above ``|x|``, as ``"below 1e-12"``.

    For differences that are rounding noise: their digits vary between machines, their bound does not.
    """
    x = abs(float(x))
    for exponent in (-15, -12, -9, -6, -3, 0):
        if x < 10.0**exponent:
            return f"below 1e{exponent}" if exponent else "below 1"
    return f"{x:.3g}"


def forward_loop(network, X):
    """The forward pass one example (column) at a time: ``A_L`` ``(n_L, m)``, column ``j`` from ``X[:, j]`` alone."""
    X = as_float_array(X, "X", ndim=2)
    return np.concatenate([network(X[:, j:j + 1]) for j in range(X.shape[1])], axis=1)


def forward_rows(network, X_rows):
    """The pass in the rows layout of PyTorch and scikit-learn: ``X_rows`` ``(m, n_0)`` -> ``(m, n_L)``.

    Each layer computes ``Z = A_prev @ W.T + b.T`` ``(m, n_l)`` with the network's own
    ``W`` ``(n_l, n_(l-1))`` and ``b`` ``(n_l, 1)``; softmax normalises each row (an example).
    """
    X_rows = as_float_array(X_rows, "X_rows", ndim=2)
    check_shape(X_rows, "X_rows", (None, network.sizes[0]))
    A = X_rows
    for l, name in enumerate(network.activations, start=1):
        Z = A @ network.params[f"W{l}"].T + network.params[f"b{l}"].T  # b.T (1, n_l) is added to every row
        # The package's activations normalise columns (softmax), so apply them to Z.T.
        A = get_activation(name)[0](Z.T).T
    return A


def time_loop_vs_batch(network, X, repeats=3):
    """Best-of-``repeats`` seconds for ``(forward_loop, network.forward)`` on the same ``X``."""
    check_int(repeats, "repeats")
    times = []
    for run in (lambda: forward_loop(network, X), lambda: network.forward(X)):
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return tuple(times)


# -------------------------------------------------------------------- shapes
def layer_shapes(network, m):
    """One dict per layer (the input first) with the shapes of ``W``, ``b``, ``Z`` and ``A`` for ``m`` examples.

    Keys: ``layer``, ``activation``, ``W``, ``b``, ``Z``, ``A`` (shape tuples, ``None``
    for the input row's ``W``, ``b``, ``Z``) and ``n_params``.
    """
    check_int(m, "m")
    sizes = network.sizes
    rows = [dict(layer=0, activation="input", W=None, b=None, Z=None, A=(sizes[0], m), n_params=0)]
    for l in range(1, len(sizes)):
        n_out, n_in = sizes[l], sizes[l - 1]
        rows.append(dict(layer=l, activation=network.activations[l - 1], W=(n_out, n_in), b=(n_out, 1),
                         Z=(n_out, m), A=(n_out, m), n_params=n_out * n_in + n_out))
    return rows


def shape_table(network, m):
    """``layer_shapes`` as a printable table, with the total number of parameters."""
    rows = layer_shapes(network, m)

    def cell(shape):
        return "-" if shape is None else str(shape)

    lines = [f"{'layer':<6}{'activation':<12}{'W':<14}{'b':<11}{'Z and A':<13}{'parameters':>10}"]
    for r in rows:
        n = str(r["n_params"]) if r["layer"] else "-"
        lines.append(f"{r['layer']:<6}{r['activation']:<12}{cell(r['W']):<14}{cell(r['b']):<11}"
                     f"{cell(r['A']):<13}{n:>10}")
    lines.append(f"{'total':<56}{sum(r['n_params'] for r in rows):>10}")
    return "\n".join(lines)


# ------------------------------------------------------------------ symmetry
def hidden_unit_spread(params, layer=1):
    """How different the units of one layer are: the largest ``|row j - row 0|`` over ``Wl`` and ``bl``.

    0 means every unit of the layer has the same weights and bias, so it computes the same thing.
    """
    W, b = params[f"W{layer}"], params[f"b{layer}"]
    return float(max(np.max(np.abs(W - W[:1])), np.max(np.abs(b - b[:1]))))


# --------------------------------------------------------------- the picture
def network_surface(network, lim=2.0, n=101):
    """Evaluate a 2-input, 1-output network on an ``n x n`` grid over ``[-lim, lim]^2``.

    Returns ``xx, yy, Z, A, pieces``: the grid, the output layer's ``Z_L`` and ``A_L``,
    each ``(n, n)``, and the number of flat pieces of ``Z_L`` on the grid: the number
    of different on/off patterns of the hidden ReLUs (1 without hidden layers).
    """
    if network.sizes[0] != 2 or network.sizes[-1] != 1:
        raise ValueError(f"network must have 2 inputs and 1 output, got sizes {network.sizes}")
    G, xx, yy = grid_points((-lim, lim), (-lim, lim), n)
    A, cache = network.forward(G)
    L = network.n_layers
    # Where no hidden unit switches on or off, Z_L is one affine function: a flat piece.
    pattern = np.concatenate([cache[f"Z{l}"] > 0 for l in range(1, L)] + [np.zeros((1, G.shape[1]), bool)])
    pieces = len(np.unique(np.packbits(pattern, axis=0), axis=1).T)
    return xx, yy, cache[f"Z{L}"].reshape(xx.shape), A.reshape(xx.shape), pieces


def plane_fit_r2(xx, yy, values):
    """R^2 of the best plane ``c0 + c1 x + c2 y`` through ``values`` over the grid: 1 means exactly a plane."""
    xx = as_float_array(xx, "xx")
    yy = as_float_array(yy, "yy")
    values = as_float_array(values, "values")
    check_same_shape(xx, values, "xx", "values")
    check_same_shape(yy, values, "yy", "values")
    v = values.ravel()
    D = np.stack([np.ones_like(v), xx.ravel(), yy.ravel()], axis=1)
    coef = np.linalg.lstsq(D, v, rcond=None)[0]
    ss_tot = np.sum((v - v.mean()) ** 2)
    if ss_tot == 0:
        return 1.0
    return float(1.0 - np.sum((v - D @ coef) ** 2) / ss_tot)


def draw_surface(ax, xx, yy, Z, title=None):
    """Shade ``Z_L`` over the plane and draw the 0 contour, where the output is 0.5.

    Red is positive, blue negative, white 0: ten bands on each side of 0, each side
    stretched over its own range so that the flat pieces stay visible on both.
    """
    from matplotlib.colors import TwoSlopeNorm

    low, high = min(float(Z.min()), -1e-12), max(float(Z.max()), 1e-12)
    levels = np.concatenate([np.linspace(low, 0.0, 11), np.linspace(0.0, high, 11)[1:]])
    mappable = ax.contourf(xx, yy, Z, levels=levels, cmap="RdBu_r",
                           norm=TwoSlopeNorm(0.0, low, high))
    if Z.min() < 0 < Z.max():
        ax.contour(xx, yy, Z, levels=[0.0], colors="k", linewidths=1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return mappable


# ------------------------------------------------------------ network diagram
def network_diagram(sizes):
    """Node positions and edges for drawing a fully connected network.

    Returns ``(nodes, edges)``: ``nodes[(l, j)] = (x, y)`` for neuron ``j`` of
    layer ``l``, and ``edges``, a list of ``((l - 1, k), (l, j))``, one per entry
    ``Wl[j, k]`` of the weight matrices.
    """
    sizes = check_sizes(sizes)
    # Neuron 0 at the top, every layer centred on y = 0.
    nodes = {(l, j): (float(l), (n - 1) / 2.0 - j) for l, n in enumerate(sizes) for j in range(n)}
    edges = [((l - 1, k), (l, j)) for l in range(1, len(sizes))
             for j in range(sizes[l]) for k in range(sizes[l - 1])]
    return nodes, edges


def draw_network(ax, sizes, highlight=None):
    """Draw the network; ``highlight=(l, j, k)`` marks the edge of ``Wl[j, k]`` and labels it."""
    nodes, edges = network_diagram(sizes)
    for (a, b) in edges:
        (x0, y0), (x1, y1) = nodes[a], nodes[b]
        ax.plot([x0, x1], [y0, y1], color="0.75", lw=0.8, zorder=1)
    if highlight is not None:
        l, j, k = highlight
        (x0, y0), (x1, y1) = nodes[(l - 1, k)], nodes[(l, j)]
        ax.plot([x0, x1], [y0, y1], color="C3", lw=2, zorder=2)
        ax.annotate(f"$W_{l}$[{j}, {k}]", ((x0 + x1) / 2, (y0 + y1) / 2), color="C3",
                    xytext=(0, 6), textcoords="offset points", ha="center", fontsize=10)
    for (l, j), (x, y) in nodes.items():
        ax.scatter([x], [y], s=300, color="white", edgecolors="k", zorder=3)
        ax.text(x, y, str(j), ha="center", va="center", fontsize=9, zorder=4)
    top = (max(sizes) - 1) / 2.0
    for l, n in enumerate(sizes):
        name = "input" if l == 0 else f"layer {l}"
        ax.text(l, top + 0.6, f"{name}\n({n})", ha="center", va="bottom", fontsize=10)
    for l in range(1, len(sizes)):
        ax.text(l - 0.5, -top - 0.7, f"$W_{l}$: {sizes[l]} x {sizes[l - 1]}\n$b_{l}$: {sizes[l]} x 1",
                ha="center", va="top", fontsize=10)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-top - 1.7, top + 1.6)
    ax.set_axis_off()
