"""Every notebook in the book is stored as a clean, complete, reproducible run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bookfiles import ROOT, code_cells, load, toc_files, toc_notebooks

NOTEBOOKS = toc_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]

# Calls that draw from NumPy's hidden global generator, or from a generator with no seed.
UNSEEDED = re.compile(
    r"np\.random\.(rand|randn|randint|random|random_sample|choice|shuffle|permutation|normal|uniform|seed)\("
    r"|default_rng\(\s*\)|default_rng\(\s*None\s*\)|^\s*import random\b|^\s*from random import",
    re.MULTILINE,
)
ADDRESS = re.compile(r"at 0x[0-9a-fA-F]{6,}")


def test_every_toc_entry_exists():
    missing = [f for f in toc_files() if not any((ROOT / (f + s)).exists() for s in (".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists pages with no .md or .ipynb file: {missing}"


def test_the_book_has_notebooks():
    assert NOTEBOOKS, "no notebook is listed in _toc.yml"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_executed_in_order_in_one_fresh_kernel(path: Path):
    counts = [c["execution_count"] for c in code_cells(load(path))]
    assert counts == list(range(1, len(counts) + 1)), f"counts {counts}: re-run tools/run_notebooks.py"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_error_outputs_and_no_addresses(path: Path):
    for i, cell in enumerate(code_cells(load(path)), start=1):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"code cell {i} stored an error: {out.get('ename')}"
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            assert not ADDRESS.search(text), f"code cell {i} stored a memory address: {text[:120]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_python3(path: Path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_random_generator_is_seeded(path: Path):
    for i, cell in enumerate(code_cells(load(path)), start=1):
        match = UNSEEDED.search("".join(cell["source"]))
        assert match is None, f"code cell {i} uses unseeded randomness: {match.group(0)!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_first_code_cell_imports_fbnn(path: Path):
    first = "".join(code_cells(load(path))[0]["source"])
    assert re.search(r"^\s*(import fbnn|from fbnn[\w.]* import)", first, re.MULTILINE), first


@pytest.mark.parametrize("page", toc_files())
def test_page_label_equals_file_stem(page: str):
    stem = Path(page).name
    md, nb = ROOT / (page + ".md"), ROOT / (page + ".ipynb")
    if nb.exists():
        text = "".join(next(c for c in load(nb)["cells"] if c["cell_type"] == "markdown")["source"])
    elif md.exists():
        text = md.read_text(encoding="utf-8")
    else:
        pytest.fail(f"{page} has no .md or .ipynb file")
    assert text.lstrip().startswith(f"({stem})="), f"{page}: the first line must be the label ({stem})="


def test_unseeded_pattern_catches_what_it_should():
    # The hygiene check itself must be able to fail.
    assert UNSEEDED.search("x = np.random.rand(3)")
    assert UNSEEDED.search("rng = np.random.default_rng()")
    assert not UNSEEDED.search("rng = np.random.default_rng(0)")
