"""Helpers of notebook 08: the array engine against Network on random architectures,
and the numbers behind the graph pictures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import nnlessons as nl  # noqa: E402
from nnlessons.autodiff import Tensor, Value  # noqa: E402
from nnlessons.lessons import autodiff as lad  # noqa: E402

HIDDEN = ["identity", "sigmoid", "tanh", "relu"]
OUTPUTS = [("softmax", "categorical_cross_entropy"), ("sigmoid", "binary_cross_entropy"),
           ("identity", "mse"), ("sigmoid", "mse"), ("tanh", "mse"), ("relu", "mse")]


def random_architecture(rng):
    depth = int(rng.integers(1, 5))
    sizes = [int(n) for n in rng.integers(1, 9, depth + 1)]
    output, loss = OUTPUTS[int(rng.integers(len(OUTPUTS)))]
    if loss == "binary_cross_entropy":
        sizes[-1] = 1
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    activations = [HIDDEN[int(i)] for i in rng.integers(len(HIDDEN), size=depth - 1)] + [output]
    return sizes, activations, loss


@pytest.mark.parametrize("seed", range(30))
def test_engine_gradients_equal_networks_on_random_architectures(seed):
    rng = np.random.default_rng(seed)
    sizes, activations, loss = random_architecture(rng)
    net = nl.Network(sizes, activations, loss, rng=rng)
    # Random biases too, so that a wrong bias gradient cannot hide behind zeros.
    net.set_params({k: v + rng.standard_normal(v.shape) * (k[0] == "b") for k, v in net.params.items()})
    m = int(rng.integers(1, 12))
    X = rng.standard_normal((sizes[0], m))
    if loss == "mse":
        Y = rng.standard_normal((sizes[-1], m))
    else:
        Y = rng.integers(0, max(sizes[-1], 2), m)
    cost, grads = net.loss_and_grads(X, Y)
    engine_cost, engine_grads = lad.engine_loss_and_grads(net, X, Y)
    assert engine_cost == pytest.approx(cost, rel=1e-12, abs=1e-15)
    assert set(engine_grads) == set(grads)
    for name in grads:
        assert engine_grads[name].shape == grads[name].shape
    assert lad.largest_relative_difference(grads, engine_grads) < 1e-12, (sizes, activations, loss)


def test_the_architectures_cover_every_activation_and_loss():
    seen_activations, seen_losses = set(), set()
    for seed in range(30):
        sizes, activations, loss = random_architecture(np.random.default_rng(seed))
        seen_activations.update(activations)
        seen_losses.add(loss)
    assert seen_activations == {"identity", "sigmoid", "tanh", "relu", "softmax"}
    assert seen_losses == {"mse", "binary_cross_entropy", "categorical_cross_entropy"}


def test_a_wrong_gradient_is_detected():
    rng = np.random.default_rng(0)
    net = nl.Network([3, 4, 2], ["tanh", "softmax"], "categorical_cross_entropy", rng=rng)
    X, y = rng.standard_normal((3, 5)), rng.integers(0, 2, 5)
    _, grads = net.loss_and_grads(X, y)
    wrong = dict(grads, b1=grads["b1"] * 5)  # a missing 1/m in db
    assert lad.largest_relative_difference(grads, wrong) > 0.5
    with pytest.raises(ValueError, match="same names"):
        lad.largest_relative_difference(grads, {"W1": grads["W1"]})


def test_unsupported_pairings_are_named():
    params = {"W1": Tensor(np.ones((2, 2))), "b1": Tensor(np.zeros((2, 1)))}
    with pytest.raises(ValueError, match="'softmax' is supported only as the output"):
        lad.engine_cost(params, np.ones((2, 3)), np.ones((2, 3)), ["softmax"], "mse")
    with pytest.raises(ValueError, match="needs a sigmoid or softmax output"):
        lad.engine_cost(params, np.ones((2, 3)), np.ones((2, 3)), ["tanh"], "binary_cross_entropy")


def test_network_parameters_are_not_changed():
    rng = np.random.default_rng(2)
    net = nl.Network([2, 3, 1], ["relu", "sigmoid"], "binary_cross_entropy", rng=rng)
    before = net.get_params()
    lad.engine_loss_and_grads(net, rng.standard_normal((2, 4)), np.array([0, 1, 1, 0]))
    for k in before:
        np.testing.assert_array_equal(before[k], net.params[k])


# ------------------------------------------------------------ graph pictures
def worked_examples():
    x = Value(1.0, label="x")
    h = (5 * x + 3) ** 2
    h.backward()
    x2, y2 = Value(3.0, label="x"), Value(-2.0, label="y")
    f = x2 * x2 * y2
    f.backward()
    return h, x, f, x2, y2


def test_edge_gradients_add_up_to_each_nodes_grad():
    for root in worked_examples()[::2]:
        edges = lad.edge_gradients(root)
        totals = {}
        for parent, _, grad in edges:
            totals[id(parent)] = totals.get(id(parent), 0.0) + grad
        for parent, _, _ in edges:
            assert totals[id(parent)] == pytest.approx(parent.grad)


def test_edge_gradients_of_the_worked_examples():
    h, x, f, x2, y2 = worked_examples()
    assert [g for p, _, g in lad.edge_gradients(f) if p is x2] == [-6.0, -6.0]
    assert [g for p, _, g in lad.edge_gradients(f) if p is y2] == [9.0]
    assert [g for p, _, g in lad.edge_gradients(h) if p is x] == [80.0]
    assert [lad.node_name(c) for p, c, _ in lad.edge_gradients(h) if p is x] == ["*"]


def test_layout_puts_inputs_left_of_their_users():
    h, x, f, x2, y2 = worked_examples()
    for root in (h, f):
        pos = lad.graph_layout(root)
        assert pos[root] == (0, 0.0)
        for node in pos:
            for parent in node.parents:
                assert pos[parent][0] < pos[node][0]
        # no two nodes share a place
        assert len(set(pos.values())) == len(pos)


def test_node_names():
    h, x, f, _, _ = worked_examples()
    assert lad.node_name(x) == "x"
    assert lad.node_name(h) == "**2"
    assert lad.node_name(h.parents[0]) == "+"
    assert lad.node_name(Value(3.0)) == "3"


def test_draw_graph_labels_every_edge_with_the_engines_numbers():
    h, x, f, x2, y2 = worked_examples()
    fig, ax = plt.subplots()
    xy = lad.draw_graph(ax, f, title="f")
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("-6") == 2 and "grad -12" in texts and "-18" in texts
    assert set(xy) == {f, f.parents[0], x2, y2}
    plt.close(fig)
