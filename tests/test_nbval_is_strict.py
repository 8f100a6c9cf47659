"""nbval really compares what the prose shows: a changed stored number fails exactly the cell that holds it.

For every notebook in ``_toc.yml`` a copy gets two changes, each in its own cell: one digit of a value that
``glue`` stores for the prose, and one digit of a printed number. Strict nbval runs once over all the copies
(one pytest, one worker) and every copy must fail on exactly its two changed cells. A copy is cut after its
last changed cell: the cells after it prove nothing more here, and the full notebooks run under nbval in the
main test run and in ``test_other_machine.py``.
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path

import pytest
from bookfiles import FLOAT, NBVAL_ARGS, ROOT, SANITIZE, load, run_nbval, toc_notebooks

NOTEBOOKS = toc_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
GLUE_PREFIX = "application/papermill.record/"


def bump_digit(text: str) -> str:
    """Change the last digit of the first decimal number in ``text`` (or of its first digit run)."""
    match = FLOAT.search(text)
    if match:
        end = match.start() + max(i for i, ch in enumerate(match.group(0)) if ch.isdigit())
    else:
        end = next(i for i, ch in enumerate(text) if ch.isdigit())
    return text[:end] + str((int(text[end]) + 1) % 10) + text[end + 1 :]


def _has_digit(value) -> bool:
    return isinstance(value, str | list) and any(ch.isdigit() for ch in "".join(value))


def glued_target(cells: list[dict]) -> tuple[int, int, str] | None:
    """(code cell, output, MIME key) of the first glued text holding a number, floats preferred."""
    found = []
    for n, cell in enumerate(cells):
        for k, out in enumerate(cell.get("outputs", [])):
            for key, value in out.get("data", {}).items():
                if key.startswith(GLUE_PREFIX) and "image/" not in key and _has_digit(value):
                    found.append((FLOAT.search("".join(value)) is None, n, k, key))
    return min(found)[1:] if found else None


def printed_target(cells: list[dict], avoid: int | None) -> tuple[int, int] | None:
    """(code cell, output) of the first printed decimal number (else integer) outside ``avoid``.

    The first cell comes last: it prints package versions, not results.
    """
    found = []
    for n, cell in enumerate(cells):
        for k, out in enumerate(cell.get("outputs", [])):
            if n != avoid and out["output_type"] == "stream" and _has_digit(out["text"]):
                found.append((n == 0, FLOAT.search("".join(out["text"])) is None, n, k))
    return min(found)[2:] if found else None


def tamper(nb: dict) -> tuple[dict, set[int]]:
    """A copy of ``nb`` with one glued and one printed number changed; return it and the changed cells."""
    nb = copy.deepcopy(nb)
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    changed: set[int] = set()
    glued = glued_target(cells)
    if glued is not None:
        n, k, key = glued
        data = cells[n]["outputs"][k]["data"]
        data[key] = bump_digit("".join(data[key]))
        changed.add(n)
    printed = printed_target(cells, avoid=glued[0] if glued else None)
    if printed is not None:
        n, k = printed
        out = cells[n]["outputs"][k]
        out["text"] = bump_digit("".join(out["text"]))
        changed.add(n)
    assert changed, "the notebook stores no number to tamper with"
    last = cells[max(changed)]
    nb["cells"] = nb["cells"][: nb["cells"].index(last) + 1]
    return nb, changed


@pytest.fixture(scope="module")
def tampered_run(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("tampered") / "book"
    folder.mkdir()
    changed: dict[str, set[int]] = {}
    copies: dict[str, int] = {}
    for path in NOTEBOOKS:
        nb, changed[path.stem] = tamper(load(path))
        (folder / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
        copies[path.stem] = sum(c["cell_type"] == "code" for c in nb["cells"])
    paths = [folder / p.name for p in NOTEBOOKS]
    outcomes, result = run_nbval(paths, cwd=folder, junit=folder.parent / "junit.xml")
    return changed, copies, outcomes, result


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_changed_glued_and_printed_numbers_fail_exactly_their_cells(tampered_run, path: Path):
    changed, copies, outcomes, result = tampered_run
    mine = changed[path.stem]
    log = result.stdout[-3000:]
    ran = {cell: outcome for (stem, cell), outcome in outcomes.items() if stem == path.stem}
    assert sorted(ran) == list(range(copies[path.stem])), f"nbval did not run every cell:\n{log}"
    failed = {cell for cell, outcome in ran.items() if outcome == "failed"}
    assert failed == mine, f"changed cells {sorted(mine)}, failed cells {sorted(failed)}:\n{log}"
    assert len(mine) == 2, "could not change both a glued and a printed number, each in its own cell"


def test_bump_digit_changes_one_digit_of_the_first_number():
    assert bump_digit("loss 0.7849, accuracy 0.14") == "loss 0.7840, accuracy 0.14"
    assert bump_digit("fbnn 0.1.0: 89 claims") == "fbnn 0.2.0: 89 claims"
    assert bump_digit("| §4 | 26 claims |") == "| §5 | 26 claims |"
    assert bump_digit("1e-07") == "1e-08"


def test_project_runs_nbval_strict():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    addopts = config["tool"]["pytest"]["ini_options"]["addopts"].split()
    assert "--nbval-lax" not in addopts
    relative = [a.replace(str(ROOT) + "/", "") for a in NBVAL_ARGS]
    assert " ".join(relative) in " ".join(addopts), "the tests' nbval options differ from pyproject.toml's"
    assert SANITIZE.is_file()
