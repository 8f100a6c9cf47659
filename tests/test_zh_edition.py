"""The Chinese edition (``book/zh/``) is the English book in Chinese: same code and outputs, current prose.

``tools/zh_edition.py`` builds each Chinese notebook from its English notebook and records, for each
translated Markdown cell (or block of a Markdown page), the hash of the English text it translates. These
tests check the real edition, and check on copies of it that each way of falling behind is caught and named.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bookfiles import ROOT, toc_files
from hypothesis import given
from hypothesis import strategies as st

from tools import zh_edition as zh

EN_PAGES = zh.english_pages()
NOTEBOOKS = [p for p in EN_PAGES if p.suffix == ".ipynb"]


def chinese(page: Path) -> Path:
    return zh.chinese_path(page)


# --- The real edition ---------------------------------------------------------------------------------------


def test_every_english_page_has_its_chinese_page():
    missing = [str(p.relative_to(ROOT)) for p in EN_PAGES if not chinese(p).is_file()]
    assert not missing, f"English pages without a Chinese page: {missing} (python tools/zh_edition.py sync)"


def test_the_chinese_toc_lists_the_english_pages_in_order():
    assert zh.toc_problems() == []
    en = [f.removeprefix("book/") for f in toc_files()]
    zh_toc = yaml.safe_load((ROOT / "book" / "zh" / "_toc.yml").read_text(encoding="utf-8"))
    zh_files = [zh_toc["root"]] + [c["file"] for part in zh_toc["parts"] for c in part["chapters"]]
    assert zh_files == en


@pytest.mark.parametrize("page", NOTEBOOKS, ids=lambda p: p.stem)
def test_code_cells_and_outputs_are_the_english_ones(page: Path):
    """Independently of the tool: every non-Markdown cell, outputs included, equals the English cell."""
    en = json.loads(page.read_text(encoding="utf-8"))
    cn = json.loads(chinese(page).read_text(encoding="utf-8"))
    ids = [c.get("id") for c in en["cells"]]
    assert [c.get("id") for c in cn["cells"]] == ids, "cell ids or order differ"
    for n, (e, c) in enumerate(zip(en["cells"], cn["cells"], strict=True), start=1):
        if e["cell_type"] == "markdown":
            assert c["cell_type"] == "markdown", f"cell {n} is {c['cell_type']} in Chinese"
        else:
            assert c == e, f"{page.stem}, cell {n} (id {e.get('id')}): code or outputs differ from English"
    assert cn["metadata"] == en["metadata"]


def glue_keys_stored(nb: dict) -> set[str]:
    return {
        out["metadata"]["scrapbook"]["name"]
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        if out.get("metadata", {}).get("scrapbook", {}).get("name")
    }


@pytest.mark.parametrize("page", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_glue_key_of_the_chinese_prose_exists(page: Path):
    cn = json.loads(chinese(page).read_text(encoding="utf-8"))
    stored = glue_keys_stored(cn)
    prose = [zh.source(c) for c in cn["cells"] if c["cell_type"] == "markdown"]
    used = {k.split(":")[0] for text in prose for k in zh.GLUE.findall(text) + zh.GLUE_FIGURE.findall(text)}
    assert used, f"{page.stem}: no glue found, the scan is broken"
    missing = sorted(used - stored)
    assert not missing, f"{page.stem}: the Chinese prose glues keys no cell stores: {missing}"


def test_no_chinese_cell_is_stale_or_out_of_step():
    """Untranslated cells are counted by the next test; everything else must hold at every commit."""
    found = [p for p in zh.problems() if not p.endswith(": untranslated")]
    assert not found, "the Chinese edition is out of step:\n" + "\n".join(found[:40])


def test_every_cell_is_translated():
    found = [p for p in zh.problems() if p.endswith(": untranslated")]
    assert not found, f"{len(found)} cells or blocks are not translated yet:\n" + "\n".join(found[:40])


def test_the_chinese_config_is_the_english_one_with_its_own_paths():
    """Every setting of the English _config.yml reaches the Chinese edition, but those that must differ."""
    en = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    cn = yaml.safe_load((ROOT / "book" / "zh" / "_config.yml").read_text(encoding="utf-8"))
    own = {"title", "author", "exclude_patterns", "bibtex_bibfiles"}
    for key in set(en) | set(cn):
        if key in own or key in {"html", "sphinx", "latex"}:
            continue
        assert en.get(key) == cn.get(key), f"_config.yml's {key} differs in book/zh/_config.yml"
    assert cn["bibtex_bibfiles"] == ["../" + Path(f).name for f in en["bibtex_bibfiles"]]
    assert {k: v for k, v in en["html"].items() if k != "extra_footer"} == {
        k: v for k, v in cn["html"].items() if k != "extra_footer"
    }
    assert cn["sphinx"]["local_extensions"] == {k: "../_ext" for k in en["sphinx"]["local_extensions"]}
    assert cn["sphinx"]["extra_extensions"] == en["sphinx"]["extra_extensions"]
    en_conf, cn_conf = dict(en["sphinx"]["config"]), dict(cn["sphinx"]["config"])
    assert cn_conf.pop("language") == "zh_CN"
    for key in ("fbnn_edition", "html_static_path", "latex_elements"):
        en_conf.pop(key), cn_conf.pop(key)
    assert en_conf == cn_conf, "sphinx.config differs between the editions beyond paths and language"
    assert cn["latex"]["latex_documents"]["targetname"] == "feedback-neural-networks-zh.tex"


# --- The tool, on copies of the real edition ----------------------------------------------------------------


@pytest.fixture
def copy_root(tmp_path: Path) -> Path:
    """A copy of the book's pages, both editions, with the English toc: enough for ``zh_edition.problems``."""
    (tmp_path / "book" / "zh").mkdir(parents=True)
    shutil.copy(ROOT / "_toc.yml", tmp_path / "_toc.yml")
    for page in EN_PAGES:
        shutil.copy(page, tmp_path / "book" / page.name)
    for path in (ROOT / "book" / "zh").iterdir():
        if path.is_file():
            shutil.copy(path, tmp_path / "book" / "zh" / path.name)
    return tmp_path


