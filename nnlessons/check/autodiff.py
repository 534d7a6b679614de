"""Checkers for the exercises of notebook 08 (automatic differentiation).

The backward rules and the learner's ``gradients`` are compared with central
differences of the forward computation, not with the package's own rules; the
topological order is checked for what makes an order right (every node once,
each after its inputs), since a graph has many right orders.
"""

import contextlib
import copy
import io
import math

import numpy as np

from .. import autodiff as ad
from . import _reference
from ._core import (NOT_IMPLEMENTED, _compare, _describe, _report, check_function, earlier_passes, random_cases,
                    report_again, report_copied, report_raised, watching)

__all__ = ["backward_rules", "topological_order", "gradients", "unbroadcast"]

EXERCISES = ("backward_rules", "topological_order", "gradients", "unbroadcast")

CHAIN = "multiply by grad, the gradient arriving at the output: that is the chain rule"


def _slope(f, x):
    """Central difference of a function of one number, with a step scaled to ``x``."""
    h = 1e-6 * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


# --------------------------------------------------------- backward rules
# name -> (forward as a function of the inputs, how the rule's saved values come from
#          the inputs, the inputs of each case (grad first), the usual slips)
def _unary(forward, saved):
    """The numerical reference of a one-input rule that receives ``(grad, *saved)``."""
    def reference(grad, *args):
        return grad * _slope(forward, saved(*args))
    return reference


RULES = {
    "add_backward": (
        lambda grad: (grad * _slope(lambda a: a + 0.4, 1.3), grad * _slope(lambda b: 1.3 + b, 0.4)),
        [(0.7,), (-1.9,), (2.5,)],
        [(CHAIN, lambda grad: (1.0, 1.0))],
    ),
    "mul_backward": (
        lambda grad, a, b: (grad * _slope(lambda t: t * b, a), grad * _slope(lambda t: a * t, b)),
        [(0.7, 3.0, -2.0), (-1.9, 0.5, 4.0), (2.5, -1.5, 2.0)],
        [("swapped: d(ab)/da is b, the other input, and d(ab)/db is a", lambda grad, a, b: (grad * a, grad * b)),
         (CHAIN, lambda grad, a, b: (b, a))],
    ),
    "pow_backward": (
        lambda grad, a, n: grad * _slope(lambda t: t ** n, a),
        [(0.7, 1.5, 3.0), (-1.9, 2.0, 2.0), (2.5, 0.8, -1.0)],
        [("bring the exponent down: d(a^n)/da = n a^(n-1)", lambda grad, a, n: grad * a ** (n - 1)),
         ("the exponent drops by one: n a^(n-1), not n a^n", lambda grad, a, n: grad * n * a ** n),
         (CHAIN, lambda grad, a, n: n * a ** (n - 1)),
         ("n is a constant, not an input of the graph: return only the gradient for a",
          lambda grad, a, n: (grad * n * a ** (n - 1), grad * a ** n * math.log(abs(a))))],
    ),
    "exp_backward": (
        _unary(math.exp, math.log),
        [(0.7, math.exp(1.2)), (-1.9, math.exp(-0.5)), (2.5, math.exp(2.0))],
        [("d(e^a)/da is e^a itself, which the rule receives as out", lambda grad, out: grad),
         ("out is already e^a: grad * out, not grad * exp(out)", lambda grad, out: grad * math.exp(out)),
         (CHAIN, lambda grad, out: out)],
    ),
    "log_backward": (
        _unary(math.log, lambda a: a),
        [(0.7, 1.7), (-1.9, 0.6), (2.5, 4.0)],
        [("d(log a)/da = 1/a", lambda grad, a: grad * math.log(a)),
         (CHAIN, lambda grad, a: 1 / a)],
    ),
    "tanh_backward": (
        _unary(math.tanh, math.atanh),
        [(0.7, math.tanh(0.8)), (-1.9, math.tanh(-1.3)), (2.5, math.tanh(0.2))],
        [("square it: d(tanh a)/da = 1 - tanh(a)^2 = 1 - out**2", lambda grad, out: grad * (1 - out)),
         ("out is already tanh(a): use 1 - out**2, not 1 - tanh(out)**2",
          lambda grad, out: grad * (1 - math.tanh(out) ** 2)),
         (CHAIN, lambda grad, out: 1 - out ** 2)],
    ),
    "relu_backward": (
        # at the kink a = 0 no derivative exists; the rule's convention (the notebook's table) is 0
        lambda grad, a: 0.0 * grad if a == 0 else _unary(lambda t: max(t, 0.0), lambda t: t)(grad, a),
        [(0.7, 1.2), (-1.9, -0.8), (2.5, 3.0), (1.6, -2.0), (1.3, 0.0), (0.9, 0.5)],
        [("the slope of relu is 1 where a > 0 (and 0 elsewhere), not a", lambda grad, a: grad * max(a, 0.0)),
         ("relu passes the gradient back only where its input was positive: grad * (a > 0)",
          lambda grad, a: grad),
         ("the slope depends on the input a, not on grad: grad * (a > 0)", lambda grad, a: max(grad, 0.0)),
         ("at the kink a = 0 the rule returns 0: grad * (a > 0), not (a >= 0)",
          lambda grad, a: grad * (a >= 0)),
         (CHAIN, lambda grad, a: float(a > 0))],
    ),
}

