"""The notebook runner is deterministic: the same notebook executed twice gives the same bytes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from bookfiles import ROOT, run_notebooks

from tools.kernel_env import KERNEL_ENV

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


def tiny_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    source = 'import os\nprint(os.environ.get("PYTHONHASHSEED"), os.environ.get("OMP_NUM_THREADS"))'
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def test_kernel_gets_the_pinned_environment_and_the_caller_keeps_its_own(tmp_path: Path, monkeypatch):
    # conftest.py put KERNEL_ENV into this process: remove two of its variables to see who sets them.
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    before = dict(os.environ)
    path = tiny_notebook(tmp_path / "env.ipynb")
    run_notebooks.execute(path)
    assert dict(os.environ) == before, "executing a notebook changed the calling process's environment"
    out = nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]
    assert out == f"{KERNEL_ENV['PYTHONHASHSEED']} {KERNEL_ENV['OMP_NUM_THREADS']}\n"


def test_a_failed_write_leaves_the_old_notebook_whole(tmp_path: Path, monkeypatch):
    path = tiny_notebook(tmp_path / "atomic.ipynb")
    old = path.read_bytes()

    def interrupted(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(run_notebooks.os, "replace", interrupted)
    with pytest.raises(OSError, match="simulated"):
        run_notebooks.execute(path)
    assert path.read_bytes() == old, "the notebook was changed in place before the write completed"
    assert [p.name for p in tmp_path.iterdir()] == ["atomic.ipynb"], "a temporary file was left behind"
