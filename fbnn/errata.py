"""The errata registry: every claim of the seed article, its verdict and its correction.

The records live in one data file, ``fbnn/data/errata.toml`` (one table per claim, keyed by id, in the
article's order: opening, keywords and abstract, §1-§9, the references). It is the only place where a verdict
is written: the book renders each record as a "What the article says / What is right" box in its chapter and
as a row of the errata table, both from this module.

Numeric records have a ``recompute`` function here (in :data:`RECOMPUTE`, keyed by record id) that returns the
correct value, or a dict of named values; their correction text holds ``{{value}}`` (or ``{{name}}`` for each
key), which :meth:`Record.correction_text` fills, so the boxes, the table and the tests take every number from
one place (:mod:`fbnn.casestudy`).

Corrections are MyST Markdown (``{cite}`` and ``{doc}`` roles, inline math); :func:`plain` turns them into
text for a terminal.

A translated edition (e.g. the Chinese one, language ``zh``) adds ``says_zh`` and ``correction_zh`` to a
record and ``zh_of``, the :func:`source_sha` of the English text they translate; :func:`translation_problems`
reports a record whose translation is missing, stale (its English changed since) or drops or adds a
placeholder, role target, citation, formula or code span. The fixed words of the boxes and the table
(titles, verdict names, headers) are printed in the edition's language too (:data:`VERDICT_NAMES`).
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fbnn import casestudy as cs

__all__ = [
    "VERDICTS",
    "DATA_PATH",
    "Record",
    "RECORDS",
    "RECOMPUTE",
    "load_records",
    "get",
    "by_chapter",
    "verdict_counts",
    "label",
    "render_box",
    "render_table",
    "plain",
    "format_value",
    "VERDICT_NAMES",
    "box_title",
    "source_sha",
    "translation_problems",
]

DATA_PATH = Path(__file__).parent / "data" / "errata.toml"
"""The data file that holds every record."""

_PLACEHOLDER = re.compile(r"\{\{([a-z0-9_]+)\}\}")
_FIELDS = ("section", "chapter", "verdict", "quote", "printed", "says", "correction", "same_as")
_REQUIRED = ("section", "chapter", "verdict", "quote", "correction")
# A translation adds says_<lang> and correction_<lang> (e.g. correction_zh), and <lang>_of (e.g. zh_of): the
# source_sha of the English text it translates.
_TRANSLATED = re.compile(r"^(?:(?:says|correction)_[a-z]{2}|[a-z]{2}_of)$")

VERDICTS: tuple[str, ...] = ("correct", "wrong", "unsupported", "unverifiable")
"""Allowed verdicts: right as stated; false; asserted without evidence; not checkable."""

VERDICT_NAMES: dict[str, dict[str, str]] = {
    "zh": {"correct": "正确", "wrong": "错误", "unsupported": "缺乏依据", "unverifiable": "无法核实"},
}
"""The verdicts as a translated edition prints them, by language (English prints :data:`VERDICTS`)."""

# Every fixed word the boxes and the table print, by language ("" is English, the book's own language).
_WORDS: dict[str, dict[str, str]] = {
    "": {
        "title": "What the article says / What is right",
        "title_sections": " ({})",
        "says": "**{section}, the article says** {quote}",
        "printed": " (printed: {printed})",
        "meaning": ": {says}",
        "verdict": "**Verdict: {verdict}.** ",
        "header": "| § | The article says | Verdict | What is right |",
        "see": " See {link}.",
        "sep": ", ",
    },
    "zh": {
        "title": "原文说 / 正确的说法",
        "title_sections": "（{}）",
        "says": "**原文{section}说**{quote}",
        "printed": "（原文印作 {printed}）",
        "meaning": "：{says}",
        # "**结论：错误。**文章" would not close the bold: markdown ends ** after punctuation only before a
        # space or punctuation, and Chinese puts no space there.
        "verdict": "**结论：{verdict}**。",
        "header": "| § | 原文说 | 结论 | 正确的说法 |",
        "see": "详见{link}。",
        "sep": "、",
    },
}
# Sections that are not numbered (the numbered ones, "§4.4", read the same in every language).
_SECTION_NAMES = {
    "zh": {"opening": "开篇", "keywords": "关键词", "abstract": "摘要", "references": "参考文献"},
}


def _words(lang: str) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS[""])


def _section(section: str, lang: str) -> str:
    return _SECTION_NAMES.get(lang, {}).get(section, section)


def _section_in_text(section: str, lang: str) -> str:
    # Chinese puts a space between its characters and "§4.4" (as between Chinese and Latin letters or digits).
    name = _section(section, lang)
    return f" {name} " if lang == "zh" and name.startswith("§") else name


def _verdict(verdict: str, lang: str) -> str:
    return VERDICT_NAMES.get(lang, {}).get(verdict, verdict)


def format_value(value: object) -> str:
    """A recomputed value as text: floats to 6 significant decimals, arrays as bracketed lists, ints as is."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return f"{float(value):.6f}".rstrip("0").rstrip(".") if abs(value) >= 1e-6 else f"{float(value):.3g}"
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 1:
        return "[" + ", ".join(format_value(float(v)) for v in arr) + "]"
    return "[" + "; ".join(format_value(row) for row in arr) + "]"


