"""Is the learner's answer the package's own? Calls into an exercise's reference, detected.

Each exercise has a reference in the package (``nnlessons.lessons.forward_prop.forward`` for
notebook 04's ``forward``); the notebook imported it, so a learner can "answer" by calling it.
``watch`` records, while the learner's function runs, every call of the given functions,
however they were reached (an attribute, an alias, a ``from ... import``), by comparing code
objects in a profile hook. Used by the checkers (in the learner's kernel) and by the grader's
kernel side alike.

``REFERENCES`` maps each checker's name to the functions whose use is not an answer, as
``"module:qualname"`` strings so that the grader can resolve them inside a kernel.
"""

import contextlib
import importlib
import inspect
import sys
import threading

#: checker name -> the package functions that are that exercise's answer. Functions that a right
#: answer may use (an activation inside ``forward``, the package's ``forward`` that notebook 05
#: imports for ``train_gd``, ``Network.forward`` inside 06's loop) are not listed.
_R = "nnlessons.lessons."
REFERENCES = {
    # 01 regression
    "mse_cost": (_R + "regression:mse_cost", _R + "regression:mse", _R + "regression:sum_squared_error"),
    "mse_gradient": (_R + "regression:mse_gradient",),
    "gradient_descent": (_R + "regression:gradient_descent", _R + "regression:gradient_descent_step"),
    "divergence_threshold": (_R + "regression:largest_stable_learning_rate",),
    # 02 cost functions
    "stable_sigmoid": ("nnlessons.activations:sigmoid", _R + "cost_functions:predict"),
    "log_loss": ("nnlessons.losses:binary_cross_entropy", _R + "cost_functions:cost"),
    "log_loss_gradient": (_R + "cost_functions:gradients",),
    "train_logistic": (_R + "cost_functions:train_logistic", _R + "cost_functions:gradient_descent"),
    # 03 linear collapse
    "collapse": (_R + "linear_collapse:collapse",),
    "abs_network": (_R + "linear_collapse:abs_parameters",),
    "bump_network": (_R + "linear_collapse:bump_parameters",),
    "relu_kinks": (_R + "linear_collapse:relu_kinks",),
    # 04 forward propagation
    "forward": (_R + "forward_prop:forward", "nnlessons.network:Network.forward"),
    "square_network": (_R + "forward_prop:square_network",),
    # 05 backpropagation
    "dense_backward": ("nnlessons.layers:dense_backward", "nnlessons.layers:backward"),
    "backward": (_R + "backprop:backward", "nnlessons.network:Network.backward"),
    "train_gd": (_R + "backprop:train_gd", "nnlessons.network:Network.fit"),
    # 06 digits
    "train_sgd": (_R + "digits:train_sgd",),
    "choose_recipe": (_R + "digits:budget_choice",),
    # 07 training well
    "l2_gradients": ("nnlessons.regularization:l2_gradients",),
    "dropout": ("nnlessons.regularization:dropout_forward", "nnlessons.regularization:dropout_backward",
                "nnlessons.regularization:dropout_mask"),
    "momentum_step": ("nnlessons.optim:Momentum.step",),
    "train_with_adam": ("nnlessons.optim:Adam.step", "nnlessons.network:Network.fit"),
    "regularisation_choice": (_R + "training_well:regularisation_choice",),
    # 08 autodiff
    "backward_rules": tuple(f"nnlessons.autodiff:{op}_backward"
                            for op in ("add", "mul", "pow", "exp", "log", "tanh", "relu")),
    "topological_order": ("nnlessons.autodiff:topological_order",),
    "gradients": ("nnlessons.autodiff:Value.backward",),
    "unbroadcast": ("nnlessons.autodiff:unbroadcast",),
}


def resolve(spec):
    """The function named by ``"module:qualname"`` (``"nnlessons.lessons.backprop:backward"``)."""
    module, _, qualname = spec.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _code(func):
    func = inspect.unwrap(func)
    func = getattr(func, "__func__", func)  # bound and static methods
    return getattr(func, "__code__", None)


class OverBudget(BaseException):
    """Raised inside the watched code when it made more Python calls than ``watch``'s budget.

    Not an ``Exception``: the learner's own ``except Exception`` must not swallow it.
    """


class _Watch:
    """What ``watch`` yields: ``called`` lists the references' names, in the order first called;
    ``calls`` counts the Python function calls made inside the block."""

    def __init__(self, functions, budget=None):
        self.budget, self.calls = budget, 0
        self._codes = {}
        for f in functions:
            if isinstance(f, str):
                f = resolve(f)
            code = _code(f)
            if code is not None:
                self._codes[code] = f"{f.__module__}.{getattr(f, '__qualname__', f.__name__)}"
        self.called = []

    def hook(self):
        """The profile function: a closure over locals, as it runs at every call of the block."""
        lookup, called = self._codes.get, self.called
        if self.budget is None:
            def profile(frame, event, arg):
                if event == "call":
                    name = lookup(frame.f_code)
                    if name is not None and name not in called:
                        called.append(name)
            return profile

        def counting(frame, event, arg):
            if event == "call":
                self.calls += 1
                if self.calls > self.budget:
                    raise OverBudget(self.calls)
                name = lookup(frame.f_code)
                if name is not None and name not in called:
                    called.append(name)
        return counting

    def __bool__(self):
        return bool(self.called)


@contextlib.contextmanager
def watch(functions, budget=None):
    """Record calls of ``functions`` (callables or ``"module:qualname"``) made inside the block.

    With a ``budget``, the Python function calls made inside the block are counted, and the
    one past the budget raises ``OverBudget`` there: a count of steps, which no machine's
    speed changes, where a time limit could misfire on a slow machine.

    The profile hooks in place before are restored afterwards; a hook the learner's code
    sets inside the block replaces this one, which is why ``watch`` is a detector of honest
    shortcuts, not a sandbox.
    """
    w = _Watch(functions, budget)
    if not w._codes and budget is None:
        yield w
        return
    previous = sys.getprofile()
    previous_thread = threading.getprofile() if hasattr(threading, "getprofile") else None
    hook = w.hook()
    sys.setprofile(hook)
    threading.setprofile(hook)
    try:
        yield w
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_thread)


def message(called):
    """The line a checker prints when the learner's function called the package's reference.

    ``called`` lists the references in the order first called: the first is the one the
    learner's code called (the others, if any, are what it calls in turn).
    """
    first = called[0]
    return (f"you called nnlessons' own {first.rsplit('.', 1)[-1]} ({first}): that is the course's answer, "
            f"not yours; write your own")
