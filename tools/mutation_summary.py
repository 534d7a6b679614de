"""Summarise the last `mutmut run` (`make mutation`) against the equivalent mutants of docs/MUTATION.md.

    python -m tools.mutation_summary [--min-score 97]

Reads mutmut's results (``mutants/<module>.py.meta``) and prints, per module and in
total, the mutants killed (a timeout counts: the tests stopped it), the survivors, and
those of them docs/MUTATION.md lists as equivalent (a row ``| `name` | reason |``). The
score is killed / (all - equivalent); below ``--min-score`` percent it exits with 1.
A survivor missing from the list is printed with ``mutmut show``'s name, so that it gets
a test or a reason; a listed mutant that no longer survives is printed as stale.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "MUTATION.md"
KILLED = {1, 3, 24, -24, 36, 152, 255}  # a failing test, pytest's internal error, a timeout
SURVIVED = {0}
NO_TESTS = {5, 33}


def equivalent_mutants(text):
    """The mutant names in the doc's table rows ``| `nnlessons.module.x_function__mutmut_N` | reason |``."""
    return set(re.findall(r"^\|\s*`(nnlessons\.[\w.]+__mutmut_\d+)`\s*\|", text, flags=re.M))


def results(mutants_dir):
    """``{module: {mutant name: exit code}}`` from mutmut's ``.meta`` files."""
    out = {}
    for meta in sorted(Path(mutants_dir).rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            out[meta.name.removesuffix(".py.meta")] = codes
    return out


def summarise(by_module, equivalent):
    """Rows ``(module, total, killed, survived, equivalent, no tests, other)``, the total last, and the lists
    of unexplained survivors and stale equivalents."""
    rows, unexplained, seen = [], [], set()
    for module, codes in by_module.items():
        killed = sum(code in KILLED for code in codes.values())
        survived = [name for name, code in codes.items() if code in SURVIVED | NO_TESTS]
        equiv = [name for name in survived if name in equivalent]
        seen |= set(equiv)
        unexplained += [name for name in survived if name not in equivalent]
        no_tests = sum(code in NO_TESTS for code in codes.values())
        other = len(codes) - killed - len(survived)
        rows.append((module, len(codes), killed, len(survived) - len(equiv), len(equiv), no_tests, other))
    total = ("total",) + tuple(sum(r[i] for r in rows) for i in range(1, 7))
    return rows + [total], sorted(unexplained), sorted(equivalent - seen)


def score(row):
    """Percent of the non-equivalent mutants killed."""
    _, total, killed, _, equiv, _, _ = row
    return 100.0 * killed / max(total - equiv, 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-score", type=float, default=97.0)
    parser.add_argument("--mutants", default=str(ROOT / "mutants"))
    args = parser.parse_args(argv)
    by_module = results(args.mutants)
    if not by_module:
        print("no mutmut results in", args.mutants, "- run `make mutation` first", file=sys.stderr)
        return 2
    rows, unexplained, stale = summarise(by_module, equivalent_mutants(DOC.read_text()))
    print(f"{'module':<16}{'mutants':>8}{'killed':>8}{'survived':>9}{'equivalent':>11}{'score':>8}")
    for row in rows:
        print(f"{row[0]:<16}{row[1]:>8}{row[2]:>8}{row[3]:>9}{row[4]:>11}{score(row):>7.1f}%"
              + (f"   ({row[6]} neither killed nor survived)" if row[6] else ""))
    for name in unexplained:
        print(f"survived, not listed as equivalent in docs/MUTATION.md: {name}   (mutmut show {name})")
    for name in stale:
        print(f"listed as equivalent but not a survivor of this run: {name}")
    final = score(rows[-1])
    if final < args.min_score:
        print(f"score {final:.1f}% is below {args.min_score:g}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
