"""The course website: Sphinx + MyST-NB + sphinx-book-theme, built offline.

    python -m tools.site build/site        (what `make site` runs; open build/site/index.html)

Stages a Sphinx source folder next to the output (``build/site-src/``), then
builds it with the notebooks' stored outputs (nothing is executed):

- the landing page is the README's title, introduction and table of notebooks
  (links to repository files become links to the release on GitHub); a
  notebook on disk missing from the table still gets a row, a row whose
  notebook is gone is dropped;
- every notebook of ``notebooks/``, in series order (previous/next and the
  table of contents follow it), each exercise shown as the student sees it
  (the stub) with the solution folded below behind "Show solution"; this is
  done on the staged copies, the notebooks themselves are not changed;
- each figure is described: the alt text its cell carries in its metadata
  (``alt``, as nbconvert reads it, or MyST-NB's own ``mystnb.image.alt``, or
  ``alt`` in the image output's metadata) becomes the image's alt in the page;
  a figure without one is named on stderr (and fails `make site-test`);
- under each lesson's title, buttons to download its student and its solved
  ``.ipynb`` (copies of ``student/`` and ``notebooks/``, served by the site);
- the Colab and Binder badge images are local copies, MathJax is copied from
  the ``sphinx-mathjax-offline`` package into ``_static/mathjax/``, so a page
  loads nothing from the network; launch buttons open ``student/NN_topic.ipynb``.
"""

import copy
import json
import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

import nbformat

