"""Build the print edition: the book as PDF, through Sphinx's LaTeX builder and XeLaTeX, with no network.

Usage::

    python tools/build_pdf.py                  # every edition that exists -> _build/pdf/
    python tools/build_pdf.py --out /tmp/pdf   # somewhere else

For each edition (the English book at the repository root; the Chinese one under ``book/zh`` once it has a
``_config.yml``) this runs ``jupyter-book build --builder latex`` with warnings as errors, then ``latexmk
-xelatex`` on the result, and copies the PDF to ``<out>/pdf/``. XeLaTeX is needed for the Chinese text (the
article's quotes appear in the English book too); the fonts are DejaVu (Latin, Greek, subscripts, math
symbols) and WenQuanYi Micro Hei (Chinese), set in ``_config.yml``. The README lists the Debian packages.

A LaTeX run that reports a missing glyph, an undefined reference or an undefined citation fails here: those
are a reader's "??" and empty boxes, so the build refuses to hand them out.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a LaTeX log says when the PDF would show a reader something broken.
LOG_PROBLEMS = {
    "missing glyph": re.compile(r"^Missing character: There is no .*$", re.MULTILINE),
    "undefined reference": re.compile(r"^LaTeX Warning: Reference .* undefined.*$", re.MULTILINE),
    "undefined citation": re.compile(r"^LaTeX Warning: Citation .* undefined.*$", re.MULTILINE),
    "unresolved references at the end": re.compile(r"^LaTeX Warning: There were undefined references.*$",
                                                   re.MULTILINE),
}
# A control character in a stored output (ANSI colour codes) breaks LaTeX or prints as garbage.
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Edition:
    """One edition of the book: its source folder and the name of its PDF."""

    name: str
    source: Path
    stem: str


@dataclass(frozen=True)
class PdfBuild:
    """What one edition's build produced."""

    edition: Edition
    pdf: Path
    log: Path
    tex: Path
    seconds: float


def editions(root: Path = ROOT) -> list[Edition]:
    """The editions that exist: English always; Chinese once ``book/zh/_config.yml`` exists."""
    found = [Edition("en", root, "feedback-neural-networks")]
    if (root / "book" / "zh" / "_config.yml").is_file():
        found.append(Edition("zh", root / "book" / "zh", "feedback-neural-networks-zh"))
    return found


def _jupyter_book() -> str:
    exe = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    if exe is None:
        raise RuntimeError("jupyter-book is not installed: python -m pip install -r requirements.txt")
    return exe


def missing_tools() -> list[str]:
    """The programs the PDF build needs that this machine lacks (empty when it can build)."""
    return [tool for tool in ("xelatex", "latexmk") if shutil.which(tool) is None]


def log_problems(log_text: str) -> dict[str, list[str]]:
    """Every line of a LaTeX log that means a broken page, grouped by kind (empty dict: none)."""
    found = {kind: sorted(set(rx.findall(log_text))) for kind, rx in LOG_PROBLEMS.items()}
    return {kind: lines for kind, lines in found.items() if lines}


def _run(cmd: list[str], cwd: Path, what: str, timeout: int) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise RuntimeError(f"{what} failed (exit {result.returncode}):\n{tail}")
    return result


def build(edition: Edition, out: Path, timeout: int = 1800) -> PdfBuild:
    """Build one edition's PDF into ``out/pdf/<stem>.pdf``; raise ``RuntimeError`` on any broken page."""
    missing = missing_tools()
    if missing:
        raise RuntimeError(f"the PDF build needs {', '.join(missing)}: see the README (XeLaTeX packages)")
    start = time.perf_counter()
    work = out / "latex-build" / edition.name
    if work.exists():
        shutil.rmtree(work)
    cmd = [_jupyter_book(), "build", str(edition.source), "--builder", "latex", "--path-output", str(work),
           "-W", "-n", "--keep-going"]
    _run(cmd, cwd=edition.source, what=f"the LaTeX build of the {edition.name} edition", timeout=timeout)
    latex_dir = work / "_build" / "latex"
    tex = latex_dir / f"{edition.stem}.tex"
    if not tex.is_file():
        raise RuntimeError(f"the LaTeX builder wrote no {tex.name} (check latex_documents in _config.yml)")
    ansi = ANSI.findall(tex.read_text(encoding="utf-8"))
    if ansi:
        raise RuntimeError(f"{tex.name} holds {len(ansi)} ANSI escape codes from stored outputs")
    _run(["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", tex.name],
         cwd=latex_dir, what=f"XeLaTeX on the {edition.name} edition", timeout=timeout)
    log = latex_dir / f"{edition.stem}.log"
    problems = log_problems(log.read_text(encoding="utf-8", errors="replace"))
    if problems:
        lines = [f"{kind}: {line}" for kind, found in problems.items() for line in found[:10]]
        raise RuntimeError(f"the {edition.name} PDF has broken pages ({log}):\n" + "\n".join(lines))
    target = out / "pdf" / f"{edition.stem}.pdf"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(latex_dir / f"{edition.stem}.pdf", target)
    return PdfBuild(edition, target, log, tex, time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build", help="output folder (default: _build)")
    parser.add_argument("--edition", choices=[e.name for e in editions()], action="append",
                        help="build only this edition (repeatable; default: all that exist)")
    args = parser.parse_args(argv)
    chosen = [e for e in editions() if args.edition is None or e.name in args.edition]
    for edition in chosen:
        try:
            result = build(edition, args.out.resolve())
        except RuntimeError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"{edition.name}: {result.pdf} ({result.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
