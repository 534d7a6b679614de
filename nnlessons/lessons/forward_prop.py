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
def activation_regions(network, lim=2.0, n=101):
    """The flat pieces of a 2-input, 1-output network's ``Z_L`` on an ``n x n`` grid over ``[-lim, lim]^2``.

    Returns ``xx, yy, Z, A, regions, pieces``: the grid, the output layer's ``Z_L`` and ``A_L``
    and an int label per grid point, each ``(n, n)``, and the number of pieces. Two points get the
    same label when every hidden ReLU is on at one exactly where it is on at the other: there
    ``Z_L`` is one affine function, a flat piece (1 piece without hidden layers).
    """
    if network.sizes[0] != 2 or network.sizes[-1] != 1:
        raise ValueError(f"network must have 2 inputs and 1 output, got sizes {network.sizes}")
    G, xx, yy = grid_points((-lim, lim), (-lim, lim), n)
    A, cache = network.forward(G)
    L = network.n_layers
    pattern = np.concatenate([cache[f"Z{l}"] > 0 for l in range(1, L)] + [np.zeros((1, G.shape[1]), bool)])
    _, regions = np.unique(np.packbits(pattern, axis=0), axis=1, return_inverse=True)
    regions = regions.reshape(xx.shape)
    return (xx, yy, cache[f"Z{L}"].reshape(xx.shape), A.reshape(xx.shape), regions,
            int(regions.max()) + 1)


def network_surface(network, lim=2.0, n=101):
    """``xx, yy, Z, A, pieces`` of ``activation_regions``: the grid, ``Z_L``, ``A_L`` and the number of pieces."""
    xx, yy, Z, A, _, pieces = activation_regions(network, lim, n)
    return xx, yy, Z, A, pieces


def colour_regions(regions):
    """A colour index per region such that regions sharing a grid edge differ; ``(n, n)`` ints from 0.

    Greedy colouring, fewest neighbours last (a map of pieces of the plane needs at most 6 colours
    this way): so the number of pieces one sees equals the number of regions.
    """
    regions = np.asarray(regions)
    pairs = np.concatenate([np.stack([regions[:, :-1].ravel(), regions[:, 1:].ravel()]),
                            np.stack([regions[:-1].ravel(), regions[1:].ravel()])], axis=1)
    pairs = np.unique(pairs[:, pairs[0] != pairs[1]], axis=1)
    k = int(regions.max()) + 1
    neighbours = [set() for _ in range(k)]
    for a, b in pairs.T:
        neighbours[a].add(int(b))
        neighbours[b].add(int(a))
    # Smallest-last order: repeatedly set aside a region with the fewest neighbours left.
    left, order = {r: set(neighbours[r]) for r in range(k)}, []
    while left:
        r = min(left, key=lambda q: (len(left[q]), q))
        order.append(r)
        for q in left.pop(r):
            left[q].discard(r)
    colour = {}
    for r in reversed(order):
        used = {colour[q] for q in neighbours[r] if q in colour}
        colour[r] = next(c for c in range(k + 1) if c not in used)
    return np.array([colour[r] for r in range(k)])[regions]


#: light, colour-blind-safe fills for the pieces (Paul Tol's "light" scheme), dark lines stay visible on them
PIECE_COLOURS = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#DDDDDD")


def hidden_lines(network):
    """The lines where each first-layer unit's pre-activation is 0: a list of ``(w1, w2, b)``, ``w1 x1 + w2 x2 + b = 0``."""
    if network.sizes[0] != 2:
        raise ValueError(f"network must have 2 inputs, got sizes {network.sizes}")
    if network.n_layers < 2:
        return []
    W, b = network.params["W1"], network.params["b1"]
    return [(float(W[j, 0]), float(W[j, 1]), float(b[j, 0])) for j in range(W.shape[0])]


def _draw_line(ax, w1, w2, b, lim, **style):
    """Draw ``w1 x1 + w2 x2 + b = 0`` across the square ``[-lim, lim]^2`` (nothing if ``w`` is 0)."""
    t = np.linspace(-lim, lim, 2)
    if abs(w2) >= abs(w1) and w2 != 0:
        ax.plot(t, -(w1 * t + b) / w2, **style)
    elif w1 != 0:
        ax.plot(-(w2 * t + b) / w1, t, **style)


def draw_pieces(ax, network, lim=2.0, n=301, title=None):
    """Colour each flat piece of the network's ``Z_L`` (neighbours in different colours), draw the hidden
    units' lines (dashed) and the boundary ``Z_L = 0`` (solid). Returns the number of pieces."""
    from matplotlib.colors import ListedColormap

    xx, yy, Z, _, regions, pieces = activation_regions(network, lim, n)
    colours = colour_regions(regions)
    ax.imshow(colours, origin="lower", extent=(-lim, lim, -lim, lim), interpolation="nearest",
              cmap=ListedColormap(PIECE_COLOURS), vmin=0, vmax=len(PIECE_COLOURS) - 1)
    for w1, w2, b in hidden_lines(network):
        _draw_line(ax, w1, w2, b, lim, color="0.25", lw=0.8, ls="--")
    if Z.min() < 0 < Z.max():
        ax.contour(xx, yy, Z, levels=[0.0], colors="k", linewidths=2)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return pieces


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


