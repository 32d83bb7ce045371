"""MkDocs hook: what mkdocs-static-i18n leaves to us on translated pages.

1. Media URLs in raw HTML. MkDocs rewrites the URLs of Markdown links and images, but not the
   ``src``/``poster`` of raw ``<video>``, ``<audio>``, ``<source>``, ``<track>`` (or a raw
   ``<img>``/``<iframe>``, or the ``href`` of a raw ``<a>`` to a generated file), so the same path
   cannot work both on ``/x/`` and ``/zh/x/``. Each such
   relative URL is resolved, in order,
     a. against the URL of the page being built (already right: left alone),
     b. against the page's *source file* in docs/, like a Markdown link
        (``<video src="generated/animations/...">``: the recommended way to write it),
     c. against the URL of the English page (a path written for ``/x/`` on a ``/zh/x/`` page),
   and rewritten relative to the page being built when it names a file of the site.
   Unresolvable URLs are left as written (tests/test_site_build.py reports them).
2. Translation status banners on /zh/ pages: a page that falls back to English says so, and a
   Chinese page whose ``source_hash`` no longer matches its English source says it may be behind.
3. ``<link rel="alternate" hreflang>`` tags are dropped from the page head. Material's JavaScript
   fetches ``sitemap.xml`` relative to each of them, assuming they point at language roots; static-i18n
   points them at the twin *page* (/zh/x/), so every page logged two 404s. The header's language
   switcher (config.extra.alternate, set per page by static-i18n) is unaffected, and the i18n
   sitemap.xml still lists the alternates for search engines.
4. One search index per language. static-i18n merges every language into site/search/, so an
   English search listed Chinese pages (and the reverse). After the build, the merged index is
   split: site/search/search_index.json keeps the default language, site/<lang>/search/ the
   others (locations relative to /<lang>/), and the ``base`` in each translated page's Material
   config points at /<lang>/, where Material's search then loads its index and resolves results.
5. Chinese search terms: jieba's default dictionary cuts 雅可比行列式 into 雅/可比/行列式, so a
   search for 雅可比 finds nothing. The Chinese terms of docs/glossary.zh.md are given to jieba as a
   user dictionary (search plugin option ``jieba_dict_user``), so each term is one search token
   and a query matches its prefixes (lunr adds a trailing wildcard).
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import mkdocs.plugins
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.i18n_pages")

_HEAD_ALTERNATE = re.compile(r"<link\s+rel=\"alternate\"\s+href=\"[^\"]*\"\s+hreflang=\"[^\"]*\"\s*/?>\s*")
_TAG = re.compile(r"<(video|audio|source|track|img|iframe|a)\b[^>]*>", re.I)
# (a quoted value as "[^"]*": a lazy .*? up to a back-reference crawls through 300 kB data: URLs)
_ATTR = re.compile(r"""(\s(?:src|poster|href)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)

BANNERS = {
    "fallback": {
        "zh": (
            '<div class="admonition warning i18n-banner"><p class="admonition-title">本页尚未翻译</p>'
            "<p>下面是英文原文。欢迎帮助翻译。</p></div>\n"
        ),
    },
    "outdated": {
        "zh": (
            '<div class="admonition info i18n-banner"><p class="admonition-title">译文可能落后于英文原文</p>'
            "<p>英文页面在本译文之后有过修改；如有出入，以英文为准。</p></div>\n"
        ),
    },
}


def _i18n(config):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return "en", "en"
    return i18n.current_language, i18n.default_language


