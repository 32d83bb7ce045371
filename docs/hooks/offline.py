"""MkDocs hook: an offline copy of the built site, ``downloads/flows-explained-offline.zip``, that
works when its ``index.html`` is opened from the disk (``file://``), without a web server.

Made after ``mkdocs build`` has written both languages (not by ``mkdocs serve``), from the site
folder itself, without a second build. What differs from the served site is what a browser
cannot do from ``file://`` (this is what Material's ``offline`` plugin does, whose worker shim
comes from a CDN):

- a link to a folder (``coupling-layers/``) opens a directory listing, not its page: every
  relative link to a folder gets ``index.html`` (:func:`page_links`);
- a ``<track>`` (captions) is not loaded from ``file://`` (a file is its own origin): each
  caption file is written into its page as a ``data:`` URL (:func:`inline_captions`);
- the theme reads the search index from ``search/search_index.js`` there (a script, not a
  request); it is written next to each language's ``search_index.json``. Search itself needs a
  web worker, which Chromium does not start from ``file://``: the theme then hides the search
  box, and ``assets/js/offline.js`` says how to serve the folder to search it.

Left out (the copy is for reading; each is offered on the site): the HD renders, the GIFs (for
slides; the pages play the videos), the zips (the lecture decks) and ``downloads/`` (this zip),
except the course PDFs, which the home pages link to.
"""

from __future__ import annotations

import base64
import logging
import re
import time
import zipfile
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import mkdocs.plugins

log = logging.getLogger("mkdocs.hooks.offline")

NAME = "flows-explained-offline"
ZIP = f"downloads/{NAME}.zip"
STORED = {".mp4", ".webm", ".png", ".gif", ".jpg", ".jpeg", ".woff", ".woff2", ".gz", ".zip", ".pdf"}  # compressed
PREVIOUS = ".previous-build"  # docs/hooks/site_reuse.py's folder (gone by now, left out anyway)
_HREF = re.compile(r'(<(?:a|link)\b[^>]*?\bhref=")([^"]*)(")', re.I)
_command: dict[str, str] = {}


def left_out(rel: PurePosixPath) -> bool:
    """Whether the site file ``rel`` stays out of the offline copy.

    >>> [left_out(PurePosixPath(p)) for p in ("generated/animations/masks/en/hd/masks.mp4",
    ...  "generated/animations/masks/en/preview/masks.mp4", "downloads/x.zip.partial", ".previous-build/a",
    ...  "downloads/flows-explained-zh.pdf")]
    [True, False, True, True, False]
    """
    if rel.parts[0] == "downloads" and rel.suffix == ".pdf":
        return False  # the course PDFs: the home pages link to them
    return rel.parts[0] in ("downloads", PREVIOUS) or rel.suffix in (".zip", ".gif") or "hd" in rel.parts[:-1]


def folder_link(url: str) -> str:
    """``url`` with ``index.html`` when it is a relative link to a folder.

    >>> [folder_link(u) for u in ("coupling-layers/", "../#top", ".", "..", "x.png")]
    ['coupling-layers/index.html', '../index.html#top', './index.html', '../index.html', 'x.png']
    >>> [folder_link(u) for u in ("#a", "https://a.org/", "?q", "/abs/")]
    ['#a', 'https://a.org/', '?q', '/abs/']
    """
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("/", "#", "?")) or not parts.path:
        return url
    path = parts.path
    if path in (".", "..") or path.endswith("/"):
        path = path.rstrip("/") + "/index.html" if path not in (".", "..") else path + "/index.html"
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        query = f"?{parts.query}" if parts.query else ""
        return path + query + fragment
    return url


def page_links(html: str) -> str:
    """Every ``<a>``/``<link>`` of ``html`` that points to a folder, pointed at its ``index.html``.

    >>> page_links('<a class="md-nav__link" href="../masking/">Masking</a> <a href="#x">x</a>')
    '<a class="md-nav__link" href="../masking/index.html">Masking</a> <a href="#x">x</a>'
    """
    return _HREF.sub(lambda m: m[1] + folder_link(m[2]) + m[3], html)


_TRACK = re.compile(r'(<track\b[^>]*?\bsrc=")([^"]+\.vtt)(")', re.I)


def inline_captions(html: str, page: Path) -> str:
    """Every ``<track src="x.vtt">`` of ``html`` (the site file ``page``) with the captions inside,
    as a ``data:`` URL (unchanged when the file is not there)."""

    def inline(m: re.Match) -> str:
        vtt = page.parent / unquote(m[2])
        if not vtt.is_file():
            return m[0]
        return m[1] + "data:text/vtt;base64," + base64.b64encode(vtt.read_bytes()).decode() + m[3]

    return _TRACK.sub(inline, html)


def write_offline_zip(site: Path, archive: Path) -> dict:
    """The offline copy of ``site`` into ``archive`` (one top-level folder, ``NAME/``); returns its
    number of files and size."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    partial = archive.with_name(archive.name + ".partial")  # in downloads/: never zipped itself
    files = 0
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as out:
        for path in sorted(p for p in site.rglob("*") if p.is_file()):
            rel = PurePosixPath(path.relative_to(site).as_posix())
            if left_out(rel):
                continue
            name = f"{NAME}/{rel}"
            if rel.suffix == ".html":
                out.writestr(name, inline_captions(page_links(path.read_text(encoding="utf-8")), path))
            else:
                kind = zipfile.ZIP_STORED if rel.suffix.lower() in STORED else zipfile.ZIP_DEFLATED
                out.write(path, name, compress_type=kind)
            if rel.name == "search_index.json":  # what the theme loads from file:// (a script)
                out.writestr(f"{NAME}/{rel.with_suffix('.js')}", "var __index = " + path.read_text(encoding="utf-8"))
                files += 1
            files += 1
    partial.replace(archive)
    return {"files": files, "bytes": archive.stat().st_size}


def on_startup(command, **kwargs) -> None:
    _command["name"] = command


@mkdocs.plugins.event_priority(-300)  # last: after static-i18n built every language and split the index
def on_post_build(config, **kwargs) -> None:
    i18n = config.plugins.get("i18n")
    if _command.get("name") == "serve" or (i18n is not None and getattr(i18n, "building", False)):
        return
    site = Path(config.site_dir)
    start = time.perf_counter()
    made = write_offline_zip(site, site / ZIP)
    seconds = time.perf_counter() - start
    log.info(f"offline copy: {ZIP}, {made['files']} files, {made['bytes'] / 1e6:.1f} MB in {seconds:.1f} s")
