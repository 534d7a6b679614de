"""Backpropagation, derived piece by piece: the helpers of notebook 05.

Each backward function here is written line for line like the derivation in
the notebook, so that it can be read next to the maths and checked against
central differences (``nnlessons.gradcheck``). The package's own backward pass
(``Network.backward`` with ``layers.dense_backward``) computes exactly the
same numbers; the tests compare the two.

Conventions, as everywhere in the package: examples are columns, ``W`` is
``(n_out, n_in)``, ``b`` is ``(n_out, 1)``. A ``dZ`` or ``dA`` holds, in each
column, the derivative of *that example's own loss*; the ``1/m`` of the mean
cost enters only in ``dW`` and ``db``.

Contents
--------
* warm-ups: ``h(x) = (5x + 3)^2``, ``f(x, y) = x^2 y`` and their derivatives;
  one-sided and central differences and their errors, printed as orders of magnitude;
* the cost landscape of one linear neuron and a gradient-descent path on it;
* a chain of single sigmoid neurons, ``a_l = sigmoid(w_l a_(l-1) + b_l)``, and its
  computational graph with the forward values and the backward gradients;
* the network X -> (linear, ReLU) -> (linear, ReLU) -> (linear, sigmoid): every
  intermediate gradient of a backward pass checked by central differences, and a
  picture of one layer's backward products as blocks of their shapes;
* a two-layer ReLU/sigmoid network with squared error, with the correct
  backward pass and the mistaken one that uses ``R'(z2)`` in the first layer;
* softmax with categorical cross-entropy: ``dZ`` through the Jacobian;
* a table of parameter and gradient shapes; the multiply-adds of both passes;
* the reference ``backward`` and ``train_gd`` of the notebook's exercises;
* two moons: data, the best possible (Bayes) classifier, pictures.
"""

import numpy as np

from .._validation import as_float_array, check_int, check_same_shape, check_shape, make_rng
from ..activations import relu, sigmoid, sigmoid_derivative, softmax, softmax_jacobian
from ..datasets import moons, moons_arc, train_test_split
from ..gradcheck import numerical_gradient, relative_error
from ..losses import binary_cross_entropy_from_logits, categorical_cross_entropy_grad
from ..network import Network
from ..optim import SGD
from ..plotting import evaluate_on_grid
from .forward_prop import network_from_params

# --------------------------------------------------------------------------
# Warm-ups: the chain rule and partial derivatives
# --------------------------------------------------------------------------


def h(x):
    """h(x) = (5x + 3)^2, elementwise: the outer function u^2 of the inner u = 5x + 3."""
    x = as_float_array(x, "x")
    return (5.0 * x + 3.0) ** 2


def h_derivative(x):
    """h'(x) = 2(5x + 3) * 5 = 50x + 30 (chain rule: outer derivative times inner derivative)."""
    x = as_float_array(x, "x")
    return 50.0 * x + 30.0


def f_xy(x, y):
    """f(x, y) = x^2 y."""
    return as_float_array(x, "x") ** 2 * as_float_array(y, "y")


def f_xy_gradient(x, y):
    """The gradient of f(x, y) = x^2 y: the pair (df/dx, df/dy) = (2xy, x^2)."""
    x, y = as_float_array(x, "x"), as_float_array(y, "y")
    return 2.0 * x * y, x**2


def difference_quotients(f, x, eps):
    """One-sided and central estimates of f'(x) for an elementwise ``f``.

    Returns ``((f(x + eps) - f(x)) / eps, (f(x + eps) - f(x - eps)) / (2 eps))``,
    both of the shape of ``x``. Works in the dtype of ``x`` (float32 or float64).
    """
    x = np.asarray(x)
    if x.dtype not in (np.float32, np.float64):
        raise TypeError(f"x must be a float32 or float64 array, got dtype {x.dtype}")
    e = x.dtype.type(eps)
    fx, fp, fm = f(x), f(x + e), f(x - e)
    return (fp - fx) / e, (fp - fm) / (2 * e)


def difference_errors(f, df, x, eps_values, dtype=np.float64):
    """Largest absolute error of both difference quotients, for each step size.

    ``f`` is evaluated in ``dtype`` at the points ``x`` (any shape); ``df`` is the
    exact derivative, evaluated in float64. Returns two arrays of the length of
    ``eps_values``: the one-sided errors and the central errors.
    """
    x = as_float_array(x, "x")
    exact = np.asarray(df(x), dtype=np.float64)
    xd = x.astype(dtype)
    one_sided, central = [], []
    for eps in eps_values:
        d1, d2 = difference_quotients(f, xd, eps)
        one_sided.append(np.max(np.abs(d1.astype(np.float64) - exact)))
        central.append(np.max(np.abs(d2.astype(np.float64) - exact)))
    return np.array(one_sided), np.array(central)


