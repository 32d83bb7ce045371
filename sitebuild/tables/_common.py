"""What the table targets share: writing one markdown file per language, and reading the depth
sweep's models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from explainer import checkpoints
from sitebuild.models.flows2d import DEPTHS, depth_model

DEPTH_MODELS = tuple(depth_model(n) for n in DEPTHS)  # RealNVP on moons with 1, 2, 4, 8 couplings


def write_langs(ctx, name: str, text_of: Callable[[str], str]) -> list[Path]:
    """Write ``text_of(lang)`` to ``tables/<name>.md`` (English) and ``tables/<name>.<lang>.md``
    for each of the build's languages; return the paths."""
    out = []
    for lang in ctx.langs:
        path = ctx.path("tables", f"{name}.md" if lang == "en" else f"{name}.{lang}.md")
        path.write_text(text_of(lang), encoding="utf-8")
        out.append(path)
    return out


def model_meta(ctx, name: str) -> dict:
    """The metadata of the checkpoint target ``name`` built, with its number of ``layers``."""
    saved = checkpoints.read(ctx.dep(name)[0])
    return {**saved["meta"], "layers": saved["kwargs"]["layers"]}
