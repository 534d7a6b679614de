"""The built website served on 127.0.0.1 and opened in headless Chromium, offline.

Shared by the website's browser test (tests/test_site.py) and the PDF handouts
(tools/handouts_pdf.py). The browser is Debian's ``chromium`` (or
NNLESSONS_CHROMIUM=/path), driven by Playwright, which downloads no browser of its
own; only 127.0.0.1 resolves in it, so a page that needs the network fails.

Playwright's ``page.evaluate`` waits without end for a promise that never settles;
every wait here is bounded (``wait``) and fails with what was awaited and for how long.
"""

import contextlib
import functools
import http.server
import os
import shutil
import threading

# Only 127.0.0.1 resolves: anything fetched from elsewhere fails (and is reported by the caller).
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--no-proxy-server"]

# MathJax has typeset the page, every image has loaded, the web fonts too (they change the
# layout), and the site's own script (docs/site/_static/nnlessons.js) has marked the page.
_SETTLE = """async () => {
    const typesetting = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
    while (document.querySelector('.math') && !typesetting()) await new Promise(r => setTimeout(r, 50));
    if (typesetting()) await MathJax.startup.promise;
    await Promise.all(Array.from(document.images).map(img => {
        img.loading = 'eager';
        return img.complete ? null : new Promise(r => { img.onload = img.onerror = r; });
    }));
    void document.body.offsetHeight;
    await document.fonts.ready;
    if (window.NNLESSONS_READY) await window.NNLESSONS_READY;
    return true;
}"""


class BrowserError(RuntimeError):
    """No browser to drive, or a page that did not finish what was awaited in time."""


def browser_path():
    """The Chromium to drive: NNLESSONS_CHROMIUM, else the first found on PATH; None if none."""
    for candidate in [os.environ.get("NNLESSONS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"]:
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder):
    """Serve ``folder`` on 127.0.0.1 (a free port); yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def chromium(path=None):
    """A headless Chromium (Playwright) for which only 127.0.0.1 resolves."""
    from playwright.sync_api import sync_playwright

    path = path or browser_path()
    if path is None:
        raise BrowserError("no Chromium found: apt-get install chromium, or set NNLESSONS_CHROMIUM=/path")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def wait(page, script, what, seconds=60, arg=None):
    """The value of ``script`` (a JavaScript function of ``arg``, which may return a promise) in
    ``page``; BrowserError naming ``what`` when it has not settled after ``seconds``."""
    from playwright.sync_api import Error

    bounded = (f"arg => Promise.race([Promise.resolve(({script})(arg)), new Promise((_, fail) => "
               f"setTimeout(() => fail(new Error('nnlessons: no answer in time')), {int(seconds * 1000)}))])")
    try:
        return page.evaluate(bounded, arg)
    except Error as exc:
        if "nnlessons: no answer in time" in str(exc):
            raise BrowserError(f"{page.url}: {what} did not finish within {seconds} s") from None
        raise


def settle(page, seconds=60):
    """Wait until ``page`` has typeset its maths, loaded its images and fonts, and run nnlessons.js."""
    wait(page, _SETTLE, "typesetting the maths and loading the images and fonts", seconds)
