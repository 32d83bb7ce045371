"""Every word the scenes show or say: one table per scene, ``animations/strings/<scene>.toml``,
English and Chinese side by side. Keys are ``"<scene>.<key>"``; ``<scene>.steps.<step>`` is the
short on-screen label of a step (also the slide title in the deck), ``<scene>.narration.<step>``
the caption (WebVTT) for that step. Formulas are shared (MathTex in the scene files); only text
lives in the tables. Chinese terms follow docs/glossary.zh.md.
"""

from __future__ import annotations

import functools
from pathlib import Path

import tomllib

TABLES = Path(__file__).resolve().parent / "strings"
LANGS = ("en", "zh")


@functools.cache
def table(scene: str) -> dict[str, dict[str, str]]:
    """``{key: {"en": ..., "zh": ...}}`` of ``scene``; a clear error for an unknown scene."""
    path = TABLES / f"{scene}.toml"
    if not path.exists():
        known = sorted(p.stem for p in TABLES.glob("*.toml"))
        raise KeyError(f"no string table for scene {scene!r}; tables: {', '.join(known)}")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def text(lang: str, key: str, **fmt) -> str:
    """The ``lang`` text of ``"<scene>.<key>"``, formatted with ``fmt``; a clear error for a
    missing language or key.

    >>> text("zh", "masks.title")
    '图像上的掩码'
    >>> text("en", "alternating_layers.layer", k=3, n=8)
    'layer 3/8'
    >>> text("fr", "masks.title")
    Traceback (most recent call last):
    ...
    ValueError: no strings for language 'fr'; choose one of ('en', 'zh')
    """
    if lang not in LANGS:
        raise ValueError(f"no strings for language {lang!r}; choose one of {LANGS}")
    scene, _, rest = key.partition(".")
    entry = table(scene).get(rest)
    if entry is None:
        raise KeyError(f"animations/strings/{scene}.toml has no {rest!r}")
    return entry[lang].format(**fmt) if fmt else entry[lang]


def keys(scene: str) -> list[str]:
    """The keys of ``scene``'s table, as ``"<scene>.<key>"``."""
    return [f"{scene}.{k}" for k in table(scene)]
