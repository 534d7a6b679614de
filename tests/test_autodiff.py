"""The autodiff engine: every operation's gradient against central differences,
random expression graphs (values used several times), the topological order,
and the array engine's broadcasting, sums, matrix products and fused losses."""

import math

import numpy as np
import pytest

import nnlessons as nl
from nnlessons import autodiff as ad
from nnlessons.autodiff import Tensor, Value


def slope(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


# ------------------------------------------------------------ scalar Value
UNARY = {
    "exp": (lambda v: v.exp(), math.exp, [-1.3, 0.2, 2.0]),
    "log": (lambda v: v.log(), math.log, [0.3, 1.0, 4.5]),
    "tanh": (lambda v: v.tanh(), math.tanh, [-2.0, 0.1, 1.4]),
    "relu": (lambda v: v.relu(), lambda t: max(t, 0.0), [-1.5, 0.7, 3.0]),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: 1 / (1 + math.exp(-t)), [-3.0, 0.0, 2.5]),
    "square": (lambda v: v ** 2, lambda t: t ** 2, [-1.5, 0.5, 3.0]),
    "cube root": (lambda v: v ** (1 / 3), lambda t: t ** (1 / 3), [0.5, 2.0, 8.0]),
    "reciprocal": (lambda v: 1 / v, lambda t: 1 / t, [-2.0, 0.5, 3.0]),
    "negation": (lambda v: -v, lambda t: -t, [-2.0, 0.5]),
    "constant minus": (lambda v: 4 - v, lambda t: 4 - t, [1.0]),
    "constant plus": (lambda v: 4 + v, lambda t: 4 + t, [1.0]),
    "constant times": (lambda v: 4 * v, lambda t: 4 * t, [1.0]),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_operation_matches_central_differences(name):
    op, plain, points = UNARY[name]
    for t in points:
        x = Value(t)
        y = op(x)
        assert y.data == pytest.approx(plain(t), rel=1e-12)
        y.backward()
        assert x.grad == pytest.approx(slope(plain, t), rel=1e-6, abs=1e-9), (name, t)


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_operation_matches_central_differences(name):
    op = BINARY[name]
    for s, t in [(1.5, -0.7), (-2.0, 3.0), (0.4, 0.4)]:
        a, b = Value(s), Value(t)
        op(a, b).backward()
        assert a.grad == pytest.approx(slope(lambda u: op(u, t), s), rel=1e-6)
        assert b.grad == pytest.approx(slope(lambda u: op(s, u), t), rel=1e-6)


def test_the_worked_examples():
    x = Value(1.0)
    h = (5 * x + 3) ** 2
    h.backward()
    assert (h.data, x.grad) == (64.0, 80.0)  # h'(x) = 50x + 30
    x, y = Value(3.0), Value(-2.0)
    f = x * x * y
    f.backward()
    assert (f.data, x.grad, y.grad) == (-18.0, -12.0, 9.0)  # (2xy, x^2)


def test_a_value_used_twice_gets_both_gradients():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    (a * a * a).backward()
    assert a.grad == 27.0


def test_backward_twice_gives_the_same_gradients():
    x, y = Value(0.5), Value(-1.2)
    f = (x * y + x).tanh() * x
    f.backward()
    first = (x.grad, y.grad)
    f.backward()
    assert (x.grad, y.grad) == first


# ------------------------------------------------- random expression graphs
def random_recipe(rng, n_leaves, n_ops):
    """A random graph as a list of steps over node indices; picking the same index twice reuses a value."""
    steps = []
    for _ in range(n_ops):
        n = n_leaves + len(steps)
        kind = rng.choice(["+", "*", "-", "tanh", "sigmoid", "square", "softlog", "expt"])
        steps.append((str(kind), int(rng.integers(n)), int(rng.integers(n))))
    return steps


def evaluate(recipe, leaves, tanh, sigmoid, log, exp):
    nodes = list(leaves)
    for kind, i, j in recipe:
        a, b = nodes[i], nodes[j]
        nodes.append({"+": lambda: a + b, "*": lambda: a * b, "-": lambda: a - b,
                      "tanh": lambda: tanh(a), "sigmoid": lambda: sigmoid(a), "square": lambda: a ** 2,
                      "softlog": lambda: log(a * a + 1), "expt": lambda: exp(tanh(a))}[kind]())
    # Every node feeds the root, so unused branches count too.
    total = nodes[0]
    for node in nodes[1:]:
        total = total + node
    return total


@pytest.mark.parametrize("seed", range(40))
def test_random_graph_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    recipe = random_recipe(rng, 3, int(rng.integers(3, 12)))
    values = rng.uniform(-1.0, 1.0, 3)
    leaves = [Value(v) for v in values]
    root = evaluate(recipe, leaves, Value.tanh, Value.sigmoid, Value.log, Value.exp)
    root.backward()

    def plain(vs):
        return evaluate(recipe, vs, math.tanh, lambda t: 1 / (1 + math.exp(-t)), math.log, math.exp)

    for k, leaf in enumerate(leaves):
        def f(t, k=k):
            vs = list(values)
            vs[k] = t
            return plain(vs)
        assert leaf.grad == pytest.approx(slope(f, values[k]), rel=1e-6, abs=1e-8), (seed, recipe)


def test_random_graphs_reuse_values():
    # The tests above are about reuse only if some recipes pick one node twice or more.
    reused = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        recipe = random_recipe(rng, 3, int(rng.integers(3, 12)))
        used = [i for _, i, j in recipe] + [j for kind, i, j in recipe if kind in "+*-"]
        reused += len(used) > len(set(used))
    assert reused >= 30


# ------------------------------------------------------------- the ordering
def test_topological_order_places_every_node_once_after_its_inputs():
    rng = np.random.default_rng(5)
    leaves = [Value(v) for v in rng.uniform(-1, 1, 3)]
    root = evaluate(random_recipe(rng, 3, 15), leaves, Value.tanh, Value.sigmoid, Value.log, Value.exp)
    order = ad.topological_order(root)
    assert order[-1] is root
    assert len({id(n) for n in order}) == len(order)
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert all(id(leaf) in position for leaf in leaves)


def test_a_graph_deeper_than_the_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad == pytest.approx(1.0001 ** 5000, rel=1e-9)


# ------------------------------------------------------------ the array engine
def numerical(f, arrays):
    """Central differences of ``f(*tensors)`` for each array (f rebuilds its tensors on every call)."""
    return [nl.numerical_gradient(lambda: f(*[Tensor(a) for a in arrays]).data, a) for a in arrays]


def check_tensor_op(f, *shapes, seed=0, low=-1.0, high=1.0):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(low, high, s) for s in shapes]
    leaves = [Tensor(a) for a in arrays]
    f(*leaves).backward()
    for leaf, expected in zip(leaves, numerical(f, arrays)):
        assert leaf.grad.shape == leaf.data.shape
        assert nl.relative_error(leaf.grad, expected) < 1e-8


