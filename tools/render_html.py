"""Render the notebooks to HTML pages, with an index page in series order.

    python -m tools.render_html notebooks build/html              (what `make html` runs)
    python -m tools.render_html --student notebooks build/html-student

Each notebook becomes one self-contained page with its stored outputs:
figures embedded as PNG data URIs, maths typeset by MathJax (loaded from its
CDN when the page is opened; nothing is fetched while rendering). The index
lists the pages in series order under the title of each notebook's first
heading. ``--student`` renders the student handouts instead (solutions
replaced by stubs, as ``tools/handouts.py`` makes them), for printing.
"""

import html
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


from tools import handouts

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def notebook_title(nb, fallback):
    """The text of the first markdown heading of ``nb`` (inline markup removed), else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            match = _HEADING.match(line)
            if match:
                text = _LINK.sub(r"\1", match.group(1))
                text = re.sub(r"[*_`]", "", text).strip()
                if text:
                    return text
    return fallback


def render(nb, title, path="."):
    """One notebook as a complete HTML page; ``path`` is where its local images live."""
    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title, "path": str(path)}})
    return body


def index_page(entries, heading="nnlessons"):
    """The index: ``entries`` is a list of (file name, title) in series order."""
    items = "\n".join(f'    <li><a href="{html.escape(href)}">{html.escape(title)}</a></li>'
                      for href, title in entries)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(heading)}</title>
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 42em; margin: 2em auto; padding: 0 1em;
           line-height: 1.5; }}
    li {{ margin: 0.3em 0; }}
  </style>
</head>
<body>
  <h1>{html.escape(heading)}</h1>
  <p>Neural networks from first principles: the notebooks of the series, in order, with their outputs.</p>
  <ol>
{items}
  </ol>
</body>
</html>
"""


def write_site(src_dir, dst_dir, student=False):
    """Render every notebook of ``src_dir`` and the index into ``dst_dir``; return the pages written."""
    dst = Path(dst_dir)
    dst.mkdir(parents=True, exist_ok=True)
    entries = []
    for path in handouts.series(src_dir):
        nb = nbformat.read(path, as_version=4)
        if student:
            nb = handouts.make_handout(nb, name=path.name)
        title = notebook_title(nb, path.stem)
        page = dst / f"{path.stem}.html"
        page.write_text(render(nb, title, path.parent), encoding="utf-8")
        entries.append((page.name, title))
    written = [dst / name for name, _ in entries]
    # A renamed or removed notebook must not leave its old page behind.
    for old in dst.glob(handouts.NOTEBOOK_GLOB.replace(".ipynb", ".html")):
        if old not in written:
            old.unlink()
    if entries:
        index = dst / "index.html"
        heading = "nnlessons: student handouts" if student else "nnlessons"
        index.write_text(index_page(entries, heading), encoding="utf-8")
        written.append(index)
    return written


def main(argv):
    student = "--student" in argv
    args = [a for a in argv if a != "--student"]
    if len(args) != 2:
        print("usage: python -m tools.render_html [--student] SOURCE_DIR TARGET_DIR", file=sys.stderr)
        return 2
    return handouts.run_command(write_site, *args, student=student)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
