"""The checkers of notebook 08 pass right answers and name the usual autodiff mistakes."""

import contextlib
import io
import math
import pathlib

import numpy as np
import pytest

from nnlessons import autodiff as ad
from nnlessons import check
from nnlessons.check import autodiff as check_autodiff
from notebook_cells import exercise_sources, run_cells, student_sources
from verdicts import assert_traceback_below
from verdicts import package_answers_allowed  # noqa: F401 (a fixture)

# The package's references serve as answers here; test_check_reference.py tests their refusal.
pytestmark = pytest.mark.usefixtures("package_answers_allowed")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_autodiff.ipynb"
CHECKERS = [check.backward_rules, check.topological_order, check.gradients, check.unbroadcast]
PASS_LINES = {
    "backward_rules": "all 7 rules match central differences on every case",
    "topological_order": "all 5 graphs ordered, each node after its inputs; "
                         "a graph of 2^40 paths visited once per node",
    "gradients": "all 4 graphs match central differences, also when called twice; "
                 "a graph of 2^40 paths walked once per node",
    "unbroadcast": "all 9 cases match the reference",
}


def verdict_line(checker, *fns, capsys):
    result = checker(*fns)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out
    assert out.startswith("PASSED  " if result else "FAILED  "), out
    return out


def passes(checker, *fns, capsys):
    name = checker.__name__
    assert verdict_line(checker, *fns, capsys=capsys) == f"PASSED  {name}: {PASS_LINES[name]}\n"


def fails(checker, *fns, capsys, fragments=()):
    out = verdict_line(checker, *fns, capsys=capsys)
    assert out.startswith(f"FAILED  {checker.__name__}: "), out
    for fragment in fragments:
        assert fragment in out, out
    return out


def test_exported_in_notebook_order_and_reachable_from_check():
    assert check_autodiff.EXERCISES == tuple(c.__name__ for c in CHECKERS)
    assert set(check_autodiff.__all__) == set(check_autodiff.EXERCISES)
    for name in check_autodiff.__all__:
        assert getattr(check, name) is getattr(check_autodiff, name)


# ------------------------------------------------------------ backward rules
def add_backward(grad):
    return grad, grad


def mul_backward(grad, a, b):
    return grad * b, grad * a


def pow_backward(grad, a, n):
    return grad * n * a ** (n - 1)


def exp_backward(grad, out):
    return grad * out


def log_backward(grad, a):
    return grad / a


def tanh_backward(grad, out):
    return grad * (1 - out ** 2)


def relu_backward(grad, a):
    return grad * (a > 0)


RIGHT = [add_backward, mul_backward, pow_backward, exp_backward, log_backward, tanh_backward, relu_backward]


def rules_with(**replaced):
    return [replaced.get(f.__name__, f) for f in RIGHT]


def test_right_rules_pass_in_every_plausible_form(capsys):
    passes(check.backward_rules, *RIGHT, capsys=capsys)
    passes(check.backward_rules, ad.add_backward, ad.mul_backward, ad.pow_backward, ad.exp_backward,
           ad.log_backward, ad.tanh_backward, ad.relu_backward, capsys=capsys)
    passes(check.backward_rules, *rules_with(
        add_backward=lambda grad: [grad, grad],                              # a list
        mul_backward=lambda grad, a, b: [grad * b, grad * a],                # a list
        exp_backward=lambda grad, out: np.float32(grad) * out,               # float32 noise is fine
        tanh_backward=lambda grad, out: grad - grad * out * out,
        relu_backward=lambda grad, a: grad if a > 0 else 0.0,                # scalar if/else
    ), capsys=capsys)


