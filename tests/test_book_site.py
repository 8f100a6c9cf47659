"""Build the whole site as a reader would get it (both editions), and check what was built.

The site is built by ``tools/build_site.py``, as the README builds it: the English book at the root (its pages
under ``book/``), the Chinese edition under ``zh/``. Everything that needs the built site lives in this one
file, so that pytest-xdist (``--dist loadfile``) builds it once, on one worker.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from absent import skip_or_fail
from bookfiles import INLINE_GLUE, ROOT, cited_keys, toc_files

from tools import run_notebooks

TEMPLATE_OR_CDN = ("unpkg.com", "cdn.jsdelivr", "cdnjs", "binder-examples", "executablebooks/jupyter-book")
REMOTE = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)=["'](https?:)?//""", re.IGNORECASE)


ZH_ROOT = ROOT / "book" / "zh"
SITE_BUDGET_MIB = 25     # both editions
ENGLISH_BUDGET_MIB = 15  # the English book alone, as before the Chinese edition


def zh_toc_files() -> list[str]:
    """Every page of the Chinese ``_toc.yml``, as its path in the site without suffix (``zh/index`` first)."""
    return ["zh/" + f for f in run_notebooks.toc_files(ZH_ROOT)]


def stem(page: str) -> str:
    """A page's name in its edition: ``book/hopfield`` and ``zh/hopfield`` are both ``hopfield``."""
    return page.split("/", 1)[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    """The site as the README's first command builds it, with warnings as errors in both editions."""
    out = tmp_path_factory.mktemp("book")
    cmd = [sys.executable, str(ROOT / "tools" / "build_site.py"), "--path-output", str(out), "--strict"]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=1800)
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


@pytest.mark.parametrize("page", toc_files())
def test_every_english_page_has_its_chinese_page(built, page: str):
    html, _ = built
    assert (html / "zh" / (stem(page) + ".html")).is_file(), f"the site has no Chinese page for {page}"


SWITCH = re.compile(r'<p class="fbnn-edition-switch"><a [^>]*href="([^"]+)"')


def switch_problems(html: Path, pages: list[str], other: str) -> list[str]:
    """Pages (site paths without suffix) whose language switch is missing or does not lead to the page of
    the same stem in the ``other`` edition's folder (``zh`` or ``book``), as a built file."""
    problems = []
    for page in pages:
        if not (html / (page + ".html")).is_file():
            problems.append(f"{page}: not built")
            continue
        links = SWITCH.findall((html / (page + ".html")).read_text(encoding="utf-8"))
        if len(links) != 1:
            problems.append(f"{page}: {len(links)} language switches")
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), links[0]))
        expected = f"{other}/{stem(page)}.html"
        if target != expected:
            problems.append(f"{page}: the switch leads to {target}, expected {expected}")
        elif not (html / target).is_file():
            problems.append(f"{page}: the switch leads to {target}, which was not built")
    return problems


def test_every_english_page_switches_to_its_chinese_page(built):
    html, _ = built
    problems = switch_problems(html, toc_files(), "zh")
    assert not problems, "\n".join(problems)


def test_every_chinese_page_switches_to_its_english_page(built):
    html, _ = built
    problems = switch_problems(html, zh_toc_files(), "book")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("front", "other"), [("book/index", "zh/index.html"), ("zh/index", "book/index.html")]
)
def test_each_front_page_says_the_other_edition_exists(built, front: str, other: str):
    """Besides the switch, the front page's text links the other edition (the ``{other-edition}`` role)."""
    html, _ = built
    text = SWITCH.sub("", (html / (front + ".html")).read_text(encoding="utf-8"))
    links = re.findall(r'<a [^>]*href="([^"#]+)"', text)
    targets = {posixpath.normpath(posixpath.join(posixpath.dirname(front), h)) for h in links}
    assert other in targets, f"{front} does not link to the other edition's front page {other} in its text"


def test_no_remote_scripts_styles_or_images(built):
    html, _ = built
    offenders = []
    for path in html.rglob("*.html"):
        for match in REMOTE.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(html)}: {match.group(0)}")
    assert not offenders, "pages load remote resources:\n" + "\n".join(offenders[:20])


