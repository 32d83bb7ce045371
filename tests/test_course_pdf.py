"""The course PDF of each language, made by ``mkdocs build`` (docs/hooks/course_pdf.py, printed by
Chromium from the built site: sitebuild/course/), read back with pypdf.

- it is where the home page links it, in each language;
- every page of the book (the nav's, but the download pages) is in it, in reading order: its
  title as the site shows it (the page's <h1>) is in the extracted text, the zh PDF's in Chinese;
- a title page, a table of contents naming every chapter, an outline (bookmarks) with the chapters;
- the math is typeset (no TeX left in the text), the figures are in it (image objects), the pages
  are numbered in the footer ("page 3 of N" / "第 3 页，共 N 页");
- every font is embedded, Noto Sans CJK among them in Chinese;
- page count and size are sane for the number of pages printed;
- an unchanged site is not printed again (the cache), and what the key covers changes it.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from sitebuild.course import book, build

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
def test_math_typeset_figures_and_page_numbers(pdfs, lang):
    _, reader, texts = pdfs[lang]
    whole = "".join(texts)
    left = [tok for tok in ("\\(", "\\[", "\\frac", "\\begin{", "$$") if tok in whole]
    assert not left, f"TeX left untypeset in the {lang} PDF: {left}"
    images = sum(
        1
        for page in reader.pages
        for obj in (page.get("/Resources") or {}).get("/XObject", {}).values()
        if obj.get_object().get("/Subtype") == "/Image"
    )
    assert images >= 22, f"only {images} images in the {lang} PDF"  # at least every lesson figure
    n = len(reader.pages)
    w = book.words(lang)
    for i in (2, n // 2, n - 1):
        expected = _squeeze(f"{w['page']} {i + 1} {w['page_of']} {n} {w['page_end']}")
        assert expected in _squeeze(texts[i]), f"page {i + 1} of the {lang} PDF: no {expected!r}"


def _fonts(reader):
    for page in reader.pages:
        for font in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                yield descendant.get_object()


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_are_embedded(pdfs, lang):
    _, reader, _ = pdfs[lang]
    fonts = {str(f.get("/BaseFont")): f for f in _fonts(reader)}
    assert fonts
    not_embedded = [
        name
        for name, f in fonts.items()
        if f.get("/Subtype") != "/Type3"
        and not any(k in (f.get("/FontDescriptor") or {}) for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    ]
    assert not not_embedded, f"fonts not embedded in the {lang} PDF: {not_embedded}"
    if lang == "zh":
        assert any("CJK" in name for name in fonts), sorted(fonts)


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
