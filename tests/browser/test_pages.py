"""Every page of the built site, in both languages, in headless Chromium (Playwright + Debian's
/usr/bin/chromium; `playwright install` is never needed).

The site is the session build of tests/conftest.py (``built_site``), served by a local
http.server on 127.0.0.1. For every page:
- no console error and no uncaught exception; no request answered with an HTTP error;
- after MathJax has finished (``MathJax.startup.promise``), no raw ``$$``, ``\\(``, ``\\[`` or
  ``\\begin`` left in the text, no reST math (``.. math::``, ``:math:```), no MathJax error box,
  no backslash in typeset text (``\\text{log\\_prob}``) and no TeX turned into emphasis;
- every image decodes (naturalWidth > 0); every video source and poster is served (HTTP 200);
- no request to any host other than 127.0.0.1 (all requests are intercepted and recorded);
- reflowed at 390 px (a phone), the page does not scroll sideways: only boxes that scroll on
  their own (display math, long inline formulas, code, tables) may be wider;
- axe-core (vendored from npm by scripts/fetch_assets.py, for the tests only) finds no serious or
  critical accessibility violation.
Plus: every animation is on the lesson that explains it, in both languages, and loads when asked;
the language switcher goes to the twin page and back, search finds pages from an English and
a Chinese query, and screenshots of a math page and a notebook page in each language go to
artifacts/screenshots/.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import sys
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import translation_status as ts  # noqa: E402

from sitebuild.media.lessons import LESSONS  # noqa: E402

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
LANGS = ("en", "zh")
TIMEOUT_MS = 120_000  # at load 10, every phone-figure test timed out at 20 s while loading the page


def _slugs() -> list[str]:
    """Site paths of the pages, from the English sources (index -> "", x.md -> "x/")."""
    out = []
    for src in ts.english_sources():
        rel = src.relative_to(ts.DOCS).with_suffix("").as_posix()
        out.append("" if rel == "index" else (rel[: -len("/index")] + "/" if rel.endswith("/index") else rel + "/"))
    return out


PAGES = [(lang, slug) for lang in LANGS for slug in _slugs()]


# ---------------------------------------------------------------------------------------------
# fixtures: server, browser
# ---------------------------------------------------------------------------------------------
class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".json": "application/json",
        ".webm": "video/webm",
        ".mp4": "video/mp4",
        ".vtt": "text/vtt",
        ".ipynb": "application/x-ipynb+json",
    }

    def end_headers(self):
        # as GitHub Pages does: another site's <video crossorigin> may read the media and captions
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_url(built_site):
    handler = functools.partial(_Quiet, directory=str(built_site.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class Visit:
    """A browser context that records console errors, HTTP errors and off-host requests."""

    def __init__(self, browser, site_url: str, lang: str = "en"):
        self.site_url = site_url
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="zh-CN" if lang == "zh" else "en-US",
            service_workers="block",
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.external: list[str] = []
        self.errors: list[str] = []
        self.http_errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(f"console.error: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.on("response", lambda r: self.http_errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.page.on(
            "requestfailed",
            lambda r: (
                self.http_errors.append(f"failed {r.url}: {r.failure}")
                if urlsplit(r.url).hostname == "127.0.0.1"
                else None
            ),
        )

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            self.external.append(url)
            return route.abort()
        return route.continue_()

    def goto(self, path: str):
        self.page.goto(self.site_url + path, wait_until="load")
        self.page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        self.page.evaluate("() => MathJax.startup.promise")
        return self.page

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site_url):
    visits = []

    def open_(lang="en"):
        v = Visit(browser, site_url, lang)
        visits.append(v)
        return v

    yield open_
    for v in visits:
        v.close()


# ---------------------------------------------------------------------------------------------
# every page
# ---------------------------------------------------------------------------------------------
RAW_TEX_JS = r"""() => {
  const root = document.querySelector('article.md-content__inner') || document.body;
  const clone = root.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, '
    + '.jp-InputArea, .jp-OutputArea-output pre, .md-source-file').forEach(e => e.remove());
  const text = clone.textContent;
  const found = [];
  // TeX delimiters MathJax did not consume, and reST math (docstrings on the API page) left unconverted
  for (const tok of ['$$', '\\(', '\\[', '\\begin', '.. math::', ':math:`']) {
    let i = text.indexOf(tok);
    if (i >= 0) found.push(tok + ' in "' + text.slice(Math.max(0, i - 40), i + 60).replace(/\s+/g, ' ') + '"');
  }
  const merrors = [...document.querySelectorAll('mjx-merror')].map(
    e => 'MathJax error: ' + (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 120));
  // \\text{log\\_prob}: MathJax shows text-mode content literally, backslash included
  const slashes = [...root.querySelectorAll('mjx-container mtext')].map(e => e.textContent)
    .filter(t => t.includes('\\')).map(t => 'backslash in typeset text: "' + t.slice(0, 60) + '"');
  // Markdown took math for emphasis: *...* or _..._ around TeX (E_u[... ]_...)
  const italics = [...clone.querySelectorAll('em, strong')].map(e => e.textContent)
    .filter(t => t.includes('\\')).map(t => 'TeX in emphasis: "' + t.slice(0, 60) + '"');
  return found.concat(merrors, slashes, italics);
}"""

IMAGES_JS = r"""async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { i.loading = 'eager'; });
  const wait = i => i.complete ? null
    : new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); });
  await Promise.race([Promise.all(imgs.map(wait)), new Promise(r => setTimeout(r, 10000))]);
  return imgs.filter(i => !(i.naturalWidth > 0)).map(i => (i.currentSrc || i.getAttribute('src') || '').slice(0, 120));
}"""

MEDIA_JS = r"""() => {
  const urls = [];
  document.querySelectorAll('video, audio').forEach(v => {
    if (v.getAttribute('src')) urls.push(v.src);
    if (v.getAttribute('poster')) urls.push(v.poster);
    v.querySelectorAll('source[src], track[src]').forEach(s => urls.push(s.src));
  });
  return urls;
}"""


# phones: nothing scrolls sideways at 390 px (long equations, code and tables scroll in their box)
OVERFLOW_JS = r"""() => {
  const boxed = el => { for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > window.innerWidth + 1 && !boxed(el)) {
      out.push(el.tagName + ': ' + el.textContent.trim().slice(0, 60)); if (out.length > 2) break; }
  }
  return {width: document.documentElement.scrollWidth, culprits: out};
}"""


AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_JS = r"""async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
    id: v.id, impact: v.impact,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary.split('\n')[1])}));
}"""


@pytest.mark.parametrize("lang,slug", PAGES, ids=[f"{lang}:/{slug}" for lang, slug in PAGES])
def test_page(visit, lang, slug):
    v = visit(lang)
    path = ("zh/" if lang == "zh" else "") + slug
    page = v.goto(path)
    problems = []
    assert page.locator("article").count() >= 1, f"/{path}: no article"
    problems += v.errors
    problems += [f"HTTP {e}" for e in v.http_errors]
    problems += page.evaluate(RAW_TEX_JS)
    problems += [f"image does not load: {src}" for src in page.evaluate(IMAGES_JS)]
    for url in page.evaluate(MEDIA_JS):
        if urlsplit(url).hostname != "127.0.0.1":
            problems.append(f"media from another host: {url}")
            continue
        status = v.context.request.get(url).status
        if status != 200:
            problems.append(f"media {url}: HTTP {status}")
    expected_lang = "zh" if lang == "zh" else "en"
    html_lang = page.evaluate("() => document.documentElement.lang")
    if not html_lang.startswith(expected_lang):
        problems.append(f"<html lang={html_lang!r}>, expected {expected_lang}")
    problems += [f"request to another host: {u}" for u in v.external]
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `python scripts/fetch_assets.py` (./dev.sh setup does)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    for violation in page.evaluate(AXE_JS):
        problems.append(f"accessibility ({violation['impact']}) {violation['id']}: {violation['nodes']}")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the same page, reflowed
    page.wait_for_timeout(100)
    phone = page.evaluate(OVERFLOW_JS)
    if phone["width"] > 391:
        problems.append(f"scrolls sideways on a phone: {phone['width']} px wide at 390 px: {phone['culprits']}")
    assert not problems, f"/{path}:\n  - " + "\n  - ".join(problems)


# ---------------------------------------------------------------------------------------------
# language switcher, search, screenshots
# ---------------------------------------------------------------------------------------------
def _switch(page, hreflang: str):
    page.hover(".md-header__option .md-select")
    link = page.locator(f'.md-select__link[hreflang="{hreflang}"]')
    link.wait_for(state="visible")
    link.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("slug", ["coupling-layers/", "notebooks/realnvp-moons/", ""])
def test_language_switcher_goes_to_twin_and_back(visit, slug):
    v = visit("en")
    page = v.goto(slug)
    _switch(page, "zh")
    assert urlsplit(page.url).path == f"/zh/{slug}", f"English /{slug} switched to {page.url}"
    assert page.evaluate("() => document.documentElement.lang").startswith("zh")
    _switch(page, "en")
    assert urlsplit(page.url).path == f"/{slug}", f"Chinese /zh/{slug} switched back to {page.url}"
    assert not v.external, v.external


HEADING_IDS_JS = """() => [...document.querySelectorAll(
  'article.md-content__inner :is(h1, h2, h3, h4, h5, h6)[id]')].map(h => h.id)"""
HEADING_TOP_JS = "id => document.getElementById(id).getBoundingClientRect().top"


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("slug", ["change-of-variables/", "notebooks/flow-matching-gmm/"])
def test_language_switcher_keeps_the_section(visit, slug, width):
    """Opened at a section's (readable) anchor, the switcher lands on the twin's same section: the
    i-th heading of one language is the i-th of the other (the parity test keeps them aligned)."""
    v = visit("zh")
    v.page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
    zh_ids = v.goto(f"zh/{slug}").evaluate(HEADING_IDS_JS)
    assert len(zh_ids) >= 4, f"/zh/{slug}: only {len(zh_ids)} headings"
    i = len(zh_ids) // 2  # a section in the middle of the page
    assert not re.fullmatch(r"_\d*", zh_ids[i]) and re.search(r"[\u4e00-\u9fff]", zh_ids[i]), (
        f"/zh/{slug}: heading {i} has the opaque anchor #{zh_ids[i]}"
    )
    page = v.goto(f"zh/{slug}#{quote(zh_ids[i])}")
    _switch(page, "en")
    page.wait_for_function("() => location.hash.length > 1")
    en_ids = page.evaluate(HEADING_IDS_JS)
    assert len(en_ids) == len(zh_ids), f"{len(zh_ids)} headings on /zh/{slug}, {len(en_ids)} on /{slug}"
    assert urlsplit(page.url).path == f"/{slug}", page.url
    assert unquote(urlsplit(page.url).fragment) == en_ids[i], f"zh #{zh_ids[i]} switched to {page.url}"
    assert 0 <= page.evaluate(HEADING_TOP_JS, en_ids[i]) < 300, f"/{slug}#{en_ids[i]} is not scrolled into view"
    _switch(page, "zh")  # and back
    page.wait_for_function("() => location.hash.length > 1")
    assert urlsplit(page.url).path == f"/zh/{slug}", page.url
    assert unquote(urlsplit(page.url).fragment) == zh_ids[i], f"en #{en_ids[i]} switched back to {page.url}"
    assert 0 <= page.evaluate(HEADING_TOP_JS, zh_ids[i]) < 300
    assert not v.errors and not v.external, v.errors + v.external


def _search(page, query: str) -> list[str]:
    page.click(".md-search__input")
    page.fill(".md-search__input", query)
    page.keyboard.press("End")  # Material searches on keyup; fill() alone fires none
    page.locator(".md-search-result__item").first.wait_for(state="attached")
    return page.eval_on_selector_all(".md-search-result__item a", "els => els.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize(
    "lang,query,expected",
    [
        ("en", "coupling", "coupling-layers/"),
        ("zh", "耦合层", "zh/coupling-layers/"),
        ("zh", "流匹配", "zh/flow-matching/"),
    ],
)
def test_search_finds_pages(visit, lang, query, expected):
    v = visit(lang)
    page = v.goto("zh/" if lang == "zh" else "")
    hrefs = _search(page, query)
    paths = [urlsplit(urljoin(page.url, h)).path.lstrip("/") for h in hrefs]
    assert any(p.startswith(expected) for p in paths), f"search {query!r} on /{lang}: {paths[:10]}"
    other = [p for p in paths if p.startswith("zh/") != (lang == "zh")]
    assert not other, f"search {query!r} on /{lang} lists pages of the other language: {other[:5]}"
    assert not v.external, v.external


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "name,slug,selector",
    [
        ("math", "change-of-variables/", "div.arithmatex"),
        ("notebook", "notebooks/realnvp-moons/", ".jupyter-wrapper mjx-container"),
    ],
)
def test_screenshots(visit, lang, name, slug, selector):
    v = visit(lang)
    page = v.goto(("zh/" if lang == "zh" else "") + slug)
    target = page.locator(selector).first
    if target.count():
        target.scroll_into_view_if_needed()
        page.evaluate("() => window.scrollBy(0, -150)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    out = SCREENSHOTS / f"{name}-{lang}.png"
    page.screenshot(path=str(out))
    assert out.stat().st_size > 10_000, f"{out} looks empty"
    assert page.locator("mjx-container").count() > 0, f"no typeset math on /{lang}/{slug}"


# ---------------------------------------------------------------------------------------------
# animations in the lessons
# ---------------------------------------------------------------------------------------------
LESSON_SCENES = [(lang, scene) for lang in LANGS for scene in LESSONS]

VIDEO_JS = r"""async (scene) => {
  const fig = document.querySelector(`figure.lesson-animation[data-scene="${scene}"]`);
  if (!fig) return {missing: true};
  const video = fig.querySelector('video');
  const track = video.querySelector('track');
  const before = {preload: video.getAttribute('preload'), readyState: video.readyState};
  const steps = fig.nextElementSibling && fig.nextElementSibling.matches('ol.lesson-steps')
    ? fig.nextElementSibling.querySelectorAll('li').length : 0;
  const player = fig.querySelector('figcaption a');
  // what a reader's click on play asks first: the metadata
  const loaded = await new Promise(resolve => {
    const t = setTimeout(() => resolve(false), 15000);
    video.addEventListener('loadedmetadata', () => { clearTimeout(t); resolve(true); }, {once: true});
    video.preload = 'metadata';
    video.load();
  });
  return {before, steps, loaded, duration: video.duration, width: video.videoWidth,
          srclang: track && track.srclang, isDefault: track && track.default,
          player: player && player.href};
}"""


@pytest.mark.parametrize("lang,scene", LESSON_SCENES, ids=[f"{lang}:{scene}" for lang, scene in LESSON_SCENES])
def test_each_scene_is_shown_in_its_lesson(visit, built_site, lang, scene):
    """The scene's video is in its lesson page, loads nothing until asked, then loads its
    metadata; captions in the page's language, on by default; the step list beneath; a player link."""
    v = visit(lang)
    page = v.goto(("zh/" if lang == "zh" else "") + LESSONS[scene] + "/")
    got = page.evaluate(VIDEO_JS, scene)
    assert not got.get("missing"), f"{scene} is not on /{lang}/{LESSONS[scene]}/"
    record = json.loads(
        (built_site.path / "generated" / "animations" / scene / lang / "preview" / "steps.json").read_text("utf-8")
    )
    assert got["before"] == {"preload": "none", "readyState": 0}, got
    assert got["loaded"] and abs(got["duration"] - record["duration"]) < 0.5 and got["width"] > 0, got
    assert got["srclang"] == lang and got["isDefault"], got
    assert got["steps"] == len(record["steps"]), got
    assert got["player"].endswith(f"/animations/{scene}/{lang}/preview/player.html"), got
    assert v.context.request.get(got["player"]).status == 200
    assert not v.errors and not v.external, (v.errors, v.external)


