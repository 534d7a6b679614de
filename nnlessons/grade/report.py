"""The grading reports: a CSV of scores, a CSV of every verdict, an HTML summary, feedback per student.

Every text that comes from a submission (file names, messages, error
values) is untrusted input: escaped in the HTML page, neutralised in the CSV
files (a cell starting ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
leading ``'``, the OWASP rule against formula injection), escaped in the
Markdown feedback, with errors in fenced blocks. Every file is written to a
temporary name in the report folder and renamed into place (atomic).
"""

import collections
import csv
import html
import io
import json
import os
import re
import tempfile
from pathlib import Path

FEEDBACK_TITLE = "# Feedback for "
VERDICT_ORDER = ("passed", "failed", "not attempted", "error", "timeout", "copied")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")



def _count(n, noun):
    """``1 file``, ``2 files``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"

def _lessons(rows):
    """``[(label, [exercise, ...])]`` for the lessons graded, in label order."""
    seen = {}
    for row in rows:
        if row["exercises"] and row["lesson"]:
            seen.setdefault(row["lesson"], list(row["exercises"]))
    return sorted(seen.items())


def score(row):
    """(passed, total) of one row; total 0 when no lesson was graded."""
    verdicts = [e["verdict"] for e in row["exercises"].values()]
    return sum(v == "passed" for v in verdicts), len(verdicts)


def cell(value):
    """A CSV cell that no spreadsheet reads as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


class _SafeWriter:
    """``csv.writer`` whose every cell goes through ``cell``."""

    def __init__(self, f):
        self._out = csv.writer(f)

    def writerow(self, values):
        self._out.writerow([cell(v) for v in values])


def _atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with __import__("contextlib").suppress(OSError):
            os.unlink(tmp)
        raise


def write_csv(path, rows):
    """One row per student and notebook, one column per exercise (its verdict), then the totals."""
    columns = []
    for _, names in _lessons(rows):
        columns += [n for n in names if n not in columns]
    with io.StringIO(newline="") as f:
        out = _SafeWriter(f)
        out.writerow(["student", "file", "lesson", "status"] + columns + ["passed", "total", "score"])
        for row in sorted(rows, key=lambda r: (r["student"], r["file"])):
            passed, total = score(row)
            out.writerow([row["student"], row["file"], row["lesson"], row["status"]]
                         + [row["exercises"].get(n, {}).get("verdict", "") for n in columns]
                         + [passed, total, f"{passed / total:.2f}" if total else ""])
        _atomic(path, f.getvalue())


def write_verdicts(path, rows):
    """Every verdict with its message: one line per student, notebook and exercise."""
    with io.StringIO(newline="") as f:
        out = _SafeWriter(f)
        out.writerow(["student", "file", "lesson", "exercise", "verdict", "message"])
        for row in sorted(rows, key=lambda r: (r["student"], r["file"])):
            for name, e in row["exercises"].items():
                out.writerow([row["student"], row["file"], row["lesson"], name, e["verdict"], e["message"]])
        _atomic(path, f.getvalue())


def pattern(message):
    """A failure message with its numbers masked, so that the same mistake groups together."""
    return _NUMBER.sub("…", message)


def lesson_summary(rows, label, names):
    """Per exercise: counts of each verdict and the most common failure patterns."""
    mine = [r for r in rows if r["lesson"] == label and r["exercises"]]
    summary = {}
    for name in names:
        verdicts = [r["exercises"][name] for r in mine if name in r["exercises"]]
        counts = collections.Counter(v["verdict"] for v in verdicts)
        failures = collections.Counter(pattern(v["message"]) for v in verdicts
                                       if v["verdict"] in ("failed", "error", "timeout"))
        summary[name] = {"n": len(verdicts), "counts": {k: counts.get(k, 0) for k in VERDICT_ORDER},
                         "failures": failures.most_common(3)}
    return mine, summary


