"""The built site: strict build with zero warnings, no broken internal link, nothing external.

Builds once per session (fixture ``built_site`` in conftest.py): ``mkdocs build --strict``, which
first runs the pipeline hook. Checks every built HTML page and CSS file:

- every relative (or site-absolute) ``href``/``src``/``poster``/``srcset``/``data`` resolves to a
  file of the site (fragments are checked by MkDocs itself: ``validation.anchors``);
- no resource is loaded from another host: ``<script src>``, ``<link href>`` (stylesheets, icons,
  preloads), ``<img>``, ``<video>``/``<audio>``/``<source>``/``<track>``, ``<iframe>``,
  ``<embed>``/``<object>``, and CSS ``url(...)``/``@import`` (links to papers in ``<a href>`` are fine);
- no leftover snippet marker, and every snippet a page includes exists.
"""

from __future__ import annotations

import html as html_module
import posixpath
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

# (tag, attribute) pairs that make the browser fetch something
FETCHING = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("source", "src"),
    ("source", "srcset"),
    ("track", "src"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("input", "src"),
}
# <link rel=...> values that are not fetched (metadata only)
LINK_NOT_FETCHED = {"canonical", "alternate", "author", "license", "prev", "next", "search"}
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)
CDN_HOSTS = (
    "fonts.googleapis",
    "fonts.gstatic",
    "cdn.jsdelivr",
    "unpkg.com",
    "cdnjs",
    "polyfill.io",
    "googletagmanager",
    "google-analytics",
)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str, bool]] = []  # (tag, attr, url, fetched)
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for attr, value in attrs:
            if value is None:
                continue
            if (tag, attr) in FETCHING:
                urls = [u.strip().split()[0] for u in value.split(",") if u.strip()] if attr == "srcset" else [value]
                self.refs += [(tag, attr, u, True) for u in urls]
            elif tag == "link" and attr == "href":
                rels = set((a.get("rel") or "").lower().split())
                self.refs.append((tag, attr, value, not (rels and rels <= LINK_NOT_FETCHED)))
            elif tag == "a" and attr == "href":
                self.refs.append((tag, attr, value, False))
            elif attr == "style":
                self.styles.append(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def _parse(path: Path) -> _Refs:
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _target(site: Path, page: Path, url: str) -> Path | None:
    """The site file a relative or site-absolute URL points to (None: not a local file link)."""
    if not url or EXTERNAL.match(url) or url.startswith(("#", "data:", "mailto:", "javascript:", "tel:", "blob:")):
        return None
    path = unquote(urlsplit(url).path)
    if not path:
        return None
    base = "/" + posixpath.dirname(page.relative_to(site).as_posix())
    resolved = posixpath.normpath(path if path.startswith("/") else posixpath.join(base, path))
    target = site / resolved.lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


@pytest.fixture(scope="module")
def html_pages(built_site):
    pages = sorted(built_site.path.rglob("*.html"))
    assert len(pages) > 10, f"only {len(pages)} HTML pages were built"
    return pages


def test_build_has_no_warnings(built_site):
    if built_site.log is None:
        pytest.skip("reusing a site built elsewhere (EXPLAINER_TEST_SITE): its log is unknown")
    warnings = [
        line
        for line in built_site.log.splitlines()
        if re.match(r"^\s*(WARNING|ERROR)\s+-", line) and "EXPLAINER_PIPELINE=0" not in line
    ]
    assert not warnings, "mkdocs build printed warnings:\n" + "\n".join(warnings)


def test_both_languages_are_built(built_site):
    site = built_site.path

    def pages(base: Path) -> set[str]:  # MkDocs pages, not HTML files the pipeline generated
        rel = {p.relative_to(base).as_posix() for p in base.rglob("index.html")}
        return {p for p in rel if not p.startswith(("zh/", "generated/", "assets/"))}

    en, zh = pages(site), pages(site / "zh")
    assert en and en == zh, f"pages only in English: {sorted(en - zh)}; only in Chinese: {sorted(zh - en)}"
    for name in ("notebooks/realnvp-moons/index.html", "notebooks/flow-matching-gmm/index.html"):
        for lang_dir in (site, site / "zh"):
            page = lang_dir / name
            assert page.exists(), f"notebook page {page.relative_to(site)} was not rendered"
            html = page.read_text(encoding="utf-8")
            assert "jupyter-wrapper" in html, f"{page.relative_to(site)} is not a rendered notebook"
    assert 'lang="zh"' in (site / "zh" / "index.html").read_text(encoding="utf-8")


def test_internal_links_resolve(built_site, html_pages):
    site = built_site.path
    broken = []
    for page in html_pages:
        for tag, attr, url, _ in _parse(page).refs:
            target = _target(site, page, url)
            if target is not None and not target.exists():
                broken.append(f"{page.relative_to(site)}: <{tag} {attr}={url!r}> -> {target.relative_to(site)} missing")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:80])


