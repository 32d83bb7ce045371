"""What every figure target shares: its pipeline registration and its string lookup.

A figure's key hashes its own module, this module, :mod:`explainer.figures.style`, the modules
it lists in ``code=`` and, as a parameter, *its own* section of the string table, so editing one
figure (or one figure's strings) regenerates that figure and only that figure.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..pipeline import LANGS, Context, target
from .strings import STRINGS, text

FIGURE_CODE = ("explainer.figures.style", "explainer.figures._common")


def strings_of(name: str) -> dict:
    """The string-table sections of figure ``name`` in every language (part of its key)."""
    return {lang: {k: STRINGS[lang][k] for k in (name, "common") if k in STRINGS[lang]} for lang in LANGS}


def figure_target(name: str, *, depends=(), code=(), params=None):
    """Register ``func(ctx) -> list[Path]`` as the figure target ``name`` (decorator)."""
    return target(name, "figure", depends=depends, code=(*FIGURE_CODE, *code),
                  params={**(params or {}), "strings": strings_of(name)})


def out_dir(ctx: Context) -> Path:
    """Where figures go: ``<generated>/figures``."""
    return ctx.generated / "figures"


def labels(lang: str, name: str) -> Callable[[str], str]:
    """``T = labels(lang, "masks"); T("title")`` looks strings up in figure ``name`` (then ``common``).

    >>> labels("zh", "common")("data")
    '数据'
    """
    def lookup(key: str) -> str:
        if key in STRINGS.get(lang, {}).get(name, {}):
            return text(lang, name, key)
        return text(lang, "common", key) if key in STRINGS.get(lang, {}).get("common", {}) else text(lang, name, key)

    return lookup