ARG_NAMES = {"add_backward": ("grad",), "mul_backward": ("grad", "a", "b"), "pow_backward": ("grad", "a", "n"),
             "exp_backward": ("grad", "out"), "log_backward": ("grad", "a"), "tanh_backward": ("grad", "out"),
             "relu_backward": ("grad", "a")}


def _one_tuple(reference):
    return lambda *args: (reference(*args),)


def backward_rules(*rules):
    """Check the seven rules ``add_backward, mul_backward, pow_backward, exp_backward, log_backward,
    tanh_backward, relu_backward`` (in that order) against central differences.

    Each takes ``grad`` and the values its forward saved and returns the gradient for each
    input: a pair for ``add`` and ``mul``, one number for the others. Prints one line.
    """
    __tracebackhide__ = True
    name = "backward_rules"
    for rule_name, learner in zip(RULES, rules):
        reference, inputs, hints = RULES[rule_name]
        names = ARG_NAMES[rule_name]
        cases = [(", ".join(f"{n}={v:.4g}" for n, v in zip(names, args)), args) for args in inputs]
        if rule_name not in ("add_backward", "mul_backward"):
            hints = hints + [("a rule with one input returns the gradient itself, not a tuple",
                              _one_tuple(reference))]
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                result = check_function(rule_name, learner, reference, cases, names, hints,
                                        references=_reference.REFERENCES.get(name, ()),
                                        names=("the gradient for a", "the gradient for b"))
        except BaseException:
            print(printed.getvalue(), end="")
            raise
        if not result:
            # A stub reads as the stub of the whole exercise, as in every other checker; an
            # exception names the rule that raised it, its traceback below.
            message = result.message if result.message == NOT_IMPLEMENTED else f"{rule_name}: {result.message}"
            return report_again(name, result, message)
    if len(rules) != len(RULES):
        return _report(name, False, f"expected the {len(RULES)} rules {', '.join(RULES)} in that order, "
                                    f"got {len(rules)} function{'s' if len(rules) != 1 else ''}")
    return _report(name, True, "all 7 rules match central differences on every case")


# ------------------------------------------------------------ graph cases
def _graph_h(x):
    return (5 * x + 3) ** 2


def _graph_f(x, y):
    return x * x * y


def _graph_neuron(x1, x2, w1, w2, b):
    return (w1 * x1 + w2 * x2 + b).tanh()


def _graph_diamond(x, y):
    a = x * y
    c = a.exp() + a * 2 + (y * y + 1).log()
    return (c / x - y).relu() + a


