"""The course PDF of each language, made by ``mkdocs build`` (docs/hooks/course_pdf.py, printed by
Chromium from the built site: sitebuild/course/), read back with pypdf.

- it is where the home page links it, in each language;
- every page of the book (the nav's, but the download pages) is in it, in reading order: its
  title as the site shows it (the page's <h1>) is in the extracted text, the zh PDF's in Chinese;
- a title page, a table of contents naming every chapter, an outline (bookmarks) with the chapters;
- the math is typeset (no TeX left in the text); every raster picture of the book (figures,
  notebook plots, video posters) is an image of the PDF at its own pixel size (images inside
  form XObjects counted too); the pages are numbered in the footer ("3 / N"), counting up;
- every font is embedded; the Chinese text is drawn with an embedded TrueType font whose program
  (its FontFile2 data) has the glyphs, never as Type 3 pictures; the extracted text has no
  radicals the book does not have (首页, not ⾸⻚);
- page count and size are sane for the number of pages printed;
- an unchanged site is not printed again (the cache), and what the key covers changes it.
"""

from __future__ import annotations

import base64
import re
import struct
import unicodedata
from collections import Counter
from io import BytesIO
from urllib.parse import unquote, urlsplit

import lxml.html
import pytest
from fontTools.ttLib import TTFont

from sitebuild.course import book, build, printer

pytestmark = pytest.mark.site

LANGS = ("en", "zh")
MIN_PAGES_PER_CHAPTER, MAX_PAGES_PER_CHAPTER = 1, 60
MAX_BYTES_PER_PAGE = 400_000  # text, fonts and 200 dpi figures: far less on average


def _squeeze(text: str) -> str:
    """Text without whitespace (extraction splits CJK runs and wraps lines anywhere), ligatures
    (the PDF's "ﬂ") as their letters."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def pdfs(built_site):
    from pypdf import PdfReader

    out = {}
    for lang in LANGS:
        path = build.pdf_path(built_site.path, lang)
        assert path.exists(), f"{path} was not made by the site build"
        reader = PdfReader(str(path))
        out[lang] = (path, reader, [page.extract_text() or "" for page in reader.pages])
    return out


def _h1(built_site, page, lang) -> str:
    html = book.page_file(built_site.path, page, lang).read_text(encoding="utf-8")
    article = html[html.index('class="md-content__inner') :]
    m = re.search(r"<h1[^>]*>(.*?)</h1>", article, re.S)
    assert m, f"{page.url(lang)}: no <h1>"
    text = re.sub(r"<[^>]+>", "", m[1])
    return re.sub(r"\\\(.*?\\\)", "", text).replace("¶", "").strip()


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_page_links_its_pdf(built_site, lang):
    home = built_site.path / ("zh/" if lang == "zh" else "") / "index.html"
    target = ("../" if lang == "zh" else "") + f"downloads/{build.pdf_name(lang)}"
    assert f'href="{target}"' in home.read_text(encoding="utf-8"), f"/{lang}/ does not link {target}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_is_in_it_in_reading_order(built_site, pdfs, lang):
    _, _, texts = pdfs[lang]
    whole = _squeeze("".join(texts))
    pages = book.pages()
    assert {p.source for p in pages} >= {"index.md", "flow-matching.md", "notebooks/realnvp-moons.ipynb", "api.md"}
    last, missing = 0, []
    for page in pages:
        title = _squeeze(_h1(built_site, page, lang))
        where = whole.find(title, last)
        if where < 0:
            missing.append(f"{page.source}: {title!r}" + (" (out of order)" if title in whole else ""))
        else:
            last = where + len(title)
    assert not missing, f"{lang} PDF lacks:\n  " + "\n  ".join(missing)
    if lang == "zh":
        assert "变量替换公式" in whole and "流匹配" in whole


@pytest.mark.parametrize("lang", LANGS)
def test_title_page_contents_and_outline(pdfs, lang):
    _, reader, texts = pdfs[lang]
    words = book.words(lang)
    assert _squeeze(words["title"]) in _squeeze(texts[0])
    contents = _squeeze(" ".join(texts[1:6]))
    assert _squeeze(words["contents"]) in contents
    missing = [p.titles[lang] for p in book.pages() if _squeeze(p.titles[lang]) not in contents]
    assert not missing, f"the {lang} contents lack {missing}"

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    outline = [_squeeze(t) for t in titles(reader.outline)]
    assert len(outline) >= len(book.pages()), outline[:10]


@pytest.mark.parametrize("lang", LANGS)
def test_math_is_typeset(pdfs, lang):
    _, _, texts = pdfs[lang]
    whole = "".join(texts)
    left = [tok for tok in ("\\(", "\\[", "\\frac", "\\begin{", "$$") if tok in whole]
    assert not left, f"TeX left untypeset in the {lang} PDF: {left}"


def _walk(resources, seen):
    """Every XObject and font reachable from a page's resources, through form XObjects (once each)."""
    resources = resources.get_object() if resources is not None else {}
    for kind in ("/XObject", "/Font"):
        for ref in (resources.get(kind) or {}).values():
            key = getattr(ref, "idnum", None) or id(ref)
            if key in seen:
                continue
            seen.add(key)
            obj = ref.get_object()
            yield kind, obj
            if obj.get("/Subtype") == "/Form":
                yield from _walk(obj.get("/Resources"), seen)


