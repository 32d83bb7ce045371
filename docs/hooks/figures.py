"""MkDocs hook: each generated figure in its phone layout on a phone, legible when tapped.

Every figure target writes two layouts of the same figure (sitebuild/figures/style.py,
``save_layouts``): ``<name>.png`` for a laptop and ``<name>.narrow.png`` for a phone (panels
stacked, about 4 inches wide), each in both languages (``.zh.png``: static-i18n serves it at the
same URL under /zh/), and next to each PNG a record of its smallest text (``<png>.json``).

After the page is rendered (``on_post_page``: after glightbox has wrapped the image in its link),
every ``<img src=".../generated/figures/<name>.png">`` that has a narrow variant becomes

    <picture><source media="(max-width: 600px)" srcset=".../<name>.narrow.png"><img ...></picture>

so the page sources keep their plain Markdown images (and their alt text, in the page's language).
The ``<img>`` carries ``data-text-px`` / ``data-narrow-text-px``: the smallest text of each
layout in pixels of its PNG, which the browser test turns into CSS pixels on screen. The lightbox
link's ``data-narrow`` names the narrow PNG: docs/assets/js/figures.js opens that one on a phone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

PHONE = "(max-width: 600px)"  # docs/assets/js/figures.js reads it from the <source>
_IMG = re.compile(r'<img\b[^>]*\bsrc="(?P<dir>[^"]*generated/figures/)(?P<name>[a-z0-9_]+)\.png"[^>]*>')
_LINK = re.compile(r'(<a\b[^>]*class="glightbox"[^>]*>)(\s*)$')


def _record(docs: Path, name: str, lang: str, variant: str) -> dict | None:
    """The text record of a figure's PNG in ``lang`` (English when there is no translation)."""
    stem = name if variant == "wide" else f"{name}.{variant}"
    for code in dict.fromkeys((lang, "en")):
        png = docs / "generated" / "figures" / (f"{stem}.png" if code == "en" else f"{stem}.{code}.png")
        record = png.with_name(png.name + ".json")
        if png.exists() and record.exists():
            return json.loads(record.read_text(encoding="utf-8"))
    return None


def picture(html: str, docs: Path, lang: str) -> str:
    """Wrap each generated figure of ``html`` that has a narrow variant in a ``<picture>``."""
    out, last = [], 0
    for m in _IMG.finditer(html):
        name, folder = m["name"], m["dir"]
        wide, narrow = _record(docs, name, lang, "wide"), _record(docs, name, lang, "narrow")
        if wide is None or narrow is None:
            continue
        before = html[last : m.start()]
        link = _LINK.search(before)
        if link:  # the lightbox link: tell figures.js where the phone layout is
            before = before[: link.start()] + link[1][:-1] + f' data-narrow="{folder}{name}.narrow.png">' + link[2]
        img = m[0][:-1].rstrip("/ ") + f' data-figure="{name}" data-text-px="{wide["min_font_px"]}"'
        img += f' data-narrow-text-px="{narrow["min_font_px"]}">'
        out += [before, f'<picture><source media="{PHONE}" srcset="{folder}{name}.narrow.png">{img}</picture>']
        last = m.end()
    return "".join(out) + html[last:]


def on_post_page(output: str, page, config, **kwargs) -> str:
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n is not None else "en"
    return picture(output, Path(config["docs_dir"]), lang)
