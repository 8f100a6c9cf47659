"""Every notebook in the book is stored as a clean, complete, reproducible run."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from bookfiles import (
    MAX_SIGNIFICANT,
    ROOT,
    SANITIZE,
    code_cells,
    compared_texts,
    load,
    long_floats,
    significant_digits,
    toc_files,
    toc_notebooks,
)
from IPython.core.inputtransformer2 import TransformerManager
from randomness import unseeded

NOTEBOOKS = toc_notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]

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
def test_stored_outputs_hold_only_digits_that_travel(path: Path):
    # Digits beyond what every IEEE-754 machine reproduces make nbval fail on another CPU or BLAS.
    found = long_floats(load(path))
    assert not found, (
        f"compared outputs hold floats with more than {MAX_SIGNIFICANT} significant digits "
        f"(nbval cell, field, value): {found}. Glue rounded or formatted values, print with explicit "
        "formats, and store an asserted bound for ill-conditioned quantities."
    )


def test_long_float_check_rejects_the_fixture():
    # Each compared field that glue, print or display can fill, one full-precision float in each.
    found = long_floats(load(ROOT / "tests" / "fixtures" / "notebooks" / "long_floats.ipynb"))
    assert found == [
        (0, "application/papermill.record/text/plain", "0.47734306313231345"),
        (2, "stream", "1.1633357209582193e-09"),
        (3, "text/plain", "2.3000000000000003"),
        (4, "text/latex", "0.6962189131802"),
        (5, "text/markdown", "13300.273972602741"),
    ]


@pytest.mark.parametrize(
    ("token", "digits"),
    [("0.00340", 3), ("1.2e-09", 2), ("-52.96000000000087", 16), ("13300", 5), ("+0.5", 1), (".25", 2)],
)
def test_significant_digits(token: str, digits: int):
    assert significant_digits(token) == digits


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernel_is_python3(path: Path):
    assert load(path)["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_random_generator_is_seeded(path: Path):
    # Cells as the kernel runs them: IPython syntax (magics, shell escapes) translated to Python first.
    to_python = TransformerManager().transform_cell
    found = unseeded(to_python("".join(cell["source"])) for cell in code_cells(load(path)))
    assert not found, "unseeded randomness (code cell, line, what): " + "; ".join(map(str, found))


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


def test_every_sanitizer_rule_matches_a_stored_output():
    # A rule that matches nothing hides nothing today but could hide a real change tomorrow.
    rules = configparser.ConfigParser()
    rules.read(SANITIZE, encoding="utf-8")
    texts = [text for path in NOTEBOOKS for _, _, text in compared_texts(load(path))]
    unused = [name for name in rules.sections() if not any(re.search(rules[name]["regex"], t) for t in texts)]
    assert not unused, f"sanitizer rules in {SANITIZE.name} that match no stored output: {unused}"
