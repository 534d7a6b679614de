import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tools import execute_notebooks


def test_consecutive_chunks_of_one_stream_are_merged():
    outs = [new_output("stream", name="stdout", text="a\n"), new_output("stream", name="stdout", text="b\nc"),
            new_output("stream", name="stdout", text="\n"), new_output("stream", name="stderr", text="w\n"),
            new_output("stream", name="stdout", text="d\n"), new_output("display_data", data={"text/plain": "x"}),
            new_output("stream", name="stdout", text=["e\n", "f\n"])]
    merged = execute_notebooks.merge_streams(outs)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "a\nb\nc\n"), ("stream", "stderr", "w\n"), ("stream", "stdout", "d\n"),
        ("display_data", None, None), ("stream", "stdout", ["e\n", "f\n"])]


@pytest.mark.notebooks
def test_execute_twice_gives_the_same_file(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    # Output in several chunks: a flush between prints, and a pause the kernel may split at.
    source = "import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(0.05)\nprint('end')"
    path = tmp_path / "01_t.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)
    execute_notebooks.execute(str(path))
    first = path.read_text()
    nb = nbformat.read(path, as_version=4)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [("stdout", "0\n1\n2\nend\n")]
    execute_notebooks.execute(str(path))
    assert path.read_text() == first


@pytest.mark.notebooks
def test_a_widget_is_stored_as_its_text_only(tmp_path, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    path = tmp_path / "01_w.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import ipywidgets\nipywidgets.IntSlider(value=3)")]), path)
    execute_notebooks.execute(str(path))
    first = path.read_text()
    nb = nbformat.read(path, as_version=4)
    data = nb.cells[0].outputs[0]["data"]
    assert list(data) == ["text/plain"] and "IntSlider" in data["text/plain"]  # no view with a random model id
    assert "widgets" not in nb.metadata  # no saved widget state either
    execute_notebooks.execute(str(path))
    assert path.read_text() == first