@dataclass(frozen=True)
class Record:
    """One claim of the article.

    Attributes
    ----------
    id : short unique key, e.g. ``"4.4-log-0.1"``.
    section : where it is, e.g. ``"§4.4"``, ``"keywords"``, ``"references"``.
    quote : a short phrase of the article (as printed, in Chinese where it is Chinese).
    verdict : one of :data:`VERDICTS`.
    correction : what is right, one paragraph of MyST Markdown; may contain ``{{value}}`` (or ``{{name}}``
        for each key when ``recompute`` returns a dict), filled from ``recompute``.
    chapter : stem of the book page that treats it (a file stem of ``_toc.yml``); its box is rendered there.
    printed : for numeric claims, the number the article prints (as text).
    recompute : for numeric claims, a function returning the correct value (or a dict of named values).
    says : what the claim means, in English (optional).
    same_as : id of the record where the article first makes the same claim (optional; same verdict).
    translations : translated fields, e.g. ``{"correction_zh": "..."}``.
    """

    id: str
    section: str
    quote: str
    verdict: str
    correction: str
    chapter: str
    printed: str = ""
    recompute: Callable[[], object] | None = None
    says: str = ""
    same_as: str = ""
    translations: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"record {self.id!r}: verdict must be one of {VERDICTS}, got {self.verdict!r}")
        corrections = [self.correction]
        corrections += [v for k, v in self.translations.items() if k.startswith("correction")]
        if any(_PLACEHOLDER.search(c) for c in corrections) and self.recompute is None:
            raise ValueError(f"record {self.id!r}: correction has a placeholder but no recompute function")
        if any("\n\n" in c.strip() for c in corrections):
            raise ValueError(f"record {self.id!r}: the correction must be one paragraph (it is a table cell)")

    @property
    def numeric(self) -> bool:
        """Whether the record has a recomputation."""
        return self.recompute is not None

    def value(self) -> object:
        """The recomputed correct value (``ValueError`` for a non-numeric record)."""
        if self.recompute is None:
            raise ValueError(f"record {self.id!r} is not numeric")
        return self.recompute()

    def translated(self, name: str, lang: str = "") -> str:
        """Field ``"says"`` or ``"correction"`` in language ``lang`` (e.g. ``"zh"``), else in English."""
        if name not in ("says", "correction"):
            raise ValueError(f"only 'says' and 'correction' are translated, got {name!r}")
        return self.translations.get(f"{name}_{lang}", "") or getattr(self, name)

    def correction_text(self, lang: str = "") -> str:
        """The correction (MyST Markdown, one line) with each placeholder filled with its recomputed value;
        in language ``lang`` where the record has a translation."""
        text = " ".join(self.translated("correction", lang).split())
        if self.recompute is None:
            return text
        value = self.value()
        values = value if isinstance(value, dict) else {"value": value}
        for key, v in values.items():
            if "{{" + key + "}}" not in text:
                raise ValueError(f"record {self.id!r}: correction does not show the value {key!r}")
            text = text.replace("{{" + key + "}}", format_value(v))
        if _PLACEHOLDER.search(text):
            raise ValueError(f"record {self.id!r}: placeholder left unfilled in {text!r}")
        return text