def source_hash(path: Path) -> str:
    """First 12 hex digits of the SHA-256 of a file's bytes (what ``source_hash:`` records)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _site_urls(files) -> dict[str, object]:
    return {f.url: f for f in files}


def _resolve(url: str, page, files, by_url, lang: str, default: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or url.startswith(("/", "#", "data:")) or not parts.path:
        return None
    path = unquote(parts.path)
    suffix = url[len(parts.path) :]  # ?query / #fragment, kept as is
    page_dir = posixpath.dirname(page.url.rstrip("/") + "/x") if page.url else ""
    # a. already right for this page
    here = posixpath.normpath(posixpath.join(page_dir, path))
    if here in by_url or f"{here}/" in by_url or (here == "." and "" in by_url):
        return None
    # b. relative to the page's source file in docs/
    src_dir = posixpath.dirname(page.file.src_uri)
    target = files.get_file_from_path(posixpath.normpath(posixpath.join(src_dir, path)))
    # c. relative to the default-language page's URL
    if target is None and lang != default and page.url.startswith(f"{lang}/"):
        en_dir = posixpath.dirname(page.url[len(lang) + 1 :].rstrip("/") + "/x")
        en_target = posixpath.normpath(posixpath.join(en_dir, path))
        target = by_url.get(en_target)
        if target is None and not en_target.startswith(".."):
            target = files.get_file_from_path(en_target)
    if target is None:
        return None
    return get_relative_url(target.url, page.url) + suffix


@mkdocs.plugins.event_priority(100)  # before glightbox copies img src into its <a href>
def on_page_content(html: str, page, config, files, **kwargs) -> str:
    lang, default = _i18n(config)
    by_url = _site_urls(files)

    def fix_tag(m: re.Match) -> str:
        def fix_attr(a: re.Match) -> str:
            quote, url = ('"', a.group(2)) if a.group(2) is not None else ("'", a.group(3))
            new = _resolve(url, page, files, by_url, lang, default)
            return a.group(0) if new is None else f"{a.group(1)}{quote}{new}{quote}"

        return _ATTR.sub(fix_attr, m.group(0))

    html = _TAG.sub(fix_tag, html)
    return _banner(page, config, lang, default) + html


def _banner(page, config, lang: str, default: str) -> str:
    if lang == default or not page.file.abs_src_path:
        return ""
    locale = getattr(page.file, "locale", lang)
    if locale != lang:  # fell back to the English page
        return BANNERS["fallback"].get(lang, "")
    recorded = str(page.meta.get("source_hash", "")).strip()
    src = Path(page.file.abs_src_path)
    english = src.with_name(src.name.replace(f".{lang}.", ".", 1))
    if recorded and english.exists() and english.suffix == ".md" and recorded != source_hash(english):
        return BANNERS["outdated"].get(lang, "")
    return ""


_MD_CONFIG = re.compile(r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S)


def on_post_page(output: str, page, config, **kwargs) -> str:
    head, sep, body = output.partition("</head>")
    if sep:
        output = _HEAD_ALTERNATE.sub("", head) + sep + body
    lang, default = _i18n(config)
    if lang != default and page.url.startswith(f"{lang}/") or page.url == lang:

        def rebase(m: re.Match) -> str:
            data = json.loads(m.group(2))
            data["base"] = get_relative_url(f"{lang}/", page.url)
            return m.group(1) + json.dumps(data, ensure_ascii=False) + m.group(3)

        output = _MD_CONFIG.sub(rebase, output, count=1)
    return output


@mkdocs.plugins.event_priority(-200)  # after static-i18n (-100) wrote the merged index
def on_post_build(config, **kwargs) -> None:
    i18n = config.plugins.get("i18n")
    if i18n is None or getattr(i18n, "building", False):
        return
    site = Path(config.site_dir)
    merged = site / "search" / "search_index.json"
    if not merged.exists():
        return
    index = json.loads(merged.read_text(encoding="utf-8"))
    default = i18n.default_language
    others = [lang for lang in i18n.build_languages if lang != default]
    docs = index.get("docs", [])
    for lang in others:
        prefix = f"{lang}/"
        mine = [{**d, "location": d["location"][len(prefix) :]} for d in docs if d["location"].startswith(prefix)]
        out = site / lang / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({**index, "docs": mine}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    default_docs = [d for d in docs if not any(d["location"].startswith(f"{lang}/") for lang in others)]
    merged.write_text(
        json.dumps({**index, "docs": default_docs}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    log.info(
        f"search: {len(default_docs)} {default} entries; "
        + ", ".join(f"{lang}: site/{lang}/search/search_index.json" for lang in others)
    )


_PAREN = re.compile(r"\s*[(（][^)）]*[)）]")


def glossary_terms(path: Path) -> list[str]:
    """Chinese terms (second column of the | English | 中文 | table) of the Chinese glossary."""
    terms = []
    zh_col = None
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            zh_col = None
            continue
        if zh_col is None:
            zh_col = next((i for i, c in enumerate(cells) if c in ("中文", "简体中文", "Chinese")), None)
            continue
        if set("".join(cells)) <= set("-: ") or zh_col >= len(cells):
            continue
        term = re.sub(r"\$[^$]*\$|`", "", _PAREN.sub("", cells[zh_col]))
        terms += [t.strip() for t in re.split(r"[、/，,]", term) if re.search(r"[\u4e00-\u9fff]", t)]
    return list(dict.fromkeys(terms))


@mkdocs.plugins.event_priority(100)  # before the search plugin reads its options
def on_config(config, **kwargs):
    search = config.plugins.get("material/search") or config.plugins.get("search")
    glossary = Path(config.docs_dir) / "glossary.zh.md"
    if search is None or not glossary.exists() or "jieba_dict_user" not in search.config:
        return config
    if search.config.get("jieba_dict_user"):
        return config  # set explicitly in mkdocs.yml
    terms = glossary_terms(glossary)
    out = Path(config.config_file_path).resolve().parent / ".cache" / "jieba" / "glossary.zh.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{t.replace(' ', '')} 5000 n\n" for t in terms)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
    search.config["jieba_dict_user"] = str(out)
    return config
