"""The book shows each verdict from the errata registry, once, in the record's own chapter; it cites only real
references; it links to no repository that does not exist. Checked on the sources (the built site is checked
in test_book_site.py, and the build itself warns about a record that is not rendered where it belongs).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from bookfiles import ROOT, bib_keys, cited_keys, load, page_sources, stored_outputs_text, toc_notebooks

from fbnn import errata

ERRATUM = re.compile(r"^(`{3,}|:{3,})\{erratum\}[ \t]+(.+?)[ \t]*$", re.MULTILINE)
# What a hand-written verdict box or table looked like before the registry rendered them.
HAND_WRITTEN = [
    re.compile(r"\{admonition\}[^\n]*article says", re.IGNORECASE),
    re.compile(r"What the article says", re.IGNORECASE),
    re.compile(r"\*\*(Article|The article says)\b[^*]*\*\*"),
    re.compile(r"\|\s*Verdict\s*\|"),
    # A verdict typed into a paragraph's bold lead: **"计算复杂度高" (high cost): wrong.**
    re.compile(r"\*\*\"[^\"]+\"[^*]*:\s*(true|correct|wrong|unsupported|unverifiable|partly|misleading)\b[^*]*\*\*"),
]


def erratum_ids(text: str) -> list[str]:
    return [rid for m in ERRATUM.finditer(text) for rid in m.group(2).split()]


def test_erratum_pattern_finds_boxes():
    text = "x\n```{erratum} 4.4-loss 4.4-sign\n```\n\n:::{erratum} 1-loops\n:::\n`{erratum}` in prose\n"
    assert erratum_ids(text) == ["4.4-loss", "4.4-sign", "1-loops"]


def test_every_record_is_shown_once_in_its_own_chapter():
    where: dict[str, list[str]] = defaultdict(list)
    for stem, text in page_sources().items():
        for rid in erratum_ids(text):
            where[rid].append(stem)
    unknown = sorted(set(where) - {r.id for r in errata.RECORDS})
    assert not unknown, f"boxes name ids with no record: {unknown}"
    misplaced = {r.id: (r.chapter, where.get(r.id)) for r in errata.RECORDS if where.get(r.id) != [r.chapter]}
    assert not misplaced, f"record: (its chapter, where its box is): {misplaced}"


def test_no_hand_written_verdict_in_the_book():
    # Boxes and verdict tables come from the registry only: the directive writes their title and header.
    found = []
    for stem, text in page_sources().items():
        found += [(stem, p.pattern) for p in HAND_WRITTEN if p.search(text)]
    for nb in toc_notebooks():
        outputs = stored_outputs_text(load(nb))
        found += [(nb.stem + " (outputs)", p.pattern) for p in HAND_WRITTEN if p.search(outputs)]
    assert not found, f"hand-written verdicts (render them with {{erratum}} or {{errata-table}}): {found}"


def test_the_hand_written_patterns_catch_the_old_box():
    old = '```{admonition} What the article says / What is right\n:class: warning\n**Article, §6.1.** x\n```'
    assert all(p.search(old) for p in HAND_WRITTEN[:3])
    assert HAND_WRITTEN[3].search("| § | The article says | Verdict | What is right |")
    assert HAND_WRITTEN[4].search('**"参数调整难度大" (hard to tune): partly true.** The result')
    assert not HAND_WRITTEN[4].search('**"参数调整难度大" (hard to tune).** Partly true: the result')


def test_the_errata_page_renders_the_table_from_the_registry():
    errata_page = page_sources()["errata"]
    assert re.search(r"^(`{3,}|:{3,})\{errata-table\}", errata_page, re.MULTILINE)


def test_every_cited_key_is_in_the_bibliography_file():
    missing = sorted(cited_keys() - bib_keys())
    assert not missing, f"cited but not in book/references.bib: {missing}"


def test_the_bibliography_prints_only_cited_works():
    page = (ROOT / "book" / "bibliography.md").read_text(encoding="utf-8")
    block = re.search(r"```\{bibliography\}[^\n]*\n(.*?)```", page, re.DOTALL)
    assert block, "book/bibliography.md has no bibliography directive"
    assert ":all:" not in block.group(1) and ":filter:" not in block.group(1)


def test_no_software_version_before_it_existed():
    # A version written in a bib entry must be one that existed in the entry's year: the book gives no
    # versions in entries at all (the one that did, JAX 0.3.13 in 2018, was released in 2022).
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    assert not re.search(r"version\s+\d", bib, re.IGNORECASE)


# --- The repository address: one place, and no link until it exists -----------------------------------------


def _config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_repository_button_only_with_an_address():
    config = _config()
    url = (config.get("repository") or {}).get("url") or ""
    button = bool(config["html"].get("use_repository_button"))
    assert button == bool(url), f"use_repository_button is {button} but repository.url is {url!r}"
    assert not config["html"].get("use_edit_page_button") or url
    assert not config["html"].get("use_issues_button") or url


REPO_URL = re.compile(r"https?://(?:www\.)?(?:github|gitlab|codeberg|bitbucket)\.(?:com|org)/[\w.-]+/[\w.-]+")


def _project_text_files() -> list[Path]:
    files = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "_config.yml", ROOT / "_toc.yml"]
    files += sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "book").glob("*.ipynb"))
    files += sorted((ROOT / "fbnn").rglob("*.py"))
    return [f for f in files if f.exists()]


@pytest.mark.parametrize("path", _project_text_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_project_address_is_written_only_in_the_config(path: Path):
    url = (_config().get("repository") or {}).get("url") or ""
    text = path.read_text(encoding="utf-8")
    ours = [u for u in REPO_URL.findall(text) if re.search(r"fbnn|feedback-neural", u, re.IGNORECASE)]
    if path.name == "_config.yml":
        ours = [u for u in ours if u != url]
    assert not ours, f"{path.name} writes a repository address of the project: {ours}"
