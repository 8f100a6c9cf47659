"""Build the whole book as a reader would get it, and check what was built.

Everything that needs the built site lives in this one file, so that pytest-xdist (``--dist loadfile``)
builds the book once, on one worker.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bookfiles import ROOT, toc_files

REMOTE = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)=["'](https?:)?//""", re.IGNORECASE)


def jupyter_book() -> list[str]:
    exe = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    assert exe, "jupyter-book is not installed: python -m pip install -r requirements.txt"
    return [exe]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("book")
    cmd = jupyter_book() + ["build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=900)
    return out / "_build" / "html", result


def test_book_builds_without_warnings(built):
    html, result = built
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert result.returncode == 0 and not warnings, "\n".join(warnings[:40]) or log[-4000:]


@pytest.mark.parametrize("page", toc_files())
def test_every_toc_entry_has_a_page(built, page: str):
    html, _ = built
    assert (html / (page + ".html")).is_file(), f"no HTML page was built for {page}"


def test_no_remote_scripts_styles_or_images(built):
    html, _ = built
    offenders = []
    for path in html.rglob("*.html"):
        for match in REMOTE.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(html)}: {match.group(0)}")
    assert not offenders, "pages load remote resources:\n" + "\n".join(offenders[:20])


def test_math_is_served_from_the_build(built):
    html, _ = built
    page = (html / "book" / "notation.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*src=\"([^\"]*mathjax[^\"]*)\"", page, re.IGNORECASE)
    assert scripts, "the notation page loads no MathJax"
    for src in scripts:
        target = (html / "book" / src.split("?")[0]).resolve()
        assert target.is_file(), f"MathJax script {src} is not in the build"
