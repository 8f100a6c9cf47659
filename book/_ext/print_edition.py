"""Typeset display math for the print edition so that no formula runs off the page.

A web page scrolls a wide formula sideways; a PDF page cannot. The book shows SymPy's expanded derivatives,
some of them wider than an A4 text block. For the LaTeX builder only, every display formula is set in an
``aligned`` block inside a box that is scaled down to the line width when, and only when, it is wider
(``\\fbnnfitmath``). Equation numbers and labels are kept.

Tables get the same care: without given column widths Sphinx sets a long table in ``l`` columns, which never
wrap, so a table of quotes and verdicts runs off the page. For the LaTeX builder every table without given
widths gets widths proportional to the length of its longest cell text (bounded, so that a short column
keeps room for its header), and Sphinx then sets wrapping ``\\X`` columns. HTML output is untouched.
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


def _cell_length(entry: nodes.Element) -> int:
    return max((len(line) for line in entry.astext().splitlines()), default=0)


def fit_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Give every table without given widths column widths from its content (LaTeX builder only)."""
    if app.builder.format != "latex":
        return
    for table in doctree.findall(nodes.table):
        if "colwidths-given" in table["classes"]:
            continue
        for tgroup in table.findall(nodes.tgroup):
            colspecs = [c for c in tgroup.children if isinstance(c, nodes.colspec)]
            lengths = [0] * len(colspecs)
            for row in tgroup.findall(nodes.row):
                for i, entry in enumerate(row.children[: len(colspecs)]):
                    lengths[i] = max(lengths[i], _cell_length(entry))
            # Bounds: a column never narrower than 6 characters' worth, never wider than 60.
            for colspec, length in zip(colspecs, lengths, strict=True):
                colspec["colwidth"] = min(max(length, 6), 60)
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
