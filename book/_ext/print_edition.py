"""Typeset display math for the print edition so that no formula runs off the page.

A web page scrolls a wide formula sideways; a PDF page cannot. The book shows SymPy's expanded derivatives,
some of them wider than an A4 text block. For the LaTeX builder only, every display formula is set in an
``aligned`` block inside a box that is scaled down to the line width when, and only when, it is wider
(``\\fbnnfitmath``). Equation numbers and labels are kept.

Tables get the same care: without given column widths Sphinx sets a long table in ``l`` columns, which never
wrap, so a table of quotes and verdicts runs off the page. For the LaTeX builder every table without given
widths gets widths from its content (:func:`column_widths`), and Sphinx then sets wrapping ``\\X`` columns.
HTML output is untouched.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.writers.latex import LaTeXTranslator

# The box is measured first; only a formula wider than the line is scaled (never enlarged).
PREAMBLE = r"""
\newsavebox{\fbnnmathbox}
\newcommand{\fbnnfitmath}[1]{%
  \sbox{\fbnnmathbox}{$\displaystyle #1$}%
  \ifdim\wd\fbnnmathbox>0.94\linewidth
    \resizebox{0.94\linewidth}{!}{\usebox{\fbnnmathbox}}%
  \else
    \usebox{\fbnnmathbox}%
  \fi}
"""


def fitted_displaymath(text: str, label: str | None, numbered: bool) -> str:
    """LaTeX for one display-math node: its parts stacked in ``aligned`` inside a box fitted to the line."""
    parts = [p.strip() for p in text.split("\n\n") if p.strip()]
    if not parts:
        return ""
    body = "\\\\\n".join(parts)
    env = "equation" if numbered or label else "equation*"
    labeldef = rf"\label{{{label}}}" if label else ""
    fitted = f"\\fbnnfitmath{{\\begin{{aligned}}\n{body}\n\\end{{aligned}}}}"
    return f"\\begin{{{env}}}{labeldef}\n{fitted}\n\\end{{{env}}}"


class PrintTranslator(LaTeXTranslator):
    """Sphinx's LaTeX translator, with display math fitted to the line width."""

    def visit_math_block(self, node: nodes.Element) -> None:
        if node.get("nowrap"):
            super().visit_math_block(node)
            return
        label = f"equation:{node['docname']}:{node['label']}" if node.get("label") else None
        self.body.append(fitted_displaymath(node.astext(), label, self.config.math_number_all) + "\n")
        raise nodes.SkipNode


# About this many characters of body text fit on one line of the A4 text block.
LINE_CHARS = 80
# A column whose longest cell is at most this long is never wrapped: it gets its natural width.
SHORT = 16


def column_widths(longest: list[int], mean: list[float] | None = None) -> list[int]:
    """Relative widths (summing to about ``10 * LINE_CHARS``) of columns with these longest and mean cells.

    A table that fits gets its natural widths. Otherwise short columns (a section number, a verdict) keep
    their natural width, so that no word in them is split or clipped, and the long columns share the rest in
    proportion to the square root of their mean cell width: wider for the longer texts, but never so narrow
    that a column of short quotes holds a few characters a line.
    """
    mean = list(longest) if mean is None else mean
    natural = [max(n, 3) + 2 for n in longest]
    if sum(natural) <= LINE_CHARS:
        return [10 * n for n in natural]
    short = [n if n <= SHORT + 2 else 0 for n in natural]
    rest = max(LINE_CHARS - sum(short), LINE_CHARS // 3)
    weight = [max(m, 1.0) ** 0.5 for m in mean]
    long_total = sum(w for w, s in zip(weight, short, strict=True) if not s) or 1.0
    return [10 * s if s else max(10, round(10 * rest * w / long_total))
            for w, s in zip(weight, short, strict=True)]


def _width(text: str) -> int:
    # A Chinese character is set about twice as wide as a Latin letter.
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


def _cell_length(entry: nodes.Element) -> int:
    return max((_width(line) for line in entry.astext().splitlines()), default=0)


def fit_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give every table without given widths column widths from its content (LaTeX builder only)."""
    if app.builder.format != "latex":
        return
    for table in doctree.findall(nodes.table):
        if "colwidths-given" in table["classes"]:
            continue
        for tgroup in table.findall(nodes.tgroup):
            colspecs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
            cells: list[list[int]] = [[] for _ in colspecs]
            for row in tgroup.findall(nodes.row):
                for i, entry in enumerate(row.children[: len(colspecs)]):
                    cells[i].append(_cell_length(entry))
            # Bold text (the verdicts) is wider than the character count says: a little room to spare.
            longest = [round(1.15 * max(c, default=0)) for c in cells]
            widths = column_widths(longest, [sum(c) / max(len(c), 1) for c in cells])
            for colspec, width in zip(colspecs, widths, strict=True):
                colspec["colwidth"] = width
        table["classes"].append("colwidths-given")


def add_preamble(app: Sphinx, config: Config) -> None:
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE
    config.latex_elements = elements


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", add_preamble)
    app.connect("doctree-resolved", fit_tables)
    app.set_translator("latex", PrintTranslator, override=True)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
