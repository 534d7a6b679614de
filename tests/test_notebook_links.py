"""Every notebook opens its student version on Colab and Binder, from the release.

The repository is the one named in pyproject.toml ([project.urls] Repository)
and the release tag is 'v' + [project] version. Each notebook's first
(markdown) cell carries, in this order, a Colab badge and a Binder badge that
open ``student/NN_topic.ipynb`` at the tag, then a link to the solved version;
every repository path a link names exists. Its first code cell installs the
package on Colab from the same tag, never from a moving branch. Binder builds
from environment.yml, which must install the package itself. The student
versions carry the same links (they are generated; tests/test_student.py).

`make student` (python -m tools.links notebooks) writes these lines.
"""

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import nbformat
import pytest

from tools import links

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
STUDENT = sorted((ROOT / "student").glob("[0-9][0-9]_*.ipynb"))
BOTH = SERIES + STUDENT
# [![alt](image)](target) and [text](target)
BADGE = re.compile(r"\[!\[([^\]]*)\]\(([^)\s]+)\)\]\(([^)\s]+)\)")
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\((https://[^)\s]+)\)")


def test_repository_and_tag_are_the_published_ones():
    assert links.repository() == "nnlessons/nnlessons"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", links.release_tag())


def expected(path):
    """The student Colab and Binder targets and the solved-version target, written out independently."""
    repo, tag, name = links.repository(), links.release_tag(), path.name
    return {
        "colab": f"https://colab.research.google.com/github/{repo}/blob/{tag}/student/{name}",
        "binder": f"https://mybinder.org/v2/gh/{repo}/{tag}?labpath={quote('student/' + name, safe='')}",
        "solved": f"https://colab.research.google.com/github/{repo}/blob/{tag}/notebooks/{name}",
    }


def test_expected_links_for_an_example_notebook(monkeypatch):
    # Written out once by hand, so a mistake in `expected` or in the tool cannot hide.
    monkeypatch.setattr(links, "release_tag", lambda root=None: "v0.2.0")
    line = links.badge_line("03_linear.ipynb")
    assert line == (
        "[![Open the exercises in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        "(https://colab.research.google.com/github/nnlessons/nnlessons/blob/v0.2.0/student/03_linear.ipynb) "
        "[![Open the exercises on Binder](https://mybinder.org/badge_logo.svg)]"
        "(https://mybinder.org/v2/gh/nnlessons/nnlessons/v0.2.0?labpath=student%2F03_linear.ipynb) "
        "· solved version: [Colab]"
        "(https://colab.research.google.com/github/nnlessons/nnlessons/blob/v0.2.0/notebooks/03_linear.ipynb)")
    assert links.install_line() == "!pip install -q git+https://github.com/nnlessons/nnlessons@v0.2.0"


def test_environment_yml_installs_the_package_for_binder():
    lines = [line.split("#")[0].strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    assert "- pip:" in lines
    assert any(re.fullmatch(r"-\s+(-e\s+)?\.", line) for line in lines[lines.index("- pip:"):]), \
        "environment.yml must pip-install the repository itself (- -e .), or Binder lacks nnlessons"


def _repository_path(url):
    """The repository path a Colab/Binder/GitHub link opens, or None for another site."""
    parts = urlsplit(url)
    m = re.match(r"/(?:github/)?[\w.-]+/[\w.-]+/blob/[^/]+/(.+)", parts.path)
    if parts.hostname in ("colab.research.google.com", "github.com") and m:
        return m.group(1)
    if parts.hostname == "mybinder.org":
        return parse_qs(parts.query).get("labpath", [None])[0]
    return None


needs_series = pytest.mark.skipif(not SERIES, reason="no notebooks in notebooks/ yet")
per_notebook = pytest.mark.parametrize("path", BOTH, ids=[f"{p.parent.name}/{p.stem}" for p in BOTH])


@needs_series
@per_notebook
def test_first_cell_opens_the_student_version_first_then_the_solved_one(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell must be markdown"
    want = expected(path)
    found = {image: target for _, image, target in BADGE.findall(first.source)}
    assert found.get(links.COLAB_BADGE) == want["colab"], \
        f"{path}: the Colab badge points at {found.get(links.COLAB_BADGE)}, not {want['colab']} (run `make student`)"
    assert found.get(links.BINDER_BADGE) == want["binder"], \
        f"{path}: the Binder badge points at {found.get(links.BINDER_BADGE)}, not {want['binder']} (run `make student`)"
    solved = [target for _, target in LINK.findall(first.source) if target == want["solved"]]
    assert solved, f"{path}: no link to the solved version {want['solved']}"
    assert first.source.index(want["colab"]) < first.source.index(want["solved"]), \
        f"{path}: the student version must come first"


@needs_series
@per_notebook
def test_every_repository_path_in_the_first_cell_exists(path):
    source = nbformat.read(path, as_version=4).cells[0].source
    targets = [t for _, _, t in BADGE.findall(source)] + [t for _, t in LINK.findall(source)]
    named = [p for p in map(_repository_path, targets) if p]
    assert named, f"{path}: no link into the repository"
    missing = [p for p in named if not (ROOT / p).is_file()]
    assert not missing, f"{path}: links to files that are not in the repository: {missing}"


@needs_series
@per_notebook
def test_first_code_cell_installs_the_release_on_colab(path):
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    lines = [line.rstrip() for line in cell.source.splitlines()]
    guard = next((i for i, line in enumerate(lines) if re.match(r'if "google\.colab" in sys\.modules:', line)),
                 None)
    assert guard is not None, f"{path.name}: the first code cell has no `if \"google.colab\" in sys.modules:`"
    install = f"!pip install -q git+https://github.com/{links.repository()}@{links.release_tag()}"
    assert guard + 1 < len(lines) and lines[guard + 1].strip() == install, \
        f"{path}: the line after the Colab guard must be `{install}` (run `make student`)"
    assert lines[guard + 1].startswith((" ", "\t")), f"{path.name}: the install line must be inside the guard"
    assert "import sys" in lines[:guard], f"{path.name}: `import sys` must come before the Colab guard"


def test_every_notebook_has_a_student_version():
    assert [p.name for p in STUDENT] == [p.name for p in SERIES], "run `make student`"