def verdict(error):
    """Read a float64 relative error as the notes do: ``"relative error < 1e-7 (right)"``,
    ``"relative error > 1e-3 (wrong)"``, or ``"relative error between 1e-7 and 1e-3 (suspicious)"``.

    Only the bound is printed: the digits of an error near 1e-10 vary between machines.
    """
    if not isinstance(error, (int, float, np.floating)) or not error >= 0:
        raise ValueError(f"error must be a non-negative number, got {error!r}")
    if error < 1e-7:
        return "relative error < 1e-7 (right)"
    if error > 1e-3:
        return "relative error > 1e-3 (wrong)"
    return "relative error between 1e-7 and 1e-3 (suspicious)"


def order_of_magnitude(x):
    """The power of ten nearest to ``|x|`` on a log scale, as ``"1e-11"``: for round-off-sized
    numbers whose digits vary between machines but whose size does not."""
    if not isinstance(x, (int, float, np.floating)) or not np.isfinite(x) or x == 0:
        raise ValueError(f"x must be a finite non-zero number, got {x!r}")
    return f"1e{int(np.round(np.log10(abs(float(x)))))}"


# --------------------------------------------------------------------------
# The cost as a landscape over the parameters
# --------------------------------------------------------------------------


def linear_neuron(w, b):
    """A one-input linear neuron ``a = w x + b`` with cost (1/2m) sum (a - y)^2, as a ``Network``."""
    net = Network([1, 1], "identity", "mse", rng=0)
    net.set_params({"W1": [[float(w)]], "b1": [[float(b)]]})
    return net


def landscape(X, Y, ws, bs):
    """Cost and gradient of a linear neuron on the grid of weights ``ws`` x biases ``bs``.

    ``X``, ``Y`` are ``(1, m)``; ``C = (1/2m) sum (w x + b - y)^2``. Returns
    ``C, dC_dw, dC_db``, each ``(len(bs), len(ws))`` (rows follow ``b``, columns
    follow ``w``, as ``plt.contour(ws, bs, C)`` expects).
    """
    X = as_float_array(X, "X", ndim=2)
    Y = as_float_array(Y, "Y", ndim=2)
    check_shape(X, "X", (1, None))
    check_same_shape(X, Y, "X", "Y")
    ws, bs = as_float_array(ws, "ws", ndim=1), as_float_array(bs, "bs", ndim=1)
    # (len(bs), len(ws), m): every grid point's error on every example at once
    err = ws[None, :, None] * X[0] + bs[:, None, None] - Y[0]
    return 0.5 * np.mean(err**2, axis=2), np.mean(err * X[0], axis=2), np.mean(err, axis=2)


def descend(X, Y, start, learning_rate, steps):
    """Plain gradient descent on a linear neuron from ``start = (w, b)``.

    Returns ``path`` ``(steps + 1, 2)`` (the ``(w, b)`` visited) and the cost at each point.
    """
    net = linear_neuron(*start)
    optimizer = SGD(learning_rate)
    path, costs = [], []
    for step in range(check_int(steps, "steps", minimum=0) + 1):
        cost, grads = net.loss_and_grads(X, Y)
        path.append([net.params["W1"][0, 0], net.params["b1"][0, 0]])
        costs.append(cost)
        if step < steps:
            optimizer.step(net.params, grads)
    return np.array(path), np.array(costs)


# --------------------------------------------------------------------------
# A chain of single neurons
# --------------------------------------------------------------------------


def _chain_args(w, b):
    w, b = as_float_array(w, "w", ndim=1), as_float_array(b, "b", ndim=1)
    check_same_shape(w, b, "w", "b")
    return w, b


def neuron_chain_forward(a0, w, b):
    """Forward pass through ``L`` single sigmoid neurons in a row.

    ``a0`` ``(m,)`` holds one input number per example; ``w`` and ``b`` ``(L,)`` hold
    the neurons' weights and biases (``w[l - 1]`` is ``w_l``). Returns the lists
    ``z = [z_1 .. z_L]`` and ``a = [a_0 .. a_L]``, each entry ``(m,)``.
    """
    w, b = _chain_args(w, b)
    a = [as_float_array(a0, "a0", ndim=1)]
    z = []
    for wl, bl in zip(w, b):
        z.append(wl * a[-1] + bl)
        a.append(sigmoid(z[-1]))
    return z, a


def neuron_chain_losses(a0, y, w, b):
    """Per-example losses ``l = (a_L - y)^2`` ``(m,)``; the cost J is their mean."""
    _, a = neuron_chain_forward(a0, w, b)
    y = as_float_array(y, "y", ndim=1)
    check_same_shape(a[-1], y, "a_L", "y")
    return (a[-1] - y) ** 2


