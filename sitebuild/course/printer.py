"""Print the course book (:mod:`sitebuild.course.book`) to PDF with headless Chromium, driven by
Playwright: the Debian chromium the browser tests use (``/usr/bin/chromium``), never a download.

Every request goes to :data:`~sitebuild.course.book.ORIGIN` and is answered from the built site's
folder (the book itself from memory); any other request is refused, so the PDF is made offline.
Before printing: MathJax has typeset everything (``MathJax.startup.promise``), every image has
loaded, and ``beforeprint`` has been sent (print.js opens every ``<details>``). Chromium embeds
the fonts it uses as fonts when they are TrueType (subsets), and draws the glyphs of the others as
Type 3 pictures (MathJax's, whose text still reads back right); the Chinese text gets a TrueType
cut of Noto Sans CJK SC made for the book (:mod:`sitebuild.course.fonts`). It writes the outline
(bookmarks) from the headings and numbers the pages in its footer.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html

from sitebuild.course import fonts
from sitebuild.course.book import BOOK_PATH, ORIGIN

EXTERNAL_TOOLS = ("chromium",)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
TIMEOUT_MS = 1_800_000  # MathJax typesets the whole course in one page: minutes on a busy machine
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}

READY_JS = r"""async (families) => {
  await MathJax.startup.promise;
  const cjk = [...document.fonts].filter(f => families.includes(f.family.replace(/"/g, '')));
  await Promise.all(cjk.map(f => f.load().catch(() => null)));
  await document.fonts.ready;
  const imgs = [...document.images];
  await Promise.all(imgs.map(i => i.complete ? null
    : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  window.dispatchEvent(new Event('beforeprint'));
  return {images: imgs.length, broken: imgs.filter(i => !(i.naturalWidth > 0)).map(i => i.src).slice(0, 5),
          math: document.querySelectorAll('mjx-container').length,
          fonts: cjk.length ? cjk.filter(f => f.status === 'error').map(f => f.family) : ['none of ' + families],
          errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent).slice(0, 5)};
}"""


def footer() -> str:
    """Chromium's footer template: the page number and the page count, "3 / 120" in both
    languages. (A footer is drawn apart from the page and cannot use the book's fonts: words such
    as 第…页 would come from the system's CFF font, as pictures that read back as radicals.)

    >>> "pageNumber" in footer() and "totalPages" in footer()
    True
    """
    return (
        '<div style="width:100%;text-align:center;font-size:8pt;color:#555;font-family:sans-serif">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    )


def book_text(book_html: str) -> str:
    """Every character the book shows (its text, not its markup), for the font subset.

    >>> sorted(set(book_text("<p>流 <b>flow</b></p><script>x</script>")))
    [' ', 'f', 'l', 'o', 'w', '流']
    """
    doc = lxml.html.fromstring(book_html)
    for element in doc.xpath("//script | //style"):
        element.drop_tree()
    return doc.text_content()


def _answer(site: Path, book_html: str, served: dict[str, bytes]):
    root = Path(site).resolve()

    def handle(route):
        url = route.request.url
        if not url.startswith(ORIGIN):
            return route.abort()
        rel = unquote(urlsplit(url).path).lstrip("/")
        if rel == BOOK_PATH:
            return route.fulfill(status=200, body=book_html, content_type="text/html; charset=utf-8")
        if rel in served:
            return route.fulfill(status=200, body=served[rel], content_type="font/ttf")
        path = (root / rel).resolve()
        if path.is_dir():
            path = path / "index.html"
        if root not in path.parents or not path.is_file():
            return route.fulfill(status=404, body="not found")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return route.fulfill(status=200, body=path.read_bytes(), content_type=kind)

    return handle


def print_pdf(site: Path, book_html: str, out: Path, lang: str) -> dict:
    """Print ``book_html`` (served with the site folder ``site``) to ``out``; return what was
    typeset and loaded (counts of math and images). Errors name what went wrong: Chromium
    missing, math MathJax could not typeset, images that did not load."""
    if not Path(CHROMIUM).exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: the course PDF is printed by Debian's chromium (./dev.sh setup installs it; "
            "CHROMIUM=/path/to/chromium to use another, EXPLAINER_PDF=0 to build the site without the PDF)"
        )
    from playwright.sync_api import sync_playwright

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = book_text(book_html)
    served = {fonts.path(weight): fonts.truetype(text, weight) for weight in fonts.WEIGHTS}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(color_scheme="light", service_workers="block")
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", _answer(site, book_html, served))
            page = context.new_page()
            page.goto(ORIGIN + BOOK_PATH, wait_until="domcontentloaded", timeout=TIMEOUT_MS)
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
            state = page.evaluate(READY_JS, [fonts.FAMILY, fonts.FALLBACK])
            if state["errors"] or state["broken"] or state["fonts"]:
                problems = (
                    f"MathJax errors {state['errors']}, images not loaded {state['broken']}, "
                    f"fonts not loaded {state['fonts']}"
                )
                raise RuntimeError(f"course PDF ({lang}): {problems}")
            page.pdf(
                path=str(out),
                format="A4",
                margin=MARGIN,
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=footer(),
                outline=True,
                tagged=True,
            )
        finally:
            browser.close()
    return state
