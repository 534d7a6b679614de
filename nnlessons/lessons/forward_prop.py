"""Forward propagation, from one neuron to a batch through a whole network (notebook 04).

Shapes follow the package contract: a layer ``l`` has ``Wl`` ``(n_l, n_(l-1))``
(one row per neuron of the layer, one column per input) and ``bl`` ``(n_l, 1)``;
a batch ``X`` is ``(n_0, m)``, one example per column, and every layer computes

    Zl = Wl @ A(l-1) + bl        (n_l, m)
    Al = gl(Zl)                  (n_l, m)

``params`` is a dict ``{"W1": ..., "b1": ..., "W2": ...}`` as in ``Network.params``,
and ``activations`` one name per layer (``"relu"``, ``"sigmoid"``, ``"softmax"``, ...).

Besides the batched pass, this module holds the same pass written two other
ways, so the notebook can show that they agree: one example at a time
(``forward_loop``) and with examples as rows, the layout of PyTorch and
scikit-learn (``forward_rows``: ``Z = A_prev @ W.T + b.T``).
"""

import time

import numpy as np

from .._validation import as_float_array, as_labels, check_int, check_same_shape, check_shape, make_rng
from ..activations import get_activation
from ..layers import dense_forward
from ..network import Network
from ..plotting import grid_points


# ---------------------------------------------------------------- one neuron
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
    g, _ = get_activation(activation)
    z = float(x @ w + b)
    return z, float(g(np.array([z]))[0])


# ------------------------------------------------------------ forward passes
def _check_params(params, activations, n_inputs, x_name="X"):
    """Validate ``params`` against the activations and the number of input features;
    return the layer sizes ``[n0, n1, ...]`` and the parameters as float arrays."""
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict like {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    if isinstance(activations, str) or not isinstance(activations, (list, tuple)) or not activations:
        raise TypeError(f"activations must be a list of names, one per layer, got {activations!r}")
    sizes, arrays = [n_inputs], {}
    for l in range(1, len(activations) + 1):
        for key in (f"W{l}", f"b{l}"):
            if key not in params:
                raise ValueError(f"params has no {key!r}: {len(activations)} activations "
                                 f"need W1, b1, ..., W{len(activations)}, b{len(activations)}")
        W = as_float_array(params[f"W{l}"], f"params['W{l}']", ndim=2)
        if l == 1 and W.shape[1] != n_inputs:
            raise ValueError(f"{x_name} has {n_inputs} features per example but params['W1'] "
                             f"of shape {W.shape} expects {W.shape[1]}")
        check_shape(W, f"params['W{l}']", (None, sizes[-1]))
        b = as_float_array(params[f"b{l}"], f"params['b{l}']", ndim=2)
        check_shape(b, f"params['b{l}']", (W.shape[0], 1))
        get_activation(activations[l - 1])
        sizes.append(W.shape[0])
        arrays[f"W{l}"], arrays[f"b{l}"] = W, b
    return sizes, arrays


def forward_batch(X, params, activations):
    """The whole batch at once: ``A_L`` ``(n_L, m)`` for ``X`` ``(n_0, m)``."""
    X = as_float_array(X, "X", ndim=2)
    _, params = _check_params(params, activations, X.shape[0])
    A = X
    for l, name in enumerate(activations, start=1):
        Z, _ = dense_forward(A, params[f"W{l}"], params[f"b{l}"])
        A = get_activation(name)[0](Z)
    return A


def forward_two_layer(X, params):
    """``sigmoid(W2 @ relu(W1 @ X + b1) + b2)``: ``(n_2, m)`` for ``X`` ``(n_0, m)``."""
    return forward_batch(X, params, ["relu", "sigmoid"])


def forward_loop(X, params, activations):
    """The same pass one example (column) at a time, as a per-example loop would do it.

    Returns ``A_L`` ``(n_L, m)``, column ``j`` computed from ``X[:, j]`` alone.
    """
    X = as_float_array(X, "X", ndim=2)
    sizes, params = _check_params(params, activations, X.shape[0])
    out = np.empty((sizes[-1], X.shape[1]))
    for j in range(X.shape[1]):
        a = X[:, j:j + 1]  # (n_0, 1): a batch of one
        for l, name in enumerate(activations, start=1):
            a = get_activation(name)[0](params[f"W{l}"] @ a + params[f"b{l}"])
        out[:, j] = a[:, 0]
    return out


def forward_rows(X_rows, params, activations):
    """The pass in the rows layout of PyTorch and scikit-learn: ``X_rows`` ``(m, n_0)`` -> ``(m, n_L)``.

    Each layer computes ``Z = A_prev @ W.T + b.T`` ``(m, n_l)`` with the same ``W``
    ``(n_l, n_(l-1))`` and ``b`` ``(n_l, 1)``; softmax normalises each row (an example).
    """
    X_rows = as_float_array(X_rows, "X_rows", ndim=2)
    _, params = _check_params(params, activations, X_rows.shape[1], "X_rows")
    A = X_rows
    for l, name in enumerate(activations, start=1):
        Z = A @ params[f"W{l}"].T + params[f"b{l}"].T  # (m, n_l); b.T (1, n_l) is added to every row
        # The package's activations normalise columns (softmax), so apply them to Z.T.
        A = get_activation(name)[0](Z.T).T
    return A


def layout_difference(X, params, activations):
    """Largest ``|columns - rows|`` between ``forward_batch(X)`` and ``forward_rows(X.T).T``."""
    A_cols = forward_batch(X, params, activations)
    A_rows = forward_rows(as_float_array(X, "X", ndim=2).T, params, activations)
    return float(np.max(np.abs(A_cols - A_rows.T)))


def time_loop_vs_batch(X, params, activations, repeats=3):
    """Best-of-``repeats`` seconds for ``(forward_loop, forward_batch)`` on the same ``X``."""
    check_int(repeats, "repeats")
    times = []
    for fn in (forward_loop, forward_batch):
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            fn(X, params, activations)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    return tuple(times)


# -------------------------------------------------------------------- shapes
def _sizes_and_activations(network):
    if isinstance(network, Network):
        return network.sizes, network.activations
    if isinstance(network, (list, tuple)) and len(network) >= 2 and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 0 for n in network
    ):
        return [int(n) for n in network], ["?"] * (len(network) - 1)
    raise TypeError(f"network must be a Network or a list of layer sizes, got {network!r}")


