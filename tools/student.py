"""The committed student versions: ``student/NN_topic.ipynb`` for every notebook.

    python -m tools.student                 (what `make student` runs: notebooks/ -> student/)
    python -m tools.student --check         (exit 1 and name the files if student/ is stale)

A student version is the handout of a notebook (``tools/handouts.py``: each
solution replaced by a stub that raises NotImplementedError) with its launch
links as ``tools/links.py`` writes them and *every* output cleared. Cleared
because it is the file the learner runs: their own outputs appear as they go,
nothing shown was computed with a solution they have not written, and the file
is small (no figures), so it changes only when the notebook's source changes,
not each time the notebooks are re-executed. The solved notebooks, and the
course website, keep the outputs for reading.
"""

import copy
import sys
from pathlib import Path

import nbformat

from tools import handouts, links

ROOT = Path(__file__).resolve().parents[1]
SOURCE, TARGET = ROOT / "notebooks", ROOT / "student"


def student_version(nb, name):
    """The student version of solution notebook ``nb`` (left unchanged), named ``name``."""
    nb = copy.deepcopy(nb)
    links.fix_links(nb, name)
    student = handouts.make_handout(nb, name=name)
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    nbformat.validate(student)
    return student


def rendered(src_dir=SOURCE):
    """{file name: text of its student version} for every notebook of ``src_dir``."""
    out = {}
    for path in handouts.series(src_dir):
        student = student_version(nbformat.read(path, as_version=4), path.name)
        out[path.name] = nbformat.writes(student) + "\n"  # as nbformat.write writes it
    return out


def write_student(src_dir=SOURCE, dst_dir=TARGET):
    """Bring ``dst_dir`` up to date; return (every student version, those rewritten, those removed).

    Only a file whose content changes is written; the versions of vanished
    notebooks are removed. All versions are built before any file is written,
    so an error changes nothing.
    """
    handouts.refuse_same_folder(src_dir, dst_dir)
    texts = rendered(src_dir)
    if not texts:  # a wrong source folder must not empty the target
        return [], [], []
    dst = Path(dst_dir)
    dst.mkdir(parents=True, exist_ok=True)
    paths, changed = [], []
    for name, text in texts.items():
        path = dst / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
        paths.append(path)
    removed = [old for old in handouts.series(dst) if old not in paths]
    for old in removed:
        old.unlink()
    return paths, changed, removed


def stale(src_dir=SOURCE, dst_dir=TARGET):
    """The problems that make ``dst_dir`` differ from what `make student` would write (empty if current)."""
    texts, dst = rendered(src_dir), Path(dst_dir)
    problems = []
    for name, text in texts.items():
        path = dst / name
        if not path.exists():
            problems.append(f"{path} is missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path} is out of date")
    problems += [f"{old} has no notebook in {src_dir}" for old in handouts.series(dst) if old.name not in texts]
    return problems


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) not in (0, 2):
        print("usage: python -m tools.student [--check] [SOURCE_DIR TARGET_DIR]", file=sys.stderr)
        return 2
    src, dst = args or (SOURCE, TARGET)
    if check:
        problems = stale(src, dst)
        for problem in problems:
            print(f"stale: {problem}; run `make student`", file=sys.stderr)
        return 1 if problems else 0
    try:
        paths, changed, removed = write_student(src, dst)
    except ValueError as exc:  # bad solution markers, a notebook without its badge line or Colab guard
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not paths:
        print(f"no notebooks matching {handouts.NOTEBOOK_GLOB} in {src}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"wrote {path}")
    for path in removed:
        print(f"removed {path} (its notebook is gone)")
    if not changed and not removed:
        print(f"{dst}: all {len(paths)} student versions already current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
