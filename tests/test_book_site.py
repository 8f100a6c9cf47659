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
from absent import skip_or_fail
from bookfiles import ROOT, cited_keys, toc_files

TEMPLATE_OR_CDN = ("unpkg.com", "cdn.jsdelivr", "cdnjs", "binder-examples", "executablebooks/jupyter-book")
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



def test_mathjax_is_loaded_once_per_page(built):
    html, _ = built
    for page in toc_files():
        text = (html / (page + ".html")).read_text(encoding="utf-8")
        loads = re.findall(r"<script[^>]*src=\"[^\"]*(?:mathjax|MathJax)[^\"]*\"", text)
        assert len(loads) <= 1, f"{page} loads MathJax {len(loads)} times"


def test_no_cdn_or_template_link_in_pages(built):
    html, _ = built
    for path in html.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for needle in TEMPLATE_OR_CDN:
            assert needle not in text, f"{path.relative_to(html)} mentions {needle}"


def test_site_is_small(built):
    html, _ = built
    size = sum(p.stat().st_size for p in html.rglob("*") if p.is_file())
    assert size < 15 * 2**20, f"_build/html is {size / 2**20:.1f} MiB (budget 15 MiB)"


@pytest.mark.parametrize("page", [f for f in toc_files() if (ROOT / (f + ".ipynb")).exists()])
def test_notebook_pages_offer_their_ipynb(built, page: str):
    html, _ = built
    name = Path(page).name + ".ipynb"
    text = (html / (page + ".html")).read_text(encoding="utf-8")
    assert f'href="../_sources/{page}.ipynb"' in text, f"{page} has no download link for {name}"
    assert (html / "_sources" / (page + ".ipynb")).is_file()


def public_modules() -> list[str]:
    """Every public module of fbnn (no leading underscore; the command line entry points excluded)."""
    import pkgutil

    import fbnn

    names = []
    for info in pkgutil.walk_packages(fbnn.__path__, "fbnn."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or parts[-1] == "cli" or info.ispkg:
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module", public_modules())
def test_api_reference_documents_every_public_name(built, module: str):
    import importlib
    import inspect

    html, _ = built
    page = (html / "book" / "api.html").read_text(encoding="utf-8")
    mod = importlib.import_module(module)
    exported = getattr(mod, "__all__", None)
    names = exported if exported is not None else [
        n for n, obj in vars(mod).items()
        if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module
    ]
    missing = [n for n in names if f'id="{module}.{n}"' not in page]
    assert not missing, f"book/api.md does not document {module}: {missing}"


def test_bibliography_prints_exactly_the_cited_works(built):
    html, _ = built
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = re.findall(r"^@\w+\{([^,]+),", bib, re.MULTILINE)
    assert len(keys) == len(set(keys)), "book/references.bib has duplicate keys"
    page = (html / "book" / "bibliography.html").read_text(encoding="utf-8")
    # Entries carry the id cite-<key> (bibtex_cite_id in _config.yml).
    printed = re.findall(r'<div class="citation" id="cite-([^"]+)" role="doc-biblioentry"', page)
    assert page.count('role="doc-biblioentry"') == len(printed) == len(set(printed))
    cited = cited_keys()
    assert not cited - set(printed), f"cited but not printed: {sorted(cited - set(printed))}"
    assert not set(printed) - cited, f"printed but cited nowhere: {sorted(set(printed) - cited)}"


def test_every_errata_record_has_its_box_and_a_table_link(built):
    from fbnn import errata

    html, _ = built
    table = (html / "book" / "errata.html").read_text(encoding="utf-8")
    for r in errata.RECORDS:
        anchor = re.sub(r"[^a-z0-9]+", "-", errata.label(r).lower()).strip("-")
        page = (html / "book" / f"{r.chapter}.html").read_text(encoding="utf-8")
        box = rf'<div class="warning erratum admonition">(?:(?!</div>).)*id="{anchor}"'
        assert re.search(box, page, re.DOTALL), f"no box for {r.id} in {r.chapter}"
        assert f'href="{r.chapter}.html#{anchor}"' in table, f"the errata table does not link to {r.id}'s box"


def test_no_repository_link_without_an_address(built):
    import yaml

    html, _ = built
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = (config.get("repository") or {}).get("url")
    pages = [p.read_text(encoding="utf-8") for p in html.rglob("*.html")]
    assert len(pages) > 10, "the book was not built"
    buttons = sum(p.count("repository-button") for p in pages)
    if url:
        assert buttons and all(url in p for p in pages if "repository-button" in p)
    else:
        assert buttons == 0, "the site shows a repository button but the project has no public address"
        assert not any("fbnn-course" in p for p in pages)


# --- The site as a reader's browser sees it -------------------------------------------------------------

FIXTURES = Path(__file__).parent / "fixtures" / "broken_pages"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def browser_context(built, tmp_path_factory: pytest.TempPathFactory):
    """A headless Chromium context and the base URL of the built book (plus broken fixture pages)."""
    import browser

    chromium = browser.find_chromium()
    if chromium is None:
        skip_or_fail("Chromium is missing: apt-get install chromium (.ci/run does)")
    try:
        import playwright.sync_api as playwright_api
    except ImportError:
        skip_or_fail("Playwright is missing: python -m pip install -r requirements.txt")
    html, _ = built
    site = tmp_path_factory.mktemp("site")
    shutil.copytree(html, site, dirs_exist_ok=True)
    shutil.copytree(FIXTURES, site / "_broken")
    with browser.serve(site) as base, playwright_api.sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=chromium, headless=True, args=browser.CHROMIUM_ARGS)
        context = chrome.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield context, base
        finally:
            context.close()
            chrome.close()


@pytest.mark.parametrize("page", toc_files())
def test_page_reads_correctly_in_a_browser(browser_context, page: str):
    import browser

    context, base = browser_context
    shots = {"book/notation": "notation.png", "book/setup": "setup.png"}
    shot = ARTIFACTS / shots[page] if page in shots else None
    problems = browser.check_page(context, base + page + ".html", screenshot=shot)
    assert not problems, f"{page}: " + "; ".join(problems)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("raw_math.html", "raw math"),
        ("broken_image.html", "images that did not load"),
        ("remote_request.html", "outside 127.0.0.1"),
        ("wide_table.html", "tables wider than the page"),
    ],
)
def test_the_browser_check_catches_a_broken_page(browser_context, fixture: str, expected: str):
    import browser

    context, base = browser_context
    problems = browser.check_page(context, base + "_broken/" + fixture)
    assert any(expected in p for p in problems), problems


def test_search_finds_a_term_of_the_book(browser_context):
    context, base = browser_context
    page = context.new_page()
    try:
        page.goto(base + "search.html?q=backpropagation", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=180_000)
        hits = page.locator("#search-results ul.search li").count()
    finally:
        page.close()
    assert hits > 0, "the search page found nothing for 'backpropagation'"