GRAPHS = [
    ("h = (5x + 3)^2", _graph_h, (1.0,), (0,)),
    ("f = x * x * y (x used twice)", _graph_f, (3.0, -2.0), (0, 1)),
    ("a tanh neuron", _graph_neuron, (0.5, -1.5, 0.8, 0.3, 0.1), (0, 1, 2, 3, 4)),
    ("a graph where a = x * y feeds three nodes", _graph_diamond, (0.7, 1.3), (0, 1)),
]


def _build(builder, values):
    leaves = [ad.Value(v, label=n) for v, n in zip(values, "xyzuvw")]
    return builder(*leaves), leaves


def _node_name(node):
    if node.label:
        return f"'{node.label}'"
    return f"the '{node.op or 'constant'}' node (value {node.data:.4g})"


def _call(name, learner, description, args, budget=None):
    """Run the learner once: its value, or a verdict when it cannot be judged (stub, exception, None).

    ``budget``: the Python calls it may make (``_reference.OverBudget`` past them).
    """
    __tracebackhide__ = True
    try:
        with watching(name, budget) as seen:
            got = learner(*args)
    except NotImplementedError:
        return None, _report(name, False, NOT_IMPLEMENTED)
    except Exception as exc:
        return None, report_raised(name, exc, f"on {description}")
    if seen:
        return None, report_copied(name, seen)
    if got is None:
        return None, _report(name, False, f"on {description}: your function returned None "
                                          "(is a `return` missing?)")
    return got, None


#: the levels of the graph y = y + y, each doubling the number of paths from the root to x
PATH_LEVELS = 40
#: Python calls allowed on that graph: a walk in topological order makes a few per node
PATH_BUDGET = 50_000


# ------------------------------------------------------- topological order
def _order_problem(order, root):
    """Why ``order`` is not a topological order of ``root``'s graph, or None."""
    if not isinstance(order, (list, tuple)):
        return f"expected a list of the graph's nodes, got {_describe(order)}"
    nodes = ad.topological_order(root)
    known = {id(n) for n in nodes}
    for item in order:
        if id(item) not in known:
            if isinstance(item, type(root)):
                hint = ("a node of another graph, kept from an earlier call? Create the list and the visited "
                        "set inside the function, not as default arguments (order=[]) or globals")
            else:
                hint = "return the nodes themselves, not their .data"
            return f"the list holds {_describe(item)} that is not a node of the graph (hint: {hint})"
    counts = {}
    for item in order:
        counts[id(item)] = counts.get(id(item), 0) + 1
    for item in order:
        if counts[id(item)] > 1:
            return (f"{_node_name(item)} appears {counts[id(item)]} times (hint: keep a set of visited nodes "
                    "and skip a node already visited)")
    missing = [n for n in nodes if id(n) not in counts]
    if missing:
        return (f"{len(missing)} of the graph's {len(nodes)} nodes are missing, e.g. {_node_name(missing[0])} "
                "(hint: visit the parents of every node, recursively)")
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if position[id(parent)] > position[id(node)]:
                reversed_ok = all(position[id(p)] > position[id(n)] for n in order for p in n.parents)
                hint = ("the order is reversed: inputs come first and the root last (append a node after "
                        "its parents, and do not reverse the list)" if reversed_ok else
                        "append a node only after all of its parents are in the list")
                return f"{_node_name(node)} comes before its input {_node_name(parent)} (hint: {hint})"
    return None


