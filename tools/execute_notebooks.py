"""Re-execute notebooks in place, top to bottom, each in a fresh kernel.

Used by `make notebooks`. Timing metadata is not recorded, and consecutive
chunks of one stream (a cell's stdout arrives in pieces that split at different
points from run to run) are merged into one output, so a re-run that changes
nothing leaves the file unchanged; the kernel is always `python3`. Widgets
(sliders) are stored as their text only: their live view needs a front end, and
their state and random ids would change the file at every run.
"""

import os
import sys
import time

import nbformat
from nbclient import NotebookClient


#: a widget's live view in an output; its text/plain stays
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def merge_streams(outputs):
    """``outputs`` with each run of consecutive same-stream outputs (stdout, stderr) joined into one."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == out.get("name")):
            last["text"] = _text(last) + _text(out)
        else:
            merged.append(out)
    return merged


def _text(out):
    text = out.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def execute(path, timeout=600):
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False, store_widget_state=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    client.execute()
    nb.metadata.pop("widgets", None)  # the state of an earlier run's widgets
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
            for out in cell.outputs:
                out.get("data", {}).pop(WIDGET_VIEW, None)
    nbformat.write(nb, path)


def main(paths):
    if not paths:
        print("no notebooks given")
        return 1
    for path in paths:
        start = time.perf_counter()
        execute(path)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