@pytest.mark.parametrize("replaced, fragments", [
    (dict(add_backward=lambda grad: (1.0, 1.0)), ["add_backward: on grad=0.7", "hint: multiply by grad"]),
    (dict(add_backward=lambda grad: grad), ["add_backward", "expected a tuple of 2 values"]),
    (dict(mul_backward=lambda grad, a, b: (grad * a, grad * b)), ["mul_backward", "hint: swapped"]),
    (dict(mul_backward=lambda grad, a, b: (b, a)), ["mul_backward", "hint: multiply by grad"]),
    (dict(pow_backward=lambda grad, a, n: grad * a ** (n - 1)), ["pow_backward", "bring the exponent down"]),
    (dict(pow_backward=lambda grad, a, n: grad * n * a ** n), ["pow_backward", "the exponent drops by one"]),
    (dict(pow_backward=lambda grad, a, n: (grad * n * a ** (n - 1),)),
     ["pow_backward", "expected a number, got a tuple of 1 values", "returns the gradient itself"]),
    (dict(exp_backward=lambda grad, out: grad), ["exp_backward", "e^a itself"]),
    (dict(exp_backward=lambda grad, out: grad * math.exp(out)),
     ["exp_backward: on grad=0.7, out=3.32", "hint: out is already e^a"]),
    (dict(pow_backward=lambda grad, a, n: (grad * n * a ** (n - 1), grad * a ** n * math.log(abs(a)))),
     ["pow_backward", "hint: n is a constant"]),
    (dict(relu_backward=lambda grad, a: grad * (a >= 0)), ["relu_backward: on grad=1.3, a=0", "at the kink a = 0"]),
    (dict(relu_backward=lambda grad, a: grad), ["relu_backward", "only where its input was positive"]),
    (dict(relu_backward=lambda grad, a: max(grad, 0.0)), ["relu_backward", "depends on the input a, not on grad"]),
    (dict(log_backward=lambda grad, a: grad * math.log(a)), ["log_backward", "d(log a)/da = 1/a"]),
    (dict(tanh_backward=lambda grad, out: grad * (1 - out)), ["tanh_backward", "square it"]),
    (dict(tanh_backward=lambda grad, out: grad * (1 - math.tanh(out) ** 2)),
     ["tanh_backward", "out is already tanh(a)"]),
    (dict(relu_backward=lambda grad, a: grad * max(a, 0.0)), ["relu_backward", "not a"]),
    (dict(relu_backward=lambda grad, a: float(a > 0)), ["relu_backward", "hint: multiply by grad"]),
    (dict(relu_backward=lambda grad, a: -grad * (a > 0)), ["relu_backward: on grad=0.7, a=1.2: wrong value"]),
])
def test_wrong_rules_are_named(replaced, fragments, capsys):
    fails(check.backward_rules, *rules_with(**replaced), capsys=capsys, fragments=fragments)


def test_too_few_rules(capsys):
    fails(check.backward_rules, add_backward, mul_backward, capsys=capsys,
          fragments=["expected the 7 rules add_backward, mul_backward, pow_backward", "got 2 functions"])


def test_a_rule_that_raises_is_named_with_its_traceback_below(capsys):
    def broken_log(grad, a):
        return grad / undefined_name  # noqa: F821

    result = check.backward_rules(*rules_with(log_backward=broken_log))
    assert not result
    assert result.message.startswith("log_backward: on grad=0.7, a=1.7, your function raised NameError")
    line, _ = assert_traceback_below(capsys.readouterr().out, NameError, broken_log)
    assert line.startswith("FAILED  backward_rules: log_backward: on grad=0.7, a=1.7, your function raised NameError")


# ---------------------------------------------------------- topological order
def dfs(root):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order


def kahn(root):
    """Another right answer: Kahn's algorithm, from the leaves up."""
    nodes = dfs(root)
    users = {id(n): 0 for n in nodes}
    waiting = {id(n): len(set(map(id, n.parents))) for n in nodes}
    children = {id(n): [] for n in nodes}
    for n in nodes:
        for p in dict.fromkeys(n.parents):
            children[id(p)].append(n)
            users[id(p)] += 1
    ready = [n for n in nodes if not n.parents]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for c in children[id(n)]:
            waiting[id(c)] -= 1
            if waiting[id(c)] == 0:
                ready.append(c)
    return order


def test_right_orders_pass(capsys):
    passes(check.topological_order, dfs, capsys=capsys)
    passes(check.topological_order, ad.topological_order, capsys=capsys)
    passes(check.topological_order, kahn, capsys=capsys)
    passes(check.topological_order, lambda root: tuple(dfs(root)), capsys=capsys)


def no_visited_set(root):
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        order.append(node)

    visit(root)
    return order


def pre_order(root):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            order.append(node)
            for parent in node.parents:
                visit(parent)

    visit(root)
    return order


def parents_only_one_level(root):
    return list(root.parents) + [root]


@pytest.mark.parametrize("fn, fragments", [
    (lambda root: dfs(root)[::-1], ["comes before its input", "hint: the order is reversed"]),
    (no_visited_set, ["'x' appears 2 times", "keep a set of visited nodes"]),
    (pre_order, ["comes before its input"]),
    (parents_only_one_level, ["nodes are missing", "visit the parents of every node, recursively"]),
    (lambda root: [n.data for n in dfs(root)], ["the list holds a float that is not a node of the graph"]),
    (lambda root: set(dfs(root)), ["expected a list of the graph's nodes, got a set"]),
    (lambda root: dfs(root)[:-1], ["nodes are missing"]),
])
def test_wrong_orders_are_named(fn, fragments, capsys):
    fails(check.topological_order, fn, capsys=capsys, fragments=fragments)