def topological_order(learner):
    """Check ``topological_order(root) -> list``: every node of the graph once, each after its inputs."""
    __tracebackhide__ = True
    name = "topological_order"
    if not callable(learner):
        return _report(name, False, f"expected a function, got {_describe(learner)}")
    cases = [(description, _build(builder, values)[0]) for description, builder, values, _ in GRAPHS]
    cases.append(("a single leaf", ad.Value(2.0, label="x")))
    for description, root in cases:
        order, verdict = _call(name, learner, description, (root,))
        if verdict is not None:
            return verdict
        problem = _order_problem(order, root)
        if problem:
            return _report(name, False, f"on {description}: {problem}")
    y, _, description = _doubling_graph()
    try:
        order, verdict = _call(name, learner, description, (y,), budget=PATH_BUDGET)
    except _reference.OverBudget:
        return _report(name, False, f"on {description}: still running after {PATH_BUDGET:,} function calls on "
                                    f"{PATH_LEVELS + 1} nodes (hint: your function visits a node again along every "
                                    "path to it, 2^40 of them; add a node to the visited set when you first reach "
                                    "it, and skip it ever after)")
    if verdict is not None:
        return verdict
    problem = _order_problem(order, y)
    if problem:
        return _report(name, False, f"on {description}: {problem}")
    return _report(name, True, f"all {len(cases)} graphs ordered, each node after its inputs; a graph of "
                               f"2^{PATH_LEVELS} paths visited once per node")


def _doubling_graph():
    """``(y, x, description)``: y = y + y, ``PATH_LEVELS`` times from x: 2^PATH_LEVELS paths from y to x."""
    x = ad.Value(1.5, label="x")
    y = x
    for _ in range(PATH_LEVELS):
        y = y + y
    return y, x, f"y = y + y repeated {PATH_LEVELS} times (a graph of 2^{PATH_LEVELS} paths from y to x)"


# --------------------------------------------------------------- gradients
def _numerical(builder, values, wrt):
    grads = []
    for i in wrt:
        def f(t, i=i):
            shifted = list(values)
            shifted[i] = t
            return _build(builder, shifted)[0].data
        grads.append(_slope(f, values[i]))
    return grads


def _walk(root, wrt, *, accumulate=True, backwards=True):
    """The backward pass, right by default, or with one of the usual slips."""
    order = ad.topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in (reversed(order) if backwards else order):
        if node.rule is None:
            continue
        grads = node.rule(node.grad, *node.saved)
        grads = (grads,) if len(node.parents) == 1 else grads
        for parent, grad in zip(node.parents, grads):
            parent.grad = parent.grad + grad if accumulate else grad
    return [w.grad for w in wrt]


GRADIENT_SLIPS = [
    ("add into parent.grad (+=) instead of assigning (=): a value used twice needs both of its gradients",
     dict(accumulate=False)),
    # Walking leaves first and forgetting the seed both leave every gradient at 0.
    ("every gradient stayed 0: set root.grad = 1, then walk the order backwards (root first), so that "
     "a node's grad is complete before it is passed on", dict(backwards=False)),
]


def _close(got, expected):
    try:
        if np.asarray(got).dtype.kind in "SU":
            return False  # "80.0" parses as a number: a printed gradient must not pass
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got.shape == (len(expected),) and bool(np.allclose(got, expected, rtol=1e-6, atol=1e-8))


# the notebook's RULES dict: operation -> the learner's rule, in the order of backward_rules
RULE_OPS = ("+", "*", "**", "exp", "log", "tanh", "relu")


def _earlier_exercises_failing(learner):
    """The learner's earlier answers that their ``gradients`` uses and that do not pass yet.

    ``gradients`` looks up ``RULES`` (exercise 1) and ``topological_order`` (exercise 2)
    where it was defined; each is re-checked here without printing.
    """
    namespace = getattr(learner, "__globals__", {})
    rules, order = namespace.get("RULES"), namespace.get("topological_order")
    failing = []
    if isinstance(rules, dict) and all(op in rules for op in RULE_OPS):
        if not earlier_passes(backward_rules, *(rules[op] for op in RULE_OPS)):
            failing.append("exercise 1 (backward_rules)")
    if callable(order) and order is not ad.topological_order and not earlier_passes(topological_order, order):
        failing.append("exercise 2 (topological_order)")
    return failing


