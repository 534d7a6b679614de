"""The printable handouts (tools/handouts_pdf.py): built once, read back with poppler-utils.

Builds every PDF as `make handouts-pdf` does (the website, then each lesson in headless Chromium,
student and solved, then the two whole-course PDFs) and checks what is on paper: every lesson in
both versions, its title on the first page and in every footer with the page number; no raw TeX
left; no solution in a student version, and every solution in the solved one; every figure of the
notebook printed; every line of code and of text output printed whole (nothing past the margins,
nothing cut); no navigation, search or launch buttons; the course's contents page pointing at the
pages where the lessons start. A print with wrapping turned off shows that the width check finds
cut code. The first two pages of each lesson go to build/site-shots/pdf/ for a person to look at.

Marked `site`: run by `make site-test` (and so by CI). Needs the `site` extra, a Chromium
(`apt-get install chromium`, or NNLESSONS_CHROMIUM=/path) and poppler-utils; without them the
tests skip, except under CI, where they fail.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from tools import handouts

pytestmark = [pytest.mark.site,
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

ROOT = Path(__file__).resolve().parents[1]
OUT, SHOTS = ROOT / "build" / "handouts" / "pdf", ROOT / "build" / "site-shots" / "pdf"
NOTEBOOKS = handouts.series(ROOT / "notebooks")
STEMS = [p.stem for p in NOTEBOOKS]
VERSIONS = ("student", "solved")
CASES = [(stem, version) for stem in STEMS for version in VERSIONS]
IDS = [f"{stem}-{version}" for stem, version in CASES]
# The site's chrome: none of it belongs on paper.
CHROME = ["Skip to main content", "Back to top", "Ctrl+K", "Toggle navigation", "By the nnlessons authors",
          "solved version: Colab", "Show solution", "Hide solution", "Download this lesson"]
FOOTER_LINE = re.compile(r"page (\d+) of (\d+)\s*$")
TEX = re.compile(r"\$|\\frac|\\partial")


def _need(what, found, hint):
    if not found:
        message = f"{what} not found: {hint}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the handouts test)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def tool():
    pytest.importorskip("playwright.sync_api", reason="the site extra is not installed: pip install -e '.[site]'")
    pytest.importorskip("sphinx", reason="the site extra is not installed: pip install -e '.[site]'")
    from tools import handouts_pdf, site_browser

    _need("Chromium", site_browser.browser_path(), "apt-get install chromium, or set NNLESSONS_CHROMIUM")
    for program in ("pdftotext", "pdfinfo", "pdfimages", "pdftoppm"):
        _need(program, shutil.which(program), "apt-get install poppler-utils")
    return handouts_pdf


@pytest.fixture(scope="module")
def built(tool):
    """Every PDF, as `make handouts-pdf` writes them; the tool's report."""
    return tool.build(OUT, log=lambda *a: None)


def _run(*args):
    return subprocess.run(list(map(str, args)), capture_output=True, text=True, check=True).stdout


def pages(pdf):
    """The text of each page, laid out as printed (pdftotext -layout)."""
    text = _run("pdftotext", "-layout", "-enc", "UTF-8", pdf, "-")
    return text.split("\f")[:-1]


def body(pdf):
    """All the text of ``pdf`` but the footers, as one string without any whitespace (a line wrapped
    at the margin or at a page end reads as it was written)."""
    kept = [line for page in pages(pdf) for line in page.splitlines() if not FOOTER_LINE.search(line)]
    return squeeze("\n".join(kept))


