"""MkDocs hook: reuse the HTML of a page when nothing its conversion depends on has changed.

Converting the Markdown pages to HTML (Pygments highlighting, pymdownx extensions, ...) takes
~1 s per build over both languages, nearly all of it for pages that did not change; under
`mkdocs serve` that is most of a reload. ``Page.render`` is wrapped: the result of converting a
page is stored in .cache/pages/ and reused when the key is the same. The key covers

- the page: its Markdown after the ``on_page_markdown`` events, its source path and URL, the
  language being built, and the files its ``--8<--`` snippets include;
- the site: every file's source path and URL (links are rewritten, and validated, against them);
- the setup: mkdocs.yml, the hooks, and the versions of the packages that convert Markdown.

Stored is everything rendering produces: the HTML, the table of contents, the title, the anchor
ids and the links to other pages' anchors (MkDocs still validates those on every build), and the
anchors the page registered with mkdocs-autorefs (registered again when the page is reused).

Not cached: notebooks (docs/hooks/notebooks.py has its own cache), pages with mkdocstrings
``:::`` blocks (docs/hooks/api_cache.py), pages with snippets other than one-line
``--8<-- "file"`` includes, and pages whose conversion logs anything at INFO level or above
(so a warning is raised, and fails ``--strict``, on every build).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from importlib.metadata import version
from pathlib import Path

import jsoncache
import mkdocs.plugins
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

PACKAGES = (
    "mkdocs",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "mkdocs-autorefs",
    "mkdocstrings",
    "mkdocs-material",
    "mkdocs-static-i18n",
)
_SNIPPET = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]+(['\"])([^'\":]+)\1[ \t]*$")
_AUTODOC = re.compile(r"^(#{1,6} *|)::: ?.+$", re.M)  # mkdocstrings' AutoDocProcessor.regex

_build: dict = {}  # this build's cache folder, settings, and the cache files it used


class _Logged(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record):
        self.count += 1


def _toc_tokens(items) -> list[dict]:
    return [{"level": i.level, "id": i.id, "name": i.title, "children": _toc_tokens(i.children)} for i in items]


def _snippets_key(markdown: str, bases: list[Path]) -> str | None:
    """Hash of the files that the page's snippets include; None if they are not all simple includes."""
    h = hashlib.sha256()
    for line in markdown.splitlines():
        if "-8<-" not in line:
            continue
        m = _SNIPPET.match(line)
        if m is None:
            return None
        for base in bases:
            path = base / m.group(2)
            text = path.read_text(encoding="utf-8") if path.is_file() else None
            if text is not None and "-8<-" in text:
                return None  # nested snippets
            h.update(f"{path}\0{text}\0".encode())
    return h.hexdigest()


def _restore(page: Page, stored: dict, files, autorefs) -> None:
    page.content = stored["content"]
    page.toc = get_toc(stored["toc"])
    page._title_from_render = stored["title"]
    page.present_anchor_ids = set(stored["anchor_ids"])
    if stored["links_to_anchors"] is not None:
        page.links_to_anchors = {files.src_uris[src]: links for src, links in stored["links_to_anchors"]}
    for identifier, anchor, title, primary in stored["autorefs"]:
        autorefs.register_anchor(page, identifier, anchor, title=title, primary=primary)


def _convert(original, page: Page, config, files, autorefs) -> dict | None:
    """Convert the page; what to store, or None if the conversion logged something."""
    registered = []
    if autorefs is not None:  # record the anchors the page registers while it is converted
        register_anchor = autorefs.register_anchor

        def recording(page, identifier, anchor=None, *, title=None, primary=True):
            registered.append([identifier, anchor, title, primary])
            return register_anchor(page, identifier, anchor, title=title, primary=primary)

        autorefs.register_anchor = recording
    logged = _Logged()
    logging.getLogger("mkdocs").addHandler(logged)
    try:
        original(page, config, files)
    finally:
        logging.getLogger("mkdocs").removeHandler(logged)
        if autorefs is not None:
            autorefs.register_anchor = register_anchor
    if logged.count:
        return None
    links = getattr(page, "links_to_anchors", None)
    return {
        "content": page.content,
        "toc": _toc_tokens(page.toc),
        "title": page._title_from_render,
        "anchor_ids": sorted(page.present_anchor_ids),
        "links_to_anchors": None if links is None else [[f.src_uri, v] for f, v in links.items()],
        "autorefs": registered,
    }


def _cached_render(original):
    """``Page.render``, with the result cached."""

    def render(self: Page, config, files) -> None:
        if not _build or self.markdown is None or _AUTODOC.search(self.markdown):
            return original(self, config, files)
        snippets = _snippets_key(self.markdown, _build["bases"])
        if snippets is None:
            return original(self, config, files)
        key = hashlib.sha256(
            json.dumps(
                [_build["files_key"], snippets, _build["lang"], self.file.src_uri, self.url, self.markdown]
            ).encode()
        ).hexdigest()
        path = _build["dir"] / f"{key}.json"
        _build["used"].add(path)
        autorefs = config.plugins.get("autorefs")
        stored = jsoncache.read(path)
        if stored is not None:
            _restore(self, stored, files, autorefs)
        else:
            stored = _convert(original, self, config, files, autorefs)
            if stored is not None:
                jsoncache.write(path, stored)

    render.original = original
    return render


def _settings_key(config) -> str:
    h = hashlib.sha256()
    for path in [Path(config.config_file_path), *sorted(Path(__file__).parent.glob("*.py"))]:
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in PACKAGES:
        h.update(f"{package}={version(package)}".encode())
    return h.hexdigest()[:16]


@mkdocs.plugins.event_priority(-150)
def on_config(config, **kwargs):
    # (re)wrap the original on every build: a `mkdocs serve` rebuild reloads this hook
    Page.render = _cached_render(getattr(Page.render, "original", Page.render))
    return config


@mkdocs.plugins.event_priority(-200)  # the files as they are after every plugin's on_files
def on_nav(nav, config, files, **kwargs):
    i18n = config.plugins.get("i18n")
    root = Path(config.config_file_path).resolve().parent
    bases = config.mdx_configs.get("pymdownx.snippets", {}).get("base_path", ["."])
    if not getattr(i18n, "building", False):  # the first (or only) language of this build
        _build["used"] = set()
    _build.update(
        dir=root / ".cache" / "pages" / _settings_key(config),
        lang=getattr(i18n, "current_language", None),
        bases=[root / b for b in ([bases] if isinstance(bases, str) else bases)],
        files_key=hashlib.sha256(json.dumps(sorted([f.src_uri, f.url] for f in files)).encode()).hexdigest(),
    )
    return nav


@mkdocs.plugins.event_priority(-200)  # after mkdocs-static-i18n built the other languages
def on_post_build(config, **kwargs) -> None:
    i18n = config.plugins.get("i18n")
    if not _build or (i18n is not None and getattr(i18n, "building", False)):
        return
    folder = _build["dir"]
    jsoncache.keep_only(folder)
    for stale in set(folder.glob("*.json")) - _build["used"]:
        stale.unlink(missing_ok=True)
    _build.clear()