def gradients(learner):
    """Check ``gradients(root, wrt) -> [d root / d w for w in wrt]`` end to end on four graphs.

    Each graph is differentiated twice in a row (a second call must give the same
    answer) and compared with central differences. When it fails and the learner's
    ``RULES`` or ``topological_order`` (earlier exercises) do not pass either, the
    verdict says so: the fault may lie there.
    """
    __tracebackhide__ = True
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            result = _check_gradients(learner)
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if result or result.message == NOT_IMPLEMENTED or result.copied:
        print(printed.getvalue(), end="")
        return result
    failing = _earlier_exercises_failing(learner)
    if not failing:
        print(printed.getvalue(), end="")
        return result
    note = (f" (note: your gradients uses your {' and '.join(failing)}, which does not "
            "pass yet: make it pass first)")
    return report_again(result.name, result, result.message + note)


def _check_gradients(learner):
    __tracebackhide__ = True
    name = "gradients"
    if not callable(learner):
        return _report(name, False, f"expected a function, got {_describe(learner)}")
    cases = []
    for description, builder, values, wrt in GRAPHS:
        root, leaves = _build(builder, values)
        cases.append((description, builder, values, wrt, root, [leaves[i] for i in wrt]))
    for description, builder, values, indices, root, wrt in cases:
        expected = _numerical(builder, values, indices)
        for attempt in ("", ", called a second time"):
            got, verdict = _call(name, learner, description + attempt, (root, list(wrt)))
            if verdict is not None:
                return verdict
            if _close(got, expected):
                continue
            where = f"on {description}{attempt}"
            try:
                shape = None if np.asarray(got).dtype.kind in "SU" else np.asarray(got, dtype=np.float64).shape
            except (TypeError, ValueError):
                shape = None
            if shape != (len(expected),):
                nodes = isinstance(got, (list, tuple)) and any(isinstance(g, type(root)) for g in got)
                hint = " (hint: return each node's .grad, [w.grad for w in wrt], not the nodes)" if nodes else ""
                return _report(name, False, f"{where}: expected a list of {len(expected)} numbers (one per "
                                            f"node of wrt), got {_describe(got)}{hint}")
            if attempt:
                return _report(name, False, f"{where}: the gradients changed from the first call (hint: reset "
                                            "every node's grad to 0 before accumulating)")
            message = f"{where}: expected {np.round(expected, 6).tolist()}, got {np.round(got, 6).tolist()}"
            for hint, slip in GRADIENT_SLIPS:
                fresh, fresh_wrt = _build(builder, values)
                wrong = _walk(fresh, [fresh_wrt[i] for i in indices], **slip)
                if _close(got, wrong):
                    return _report(name, False, f"{message} (hint: {hint})")
            return _report(name, False, message)
    problem = _exponential_paths_problem(learner)
    if problem is not None:
        return problem
    return _report(name, True, f"all {len(cases)} graphs match central differences, also when called twice; "
                               f"a graph of 2^{PATH_LEVELS} paths walked once per node")


def _exponential_paths_problem(learner):
    """None when ``learner`` differentiates y = y + y, 40 times over, in a number of steps linear in its size.

    The graph has 41 nodes and 2^40 paths from the root to x: pushing each contribution along
    every path (a recursion from the root without an order) gives the right numbers in
    exponential time, and never ends here.
    """
    __tracebackhide__ = True
    y, x, description = _doubling_graph()
    try:
        got, verdict = _call("gradients", learner, description, (y, [x]), budget=PATH_BUDGET)
    except _reference.OverBudget:
        return _report("gradients", False, f"on {description}: still running after {PATH_BUDGET:,} function calls "
                                           f"on {PATH_LEVELS + 1} nodes (hint: your function pushes each "
                                           "contribution along every path, 2^40 of them; walk the nodes once, in "
                                           "reversed topological order, so that each node passes on its complete "
                                           "grad a single time)")
    if verdict is not None:
        return verdict
    if not _close(got, [2.0 ** PATH_LEVELS]):
        return _report("gradients", False, f"on {description}: expected [{2.0 ** PATH_LEVELS:.6g}], got {got!r:.60}")
    return None


