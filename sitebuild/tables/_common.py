"""What the table targets share: writing one markdown file per language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def write_langs(ctx, name: str, text_of: Callable[[str], str]) -> list[Path]:
    """Write ``text_of(lang)`` to ``tables/<name>.md`` (English) and ``tables/<name>.<lang>.md``
    for each of the build's languages; return the paths."""
    out = []
    for lang in ctx.langs:
        path = ctx.path("tables", f"{name}.md" if lang == "en" else f"{name}.{lang}.md")
        path.write_text(text_of(lang), encoding="utf-8")
        out.append(path)
    return out
