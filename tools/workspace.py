"""The learner's workspace: student versions to work in, solutions beside them.

    python -m tools.workspace [WORK_DIR]        (what `make lab` runs first; default work/)

Lays out, and on each later run brings up to date, a folder the learner works in::

    work/README.md                 what this folder is
    work/NN_topic.ipynb            the student versions (from student/), the learner's to edit
    work/solutions/NN_topic.ipynb  the solved notebooks (from notebooks/), read-only copies

It never overwrites or deletes a learner's notebook. It may replace a file
only when the file is byte for byte a version this tool wrote (a hash recorded
in ``work/.workspace.json``), which means the learner has not changed it. When
a notebook changed upstream and the learner's copy has edits, the new version
goes beside it as ``NN_topic.new.ipynb`` (or ``.new2``... if that one was
edited too), a message says so, and ``work/CHANGES.md`` lists every notebook
with a new version waiting and which of its sections changed; deleting their
copy and running again gives the current version. A lost state file only makes
the tool more careful.

Which version of the course a learner's notebook is based on is written into the
notebook itself (``metadata.nnlessons_workspace.course_version``; Jupyter keeps
it when saving), so a copy put back from elsewhere (renamed away and back, or
saved from a tab opened before an update) is still recognised as an old one.
Each version given is kept in ``work/.workspace-versions/`` to tell what changed.
The solved notebooks in ``work/solutions/`` are copies: brought to the current
version on every run, edits there included (a message names any so replaced).
"""

import hashlib
import json
import os
import re
import stat
import sys
import tempfile
from pathlib import Path

from tools.handouts import series

ROOT = Path(__file__).resolve().parents[1]
STUDENT, SOLUTIONS, WORK = ROOT / "student", ROOT / "notebooks", ROOT / "work"
STATE = ".workspace.json"
VERSIONS = ".workspace-versions"
CHANGES = "CHANGES.md"
STAMP = "nnlessons_workspace"

README = """\
# Your workspace

This folder is yours: the notebooks here are the student versions of the course,
with each exercise left for you to write. Work in them and save as you like;
`make lab` never overwrites a notebook you have changed.

- Start with `01_*.ipynb` and go in order. Run each notebook top to bottom
  (Run > Run All Cells works before you write anything: an exercise you have
  not done yet reports "not implemented yet").
- `solutions/` holds the solved notebooks, with all their outputs, to check
  yourself after trying. They are copies: changes there are not kept.
- When the course changes a notebook you have edited, `make lab` puts the new
  version beside yours as `NN_topic.new.ipynb`, and `CHANGES.md` here lists it
  with what changed (JupyterLab opens CHANGES.md when there is one). Yours stays
  as it is. To start a notebook afresh, delete (or rename) your copy and run
  `make lab` again.
"""

CHANGES_HEAD = """\
# New versions waiting for you

The course has changed these notebooks since your copy of each was made. Your copy
is kept exactly as it is; the course's current version is beside it. To switch to
it, copy your answers across, then delete (or rename) your copy and rename the new
one, or delete yours and run `make lab` again. This file is rewritten by each
`make lab` and disappears when nothing is waiting.
"""


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _version(data):
    """The short name of an upstream version (its hash), as stamped into the copies."""
    return _digest(data)[:16]


def _notebook(data):
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return nb if isinstance(nb, dict) and isinstance(nb.get("metadata"), dict) else None


