"""Tests of the grader (nnlessons.grade).

Without kernels: the codec that carries values between grader and kernel,
lesson identification (every notebook of the series is identified from its
cells, and its exercise calls come in its module's EXERCISES order), file
triage, the reports. With kernels (marked ``notebooks``): one generated class
of notebook 01 submissions, graded once, every hostile or broken submission
getting its verdict while the rest of the class is graded.
"""

import csv
import hashlib
import json
import math
import re
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from tools import handouts

from nnlessons.grade import Limits, discover, grade_class
from nnlessons.grade import _codec, grader, lessons, report, runner, sandbox
from nnlessons.grade.__main__ import main as grade_main

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
REGRESSION = ROOT / "notebooks" / "01_regression.ipynb"


# -- the codec -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    None, True, 3, 2**80, -0.0, 1.5, math.inf, 1 + 2j, "text",
    np.float64(0.1), np.float32(0.25), np.int64(-7), np.bool_(True),
    np.arange(6.0).reshape(2, 3).T, np.zeros((0, 4)), np.array(2.0), np.arange(5, dtype=np.uint8),
    (1.0, np.ones(2)), [np.ones((2, 1)), [3, 4]], {"W1": np.eye(2), 3: (1, 2)},
])
def test_codec_round_trip_keeps_type_shape_and_value(value):
    back = _codec.decode(json.loads(json.dumps(_codec.encode(value))))
    assert type(back) is type(value)
    if isinstance(value, np.ndarray):
        assert back.dtype == value.dtype and back.shape == value.shape
        assert np.array_equal(back, value)
    elif isinstance(value, dict):
        assert back.keys() == value.keys()
    elif isinstance(value, float):
        assert math.copysign(1, back) == math.copysign(1, value) and back == value
    elif not isinstance(value, (tuple, list)):
        assert back == value


def test_codec_keeps_nan_and_tells_tuple_from_list():
    assert math.isnan(_codec.decode(_codec.encode(math.nan)))
    assert _codec.decode(_codec.encode((1, 2))) == (1, 2)
    assert _codec.decode(_codec.encode([1, 2])) == [1, 2]


def test_codec_refuses_what_must_not_cross():
    with pytest.raises(_codec.CodecError, match="function"):
        _codec.encode(lambda: 0)
    with pytest.raises(_codec.CodecError, match="object"):
        _codec.encode(np.array([None, 1]))
    opaque = _codec.decode(_codec.encode(open, strict=False))
    assert type(opaque).__name__ == "builtin_function_or_method" and not callable(opaque)