_CSS = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top;font-size:.9rem}th{background:#f3f3f3}.bar{background:#eee;width:8rem;
height:.8rem;display:inline-block;vertical-align:middle}.bar span{background:#3a7;height:100%;display:block}
code{font-size:.85rem}.warn{background:#fff3cd;padding:.5rem 1rem;border:1px solid #e0c97a}"""


def _e(text):
    return html.escape(str(text))


def summary_html(rows, meta):
    """A self-contained page: per lesson, pass rate and most common failures per exercise; then problems."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Grading summary</title>"
             f"<style>{_CSS}</style></head><body><h1>Grading summary</h1>",
             f"<p>{_count(len(rows), 'file')} from <code>{_e(meta.get('submissions', ''))}</code>, graded in "
             f"{meta.get('seconds', 0):.0f} s.</p>"]
    if meta.get("changed_during_grading"):
        parts.append("<p class='warn'>These submission files changed while the class was being graded "
                     "(the grader itself never writes there; grading used the content read at the start): "
                     + ", ".join(f"<code>{_e(n)}</code>" for n in meta["changed_during_grading"]) + "</p>")
    for label, names in _lessons(rows):
        mine, summary = lesson_summary(rows, label, names)
        scores = [score(r) for r in mine]
        mean = sum(p for p, _ in scores) / max(1, len(scores))
        parts.append(f"<h2>Lesson {_e(label)}</h2><p>{_count(len(mine), 'notebook')}; on average {mean:.1f} of "
                     f"{len(names)} exercises passed.</p><table><tr><th>exercise</th><th>pass rate</th>"
                     + "".join(f"<th>{_e(v)}</th>" for v in VERDICT_ORDER)
                     + "<th>most common failures (numbers masked)</th></tr>")
        for name in names:
            s = summary[name]
            rate = s["counts"]["passed"] / s["n"] if s["n"] else 0.0
            failures = "".join(f"<li>{count} × <code>{_e(text)}</code></li>" for text, count in s["failures"])
            parts.append(f"<tr><td><code>{_e(name)}</code></td><td><span class='bar'><span style='width:"
                         f"{100 * rate:.0f}%'></span></span> {100 * rate:.0f}%</td>"
                         + "".join(f"<td>{s['counts'][v]}</td>" for v in VERDICT_ORDER)
                         + f"<td><ul>{failures}</ul></td></tr>")
        parts.append("</table>")
    parts.append("<h2>Every submission</h2><table><tr><th>student</th><th>file</th><th>lesson</th>"
                 "<th>status</th><th>passed</th><th>notes</th></tr>")
    for row in sorted(rows, key=lambda r: (r["student"], r["file"])):
        passed, total = score(row)
        notes = [row["detail"]] if row["detail"] else []
        if row["cell_errors"]:
            notes.append(f"{len(row['cell_errors'])} cell(s) raised an error")
        if row["timed_out_cells"]:
            notes.append("cells over the time limit: " + ", ".join(map(str, row["timed_out_cells"])))
        parts.append(f"<tr><td>{_e(row['student'])}</td><td><code>{_e(row['file'])}</code></td>"
                     f"<td>{_e(row['lesson'])}</td><td>{_e(row['status'])}</td>"
                     f"<td>{f'{passed} / {total}' if total else ''}</td><td>{_e('; '.join(notes))}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


#: the characters that mean something inside a line of Markdown (md's text never starts a line)
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~&])")


def md(text):
    """Student text as one line of Markdown that renders as itself (no markup, no HTML, no new line).

    Always placed after other text on its line, so line-start markup (``#``, ``-``, ``1.``) is inert.
    """
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def fenced(text):
    """``text`` in a fenced code block that it cannot close (the fence is longer than any run of ` in it)."""
    longest = max((len(m) for m in re.findall(r"`+", str(text))), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, str(text), fence]


def feedback_text(student, rows):
    """The feedback file of one student: each notebook's verdicts with the checkers' messages."""
    lines = [f"{FEEDBACK_TITLE}{md(student)}", ""]
    for row in sorted(rows, key=lambda r: r["file"]):
        passed, total = score(row)
        lines.append(f"## {md(row['file'])}" + (f" (lesson {md(row['lesson'])})" if row["lesson"] else ""))
        lines.append("")
        if row["status"] != "graded":
            lines += [f"Status: {md(row['status'])}. {md(row['detail'])}".strip(), ""]
        if total:
            lines += [f"Exercises passed: {passed} of {total}.", ""]
            for name, e in row["exercises"].items():
                lines.append(f"- `{name}`: **{md(e['verdict'])}**: {md(e['message'])}")
            lines.append("")
        if row["cell_errors"] or row["timed_out_cells"]:
            lines += ["Cells are counted from the top of the notebook, text cells included.", ""]
        for err in row["cell_errors"][:5]:
            lines += [f"Cell {int(err['cell'])} raised:", "", *fenced(f"{err['ename']}: {err['evalue']}"), ""]
        if row["timed_out_cells"]:
            lines.append("- cells stopped at the time limit: " + ", ".join(map(str, row["timed_out_cells"])))
        if row["cell_errors"] or row["timed_out_cells"]:
            lines.append("")
    return "\n".join(lines)


def _file_name(student):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", student).strip("._")[:80] or "student"


def write_reports(out, rows, meta):
    """grades.csv, verdicts.csv, summary.html, results.json and feedback/<student>.md in ``out``."""
    out = Path(out)
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    write_csv(out / "grades.csv", rows)
    write_verdicts(out / "verdicts.csv", rows)
    _atomic(out / "summary.html", summary_html(rows, meta))
    _atomic(out / "results.json", json.dumps({"meta": meta, "rows": rows}, indent=1))
    by_student = collections.defaultdict(list)
    for row in rows:
        by_student[row["student"]].append(row)
    used = set()
    for student, mine in sorted(by_student.items()):
        name = _file_name(student)
        while name in used:  # two names that sanitise alike
            name += "_"
        used.add(name)
        _atomic(out / "feedback" / f"{name}.md", feedback_text(student, mine))
    # Feedback left from an earlier grading into the same folder would be sent as this one's;
    # only files this module wrote (by their first line) are removed.
    for old in (out / "feedback").glob("*.md"):
        if old.stem not in used and _first_line(old).startswith(FEEDBACK_TITLE):
            old.unlink()


def _first_line(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.readline()
