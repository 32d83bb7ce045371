"""What every figure target shares: its registration and its string lookup.

A figure's labels live in ``strings/<figure>.toml`` (plus ``strings/common.toml``), English and
Chinese side by side; the pipeline keys each language by its own strings, so a changed Chinese
label rebuilds the Chinese figure only. A figure target computes its data once and draws it in
each language asked for: ``make(lang, out_dir, data)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from sitebuild import strings
from sitebuild.figures import style
from sitebuild.registry import Context, target

TABLES = Path(__file__).resolve().parent / "strings"


def tables(name: str) -> tuple[Path, ...]:
    """The string tables figure ``name`` reads: its own (if any) and the common one."""
    own = TABLES / f"{name}.toml"
    return (own, TABLES / "common.toml") if own.exists() else (TABLES / "common.toml",)


@functools.cache
def _texts(name: str, lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in reversed(tables(name)):  # the figure's own strings win over the common ones
        merged.update(strings.load(path)[lang])
    return merged


def labels(lang: str, name: str) -> Callable[[str], str]:
    """``T = labels(lang, "masks"); T("title")`` looks strings up in figure ``name`` (then ``common``).

    >>> labels("zh", "common")("data")
    '数据'
    >>> labels("fr", "masks")
    Traceback (most recent call last):
    ...
    ValueError: no figure strings for language 'fr'; choose 'en' or 'zh'
    """
    if lang not in strings.LANGS:
        raise ValueError(f"no figure strings for language {lang!r}; choose 'en' or 'zh'")
    texts = _texts(name, lang)

    def lookup(key: str) -> str:
        if key not in texts:
            raise KeyError(f"figure string {name}.{key} is missing (sitebuild/figures/strings/{name}.toml)")
        return texts[key]

    return lookup


def figure_target(name: str, *, depends=(), params=None):
    """Register ``func(ctx) -> {lang: [path]}`` as the figure target ``name`` (decorator)."""
    return target(name, "figure", depends=depends, params=params, strings=tables(name))


def out_dir(ctx: Context) -> Path:
    """Where figures go: ``<generated>/figures``."""
    return ctx.generated / "figures"


def draw_all(ctx: Context, make: Callable, data) -> dict[str, list[Path]]:
    """``make(lang, out_dir, data)`` for each of ``ctx.langs``: the outputs by language (the PNG,
    its SVG, its narrow variant for phones, and their text records:
    :func:`sitebuild.figures.style.outputs`)."""
    pngs = {lang: make(lang, out_dir(ctx), data) for lang in ctx.langs}
    return {lang: style.outputs(png) for lang, png in pngs.items()}
