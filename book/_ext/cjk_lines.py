"""Chinese prose without Latin spacing: no space between two Chinese characters.

Markdown sources wrap long paragraphs, and Chinese authors put a space around a link or a code span, as
around Latin words. In English a line break or a space reads as a space, which is right. Between two Chinese
characters a browser shows it as a space too, which Chinese typesetting never has (XeLaTeX with xeCJK drops
line breaks, not spaces). So after cross-references are resolved (a ``{doc}`` link's text is then the page's
title), this removes, outside code and math:

* a line break (with the blanks around it) between two CJK characters of one text;
* a single space between a CJK character and an inline element (link, emphasis) whose text starts, or ends,
  with a CJK character on the other side.

A space next to a Latin letter, a digit or inline math stays (``用 NumPy 计算``, ``共 $n$ 个``).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

# CJK ideographs, CJK punctuation and full-width forms.
CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
IS_CJK = re.compile(rf"[{CJK}]")
BREAK = re.compile(rf"(?<=[{CJK}])[ \t]*\n[ \t]*(?=[{CJK}])")
SKIP = (nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw, nodes.comment)


def join_cjk_lines(text: str) -> str:
    """``text`` without the line breaks (and the blanks around them) that stand between two CJK characters."""
    return BREAK.sub("", text)


def _inside_skipped(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, SKIP):
            return True
        node = node.parent
    return False


def _neighbour_text(node: nodes.Node, step: int) -> str:
    """The text of the sibling element just before (step -1) or after (step +1) ``node``, or ""."""
    parent = node.parent
    index = parent.index(node) + step
    if not 0 <= index < len(parent.children):
        return ""
    sibling = parent.children[index]
    if isinstance(sibling, (nodes.Text, *SKIP)) or isinstance(sibling, nodes.Invisible):
        return ""
    return sibling.astext()


def tighten(tree: nodes.Node) -> None:
    """Drop, in place, the line breaks and spaces of ``tree``'s text that stand between CJK characters."""
    for node in list(tree.findall(nodes.Text)):
        parent = node.parent
        if parent is None or _inside_skipped(parent):
            continue
        text = join_cjk_lines(str(node))
        after, before = _neighbour_text(node, 1), _neighbour_text(node, -1)
        if text.endswith(" ") and IS_CJK.match(text[-2:-1] or "x") and IS_CJK.match(after[:1] or "x"):
            text = text[:-1]
        if text.startswith(" ") and IS_CJK.match(text[1:2] or "x") and IS_CJK.match(before[-1:] or "x"):
            text = text[1:]
        if text != str(node):
            parent.replace(node, nodes.Text(text))


class TightenCJK(SphinxPostTransform):
    """Runs after the references are resolved (priority 10), so link texts are final."""

    default_priority = 50

    def run(self, **kwargs) -> None:
        tighten(self.document)


def setup(app: Sphinx) -> dict:
    app.add_post_transform(TightenCJK)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