# ------------------------------------------------------------------ gradients
def walk(root, wrt, *, accumulate=True, backwards=True, reset=True, seed=True, order=dfs):
    nodes = order(root)
    if reset:
        for node in nodes:
            node.grad = 0.0
    if seed:
        root.grad = 1.0
    for node in (reversed(nodes) if backwards else nodes):
        if node.rule is None:
            continue
        grads = node.rule(node.grad, *node.saved)
        grads = (grads,) if len(node.parents) == 1 else grads
        for parent, grad in zip(node.parents, grads):
            if accumulate:
                parent.grad += grad
            else:
                parent.grad = grad
    return [w.grad for w in wrt]


def via_backward(root, wrt):
    root.backward()
    return [w.grad for w in wrt]


def test_right_gradients_pass(capsys):
    passes(check.gradients, walk, capsys=capsys)
    passes(check.gradients, via_backward, capsys=capsys)
    passes(check.gradients, lambda root, wrt: np.array(walk(root, wrt, order=kahn)), capsys=capsys)
    passes(check.gradients, lambda root, wrt: tuple(walk(root, wrt)), capsys=capsys)


@pytest.mark.parametrize("fn, fragments", [
    (lambda r, w: walk(r, w, accumulate=False),
     ["on f = x * x * y (x used twice): expected [-12.0, 9.0], got [-6.0, 9.0]", "instead of assigning (=)"]),
    (lambda r, w: walk(r, w, backwards=False), ["on h = (5x + 3)^2", "walk the order backwards (root first)"]),
    (lambda r, w: walk(r, w, reset=False), ["called a second time", "reset every node's grad to 0"]),
    (lambda r, w: walk(r, w, seed=False), ["every gradient stayed 0: set root.grad = 1"]),
    (lambda r, w: walk(r, w)[0], ["expected a list of 1 numbers (one per node of wrt), got a float"]),
    (lambda r, w: [-g for g in walk(r, w)], ["on h = (5x + 3)^2: expected [80.0], got [-80.0]"]),
    (lambda r, w: walk(r, w, order=pre_order), ["on h = (5x + 3)^2"]),
])
def test_wrong_gradients_are_named(fn, fragments, capsys):
    fails(check.gradients, fn, capsys=capsys, fragments=fragments)


def test_a_stub_in_an_earlier_exercise_reads_as_not_implemented(capsys):
    def order_stub(root):
        raise NotImplementedError

    assert not check.gradients(lambda r, w: walk(r, w, order=order_stub))
    assert capsys.readouterr().out == "FAILED  gradients: not implemented yet\n"



def notebook_namespace(capsys):
    """The notebook's exercise cells run with their solutions: RULES, topological_order, gradients."""
    namespace = run_cells(exercise_sources(NOTEBOOK), NOTEBOOK)
    capsys.readouterr()
    return namespace


@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 08 missing")
def test_a_wrong_earlier_answer_is_named_when_gradients_fails(capsys):
    namespace = notebook_namespace(capsys)
    passes(check.gradients, namespace["gradients"], capsys=capsys)
    right_rule = namespace["RULES"]["*"]
    namespace["RULES"]["*"] = lambda grad, a, b: (grad * a, grad * b)  # swapped
    fails(check.gradients, namespace["gradients"], capsys=capsys,
          fragments=["on h = (5x + 3)^2", "note: your gradients uses your exercise 1 (backward_rules)"])
    namespace["RULES"]["*"] = right_rule
    namespace["topological_order"] = lambda root: ad.topological_order(root)[::-1]
    result = check.gradients(namespace["gradients"])
    out = capsys.readouterr().out
    assert not result and "exercise 2 (topological_order), which does not pass yet" in out, out
    assert "exercise 2 (topological_order)" in result.message


def test_a_failing_gradients_that_uses_no_earlier_answer_gets_no_note(capsys):
    fails(check.gradients, lambda r, w: [-g for g in walk(r, w)], capsys=capsys)
    assert "note:" not in check.gradients(lambda r, w: [-g for g in walk(r, w)]).message
    capsys.readouterr()


