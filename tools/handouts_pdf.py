"""Printable handouts: every lesson of the website as a PDF, student and solved, and the whole course.

    python -m tools.handouts_pdf build/handouts/pdf [--paper a4|letter] [--site DIR]
                                                         (what `make handouts-pdf` runs)

Builds the course website (tools/site.py) into ``build/handouts/site/`` (or takes an
existing build with ``--site``), serves it on 127.0.0.1 and prints its pages in headless
Chromium, with every other host unresolvable (nothing is fetched from the network), once
MathJax has typeset the maths and every image has loaded. The site's print stylesheet
(docs/site/_static/print.css) lays the pages out for paper; a class on ``<html>`` picks the
version:

- ``NN_topic-student.pdf``: each exercise as its stub, no solution (what `make handouts`
  hands out, with the other cells' outputs);
- ``NN_topic-solved.pdf``: each solution printed in place of its stub, with its checker's
  ``PASSED`` line;
- ``course-student.pdf`` and ``course-solved.pdf``: a front page listing the lessons with the
  page each starts on, then every lesson, numbered through.

The footer of each page holds the lesson's title and its page number. Needs the ``site`` extra,
a Chromium (Debian's ``chromium``, or NNLESSONS_CHROMIUM=/path) and poppler-utils (``pdfinfo``,
``pdftotext``: the course's contents page is checked against where each lesson really starts).
"""

import argparse
import html
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import nbformat

from tools import handouts, links, site
from tools.site_browser import BrowserError, chromium, serve, settle

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = ("student", "solved")
#: paper option -> Chromium's format name and the page's width in mm
PAPERS = {"a4": ("A4", 210), "letter": ("Letter", 215.9)}
# As print.css's @page rule, so that a reader's "Print" and these PDFs look alike.
SIDE_MM = 14
MARGIN = {"top": "16mm", "right": f"{SIDE_MM}mm", "bottom": "18mm", "left": f"{SIDE_MM}mm"}
MM_PER_PX = 25.4 / 96
COURSE = "course"
FOOTER = ('<div style="font-family: sans-serif; font-size: 7.5pt; color: #444; width: 100%; '
          f'margin: 0 {SIDE_MM}mm; display: flex; justify-content: space-between;">'
          '<span>{left}</span><span>page <span class="pageNumber"></span> of '
          '<span class="totalPages"></span></span></div>')
LABELS = {"student": "exercises to do", "solved": "with the solutions"}


class PrintError(RuntimeError):
    """A handout that cannot be printed right (no browser, a page that did not render)."""


def lessons(notebooks=ROOT / "notebooks"):
    """``(stem, title)`` of every lesson of the series, in order."""
    return [(path.stem, site.notebook_title(nbformat.read(path, as_version=4), path.stem))
            for path in handouts.series(notebooks)]


def pdf_name(stem, version):
    return f"{stem}-{version}.pdf"


def page_count(pdf):
    """Pages of ``pdf`` (poppler's pdfinfo)."""
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def page_texts(pdf):
    """The text of every page of ``pdf`` (poppler's pdftotext), in order."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def _words(text):
    return " ".join(text.split())


def _open(browser, url, width_mm):
    """A new page at ``url``, laid out as wide as the paper's text, maths typeset, images loaded."""
    content_px = round((width_mm - 2 * SIDE_MM) / MM_PER_PX)
    page = browser.new_page(viewport={"width": content_px, "height": 1000})
    errors = []
    page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1"
               else (errors.append(r.request.url), r.abort()))
    page.goto(url, wait_until="load")
    page.emulate_media(media="print")
    _settle(page)
    _fit_formulas(page)
    if errors:
        raise PrintError(f"{url} asked for something outside the site: {errors[:3]}")
    return page