# ------------------------------------------------------------ network diagram
def network_diagram(sizes):
    """Node positions and edges for drawing a fully connected network.

    Returns ``(nodes, edges)``: ``nodes[(l, j)] = (x, y)`` for neuron ``j`` of
    layer ``l``, and ``edges``, a list of ``((l - 1, k), (l, j))``, one per entry
    ``Wl[j, k]`` of the weight matrices.
    """
    sizes = check_sizes(sizes)
    # Neuron 0 (unit 1 of the formulas) at the top, every layer centred on y = 0.
    nodes = {(l, j): (float(l), (n - 1) / 2.0 - j) for l, n in enumerate(sizes) for j in range(n)}
    edges = [((l - 1, k), (l, j)) for l in range(1, len(sizes))
             for j in range(sizes[l]) for k in range(sizes[l - 1])]
    return nodes, edges


def draw_network(ax, sizes, highlight=None):
    """Draw the network, units numbered from 1 as in the formulas; ``highlight=(l, j, k)`` marks the edge of
    ``(W_l)_{jk}`` (``Wl[j - 1, k - 1]`` in code), from unit ``k`` of layer ``l - 1`` into unit ``j``, and labels it."""
    nodes, edges = network_diagram(sizes)
    for (a, b) in edges:
        (x0, y0), (x1, y1) = nodes[a], nodes[b]
        ax.plot([x0, x1], [y0, y1], color="0.75", lw=0.8, zorder=1)
    if highlight is not None:
        l, j, k = highlight
        (x0, y0), (x1, y1) = nodes[(l - 1, k - 1)], nodes[(l, j - 1)]
        ax.plot([x0, x1], [y0, y1], color="C3", lw=2, zorder=2)
        ax.annotate(f"$(W_{l})_{{{j}{k}}}$", ((x0 + x1) / 2, (y0 + y1) / 2), color="C3",
                    xytext=(0, 6), textcoords="offset points", ha="center", fontsize=10)
    for (l, j), (x, y) in nodes.items():
        ax.scatter([x], [y], s=300, color="white", edgecolors="k", zorder=3)
        ax.text(x, y, str(j + 1), ha="center", va="center", fontsize=9, zorder=4)
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


# ------------------------------------------------- the exercise: a square by hand
#: the points within this fraction of r of the square's edge are left out of the data and the grid:
#: the boundary must fall in that band, not exactly on the edge
SQUARE_BAND = 0.15


def inside_square(X, r):
    """1 where the column of ``X`` ``(2, m)`` lies inside the square ``|x1| < r, |x2| < r``, else 0: ``(m,)`` ints."""
    return (np.max(np.abs(X), axis=0) < r).astype(int)


def square_points(X, r):
    """The columns of ``X`` farther than ``SQUARE_BAND * r`` from the square's edge, with their labels."""
    X = as_float_array(X, "X", ndim=2)
    keep = np.abs(np.max(np.abs(X), axis=0) - r) > SQUARE_BAND * r
    return X[:, keep], inside_square(X[:, keep], r)


def square_data(m, r=1.0, *, rng):
    """``m`` points uniform over ``[-2r, 2r]^2``, none within ``SQUARE_BAND * r`` of the square ``|x| < r``.

    Returns ``X`` ``(2, m)`` and ``y`` ``(m,)``: 1 inside the square, 0 outside.
    """
    check_int(m, "m")
    rng = np.random.default_rng(rng)
    kept = np.empty((2, 0))
    while kept.shape[1] < m:
        kept = np.concatenate([kept, square_points(rng.uniform(-2 * r, 2 * r, (2, 2 * m)), r)[0]], axis=1)
    X = kept[:, :m]
    return X, inside_square(X, r)


def square_grid(r, n=81):
    """The ``n x n`` grid over ``[-2r, 2r]^2`` without the band around the square's edge: ``(X, y)`` as ``square_data``."""
    return square_points(grid_points((-2 * r, 2 * r), (-2 * r, 2 * r), n)[0], r)


def square_network(r):
    """Reference answer of the notebook's exercise: ``W1, b1, W2, b2`` of a [2, 4, 1] ReLU-sigmoid network
    whose output is above 0.5 exactly inside the square ``|x1| < r, |x2| < r`` (up to ``r / 10``)."""
    W1 = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])  # one unit per side, on beyond it
    b1 = np.full((4, 1), -float(r))
    W2 = -np.ones((1, 4))  # any unit that is on pulls z2 down
    b2 = np.array([[r / 10]])  # inside every unit is off, so z2 = b2 > 0 there
    return W1, b1, W2, b2


def predict_two_layer(W1, b1, W2, b2, X):
    """Class 1 where ``sigmoid(W2 relu(W1 X + b1) + b2) > 0.5``: ``(m,)`` ints, with ``Z1`` ``(n_1, m)``."""
    relu, sigmoid = get_activation("relu")[0], get_activation("sigmoid")[0]
    Z1 = W1 @ X + b1
    A2 = sigmoid(W2 @ relu(Z1) + b2)
    return (A2[0] > 0.5).astype(int), Z1


# ------------------------------------------------------ digits through a network
def draw_digit_outputs(axes, images, probs, labels):
    """Each image (top row) over a bar chart of its 10 output probabilities (bottom row), uniform 0.1 dashed."""
    k = len(images)
    top = max(0.35, float(np.max(probs[:, :k])) * 1.1)
    for i in range(k):
        axes[0, i].imshow(images[i], cmap="gray_r")
        axes[0, i].set_xticks([])
        axes[0, i].set_yticks([])
        axes[0, i].set_title(f"label {labels[i]}", fontsize=10)
        ax = axes[1, i]
        ax.bar(np.arange(10), probs[:, i], color="C0")
        ax.axhline(0.1, color="0.3", ls="--", lw=1)
        ax.set_ylim(0, top)
        ax.set_xticks(range(0, 10, 3))
        ax.set_xlabel("digit")
        if i == 0:
            ax.set_ylabel("probability")
        else:
            ax.set_yticklabels([])
