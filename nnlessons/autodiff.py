"""Automatic differentiation: backpropagation as one algorithm over a graph.

Every arithmetic operation on a ``Value`` (one number) or a ``Tensor`` (a numpy
array) records a node of a computational graph: its inputs (``parents``), what
its backward rule will need (``saved``) and the rule itself. ``backward()`` on
the final node then

1. orders the graph so that every node comes after its inputs
   (``topological_order``),
2. resets every ``grad`` to zero and sets the final node's to 1,
3. walks the order backwards: each node hands its ``grad`` to its rule, which
   returns one gradient per input (the local chain rule), and each input
   **adds** it to its own ``grad``. Adding, not assigning, because a value used
   twice (``x * x``) receives a gradient along each use, and the chain rule
   sums them.

Each operation below is a pair: the forward function, and right under it its
backward rule ``rule(grad, *saved) -> gradient for each input`` (a single
gradient for an operation with one input). The elementwise rules are written
with plain arithmetic, so the same rule serves numbers and arrays.

A ``Tensor`` works the same way over arrays, with three additions: matrix
products, sums over an axis, and broadcasting. When ``b`` ``(n, 1)`` was added
to every column of ``Z`` ``(n, m)``, the gradient reaching ``b`` is ``(n, m)``;
``unbroadcast`` sums it back to ``(n, 1)``: the row sums, the ``db`` of
notebook 05. ``softmax_cross_entropy`` and ``sigmoid_cross_entropy`` fuse the
output activation with its loss, so their rule is the stable ``(A - Y) / m``.

Unlike PyTorch, which adds into ``.grad`` across calls until ``zero_grad()``,
``backward()`` here starts from zero each time: after ``root.backward()``,
every node's ``grad`` is the derivative of ``root`` with respect to it.
"""

import math
import numbers

import numpy as np

from ._validation import as_float_array, check_finite
from .activations import log_sigmoid, log_softmax, sigmoid as _sigmoid
from .losses import check_binary_targets, check_one_hot


# --------------------------------------------------------------- arithmetic
def add(a, b):
    """a + b."""
    return a._result(a.data + b.data, (a, b), add_backward, (), "+")


def add_backward(grad):
    """d(a + b)/da = d(a + b)/db = 1: both inputs receive the gradient unchanged."""
    return grad, grad


def mul(a, b):
    """a * b (elementwise for tensors)."""
    return a._result(a.data * b.data, (a, b), mul_backward, (a.data, b.data), "*")


def mul_backward(grad, a, b):
    """d(ab)/da = b, d(ab)/db = a."""
    return grad * b, grad * a


def power(a, n):
    """a ** n for a constant number ``n`` (not a node: its gradient is not needed)."""
    return a._result(a.data ** n, (a,), pow_backward, (a.data, n), "**")


def pow_backward(grad, a, n):
    """d(a^n)/da = n a^(n-1); for n = 0 simply 0 (a^(-1) would divide by zero at a = 0)."""
    if n == 0:
        return grad * 0.0
    return grad * n * a ** (n - 1)


# --------------------------------------------------------------- functions
def exp(a):
    """e ** a."""
    out = np.exp(a.data)
    return a._result(out, (a,), exp_backward, (out,), "exp")


def exp_backward(grad, out):
    """d(e^a)/da = e^a: the forward's own output, saved."""
    return grad * out


def log(a):
    """Natural log of a (a > 0)."""
    return a._result(np.log(a.data), (a,), log_backward, (a.data,), "log")


def log_backward(grad, a):
    """d(log a)/da = 1 / a."""
    return grad / a


def tanh(a):
    """tanh(a)."""
    out = np.tanh(a.data)
    return a._result(out, (a,), tanh_backward, (out,), "tanh")


def tanh_backward(grad, out):
    """d(tanh a)/da = 1 - tanh(a)^2, from the saved output."""
    return grad * (1 - out ** 2)


def relu(a):
    """max(a, 0)."""
    return a._result(np.maximum(a.data, 0.0), (a,), relu_backward, (a.data,), "relu")


def relu_backward(grad, a):
    """d(relu a)/da = 1 where a > 0, else 0 (0 at the kink, as in ``activations``)."""
    return grad * (a > 0)


def sigmoid(a):
    """1 / (1 + e ** -a), computed stably."""
    out = _sigmoid(a.data)
    return a._result(out, (a,), sigmoid_backward, (out,), "sigmoid")


def sigmoid_backward(grad, out):
    """d(sigmoid a)/da = sigmoid(a) (1 - sigmoid(a))."""
    return grad * out * (1 - out)


# ------------------------------------------------------------ arrays only
def matmul(A, B):
    """A @ B for 2-D tensors ``(n, k) @ (k, m)``."""
    return A._result(A.data @ B.data, (A, B), matmul_backward, (A.data, B.data), "@")


