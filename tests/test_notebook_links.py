"""Every notebook opens on Colab and Binder from the published repository.

The repository is the one named in pyproject.toml ([project.urls] Repository).
Each notebook's first (markdown) cell carries a Colab badge and a Binder badge
pointing at that notebook's own path; its first code cell installs the package
from the same repository when it runs on Colab. Binder builds from
environment.yml, which must install the package itself.
"""

import re
import sys
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SERIES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
BRANCH = "main"

# [![alt](image)](target)
BADGE = re.compile(r"\[!\[([^\]]*)\]\(([^)\s]+)\)\]\(([^)\s]+)\)")


def repository():
    """'owner/name' of the GitHub repository named in pyproject.toml."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        url = tomllib.load(f)["project"]["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    assert match, f"pyproject.toml: Repository {url!r} is not a github.com repository URL"
    return match.group(1)


def test_repository_is_the_published_one():
    assert repository() == "nnlessons/nnlessons"


def expected_badges(path):
    repo, nb_path = repository(), f"notebooks/{path.name}"
    return {
        "colab": ("https://colab.research.google.com/assets/colab-badge.svg",
                  f"https://colab.research.google.com/github/{repo}/blob/{BRANCH}/{nb_path}"),
        "binder": ("https://mybinder.org/badge_logo.svg",
                   f"https://mybinder.org/v2/gh/{repo}/{BRANCH}?labpath={quote(nb_path, safe='')}"),
    }


def test_expected_links_for_an_example_notebook():
    # Written out once by hand, so a mistake in expected_badges cannot hide.
    badges = expected_badges(Path("notebooks/03_linear.ipynb"))
    assert badges["colab"][1] == ("https://colab.research.google.com/github/nnlessons/nnlessons/"
                                  "blob/main/notebooks/03_linear.ipynb")
    assert badges["binder"][1] == ("https://mybinder.org/v2/gh/nnlessons/nnlessons/main"
                                   "?labpath=notebooks%2F03_linear.ipynb")


def test_environment_yml_installs_the_package_for_binder():
    lines = [line.split("#")[0].strip() for line in (ROOT / "environment.yml").read_text().splitlines()]
    assert "- pip:" in lines
    assert any(re.fullmatch(r"-\s+(-e\s+)?\.", line) for line in lines[lines.index("- pip:"):]), \
        "environment.yml must pip-install the repository itself (- -e .), or Binder lacks nnlessons"


needs_series = pytest.mark.skipif(not SERIES, reason="no notebooks in notebooks/ yet")
per_notebook = pytest.mark.parametrize("path", SERIES, ids=[p.stem for p in SERIES])


@needs_series
@per_notebook
def test_first_cell_has_colab_and_binder_badges_for_this_notebook(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell must be markdown"
    found = {image: target for _, image, target in BADGE.findall(first.source)}
    for kind, (image, target) in expected_badges(path).items():
        assert image in found, f"{path.name}: no {kind} badge ({image}) in the first cell"
        assert found[image] == target, f"{path.name}: the {kind} badge points at {found[image]}, not {target}"


@needs_series
@per_notebook
def test_first_code_cell_installs_the_package_on_colab(path):
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    lines = [line.rstrip() for line in cell.source.splitlines()]
    guard = next((i for i, line in enumerate(lines) if re.match(r'if "google\.colab" in sys\.modules:', line)),
                 None)
    assert guard is not None, f"{path.name}: the first code cell has no `if \"google.colab\" in sys.modules:`"
    install = f"!pip install -q git+https://github.com/{repository()}"
    assert guard + 1 < len(lines) and lines[guard + 1].strip() == install, \
        f"{path.name}: the line after the Colab guard must be `{install}`"
    assert lines[guard + 1].startswith((" ", "\t")), f"{path.name}: the install line must be inside the guard"
    assert "import sys" in lines[:guard], f"{path.name}: `import sys` must come before the Colab guard"