def _settle(page):
    """Wait for MathJax to finish typesetting and for every image and font to load; PrintError if not."""
    settle(page)
    untypeset = page.evaluate("() => Array.from(document.querySelectorAll('.math'))"
                              ".filter(e => !e.querySelector('mjx-container')).length")
    broken = page.evaluate("() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                           ".map(i => i.src)")
    if untypeset or broken:
        raise PrintError(f"{page.url}: {untypeset} formulas left untypeset, images not loaded: {broken[:3]}")


def _fit_formulas(page):
    """Shrink each displayed formula wider than the text until it fits (MathJax 3 cannot break it)."""
    page.evaluate("""() => document.querySelectorAll('mjx-container[display="true"]').forEach(m => {
        if (m.scrollWidth > m.clientWidth + 1) m.style.fontSize = (95 * m.clientWidth / m.scrollWidth) + '%';
    })""")


def _choose(page, version):
    """Show ``version`` of the exercises: the class print.css reads, solutions unfolded if solved."""
    page.evaluate("""version => {
        const root = document.documentElement;
        root.classList.remove('nnl-student', 'nnl-solved');
        root.classList.add('nnl-' + version);
        document.querySelectorAll('div.cell.tag_exercise details').forEach(d => { d.open = version === 'solved'; });
        document.querySelectorAll('a.reference.external').forEach(a => {
            if (a.textContent.trim() === a.getAttribute('href')) a.classList.add('nnl-self-link');
        });
    }""", version)


def overflowing(page):
    """Code, output and formulas wider than the text on paper (each cut at the margin): short descriptions."""
    return page.evaluate("""() => {
        const main = document.querySelector('.bd-article') || document.body;
        const limit = main.getBoundingClientRect().right + 1;
        return Array.from(main.querySelectorAll('pre, mjx-container, img, table'))
            .filter(e => e.getClientRects().length > 0)
            .filter(e => ((e.tagName === 'PRE' || e.getAttribute('display') === 'true')
                          && e.scrollWidth > e.clientWidth + 1)
                         || e.getBoundingClientRect().right > limit)
            .map(e => e.tagName.toLowerCase() + ': ' + e.textContent.trim().slice(0, 60));
    }""")


def _print(page, path, paper, footer_left, outline=True):
    # Chromium keeps some of the last print's page breaks when the page has not changed since; a
    # fresh layout before each print makes the same page print the same.
    page.evaluate("() => { const b = document.body; b.style.display = 'none'; void b.offsetHeight;"
                  " b.style.display = ''; void b.offsetHeight; }")
    page.pdf(path=str(path), format=PAPERS[paper][0], margin=MARGIN, print_background=True,
             display_header_footer=True, header_template="<span></span>",
             footer_template=FOOTER.format(left=html.escape(footer_left)), outline=outline, tagged=True)


def print_lessons(browser, base, out, paper="a4", only=None):
    """Print every lesson of the site at ``base`` in both versions into ``out``; return a report.

    The report maps ``(stem, version)`` to ``{"path", "pages", "overflow"}``.
    """
    report = {}
    for stem, title in lessons():
        if only and stem not in only:
            continue
        page = _open(browser, f"{base}{stem}.html", PAPERS[paper][1])
        for version in VERSIONS:
            _choose(page, version)
            path = out / pdf_name(stem, version)
            _print(page, path, paper, f"{title} · {LABELS[version]}")
            report[stem, version] = {"path": path, "pages": page_count(path), "overflow": overflowing(page)}
        page.close()
    return report


def _front(entries, version, starts):
    rows = "".join(f'<li><span>{html.escape(title)}</span><span class="nnl-dots"></span>'
                   f'<span>{start}</span></li>' for (_, title), start in zip(entries, starts))
    return (f'<div class="nnl-front"><h1>nnlessons</h1><p class="nnl-subtitle">Neural networks from first '
            f'principles: the course, {html.escape(LABELS[version])} (release {html.escape(links.release_tag())})'
            f'</p><h2>Contents</h2><ol>{rows}</ol></div>')


def _lesson_starts(pdf, entries):
    """The page (1-based) on which each lesson's title opens a page of ``pdf``; None where none does."""
    texts = [_words(t) for t in page_texts(pdf)]
    starts = []
    for _, title in entries:
        found = [i + 1 for i, t in enumerate(texts) if i and t.startswith(_words(title))]
        starts.append(found[0] if found else None)
    return starts


def print_course(browser, base, site_dir, out, version, report, paper="a4"):
    """One PDF of every lesson in ``version``, after a front page listing where each starts.

    The page numbers listed are first those the lessons' own PDFs give (``report``); the PDF is
    then read back, and printed again with the pages where the lessons really start if these differ.
    """
    entries = [(stem, title) for stem, title in lessons() if (stem, version) in report]
    # A lesson's page as the host: it loads MathJax (a page without maths does not).
    page = _open(browser, f"{base}{entries[0][0]}.html", PAPERS[paper][1])
    bodies = [(Path(site_dir) / f"{stem}.html").read_text(encoding="utf-8") for stem, _ in entries]
    page.evaluate("""bodies => {
        const parser = new DOMParser();
        const article = document.querySelector('article.bd-article');
        MathJax.typesetClear();
        article.innerHTML = '';
        for (const text of bodies) {
            const doc = parser.parseFromString(text, 'text/html');
            const lesson = document.createElement('section');
            lesson.className = 'nnl-course-lesson';
            const head = document.createElement('div');
            head.className = 'nnl-lesson-head';
            const printed = doc.querySelector('#jb-print-docs-body');
            head.innerHTML = printed ? printed.innerHTML : '';
            // Its ids kept: the theme's print rules for the contents (#jb-print-toc) apply as in the lesson's PDF.
            lesson.appendChild(head);
            lesson.insertAdjacentHTML('beforeend', doc.querySelector('article.bd-article').innerHTML);
            article.appendChild(lesson);
        }
        return MathJax.typesetPromise([article]);
    }""", bodies)
    _settle(page)
    _fit_formulas(page)
    _choose(page, version)
    path = out / pdf_name(COURSE, version)
    starts = [2]
    for stem, _ in entries[:-1]:
        starts.append(starts[-1] + report[stem, version]["pages"])
    for prints in range(1, 4):
        page.evaluate("html => { document.querySelector('#jb-print-docs-body').innerHTML = html; }",
                      _front(entries, version, starts))
        _print(page, path, paper, f"nnlessons · the course, {LABELS[version]}")
        found = _lesson_starts(path, entries)
        if found == starts:
            break
        if None in found:
            missing = [title for (_, title), at in zip(entries, found) if at is None]
            raise PrintError(f"{path}: no page opens with the lesson {missing[0]!r}")
        starts = found
    else:
        raise PrintError(f"{path}: the contents page does not settle on where the lessons start")
    overflow = overflowing(page)
    page.close()
    return {"path": path, "pages": page_count(path), "overflow": overflow, "starts": starts, "prints": prints}


def build(out, paper="a4", site_dir=None, only=None, log=print):
    """Write every lesson's PDFs, both versions, and the two course PDFs to ``out``; return the report.

    ``site_dir``: an existing build of the website (else one is built into ``out``/../site).
    ``only``: lesson stems to print (all by default; the course PDFs then hold those).
    """
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}, got {paper!r}")
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            raise PrintError(f"{tool} not found: apt-get install poppler-utils")
    out = Path(out)
    start = time.monotonic()
    if site_dir is None:
        site_dir = out.parent / "site"
        log(f"handouts-pdf: building the website into {site_dir}")
        if site.build(site_dir) != 0:
            raise PrintError("the website build failed: run `make site` to see why")
        log(f"handouts-pdf: website built in {time.monotonic() - start:.0f} s")
    site_dir = Path(site_dir)
    missing = [stem for stem, _ in lessons() if (not only or stem in only)
               and not (site_dir / f"{stem}.html").is_file()]
    if missing:
        raise PrintError(f"{site_dir} has no page for {missing[0]}: rebuild it (make site), or leave out --site")
    out.mkdir(parents=True, exist_ok=True)
    # A renamed lesson must not leave its old handouts behind; no other file is touched.
    for version in VERSIONS:
        for old in [*out.glob(pdf_name(handouts.NOTEBOOK_GLOB.removesuffix(".ipynb"), version)),
                    out / pdf_name(COURSE, version)]:
            old.unlink(missing_ok=True)
    with serve(site_dir) as base, chromium() as browser:
        lap = time.monotonic()
        report = print_lessons(browser, base, out, paper, only)
        log(f"handouts-pdf: {len(report)} lesson PDFs printed in {time.monotonic() - lap:.0f} s")
        for version in VERSIONS:
            lap = time.monotonic()
            report[COURSE, version] = print_course(browser, base, site_dir, out, version, report, paper)
            log(f"handouts-pdf: course-{version}.pdf printed {report[COURSE, version]['prints']} time(s) "
                f"in {time.monotonic() - lap:.0f} s")
    for item in report.values():
        size = item["path"].stat().st_size / 1e6
        log(f"wrote {item['path']} ({item['pages']} pages, {size:.1f} MB)")
        for what in item["overflow"]:
            log(f"  warning: wider than the page: {what}")
    log(f"handouts-pdf: {len(report)} PDFs in {time.monotonic() - start:.0f} s")
    return report


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.handouts_pdf", description=__doc__.split("\n")[0])
    parser.add_argument("out", help="folder for the PDFs, e.g. build/handouts/pdf")
    parser.add_argument("--paper", choices=sorted(PAPERS), default="a4", help="paper size (default a4)")
    parser.add_argument("--site", help="an existing build of the website to print (default: build one)")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.paper, args.site)
    except (PrintError, BrowserError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
