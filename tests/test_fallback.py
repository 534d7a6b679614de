"""check.use: the cells after an exercise run the learner's function when it passed, else the package's.

Unit tests of ``use`` on small answers; every exercise of the series has a stand-in that its
checker passes; and, in-process on the notebooks' own exercise and fallback cells, a wrong
answer in any one exercise leaves every other exercise of its notebook passing (the later
ones run on the stand-in), with exactly one line saying so.
"""

import contextlib
import io
import pkgutil
import re
from pathlib import Path
from unittest import mock

import nbformat
import numpy as np
import pytest
from notebook_cells import exercise_sources, student_sources
from wrong_answers import RAISING, WRONG, with_answers

import nnlessons as nl
from nnlessons import check
from nnlessons.check import _fallback, _reference
from nnlessons.lessons import forward_prop as fw
from nnlessons.lessons import regression as reg
from tools import handouts

ROOT = Path(__file__).resolve().parents[1]


def mse_cost(w, b, x, y):
    return np.mean((w * x + b - y) ** 2)


def summed_cost(w, b, x, y):
    return np.sum((w * x + b - y) ** 2)


def stub_cost(w, b, x, y):
    raise NotImplementedError("Exercise: write this part, then re-run the cell")


def broken_cost(w, b, x, y):
    raise TypeError("unsupported operand")  # a slip that crashes


def test_a_passing_function_is_returned_itself_silently(capsys):
    assert check.use(check.mse_cost, mse_cost) is mse_cost
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("learner, why", [(summed_cost, "did not pass its check"),
                                          (stub_cost, "is not written yet"),
                                          (broken_cost, "raised TypeError in its check")])
def test_a_failing_function_is_replaced_by_the_package_s_with_one_line(learner, why, capsys):
    stand_in = check.use(check.mse_cost, learner)
    out = capsys.readouterr().out
    assert out == f"{learner.__name__} {why}: the cells below use nnlessons' {learner.__name__}\n"
    assert stand_in is not learner and stand_in.__name__ == learner.__name__
    assert getattr(stand_in, _fallback.MARK) == "mse_cost" and stand_in.__wrapped__ is reg.mse_cost
    x = np.arange(1.0, 6.0)
    assert stand_in(0.5, 1.0, x, x + 2) == reg.mse_cost(0.5, 1.0, x, x + 2)


def test_earlier_answers_reach_the_checker():
    x = np.arange(1.0, 6.0)

    def gradient_descent(w, b, x, y, learning_rate, n_steps):
        costs = [mse_cost(w, b, x, y)]
        for _ in range(n_steps):
            dw, db = reg.mse_gradient(w, b, x, y)
            w, b = w - learning_rate * dw, b - learning_rate * db
            costs.append(mse_cost(w, b, x, y))
        return costs

    assert check.use(check.gradient_descent, gradient_descent, mse_cost=mse_cost) is gradient_descent
    with mock.patch.object(check, "gradient_descent", wraps=check.gradient_descent) as checker:
        checker.__name__ = "gradient_descent"
        check.use(checker, gradient_descent, mse_cost=mse_cost, mse_gradient=reg.mse_gradient)
    assert checker.call_args.kwargs == {"mse_cost": mse_cost, "mse_gradient": reg.mse_gradient}
    assert gradient_descent(0.0, 0.0, x, x + 2, 0.05, 3)[-1] < 30


def test_a_checker_of_several_functions_returns_as_many(capsys):
    def dropout_forward(A, keep_prob, rng):
        mask = rng.random(A.shape) < keep_prob
        return A * mask, mask  # not scaled

    def dropout_backward(dA_drop, mask, keep_prob):
        return dA_drop * mask / keep_prob

    forward, backward = check.use(check.dropout, dropout_forward, dropout_backward)
    assert capsys.readouterr().out == ("dropout_forward and dropout_backward did not pass their check: "
                                       "the cells below use nnlessons' dropout_forward and dropout_backward\n")
    assert forward.__wrapped__ is nl.regularization.dropout_forward
    assert backward.__wrapped__ is nl.regularization.dropout_backward
    rules = [lambda grad: (grad, grad)] * 7
    assert len(check.use(check.backward_rules, *rules)) == 7
    assert capsys.readouterr().out.startswith("the 7 functions of backward_rules ")


def test_wrong_calls_are_clear_errors():
    with pytest.raises(TypeError, match="check.forward"):
        check.use(check.forward)
    with pytest.raises(TypeError, match="judges 2 function"):
        check.use(check.dropout, mse_cost)
    with pytest.raises(TypeError, match="checker must be"):
        check.use("forward", mse_cost)
    with pytest.raises(ValueError, match="no stand-in for the exercise 'check_function'"):
        check.use(check.check_function, mse_cost)


def _exercises():
    """(checker name) for every exercise of every lesson, in series order."""
    names = []
    for info in pkgutil.iter_modules(check.__path__):
        module = getattr(check, info.name, None)
        names += list(getattr(module, "EXERCISES", ()))
    return names


def test_every_exercise_has_stand_ins_its_checker_passes(capsys):
    names = _exercises()
    assert len(names) == len(set(names)) and set(names) == set(_fallback._stand_ins())
    # The stand-ins are the package's own references: as answers, the reference-call
    # detection (rightly) refuses them, so it is switched off here.
    with mock.patch.dict(_reference.REFERENCES, clear=True):
        for name in names:
            verdict = getattr(check, name)(*_fallback.stand_ins(name))
            assert verdict, f"the stand-in for {name} fails its checker: {verdict.message}"
    capsys.readouterr()


