"""The launch links of every notebook: Colab and Binder open the student version.

    python -m tools.links notebooks        (part of `make student`)
    python -m tools.links --hub https://hub.example.edu [--branch main]
                                           (`make hub-link HUB=...`: nbgitpuller links)

Each notebook's first (markdown) cell carries one line of links: a Colab badge
and a Binder badge that open the *student* version (``student/NN_topic.ipynb``,
solutions replaced by stubs), then a plain link to the solved version. Its
first code cell installs the package on Colab from the same release tag, so
the notebook and the package a learner gets always belong together.

The repository comes from ``[project.urls] Repository`` in pyproject.toml and
the tag from ``[project] version`` (version 0.2.0 -> tag ``v0.2.0``): a release
is tagged, then every link of that release opens. This tool rewrites the badge
line and the install line in place and touches nothing else.

On a JupyterHub, nbgitpuller links clone the same repository into each
student's home and, on later clicks, merge the course's updates without
overwriting what the student changed. nbgitpuller follows a branch (a tag
cannot be merged into), ``main`` unless told otherwise.
"""

import re
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
STUDENT_DIR = "student"
SOLVED_DIR = "notebooks"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
COLAB_GUARD = re.compile(r'^\s*if "google\.colab" in sys\.modules:')
# [![alt](image)](target)
BADGE = re.compile(r"\[!\[([^\]]*)\]\(([^)\s]+)\)\]\(([^)\s]+)\)")


def _project(root=ROOT):
    with open(Path(root) / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]


def repository(root=ROOT):
    """'owner/name' of the GitHub repository named in pyproject.toml."""
    url = _project(root)["urls"]["Repository"]
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?/?", url)
    if not match:
        raise ValueError(f"pyproject.toml: Repository {url!r} is not a github.com repository URL")
    return match.group(1)


def release_tag(root=ROOT):
    """The git tag the links point at: 'v' + the project version."""
    return "v" + _project(root)["version"]


def missing_tag(root=ROOT):
    """A warning when the release tag is not in the git repository at ``root`` (None when it is, or no git).

    Every Colab, Binder and install link names that tag: until it is pushed, they lead to "not found".
    """
    import subprocess

    tag = release_tag(root)
    try:
        found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}"], cwd=root,
                               capture_output=True, text=True)
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, text=True)
    except OSError:  # no git: nothing to check against
        return None
    # Only the repository whose root holds this pyproject.toml (not one it merely sits inside).
    if top.returncode != 0 or Path(top.stdout.strip()).resolve() != Path(root).resolve() or found.returncode == 0:
        return None
    return (f"warning: the launch links point at tag {tag} of {repository(root)} (pyproject.toml's version "
            f"and Repository), which this git repository does not have: they open only once that tag is "
            f"pushed (docs/INSTRUCTORS.md, \"Launch links\")")


def colab_url(path, root=ROOT):
    """Colab address of ``path`` (relative to the repository root) at the release tag."""
    return f"https://colab.research.google.com/github/{repository(root)}/blob/{release_tag(root)}/{path}"


def binder_url(path, root=ROOT):
    """Binder address opening ``path`` in JupyterLab, built from the release tag."""
    return f"https://mybinder.org/v2/gh/{repository(root)}/{release_tag(root)}?labpath={quote(path, safe='')}"


def repository_url(root=ROOT):
    """The https address of the repository, as git clones it."""
    return f"https://github.com/{repository(root)}"


def hub_url(hub, path, branch="main", root=ROOT):
    """nbgitpuller link: on JupyterHub ``hub``, clone or update the course and open ``path`` in JupyterLab."""
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", hub):
        raise ValueError(f"HUB must be the hub's address, such as https://hub.example.edu; got {hub!r}")
    target = repository(root).split("/")[1]  # nbgitpuller's default folder: the repository's name
    query = urlencode({"repo": repository_url(root), "branch": branch, "targetpath": target,
                       "urlpath": f"lab/tree/{target}/{path}"})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def hub_links(hub, branch="main", root=ROOT):
    """``[(notebook name, nbgitpuller link)]`` for every student notebook."""
    from tools.handouts import series

    return [(p.name, hub_url(hub, f"{STUDENT_DIR}/{p.name}", branch, root))
            for p in series(Path(root) / STUDENT_DIR)]


def badge_line(name, root=ROOT):
    """The line of links of notebook ``name`` (e.g. '03_linear_collapse.ipynb')."""
    student, solved = f"{STUDENT_DIR}/{name}", f"{SOLVED_DIR}/{name}"
    return (f"[![Open the exercises in Colab]({COLAB_BADGE})]({colab_url(student, root)}) "
            f"[![Open the exercises on Binder]({BINDER_BADGE})]({binder_url(student, root)}) "
            f"· solved version: [Colab]({colab_url(solved, root)})")


def install_line(root=ROOT):
    """The Colab install command, pinned to the release tag."""
    return f"!pip install -q git+https://github.com/{repository(root)}@{release_tag(root)}"


def fix_links(nb, name, root=ROOT):
    """Rewrite the badge line and the Colab install line of ``nb`` in place; return True if changed.

    Raises ValueError when the notebook has no badge line in its first cell or
    no Colab guard in its first code cell, since then there is nothing to fix.
    """
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown":
        raise ValueError(f"{name}: the first cell must be markdown, with the badge line")
    lines = first.source.split("\n")
    badge_rows = [i for i, line in enumerate(lines) if BADGE.search(line)]
    if not badge_rows:
        raise ValueError(f"{name}: no Colab/Binder badge line in the first cell")
    lines[badge_rows[0]] = badge_line(name, root)
    new_first = "\n".join(line for i, line in enumerate(lines) if i not in badge_rows[1:])

    code = next((c for c in nb.cells if c.cell_type == "code"), None)
    code_lines = code.source.split("\n") if code is not None else []
    guard = next((i for i, line in enumerate(code_lines) if COLAB_GUARD.match(line)), None)
    if guard is None or guard + 1 >= len(code_lines):
        raise ValueError(f"{name}: the first code cell has no `if \"google.colab\" in sys.modules:` "
                         f"followed by the install line")
    indent = re.match(r"\s*", code_lines[guard + 1]).group(0) or "    "
    code_lines[guard + 1] = indent + install_line(root)
    new_code = "\n".join(code_lines)

    changed = (new_first, new_code) != (first.source, code.source)
    first.source, code.source = new_first, new_code
    return changed


def main(argv):
    if argv[:1] == ["--hub"] and len(argv) in (2, 4) and (len(argv) == 2 or argv[2] == "--branch"):
        try:
            for name, url in hub_links(argv[1], *argv[3:]):
                print(f"{name}\n  {url}")
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if len(argv) != 1 or argv[0].startswith("-"):
        print("usage: python -m tools.links NOTEBOOK_DIR\n"
              "       python -m tools.links --hub https://hub.example.edu [--branch main]", file=sys.stderr)
        return 2
    from tools.handouts import series

    paths = series(argv[0])
    if not paths:
        print(f"no notebooks in {argv[0]}", file=sys.stderr)
        return 1
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        try:
            changed = fix_links(nb, path.name)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if changed:
            nbformat.write(nb, path)
            print(f"links updated in {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
