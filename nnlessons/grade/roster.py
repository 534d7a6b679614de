"""Grades a learning platform imports: a roster maps submissions to student ids, points per exercise.

    python -m nnlessons.grade submissions --out report --roster roster.csv [--points mse_cost=2,fit=1.5]

``roster.csv`` has one row per student and a header naming at least

- ``student``: the name the grader knows them by (their folder under the submissions
  folder, or a top-level file's name without its extension), and
- ``id``: their id in the platform (Canvas's "SIS User ID", Gradescope's "SID"),

and optionally ``name`` (as the platform shows it), ``email``, ``login`` (Canvas's "SIS
Login ID") and ``section``. Each exercise is worth its ``--points`` (1 by default); a
notebook's points are those of its passed exercises, summed (an exercise that is
``copied`` earns none). A student with several notebooks of one lesson gets the best
of them; their total is summed over the lessons graded. Written beside ``grades.csv``:

- ``canvas.csv``: Canvas's gradebook import layout (``Student, ID, SIS User ID, SIS Login
  ID, Section``, one column per lesson, a ``Points Possible`` row);
- ``gradescope.csv``: Gradescope's score layout (``Name, SID, Email, Total Score, Max
  Points, Status``);
- ``roster.json``: the students with no submission and the submissions of nobody on the
  roster.
"""

import csv
import json

#: the roster's columns: the two it needs and the ones it may have
REQUIRED = ("student", "id")
OPTIONAL = ("name", "email", "login", "section")


def read_roster(path):
    """The roster's rows as dicts of REQUIRED and OPTIONAL keys; ValueError naming what is wrong."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ValueError(f"roster {path}: expected columns {', '.join(REQUIRED)} (and optionally "
                             f"{', '.join(OPTIONAL)}), got {', '.join(reader.fieldnames or []) or 'none'}")
        students, seen = [], set()
        for number, line in enumerate(reader, start=2):
            entry = {c: (line.get(header[c]) or "").strip() for c in REQUIRED + OPTIONAL if c in header}
            if not entry["student"] and not entry["id"]:
                continue  # a blank line
            if not entry["student"] or not entry["id"]:
                raise ValueError(f"roster {path}, line {number}: a student needs both 'student' and 'id'")
            if entry["student"] in seen:
                raise ValueError(f"roster {path}, line {number}: student {entry['student']!r} listed twice")
            seen.add(entry["student"])
            students.append({c: entry.get(c, "") for c in REQUIRED + OPTIONAL})
    return students


def parse_points(text):
    """``{exercise: points}`` from ``"mse_cost=2,mse_gradient=1.5"``; ValueError on anything else."""
    table = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, sep, value = part.partition("=")
        try:
            points = float(value)
        except ValueError:
            points = -1.0
        if not sep or not name.strip().isidentifier() or not points >= 0:
            raise ValueError(f"--points: expected exercise=points (points a number >= 0), got {part!r}")
        table[name.strip()] = points
    return table


def points(row, table):
    """``(earned, possible)`` of one report row: each exercise's points, earned when it passed."""
    possible = sum(table.get(name, 1.0) for name in row["exercises"])
    earned = sum(table.get(name, 1.0) for name, e in row["exercises"].items() if e["verdict"] == "passed")
    return earned, possible


def totals(rows, students, table):
    """Per roster student: ``{lesson: (earned, possible)}`` (their best notebook of each lesson)."""
    by_student = {s["student"]: {} for s in students}
    for row in rows:
        if row["student"] not in by_student or not row["lesson"] or not row["exercises"]:
            continue
        best = by_student[row["student"]].get(row["lesson"])
        mine = points(row, table)
        if best is None or mine[0] > best[0]:
            by_student[row["student"]][row["lesson"]] = mine
    return by_student


def _number(x):
    return f"{x:g}"


def write_lms(out, rows, students, table, write):
    """canvas.csv, gradescope.csv and roster.json in ``out``; ``write(path, text)`` writes one file.

    Returns ``{"missing": [...], "not_on_roster": [...]}``.
    """
    from .report import cell

    lessons = sorted({r["lesson"]: None for r in rows if r["lesson"] and r["exercises"]})
    possible = {}
    for row in rows:
        if row["lesson"] in lessons:
            possible[row["lesson"]] = max(possible.get(row["lesson"], 0.0), points(row, table)[1])
    scores = totals(rows, students, table)
    missing = [s["student"] for s in students if not any(r["student"] == s["student"] for r in rows)]
    on_roster = {s["student"] for s in students}
    strangers = sorted({r["student"] for r in rows} - on_roster)

    def table_text(header, lines):
        import io

        with io.StringIO(newline="") as f:
            writer = csv.writer(f)
            for line in [header] + lines:
                writer.writerow([cell(v) for v in line])
            return f.getvalue()

    canvas = [["Points Possible", "", "", "", ""] + [_number(possible[lesson]) for lesson in lessons]]
    gradescope = []
    total_possible = sum(possible.values())
    for s in students:
        mine = scores[s["student"]]
        canvas.append([s["name"] or s["student"], "", s["id"], s["login"], s["section"]]
                      + [_number(mine[lesson][0]) if lesson in mine else "" for lesson in lessons])
        status = "Missing" if s["student"] in missing else "Graded"
        gradescope.append([s["name"] or s["student"], s["id"], s["email"],
                           _number(sum(e for e, _ in mine.values())), _number(total_possible), status])
    write(out / "canvas.csv", table_text(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
                                         + [f"nnlessons {lesson}" for lesson in lessons], canvas))
    write(out / "gradescope.csv", table_text(["Name", "SID", "Email", "Total Score", "Max Points", "Status"],
                                             gradescope))
    facts = {"missing": missing, "not_on_roster": strangers, "points": table}
    write(out / "roster.json", json.dumps(facts, indent=1))
    return facts