def _objects(reader):
    seen: set = set()
    for page in reader.pages:
        yield from _walk(page.get("/Resources"), seen)


def _raster_sizes(built_site, lang) -> list[tuple[int, int]]:
    """The pixel size of every raster picture the book shows: <img> (files and data: URLs) and
    video posters; vector ones (SVG) are drawn, not imaged."""
    doc = lxml.html.fromstring(book.book(built_site.path, lang, build.version()))
    assert doc.xpath("//img[@data-figure]"), f"no lesson figure in the {lang} book"
    sizes = []
    sources = set(doc.xpath("//img/@src | //video/@poster"))
    for src in sorted(sources):
        if src.startswith("data:image/png;base64,"):
            data = base64.b64decode(src.split(",", 1)[1])
        elif src.startswith(book.ORIGIN) and src.lower().endswith(".png"):
            data = (built_site.path / unquote(urlsplit(src).path).lstrip("/")).read_bytes()
        else:
            assert src.lower().endswith(".svg") or src.startswith("data:image/svg"), f"unexpected picture {src[:80]}"
            continue
        assert data[:8] == b"\x89PNG\r\n\x1a\n", src[:80]
        sizes.append(struct.unpack(">II", data[16:24]))
    return sizes


@pytest.mark.parametrize("lang", LANGS)
def test_every_picture_is_an_image_of_the_pdf(built_site, pdfs, lang):
    _, reader, _ = pdfs[lang]
    wanted = Counter(_raster_sizes(built_site, lang))
    found = Counter(
        (int(obj["/Width"]), int(obj["/Height"]))
        for kind, obj in _objects(reader)
        if kind == "/XObject" and obj.get("/Subtype") == "/Image"
    )
    missing = wanted - found
    assert not missing, f"the {lang} PDF lacks images of these pixel sizes (of {sum(wanted.values())}): {dict(missing)}"