# ---------------------------------------------------------------------------------------------
# the instructors' embed snippets, pasted into a page on another origin
# ---------------------------------------------------------------------------------------------
def _serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _code_blocks(page: Path) -> list[str]:
    """The text of every code block of a built page, as a reader copies it."""
    html_ = page.read_text(encoding="utf-8")
    blocks = re.findall(r"<pre[^>]*>(.*?)</pre>", html_, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", b)).strip() for b in blocks]


EMBED_JS = r"""async () => {
  const video = document.querySelector('video');
  const track = video.querySelector('track');
  const waitFor = (ok, ms) => new Promise(resolve => {
    const t0 = performance.now();
    (function poll() {
      if (ok()) resolve(true); else if (performance.now() - t0 > ms) resolve(false); else setTimeout(poll, 100);
    })();
  });
  const metadata = await waitFor(() => video.readyState >= 1, 15000);
  const cues = () => track.track.cues && track.track.cues.length > 0;
  const captions = await waitFor(() => track.readyState === 2 && cues(), 15000);
  return {metadata, captions, trackState: track.readyState, mode: track.track.mode,
          cues: track.track.cues ? track.track.cues.length : 0, label: track.label, srclang: track.srclang,
          duration: video.duration, crossOrigin: video.crossOrigin};
}"""

PLAYER_JS = r"""async () => {
  const video = document.querySelector('video');
  const waitFor = (ok, ms) => new Promise(resolve => {
    const t0 = performance.now();
    (function poll() {
      if (ok()) resolve(true); else if (performance.now() - t0 > ms) resolve(false); else setTimeout(poll, 100);
    })();
  });
  const metadata = await waitFor(() => video.readyState >= 1, 15000);
  const tracks = [...video.querySelectorAll('track')];
  const shown = tracks.find(t => t.default);
  const captions = await waitFor(() => shown && shown.readyState === 2 && shown.track.cues.length > 0, 15000);
  return {metadata, captions, title: document.title, langs: tracks.map(t => t.srclang),
          shown: shown && shown.srclang, credit: (document.querySelector('.credit') || {}).textContent || ''};
}"""


@pytest.mark.parametrize("lang", LANGS)
def test_embed_snippets_work_from_another_origin(browser, built_site, site_url, tmp_path, lang):
    """The two snippets of the first scene, copied from the instructors' page and completed as its
    note says (this build has no site_url: the published address plus generated/ before
    animations/), pasted into a page served from a second origin: the iframe's player loads its
    video and captions; the <video> (crossorigin) loads its metadata and its captions track
    (the site's server sends Access-Control-Allow-Origin, as GitHub Pages does)."""
    page = built_site.path / ("zh/" if lang == "zh" else "") / "instructors" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert "YOUR-SITE" not in text
    if lang == "zh":
        assert "preview 854" not in text and "Notebook" not in text
    # the scenes' snippets (the explorers' iframe snippet, to explore/, is tested in test_explorer)
    snippets = [b for b in _code_blocks(page) if b.startswith(("<video", "<iframe")) and "explore/" not in b]
    assert len(snippets) == 2 * len(LESSONS), len(snippets)
    video, iframe = snippets[:2]
    assert 'crossorigin="anonymous"' in video and ' label="' in video and 'kind="captions"' in video
    base = f"{site_url}generated/"
    video, iframe = (re.sub(r'(src|poster)="animations/', rf'\1="{base}animations/', s) for s in (video, iframe))
    assert video.count(base) == 4 and iframe.count(base) == 1
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>course</title>'
        f"</head><body>"
        f"{video}\n{iframe}</body></html>",
        encoding="utf-8",
    )
    other = _serve(tmp_path)
    try:
        v = Visit(browser, site_url, lang)
        origin = f"http://127.0.0.1:{other.server_address[1]}/"
        assert urlsplit(origin).port != urlsplit(site_url).port, "the same origin proves nothing"
        v.page.goto(origin, wait_until="domcontentloaded", timeout=60_000)  # the snippets load their media
        got = v.page.evaluate(EMBED_JS)
        assert got["metadata"] and got["duration"] > 1, got
        assert got["crossOrigin"] == "anonymous" and got["srclang"] == lang and got["label"], got
        assert got["captions"] and got["cues"] > 0 and got["mode"] == "showing", got
        frame = v.page.frame_locator("iframe")
        frame.locator("video").wait_for(state="attached")
        player = next(f for f in v.page.frames if f.url.endswith("player.html"))
        got = player.evaluate(PLAYER_JS)
        assert got["metadata"] and got["captions"] and got["shown"] == lang, got
        assert sorted(got["langs"]) == sorted(LANGS), got
        assert "CC BY 4.0" in got["credit"] and " · " in got["title"] and not got["title"].startswith("masks"), got
        if lang == "zh":
            assert "preview" not in got["credit"] and "Notebook" not in got["credit"]
        assert not v.errors and not v.external and not v.http_errors, (v.errors, v.external, v.http_errors)
        v.close()
    finally:
        other.shutdown()
        other.server_close()


