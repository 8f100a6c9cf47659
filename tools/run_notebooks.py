"""Re-execute the book's notebooks deterministically and store their outputs.

Each notebook runs top to bottom in a fresh ``python3`` kernel (nbclient), with its own folder as the
working directory and the environment ``tools/kernel_env.py`` that ``conftest.py`` also gives nbval, so
the stored outputs are the ones the tests will reproduce. The calling process's own environment is left
as it was, and each notebook is replaced atomically (a temporary file in the same folder, then a rename),
so an interrupted run never leaves a truncated notebook. Volatile metadata (timings, kernel ids) is
stripped, so running this twice in a row leaves the files byte-identical.

Usage::

    python tools/run_notebooks.py                 # every notebook listed in _toc.yml
    python tools/run_notebooks.py book/setup.ipynb
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

try:  # run as a script: this file's folder is sys.path[0]
    from kernel_env import KERNEL_ENV
except ImportError:  # imported as tools.run_notebooks
    from tools.kernel_env import KERNEL_ENV

ROOT = Path(__file__).resolve().parent.parent


def toc_files(root: Path = ROOT) -> list[str]:
    """Return every page of ``_toc.yml`` as a path without suffix (``book/index`` first), in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    files: list[str] = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return files


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """Return the ``.ipynb`` files listed in ``_toc.yml``, in book order."""
    paths = [root / (f + ".ipynb") for f in toc_files(root)]
    return [p for p in paths if p.exists()]


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) messages: how the kernel splits a stream depends on timing."""
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop volatile metadata so that two executions give identical files."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.get("outputs", []))
            for out in cell.outputs:
                out.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return nb


def execute(path: Path, timeout: int = 600) -> float:
    """Execute one notebook in place; return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        allow_errors=False,
        record_timing=False,
    )
    # The kernel gets the pinned environment; this process's os.environ is not touched.
    client.execute(env={**os.environ, **KERNEL_ENV})
    elapsed = time.perf_counter() - start
    nbformat.validate(nb)
    text = nbformat.writes(clean(nb), version=4)
    write_atomic(path, text if text.endswith("\n") else text + "\n")
    return elapsed


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one rename, so a crash leaves either the old file or the new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks to run (default: all in _toc.yml)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or toc_notebooks()
    for path in paths:
        if path.suffix != ".ipynb" or not path.exists():
            parser.error(f"not a notebook file: {path}")
    for path in paths:
        seconds = execute(path, timeout=args.timeout)
        print(f"{path.relative_to(ROOT)}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