def neuron_chain_backward(a0, y, w, b):
    """Derivatives of the chain's cost, from the last neuron back to the first.

    Per example, starting from dl/da_L = 2 (a_L - y):
        dl/dz_l     = dl/da_l * sigmoid'(z_l)
        dl/dw_l     = dl/dz_l * a_(l-1)
        dl/db_l     = dl/dz_l
        dl/da_(l-1) = dl/dz_l * w_l          (passed on to neuron l - 1)

    Returns a dict: ``"dw"``, ``"db"`` ``(L,)`` -- derivatives of the mean cost J,
    the per-example ones averaged -- and the per-example lists ``"da"``
    ``[dl/da_0 .. dl/da_L]`` and ``"dz"`` ``[dl/dz_1 .. dl/dz_L]``, each entry ``(m,)``.
    """
    w, b = _chain_args(w, b)
    z, a = neuron_chain_forward(a0, w, b)
    y = as_float_array(y, "y", ndim=1)
    check_same_shape(a[-1], y, "a_L", "y")
    L = w.size
    da, dz = [None] * (L + 1), [None] * L
    dw, db = np.zeros(L), np.zeros(L)
    da[L] = 2.0 * (a[L] - y)
    for l in range(L, 0, -1):
        dz[l - 1] = da[l] * sigmoid_derivative(z[l - 1])
        dw[l - 1] = np.mean(dz[l - 1] * a[l - 1])
        db[l - 1] = np.mean(dz[l - 1])
        da[l - 1] = dz[l - 1] * w[l - 1]
    return {"dw": dw, "db": db, "da": da, "dz": dz}


def neuron_chain_losses_from(l, a_l, y, w, b):
    """Per-example losses when the chain is entered at neuron ``l``'s output ``a_l`` ``(m,)``.

    Runs neurons ``l + 1 .. L`` only; with ``l = 0`` this is ``neuron_chain_losses``.
    Used to check ``dl/da_l`` numerically.
    """
    w, b = _chain_args(w, b)
    if not isinstance(l, (int, np.integer)) or not 0 <= l <= w.size:
        raise ValueError(f"l must be an int from 0 to {w.size}, got {l!r}")
    return neuron_chain_losses(a_l, y, w[l:], b[l:])


def chain_graph(x, y, w, b):
    """The computational graph of the chain for one example ``x`` with target ``y``.

    Returns ``(nodes, edges)``. ``nodes`` maps a name (``"x"``, ``"w1"``, ``"b1"``,
    ``"z1"``, ``"a1"``, ..., ``"y"``, ``"loss"``) to ``(value, dl/d(node))`` from
    ``neuron_chain_forward`` and ``neuron_chain_backward`` (``dl/dy`` is not needed and
    is ``None``); ``edges`` lists ``(from, to)``, each node feeding the next computation.
    """
    w, b = _chain_args(w, b)
    z, a = neuron_chain_forward([float(x)], w, b)
    d = neuron_chain_backward([float(x)], [float(y)], w, b)
    nodes = {"x": (a[0][0], d["da"][0][0])}
    edges = []
    previous = "x"
    for l in range(1, w.size + 1):
        nodes[f"w{l}"] = (w[l - 1], d["dw"][l - 1])
        nodes[f"b{l}"] = (b[l - 1], d["db"][l - 1])
        nodes[f"z{l}"] = (z[l - 1][0], d["dz"][l - 1][0])
        nodes[f"a{l}"] = (a[l][0], d["da"][l][0])
        edges += [(previous, f"z{l}"), (f"w{l}", f"z{l}"), (f"b{l}", f"z{l}"), (f"z{l}", f"a{l}")]
        previous = f"a{l}"
    nodes["y"] = (float(y), None)
    nodes["loss"] = ((a[-1][0] - float(y)) ** 2, 1.0)
    edges += [(previous, "loss"), ("y", "loss")]
    return nodes, edges