def translate_all(root: Path) -> None:
    """Mark every cell and block of the copy as translated (a Chinese text that keeps what must be kept)."""
    for page in zh.english_pages(root):
        target = zh.chinese_path(page, root / "book", root / "book" / "zh")
        if page.suffix == ".ipynb":
            nb = zh.load_nb(target)
            en = zh.load_nb(page)
            for e, c in zip(en["cells"], nb["cells"], strict=True):
                if c["cell_type"] == "markdown" and not c["metadata"].get(zh.META, {}).get("en_sha"):
                    c["source"] = zh.source(e) + "\n\n译文。"
                    c["metadata"][zh.META] = {"en_sha": zh.sha(zh.source(e))}
            target.write_text(zh.dump_nb(nb), encoding="utf-8")
        else:
            blocks = zh.parse_zh_md(target.read_text(encoding="utf-8"))
            for b, e in zip(blocks, zh.md_blocks(page.read_text(encoding="utf-8")), strict=True):
                if not b.en_sha:
                    b.en_sha, b.text = zh.sha(e), e + "\n\n译文。\n"
            target.write_text(zh.render_zh_md(blocks), encoding="utf-8")


def markdown_cell(nb: dict, nth: int = 0) -> tuple[int, dict]:
    """The ``nth`` Markdown cell with a paragraph of prose, and its 1-based position."""
    cells = [
        (n, c) for n, c in enumerate(nb["cells"], start=1)
        if c["cell_type"] == "markdown" and len(zh.source(c)) > 200
    ]
    return cells[nth]


def test_the_copy_is_clean_once_translated(copy_root: Path):
    translate_all(copy_root)
    assert zh.problems(root=copy_root) == []


def test_an_english_paragraph_changed_after_translation_names_chapter_and_cell(copy_root: Path):
    translate_all(copy_root)
    page = copy_root / "book" / "backprop_derivation.ipynb"
    nb = zh.load_nb(page)
    n, cell = markdown_cell(nb, 1)
    cell["source"] = zh.source(cell).replace(". ", ". Indeed, ", 1)
    page.write_text(json.dumps(nb), encoding="utf-8")
    found = zh.problems(root=copy_root)
    assert found == [
        f"chapter backprop_derivation, cell {n} (id {cell['id']}): stale, the English cell changed after it "
        "was translated; translate it again"
    ]


def test_an_english_block_of_a_markdown_page_changed_after_translation_is_named(copy_root: Path):
    translate_all(copy_root)
    page = copy_root / "book" / "notation.md"
    blocks = zh.md_blocks(page.read_text(encoding="utf-8"))
    blocks[2] = blocks[2].replace("\n\n", "\n\nA new sentence.\n\n", 1)
    page.write_text("".join(blocks), encoding="utf-8")
    found = zh.problems(root=copy_root)
    assert len(found) == 1, found
    assert found[0].startswith("chapter notation, block 3 (") and "stale" in found[0], found


