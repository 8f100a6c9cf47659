"""The print edition: build every edition's PDF once and read it back as a reader's PDF viewer would.

``tools/build_pdf.py`` already refuses a LaTeX run that reports a missing glyph or an undefined reference or
citation. These tests look at the PDF itself with poppler's ``pdftotext``/``pdfimages``: chapter titles,
"??" marks, figures, text running off the page, glued numbers, and Chinese text that extracts as Chinese.

Without XeLaTeX (or poppler) the tests skip, except in CI (``CI`` set), where they fail: ``.ci/run``
installs both. Page images of three representative pages land in ``test-artifacts/pdf/``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from absent import skip_or_fail
from bookfiles import INLINE_GLUE, ROOT, toc_files, toc_notebooks

from tools import build_pdf

ARTIFACTS = ROOT / "test-artifacts" / "pdf"
# Text whose right edge reaches this close to the paper's edge has left the text block and is running off the
# page: the body text ends about 68 pt (0.95 in) from the right edge of an A4 page.
EDGE_PT = 36.0
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def _need_tools() -> None:
    poppler = [t for t in ("pdftotext", "pdfimages", "pdftoppm") if not shutil.which(t)]
    missing = build_pdf.missing_tools() + poppler
    if missing:
        skip_or_fail(f"the PDF tests need {', '.join(missing)} (apt-get install: see the README)")


# Not in the default run (pyproject.toml deselects the mark): `python -m pytest -m pdf`, as .ci/run does.
pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module", params=[e.name for e in build_pdf.editions()])
def pdf(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> build_pdf.PdfBuild:
    _need_tools()
    edition = next(e for e in build_pdf.editions() if e.name == request.param)
    out = tmp_path_factory.mktemp(f"pdf-{edition.name}")
    try:
        return build_pdf.build(edition, out)
    except RuntimeError as err:
        pytest.fail(str(err))


def _text(pdf_path: Path, *extra: str) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *extra, str(pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _pages(pdf_path: Path) -> list[str]:
    return _text(pdf_path, "-layout").split("\f")


def _squash(text: str) -> str:
    # Line breaks, hyphenation points and ligatures differ between the PDF and the source: compare without
    # white space, and with the typographic characters LaTeX substitutes mapped back.
    for typeset, plain in (("\u00ad", ""), ("ﬁ", "fi"), ("ﬂ", "fl"), ("’", "'"), ("‘", "'"), ("“", '"'),
                           ("”", '"'), ("–", "-"), ("—", "-"), ("−", "-")):
        text = text.replace(typeset, plain)
    return re.sub(r"\s+", "", text)


def edition_pages(edition: str) -> list[Path]:
    """Every toc page of an edition, root first, as a source path without suffix (``book/zh/x``)."""
    folder = ROOT / "book" if edition == "en" else ROOT / "book" / edition
    return [folder / Path(page).name for page in toc_files()]


def edition_notebooks(edition: str) -> list[Path]:
    return [p.with_suffix(".ipynb") for p in edition_pages(edition) if p.with_suffix(".ipynb").exists()]


def page_title(page: Path) -> str:
    """The title a toc page starts with, as plain text (Markdown emphasis, code and links removed)."""
    path = page.with_suffix(".md")
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
    else:
        nb = json.loads(page.with_suffix(".ipynb").read_text(encoding="utf-8"))
        lines = [line for c in nb["cells"] if c["cell_type"] == "markdown"
                 for line in "".join(c["source"]).splitlines()]
    heading = next(line for line in lines if line.startswith("# "))[2:]
    heading = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    return re.sub(r"[`*_]", "", heading).strip()


def chapter_pages(pdf_path: Path, edition: str) -> dict[str, int]:
    """The page on which each toc page starts as a chapter, found by its title at the top of a chapter page.

    Chapter starts come from the PDF's named destinations (``chapter.N``); the root page is the title page.
    """
    dests = subprocess.run(["pdfinfo", "-dests", str(pdf_path)], capture_output=True, text=True,
                           check=True).stdout
    starts = sorted({int(m.group(1)) for m in re.finditer(r'^\s*(\d+) \[.*\] "chapter\.\d+"', dests, re.M)})
    pages = _pages(pdf_path)
    found = {}
    sources = edition_pages(edition)
    for page in sources:
        title = _squash(page_title(page)).casefold()
        candidates = [1] if page == sources[0] else starts
        for number in candidates:
            # The chapter head ("CHAPTER EIGHT" or "第 8 章", and the title) opens the page.
            if title in _squash(pages[number - 1])[: len(title) + 40].casefold():
                found[page.name] = number
                break
    return found


def test_every_chapter_starts_with_its_title(pdf: build_pdf.PdfBuild):
    found = chapter_pages(pdf.pdf, pdf.edition.name)
    missing = [page_title(p) for p in edition_pages(pdf.edition.name) if p.name not in found]
    assert not missing, f"chapters whose title opens no chapter page of {pdf.pdf.name}: {missing}"


def unresolved_marks(pdf_path: Path) -> list[tuple[int, str]]:
    """Every "??" LaTeX printed for a reference it could not resolve: (page, context)."""
    return [(number, m.group(0)) for number, page in enumerate(_pages(pdf_path), start=1)
            for m in re.finditer(r".{0,30}\?\?.{0,30}", page)]


def test_no_unresolved_reference_marks(pdf: build_pdf.PdfBuild):
    marks = unresolved_marks(pdf.pdf)
    assert not marks, f"'??' in {pdf.pdf.name} (page, context): {marks[:10]}"


def _png_outputs() -> set[str]:
    images = set()
    for path in toc_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                png = out.get("data", {}).get("image/png")
                if png:
                    images.add("".join(png))
    return images


def test_every_figure_is_embedded(pdf: build_pdf.PdfBuild):
    listing = subprocess.run(["pdfimages", "-list", str(pdf.pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    embedded = [row for row in listing if row.split()[2] == "image"]
    expected = len(_png_outputs())
    assert expected > 0, "the book stores no figure: the test would prove nothing"
    assert len(embedded) >= expected, f"{pdf.pdf.name} embeds {len(embedded)} images, not {expected}"


def overflowing_words(pdf_path: Path, edge_pt: float = EDGE_PT) -> list[tuple[int, str, float]]:
    """Every word whose box reaches within ``edge_pt`` of a page's left or right edge: (page, word, x)."""
    html = _text(pdf_path, "-bbox")
    found = []
    for number, page in enumerate(html.split("<page ")[1:], start=1):
        width = float(re.search(r'width="([\d.]+)"', page).group(1))
        for m in WORD.finditer(page):
            x_min, x_max = float(m.group(1)), float(m.group(2))
            if x_max > width - edge_pt or x_min < edge_pt:
                found.append((number, m.group(3), round(x_max, 1)))
    return found


