"""Make the built site self-contained and lean.

1. Drop the Thebe ("live code") scripts and Binder configuration that Jupyter Book adds to every page even
   when Thebe is off: they name a CDN and a template repository, and sphinx-thebe emits its configuration
   script twice, which is a JavaScript error.
2. Keep only the part of the bundled MathJax that the site uses.
3. Drop the themes' source maps (``*.map``, about 3 MB): a browser asks for them only when a developer opens
   its tools, never to show a page.

``sphinx-mathjax-offline`` copies the whole MathJax 3 distribution (about 24 MB) into ``_static/mathjax`` so
that math renders without a network. The pages load one combined component, ``tex-chtml.js`` (TeX input,
CommonHTML output, menu); at run time it fetches only its web fonts and any TeX extension a formula asks for.
Everything else (SVG and MathML builds, the speech engine, Node entry points) is deleted after the build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

KEEP_FILES = {"tex-chtml.js"}
KEEP_DIRS = {"input/tex/extensions", "output/chtml/fonts/woff-v2", "ui", "a11y", "adaptors"}


def _kept(rel: Path) -> bool:
    text = rel.as_posix()
    return text in KEEP_FILES or any(text == d or text.startswith(d + "/") for d in KEEP_DIRS)


def prune(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    for source_map in static.rglob("*.map"):
        source_map.unlink()
    root = static / "mathjax"
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), reverse=True):
        rel = path.relative_to(root)
        if path.is_file() and not _kept(rel):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            shutil.rmtree(path)


def drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: object) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    kept = []
    for script in scripts:
        text = str(script) + " " + str(getattr(script, "attributes", {}).get("body", ""))
        if "thebe" not in text.lower():
            kept.append(script)
    context["script_files"] = kept


def drop_thebe_nodes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    # sphinx-thebe appends a Binder configuration naming a template repository to every page.
    for node in list(doctree.findall(nodes.raw)):
        if "thebe" in node.astext() or "kernelName" in node.astext():
            node.parent.remove(node)


def setup(app: Sphinx) -> dict:
    app.connect("html-page-context", drop_thebe)
    app.connect("doctree-resolved", drop_thebe_nodes, priority=900)
    app.connect("build-finished", prune)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