def draw_chain_graph(ax, x, y, w, b):
    """Draw ``chain_graph``: each edge carries its source's value (black, above) and
    the derivative of the loss with respect to it (red, below)."""
    nodes, edges = chain_graph(x, y, w, b)
    L = len(w)
    pos = {"x": (0.0, 0.0), "y": (3.0 * L + 0.6, 1.3), "loss": (3.0 * L + 1.2, 0.0)}
    for l in range(1, L + 1):
        pos[f"w{l}"], pos[f"b{l}"] = (3.0 * l - 1.7, 1.3), (3.0 * l - 1.7, -1.3)
        pos[f"z{l}"], pos[f"a{l}"] = (3.0 * l - 1.0, 0.0), (3.0 * l + 0.0, 0.0)
    labels = {name: (f"$z_{name[1:]}$" if name[0] == "z" else f"$a_{name[1:]}$" if name[0] == "a"
                     else f"$w_{name[1:]}$" if name[0] == "w" else f"$b_{name[1:]}$" if name[0] == "b"
                     else {"x": "$x = a_0$", "y": "$y$", "loss": r"$\ell$"}[name]) for name in nodes}
    for u, v in edges:
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="-|>", color="0.5", lw=1,
                                                            shrinkA=14, shrinkB=14))
        value, grad = nodes[u]
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        # on a white patch above the arrows: a diagonal arrow would otherwise strike through its numbers
        patch = dict(fc="white", ec="none", pad=0.5)
        ax.text(mx, my + 0.12, f"{value:.3f}", ha="center", va="bottom", fontsize=9, bbox=patch, zorder=4)
        if grad is not None:
            ax.text(mx, my - 0.12, f"{grad:.3f}", ha="center", va="top", fontsize=9, color="C3", bbox=patch,
                    zorder=4)
    for name, (px, py) in pos.items():
        ax.text(px, py, labels[name], ha="center", va="center", fontsize=11,
                bbox=dict(boxstyle="circle,pad=0.25" if name not in ("x",) else "round,pad=0.3",
                          fc="white", ec="k"))
    value, grad = nodes["loss"]
    ax.text(pos["loss"][0] + 0.3, 0.0, f"= {value:.3f}", ha="left", va="center", fontsize=10)
    ax.set_xlim(-0.8, 3.0 * L + 2.4)
    ax.set_ylim(-1.9, 1.9)
    ax.set_axis_off()


# --------------------------------------------------------------------------
# X -> (linear, ReLU) -> (linear, ReLU) -> (linear, sigmoid), by hand
# --------------------------------------------------------------------------

#: the gradients of the notebook's manual backward pass, in the order it produces them
THREE_LAYER_GRADIENTS = ("dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1")


def three_layer_network(sizes, *, rng, bias_std=0.0):
    """A ``Network`` with layer sizes ``[n0, n1, n2, 1]``: ReLU, ReLU, sigmoid; binary cross-entropy.

    ``bias_std > 0`` draws the biases from a Gaussian instead of starting them at zero.
    """
    if not isinstance(sizes, (list, tuple)) or len(sizes) != 4 or sizes[-1] != 1:
        raise ValueError(f"sizes must be [n0, n1, n2, 1], got {sizes!r}")
    # A new network's biases are zero. Then an example whose ReLUs in one layer are all
    # off gives the next layer z = b = 0 exactly: a kink, where central differences
    # average the two one-sided slopes and disagree with any derivative we pick.
    return Network(list(sizes), ["relu", "relu", "sigmoid"], "binary_cross_entropy", rng=rng, bias_init=bias_std)


def _targets(Y, m):
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    check_shape(Y, "Y", (1, m))
    return Y


def three_layer_cost_from(params, name, value, Y):
    """Mean cross-entropy when the forward pass starts from the intermediate ``name`` = ``value``.

    ``name`` is one of ``"A0"`` (the inputs), ``"Z1", "A1", "Z2", "A2", "Z3"``; the layers
    after it run as usual. Lets central differences check ``dZl`` and ``dAl``.
    """
    order = ("A0", "Z1", "A1", "Z2", "A2", "Z3")
    if name not in order:
        raise ValueError(f"name must be one of {list(order)}, got {name!r}")
    v = as_float_array(value, "value", ndim=2)
    for step in order[order.index(name) + 1:]:
        l = step[1]
        v = params[f"W{l}"] @ v + params[f"b{l}"] if step[0] == "Z" else relu(v)
    return binary_cross_entropy_from_logits(v, _targets(Y, v.shape[1]))


def check_three_layer_backward(backward, params, cache, Y, eps=1e-6):
    """Relative error of each gradient of ``backward(params, cache, Y)`` against central differences.

    ``backward`` returns a dict with the keys of ``THREE_LAYER_GRADIENTS`` (the notebook
    writes it). Parameter gradients are checked as derivatives of the mean cost. ``dZl``
    and ``dAl`` are per example, so they are compared with the derivative of ``m``
    times the mean cost (the sum of the losses) with respect to that array.
    Returns ``{name: relative error}`` in the order of ``THREE_LAYER_GRADIENTS``.
    """
    grads = backward(params, cache, Y)
    m = cache["A0"].shape[1]
    p = {k: v.copy() for k, v in params.items()}
    errors = {}
    for name in THREE_LAYER_GRADIENTS:
        key = name[1:]
        if key[0] in ("W", "b"):
            numeric = numerical_gradient(lambda: three_layer_cost_from(p, "A0", cache["A0"], Y), p[key], eps)
        else:
            x = cache[key].copy()
            numeric = m * numerical_gradient(lambda: three_layer_cost_from(p, key, x, Y), x, eps)
        errors[name] = relative_error(grads[name], numeric)
    return errors


