"""String tables: one TOML file per figure or scene, English and Chinese side by side.

.. code-block:: toml

    [title]
    en = "Masks on an image"
    zh = "图像上的掩码"

A table's digest is taken per language, so a changed Chinese label rebuilds the Chinese output
only (see :mod:`sitebuild.pipeline`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import tomllib

LANGS = ("en", "zh")


def load(path: str | Path) -> dict[str, dict[str, str]]:
    """``{lang: {key: text}}`` of the table at ``path``; a clear error if a language is missing.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.toml"
    >>> _ = p.write_text('[title]\\nen = "Masks"\\nzh = "掩码"\\n', encoding="utf-8")
    >>> load(p)["zh"]
    {'title': '掩码'}
    >>> _ = p.write_text('[title]\\nen = "Masks"\\n', encoding="utf-8")
    >>> load(p)
    Traceback (most recent call last):
    ...
    ValueError: t.toml: string 'title' has no zh text
    """
    path = Path(path)
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for key, texts in table.items():
        for lang in LANGS:
            if lang not in texts:
                raise ValueError(f"{path.name}: string {key!r} has no {lang} text")
            out[lang][key] = texts[lang]
    return out


def digest(paths, lang: str) -> str:
    """SHA-256 (16 hex digits) of the ``lang`` texts of the tables at ``paths``."""
    values = {Path(p).name: load(p)[lang] for p in paths}
    return hashlib.sha256(json.dumps(values, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
