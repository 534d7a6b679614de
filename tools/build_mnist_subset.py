"""Rebuild the MNIST files that ship in nnlessons/data/ from the four official files.

    python -m tools.build_mnist_subset [SOURCE_DIR] [--out OUT_DIR] [--check]

SOURCE_DIR holds the official ``*-ubyte.gz`` files (default: ``../shared/data/mnist``
beside the repository). Their SHA-256 is checked first. Then:

* the two official test files are copied unchanged;
* the training subset is made of the first 1,000 images of each digit, taken from the
  official training files and kept in their official order (sorted by their index
  there), written as IDX files gzipped with no name and time stamp 0, so re-running the
  script gives the same bytes.

OUT_DIR defaults to ``nnlessons/data``. With ``--check``, the script writes into a
temporary directory instead and reports whether every file equals the shipped one.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from nnlessons.mnist import (
    DATA_DIR, EMBEDDED_FILES, EMBEDDED_SHA256, OFFICIAL_FILES, OFFICIAL_SHA256, SUBSET_PER_DIGIT,
    read_idx, sha256_file, write_idx,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "data" / "mnist"


def subset_indices(labels, per_digit=SUBSET_PER_DIGIT):
    """Indices of the first ``per_digit`` examples of each digit, in increasing order."""
    picks = []
    for digit in range(10):
        where = np.flatnonzero(labels == digit)
        if where.size < per_digit:
            raise ValueError(f"only {where.size} examples of digit {digit}, need {per_digit}")
        picks.append(where[:per_digit])
    return np.sort(np.concatenate(picks))


def build(source, out):
    """Write the shipped files into ``out`` from the official files in ``source``; return their SHA-256s."""
    source, out = Path(source), Path(out)
    for name in OFFICIAL_FILES:
        path = source / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found: SOURCE_DIR must hold the four official MNIST files")
        digest = sha256_file(path)
        if digest != OFFICIAL_SHA256[name]:
            raise ValueError(f"{path}: SHA-256 {digest} differs from the published {OFFICIAL_SHA256[name]}")
    out.mkdir(parents=True, exist_ok=True)
    images = read_idx(source / OFFICIAL_FILES[0])
    labels = read_idx(source / OFFICIAL_FILES[1])
    keep = subset_indices(labels)
    write_idx(out / EMBEDDED_FILES[0], images[keep])
    write_idx(out / EMBEDDED_FILES[1], labels[keep])
    for name in OFFICIAL_FILES[2:]:
        shutil.copyfile(source / name, out / name)
    return {name: sha256_file(out / name) for name in EMBEDDED_FILES}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=str(DEFAULT_SOURCE), help="folder with the official files")
    parser.add_argument("--out", default=str(DATA_DIR), help="where to write (default: nnlessons/data)")
    parser.add_argument("--check", action="store_true", help="rebuild in a temporary folder and compare")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            digests = build(args.source, tmp)
            same = {name: (Path(tmp) / name).read_bytes() == (DATA_DIR / name).read_bytes()
                    for name in EMBEDDED_FILES}
        for name in EMBEDDED_FILES:
            print(f"{'same' if same[name] else 'DIFFERENT'}  {name}  {digests[name]}")
        return 0 if all(same.values()) else 1
    digests = build(args.source, args.out)
    for name in EMBEDDED_FILES:
        note = "" if digests[name] == EMBEDDED_SHA256[name] else "  (update EMBEDDED_SHA256 in nnlessons/mnist.py)"
        print(f"{digests[name]}  {name}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
