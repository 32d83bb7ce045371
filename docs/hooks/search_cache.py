"""MkDocs hook: index only the pages that changed, and load jieba only when it is needed.

Material's search plugin parses the final HTML of every page (each notebook page is ~2.5 MB) and
segments its Chinese text with jieba, for both languages, on every build; loading jieba's
dictionary alone takes ~1 s. On a build where nothing changed, both are wasted work:

1. jieba is loaded on first use. Material's reference to the ``jieba`` module is replaced by a
   proxy that remembers ``set_dictionary``/``load_userdict`` and applies them before the first
   ``cut`` (after that, calls go straight through, as before).
2. The index entries of each page are cached in .cache/search/entries.json, keyed by all they are
   computed from: the page's URL, title, metadata, table of contents and HTML, the search plugin's
   configuration, the jieba user dictionary, and the versions of mkdocs-material and jieba. A page
   found there gets its stored entries, in the order the plugin would have produced them, so the
   search index is byte-identical. The file keeps only the entries used by the latest build.
3. Each page's entries are made readable before they are stored (search_text.py): formulas as
   text, not TeX source, and sections the page gives no anchor folded into the page's entry.
   The pages in a section of the navigation (the notebooks and the reference pages: API, glossary,
   cheat sheet, ...) get the theme's per-page ``boost`` of COMPANION_BOOST: they accompany the
   lessons, and a reader who searches a term should reach the lesson that explains it first (the
   site's search worker, docs/assets/js/search-worker.js, ranks them after the lessons whose
   titles hold the query).
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

import jsoncache
import mkdocs.plugins
import search_text

COMPANION_BOOST = 0.5
_cache: dict[str, list] = {}  # key -> entries, as loaded from / saved to disk
_used: dict[str, list] = {}  # entries of the pages indexed by this build (both languages)
_path: Path | None = None


class LazyJieba:
    """Stands in for the ``jieba`` module; its dictionaries are loaded on the first ``cut``."""

    lazy_jieba = True

    def __init__(self):
        self._pending: list[tuple[str, str]] = []
        self._jieba = None

    def _call(self, name: str, *args):
        if self._jieba is None:
            if (name, *args) not in self._pending:  # (every `mkdocs serve` rebuild calls again)
                self._pending.append((name, *args))
        else:
            getattr(self._jieba, name)(*args)

    def set_dictionary(self, path: str) -> None:
        self._call("set_dictionary", path)

    def load_userdict(self, path: str) -> None:
        self._call("load_userdict", path)

    def cut(self, *args, **kwargs):
        if self._jieba is None:
            import jieba

            for name, *args_ in self._pending:
                getattr(jieba, name)(*args_)
            self._pending.clear()
            self._jieba = jieba
        return self._jieba.cut(*args, **kwargs)


def _search(config):
    return config.plugins.get("material/search") or config.plugins.get("search")


@mkdocs.plugins.event_priority(90)  # before the search plugin's on_config loads jieba's dictionaries
def on_config(config, **kwargs):
    from material.plugins.search import plugin as material_search

    if material_search.jieba is not None and not getattr(material_search.jieba, "lazy_jieba", False):
        material_search.jieba = LazyJieba()
    return config


def _toc(items) -> list:
    return [[item.id, item.url, item.title, _toc(item.children)] for item in items]


def _settings_key(search) -> str:
    """Everything the entries depend on that is not the page: plugin config, jieba dictionaries, versions."""
    h = hashlib.sha256()
    h.update(json.dumps(dict(search.config), sort_keys=True, default=str).encode())
    for option in ("jieba_dict", "jieba_dict_user"):
        path = search.config.get(option)
        if path and Path(path).is_file():
            h.update(Path(path).read_bytes())
    for package in ("mkdocs-material", "jieba"):
        h.update(f"{package}={version(package)}".encode())
    for module in (__file__, search_text.__file__):  # how entries are made: this hook and its helper
        h.update(Path(module).read_bytes())
    return h.hexdigest()


@mkdocs.plugins.event_priority(-50)  # after the search plugin's on_config created its index
def on_pre_build(config, **kwargs) -> None:
    global _path
    search = _search(config)
    index = getattr(search, "search_index", None)
    if index is None or getattr(index.add_entry_from_context, "cached", False):
        return
    if _path is None:  # first build of this run (the i18n builds and a serve rebuild reuse it)
        _path = Path(config.config_file_path).resolve().parent / ".cache" / "search" / "entries.json"
        _cache.update(jsoncache.read(_path) or {})
    settings = _settings_key(search)
    add_entry = index.add_entry_from_context

    def cached_add_entry(page):
        h = hashlib.sha256(
            json.dumps(
                [
                    settings,
                    page.url,
                    page.title,
                    page.meta.get("title"),
                    page.meta.get("search"),
                    page.meta.get("tags"),
                    page.parent is not None,
                    _toc(page.toc),
                ],
                default=str,
            ).encode()
        )
        h.update(page.content.encode())
        key = h.hexdigest()
        entries = _cache.get(key)
        if entries is None:
            start = len(index.entries)
            add_entry(page)
            entries = search_text.readable_entries(index.entries[start:], page.url)
            if page.parent is not None:  # in a section of the nav: a companion of the lessons
                entries = [{"boost": COMPANION_BOOST, **entry} for entry in entries]
            index.entries[start:] = entries
        else:
            index.entries.extend(dict(entry) for entry in entries)
        _used[key] = entries

    cached_add_entry.cached = True
    index.add_entry_from_context = cached_add_entry


@mkdocs.plugins.event_priority(-200)  # after mkdocs-static-i18n built the other languages
def on_post_build(config, **kwargs) -> None:
    i18n = config.plugins.get("i18n")
    if _path is None or (i18n is not None and getattr(i18n, "building", False)):
        return
    if _used.keys() != _cache.keys():
        jsoncache.write(_path, _used)
        _cache.clear()
        _cache.update(_used)
    _used.clear()
