"""``python -m sitebuild animations [SCENE ...] --lang en|zh|all --quality preview|hd``: render the
scenes through the cached pipeline, then print what each render cost."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sitebuild import pipeline
from sitebuild.media.layout import OUT, gallery_file, measures_file, media_dir
from sitebuild.media.names import DECK, GALLERY, PLAYERS, scene_target
from sitebuild.media.scenes import SCENES, check_quality, check_scenes


def rendered(result: pipeline.Result, quality: str) -> set[tuple[str, str]]:
    """The ``(scene, lang)`` pairs that ``result``'s build rendered (the others were cached)."""
    by_name = {scene_target(s, quality): s for s in SCENES}
    return {(by_name[r.name], lang) for r in result.built if r.name in by_name for lang in r.parts}


def report(
    scenes: list[str],
    langs: tuple[str, ...],
    quality: str,
    generated: Path,
    cache: Path,
    fresh: set[tuple[str, str]],
    file=None,
) -> float:
    """Per scene and language: render time (wall and CPU, from ``render.json``, or "cached" when
    not rendered by this run, i.e. not in ``fresh``), duration and file sizes. Returns the total
    render time."""
    out = file or sys.stderr
    print(
        f"\n{'scene':<22s} {'lang':<4s} {'quality':<8s} {'render':>9s} {'cpu':>8s} {'length':>7s} "
        f"{'mp4':>8s} {'webm':>8s} {'gif':>8s}",
        file=out,
    )
    total = 0.0
    for scene in scenes:
        for lang in langs:
            d = media_dir(generated, scene, lang, quality)
            measures = measures_file(cache, scene, lang, quality)
            log = json.loads(measures.read_text()) if (scene, lang) in fresh and measures.exists() else None
            rec = json.loads((d / "steps.json").read_text(encoding="utf-8")) if (d / "steps.json").exists() else {}
            size = lambda n, d=d: f"{(d / n).stat().st_size / 1e3:.0f} kB" if (d / n).exists() else "-"
            wall = f"{log['wall']:.1f} s" if log else "cached"
            cpu = f"{log['cpu']:.1f} s" if log else ""
            total += log["wall"] if log else 0.0
            print(
                f"{scene:<22s} {lang:<4s} {quality:<8s} {wall:>9s} {cpu:>8s} {rec.get('duration', 0):6.1f}s "
                f"{size(scene + '.mp4'):>8s} {size(scene + '.webm'):>8s} {size(scene + '.gif'):>8s}",
                file=out,
            )
    print(f"renders: {total:.1f} s of render time (independent renders run in parallel processes)", file=out)
    return total


def main(
    scenes=None,
    *,
    lang: str = "all",
    quality: str = "preview",
    progress: bool = True,
    generated: Path | None = None,
    cache: Path | None = None,
) -> int:
    """Render ``scenes`` (default: all; then also the players, the deck and the gallery) in ``lang`` at
    ``quality``; unchanged renders are cached. After HD renders the gallery is rewritten, so that
    it offers the HD downloads."""
    names = check_scenes(scenes)
    check_quality(quality)
    if lang not in ("en", "zh", "all"):
        raise ValueError(f"lang must be 'en', 'zh' or 'all', got {lang!r}")
    wanted = [scene_target(s, quality) for s in names]
    if quality == "preview" and names == list(SCENES):
        wanted += [PLAYERS, DECK, GALLERY]
    generated = Path(generated or pipeline.GENERATED)
    kwargs = {"generated": generated, "cache": Path(cache or pipeline.CACHE)}
    langs = pipeline.LANGS if lang == "all" else (lang,)
    start = time.perf_counter()
    result = pipeline.build(wanted, lang=lang, progress=progress, **kwargs)
    if quality == "hd":
        # The HD renders are not the gallery's dependencies (every build would render them): drop
        # the gallery pages that exist so that the pipeline writes them again, now with HD links.
        stale = [gallery_file(generated, x) for x in langs if gallery_file(generated, x).exists()]
        for page in stale:
            page.unlink()
        if stale:
            pipeline.build([GALLERY], lang=lang, progress=False, **kwargs)
    report(names, langs, quality, generated, kwargs["cache"], rendered(result, quality))
    print(f"done in {time.perf_counter() - start:.1f} s; media in {generated / OUT}", file=sys.stderr)
    return 0
