"""What tools/site.py stages for Sphinx, checked without building (fast, part of `make test`).

The browser test of the built website is tests/test_site.py (`make site-test`).
"""

import copy
import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import handouts, links, site

ROOT = Path(__file__).resolve().parents[1]
SERIES = handouts.series(ROOT / "notebooks")

FIRST = ("# 09 · A *test* lesson\n\n"
         "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research."
         "google.com/github/nnlessons/nnlessons/blob/main/notebooks/09_t.ipynb) [![Binder](https://mybinder.org/"
         "badge_logo.svg)](https://mybinder.org/v2/gh/nnlessons/nnlessons/main?labpath=notebooks%2F09_t.ipynb)")
SETUP = 'import sys\nif "google.colab" in sys.modules:\n    !pip install -q git+https://github.com/nnlessons/nnlessons'
EXERCISE = "def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n\ncheck.f(f)"


def lesson():
    return new_notebook(cells=[new_markdown_cell(FIRST), new_code_cell(SETUP),
                               new_markdown_cell("Write `f`."),
                               new_code_cell(EXERCISE, metadata={"tags": ["exercise"]})])


def test_exercises_show_the_stub_then_the_folded_solution():
    nb = lesson()
    pristine = copy.deepcopy(nb)
    page = site.for_site(nb, "09_t.ipynb")
    assert nb == pristine, "the notebook itself is not changed"
    assert len(page.cells) == len(nb.cells) + 1
    stub, solution = page.cells[3], page.cells[4]
    assert stub.source == handouts.strip_solutions(EXERCISE)[0] and stub.outputs == []
    assert stub.metadata["tags"] == [site.STUB_TAG]
    assert solution.source == EXERCISE
    assert "hide-cell" in solution.metadata["tags"] and "exercise" in solution.metadata["tags"]
    assert solution.metadata["mystnb"] == {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
    assert len({c.id for c in page.cells}) == len(page.cells), "cell ids stay unique"
    nbformat.validate(page)


def test_badges_are_local_images_with_the_student_links():
    first = site.for_site(lesson(), "09_t.ipynb").cells[0].source
    assert "colab.research.google.com/assets" not in first and "mybinder.org/badge_logo" not in first
    assert "(_badges/colab-badge.svg)" in first and "(_badges/binder-badge.svg)" in first
    assert links.colab_url("student/09_t.ipynb") in first
    for local in site.LOCAL_BADGES.values():
        assert (site.CONF / local).is_file()


def test_notebook_title_drops_inline_markup():
    assert site.notebook_title(lesson(), "fallback") == "09 · A test lesson"
    assert site.notebook_title(new_notebook(cells=[new_code_cell("1")]), "fallback") == "fallback"


README = """# Course title

Intro with [a guide](docs/GUIDE.md) and [a site](https://example.org).

## The notebooks

| # | notebook | what it teaches |
| --- | --- | --- |
| 01 | [One](notebooks/01_one.ipynb) | first |
| 02 | [Gone](notebooks/02_gone.ipynb) | removed since |

## Other

Not on the landing page.
"""


def test_landing_page_from_the_readme():
    page = site.landing_page(README, [("01_one.ipynb", "One"), ("03_three.ipynb", "03 · Three")])
    assert page.startswith("# Course title\n")
    assert "[One](01_one.ipynb)" in page, "notebook links lead to their pages"
    assert "02_gone" not in page, "a row whose notebook is gone is dropped"
    assert "| 03 | [03 · Three](03_three.ipynb) | |" in page, "a notebook missing from the table gets a row"
    assert f"[a guide](https://github.com/{links.repository()}/blob/{links.release_tag()}/docs/GUIDE.md)" in page
    assert "[a site](https://example.org)" in page
    assert "Not on the landing page" not in page
    toctree = page.split("```{toctree}")[1]
    assert re.findall(r"^\d\d_\w+$", toctree, re.M) == ["01_one", "03_three"]


def test_readme_table_lists_every_notebook_and_nothing_else():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The notebooks", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|[^|]*\|\s*\[[^\]]+\]\(notebooks/([^)\s]+)\)", section, re.M)
    assert rows == [p.name for p in SERIES], "the README's table of notebooks must follow notebooks/"


def test_build_replaces_only_an_earlier_build(tmp_path, capsys):
    # `python -m tools.site docs` (or `.`) used to delete that folder's contents.
    victim = tmp_path / "docs"
    victim.mkdir()
    (victim / "notes.md").write_text("mine")
    assert site.main([str(victim)]) == 1
    assert "is not a website built by this tool" in capsys.readouterr().err
    assert (victim / "notes.md").read_text() == "mine"
    staging = tmp_path / "site-src"
    staging.mkdir()
    (staging / "notes.md").write_text("mine")
    assert site.main([str(tmp_path / "site")]) == 1 and (staging / "notes.md").exists()
    site._replaceable(tmp_path / "new", site.OUT_MARK)  # a new folder, an empty one, an earlier build: fine
    (tmp_path / "old").mkdir()
    site._replaceable(tmp_path / "old", site.OUT_MARK)
    (tmp_path / "old" / "index.html").write_text("")
    (tmp_path / "old" / site.OUT_MARK).write_text("")
    site._replaceable(tmp_path / "old", site.OUT_MARK)


