"""Helpers of notebook 08 (automatic differentiation).

Pictures of a computational graph with the numbers the engine computed on its
edges, and the array engine driving the same network as ``nnlessons.Network``
so that the two can be compared gradient by gradient.
"""

import numpy as np

from ..autodiff import Tensor, topological_order
from ..gradcheck import relative_error

#: Okabe-Ito colours: readable for every kind of colour vision
FORWARD_COLOUR, BACKWARD_COLOUR, NODE_COLOUR = "#0072B2", "#D55E00", "#F0F0F0"


# ------------------------------------------------------------ graph pictures
def node_name(node):
    """What a node is called in a picture: its label, else its operation (``**2`` with the exponent)."""
    if node.label:
        return node.label
    if node.op == "**":
        return f"**{node.saved[1]:g}"
    return node.op or f"{node.data:g}"


def edge_gradients(root):
    """After ``root.backward()``: one ``(parent, child, gradient)`` per edge, in topological order.

    ``gradient`` is what the child's backward rule sends along that edge; a node used
    twice gets two edges, and its ``grad`` is their sum.
    """
    edges = []
    for child in topological_order(root):
        if child.rule is None:
            continue
        grads = child.rule(child.grad, *child.saved)
        if len(child.parents) == 1:
            grads = (grads,)
        edges.extend((parent, child, float(g)) for parent, g in zip(child.parents, grads))
    return edges


def graph_layout(root):
    """``{node: (column, row)}``: the root in the rightmost column, each input one column left of its
    leftmost user, and the inputs of a node spread around its row."""
    order = topological_order(root)
    column, row = {root: 0}, {root: 0.0}
    for child in reversed(order):
        unique = list(dict.fromkeys(child.parents))
        for i, parent in enumerate(unique):
            column[parent] = min(column.get(parent, 0), column[child] - 1)
            if parent not in row:
                row[parent] = row[child] + (len(unique) - 1) / 2 - i
    return {node: (column[node], row[node]) for node in order}


def draw_graph(ax, root, title=None):
    """Draw ``root``'s graph after ``root.backward()``: forward values above each edge (blue),
    the gradient sent back along it below (orange), each node's total ``grad`` under it."""
    from matplotlib.patches import FancyArrowPatch

    pos = graph_layout(root)
    sx, sy = 2.4, 1.6  # units per column and per row
    xy = {n: (c * sx, r * sy) for n, (c, r) in pos.items()}
    edges = edge_gradients(root)
    seen, label_ys = {}, []
    for parent, child, grad in edges:
        k = seen[parent, child] = seen.get((parent, child), -1) + 1
        twice = sum(1 for p, c, _ in edges if p is parent and c is child) > 1
        rad = (0.35 if k == 0 else -0.35) if twice else 0.0
        (x0, y0), (x1, y1) = xy[parent], xy[child]
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), connectionstyle=f"arc3,rad={rad}",
                                     arrowstyle="-|>", mutation_scale=12, color="0.35", lw=1.2,
                                     shrinkA=20, shrinkB=20, zorder=1))
        # Labels sit 40% of the way along the edge, on either side of it; a curved edge
        # (a value used twice) gets both on its outer side, away from its twin.
        dx, dy = x1 - x0, y1 - y0
        length = np.hypot(dx, dy)
        nx, ny = -dy / length, dx / length  # unit normal, to the left of the direction of travel
        bend = 2 * 0.4 * 0.6 * rad * length  # arc3 is a quadratic Bezier: its offset at t = 0.4
        mx, my = x0 + 0.4 * dx - bend * nx, y0 + 0.4 * dy - bend * ny
        side = -np.sign(rad) if rad else 1.0
        near, far = (0.17, -0.17) if not rad else (0.17 * side, 0.45 * side)
        label_ys += [my + near * ny, my + far * ny]
        ax.text(mx + near * nx, my + near * ny, f"{parent.data:.4g}", color=FORWARD_COLOUR, ha="center",
                va="center", fontsize=10, fontweight="bold")
        ax.text(mx + far * nx, my + far * ny, f"{grad:.4g}", color=BACKWARD_COLOUR, ha="center",
                va="center", fontsize=10, fontweight="bold")
    for node, (x, y) in xy.items():
        ax.text(x, y, node_name(node), ha="center", va="center", fontsize=11, zorder=2,
                bbox=dict(boxstyle="round,pad=0.35", fc=NODE_COLOUR, ec="0.3"))
        ax.text(x, y - 0.42, f"grad {node.grad:.4g}", ha="center", va="top", fontsize=8.5,
                color=BACKWARD_COLOUR)
    # the root's value leaves to the right, and its gradient d root / d root = 1 comes back
    x, y = xy[root]
    ax.annotate("", xy=(x + 1.2, y), xytext=(x, y), arrowprops=dict(arrowstyle="-|>", color="0.35",
                                                                     shrinkA=20, lw=1.2))
    ax.text(x + 0.75, y + 0.17, f"{root.data:.4g}", color=FORWARD_COLOUR, ha="center", va="center",
            fontsize=10, fontweight="bold")
    ax.text(x + 0.75, y - 0.17, f"{root.grad:.4g}", color=BACKWARD_COLOUR, ha="center", va="center",
            fontsize=10, fontweight="bold")
    xs = [p[0] for p in xy.values()]
    ys = [p[1] for p in xy.values()] + label_ys
    ax.set_xlim(min(xs) - 0.7, max(xs) + 1.5)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.5)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title)
    return xy


