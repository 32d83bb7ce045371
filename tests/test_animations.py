"""The animations: every scene renders at preview quality in both languages through the pipeline,
and every output is checked (codec, resolution, duration, frames that change, poster, WebM,
captions, player and deck pages without external URLs); Chinese text has real glyphs (no tofu);
the exports the scenes draw agree with the math; the instructors' pages stay in sync.

The render is a session fixture (in CI it is the real render; cached by content hash, so a second
run costs nothing). ``EXPLAINER_ANIMATION_TEST_DIR`` renders into another folder instead of
docs/generated and .cache/pipeline.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explainer import animate, pipeline

ROOT = Path(__file__).resolve().parent.parent
SCENES = list(animate.SCENES)
LANGS = ("en", "zh")
PREVIEW = animate.QUALITIES["preview"]


@pytest.fixture(scope="session")
def rendered():
    base = os.environ.get("EXPLAINER_ANIMATION_TEST_DIR")
    generated = Path(base) / "generated" if base else pipeline.GENERATED
    cache = Path(base) / "cache" if base else pipeline.CACHE
    assert animate.main(None, lang="all", quality="preview", progress=False, generated=generated, cache=cache) == 0
    return generated


def media(generated: Path, scene: str, lang: str) -> Path:
    return generated / "animations" / scene / lang / "preview"


def frames(path: Path, times: list[float]) -> list[np.ndarray]:
    """Decoded RGB frames at ``times`` (seconds), via ffmpeg."""
    info = animate.probe(path)
    out = []
    for t in times:
        raw = subprocess.run(
            [
                "ffmpeg",
                "-v",
                "error",
                "-ss",
                f"{t:.3f}",
                "-i",
                str(path),
                "-frames:v",
                "1",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                "-",
            ],
            capture_output=True,
            check=True,
        ).stdout
        out.append(np.frombuffer(raw, dtype=np.uint8).reshape(info["height"], info["width"], 3))
    return out


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", SCENES)
def test_scene_outputs(rendered, scene, lang):
    d = media(rendered, scene, lang)
    for name in (
        f"{scene}.mp4",
        f"{scene}.webm",
        "poster.png",
        f"{scene}.vtt",
        "steps.json",
        "player.html",
        f"{scene}.gif",
    ):
        assert (d / name).stat().st_size > 0, f"{d / name} is missing or empty"
    mp4, webm = animate.probe(d / f"{scene}.mp4"), animate.probe(d / f"{scene}.webm")
    assert (mp4["codec"], mp4["pix_fmt"]) == ("h264", "yuv420p")
    assert webm["codec"] == "vp9"
    for info in (mp4, webm):
        assert (info["width"], info["height"]) == (PREVIEW["width"], PREVIEW["height"])
    assert mp4["fps"] == PREVIEW["fps"]
    assert 5.0 <= mp4["duration"] <= 20.0, "scenes are kept between 5 and 20 s"
    assert abs(webm["duration"] - mp4["duration"]) < 0.2
    assert abs(mp4["frames"] - mp4["duration"] * mp4["fps"]) <= 2

    first, middle, last = frames(d / f"{scene}.mp4", [0.5, mp4["duration"] / 2, mp4["duration"] - 0.1])
    diff = lambda a, b: np.abs(a.astype(int) - b.astype(int)).mean()
    assert diff(first, middle) > 1.0 and diff(middle, last) > 0.3, "the frames do not change"
    assert last.std() > 10, "the last frame is (nearly) blank"

    from PIL import Image

    poster = np.asarray(Image.open(d / "poster.png").convert("RGB"))
    assert poster.shape == (PREVIEW["height"], PREVIEW["width"], 3) and poster.std() > 10


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    assert text.startswith("WEBVTT\n"), "a WebVTT file starts with WEBVTT"
    cues = []
    stamp = r"(\d\d):(\d\d):(\d\d)\.(\d\d\d)"
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        m = re.fullmatch(stamp + " --> " + stamp, lines[1])
        assert m, f"bad cue timing line {lines[1]!r}"
        g = [int(x) for x in m.groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", SCENES)
def test_captions_and_steps(rendered, scene, lang):
    d = media(rendered, scene, lang)
    record = json.loads((d / "steps.json").read_text(encoding="utf-8"))
    cues = parse_vtt((d / f"{scene}.vtt").read_text(encoding="utf-8"))
    starts = [s["start"] for s in record["steps"]]
    assert len(cues) == len(record["steps"]) >= 3
    assert starts[0] == 0 and all(a < b for a, b in zip(starts, starts[1:])) and starts[-1] < record["duration"]
    for (start, end, text), step in zip(cues, record["steps"]):
        assert start < end and text == step["narration"] and text.strip()
    assert abs(cues[-1][1] - record["duration"]) < 0.01
    if lang == "zh":
        assert re.search(r"[\u4e00-\u9fff]", cues[0][2]), "Chinese captions should be in Chinese"


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)


def test_player_and_deck_pages_are_offline(rendered):
    pages = list((rendered / "animations").rglob("*.html"))
    assert len(pages) == len(SCENES) * len(LANGS) + len(LANGS)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), f"{page} loads something from the network"
        assert "http://" not in text and "https://" not in text, f"{page} mentions an external URL"
    for lang in LANGS:
        deck = rendered / "animations" / "deck" / lang / "index.html"
        data = json.loads(
            re.search(
                r'<script type="application/json" id="deck-data">(.*?)</script>', deck.read_text(encoding="utf-8"), re.S
            )
            .group(1)
            .replace("<\\/", "</")
        )
        assert [s["scene"] for s in data] == SCENES
        for s in data:
            for key in ("src", "poster"):
                assert (deck.parent / s[key]).resolve().exists(), f"deck {lang}: {s[key]} does not exist"
        archive = rendered / "animations" / "deck" / f"lecture-deck-{lang}.zip"
        import zipfile

        names = zipfile.ZipFile(archive).namelist()
        assert f"animations/deck/{lang}/index.html" in names
        assert all(f"animations/{s}/{lang}/preview/{s}.mp4" in names for s in SCENES)


def test_gallery_links_exist(rendered):
    # raw HTML paths are relative to the page URL: /instructors/ and /zh/instructors/
    for name, up in (("gallery.md", r"\.\./"), ("gallery.zh.md", r"\.\./\.\./")):
        text = (rendered / "tables" / name).read_text(encoding="utf-8")
        assert not re.search(r'(?:src|href|poster)="(?!' + up + r"generated/|https://)", text), (
            f"{name}: a link that does not resolve from its page"
        )
        local = re.findall(r'(?:src|href|poster)="' + up + r'generated/([^"]+)"', text)
        assert len(local) >= 8 * len(SCENES)
        for rel in local:
            assert (rendered / rel).exists(), f"{name} links to missing {rel}"
        assert text.count("```html") == 2 * len(SCENES)


def test_unchanged_scenes_are_not_rendered_again(rendered):
    base = os.environ.get("EXPLAINER_ANIMATION_TEST_DIR")
    cache = Path(base) / "cache" if base else pipeline.CACHE
    pipeline.build([animate.PREFIX["preview"] + s for s in SCENES], progress=False, generated=rendered, cache=cache)
    assert {status for _, status, _ in pipeline.LAST_REPORT} == {"cached"}


def test_unknown_scene_is_a_clear_error(capsys):
    with pytest.raises(ValueError, match="unknown scene 'moons'; valid scenes: change_of_variables, coupling_layer"):
        animate.main(["moons"])
    from explainer import cli

    assert cli.main(["animations", "nope"]) == 2
    assert "valid scenes:" in capsys.readouterr().err
    with pytest.raises(ValueError, match="quality must be one of"):
        animate.main(["masks"], quality="4k")


# --- Chinese text: real glyphs, never tofu ---------------------------------------------------------


def _animation_module(name: str):
    import importlib.util

    sys.path.insert(0, str(ROOT / "animations"))
    try:
        spec = importlib.util.spec_from_file_location(f"_anim_{name}", ROOT / "animations" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


def glyph_count(text: str) -> int:
    """How many outlines Pango draws for ``text`` in the scenes' font: one per character when the
    font has it; a missing character becomes a "tofu" hex box: a frame plus its hex digits."""
    from manim import Text

    style = _animation_module("style")
    return len(Text(text, font=style.FONT).submobjects)


def test_chinese_strings_render_with_real_glyphs():
    strings = _animation_module("strings")
    chars = sorted({c for s in strings.STRINGS["zh"].values() for c in s if ord(c) > 0x7F and not c.isspace()})
    assert len(chars) > 100
    sample = "".join(chars)
    assert glyph_count(sample) == len(sample), "some Chinese characters render as tofu boxes"
    # the check can fail: a character the font does not have (private use area) is drawn as a box
    assert glyph_count("变量\ue000") != 3


def test_chinese_font_covers_every_string():
    """fontconfig resolves the scenes' font to a real file (not a substitute) whose cmap has every
    character of the Chinese strings."""
    from fontTools.ttLib import TTCollection, TTFont

    style = _animation_module("style")
    strings = _animation_module("strings")
    family, path = subprocess.run(
        ["fc-match", "-f", "%{family}|%{file}", style.FONT], capture_output=True, text=True, check=True
    ).stdout.split("|")
    assert style.FONT in family.split(","), f"fontconfig substitutes {family!r} for {style.FONT!r}"
    fonts = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
    cmap = set().union(*(f.getBestCmap().keys() for f in fonts))
    missing = lambda text: sorted({c for c in text if not c.isspace() and ord(c) not in cmap})
    for key, value in strings.STRINGS["zh"].items():  # CJK characters: the ones only a CJK font has
        cjk = "".join(c for c in value if ord(c) >= 0x2E80)
        assert not missing(cjk), f"{key}: the font lacks {missing(cjk)}"
    assert missing("\ue000") == ["\ue000"]  # the check can fail


def test_mathtex_renders_centred_with_our_template():
    """The article-based TeX template (no standalone.cls) gives a visible, centred formula: without
    \\pagestyle{empty} the page number lands in the SVG and pushes the formula off-screen."""
    _animation_module("style")
    from manim import MathTex

    formula = MathTex(r"y_B = x_B \odot \exp(s(x_A)) + t(x_A)")
    assert formula.height > 0.2 and np.abs(formula.get_center()).max() < 1e-6
    assert len(formula.family_members_with_points()) > 10


def test_posters_differ_between_languages(rendered):
    from PIL import Image

    for scene in SCENES:
        en, zh = (
            np.asarray(Image.open(media(rendered, scene, lang) / "poster.png").convert("L"), dtype=int)
            for lang in LANGS
        )
        assert np.abs(en - zh).mean() > 0.2, f"{scene}: the Chinese poster looks like the English one"


# --- the exports agree with the math --------------------------------------------------------------


def test_change_of_variables_export_matches_det():
    from explainer.export import COV, change_of_variables

    out = change_of_variables(**COV)
    np.testing.assert_allclose(out["marked_area_ratio"], out["marked_det"], rtol=2e-3)
    # mass is conserved cell by cell: density x area is the same before and after the map
    from explainer.export import polygon_area

    mass = out["density"] * polygon_area(out["polygons"])
    np.testing.assert_allclose(mass[-1], mass[0], rtol=0.05)


def test_coupling_export_against_autograd():
    import torch

    from explainer.export import COUPLING, coupling_step, demo_coupling

    out = coupling_step(**COUPLING)
    mask = out["mask"]
    np.testing.assert_allclose(out["y"][mask], out["x"][mask])
    np.testing.assert_allclose(out["y"][~mask], out["x_B"] * np.exp(out["s"]) + out["t"], rtol=1e-12)
    np.testing.assert_allclose(out["x_inverse"], out["x"], atol=1e-12)
    assert np.all(out["jacobian"][np.ix_(mask, ~mask)] == 0)
    np.testing.assert_allclose(np.diag(out["jacobian"])[~mask], np.exp(out["s"]), rtol=1e-12)
    np.testing.assert_allclose(out["slogdet"], out["s"].sum(), rtol=1e-12)
    np.testing.assert_allclose(out["logabsdet"], out["slogdet"], rtol=1e-12)
    layer = demo_coupling(**{k: v for k, v in COUPLING.items() if k != "x"})
    x = torch.tensor([COUPLING["x"]], dtype=torch.float64)
    assert layer(x)[0].detach().numpy()[0].tolist() == out["y"].tolist()


def test_flow_layers_export_is_the_flow():
    import torch

    from explainer.export import flow_layers
    from explainer.models import realnvp

    torch.manual_seed(0)
    flow = realnvp(layers=3, hidden=8)
    for layer in flow.layers:  # not the identity
        torch.nn.init.normal_(layer.conditioner[-1].weight, std=0.3)
    out = flow_layers(flow, n_points=20, grid_lines_=2, grid_points=4)
    from explainer import datasets

    x = datasets.sample("moons", 20, seed=7)
    with torch.no_grad():
        z, _ = flow(x)
    np.testing.assert_allclose(out["forward"][-1], z.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["forward"][0], x.numpy())
    for k in range(3):  # layer k moves only the coordinate it transforms
        still = 1 - out["transformed"][k]
        np.testing.assert_array_equal(out["forward"][k + 1][:, still], out["forward"][k][:, still])


def test_masks_export_squeeze_is_a_permutation():
    from explainer.export import masks_on_image

    out = masks_on_image()
    idx = out["squeeze_index"]
    assert sorted(idx.reshape(-1).tolist()) == list(range(64))
    image = out["image"].reshape(-1)
    np.testing.assert_array_equal(out["squeezed"], image[idx])
    assert out["checkerboard"].sum() == 32 and out["channel"][:2].all() and not out["channel"][2:].any()


# --- the instructors' pages ----------------------------------------------------------------------


def _structure(text: str) -> dict:
    body = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    return {
        "headings": [
            (len(m.group(1)), m.group(3))
            for m in re.finditer(r"^(#+) (.*?)(\{ *#([\w-]+) *\})?$", body, re.M)
            if m.group(3)
        ]
        + [len(re.findall(r"^#+ ", body, re.M))],
        "images": re.findall(r"!\[[^\]]*\]\(([^)\s]+)", body) + re.findall(r'(?:src|poster)="([^"]+)"', body),
        "code": re.findall(r"```.*?```", body, re.S),
        "snippets": re.findall(r'--8<-- "([^"]+)"', body),
    }


def test_instructors_pages_in_sync():
    en = (ROOT / "docs" / "instructors.md").read_bytes()
    zh = (ROOT / "docs" / "instructors.zh.md").read_text(encoding="utf-8")
    front = re.match(r"\A---\n(.*?)\n---\n", zh, re.S)
    assert front, "the Chinese page needs front matter with source_hash"
    assert f"source_hash: {hashlib.sha256(en).hexdigest()[:12]}" in front.group(1), (
        "instructors.zh.md is out of date with instructors.md: update it and its source_hash"
    )
    a, b = _structure(en.decode("utf-8")), _structure(zh)
    assert a["headings"][-1] == b["headings"][-1], "different number of headings"
    assert [h[1] for h in a["headings"][:-1]] == [h[1] for h in b["headings"][:-1]], "heading anchors differ"
    assert a["images"] == b["images"]
    assert a["code"] == b["code"]
    assert [s.replace(".zh.md", ".md") for s in b["snippets"]] == a["snippets"]


def test_string_tables_match():
    """Every scene string exists in both languages, with the same {placeholders}; every key a scene
    file asks for exists."""
    strings = _animation_module("strings")
    en, zh = strings.STRINGS["en"], strings.STRINGS["zh"]
    assert set(en) == set(zh)
    fields = lambda s: sorted(re.findall(r"\{(\w*)\}", s))
    for key in en:
        assert fields(en[key]) == fields(zh[key]), key
        assert en[key].strip() and zh[key].strip(), key
    used = set()
    for spec in animate.SCENES.values():
        source = (ROOT / "animations" / spec.file).read_text(encoding="utf-8")
        scene_key = re.search(r'scene_key = "(\w+)"', source).group(1)
        source = source.replace(f'scene_key = "{scene_key}"', "")
        used |= set(re.findall(r'"(' + scene_key + r'\.[\w.]+)"', source))  # every key the file names
        for step in re.findall(r'self\.step\("(\w+)"\)', source):
            used |= {f"{scene_key}.steps.{step}", f"{scene_key}.narration.{step}"}
        used.add(f"{scene_key}.title")
    assert used <= set(en), f"missing strings: {sorted(used - set(en))}"
    assert set(en) <= used, f"unused strings: {sorted(set(en) - used)}"


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_deck_steps_through_offline(rendered, lang, browser):
    """The lecture deck in headless Chromium (file://, every network request refused): → plays one
    step and pauses at the next step's start; → again plays the next step; no page errors."""
    deck = rendered / "animations" / "deck" / lang / "index.html"
    first = json.loads((media(rendered, SCENES[0], lang) / "steps.json").read_text(encoding="utf-8"))
    starts = [s["start"] for s in first["steps"]]
    errors, external = [], []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith("file://")
                else (external.append(r.request.url), r.abort())
            ),
        )
        page.goto(deck.as_uri())
        page.wait_for_function("() => document.getElementById('v').readyState >= 1", timeout=30_000)
        for k in (1, 2):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                f"() => {{ const v = document.getElementById('v'); "
                f"return v.paused && v.currentTime > {starts[k] - 0.5}; }}",
                timeout=60_000,
            )
            now = page.evaluate("document.getElementById('v').currentTime")
            assert abs(now - starts[k]) < 0.2, f"step {k}: paused at {now:.2f} s, the step starts at {starts[k]} s"
            assert first["steps"][k - 1]["label"] in page.inner_text("#info")
    finally:
        context.close()
    assert not errors and not external, (errors, external)