@pytest.mark.parametrize("lang", LANGS)
def test_pages_are_numbered_in_the_footer(pdfs, lang):
    _, reader, texts = pdfs[lang]
    n = len(reader.pages)
    numbers = []
    for i in (0, 1, 2, n // 2, n - 2, n - 1):
        last = texts[i].strip().splitlines()[-1]
        m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", last)
        assert m, f"page {i + 1} of the {lang} PDF ends with {last!r}, not its number"
        assert int(m[2]) == n, f"page {i + 1} of the {lang} PDF says {last!r}: {n} pages"
        numbers.append(int(m[1]))
    assert numbers == [1, 2, 3, n // 2 + 1, n - 1, n], numbers


CJK = re.compile(r"[\u2e80-\u2fdf\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
RADICALS = re.compile(r"[\u2e80-\u2fdf]")  # CJK Radicals Supplement and Kangxi Radicals


def _to_unicode(font) -> set[str]:
    """The characters a font's ToUnicode CMap maps its glyphs to (bfchar and bfrange entries)."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return set()
    cmap = stream.get_object().get_data().decode("latin-1")

    def text(hex_):
        return bytes.fromhex(hex_).decode("utf-16-be", "replace")

    out = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        out |= {text(dst) for _, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)}
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            if dst.startswith("["):
                out |= {text(d) for d in re.findall(r"<([0-9A-Fa-f]+)>", dst)}
            else:
                first = ord(text(dst[1:-1])[-1])
                out |= {chr(first + k) for k in range(int(hi, 16) - int(lo, 16) + 1)}
    return out


def _program(font):
    """The embedded program of a font (of a Type 0 font's descendant): (FontFile key, bytes)."""
    descendant = (font.get("/DescendantFonts") or [font])[0].get_object()
    descriptor = descendant.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor is not None else {}
    for key in ("/FontFile2", "/FontFile3", "/FontFile"):
        if key in descriptor:
            return key, descriptor[key].get_object().get_data()
    return None, b""


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_are_embedded_with_their_cjk_glyphs(built_site, pdfs, lang):
    _, reader, texts = pdfs[lang]
    fonts = [obj for kind, obj in _objects(reader) if kind == "/Font"]
    assert fonts
    not_embedded = [str(f.get("/BaseFont")) for f in fonts if f.get("/Subtype") != "/Type3" and not _program(f)[1]]
    assert not not_embedded, f"fonts not embedded in the {lang} PDF: {not_embedded}"
    pictured = sorted({c for f in fonts if f.get("/Subtype") == "/Type3" for c in _to_unicode(f) if CJK.match(c)})
    assert not pictured, f"{len(pictured)} CJK characters of the {lang} PDF drawn as Type 3 pictures: {pictured[:20]}"
    drawn = set()
    for font in fonts:
        chars = {c for c in _to_unicode(font) if CJK.match(c)}
        if not chars:
            continue
        key, data = _program(font)
        assert key == "/FontFile2", f"{font.get('/BaseFont')}: CJK text in a {key} font"
        program = TTFont(BytesIO(data))
        outlined = sum(1 for name in program.getGlyphOrder() if program["glyf"][name].numberOfContours)
        assert outlined >= len(chars), f"{font.get('/BaseFont')}: {len(chars)} CJK characters, {outlined} outlines"
        drawn |= chars
    # what the book writes in Chinese is drawn with such a font: every chapter title in the zh
    # PDF; in the en PDF, every Chinese character of its text (the glossary's terms), if it has any
    html = book.book(built_site.path, lang, build.version())
    if lang == "zh":
        wanted = {c for p in book.pages() for c in p.titles["zh"] if CJK.match(c)}
    else:
        wanted = set(CJK.findall("".join(texts)))
        assert bool(wanted) == bool(CJK.search(printer.book_text(html))), "Chinese in the en book, none in its PDF"
    assert wanted <= drawn, f"not drawn with an embedded CJK font in {lang}: {sorted(wanted - drawn)}"
    radicals = set(RADICALS.findall("".join(texts))) - set(RADICALS.findall(html))
    assert not radicals, f"the {lang} PDF's text has radicals the book does not have: {sorted(radicals)}"


@pytest.mark.parametrize("lang", LANGS)
def test_page_count_and_size_are_sane(pdfs, lang):
    path, reader, _ = pdfs[lang]
    chapters, n, size = len(book.pages()), len(reader.pages), path.stat().st_size
    print(f"{lang} course PDF: {n} pages, {size / 1e6:.1f} MB")
    assert chapters * MIN_PAGES_PER_CHAPTER + 2 <= n <= chapters * MAX_PAGES_PER_CHAPTER, n
    assert size <= n * MAX_BYTES_PER_PAGE, (size, n)


def test_an_unchanged_site_is_not_printed_again(built_site, tmp_path):
    made = build.make(built_site.path, "en", cache=build.CACHE)
    assert made.cached, "the course PDF was printed again for an unchanged site"
    html = book.book(built_site.path, "en", build.version())
    edited = html.replace("Coupling layers", "Coupling layer", 1)
    assert edited != html and build.key(built_site.path, edited) != build.key(built_site.path, html)
