"""Run All survives a wrong answer: ``check.use`` hands later cells a function that works.

A cell after an exercise writes, for notebook 04's ``forward``::

    forward = check.use(check.forward, forward)

``use`` runs the checker again, quietly, on the same function(s). If they pass, it returns
them unchanged, and the cells below run the learner's code. If not (a wrong answer, a stub,
an exception), it prints one line and returns the package's version of each, with the same
signature, so the cells below still run:

    forward did not pass its check: the cells below use nnlessons' forward

The learner's mistake stays on screen in the checker's line above; fixing the exercise and
running the cells again brings their own function back. Keyword arguments go to the checker
as in the exercise cell (``check.use(check.gradient_descent, gradient_descent,
mse_cost=mse_cost, mse_gradient=mse_gradient)``); a checker of several functions (notebook
07's dropout pair, notebook 08's seven rules) returns a tuple of as many.

The rebinding belongs in a cell of its own after the exercise cell, never in it: the grader
judges the names an exercise cell leaves behind, which must be the learner's own.
"""

import contextlib
import io
import warnings


from ._core import NOT_IMPLEMENTED, STAND_IN_MARK

#: the attribute that marks a stand-in returned by ``use`` (its value: the exercise's name)
MARK = STAND_IN_MARK


def _stand_ins():
    """{checker name: the package's versions of its functions, with the exercises' signatures}."""
    from .. import activations, autodiff as ad, conv, layers, losses, regularization
    from ..lessons import (backprop, convolution, cost_functions, digits, forward_prop, linear_collapse,
                           regression, training_well)

    def gradient_descent(w, b, x, y, learning_rate, n_steps):
        return list(regression.gradient_descent(w, b, x, y, learning_rate, n_steps)[1])

    def divergence_threshold(x, y):
        return regression.largest_stable_learning_rate(x)

    def log_loss_gradient(w, b, x, y):
        return tuple(cost_functions.gradients(w, b, x, y, "log"))

    def train_logistic(x, y, learning_rate, n_steps):
        return tuple(cost_functions.train_logistic(x, y, learning_rate, n_steps))

    def dense_backward(dZ, cache):
        return layers.dense_backward(dZ, cache)

    def gradients(root, wrt):
        root.backward()
        return [w.grad for w in wrt]

    return {
        "mse_cost": (regression.mse_cost,),
        "mse_gradient": (regression.mse_gradient,),
        "gradient_descent": (gradient_descent,),
        "divergence_threshold": (divergence_threshold,),
        "stable_sigmoid": (activations.sigmoid,),
        "log_loss": (losses.binary_cross_entropy,),
        "log_loss_gradient": (log_loss_gradient,),
        "train_logistic": (train_logistic,),
        "collapse": (linear_collapse.collapse,),
        "abs_network": (linear_collapse.abs_parameters,),
        "bump_network": (linear_collapse.bump_parameters,),
        "relu_kinks": (linear_collapse.relu_kinks,),
        "forward": (forward_prop.forward,),
        "square_network": (forward_prop.square_network,),
        "dense_backward": (dense_backward,),
        "backward": (backprop.backward,),
        "train_gd": (backprop.train_gd,),
        "train_sgd": (digits.train_sgd,),
        "choose_recipe": (digits.budget_choice,),
        "l2_gradients": (regularization.l2_gradients,),
        "dropout": (regularization.dropout_forward, regularization.dropout_backward),
        "momentum_step": (training_well.momentum_step,),
        "train_with_adam": (training_well.train_with_adam,),
        "regularisation_choice": (training_well.regularisation_choice,),
        "backward_rules": (ad.add_backward, ad.mul_backward, ad.pow_backward, ad.exp_backward,
                           ad.log_backward, ad.tanh_backward, ad.relu_backward),
        "topological_order": (ad.topological_order,),
        "gradients": (gradients,),
        "unbroadcast": (ad.unbroadcast,),
        "conv2d_loops": (convolution.conv2d_loops,),
        "conv2d_forward": (conv.conv2d_forward,),
        "conv2d_backward": (conv.conv2d_backward,),
        "maxpool_backward": (conv.maxpool_backward,),
    }


def stand_ins(name):
    """The package's versions of the functions checked by checker ``name``, as a tuple."""
    table = _stand_ins()
    if name not in table:
        raise ValueError(f"no stand-in for the exercise {name!r}; known: {', '.join(sorted(table))}")
    return table[name]


def _names(functions, fallback, checker_name):
    """How the line names the functions: "forward", "dropout_forward and dropout_backward", "the 7 rules"."""
    names = [getattr(f, "__name__", None) or g.__name__ for f, g in zip(functions, fallback)]
    if len(names) > 2:
        return f"the {len(names)} functions of {checker_name}", f"nnlessons' {len(names)}"
    text = " and ".join(names)
    return text, f"nnlessons' {text}"


#: the attribute of a stand-in that keeps the learner's function it replaced
REPLACED = "__nnlessons_replaced__"


def _marked(function, name, exercise_name, replaced):
    """``function`` as a stand-in named like the learner's function: a thin wrapper carrying ``MARK``."""
    def stand_in(*args, **kwargs):
        return function(*args, **kwargs)
    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__doc__ = f"nnlessons' {name}, standing in for yours (exercise {exercise_name!r})."
    stand_in.__wrapped__ = function
    setattr(stand_in, MARK, exercise_name)
    setattr(stand_in, REPLACED, replaced)
    return stand_in


def original(value):
    """The learner's own function that a stand-in from ``use`` replaced; any other value as it is.

    A grader that judges a notebook's final state (Otter-Grader runs its tests after the last
    cell) passes each name through this, so it judges the learner's answer, not the stand-in.
    """
    return getattr(value, REPLACED, value) if getattr(value, MARK, None) else value


def use(checker, *functions, **earlier):
    """Your function(s) if ``checker`` passes them, else the package's, with one line saying so.

    ``checker(*functions, **earlier)`` runs with its output hidden (the exercise cell above
    already printed its verdict). Returns one function, or a tuple for a checker of several.
    """
    name = getattr(checker, "__name__", None)
    if not callable(checker) or not name:
        raise TypeError(f"checker must be a checker of nnlessons.check (check.forward), got {type(checker).__name__}")
    if not functions:
        raise TypeError("use needs the function(s) the checker judges, as in the exercise cell: "
                        f"check.use(check.{name}, your_function)")
    fallback = stand_ins(name)
    if len(functions) != len(fallback):
        raise TypeError(f"check.{name} judges {len(fallback)} function(s), got {len(functions)}")
    verdict, raised = None, None
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            verdict = checker(*functions, **earlier)
        except Exception as exc:  # not the learner's (the checkers report theirs): still, go on
            raised = type(exc).__name__
    if verdict is not None and bool(verdict):
        return functions[0] if len(functions) == 1 else functions
    names, theirs = _names(functions, fallback, name)
    several = len(functions) > 1
    raised = raised or getattr(verdict, "raised", None)  # the exercise cell showed its traceback
    if raised is not None:
        why = f"raised {raised} in {'their' if several else 'its'} check"
    elif getattr(verdict, "message", "").endswith(NOT_IMPLEMENTED):
        why = f"{'are' if several else 'is'} not written yet"
    else:
        why = f"did not pass {'their' if several else 'its'} check"
    print(f"{names} {why}: the cells below use {theirs}")
    chosen = tuple(_marked(g, getattr(f, "__name__", None) or g.__name__, name, f) for f, g in zip(functions, fallback))
    return chosen[0] if len(chosen) == 1 else chosen