TENSOR_OPS = {
    "add, bias broadcast over columns": (lambda Z, b: (Z + b).tanh().sum(), [(3, 5), (3, 1)]),
    "add, row broadcast over rows": (lambda Z, r: (Z + r).tanh().sum(), [(3, 5), (1, 5)]),
    "add, vector broadcast": (lambda Z, v: (Z + v).tanh().sum(), [(3, 5), (5,)]),
    "mul, broadcast": (lambda Z, b: (Z * b).sum(), [(3, 5), (3, 1)]),
    "sub and divide": (lambda A, B: ((A - B) / (B * B + 1)).sum(), [(2, 3), (2, 3)]),
    "matmul": (lambda W, X: (W @ X).tanh().sum(), [(4, 3), (3, 5)]),
    "sum over axis 0": (lambda A: (A.sum(axis=0) ** 2).sum(), [(3, 4)]),
    "sum over axis 1, keepdims": (lambda A: (A.sum(axis=1, keepdims=True) ** 2).sum(), [(3, 4)]),
    "mean": (lambda A: (A.mean(axis=1) ** 2).mean(), [(3, 4)]),
    "exp and log": (lambda A: (A.exp() + 1).log().sum(), [(2, 3)]),
    "relu": (lambda A: (A.relu() ** 2).sum(), [(3, 4)]),
    "sigmoid": (lambda A: (A.sigmoid() * A).sum(), [(3, 4)]),
    "power": (lambda A: (A ** 3).sum(), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(TENSOR_OPS))
def test_tensor_operation_matches_central_differences(name):
    f, shapes = TENSOR_OPS[name]
    check_tensor_op(f, *shapes)


def test_fused_losses_match_central_differences_and_the_package_losses():
    rng = np.random.default_rng(3)
    Y = nl.one_hot(rng.integers(0, 4, 6), 4)
    Z = rng.standard_normal((4, 6))
    check_tensor_op(lambda Z: Z.softmax_cross_entropy(Y), (4, 6))
    assert float(Tensor(Z).softmax_cross_entropy(Y).data) == pytest.approx(
        nl.losses.categorical_cross_entropy_from_logits(Z, Y), rel=1e-14)
    y = rng.integers(0, 2, (1, 6)).astype(float)
    check_tensor_op(lambda Z: Z.sigmoid_cross_entropy(y), (1, 6))
    assert float(Tensor(Z[:1]).sigmoid_cross_entropy(y).data) == pytest.approx(
        nl.losses.binary_cross_entropy_from_logits(Z[:1], y), rel=1e-14)


def test_fused_losses_are_stable_at_large_logits():
    Z = Tensor([[1000.0, -1000.0], [-1000.0, 1000.0]])
    cost = Z.softmax_cross_entropy([[0.0, 1.0], [1.0, 0.0]])
    cost.backward()
    assert float(cost.data) == pytest.approx(2000.0)
    np.testing.assert_allclose(Z.grad, [[0.5, -0.5], [-0.5, 0.5]])
    z = Tensor([[1000.0, -1000.0]])
    cost = z.sigmoid_cross_entropy([[0.0, 1.0]])
    cost.backward()
    assert float(cost.data) == pytest.approx(1000.0)
    np.testing.assert_allclose(z.grad, [[0.5, -0.5]])


def test_the_bias_gradient_is_the_row_sum():
    rng = np.random.default_rng(1)
    Z, b = Tensor(rng.standard_normal((3, 5))), Tensor(np.zeros((3, 1)))
    upstream = rng.standard_normal((3, 5))
    ((Z + b) * upstream).sum().backward()
    np.testing.assert_allclose(b.grad, upstream.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("shape, expected", [
    ((3, 1), lambda g: g.sum(axis=1, keepdims=True)),
    ((1, 5), lambda g: g.sum(axis=0, keepdims=True)),
    ((5,), lambda g: g.sum(axis=0)),
    ((1, 1), lambda g: g.sum(keepdims=True)),
    ((), lambda g: g.sum()),
    ((3, 5), lambda g: g),
])
def test_unbroadcast(shape, expected):
    g = np.arange(15.0).reshape(3, 5)
    out = ad.unbroadcast(g, shape)
    assert out.shape == shape
    np.testing.assert_array_equal(out, expected(g))


def test_a_tensor_copies_its_data():
    a = np.ones((2, 2))
    t = Tensor(a)
    a[0, 0] = 5.0
    assert t.data[0, 0] == 1.0


# ---------------------------------------------------------------- bad input
def test_bad_input_is_named():
    with pytest.raises(TypeError, match="data must be a real number, got str"):
        Value("3")
    with pytest.raises(TypeError, match="data must be an array of numbers, got str"):
        Tensor("3")
    with pytest.raises(TypeError, match="exponent must be a constant number, got Value"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="cannot combine a Value with a Tensor"):
        Value(1.0) + Tensor(np.ones(2))
    with pytest.raises(ValueError, match=r"@ needs 2-D tensors \(n, k\) @ \(k, m\), got \(2, 3\) @ \(2, 3\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"one-number root \(a cost\), got shape \(2,\)"):
        (Tensor(np.ones(2)) * 2).backward()
    with pytest.raises(ValueError, match=r"Y must have shape \(2, 3\) to match the logits, got shape \(3, 2\)"):
        Tensor(np.zeros((2, 3))).softmax_cross_entropy(np.zeros((3, 2)))


def test_repr():
    assert repr(Value(2.0)) == "Value(data=2, grad=0)"
    assert repr(Tensor(np.ones((2, 3))) @ Tensor(np.ones((3, 1)))) == "Tensor(shape=(2, 1), op='@')"


# ------------------------------------------------------------- edge cases
def test_numpy_arrays_on_the_left_hand_their_operations_to_the_tensor():
    # Without __array_ufunc__ = None, numpy took a Tensor for a scalar object: array * T was an
    # object array of Tensors, array @ T a ValueError about dimensions.
    rng = np.random.default_rng(0)
    A, W = rng.normal(size=(2, 3)), Tensor(rng.normal(size=(3, 2)))
    for result, value in ((A @ W, A @ W.data), (A.T * W, A.T * W.data), (A.T - W, A.T - W.data),
                          (A.T / W, A.T / W.data), (A.T + W, A.T + W.data)):
        assert isinstance(result, Tensor)
        np.testing.assert_allclose(result.data, value, rtol=1e-15)
    (A @ W).sum().backward()
    np.testing.assert_allclose(W.grad, A.T @ np.ones((2, 2)), rtol=1e-15)
    x = Value(3.0)
    y = np.float64(2.0) * x + np.float64(1.0)
    y.backward()
    assert isinstance(y, Value) and y.data == 7.0 and x.grad == 2.0
    # numpy's functions still call the node's own method of the same name
    z = np.tanh(x)
    z.backward()
    assert isinstance(z, Value) and x.grad == pytest.approx(1 - math.tanh(3.0) ** 2, rel=1e-15)
    assert isinstance(np.exp(W), Tensor)


def test_a_zeroth_power_has_gradient_zero_even_at_zero():
    x = Value(0.0)
    (x ** 0).backward()
    assert x.grad == 0.0
    t = Tensor(np.array([0.0, 2.0]))
    with np.errstate(all="raise"):
        (t ** 0).sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.0])


def test_a_negative_value_to_a_fractional_power_is_refused_by_name():
    with pytest.raises(ValueError, match=r"^a negative number to a fractional power is not a real number: "
                                         r"\(-4\) \*\* 0.5$"):
        Value(-4.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0


def test_mean_over_several_axes():
    t = Tensor(np.arange(24.0).reshape(2, 3, 4))
    m = t.mean(axis=(0, 2))
    np.testing.assert_allclose(m.data, np.arange(24.0).reshape(2, 3, 4).mean(axis=(0, 2)))
    m.sum().backward()
    np.testing.assert_allclose(t.grad, np.full((2, 3, 4), 1 / 8))
    assert t.mean(axis=1, keepdims=True).data.shape == (2, 1, 4)
