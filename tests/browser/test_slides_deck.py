"""The scenes' reveal.js decks in headless Chromium, offline: each deck's zip unpacked and opened
from file:// with every network request refused, and the deck on the site (docs/ served as the
site serves it: the deck loads the vendored reveal.js from assets/vendor/reveal/).

For each: no console error, no uncaught exception, no request off the machine; one slide per
section of the scene; → advances one slide at a time to the last and ← goes back; each slide's
clip plays; the speaker notes are the narration in the deck's language, and ``c`` shows it
under the slide.

The slides are the pipeline's (``slides:<scene>``, built by the ``slides`` fixture: cached by
content hash, so cheap once the scenes are rendered).
"""

from __future__ import annotations

import functools
import http.server
import threading
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitebuild import pipeline
from sitebuild.media import pages, slide_layout, slide_targets
from sitebuild.media.scenes import SCENES

pytestmark = pytest.mark.browser
LANGS = ("en", "zh")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def slides():
    names = [slide_targets.slides_target(s) for s in SCENES]
    pipeline.build(names, progress=False)
    return pipeline.GENERATED


class Deck:
    """A page in its own browser context, recording errors and requests that leave the machine."""

    def __init__(self, browser, lang: str, allowed: tuple[str, ...]):
        self.context = browser.new_context(viewport={"width": 1280, "height": 720}, service_workers="block",
                                           locale="zh-CN" if lang == "zh" else "en-US")  # fmt: skip
        self.context.set_default_timeout(60_000)  # a loaded CI machine
        self.errors: list[str] = []
        self.external: list[str] = []
        self.allowed = allowed
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("file", "data", "blob") or (parts.scheme == "http" and parts.hostname in self.allowed):
            return route.continue_()
        self.external.append(url)
        return route.abort()


def _check(deck: Deck, url: str, record: dict) -> None:
    page, steps = deck.page, record["steps"]
    page.goto(url, wait_until="load")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()")
    assert page.evaluate("Reveal.getTotalSlides()") == len(steps)
    for i, step in enumerate(steps):
        assert page.evaluate("Reveal.getIndices().h") == i
        assert page.evaluate("Reveal.getSlideNotes()").strip() == step["narration"]
        # the clip of the current slide plays (it is muted: autoplay is allowed)
        page.wait_for_function("() => { const v = Reveal.getCurrentSlide().querySelector('video');"
                               " return v && v.readyState >= 2 && (v.currentTime > 0 || v.ended); }")  # fmt: skip
        page.keyboard.press("ArrowRight")
    assert page.evaluate("Reveal.getIndices().h") == len(steps) - 1, "→ on the last slide stays there"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate("Reveal.getIndices().h") == len(steps) - 2
    narration = page.locator("#narration")
    assert not narration.is_visible()
    page.keyboard.press("c")  # the narration under the slide, following it
    narration.wait_for(state="visible")
    assert narration.inner_text().strip() == steps[-2]["narration"]
    page.keyboard.press("ArrowLeft")
    assert narration.inner_text().strip() == steps[-3 if len(steps) > 2 else 0]["narration"]
    assert deck.errors == [], deck.errors
    assert deck.external == [], deck.external


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", list(SCENES))
def test_deck_zip_works_offline(browser, slides, tmp_path, scene, lang):
    archive = slide_layout.slides_dir(slides, scene, lang) / slide_layout.file_name(scene, lang, "zip")
    with zipfile.ZipFile(archive) as z:
        z.extractall(tmp_path)
    index = tmp_path / archive.name.removesuffix(".zip") / "index.html"
    deck = Deck(browser, lang, allowed=())
    try:
        _check(deck, index.as_uri(), pages.steps_record(slides, scene, lang))
    finally:
        deck.context.close()


@pytest.fixture(scope="module")
def docs_url():
    """docs/ over HTTP, laid out as the built site is (generated/ and assets/ side by side)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(ROOT / "docs"))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("lang", LANGS)
def test_deck_on_the_site_uses_the_vendored_reveal(browser, slides, docs_url, lang):
    scene = "coupling_layer"
    deck = Deck(browser, lang, allowed=("127.0.0.1",))
    try:
        _check(deck, f"{docs_url}generated/slides/{scene}/{lang}/index.html", pages.steps_record(slides, scene, lang))
    finally:
        deck.context.close()