# --------------------------------------------------------------------------
# Two layers, squared error, and a mistake found in published notes
# --------------------------------------------------------------------------


def backward_shapes(n_out, n_in, m):
    """The shapes of one dense layer's backward pass, ``W`` ``(n_out, n_in)`` on ``m`` examples.

    Returns a dict ``name -> (rows, columns)`` for ``dZ``, ``A_prev``, ``A_prev.T``, ``dW``
    (``dZ @ A_prev.T``), ``db``, ``W``, ``W.T`` and ``dA_prev`` (``W.T @ dZ``), each product's shape
    taken from numpy itself, so that a wrong transpose would raise here.
    """
    for value, name in [(n_out, "n_out"), (n_in, "n_in"), (m, "m")]:
        check_int(value, name, minimum=1)
    dZ, A_prev, W = np.zeros((n_out, m)), np.zeros((n_in, m)), np.zeros((n_out, n_in))
    return {"dZ": dZ.shape, "A_prev": A_prev.shape, "A_prev.T": A_prev.T.shape, "dW": (dZ @ A_prev.T).shape,
            "db": dZ.sum(axis=1, keepdims=True).shape, "W": W.shape, "W.T": W.T.shape, "dA_prev": (W.T @ dZ).shape}


#: fills of the shapes picture: forward values, gradients; the summed dimension's edge
SHAPE_FORWARD, SHAPE_GRADIENT, SHAPE_SUMMED = "#c6dbef", "#fdd0a2", "#CC3311"


