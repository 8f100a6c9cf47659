"""Render the errata registry (``fbnn/data/errata.toml``) in the book, so that a verdict is written once.

``{erratum} ID [ID ...]``
    A "What the article says / What is right" box with the records ``ID ...``, each with a cross-reference
    label ``erratum-ID`` (see :func:`fbnn.errata.label`). Works in Markdown pages and notebook cells alike.
    A translated edition (e.g. ``language: zh_CN``) prints its fixed words and the records' translated fields.
``{errata-table}``
    The table of every record; each row links to its record's box.

The build enforces the rule "each record is shown once, in its own chapter": a record rendered in another
chapter, rendered twice, or never rendered is a warning (an error under ``-W``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^# (.+?)\s*$", re.MULTILINE)


def _lang(env: BuildEnvironment) -> str:
    """The book's language as the registry names it: Sphinx's ``zh_CN`` is ``zh``; English is ``""``."""
    lang = (env.config.language or "").split("_")[0].lower()
    return "" if lang == "en" else lang


def _page_title(path: Path) -> str:
    """The first level-1 heading of a page's source (a notebook's Markdown cells or a Markdown file), or
    "" if it has none that can be shown as plain link text."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    if path.suffix == ".ipynb":
        cells = json.loads(text).get("cells", [])
        text = "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells
            if c.get("cell_type") == "markdown"
        )
    m = _HEADING.search(text)
    title = m.group(1) if m else ""
    return "" if re.search(r"[`<>{}\[\]$*]", title) else title


def _chapter_titles(env: BuildEnvironment, stems: set[str]) -> dict[str, str]:
    """The title of each chapter in this edition, read from its source (the chapters' own titles are not
    known yet while this page is read); the table's links show them in a translated edition."""
    titles = {}
    for docname in sorted(env.found_docs):
        stem = docname.rsplit("/", 1)[-1]
        if stem in stems and stem not in titles:
            path = Path(env.doc2path(docname))
            env.note_dependency(str(path))
            titles[stem] = _page_title(path)
    return {stem: title for stem, title in titles.items() if title}


def _rendered(env: BuildEnvironment) -> dict[str, list[str]]:
    if not hasattr(env, "fbnn_errata_rendered"):
        env.fbnn_errata_rendered = {}
    return env.fbnn_errata_rendered


class Erratum(SphinxDirective):
    """A box with one or more records of the errata registry."""

    required_arguments = 1
    optional_arguments = 0
    final_argument_whitespace = True
    has_content = False

    def run(self) -> list[nodes.Node]:
        from fbnn import errata

        self.env.note_dependency(str(errata.DATA_PATH))
        records = []
        for rid in self.arguments[0].split():
            try:
                records.append(errata.get(rid))
            except KeyError as exc:
                raise self.error(str(exc.args[0])) from None
        lang = _lang(self.env)
        box = nodes.admonition(classes=["warning", "erratum"])
        title = errata.box_title(records, lang)
        box += nodes.title(title, title)
        for r in records:
            name = nodes.fully_normalize_name(errata.label(r))  # labels are case-insensitive, as {ref} is
            target = nodes.target("", "", ids=[nodes.make_id(name)], names=[name])
            self.state.document.note_explicit_target(target)
            box += target
            # A translated edition (Sphinx's language, e.g. zh) shows the record's translated fields, if any.
            text = errata.render_box(r, lang=lang)
            body = StringList(text.splitlines(), source=f"{errata.DATA_PATH}:{r.id}")
            self.state.nested_parse(body, self.content_offset, box)
            _rendered(self.env).setdefault(r.id, []).append(self.env.docname)
        return [box]


class ErrataTable(SphinxDirective):
    """The table of every record, each row linked to its box."""

    required_arguments = 0
    has_content = False

    def run(self) -> list[nodes.Node]:
        from fbnn import errata

        self.env.note_dependency(str(errata.DATA_PATH))
        container = nodes.container(classes=["errata-table"])
        lang = _lang(self.env)
        # English links show the chapter's stem, as they always have; a translation shows the chapter's title.
        titles = _chapter_titles(self.env, {r.chapter for r in errata.RECORDS}) if lang else None
        table = errata.render_table(lang=lang, titles=titles)
        text = StringList(table.splitlines(), source=str(errata.DATA_PATH))
        self.state.nested_parse(text, self.content_offset, container)
        return [container]


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    for docs in _rendered(env).values():
        while docname in docs:
            docs.remove(docname)


def merge(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    for rid, docs in _rendered(other).items():
        _rendered(env).setdefault(rid, []).extend(docs)


def check(app: Sphinx, env: BuildEnvironment) -> None:
    """Every record rendered exactly once, in the chapter it names."""
    from fbnn import errata

    rendered = _rendered(env)
    for r in errata.RECORDS:
        docs = rendered.get(r.id, [])
        where = [d.rsplit("/", 1)[-1] for d in docs]
        if not docs:
            logger.warning(f"errata record {r.id!r} is not rendered: add its box to {r.chapter}")
        elif where != [r.chapter]:
            logger.warning(f"errata record {r.id!r} belongs to chapter {r.chapter!r}, rendered in {docs}")


def setup(app: Sphinx) -> dict:
    app.add_directive("erratum", Erratum)
    app.add_directive("errata-table", ErrataTable)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", check)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
