"""Captions can be read: no cue of any scene, in either language, goes faster than the reading
speed of ``animations/reading.py`` (Netflix's: 20 characters per second in English, 9 in Chinese)
or holds more than two lines.

Without rendering: each scene's steps are recorded by the scenes' own step recorder
(``ExplainerScene``, with a stand-in for Manim's clock) with animations that take no time at all,
the worst case; the cues are then cut and timed by ``sitebuild.media.captions`` exactly as the
build does. When the generated ``.vtt`` files are present, every cue of them is checked too.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import tomllib
from test_animations import parse_vtt

from animations import reading
from sitebuild.media import captions, scenes

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("en", "zh")
GENERATED = ROOT / "docs" / "generated" / "animations"


def test_rule_counts_characters_as_the_standard_does():
    assert reading.CPS == {"en": 20.0, "zh": 9.0} and reading.LINE == {"en": 42, "zh": 16}
    # spaces and punctuation count, a line break does not
    assert reading.characters("a, b.") == 5 and reading.characters("a,\nb.") == 4
    assert reading.characters("流匹配，") == 4
    with pytest.raises(ValueError, match="no reading speed for language 'fr'"):
        reading.seconds("x", "fr")
    with pytest.raises(ValueError, match="positive time"):
        reading.cps("x", 0.0)


def narrations(scene: str) -> dict[str, dict[str, str]]:
    """``{step: {"en": ..., "zh": ...}}`` in the table's order (the scenes' order of steps)."""
    table = tomllib.loads((ROOT / "animations" / "strings" / f"{scene}.toml").read_text(encoding="utf-8"))
    return {k.removeprefix("narration."): v for k, v in table.items() if k.startswith("narration.")}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", list(scenes.SCENES))
def test_every_narration_is_cut_into_captions_of_two_lines(scene, lang):
    for step, text in narrations(scene).items():
        pieces = reading.cues(text[lang], lang)
        assert pieces, f"{scene}.{step} ({lang}) cannot be cut into captions of two lines"
        assert "".join(pieces).replace(" ", "") == text[lang].replace(" ", ""), "a caption lost some text"
        for piece in pieces:
            assert reading.characters(piece) <= 2 * reading.LINE[lang], f"{scene}.{step} ({lang}): {piece!r}"


@pytest.fixture(scope="module")
def style():
    """The scenes' ``style`` module (imports Manim; renders nothing)."""
    sys.path.insert(0, str(ROOT / "animations"))
    try:
        spec = importlib.util.spec_from_file_location("_reading_style", ROOT / "animations" / "style.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


def record_steps(style, scene: str, lang: str, animation: float) -> tuple[list[dict], float]:
    """Each step of ``scene`` recorded by ``ExplainerScene`` when its animations take ``animation``
    seconds: a stand-in clock, advanced by ``wait`` (the scene's hold) and by the animation."""
    recorder = style.ExplainerScene.__new__(style.ExplainerScene)
    recorder.scene_key = scene
    recorder.renderer = SimpleNamespace(time=0.0)

    def wait(seconds):
        assert seconds > 0
        recorder.renderer.time += seconds

    recorder.wait = wait
    recorder.setup()
    for key in narrations(scene):
        recorder.step(key)
        recorder.renderer.time += animation
    recorder.tear_down()
    return recorder.steps, recorder.renderer.time


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", list(scenes.SCENES))
def test_every_cue_is_slow_enough_to_read(style, monkeypatch, scene, lang):
    monkeypatch.setattr(style, "LANG", lang)
    monkeypatch.setattr(style, "CONFIG", {})  # no steps file to write
    for animation in (0.0, 0.5, 3.0):  # none at all is the worst case; longer ones only slow the cues
        steps, duration = record_steps(style, scene, lang, animation)
        assert [s["key"] for s in steps] == list(narrations(scene))
        cues = captions.cues(steps, duration, lang)
        assert len(cues) >= len(steps)
        for start, end, text in cues:
            assert reading.cps(text, end - start) <= reading.CPS[lang], (
                f"{scene} ({lang}): {text!r} at {reading.cps(text, end - start):.1f} characters/s"
            )
        for step, (start, end) in zip(steps, zip([s["start"] for s in steps], [s["start"] for s in steps[1:]])):
            assert end - start >= max(animation, reading.seconds(step["narration"], lang)), "a step was cut short"


def test_a_scene_that_does_not_hold_would_fail(style, monkeypatch):
    """The check above can fail: without the hold, the steps of the longest narrations go too fast."""
    monkeypatch.setattr(style, "CONFIG", {})
    monkeypatch.setattr(style.ExplainerScene, "hold_for_reading", lambda self: None)
    steps, duration = record_steps(style, "masks", "en", 1.0)
    worst = max(reading.cps(text, end - start) for start, end, text in captions.cues(steps, duration, "en"))
    assert worst > reading.CPS["en"]


def rendered_vtts() -> list[tuple[Path, str]]:
    return [(p, p.parent.parent.name) for p in sorted(GENERATED.glob("*/*/*/*.vtt")) if p.parent.parent.name in LANGS]


@pytest.mark.skipif(not rendered_vtts(), reason="no rendered captions in docs/generated (the checks above still ran)")
def test_rendered_captions_are_slow_enough_to_read():
    for vtt, lang in rendered_vtts():
        for start, end, text in parse_vtt(vtt.read_text(encoding="utf-8")):
            speed = reading.cps(text, end - start)
            assert speed <= reading.CPS[lang] + 0.05, (
                f"{vtt.relative_to(ROOT)}: {text!r} at {speed:.1f} characters/s (limit {reading.CPS[lang]:g}); "
                "if it is an old render, rebuild it: python -m sitebuild build"
            )
            assert reading.characters(text) <= 2 * reading.LINE[lang], f"{vtt.relative_to(ROOT)}: {text!r}"
