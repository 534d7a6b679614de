"""Why a stack of linear layers is just one layer: the helpers of notebook 03.

Without an activation function, layer ``l`` computes ``a_l = W_l a_(l-1) + b_l``.
Substituting layer into layer gives, for any depth ``L``,

    a_L = (W_L ... W_2 W_1) x + (W_L ... W_2 b_1 + ... + W_L b_(L-1) + b_L)
        = W x + b,

one affine map. ``collapse`` builds ``(W, b)`` with the recursion
``W <- W_l W``, ``b <- W_l b + b_l``, one layer at a time.

The small network of the notebook (1 input, 2 neurons, 2 neurons, 1 output)
is also written out neuron by neuron, with one named number per weight:
``"w2_12"`` is the weight from neuron 2 of layer 1 into neuron 1 of layer 2,
the entry ``W2[0, 1]`` of the matrix form; ``"b2_1"`` is that neuron's bias.

One hidden layer of ReLU units with one input and one output is a broken line:
``relu_kinks`` finds where it bends, ``relu_network_1d`` evaluates it, and
``abs_parameters`` / ``bump_parameters`` are weights set by hand for ``|x|`` and
a triangular bump (the answers to the notebook's exercises 2 and 3).

Shapes follow the package: ``W_l`` ``(n_l, n_(l-1))``, ``b_l`` ``(n_l, 1)``,
inputs as columns ``X`` ``(n_0, m)``.
"""

import numpy as np

from .._validation import as_float_array, check_int, check_shape, make_rng
from ..network import Network

#: the 13 parameters of the 1-2-2-1 network, layer by layer
TINY_NAMES = ("w1_11", "w1_21", "b1_1", "b1_2",
              "w2_11", "w2_12", "w2_21", "w2_22", "b2_1", "b2_2",
              "w3_11", "w3_12", "b3_1")


# ------------------------------------------------------------ the 1-2-2-1 network
def tiny_weights(*, rng):
    """Random standard-normal values for the 13 named parameters: a dict name -> float."""
    rng = make_rng(rng)
    return {name: float(v) for name, v in zip(TINY_NAMES, rng.standard_normal(len(TINY_NAMES)))}


def _check_tiny(p):
    if not isinstance(p, dict) or set(p) != set(TINY_NAMES):
        got = sorted(p) if isinstance(p, dict) else type(p).__name__
        raise ValueError(f"p must be a dict with the names {list(TINY_NAMES)}, got {got}")


def tiny_network(x, p):
    """The 1-2-2-1 network without activations, one neuron per line.

    ``x`` is a number or an array of inputs (any shape); the output has its shape.
    """
    _check_tiny(p)
    x = as_float_array(x, "x")
    # layer 1: two neurons, each sees the input x
    a1_1 = p["w1_11"] * x + p["b1_1"]
    a1_2 = p["w1_21"] * x + p["b1_2"]
    # layer 2: two neurons, each sees both neurons of layer 1
    a2_1 = p["w2_11"] * a1_1 + p["w2_12"] * a1_2 + p["b2_1"]
    a2_2 = p["w2_21"] * a1_1 + p["w2_22"] * a1_2 + p["b2_2"]
    # layer 3: one output neuron
    return p["w3_11"] * a2_1 + p["w3_12"] * a2_2 + p["b3_1"]


def tiny_B_C(p):
    """``(B, C)`` with ``tiny_network(x, p) == B x + C``, from the fully expanded products.

    ``B`` sums, over the 4 paths from the input to the output, the product of
    the 3 weights on the path. ``C`` sums, over every bias, that bias times the
    product of the weights on each path from its neuron to the output.
    """
    _check_tiny(p)
    w = p
    B = (w["w3_11"] * w["w2_11"] * w["w1_11"] + w["w3_11"] * w["w2_12"] * w["w1_21"]
         + w["w3_12"] * w["w2_21"] * w["w1_11"] + w["w3_12"] * w["w2_22"] * w["w1_21"])
    C = (w["w3_11"] * w["w2_11"] * w["b1_1"] + w["w3_11"] * w["w2_12"] * w["b1_2"]
         + w["w3_12"] * w["w2_21"] * w["b1_1"] + w["w3_12"] * w["w2_22"] * w["b1_2"]
         + w["w3_11"] * w["b2_1"] + w["w3_12"] * w["b2_2"]
         + w["b3_1"])
    return B, C