def _listing_data():
    from fbnn.datasets import article_listing_data

    return article_listing_data(0)


def _keras_uniform_loss() -> float:
    _, y = _listing_data()
    return cs.keras_categorical_crossentropy(y, np.full(y.shape, 0.1))


def _keras_best_loss() -> float:
    _, y = _listing_data()
    return cs.best_possible_keras_loss(y)


def _printed_product_elementwise() -> np.ndarray:
    return cs.PRINTED_DL_DA2 * cs.PRINTED_DA2_DZ2


RECOMPUTE: dict[str, Callable[[], object]] = {
    "4.3-sizes": lambda: {
        "text": cs.dense_param_count([100, 50, 10]),
        "listing": cs.dense_param_count([100, 100, 50, 10]),
    },
    "4.4-data": lambda: float(cs.A3.sum()),
    "4.4-sign": cs.article_reading_loss,
    "4.4-log-0.8": lambda: math.log(0.8),
    "4.4-log-0.1": lambda: math.log(0.1),
    "4.4-log-0.3": lambda: math.log(0.3),
    "4.4-term-1": lambda: 0.2 * cs.PRINTED_LOGS[0],
    "4.4-term-2": lambda: {
        "product": 0.2 * cs.PRINTED_LOGS[1],
        "rounded": round(0.2 * cs.PRINTED_LOGS[1], 5),
        "value": 0.2 * math.log(0.1),
    },
    "4.4-term-3": lambda: {"product": 0.2 * cs.PRINTED_LOGS[2], "value": 0.2 * math.log(0.3)},
    "4.4-loss": lambda: {"reading": cs.article_reading_loss(), "value": cs.full_bce()},
    "4.4-sigmoid-derivative": cs.sigmoid_derivative,
    "4.4-product": lambda: {
        "value": _printed_product_elementwise(),
        "dot": float(cs.PRINTED_DL_DA2 @ cs.PRINTED_DA2_DZ2),
    },
    "4.4-delta": cs.output_delta,
    "4.4-update-W": lambda: cs.grad_W3()[0],
    "4.4-update-b": lambda: cs.gradient_step()["loss_new"],
    "5.2-input-layer": lambda: cs.dense_param_count([100, 100, 50, 10]),
    "5.2-labels": lambda: float(_listing_data()[1].sum(axis=1).mean()),
    "5.2-fit": lambda: 10 * cs.keras_steps_per_epoch(100, 10),
    "5.4-progress": lambda: cs.keras_steps_per_epoch(100, 10),
    "5.4-loss": lambda: {"value": _keras_uniform_loss(), "floor": _keras_best_loss(), "ln10": math.log(10)},
    "5.4-timing": lambda: cs.keras_steps_per_epoch(100, 10) * 0.009,
    "5.4-accuracy": lambda: {
        "high": float(cs.first_argmax_probabilities()[0]),
        "low": float(cs.first_argmax_probabilities()[-1]),
    },
}
"""The recompute function of every numeric record, keyed by record id."""


def load_records(
    path: Path | str = DATA_PATH, recompute: dict[str, Callable[[], object]] | None = None
) -> tuple[Record, ...]:
    """Read the records of a TOML errata file, in file order, and attach their recompute functions.

    Raises ``ValueError`` naming the record for an unknown or missing key, a duplicate id, a ``same_as`` that
    names no earlier record, or a recompute function whose id has no record.
    """
    recompute = RECOMPUTE if recompute is None else recompute
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))  # a repeated table is a TOMLDecodeError
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc}); a repeated record id is an error too") from exc
    records: list[Record] = []
    for rid, fields in data.items():
        if not isinstance(fields, dict):
            raise ValueError(f"{path}: {rid!r} must be a table of fields, got {type(fields).__name__}")
        unknown = [k for k in fields if k not in _FIELDS and not _TRANSLATED.match(k)]
        if unknown:
            raise ValueError(f"record {rid!r}: unknown fields {unknown}; expected some of {_FIELDS}")
        missing = [k for k in _REQUIRED if not fields.get(k)]
        if missing:
            raise ValueError(f"record {rid!r}: missing fields {missing}")
        same_as = fields.get("same_as", "")
        if same_as and same_as not in {r.id for r in records}:
            raise ValueError(f"record {rid!r}: same_as {same_as!r} names no earlier record")
        records.append(
            Record(
                rid,
                fields["section"],
                fields["quote"],
                fields["verdict"],
                fields["correction"].strip(),
                fields["chapter"],
                printed=fields.get("printed", ""),
                recompute=recompute.get(rid),
                says=fields.get("says", ""),
                same_as=same_as,
                translations={k: v for k, v in fields.items() if _TRANSLATED.match(k)},
            )
        )
    orphans = sorted(set(recompute) - {r.id for r in records})
    if orphans:
        raise ValueError(f"recompute functions for ids with no record: {orphans}")
    return tuple(records)