# ---------------------------------------------------------------- unbroadcast
def unbroadcast_loop(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def unbroadcast_by_axes(grad, shape):
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and grad.shape[lead + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def test_right_unbroadcasts_pass(capsys):
    passes(check.unbroadcast, ad.unbroadcast, capsys=capsys)
    passes(check.unbroadcast, unbroadcast_loop, capsys=capsys)
    passes(check.unbroadcast, unbroadcast_by_axes, capsys=capsys)
    passes(check.unbroadcast, lambda g, s: unbroadcast_loop(g, s).astype(np.float32), capsys=capsys)


def mean_instead(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.mean(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.mean(axis=axis, keepdims=True)
    return grad


def other_axes(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size != 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def no_keepdims(grad, shape):
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in reversed(list(enumerate(shape))):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis)
    return grad


@pytest.mark.parametrize("fn, fragments", [
    (mean_instead, ["wrong value", "hint: sum, not mean"]),
    (other_axes, ["wrong shape, expected (3, 1), got (1, 5)", "hint: sum over the axes where shape has size 1"]),
    (no_keepdims, ["wrong shape, expected (3, 1), got (3,)", "keepdims=True"]),
    (lambda g, s: g, ["wrong shape, expected (3, 1), got (3, 5)"]),
    (lambda g, s: g.sum(axis=1, keepdims=True), ["on a row (1, 5) added to every row of (3, 5): wrong shape"]),
    (lambda g, s: g.sum(axis=0, keepdims=True), ["on a bias (3, 1)", "wrong shape, expected (3, 1), got (1, 5)"]),
])
def test_wrong_unbroadcasts_are_named(fn, fragments, capsys):
    fails(check.unbroadcast, fn, capsys=capsys, fragments=fragments)


def test_unbroadcast_in_place_is_named(capsys):
    def zeroes(grad, shape):
        out = unbroadcast_loop(grad.copy(), shape)
        grad[:] = 0.0
        return out

    fails(check.unbroadcast, zeroes, capsys=capsys, fragments=["modified its input grad in place"])


# ------------------------------------------------------------------ notebook
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 08 missing")
def test_the_notebook_solutions_pass(capsys):
    sources = exercise_sources(NOTEBOOK)
    assert len(sources) == len(CHECKERS)
    run_cells(sources, NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"PASSED  {c.__name__}: {PASS_LINES[c.__name__]}" for c in CHECKERS]


@pytest.mark.skipif(not NOTEBOOK.exists() or not (ROOT / "tools" / "handouts.py").exists(),
                    reason="notebook 08 or the handout tool missing")
def test_the_handout_reports_not_implemented(capsys):
    students = student_sources(NOTEBOOK)
    assert [blocks for _, blocks in students] == [7, 1, 1, 1]
    for student, _ in students:
        assert "BEGIN SOLUTION" not in student
    run_cells([student for student, _ in students], NOTEBOOK)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"FAILED  {c.__name__}: not implemented yet" for c in CHECKERS]


# -- a learner's slips beyond the classic ones ---------------------------------

def test_an_order_kept_from_an_earlier_call_is_named(capsys):
    def with_defaults(root, order=[], seen=set()):  # the list and set outlive the call
        def visit(node):
            if node in seen:
                return
            seen.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)
        visit(root)
        return order

    fails(check.topological_order, with_defaults, capsys=capsys,
          fragments=["not a node of the graph", "hint: a node of another graph, kept from an earlier call?"])


def test_an_order_of_values_instead_of_nodes_is_named(capsys):
    fails(check.topological_order, lambda root: [node.data for node in dfs(root)], capsys=capsys,
          fragments=["the list holds a float", "hint: return the nodes themselves, not their .data"])


def test_gradients_returning_the_nodes_is_named(capsys):
    def nodes(root, wrt):
        walk(root, wrt)
        return list(wrt)

    fails(check.gradients, nodes, capsys=capsys, fragments=["hint: return each node's .grad"])


def test_gradients_returned_as_text_fail(capsys):
    def as_text(root, wrt):
        walk(root, wrt)
        return [str(w.grad) for w in wrt]

    fails(check.gradients, as_text, capsys=capsys, fragments=["on h = (5x + 3)^2: expected a list of 1 numbers"])


# ------------------------------------- unbroadcast: extra leading axes with size-1 axes
def unbroadcast_if(grad, shape):
    if grad.ndim > len(shape):  # one leading axis removed, however many there are
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def unbroadcast_size_one_first(grad, shape):
    for axis, size in enumerate(shape):  # before the leading axes are gone, axis i of shape is not axis i of grad
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    return grad


def unbroadcast_2d(grad, shape):
    if len(shape) == 1:
        return grad.sum(axis=0)
    if shape[0] == 1:
        grad = grad.sum(axis=0, keepdims=True)
    if shape[1] == 1:
        grad = grad.sum(axis=1, keepdims=True)
    return grad


def unbroadcast_2d_rows_and_columns(grad, shape):
    rows, columns = shape if len(shape) == 2 else (1, shape[0])
    if rows == 1:
        grad = grad.sum(axis=0, keepdims=len(shape) == 2)
    if columns == 1:
        grad = grad.sum(axis=1, keepdims=True)
    return grad


@pytest.mark.parametrize("fn, fragments", [
    (unbroadcast_if, ["on a (1, 5) broadcast to (4, 2, 3, 5): two leading axes and a size-1 axis",
                      "hint: one `if` removes one leading axis", "while grad.ndim > len(shape)"]),
    (unbroadcast_size_one_first, ["on a (3, 1) broadcast to (2, 3, 5)",
                                  "hint: remove the leading axes first, then sum the size-1 axes"]),
    (unbroadcast_2d, ["on a (3, 1) broadcast to (2, 3, 5)", "hint: right on the 2-D cases, not beyond"]),
    (unbroadcast_2d_rows_and_columns, ["hint: right on the 2-D cases, not beyond"]),
])
def test_unbroadcast_answers_right_on_2d_alone_are_named(fn, fragments, capsys):
    try:
        fails(check.unbroadcast, fn, capsys=capsys, fragments=fragments)
    except ValueError:  # raised on a case with more axes: the line, then the learner's traceback
        out = capsys.readouterr().out
        assert all(f in out for f in fragments[1:]), out


def test_unbroadcast_cases_combine_leading_and_size_one_axes():
    seen = []

    def recording(grad, shape):
        seen.append((grad.ndim - len(shape), shape.count(1)))
        return unbroadcast_loop(grad, shape)

    with contextlib.redirect_stdout(io.StringIO()) as printed:
        assert check.unbroadcast(recording)
    assert "all 9 cases" in printed.getvalue()
    assert (2, 1) in seen and (1, 1) in seen and (0, 2) in seen, seen  # (leading axes, size-1 axes)


# ----------------------------------------- gradients: a graph with 2^40 paths from root to x
def along_every_path(root, wrt):
    """Right numbers, exponential time: each contribution pushed down every path, no order."""
    for node in dfs(root):
        node.grad = 0.0

    def push(node, grad):
        node.grad += grad
        if node.rule is not None:
            grads = node.rule(grad, *node.saved)
            for parent, g in zip(node.parents, (grads,) if len(node.parents) == 1 else grads):
                push(parent, g)

    push(root, 1.0)
    return [w.grad for w in wrt]


def test_gradients_along_every_path_fails_naming_the_topological_order(capsys):
    assert along_every_path(*(lambda r: (r, [r.parents[0]]))(ad.Value(2.0) * 3.0)) == [3.0]  # right numbers
    fails(check.gradients, along_every_path, capsys=capsys, fragments=[
        "on y = y + y repeated 40 times (a graph of 2^40 paths from y to x)", "function calls on 41 nodes",
        "hint: your function pushes each contribution along every path", "reversed topological order"])


def test_gradients_path_budget_leaves_a_right_walk_far_below_it():
    from nnlessons.check import _reference

    x = ad.Value(1.5)
    y = x
    for _ in range(check_autodiff.PATH_LEVELS):
        y = y + y
    with _reference.watch((), budget=check_autodiff.PATH_BUDGET) as counted:
        assert walk(y, [x]) == [2.0 ** check_autodiff.PATH_LEVELS]
    # a few calls per node: the verdict counts steps, so no machine is too slow for a right walk
    assert counted.calls < 10 * (check_autodiff.PATH_LEVELS + 1) < check_autodiff.PATH_BUDGET / 50


def order_along_every_path(root):
    """A right order, in exponential time: a node is visited again along every path to it."""
    order = []

    def visit(node):
        for parent in node.parents:
            visit(parent)
        if node not in order:
            order.append(node)

    visit(root)
    return order


def test_an_order_that_visits_every_path_fails_naming_the_visited_set(capsys):
    root = ad.Value(2.0) * 3.0 + 1.0
    assert order_along_every_path(root) == dfs(root)  # right on a small graph
    fails(check.topological_order, order_along_every_path, capsys=capsys, fragments=[
        "on y = y + y repeated 40 times", "hint: your function visits a node again along every path to it",
        "add a node to the visited set when you first reach it"])
