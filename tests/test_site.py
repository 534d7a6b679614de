"""The course website, built by tools/site.py and opened in a real browser.

Builds build/site/ (as `make site` does), serves it on 127.0.0.1 and opens
every page in headless Chromium with every other host unresolvable, so a page
that needs the network fails here. On each page: no console error, no failed
or outside request, maths typeset by MathJax (no raw `$...$` or TeX command
left in the text, no MathJax error box), every image loaded, each solution
folded until its toggle is clicked, every link inside the site resolving, and
launch links that open a student notebook of the repository.

Every page is opened at two widths, a laptop's (1280 px) and a phone's (390 px),
and at each: axe-core (bundled by the axe-playwright-python package, so offline)
finds no violation of WCAG 2 A/AA, 2.1, 2.2 or its best practices; nothing
overflows sideways except inside a marked scroll container (a wide formula),
which the Tab key reaches and the arrow keys scroll; every figure has an alt
text that describes it (not a file name); one search control. Search shows
excerpts, over http and from file://. Screenshots of every page at both widths
go to build/site-shots/ for a person to look at.

Run by `make site-test` (CI runs it after `make test`). Needs the `site` extra
and a Chromium (`apt-get install chromium`, or NNLESSONS_CHROMIUM=/path);
without a browser the tests skip, except under CI, where they fail.
"""

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import nbformat
import pytest

from tools import handouts, links, site_browser

pytestmark = [pytest.mark.site,
              # The themes still call Sphinx APIs that Sphinx 11 will remove: not ours to fix.
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

ROOT = Path(__file__).resolve().parents[1]
OUT, SHOTS = ROOT / "build" / "site", ROOT / "build" / "site-shots"
NOTEBOOKS = handouts.series(ROOT / "notebooks")
PAGES = ["index"] + [p.stem for p in NOTEBOOKS] + ["genindex", "search"]
TEX_LEFT = re.compile(r"\$[^$\s][^$]*\$|\\(?:frac|sum|partial|mathbf|begin|end|left|right|sigma|cdot|hat|top)\b")
# A laptop and a phone (an iPhone 12-15's CSS width).
WIDE, NARROW = 1280, 390
WIDTHS = [WIDE, NARROW]
# axe-core's rule sets: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
# An alt text that is only a file name or a hash describes nothing.
NOT_A_DESCRIPTION = re.compile(r"\.(?:png|jpe?g|svg|gif)\b|_images/|[0-9a-f]{16,}", re.I)

# Every page's findings in one pass of the browser (filled by `visited`).
_FINDINGS = {}


@pytest.fixture(scope="module")
def site():
    site_tool = pytest.importorskip("tools.site")
    pytest.importorskip("sphinx", reason="the site extra is not installed: pip install -e '.[site]'")
    assert site_tool.build(OUT) == 0, "the site build failed (warnings are errors): run `make site`"
    return OUT


@pytest.fixture(scope="module")
def server(site):
    with site_browser.serve(site) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    pytest.importorskip("playwright.sync_api", reason="the site extra is not installed")
    if site_browser.browser_path() is None:
        message = "no Chromium found: apt-get install chromium, or set NNLESSONS_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the browser test)")
        pytest.skip(message)
    with site_browser.chromium() as chromium:
        yield chromium