@pytest.mark.parametrize("edition", ["book", "zh"])
def test_math_is_served_from_the_build(built, edition: str):
    html, _ = built
    page = (html / edition / "notation.html").read_text(encoding="utf-8")
    scripts = re.findall(r"<script[^>]*src=\"([^\"]*mathjax[^\"]*)\"", page, re.IGNORECASE)
    assert scripts, f"the {edition} notation page loads no MathJax"
    for src in scripts:
        target = (html / edition / src.split("?")[0]).resolve()
        assert target.is_file(), f"MathJax script {src} is not in the build"



def test_mathjax_is_loaded_once_per_page(built):
    html, _ = built
    for page in toc_files() + zh_toc_files():
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
    sizes = {p: p.stat().st_size for p in html.rglob("*") if p.is_file()}
    total = sum(sizes.values())
    english = sum(size for p, size in sizes.items() if p.relative_to(html).parts[0] != "zh")
    assert total < SITE_BUDGET_MIB * 2**20, (
        f"_build/html is {total / 2**20:.1f} MiB (budget {SITE_BUDGET_MIB} MiB for both editions)"
    )
    assert english < ENGLISH_BUDGET_MIB * 2**20, (
        f"the English book (_build/html without zh/) is {english / 2**20:.1f} MiB "
        f"(budget {ENGLISH_BUDGET_MIB} MiB)"
    )


def search_terms(index: Path) -> set[str]:
    """The words a built ``searchindex.js`` can find (its ``terms`` and ``titleterms``)."""
    text = index.read_text(encoding="utf-8")
    data = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    return set(data["terms"]) | set(data["titleterms"])


def test_chinese_search_index_holds_chinese_words(built):
    """Sphinx's Chinese search splits words with jieba; without it, no Chinese word is indexed."""
    html, _ = built
    terms = search_terms(html / "zh" / "searchindex.js")
    chinese = {t for t in terms if re.search(r"[\u4e00-\u9fff]", t)}
    assert len(chinese) > 100, f"zh/searchindex.js holds {len(chinese)} Chinese words: {sorted(chinese)[:20]}"
    # A glossary term that jieba's own dictionary cuts in two (book/_ext/edition.py adds glossary names).
    assert "反向传播" in terms, "zh/searchindex.js does not hold the word 反向传播"


@pytest.mark.parametrize("page", [f for f in toc_files() if (ROOT / (f + ".ipynb")).exists()])
def test_notebook_pages_offer_their_ipynb(built, page: str):
    html, _ = built
    name = Path(page).name + ".ipynb"
    text = (html / (page + ".html")).read_text(encoding="utf-8")
    assert f'href="../_sources/{page}.ipynb"' in text, f"{page} has no download link for {name}"
    assert (html / "_sources" / (page + ".ipynb")).is_file()


def test_chinese_notebook_pages_offer_their_ipynb(built):
    html, _ = built
    missing = []
    for page in zh_toc_files():
        if (ZH_ROOT / (stem(page) + ".ipynb")).exists():
            text = (html / (page + ".html")).read_text(encoding="utf-8")
            if f'href="_sources/{stem(page)}.ipynb"' not in text or not (
                html / "zh" / "_sources" / (stem(page) + ".ipynb")
            ).is_file():
                missing.append(page)
    assert not missing, f"Chinese notebook pages without their .ipynb download: {missing}"


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


@pytest.mark.parametrize("page", toc_files() + zh_toc_files())
def test_page_reads_correctly_in_a_browser(browser_context, page: str):
    import browser

    context, base = browser_context
    shots = {"book/notation": "notation.png", "book/setup": "setup.png", "zh/index": "zh-index.png"}
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