# figures on a phone (docs/hooks/figures.py, sitebuild/figures/style.py)
# ---------------------------------------------------------------------------------------------
MIN_TEXT_CSS_PX = 9.0  # the smallest text of a figure, on screen
FIGURE_REF = "generated/figures/"

FIGURES_JS = r"""async () => {
  const imgs = [...document.querySelectorAll('article img[src*="generated/figures/"]')];
  imgs.forEach(i => { i.loading = 'eager'; });
  const settled = i => i.complete && i.naturalWidth > 0 && (!i.dataset.figure || i.currentSrc.includes(
    window.matchMedia('(max-width: 600px)').matches ? '.narrow.png' : '/' + i.dataset.figure + '.png'));
  for (let k = 0; k < 200 && !imgs.every(settled); k++) await new Promise(r => setTimeout(r, 50));
  return imgs.map(i => {
    const r = i.getBoundingClientRect();
    const narrow = i.currentSrc.endsWith('.narrow.png');
    const px = parseFloat(narrow ? i.dataset.narrowTextPx : i.dataset.textPx);
    return {figure: i.dataset.figure || null, src: i.currentSrc.split('/').slice(-1)[0], narrow, alt: i.alt,
            width: r.width, height: r.height, natural: i.naturalWidth, text: r.width / i.naturalWidth * px};
  });
}"""