@pytest.mark.parametrize("data", [
    {"__array__": {"dtype": "<f8", "shape": [3], "data": "AAAA"}},           # bytes do not fit the shape
    {"__array__": {"dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}},   # object dtype
    {"__array__": {"dtype": "<f8", "shape": [-1], "data": ""}},
    {"__pickle__": "gASVAAAAAAAAAAAu"},
    {"__int__": "1", "__float__": "0x1p+0", "x": 1, "y": 2},
    json.loads("[" * 70 + "1" + "]" * 70),                                  # nested too deeply
])
def test_codec_rejects_malformed_answers(data):
    with pytest.raises(_codec.CodecError):
        _codec.decode(data)


def test_write_back_replays_changes_to_mutable_arguments():
    a, d, lst = np.zeros(3), {"W": np.zeros((2, 2)), "gone": 1}, [np.zeros(2), 5]
    _codec.write_back(a, np.arange(3.0))
    _codec.write_back(d, {"W": np.ones((2, 2)), "new": 2})
    _codec.write_back(lst, [np.ones(2), 6])
    assert a.tolist() == [0.0, 1.0, 2.0]
    assert sorted(d) == ["W", "new"] and d["W"].sum() == 4.0
    assert lst[0].tolist() == [1.0, 1.0] and lst[1] == 6


def test_networks_and_generators_cross_as_their_data_and_changes_come_back():
    from nnlessons.network import Network

    net = Network([3, 4, 2], ["relu", "softmax"], "categorical_cross_entropy", rng=5)
    rng = np.random.default_rng(9)
    sent_net, sent_rng = _codec.decode(json.loads(json.dumps(_codec.encode((net, rng)))))
    assert type(sent_net) is Network and sent_net.sizes == net.sizes and sent_net.activations == net.activations
    assert all(np.array_equal(sent_net.params[k], net.params[k]) for k in net.params)
    assert sent_rng.integers(10**6) == np.random.default_rng(9).integers(10**6)
    sent_net.params["W1"] = sent_net.params["W1"] + np.nan  # a diverged training comes back as it is
    _codec.write_back(net, sent_net)
    _codec.write_back(rng, sent_rng)
    assert np.isnan(net.params["W1"]).all() and rng.integers(10**6) == sent_rng.integers(10**6)


@pytest.mark.parametrize("change", [
    lambda d: d.update(sizes=[10**7, 10**7]),              # sizes the parameters sent do not fit
    lambda d: d.update(activations=["os.system", "relu"]),  # not an activation's name
    lambda d: d["params"].clear(),
])
def test_a_network_from_the_kernel_must_fit_its_parameters(change):
    from nnlessons.network import Network

    data = json.loads(json.dumps(_codec.encode(Network([3, 4, 2], "relu", "mse", rng=0))))
    change(data["__network__"])
    with pytest.raises(_codec.CodecError):
        _codec.decode(data)


def _recorder_round_trip(rec):
    return _codec.decode(json.loads(json.dumps(_codec.encode(rec, strict=False))))


def test_the_train_sgd_recorder_crosses_records_in_the_kernel_and_its_steps_come_back():
    from nnlessons.check import digits as cd

    X = cd._small_problem()[0]
    rec = cd._Recorder(cd._SMALL["sizes"], X, rng=cd._SEED)
    kernel = _recorder_round_trip(rec)
    assert type(kernel) is cd._Recorder and kernel._column == rec._column and kernel.steps == []
    _, cache = kernel.forward(X[:, [3, 1, 4]])  # one step of the learner's loop, in the kernel
    grads = kernel.backward(np.eye(10)[:, [1, 2, 3]], cache)
    for k in kernel.params:
        kernel.params[k] -= 0.3 * grads[k]
    _codec.write_back(rec, _recorder_round_trip(kernel))
    assert [s["batch"].tolist() for s in rec.steps] == [[3, 1, 4]] and rec.used_fit is False
    assert np.allclose(rec.params["W1"], kernel.params["W1"])
    assert np.allclose(rec.steps[0]["grads"]["b2"], grads["b2"])


@pytest.mark.parametrize("tamper", [
    lambda r: r.steps.append({"batch": np.array([99]), "params": r.params, "grads": r.params}),  # no such column
    lambda r: r.steps.append({"batch": np.array([0]), "params": {}, "grads": r.params}),
    lambda r: r.steps.append({"batch": np.array([0.5]), "params": r.params, "grads": r.params}),
    lambda r: r.steps.append("a step"),
    lambda r: r.params.update(W1=np.zeros((2, 2))),
])
def test_a_recorder_from_the_kernel_must_hold_a_plausible_recording(tamper):
    from nnlessons.check import digits as cd

    rec = cd._Recorder(cd._SMALL["sizes"], cd._small_problem()[0], rng=0)
    tamper(rec)
    with pytest.raises(_codec.CodecError):
        _recorder_round_trip(rec)


def test_a_recorder_with_too_many_steps_is_not_sent(monkeypatch):
    from nnlessons.check import digits as cd

    rec = cd._Recorder(cd._SMALL["sizes"], cd._small_problem()[0], rng=0)
    monkeypatch.setattr(_codec, "MAX_STEPS", 2)
    rec.steps = [{"batch": np.array([0]), "params": rec.params, "grads": rec.params}] * 3
    with pytest.raises(_codec.CodecError, match="3 steps"):
        _codec.encode(rec)


def _through_kernel(args, learner):
    """What a proxied call does to graph nodes: out as a table, rebuilt, called, back, read."""
    graph = _codec.Graph()
    sent = json.loads(json.dumps({"values": [_codec.encode(a, graph=graph) for a in args], "nodes": graph.table()}))
    kernel = _codec.Graph()
    kernel.load(sent["nodes"])
    result = learner(*[_codec.decode(v, graph=kernel) for v in sent["values"]])
    answer = json.loads(json.dumps({"result": _codec.encode(result, strict=False, graph=kernel),
                                    "nodes": kernel.table(strict=False)}))
    graph.load(answer["nodes"])
    return _codec.decode(answer["result"], graph=graph)


def test_graph_nodes_come_back_as_the_same_objects_with_the_learners_changes():
    from nnlessons import autodiff as ad

    x, y = ad.Value(3.0, label="x"), ad.Value(-2.0, label="y")
    f = x * x * y

    def learner(root, wrt):
        assert root is not f and root.rule is ad.mul_backward  # a rebuilt graph, with the package's rules
        root.backward()
        return ad.topological_order(root), root + 1.0, [w.grad for w in wrt]

    order, new, grads = _through_kernel((f, [x, y]), learner)
    assert [a is b for a, b in zip(order, ad.topological_order(f))] == [True] * 4
    assert grads == [-12.0, 9.0] and (x.grad, y.grad) == (-12.0, 9.0)
    assert new.data == -17.0 and new.parents[0] is f  # a node made in the kernel refers to the checker's


@pytest.mark.parametrize("table", [
    [{"kind": "Value", "data": None, "grad": None, "parents": [5]}],      # unknown parent
    [{"kind": "function", "data": None}],                                  # not a node type
    {"kind": "Value"},                                                     # not a table
])
def test_graph_tables_never_make_dangling_nodes(table):
    with pytest.raises(_codec.CodecError):
        _codec.Graph().load(table)


def test_graph_rules_are_only_the_packages_backward_rules():
    from nnlessons import autodiff as ad

    graph = _codec.Graph()
    graph.load([{"kind": "Value", "data": {"__float__": "0x1p+0"}, "grad": None, "rule": rule, "parents": []}
                for rule in ("system", "exp_backward", "__init__")])
    assert [n.rule for n in graph.nodes] == [None, ad.exp_backward, None]
    with pytest.raises(_codec.CodecError):
        _codec.decode({"__node__": 3}, graph=graph)
    with pytest.raises(_codec.CodecError):
        _codec.decode({"__node__": 0})  # a node reference outside a graph


# -- lessons and identification ----------------------------------------------------------------

def test_every_check_module_with_exercises_is_a_lesson():
    from nnlessons import check

    known = lessons.lessons()
    assert known, "no check module defines EXERCISES"
    for topic, lesson in known.items():
        assert len(set(lesson.exercises)) == len(lesson.exercises)
        for name in lesson.exercises:
            assert callable(lesson.checker(name)) and getattr(check, name) is lesson.checker(name)


@pytest.mark.parametrize("path", SERIES, ids=[p.stem for p in SERIES])
def test_each_notebook_is_identified_from_its_cells_and_calls_its_exercises_in_order(path):
    nb = nbformat.read(path, as_version=4)
    lesson, label, how = lessons.identify(nb)
    assert lesson is not None and how == "checker calls"
    assert label == f"{path.stem[:2]}_{lesson.topic}"
    calls = [name for cell in nb.cells if "exercise" in cell.metadata.get("tags", [])
             for name, _ in lessons.checker_calls(cell.source)]
    assert tuple(calls) == lesson.exercises
    assert set(lessons.exercise_cells(nb, lesson)) == set(lesson.exercises)


def _regression_nb():
    return nbformat.read(REGRESSION, as_version=4)


def test_identify_prefers_metadata_then_calls_functions_title_links_lesson_import():
    nb = _regression_nb()
    nb.metadata["nnlessons"] = {"lesson": "01_regression"}
    assert lessons.identify(nb)[1:] == ("01_regression", "notebook metadata")
    # Metadata of one lesson, cells of another (a student pasted into the wrong file): the cells win.
    nb.metadata["nnlessons"] = {"lesson": "06_digits"}
    assert lessons.identify(nb)[1:] == ("01_regression", "checker calls")
    # No metadata, checker calls deleted: the exercise functions still say which lesson it is.
    nb = _regression_nb()
    for cell in nb.cells:
        cell.source = re.sub(r"check\.\w+\([^)]*\)", "pass", cell.source)
    lesson, label, how = lessons.identify(nb)
    assert (lesson.topic, label, how) == ("regression", "01_regression", "function names")
    title = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "# 01 · Regression\n[![Colab](badge.svg)](https://colab.research.google.com/github/o/r/blob/main/"
        "notebooks/01_regression.ipynb)")])
    assert lessons.identify(title)[1:] == ("01_regression", "title cell links")
    helper = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from nnlessons.lessons import regression as reg")])
    assert lessons.identify(helper)[2] == "lesson module import"
    blank = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · notes")])
    assert lessons.identify(blank) == (None, None, None)


