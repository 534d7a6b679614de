"""Sphinx configuration of the course website (built by `make site`, i.e. python -m tools.site).

tools/site.py copies this folder, the notebooks (solutions folded behind a
toggle, figures described by their alt texts) and a landing page made from the
README into build/site-src/, with ``site.json`` holding the repository and the
release tag, the lessons' .ipynb files to download, and MathJax's files, then
builds from there. Nothing here fetches anything: the notebooks are not
executed (their stored outputs are shown) and MathJax is served from the build.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = json.loads((HERE / "site.json").read_text(encoding="utf-8"))
sys.path.insert(0, str(HERE / "_ext"))

project = "nnlessons"
author = "the nnlessons authors"
copyright = "the nnlessons authors, MIT licence"
release = SITE["tag"]

# nnlessons_site: search excerpts offline, accessibility fixes (see _ext/nnlessons_site.py).
extensions = ["myst_nb", "sphinx_copybutton", "nnlessons_site"]
exclude_patterns = ["_build", "_doctrees", "**.ipynb_checkpoints", "site.json", "_ext", "_lesson_files"]
templates_path = ["_templates"]

# Notebooks are shown with their stored outputs, never executed here.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_dmath_double_inline = True  # $$...$$ inside a paragraph or list item is display maths, as in Jupyter
myst_heading_anchors = 3
# The build treats warnings as errors (broken links, missing images); a skipped
# heading level in a notebook is not worth failing it for.
suppress_warnings = ["myst.header"]

# A copy button on the code cells' input only (not on their outputs).
copybutton_selector = "div.cell_input div.highlight pre"

# MathJax 3 from the build's own _static/ (copied there from a PyPI package), not a CDN.
mathjax_path = "mathjax/tex-chtml.js"
html_static_path = ["_static"]
html_css_files = ["nnlessons.css"]
html_css_files.append(("print.css", {"media": "print"}))  # paper: tools/handouts_pdf.py
html_js_files = ["nnlessons.js"]

html_theme = "sphinx_book_theme"
html_title = "nnlessons"
html_copy_source = False
html_show_sourcelink = False
# The theme's sidebar without its second search field (the page header has the search
# button), and its logo inside a landmark.
html_sidebars = {"**": ["nnl-logo.html", "icon-links.html", "sbt-sidebar-nav.html"]}
html_theme_options = {
    "repository_url": f"https://github.com/{SITE['repository']}",
    "repository_branch": SITE["tag"],
    # Launch buttons open the student version of each page: student/NN_topic.ipynb.
    "path_to_docs": "student",
    "launch_buttons": {
        "colab_url": "https://colab.research.google.com",
        "binderhub_url": "https://mybinder.org",
        "notebook_interface": "jupyterlab",
    },
    "use_repository_button": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "show_toc_level": 2,
}
# The theme logs a console error without an explicit mode; figures are drawn on white.
html_context = {"default_mode": "light"}