def test_forward_stand_in_runs_the_lesson_s_network(capsys):
    net = nl.Network([784, 16, 10], ["relu", "softmax"], "categorical_cross_entropy", rng=0)
    def forward(X, params, activations):
        raise NotImplementedError("Exercise: write this part, then re-run the cell")

    stand_in = check.use(check.forward, forward)
    X = np.random.default_rng(0).random((784, 3))
    assert np.array_equal(stand_in(X, net.params, net.activations)[0], fw.forward(X, net.params, net.activations)[0])
    assert "not written yet" in capsys.readouterr().out


# -- the notebooks' cells, one wrong answer at a time -------------------------------------

FALLBACK_NOTEBOOKS = ["01_regression", "02_cost_functions", "04_forward_prop", "05_backprop", "07_training_well",
                      "08_autodiff"]


def _cells(stem):
    """(imports, [(exercise solution source, student source, [fallback cell sources after it])])."""
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    imports = re.sub(r"^(\s*)[%!].*$", r"\1pass", code[0].source, flags=re.M)  # magics and shell escapes
    solutions = exercise_sources(ROOT / "notebooks" / f"{stem}.ipynb")
    students = [s for s, _ in student_sources(ROOT / "notebooks" / f"{stem}.ipynb")]
    groups, k = [], -1
    for cell in code:
        if handouts.is_exercise(cell):
            k += 1
            groups.append((solutions[k], students[k], []))
        elif k >= 0 and "check.use(" in cell.source:
            groups[k][2].append(cell.source)
    return imports, groups


@pytest.mark.parametrize("stem", FALLBACK_NOTEBOOKS)
def test_one_wrong_answer_leaves_the_other_exercises_passing(stem):
    imports, groups = _cells(stem)
    assert any(fallbacks for _, _, fallbacks in groups), f"{stem} has no check.use cell"
    for wrong in range(len(groups)):
        namespace, out = {}, io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(imports, stem, "exec"), namespace)
            for k, (solution, student, fallbacks) in enumerate(groups):
                source = with_answers(student, WRONG[stem][k]) if k == wrong else solution
                for src in [source, *fallbacks]:
                    exec(compile(src, f"{stem}, exercise {k + 1}", "exec"), namespace)
        lines = out.getvalue().splitlines()
        verdicts = [line for line in lines if line.startswith(("PASSED", "FAILED"))]
        assert len(verdicts) == len(groups), lines
        for k, line in enumerate(verdicts):
            assert line.startswith("FAILED" if k == wrong else "PASSED"), f"{stem}, wrong exercise {wrong + 1}: {line}"
        raised = RAISING.get((stem, wrong))
        # A wrong answer that raises is a verdict too: its line names the exception, its traceback
        # (through the learner's cell, not the checker) follows, and the exercises after it still run.
        assert ("your function raised" in verdicts[wrong]) == (raised is not None), verdicts[wrong]
        if raised:
            assert f"raised {raised}" in verdicts[wrong] and verdicts[wrong].endswith("(traceback below)")
            below = lines[lines.index(verdicts[wrong]) + 1:]
            assert below[0] == "Traceback (most recent call last):", lines
            assert f'File "{stem}, exercise {wrong + 1}"' in "\n".join(below), lines
            assert not any("nnlessons/check" in line for line in below), lines
        notes = [line for line in lines if "the cells below use nnlessons'" in line]
        assert len(notes) == (1 if groups[wrong][2] else 0), f"{stem}, wrong exercise {wrong + 1}: {lines}"
        if raised:
            assert f"raised {raised} in its check" in notes[0], notes


def _stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write this part, then re-run the cell")


@pytest.mark.parametrize("checker, earlier, stand_in", [
    (check.train_logistic, "log_loss_gradient", "log_loss_gradient"),
    (check.gradient_descent, "mse_gradient", "mse_gradient"),
])
def test_a_stand_in_for_an_earlier_exercise_is_not_blamed(checker, earlier, stand_in, capsys):
    """After check.use replaced a failed earlier answer, a later stub is 'not implemented yet', not a copy."""
    with contextlib.redirect_stdout(io.StringIO()):
        replaced = check.use(getattr(check, stand_in), _stub)
    assert getattr(replaced, _fallback.MARK) == stand_in
    kwargs = {earlier: replaced}
    if checker is check.gradient_descent:
        kwargs["mse_cost"] = check.use(check.mse_cost, _stub)
    capsys.readouterr()
    result = checker(_stub, **kwargs)
    assert not result and result.message == "not implemented yet", result.message


def test_a_stand_in_judged_as_its_own_answer_is_still_a_copy(capsys):
    with contextlib.redirect_stdout(io.StringIO()):
        replaced = check.use(check.mse_cost, _stub)
    result = check.mse_cost(replaced)
    capsys.readouterr()
    assert not result and result.copied


def test_original_gives_back_the_learners_function(capsys):
    wrong = lambda w, b, x, y: 0.0  # noqa: E731
    replaced = check.use(check.mse_cost, wrong)
    capsys.readouterr()
    assert replaced is not wrong and check.original(replaced) is wrong
    assert check.original(wrong) is wrong and check.original(3) == 3
    rules = check.use(check.dropout, _stub, _stub)
    capsys.readouterr()
    assert [check.original(r) for r in rules] == [_stub, _stub]