def stamped(data):
    """Notebook ``data`` with the version it is stamped with in its metadata (other files unchanged)."""
    nb = _notebook(data)
    if nb is None:
        return data
    nb["metadata"][STAMP] = {"course_version": _version(data)}
    # As nbformat writes it, so that the copy differs from the course's file in that line only.
    return (json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def based_on(path):
    """The course version ``path`` says it is based on (its stamp), or None."""
    nb = _notebook(path.read_bytes())
    stamp = nb["metadata"].get(STAMP) if nb else None
    return stamp.get("course_version") if isinstance(stamp, dict) else None


def _load_state(work):
    """(digests of every version written, {file: digest of the version it was last given})."""
    try:
        state = json.loads((work / STATE).read_text(encoding="utf-8"))
        return set(state["written"]), dict(state["given"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return set(), {}


def _save_state(work, written, given):
    state = {"written": sorted(written), "given": dict(sorted(given.items()))}
    (work / STATE).write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")


def _write(path, data, readonly):
    # Through a temporary file and a rename: a read-only copy is replaceable,
    # and an interrupted run never leaves half a notebook.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    mode = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
    os.chmod(tmp, mode if readonly else mode | stat.S_IWUSR)
    os.replace(tmp, path)


def _offers(path):
    """The names a new version of ``path`` may take beside it: X.new.ipynb, X.new2.ipynb, ..."""
    n = 1
    while True:
        yield path.with_name(f"{path.stem}.new{'' if n == 1 else n}{path.suffix}")
        n += 1


class Waiting(str):
    """A message saying a new version waits beside the learner's copy; knows the file and the offer."""

    def __new__(cls, text, path, offer, base):
        self = super().__new__(cls, text)
        self.path, self.offer, self.base = path, offer, base
        return self


def sync_file(data, path, written, given, readonly=False):
    """Bring ``path`` to content ``data`` without losing an edit; return a message or None.

    ``written`` holds the digest of every version written so far, ``given`` the
    digest of the version each file was last brought to; both are updated. A
    notebook is written stamped with its version (see the module's docstring).
    Read-only copies (the solutions) are always brought to ``data``.
    """
    key = path.name if path.parent.name != "solutions" else f"solutions/{path.name}"
    upstream, version = _digest(data), _version(data)
    data = data if readonly else stamped(data)
    new = _digest(data)
    current = _digest(path.read_bytes()) if path.exists() else None
    if current is None or current == new or current in written or readonly:
        # Missing, current, a version we wrote that the learner has not touched, or a copy.
        if current != new:
            _write(path, data, readonly)
        written.add(new)
        given[key] = upstream
        _drop_redundant_offers(path, written)
        if current is not None and current != new:
            if current not in written:
                return (f"{key}: your changes there were replaced by the course's current version "
                        f"(solutions/ holds copies; your work goes in {path.name})")
            return f"updated {key} to the current version (you had not changed it)"
        return None
    base = based_on(path)
    if base == version or (base is None and given.get(key) == upstream):
        # The learner's edits, on the current version (a copy without a stamp: as the state says).
        _drop_redundant_offers(path, written)
        return None
    for offer in _offers(path):
        if offer.exists() and _digest(offer.read_bytes()) == new:
            return Waiting(f"{key}: you have edits, so it is kept as it is; the current version "
                           f"is waiting beside it as {offer.name}", path, offer, base)
        if not offer.exists() or _digest(offer.read_bytes()) in written:
            _write(offer, data, readonly)
            written.add(new)
            return Waiting(f"{key} has changed in the course since your copy was made. Yours is kept "
                           f"as it is; the new version is {offer.name}, beside it. To switch, delete or "
                           f"rename your copy and run `make lab` again.", path, offer, base)


def _drop_redundant_offers(path, written):
    """Delete the untouched offers beside ``path`` (X.new.ipynb ...): its own version is current."""
    for offer in _offers(path):
        if not offer.exists():
            break
        if _digest(offer.read_bytes()) in written:
            offer.unlink()


_HEADING = re.compile(r"^\s{0,3}#{1,3}\s+(.+?)\s*#*\s*$")


def _sections(data):
    """{section title: [cell sources]} of notebook ``data``, a section running from one heading to the next."""
    nb = _notebook(data) or {"cells": []}
    sections, title = {}, "(the notebook's start)"
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "markdown":
            heading = next((m.group(1) for m in map(_HEADING.match, source.splitlines()) if m), None)
            if heading:
                title = re.sub(r"[*_`]", "", heading)
        sections.setdefault(title, []).append(source)
    return sections


def what_changed(old, new):
    """Lines saying which sections of notebook ``new`` differ from ``old`` (bytes of each)."""
    before, after = _sections(old), _sections(new)
    lines = []
    for title, cells in after.items():
        if title not in before:
            lines.append(f"- new: \"{title}\"")
        elif cells != before[title]:
            changed = len(set(cells) ^ set(before[title]))
            lines.append(f"- changed: \"{title}\" ({changed} cell{'s' if changed != 1 else ''} differ)")
    lines += [f"- removed: \"{title}\"" for title in before if title not in after]
    return lines or ["- only outside the cells' text (metadata, outputs)"]


def _keep_version(work, data):
    versions = work / VERSIONS
    versions.mkdir(exist_ok=True)
    target = versions / f"{_version(data)}.ipynb"
    if not target.exists():
        _write(target, data, readonly=False)


def _changes(work, waiting, upstream):
    """The text of CHANGES.md for the messages ``waiting`` (None when nothing waits)."""
    if not waiting:
        return None
    parts = [CHANGES_HEAD]
    for message in waiting:
        old = work / VERSIONS / f"{message.base}.ipynb" if message.base else None
        parts.append(f"## {message.path.name}: the new version is {message.offer.name}\n")
        if old is not None and old.is_file():
            parts.append("What changed in the course since your copy was made, section by section:\n")
            parts += what_changed(old.read_bytes(), upstream[message.path.name])
        elif message.base:
            parts.append("The version your copy was made from is not one this workspace kept, so what "
                         "changed is not known; compare the two notebooks.")
        else:
            parts.append("Your copy does not say which version it was made from (it was made before "
                         "copies recorded it), so what changed is not known; compare the two notebooks.")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def sync(work=WORK, student=STUDENT, solutions=SOLUTIONS):
    """Create or update the workspace ``work``; return the messages for the learner."""
    work = Path(work)
    (work / "solutions").mkdir(parents=True, exist_ok=True)
    written, given = _load_state(work)
    messages, upstream = [], {}
    try:
        jobs = [(README.encode(), work / "README.md", False)]
        for p in series(student):
            upstream[p.name] = p.read_bytes()
            _keep_version(work, upstream[p.name])
            jobs.append((upstream[p.name], work / p.name, False))
        jobs += [(p.read_bytes(), work / "solutions" / p.name, True) for p in series(solutions)]
        for data, path, readonly in jobs:
            message = sync_file(data, path, written, given, readonly)
            if message:
                messages.append(message)
        _write_changes(work, [m for m in messages if isinstance(m, Waiting)], upstream, written)
    finally:
        _save_state(work, written, given)
    return messages


def _write_changes(work, waiting, upstream, written):
    """Write CHANGES.md, or remove it when nothing waits (never a CHANGES.md the learner edited)."""
    path, text = work / CHANGES, _changes(work, waiting, upstream)
    if path.exists() and _digest(path.read_bytes()) not in written:
        return
    if text is None:
        path.unlink(missing_ok=True)
        return
    data = text.encode("utf-8")
    written.add(_digest(data))
    if not path.exists() or path.read_bytes() != data:
        _write(path, data, readonly=False)


def main(argv):
    if len(argv) > 1:
        print("usage: python -m tools.workspace [WORK_DIR]", file=sys.stderr)
        return 2
    work = Path(argv[0]) if argv else WORK
    if not series(STUDENT):
        print(f"no student notebooks in {STUDENT}: run `make student`", file=sys.stderr)
        return 1
    messages = sync(work)
    for message in messages:
        print(message)
    names = [p.name for p in series(STUDENT)]
    print(f"workspace: {work}/ holds {len(names)} notebooks to work in, starting with {names[0]}; "
          f"solved versions in {work}/solutions/")
    waiting = [m for m in messages if isinstance(m, Waiting)]
    if waiting:
        print(f"workspace: {len(waiting)} notebook{'s have' if len(waiting) > 1 else ' has'} a new version "
              f"waiting; {work}/{CHANGES} says which and what changed (JupyterLab opens it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
