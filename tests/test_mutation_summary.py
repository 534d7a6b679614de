"""tools.mutation_summary: mutmut's results counted against docs/MUTATION.md's equivalent mutants."""

import json

from tools import mutation_summary as ms

ROWS = """
| mutant | the change | why |
| --- | --- | --- |
| `nnlessons.optim.x_f__mutmut_2` | `x` | same |
not a row: `nnlessons.optim.x_f__mutmut_9`
"""


def _meta(tmp_path, codes):
    folder = tmp_path / "nnlessons"
    folder.mkdir()
    (folder / "optim.py.meta").write_text(json.dumps({"exit_code_by_key": codes}))
    (folder / "layers.py.meta").write_text(json.dumps({"exit_code_by_key": {}}))  # not run: left out
    return tmp_path


def test_equivalent_mutants_are_the_table_rows():
    assert ms.equivalent_mutants(ROWS) == {"nnlessons.optim.x_f__mutmut_2"}


def test_summary_counts_kills_timeouts_survivors_and_equivalents(tmp_path):
    codes = {"nnlessons.optim.x_f__mutmut_1": 1, "nnlessons.optim.x_f__mutmut_2": 0,
             "nnlessons.optim.x_f__mutmut_3": 0, "nnlessons.optim.x_f__mutmut_4": 36,
             "nnlessons.optim.x_f__mutmut_5": 33, "nnlessons.optim.x_f__mutmut_6": None}
    by_module = ms.results(_meta(tmp_path, codes))
    assert list(by_module) == ["optim"]
    rows, unexplained, stale = ms.summarise(by_module, {"nnlessons.optim.x_f__mutmut_2",
                                                        "nnlessons.optim.x_f__mutmut_7"})
    assert rows[0] == ("optim", 6, 2, 2, 1, 1, 1)
    assert rows[-1] == ("total", 6, 2, 2, 1, 1, 1)
    assert unexplained == ["nnlessons.optim.x_f__mutmut_3", "nnlessons.optim.x_f__mutmut_5"]
    assert stale == ["nnlessons.optim.x_f__mutmut_7"]
    assert ms.score(rows[-1]) == 40.0  # 2 killed of the 5 that are not equivalent


def test_main_fails_below_the_minimum_score(tmp_path, capsys):
    mutants = _meta(tmp_path, {"nnlessons.optim.x_g__mutmut_1": 1, "nnlessons.optim.x_g__mutmut_2": 0})
    assert ms.main(["--mutants", str(mutants), "--min-score", "40"]) == 0
    assert ms.main(["--mutants", str(mutants)]) == 1
    out = capsys.readouterr()
    assert "survived, not listed as equivalent in docs/MUTATION.md: nnlessons.optim.x_g__mutmut_2" in out.out
    assert "score 50.0% is below 97%" in out.err
    assert ms.main(["--mutants", str(tmp_path / "none")]) == 2
