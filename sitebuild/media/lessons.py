"""One scene embedded in the lesson that explains it: the video (poster, captions in the page's
language, nothing loaded until the reader presses play), its step list with the narration, and a
link to the standalone player. A Markdown snippet per scene and language,
``<generated>/tables/scenes/<scene>(.<lang>).md``, that the lesson includes with
``--8<-- "generated/tables/scenes/<scene>.md"``.
"""

from __future__ import annotations

from pathlib import Path

from sitebuild.media.pages import GALLERY_BASE, steps_record, ui, video_fields
from sitebuild.media.templates import attr, fill, fragment, text

# Which lesson shows which scene (docs/<page>.md and its .zh.md twin include the snippet).
LESSONS = {
    "change_of_variables": "change-of-variables",
    "coupling_layer": "coupling-layers",
    "triangular_jacobian": "coupling-layers",
    "masks": "masking",
    "alternating_layers": "alternating-and-permutations",
    "flow_matching": "flow-matching",
    "realnvp_vs_fm": "comparison",
    "reflow": "flow-matching-in-depth",
}


def snippet_file(generated: Path, scene: str, lang: str) -> Path:
    """
    >>> snippet_file(Path("g"), "masks", "zh").as_posix()
    'g/tables/scenes/masks.zh.md'
    """
    name = f"{scene}.md" if lang == "en" else f"{scene}.{lang}.md"
    return Path(generated) / "tables" / "scenes" / name


def include_line(scene: str, lang: str) -> str:
    """The line with which the lesson page in ``lang`` shows ``scene``.

    >>> include_line("masks", "zh")
    '--8<-- "generated/tables/scenes/masks.zh.md"'
    """
    return f'--8<-- "{snippet_file(Path("generated"), scene, lang).as_posix()}"'


def target_name(scene: str) -> str:
    """
    >>> target_name("masks")
    'table:lesson-masks'
    """
    return f"table:lesson-{scene}"


def lesson_markdown(generated: Path, scene: str, lang: str) -> str:
    """The embed of ``scene`` in ``lang``: from its preview render's ``steps.json``."""
    words, steps = ui(lang), steps_record(generated, scene, lang)
    items = [
        fragment("lesson-step.html", label=text(s["label"]), separator=text(words["lesson.separator"]),
                 narration=text(s["narration"]))
        for s in steps["steps"]
    ]  # fmt: skip
    return fill(
        "lesson.md",
        **video_fields(steps, scene, lang, GALLERY_BASE[lang]),
        animation_label=text(words["lesson.animation"]),
        player_label=text(words["lesson.player"]),
        steps_label=attr(words["lesson.steps"]),
        steps="\n".join(items),
    )