def visit(browser, base, name, width=WIDE):
    """Open page ``name`` once at ``width`` px and record what the tests check."""
    if (name, width) in _FINDINGS:
        return _FINDINGS[name, width]
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems, outside = [], []

    def route(r):
        if urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    clock = _Clock(name, width)
    page.goto(base + f"{name}.html", wait_until="load")
    clock.lap("load")
    site_browser.settle(page)
    clock.lap("typeset and settle")
    # What the page itself logs, up to here: axe-core's reading of the style sheets later
    # asks for theme.css's @import "../basic.css" at the wrong place (a 404 of axe's own).
    found = {"problems": list(problems), "outside": outside}
    found["broken_images"] = page.evaluate(
        "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    found["images"] = page.evaluate("() => document.images.length")
    found["alts"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('article img')).map(i => [i.getAttribute('src'), i.getAttribute('alt')])")
    found["figures"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('article div.cell_output img')).map(i => [i.getAttribute('src'), i.getAttribute('alt')])")
    found["text"] = page.evaluate("""() => {
        const main = (document.querySelector('main') || document.body).cloneNode(true);
        main.querySelectorAll('pre, code, script, style, mjx-container, .highlight').forEach(e => e.remove());
        return main.textContent;
    }""")
    found["untypeset"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('.math')).filter(e => !e.querySelector('mjx-container'))"
        ".map(e => e.textContent.slice(0, 80))")
    found["maths"] = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    found["tex_errors"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('mjx-merror')).map(e => e.getAttribute('data-mjx-error'))")
    found["hrefs"] = page.evaluate("() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    found["toc"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('nav.bd-docs-nav a[href]')).map(a => a.href)")
    found["prev"] = page.evaluate("() => (document.querySelector('a.left-prev') || {}).href || null")
    found["next"] = page.evaluate("() => (document.querySelector('a.right-next') || {}).href || null")
    found["downloads"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('.nnl-downloads a.download')).map(a => [a.textContent.trim(), a.href])")
    found["search_controls"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('.search-button__button, form.bd-search'))"
        ".filter(e => e.checkVisibility()).length")
    found["overflow"] = page.evaluate(OVERFLOW_JS)
    found["wide_inline_maths"] = page.evaluate(
        "() => Array.from(document.querySelectorAll('span.math.nnl-wide')).filter(e => "
        "e.querySelector('mjx-container').getBoundingClientRect().width < 0.8 * e.clientWidth).length")
    found["copy_buttons"] = page.evaluate("() => ['div.cell_input div.highlight', 'div.cell_input button.copybtn', "
                                          "'div.cell_input button.copybtn[aria-label]', 'div.cell_output button.copybtn']"
                                          ".map(s => document.querySelectorAll(s).length)")
    found["marked"] = page.evaluate(MARKED_JS)
    clock.lap("read the page")
    SHOTS.mkdir(parents=True, exist_ok=True)
    # A full-page screenshot sets the window to 1 px and back: the scroll marks must come back
    # as they were (they once stayed on every inline formula, 200 false tab stops a page).
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True, animations="disabled")
    site_browser.wait(page, "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))",
                      "two frames after the screenshot", 30)
    found["marked_after_shot"] = page.evaluate(MARKED_JS)
    clock.lap("screenshot")
    # After the screenshot: focus leaves MathJax's marks on formulas.
    found["scrollers"] = _keyboard_scrolling(page)
    clock.lap("keyboard")
    found["axe"] = _axe(page, width == WIDE)
    clock.lap("axe-core")
    # Solutions: folded at first, the code shown once the toggle is clicked.
    toggles = page.locator("div.cell.tag_exercise details.hide")
    found["solutions"] = []
    for i in range(toggles.count() if width == WIDE else 0):
        details = toggles.nth(i)
        code = details.locator(".cell_input")
        before = code.is_visible()
        details.locator("summary").click()
        found["solutions"].append((before, code.is_visible(), code.inner_text() if code.is_visible() else ""))
        if i == 0:
            details.locator("xpath=..").screenshot(path=str(SHOTS / f"{name}-solution-open.png"), animations="disabled")
    context.close()
    clock.lap("solutions")
    clock.save()
    _FINDINGS[name, width] = found
    return found


class _Clock:
    """Seconds spent on each step of a page's visit, written to build/site-shots/timings.json."""

    spent = {}

    def __init__(self, name, width):
        self.key, self.start, self.steps = f"{name} at {width} px", time.monotonic(), {}

    def lap(self, step):
        now = time.monotonic()
        self.steps[step] = round(now - self.start, 2)
        self.start = now

    def save(self):
        self.spent[self.key] = {"total": round(sum(self.steps.values()), 2), **self.steps}
        (SHOTS / "timings.json").write_text(json.dumps(self.spent, indent=1) + "\n", encoding="utf-8")


