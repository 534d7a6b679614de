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
