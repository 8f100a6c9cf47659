"""Look at built pages the way a reader's browser does (headless Chromium driven by Playwright).

``check_page`` returns a list of problems for one page: math left untypeset, images that did not load,
JavaScript errors, tables wider than the page, Chinese text not drawn by a font that has Chinese glyphs
(empty boxes, "tofu"), and any request that tried to leave 127.0.0.1 (such requests are blocked, so a test
run never touches the network).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

LOAD_TIMEOUT_MS = 180_000
SETTLE_TIMEOUT_MS = 30_000

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Flags for a root, offline, throw-away browser: without the background-networking ones Chromium
# tries to reach update and sync services at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Text a reader sees where MathJax did not typeset: TeX delimiters outside code blocks.
RAW_MATH_JS = r"""() => {
  const clone = document.body.cloneNode(true);
  const skip = 'pre, code, script, style, .highlight, mjx-container, .MathJax';
  clone.querySelectorAll(skip).forEach(e => e.remove());
  const text = clone.textContent;
  const raw = [];
  for (const marker of ['\\(', '\\[', '$$', '\\begin{']) { if (text.includes(marker)) raw.push(marker); }
  const untypeset = Array.from(document.querySelectorAll('.math'))
    .filter(e => !e.querySelector('mjx-container')).length;
  return {raw, untypeset};
}"""

BROKEN_IMAGES_JS = """() => Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0))
  .map(img => img.getAttribute('src'))"""

# Tables wider than their container hide columns behind a scroll bar.
WIDE_TABLES_JS = """() => Array.from(document.querySelectorAll('article table'))
  .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)
  .map(t => (t.querySelector('th, td') || t).textContent.trim().slice(0, 40))"""

MATHJAX_READY_JS = """() => (window.MathJax === undefined)
  || (window.MathJax.startup !== undefined && window.MathJax.startup.promise !== undefined)"""


MATHJAX_DONE_JS = "() => window.MathJax === undefined || window.MathJax.startup.promise.then(() => true)"

# Every visible element with Chinese characters in its own text (its child text nodes: the unit Chromium
# reports fonts for) is marked data-fbnn-cjk=N; returns, per element, how many Chinese characters it shows.
# Elements of the article come first, then those of the navigation, which is the same on every page.
MARK_CJK_JS = r"""(limit) => {
  const han = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
  const found = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const n = (t.data.match(han) || []).length;
    const el = t.parentElement;
    if (!n || !el || el.closest('script, style, noscript, mjx-container') || !el.checkVisibility()) continue;
    const rec = found.get(el) || {han: 0, text: ''};
    rec.han += n;
    rec.text += t.data;
    found.set(el, rec);
  }
  const main = document.querySelector('main, article') || document.body;
  const els = [...found.keys()];
  const ordered = els.filter(e => main.contains(e)).concat(els.filter(e => !main.contains(e)));
  return ordered.slice(0, limit).map((el, i) => {
    el.setAttribute('data-fbnn-cjk', String(i));
    const rec = found.get(el);
    return {han: rec.han, text: rec.text.trim().slice(0, 30)};
  });
}"""
# Elements checked per page: each costs a round trip to the browser; the article's first ones and the
# navigation's show whether the page's fonts draw Chinese.
CJK_ELEMENTS_PER_PAGE = 40
# Font families known to have Chinese glyphs, for a machine without fontconfig's fc-list.
CJK_FONT_NAMES = re.compile(r"CJK|WenQuanYi|Source Han|Noto Sans SC|Noto Serif SC|AR PL|Droid Sans Fallback|"
                            r"PingFang|Hiragino|Microsoft YaHei|SimSun|SimHei|Heiti|Songti|STHeiti", re.I)


@functools.cache
def cjk_font_families() -> frozenset[str]:
    """Every font family that fontconfig (Chromium's font source on Linux) says covers Chinese (lang=zh)."""
    fc = shutil.which("fc-list")
    if fc is None:
        return frozenset()
    out = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True, timeout=60).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(",") if name.strip())