# The scroll containers nnlessons.js has marked, and the inline formulas it has set apart.
MARKED_JS = """() => Array.from(document.querySelectorAll('.nnl-scroll, .nnl-wide'))
    .map(e => e.className + ': ' + e.textContent.trim().slice(0, 40))"""


# Each element of the page's main part that sticks out of the box that clips it (its nearest
# ancestor with overflow-x other than visible, else the window), unless that box is a marked
# scroll container (.nnl-scroll, which nnlessons.js sets on a block that scrolls sideways).
# MathJax's inner elements are judged as their formula: the container and the typeset maths
# (mjx-math, which overflows the container when the container is what scrolls).
OVERFLOW_JS = """() => {
    const vw = document.documentElement.clientWidth;
    const clips = new Map();
    const clipper = (el) => {
        if (!el || el === document.body) return null;
        if (clips.has(el)) return clips.get(el);
        const x = getComputedStyle(el).overflowX;
        const c = x !== 'visible' ? el : clipper(el.parentElement);
        clips.set(el, c);
        return c;
    };
    const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' "' + (el.textContent || '').trim().slice(0, 60) + '"';
    const bad = [];
    const main = document.querySelector('main') || document.body;
    for (const el of main.querySelectorAll('*')) {
        if (el.closest('mjx-container') && !['MJX-CONTAINER', 'MJX-MATH'].includes(el.tagName)) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
        const c = clipper(el.parentElement);
        const box = c ? c.getBoundingClientRect() : {left: 0, right: vw};
        if (r.right > box.right + 1 || r.left < box.left - 1) {
            if (!(c && c.classList.contains('nnl-scroll'))) bad.push(describe(el) + ' in ' + (c ? describe(c) : 'the window'));
        }
    }
    return {page: document.documentElement.scrollWidth - vw, elements: bad.slice(0, 10), count: bad.length};
}"""


# The element the Tab key leaves just before ``e`` (the previous focusable one in document order).
BEFORE_JS = """e => {
    const focusable = 'a[href], button:not([disabled]), input:not([disabled]), select, textarea, summary, [tabindex]';
    const stops = Array.from(document.querySelectorAll(focusable))
        .filter(x => x.tabIndex >= 0 && x.checkVisibility() && !x.closest('[inert], [aria-hidden=true]'));
    const i = stops.indexOf(e);
    if (i < 0) return false;
    // The nearest one before it that takes the focus (a formula's menu target may not).
    for (let j = i - 1; j >= 0; j--) {
        stops[j].focus();
        if (document.activeElement === stops[j]) return true;
    }
    document.activeElement && document.activeElement.blur();
    return true;
}"""


# Keyboard scrolling is animated: the box has moved once its scrollLeft is above 0.
SCROLLED_JS = """e => new Promise(done => {
    const start = performance.now();
    const look = () => e.scrollLeft > 0 ? done(true)
        : performance.now() - start > 3000 ? done(false) : requestAnimationFrame(look);
    look();
})"""
# A page is judged on its first few scroll boxes that fail, not on every one of them.
KEYBOARD_FAILURES_KEPT = 3


def _keyboard_scrolling(page, selector=".nnl-scroll"):
    """For each visible scroll container: (its description, reached by the Tab key from the element
    before it, scrolled by the arrow keys, has a visible cue)."""
    scrollers = page.locator(selector)
    results = []
    for i in range(scrollers.count()):
        el = scrollers.nth(i)
        if not el.evaluate("e => e.checkVisibility()"):
            continue
        reached = el.evaluate(BEFORE_JS)
        if reached:
            page.keyboard.press("Tab")
            reached = el.evaluate("e => document.activeElement === e")
        el.evaluate("e => { e.scrollLeft = 0; e.focus(); }")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        scrolled = site_browser.wait(page, SCROLLED_JS, "scrolling by the arrow keys", 30, el.element_handle())
        cue = el.evaluate("e => getComputedStyle(e).backgroundImage !== 'none'")
        what = el.evaluate("e => e.className + ': ' + e.textContent.trim().slice(0, 50)")
        results.append((what, reached, scrolled, cue))
        if sum(not all(r[1:]) for r in results) >= KEYBOARD_FAILURES_KEPT:
            results.append((f"({scrollers.count() - i - 1} more scroll boxes not tried)", True, True, True))
            break
    return results