RECORDS: tuple[Record, ...] = load_records()
"""Every claim of the article, in the article's order."""


def get(record_id: str) -> Record:
    """The record with this id (``KeyError`` listing close ids otherwise)."""
    for r in RECORDS:
        if r.id == record_id:
            return r
    near = [r.id for r in RECORDS if record_id.split("-")[0] in r.id]
    raise KeyError(f"no errata record {record_id!r}; ids with the same prefix: {near}")


def by_chapter(stem: str) -> list[Record]:
    """Records treated in the chapter with file stem ``stem``."""
    return [r for r in RECORDS if r.chapter == stem]


def verdict_counts() -> dict[str, int]:
    """How many records have each verdict (every verdict listed, zero included)."""
    c = Counter(r.verdict for r in RECORDS)
    return {v: c.get(v, 0) for v in VERDICTS}


def label(record: Record | str) -> str:
    """The cross-reference label of a record's box in the book, e.g. ``erratum-4.4-log-0.1``."""
    return "erratum-" + (record.id if isinstance(record, Record) else record)


_ROLE = re.compile(r"\{(\w+)(?::\w+)?\}`([^`]*)`")
_ROLE_FULL = re.compile(r"\{(\w+(?::\w+)?)\}`([^`]*)`")  # the role with its variant: {cite:t}


def plain(text: str) -> str:
    """MyST Markdown of a record as plain text: roles become their text, math and emphasis marks go."""

    def role(m: re.Match) -> str:
        name, body = m.group(1), m.group(2)
        if name == "cite":
            return "[" + body + "]"
        shown = re.match(r"(.*?)\s*<([^>]+)>$", body)
        return shown.group(1) if shown else body.replace("_", " ")

    text = _ROLE.sub(role, text)
    return re.sub(r"\*\*|\*|\$|`", "", text)


def _quoted(r: Record, lang: str = "") -> str:
    said = f"“{r.quote}”"
    if r.printed and r.printed not in r.quote:
        said += _words(lang)["printed"].format(printed=r.printed)
    return said


def box_title(records: Iterable[Record], lang: str = "") -> str:
    """The title of a box that shows ``records``: "What the article says / What is right (§4.4)", in language
    ``lang`` (e.g. ``"zh"``) where the book has its words (English otherwise)."""
    sections: list[str] = []
    for r in records:
        name = _section(r.section, lang)
        if name not in sections:
            sections.append(name)
    words = _words(lang)
    return words["title"] + words["title_sections"].format(words["sep"].join(sections))


def render_box(record: Record, lang: str = "") -> str:
    """The body of a record's box in the book, as MyST Markdown: the article's words and what is right
    (in language ``lang``, e.g. ``"zh"``: its fixed words, and the record's translated fields if it has
    them)."""
    words = _words(lang)
    said = words["says"].format(section=_section_in_text(record.section, lang), quote=_quoted(record, lang))
    says = record.translated("says", lang)
    if says:
        said += words["meaning"].format(says=" ".join(says.split()))
    verdict = words["verdict"].format(verdict=_verdict(record.verdict, lang))
    return f"{said}\n\n{verdict}{record.correction_text(lang)}\n"