# ------------------------------------------------- the network, on the engine
ACTIVATIONS = {"identity": lambda Z: Z, "sigmoid": Tensor.sigmoid, "tanh": Tensor.tanh, "relu": Tensor.relu}


def engine_cost(params, X, Y, activations, loss):
    """The cost of ``Network`` written with tensors: a one-number ``Tensor`` to call ``backward()`` on.

    ``params`` maps ``"W1", "b1", ...`` to tensors; ``X`` ``(n0, m)`` and ``Y`` ``(n_L, m)`` are arrays.
    A softmax or sigmoid output with its cross-entropy is fused (as ``Network`` does); any
    activation with ``"mse"`` uses ``(1/2m) sum (A - Y)^2``.
    """
    L = len(activations)
    A = Tensor(X)
    for l, g in enumerate(activations, start=1):
        Z = params[f"W{l}"] @ A + params[f"b{l}"]
        if l == L and (g, loss) == ("softmax", "categorical_cross_entropy"):
            return Z.softmax_cross_entropy(Y)
        if l == L and (g, loss) == ("sigmoid", "binary_cross_entropy"):
            return Z.sigmoid_cross_entropy(Y)
        if g not in ACTIVATIONS:
            raise ValueError(f"activation {g!r} is supported only as the output with its cross-entropy")
        A = ACTIVATIONS[g](Z)
    if loss != "mse":
        raise ValueError(f"loss {loss!r} needs a sigmoid or softmax output (fused), got {activations[-1]!r}")
    return ((A - Y) ** 2).sum() / (2 * X.shape[1])


def engine_loss_and_grads(net, X, Y):
    """``(cost, grads)`` of ``net`` (a ``Network``) on one batch, computed by the engine.

    The same format as ``net.loss_and_grads(X, Y)``, from ``net``'s current parameters.
    """
    params = {name: Tensor(value, label=name) for name, value in net.params.items()}
    cost = engine_cost(params, np.asarray(X, dtype=np.float64), net.targets(Y), net.activations, net.loss)
    cost.backward()
    return float(cost.data), {name: p.grad for name, p in params.items()}


def largest_relative_difference(grads_a, grads_b):
    """The largest ``relative_error`` over the arrays of two gradient dicts with the same names."""
    if set(grads_a) != set(grads_b):
        raise ValueError(f"grads_a and grads_b must have the same names, got {sorted(grads_a)} "
                         f"and {sorted(grads_b)}")
    return max(relative_error(grads_a[k], grads_b[k]) for k in grads_a)
