"""A learner's function that calls the package's own answer fails (``check._reference``), and only that.

Here the checkers watch for the references (the other checker tests turn the watch off, as
their right and wrong answers are built from the references): each exercise's reference,
handed in as the answer or called inside it, fails with ``copied`` set; the notebooks'
solutions, which use the package where the lesson allows it, pass.
"""

import contextlib
import importlib
import io
import pathlib
import pkgutil
import sys

import numpy as np
import pytest

import nnlessons as nl
import nnlessons.check
from nnlessons import autodiff as ad
from nnlessons import check, conv, layers, losses, regularization
from nnlessons.check import _reference
from nnlessons.lessons import backprop as bp
from nnlessons.lessons import convolution
from nnlessons.lessons import cost_functions as logistic
from nnlessons.lessons import digits, linear_collapse
from nnlessons.lessons import forward_prop as fw
from nnlessons.lessons import regression as reg
from nnlessons.lessons import training_well as training_well_lesson
from nnlessons.check import training_well
from notebook_cells import exercise_sources, run_cells
from test_check_training_well import adam_with_package
from tools import handouts
from verdicts import assert_failed

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: every module of checkers (a new notebook's too: its exercises need their references)
MODULES = [m.name for m in pkgutil.iter_modules(nnlessons.check.__path__) if not m.name.startswith("_")]


def _gradients(root, wrt):
    root.backward()
    return [w.grad for w in wrt]


#: checker name -> (the package's answer as a learner would hand it in, the reference named in the line)
COPIES = {
    "mse_cost": ((reg.mse_cost,), "mse_cost"),
    "mse_gradient": ((reg.mse_gradient,), "mse_gradient"),
    "gradient_descent": ((lambda *a: reg.gradient_descent(*a)[1],), "gradient_descent"),
    "divergence_threshold": ((lambda x, y: reg.largest_stable_learning_rate(x),), "largest_stable_learning_rate"),
    "stable_sigmoid": ((nl.sigmoid,), "sigmoid"),
    "log_loss": ((losses.binary_cross_entropy,), "binary_cross_entropy"),
    "log_loss_gradient": ((lambda w, b, x, y: logistic.gradients(w, b, x, y, "log"),), "gradients"),
    "train_logistic": ((logistic.train_logistic,), "train_logistic"),
    "collapse": ((linear_collapse.collapse,), "collapse"),
    "abs_network": ((linear_collapse.abs_parameters,), "abs_parameters"),
    "bump_network": ((linear_collapse.bump_parameters,), "bump_parameters"),
    "relu_kinks": ((linear_collapse.relu_kinks,), "relu_kinks"),
    "forward": ((fw.forward,), "forward"),
    "square_network": ((fw.square_network,), "square_network"),
    "dense_backward": ((layers.dense_backward,), "dense_backward"),
    "backward": ((bp.backward,), "backward"),
    "train_gd": ((bp.train_gd,), "train_gd"),
    "train_sgd": ((digits.train_sgd,), "train_sgd"),
    "choose_recipe": ((digits.budget_choice,), "budget_choice"),
    "l2_gradients": ((regularization.l2_gradients,), "l2_gradients"),
    "dropout": ((regularization.dropout_forward, regularization.dropout_backward), "dropout_forward"),
    "momentum_step": ((training_well._momentum_reference,), "step"),
    "train_with_adam": ((adam_with_package,), "step"),
    "regularisation_choice": ((training_well_lesson.regularisation_choice,), "regularisation_choice"),
    "backward_rules": ((ad.add_backward, ad.mul_backward, ad.pow_backward, ad.exp_backward, ad.log_backward,
                        ad.tanh_backward, ad.relu_backward), "add_backward"),
    "topological_order": ((ad.topological_order,), "topological_order"),
    "gradients": ((_gradients,), "backward"),
    "unbroadcast": ((ad.unbroadcast,), "unbroadcast"),
    "conv2d_loops": ((convolution.conv2d_loops,), "conv2d_loops"),
    "conv2d_forward": ((conv.conv2d_forward,), "conv2d_forward"),
    "conv2d_backward": ((conv.conv2d_backward,), "conv2d_backward"),
    "maxpool_backward": ((conv.maxpool_backward,), "maxpool_backward"),
}


def test_every_exercise_of_the_notebooks_has_its_references():
    exercises = [name for module in MODULES
                 for name in importlib.import_module(f"nnlessons.check.{module}").EXERCISES]
    assert sorted(_reference.REFERENCES) == sorted(exercises)
    assert sorted(COPIES) == sorted(exercises)


@pytest.mark.parametrize("name", sorted(_reference.REFERENCES))
def test_every_reference_resolves_to_a_function(name):
    for spec in _reference.REFERENCES[name]:
        assert _reference._code(_reference.resolve(spec)) is not None, spec


@pytest.mark.parametrize("name", sorted(COPIES))
def test_the_packages_answer_fails_as_copied(name, capsys):
    functions, called = COPIES[name]
    checker = getattr(check, name)
    result = checker(*functions)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"FAILED  {name}: "), out
    assert f"you called nnlessons' own {called} (nnlessons." in out, out
    assert "that is the course's answer, not yours; write your own" in out
    assert not result and result.copied is True


def test_a_wrong_answer_of_ones_own_is_not_copied(capsys):
    result = check.mse_cost(lambda w, b, x, y: 0.0)
    capsys.readouterr()
    assert not result and result.copied is False
    assert check.mse_cost(lambda w, b, x, y: np.mean((w * x + b - y) ** 2)).copied is False
    capsys.readouterr()


def test_a_call_hidden_under_another_name_is_seen(capsys):
    from nnlessons.lessons.forward_prop import forward as f  # an alias, not the attribute fw.forward
    steps = {"go": f}
    assert_failed(check.forward, lambda X, params, activations: steps["go"](X, params, activations), capsys,
                  "you called nnlessons' own forward (nnlessons.lessons.forward_prop.forward)")


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob(handouts.NOTEBOOK_GLOB)), ids=lambda p: p.stem)
def test_the_notebooks_solutions_pass_with_the_watch_on(notebook, capsys):
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        run_cells(exercise_sources(notebook), notebook)
    lines = printed.getvalue().splitlines()
    assert lines and all(line.startswith("PASSED  ") for line in lines), lines


def test_the_watch_restores_the_profile_hook_in_place():
    def hook(frame, event, arg):
        pass

    sys.setprofile(hook)
    try:
        with _reference.watch(["nnlessons.autodiff:unbroadcast"]) as seen:
            ad.unbroadcast(np.ones((2, 3)), (3,))
        assert sys.getprofile() is hook
        assert seen.called == ["nnlessons.autodiff.unbroadcast"]
    finally:
        sys.setprofile(None)