def _axe(page, everything):
    """axe-core's violations on the page as it stands: (rule, impact, where) each.

    axe-core comes from the axe-playwright-python package (its bundled axe.min.js), injected
    once and run here, each run bounded in time. Colour contrast, most of axe's time (each
    highlighted token of code is an element), is checked everywhere at the first width; at the
    other, the code and outputs, whose colours do not change with the width, are left out of
    that one rule.
    """
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="the site extra is not installed")
    page.evaluate(axe.Axe().axe_script)
    runs = [(None, {"runOnly": {"type": "tag", "values": AXE_TAGS}})]
    if not everything:
        runs = [(None, {"runOnly": {"type": "tag", "values": AXE_TAGS}, "rules": {"color-contrast": {"enabled": False}}}),
                ({"exclude": [["div.highlight"], ["div.cell_output"]]}, {"runOnly": {"type": "rule", "values": ["color-contrast"]}})]
    violations = []
    for context, options in runs:
        found = site_browser.wait(page, AXE_RUN_JS, "axe-core's run", 180,
                                  [context, {**options, "resultTypes": ["violations"]}])
        violations += [tuple(v) for v in found]
    return violations


# axe-core on the page (or on ``context``): each violation's rule, impact and first three places.
AXE_RUN_JS = """([context, options]) => axe.run(context || document, options)
    .then(r => r.violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target)]))"""


def _local_file(url, base):
    path = unquote(urlsplit(url).path)[len(urlsplit(base).path):]
    return OUT / (path or "index.html") if not path.endswith("/") else OUT / path / "index.html"


@pytest.fixture(scope="module")
def open_page(browser, server):
    return lambda name, width=WIDE: visit(browser, server, name, width)