# a link or image to a figure file, not a download link ("[SVG, 1 MB](…){ download=… }")
_FIGURE_IMAGE = re.compile(r"\]\((?:\.\./)*" + re.escape(FIGURE_REF) + r"[^)\s]+\)(?!\{ ?download)")
_SNIPPET = re.compile(r'^--8<-- "([^"]+)"', re.M)


def _figure_count(lang: str, slug: str) -> int:
    """How many figure images the page's source (the Chinese twin on /zh/) shows, counting the
    generated tables it includes (the figure gallery's)."""
    rel = (slug.rstrip("/") or "index") + (".zh.md" if lang == "zh" else ".md")
    src = ts.DOCS / rel
    if not src.exists():
        src = ts.DOCS / (slug.rstrip("/") + "/index.md")
    if not src.exists():
        return 0
    text = src.read_text(encoding="utf-8")
    included = [ts.DOCS / m for m in _SNIPPET.findall(text)]
    return sum(len(_FIGURE_IMAGE.findall(t.read_text(encoding="utf-8"))) for t in (src, *included) if t.exists())


FIGURE_PAGES = [(lang, slug) for lang, slug in PAGES if _figure_count(lang, slug)]


@pytest.mark.parametrize("lang,slug", FIGURE_PAGES, ids=[f"{lang}:/{slug}" for lang, slug in FIGURE_PAGES])
def test_figures_are_legible_on_a_phone(visit, lang, slug):
    """At 1280 px every figure is its wide PNG; at 390 px its narrow one, whose smallest text
    (recorded in pixels of the PNG when it was drawn) comes out at least 9 CSS px on screen."""
    v = visit(lang)
    page = v.goto(("zh/" if lang == "zh" else "") + slug)
    laptop = page.evaluate(FIGURES_JS)
    assert len(laptop) == _figure_count(lang, slug), f"/{lang}/{slug}: {len(laptop)} figures shown: {laptop}"
    problems = [f"{f['src']} has no phone layout (no <picture>)" for f in laptop if not f["figure"]]
    problems += [f"{f['src']} at 1280 px: expected the wide PNG" for f in laptop if f["narrow"]]
    page.set_viewport_size({"width": 390, "height": 844})
    phone = page.evaluate(FIGURES_JS)
    for f in phone:
        print(f"{lang} {slug} {f['figure']}: {f['src']} {f['width']:.0f}x{f['height']:.0f} text {f['text']:.1f} CSS px")
        if not f["narrow"]:
            problems.append(f"{f['src']} at 390 px: expected the narrow PNG")
        elif f["text"] < MIN_TEXT_CSS_PX:
            problems.append(f"{f['figure']}: smallest text {f['text']:.1f} CSS px at 390 px (< {MIN_TEXT_CSS_PX})")
        if lang == "zh" and not any("\u4e00" <= c <= "\u9fff" for c in f["alt"]):
            problems.append(f"{f['figure']}: alt text not in Chinese: {f['alt']!r}")
    assert not problems, f"/{lang}/{slug}:\n  - " + "\n  - ".join(problems)
    assert not v.errors and not v.external, (v.errors, v.external)