from tools import handouts, links

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "docs" / "site"
MATHJAX_PACKAGE, MATHJAX_DIR = "sphinx-mathjax-offline", "sphinx-mathjax-offline/static/mathjax"
# What a page needs of MathJax 3: the TeX-to-HTML component, its fonts, the TeX
# extensions it autoloads, and the menu and assistive parts it may load.
MATHJAX_KEEP = ("tex-chtml.js", "input/tex/", "output/chtml", "ui/", "a11y/assistive-mml.js", "adaptors/")
LOCAL_BADGES = {links.COLAB_BADGE: "_badges/colab-badge.svg", links.BINDER_BADGE: "_badges/binder-badge.svg"}
SOLUTION_PROMPTS = {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
STUB_TAG = "exercise-stub"
FIGURE_MIME = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
# The lessons' .ipynb files to download, staged beside the pages (conf.py excludes the folder).
LESSON_FILES = "_lesson_files"
# Written into the staging and output folders before anything else: only a folder holding it
# (or an older build's site.json / .buildinfo) is ever replaced.
OUT_MARK = ".nnlessons-site"

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")


def notebook_title(nb, fallback):
    """The text of the first markdown heading of ``nb`` (inline markup removed), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = _HEADING.match(line)
                if match:
                    text = re.sub(r"[*_`]", "", _LINK.sub(lambda m: m.group(1).strip("![]"), match.group(1)))
                    if text.strip():
                        return text.strip()
    return fallback


def figure_alt(cell):
    """The alt text a code cell gives its figure ('' for none); None when the cell draws no figure."""
    figures = [o for o in cell.get("outputs", []) if any(m in o.get("data", {}) for m in FIGURE_MIME)]
    if not figures:
        return None
    mystnb_alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt")
    output_alts = [o.get("metadata", {}).get(m, {}).get("alt") for o in figures for m in FIGURE_MIME
                   if m in o.get("data", {})]
    for alt in [mystnb_alt, cell.metadata.get("alt"), *output_alts]:
        if isinstance(alt, str) and alt.strip():
            return " ".join(alt.split())
    return ""


def downloads_block(name):
    """MyST for the buttons that download lesson ``name``'s student and solved .ipynb."""
    return ("```{container} nnl-downloads\n"
            f"Download this lesson: {{download}}`exercises (.ipynb) <{LESSON_FILES}/student/{name}>` "
            f"{{download}}`solved (.ipynb) <{LESSON_FILES}/solved/{name}>`\n```")


def _with_downloads(source, name):
    """Markdown ``source`` with the download buttons after its badges line (else its title)."""
    lines = source.split("\n")
    marks = [i for i, line in enumerate(lines) if "_badges/" in line] or \
            [i for i, line in enumerate(lines) if _HEADING.match(line)]
    at = marks[0] + 1 if marks else len(lines)
    return "\n".join(lines[:at] + ["", downloads_block(name), ""] + lines[at:])


def for_site(nb, name):
    """A copy of notebook ``nb`` (file ``name``) as the site shows it.

    Its launch links as `make student` writes them, with local badge images,
    the download buttons under the first cell, each figure's alt text where
    MyST-NB reads it, and each exercise as its stub followed by the solution, folded.
    """
    nb = copy.deepcopy(nb)
    links.fix_links(nb, name)
    cells = []
    for cell in nb.cells:
        alt = figure_alt(cell) if cell.cell_type == "code" else None
        if alt:
            cell.metadata.setdefault("mystnb", {}).setdefault("image", {})["alt"] = alt
        if cell.cell_type == "markdown":
            for remote, local in LOCAL_BADGES.items():
                cell.source = cell.source.replace(f"({remote})", f"({local})")
        if handouts.is_exercise(cell):
            stub_source, _ = handouts.strip_solutions(cell.source)
            stub = nbformat.v4.new_code_cell(stub_source, metadata={"tags": [STUB_TAG]})
            stub.id = f"{cell.get('id', len(cells))}-stub"
            cells.append(stub)
            cell.metadata.setdefault("tags", []).append("hide-cell")
            cell.metadata["mystnb"] = dict(SOLUTION_PROMPTS)
        cells.append(cell)
    first = next((c for c in cells if c.cell_type == "markdown"), None)
    if first is None:
        cells.insert(0, first := nbformat.v4.new_markdown_cell("", id="nnl-downloads"))
    first.source = _with_downloads(first.source, name)
    nb.cells = cells
    return nb


def undescribed_figures(nb):
    """The indices of the code cells of ``nb`` that draw a figure without an alt text."""
    return [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and figure_alt(cell) == ""]


def _repo_link(target, names):
    """A README link target as seen from the site's landing page."""
    if re.match(r"^[a-z]+:|^#", target):
        return target
    path = target.split("#")[0]
    if path.startswith("notebooks/") and Path(path).name in names:
        return Path(path).name
    return f"https://github.com/{links.repository()}/blob/{links.release_tag()}/{path}"


def landing_page(readme, entries):
    """The landing page (MyST): README title, introduction and notebook table; ``entries`` (file, title)."""
    lines = readme.splitlines()
    names = {name for name, _ in entries}
    title = next(line for line in lines if line.startswith("# "))
    start = lines.index(title) + 1
    intro = []
    for line in lines[start:]:
        if line.startswith("## "):
            break
        intro.append(line)
    table, listed = [], set()
    in_section = False
    for line in lines:
        if line.startswith("## "):
            in_section = line.strip().lower() == "## the notebooks"
        elif in_section and line.startswith("|"):
            targets = re.findall(r"\]\((notebooks/[^)\s]+)\)", line)
            if targets and Path(targets[0]).name not in names:
                print(f"site: README row for {targets[0]} skipped, no such notebook", file=sys.stderr)
                continue
            listed.update(Path(t).name for t in targets)
            table.append(line)
    if not table:
        table = ["| # | notebook | what it teaches |", "| --- | --- | --- |"]
    for name, nb_title in entries:
        if name not in listed:
            table.append(f"| {name[:2]} | [{nb_title}](notebooks/{name}) | |")
    body = "\n".join([title, *intro, "## The notebooks", "",
                      "Each lesson page shows the notebook with its outputs. The exercises appear as you will "
                      "write them, with the solution folded below (**Show solution**). The rocket button at the "
                      "top of a page opens the student version in Colab or Binder, to run it yourself.", "",
                      *table])
    body = _LINK.sub(lambda m: f"{m.group(1)}({_repo_link(m.group(2), names)})", body)
    toctree = "\n".join(["", "```{toctree}", ":hidden:", ":maxdepth: 1", "",
                         *[Path(name).stem for name, _ in entries], "```", ""])
    return body + "\n" + toctree


def _copy_mathjax(dst):
    dist = metadata.distribution(MATHJAX_PACKAGE)
    src = Path(dist.locate_file(MATHJAX_DIR))
    if not (src / "tex-chtml.js").is_file():
        raise FileNotFoundError(f"{src / 'tex-chtml.js'} not found: install the site extra (pip install -e '.[site]')")
    for path in src.rglob("*"):
        rel = path.relative_to(src).as_posix()
        if path.is_file() and rel.startswith(MATHJAX_KEEP):
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def stage(staging, notebooks=ROOT / "notebooks", readme=ROOT / "README.md", student=ROOT / "student"):
    """Write the Sphinx source folder ``staging``; return the notebook file names in order."""
    staging = Path(staging)
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(CONF, staging)
    (staging / OUT_MARK).write_text("staged by python -m tools.site; replaced by the next build\n", encoding="utf-8")
    entries = []
    for path in handouts.series(notebooks):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(for_site(nb, path.name), staging / path.name)
        missing = undescribed_figures(nb)
        if missing:
            print(f"site: {path.name}: figures without an alt text in cells {missing}", file=sys.stderr)
        for kind, source in [("solved", path), ("student", Path(student) / path.name)]:
            if not source.is_file():
                raise FileNotFoundError(f"{source} not found: run `make student`")
            (staging / LESSON_FILES / kind).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, staging / LESSON_FILES / kind / path.name)
        entries.append((path.name, notebook_title(nb, path.stem)))
    if not entries:
        raise FileNotFoundError(f"no notebooks matching {handouts.NOTEBOOK_GLOB} in {notebooks}")
    (staging / "index.md").write_text(landing_page(Path(readme).read_text(encoding="utf-8"), entries),
                                      encoding="utf-8")
    _copy_mathjax(staging / "_static" / "mathjax")
    site = {"repository": links.repository(), "tag": links.release_tag()}
    (staging / "site.json").write_text(json.dumps(site, indent=1) + "\n", encoding="utf-8")
    return [name for name, _ in entries]