def test_no_text_runs_off_the_page(pdf: build_pdf.PdfBuild):
    words = overflowing_words(pdf.pdf)
    assert not words, f"text off the page in {pdf.pdf.name} (page, word, right edge, pt): {words[:20]}"


def _inline_glue(edition: str) -> list[tuple[str, str]]:
    """(page, text) for every value the prose pastes with {glue:text} or {glue:}, as the HTML shows it."""
    from myst_nb.core.variables import format_plain_text

    shown = []
    for path in edition_notebooks(edition):
        nb = json.loads(path.read_text(encoding="utf-8"))
        stored: dict[str, str] = {}
        for cell in nb["cells"]:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                key = out.get("metadata", {}).get("scrapbook", {}).get("name")
                plain = data.get("application/papermill.record/text/plain")
                if key and plain is not None:
                    stored[key] = "".join(plain)
        prose = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        for key, fmt in INLINE_GLUE.findall(prose):
            if key in stored:
                shown.append((path.stem, format_plain_text(stored[key], fmt or "")))
    return shown


def test_glued_values_read_as_in_the_html(pdf: build_pdf.PdfBuild):
    text = _squash(_text(pdf.pdf))
    values = _inline_glue(pdf.edition.name)
    assert len(values) > 50, f"only {len(values)} glued values found: the glue scan is broken"
    missing = [(page, value) for page, value in values if _squash(value) not in text]
    assert not missing, f"glued values not in {pdf.pdf.name} as the HTML shows them: {missing[:20]}"


def test_chinese_text_extracts_as_chinese(pdf: build_pdf.PdfBuild):
    text = _text(pdf.pdf)
    assert "反馈神经网络" in text, f"the article's Chinese title does not extract from {pdf.pdf.name}"
    if pdf.edition.name == "zh":
        # Code and outputs are the English book's, so Latin letters stay many: a fully translated build has
        # about a fifth of its letters Chinese, the English one well under 1%.
        letters = re.findall(r"[A-Za-z\u4e00-\u9fff]", text)
        share = len(CJK.findall(text)) / max(len(letters), 1)
        assert share > 0.1, f"only {share:.0%} of the Chinese PDF's letters are Chinese"
        squashed = _squash(text)
        runs = _chinese_runs(pdf.edition.name)
        assert len(runs) == len(edition_pages("zh")), "a Chinese page has no Chinese sentence to look for"
        missing = [(page.name, run) for page, run in runs if _squash(run) not in squashed]
        assert not missing, f"Chinese sentences that do not extract from {pdf.pdf.name}: {missing}"


