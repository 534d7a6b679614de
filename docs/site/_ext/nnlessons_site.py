"""The course website's own Sphinx extension (loaded by conf.py).

- The search page gets every page's text as a script (``_static/nnlessons-pages.js``),
  so that its excerpts show when the site is opened from ``file://`` as well, where
  Sphinx's own fetch of each page is refused; the text is the article alone, not the
  theme's buttons nor the download buttons.
- Two fixes to the theme's HTML that an accessibility check asks for: the search form
  gets a submit button, and an empty corner cell of a table header becomes a data cell.
"""

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

PAGES_JS = "nnlessons-pages.js"
SEARCH_FORM_END = re.compile(r'(<form class="bd-search[^>]*>.*?)(</form>)', re.S)
SUBMIT = '<button type="submit" class="btn nnl-search-submit">Search</button>'
EMPTY_HEAD = re.compile(r'<th class="head">\s*(?:<p>\s*</p>)?\s*</th>')
_ARTICLE = re.compile(r'<article class="bd-article"[^>]*>(.*)</article>', re.S)


class _ArticleText(HTMLParser):
    """The text of an article, keeping only its sections (with their ids) as markup."""

    SKIP = {"script", "style", "button", "template"}
    SKIP_CLASSES = {"headerlink", "nnl-downloads"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.stack, self.skipping = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in self.SKIP or bool(self.SKIP_CLASSES.intersection((attrs.get("class") or "").split()))
        self.stack.append((tag, skip, tag == "section"))
        self.skipping += skip
        if tag == "section" and not self.skipping:
            self.parts.append(f'<section id="{html.escape(attrs.get("id") or "", quote=True)}">')
        elif tag in {"p", "li", "div", "tr", "h1", "h2", "h3", "h4", "pre", "br"} and not self.skipping:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        while self.stack:
            name, skip, section = self.stack.pop()
            self.skipping -= skip
            if section and not self.skipping:
                self.parts.append("</section>")
            if name == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(html.escape(data, quote=False))

    def text(self):
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()


def article_text(page_html):
    """A page's article as ``<div role="main">`` with its sections and text only ('' without one)."""
    match = _ARTICLE.search(page_html)
    if not match:
        return ""
    parser = _ArticleText()
    parser.feed(match.group(1))
    parser.close()
    return f'<div role="main">{parser.text()}</div>'


def fix_html(page_html):
    """The two accessibility fixes to a built page's HTML (see the module's docstring)."""
    page_html = SEARCH_FORM_END.sub(lambda m: m.group(1) + (SUBMIT if SUBMIT not in m.group(1) else "")
                                    + m.group(2), page_html)
    return EMPTY_HEAD.sub('<td class="head"></td>', page_html)


def _add_search_text(app, pagename, templatename, context, doctree):
    if pagename == "search":
        app.add_js_file(PAGES_JS)


def _finish(app, exception):
    if exception or app.builder.format != "html":
        return
    out = Path(app.outdir)
    texts = {}
    for page in sorted(out.glob("*.html")):
        original = page.read_text(encoding="utf-8")
        fixed = fix_html(original)
        if fixed != original:
            page.write_text(fixed, encoding="utf-8")
        if page.stem not in {"search", "genindex"}:
            texts[page.name] = article_text(fixed)
    script = "window.NNLESSONS_PAGES = " + json.dumps(texts, ensure_ascii=False) + ";\n"
    (out / "_static" / PAGES_JS).write_text(script, encoding="utf-8")


def setup(app):
    app.connect("html-page-context", _add_search_text)
    app.connect("build-finished", _finish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
