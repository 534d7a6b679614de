"""The course website, built by tools/site.py and opened in a real browser.

Builds build/site/ (as `make site` does), serves it on 127.0.0.1 and opens
every page in headless Chromium with every other host unresolvable, so a page
that needs the network fails here. On each page: no console error, no failed
or outside request, maths typeset by MathJax (no raw `$...$` or TeX command
left in the text, no MathJax error box), every image loaded, each solution
folded until its toggle is clicked, every link inside the site resolving, and
launch links that open a student notebook of the repository. Screenshots of
every page go to build/site-shots/ for a person to look at.

Run by `make site-test` (CI runs it after `make test`). Needs the `site` extra
and a Chromium (`apt-get install chromium`, or NNLESSONS_CHROMIUM=/path);
without a browser the tests skip, except under CI, where they fail.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import nbformat
import pytest

from tools import handouts, links

pytestmark = [pytest.mark.site,
              # The themes still call Sphinx APIs that Sphinx 11 will remove: not ours to fix.
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

ROOT = Path(__file__).resolve().parents[1]
OUT, SHOTS = ROOT / "build" / "site", ROOT / "build" / "site-shots"
NOTEBOOKS = handouts.series(ROOT / "notebooks")
PAGES = ["index"] + [p.stem for p in NOTEBOOKS] + ["genindex", "search"]
TEX_LEFT = re.compile(r"\$[^$\s][^$]*\$|\\(?:frac|sum|partial|mathbf|begin|end|left|right|sigma|cdot|hat|top)\b")

# Every page's findings in one pass of the browser (filled by `visited`).
_FINDINGS = {}


def _browser_path():
    for candidate in [os.environ.get("NNLESSONS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="module")
def site():
    site_tool = pytest.importorskip("tools.site")
    pytest.importorskip("sphinx", reason="the site extra is not installed: pip install -e '.[site]'")
    assert site_tool.build(OUT) == 0, "the site build failed (warnings are errors): run `make site`"
    return OUT


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the site extra is not installed")
    path = _browser_path()
    if path is None:
        message = "no Chromium found: apt-get install chromium, or set NNLESSONS_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI must run the browser test)")
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        # Only 127.0.0.1 resolves: anything fetched from elsewhere fails and is reported.
        chromium = p.chromium.launch(executable_path=path,
                                     args=["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                                           "--no-proxy-server"])
        yield chromium
        chromium.close()


def _typeset(page):
    page.wait_for_function("() => !document.querySelector('.math') || "
                           "(window.MathJax && MathJax.startup && MathJax.startup.promise)", timeout=20000)
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise.then(() => true) : true")


def _load_images(page):
    page.evaluate("""() => Promise.all(Array.from(document.images).map(img => {
        img.loading = 'eager';
        return img.complete ? null : new Promise(r => { img.onload = img.onerror = r; });
    }))""")


def visit(browser, base, name):
    """Open page ``name`` once and record what the tests check."""
    if name in _FINDINGS:
        return _FINDINGS[name]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
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
    page.goto(base + f"{name}.html", wait_until="load")
    _typeset(page)
    _load_images(page)
    found = {"problems": problems, "outside": outside}
    found["broken_images"] = page.evaluate(
        "() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    found["images"] = page.evaluate("() => document.images.length")
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

    # Solutions: folded at first, the code shown once the toggle is clicked.
    toggles = page.locator("div.cell.tag_exercise details.hide")
    found["solutions"] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, animations="disabled")
    for i in range(toggles.count()):
        details = toggles.nth(i)
        code = details.locator(".cell_input")
        before = code.is_visible()
        details.locator("summary").click()
        found["solutions"].append((before, code.is_visible(), code.inner_text() if code.is_visible() else ""))
        if i == 0:
            details.locator("xpath=..").screenshot(path=str(SHOTS / f"{name}-solution-open.png"), animations="disabled")
    context.close()
    _FINDINGS[name] = found
    return found


def _local_file(url, base):
    path = unquote(urlsplit(url).path)[len(urlsplit(base).path):]
    return OUT / (path or "index.html") if not path.endswith("/") else OUT / path / "index.html"


@pytest.fixture(scope="module")
def open_page(browser, server):
    return lambda name: visit(browser, server, name)


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


def test_search_finds_a_lesson(browser, server):
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1" else r.abort())
    page.goto(server + "search.html?q=backpropagation")
    page.wait_for_selector("ul.search li", timeout=20000)
    results = page.locator("ul.search li a").evaluate_all("els => els.map(a => a.href)")
    page.screenshot(path=str(SHOTS / "search-results.png"))
    page.close()
    assert any("05_backprop" in r for r in results), results