def is_cjk_font(family: str) -> bool:
    return family in cjk_font_families() or bool(CJK_FONT_NAMES.search(family))


def chinese_font_problems(context, page) -> list[str]:
    """Elements whose Chinese characters are not all drawn by a CJK font (Chromium's own account, through
    the DevTools protocol's CSS.getPlatformFontsForNode: the fonts that drew an element's text, with glyph
    counts). A font without Chinese glyphs draws empty boxes; Chromium then names the Latin font it fell
    back to. Returns ``["no Chinese text ..."]`` for nothing found; the caller decides if that matters."""
    marked = page.evaluate(MARK_CJK_JS, CJK_ELEMENTS_PER_PAGE)
    if not marked:
        return ["no visible Chinese text found"]
    session = context.new_cdp_session(page)
    problems: list[str] = []
    try:
        session.send("DOM.enable")
        session.send("CSS.enable")
        root = session.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        for i, element in enumerate(marked):
            node = session.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-fbnn-cjk="{i}"]'})
            fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
            drawn = sum(f["glyphCount"] for f in fonts if is_cjk_font(f["familyName"]))
            if drawn < element["han"]:
                used = ", ".join(f"{f['familyName']} ({f['glyphCount']} glyphs)" for f in fonts) or "none"
                problems.append(f"Chinese text not drawn by a CJK font: {element['text']!r} "
                                f"has {element['han']} Chinese characters, fonts used: {used}")
                if len(problems) >= 3:
                    break
    finally:
        session.detach()
    return problems


def find_chromium() -> str | None:
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - signature from the base class
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) for the duration of the block; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def check_page(context, url: str, screenshot: Path | None = None) -> list[str]:
    """Load ``url`` in a new page of the Playwright ``context``; return what a reader would find broken."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    problems: list[str] = []
    outside: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page = context.new_page()
    page.route("**/*", route)
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))
    # Generous waits: these bound a page that never settles, not its speed. On 2 cores the browser shares
    # the machine with nbval kernels and the PDF build, and 30 s was seen to run out on a heavily loaded one.
    try:
        page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(MATHJAX_READY_JS, timeout=LOAD_TIMEOUT_MS)
        page.evaluate(MATHJAX_DONE_JS)
        # "Network idle" is only a settling wait: what a reader sees is checked below (typeset math, loaded
        # images, tables, requests leaving 127.0.0.1, JavaScript errors), and the fixture pages prove those
        # checks fail. In the suite's long-lived browser one math-heavy page was seen never to report idle
        # (standalone it settles in 5 s), so a page that does not settle in time is checked as it stands.
        try:
            page.wait_for_load_state("networkidle", timeout=SETTLE_TIMEOUT_MS)
        except PlaywrightTimeoutError:
            pass
        math = page.evaluate(RAW_MATH_JS)
        if math["raw"]:
            problems.append(f"raw math left in the visible text: {math['raw']}")
        if math["untypeset"]:
            problems.append(f"{math['untypeset']} math element(s) not typeset")
        wide = page.evaluate(WIDE_TABLES_JS)
        if wide:
            problems.append(f"tables wider than the page (first cell shown): {wide}")
        broken = page.evaluate(BROKEN_IMAGES_JS)
        if broken:
            problems.append(f"images that did not load: {broken}")
        local_failures = [u for u in failed if urlparse(u).hostname == "127.0.0.1"]
        if local_failures:
            problems.append(f"requests that failed: {local_failures}")
        if outside:
            problems.append(f"requests outside 127.0.0.1 (blocked): {outside}")
        # A Chinese page must show Chinese, drawn by a font that has it; so must Chinese on other pages.
        chinese_page = page.evaluate("document.documentElement.lang").lower().startswith("zh")
        fonts = chinese_font_problems(context, page)
        if fonts and (chinese_page or not fonts[0].startswith("no visible Chinese")):
            problems += fonts
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=False)
    finally:
        page.close()
    return problems
