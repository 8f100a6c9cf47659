"""Render the errata registry (``fbnn/data/errata.toml``) in the book, so that a verdict is written once.

``{erratum} ID [ID ...]``
    A "What the article says / What is right" box with the records ``ID ...``, each with a cross-reference
    label ``erratum-ID`` (see :func:`fbnn.errata.label`). Works in Markdown pages and notebook cells alike.
``{errata-table}``
    The table of every record; each row links to its record's box.

The build enforces the rule "each record is shown once, in its own chapter": a record rendered in another
chapter, rendered twice, or never rendered is a warning (an error under ``-W``).
"""

from __future__ import annotations

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

TITLE = "What the article says / What is right"


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
        sections = []
        for r in records:
            if r.section not in sections:
                sections.append(r.section)
        box = nodes.admonition(classes=["warning", "erratum"])
        title = f"{TITLE} ({', '.join(sections)})"
        box += nodes.title(title, title)
        for r in records:
            name = nodes.fully_normalize_name(errata.label(r))  # labels are case-insensitive, as {ref} is
            target = nodes.target("", "", ids=[nodes.make_id(name)], names=[name])
            self.state.document.note_explicit_target(target)
            box += target
            # A translated edition (Sphinx's language, e.g. zh) shows the record's translated fields, if any.
            text = errata.render_box(r, lang=self.env.config.language or "")
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
        text = StringList(errata.render_table().splitlines(), source=str(errata.DATA_PATH))
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