def layer_shapes(network, m):
    """One dict per layer (the input first) with the shapes of ``W``, ``b``, ``Z`` and ``A`` for ``m`` examples.

    ``network`` is a ``Network`` or a list of layer sizes. Keys: ``layer``,
    ``activation``, ``W``, ``b``, ``Z``, ``A`` (shape tuples, ``None`` for the input
    row's ``W``, ``b``, ``Z``) and ``n_params``.
    """
    sizes, acts = _sizes_and_activations(network)
    check_int(m, "m")
    rows = [dict(layer=0, activation="input", W=None, b=None, Z=None, A=(sizes[0], m), n_params=0)]
    for l in range(1, len(sizes)):
        n_out, n_in = sizes[l], sizes[l - 1]
        rows.append(dict(layer=l, activation=acts[l - 1], W=(n_out, n_in), b=(n_out, 1),
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
    total = sum(r["n_params"] for r in rows)
    lines.append(f"{'total':<56}{total:>10}")
    return "\n".join(lines)


def cache_matches_table(cache, network):
    """True when every ``Al``/``Zl`` in ``cache`` (from ``network.forward``) has the shape ``layer_shapes`` predicts."""
    m = cache["A0"].shape[1]
    expected = {"A0": (network.sizes[0], m)}
    for r in layer_shapes(network, m)[1:]:
        expected[f"Z{r['layer']}"] = r["Z"]
        expected[f"A{r['layer']}"] = r["A"]
    return set(cache) == set(expected) and all(cache[k].shape == s for k, s in expected.items())


# --------------------------------------------------------------- predictions
def predict_classes(A):
    """Class labels ``(m,)`` from outputs ``A``: the argmax of each column of ``(n_classes, m)``,
    or, for one sigmoid unit ``(1, m)``, 1 where ``A > 0.5`` and 0 elsewhere."""
    A = as_float_array(A, "A", ndim=2)
    if A.shape[0] == 1:
        return (A[0] > 0.5).astype(np.int64)
    return A.argmax(axis=0)


def accuracy_score(pred, y):
    """Fraction of examples whose predicted label equals the true one: ``mean(pred == y)``, both ``(m,)``."""
    pred = as_labels(pred, "pred")
    y = as_labels(y, "y")
    check_same_shape(pred, y, "pred", "y")
    if pred.size == 0:
        raise ValueError("pred and y must hold at least one label, got none")
    return float(np.mean(pred == y))


# ---------------------------------------------------- the picture of a network
def random_network(sizes, *, rng, hidden="relu", output="sigmoid", bias_std=0.5, output_scale=1.0):
    """An untrained ``Network`` with the package's initial weights and Gaussian biases.

    The package starts biases at zero; random ones move the kinks of a ReLU
    network away from the origin, so the picture shows a typical random function.
    ``output_scale`` multiplies the last layer's ``W`` and ``b``: a larger one
    spreads a sigmoid output over more of (0, 1), for a picture with contrast.
    """
    rng = make_rng(rng)
    L = len(sizes) - 1
    loss = {"sigmoid": "binary_cross_entropy", "softmax": "categorical_cross_entropy"}.get(output, "mse")
    net = Network(list(sizes), [hidden] * (L - 1) + [output], loss, rng=rng, bias_init=bias_std)
    net.params[f"W{L}"] *= output_scale
    net.params[f"b{L}"] *= output_scale
    return net


def network_surface(network, lim=2.0, n=101):
    """Evaluate a 2-input, 1-output network on an ``n x n`` grid over ``[-lim, lim]^2``.

    Returns ``xx, yy, Z, A``, each ``(n, n)``: the grid, the output layer's
    pre-activation ``Z_L`` and its output ``A_L``.
    """
    if network.sizes[0] != 2 or network.sizes[-1] != 1:
        raise ValueError(f"network must have 2 inputs and 1 output, got sizes {network.sizes}")
    G, xx, yy = grid_points((-lim, lim), (-lim, lim), n)
    A, cache = network.forward(G)
    Z = cache[f"Z{network.n_layers}"]
    return xx, yy, Z.reshape(xx.shape), A.reshape(xx.shape)


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


def draw_surface(ax, xx, yy, A, title=None):
    """Shade an output in [0, 1] over the plane and draw its 0.5 contour (the decision boundary)."""
    mappable = ax.contourf(xx, yy, A, levels=np.linspace(0.0, 1.0, 21), cmap="RdBu_r")
    if A.min() < 0.5 < A.max():
        ax.contour(xx, yy, A, levels=[0.5], colors="k", linewidths=1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)
    return mappable


# ------------------------------------------------------------ network diagram
def network_diagram(sizes):
    """Node positions and edges for drawing a fully connected network.

    Returns ``(nodes, edges)``: ``nodes[(l, j)] = (x, y)`` for neuron ``j`` of
    layer ``l``, and ``edges``, a list of ``((l - 1, k), (l, j))``, one per entry
    ``Wl[j, k]`` of the weight matrices.
    """
    sizes, _ = _sizes_and_activations(list(sizes))
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
                    xytext=(0, 6), textcoords="offset points", ha="center", fontsize=9)
    for (l, j), (x, y) in nodes.items():
        ax.scatter([x], [y], s=300, color="white", edgecolors="k", zorder=3)
        ax.text(x, y, str(j), ha="center", va="center", fontsize=8, zorder=4)
    top = (max(sizes) - 1) / 2.0
    for l, n in enumerate(sizes):
        name = "input" if l == 0 else f"layer {l}"
        ax.text(l, top + 0.6, f"{name}\n({n})", ha="center", va="bottom", fontsize=9)
    for l in range(1, len(sizes)):
        ax.text(l - 0.5, -top - 0.7, f"$W_{l}$: {sizes[l]} x {sizes[l - 1]}\n$b_{l}$: {sizes[l]} x 1",
                ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-top - 1.7, top + 1.6)
    ax.set_axis_off()
