"""The two editions of the book (English and Chinese) as one site.

The English book is built at the site's root (its pages under ``book/``), the Chinese one under ``zh/``
(``tools/build_site.py``). This extension, used by both, does four things:

* puts a link to the same page in the other edition at the top of every page (the language switch);
* gives the role ``{other-edition}`text``` for prose that points to the other edition's copy of the page it
  is on (a link on the web, plain text in print, where the other edition is another PDF);
* puts this checkout's folder first on ``sys.path``, so autodoc documents this ``fbnn`` and never one
  installed elsewhere (the Chinese book's root is ``book/zh/``, which Jupyter Book would put there instead);
* teaches the Chinese edition's search the book's terms. Sphinx's Chinese search (``sphinx.search.zh``)
  splits text into words with ``jieba`` (without it, it indexes Latin words only), whose dictionary cuts
  反向传播 into 反向 + 传播; a reader's query is looked up whole, so 反向传播 would find nothing. Each
  Chinese name of the glossary (``book/glossary.md``, "term (中文名)") is added to jieba's dictionary, so it
  is indexed as a word (and its parts still are, by jieba's search mode).

Configured in ``_config.yml`` under ``sphinx.config.fbnn_edition``::

    fbnn_edition:
      site_dir: ""            # where this edition's pages sit in the site ("" or "zh/")
      strip: "book/"          # the part of a docname that is this edition's own ("book/" in English)
      other_site_dir: "zh/"   # where the other edition's pages sit
      other_prefix: ""        # what the other edition puts in front of the same stem
      label: "中文版"          # the switch's text
      lang: "zh-CN"           # the other edition's language (hreflang)
"""

from __future__ import annotations

import html
import posixpath
import re
import sys
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxRole

REPO = Path(__file__).resolve().parents[2]
GLOSSARY = REPO / "book" / "glossary.md"
# A glossary entry's term line: "backpropagation (反向传播)". Names with a space or Latin letters
# ("Elman 网络") are left out: jieba splits text at spaces anyway.
GLOSSARY_NAME = re.compile(r"^[A-Za-z][^\n]*\(([\u4e00-\u9fff]+)\)[ \t]*$", re.MULTILINE)


def glossary_chinese_names(path: Path = GLOSSARY) -> list[str]:
    """The Chinese names of the glossary's terms, in the glossary's order."""
    return GLOSSARY_NAME.findall(path.read_text(encoding="utf-8"))


def teach_search_the_terms(app: Sphinx, config) -> None:
    """For a Chinese build, add the glossary's Chinese names to jieba's dictionary (see the module text)."""
    if not str(config.language or "").startswith("zh"):
        return
    try:
        import jieba
    except ImportError:  # Sphinx's Chinese search then indexes no Chinese word; the site tests fail on that
        return
    for name in glossary_chinese_names():
        jieba.add_word(name)


def other_url(conf: dict, docname: str) -> str | None:
    """The other edition's copy of ``docname``, relative to this page's URL; None for a page of neither."""
    strip = conf.get("strip", "")
    if not docname.startswith(strip):
        return None
    here = conf.get("site_dir", "") + docname + ".html"
    there = conf["other_site_dir"] + conf.get("other_prefix", "") + docname[len(strip) :] + ".html"
    return posixpath.relpath(there, posixpath.dirname(here) or ".")


def add_switch(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    conf = app.config.fbnn_edition
    if not conf or doctree is None or "body" not in context or pagename not in app.env.found_docs:
        return
    url = other_url(conf, pagename)
    if url is None:
        return
    lang = html.escape(conf.get("lang", ""))
    link = (
        f'<p class="fbnn-edition-switch"><a class="reference external" href="{html.escape(url)}" '
        f'hreflang="{lang}" lang="{lang}">{html.escape(conf["label"])}</a></p>\n'
    )
    context["body"] = link + context["body"]


class OtherEditionRole(SphinxRole):
    """``{other-edition}`text```: a link to this page in the other edition (plain text outside HTML)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        conf = self.config.fbnn_edition
        url = other_url(conf, self.env.docname) if conf else None
        if url is None:
            msg = self.inliner.reporter.error(
                f"{{other-edition}} needs fbnn_edition in the config and a page of this edition "
                f"(page {self.env.docname!r})",
                line=self.lineno,
            )
            return [], [msg]
        if self.env.app.builder.format != "html":
            return [nodes.inline(self.rawtext, self.text)], []
        return [nodes.reference(self.rawtext, self.text, refuri=url, internal=False)], []


def setup(app: Sphinx) -> dict:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    app.add_config_value("fbnn_edition", {}, "html")
    app.add_role("other-edition", OtherEditionRole())
    app.connect("html-page-context", add_switch)
    app.connect("config-inited", teach_search_the_terms)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
