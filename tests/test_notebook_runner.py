"""The notebook runner is deterministic: the same notebook executed twice gives the same bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from bookfiles import ROOT, run_notebooks

SOURCE = ROOT / "book" / "setup.ipynb"


def test_two_runs_give_identical_files_equal_to_the_stored_one(tmp_path: Path):
    path = tmp_path / SOURCE.name
    shutil.copy(SOURCE, path)
    run_notebooks.execute(path)
    first = path.read_bytes()
    run_notebooks.execute(path)
    assert path.read_bytes() == first, "a second execution changed the file"
    assert first == SOURCE.read_bytes(), "the stored notebook is not what a fresh run produces"


def test_split_streams_are_joined():
    out = [
        nbformat.v4.new_output("stream", name="stdout", text="a\n"),
        nbformat.v4.new_output("stream", name="stdout", text="b\n"),
        nbformat.v4.new_output("stream", name="stderr", text="warn\n"),
        nbformat.v4.new_output("stream", name="stdout", text="c\n"),
    ]
    merged = run_notebooks.merge_streams(out)
    assert [(o["name"], "".join(o["text"])) for o in merged] == [
        ("stdout", "a\nb\n"),
        ("stderr", "warn\n"),
        ("stdout", "c\n"),
    ]
