"""Grades for a learning platform: the roster, points per exercise, Canvas- and Gradescope-style CSVs."""

import csv
import json

import pytest

from nnlessons.grade import report, roster
from nnlessons.grade.__main__ import main as grade_main


def _row(student, verdicts, lesson="01_regression", file=None):
    return {"student": student, "file": file or f"{student}/a.ipynb", "lesson": lesson, "status": "graded",
            "exercises": {n: {"verdict": v, "message": ""} for n, v in verdicts.items()}}


def _write(path, text):
    path.write_text(text, encoding="utf-8")


ROSTER = ("student,id,name,email,section\n"
          "ann,1001,Ann Lee,ann@uni.edu,A\n"
          "bo,1002,Bo Chen,bo@uni.edu,B\n"
          "=cy,1003,=HYPERLINK(\"x\"),cy@uni.edu,A\n")


def test_the_roster_needs_a_student_and_an_id_column(tmp_path):
    path = tmp_path / "roster.csv"
    _write(path, ROSTER)
    students = roster.read_roster(path)
    assert [(s["student"], s["id"], s["name"], s["login"]) for s in students] == [
        ("ann", "1001", "Ann Lee", ""), ("bo", "1002", "Bo Chen", ""), ("=cy", "1003", '=HYPERLINK("x")', "")]
    _write(path, "name,email\nAnn,a@b\n")
    with pytest.raises(ValueError, match="expected columns student, id .* got name, email"):
        roster.read_roster(path)
    _write(path, "student,id\nann,1\nann,2\n")
    with pytest.raises(ValueError, match="line 3: student 'ann' listed twice"):
        roster.read_roster(path)
    _write(path, "Student,ID\nann,\n")
    with pytest.raises(ValueError, match="line 2: a student needs both"):
        roster.read_roster(path)


@pytest.mark.parametrize("text, table", [
    ("", {}), ("mse_cost=2", {"mse_cost": 2.0}), ("mse_cost=2, fit=0.5", {"mse_cost": 2.0, "fit": 0.5}),
])
def test_points_parse(text, table):
    assert roster.parse_points(text) == table


@pytest.mark.parametrize("text", ["mse_cost", "mse_cost=-1", "mse_cost=two", "1x=2", "a=nan"])
def test_points_refuse_what_is_not_a_table(text):
    with pytest.raises(ValueError, match="--points"):
        roster.parse_points(text)


def test_points_sum_the_passed_exercises_and_the_best_notebook_counts():
    table = {"mse_cost": 2.0, "fit": 0.5}
    row = _row("ann", {"mse_cost": "passed", "fit": "passed", "other": "failed"})
    assert roster.points(row, table) == (2.5, 3.5)
    assert roster.points(_row("ann", {"mse_cost": "copied", "fit": "passed"}), table) == (0.5, 2.5)
    students = [{"student": "ann"}, {"student": "bo"}]
    rows = [_row("ann", {"mse_cost": "failed", "fit": "passed"}, file="ann/first.ipynb"),
            _row("ann", {"mse_cost": "passed", "fit": "failed"}, file="ann/second.ipynb"),
            _row("ann", {"x": "passed"}, lesson="04_forward_prop")]
    assert roster.totals(rows, students, table) == {"ann": {"01_regression": (2.0, 2.5), "04_forward_prop": (1.0, 1.0)},
                                                    "bo": {}}


def test_canvas_and_gradescope_files_list_every_student_on_the_roster(tmp_path):
    path = tmp_path / "roster.csv"
    _write(path, ROSTER)
    rows = [_row("ann", {"mse_cost": "passed", "fit": "passed"}), _row("=cy", {"mse_cost": "passed", "fit": "failed"}),
            _row("zed", {"mse_cost": "passed", "fit": "passed"})]
    facts = roster.write_lms(tmp_path, rows, roster.read_roster(path), {"fit": 3.0}, report._atomic)
    assert facts["missing"] == ["bo"] and facts["not_on_roster"] == ["zed"]
    canvas = list(csv.reader(open(tmp_path / "canvas.csv", encoding="utf-8", newline="")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "nnlessons 01_regression"]
    assert canvas[1] == ["Points Possible", "", "", "", "", "4"]
    assert canvas[2] == ["Ann Lee", "", "1001", "", "A", "4"]
    assert canvas[3] == ["Bo Chen", "", "1002", "", "B", ""]
    assert canvas[4] == ["'=HYPERLINK(\"x\")", "", "1003", "", "A", "1"]  # neutralised, as in grades.csv
    gradescope = list(csv.DictReader(open(tmp_path / "gradescope.csv", encoding="utf-8", newline="")))
    assert [(g["SID"], g["Total Score"], g["Max Points"], g["Status"]) for g in gradescope] == [
        ("1001", "4", "4", "Graded"), ("1002", "0", "4", "Missing"), ("1003", "1", "4", "Graded")]
    assert json.loads((tmp_path / "roster.json").read_text())["missing"] == ["bo"]


def test_the_command_line_writes_the_platform_files_and_names_missing_students(tmp_path, capsys):
    subs = tmp_path / "subs"
    for name in ("ann", "zed"):
        (subs / name).mkdir(parents=True)
        (subs / name / "notes.txt").write_text("not a notebook")
    _write(tmp_path / "roster.csv", ROSTER)
    args = [str(subs), "--out", str(tmp_path / "out"), "--unsafe-no-sandbox", "--roster", str(tmp_path / "roster.csv")]
    assert grade_main(args + ["--points", "mse_cost=2"]) == 0
    printed = capsys.readouterr()
    assert "no submission from: bo, =cy" in printed.out and "not on the roster: zed" in printed.err
    assert (tmp_path / "out" / "canvas.csv").is_file() and (tmp_path / "out" / "gradescope.csv").is_file()
    assert grade_main(args + ["--points", "mse_cost"]) == 2
    assert "--points: expected exercise=points" in capsys.readouterr().err
