"""The offline copy (docs/hooks/offline.py): the zip the build writes, unzipped and opened from
``file://`` in Chromium with every network request refused. Pages load in both languages, their
figures decode, their math is typeset, links between pages and the language switcher lead to
pages (not folder listings), the search button says how to search, and the console stays clean.
"""

from __future__ import annotations

import zipfile

import pytest
from test_pages import IMAGES_JS, RAW_TEX_JS

pytestmark = pytest.mark.browser

NAME = "flows-explained-offline"
TIMEOUT_MS = 120_000  # a cold Chromium on a busy 2-core machine took 40-60 s for the first page


@pytest.fixture(scope="module")
def offline_copy(built_site, tmp_path_factory):
    archive = built_site.path / "downloads" / f"{NAME}.zip"
    assert archive.is_file(), f"the build wrote no offline copy at {archive}"
    out = tmp_path_factory.mktemp("offline")
    with zipfile.ZipFile(archive) as z:
        z.extractall(out)
    return out / NAME


class FileVisit:
    """A browser context that refuses (and records) every request a page makes to the network,
    and records console errors, uncaught exceptions and files that fail to load."""

    def __init__(self, browser, lang: str):
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN" if lang == "zh" else "en-US"
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.network: list[str] = []
        self.problems: list[str] = []
        self.context.route("**/*", self._refuse)
        self.page = self.context.new_page()
        self.page.on(
            "console", lambda m: self.problems.append(f"console.error: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed {r.url}: {r.failure}"))

    def _refuse(self, route):
        if not route.request.url.startswith("file:"):
            self.network.append(route.request.url)
            return route.abort()
        return route.continue_()

    def settle(self):
        page = self.page
        page.wait_for_load_state("load")
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
        return page

    def goto(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.settle()


@pytest.fixture
def file_visit(browser):
    visits = []

    def open_(lang="en"):
        visits.append(FileVisit(browser, lang))
        return visits[-1]

    yield open_
    for v in visits:
        v.context.close()


PAGES = [("en", "index.html"), ("en", "coupling-layers/index.html"), ("zh", "zh/index.html"),
         ("zh", "zh/coupling-layers/index.html"), ("zh", "zh/notebooks/realnvp-moons/index.html")]  # fmt: skip


@pytest.mark.parametrize("lang,path", PAGES, ids=[p for _, p in PAGES])
def test_offline_page_works_from_files(offline_copy, file_visit, lang, path):
    v = file_visit(lang)
    page = v.goto((offline_copy / path).as_uri())
    assert page.locator("article").count() >= 1, f"{path}: no article"
    assert page.evaluate("() => document.documentElement.lang").startswith(lang)
    problems = list(v.problems)
    problems += page.evaluate(RAW_TEX_JS)
    if "coupling" in path or "notebooks" in path:
        assert page.locator("mjx-container").count() > 0, f"{path}: no typeset math"
    problems += [f"image does not load: {src}" for src in page.evaluate(IMAGES_JS)]
    assert page.evaluate("() => document.images.length") > 0
    problems += [f"network request: {u}" for u in v.network]
    assert not problems, f"{path} from file://:\n" + "\n".join(problems)


def test_offline_navigation_and_language_switch(offline_copy, file_visit):
    v = file_visit("en")
    page = v.goto((offline_copy / "index.html").as_uri())
    # a lesson from the navigation: its page, not a folder listing
    page.locator("nav.md-nav--primary a.md-nav__link[href$='coupling-layers/index.html']").first.click()
    page = v.settle()
    assert page.url.endswith("/coupling-layers/index.html"), page.url
    assert page.locator("article h1").count() == 1
    figures = page.locator("article img")
    assert figures.count() > 0 and page.evaluate(IMAGES_JS) == []
    # the language switcher: the Chinese twin
    href = page.locator("a[hreflang='zh']").first.get_attribute("href")
    assert href and "index.html" in href, f"the language switcher links {href!r}"
    page.locator("a[hreflang='zh']").first.dispatch_event("click")
    page = v.settle()
    assert "/zh/coupling-layers/index.html" in page.url, page.url
    assert page.evaluate("() => document.documentElement.lang").startswith("zh")
    # search cannot run from files: the button says how to search instead
    page.locator('label.md-header__button[for="__search"]').first.click()
    note = page.locator("#offline-search-note")
    note.wait_for()
    assert "python3 -m http.server" in note.inner_text() and "搜索" in note.inner_text()
    assert not v.problems and not v.network, v.problems + v.network
