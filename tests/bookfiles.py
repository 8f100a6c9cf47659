"""Helpers shared by the tests of the book itself (not of the package)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tools import run_notebooks
from tools.kernel_env import KERNEL_ENV

ROOT = Path(__file__).resolve().parent.parent
# The project's nbval options (strict, the sanitize file), as pyproject.toml's addopts gives them.
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
NBVAL_ARGS = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE)]


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


# A decimal number as it appears in text: 0.5, -2.30, .25, 1e-07, 6.78e-17. Not part of a word or a dotted
# version string (the look-behind), so "W1", "3.11.7" and "x_1.5" are not numbers here.
FLOAT = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+(?=[eE][-+]?\d))(?:[eE][-+]?\d+)?")
MAX_SIGNIFICANT = 10
# An inline glue role as prose writes it, {glue:text}`key:fmt` or {glue:}`key`: (key, format or "").
INLINE_GLUE = re.compile(r"\{glue(?::text|:)?\}`([A-Za-z0-9_]+)(?::([^`]*))?`")
# nbval compares every output field but images (they are skipped unless nbdime is used).
NOT_COMPARED = ("image/",)


def significant_digits(token: str) -> int:
    """Significant digits of a decimal token: ``"0.00340"`` has 3, ``"1.2e-09"`` has 2."""
    mantissa = re.split(r"[eE]", token.lstrip("+-"))[0]
    return len(mantissa.replace(".", "").lstrip("0"))


def compared_texts(nb: dict) -> list[tuple[int, str, str]]:
    """Every output text nbval compares, as ``(nbval cell number, field, text)``.

    The cell number counts code cells from 0, as nbval's "Cell N" does. Fields are ``stream`` and each MIME
    type of a rich output, including the ``application/papermill.record/*`` data that ``glue`` stores.
    """
    texts: list[tuple[int, str, str]] = []
    for n, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
        for out in cell.get("outputs", []):
            if out["output_type"] == "stream":
                texts.append((n, "stream", "".join(out["text"])))
            for key, value in out.get("data", {}).items():
                if any(marker in key for marker in NOT_COMPARED):
                    continue
                text = "".join(value) if isinstance(value, list) else value
                texts.append((n, key, text if isinstance(text, str) else json.dumps(text)))
    return texts


def long_floats(nb: dict, limit: int = MAX_SIGNIFICANT) -> list[tuple[int, str, str]]:
    """Floats with more than ``limit`` significant digits in compared outputs: ``(cell, field, token)``."""
    return [
        (n, key, m.group(0))
        for n, key, text in compared_texts(nb)
        for m in FLOAT.finditer(text)
        if significant_digits(m.group(0)) > limit
    ]


def page_sources() -> dict[str, str]:
    """The text of each page of ``_toc.yml`` before rendering: a Markdown page whole, a notebook's Markdown
    cells joined. Keyed by file stem (e.g. ``case_study``)."""
    texts: dict[str, str] = {}
    for page in toc_files():
        md, nb = ROOT / (page + ".md"), ROOT / (page + ".ipynb")
        if md.exists():
            texts[md.stem] = md.read_text(encoding="utf-8")
        elif nb.exists():
            cells = load(nb)["cells"]
            texts[nb.stem] = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    return texts


def stored_outputs_text(nb: dict) -> str:
    """Every stored text output of a notebook, joined (streams, and text/markdown or text/plain data)."""
    parts: list[str] = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if "text" in out:
                parts.append("".join(out["text"]))
            for mime in ("text/markdown", "text/plain"):
                if mime in out.get("data", {}):
                    parts.append("".join(out["data"][mime]))
    return "\n".join(parts)


CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")


def cited_keys() -> set[str]:
    """Every bibliography key cited on a page of the book or in a record of the errata registry."""
    from fbnn import errata

    texts = list(page_sources().values()) + [errata.DATA_PATH.read_text(encoding="utf-8")]
    return {k.strip() for t in texts for m in CITE.finditer(t) for k in m.group(1).split(",")}


def bib_keys() -> set[str]:
    """The keys of ``book/references.bib``."""
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", bib, re.MULTILINE))


def run_nbval(
    paths: list[Path], cwd: Path, junit: Path, extra_env: dict[str, str] | None = None, timeout: int = 1800
) -> tuple[dict[tuple[str, int], str], subprocess.CompletedProcess]:
    """Run strict nbval over ``paths`` in a fresh pytest on one worker; return each cell's outcome.

    The outcomes map ``(notebook stem, nbval cell number)`` to ``"passed"``, ``"failed"`` or ``"skipped"``.
    Kernels get the pinned :data:`KERNEL_ENV` plus ``extra_env``.
    """
    cmd = [
        sys.executable, "-m", "pytest", *map(str, paths), "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
        "-o", "addopts=", "-o", "junit_family=xunit1", "--junitxml", str(junit), *NBVAL_ARGS,
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(KERNEL_ENV)
    env.update(extra_env or {})
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout)
    outcomes: dict[tuple[str, int], str] = {}
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            stem = Path(case.get("file", "")).stem                 # xunit1 names each case's file
            cell = int(case.get("name", "").removeprefix("Cell "))
            kinds = {child.tag for child in case}
            if kinds & {"failure", "error"}:
                outcomes[(stem, cell)] = "failed"
            else:
                outcomes[(stem, cell)] = "skipped" if "skipped" in kinds else "passed"
    return outcomes, result
