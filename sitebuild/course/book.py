"""The course as one HTML document: a title page, a table of contents and every page of the built
site in reading order (one chapter each), ready for Chromium to print (:mod:`sitebuild.course.printer`).

Each chapter is the page's article as the site shows it (math still as TeX: MathJax typesets the
whole book at once). Ids get the chapter's prefix, so that two pages' ``#exercises`` stay apart;
a link to another page of the book becomes a link inside the PDF; a link to a file that is not a
page (a download) points to the published site when its address is known, and is dropped
otherwise; images and posters are addressed from the site's root. The book's head takes the
site's stylesheets (print.css lays the pages out for paper), the Chinese font's rules
(:mod:`sitebuild.course.fonts`) and only three scripts: MathJax's
configuration, MathJax, and print.js (it opens every ``<details>`` before printing).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html

from sitebuild import nav, strings
from sitebuild.course import fonts

ORIGIN = "http://course.invalid/"  # the printer answers every request to it from the built site
BOOK_PATH = "__course__.html"  # where the book itself is served on ORIGIN
# Pages left out: what they offer is files and players to download or embed, not text to read.
EXCLUDED = ("instructors.md", "figures.md")
SCRIPTS = ("assets/js/mathjax-config.js", "assets/vendor/mathjax/tex-chtml.js", "assets/js/print.js")
WORDS = Path(__file__).resolve().parent / "strings.toml"
DROP = (
    "//script",
    "//a[contains(concat(' ', @class, ' '), ' headerlink ')]",
    "//*[contains(concat(' ', @class, ' '), ' md-content__button ')]",
    "//*[contains(concat(' ', @class, ' '), ' md-source-file ')]",
)
# Taken out but not what follows them: lxml's HTML parser does not know these are empty elements
# and reads what comes after one (the <img> of a <picture>) as its content.
UNWRAP = (
    "//picture/source",  # the phone layout: paper gets the wide one
    "//video/source",  # a video prints as its poster
    "//video/track",
)


@dataclass(frozen=True)
class Chapter:
    page: nav.Page
    prefix: str  # every id of the chapter starts with it
    title: str
    body: str  # the article's HTML, rewritten
    sections: list[tuple[str, str]]  # (id, heading HTML) of its h2 headings


def pages() -> list[nav.Page]:
    """The book's pages: the nav's, in order, but :data:`EXCLUDED`."""
    return [p for p in nav.pages() if p.source not in EXCLUDED]


def prefix(page: nav.Page) -> str:
    """
    >>> prefix(nav.Page("notebooks/realnvp-moons.ipynb", {})), prefix(nav.Page("index.md", {}))
    ('notebooks-realnvp-moons--', 'index--')
    """
    return page.source.rsplit(".", 1)[0].replace("/", "-") + "--"


def page_file(site: Path, page: nav.Page, lang: str) -> Path:
    """The built HTML of ``page`` in ``lang`` under the site folder ``site``."""
    return Path(site) / page.url(lang) / "index.html"


def _link(href: str, base: str, chapters: dict[str, str], site_url: str) -> str | None:
    """Where a link of the page at ``base`` (an ORIGIN URL) goes in the book; ``None``: nowhere.

    >>> chapters = {"coupling-layers/": "coupling-layers--", "masking/": "masking--"}
    >>> base = ORIGIN + "masking/"
    >>> _link("../coupling-layers/#affine", base, chapters, ""), _link("#top", base, chapters, "")
    ('#coupling-layers--affine', '#masking--top')
    >>> _link("https://arxiv.org/abs/1605.08803", base, chapters, "")
    'https://arxiv.org/abs/1605.08803'
    >>> _link("../generated/x.zip", base, chapters, ""), _link("../generated/x.zip", base, chapters, "https://e.org/f/")
    (None, 'https://e.org/f/generated/x.zip')
    """
    if href.startswith("#"):
        return "#" + chapters[urlsplit(base).path.lstrip("/")] + href[1:]
    target = urlsplit(urljoin(base, href))
    if target.scheme in ("http", "https", "mailto") and not urljoin(base, href).startswith(ORIGIN):
        return href
    path = target.path.lstrip("/")
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    if path in chapters:
        return "#" + chapters[path] + (target.fragment or "chapter")
    if site_url:
        return site_url + path + (f"#{target.fragment}" if target.fragment else "")
    return None


def chapter(page_html: str, page: nav.Page, lang: str, chapters: dict[str, str], site_url: str = "") -> Chapter:
    """The article of a built page, rewritten for the book (see the module's docstring).
    ``chapters`` maps each book page's URL to its prefix; ``site_url`` is the published site's
    address ending in ``/``, or ``""``."""
    doc = lxml.html.fromstring(page_html)
    found = doc.xpath("//article[contains(concat(' ', @class, ' '), ' md-content__inner ')]")
    if not found:
        raise ValueError(f"{page.url(lang) or 'the home page'}: no <article class=md-content__inner> in the built page")
    article = found[0]
    for query in DROP:
        for element in article.xpath(query):
            element.drop_tree()
    while found := article.xpath(" | ".join(UNWRAP)):  # nested: <source><source><track>...
        for element in found:
            element.drop_tag()
    base, mine = ORIGIN + page.url(lang), chapters[page.url(lang)]
    for element in article.iter():
        if not isinstance(element.tag, str):
            continue
        if element.get("id"):
            element.set("id", mine + element.get("id"))
        if element.get("href") is not None:
            href = _link(element.get("href"), base, chapters, site_url)
            if href is None:
                del element.attrib["href"]
            else:
                element.set("href", href)
        for name in ("src", "poster"):
            if element.get(name):
                element.set(name, urljoin(base, element.get(name)))
        if element.tag == "img":
            element.set("loading", "eager")
        if element.tag == "video":  # paper shows its poster, without a player's controls over it
            element.attrib.pop("controls", None)
        element.attrib.pop("srcset", None)
    sections = [(h.get("id"), _inner(h)) for h in article.xpath(".//h2[@id]")]
    title = page.titles[lang]
    body = "".join(_outer(child) for child in article)
    return Chapter(page, mine, title, body, sections)


def _outer(element) -> str:
    return lxml.html.tostring(element, encoding="unicode")


def _inner(element) -> str:
    return (html.escape(element.text or "")) + "".join(_outer(c) for c in element)


def head(page_html: str, page_url: str) -> list[str]:
    """The stylesheets of a built page (``<link>`` addressed from the site's root, and ``<style>``)."""
    doc = lxml.html.fromstring(page_html)
    out = []
    for element in doc.xpath("//head/link[@rel='stylesheet'] | //head/style"):
        if element.tag == "link":
            out.append(f'<link rel="stylesheet" href="{html.escape(urljoin(ORIGIN + page_url, element.get("href")))}">')
        else:
            out.append(_outer(element))
    return out


def words(lang: str) -> dict[str, str]:
    return strings.load(WORDS)[lang]


def book(site: Path, lang: str, version: str, site_url: str = "") -> str:
    """The whole course in ``lang`` as one HTML page, from the built site in the folder ``site``."""
    w, book_pages = words(lang), pages()
    chapters = {p.url(lang): prefix(p) for p in book_pages}
    styles: list[str] = []
    parts = []
    for page in book_pages:
        path = page_file(site, page, lang)
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: the course PDF is made from the built site (mkdocs build)")
        text = path.read_text(encoding="utf-8")
        styles += [s for s in head(text, page.url(lang)) if s not in styles]
        parts.append(chapter(text, page, lang, chapters, site_url))
    toc = "".join(
        f'<li><a href="#{c.prefix}chapter">{html.escape(c.title)}</a>'
        + ("<ol>" + "".join(f'<li><a href="#{i}">{h}</a></li>' for i, h in c.sections) + "</ol>" if c.sections else "")
        + "</li>"
        for c in parts
    )
    body = "".join(
        f'<section class="course-chapter" id="{c.prefix}chapter" data-page="{html.escape(c.page.url(lang))}">'
        f"{c.body}</section>"
        for c in parts
    )
    online = w["online"].format(url=html.escape(site_url + ("" if lang == "en" else f"{lang}/"))) if site_url else ""
    scripts = "".join(f'<script src="{ORIGIN}{s}"></script>' for s in SCRIPTS)
    return (
        f'<!doctype html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{html.escape(w['title'])}</title>{''.join(styles)}<style>{fonts.css(ORIGIN)}</style></head>"
        '<body dir="ltr" data-md-color-scheme="default" data-md-color-primary="indigo"'
        ' data-md-color-accent="deep-orange">'
        '<div class="md-container"><main class="md-main"><div class="md-main__inner md-grid"><div class="md-content">'
        '<article class="md-content__inner md-typeset">'
        f'<section class="course-title"><h1>{html.escape(w["title"])}</h1><p class="course-subtitle">'
        f"{html.escape(w['subtitle'])}</p><p>{html.escape(w['version'].format(version=version))}</p>"
        f"<p>{online}</p><p>{w['licence']}</p></section>"
        f'<nav class="course-toc tex2jax_process"><h2>{html.escape(w["contents"])}</h2><ol>{toc}</ol></nav>'
        f"{body}</article></div></div></main></div>{scripts}</body></html>"
    )
