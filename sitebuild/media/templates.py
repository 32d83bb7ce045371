"""Filling the files of ``templates/`` (HTML, CSS, JavaScript, Markdown).

Templates use :class:`string.Template` placeholders (``$name`` or ``${name}``; a literal dollar
sign is ``$$``), and every placeholder must be given. Values go in as they are: escape them first
(:func:`attr`, :func:`text`). CSS and JavaScript are inlined (:func:`raw`): no page loads anything
from the network.

Files are read on every call, never cached: the pipeline records the files a target reads and
puts them into its key, so an edited template rebuilds exactly the targets that use it (and
``mkdocs serve`` shows it).
"""

from __future__ import annotations

import html
import string
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Per language: the HTML lang attribute and the language's own name (the captions track's label)
LANGUAGES = {"en": {"html": "en", "name": "English"}, "zh": {"html": "zh-CN", "name": "中文"}}


def fill(name: str, **values) -> str:
    """Template ``templates/<name>`` with its placeholders replaced by ``values``."""
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)


def fragment(name: str, **values) -> str:
    """:func:`fill` for a one-line template, without its final newline."""
    return fill(name, **values).rstrip("\n")


def raw(name: str, closing: str) -> str:
    """The text of ``templates/<name>`` to put inside an HTML ``<style>`` or ``<script>`` element,
    which ends at the first ``closing`` tag, so the file must not contain one.

    >>> raw("media.css", "</style").startswith("body{")
    True
    >>> raw("deck.js", "const")
    Traceback (most recent call last):
    ...
    ValueError: templates/deck.js contains 'const': it would end the element early
    """
    content = (TEMPLATES / name).read_text(encoding="utf-8")
    if closing in content.lower():
        raise ValueError(f"templates/{name} contains {closing!r}: it would end the element early")
    return content


def css() -> str:
    """The style every media page shares (``templates/media.css``), to inline in ``<style>``."""
    return raw("media.css", "</style").rstrip("\n")


def attr(value) -> str:
    """A value for an HTML attribute.

    >>> attr('a "b" & <c>')
    'a &quot;b&quot; &amp; &lt;c&gt;'
    """
    return html.escape(str(value), quote=True)


def text(value) -> str:
    """A value for HTML (or Markdown) text.

    >>> text("x < y & 'z'")
    "x &lt; y &amp; 'z'"
    """
    return html.escape(str(value), quote=False)