def test_the_site_has_exactly_the_expected_pages(site):
    pages = sorted(p.stem for p in site.glob("*.html"))
    assert pages == sorted(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_offline_without_errors(open_page, name):
    found = open_page(name)
    assert not found["outside"], f"{name}: requests outside the site: {found['outside']}"
    assert not found["problems"], f"{name}: " + "; ".join(found["problems"])


@pytest.mark.parametrize("name", PAGES)
def test_maths_is_typeset(open_page, name):
    found = open_page(name)
    assert not found["untypeset"], f"{name}: maths left untypeset: {found['untypeset'][:3]}"
    assert not found["tex_errors"], f"{name}: MathJax errors: {found['tex_errors'][:3]}"
    raw = TEX_LEFT.findall(found["text"])
    assert not raw, f"{name}: raw TeX visible in the text: {raw[:5]}"


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_lesson_pages_show_maths_and_figures(open_page, name):
    found = open_page(name)
    assert found["maths"] > 0, f"{name}: no typeset formula at all"
    assert found["images"] > 2, f"{name}: {found['images']} images (badges and figures expected)"
    assert not found["broken_images"], f"{name}: images not loaded: {found['broken_images']}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solutions_are_folded_until_toggled(open_page, path):
    nb = nbformat.read(path, as_version=4)
    solved = [c.source for c in nb.cells if handouts.is_exercise(c)]
    found = open_page(path.stem)
    assert len(found["solutions"]) == len(solved), \
        f"{path.stem}: {len(found['solutions'])} folded solutions for {len(solved)} exercises"
    for (before, after, text), source in zip(found["solutions"], solved):
        assert not before, f"{path.stem}: a solution is visible before its toggle is clicked"
        assert after, f"{path.stem}: a solution stays hidden after its toggle is clicked"
        assert source.split("# END SOLUTION")[0].split("# BEGIN SOLUTION")[-1].strip().splitlines()[0] in text


@pytest.mark.parametrize("name", PAGES)
def test_links_inside_the_site_resolve(open_page, server, name):
    found = open_page(name)
    for href in found["hrefs"]:
        if not href.startswith(server):
            continue
        target = _local_file(href, server)
        assert target.is_file(), f"{name}: link {href} leads to no page"
        fragment = urlsplit(href).fragment
        if fragment and target.suffix == ".html":
            assert f'id="{fragment}"' in target.read_text(encoding="utf-8"), f"{name}: no anchor for {href}"


@pytest.mark.parametrize("name", PAGES)
def test_table_of_contents_lists_every_lesson(open_page, server, name):
    toc = {_local_file(h, server).stem for h in open_page(name)["toc"] if h.startswith(server)}
    missing = [p.stem for p in NOTEBOOKS if p.stem not in toc]
    assert not missing, f"{name}: lessons missing from the table of contents: {missing}"


def test_previous_and_next_follow_the_series(open_page, server):
    order = ["index"] + [p.stem for p in NOTEBOOKS]
    for i, name in enumerate(order):
        found = open_page(name)
        prev = _local_file(found["prev"], server).stem if found["prev"] else None
        nxt = _local_file(found["next"], server).stem if found["next"] else None
        assert prev == (order[i - 1] if i else None), f"{name}: 'previous' leads to {prev}"
        if i + 1 < len(order):
            assert nxt == order[i + 1], f"{name}: 'next' leads to {nxt}"


def _repository_path(url):
    """(ref, path) named by a Colab, Binder or GitHub link into the repository, else None."""
    repo = links.repository()
    parts = urlsplit(url)
    m = re.match(rf"/(?:github/)?{re.escape(repo)}/(?:blob|tree)/([^/]+)/(.+)", parts.path)
    if m:
        return m.group(1), m.group(2)
    m = re.match(rf"/v2/gh/{re.escape(repo)}/([^/]+)$", parts.path)
    if m:
        query = parse_qs(parts.query)
        path = query.get("labpath", [None])[0] or query.get("urlpath", [""])[0].removeprefix("lab/tree/")
        return m.group(1), path or None
    return None


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_launch_links_open_the_student_version_of_this_lesson(open_page, name):
    named = [_repository_path(h) for h in open_page(name)["hrefs"]]
    named = [n for n in named if n and n[1]]
    assert named, f"{name}: no launch link"
    for ref, path in named:
        assert ref == links.release_tag(), f"{name}: a link points at {ref}, not the release tag"
        assert (ROOT / path).exists(), f"{name}: a link points at {path}, which is not in the repository"
    launch = [h for h in open_page(name)["hrefs"] if "colab.research.google.com/github" in h
              or "mybinder.org/v2" in h]
    assert any(f"student/{name}.ipynb" in h for h in launch if "colab" in h), f"{name}: no Colab link to the student version"
    assert any(f"student%2F{name}.ipynb" in h or f"student/{name}.ipynb" in h for h in launch if "mybinder" in h)


@pytest.mark.parametrize("how", ["http", "file"])
def test_search_finds_a_lesson_with_excerpts(browser, server, how):
    # The README says to open build/site/index.html: from file:// the browser refuses
    # Sphinx's fetch of each page, so the excerpts come from the search page's own script.
    page = browser.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname in ("127.0.0.1", None, "")
               else r.abort())
    start = server if how == "http" else OUT.resolve().as_uri() + "/"
    page.goto(start + "search.html?q=backpropagation")
    # Sphinx lists the results one by one, then says "Search finished"; each excerpt is added
    # when its page's text has been read (from nnlessons-pages.js, or fetched).
    page.wait_for_function("() => /finished/.test((document.querySelector('#search-results p.search-summary') || {})"
                           ".textContent || '')", timeout=30000)
    site_browser.wait(page, """() => new Promise(done => {
        const start = performance.now();
        const look = () => Array.from(document.querySelectorAll('ul.search li')).every(li => li.querySelector('p.context'))
            || performance.now() - start > 5000 ? done(true) : requestAnimationFrame(look);
        look();
    })""", "the search excerpts", 30)
    results = page.locator("ul.search li > a").evaluate_all("els => els.map(a => a.href)")
    excerpts = page.locator("ul.search li p.context").evaluate_all("els => els.map(p => p.textContent.trim())")
    count = page.locator("ul.search li").count()
    page.screenshot(path=str(SHOTS / f"search-results-{how}.png"))
    page.close()
    assert any("05_backprop" in r for r in results), results
    assert not errors, errors
    assert len(excerpts) == count, f"{count} results, {len(excerpts)} with an excerpt"
    for text in excerpts:
        assert "backprop" in text.lower(), f"an excerpt without the word searched: {text[:100]!r}"
        assert "System Settings" not in text and "Light Dark" not in text, f"the theme's buttons quoted: {text[:100]!r}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_accessibility_violation(open_page, name, width):
    violations = open_page(name, width)["axe"]
    assert not violations, f"{name} at {width} px: axe-core reports {violations}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_figure_is_described_by_its_cells_alt_text(open_page, path):
    from tools import site

    nb = nbformat.read(path, as_version=4)
    missing = site.undescribed_figures(nb)
    assert not missing, f"{path.name}: figures without an alt text (metadata mystnb.image.alt) in cells {missing}"
    expected = [site.figure_alt(cell) for cell in site.for_site(nb, path.name).cells if cell.cell_type == "code"
                for out in cell.outputs if any(m in out.get("data", {}) for m in site.FIGURE_MIME)]
    shown = open_page(path.stem)["figures"]
    assert len(shown) == len(expected), f"{path.stem}: {len(shown)} figures on the page, {len(expected)} in the notebook"
    for (src, alt), text in zip(shown, expected):
        assert alt == text, f"{path.stem}: the figure {src} has the alt {alt!r}, its cell says {text!r}"
        assert not NOT_A_DESCRIPTION.search(alt), f"{path.stem}: the figure {src} has a file name for its alt text: {alt!r}"
    for src, alt in open_page(path.stem)["alts"]:
        assert alt and alt.strip() and not NOT_A_DESCRIPTION.search(alt), f"{path.stem}: the image {src} has the alt {alt!r}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_nothing_overflows_sideways(open_page, name, width):
    overflow = open_page(name, width)["overflow"]
    assert overflow["page"] <= 0, f"{name} at {width} px: the page scrolls sideways by {overflow['page']} px"
    assert not overflow["count"], \
        f"{name} at {width} px: {overflow['count']} elements stick out of their column: {overflow['elements']}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_scroll_containers_are_reached_and_scrolled_by_keyboard(open_page, name, width):
    for what, reached, scrolled, cue in open_page(name, width)["scrollers"]:
        assert reached, f"{name} at {width} px: the Tab key never reaches the scroll container {what!r}"
        assert scrolled, f"{name} at {width} px: the arrow keys do not scroll {what!r}"
        assert cue, f"{name} at {width} px: {what!r} scrolls with no visible cue"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_only_a_formula_wider_than_its_paragraph_is_set_apart(open_page, name, width):
    assert not open_page(name, width)["wide_inline_maths"], f"{name} at {width} px: a narrow formula set on its own line"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_scroll_marks_follow_the_layout_after_a_resize(open_page, name, width):
    found = open_page(name, width)
    assert found["marked_after_shot"] == found["marked"], \
        f"{name} at {width} px: after the window was resized and back, the marked blocks differ: " \
        f"{len(found['marked'])} before, {len(found['marked_after_shot'])} after: {found['marked_after_shot'][:3]}"


