"""Structure of the committed notebooks. nbval (run by `make test`) compares their
outputs; these tests catch what nbval cannot: a notebook never executed, executed
out of order, saved with errors, with SVG or oversized figures, or off-pattern."""

import base64
import json
import pathlib
import re
import struct

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_BYTES = 1_500_000
#: a figure drawn at 100 dpi or more is this wide at the least, in the median of a notebook
MIN_MEDIAN_PNG_WIDTH = 550

pytestmark = pytest.mark.skipif(not NOTEBOOKS, reason="no notebooks yet")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request):
    return request.param, _load(request.param)


def test_series_is_numbered_without_gaps():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name) for p in NOTEBOOKS)
    assert numbers == list(range(1, len(numbers) + 1))


def test_executed_top_to_bottom_in_a_fresh_kernel(notebook):
    path, nb = notebook
    counts = [c.get("execution_count") for c in nb["cells"] if c["cell_type"] == "code" and _source(c).strip()]
    assert None not in counts, f"{path.name}: a code cell has no execution count: run it top to bottom and save"
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: execution counts {counts}"


def test_no_errors_svg_or_object_reprs_stored(notebook):
    path, nb = notebook
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                assert "raises-exception" in _tags(cell), f"{path.name} cell {i}: stored error {out.get('ename')}"
            data = out.get("data", {})
            assert "image/svg+xml" not in data, f"{path.name} cell {i}: SVG output (PNG only)"
            text = "".join(out.get("text", "")) + "".join(data.get("text/plain", ""))
            assert not re.search(r" at 0x[0-9a-f]{6,}", text), f"{path.name} cell {i}: object repr with an address"
            assert not re.search(r"^\[<matplotlib", text, re.M), f"{path.name} cell {i}: matplotlib repr stored"
            if out.get("name") == "stderr":
                assert "Warning" not in text, f"{path.name} cell {i}: a warning is stored in the output"


def test_first_and_last_cells_and_kernel(notebook):
    path, nb = notebook
    first, last = nb["cells"][0], nb["cells"][-1]
    assert first["cell_type"] == "markdown" and _source(first).lstrip().startswith("# ")
    assert re.search(r"what you will learn", _source(first), re.I), f"{path.name}: first cell lacks 'What you will learn'"
    assert re.search(r"prerequisites", _source(first), re.I), f"{path.name}: first cell lacks 'Prerequisites'"
    assert last["cell_type"] == "markdown" and re.search(r"summary", _source(last), re.I)
    assert re.search(r"exercise", _source(last), re.I)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


def test_imports_the_package_and_plots_inline(notebook):
    path, nb = notebook
    code = [_source(c) for c in nb["cells"] if c["cell_type"] == "code"]
    assert "%matplotlib inline" in code[0]
    assert any(re.search(r"^(import nnlessons|from nnlessons)", s, re.M) for s in code)
    for s in code:
        assert not re.search(r"np\.random\.seed\(|np\.random\.(rand|randn|normal|uniform)\(", s), \
            f"{path.name}: global numpy randomness; pass rng=np.random.default_rng(seed)"


def test_exercises_have_checkers(notebook):
    path, nb = notebook
    exercises = [c for c in nb["cells"] if "exercise" in _tags(c)]
    assert 2 <= len(exercises) <= 5, f"{path.name}: {len(exercises)} exercise cells"
    for c in exercises:
        src = _source(c)
        assert "# BEGIN SOLUTION" in src and "# END SOLUTION" in src and "check." in src
        assert any("PASSED" in "".join(o.get("text", "")) for o in c.get("outputs", [])), \
            f"{path.name}: exercise cell does not show its checker passing"


def test_file_size(notebook):
    path, _ = notebook
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"


def _png_widths(nb):
    widths = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            png = out.get("data", {}).get("image/png")
            if png:
                # The PNG header's IHDR chunk: width at bytes 16-20, big-endian.
                widths.append(struct.unpack(">I", base64.b64decode("".join(png))[16:20])[0])
    return widths


def test_figures_are_sharp(notebook):
    path, nb = notebook
    widths = sorted(_png_widths(nb))
    if widths:
        assert widths[len(widths) // 2] >= MIN_MEDIAN_PNG_WIDTH, \
            f"{path.name}: median figure width {widths[len(widths) // 2]} px; draw at 100 dpi or more"
