"""Look at built pages the way a reader's browser does (headless Chromium driven by Playwright).

``check_page`` returns a list of problems for one page: math left untypeset, images that did not load,
JavaScript errors, tables wider than the page, and any request that tried to leave 127.0.0.1 (such
requests are blocked, so a test run never touches the network).
"""

from __future__ import annotations

import functools
import http.server
import shutil
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
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=False)
    finally:
        page.close()
    return problems