# A displayed formula far wider than a phone that MathJax cannot break into lines (a row of a
# matrix), put into a lesson's page for the test below.
WIDE_FORMULA = "\\[\\begin{bmatrix}" + " & ".join(f"{i / 7:.4f}" for i in range(1, 31)) + "\\end{bmatrix}\\]"


def test_a_wide_formula_scrolls_on_a_phone(browser, server):
    # Whatever the lessons hold: a formula wider than the column scrolls in its own box (the
    # page does not), with a cue, reached by Tab and scrolled by the arrow keys.
    context = browser.new_context(viewport={"width": NARROW, "height": 900})
    page = context.new_page()
    page.goto(server + f"{NOTEBOOKS[0].stem}.html")
    site_browser.settle(page)
    site_browser.wait(page, """tex => {
        const box = document.createElement('div');
        box.className = 'math notranslate nohighlight';
        box.id = 'nnl-test-formula';
        box.textContent = tex;
        const text = document.querySelector('article.bd-article p:not(:has(img))');
        text.after(box);
        return MathJax.typesetPromise([box]).then(() => {
            window.dispatchEvent(new Event('resize'));
            return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        });
    }""", "typesetting a wide formula", 30, WIDE_FORMULA)
    box = page.locator("#nnl-test-formula")
    widths = box.evaluate("e => [e.scrollWidth, e.clientWidth, document.documentElement.scrollWidth, innerWidth]")
    keyboard = _keyboard_scrolling(page, "#nnl-test-formula.nnl-scroll")
    marked = box.evaluate("e => e.classList.contains('nnl-scroll') && e.tabIndex === 0 && e.getAttribute('role') === 'group'")
    context.close()
    assert widths[0] > 2 * widths[1], f"the test formula is not wider than the column: {widths}"
    assert widths[2] <= widths[3], f"the page scrolls sideways with a wide formula: {widths}"
    assert marked, "a formula wider than the column is not marked as a scroll box"
    assert keyboard and all(keyboard[0][1:]), f"reached by Tab, scrolled by the arrows, drawn with a cue: {keyboard}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_one_search_control(open_page, name, width):
    assert open_page(name, width)["search_controls"] == 1, f"{name} at {width} px"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_downloads_its_student_and_solved_notebooks(open_page, server, path):
    downloads = open_page(path.stem)["downloads"]
    assert [label for label, _ in downloads] == ["exercises (.ipynb)", "solved (.ipynb)"], downloads
    for (label, href), source in zip(downloads, [ROOT / "student" / path.name, path]):
        target = _local_file(href, server)
        assert target.name == path.name and target.read_bytes() == source.read_bytes(), f"{path.stem}: {label}"


