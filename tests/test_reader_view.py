"""The reader's view: plumbing is collapsed, nothing is removed.

A code cell that shows the reader nothing in place (its only outputs are glue records, which the prose
shows elsewhere) is plumbing: a figure handed to a {glue:figure}, values handed to the text, bookkeeping
asserts. Its input is collapsed with the ``hide-input`` tag, so the page shows the code that teaches; the
reader can still open it, and nbval still runs it. The first code cell (the imports) stays visible: it says
what a reader needs to run the chapter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bookfiles import code_cells, load, toc_notebooks

NOTEBOOKS = toc_notebooks()
# myst-nb's tags that drop a cell's input or output from the page (either spelling).
REMOVING_TAGS = {f"remove{sep}{part}" for sep in "-_" for part in ("cell", "input", "output")}


def shows_nothing_in_place(cell: dict) -> bool:
    """True if every output of ``cell`` is a glue record (or it has none): the page shows nothing below it."""
    for out in cell.get("outputs", []):
        if out["output_type"] in ("stream", "error"):
            return False
        if not all(key.startswith("application/papermill.record/") for key in out.get("data", {})):
            return False
    return True


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_plumbing_cells_are_collapsed(path: Path):
    cells = code_cells(load(path))
    plumbing = [c for c in cells[1:] if shows_nothing_in_place(c)]
    untagged = [c.get("id") for c in plumbing if "hide-input" not in tags(c)]
    assert not untagged, f"{path.name}: cells that show nothing in place need 'hide-input': {untagged}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_is_removed_from_the_page(path: Path):
    nb = load(path)
    removing = [
        (c.get("id"), sorted(tags(c) & REMOVING_TAGS))
        for c in nb["cells"] if tags(c) & REMOVING_TAGS
    ]
    assert not removing, f"{path.name}: collapse with 'hide-input' instead of removing: {removing}"
    first = code_cells(nb)[0]
    assert "hide-input" not in tags(first), f"{path.name}: the imports cell stays visible"


def test_every_chapter_collapses_something_or_has_no_plumbing():
    # The rule above is not vacuous: the book does have collapsed cells, and each one still holds its code.
    collapsed = [
        (p.name, c.get("id")) for p in NOTEBOOKS for c in code_cells(load(p)) if "hide-input" in tags(c)
    ]
    assert len(collapsed) >= 5
    for name, cid in collapsed:
        cell = next(c for p in NOTEBOOKS if p.name == name for c in load(p)["cells"] if c.get("id") == cid)
        assert "".join(cell["source"]).strip(), f"{name} cell {cid} is collapsed but empty"


def test_shows_nothing_in_place_on_hand_made_cells():
    record = {"output_type": "display_data", "data": {"application/papermill.record/text/plain": "1"}}
    glue_only = {"outputs": [record]}
    printed = {"outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}]}
    figure = {"output_type": "display_data", "data": {"image/png": "...", "text/plain": "<Figure>"}}
    image = {"outputs": [figure]}
    assert shows_nothing_in_place(glue_only) and shows_nothing_in_place({"outputs": []})
    assert not shows_nothing_in_place(printed) and not shows_nothing_in_place(image)