LIGHTBOX_JS = r"""async () => {
  for (let k = 0; k < 200; k++) {
    const img = document.querySelector('.gslide.current .gslide-image img');
    if (img && img.complete && img.naturalWidth > 0) {
      await new Promise(r => setTimeout(r, 600));  // the opening animation
      const r = img.getBoundingClientRect();
      return {src: img.currentSrc.split('/').slice(-1)[0], width: r.width, height: r.height, natural: img.naturalWidth};
    }
    await new Promise(r => setTimeout(r, 50));
  }
  return null;
}"""


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("lang", LANGS)
def test_lightbox_opens_the_layout_shown(visit, lang, width):
    """Tapping a figure on a phone opens its narrow PNG, legible (not the wide one squeezed into a
    390 x 101 box); on a laptop the full-resolution wide PNG, which a click zooms to its natural size."""
    v = visit(lang)
    page = v.goto(("zh/" if lang == "zh" else "") + "flow-matching/")
    page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
    page.wait_for_timeout(200)
    link = page.locator('a.glightbox:has(img[data-figure="fm_velocity_field"])')
    link.scroll_into_view_if_needed()
    link.click()
    shown = page.evaluate(LIGHTBOX_JS)
    assert shown, "the lightbox did not open"
    img = page.locator("img[data-figure=fm_velocity_field]")
    px = float(img.get_attribute("data-narrow-text-px" if width == 390 else "data-text-px"))
    text = shown["width"] / shown["natural"] * px
    print(f"{lang} lightbox at {width} px: {shown} text {text:.1f} CSS px")
    if width == 390:
        assert shown["src"] == "fm_velocity_field.narrow.png", shown
        assert text >= MIN_TEXT_CSS_PX and shown["height"] > 400, (shown, text)
    else:
        assert shown["src"] == "fm_velocity_field.png", shown
        page.locator(".gslide.current .gslide-image img").click()
        page.wait_for_timeout(500)
        zoomed = page.evaluate(LIGHTBOX_JS)
        assert page.locator(".gslide.current.zoomed").count() == 1, "a click does not zoom the figure"
        assert abs(zoomed["width"] - zoomed["natural"]) < 2, f"zoomed to {zoomed}, not to the full resolution"
    assert not v.errors and not v.external, (v.errors, v.external)


