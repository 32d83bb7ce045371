"""MkDocs hook: Jupyter notebooks as pages in BOTH languages, offline, with a download link.

mkdocs-static-i18n rebuilds every File in its ``on_files`` and would turn notebook pages back into
plain assets (upstream issue ultrabug/mkdocs-static-i18n#198), so ``notebooks/x.ipynb`` would be
copied, not rendered. After i18n has picked the notebook of the language being built
(``x.ipynb`` for English, ``x.zh.ipynb`` for /zh/, the English one as a fallback), this hook turns
it into a documentation page at ``[zh/]notebooks/x/`` and makes the language switcher point at the
twin page.

The page is rendered here, with mkdocs-jupyter's converter (``mkdocs_jupyter.convert.nb2html``:
the notebook is executed, a failing cell fails the build) and the options in ``NB2HTML``. The
result is cached in .cache/mkdocs-jupyter/<lang>-<hash of explainer/>/, under the key and in the
format of mkdocs-jupyter's own cache, so a change in the notebook or in the package re-executes
it. mkdocs-jupyter is not loaded as a plugin: importing it (nbconvert, jupytext) took ~0.7 s of
every build, and with the HTML cached nothing of it is needed. It is imported on a cache miss.

The rendered notebook HTML is made offline: nbconvert's template loads MathJax 2 and mermaid
from cdnjs; both are removed (the site's own MathJax 3 typesets notebook math, see
docs/assets/js/mathjax-config.js). The notebook source of the page's language is copied next to
the page and linked from the top of it, with a link to the repository (``repo_url``).

A downloaded notebook finds its package: its first code cell installs the distribution from the
repository when ``explainer`` is not importable. The notebooks are written with the default
repository address (``NOTEBOOK_REPO_URL``, mkdocs.yml's default ``repo_url``); when the site is
built for another repository (``REPO_URL``), the served notebook and its page name that one.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
import shutil
from pathlib import Path, PurePosixPath

import jsoncache
import mkdocs.plugins
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import get_toc
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.notebooks")

DOWNLOAD_TEXT = {
    "en": "Download this notebook ({name})",
    "zh": "下载此 notebook（{name}）",
}
EXECUTED_TEXT = {
    "en": "This page was produced by running the notebook when the site was built.",
    "zh": "本页内容是在构建网站时运行该 notebook 得到的。",
}
REPOSITORY_TEXT = {
    "en": 'Its first code cell installs the package from the <a href="{url}">repository</a> when it is missing.',
    "zh": '它的第一个代码单元会在缺少本项目的包时从<a href="{url}">代码仓库</a>安装。',
}
COLAB_TEXT = {"en": "Open in Colab", "zh": "在 Colab 中打开"}
COLAB_TITLE = {
    "en": "Run this notebook in Google Colab (its copy in the repository)",
    "zh": "在 Google Colab 中运行此 notebook（代码仓库中的副本）",
}
COLAB_ICON = "assets/images/colab.svg"  # our own local image: the page loads nothing from Colab
COLAB_BRANCH = "main"
# the repository address written in the notebooks (their install cell and its note)
NOTEBOOK_REPO_URL = "https://github.com/flows-explained/flows-explained"

# mkdocs_jupyter.convert.nb2html() arguments (what the mkdocs-jupyter plugin options were)
NB2HTML = {
    "execute": True,  # executed when the cache misses (cached by content + explainer source)
    "kernel_name": "python3",  # the kernel of the Python running mkdocs (.venv)
    "theme": "",
    "allow_errors": False,  # a failing cell fails the build
    "show_input": True,
    "no_input": False,
    "no_prompt": False,
    "remove_tag_config": {},
    "highlight_extra_classes": "",
    "include_requirejs": False,
    "custom_mathjax_url": "",
}
TOC_DEPTH = 3
_used: set[Path] = set()  # cache files read or written by the current language build

# nbconvert template parts that would fetch from a CDN
_MATHJAX2 = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_MODULE_SCRIPT = re.compile(r"<script type=\"module\">(?:(?!</script>).)*?</script>", re.S)
_REMOTE_TAG = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)=[\"']https?://[^>]*>(?:\s*</script>)?", re.I)


class NotebookPage(File):
    """A notebook that MkDocs must treat as a page (rendered by ``on_pre_page``)."""

    def is_documentation_page(self) -> bool:
        return True


def _i18n(config):
    i18n = config.plugins.get("i18n")
    if i18n is None:
        return "en", "en"
    return i18n.current_language, i18n.default_language


def _build_languages(config) -> list[str]:
    i18n = config.plugins.get("i18n")
    return list(i18n.build_languages) if i18n is not None else ["en"]


def _notebook_source(f: File, lang: str, default: str, config) -> str:
    """src_uri of the notebook shown on the ``lang`` site: x.<lang>.ipynb if it exists, else x.ipynb."""
    path = PurePosixPath(f.src_uri)
    stem = path.name.split(".")[0]
    english = str(path.with_name(f"{stem}.ipynb"))
    if lang == default:
        return english
    localized = str(path.with_name(f"{stem}.{lang}.ipynb"))
    return localized if (Path(config.docs_dir) / localized).exists() else english


def _page_dest(src_uri: str, lang: str, default: str, use_directory_urls: bool) -> str:
    path = PurePosixPath(src_uri)
    stem = path.name.split(".")[0]  # x.zh.ipynb -> x
    parent = "" if str(path.parent) == "." else str(path.parent)
    dest = posixpath.join(parent, stem, "index.html") if use_directory_urls else posixpath.join(parent, stem + ".html")
    return dest if lang == default else posixpath.join(lang, dest)


def _explainer_hash(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "explainer").rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _cache_dir(config) -> Path:
    """.cache/mkdocs-jupyter/<lang>-<explainer hash>/; other hashes of this language are removed."""
    lang, _ = _i18n(config)
    root = Path(config.config_file_path).resolve().parent
    base = root / ".cache" / "mkdocs-jupyter"
    key = f"{lang}-{_explainer_hash(root)}"
    for old in base.glob(f"{lang}-*") if base.is_dir() else []:
        if old.name != key and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return base / key


def _cache_key(path: Path) -> str:
    """mkdocs-jupyter's cache key (``_compute_cache_key``): the notebook's bytes and the options."""
    h = hashlib.sha256(path.read_bytes())
    h.update(f"execute={NB2HTML['execute']}".encode())
    for key in (
        "kernel_name",
        "theme",
        "allow_errors",
        "show_input",
        "no_input",
        "no_prompt",
        "remove_tag_config",
        "highlight_extra_classes",
        "include_requirejs",
        "custom_mathjax_url",
    ):
        h.update(f"{key}={NB2HTML[key]!r}".encode())
    h.update(f"toc_depth={TOC_DEPTH!r}".encode())
    h.update(b"slugify=unicode,ids-not-percent-encoded")  # heading ids keep non-ASCII text (see _render_notebook)
    return h.hexdigest()


def _render_notebook(path: Path, cache: Path) -> dict:
    """``{"content", "toc_tokens", "title"}`` of the executed notebook, from the cache if there."""
    _used.add(cache)
    rendered = jsoncache.read(cache)
    if rendered is not None:
        return rendered
    import markdown
    from markdown.extensions.toc import TocExtension, slugify_unicode
    from mkdocs_jupyter import convert

    log.info(f"executing and converting {path.name}")
    # Headings' ids: mkdocs-jupyter's slugify drops every non-ASCII character, so a Chinese heading
    # got id="" (and the page's TOC linked to #_1, #_2, ... which did not exist). The site's own
    # slugify (mkdocs.yml: toc.slugify) gives the same ids to English headings and keeps Chinese;
    # nbconvert would then percent-encode them (id="%E6%95%B0..."): an id may hold any character
    # but a space, and the slug has none, so it is used as it is.
    from nbconvert.filters import strings

    saved = convert.slugify, strings._convert_header_id
    convert.slugify = lambda value: slugify_unicode(value, "-")
    strings._convert_header_id = lambda text: text.replace(" ", "-")
    try:
        content = convert.nb2html(str(path), **NB2HTML)
    finally:
        convert.slugify, strings._convert_header_id = saved
    md = markdown.Markdown(extensions=[TocExtension(toc_depth=TOC_DEPTH, slugify=slugify_unicode)])
    md.convert(convert.nb2md(str(path)))
    toc_tokens = md.toc_tokens
    title = next((t["name"] for t in toc_tokens if t["level"] == 1), None)
    rendered = {"content": content, "toc_tokens": toc_tokens, "title": title}
    jsoncache.write(cache, rendered)
    return rendered


def on_pre_build(config, **kwargs) -> None:
    _used.clear()


@mkdocs.plugins.event_priority(-200)  # after mkdocs-static-i18n (-100) rebuilt the Files
def on_files(files: Files, config, **kwargs) -> Files:
    lang, default = _i18n(config)
    for f in list(files):
        if f.src_uri.endswith(".ipynb") and f.abs_src_path and not isinstance(f, NotebookPage):
            page_file = NotebookPage(
                f.src_uri,
                f.src_dir,
                config.site_dir,
                config.use_directory_urls,
                dest_uri=_page_dest(f.src_uri, lang, default, config.use_directory_urls),
                inclusion=f.inclusion,
            )
            page_file.name = PurePosixPath(f.src_uri).name.split(".")[0]
            for attr in ("locale", "localization", "norm_src_uri", "locale_alternate_of"):
                if hasattr(f, attr):
                    setattr(page_file, attr, getattr(f, attr))
            # language switcher: the twin *page* of every language, not the .ipynb asset
            # (i18n computes no alternates for assets, so build them: x.<lang>.ipynb, else x.ipynb)
            alternates = {}
            for alt_lang in _build_languages(config):
                alt_src = _notebook_source(f, alt_lang, default, config)
                alternates[alt_lang] = NotebookPage(
                    alt_src,
                    config.docs_dir,
                    config.site_dir,
                    config.use_directory_urls,
                    dest_uri=_page_dest(alt_src, alt_lang, default, config.use_directory_urls),
                )
            alternates[lang] = page_file
            page_file.alternates = alternates
            # replace in place: keeps i18n's Files subclass (it resolves x.png -> x.zh.png)
            files.remove(f)
            files.append(page_file)
    return files


def on_pre_page(page, config, files, **kwargs):
    """Render the notebook instead of reading Markdown (its nav title stays the page title)."""
    if not isinstance(page.file, NotebookPage):
        return page
    cache = _cache_dir(config) / f"{_cache_key(Path(page.file.abs_src_path))}.json"

    def render(config, files) -> None:
        rendered = _render_notebook(Path(page.file.abs_src_path), cache)
        page.content = rendered["content"]
        page.toc = get_toc(rendered["toc_tokens"])

    page.render = render
    return page


def on_page_content(html: str, page, config, files, **kwargs) -> str:
    if not isinstance(page.file, NotebookPage):
        return html
    html = _MATHJAX2.sub("", html)
    html = _MODULE_SCRIPT.sub(lambda m: "" if "cdnjs" in m.group(0) or "mermaid" in m.group(0) else m.group(0), html)
    html = _REMOTE_TAG.sub("", html)
    lang, _ = _i18n(config)
    name = Path(page.file.src_uri).name
    text = DOWNLOAD_TEXT.get(lang, DOWNLOAD_TEXT["en"]).format(name=name)
    note = EXECUTED_TEXT.get(lang, EXECUTED_TEXT["en"])
    repo_url = _repo_url(config)
    if repo_url:
        html = html.replace(NOTEBOOK_REPO_URL, repo_url)
        space = "" if lang == "zh" else " "  # Chinese sentences follow each other without a space
        note += space + REPOSITORY_TEXT.get(lang, REPOSITORY_TEXT["en"]).format(url=repo_url)
    colab = _colab_button(page, config, lang)
    header = (
        f'<p class="nb-download"><a class="md-button" href="{name}" download>{text}</a> {colab}'
        f"<small>{note}</small></p>\n"
    )
    # after the notebook's title when it has one, else on top
    m = re.search(r"</h1>", html)
    return html[: m.end()] + "\n" + header + html[m.end() :] if m else header + html


def colab_url(repo_url: str, path: str, branch: str = COLAB_BRANCH) -> str | None:
    """Colab's address for the notebook at ``path`` in a GitHub repository (None for another host).

    >>> colab_url("https://github.com/flows-explained/flows-explained/", "docs/notebooks/a.ipynb")
    'https://colab.research.google.com/github/flows-explained/flows-explained/blob/main/docs/notebooks/a.ipynb'
    >>> colab_url("https://gitlab.com/a/b", "x.ipynb") is None
    True
    """
    m = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repo_url.strip())
    if not m:
        return None
    return f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/{branch}/{path}"


def _colab_button(page, config, lang: str) -> str:
    """The "Open in Colab" link of a notebook page ("" when the repository is not on GitHub)."""
    root = Path(config.config_file_path).resolve().parent
    source = Path(page.file.abs_src_path).resolve().relative_to(root).as_posix()
    url = colab_url(_repo_url(config), source)
    if url is None:
        return ""
    icon = get_relative_url(COLAB_ICON, page.file.url)
    text, title = COLAB_TEXT.get(lang, COLAB_TEXT["en"]), COLAB_TITLE.get(lang, COLAB_TITLE["en"])
    return (
        f'<a class="md-button nb-colab" href="{url}" title="{title}">'
        f'<img src="{icon}" alt="" width="20" height="20"> {text}</a> '
    )


def _repo_url(config) -> str:
    return (config.repo_url or "").rstrip("/")


def on_post_page(output: str, page, config, **kwargs) -> str:
    """The notebook of the page's language next to the page, naming the site's repository."""
    if isinstance(page.file, NotebookPage):
        target = Path(page.file.abs_dest_path).parent / Path(page.file.src_uri).name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = Path(page.file.abs_src_path).read_bytes()
        repo_url = _repo_url(config)
        if repo_url and repo_url != NOTEBOOK_REPO_URL:
            source = source.replace(NOTEBOOK_REPO_URL.encode(), repo_url.encode())
        if not target.exists() or target.read_bytes() != source:
            target.write_bytes(source)
    return output


def on_post_build(config, **kwargs) -> None:
    """Drop the cached renderings of notebook versions that this language build did not use."""
    for folder in {path.parent for path in _used}:
        for stale in set(folder.glob("*.json")) - _used:
            stale.unlink(missing_ok=True)
