"""The render targets: ``animation:<scene>`` (kind ``"animation"``, preview: 854×480 at 15 fps,
part of every build) and ``animation-hd:<scene>`` (1920×1080 at 30 fps, ``default=False``: built
on request only).

Each is built and keyed per language, with the scene's table ``animations/strings/<scene>.toml``.
Its key also covers the scene file and what it imports (``animations/style.py``,
``animations/strings.py``: declared with ``modules=`` because Manim runs them in another
process), the Manim and ffmpeg versions, the quality and the exports the scene reads
(``depends=``). It writes the media of :mod:`sitebuild.media.layout` and
``render.json``, what the render cost. The players, the deck and the gallery are
:mod:`sitebuild.media.page_targets`: this module does not import their code, so editing them
never re-renders a scene.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sitebuild.keys import ROOT
from sitebuild.media import captions, convert, render
from sitebuild.media.layout import measures_file, media_dir
from sitebuild.media.names import scene_target
from sitebuild.media.scenes import QUALITIES, SCENES
from sitebuild.registry import Context, target


def make_media(ctx: Context, scene: str, lang: str, quality: str, exports: list[Path]) -> list[Path]:
    """Render ``scene`` in ``lang`` at ``quality``, convert and caption it, write its ``steps.json``
    and ``render.json``; return the files written (its player page is ``animation:players``)."""
    start = time.perf_counter()
    out_dir = media_dir(ctx.generated, scene, lang, quality)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx.cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{scene}-{lang}-{quality}-", dir=ctx.cache))
    try:
        raw = render.render(scene, lang, quality, exports, work)
        media = convert.convert(scene, raw.video, raw.steps, quality, out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    info = media.info
    record = {
        **raw.steps,
        **{k: info[k] for k in ("duration", "width", "height", "fps", "frames")},
        "quality": quality,
        "poster_time": media.poster_time,
    }
    vtt, steps = out_dir / f"{scene}.vtt", out_dir / "steps.json"
    vtt.write_text(captions.webvtt(raw.steps["steps"], info["duration"], lang), encoding="utf-8")
    steps.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    files = [media.files["mp4"], media.files["webm"], media.files["poster"], vtt, steps]
    files += [media.files["gif"]] if "gif" in media.files else []
    measured = {
        "wall": time.perf_counter() - start,
        "manim_wall": raw.wall,
        "manim_cpu": raw.cpu,
        "convert_wall": media.wall,
        "cpu": raw.cpu + media.cpu,
        "sizes": {p.name: p.stat().st_size for p in files},
    }
    measures = measures_file(ctx.cache, scene, lang, quality)
    measures.parent.mkdir(parents=True, exist_ok=True)
    measures.write_text(json.dumps(measured, indent=1), encoding="utf-8")
    print(
        f"[render] {scene:<22s} {lang} {quality:<7s} {measured['wall']:6.1f} s wall, {measured['cpu']:6.1f} s cpu",
        file=sys.stderr,
    )
    return [*files, measures]


def _scene_target(scene: str, quality: str) -> None:
    spec = SCENES[scene]
    deps = tuple(f"export:{e}" for e in spec.exports)

    @target(
        scene_target(scene, quality),
        "animation",
        depends=deps,
        params={"scene": scene, "quality": quality, "settings": QUALITIES[quality]},
        modules=(spec.module,),
        strings=(ROOT / "animations" / "strings" / f"{scene}.toml",),
        default=quality == "preview",
    )
    def build(ctx: Context) -> dict[str, list[Path]]:
        exports = [ctx.dep(dep)[0] for dep in deps]
        return {lang: make_media(ctx, scene, lang, quality, exports) for lang in ctx.langs}


for _scene in SCENES:
    for _quality in QUALITIES:
        _scene_target(_scene, _quality)