def _cell(text: str) -> str:
    # Pipes would end a table cell; line breaks would end the row.
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(
    records: Iterable[Record] | None = None,
    *,
    links: bool = True,
    lang: str = "",
    titles: dict[str, str] | None = None,
) -> str:
    """The errata as a MyST Markdown table: section, the article's words, verdict, correction and where the
    book treats it.

    Four columns, so that the table fits the page. With ``links=True`` (for the book) the correction ends with
    a ``{ref}`` link to the record's box in its chapter, shown as ``titles[chapter]`` (the chapter's stem with
    spaces if ``titles`` lacks it); with ``links=False`` (for a terminal) the text is plain and names the
    chapter's stem. ``lang`` (e.g. ``"zh"``) prints the fixed words and the records' translations in that
    language.
    """
    rows = RECORDS if records is None else tuple(records)
    titles = titles or {}
    words = _words(lang)
    lines = [words["header"], "|---|---|---|---|"]
    for r in rows:
        if links:
            shown = titles.get(r.chapter) or r.chapter.replace("_", " ")
            see = words["see"].format(link=f"{{ref}}`{shown} <{label(r)}>`")
            right = f"{r.correction_text(lang)}{see}"
        else:
            right = f"{plain(r.correction_text(lang))}{words['see'].format(link=r.chapter)}"
        section, verdict = _section(r.section, lang), _verdict(r.verdict, lang)
        lines.append(f"| {_cell(section)} | {_cell(_quoted(r, lang))} | **{verdict}** | {_cell(right)} |")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ translations, kept in step


def source_sha(record: Record) -> str:
    """The hash a translation of ``record`` records (its ``<lang>_of`` field): the first 12 hex digits of the
    SHA-256 of the English ``says`` and ``correction``, each with its whitespace collapsed (re-wrapping a line
    changes nothing; changing a word makes every translation of the record stale)."""
    text = " ".join(record.says.split()) + "\n" + " ".join(record.correction.split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


_CODE = re.compile(r"`[^`]+`")
_MATH = re.compile(r"\$[^$]+\$")


def _carried(text: str) -> Counter:
    """What a translation must carry over unchanged: placeholders, role targets (each citation key on its
    own), formulas and code spans."""
    found: Counter = Counter("{{" + name + "}}" for name in _PLACEHOLDER.findall(text))
    for m in _ROLE_FULL.finditer(text):
        role, body = m.group(1), m.group(2)
        target = re.match(r"(?:.*?)\s*<([^>]+)>$", body)
        body = target.group(1) if target and role != "cite" else body
        keys = body.split(",") if role.startswith("cite") else [body]
        found.update(f"{{{role}}}{k.strip()}" for k in keys)
    # A formula or a code span may be said once in Chinese where English says it twice: each counts once.
    rest = _ROLE_FULL.sub(" ", text)
    found.update(set(_MATH.findall(rest)))
    found.update(set(_CODE.findall(_MATH.sub(" ", rest))))
    return found


def translation_problems(record: Record, lang: str = "zh") -> list[str]:
    """What is wrong with the ``lang`` translation of ``record`` (an empty list if nothing): a missing field,
    a stale translation (the English changed after it was made: ``<lang>_of`` is not :func:`source_sha`), or a
    placeholder, role target, citation key, formula or code span that the translation drops or adds. Each
    problem names the record."""
    t = record.translations
    wanted = [name for name in ("says", "correction") if getattr(record, name)]
    problems = [f"record {record.id!r}: no {name}_{lang}" for name in wanted if not t.get(f"{name}_{lang}")]
    problems += [
        f"record {record.id!r}: {k} but no English {k.split('_')[0]}"
        for k in (f"says_{lang}", f"correction_{lang}")
        if t.get(k) and not getattr(record, k.split("_")[0])
    ]
    if not t.get(f"{lang}_of"):
        problems.append(f"record {record.id!r}: no {lang}_of (the hash of the English it translates)")
    elif t[f"{lang}_of"] != source_sha(record):
        problems.append(
            f"record {record.id!r}: stale translation: its English changed since it was translated "
            f"({lang}_of = {t[f'{lang}_of']!r}, the English now hashes to {source_sha(record)!r}); "
            f"re-translate says_{lang}/correction_{lang} and update {lang}_of"
        )
    for name in wanted:
        translated = t.get(f"{name}_{lang}", "")
        if not translated:
            continue
        english, other = _carried(getattr(record, name)), _carried(translated)
        dropped, added = sorted((english - other).elements()), sorted((other - english).elements())
        if dropped or added:
            problems.append(f"record {record.id!r}: {name}_{lang} drops {dropped} and adds {added}")
    return problems