def tiny_paths(p):
    """The 4 paths from the input to the output, each as ``(weight names, product of the 3 weights)``.

    The path through neuron ``j`` of layer 1 and neuron ``k`` of layer 2 uses
    ``w1_j1``, ``w2_kj`` and ``w3_1k``; the 4 products sum to ``B`` of ``tiny_B_C``.
    """
    _check_tiny(p)
    paths = []
    for j in (1, 2):
        for k in (1, 2):
            names = (f"w1_{j}1", f"w2_{k}{j}", f"w3_1{k}")
            paths.append((names, float(p[names[0]] * p[names[1]] * p[names[2]])))
    return paths


#: where ``draw_tiny_network`` puts each neuron: (layer, neuron) -> (x, y)
_TINY_POSITIONS = {(0, 1): (0.0, 0.0), (1, 1): (1.4, 0.8), (1, 2): (1.4, -0.8),
                   (2, 1): (2.8, 0.8), (2, 2): (2.8, -0.8), (3, 1): (4.2, 0.0)}


def draw_tiny_network(ax, p, highlight=(), color="C3"):
    """Draw the 1-2-2-1 network as a graph on ``ax``, each edge labelled with its weight.

    ``highlight``: weight names (e.g. one path of ``tiny_paths``) drawn thick in ``color``.
    """
    _check_tiny(p)
    highlight = set(highlight)
    for name in TINY_NAMES:
        if not name.startswith("w"):
            continue
        layer, j, k = int(name[1]), int(name[3]), int(name[4])
        (x0, y0), (x1, y1) = _TINY_POSITIONS[(layer - 1, k)], _TINY_POSITIONS[(layer, j)]
        on = name in highlight
        ax.plot([x0, x1], [y0, y1], color=color if on else "0.75", lw=3 if on else 1, zorder=1)
        # crossing edges are labelled a quarter of the way along, where they are still apart
        t = 0.25 if (layer == 2 and j != k) else 0.5
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), f"{p[name]:+.2f}", ha="center", va="center",
                fontsize=10, color=color if on else "0.35", fontweight="bold" if on else "normal", zorder=3,
                bbox=dict(facecolor="white", edgecolor="none", pad=0.5))
    labels = {(0, 1): "x", (3, 1): "ŷ"}
    for (layer, j), (x, y) in _TINY_POSITIONS.items():
        ax.scatter([x], [y], s=420, color="white", edgecolors="k", zorder=2)
        ax.text(x, y, labels.get((layer, j), f"{layer},{j}"), ha="center", va="center", fontsize=9, zorder=3)
    ax.set_xlim(-0.4, 4.6)
    ax.set_ylim(-1.2, 1.2)
    ax.axis("off")


def tiny_layers(p):
    """The same parameters as matrices: ``[(W1 (2,1), b1 (2,1)), (W2 (2,2), b2 (2,1)), (W3 (1,2), b3 (1,1))]``."""
    _check_tiny(p)
    W1 = np.array([[p["w1_11"]], [p["w1_21"]]])
    b1 = np.array([[p["b1_1"]], [p["b1_2"]]])
    W2 = np.array([[p["w2_11"], p["w2_12"]], [p["w2_21"], p["w2_22"]]])
    b2 = np.array([[p["b2_1"]], [p["b2_2"]]])
    W3 = np.array([[p["w3_11"], p["w3_12"]]])
    b3 = np.array([[p["b3_1"]]])
    return [(W1, b1), (W2, b2), (W3, b3)]


# -------------------------------------------------------------- any depth
def _check_layers(layers):
    """Validate a non-empty list of ``(W, b)`` whose shapes chain; return float64 copies."""
    if not isinstance(layers, (list, tuple)) or len(layers) == 0:
        got = "an empty list" if isinstance(layers, (list, tuple)) else type(layers).__name__
        raise ValueError(f"layers must be a non-empty list of (W, b) pairs, got {got}")
    out = []
    n_prev = None
    for l, pair in enumerate(layers, start=1):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"layers[{l - 1}] must be a pair (W, b), got {type(pair).__name__}")
        W = as_float_array(pair[0], f"W of layer {l}")
        check_shape(W, f"W of layer {l}", (None, n_prev))
        b = as_float_array(pair[1], f"b of layer {l}")
        check_shape(b, f"b of layer {l}", (W.shape[0], 1))
        out.append((W, b))
        n_prev = W.shape[0]
    return out