def matmul_backward(grad, A, B):
    """For C = A B: dA = dC B^T ``(n, k)``, dB = A^T dC ``(k, m)``."""
    return grad @ B.T, A.T @ grad


def tensor_sum(a, axis=None, keepdims=False):
    """Sum of the entries of a tensor, over ``axis`` (all of them by default)."""
    out = np.sum(a.data, axis=axis, keepdims=keepdims)
    return a._result(out, (a,), sum_backward, (a.data.shape, axis, keepdims), "sum")


def sum_backward(grad, shape, axis, keepdims):
    """Each entry enters the sum with slope 1: copy the gradient back to every summed entry."""
    if axis is not None and not keepdims:
        grad = np.expand_dims(grad, axis)
    return np.broadcast_to(grad, shape)


def softmax_cross_entropy(Z, Y):
    """Mean categorical cross-entropy of softmax(Z) for one-hot ``Y`` ``(n_classes, m)``, from the logits."""
    log_A = log_softmax(Z.data)
    cost = -np.sum(Y * log_A) / Z.data.shape[1]
    return Z._result(cost, (Z,), cross_entropy_backward, (np.exp(log_A), Y), "softmax-CE")


def sigmoid_cross_entropy(Z, Y):
    """Mean binary cross-entropy of sigmoid(Z) for 0/1 targets ``Y`` ``(1, m)``, from the logits."""
    cost = -np.sum(Y * log_sigmoid(Z.data) + (1.0 - Y) * log_sigmoid(-Z.data)) / Z.data.shape[1]
    return Z._result(cost, (Z,), cross_entropy_backward, (_sigmoid(Z.data), Y), "sigmoid-CE")


