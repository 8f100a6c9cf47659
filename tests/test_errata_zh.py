"""The errata registry in Chinese: every translated record is current (its ``zh_of`` is the hash of the
English it translates) and carries over every placeholder, role target, citation, formula and code span; the
boxes and the table print their fixed words in Chinese when the language is zh, and in English exactly as
before otherwise.

The fixtures change a copy of the registry (an English correction, a Chinese citation, ...) and check that the
record is named.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from fbnn import errata

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# Fixed English words of a box or the table; none may be left in a Chinese one.
ENGLISH_WORDS = re.compile(
    r"the article says|Verdict|What is right|printed:| See |correct|wrong|unsupported|unverif"
)


def translated() -> list[errata.Record]:
    """The records that have a Chinese translation."""
    return [r for r in errata.RECORDS if any(k.endswith("zh") or k == "zh_of" for k in r.translations)]


def test_every_record_is_translated():
    # With the check below, this fails for a new record, or one whose Chinese was removed, naming it.
    missing = [r.id for r in errata.RECORDS if r not in translated()]
    assert not missing, f"records with no Chinese (add says_zh, correction_zh and zh_of): {missing}"


def test_translated_records_are_current_and_carry_over_targets():
    problems = [p for r in translated() for p in errata.translation_problems(r, "zh")]
    assert not problems, "\n".join(problems)


def test_chinese_fields_are_written_in_chinese_on_one_line():
    for r in translated():
        for key in ("says_zh", "correction_zh"):
            text = r.translations.get(key, "")
            if not text:
                continue
            # Chinese words, or at least Chinese punctuation ("$\ln 0.8 =$ {{value}}。").
            assert re.search(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", text), (r.id, key, "no Chinese")
            # A line break would render as a space between two Chinese characters.
            assert "\n" not in text.strip(), (r.id, key, "line break")
            # Chinese sentences take full-width punctuation: no ASCII ,;:?!() beside a Chinese character.
            bad = re.findall(r"[\u4e00-\u9fff][,;:?!()]|[,;:?!()][\u4e00-\u9fff]", errata.plain(text))
            assert not bad, (r.id, key, bad)


def _copy(tmp_path: Path, edit) -> tuple[errata.Record, ...]:
    text = errata.DATA_PATH.read_text(encoding="utf-8")
    changed = edit(text)
    assert changed != text, "the fixture's edit changed nothing"
    path = tmp_path / "errata.toml"
    path.write_text(changed, encoding="utf-8")
    return errata.load_records(path)


def _problems(records) -> dict[str, list[str]]:
    ids = {r.id for r in translated()}
    found = {r.id: errata.translation_problems(r, "zh") for r in records if r.id in ids}
    return {rid: p for rid, p in found.items() if p}


def _sample() -> errata.Record:
    """A translated record with citations, a {doc} link and a Chinese says (the fixtures edit it)."""
    return errata.get("3.3-tuning")


def test_a_changed_english_correction_makes_its_record_stale(tmp_path):
    r = _sample()
    assert "zh_of" in r.translations
    records = _copy(tmp_path, lambda t: t.replace("two hidden units", "three hidden units", 1))
    problems = _problems(records)
    assert list(problems) == [r.id], problems
    assert "stale" in problems[r.id][0] and repr(r.id) in problems[r.id][0]


def test_a_changed_english_says_makes_its_record_stale_but_rewrapping_does_not(tmp_path):
    r = _sample()
    shorter = 'says = "A drawback: careful design."'
    records = _copy(tmp_path, lambda t: t.replace(f'says = "{r.says}"', shorter))
    assert list(_problems(records)) == [r.id]
    first = r.correction.split()[0]
    start = f"correction = '''{first}"
    rewrapped = _copy(tmp_path, lambda t: t.replace(start + " ", start + "\n", 1))
    assert not _problems(rewrapped)


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("{cite}`bengio1994,pascanu2013`", "{cite}`bengio1994`", "pascanu2013"),  # a citation key dropped
        ("{cite}`bengio1994,pascanu2013`", "{cite}`bengio1994,pascanu2013,hochreiter1997`", "hochreiter1997"),
        ("{doc}`training_algorithm`", "{doc}`training`", "{doc}training"),  # a link to another page
        ("{doc}`training_algorithm`", "XOR", "{doc}training_algorithm"),  # a link dropped
    ],
)
def test_a_chinese_correction_that_drops_or_adds_a_target_is_named(tmp_path, old, new, what):
    r = _sample()
    zh = r.translations["correction_zh"]
    assert old in zh
    records = _copy(tmp_path, lambda t: t.replace(zh, zh.replace(old, new, 1)))
    problems = _problems(records)
    assert list(problems) == [r.id], problems
    assert what in problems[r.id][0] and "correction_zh" in problems[r.id][0]


def test_a_chinese_correction_that_drops_a_placeholder_or_a_formula_is_named(tmp_path):
    r = errata.get("4.3-sizes")
    zh = r.translations["correction_zh"]
    records = _copy(tmp_path, lambda t: t.replace(zh, zh.replace("{{listing}}", "15660")))
    assert "{{listing}}" in _problems(records)[r.id][0]
    m = errata.get("4.2-bias")
    zh = m.translations["correction_zh"]
    records = _copy(tmp_path, lambda t: t.replace(zh, zh.replace("$\\partial z/\\partial b = I$", "$I$")))
    assert "$I$" in _problems(records)[m.id][0]


def test_a_record_without_its_chinese_fields_is_named(tmp_path):
    r = _sample()
    line = "says_zh = '''" + r.translations["says_zh"] + "'''\n"
    records = _copy(tmp_path, lambda t: t.replace(line, "", 1))
    assert _problems(records)[r.id] == [f"record {r.id!r}: no says_zh"]
    records = _copy(tmp_path, lambda t: t.replace(f'zh_of = "{r.translations["zh_of"]}"\n', "", 1))
    assert "no zh_of" in _problems(records)[r.id][0]


def test_source_sha_is_of_the_english_says_and_correction():
    import hashlib

    r = _sample()
    text = " ".join(r.says.split()) + "\n" + " ".join(r.correction.split())
    assert errata.source_sha(r) == hashlib.sha256(text.encode()).hexdigest()[:12]
    more = r.correction + " More."
    other = errata.Record(r.id, r.section, r.quote, r.verdict, more, r.chapter, says=r.says)
    assert errata.source_sha(other) != errata.source_sha(r)


# ------------------------------------------------------------------ rendering


def test_verdict_names_are_chinese_distinct_and_cover_every_verdict():
    names = errata.VERDICT_NAMES["zh"]
    assert set(names) == set(errata.VERDICTS)
    assert len(set(names.values())) == len(names) and all(CJK.search(v) for v in names.values())


def test_chinese_boxes_print_no_fixed_english_word():
    for r in translated():
        box = errata.render_box(r, "zh")
        said, verdict = box.split("\n\n")
        assert said.startswith(f"**原文{errata._section_in_text(r.section, 'zh')}说**“{r.quote}”"), said
        assert verdict.startswith(f"**结论：{errata.VERDICT_NAMES['zh'][r.verdict]}**。")
        assert r.correction_text("zh") in verdict and "{{" not in box
        # The quote and the article's printed numbers may hold Latin words; the rest is the box's own text.
        assert not ENGLISH_WORDS.search(box.replace(r.quote, "").replace(r.printed, "")), (r.id, box)
        if r.says:
            assert said.endswith("：" + r.translations["says_zh"])


def test_box_titles_in_both_languages():
    records = [errata.get("4.4-loss"), errata.get("4.4-sign"), errata.get("intro-scope")]
    assert errata.box_title(records) == "What the article says / What is right (§4.4, opening)"
    assert errata.box_title(records, "zh") == "原文说 / 正确的说法（§4.4、开篇）"
    assert errata.box_title(records, "fr") == errata.box_title(records)


def test_english_boxes_and_table_do_not_depend_on_the_translations():
    # A record stripped of its translations renders the same English box and row: the Chinese reaches no page
    # of the English book.
    for r in translated():
        bare = errata.Record(
            r.id, r.section, r.quote, r.verdict, r.correction, r.chapter, printed=r.printed,
            recompute=r.recompute, says=r.says, same_as=r.same_as,
        )
        assert errata.render_box(bare) == errata.render_box(r) == errata.render_box(r, "en")
        assert errata.render_table([bare]) == errata.render_table([r])


def test_chinese_table():
    rows = translated()
    table = errata.render_table(rows, lang="zh", titles={"case_study": "案例研究（原文 §4.4）"})
    lines = table.splitlines()
    assert lines[0] == "| § | 原文说 | 结论 | 正确的说法 |" and len(lines) == len(rows) + 2
    for line, r in zip(lines[2:], rows, strict=True):
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        assert len(cells) == 4, line
        assert cells[0].strip() == errata._section(r.section, "zh")
        assert cells[2].strip() == f"**{errata.VERDICT_NAMES['zh'][r.verdict]}**"
        shown = "案例研究（原文 §4.4）" if r.chapter == "case_study" else r.chapter.replace("_", " ")
        assert cells[3].endswith(f"详见{{ref}}`{shown} <{errata.label(r)}>`。 ")
        assert not ENGLISH_WORDS.search(cells[2] + cells[3].replace(r.chapter.replace("_", " "), ""))
    plain = errata.render_table(rows, links=False, lang="zh")
    assert "{ref}" not in plain and "{cite}" not in plain and "详见" in plain


# ------------------------------------------------------------------ the directive's side


@pytest.fixture(scope="module")
def directive():
    pytest.importorskip("sphinx")
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import errata_directive
    finally:
        sys.path.remove(str(ROOT / "book" / "_ext"))
    return errata_directive


def test_the_directive_maps_sphinx_languages(directive):
    class Env:
        class config:
            language = "zh_CN"

    assert directive._lang(Env) == "zh"
    Env.config.language = "en"
    assert directive._lang(Env) == ""
    Env.config.language = None
    assert directive._lang(Env) == ""


def test_page_titles_for_the_chinese_table(directive, tmp_path):
    import json

    nb = {"cells": [{"cell_type": "code", "source": "# not a title"},
                    {"cell_type": "markdown", "source": ["(x)=\n", "# 案例研究（原文 §4.4）\n", "text"]}]}
    (tmp_path / "a.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "b.md").write_text("(b)=\n# 用 `fbnn` 计算\n", encoding="utf-8")
    assert directive._page_title(tmp_path / "a.ipynb") == "案例研究（原文 §4.4）"
    assert directive._page_title(tmp_path / "b.md") == ""  # markup cannot be link text: the stem is shown
    assert directive._page_title(tmp_path / "missing.md") == ""
