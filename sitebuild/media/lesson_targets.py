"""``table:lesson-<scene>``: the snippet that shows one scene in its lesson, per language
(:mod:`sitebuild.media.lessons`), keyed by the UI strings and that scene's table only."""

from __future__ import annotations

from pathlib import Path

from sitebuild.media import lessons, pages
from sitebuild.media.names import scene_target
from sitebuild.registry import Context, target


def _lesson_target(scene: str) -> None:
    @target(
        lessons.target_name(scene),
        "table",
        depends=(scene_target(scene, "preview"),),
        strings=(pages.UI_TABLE, pages.scene_table(scene)),
    )
    def build(ctx: Context) -> dict[str, list[Path]]:
        out = {}
        for lang in ctx.langs:
            path = lessons.snippet_file(ctx.generated, scene, lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(lessons.lesson_markdown(ctx.generated, scene, lang), encoding="utf-8")
            out[lang] = [path]
        return out


for _scene in lessons.LESSONS:
    _lesson_target(_scene)