def test_whitespace_around_an_english_cell_does_not_make_it_stale(copy_root: Path):
    translate_all(copy_root)
    page = copy_root / "book" / "model.ipynb"
    nb = zh.load_nb(page)
    _, cell = markdown_cell(nb)
    cell["source"] = zh.source(cell) + "\n\n"
    page.write_text(json.dumps(nb), encoding="utf-8")
    assert zh.problems(root=copy_root) == []


def test_a_changed_code_cell_or_output_is_caught(copy_root: Path):
    translate_all(copy_root)
    page = copy_root / "book" / "case_study.ipynb"
    nb = zh.load_nb(page)
    n, cell = next((n, c) for n, c in enumerate(nb["cells"], start=1) if c.get("outputs"))
    cell["outputs"][0].setdefault("metadata", {})["changed"] = True
    page.write_text(json.dumps(nb), encoding="utf-8")
    assert zh.problems(root=copy_root) == [
        f"chapter case_study, cell {n} (id {cell['id']}): code or outputs differ from the English notebook "
        "(run sync)"
    ]
    zh.sync([page], copy_root / "book", copy_root / "book" / "zh")
    assert zh.problems(root=copy_root) == []


def test_a_new_english_chapter_without_a_chinese_one_fails(copy_root: Path):
    translate_all(copy_root)
    shutil.copy(copy_root / "book" / "model.ipynb", copy_root / "book" / "new_chapter.ipynb")
    toc = (copy_root / "_toc.yml").read_text(encoding="utf-8")
    (copy_root / "_toc.yml").write_text(toc.replace("- file: book/model\n", "- file: book/model\n"
                                                    "      - file: book/new_chapter\n"), encoding="utf-8")
    found = zh.problems(root=copy_root)
    missing = "chapter new_chapter: no Chinese page book/zh/new_chapter.ipynb (run sync, then translate)"
    assert missing in found
    assert "book/zh/_toc.yml does not list the English pages in the same parts and order" in found


def test_a_new_english_cell_shows_up_as_untranslated_after_sync(copy_root: Path):
    translate_all(copy_root)
    page = copy_root / "book" / "setup.ipynb"
    nb = zh.load_nb(page)
    new = {"cell_type": "markdown", "id": "new-cell", "metadata": {}, "source": "A new paragraph."}
    nb["cells"].insert(2, new)
    page.write_text(json.dumps(nb), encoding="utf-8")
    assert zh.problems(root=copy_root) == [
        f"chapter setup: {len(nb['cells']) - 1} cells, the English has {len(nb['cells'])} (run sync)"
    ]
    zh.sync([page], copy_root / "book", copy_root / "book" / "zh")
    assert zh.problems(root=copy_root) == ["chapter setup, cell 3 (id new-cell): untranslated"]


@pytest.mark.parametrize(
    ("english", "chinese", "kind"),
    [
        ("It is {glue:text}`acc:.1f` %.", "准确率为 % 。", "glue keys"),
        ("It has {glue:}`n_params` parameters.", "它有若干参数。", "glue keys"),
        ("As {cite}`hopfield1982` showed.", "如 {cite}`rumelhart1986` 所示。", "citations"),
        ("(sec-x)=\n## Title", "## 标题", "labels"),
        ("```{glue:figure} fig_a\n:name: f\n```", "```{glue:figure} fig_b\n:name: f\n```", "glue keys"),
        ("```{erratum} 4.4-sizes\n```", "```{erratum} 4.4-data\n```", "errata"),
    ],
)
def test_a_translation_that_drops_what_the_build_needs_is_caught(english: str, chinese: str, kind: str):
    found = zh.compare_carried(english, chinese, "chapter x, cell 1")
    assert len(found) == 1 and found[0].startswith(f"chapter x, cell 1: {kind} differ"), found
    assert zh.compare_carried(english, english, "chapter x, cell 1") == []


# --- Export, import and the blocks of a Markdown page -------------------------------------------------------


@pytest.mark.parametrize("page", [p for p in EN_PAGES if p.suffix == ".md"], ids=lambda p: p.stem)
def test_markdown_pages_cut_into_blocks_at_headings_losslessly(page: Path):
    text = page.read_text(encoding="utf-8")
    blocks = zh.md_blocks(text)
    assert "".join(blocks) == text
    assert blocks[0].startswith(f"({page.stem})=\n# ")
    for block in blocks[1:]:
        first = next(line for line in block.splitlines() if not zh.LABEL.match(line))
        assert zh.HEADING.match(first), f"{page.stem}: a block starts with {first[:40]!r}"


@given(st.lists(st.sampled_from(["text\n", "\n", "# H\n", "## H2\n", "(lab)=\n", "```\n", "# in fence?\n",
                                 ":::{note}\n", ":::\n", "$$\n"]), max_size=30))