def _replaceable(folder, *marks):
    """Raise ValueError unless ``folder`` is missing, empty, or holds one of ``marks`` (an earlier build's)."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or (any(folder.iterdir())
                                                    and not any((folder / m).exists() for m in marks))):
        raise ValueError(f"{folder} exists and is not a website built by this tool (no {marks[0]}), so it is "
                         f"not replaced: give a new or empty folder, such as build/site")


def build(out, staging=None, quiet=True):
    """Stage and build the website into ``out``; return Sphinx's exit status (0: built, no warning).

    ``out`` and the staging folder are replaced, so each must be new, empty or an earlier build.
    """
    out = Path(out).resolve()
    staging = Path(staging).resolve() if staging else out.parent / f"{out.name}-src"
    _replaceable(out, OUT_MARK, ".buildinfo")
    _replaceable(staging, OUT_MARK, "site.json")
    from sphinx.cmd.build import build_main

    stage(staging)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / OUT_MARK).write_text("built by python -m tools.site; replaced by the next build\n", encoding="utf-8")
    # -W: a warning (a broken link, a missing image) fails the build.
    args = ["-b", "html", "-W", "--keep-going", "-d", str(staging / "_doctrees"), str(staging), str(out)]
    return build_main((["-q"] if quiet else []) + args)


def main(argv):
    if len(argv) != 1:
        print("usage: python -m tools.site OUTPUT_DIR", file=sys.stderr)
        return 2
    warning = links.missing_tag()  # the launch buttons would lead nowhere until the tag is pushed
    if warning:
        print(warning, file=sys.stderr)
    try:
        status = build(argv[0])
    except (ValueError, FileNotFoundError) as exc:  # a notebook off the pattern, a missing package
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if status == 0:
        print(f"site: open {Path(argv[0]) / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