def _chinese_runs(edition: str) -> list[tuple[Path, str]]:
    """For each page of an edition, its first run of 12 or more Chinese characters (outside quotes)."""
    run = re.compile(r"[\u4e00-\u9fff，、；：]{12,}")
    found = []
    for page in edition_pages(edition):
        if page.with_suffix(".md").exists():
            prose = page.with_suffix(".md").read_text(encoding="utf-8")
        else:
            nb = json.loads(page.with_suffix(".ipynb").read_text(encoding="utf-8"))
            prose = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
        # Quotes may be set in other glyphs or split by a link: a quote ends a run.
        prose = re.sub(r"[“「][^”」]*[”」]", "\n", prose)
        first = run.search(prose)
        if first:
            found.append((page, first.group(0)))
    return found


def test_page_images_of_three_representative_pages(pdf: build_pdf.PdfBuild):
    pages = _pages(pdf.pdf)
    listing = subprocess.run(["pdfimages", "-list", str(pdf.pdf)], capture_output=True, text=True, check=True)
    with_figure = sorted({int(row.split()[0]) for row in listing.stdout.splitlines()[2:]})
    starts = chapter_pages(pdf.pdf, pdf.edition.name)
    after_errata = [n for n in starts.values() if n > starts["errata"]]
    errata_pages = range(starts["errata"], min(after_errata, default=len(pages)))
    chosen = {
        "derivation": starts["backprop_derivation"] + 1,
        # The errata table lists the article's sections: its page is the errata chapter's page with most "§".
        "wide-table": max(errata_pages, key=lambda n: pages[n - 1].count("§")),
        "figure": with_figure[len(with_figure) // 2],
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, number in chosen.items():
        stem = ARTIFACTS / f"{pdf.edition.name}-{name}"
        subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(number), "-l", str(number),
                        str(pdf.pdf), str(stem)], check=True)
        assert stem.with_suffix(".png").stat().st_size > 10_000, f"page {number} ({name}) rendered empty"


BROKEN = r"""\documentclass{article}
\usepackage{fontspec}
\setmainfont{DejaVu Serif}
\begin{document}
See section~\ref{nowhere}. A glyph the font lacks: \char"4E2D.
\noindent Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa%
aaaaaaaaaaaaaaaaa
\end{document}
"""


def test_the_checks_catch_a_broken_pdf(tmp_path: Path):
    """A tiny PDF with an undefined reference, a missing glyph and a line off the page fails every check."""
    _need_tools()
    (tmp_path / "broken.tex").write_text(BROKEN, encoding="utf-8")
    subprocess.run(["xelatex", "-interaction=nonstopmode", "broken.tex"], cwd=tmp_path, capture_output=True,
                   timeout=300)
    problems = build_pdf.log_problems((tmp_path / "broken.log").read_text(encoding="utf-8", errors="replace"))
    assert set(problems) >= {"missing glyph", "undefined reference"}, problems
    pdf_path = tmp_path / "broken.pdf"
    assert unresolved_marks(pdf_path), "the '??' of the undefined reference was not found"
    overlong = [w for w in overflowing_words(pdf_path) if w[1].startswith("Aaaa")]
    assert overlong, "the overlong line was not found"


def test_table_columns_keep_short_words_whole():
    """Short columns (section, verdict) keep their natural width; long ones share the rest of the line."""
    import importlib.util

    path = ROOT / "book" / "_ext" / "print_edition.py"
    spec = importlib.util.spec_from_file_location("print_edition", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    section, says, verdict, right = module.column_widths([9, 60, 13, 400])
    per_char = 10  # widths are in tenths of a character of the line
    assert section >= per_char * 9 and verdict >= per_char * 13, (section, verdict)
    assert abs(section + says + verdict + right - per_char * module.LINE_CHARS) <= 2 * per_char
    assert module.column_widths([5, 20, 10]) == [70, 220, 120]  # fits: natural widths (+2 padding each)
