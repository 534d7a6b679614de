/* The course website's small behaviours (loaded on every page by conf.py). */
"use strict";

/* Search excerpts: Sphinx fetches each result's page to quote it, which a browser refuses
   on file://. The search page carries every page's text (nnlessons-pages.js), so the
   excerpt is taken from there, on file:// and http alike. */
if (window.NNLESSONS_PAGES) {
  const pages = window.NNLESSONS_PAGES;
  const fetchPage = window.fetch.bind(window);
  window.fetch = (resource, ...rest) => {
    const name = new URL(String(resource), document.baseURI).pathname.split("/").pop() || "index.html";
    if (Object.prototype.hasOwnProperty.call(pages, name)) {
      return Promise.resolve(new Response(pages[name], {headers: {"Content-Type": "text/html"}}));
    }
    return fetchPage(resource, ...rest);
  };
}

/* A block that scrolls sideways (a wide formula or table) is marked: a cue is drawn at
   its edges (nnlessons.css), and it joins the tab order so a keyboard can scroll it.
   Every mark is worked out again from the layout as it is now, and a mark that no longer
   holds is taken off: a window narrowed for a moment (a phone turned, a full-page
   screenshot, which sets the window to 1 px) must not leave every inline formula set
   apart as a scroll box with a tab stop. */
const SCROLLERS = "div.math, span.math.nnl-wide, .pst-scrollable-table-container, div.cell_output .output, .highlight pre";
const SCROLL_LABEL = "data-nnl-scroll-label";

function markScrollers() {
  /* An inline formula wider than its paragraph (on a phone) becomes a block of its own.
     All widths are read first, then the classes written: one layout, not one per formula. */
  const inline = Array.from(document.querySelectorAll("span.math")).map((el) => {
    const formula = el.querySelector("mjx-container");
    // The paragraph (or cell, item) holding it: an inline parent (a link, <strong>) has no width.
    const block = el.parentElement && el.parentElement.closest("p, li, dd, dt, td, th, div, blockquote, figcaption");
    return [el, Boolean(formula && block && formula.getBoundingClientRect().width > block.clientWidth)];
  });
  inline.forEach(([el, wide]) => el.classList.toggle("nnl-wide", wide));
  const boxes = new Set([...document.querySelectorAll(SCROLLERS), ...document.querySelectorAll(".nnl-scroll")]);
  const states = Array.from(boxes, (el) => [el, el.matches(SCROLLERS) && el.scrollWidth > el.clientWidth + 1]);
  states.forEach(([el, scrolls]) => {
    if (scrolls === el.classList.contains("nnl-scroll")) return;
    el.classList.toggle("nnl-scroll", scrolls);
    if (scrolls) {
      el.tabIndex = 0;
      if (!el.hasAttribute("role")) {
        el.setAttribute("role", "group");
        el.setAttribute("aria-label", el.matches("div.math") ? "formula, scrolls sideways" : "wide block, scrolls sideways");
        el.setAttribute(SCROLL_LABEL, "");
      }
    } else {
      el.removeAttribute("tabindex");
      if (el.hasAttribute(SCROLL_LABEL)) {
        el.removeAttribute("role");
        el.removeAttribute("aria-label");
        el.removeAttribute(SCROLL_LABEL);
      }
    }
  });
}

/* Resizes come in bursts: the marks are worked out once per frame, after the last. */
let markPending = false;
function markScrollersSoon() {
  if (markPending) return;
  markPending = true;
  requestAnimationFrame(() => { markPending = false; markScrollers(); });
}

/* A table header holding only a formula: MathJax draws its glyphs with CSS, so the cell
   has no text of its own; the formula's reading (from MathJax's assistive MathML) names it. */
function labelHeaderMaths() {
  document.querySelectorAll("th mjx-container").forEach((el) => {
    const mml = el.querySelector("mjx-assistive-mml math");
    if (mml && !el.hasAttribute("aria-label")) {
      el.setAttribute("role", "img");
      el.setAttribute("aria-label", mml.textContent.replace(/\s+/g, " ").trim());
    }
  });
}

/* sphinx-copybutton's buttons are named only by a tooltip. */
function nameCopyButtons() {
  document.querySelectorAll("button.copybtn:not([aria-label])").forEach((b) => {
    b.setAttribute("aria-label", "Copy the code");
  });
}

function settle() {
  labelHeaderMaths();
  nameCopyButtons();
  markScrollers();
}

window.NNLESSONS_READY = new Promise((resolve) => {
  window.addEventListener("load", () => {
    const typeset = window.MathJax && MathJax.startup && MathJax.startup.promise;
    Promise.resolve(typeset).then(() => { settle(); resolve(true); });
  });
});
window.addEventListener("resize", markScrollersSoon);
document.addEventListener("toggle", markScrollersSoon, true);
