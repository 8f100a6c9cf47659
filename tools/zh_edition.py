"""Keep the Chinese edition (``book/zh/``) in step with the English book, by construction.

The Chinese edition mirrors the English one page for page: ``book/<stem>.ipynb`` has
``book/zh/<stem>.ipynb`` and ``book/<stem>.md`` has ``book/zh/<stem>.md``. What may differ is only the
prose:

* **Notebooks.** Every code cell of a Chinese notebook, with its stored outputs, is a verbatim copy of the
  English cell (same id, so the same glue keys and the same numbers). Every Markdown cell keeps the English
  cell's id and records, in ``metadata.fbnn_zh.en_sha``, the hash of the English source it translates. A
  cell the tool has put in but nobody has translated yet carries ``metadata.fbnn_zh.untranslated``.
* **Markdown pages.** A page is cut into blocks at its headings (a heading's label line goes with it). The
  Chinese page has the same blocks in the same order, each opened by a MyST comment line ``% fbnn-zh block N
  en-sha=HASH`` (or ``% fbnn-zh block N untranslated``).

A translated cell or block is *stale* when the English source's hash is no longer the one it records: the
English text changed after the translation, so it has to be translated again. :func:`problems` lists every
stale, untranslated or otherwise out-of-step place, naming the chapter and the cell; the tests fail on any
of them.

Usage::

    python tools/zh_edition.py sync                   # copy code and outputs over, add placeholders
    python tools/zh_edition.py check [STEM ...]       # list what is stale, untranslated or out of step
    python tools/zh_edition.py export STEM [-o FILE] [--all]   # the cells to translate, in one text file
    python tools/zh_edition.py import FILE            # put a translated export file back into the edition

An export file holds, for each cell or block, a header line ``=== cell ID en-sha=HASH`` (``=== block N ...``
for a Markdown page) followed by the English text; replace the text under each header by its translation and
import the file. The hash in the header is the one of the English text exported, so a translation made from
an old export is recorded as stale, never as current.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

try:  # run as a script: this file's folder is sys.path[0]
    from run_notebooks import toc_files
except ImportError:  # imported as tools.zh_edition
    from tools.run_notebooks import toc_files

ROOT = Path(__file__).resolve().parent.parent
EN = ROOT / "book"
ZH = ROOT / "book" / "zh"
META = "fbnn_zh"

BLOCK_MARK = re.compile(r"^% fbnn-zh block (\d+) (?:en-sha=([0-9a-f]{12})|(untranslated))\s*$")
EXPORT_HEAD = re.compile(r"^=== (cell|block) (\S+) en-sha=([0-9a-f]{12})\s*$")
HEADING = re.compile(r"^#{1,6} ")
LABEL = re.compile(r"^\((?P<name>[^()\s]+)\)=\s*$")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<mark>`{3,}|~{3,}|:{3,})")

# Things a translation must carry over unchanged, because the build or the reader depends on them.
GLUE = re.compile(r"\{glue(?::[a-z]*)?\}`([^`]+)`")  # {glue}, {glue:}, {glue:text}, {glue:md}
GLUE_FIGURE = re.compile(r"^\s*[`:]{3,}\{glue:[a-z]+\}\s*(\S+)", re.MULTILINE)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
TARGET = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*$|^\s*:(?:label|name):\s*(?P<opt>\S+)\s*$", re.MULTILINE)
ERRATUM = re.compile(r"^\s*[`:]{3,}\{erratum\}\s*(?P<ids>.*)$", re.MULTILINE)


# The Chinese pages sit one folder deeper (book/zh/), so paths out of book/ take one more step.
DEEPER = re.compile(r"(\{literalinclude\}\s+)\.\./")


def localize(text: str) -> str:
    """English text as it must read from ``book/zh/``: ``{literalinclude} ../fbnn/x.py`` gets ``../../``."""
    return DEEPER.sub(r"\1../../", text)


def sha(text: str) -> str:
    """The hash a translation records: of the English source, without surrounding whitespace."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:12]


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


