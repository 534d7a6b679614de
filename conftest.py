"""Root conftest: lets pytest run from any folder and keeps notebook runs quiet."""

import os

# nbval reads its sanitize file relative to the working directory.
ROOT = os.path.dirname(os.path.abspath(__file__))


def pytest_configure(config):
    opt = getattr(config.option, "nbval_sanitize_with", None)
    if opt and not os.path.isabs(opt):
        config.option.nbval_sanitize_with = os.path.join(ROOT, opt)
    # Build matplotlib's font cache before any kernel starts, so no notebook's
    # first cell prints "building the font cache" to stderr.
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.font_manager  # noqa: F401
    except ImportError:
        pass


def pytest_collection_modifyitems(config, items):
    # nbval's cells execute a notebook: they carry the `notebooks` marker like the
    # test functions that do, so `pytest -m "not notebooks"` leaves them all out.
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker("notebooks")
