"""The site's pages in reading order: mkdocs.yml's ``nav``, with each page's title in each
language (English from ``nav``, Chinese from the i18n plugin's ``nav_translations``).

The figure gallery orders its figures by where they first appear, and the course PDF prints
the pages in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from sitebuild.keys import ROOT

CONFIG = ROOT / "mkdocs.yml"


@dataclass(frozen=True)
class Page:
    source: str  # the English source, relative to docs/: "flow-matching.md"
    titles: dict[str, str]  # the nav title by language

    def file(self, lang: str) -> str:
        """The page's source in ``lang``, relative to docs/.

        >>> p = Page("notebooks/realnvp-moons.ipynb", {})
        >>> Page("flow-matching.md", {}).file("zh"), p.file("zh"), p.file("en")
        ('flow-matching.zh.md', 'notebooks/realnvp-moons.zh.ipynb', 'notebooks/realnvp-moons.ipynb')
        """
        if lang == "en":
            return self.source
        stem, ext = self.source.rsplit(".", 1)
        return f"{stem}.{lang}.{ext}"

    def url(self, lang: str) -> str:
        """The page's address relative to the site's root (``""`` for the home page).

        >>> Page("index.md", {}).url("zh"), Page("notebooks/realnvp-moons.ipynb", {}).url("en")
        ('zh/', 'notebooks/realnvp-moons/')
        """
        stem = self.source.rsplit(".", 1)[0]
        path = "" if stem == "index" else stem.removesuffix("/index") + "/"
        return ("" if lang == "en" else f"{lang}/") + path


class _Loader(yaml.SafeLoader):
    """mkdocs.yml with its tags read as plain values: ``!ENV [NAME, default]`` is the default,
    ``!!python/name:...`` is ``None`` (only the nav and the titles are wanted here)."""


_Loader.add_constructor("!ENV", lambda loader, node: (loader.construct_sequence(node) or [None])[-1])
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _flatten(entries) -> list[tuple[str, str]]:
    out = []
    for entry in entries:
        for title, value in entry.items():
            out += _flatten(value) if isinstance(value, list) else [(title, value)]
    return out


def pages(config: Path = CONFIG) -> list[Page]:
    """Every page of ``nav``, in order, with its titles.

    >>> [(p.source, p.titles["zh"]) for p in pages()][:2]
    [('index.md', '首页'), ('why-flows.md', '为什么要用流模型')]
    """
    data = yaml.load(Path(config).read_text(encoding="utf-8"), Loader=_Loader)
    translations = {"en": {}}
    for plugin in data.get("plugins", []):
        if isinstance(plugin, dict) and "i18n" in plugin:
            for language in plugin["i18n"]["languages"]:
                translations.setdefault(language["locale"], language.get("nav_translations", {}))
    out = []
    for title, source in _flatten(data["nav"]):
        missing = [lang for lang, words in translations.items() if lang != "en" and title not in words]
        if missing:
            raise ValueError(f"mkdocs.yml: nav title {title!r} has no translation for {missing} (nav_translations)")
        out.append(Page(source, {lang: words.get(title, title) for lang, words in translations.items()}))
    return out
