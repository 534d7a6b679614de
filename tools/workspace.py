"""The learner's workspace: student versions to work in, solutions beside them.

    python -m tools.workspace [WORK_DIR]        (what `make lab` runs first; default work/)

Lays out, and on each later run brings up to date, a folder the learner works in::

    work/README.md                 what this folder is
    work/NN_topic.ipynb            the student versions (from student/), the learner's to edit
    work/solutions/NN_topic.ipynb  the solved notebooks (from notebooks/), read-only copies

It never overwrites or deletes a learner's work. It may replace a file only
when the file is byte for byte a version this tool wrote (a hash recorded in
``work/.workspace.json``), which means the learner has not changed it. When
a notebook changed upstream and the learner's copy has edits, the new version
goes beside it as ``NN_topic.new.ipynb`` (or ``.new2``... if that one was
edited too) and a message says so; deleting their copy and running again gives
the current version. A lost state file only makes the tool more careful.
"""

import hashlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path

from tools.handouts import series

ROOT = Path(__file__).resolve().parents[1]
STUDENT, SOLUTIONS, WORK = ROOT / "student", ROOT / "notebooks", ROOT / "work"
STATE = ".workspace.json"

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
  version beside yours as `NN_topic.new.ipynb` and tells you. Yours stays as it
  is. To start a notebook afresh, delete (or rename) your copy and run
  `make lab` again.
"""


def _digest(data):
    return hashlib.sha256(data).hexdigest()


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


def sync_file(data, path, written, given, readonly=False):
    """Bring ``path`` to content ``data`` without losing an edit; return a message or None.

    ``written`` holds the digest of every version written so far, ``given`` the
    digest of the version each file was last brought to; both are updated.
    """
    new, key = _digest(data), path.name if path.parent.name != "solutions" else f"solutions/{path.name}"
    current = _digest(path.read_bytes()) if path.exists() else None
    if current is None or current == new or current in written:
        # Missing, current, or a version we wrote that the learner has not touched.
        if current != new:
            _write(path, data, readonly)
        written.add(new)
        given[key] = new
        for offer in _offers(path):  # an offer left from before is now redundant
            if not offer.exists():
                break
            if _digest(offer.read_bytes()) in written:
                offer.unlink()
        if current is not None and current != new:
            return f"updated {key} to the current version (you had not changed it)"
        return None
    if given.get(key) == new:  # the learner's edits, on the current version
        return None
    for offer in _offers(path):
        if offer.exists() and _digest(offer.read_bytes()) == new:
            return (f"{key}: you have edits, so it is kept as it is; the current version "
                    f"is waiting beside it as {offer.name}")
        if not offer.exists() or _digest(offer.read_bytes()) in written:
            _write(offer, data, readonly)
            written.add(new)
            return (f"{key} has changed in the course since your copy was made. Yours is kept "
                    f"as it is; the new version is {offer.name}, beside it. To switch, delete or "
                    f"rename your copy and run `make lab` again.")


def sync(work=WORK, student=STUDENT, solutions=SOLUTIONS):
    """Create or update the workspace ``work``; return the messages for the learner."""
    work = Path(work)
    (work / "solutions").mkdir(parents=True, exist_ok=True)
    written, given = _load_state(work)
    messages = []
    try:
        jobs = [(README.encode(), work / "README.md", False)]
        jobs += [(p.read_bytes(), work / p.name, False) for p in series(student)]
        jobs += [(p.read_bytes(), work / "solutions" / p.name, True) for p in series(solutions)]
        for data, path, readonly in jobs:
            message = sync_file(data, path, written, given, readonly)
            if message:
                messages.append(message)
    finally:
        _save_state(work, written, given)
    return messages


def main(argv):
    if len(argv) > 1:
        print("usage: python -m tools.workspace [WORK_DIR]", file=sys.stderr)
        return 2
    work = Path(argv[0]) if argv else WORK
    if not series(STUDENT):
        print(f"no student notebooks in {STUDENT}: run `make student`", file=sys.stderr)
        return 1
    for message in sync(work):
        print(message)
    names = [p.name for p in series(STUDENT)]
    print(f"workspace: {work}/ holds {len(names)} notebooks to work in, starting with {names[0]}; "
          f"solved versions in {work}/solutions/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