def test_no_external_resources_in_html(built_site, html_pages):
    site = built_site.path
    bad = []
    for page in html_pages:
        parsed = _parse(page)
        for tag, attr, url, fetched in parsed.refs:
            if fetched and EXTERNAL.match(url.strip()):
                bad.append(f"{page.relative_to(site)}: <{tag} {attr}={url!r}>")
        for css in parsed.styles:
            for m in CSS_URL.finditer(css):
                url = m.group(2) or m.group(4)
                if EXTERNAL.match(url.strip()):
                    bad.append(f"{page.relative_to(site)}: inline CSS url({url})")
    assert not bad, "resources loaded from other hosts:\n" + "\n".join(bad[:80])


def test_no_external_urls_in_css(built_site):
    site = built_site.path
    bad = []
    for css in site.rglob("*.css"):
        for m in CSS_URL.finditer(css.read_text(encoding="utf-8", errors="replace")):
            url = m.group(2) or m.group(4)
            if EXTERNAL.match(url.strip()):
                bad.append(f"{css.relative_to(site)}: {url}")
            elif not url.startswith(("data:", "#")):
                target = (css.parent / unquote(urlsplit(url).path)).resolve()
                if not target.exists():
                    bad.append(f"{css.relative_to(site)}: url({url}) -> missing file")
    assert not bad, "CSS loading from other hosts or missing files:\n" + "\n".join(bad)


def test_no_cdn_references_in_pages_and_own_assets(built_site):
    """HTML, CSS and our own JS name no CDN at all. (The theme's bundle and MathJax carry fallback
    URLs in code paths this site never takes: old browsers without ResizeObserver, mermaid diagrams,
    MathJax's optional speech explorer; the browser tests prove no such request is made.)"""
    site = built_site.path
    files = list(site.rglob("*.html")) + list(site.rglob("*.css")) + list((site / "assets" / "js").rglob("*.js"))
    bad = [
        f"{f.relative_to(site)}: {host}"
        for f in files
        for host in CDN_HOSTS
        if host in f.read_text(encoding="utf-8", errors="replace")
    ]
    assert not bad, "CDN references:\n" + "\n".join(bad)


def test_search_is_local(built_site):
    site = built_site.path
    import json

    en, zh = site / "search" / "search_index.json", site / "zh" / "search" / "search_index.json"
    assert en.exists() and zh.exists(), "no local search index per language"
    en_docs = json.loads(en.read_text(encoding="utf-8"))["docs"]
    zh_docs = json.loads(zh.read_text(encoding="utf-8"))["docs"]
    assert en_docs and not any(d["location"].startswith("zh/") for d in en_docs), "English index holds Chinese pages"
    assert any(d["location"].startswith("coupling-layers/") for d in zh_docs), "Chinese index lacks its pages"
    assert any("\u200b" in d["text"] for d in zh_docs), "Chinese index is not segmented (jieba missing?)"
    assert list((site / "assets" / "javascripts" / "workers").glob("search.*.min.js")), "search worker is not local"


def test_snippets_exist_and_were_included(built_site, html_pages):
    missing = []
    for md in DOCS.rglob("*.md"):
        if "generated" in md.parts or "hooks" in md.parts:
            continue
        for m in re.finditer(r"^[ \t]*-{1,}8<-{1,}[ \t]+[\"']([^\"']+)[\"']", md.read_text(encoding="utf-8"), re.M):
            name = m.group(1)
            if not any((base / name).exists() for base in (DOCS, ROOT)):
                missing.append(f"{md.relative_to(ROOT)} includes {name}, which does not exist after the pipeline ran")
    leftovers = [
        str(p.relative_to(built_site.path))
        for p in html_pages
        if "--8&lt;--" in p.read_text(encoding="utf-8") or "--8<--" in p.read_text(encoding="utf-8")
    ]
    assert not missing and not leftovers, "\n".join(missing + [f"snippet marker left in {p}" for p in leftovers])