def test_blocks_join_back_to_any_text(lines: list[str]):
    text = "".join(lines)
    assert "".join(zh.md_blocks(text)) == text


def test_a_heading_inside_a_code_fence_does_not_cut_the_page():
    text = "(p)=\n# Title\n\n```python\n# a comment, not a heading\n```\n\n## Next\nbody\n"
    assert zh.md_blocks(text) == ["(p)=\n# Title\n\n```python\n# a comment, not a heading\n```\n\n",
                                  "## Next\nbody\n"]


def test_export_then_import_records_the_exported_hash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path
    (root / "book" / "zh").mkdir(parents=True)
    shutil.copy(ROOT / "_toc.yml", root / "_toc.yml")
    for page in EN_PAGES:
        shutil.copy(page, root / "book" / page.name)
    monkeypatch.setattr(zh, "ROOT", root)
    monkeypatch.setattr(zh, "EN", root / "book")
    monkeypatch.setattr(zh, "ZH", root / "book" / "zh")
    zh.sync()
    exported = zh.export("model")
    headers = re.findall(r"^=== cell (\S+) en-sha=([0-9a-f]{12})$", exported, re.M)
    en = zh.load_nb(root / "book" / "model.ipynb")
    assert [h[0] for h in headers] == [c["id"] for c in en["cells"] if c["cell_type"] == "markdown"]
    translated = re.sub(r"^(=== cell .*)$", r"\1\n译文：", exported, flags=re.M)
    zh.import_file("model", translated)
    assert [p for p in zh.problems(["model"], root=root) if "untranslated" in p or "stale" in p] == []
    assert zh.export("model") == "", "nothing is left to translate in model"
    # An export made before the English changed is recorded as stale once imported.
    page = root / "book" / "model.ipynb"
    n, cell = markdown_cell(en)
    cell["source"] = zh.source(cell) + " One more sentence."
    page.write_text(json.dumps(en), encoding="utf-8")
    zh.import_file("model", translated)
    found = zh.problems(["model"], root=root)
    assert any(p.startswith(f"chapter model, cell {n} ") and "stale" in p for p in found), found


def test_import_refuses_a_cell_the_chapter_does_not_have():
    with pytest.raises(ValueError, match="no Markdown cell with id 'nope'"):
        zh.import_file("model", "=== cell nope en-sha=0123456789ab\n译文\n")


def test_export_never_overwrites_a_file(tmp_path: Path, capsys: pytest.CaptureFixture):
    target = tmp_path / "mine.txt"
    target.write_text("my notes", encoding="utf-8")
    with pytest.raises(SystemExit):
        zh.main(["export", "model", "-o", str(target)])
    assert target.read_text(encoding="utf-8") == "my notes"
    assert "exists" in capsys.readouterr().err


def test_check_names_an_unknown_chapter(capsys: pytest.CaptureFixture):
    with pytest.raises(SystemExit):
        zh.main(["check", "no_such_chapter"])
    assert "unknown chapter(s) ['no_such_chapter']" in capsys.readouterr().err


# --- Chinese prose in the browser ---------------------------------------------------------------------------


def _cjk_lines():
    import importlib.util

    spec = importlib.util.spec_from_file_location("cjk_lines", ROOT / "book" / "_ext" / "cjk_lines.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        ("反向传播\n算法", "反向传播算法"),
        ("误差，\n  然后", "误差，然后"),
        ("用 NumPy\n计算", "用 NumPy\n计算"),  # a Latin word before the break keeps its space
        ("the loss\nfunction", "the loss\nfunction"),
        ("梯度\n（见上）", "梯度（见上）"),
        ("第一段。\n\n第二段", "第一段。\n\n第二段"),
    ],
)
def test_line_breaks_between_chinese_characters_are_dropped(text: str, joined: str):
    assert _cjk_lines().join_cjk_lines(text) == joined


def _paragraph(*parts):
    from docutils import nodes

    para = nodes.paragraph()
    for part in parts:
        para += nodes.Text(part) if isinstance(part, str) else part
    return para


def test_spaces_between_chinese_and_a_chinese_link_are_dropped_but_not_around_latin_or_code():
    from docutils import nodes

    tighten = _cjk_lines().tighten
    para = _paragraph("见 ", nodes.reference("", "记号"), " 一页；用 ", nodes.literal("", "fbnn"), " 计算 ",
                      nodes.reference("", "NumPy"), " 的数组。")
    tighten(para)
    assert para.astext() == "见记号一页；用 fbnn 计算 NumPy 的数组。"
    code = nodes.literal_block("", "x = 1  # 注释\n说明")
    tighten(code)
    assert code.astext() == "x = 1  # 注释\n说明"