def collapse(layers):
    """One affine map ``(W, b)`` equal to the stack of linear layers ``[(W1, b1), ..., (WL, bL)]``.

    ``W = WL ... W2 W1`` is ``(n_L, n_0)`` and ``b = WL ... W2 b1 + ... + WL b(L-1) + bL``
    is ``(n_L, 1)``, so that the stack maps ``X`` ``(n_0, m)`` to ``W @ X + b``.
    The inputs are not modified.
    """
    layers = _check_layers(layers)
    W, b = layers[0][0].copy(), layers[0][1].copy()
    for W_l, b_l in layers[1:]:
        # the layers so far map x to W x + b; the next layer maps that to W_l (W x + b) + b_l
        W = W_l @ W
        b = W_l @ b + b_l
    return W, b


def network_layers(net):
    """The parameters of a ``Network`` as a list of ``(W, b)`` pairs, layer 1 first (no copies)."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a nnlessons.Network, got {type(net).__name__}")
    return [(net.params[f"W{l}"], net.params[f"b{l}"]) for l in range(1, net.n_layers + 1)]


def network_from_layers(layers, activations="identity", loss="mse"):
    """A ``Network`` whose parameters are copies of ``layers`` ``[(W1, b1), ..., (WL, bL)]``."""
    layers = _check_layers(layers)
    sizes = [layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers]
    net = Network(sizes, activations, loss, rng=0)  # the drawn weights are replaced below
    net.set_params({f"{k}{l}": v for l, pair in enumerate(layers, start=1) for k, v in zip("Wb", pair)})
    return net


def random_orthogonal(n, *, rng, count=None):
    """A random orthogonal matrix ``(n, n)`` (or ``count`` of them, ``(count, n, n)``).

    ``Q`` from the QR factorisation of a standard-normal matrix, with the signs of
    its columns fixed by those of ``R``'s diagonal so that every orthogonal matrix
    is equally likely. ``Q.T @ Q = I``, so ``||Q x|| = ||x||`` for every ``x``.
    """
    check_int(n, "n")
    if count is not None and (not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count < 1):
        raise ValueError(f"count must be a positive int or None, got {count!r}")
    rng = make_rng(rng)
    G = rng.standard_normal((1 if count is None else count, n, n))
    Q, R = np.linalg.qr(G)
    Q = Q * np.sign(np.diagonal(R, axis1=1, axis2=2))[:, None, :]
    return Q[0] if count is None else Q


def deep_linear_network(width, depth, *, rng, weights="orthogonal", bias_std=0.0, n_in=None, n_out=None):
    """A ``Network`` of ``depth`` layers of ``width`` neurons, all with the identity activation.

    ``weights``: ``"orthogonal"`` (random orthogonal matrices, which keep the size of
    any signal exactly, at any depth), ``"gaussian"`` (standard deviation
    ``1/sqrt(width)``, the package's default for such layers) or a number (that
    standard deviation). Biases are Gaussian with standard deviation ``bias_std``.
    Inputs and outputs have ``width`` features unless ``n_in`` / ``n_out`` say
    otherwise (``n_in=1, n_out=1``: one number in, one out); an orthogonal first
    or last layer is then cut from an orthogonal matrix (orthonormal columns or rows).
    """
    check_int(depth, "depth")
    rng = make_rng(rng)
    n_in = width if n_in is None else check_int(n_in, "n_in")
    n_out = width if n_out is None else check_int(n_out, "n_out")
    sizes = [n_in] + [width] * (depth - 1) + [n_out]
    if weights in ("orthogonal", "gaussian"):
        net = Network(sizes, "identity", "mse", rng=rng, bias_init=bias_std)
    elif isinstance(weights, (int, float)) and not isinstance(weights, bool):
        net = Network(sizes, "identity", "mse", rng=rng, init=weights, bias_init=bias_std)
    else:
        raise ValueError(f"weights must be 'orthogonal', 'gaussian' or a standard deviation, got {weights!r}")
    if weights == "orthogonal":
        Qs = random_orthogonal(width, rng=rng, count=depth)
        for l in range(1, depth + 1):
            net.params[f"W{l}"] = Qs[l - 1][:sizes[l], :sizes[l - 1]].copy()
    return net


def signal_log10_norms(net, x):
    """``log10 ||W_l ... W_2 W_1 x||`` for ``l = 0, 1, ..., L``: an array ``(L + 1,)``.

    Follows one input column ``x`` ``(n_0,)`` or ``(n_0, 1)`` through the weights of
    ``net`` (biases left out: the size the weights give the signal). The vector is
    rescaled to unit length after each layer and the scale kept as a logarithm, so
    the result stays finite where the signal itself would overflow float64
    (beyond 1e308) or underflow to 0.
    """
    layers = network_layers(net)
    x = as_float_array(x, "x")
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    check_shape(x, "x", (layers[0][0].shape[1], 1))
    out = np.empty(len(layers) + 1)
    norm = np.linalg.norm(x)
    if norm == 0:
        raise ValueError("x must not be the zero vector")
    v, log_scale = x / norm, np.log10(norm)
    out[0] = log_scale
    for l, (W, _) in enumerate(layers, start=1):
        v = W @ v
        norm = np.linalg.norm(v)
        if norm == 0:
            out[l:] = -np.inf
            break
        v, log_scale = v / norm, log_scale + np.log10(norm)
        out[l] = log_scale
    return out


# ------------------------------------------------------- fitting a curve
def least_squares_line(X, Y):
    """The straight line ``W x + b`` with the smallest mean squared error on the points.

    ``X`` and ``Y`` are ``(1, m)``; returns ``W`` ``(1, 1)`` and ``b`` ``(1, 1)``,
    solved exactly (``np.linalg.lstsq`` on the columns ``[x, 1]``).
    """
    X = as_float_array(X, "X")
    check_shape(X, "X", (1, None))
    Y = as_float_array(Y, "Y")
    check_shape(Y, "Y", (1, X.shape[1]))
    if X.shape[1] < 2 or np.ptp(X) == 0:
        raise ValueError("X must hold at least two different inputs to define a line")
    A = np.stack([X[0], np.ones(X.shape[1])], axis=1)
    (w, b), *_ = np.linalg.lstsq(A, Y[0], rcond=None)
    return np.array([[w]]), np.array([[b]])


def layer_gradient_norms(net, X, Y):
    """``||dW_l||`` (Frobenius norm) of the cost gradient for each layer ``l = 1..L``: array ``(L,)``."""
    if not isinstance(net, Network):
        raise TypeError(f"net must be a nnlessons.Network, got {type(net).__name__}")
    _, grads = net.loss_and_grads(X, Y)
    return np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, net.n_layers + 1)])


# -------------------------------------------------------------- ReLU kinks
def _one_hidden_layer(W1, b1, W2):
    """``W1`` ``(n, 1)``, ``b1`` ``(n, 1)``, ``W2`` ``(1, n)`` of a one-input, one-output network, as float arrays."""
    W1 = as_float_array(W1, "W1")
    check_shape(W1, "W1", (None, 1))
    n = W1.shape[0]
    b1 = as_float_array(b1, "b1")
    check_shape(b1, "b1", (n, 1))
    W2 = as_float_array(W2, "W2")
    check_shape(W2, "W2", (1, n))
    return W1, b1, W2


def relu_kinks(W1, b1, W2):
    """Where the slope of ``f(x) = W2 relu(W1 x + b1) + b2`` changes: sorted positions ``(k,)``.

    One input, one hidden layer of ``n`` ReLU units, one output: ``W1`` and ``b1``
    ``(n, 1)``, ``W2`` ``(1, n)``. Unit ``j`` switches on or off at
    ``x = -b1[j] / W1[j]``, where the slope of ``f`` jumps by ``W2[j] |W1[j]|``.
    A unit with a zero input or output weight makes no kink; units sharing a
    switching point make one kink there (none if their jumps cancel). So
    ``k <= n``: ``f`` is made of at most ``n + 1`` straight pieces.
    """
    W1, b1, W2 = _one_hidden_layer(W1, b1, W2)
    w, c, v = W1[:, 0], b1[:, 0], W2[0]
    on = (w != 0) & (v != 0)
    points = -c[on] / w[on]
    jumps = v[on] * np.abs(w[on])
    order = np.argsort(points, kind="stable")
    points, jumps = points[order], jumps[order]
    kinks = []
    i = 0
    while i < points.size:
        # gather the units that switch at (numerically) the same point
        j = i + 1
        while j < points.size and np.isclose(points[j], points[i], rtol=1e-12, atol=1e-12):
            j += 1
        total = jumps[i:j].sum()
        if abs(total) > 1e-12 * np.abs(jumps[i:j]).sum():
            kinks.append(points[i])
        i = j
    return np.array(kinks, dtype=np.float64)


def numerical_kinks(x, y, tol=1e-8):
    """Approximate positions where the polyline through ``(x, y)`` bends, from its slopes.

    ``x`` ``(k,)`` increasing and ``y`` ``(k,)`` are samples of a function. A kink
    between grid points bends the slope of one or two neighbouring intervals, so
    consecutive bends count as one kink, placed at their mean. A bend is a slope
    change larger than ``tol`` times the largest slope. Returns an array of positions.
    """
    x = as_float_array(x, "x", ndim=1)
    y = as_float_array(y, "y", ndim=1)
    if x.shape != y.shape or x.size < 3:
        raise ValueError(f"x and y must be 1-D of the same length >= 3, got {x.shape} and {y.shape}")
    if np.any(np.diff(x) <= 0):
        raise ValueError("x must be strictly increasing")
    slopes = np.diff(y) / np.diff(x)
    scale = max(np.abs(slopes).max(), 1.0)
    bent = np.abs(np.diff(slopes)) > tol * scale
    # bend i sits at grid point x[i + 1], between intervals i and i + 1
    idx = np.flatnonzero(bent)
    if idx.size == 0:
        return np.empty(0)
    groups = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    return np.array([x[g + 1].mean() for g in groups])


# ------------------------------------------------ ReLU units set by hand
def relu_network_1d(x, W1, b1, W2, b2):
    """``f(x) = W2 relu(W1 x + b1) + b2`` for a 1-D array of inputs ``x`` ``(k,)``: values ``(k,)``.

    One input, ``n`` hidden ReLU units, one output: ``W1`` and ``b1`` ``(n, 1)``,
    ``W2`` ``(1, n)``, ``b2`` ``(1, 1)`` (or a number).
    """
    x = as_float_array(x, "x", ndim=1)
    W1, b1, W2 = _one_hidden_layer(W1, b1, W2)
    b2 = as_float_array(b2, "b2")
    if b2.size != 1 or b2.ndim > 2:
        raise ValueError(f"b2 must be a number or of shape (1, 1), got shape {b2.shape}")
    # the inputs as one row of columns: Z1 is (n, k)
    return (W2 @ np.maximum(W1 @ x.reshape(1, -1) + b1, 0.0) + b2.reshape(1, 1))[0]


def abs_parameters():
    """Two ReLU units whose network computes ``|x| = relu(x) + relu(-x)``: ``(W1, b1, W2, b2)``."""
    W1 = np.array([[1.0], [-1.0]])  # unit 1 is on for x > 0, unit 2 for x < 0
    b1 = np.zeros((2, 1))  # both switch at x = 0
    W2 = np.array([[1.0, 1.0]])  # slope +1 on the right, -1 * (+1) = -1 on the left
    return W1, b1, W2, np.zeros((1, 1))


def bump_parameters(left=1.0, right=3.0, height=1.0):
    """Three ReLU units whose network is a triangular bump: ``(W1, b1, W2, b2)``.

    0 for ``x <= left`` and ``x >= right``, ``height`` at the midpoint, straight
    between. Unit ``j`` switches at a corner ``c_j`` (``W1 = 1``, ``b1 = -c_j``); the
    slope ``s = height / (half the width)`` is switched on at ``left``, turned to
    ``-s`` at the midpoint (output weight ``-2 s``) and back to 0 at ``right``.
    """
    if not (np.isfinite(left) and np.isfinite(right) and left < right):
        raise ValueError(f"left and right must be finite numbers with left < right, got {left!r} and {right!r}")
    mid = (left + right) / 2
    s = height / (mid - left)
    W1 = np.ones((3, 1))
    b1 = -np.array([[left], [mid], [right]], dtype=np.float64)
    W2 = np.array([[s, -2 * s, s]])
    return W1, b1, W2, np.zeros((1, 1))


def bump(x, left=1.0, right=3.0, height=1.0):
    """The triangular bump of ``bump_parameters`` as a formula: ``height * max(0, 1 - |x - mid| / half)``."""
    x = as_float_array(x, "x")
    mid, half = (left + right) / 2, (right - left) / 2
    return height * np.maximum(0.0, 1.0 - np.abs(x - mid) / half)