# --- The pages --------------------------------------------------------------------------------------------


def english_pages(root: Path | None = None) -> list[Path]:
    """Every page of the English ``_toc.yml`` (``book/index.md`` first), as a file path, in book order."""
    root = root or ROOT
    files = toc_files(root)
    pages = []
    for f in files:
        found = [root / (f + ext) for ext in (".ipynb", ".md") if (root / (f + ext)).exists()]
        if not found:
            raise FileNotFoundError(f"_toc.yml lists {f}, which has no .ipynb or .md file")
        pages.append(found[0])
    return pages


def chinese_path(english: Path, en_dir: Path | None = None, zh_dir: Path | None = None) -> Path:
    return (zh_dir or ZH) / english.relative_to(en_dir or EN)


# --- Markdown pages as blocks -----------------------------------------------------------------------------


def md_blocks(text: str) -> list[str]:
    """Cut a MyST page at its headings (outside fences); a heading's label lines start its block.

    The blocks joined give the text back exactly.
    """
    lines = text.splitlines(keepends=True)
    starts = [0]
    fence: str | None = None
    for i, line in enumerate(lines):
        m = FENCE.match(line)
        if m:
            mark = m.group("mark")
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence) and not line.strip()[len(mark) :].strip():
                fence = None
            continue
        if fence is None and i > 0 and HEADING.match(line):
            start = i
            while start > 0 and LABEL.match(lines[start - 1]):
                start -= 1
            if start > starts[-1]:
                starts.append(start)
    starts.append(len(lines))
    return ["".join(lines[a:b]) for a, b in zip(starts, starts[1:], strict=False) if b > a]


@dataclass
class Block:
    number: int
    en_sha: str | None  # None: untranslated
    text: str


def parse_zh_md(text: str, where: str = "") -> list[Block]:
    """The blocks of a Chinese Markdown page, each with the hash its marker line records."""
    blocks: list[Block] = []
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        m = BLOCK_MARK.match(line)
        if m:
            if blocks:
                blocks[-1].text = "".join(current)
            elif "".join(current).strip():
                raise ValueError(f"{where}: text before the first '% fbnn-zh block' marker")
            blocks.append(Block(int(m.group(1)), m.group(2), ""))
            current = []
        else:
            current.append(line)
    if blocks:
        blocks[-1].text = "".join(current)
    return blocks


def render_zh_md(blocks: list[Block]) -> str:
    out = []
    for b in blocks:
        mark = f"en-sha={b.en_sha}" if b.en_sha else "untranslated"
        out.append(f"% fbnn-zh block {b.number} {mark}\n" + b.text.strip("\n") + "\n")
    return "\n".join(out)


# --- Notebooks --------------------------------------------------------------------------------------------