# -------------------------------------------------------------- unbroadcast
def unbroadcast(learner):
    """Check ``unbroadcast(grad, shape)``: ``grad`` summed down to ``shape`` over the broadcast axes."""

    # (grad's shape, shape): the 2-D cases first, then extra leading axes together with size-1 axes
    specs = [((3, 5), (3, 1)), ((3, 5), (1, 5)), ((3, 5), (3, 5)), ((3, 5), (5,)), ((3, 5), (1, 1)),
             ((2, 3, 5), (3, 1)), ((4, 2, 3, 5), (1, 5)), ((2, 4, 3, 5), (4, 1, 5)), ((2, 3, 4), (1, 1, 4))]

    def make(rng, i):
        grad_shape, shape = specs[i]
        return rng.standard_normal(grad_shape), shape

    cases = random_cases(make, ["a bias (3, 1) added to every column of (3, 5)",
                                "a row (1, 5) added to every row of (3, 5)",
                                "no broadcasting: (3, 5) to (3, 5)",
                                "a vector (5,) broadcast to (3, 5)",
                                "a (1, 1) constant broadcast to (3, 5)",
                                "a (3, 1) broadcast to (2, 3, 5): one leading axis and a size-1 axis",
                                "a (1, 5) broadcast to (4, 2, 3, 5): two leading axes and a size-1 axis",
                                "a (4, 1, 5) broadcast to (2, 4, 3, 5)",
                                "a (1, 1, 4) broadcast to (2, 3, 4): no leading axis, two size-1 axes"],
                         seed=801)
    hints = [("sum, not mean: a bias added to every column receives every column's gradient in full",
              lambda grad, shape: _reduce(grad, shape, np.mean, lambda size: size == 1)),
             ("sum over the axes where shape has size 1 (those were broadcast), not the others",
              lambda grad, shape: _reduce(grad, shape, np.sum, lambda size: size != 1)),
             ("one `if` removes one leading axis; grad may have several: `while grad.ndim > len(shape)`",
              lambda grad, shape: _reduce(grad, shape, np.sum, lambda size: size == 1, leading_once=True)),
             ("remove the leading axes first, then sum the size-1 axes: until grad has len(shape) axes, axis i "
              "of shape is not axis i of grad", _sized_first)]
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            result = check_function("unbroadcast", learner, ad.unbroadcast, cases, ("grad", "shape"), hints,
                                    on_error=_unbroadcast_error)
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    if result or result.copied or "(hint: " in result.message or not _right_on(learner, cases[:5]):
        print(printed.getvalue(), end="")
        return result
    return _report("unbroadcast", False, f"{result.message} (hint: {_TWO_D})")


_TWO_D = ("right on the 2-D cases, not beyond: grad and shape may have any number of axes; remove leading axes "
          "while grad.ndim > len(shape), then sum each axis where shape has size 1")


def _right_on(learner, cases):
    """True when ``learner`` matches ``ad.unbroadcast`` on every case of ``cases``."""
    try:
        return all(_compare(ad.unbroadcast(*args), learner(*copy.deepcopy(args)), "") is None
                   for _, args in cases)
    except Exception:
        return False


def _reduce(grad, shape, how, summed, leading_once=False):
    """``unbroadcast`` with another reduction, or over other axes: the usual slips."""
    while grad.ndim > len(shape):
        grad = how(grad, axis=0)
        if leading_once:
            break
    for axis, size in enumerate(shape):
        if summed(size) and grad.shape[axis] != 1:
            grad = how(grad, axis=axis, keepdims=True)
    return grad


def _sized_first(grad, shape):
    """The size-1 axes of ``shape`` summed on grad's axes of the same index, before the leading axes go."""
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


def _unbroadcast_error(description, args, exc):
    grad, shape = args
    return _TWO_D if grad.ndim > 2 or len(shape) > 2 else None
