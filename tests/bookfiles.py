"""Helpers shared by the tests of the book itself (not of the package)."""

from __future__ import annotations

import json
from pathlib import Path

from tools import run_notebooks

ROOT = Path(__file__).resolve().parent.parent


def toc_files() -> list[str]:
    """Every page of ``_toc.yml`` as a path without suffix, root first (e.g. ``book/index``)."""
    return run_notebooks.toc_files(ROOT)


def toc_notebooks() -> list[Path]:
    """The notebooks listed in ``_toc.yml``."""
    return run_notebooks.toc_notebooks(ROOT)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