def test_notebook_pages_offer_their_notebook(built_site):
    site = built_site.path
    for lang_dir, suffix in ((site, ".ipynb"), (site / "zh", ".zh.ipynb")):
        for name in ("realnvp-moons", "flow-matching-gmm"):
            page = lang_dir / "notebooks" / name / "index.html"
            html = page.read_text(encoding="utf-8")
            href = f"{name}{suffix}"
            assert f'href="{href}"' in html, f"{page.relative_to(site)} has no download link to {href}"
            assert (page.parent / href).exists()


def test_notebook_pages_open_their_notebook_in_colab(built_site):
    """Each notebook page links Colab to the notebook of its language in the repository (a path git
    tracks), with a local icon (the page loads nothing from Colab), and that notebook's first code
    cell installs the package when it is missing (Colab has torch, not ours)."""
    import json
    import subprocess

    site = built_site.path
    tracked = set(
        subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    )
    for lang_dir, suffix, text in ((site, ".ipynb", "Open in Colab"), (site / "zh", ".zh.ipynb", "在 Colab 中打开")):
        for name in ("realnvp-moons", "flow-matching-gmm"):
            page = lang_dir / "notebooks" / name / "index.html"
            html = page.read_text(encoding="utf-8")
            source = re.search(r'<a href="([^"]+)" title="[^"]*" class="md-source"', html).group(1)  # repo_url
            repo = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)/?", source).group(1)
            m = re.search(
                r'<a class="md-button nb-colab" href="([^"]+)"[^>]*><img src="([^"]+)" alt=""[^>]*> ([^<]+)</a>', html
            )
            assert m, f"{page.relative_to(site)} has no Open in Colab link"
            url, icon, label = m.groups()
            path = f"docs/notebooks/{name}{suffix}"
            assert url == f"https://colab.research.google.com/github/{repo}/blob/main/{path}"
            assert path in tracked, f"Colab would open {path}, which git does not track"
            assert label == text
            assert not EXTERNAL.match(icon) and (page.parent / icon).resolve().is_file(), f"icon {icon} is not local"
            first = next(
                c for c in json.loads((ROOT / path).read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"
            )
            code = "".join(first["source"])
            assert 'find_spec("explainer") is None' in code and '"pip", "install"' in code, f"{path}: first cell"


HEADING_ID = re.compile(r'<h([1-6]) id="([^"]*)"')
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_chinese_headings_have_readable_anchors(built_site):
    """Python-Markdown's default slugify drops every non-ASCII character, so a Chinese heading got
    an opaque anchor (#_9); the toc's slugify keeps Unicode (mkdocs.yml), so #变量替换公式."""
    site = built_site.path
    opaque, readable = [], 0
    for page in sorted((site / "zh").rglob("index.html")):
        if "generated" in page.parts or "assets" in page.parts:
            continue
        for level, anchor in HEADING_ID.findall(page.read_text(encoding="utf-8")):
            if re.fullmatch(r"_\d*", anchor):
                opaque.append(f"{page.relative_to(site)}: <h{level} id={anchor!r}>")
            readable += bool(CJK.search(anchor))
    assert not opaque, f"{len(opaque)} Chinese headings with opaque anchors:\n" + "\n".join(opaque[:40])
    assert readable > 50, f"only {readable} Chinese anchors: is the Unicode slugify configured?"


def test_chinese_navigation_labels_are_chinese(built_site):
    """Every label of the navigation (drawer, sections, tabs) on the Chinese site has Chinese text."""
    html = (built_site.path / "zh" / "index.html").read_text(encoding="utf-8")
    nav = html[html.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>\n  </div>") if "</nav>\n  </div>" in nav else len(nav)]
    labels = {re.sub(r"\s+", " ", m).strip() for m in re.findall(r'<span class="md-ellipsis">(.*?)</span>', nav, re.S)}
    labels = {re.sub(r"<[^>]+>", "", label).strip() for label in labels} - {""}
    english = sorted(label for label in labels if not CJK.search(label))
    assert len(labels) >= 15, f"found only {len(labels)} navigation labels: {sorted(labels)}"
    assert not english, f"navigation labels in English on /zh/: {english}"


def test_every_page_links_the_repository(built_site, html_pages):
    """The header names the repository (Material shows ``repo_url``) on every page, both languages,
    and without the theme's request for the repository's stars (docs/overrides/partials/source.html)."""
    site = built_site.path
    missing, fetching = [], []
    for page in html_pages:
        html = page.read_text(encoding="utf-8")
        if 'class="md-header' not in html:
            continue  # pipeline-generated HTML (players, deck), not a MkDocs page
        if not re.search(r'<a href="[^"]+" title="[^"]*" class="md-source"', html):
            missing.append(str(page.relative_to(site)))
        if 'data-md-component="source"' in html:
            fetching.append(str(page.relative_to(site)))
    assert not missing, f"{len(missing)} pages without the repository link: {missing[:10]}"
    assert not fetching, f"pages whose repository link asks the GitHub API for facts: {fetching[:10]}"


def test_table_of_contents_links_resolve_on_the_page(built_site, html_pages):
    """Each entry of a page's table of contents (#anchor) names an element of that page. MkDocs
    validates Markdown pages' anchors; notebook pages are rendered by a hook, so check all here."""
    site = built_site.path
    broken = []
    for page in html_pages:
        html = page.read_text(encoding="utf-8")
        start = html.find('<nav class="md-nav md-nav--secondary"')
        if start < 0:
            continue
        toc = html[start : html.find("</nav>", start)]
        ids = set(re.findall(r'\sid="([^"]+)"', html))
        for anchor in re.findall(r'href="#([^"]*)"', toc):
            if unquote(anchor) not in ids:
                broken.append(f"{page.relative_to(site)}: #{unquote(anchor)}")
    assert not broken, f"{len(broken)} table-of-contents links to no element:\n" + "\n".join(broken[:40])


def test_every_page_has_its_languages_copyright_and_edits_its_own_source(built_site, html_pages):
    """The footer's copyright line is in the page's language (mkdocs.yml ``copyright`` and the i18n
    plugin's zh ``copyright``), and "edit this page" opens the file the page is built from: the
    Chinese twin (``<page>.zh.md``, ``.zh.ipynb``) for a Chinese page that has one."""
    site, problems = built_site.path, []
    for page in html_pages:
        html = page.read_text(encoding="utf-8")
        if 'class="md-header' not in html:
            continue  # pipeline-generated HTML (players, deck), not a MkDocs page
        rel = page.relative_to(site).as_posix()
        if rel.startswith(("explore/", "zh/explore/")):
            continue  # full-screen explorer pages for projecting: no header, footer or edit link (issue 12)
        zh = '<html lang="zh"' in html  # (the one 404.html is built in the last language, zh)
        footer = re.search(r'<div class="md-copyright__highlight">(.*?)</div>', html, re.S)
        text = html_module.unescape(footer.group(1)) if footer else ""
        want = ("版权所有 © 2026 flows-explained 作者", "CC BY 4.0") if zh else ("Copyright © 2026", "CC BY 4.0")
        if not all(w in text for w in want):
            problems.append(f"{rel} ({'zh' if zh else 'en'}): footer {text.strip()!r}")
        edit = re.search(r'<a href="([^"]+)" title="[^"]*" class="md-content__button md-icon"', html)
        if not edit:
            if rel not in ("404.html", "zh/404.html"):
                problems.append(f"{rel}: no edit link")
            continue
        source = unquote(edit.group(1)).split("/edit/main/docs/", 1)[-1]
        if not (DOCS / source).is_file():
            problems.append(f"{rel}: edit link to {source}, which is not in docs/")
        stem = re.sub(r"(\.zh)?\.(md|ipynb)$", "", source)
        twin = [p for p in DOCS.glob(f"{stem}.zh.*") if p.suffix in (".md", ".ipynb")]
        if zh and twin and ".zh." not in source:
            problems.append(f"{rel}: edits the English {source}, not its twin {twin[0].name}")
        if not zh and ".zh." in source:
            problems.append(f"{rel}: an English page edits {source}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:20])