def footers(pdf, bottom):
    """The text in the bottom margin of each page, on one line (read from that strip alone: in the
    page's reading order, a table or formula at the foot of a page can come inside the footer).
    ``bottom``: the bottom margin, as the tool gives it ("18mm")."""
    width, height = map(float, re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", _run("pdfinfo", pdf), re.M).groups())
    margin = float(bottom.removesuffix("mm")) / 25.4 * 72
    text = _run("pdftotext", "-enc", "UTF-8", "-x", 0, "-y", int(height - margin), "-W", int(width) + 1,
                "-H", int(margin) + 1, pdf, "-")
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def squeeze(text):
    return re.sub(r"\s+", "", text)


def notebook(stem):
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def shown(stem, version):
    """The notebook as the version shows it: the handout (stubs, their outputs cleared), or solved."""
    nb = notebook(stem)
    return handouts.make_handout(nb, name=stem) if version == "student" else nb


def code_lines(nb):
    """Every non-blank line of code and of text output of ``nb``."""
    lines = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        lines += cell.source.splitlines()
        lines += [line for out in cell.outputs if out.output_type == "stream" for line in out.text.splitlines()]
    return [line for line in lines if line.strip()]


def figures(nb):
    return sum("image/png" in out.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
               for out in cell.outputs)


def images_in(pdf):
    rows = _run("pdfimages", "-list", pdf).splitlines()[2:]
    return sum(row.split()[2] == "image" for row in rows)


def missing_code(pdf, nb):
    """The lines of code and output of ``nb`` not printed whole in ``pdf``."""
    text = body(pdf)
    return [line for line in code_lines(nb) if squeeze(line) not in text]


def outside_margins(pdf, margin_pt):
    """Words printed past the left or right margin (pdftotext -bbox), with their page."""
    found, page_no, width = [], 0, None
    for line in _run("pdftotext", "-bbox", pdf, "-").splitlines():
        m = re.search(r'<page width="([\d.]+)"', line)
        if m:
            page_no, width = page_no + 1, float(m.group(1))
            continue
        m = re.search(r'xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*)</word>', line)
        if m and (float(m.group(1)) < margin_pt - 1 or float(m.group(2)) > width - margin_pt + 1):
            found.append((page_no, m.group(3)))
    return found


def all_text(nb):
    """Every cell's source and every text output of ``nb``."""
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(out.get("text", "") + out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


def solution_only_lines(stem):
    """Per exercise, the lines of its solution that are nowhere else in the student version."""
    nb = notebook(stem)
    student_text = squeeze(all_text(handouts.make_handout(nb, name=stem)))
    per_exercise = []
    for cell in nb.cells:
        if not handouts.is_exercise(cell):
            continue
        inside, in_block = [], False
        for line in cell.source.splitlines():
            if line.strip() in (handouts.BEGIN, handouts.END):
                in_block = line.strip() == handouts.BEGIN
            elif in_block and line.strip() and squeeze(line) not in student_text:
                inside.append(line.strip())
        per_exercise.append(inside)
    return per_exercise


# -- every lesson, both versions ----------------------------------------------------------

def test_every_lesson_is_printed_in_both_versions_and_the_course(built):
    expected = {f"{stem}-{version}.pdf" for stem, version in CASES} | {f"course-{v}.pdf" for v in VERSIONS}
    assert {p.name for p in OUT.glob("*.pdf")} == expected
    assert set(built) == set(CASES) | {("course", v) for v in VERSIONS}


@pytest.mark.parametrize("stem,version", CASES, ids=IDS)
def test_title_on_the_first_page_and_in_every_footer(built, tool, stem, version):
    pdf = built[stem, version]["path"]
    title = dict(tool.lessons())[stem]
    texts = tool.page_texts(pdf)  # in reading order: the footer's two parts are the last two lines
    assert len(texts) == built[stem, version]["pages"] >= 2
    assert " ".join(texts[0].split()).startswith(" ".join(title.split())), f"{pdf.name}: page 1 opens otherwise"
    for number, footer in enumerate(footers(pdf, tool.MARGIN["bottom"]), start=1):
        assert footer.endswith(f"page {number} of {len(texts)}"), f"{pdf.name}, page {number}: footer {footer!r}"
        assert f"{title} · {tool.LABELS[version]}" in footer, f"{pdf.name}, page {number}: no title in {footer!r}"


@pytest.mark.parametrize("stem,version", CASES, ids=IDS)
def test_no_raw_tex_outside_code(built, stem, version):
    nb = notebook(stem)
    code = squeeze("\n".join(code_lines(nb)))
    code += squeeze(" ".join(span for c in nb.cells if c.cell_type == "markdown"
                             for span in re.findall(r"`([^`]+)`", c.source)))
    raw = [line.strip() for text in pages(built[stem, version]["path"]) for line in text.splitlines()
           if TEX.search(line) and squeeze(line) not in code]
    assert not raw, f"{stem}-{version}: raw TeX on paper: {raw[:3]}"


@pytest.mark.parametrize("stem", STEMS)
def test_student_version_has_no_solution_and_the_solved_one_has_them_all(built, stem):
    student, solved = body(built[stem, "student"]["path"]), body(built[stem, "solved"]["path"])
    exercises = solution_only_lines(stem)
    assert exercises, f"{stem}: no exercise"
    for lines in exercises:
        assert lines, f"{stem}: an exercise whose solution is all in the student version too"
        leaked = [line for line in lines if squeeze(line) in student]
        assert not leaked, f"{stem}-student: solution printed: {leaked[:3]}"
        assert all(squeeze(line) in solved for line in lines), f"{stem}-solved: a solution is not printed"
    assert "NotImplementedError" in student and "PASSED" in solved


@pytest.mark.parametrize("version", VERSIONS)
def test_the_course_prints_solutions_only_in_its_solved_version(built, version):
    text = body(built["course", version]["path"])
    # A solution line may be shown, outside any exercise, by a later lesson, or be the start of
    # rendered text there (`return dA` in 05's "return `dA0`", printed without its backticks).
    students = squeeze("\n".join(all_text(shown(stem, "student")) for stem in STEMS))
    markdown = "\n".join(c.source for stem in STEMS for c in notebook(stem).cells if c.cell_type == "markdown")
    students += squeeze(re.sub(r"[`$_{}]", "", re.sub(r"\\[A-Za-z]+", "", markdown)))
    lines = [line for stem in STEMS for lines in solution_only_lines(stem) for line in lines
             if squeeze(line) not in students]
    assert lines
    printed = [line for line in lines if squeeze(line) in text]
    assert printed == (lines if version == "solved" else []), f"course-{version}: {printed[:3]}"


@pytest.mark.parametrize("stem,version", CASES, ids=IDS)
def test_every_figure_is_printed(built, stem, version):
    # pdfimages lists an image once for each page it is drawn on: one split across two pages
    # would count twice, so the count also says that every figure is whole on one page.
    expected = figures(shown(stem, version))
    assert images_in(built[stem, version]["path"]) == expected, \
        f"{stem}-{version}: {images_in(built[stem, version]['path'])} images printed, the notebook has {expected}"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_course_holds_every_figure(built, version):
    assert images_in(built["course", version]["path"]) == sum(figures(shown(s, version)) for s in STEMS)


@pytest.mark.parametrize("stem,version", CASES, ids=IDS)
def test_code_and_output_are_wrapped_never_cut(built, tool, stem, version):
    item = built[stem, version]
    assert not item["overflow"], f"{stem}-{version}: wider than the page: {item['overflow'][:3]}"
    margin = float(tool.MARGIN["left"].removesuffix("mm")) / 25.4 * 72
    assert not outside_margins(item["path"], margin), f"{stem}-{version}: past the margins"
    cut = missing_code(item["path"], shown(stem, version))
    assert not cut, f"{stem}-{version}: lines of code or output not printed whole: {cut[:3]}"


@pytest.mark.parametrize("stem,version", CASES + [("course", v) for v in VERSIONS],
                         ids=IDS + [f"course-{v}" for v in VERSIONS])
def test_no_navigation_search_or_launch_buttons(built, stem, version):
    text = "\n".join(pages(built[stem, version]["path"]))
    assert not [c for c in CHROME if c in text], f"{stem}-{version}: the site's chrome is printed"


@pytest.mark.parametrize("version", VERSIONS)
def test_course_contents_page_points_at_each_lesson(built, tool, version):
    course = built["course", version]
    texts = pages(course["path"])
    assert len(texts) == course["pages"]
    # Each lesson begins on a new page, and may take a page more or less than in its own PDF.
    assert course["starts"] == sorted(set(course["starts"])) and course["starts"][0] == 2
    assert len(texts) >= course["starts"][-1] + built[STEMS[-1], version]["pages"] - 2
    front = texts[0]
    for (stem, title), start in zip(tool.lessons(), course["starts"]):
        row = [line for line in front.splitlines() if title[:30] in line]
        assert row and row[0].split()[-1] == str(start), f"course-{version}: contents row for {stem}: {row}"
        opening = " ".join(texts[start - 1].split())
        assert opening.startswith(" ".join(title.split())), f"course-{version}: page {start} is not {stem}'s first"


@pytest.mark.parametrize("stem", STEMS)
def test_first_two_pages_saved_for_a_person_to_look_at(built, stem):
    plt = pytest.importorskip("matplotlib.pyplot")
    import numpy as np

    SHOTS.mkdir(parents=True, exist_ok=True)
    for version in VERSIONS:
        prefix = SHOTS / f"{stem}-{version}"
        _run("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2", built[stem, version]["path"], prefix)
        made = sorted(SHOTS.glob(f"{stem}-{version}-*.png"))
        assert len(made) == 2
        both = [plt.imread(p) for p in made]
        height = max(b.shape[0] for b in both)
        both = [np.pad(b, ((0, height - b.shape[0]), (0, 8), (0, 0)), constant_values=1) for b in both]
        plt.imsave(SHOTS / f"{stem}-{version}.png", np.hstack(both))
        for p in made:
            p.unlink()
        assert (SHOTS / f"{stem}-{version}.png").stat().st_size > 10_000


# -- the checks can fail, the paper option ---------------------------------------------------

def test_cut_code_and_external_links_are_seen(built, tool, tmp_path):
    """Printed with wrapping off, a wide line of code is found cut; a link leaving the course shows its target."""
    stem = STEMS[0]
    site_dir = ROOT / "build" / "handouts" / "site"
    with tool.serve(site_dir) as base, tool.chromium() as browser:
        page = tool._open(browser, f"{base}{stem}.html", tool.PAPERS["a4"][1])
        tool._choose(page, "solved")
        page.evaluate("""() => {
            const p = document.createElement('p');
            p.innerHTML = 'See <a class="reference external" href="https://example.org/nnlessons-further">a book</a>'
                + ' and <a class="reference internal" href="index.html">the first page</a>.';
            document.querySelector('article.bd-article section > p').before(p);
            const code = document.querySelector('div.cell_input pre');
            code.insertAdjacentText('beforeend', 'wide = "' + 'x'.repeat(160) + '"\\n');
        }""")
        page.add_style_tag(content="@media print { html body div.highlight pre { white-space: pre !important; "
                                   "overflow: hidden !important; } }")
        assert tool.overflowing(page), "the tool does not see a line wider than the page"
        pdf = tmp_path / "unwrapped.pdf"
        tool._print(page, pdf, "a4", "test")
    text = body(pdf)
    assert squeeze("a book <https://example.org/nnlessons-further>") in text
    assert squeeze("the first page.") in text and "index.html" not in text
    wide = nbformat.v4.new_code_cell('wide = "' + "x" * 160 + '"')
    assert missing_code(pdf, nbformat.v4.new_notebook(cells=[wide])), "a cut line of code passes the check"


def test_letter_paper(tool, built, tmp_path):
    stem = STEMS[0]
    report = tool.build(tmp_path, paper="letter", site_dir=ROOT / "build" / "handouts" / "site",
                        only=[stem], log=lambda *a: None)
    info = _run("pdfinfo", report[stem, "student"]["path"])
    assert re.search(r"Page size:\s+612 x 792 pts \(letter\)", info), info
    assert not missing_code(report[stem, "solved"]["path"], shown(stem, "solved"))
    with pytest.raises(ValueError, match="paper must be one of"):
        tool.build(tmp_path, paper="a3")


def test_a_site_without_the_lessons_is_refused(tool, tmp_path, capsys):
    (tmp_path / "site").mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.pdf").write_bytes(b"%PDF-1.4 mine")
    assert tool.main([str(tmp_path / "out"), "--site", str(tmp_path / "site")]) == 1
    assert f"has no page for {STEMS[0]}" in capsys.readouterr().err
    assert (tmp_path / "out" / "notes.pdf").read_bytes() == b"%PDF-1.4 mine", "a file of the user's is kept"
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / "out"), "--paper", "a3"])