def _block(ax, x, top, rows, cols, name, fill, summed_edge=None, dims=None):
    """One matrix as a ``rows`` x ``cols`` grid of unit cells with its top-left corner at ``(x, top)``;
    ``summed_edge`` ``"top"`` or ``"left"`` draws that edge thick, as the dimension a product sums over."""
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x, top - rows), cols, rows, facecolor=fill, edgecolor="0.35", lw=1.2))
    for c in range(1, cols):
        ax.plot([x + c, x + c], [top - rows, top], color="0.6", lw=0.5)
    for r in range(1, rows):
        ax.plot([x, x + cols], [top - r, top - r], color="0.6", lw=0.5)
    if summed_edge == "top":
        ax.plot([x, x + cols], [top, top], color=SHAPE_SUMMED, lw=4, solid_capstyle="butt")
    elif summed_edge == "left":
        ax.plot([x, x], [top - rows, top], color=SHAPE_SUMMED, lw=4, solid_capstyle="butt")
    ax.text(x + cols / 2, top - rows / 2, name, ha="center", va="center", fontsize=12,
            bbox={"facecolor": "w", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    size = f"({rows}, {cols})" if dims is None else f"$({dims[rows]}, {dims[cols]})$ = ({rows}, {cols})"
    ax.text(x + cols / 2, top - rows - 0.35, size, ha="center", va="top", fontsize=10)
    return x + cols


def draw_backward_shapes(ax, n_out, n_in, m, layer):
    """Draw layer ``layer``'s backward products as blocks of unit cells, for ``W`` ``(n_out, n_in)``
    on ``m`` examples: ``dW = dZ A_prev^T / m``, ``db`` = row sums of ``dZ`` / m, ``dA_prev = W^T dZ``.
    The edge of the dimension each product sums over is drawn thick in red. Returns ``backward_shapes``.
    """
    shapes = backward_shapes(n_out, n_in, m)
    l, k = layer, layer - 1
    sym = {"dZ": f"$dZ_{l}$", "A^T": f"$A_{k}^{{\\mathsf{{T}}}}$", "dW": f"$dW_{l}$", "db": f"$db_{l}$",
           "W^T": f"$W_{l}^{{\\mathsf{{T}}}}$", "dA": f"$dA_{k}$"}

    dims = {n_out: f"n_{l}", n_in: f"n_{k}", m: "m", 1: "1"}
    if len(dims) < 4:
        dims = None                  # two sizes alike: a symbol would be ambiguous, print the numbers only

    def block(*args):
        return _block(ax, *args, dims=dims)

    def op(x, y, text, width=1.6):
        ax.text(x + width / 2, y, text, ha="center", va="center", fontsize=13)
        return x + width

    rows = [(0.0, f"$dW_{l} = dZ_{l}\\,A_{k}^{{\\mathsf{{T}}}} / m$: each entry sums over the m = {m} examples; "
                  f"$A_{k}$ is stored $(n_{k}, m)$ = {shapes['A_prev']}, so it is transposed"),
            (-(max(shapes['dZ'][0], shapes['A_prev.T'][0]) + 2.6),
             f"$db_{l}$ = row sums of $dZ_{l}$ / m: the m = {m} columns are added up"),
            ]
    rows.append((rows[1][0] - (shapes["dZ"][0] + 2.6),
                 f"$dA_{k} = W_{l}^{{\\mathsf{{T}}}} dZ_{l}$: each entry sums over the $n_{l}$ = {n_out} units "
                 f"of layer {l}; $W_{l}$ is $(n_{l}, n_{k})$ = {shapes['W']}, so it is transposed"))
    (top1, title1), (top2, title2), (top3, title3) = rows
    for top, title in rows:
        ax.text(0, top + 1.2, title, ha="left", va="center", fontsize=10.5)
    # dW = dZ A^T / m
    x = block(0, top1, *shapes["dZ"], sym["dZ"], SHAPE_GRADIENT, "top")
    x = op(x, top1 - shapes["dZ"][0] / 2, "$\\times$")
    x = block(x, top1, *shapes["A_prev.T"], sym["A^T"], SHAPE_FORWARD, "left")
    x = op(x, top1 - shapes["dZ"][0] / 2, "$/\\, m\\; =$", 2.4)
    block(x, top1, *shapes["dW"], sym["dW"], SHAPE_GRADIENT)
    # db
    x = block(0, top2, *shapes["dZ"], sym["dZ"], SHAPE_GRADIENT, "top")
    x = op(x, top2 - shapes["dZ"][0] / 2, "row sums $/\\, m\\; =$", 5.2)
    block(x, top2, *shapes["db"], sym["db"], SHAPE_GRADIENT)
    # dA_prev = W^T dZ
    x = block(0, top3, *shapes["W.T"], sym["W^T"], SHAPE_FORWARD, "top")
    x = op(x, top3 - shapes["W.T"][0] / 2, "$\\times$")
    x = block(x, top3, *shapes["dZ"], sym["dZ"], SHAPE_GRADIENT, "left")
    x = op(x, top3 - shapes["W.T"][0] / 2, "$=$")
    block(x, top3, *shapes["dA_prev"], sym["dA"], SHAPE_GRADIENT)
    bottom = top3 - max(shapes["W.T"][0], shapes["dZ"][0]) - 1.2
    ax.set_xlim(-0.3, max(2 * m + n_in + 5.5, 24))
    ax.set_ylim(bottom, top1 + 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D

    ax.legend(handles=[Patch(facecolor=SHAPE_FORWARD, edgecolor="0.35", label="forward value (from the cache)"),
                       Patch(facecolor=SHAPE_GRADIENT, edgecolor="0.35", label="gradient"),
                       Line2D([], [], color=SHAPE_SUMMED, lw=4, label="the dimension summed over")],
              # beside the short middle row, where nothing else is drawn
              loc="center left", bbox_to_anchor=(m + 7.5, top2 - shapes["dZ"][0] / 2), bbox_transform=ax.transData,
              fontsize=10, frameon=False)
    return shapes


def two_layer_network(n_in, n_hidden, *, rng, bias_std=0.0):
    """A ``Network`` ``[n_in, n_hidden, 1]``: ReLU hidden layer, sigmoid output, cost (1/2m) sum (a - y)^2.

    ``bias_std > 0`` draws the biases from a Gaussian instead of starting them at zero.
    """
    return Network([n_in, n_hidden, 1], ["relu", "sigmoid"], "mse", rng=rng, bias_init=bias_std)


def two_layer_backward(params, cache, Y, relu_of="z1"):
    """Gradients of the two-layer squared-error network, derived in full.

    ``relu_of="z1"`` is correct: the first layer's ReLU was applied to ``z1``, so its
    derivative is ``R'(z1)``. ``relu_of="z2"`` reproduces the mistake ``R'(z2)``: numpy
    broadcasts the ``(1, m)`` mask over the ``(n1, m)`` array without complaint, and
    only a gradient check notices. Returns ``{"W1", "b1", "W2", "b2"}`` gradients.
    """
    if relu_of not in ("z1", "z2"):
        raise ValueError(f"relu_of must be 'z1' (correct) or 'z2' (the mistake), got {relu_of!r}")
    W2 = params["W2"]
    A0, Z1, A1, Z2, A2 = (cache[k] for k in ("A0", "Z1", "A1", "Z2", "A2"))
    m = A0.shape[1]
    Y = _targets(Y, m)
    dA2 = A2 - Y                                # (1, m)   from (1/2)(a2 - y)^2
    dZ2 = dA2 * A2 * (1.0 - A2)                 # (1, m)   sigmoid'(z2) = a2 (1 - a2)
    dW2 = dZ2 @ A1.T / m                        # (1, n1)
    db2 = dZ2.sum(axis=1, keepdims=True) / m    # (1, 1)
    dA1 = W2.T @ dZ2                            # (n1, m)
    mask = Z1 > 0 if relu_of == "z1" else Z2 > 0
    dZ1 = dA1 * mask                            # (n1, m)
    dW1 = dZ1 @ A0.T / m                        # (n1, n0)
    db1 = dZ1.sum(axis=1, keepdims=True) / m    # (n1, 1)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


# --------------------------------------------------------------------------
# Softmax with categorical cross-entropy
# --------------------------------------------------------------------------


def softmax_cce_dZ_jacobian(Z, Y):
    """dZ of categorical cross-entropy through softmax, the long way, per example.

    For each column: ``dA = -y / a`` (the loss's gradient) and ``dz = J(z)^T dA`` with
    the softmax Jacobian ``J[i, j] = a_i (delta_ij - a_j)``. The result equals
    ``A - Y``; this function exists to show that it does. ``Z``, ``Y`` ``(n, m)``.
    """
    Z = as_float_array(Z, "Z", ndim=2)
    Y = as_float_array(Y, "Y", ndim=2)
    check_same_shape(Z, Y, "Z", "Y")
    dA = categorical_cross_entropy_grad(softmax(Z), Y)
    dZ = np.empty_like(Z)
    for k in range(Z.shape[1]):
        dZ[:, k] = softmax_jacobian(Z[:, k]).T @ dA[:, k]
    return dZ


# --------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------


def gradient_shape_table(params, grads):
    """A printable table: each parameter's shape beside its gradient's shape."""
    if set(params) != set(grads):
        raise ValueError(f"params and grads must have the same names, got {sorted(params)} and {sorted(grads)}")
    lines = [f"{'name':<6}{'parameter':>12}{'gradient':>12}"]
    for name in params:
        lines.append(f"{name:<6}{str(np.shape(params[name])):>12}{str(np.shape(grads[name])):>12}")
    return "\n".join(lines)


def dense_flops(sizes, m):
    """Multiply-adds of the matrix products in one forward and one backward pass, for ``m`` examples.

    Forward: ``Wl @ A(l-1)`` per layer. Backward: ``dZl @ A(l-1).T`` per layer and
    ``Wl.T @ dZl`` for every layer but the first (the gradient for the data is never
    needed). Elementwise work is left out: for wide layers it is a small fraction.
    Returns ``(forward, backward)``.
    """
    sizes = [check_int(n, "sizes") for n in sizes]
    m = check_int(m, "m")
    per_layer = [sizes[l] * sizes[l - 1] * m for l in range(1, len(sizes))]
    return sum(per_layer), 2 * sum(per_layer) - per_layer[0]


# --------------------------------------------------------------------------
# The references of the notebook's exercises
# --------------------------------------------------------------------------


def backward(Y, cache, params, activations):
    """The reference of the notebook's exercise: gradients ``{"dW1": ..., "db1": ...}`` of the mean cost.

    ``cache`` comes from the forward pass on ``X = cache["A0"]``; the output layer is
    sigmoid with binary cross-entropy or softmax with categorical cross-entropy, so
    ``dZ_L = A_L - Y``. Computed by ``Network.backward``.
    """
    net = network_from_params(params, activations)
    _, own_cache = net.forward(cache["A0"])
    grads = net.backward(Y, own_cache)
    return {f"d{name}": g for name, g in grads.items()}


def train_gd(X, Y, params, activations, learning_rate, steps):
    """The reference of the training-loop exercise: ``steps`` steps of plain full-batch gradient descent.

    Starts from ``params`` (left unchanged) and returns the trained parameters.
    """
    net = network_from_params(params, activations)
    optimizer = SGD(learning_rate)
    for _ in range(check_int(steps, "steps", minimum=0)):
        optimizer.step(net.params, net.loss_and_grads(X, Y)[1])
    return net.get_params()


# --------------------------------------------------------------------------
# Two moons: data, the best possible classifier, training
# --------------------------------------------------------------------------

def moons_split(seed, m=1000, noise=0.2, test_fraction=0.1):
    """The classic setup: ``m`` moons points with noise ``noise``, a fraction held out.

    One generator ``np.random.default_rng(seed)`` draws the points, then the split.
    Returns ``X_train (2, m_train), X_test (2, m_test), y_train, y_test``.
    """
    rng = make_rng(seed, "seed")
    X, y = moons(m, rng=rng, noise=noise)
    return train_test_split(X, y, test_fraction=test_fraction, rng=rng)


def moons_class_log_density(X, label, noise=0.2, n_t=361):
    """log p(x | class) for the moons generator, for each column of ``X`` ``(2, m)``.

    A class is a half circle, ``t`` uniform on ``[0, pi]``, plus Gaussian noise, so its
    density is the average over ``t`` of a Gaussian centred on the arc point. The
    average is taken with Simpson's rule on ``n_t`` (odd) values of ``t``; with the
    default 361 the log density is within about 1e-4 of its exact value.
    """
    X = as_float_array(X, "X", ndim=2)
    check_shape(X, "X", (2, None))
    if label not in (0, 1):
        raise ValueError(f"label must be 0 or 1, got {label!r}")
    if not noise > 0:
        raise ValueError(f"noise must be positive, got {noise!r}")
    if not isinstance(n_t, (int, np.integer)) or n_t < 3 or n_t % 2 == 0:
        raise ValueError(f"n_t must be an odd int >= 3 (Simpson's rule), got {n_t!r}")
    t = np.linspace(0.0, np.pi, int(n_t))
    cx, cy = moons_arc(label, t)
    weights = np.ones(t.size)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    weights /= weights.sum()
    out = np.empty(X.shape[1])
    # In chunks of columns, so that the (columns, n_t) table stays small.
    for start in range(0, X.shape[1], 2000):
        x0, x1 = X[0, start:start + 2000, None], X[1, start:start + 2000, None]
        logs = -((x0 - cx) ** 2 + (x1 - cy) ** 2) / (2.0 * noise**2)
        top = logs.max(axis=1, keepdims=True)  # log-sum-exp: far points would underflow to 0
        out[start:start + 2000] = top[:, 0] + np.log(np.exp(logs - top) @ weights)
    return out - np.log(2.0 * np.pi * noise**2)


def moons_bayes_probability(X, noise=0.2):
    """P(class 1 | x) under the true moons distribution (equal class sizes), ``(m,)``."""
    return sigmoid(moons_class_log_density(X, 1, noise) - moons_class_log_density(X, 0, noise))


def moons_bayes_predict(X, noise=0.2):
    """The Bayes classifier: the more probable class given ``x``. No classifier does better on average."""
    return (moons_bayes_probability(X, noise) > 0.5).astype(np.int64)


def spread(values):
    """``"mean 97.1%, min 95.0%, max 99.0%"`` for accuracies given as fractions."""
    v = as_float_array(values, "values", ndim=1)
    if v.size == 0:
        raise ValueError("values must not be empty")
    return f"mean {100 * v.mean():.1f}%, min {100 * v.min():.1f}%, max {100 * v.max():.1f}%"


def moons_bayes_grid(X, n=100):
    """``xx, yy, p``: the Bayes probability of class 1 on an ``n x n`` grid around ``X`` ``(2, m)``.

    Computed once and passed to ``plot_moons_boundary`` for every panel.
    """
    return evaluate_on_grid(moons_bayes_probability, X, n=n)


def plot_moons_boundary(ax, net, X, y, grid, title=None, legend=False, reference="Bayes",
                        reference_colour="k", label="network"):
    """Shade where ``net`` predicts each class on ``grid`` (from ``moons_bayes_grid``), draw
    its boundary (solid), the reference boundary of ``grid`` (dashed: the Bayes classifier's, or
    any probabilities ``(xx, yy, p)`` on the grid, named ``reference``) and the points ``X`` ``(2, m)``
    with labels ``y``; ``legend`` names them in words, to the right of ``ax``. Returns the network's probabilities
    on the grid ``(n, n)``."""
    xx, yy, bayes = grid
    p = np.asarray(net(np.stack([xx.ravel(), yy.ravel()])), dtype=np.float64).reshape(xx.shape)
    # two flat colours rather than a gradient: clearer, and a much smaller PNG
    ax.contourf(xx, yy, p, levels=[0.0, 0.5, 1.0], colors=["#c6dbef", "#fcbba1"])
    if p.min() < 0.5 < p.max():
        ax.contour(xx, yy, p, levels=[0.5], colors="k", linewidths=1.2)
    # a coloured reference is drawn thicker, so that it shows where it lies on the network's line
    ax.contour(xx, yy, bayes, levels=[0.5], colors=reference_colour, linestyles="--",
               linewidths=1 if reference_colour == "k" else 2.2)
    colours = np.where(np.asarray(y) == 1, "#cb181d", "#2171b5")
    ax.scatter(X[0], X[1], c=colours, s=12, edgecolors="w", linewidths=0.4)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    if legend:
        from matplotlib.lines import Line2D

        dot = {"marker": "o", "linestyle": "", "markeredgecolor": "w", "markersize": 5}
        ax.legend(handles=[Line2D([], [], color="k", lw=1.2, label=label),
                           Line2D([], [], color=reference_colour, lw=1 if reference_colour == "k" else 2.2,
                                  ls="--", label=reference),
                           Line2D([], [], color="#2171b5", label="class 0", **dot),
                           Line2D([], [], color="#cb181d", label="class 1", **dot)],
                  title="boundary, points", title_fontsize=10, fontsize=10, handlelength=1.6, borderpad=0.3,
                  # outside, to the right: inside it hid points or the boundary itself
                  loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return p