def test_exercise_calls_come_from_the_exercise_cells_while_the_notebook_has_them():
    nb = nbformat.read(ROOT / "notebooks" / "06_digits.ipynb", as_version=4)
    lesson = lessons.lessons()["digits"]
    assert lessons.exercise_cells(nb, lesson)["train_sgd"][1].args == ("train_sgd",)
    for cell in _exercise_cells(nb):  # the learner deleted the exercise cell's call
        cell.source = cell.source.replace("check.train_sgd(train_sgd)", "")
    # not the later call on the digits: the grader checks the function by name instead
    assert "train_sgd" not in lessons.exercise_cells(nb, lesson)
    for cell in nb.cells:  # tags lost: every cell's calls count
        cell.metadata.pop("tags", None)
    assert lessons.exercise_cells(nb, lesson)["train_sgd"][1].args[0] == "train_sgd"
    assert len(lessons.exercise_cells(nb, lesson)["train_sgd"][1].args) == 2


def test_checker_calls_read_arguments_and_survive_magics():
    Call = lessons.Call
    src = "%matplotlib inline\nif True:\n    !ls\nr = check.mse_cost(my.cost)\ncheck.log_loss(lambda h, y: 0)"
    assert lessons.checker_calls(src) == [("mse_cost", Call(("my.cost",))), ("log_loss", Call(("lambda h, y: 0",)))]
    assert lessons.checker_calls("check.mse_cost(f") == [("mse_cost", Call(("f",)))]  # not Python: by pattern
    assert lessons.checker_calls("check.log_loss(g)\0") == [("log_loss", Call(("g",)))]
    assert lessons.checker_calls("(" * 10_000 + "check.mse_cost(f)") == [("mse_cost", Call(("f",)))]


def test_checker_calls_keep_every_argument_of_the_call():
    Call = lessons.Call
    src = ("check.gradient_descent(gd, mse_cost=my_cost,\n    mse_gradient=grads[0])\n"
           "check.backward_rules(add, *rules, **more)")
    assert lessons.checker_calls(src) == [
        ("gradient_descent", Call(("gd",), (("mse_cost", "my_cost"), ("mse_gradient", "grads[0]")))),
        ("backward_rules", Call(("add", "*rules"), (("**", "more"),)))]
    assert lessons.checker_calls("check.mse_cost()") == [("mse_cost", Call(("mse_cost",)))]
    assert lessons.checker_calls("check.mse_cost(learner=f)") == [("mse_cost", Call((), (("learner", "f"),)))]


def test_a_deleted_checker_call_is_made_up_from_the_checkers_keyword_parameters():
    from nnlessons.check import regression

    call = lessons.by_name(regression.gradient_descent, "gradient_descent")
    assert call == lessons.Call(("gradient_descent",), (("mse_cost", "mse_cost"), ("mse_gradient", "mse_gradient")),
                                optional=True)
    assert lessons.by_name(regression.mse_cost, "mse_cost") == lessons.Call(("mse_cost",), (), optional=True)


def test_the_series_calls_pass_learner_functions_by_the_checkers_parameter_names():
    # What the by-name fallback relies on: a keyword argument of a notebook's checker call that
    # passes a variable (a learner's function) passes the one of the same name. (Data such as
    # 06's test=(X_test, test_labels) is an expression.)
    for path in SERIES:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for _, call in lessons.checker_calls(cell.source) if cell.cell_type == "code" else []:
                assert all(key == value for key, value in call.kwargs if value.isidentifier()), (path.name, call)


