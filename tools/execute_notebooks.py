"""Re-execute notebooks in place, top to bottom, each in a fresh kernel.

Used by `make notebooks`. Timing metadata is not recorded, so a re-run that
changes nothing leaves the file unchanged; the kernel is always `python3`.
"""

import os
import sys
import time

import nbformat
from nbclient import NotebookClient


def execute(path, timeout=600):
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
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
