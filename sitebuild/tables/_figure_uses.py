"""Where each figure is shown: the page, the section (its heading and anchor) and the alt text the
page gives it, read from the page sources (``![alt](generated/figures/<name>.png)``).

The gallery takes a figure's alt text from the lesson that shows it, so the words a screen reader
says in the lesson and in the gallery are the same. Anchors are those the site gives the headings:
Python-Markdown's toc with the site's slugify (``slugify_unicode``) and the extensions that change
a heading's text (attr_list ids, arithmatex math).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import markdown
from markdown.extensions.toc import slugify_unicode

from sitebuild import nav
from sitebuild.keys import ROOT

DOCS = ROOT / "docs"
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
# alt text may hold brackets ("a spline on [−T, T]"), one level deep
_FIGURE = re.compile(r"!\[(?P<alt>(?:[^\[\]]|\[[^\]]*\])*)\]\((?:\.\./)*generated/figures/(?P<name>[a-z0-9_]+)\.png\)")


@dataclass(frozen=True)
class Use:
    page: nav.Page
    heading: str  # the section's heading as written (Markdown), "" before the first heading
    anchor: str  # its id on the page ("" before the first heading)
    alt: str


def _headings(text: str) -> list[dict]:
    """The headings of Markdown ``text`` in order, as the site's toc makes them (name, id)."""
    md = markdown.Markdown(
        extensions=["toc", "attr_list", "md_in_html", "admonition", "pymdownx.arithmatex", "pymdownx.superfences"],
        extension_configs={"toc": {"slugify": slugify_unicode}, "pymdownx.arithmatex": {"generic": True}},
    )
    md.convert(_FRONT_MATTER.sub("", text))

    def flat(tokens):
        for t in tokens:
            yield t
            yield from flat(t["children"])

    return list(flat(md.toc_tokens))


def _section(before: str) -> tuple[str, str]:
    """The heading (its text, math as ``\\(...\\)``) and anchor of the section that ``before`` (a
    page up to a figure) ends in.

    >>> _section("---\\ntitle: x\\n---\\n# Flows\\n\\n## Paths of $x_t$\\n\\n```python\\n# a comment\\n```\\n")
    ('Paths of \\\\(x_t\\\\)', 'paths-of-x_t')
    >>> _section("# 流匹配\\n\\n## 从零实现 { #from-scratch }\\n\\n正文。\\n")
    ('从零实现', 'from-scratch')
    """
    headings = _headings(before)
    return (headings[-1]["name"], headings[-1]["id"]) if headings else ("", "")


def uses(lang: str, docs: Path = DOCS) -> dict[str, list[Use]]:
    """Every figure shown in the ``lang`` pages, with where: ``{figure: [Use, ...]}`` in reading
    order (nav order, then order on the page)."""
    out: dict[str, list[Use]] = {}
    for page in nav.pages():
        path = docs / page.file(lang)
        if path.suffix != ".md" or not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for m in _FIGURE.finditer(text):
            heading, anchor = _section(text[: m.start()])
            out.setdefault(m["name"], []).append(Use(page, heading, anchor, m["alt"].strip()))
    return out
