"""Build the book's web site: the English edition at the root, the Chinese edition under ``zh/``.

Usage::

    python tools/build_site.py                        # _build/html/ (English), _build/html/zh/ (Chinese)
    python tools/build_site.py --path-output /tmp/x   # /tmp/x/_build/html/ ...
    python tools/build_site.py --strict               # -W -n --keep-going: a warning fails, as in the tests

The English book is built exactly as ``jupyter-book build .`` builds it (``<out>/_build/html/``, its pages
under ``book/``). The Chinese edition (``book/zh/``, a Jupyter Book of its own) is built in
``<out>/_build/zh-edition/`` and then copied whole to ``<out>/_build/html/zh/``, replacing any ``zh/`` an
earlier build left there, so the site never mixes pages of two builds of the Chinese edition. Both builds keep
their caches, so a second run rebuilds only what changed. The language switch at the top of every page
(``book/_ext/edition.py``) relies on this layout.

The two editions share their theme, MathJax and figures, byte for byte. A file of the Chinese edition's
``_static/`` or ``_images/`` that is identical to the English edition's copy is not copied again: the Chinese
pages load the English copy (``../_static/...``). The site is then about 5 MiB smaller per edition's copy of
MathJax and the theme, and a reader who switches editions downloads them once.

Both editions are always built, even when the first fails (as ``--keep-going`` does for pages); the exit
status is 0 only when both builds succeeded.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ZH_SOURCE = ROOT / "book" / "zh"
STRICT = ["-W", "-n", "--keep-going"]
SHARED = ("_static", "_images")
# A page's reference to a file of its edition's _static/ or _images/ folder (with an optional ?v=... suffix).
LOCAL_REF = re.compile(r'\b(?P<attr>src|href)="(?P<path>(?:_static|_images)/[^"?#]+)(?P<rest>[^"]*)"')


def jupyter_book() -> str:
    exe = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    if exe is None:
        raise RuntimeError("jupyter-book is not installed: python -m pip install -r requirements.txt")
    return exe


def build_edition(source: Path, path_output: Path, flags: list[str]) -> tuple[int, float]:
    """Run ``jupyter-book build`` on one edition; return its exit status and its time in seconds."""
    start = time.perf_counter()
    cmd = [jupyter_book(), "build", str(source), "--path-output", str(path_output), *flags]
    print(f"== {' '.join(cmd)}", flush=True)
    result = subprocess.run(cmd, cwd=ROOT)
    return result.returncode, time.perf_counter() - start


def share_identical_files(edition: Path, html: Path) -> int:
    """Make the pages of ``edition`` (a folder inside ``html``) load the English copy of every file of its
    ``_static/`` and ``_images/`` that is byte for byte the same, and delete its own copy; return how many."""
    shared: set[str] = set()
    for folder in SHARED:
        for path in sorted((edition / folder).rglob("*")):
            rel = path.relative_to(edition).as_posix()
            english = html / rel
            if path.is_file() and english.is_file() and filecmp.cmp(path, english, shallow=False):
                shared.add(rel)
    for page in edition.rglob("*.html"):
        up = os.path.relpath(html, page.parent).replace(os.sep, "/")

        def redirect(m: re.Match, up: str = up) -> str:
            if m["path"] not in shared:
                return m[0]
            return f'{m["attr"]}="{up}/{m["path"]}{m["rest"]}"'

        text = page.read_text(encoding="utf-8")
        new = LOCAL_REF.sub(redirect, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
    for rel in shared:
        (edition / rel).unlink()
    for folder in SHARED:  # folders left empty, deepest first
        for path in sorted((edition / folder).glob("**"), key=lambda p: len(p.parts), reverse=True):
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return len(shared)


def install_chinese(built: Path, html: Path) -> None:
    """Replace ``html/zh/`` by a copy of the Chinese edition's ``built`` HTML folder.

    The copy is made (and its shared files linked to the English ones) beside the old folder first, so an
    interrupted run leaves either the old ``zh/`` or the new one, never a mixture.
    """
    html.mkdir(parents=True, exist_ok=True)
    target, staging = html / "zh", html / ".zh-new"
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(built, staging)
    share_identical_files(staging, html)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)


def size_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path-output", type=Path, default=ROOT,
                        help="folder that receives _build/ (default: the repository)")
    parser.add_argument("--strict", action="store_true",
                        help="pass -W -n --keep-going to both builds: any warning fails (the tests build so)")
    args = parser.parse_args(argv)
    out = args.path_output.resolve()
    flags = STRICT if args.strict else []

    en_status, en_seconds = build_edition(ROOT, out, flags)
    zh_work = out / "_build" / "zh-edition"
    zh_status, zh_seconds = build_edition(ZH_SOURCE, zh_work, flags)

    html = out / "_build" / "html"
    zh_html = zh_work / "_build" / "html"
    if (zh_html / "index.html").is_file():
        install_chinese(zh_html, html)
    else:
        # No Chinese site to install: leave none rather than an older build's pages.
        if (html / "zh").exists():
            shutil.rmtree(html / "zh")
        zh_status = zh_status or 1
    failed = [name for name, status in (("English", en_status), ("Chinese", zh_status)) if status]
    english = size_mib(html) - (size_mib(html / "zh") if (html / "zh").exists() else 0.0)
    chinese = size_mib(html / "zh") if (html / "zh").exists() else 0.0
    print(f"== site: {html} (English {en_seconds:.0f} s, {english:.1f} MiB; "
          f"Chinese under zh/ {zh_seconds:.0f} s, {chinese:.1f} MiB)")
    if failed:
        print(f"== the {' and '.join(failed)} build failed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
