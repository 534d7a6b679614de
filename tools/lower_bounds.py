"""Every declared lower bound as a pin, for the oldest-versions test environment.

    python -m tools.lower_bounds [EXTRA ...] > oldest.txt      (what `make test-oldest` runs)

Reads ``pyproject.toml``: the run-time dependencies and the named extras, and
turns each ``name>=X`` into ``name==X``, keeping environment markers (``tomli``
for Python < 3.11). Installing the result with ``pip install -r`` followed by
``pip install --no-deps -e .`` tests that the bounds pyproject.toml promises work.
"""

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def pins(pyproject_text, extras=("test",)):
    """``name==lower`` lines (markers kept) for the dependencies and ``extras``; raises if one has no ``>=``."""
    project = tomllib.loads(pyproject_text)["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    lines = []
    for req in requirements:
        spec, _, marker = req.partition(";")
        m = re.fullmatch(r"\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][^,\s]*)\s*", spec)
        if not m:
            raise ValueError(f"{req!r} has no single '>=' lower bound to pin")
        lines.append(f"{m.group(1)}=={m.group(2)}" + (f"; {marker.strip()}" if marker else ""))
    return lines


def main(argv):
    extras = argv or ["test"]
    print("\n".join(pins((ROOT / "pyproject.toml").read_text(), extras)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