def cross_entropy_backward(grad, A, Y):
    """Both fused losses: dJ/dZ = (A - Y) / m, with A the softmax or sigmoid of the logits."""
    return grad * (A - Y) / Y.shape[1]


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``, undoing numpy broadcasting.

    An input broadcast along an axis was used once per entry of that axis, so its
    gradient is the sum over that axis: a bias ``(n, 1)`` added to ``(n, m)`` gets
    the row sums ``(n, 1)``. Leading axes that broadcasting added are summed away.
    """
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


# ------------------------------------------------------------- the graph
def topological_order(root):
    """Every node of ``root``'s graph, each after all of its inputs (``root`` last).

    A depth-first search that appends a node once all its parents are placed.
    Written with an explicit stack, so a graph thousands of operations deep
    does not hit Python's recursion limit.
    """
    order, placed = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in placed:
            placed.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if p not in placed)
    return order


class Value:
    """One number that remembers how it was computed.

    ``Value(2.0, label="x")`` is a leaf. Arithmetic (``+ - * / **``, with plain
    numbers too) and ``.exp() .log() .tanh() .relu() .sigmoid()`` return new
    nodes. After ``root.backward()``, ``node.grad`` is d root / d node.
    """

    # Above an array's priority, so that ``array * node`` and ``array @ node`` are handed to
    # the node's reflected operators (__rmul__, __rmatmul__, ...); without it numpy takes the
    # node for a number of its own: ``array * node`` builds an array of nodes, ``array @ node``
    # fails. (``np.tanh(node)`` still calls ``node.tanh()``.)
    __array_priority__ = 1000

    def __init__(self, data, label=""):
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"data must be a real number, got {type(data).__name__}")
        if not math.isfinite(data):
            raise ValueError(f"data must be a finite number, got {data}")
        self.data = float(data)
        self.grad = 0.0
        self.parents, self.rule, self.saved, self.op = (), None, (), ""
        self.label = label

    @classmethod
    def _result(cls, data, parents, rule, saved, op):
        """A new node computed from ``parents``; ``rule(grad, *saved)`` is its backward."""
        out = cls.__new__(cls)
        out.data, out.parents, out.rule, out.saved, out.op, out.label = data, parents, rule, saved, op, ""
        out._convert()
        out.zero_grad()
        return out

    def _convert(self):
        self.data = float(self.data)

    def zero_grad(self):
        self.grad = 0.0

    def _one(self):
        return 1.0

    def _accumulate(self, grad):
        self.grad += float(grad)  # a rule may hand back a numpy scalar; a Value keeps plain floats

    def _lift(self, other):
        """A constant operand becomes a leaf of the same kind; nodes pass through."""
        if isinstance(other, Value):
            if type(other) is not type(self):
                raise TypeError(f"cannot combine a {type(self).__name__} with a {type(other).__name__}")
            return other
        return type(self)(other)

    def backward(self):
        """Fill ``grad`` of every node of this graph with d self / d node (see the module docstring)."""
        order = topological_order(self)
        for node in order:
            node.zero_grad()
        self.grad = self._one()
        for node in reversed(order):
            if node.rule is None:
                continue  # a leaf: nothing further back
            grads = node.rule(node.grad, *node.saved)
            if len(node.parents) == 1:
                grads = (grads,)
            for parent, grad in zip(node.parents, grads):
                parent._accumulate(grad)

    # Operators, so that expressions read like the maths.
    def __add__(self, other):
        return add(self, self._lift(other))

    def __mul__(self, other):
        return mul(self, self._lift(other))

    def __pow__(self, n):
        if isinstance(n, bool) or not isinstance(n, numbers.Real):
            raise TypeError(f"the exponent must be a constant number, got {type(n).__name__}")
        if np.any(self.data < 0) and not float(n).is_integer():
            # Python would return a complex number (numpy nan); a node holds a real one.
            raise ValueError(f"a negative number to a fractional power is not a real number: "
                             f"({np.min(self.data):g}) ** {float(n):g}")
        if n < 0 and np.any(self.data == 0):
            raise ZeroDivisionError(f"0 ** {float(n):g} divides by zero: the base of a negative power must not be 0")
        return power(self, float(n))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __truediv__(self, other):
        other = self._lift(other)
        if np.any(other.data == 0):
            raise ZeroDivisionError("division by zero: the divisor is 0")
        return self * other ** -1

    def __radd__(self, other):
        return self._lift(other) + self

    def __rmul__(self, other):
        return self._lift(other) * self

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def exp(self):
        return exp(self)

    def log(self):
        if np.any(self.data <= 0):
            raise ValueError(f"log needs positive numbers, got {np.min(self.data):g}: the log of a number <= 0 "
                             "is not a real number")
        return log(self)

    def tanh(self):
        return tanh(self)

    def relu(self):
        return relu(self)

    def sigmoid(self):
        return sigmoid(self)

    def __repr__(self):
        return f"{type(self).__name__}(data={self.data:.4g}, grad={self.grad:.4g})"


class Tensor(Value):
    """An array that remembers how it was computed: ``Value`` with matrix products, sums and broadcasting.

    ``Tensor(W, label="W1")`` is a leaf; ``W @ X + b``, ``.sum(axis)``, the activations
    and the fused losses return new nodes. ``backward()`` needs a one-number root (a cost);
    each ``grad`` then has its node's shape.
    """

    def __init__(self, data, label=""):
        # A float64 copy: later edits of the caller's array must not reach the graph.
        self.data = np.array(as_float_array(data, "data"), dtype=np.float64)
        check_finite(self.data, "data")
        self.parents, self.rule, self.saved, self.op = (), None, (), ""
        self.label = label
        self.zero_grad()

    def _convert(self):
        self.data = np.asarray(self.data, dtype=np.float64)

    @property
    def shape(self):
        return self.data.shape

    def zero_grad(self):
        self.grad = np.zeros_like(self.data)

    def _one(self):
        if self.data.size != 1:
            raise ValueError(f"backward() needs a one-number root (a cost), got shape {self.data.shape}")
        return np.ones_like(self.data)

    def _accumulate(self, grad):
        self.grad += unbroadcast(grad, self.data.shape)

    def __matmul__(self, other):
        other = self._lift(other)
        if self.data.ndim != 2 or other.data.ndim != 2 or self.data.shape[1] != other.data.shape[0]:
            raise ValueError(f"@ needs 2-D tensors (n, k) @ (k, m), got {self.data.shape} @ {other.data.shape}")
        return matmul(self, other)

    def __rmatmul__(self, other):
        return self._lift(other) @ self

    def sum(self, axis=None, keepdims=False):
        return tensor_sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        total = self.sum(axis, keepdims)
        return total / (self.data.size // total.data.size)  # the number of entries summed into each

    def softmax_cross_entropy(self, Y):
        """Mean cross-entropy of the column softmax of these logits against one-hot ``Y``."""
        if self.data.ndim == 2 and self.data.shape[0] == 1:
            raise ValueError("a softmax over a single row always outputs 1 (the cost would be 0 whatever the logits); "
                             "for two classes use sigmoid_cross_entropy on one row, or two rows of logits")
        return softmax_cross_entropy(self, _targets(Y, self.data.shape, "Y", check_one_hot))

    def sigmoid_cross_entropy(self, Y):
        """Mean binary cross-entropy of the sigmoid of these logits against 0/1 ``Y``."""
        return sigmoid_cross_entropy(self, _targets(Y, self.data.shape, "Y", check_binary_targets))

    def __repr__(self):
        return f"Tensor(shape={self.data.shape}, op={self.op or 'leaf'!r})"


def _targets(Y, shape, name, check_targets):
    Y = as_float_array(Y, name)
    if len(shape) != 2 or Y.shape != shape:
        raise ValueError(f"{name} must have shape {shape} to match the logits, got shape {Y.shape}")
    check_finite(Y, name)
    check_targets(Y, name)
    return Y
