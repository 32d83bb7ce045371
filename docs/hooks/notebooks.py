"""MkDocs hook: Jupyter notebooks as pages in BOTH languages, offline, with a download link.

mkdocs-static-i18n rebuilds every File in its ``on_files`` and turns the notebook pages that
mkdocs-jupyter had wrapped back into plain assets (upstream issue ultrabug/mkdocs-static-i18n#198),
so ``notebooks/x.ipynb`` would be copied, not rendered. After i18n has picked the notebook of the
language being built (``x.ipynb`` for English, ``x.zh.ipynb`` for /zh/, the English one as a
fallback), this hook turns it back into a documentation page at ``[zh/]notebooks/x/`` and makes
the language switcher point at the twin page. mkdocs-jupyter then renders it (executing it).

The rendered notebook HTML is made offline: nbconvert's template loads MathJax 2 and mermaid
from cdnjs; both are removed (the site's own MathJax 3 typesets notebook math, see
docs/assets/js/mathjax-config.js). The notebook source of the page's language is copied next to
the page and linked from the top of it.

mkdocs-jupyter caches the executed HTML keyed on the notebook file only; the cache directory is
made specific to the language and to the source of ``explainer/`` so a change in the package
re-executes the notebooks.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
import shutil
from pathlib import Path, PurePosixPath

import mkdocs.plugins
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.notebooks")

DOWNLOAD_TEXT = {
    "en": "Download this notebook ({name})",
    "zh": "下载此 notebook（{name}）",
}
EXECUTED_TEXT = {
    "en": "This page was produced by running the notebook when the site was built.",
    "zh": "本页内容是在构建网站时运行该 notebook 得到的。",
}

# nbconvert template parts that would fetch from a CDN
_MATHJAX2 = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_MODULE_SCRIPT = re.compile(r"<script type=\"module\">(?:(?!</script>).)*?</script>", re.S)
_REMOTE_TAG = re.compile(r"<(script|link)\b[^>]*\b(?:src|href)=[\"']https?://[^>]*>(?:\s*</script>)?", re.I)


class NotebookPage(File):
    """A notebook that MkDocs must treat as a page (rendered by mkdocs-jupyter)."""

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


@mkdocs.plugins.event_priority(-150)  # after i18n's on_config (-100) has set the language
def on_config(config, **kwargs):
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter is None:
        return config
    lang, _ = _i18n(config)
    root = Path(config.config_file_path).resolve().parent
    base = root / ".cache" / "mkdocs-jupyter"
    key = f"{lang}-{_explainer_hash(root)}"
    for old in base.glob(f"{lang}-*") if base.is_dir() else []:
        if old.name != key and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    jupyter.config["cache_dir"] = str(base / key)
    return config


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
    header = (
        f'<p class="nb-download"><a class="md-button" href="{name}" download>{text}</a> <small>{note}</small></p>\n'
    )
    # after the notebook's title when it has one, else on top
    m = re.search(r"</h1>", html)
    return html[: m.end()] + "\n" + header + html[m.end() :] if m else header + html


def on_post_page(output: str, page, config, **kwargs) -> str:
    if isinstance(page.file, NotebookPage):
        target = Path(page.file.abs_dest_path).parent / Path(page.file.src_uri).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page.file.abs_src_path, target)
    return output
