"""Manim on one scene in one language at one quality, in another process: the raw video and the
steps record the scene writes (when each step starts, its label and narration).

The scene learns its language and the exports it draws from a small JSON file whose path is in
``EXPLAINER_SCENE_CONFIG`` (see ``animations/style.py``). The scene file, ``animations/style.py``
and ``animations/strings.py`` run in that process: the targets declare them (``modules=``) so
that they are part of the key.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sitebuild.keys import ROOT
from sitebuild.media.process import run
from sitebuild.media.scenes import SCENES, check_quality

if TYPE_CHECKING:  # the render runs `python -m manim`: this import puts manim's version into the key
    import manim  # noqa: F401

ANIMATIONS = ROOT / "animations"
LANGS = ("en", "zh")


@dataclass(frozen=True)
class Rendered:
    video: Path  # the raw MP4 Manim wrote (inside ``work``)
    steps: dict  # the scene's record: {"scene", "lang", "duration", "steps": [...], "poster_step"}
    wall: float  # seconds
    cpu: float  # CPU seconds of the Manim process


def manim_command(scene: str, quality: str, media: Path) -> list[str]:
    """The command that renders ``scene`` at ``quality`` into the folder ``media``.

    >>> manim_command("masks", "preview", Path("m"))[-6:]  # doctest: +ELLIPSIS
    ['--fps', '15', '-o', 'masks', '.../animations/masks.py', 'Masks']
    """
    spec, q = SCENES[scene], check_quality(quality)
    return [
        sys.executable, "-m", "manim", "render", "--disable_caching", "--progress_bar", "none",
        "-v", "WARNING", "--media_dir", str(media), "-r", f"{q['width']},{q['height']}",
        "--fps", str(q["fps"]), "-o", scene, str(ANIMATIONS / spec.file), spec.cls,
    ]  # fmt: skip


def render(scene: str, lang: str, quality: str, exports: list[Path], work: Path) -> Rendered:
    """Render ``scene`` in ``lang`` at ``quality`` with Manim, working in the folder ``work`` (the
    caller removes it); ``exports`` are the ``.npz`` files the scene reads."""
    check_quality(quality)
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    start = time.perf_counter()
    config = {
        "lang": lang,
        "exports": {Path(p).stem: str(p) for p in exports},
        "steps_file": str(work / "steps.json"),
    }
    (work / "scene.json").write_text(json.dumps(config), encoding="utf-8")
    env = {
        **os.environ,
        "EXPLAINER_SCENE_CONFIG": str(work / "scene.json"),
        "PYTHONPATH": os.pathsep.join([str(ANIMATIONS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    ran = run(manim_command(scene, quality, work / "media"), env=env, cwd=work)
    video = next((work / "media" / "videos").rglob(f"{scene}.mp4"))
    steps = json.loads((work / "steps.json").read_text(encoding="utf-8"))
    return Rendered(video, steps, time.perf_counter() - start, ran.cpu)
