"""Tests of the rendered pages (tools/render_html.py).

One page per notebook with every figure embedded as a PNG data URI and the
maths handed to MathJax; an index linking every page in series order under
each notebook's title. On synthetic notebooks always; on the series when it
exists. Nothing is fetched from the network.
"""

import base64
import html
import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

from tools import render_html as site

# nbconvert orders the attributes (alt, class, src), so match the tag, not a prefix.
EMBEDDED_PNG = re.compile(r'<img\b[^>]*\bsrc="data:image/png;base64,([^"]+)"')
LINK = re.compile(r'<a href="([^"]+)">([^<]*)</a>')


def png_outputs(nb):
    return [o["data"]["image/png"] for c in nb.cells if c.cell_type == "code"
            for o in c.outputs if "image/png" in o.get("data", {})]


def tiny_png(colour):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(0.5, 0.5), dpi=20, facecolor=colour)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode("ascii")


MATHS = r"$$\frac{\partial L}{\partial W} = \delta\, a^\top$$"


def synthetic_series(folder):
    folder.mkdir(parents=True, exist_ok=True)
    plot = new_code_cell("plt.show()", execution_count=2)
    plot.outputs = [new_output("display_data", data={"image/png": tiny_png("red"), "text/plain": "<Figure>"}),
                    new_output("stream", name="stdout", text="slope 2.0000\n"),
                    new_output("display_data", data={"image/png": tiny_png("blue"), "text/plain": "<Figure>"})]
    nbformat.write(new_notebook(cells=[
        new_markdown_cell("# 02 · Backprop & the *chain rule*\n\nText."),
        new_markdown_cell(MATHS),
        plot,
    ]), folder / "02_backprop.ipynb")
    one = new_code_cell("fig", execution_count=1)
    one.outputs = [new_output("execute_result", data={"image/png": tiny_png("green")}, execution_count=1)]
    nbformat.write(new_notebook(cells=[
        new_markdown_cell("Intro line\n\n## 01 Linear <models> [with links](https://example.org)"),
        one,
    ]), folder / "01_linear.ipynb")
    exercise = new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n",
                             metadata={"tags": ["exercise"]})
    nbformat.write(new_notebook(cells=[new_markdown_cell("No heading here."), exercise]),
                   folder / "10_untitled.ipynb")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# scratch")]), folder / "scratch.ipynb")
    return folder


EXPECTED = [("01_linear.html", "01 Linear <models> with links"),
            ("02_backprop.html", "02 · Backprop & the chain rule"),
            ("10_untitled.html", "10_untitled")]


def read(path):
    return path.read_text(encoding="utf-8")


def index_links(folder):
    return [(href, visible_text(text)) for href, text in LINK.findall(read(folder / "index.html"))]


def test_one_page_per_notebook_with_every_figure_embedded(tmp_path):
    src = synthetic_series(tmp_path / "notebooks")
    out = tmp_path / "html"
    written = site.write_site(src, out)
    assert sorted(p.name for p in written) == ["01_linear.html", "02_backprop.html", "10_untitled.html",
                                               "index.html"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    for name in ["01_linear", "02_backprop", "10_untitled"]:
        page = read(out / f"{name}.html")
        assert EMBEDDED_PNG.findall(page) == png_outputs(nbformat.read(src / f"{name}.ipynb", as_version=4))
    assert len(EMBEDDED_PNG.findall(read(out / "02_backprop.html"))) == 2


def test_page_has_title_text_outputs_and_mathjax(tmp_path):
    out = tmp_path / "html"
    site.write_site(synthetic_series(tmp_path / "notebooks"), out)
    page = read(out / "02_backprop.html")
    assert "<title>02 · Backprop &amp; the chain rule</title>" in page
    assert "slope 2.0000" in page
    assert r"\frac{\partial L}{\partial W}" in page  # left for MathJax to typeset
    assert re.search(r'<script src="https://[^"]*mathjax[^"]*"', page, re.IGNORECASE)


def test_index_links_every_page_in_series_order_with_titles(tmp_path):
    out = tmp_path / "html"
    site.write_site(synthetic_series(tmp_path / "notebooks"), out)
    assert index_links(out) == EXPECTED
    assert "&lt;models&gt;" in read(out / "index.html")


def test_stale_pages_are_removed(tmp_path):
    out = tmp_path / "html"
    out.mkdir()
    (out / "03_renamed.html").write_text("old")
    site.write_site(synthetic_series(tmp_path / "notebooks"), out)
    assert not (out / "03_renamed.html").exists()


def visible_text(page):
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def test_student_pages_show_the_stub_not_the_solution(tmp_path):
    src = synthetic_series(tmp_path / "notebooks")
    assert site.main(["--student", str(src), str(tmp_path / "student")]) == 0
    student = visible_text(read(tmp_path / "student" / "10_untitled.html"))
    assert "raise NotImplementedError(" in student
    assert "SOLUTION" not in student and "return 2 * x" not in student
    # The same search does find the solution in the solution page.
    site.write_site(src, tmp_path / "html")
    solved = visible_text(read(tmp_path / "html" / "10_untitled.html"))
    assert "# BEGIN SOLUTION" in solved and "return 2 * x" in solved


def test_main_without_notebooks_fails(tmp_path, capsys):
    assert site.main([str(tmp_path), str(tmp_path / "out")]) == 1
    assert "no notebooks" in capsys.readouterr().err


def test_runs_as_a_module_from_the_repository_root(tmp_path):
    src = synthetic_series(tmp_path / "notebooks")
    done = subprocess.run([sys.executable, "-m", "tools.render_html", str(src), str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert index_links(tmp_path / "out") == EXPECTED


# -- the series ---------------------------------------------------------------------

SERIES = site.handouts.series(NOTEBOOKS)
needs_series = pytest.mark.skipif(not SERIES, reason="no notebooks in notebooks/ yet")


@pytest.fixture(scope="module")
def series_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    site.write_site(NOTEBOOKS, out)
    return out


@needs_series
def test_series_index_lists_every_notebook_in_order(series_site):
    links = index_links(series_site)
    pages = sorted(p for p in series_site.iterdir() if p.name != "index.html")
    assert [href for href, _ in links] == [p.name for p in pages]
    assert set(SERIES) <= {NOTEBOOKS / f"{p.stem}.ipynb" for p in pages}
    for (_, title), page in zip(links, pages):
        assert title != page.stem, f"{page.stem}.ipynb: no heading in its first cells to title the page"


@needs_series
@pytest.mark.parametrize("path", SERIES, ids=[p.stem for p in SERIES])
def test_series_page_embeds_every_figure(path, series_site):
    embedded = EMBEDDED_PNG.findall(read(series_site / f"{path.stem}.html"))
    assert embedded == png_outputs(nbformat.read(path, as_version=4))