def load_nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` through a temporary file and a rename; return whether anything changed."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def dump_nb(nb: dict) -> str:
    # The layout nbformat writes (indent 1, sorted keys, UTF-8 kept as is).
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def synced_notebook(en: dict, zh: dict | None) -> dict:
    """The Chinese notebook: English code cells and outputs, the translated Markdown cells of ``zh``."""
    translated = {}
    if zh is not None:
        translated = {c.get("id"): c for c in zh["cells"] if c["cell_type"] == "markdown"}
    cells = []
    for cell in en["cells"]:
        new = copy.deepcopy(cell)
        if cell["cell_type"] == "markdown":
            old = translated.get(cell.get("id"))
            meta = dict(old.get("metadata", {}).get(META, {})) if old else {}
            if old is not None and meta.get("en_sha"):
                new["source"] = old["source"]
                new["metadata"][META] = {"en_sha": meta["en_sha"]}
            else:
                new["source"] = localize(source(cell))
                new["metadata"][META] = {"untranslated": True}
        cells.append(new)
    out = copy.deepcopy(en)
    out["cells"] = cells
    return out


def synced_md(en_text: str, zh_text: str | None) -> str:
    """The Chinese page: one block per English block, keeping translations whose position still matches."""
    old = {b.number: b for b in parse_zh_md(zh_text)} if zh_text else {}
    blocks = []
    for i, en_block in enumerate(md_blocks(en_text), start=1):
        b = old.get(i)
        if b is not None and b.en_sha:
            blocks.append(Block(i, b.en_sha, b.text))
        else:
            blocks.append(Block(i, None, localize(en_block)))
    return render_zh_md(blocks)


def sync(
    pages: list[Path] | None = None, en_dir: Path | None = None, zh_dir: Path | None = None
) -> list[Path]:
    """Bring every Chinese page in line with its English page; return the files written."""
    en_dir, zh_dir = en_dir or EN, zh_dir or ZH
    written = []
    for page in pages or english_pages():
        target = chinese_path(page, en_dir, zh_dir)
        if page.suffix == ".ipynb":
            zh = load_nb(target) if target.exists() else None
            text = dump_nb(synced_notebook(load_nb(page), zh))
        else:
            zh_text = target.read_text(encoding="utf-8") if target.exists() else None
            text = synced_md(page.read_text(encoding="utf-8"), zh_text)
        if write_atomic(target, text):
            written.append(target)
    return written


# --- Checks -----------------------------------------------------------------------------------------------


def carried(text: str) -> dict[str, list[str]]:
    """What a translation must keep: glue keys, citations, labels and names, erratum ids (sorted lists)."""
    targets = [m.group("label") or m.group("opt") for m in TARGET.finditer(text)]
    cites = [k.strip() for m in CITE.finditer(text) for k in m.group(1).split(",")]
    errata = [i for m in ERRATUM.finditer(text) for i in m.group("ids").split()]
    return {
        "glue keys": sorted(GLUE.findall(text) + GLUE_FIGURE.findall(text)),
        "citations": sorted(cites),
        "labels": sorted(targets),
        "errata": sorted(errata),
    }


def compare_carried(en_text: str, zh_text: str, where: str) -> list[str]:
    out = []
    en_c, zh_c = carried(en_text), carried(zh_text)
    for kind in en_c:
        if en_c[kind] != zh_c[kind]:
            out.append(
                f"{where}: {kind} differ from the English (English {en_c[kind]}, Chinese {zh_c[kind]})"
            )
    return out


def notebook_problems(en_path: Path, zh_path: Path, chapter: str) -> list[str]:
    en, zh = load_nb(en_path), load_nb(zh_path)
    if len(en["cells"]) != len(zh["cells"]):
        return [f"chapter {chapter}: {len(zh['cells'])} cells, the English has {len(en['cells'])} (run sync)"]
    out = []
    for n, (e, z) in enumerate(zip(en["cells"], zh["cells"], strict=False), start=1):
        where = f"chapter {chapter}, cell {n} (id {e.get('id')})"
        if e.get("id") != z.get("id") or e["cell_type"] != z["cell_type"]:
            out.append(f"{where}: the Chinese cell is {z['cell_type']} id {z.get('id')} (run sync)")
            continue
        if e["cell_type"] != "markdown":
            if e != z:
                out.append(f"{where}: code or outputs differ from the English notebook (run sync)")
            continue
        meta = z.get("metadata", {}).get(META, {})
        other = {k: v for k, v in z.get("metadata", {}).items() if k != META}
        if other != e.get("metadata", {}):
            out.append(f"{where}: cell metadata (tags) differ from the English (run sync)")
        if meta.get("untranslated") or not meta.get("en_sha"):
            out.append(f"{where}: untranslated")
        elif meta["en_sha"] != sha(source(e)):
            out.append(
                f"{where}: stale, the English cell changed after it was translated; translate it again"
            )
        else:
            out += compare_carried(source(e), source(z), where)
    if {k: v for k, v in en.items() if k != "cells"} != {k: v for k, v in zh.items() if k != "cells"}:
        out.append(f"chapter {chapter}: notebook metadata differ from the English (run sync)")
    return out


def md_problems(en_path: Path, zh_path: Path, chapter: str) -> list[str]:
    en_blocks = md_blocks(en_path.read_text(encoding="utf-8"))
    try:
        zh_blocks = parse_zh_md(zh_path.read_text(encoding="utf-8"), str(zh_path))
    except ValueError as exc:
        return [f"chapter {chapter}: {exc}"]
    if [b.number for b in zh_blocks] != list(range(1, len(en_blocks) + 1)):
        return [
            f"chapter {chapter}: blocks {[b.number for b in zh_blocks]}, the English has "
            f"{len(en_blocks)} (run sync)"
        ]
    out = []
    for e, z in zip(en_blocks, zh_blocks, strict=False):
        heading = next((ln for ln in e.splitlines() if HEADING.match(ln)), e.strip().splitlines()[0])
        where = f"chapter {chapter}, block {z.number} ({heading.strip()[:60]})"
        if not z.en_sha:
            out.append(f"{where}: untranslated")
        elif z.en_sha != sha(e):
            out.append(
                f"{where}: stale, the English block changed after it was translated; translate it again"
            )
        else:
            out += compare_carried(e, z.text, where)
    return out


def toc_problems(root: Path | None = None) -> list[str]:
    """The Chinese ``_toc.yml`` lists the English pages, in the same parts and order."""
    root = root or ROOT
    en = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    zh_toc = root / "book" / "zh" / "_toc.yml"
    if not zh_toc.exists():
        return ["book/zh/_toc.yml is missing"]
    zh = yaml.safe_load(zh_toc.read_text(encoding="utf-8"))

    def shape(toc: dict, strip: str) -> list:
        parts = [[c["file"].removeprefix(strip) for c in p["chapters"]] for p in toc.get("parts", [])]
        return [toc["root"].removeprefix(strip), parts]

    if shape(en, "book/") != shape(zh, ""):
        return ["book/zh/_toc.yml does not list the English pages in the same parts and order"]
    return []


def problems(stems: list[str] | None = None, root: Path | None = None) -> list[str]:
    """Everything that keeps the Chinese edition from being a current translation of the English book."""
    root = root or ROOT
    en_dir, zh_dir = root / "book", root / "book" / "zh"
    out = [] if stems else toc_problems(root)
    for page in english_pages(root):
        if stems and page.stem not in stems:
            continue
        target = chinese_path(page, en_dir, zh_dir)
        if not target.exists():
            out.append(
                f"chapter {page.stem}: no Chinese page {target.relative_to(root)} (run sync, then translate)"
            )
        elif page.suffix == ".ipynb":
            out += notebook_problems(page, target, page.stem)
        else:
            out += md_problems(page, target, page.stem)
    return out


# --- Export and import for translators --------------------------------------------------------------------


def export(stem: str, everything: bool = False) -> str:
    """The English text of each cell or block of ``stem`` that needs translating (all with ``everything``)."""
    page = next(p for p in english_pages() if p.stem == stem)
    target = chinese_path(page)
    todo = {line.split(": ")[0] for line in problems([stem])} if not everything else None
    chunks = []
    if page.suffix == ".ipynb":
        for n, cell in enumerate(load_nb(page)["cells"], start=1):
            if cell["cell_type"] != "markdown":
                continue
            if (
                todo is not None
                and f"chapter {stem}, cell {n} (id {cell.get('id')})" not in todo
                and target.exists()
            ):
                continue
            chunks.append(
                f"=== cell {cell['id']} en-sha={sha(source(cell))}\n{localize(source(cell)).strip()}\n"
            )
    else:
        for n, block in enumerate(md_blocks(page.read_text(encoding="utf-8")), start=1):
            if (
                todo is not None
                and target.exists()
                and not any(t.startswith(f"chapter {stem}, block {n} ") for t in todo)
            ):
                continue
            chunks.append(f"=== block {n} en-sha={sha(block)}\n{localize(block).strip()}\n")
    return "\n".join(chunks)


def import_file(stem: str, text: str) -> Path:
    """Put the translations of an export file into ``stem``'s Chinese page (after a sync)."""
    page = next(p for p in english_pages() if p.stem == stem)
    sync([page])
    target = chinese_path(page)
    entries: list[tuple[str, str, str, list[str]]] = []
    for line in text.splitlines(keepends=True):
        m = EXPORT_HEAD.match(line)
        if m:
            entries.append((m.group(1), m.group(2), m.group(3), []))
        elif entries:
            entries[-1][3].append(line)
        elif line.strip():
            raise ValueError(f"text before the first '=== cell' or '=== block' header: {line.strip()[:60]!r}")
    if page.suffix == ".ipynb":
        nb = load_nb(target)
        by_id = {c.get("id"): c for c in nb["cells"] if c["cell_type"] == "markdown"}
        for kind, key, digest, body in entries:
            if kind != "cell" or key not in by_id:
                raise ValueError(f"{stem} has no Markdown cell with id {key!r}")
            cell = by_id[key]
            cell["source"] = "".join(body).strip("\n").splitlines(keepends=True)
            cell["metadata"][META] = {"en_sha": digest}
        write_atomic(target, dump_nb(nb))
    else:
        blocks = parse_zh_md(target.read_text(encoding="utf-8"), str(target))
        for kind, key, digest, body in entries:
            if kind != "block" or not key.isdigit() or not 1 <= int(key) <= len(blocks):
                raise ValueError(f"{stem} has no block {key!r} (it has 1 to {len(blocks)})")
            b = blocks[int(key) - 1]
            b.en_sha, b.text = digest, "".join(body)
        write_atomic(target, render_zh_md(blocks))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("sync", help="copy code cells and outputs over, add placeholders for new cells")
    p_check = sub.add_parser("check", help="list stale, untranslated or out-of-step cells")
    p_check.add_argument("stems", nargs="*")
    p_export = sub.add_parser("export", help="write the cells of one chapter that need translating")
    p_export.add_argument("stem")
    p_export.add_argument("-o", "--output", type=Path)
    p_export.add_argument("--all", action="store_true", help="every Markdown cell, not only those to do")
    p_import = sub.add_parser("import", help="put a translated export file back")
    p_import.add_argument("file", type=Path)
    p_import.add_argument("--stem", help="the chapter (default: the file's name up to the first dot)")
    args = parser.parse_args(argv)

    stems = {p.stem for p in english_pages()}
    if args.command == "sync":
        for path in sync():
            print(f"wrote {path.relative_to(ROOT)}")
        return 0
    if args.command == "check":
        unknown = sorted(set(args.stems) - stems)
        if unknown:
            parser.error(f"unknown chapter(s) {unknown}; chapters are {sorted(stems)}")
        found = problems(args.stems or None)
        print("\n".join(found) if found else "the Chinese edition is in step with the English book")
        return 1 if found else 0
    if args.command == "export":
        if args.stem not in stems:
            parser.error(f"unknown chapter {args.stem!r}; chapters are {sorted(stems)}")
        text = export(args.stem, args.all)
        if args.output:
            if args.output.exists():
                parser.error(
                    f"{args.output} exists; export never overwrites a file (remove it or pick another)"
                )
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    stem = args.stem or args.file.name.split(".")[0]
    if stem not in stems:
        parser.error(f"unknown chapter {stem!r} (from {args.file}); pass --stem")
    target = import_file(stem, args.file.read_text(encoding="utf-8"))
    left = problems([stem])
    print(
        f"wrote {target.relative_to(ROOT)}; {len(left)} problem(s) left" + ("".join("\n  " + p for p in left))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
