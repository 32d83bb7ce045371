"""Make the course PDFs of a built site, cached by content: ``<site>/downloads/flows-explained-<lang>.pdf``.

A PDF is printed again only when its key changes: the book's HTML (every page's article, in
order), the bytes of every file it loads (stylesheets, scripts, images, and everything under
``assets/``: MathJax and its fonts), this package's code and words, Chromium's version and the
Noto Sans CJK files the book's Chinese font is cut from. The
last PDF of each language is kept in ``.cache/course-pdf/``; an unchanged site costs the time to
assemble and hash the book (about a second), not a print.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitebuild.course import book, fonts, printer
from sitebuild.keys import ROOT

CACHE = ROOT / ".cache" / "course-pdf"
DOWNLOADS = "downloads"
LANGS = ("en", "zh")
_URL = re.compile(re.escape(book.ORIGIN) + r"[^\"'\s)<>]+")


@dataclass
class Made:
    lang: str
    path: Path
    cached: bool
    seconds: float
    size: int


def pdf_name(lang: str) -> str:
    """
    >>> pdf_name("zh")
    'flows-explained-zh.pdf'
    """
    return f"flows-explained-{lang}.pdf"


def pdf_path(site: Path, lang: str) -> Path:
    """Where the course PDF in ``lang`` goes in the built site (the home pages link it)."""
    return Path(site) / DOWNLOADS / pdf_name(lang)


def version() -> str:
    """The package's version, read from explainer/__init__.py (nothing imported)."""
    text = (ROOT / "explainer" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M)[1]


def _chromium() -> str:
    try:
        return subprocess.run([printer.CHROMIUM, "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError:
        return "missing"


def key(site: Path, book_html: str) -> str:
    """SHA-256 (16 hex digits) of everything the printed PDF depends on (see the module docstring)."""
    h = hashlib.sha256(book_html.encode())
    site = Path(site)
    files = {site / unquote(urlsplit(u).path).lstrip("/") for u in _URL.findall(book_html)}
    files |= set((site / "assets").rglob("*"))
    here = Path(__file__).resolve().parent
    files |= set(here.glob("*.py")) | {book.WORDS}
    for path in sorted(f for f in files if f.is_file()):
        h.update(str(path.relative_to(site) if site in path.parents else path.name).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    h.update(_chromium().encode())
    for weight in fonts.WEIGHTS:  # the system font the Chinese subset is cut from
        font, index = fonts.locate(weight)
        h.update(f"{font}:{index}:{font.stat().st_size}".encode())
    return h.hexdigest()[:16]


def make(site: Path, lang: str, site_url: str = "", cache: Path = CACHE) -> Made:
    """The course PDF in ``lang`` for the built site in ``site``: printed, or copied from the cache."""
    start = time.perf_counter()
    html = book.book(site, lang, version(), site_url)
    digest = key(site, html)
    cache = Path(cache)
    cached_pdf, cached_key = cache / pdf_name(lang), cache / f"{pdf_name(lang)}.key"
    hit = cached_pdf.exists() and cached_key.exists() and cached_key.read_text().strip() == digest
    if not hit:
        tmp = cache / f"{pdf_name(lang)}.tmp"
        printer.print_pdf(site, html, tmp, lang)
        tmp.replace(cached_pdf)
        cached_key.write_text(digest + "\n")
    out = pdf_path(site, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cached_pdf, out)
    return Made(lang, out, hit, time.perf_counter() - start, out.stat().st_size)


def make_all(site: Path, site_url: str = "", cache: Path = CACHE, langs=LANGS) -> list[Made]:
    """Both languages' PDFs (see :func:`make`)."""
    return [make(site, lang, site_url, cache) for lang in langs]