PNG = "iVBORw0KGgo="  # any base64: only its presence matters here


def figure_cell(metadata=None, output_metadata=None):
    cell = new_code_cell("plt.plot(x, y)\nplt.show()", metadata=metadata or {})
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure>"},
                                           metadata=output_metadata or {})]
    return cell


def test_a_figures_alt_text_reaches_mystnb_from_where_the_cell_keeps_it():
    alt = "The cost falls from 12.5 to 0.02 in 200 steps."
    for cell in [figure_cell({"alt": alt}), figure_cell({"mystnb": {"image": {"alt": alt}}}),
                 figure_cell(output_metadata={"image/png": {"alt": alt}})]:
        nb = lesson()
        nb.cells.append(cell)
        page = site.for_site(nb, "09_t.ipynb")
        assert page.cells[-1].metadata["mystnb"]["image"]["alt"] == alt
        assert site.undescribed_figures(nb) == []
    nb = lesson()
    nb.cells += [figure_cell(), figure_cell({"alt": "  "}), new_code_cell("print(1)")]
    assert site.undescribed_figures(nb) == [4, 5], "a figure without an alt text (or a blank one) is named"
    assert "mystnb" not in site.for_site(nb, "09_t.ipynb").cells[-3].metadata
    assert site.figure_alt(new_code_cell("print(1)")) is None


def test_every_lesson_gets_its_download_buttons_under_the_badges():
    first = site.for_site(lesson(), "09_t.ipynb").cells[0].source
    lines = first.splitlines()
    badges = next(i for i, line in enumerate(lines) if "_badges/" in line)
    assert lines[badges + 2] == "```{container} nnl-downloads"
    assert f"{{download}}`exercises (.ipynb) <{site.LESSON_FILES}/student/09_t.ipynb>`" in first
    assert f"{{download}}`solved (.ipynb) <{site.LESSON_FILES}/solved/09_t.ipynb>`" in first


def test_stage_copies_both_versions_of_each_lesson_to_download(tmp_path, monkeypatch):
    # MathJax comes with the `site` extra, which `make test`'s environment does not have; it plays no part here.
    monkeypatch.setattr(site, "_copy_mathjax", lambda folder: None)
    staged = site.stage(tmp_path / "src")
    for name in staged:
        assert (tmp_path / "src" / site.LESSON_FILES / "student" / name).read_bytes() == \
            (ROOT / "student" / name).read_bytes()
        assert (tmp_path / "src" / site.LESSON_FILES / "solved" / name).read_bytes() == \
            (ROOT / "notebooks" / name).read_bytes()


def _extension():
    import importlib.util
    spec = importlib.util.spec_from_file_location("nnlessons_site", site.CONF / "_ext" / "nnlessons_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_built_pages_get_a_search_button_and_no_empty_header_cell():
    ext = _extension()
    page = ('<form class="bd-search d-flex" action="search.html" method="get"><input type="search" name="q"/>'
            '</form><table><thead><tr><th class="head"><p></p></th><th class="head"><p>rows</p></th>')
    fixed = ext.fix_html(page)
    assert fixed.count(ext.SUBMIT) == 1 and ext.fix_html(fixed) == fixed, "added once"
    assert '<td class="head"></td><th class="head"><p>rows</p></th>' in fixed


def test_search_text_is_the_article_alone():
    ext = _extension()
    page = ('<html><body><button>System Settings</button><main role="main"><article class="bd-article">'
            '<section id="one-a"><h1>One &amp; a<a class="headerlink" href="#one-a">#</a></h1><p>Backprop text.</p>'
            '<script>var x = 1;</script><section id="two"><h2>Two</h2><p>More.</p></section></section>'
            '</article></main></body></html>')
    text = ext.article_text(page)
    assert text == ('<div role="main"><section id="one-a"> One &amp; a Backprop text.'
                    '<section id="two"> Two More.</section></section></div>')
    assert ext.article_text("<html>no article</html>") == ""


def test_every_figure_of_the_series_has_an_alt_text():
    # The website's figures are described by these (tests/test_site.py checks them in the page).
    for path in SERIES:
        nb = nbformat.read(path, as_version=4)
        assert site.undescribed_figures(nb) == [], f"{path.name}: figure cells without metadata mystnb.image.alt"
        for cell in nb.cells:
            alt = site.figure_alt(cell) if cell.cell_type == "code" else None
            assert not alt or not re.search(r"\.(png|jpe?g|svg|gif)\b|_images/", alt), f"{path.name}: {alt!r}"