def test_the_browser_check_catches_chinese_without_a_cjk_font(browser_context, tmp_path: Path):
    """Chinese drawn as empty boxes: the same page passes in the suite's browser and fails in one that sees
    only a Latin font (fontconfig limited to one font file without Chinese glyphs)."""
    import browser

    context, base = browser_context
    url = base + "_broken/chinese_text.html"
    assert not browser.check_page(context, url), "the Chinese fixture page fails with the machine's fonts"
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        skip_or_fail("fontconfig's fc-list is missing: apt-get install fontconfig")

    def font_files(pattern: str) -> set[str]:
        out = subprocess.run([fc_list, "--format", "%{file}\\n", pattern], capture_output=True, text=True)
        return {f for f in out.stdout.splitlines() if f.endswith((".ttf", ".otf"))}

    latin = sorted(font_files(":lang=en") - font_files(":lang=zh"))
    assert latin, "no font without Chinese glyphs found to test with"
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / Path(latin[0]).name).symlink_to(latin[0])
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>{fonts}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
        encoding="utf-8",
    )
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    chrome = context.browser.browser_type.launch(
        executable_path=browser.find_chromium(), headless=True, args=browser.CHROMIUM_ARGS, env=env
    )
    try:
        problems = browser.check_page(chrome.new_context(viewport={"width": 1280, "height": 900}), url)
    finally:
        chrome.close()
    assert any("not drawn by a CJK font" in p for p in problems), problems


def search_hits(context, url: str) -> list[str]:
    """The links the built search page lists for the query in ``url``, once it has finished."""
    page = context.new_page()
    try:
        page.goto(url, wait_until="load")
        # Sphinx writes a summary ("Search finished, found ...") when it is done, with or without results.
        page.wait_for_function(
            "() => (document.querySelector('#search-results .search-summary') || {}).textContent",
            timeout=180_000,
        )
        return page.eval_on_selector_all("#search-results ul.search li > a", "a => a.map(e => e.href)")
    finally:
        page.close()


def test_search_finds_a_term_of_the_book(browser_context):
    context, base = browser_context
    hits = search_hits(context, base + "search.html?q=backpropagation")
    assert hits, "the search page found nothing for 'backpropagation'"


def test_chinese_search_finds_a_chinese_term(browser_context, built):
    """Searching 反向传播 lists every Chinese page whose text has it. Sphinx also matches section titles and
    index entries that contain the query, without any word splitting; only the word index (jieba) finds the
    pages that use the term in their prose."""
    html, _ = built
    context, base = browser_context
    term = "反向传播"
    expected = set()
    for page in zh_toc_files():
        text = (html / (page + ".html")).read_text(encoding="utf-8")
        article = re.search(r"<article\b.*?</article>", text, re.DOTALL)
        if article and term in re.sub(r"<[^>]+>", "", article.group(0)):
            expected.add(stem(page))
    assert len(expected) > 3, f"only {sorted(expected)} use {term}: pick another term for this test"
    hits = search_hits(context, base + "zh/search.html?q=" + term)
    found = {urlparse(h).path.rsplit("/", 1)[-1].removesuffix(".html") for h in hits}
    assert expected <= found, (
        f"the Chinese search for {term} misses {sorted(expected - found)} (is jieba installed?); "
        f"it found {sorted(found)}"
    )


# --- Glued numbers: the same in both editions ---------------------------------------------------------------

# How myst-nb renders an inline glue: {glue:text} as a pasted-text span, {glue:} as an inline text output.
PASTED = re.compile(r'<span class="(?:pasted-text|output text_plain)">([^<]*)</span>')


@pytest.mark.parametrize("page", [f for f in toc_files() if (ROOT / (f + ".ipynb")).exists()])
def test_glued_values_read_the_same_in_both_editions(built, page: str):
    """Every inline glued value of a page shows in the Chinese page too, as many times and as written."""
    html, _ = built
    nb = json.loads((ROOT / (page + ".ipynb")).read_text(encoding="utf-8"))
    prose = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    uses = sum(len(INLINE_GLUE.findall(text)) for text in prose)
    en = PASTED.findall((html / (page + ".html")).read_text(encoding="utf-8"))
    zh = PASTED.findall((html / "zh" / (stem(page) + ".html")).read_text(encoding="utf-8"))
    assert len(en) == uses, f"{page}: {uses} inline glue roles, {len(en)} glued values in the English page"
    assert sorted(zh) == sorted(en), f"{page}: glued values differ: {sorted(set(en) ^ set(zh))}"