@pytest.mark.parametrize("name", [p.stem for p in NOTEBOOKS])
def test_code_cells_have_a_copy_button(open_page, name):
    inputs, buttons, named, outputs = open_page(name)["copy_buttons"]
    assert inputs and buttons == inputs, f"{name}: {buttons} copy buttons for {inputs} code cells"
    assert named == buttons, f"{name}: {buttons - named} copy buttons without a name for screen readers"
    assert outputs == 0, f"{name}: {outputs} copy buttons on outputs"


def test_a_wait_that_never_ends_fails_naming_what_it_waited_for(browser):
    # The guard against a stall: a promise that never settles ends in a clear failure.
    page = browser.new_page()
    with pytest.raises(site_browser.BrowserError, match="a promise that never settles did not finish within 1 s"):
        site_browser.wait(page, "() => new Promise(() => {})", "a promise that never settles", 1)
    assert site_browser.wait(page, "x => Promise.resolve(x + 1)", "a sum", 5, 41) == 42
    page.close()


def test_the_accessibility_gate_sees_a_violation(browser, server):
    # The gate can fail: a figure without an alt text put into a page is reported.
    page = browser.new_page()
    page.goto(server + "genindex.html")
    site_browser.settle(page)
    page.evaluate("() => { const img = document.createElement('img'); img.src = '_static/x.png';"
                  " document.querySelector('article').appendChild(img); }")
    violations = _axe(page, True)
    page.close()
    assert "image-alt" in [rule for rule, *_ in violations], violations
