"""Shared by the checker tests: a notebook's exercise cells, as solved and as handed out."""

import json
import pathlib

import numpy as np

import nnlessons as nl
from nnlessons import check
from tools import handouts

ROOT = pathlib.Path(__file__).resolve().parents[1]


def exercise_sources(notebook):
    """The source of every cell tagged ``exercise`` in ``notebook`` (a path), in order."""
    cells = json.loads(pathlib.Path(notebook).read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if "exercise" in c.get("metadata", {}).get("tags", [])]


def run_cells(sources, notebook):
    """Execute the sources in one namespace, as the notebook's kernel would after its imports."""
    namespace = {"np": np, "nl": nl, "check": check}
    for src in sources:
        exec(compile(src, str(notebook), "exec"), namespace)
    return namespace


def student_sources(notebook):
    """The exercise cells as ``make handouts`` writes them, with the number of solution blocks in each."""
    return [handouts.strip_solutions(src) for src in exercise_sources(notebook)]