@pytest.mark.parametrize("data, start", [
    (b"\xff\xfe\x00garbage", "not a notebook: the file is not UTF-8"),
    (b"print('hello')\n", "not a notebook: the file is not valid JSON"),
    (b'{"cells": [{"cell_type": "code", "sou', "truncated or damaged"),
    (b"[1, 2, 3]", "not a notebook: JSON without notebook cells"),
])
def test_read_notebook_names_what_is_wrong(data, start):
    nb, problem = lessons.read_notebook(data)
    assert nb is None and problem.startswith(start)


def test_a_notebook_without_cell_ids_is_read_without_a_warning():
    raw = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])))
    del raw["cells"][0]["id"]  # as some editors save a 4.5 notebook
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nb, problem = lessons.read_notebook(json.dumps(raw).encode())
    assert problem is None and nb.cells[0].source == "x = 1"


def test_discover_names_students_by_folder_or_file_and_lists_what_it_does_not_grade(tmp_path):
    (tmp_path / "alice" / "ps1").mkdir(parents=True)
    (tmp_path / "alice" / "ps1" / "01_regression.ipynb").write_text("{}")
    (tmp_path / "bob_01_regression.ipynb").write_text("{}")
    (tmp_path / "alice" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "alice" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    (tmp_path / "cy.ipynb").write_bytes(b"")
    (tmp_path / "dan.ipynb").symlink_to(tmp_path / "bob_01_regression.ipynb")
    (tmp_path / "eve").symlink_to(tmp_path / "alice")
    found = [(s.student, s.file, s.problem) for s in discover(tmp_path)]
    assert found == [("alice", "alice/.ipynb_checkpoints/x.ipynb", "hidden file, not graded"),
                     ("alice", "alice/ps1/01_regression.ipynb", None),
                     ("bob_01_regression", "bob_01_regression.ipynb", None),
                     ("cy", "cy.ipynb", "empty file"),
                     ("dan", "dan.ipynb", "refused: a link"),
                     ("eve", "eve", "refused: a link")]


def test_handouts_record_their_lesson(tmp_path):
    written = handouts.write_handouts(ROOT / "notebooks", tmp_path)
    assert written
    for path in written:
        assert nbformat.read(path, as_version=4).metadata["nnlessons"] == {"lesson": path.stem}


# -- reports ------------------------------------------------------------------------------------

def _row(student, file, verdicts, status="graded", lesson="01_regression"):
    return {"student": student, "file": file, "lesson": lesson, "topic": "regression", "identified_by": "",
            "status": status, "detail": "", "cell_errors": [], "timed_out_cells": [], "seconds": 1.0,
            "exercises": {name: {"verdict": v, "message": m} for name, (v, m) in verdicts.items()}}


def test_reports_count_verdicts_group_failures_and_escape_student_text(tmp_path):
    rows = [
        _row("ann", "ann/a.ipynb", {"mse_cost": ("passed", "all 5 cases"), "fit": ("failed", "expected 1.5, got 2")}),
        _row("<script>x</script>", "b/<img>.ipynb", {"mse_cost": ("failed", "expected 3, got 4e-3"),
                                                     "fit": ("failed", "expected 0.25, got 9")}),
        _row("cy", "cy.txt", {}, status="not a notebook", lesson=""),
    ]
    report.write_reports(tmp_path, rows, {"submissions": "s", "seconds": 2.0, "changed_during_grading": []})
    table = list(csv.DictReader(open(tmp_path / "grades.csv", encoding="utf-8")))
    assert [r["student"] for r in table] == ["<script>x</script>", "ann", "cy"]
    assert (table[1]["mse_cost"], table[1]["fit"], table[1]["passed"], table[1]["score"]) == ("passed", "failed", "1", "0.50")
    assert table[2]["status"] == "not a notebook" and table[2]["total"] == "0"
    page = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "2 × <code>expected …, got …</code>" in page  # both failures of `fit`, numbers masked
    assert len(list(csv.reader(open(tmp_path / "verdicts.csv", encoding="utf-8")))) == 5
    feedback = sorted(p.name for p in (tmp_path / "feedback").iterdir())
    assert feedback == ["ann.md", "cy.md", "script_x_script.md"]
    assert "**failed**: expected 1.5, got 2" in (tmp_path / "feedback" / "ann.md").read_text(encoding="utf-8")


def test_reports_of_an_earlier_class_leave_no_feedback_behind(tmp_path):
    meta = {"submissions": "s", "seconds": 1.0, "changed_during_grading": []}
    report.write_reports(tmp_path, [_row("ann", "ann/a.ipynb", {}), _row("bo", "bo/a.ipynb", {})], meta)
    (tmp_path / "feedback" / "notes.txt").write_text("the instructor's own file")
    (tmp_path / "feedback" / "plan.md").write_text("# Re-teach\nthe instructor's own file")
    report.write_reports(tmp_path, [_row("cy", "cy/a.ipynb", {"mse_cost": ("passed", "all 5 cases")})], meta)
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == ["cy.md", "notes.txt", "plan.md"]


@pytest.mark.parametrize("stop, message", [
    (runner.Abort("timeout", "still running after 8 s (an endless loop?), interrupted"),
     "`mse_cost`: still running after 8 s (an endless loop?), interrupted"),
    (runner.Abort("timeout", "the notebook's time limit (60 s) was reached", out_of_time=True),
     "the notebook's time limit (60 s) was reached"),
    (runner.Abort("error", "the kernel died", kernel_dead=True), "the kernel died"),
])
def test_a_function_that_runs_too_long_is_named(monkeypatch, stop, message):
    # The checker of gradient_descent calls the learner's mse_cost first: an endless loop
    # there must not read as one in gradient_descent.
    run = object.__new__(runner.NotebookRun)
    monkeypatch.setattr(run, "_call", lambda *a: (_ for _ in ()).throw(stop), raising=False)
    with pytest.raises(runner.Abort) as caught:
        run._proxy(3, "mse_cost")(1.0, 2.0)
    assert caught.value.message == message and caught.value.verdict == stop.verdict
    assert caught.value.kernel_dead == stop.kernel_dead and caught.value.out_of_time == stop.out_of_time


def test_a_missing_dependency_is_named_with_the_extra_to_install(tmp_path, capsys, monkeypatch):
    real = grader.importlib.util.find_spec
    monkeypatch.setattr(grader.importlib.util, "find_spec", lambda name: None if name == "nbclient" else real(name))
    assert grade_main([str(tmp_path / "s"), "--out", str(tmp_path / "r")]) == 2
    assert "grading needs nbclient" in capsys.readouterr().err
    with pytest.raises(ImportError, match=r"pip install 'nnlessons\[grade\]'"):
        grader.require_dependencies()


@pytest.mark.parametrize("option", ["--cell-timeout=0", "--notebook-timeout=-5", "--jobs=0", "--memory-mb=x"])
def test_command_refuses_limits_that_cannot_work(tmp_path, capsys, option):
    # --cell-timeout 0 used to report every cell as "the notebook's time limit was reached".
    with pytest.raises(SystemExit) as stop:
        grade_main([str(tmp_path), "--out", str(tmp_path / "r"), option])
    assert stop.value.code == 2
    assert re.search(r"must be more than 0|not a number", capsys.readouterr().err)


def test_command_refuses_a_report_inside_the_submissions(tmp_path, capsys):
    assert grade_main([str(tmp_path), "--out", str(tmp_path / "report")]) == 2
    assert "must not be inside" in capsys.readouterr().err
    assert grade_main([str(tmp_path / "missing"), "--out", str(tmp_path / "r")]) == 2


# -- a generated class, graded in kernels -----------------------------------------------------------

SOLUTIONS = {}  # exercise -> solution cell source, from the solution notebook


def _exercise_cells(nb):
    return [c for c in nb.cells if "exercise" in c.metadata.get("tags", [])]


def _submission(replace=None, extra_before=(), trim=False, metadata=True, notebook=REGRESSION):
    """A student's notebook 01: the handout, exercise cells replaced per ``replace`` (name -> source).

    ``replace[name] = "solution"`` puts the solution back; ``trim`` keeps only the
    title, the set-up cell and the exercises (a smaller notebook, quicker to run);
    ``extra_before`` inserts code cells before the first exercise.
    """
    solution = nbformat.read(notebook, as_version=4)
    nb = handouts.make_handout(solution, notebook.name, lesson=notebook.stem if metadata else None)
    for sol, cell in zip(_exercise_cells(solution), _exercise_cells(nb)):
        name = lessons.checker_calls(cell.source)[0][0]
        text = (replace or {}).get(name)
        cell.source = sol.source if text == "solution" else text if text is not None else cell.source
    cells = nb.cells
    first = next(i for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", []))
    if trim:
        code = [i for i, c in enumerate(cells) if c.cell_type == "code"]
        keep = {0, code[0]} | {i for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", [])}
        head = [c for i, c in enumerate(cells) if i in keep and i < first]
        tail = [c for i, c in enumerate(cells) if i in keep and i >= first]
    else:
        head, tail = cells[:first], cells[first:]
    nb.cells = head + [nbformat.v4.new_code_cell(src) for src in extra_before] + tail
    return nb


EXERCISES = ("mse_cost", "mse_gradient", "gradient_descent", "divergence_threshold")
ALL = {name: "solution" for name in EXERCISES}
CALL = {"mse_cost": "check.mse_cost(mse_cost)", "mse_gradient": "check.mse_gradient(mse_gradient)",
        "gradient_descent": "check.gradient_descent(gradient_descent, mse_cost=mse_cost, mse_gradient=mse_gradient)",
        "divergence_threshold": "check.divergence_threshold(divergence_threshold, gradient_descent=gradient_descent)"}

# Realistic wrong answers, each with the checker's hint for it.
WRONG_CODE = {
    "mse_cost": "def mse_cost(w, b, x, y):\n    return np.sum((w * x + b - y) ** 2)\n",
    "mse_gradient": ("def mse_gradient(w, b, x, y):\n    e = y - (w * x + b)\n"
                     "    return 2 * np.mean(e * x), 2 * np.mean(e)\n"),
    "gradient_descent": ("def gradient_descent(w, b, x, y, learning_rate, n_steps):\n    costs = []\n"
                         "    for _ in range(n_steps):\n        dw, db = mse_gradient(w, b, x, y)\n"
                         "        w, b = w - learning_rate * dw, b - learning_rate * db\n"
                         "        costs.append(mse_cost(w, b, x, y))\n    return costs\n"),
    "divergence_threshold": ("def divergence_threshold(x, y):\n"
                             "    curvature = 2 * np.mean(x ** 2)  # of the cost along w\n"
                             "    return 2 / curvature\n"),
}
WRONG = {name: f"{code}\n{CALL[name]}" for name, code in WRONG_CODE.items()}
HINTS = {"mse_cost": "m times too large", "mse_gradient": "wrong sign",
         "gradient_descent": "the cost before the first step is missing",
         "divergence_threshold": "descent along w alone"}

FAKE_PASSED = {name: (f"def {name}(*args):\n    raise NotImplementedError\n\n"
                      f"print('PASSED  {name}: all 5 cases match the reference')") for name in ALL}

PATCH = """import nnlessons
import nnlessons.check._core as core
check.mse_cost = lambda f: print("PASSED  mse_cost: all 5 cases match the reference")
core._compare = lambda *args, **kwargs: None
np.isclose = lambda *args, **kwargs: np.True_
open("written_by_student.txt", "w").write("hello")"""

PATCH_INSIDE = """def mse_gradient(w, b, x, y):
    import nnlessons.check._core as core
    core._compare = lambda *args, **kwargs: None   # patched while being checked
    core.check_function = lambda name, *a, **k: core._report(name, True, "all cases")
    return 0.0, 0.0

check.mse_gradient(mse_gradient)"""

# An answer of 80 MB: too large to send back, said so.
HUGE = "def divergence_threshold(x, y):\n    return np.ones(10**7)\n\n" + CALL["divergence_threshold"]

# No checker call (the student removed it): the grader checks the function by name at the end.
LOOP = """def divergence_threshold(x, y):
    while True:
        pass"""

# Checked by name too: the grader passes the notebook's mse_cost (here the number 3) as the
# checker's mse_cost=, so the checker blames exercise 1.
ODD = {
    "mse_cost": "mse_cost = 3\ncheck.mse_cost(mse_cost)",
    "mse_gradient": ("def mse_gradient(w, b, x, y):\n    x -= 1\n    return 0.0, 0.0\n\n"
                     "check.mse_gradient(mse_gradient)"),
    "gradient_descent": ("def gradient_descent(w, b, x, y, learning_rate, n_steps):\n"
                         "    raise ValueError('x and y differ')\n"),
    "divergence_threshold": ("def divergence_threshold(x, y):\n    return lambda t: t\n\n"
                             + CALL["divergence_threshold"]),
}

# Notebook 08: one checker call with seven functions; the graphs of autodiff nodes go to the
# kernel and back (a node returned is the checker's own node, with its grad as the learner left it).
AUTODIFF = ROOT / "notebooks" / "08_autodiff.ipynb"
AUTODIFF_WRONG = {
    "backward_rules": None,  # filled in below from the solution, with mul_backward's outputs swapped
    "topological_order": """def topological_order(root):
    order, visited = [], set()

    def visit(node):
        if node not in visited:
            visited.add(node)
            for parent in node.parents:
                visit(parent)
            order.append(node)

    visit(root)
    return order[::-1]  # root first

check.topological_order(topological_order)""",
    "gradients": """def gradients(root, wrt):
    order = ad.topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        if node.rule is None:
            continue
        grads = node.rule(node.grad, *node.saved)
        if len(node.parents) == 1:
            grads = (grads,)
        for parent, grad in zip(node.parents, grads):
            parent.grad = grad
    return [w.grad for w in wrt]

check.gradients(gradients)""",
}


RULE_NAMES = ["add_backward", "mul_backward", "pow_backward", "exp_backward", "log_backward", "tanh_backward",
              "relu_backward"]


def _autodiff_wrong():
    solution = nbformat.read(AUTODIFF, as_version=4)
    rules = next(c.source for c in _exercise_cells(solution) if "check.backward_rules(" in c.source)
    swapped = rules.replace("return grad * b, grad * a", "return grad * a, grad * b")
    assert swapped != rules
    return {**AUTODIFF_WRONG, "backward_rules": swapped}


# Notebook 06: the loop gets the checker's recorder, which crosses to the kernel and back.
DIGITS = ROOT / "notebooks" / "06_digits.ipynb"
NO_SHUFFLE = """def train_sgd(net, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng):
    Y = nl.one_hot(y, 10)
    accuracies = []
    for epoch in range(epochs):
        for start in range(0, X.shape[1], batch_size):
            A, cache = net.forward(X[:, start:start + batch_size])
            grads = net.backward(Y[:, start:start + batch_size], cache)
            for name in net.params:
                net.params[name] -= learning_rate * grads[name]
        accuracies.append(np.mean(net.predict(X_val) == y_val))
    return accuracies

check.train_sgd(train_sgd)"""

# A cell limit well above what a set-up cell needs on a busy 2-core machine.
# Kills the kernel only when the grader calls it (no checker call in the notebook).
EXIT_WHEN_CALLED = "def divergence_threshold(x, y):\n    import os\n    os._exit(3)"

# Right values, but exp overflows in the kernel: the checker in the grader must hear numpy's
# warning, even though the learner's own np.errstate hides it.
NAIVE_SIGMOID = ("def stable_sigmoid(z):\n    with np.errstate(over='ignore'):\n        return 1 / (1 + np.exp(-z))"
                 "\n\ncheck.stable_sigmoid(stable_sigmoid)")
# A value that cannot travel back from the kernel arrives as a stand-in of its type.
LOSS_FUNCTION = "def log_loss(*args):\n    return lambda t: t\n\ncheck.log_loss(log_loss)"

LIMITS = Limits(cell_timeout=8, notebook_timeout=60, memory_mb=2048, jobs=2)
# These tests are about verdicts, not isolation (test_grade_hostile is): in the sandbox where
# bubblewrap works, else without one.
NO_SANDBOX = sandbox.find_bwrap()[0] is None


def put_file(subs, student, filename, nb_or_bytes):
    """Hand in ``nb_or_bytes`` (a notebook or raw bytes) as ``subs/student/filename``."""
    path = subs / student / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_bytes, bytes):
        path.write_bytes(nb_or_bytes)
    else:
        nbformat.write(nb_or_bytes, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    subs = root / "submissions"

    def put(student, filename, nb_or_bytes):
        return put_file(subs, student, filename, nb_or_bytes)

    correct = put("alice", "01_regression.ipynb", _submission(ALL))
    put("bob", "01_regression.ipynb", _submission())
    put("carol", "01_regression.ipynb", _submission(WRONG, trim=True))
    put("carl", "01_regression.ipynb", _submission({**ALL, "gradient_descent": WRONG["gradient_descent"]}, trim=True))
    put("dora", "01_regression.ipynb", _submission({**ALL, "divergence_threshold": WRONG["divergence_threshold"]},
                                                   trim=True))
    put("dave", "01_regression.ipynb", _submission(FAKE_PASSED, trim=True))
    put("erin", "01_regression.ipynb", _submission({"mse_gradient": PATCH_INSIDE, "divergence_threshold": HUGE},
                                                   extra_before=[PATCH], trim=True))
    put("frank", "01_regression.ipynb", _submission({**ALL, "divergence_threshold": LOOP},
                                                    extra_before=["import time\ntime.sleep(10**6)"], trim=True))
    put("gina", "01_regression.ipynb", _submission(ALL, extra_before=["big = np.ones(10 * 2**30 // 8)"], trim=True))
    put("harry", "01_regression.ipynb", _submission(ALL, extra_before=["import sys\nsys.exit(1)"], trim=True))
    ivan = _submission(ALL, trim=True)
    ivan.cells.insert(len(ivan.cells) - 2, nbformat.v4.new_code_cell("import os\nos._exit(0)"))
    put("ivan", "01_regression.ipynb", ivan)
    put("olga", "01_regression.ipynb", _submission(ODD, trim=True))
    put("pat", "02_cost_functions.ipynb", _submission(
        {"stable_sigmoid": NAIVE_SIGMOID, "log_loss": LOSS_FUNCTION}, trim=True,
        notebook=ROOT / "notebooks" / "02_cost_functions.ipynb"))
    tess = _submission({n: "solution" for n in AUTODIFF_WRONG}, trim=True, notebook=AUTODIFF)
    for cell in _exercise_cells(tess):
        start = cell.source.find("check.backward_rules(")
        if start >= 0:  # the seven rules passed as *rules
            cell.source = cell.source[:start] + f"rules = [{', '.join(RULE_NAMES)}]\ncheck.backward_rules(*rules)"
        cell.source = cell.source.replace("check.unbroadcast(unbroadcast)", "check.unbroadcast(unbroadcast, **options)")
    put("tess", "08_autodiff.ipynb", tess)
    put("sam", "08_autodiff.ipynb", _submission(_autodiff_wrong(), trim=True, notebook=AUTODIFF))
    put("uma", "06_digits.ipynb", _submission({"train_sgd": "solution"}, trim=True, notebook=DIGITS))
    put("vera", "06_digits.ipynb", _submission({"train_sgd": NO_SHUFFLE}, trim=True, notebook=DIGITS))
    put("quinn", "01_regression.ipynb", _submission({**ALL, "divergence_threshold": EXIT_WHEN_CALLED}, trim=True))
    put("kim", "01_regression.ipynb", correct.read_bytes()[:len(correct.read_bytes()) // 2])
    put("leo", "my homework (2).txt", _submission(ALL, trim=True, metadata=False))
    put("mia", "01_regression.ipynb", b"def mse_cost(w, b, x, y):\n    return 0\n")
    put("nora", "notes.ipynb", nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# my notes")]))
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}
    rows, meta = grade_class(subs, root / "report", LIMITS, unsafe_no_sandbox=NO_SANDBOX)
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.rglob("*") if p.is_file()}
    return {row["student"]: row for row in rows}, meta, root, before == after


def _verdicts(row):
    return [e["verdict"] for e in row["exercises"].values()]


@pytest.mark.notebooks
def test_correct_and_stub_submissions(graded):
    rows = graded[0]
    assert rows["alice"]["status"] == "graded" and _verdicts(rows["alice"]) == ["passed"] * 4
    assert rows["alice"]["identified_by"] == "notebook metadata"
    assert _verdicts(rows["bob"]) == ["not attempted"] * 4


def _messages(row):
    return [e["message"] for e in row["exercises"].values()]


@pytest.mark.notebooks
def test_wrong_answers_get_the_checkers_hints(graded):
    rows = graded[0]
    carol, carl, dora = rows["carol"], rows["carl"], rows["dora"]
    assert _verdicts(carol) == ["failed"] * 4
    # carl's loop drops the first cost; his experiment still finds the threshold with it.
    assert _verdicts(carl) == ["passed", "passed", "failed", "passed"]
    assert _verdicts(dora) == ["passed", "passed", "passed", "failed"]
    # Each hint, where the exercises it builds on are right.
    assert HINTS["mse_cost"] in _messages(carol)[0] and HINTS["mse_gradient"] in _messages(carol)[1]
    assert HINTS["gradient_descent"] in _messages(carl)[2]
    assert HINTS["divergence_threshold"] in _messages(dora)[3]
    # Where they are wrong, the checker (given the learner's earlier functions) names the cause.
    assert "calls your mse_cost from exercise 1, which fails its own check" in _messages(carol)[2]
    assert "calls your gradient_descent from exercise 3, which fails its own check" in _messages(carol)[3]


@pytest.mark.notebooks
def test_odd_answers_get_the_checkers_messages(graded):
    olga = graded[0]["olga"]
    assert _verdicts(olga) == ["failed"] * 4
    messages = _messages(olga)
    assert "expected a function, got an int" in messages[0]
    assert "modified its input x in place" in messages[1]
    # Checked by name (no checker call): the notebook's mse_cost (a number) went along as mse_cost=.
    assert "calls your mse_cost from exercise 1" in messages[2]
    assert "calls your gradient_descent from exercise 3" in messages[3]


@pytest.mark.notebooks
def test_warnings_and_unsendable_values_in_the_kernel_reach_the_checker(graded):
    pat = graded[0]["pat"]
    assert _verdicts(pat) == ["failed", "failed", "not attempted", "not attempted"]
    assert "numpy warned 'overflow encountered in exp'" in pat["exercises"]["stable_sigmoid"]["message"]
    assert "got a function" in pat["exercises"]["log_loss"]["message"]  # a value that cannot travel: a stand-in


@pytest.mark.notebooks
def test_calls_with_many_functions_and_graphs_of_nodes(graded):
    tess, sam = graded[0]["tess"], graded[0]["sam"]
    assert _verdicts(tess) == ["passed"] * 3 + ["error"]
    assert "passes `**options`, which the notebook does not define (NameError" in _messages(tess)[3]
    assert _verdicts(sam) == ["failed"] * 3 + ["not attempted"]
    messages = _messages(sam)
    assert messages[0].startswith("mul_backward: ")
    assert "the order is reversed" in messages[1]
    assert "add into parent.grad (+=)" in messages[2]


@pytest.mark.notebooks
def test_the_train_sgd_loop_is_judged_step_by_step_through_the_grader(graded):
    rows = graded[0]
    assert _verdicts(rows["uma"]) == ["passed", "not attempted"]  # train_sgd, then choose_recipe
    assert "every step right" in rows["uma"]["exercises"]["train_sgd"]["message"]
    wrong = rows["vera"]["exercises"]["train_sgd"]
    assert wrong["verdict"] == "failed" and "the examples were not shuffled" in wrong["message"]


@pytest.mark.notebooks
def test_printed_passed_and_patched_checkers_earn_nothing(graded):
    rows = graded[0]
    assert _verdicts(rows["dave"]) == ["not attempted"] * 4
    erin = rows["erin"]
    assert _verdicts(erin) == ["not attempted", "failed", "not attempted", "error"]
    assert "wrong value" in erin["exercises"]["mse_gradient"]["message"]
    assert "too large to send to the grader (" in erin["exercises"]["divergence_threshold"]["message"]


@pytest.mark.notebooks
def test_endless_loops_are_cut_and_the_notebook_goes_on(graded):
    frank = graded[0]["frank"]
    assert frank["status"] == "graded"
    assert _verdicts(frank) == ["passed", "passed", "passed", "timeout"]
    assert frank["exercises"]["divergence_threshold"]["message"].startswith("`divergence_threshold`: still running")
    assert len(frank["timed_out_cells"]) == 1  # the sleep; the loop is cut when the grader calls it
    assert frank["seconds"] < LIMITS.notebook_timeout


@pytest.mark.notebooks
def test_memory_and_exits(graded):
    rows = graded[0]
    gina, harry, ivan = rows["gina"], rows["harry"], rows["ivan"]
    assert _verdicts(gina) == ["passed"] * 4 and gina["cell_errors"][0]["ename"] == "MemoryError"
    assert _verdicts(harry) == ["passed"] * 4 and harry["cell_errors"][0]["ename"] == "SystemExit"
    assert ivan["status"] == "kernel died"
    assert _verdicts(ivan) == ["passed", "passed", "error", "error"]
    quinn = rows["quinn"]
    assert quinn["status"] == "kernel died" and _verdicts(quinn) == ["passed"] * 3 + ["error"]
    assert "kernel died" in quinn["exercises"]["divergence_threshold"]["message"]


@pytest.mark.notebooks
def test_broken_renamed_and_foreign_files(graded):
    rows = graded[0]
    assert rows["kim"]["status"] == "damaged notebook"
    assert rows["leo"]["identified_by"] == "checker calls" and _verdicts(rows["leo"]) == ["passed"] * 4
    assert rows["mia"]["status"] == "not a notebook"
    assert rows["nora"]["status"] == "unknown lesson"


@pytest.mark.notebooks
def test_the_submissions_are_untouched_and_the_reports_written(graded):
    rows, meta, root, unchanged = graded
    assert unchanged and meta["changed_during_grading"] == []
    assert not list((root / "submissions").rglob("written_by_student.txt"))
    table = list(csv.DictReader(open(root / "report" / "grades.csv", encoding="utf-8")))
    assert len(table) == len(rows) == 22
    assert {r["student"]: r["passed"] for r in table}["alice"] == "4"
    assert (root / "report" / "feedback" / "carol.md").is_file()
    assert "Lesson 01_regression" in (root / "report" / "summary.html").read_text(encoding="utf-8")


@pytest.mark.notebooks
def test_the_notebook_time_limit_stops_a_notebook_of_slow_cells(tmp_path):
    nb = _submission(extra_before=["import time\ntime.sleep(100)"] * 3, trim=True)
    (tmp_path / "s" / "zoe").mkdir(parents=True)
    nbformat.write(nb, tmp_path / "s" / "zoe" / "01_regression.ipynb")
    rows, meta = grade_class(tmp_path / "s", None, Limits(cell_timeout=3, notebook_timeout=8, jobs=1),
                             unsafe_no_sandbox=NO_SANDBOX)
    assert rows[0]["status"] == "time limit"
    assert _verdicts(rows[0]) == ["timeout"] * 4
    assert meta["seconds"] < 60  # the cells would sleep 300 s; generous for a busy machine