# ---------------------------------------------------------------------------------------------
# the figure gallery (sitebuild/tables/figure_gallery.py, docs/figures(.zh).md)
# ---------------------------------------------------------------------------------------------
GALLERY_JS = r"""async () => {
  const imgs = [...document.querySelectorAll('article img[data-figure]')];
  imgs.forEach(i => { i.loading = 'eager'; });
  const wide = () => !window.matchMedia('(max-width: 600px)').matches;
  const settled = i => i.complete && i.naturalWidth > 0
    && i.currentSrc.includes(wide() ? '/' + i.dataset.figure + '.png' : '.narrow.png');
  for (let k = 0; k < 400 && !imgs.every(settled); k++) await new Promise(r => setTimeout(r, 50));
  return {
    figures: imgs.map(i => ({name: i.dataset.figure, src: i.currentSrc.split('/').slice(-1)[0], ok: settled(i),
                             alt: i.alt})),
    downloads: [...document.querySelectorAll('article a[download]')].map(
      a => ({href: a.href, name: a.getAttribute('download')})),
    width: document.documentElement.scrollWidth,
  };
}"""


CJK_RE = re.compile("[\u4e00-\u9fff]")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", LANGS)
def test_figure_gallery(visit, lang, width):
    """Every figure with its image (the phone layout on a phone), its SVG and PNG downloads named
    with figure and language, in the page's language; nothing scrolls sideways."""
    import xml.etree.ElementTree as ET

    from sitebuild.tables.figure_gallery import FIGURES

    v = visit(lang)
    v.page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
    page = v.goto(("zh/" if lang == "zh" else "") + "figures/")
    got = page.evaluate(GALLERY_JS)
    assert sorted(f["name"] for f in got["figures"]) == sorted(FIGURES), got["figures"]
    problems = [f"{f['name']}: not shown ({f['src']})" for f in got["figures"] if not f["ok"]]
    if lang == "zh":
        problems += [f"{f['name']}: alt text not in Chinese" for f in got["figures"] if not CJK_RE.search(f["alt"])]
    names = {d["name"]: d["href"] for d in got["downloads"]}
    # mkdocs-static-i18n serves <figure>.zh.<ext> as zh/generated/figures/<figure>.<ext>
    folder = ("/zh" if lang == "zh" else "") + "/generated/figures/"
    for figure in FIGURES:
        for ext in ("svg", "png"):
            href = names.get(f"{figure}.{lang}.{ext}")
            if href is None or not href.endswith(f"{folder}{figure}.{ext}"):
                problems.append(f"{figure}: no {ext.upper()} download named {figure}.{lang}.{ext} ({href})")
                continue
            response = v.context.request.get(href)
            if response.status != 200:
                problems.append(f"{href}: HTTP {response.status}")
            elif ext == "svg" and not ET.fromstring(response.body()).get("viewBox"):
                problems.append(f"{href}: no viewBox")
            elif (
                lang != "en"
                and response.body() == v.context.request.get(href.replace(folder, "/generated/figures/")).body()
            ):
                problems.append(f"{href}: the English figure, not the {lang} one")
    if got["width"] > width + 1:
        problems.append(f"scrolls sideways: {got['width']} px wide at {width} px")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"figures-{lang}-{width}.png"))
    assert not problems, "\n".join(problems)
    assert not v.errors and not v.external and not v.http_errors, (v.errors, v.external, v.http_errors)
