"""The animations: every scene renders at preview quality in both languages through the pipeline,
and every output is checked (codec, resolution, duration, frames that change, poster, WebM,
captions, player and deck pages without external URLs); Chinese text has real glyphs (no tofu);
the exports the scenes draw agree with the math; the string tables are complete; the pages use
every template and stay offline; the instructors' pages stay in sync.

The render is a session fixture (in CI it is the real render; cached by content hash, so a second
run costs nothing). ``EXPLAINER_ANIMATION_TEST_DIR`` renders into another folder instead of
docs/generated and .cache/pipeline. The tests without the ``rendered`` fixture are fast.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import tomllib

from animations import reading
from sitebuild import keys, pipeline, reads
from sitebuild import strings as string_tables
from sitebuild.media import (
    cli,
    convert,
    credit,
    layout,
    lesson_targets,
    lessons,
    names,
    page_targets,
    pages,
    player,
    scenes,
    slide_cut,
    slide_deck,
    slide_layout,
    slide_targets,
    targets,
    templates,
)

ROOT = Path(__file__).resolve().parent.parent
SCENES = list(scenes.SCENES)
LANGS = ("en", "zh")
PREVIEW = scenes.QUALITIES["preview"]
TABLES = ROOT / "animations" / "strings"
MEDIA = ROOT / "sitebuild" / "media"


def _dirs() -> tuple[Path, Path]:
    """Where the test renders go: (generated, cache)."""
    base = os.environ.get("EXPLAINER_ANIMATION_TEST_DIR")
    if base:
        return Path(base) / "generated", Path(base) / "cache"
    return pipeline.GENERATED, pipeline.CACHE


@pytest.fixture(scope="session")
def rendered():
    generated, cache = _dirs()
    assert cli.main(None, lang="all", quality="preview", progress=False, generated=generated, cache=cache) == 0
    return generated


def media(generated: Path, scene: str, lang: str) -> Path:
    return generated / "animations" / scene / lang / "preview"


def frames(path: Path, times: list[float]) -> list[np.ndarray]:
    """Decoded RGB frames at ``times`` (seconds), via ffmpeg."""
    info = convert.probe(path)
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
    mp4, webm = convert.probe(d / f"{scene}.mp4"), convert.probe(d / f"{scene}.webm")
    assert (mp4["codec"], mp4["pix_fmt"]) == ("h264", "yuv420p")
    assert webm["codec"] == "vp9"
    for info in (mp4, webm):
        assert (info["width"], info["height"]) == (PREVIEW["width"], PREVIEW["height"])
    assert mp4["fps"] == PREVIEW["fps"]
    assert 5.0 <= mp4["duration"] <= 30.0, "scenes are kept between 5 and 30 s (each step held until it can be read)"
    assert abs(webm["duration"] - mp4["duration"]) < 0.2
    assert abs(mp4["frames"] - mp4["duration"] * mp4["fps"]) <= 2

    first, middle, last = frames(d / f"{scene}.mp4", [0.5, mp4["duration"] / 2, mp4["duration"] - 0.1])
    diff = lambda a, b: np.abs(a.astype(int) - b.astype(int)).mean()
    assert diff(first, middle) > 1.0 and diff(middle, last) > 0.3, "the frames do not change"
    assert last.std() > 10, "the last frame is (nearly) blank"

    from PIL import Image

    poster = np.asarray(Image.open(d / "poster.png").convert("RGB"))
    assert poster.shape == (PREVIEW["height"], PREVIEW["width"], 3) and poster.std() > 10

    # what the render cost is recorded next to the media, in the cache (not published)
    measured = json.loads(layout.measures_file(_dirs()[1], scene, lang, "preview").read_text())
    assert measured["wall"] > 0 and measured["cpu"] > 0 and measured["manim_wall"] <= measured["wall"]
    assert measured["sizes"] == {n: (d / n).stat().st_size for n in measured["sizes"]}
    assert set(measured["sizes"]) >= {f"{scene}.mp4", f"{scene}.webm", "poster.png", f"{scene}.gif"}


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
    assert len(cues) >= len(record["steps"]) >= 3
    assert starts[0] == 0 and all(a < b for a, b in zip(starts, starts[1:])) and starts[-1] < record["duration"]
    # each step's narration, in one cue or a few that start with the step (animations/reading.py)
    squeeze = lambda texts: "".join("".join(texts).split())
    assert squeeze(text for _, _, text in cues) == squeeze(s["narration"] for s in record["steps"])
    assert {round(s, 3) for s in starts} <= {round(start, 3) for start, _, _ in cues}
    for start, end, text in cues:
        assert start < end and text.strip()
        assert reading.cps(text, end - start) <= reading.CPS[lang] + 0.05, f"{text!r} goes by too fast"
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
        text = re.sub(r'<p class="credit">.*?</p>', "", text, flags=re.S)  # the licence's address, as text
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
        entries = zipfile.ZipFile(archive).namelist()
        assert f"lecture-deck-{lang}/animations/deck/{lang}/index.html" in entries
        assert all(f"lecture-deck-{lang}/animations/{s}/{lang}/preview/{s}.mp4" in entries for s in SCENES)


def test_gallery_links_exist(rendered):
    # raw HTML paths are relative to the page URL: /instructors/ and /zh/instructors/
    for name, up in (("gallery.md", r"\.\./"), ("gallery.zh.md", r"\.\./\.\./")):
        text = (rendered / "tables" / name).read_text(encoding="utf-8")
        assert text.count("```html") == 2 * len(SCENES)
        text = re.sub(r"```html.*?```", "", text, flags=re.S)  # the snippets: for other pages
        assert not re.search(r'(?:src|href|poster)="(?!' + up + r"generated/|https://)", text), (
            f"{name}: a link that does not resolve from its page"
        )
        local = re.findall(r'(?:src|href|poster)="' + up + r'generated/([^"]+)"', text)
        assert len(local) >= 8 * len(SCENES)
        for rel in local:
            assert (rendered / rel).exists(), f"{name} links to missing {rel}"


def test_unchanged_scenes_are_not_rendered_again(rendered):
    wanted = [names.scene_target(s, "preview") for s in SCENES]
    result = pipeline.build(wanted, progress=False, generated=rendered, cache=_dirs()[1])
    assert not result.built
    # either every target was checked and found cached, or the fingerprint said nothing changed
    assert result.fresh or {r.status for r in result.records} == {"cached"}
    assert result.fresh or {r.name for r in result.records} >= set(wanted)
    outputs = {p.resolve() for p in result.outputs}
    for scene in SCENES:
        for lang in LANGS:
            assert (media(rendered, scene, lang) / f"{scene}.mp4").resolve() in outputs


def test_unknown_scene_is_a_clear_error(capsys):
    with pytest.raises(ValueError, match="unknown scene 'moons'; valid scenes: change_of_variables, coupling_layer"):
        cli.main(["moons"])
    from sitebuild.__main__ import main as sitebuild_main

    assert sitebuild_main(["animations", "nope"]) == 2
    assert "valid scenes:" in capsys.readouterr().err
    with pytest.raises(ValueError, match="quality must be one of"):
        cli.main(["masks"], quality="4k")
    with pytest.raises(ValueError, match="lang must be 'en', 'zh' or 'all'"):
        cli.main(["masks"], lang="fr")


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


def scene_strings(lang: str) -> dict[str, str]:
    """Every string the scenes show or say in ``lang``, as ``{"<scene>.<key>": text}``, through the
    scenes' own loader (animations/strings.py)."""
    strings = _animation_module("strings")
    return {key: strings.text(lang, key) for scene in SCENES for key in strings.keys(scene)}


def test_chinese_strings_render_with_real_glyphs():
    chars = sorted({c for s in scene_strings("zh").values() for c in s if ord(c) > 0x7F and not c.isspace()})
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
    family, path = subprocess.run(
        ["fc-match", "-f", "%{family}|%{file}", style.FONT], capture_output=True, text=True, check=True
    ).stdout.split("|")
    assert style.FONT in family.split(","), f"fontconfig substitutes {family!r} for {style.FONT!r}"
    fonts = TTCollection(path).fonts if path.endswith(".ttc") else [TTFont(path)]
    cmap = set().union(*(f.getBestCmap().keys() for f in fonts))
    missing = lambda text: sorted({c for c in text if not c.isspace() and ord(c) not in cmap})
    for key, value in scene_strings("zh").items():  # CJK characters: the ones only a CJK font has
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
    from sitebuild.exports.geometry import COV, change_of_variables

    out = change_of_variables(**COV)
    np.testing.assert_allclose(out["marked_area_ratio"], out["marked_det"], rtol=2e-3)
    # mass is conserved cell by cell: density x area is the same before and after the map
    from sitebuild.exports.geometry import polygon_area

    mass = out["density"] * polygon_area(out["polygons"])
    np.testing.assert_allclose(mass[-1], mass[0], rtol=0.05)


def test_coupling_export_against_autograd():
    import torch

    from sitebuild.exports.geometry import COUPLING, coupling_step, demo_coupling

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

    from explainer.models import realnvp
    from sitebuild.exports.trained import flow_layers

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
    from sitebuild.exports.geometry import masks_on_image

    out = masks_on_image()
    idx = out["squeeze_index"]
    assert sorted(idx.reshape(-1).tolist()) == list(range(64))
    image = out["image"].reshape(-1)
    np.testing.assert_array_equal(out["squeezed"], image[idx])
    assert out["checkerboard"].sum() == 32 and out["channel"][:2].all() and not out["channel"][2:].any()


def test_reflow_export_against_the_solvers_and_closed_forms():
    """Before: a rotation v = w J x (its paths are arcs, S = E|x_0|^2 (w^2 - 4 sin^2(w/2)), one Euler
    step leaves the circle); after: a constant field (straight, S = 0, one step lands where the path
    ends). The paths are RK4 from the shared noise, the one-step samples x_0 + v(x_0, 0)."""
    import math

    import torch

    from sitebuild.exports.reflow import reflow_arrays

    w = 1.0
    J = torch.tensor([[0.0, -w], [w, 0.0]])
    rotation = lambda x, t: x @ J.T  # noqa: E731
    shift = lambda x, t: torch.full_like(x, 0.5)  # noqa: E731
    out = reflow_arrays(rotation, shift, n=400, n_paths=50, n_data=30, ode_steps=40, reference=300)
    x_0 = out["x_0"]
    for side in ("before", "after"):
        np.testing.assert_array_equal(out[f"{side}_paths"][0], x_0[:50])  # the same noise on both sides
    exact = float((x_0.astype(np.float64) ** 2).sum(1).mean()) * (w**2 - 4 * math.sin(w / 2) ** 2)
    assert float(out["before_S"]) == pytest.approx(exact, rel=0.02)  # RK4 25 steps, float32
    assert float(out["after_S"]) < 1e-9
    np.testing.assert_allclose(out["before_one_step"], x_0 + x_0 @ J.numpy().T, rtol=1e-5, atol=1e-6)
    turned = np.cos(w) * x_0[:50] + np.sin(w) * (x_0[:50] @ np.array([[0.0, 1.0], [-1.0, 0.0]]))
    np.testing.assert_allclose(out["before_paths"][-1], turned, atol=1e-4)  # a turn by w radians
    np.testing.assert_allclose(out["after_paths"][-1], out["after_one_step"][:50], atol=1e-5)
    assert float(out["after_energy_one"]) == pytest.approx(float(out["after_energy_converged"]), rel=1e-4)
    assert out["data"].shape == (30, 2) and out["t"][0] == 0.0 and out["t"][-1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="n_paths must be between 1 and n"):
        reflow_arrays(rotation, shift, n=10, n_paths=20)


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
        # code blocks are the same in both languages except their comments (`  # ...`)
        "code": [re.sub(r"[ \t]+#[^\n]*", "", block) for block in re.findall(r"```.*?```", body, re.S)],
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
    """One table per scene, animations/strings/<scene>.toml; every string exists in English and
    Chinese (and nothing else), non-empty, with the same {placeholders}; every key a scene file
    asks for exists, and every key of its table is used."""
    assert {p.stem for p in TABLES.glob("*.toml")} == set(SCENES)
    strings = _animation_module("strings")
    fields = lambda s: sorted(re.findall(r"\{(\w*)\}", s))
    for scene, spec in scenes.SCENES.items():
        table = tomllib.loads((TABLES / f"{scene}.toml").read_text(encoding="utf-8"))
        assert table == strings.table(scene)
        for key, texts in table.items():
            assert isinstance(texts, dict) and set(texts) == set(LANGS), f"{scene}.{key}: {texts!r}"
            assert texts["en"].strip() and texts["zh"].strip(), f"{scene}.{key}"
            assert fields(texts["en"]) == fields(texts["zh"]), f"{scene}.{key}"
        source = (ROOT / "animations" / spec.file).read_text(encoding="utf-8")
        scene_key = re.search(r'scene_key = "(\w+)"', source).group(1)
        assert scene_key == scene, f"{spec.file}: scene_key {scene_key!r} has no table of its own"
        source = source.replace(f'scene_key = "{scene_key}"', "")
        used = set(re.findall(r'"(' + scene_key + r'\.[\w.]+)"', source))  # every key the file names
        for step in re.findall(r'self\.step\("(\w+)"\)', source):
            used |= {f"{scene_key}.steps.{step}", f"{scene_key}.narration.{step}"}
        used.add(f"{scene_key}.title")
        defined = set(strings.keys(scene))
        assert used <= defined, f"missing strings: {sorted(used - defined)}"
        assert defined <= used, f"unused strings: {sorted(defined - used)}"
    with pytest.raises(ValueError, match="no strings for language 'fr'"):
        strings.text("fr", "masks.title")


def test_page_strings_match():
    """The deck's and the gallery's words: English and Chinese for every key, same {placeholders},
    every key used by the page code."""
    words = string_tables.load(pages.UI_TABLE)  # raises if a language is missing
    fields = lambda s: sorted(re.findall(r"\{(\w*)\}", s))
    assert set(words["en"]) == set(words["zh"])
    for key in words["en"]:
        assert words["en"][key].strip() and words["zh"][key].strip(), key
        assert fields(words["en"][key]) == fields(words["zh"][key]), key
    source = "".join((MEDIA / f"{m}.py").read_text(encoding="utf-8") for m in ("pages", "lessons", "credit", "player"))
    used = set(re.findall(r'\[["\']((?:deck|lesson|gallery|credit|site|player)\.\w+)["\']\]', source))
    used |= {f"gallery.{k}" for k in (*pages.GALLERY_LABELS, *scenes.QUALITIES)}
    assert used == set(words["en"])


# --- the media package: modules, keys, targets, pages (fast: nothing is rendered) ---------------------


def test_media_init_imports_nothing():
    """The pipeline imports every module of sitebuild.media; an __init__ that imported its siblings
    would put all of them into every target's key."""
    tree = ast.parse((MEDIA / "__init__.py").read_text(encoding="utf-8"))
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant)


def test_media_modules_import_cheaply():
    """Importing any module of sitebuild.media (as the pipeline does in every worker) reads no file
    but Python sources, runs no program, and imports neither torch nor manim."""
    modules = [f"sitebuild.media.{p.stem}" for p in sorted(MEDIA.glob("*.py"))]
    code = f"""
import importlib, sys
seen = []
def hook(event, args):
    if event in ("subprocess.Popen", "os.system", "os.posix_spawn", "os.exec"):
        seen.append((event, str(args[0])))
    elif event == "open" and isinstance(args[0], str) and args[0].startswith({str(ROOT)!r}):
        if not args[0].endswith((".py", ".pyc")):
            seen.append((event, args[0]))
sys.addaudithook(hook)
for m in {modules!r}:
    importlib.import_module(m)
print(seen, "torch" in sys.modules, "manim" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["[]", "False", "False"], out


def _registered():
    """The media targets (importing the two target modules registers them)."""
    assert targets.__name__ and page_targets.__name__ and lesson_targets.__name__
    return pipeline.REGISTRY


def test_media_targets_are_registered():
    registry = _registered()
    for scene, spec in scenes.SCENES.items():
        table = TABLES / f"{scene}.toml"
        preview, hd = registry[f"animation:{scene}"], registry[f"animation-hd:{scene}"]
        assert preview.default and not hd.default, "HD renders are built on request only"
        for t, quality in ((preview, "preview"), (hd, "hd")):
            assert t.kind == "animation" and t.depends == tuple(f"export:{e}" for e in spec.exports)
            assert t.modules == (f"animations.{spec.file[:-3]}",) and t.strings == (table,)
            assert t.parameters()["settings"] == scenes.QUALITIES[quality]
    for scene in lessons.LESSONS:
        t = registry[lessons.target_name(scene)]
        assert t.kind == "table" and t.default and t.depends == (f"animation:{scene}",)
        assert t.strings == (pages.UI_TABLE, TABLES / f"{scene}.toml")  # one scene's words: its lesson only
    assert set(lessons.LESSONS) == set(SCENES), "every scene is shown in a lesson"
    previews = tuple(f"animation:{s}" for s in SCENES)
    for name, kind, depends in (
        (names.PLAYERS, "animation", previews),  # a player offers the captions of every language
        (names.DECK, "animation", (*previews, names.PLAYERS)),  # its zip holds the players
        (names.GALLERY, "table", previews),
    ):
        t = registry[name]
        assert t.kind == kind and t.default and t.depends == depends
        assert set(t.strings) == {pages.UI_TABLE, *(TABLES / f"{s}.toml" for s in SCENES)}


def test_site_url_is_read_at_build_time(monkeypatch):
    """The gallery's snippets, the players' and the zips' credit lines use the deployed address
    (mkdocs ``site_url``, from ``SITE_URL``); nothing when it is unknown (no placeholder)."""
    registry = _registered()
    monkeypatch.setenv("SITE_URL", "https://example.org/flows")
    assert registry[names.GALLERY].parameters() == {"site": "https://example.org/flows/generated/"}
    for name in (names.PLAYERS, names.DECK):
        assert registry[name].parameters() == {"site": "https://example.org/flows/"}
    monkeypatch.delenv("SITE_URL")
    for name in (names.GALLERY, names.PLAYERS, names.DECK):
        assert registry[name].parameters() == {"site": ""}


def test_render_keys_cover_the_scene_manim_and_ffmpeg():
    """A render's key holds the scene file and what it imports (it runs in another process), the
    media code, the Manim and ffmpeg/ffprobe versions and each language's strings; the deck's key
    does not hold the render code (editing the deck never re-renders a scene)."""
    registry = _registered()
    t = registry["animation:masks"]
    ins = pipeline.inputs(t, {d: "key" for d in t.depends}, {}, keys.Scanner())
    assert {"animations/masks.py", "animations/style.py", "animations/strings.py"} <= set(ins["code"])
    assert {f"sitebuild/media/{m}.py" for m in ("render", "convert", "captions", "scenes")} <= set(ins["code"])
    assert "sitebuild/media/player.py" not in ins["code"], "editing the player re-renders every scene"
    assert {"manim", "ffmpeg", "ffprobe"} <= set(ins["versions"])
    assert set(ins["strings"]) == set(LANGS)
    deck = registry[names.DECK]
    ins = pipeline.inputs(deck, {d: "key" for d in deck.depends}, {}, keys.Scanner())
    assert "sitebuild/media/pages.py" in ins["code"] and "sitebuild/media/render.py" not in ins["code"]
    assert not {"manim", "ffmpeg"} & set(ins["versions"])
    players = registry[names.PLAYERS]
    ins = pipeline.inputs(players, {d: "key" for d in players.depends}, {}, keys.Scanner())
    assert "sitebuild/media/player.py" in ins["code"] and "sitebuild/media/render.py" not in ins["code"]


def fake_media(generated: Path, hd: tuple[str, ...] = ()) -> None:
    """steps.json and stand-in media files for every scene and language, as a render leaves them
    (HD too for the scenes in ``hd``), from the real string tables."""
    for scene in SCENES:
        table = tomllib.loads((TABLES / f"{scene}.toml").read_text(encoding="utf-8"))
        steps = [k.split(".", 1)[1] for k in table if k.startswith("steps.")]
        for lang in LANGS:
            for quality in ("preview", "hd") if scene in hd else ("preview",):
                d = layout.media_dir(generated, scene, lang, quality)
                d.mkdir(parents=True, exist_ok=True)
                record = {
                    "scene": scene,
                    "lang": lang,
                    "duration": 9.5,
                    "steps": [
                        {"key": k, "start": 2.0 * i, "label": table[f"steps.{k}"][lang],
                         "narration": table[f"narration.{k}"][lang]}
                        for i, k in enumerate(steps)
                    ],
                    **{k: scenes.QUALITIES[quality][k] for k in ("width", "height", "fps")},
                }  # fmt: skip
                (d / "steps.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
                for name in (f"{scene}.mp4", f"{scene}.webm", "poster.png", f"{scene}.vtt", "player.html"):
                    (d / name).write_bytes(name.encode() * 100)
                fake_gif(d / f"{scene}.gif")


def fake_gif(path: Path) -> None:
    """A real GIF of 64×36 at 5 fps (not the video's size and rate: the gallery must read it)."""
    from PIL import Image

    frames = [Image.new("L", (64, 36), 100 * i) for i in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)


def test_pages_use_every_template_and_stay_offline(tmp_path):
    """The player, the deck and the gallery are filled from every file in templates/ (and the
    pipeline records those reads, so a template is part of their keys); the player and the deck
    load nothing from the network."""
    fake_media(tmp_path, hd=("masks",))
    with reads.recording() as read:
        record = json.loads((media(tmp_path, "masks", "zh") / "steps.json").read_text(encoding="utf-8"))
        player_page = player.player_page("masks", "zh", record)
        deck = pages.deck_page("zh", pages.deck_scenes(tmp_path, "zh", "../../"))
        gallery = pages.gallery_markdown(tmp_path, "en", pages.GALLERY_BASE["en"], pages.site_base(""))
        lesson = lessons.lesson_markdown(tmp_path, "masks", "zh")
        links = pages.deck_downloads("zh", media(tmp_path, "masks", "zh") / "masks.mp4")
        slides = slide_deck.deck_page("zh", "t", slide_cut.sections(record), reveal="reveal/", size=(854, 480),
                                      author="a", credit="c")  # fmt: skip
        for scene in SCENES:  # stand-ins for the slides' downloads, which the list measures
            for kind in slide_layout.FORMATS:
                folder = slide_layout.slides_dir(tmp_path, scene, "zh")
                folder.mkdir(parents=True, exist_ok=True)
                (folder / slide_layout.file_name(scene, "zh", kind)).write_bytes(b"x" * 2000)
        slide_list = slide_targets.downloads_markdown(tmp_path, "zh")
    used = {Path(p) for p in read}
    assert set(templates.TEMPLATES.iterdir()) <= used, "a template file nobody uses"
    assert pages.UI_TABLE in used
    assert "$" not in slide_list and slide_list.count("2 kB") == 3 * len(SCENES)
    for page in (player_page, deck, slides):
        assert "$" not in page.replace("${", ""), "a placeholder was left unfilled"
        assert not EXTERNAL.search(page) and "http://" not in page
        assert page.startswith("<!doctype html>") and page.endswith("</html>\n")
    assert "https://" not in deck and "https://" not in re.sub(
        r'<p class="credit">.*?</p>', "", player_page, flags=re.S
    )
    assert '<html lang="zh-CN">' in deck and "<title>课堂演示</title>" in deck
    data = re.search(r'<script type="application/json" id="deck-data">(.*?)</script>', deck, re.S).group(1)
    scenes_ = json.loads(data.replace("<\\/", "</"))
    assert [s["scene"] for s in scenes_] == SCENES and scenes_[0][
        "src"
    ] == f"../../{SCENES[0]}/zh/preview/{SCENES[0]}.mp4"
    assert scenes_[3]["title"] == "图像上的掩码"
    # the gallery: one section per scene, HD downloads where HD media exist, the note elsewhere
    assert gallery.count("```html") == 2 * len(SCENES) and gallery.count("### ") == len(SCENES)
    assert "HD 1920×1080, 30 fps: " in gallery and gallery.count("--quality hd") == len(SCENES) - 1
    assert 'src="animations/masks/en/preview/player.html"' in gallery  # no address known: relative
    # a lesson's embed: nothing loads until play, captions in the page's language, the steps beneath
    assert "$" not in lesson.replace("${", "") and not EXTERNAL.search(lesson) and "http" not in lesson
    assert 'preload="none"' in lesson and 'srclang="zh" label="中文" default' in lesson
    assert 'src="../../generated/animations/masks/zh/preview/masks.webm"' in lesson
    assert lesson.count("<li>") == len(record["steps"]) and "：" in lesson
    # the deck's links on the instructors' page: its zip's size
    assert 'href="../../generated/animations/deck/masks.mp4" download="masks.mp4"' in links
    assert "（zip，900 B）" in links and "<code>lecture-deck-zh/animations/deck/zh/index.html</code>" in links


def _snippets(gallery: str) -> list[str]:
    return re.findall(r"```html\n(.*?)```", gallery, re.S)


@pytest.mark.parametrize("lang", LANGS)
def test_embed_snippets_can_be_pasted(tmp_path, lang):
    """With the site's address known, the snippets hold it (and the page says how to host the files
    yourself); without it, they are relative and the page says what to put before them: never a
    placeholder to replace inside the code. The ``<video>`` snippet asks for CORS (captions from
    another origin) and its track has a kind, language and label."""
    fake_media(tmp_path)
    base, name = pages.GALLERY_BASE[lang], templates.LANGUAGES[lang]["name"]
    known = pages.gallery_markdown(tmp_path, lang, base, pages.site_base("https://example.org/flows"))
    local = pages.gallery_markdown(tmp_path, lang, base, pages.site_base(""))
    for gallery in (known, local):
        assert "YOUR-SITE" not in gallery
        video, iframe = _snippets(gallery)[:2]
        assert video.startswith('<video controls playsinline crossorigin="anonymous" ')
        vtt = f"animations/{SCENES[0]}/{lang}/preview/{SCENES[0]}.vtt"
        track = f'<track kind="captions" src="{{}}{vtt}" srclang="{lang}" label="{name}" default>'
        assert iframe.startswith("<iframe src=")
    url = "https://example.org/flows/generated/"
    assert track.format(url) in _snippets(known)[0] and track.format("") in _snippets(local)[0]
    assert all(url in s for s in _snippets(known)) and not any("https://" in s for s in _snippets(local))
    words = pages.ui(lang)
    assert words["gallery.embed_site"].format(url="https://example.org/flows/") in known
    assert words["gallery.embed_local"] in local and "site_url" in local and "Access-Control-Allow-Origin" in local


@pytest.mark.parametrize("lang", LANGS)
def test_gallery_downloads_are_named_and_sized(tmp_path, lang):
    """Every download is saved under a name with its scene, language and quality (no two the same,
    in either language); sizes under 1 kB in bytes; the GIF labelled with the size and frame rate
    read from the file; the quality's name in the page's language."""
    fake_media(tmp_path, hd=("masks",))
    gallery = pages.gallery_markdown(tmp_path, lang, pages.GALLERY_BASE[lang], "")
    names_ = re.findall(r' download="([^"]+)"', gallery)
    other = pages.gallery_markdown(tmp_path, "zh" if lang == "en" else "en", pages.GALLERY_BASE["en"], "")
    assert len(names_) == 5 * len(SCENES) + 5 and len(set(names_)) == len(names_)
    assert not set(names_) & set(re.findall(r' download="([^"]+)"', other)), "en and zh files share names"
    assert f'download="masks-{lang}-preview-poster.png"' in gallery and "poster.png" not in names_
    assert "download>" not in gallery, "a download saved under the file's own name"
    assert "0 kB" not in gallery and "(900 B)" in gallery  # masks.vtt: 9 bytes × 100
    gif = {"en": "GIF 64×36, 5 fps", "zh": "GIF（64×36，5 fps）"}[lang]
    assert gallery.count(f">{gif}</a>") == len(SCENES) + 1  # masks has HD media too
    quality = {"en": "preview 854×480, 15 fps: ", "zh": "预览（854×480，15 fps）："}[lang]
    assert gallery.count(quality) == len(SCENES)
    if lang == "zh":
        assert "preview" not in re.sub(r'(?:src|href|poster|download)="[^"]*"|```.*?```', "", gallery, flags=re.S)
        assert "Notebook" not in gallery


@pytest.mark.parametrize("lang", LANGS)
def test_credit_lines(tmp_path, lang):
    """Author, source (the lesson on the deployed site) and licence, in the page's language: in the
    gallery, in every player and in the deck zip's CREDITS.txt and README."""
    fake_media(tmp_path)
    site = "https://example.org/flows/"
    words = pages.ui(lang)
    lesson = f"{site}{'zh/' if lang == 'zh' else ''}masking/"
    line = credit.credit("masks", lang, site)
    assert words["credit.author"] in line and lesson in line and "CC BY 4.0" in line
    assert words["credit.licence"] in line and pages.scene_title("masks", lang) in line
    gallery = pages.gallery_markdown(tmp_path, lang, pages.GALLERY_BASE[lang], pages.site_base(site))
    assert gallery.count(f"**{words['gallery.credit']}:** ") == len(SCENES)
    assert templates.text(line) in gallery
    record = json.loads((media(tmp_path, "masks", lang) / "steps.json").read_text(encoding="utf-8"))
    page = player.player_page("masks", lang, record, site)
    assert f'<p class="credit">{templates.text(line)} · <a href="{lesson}"' in page
    local = player.player_page("masks", lang, record, "")
    assert f'<a href="../../../../../{"zh/" if lang == "zh" else ""}masking/"' in local
    deck = tmp_path / "index.html"
    deck.write_text("deck")
    archive = zipfile.ZipFile(pages.deck_zip(tmp_path / "a.zip", deck, tmp_path, lang, site))
    credits = archive.read(f"lecture-deck-{lang}/CREDITS.txt").decode()
    assert all(credit.credit(s, lang, site) in credits for s in SCENES)
    readme = archive.read(f"lecture-deck-{lang}/README.txt").decode()
    assert words["credit.author"] in readme and words["credit.licence"] in readme and "CREDITS.txt" in readme


@pytest.mark.parametrize("lang", LANGS)
def test_player_page(tmp_path, lang):
    """The player's title is the scene's (not an internal name); it offers the captions of both
    languages, the page's on by default; nothing in the other language's words."""
    record = {"width": 854, "height": 480}
    page = player.player_page("masks", lang, record)
    title = f"{pages.scene_title('masks', lang)} · {pages.ui(lang)['site.name']}"
    assert f"<title>{title}</title>" in page and "masks ·" not in page
    tracks = re.findall(r"<track [^>]*>", page)
    assert len(tracks) == 2 and tracks[0].endswith(" default>") and not tracks[1].endswith("default>")
    assert f'src="masks.vtt" srclang="{lang}"' in tracks[0]
    other = "zh" if lang == "en" else "en"
    assert f'src="../../{other}/preview/masks.vtt" srclang="{other}"' in tracks[1]
    if lang == "zh":
        assert not re.search(r"preview|Notebook|lesson", re.sub(r'(?:src|href)="[^"]*"', "", page))


def test_gallery_captions_on_by_default(tmp_path):
    fake_media(tmp_path)
    for lang in LANGS:
        gallery = pages.gallery_markdown(tmp_path, lang, pages.GALLERY_BASE[lang], "")
        videos = re.findall(r'<video class="gallery-video".*?</video>', gallery, re.S)
        assert len(videos) == len(SCENES) and all(f'srclang="{lang}"' in v and " default>" in v for v in videos)


def test_scenes_cite_lessons_and_keep_their_label_clear_of_the_controls():
    """No scene cites the course notes viewers do not have; the step label sits at the top of the
    frame (a player's controls cover the bottom of the video)."""
    for table in TABLES.glob("*.toml"):
        text = table.read_text(encoding="utf-8")
        assert not re.search(r"note 002|笔记 002|§", text), f"{table.name} cites the notes"
    source = (ROOT / "animations" / "style.py").read_text(encoding="utf-8")
    body = source[source.index("def step_label") : source.index("def tear_down")]
    assert "to_corner(self.label_corner" in body and "label_corner = UP + LEFT" in source
    for spec in scenes.SCENES.values():
        scene = (ROOT / "animations" / spec.file).read_text(encoding="utf-8")
        corner = re.search(r"label_corner = (.+?)\s*(?:#|$)", scene, re.M)
        assert corner is None or corner.group(1).startswith("UP"), spec.file


def test_pages_escape_what_they_insert(tmp_path):
    record = {"width": 854, "height": 480, "steps": [{"label": 'a <b> & "c"', "narration": "</script>"}]}
    scenes_ = [{"scene": "masks", "title": "</script><script>alert(1)</script>", "steps": record["steps"]}]
    deck = pages.deck_page("en", scenes_)
    assert deck.count("</script>") == 2 and "<\\/script>" in deck


def test_deck_zip_is_complete_and_reproducible(tmp_path):
    fake_media(tmp_path)
    page = tmp_path / "index.html"
    page.write_text(pages.deck_page("en", pages.deck_scenes(tmp_path, "en", "../../")), encoding="utf-8")
    first = pages.deck_zip(tmp_path / "a.zip", page, tmp_path, "en").read_bytes()
    assert pages.deck_zip(tmp_path / "b.zip", page, tmp_path, "en").read_bytes() == first
    archive = zipfile.ZipFile(tmp_path / "a.zip")
    expected = {"README.txt", "CREDITS.txt", "animations/deck/en/index.html"}
    expected |= {f"animations/{s}/en/preview/{n.format(scene=s)}" for s in SCENES for n in pages.DECK_MEDIA}
    expected |= {f"animations/{s}/zh/preview/{s}.vtt" for s in SCENES}  # the player's other captions
    assert set(archive.namelist()) == {f"lecture-deck-en/{n}" for n in expected}, "one top-level folder"
    assert "animations/deck/en/index.html" in archive.read("lecture-deck-en/README.txt").decode()
    zh = zipfile.ZipFile(pages.deck_zip(tmp_path / "zh.zip", page, tmp_path, "zh"))
    assert all(n.startswith("lecture-deck-zh/") for n in zh.namelist()), "the zips unpack side by side"


def test_page_targets_write_the_languages_asked_for(tmp_path):
    """The players, the deck and the gallery are built per language: the pipeline passes the stale
    languages and each target returns ``{lang: paths}`` for exactly those, writing nothing else."""
    fake_media(tmp_path / "generated")
    for lang in LANGS:
        for scene in SCENES:
            (media(tmp_path / "generated", scene, lang) / "player.html").unlink()
    registry = _registered()
    for name, expected in (
        (names.PLAYERS, ["player.html"] * len(SCENES)),
        (names.DECK, ["index.html", "lecture-deck-zh.zip", "deck-downloads.zh.md"]),
        (names.GALLERY, ["gallery.zh.md"]),
    ):
        t = registry[name]
        ctx = pipeline.Context(t, tmp_path / "generated", tmp_path / "cache", ("zh",), {d: [] for d in t.depends})
        out = t.func(ctx)
        assert set(out) == {"zh"} and [p.name for p in out["zh"]] == expected
        assert all(p.stat().st_size > 0 for p in out["zh"])
    assert not layout.gallery_file(tmp_path / "generated", "en").exists()
    assert not (layout.deck_dir(tmp_path / "generated") / "en").exists()
    assert not (media(tmp_path / "generated", "masks", "en") / "player.html").exists()


def test_report_reads_what_renders_cost(tmp_path, capsys):
    generated, cache = tmp_path / "generated", tmp_path / "cache"
    fake_media(generated)
    measures = layout.measures_file(cache, "masks", "en", "preview")
    measures.parent.mkdir(parents=True)
    measures.write_text(json.dumps({"wall": 12.25, "cpu": 20.5, "sizes": {}}))
    total = cli.report(["masks"], LANGS, "preview", generated, cache, {("masks", "en")})
    rows = capsys.readouterr().err.splitlines()
    assert total == 12.25
    assert re.match(r"masks\s+en\s+preview\s+12\.2 s\s+20\.5 s\s+9\.5s", rows[2]), rows[2]
    assert re.match(r"masks\s+zh\s+preview\s+cached\s+9\.5s", rows[3]), rows[3]


def test_cli_builds_the_right_targets(tmp_path, monkeypatch):
    """All scenes at preview quality: the renders, the deck and the gallery; HD: the HD renders,
    then the gallery again (it lists the HD downloads), without forcing anything else."""
    calls = []
    result = pipeline.Result([], [pipeline.Record("animation-hd:masks", "built", 1.0, ("en",))])

    def build(wanted, **kw):
        calls.append((list(wanted), kw["lang"], kw.get("force", False)))
        return result

    monkeypatch.setattr(cli.pipeline, "build", build)
    generated = tmp_path / "generated"
    assert cli.main(None, progress=False, generated=generated, cache=tmp_path) == 0
    assert calls == [([f"animation:{s}" for s in SCENES] + [names.PLAYERS, names.DECK, names.GALLERY], "all", False)]
    calls.clear()
    gallery = layout.gallery_file(generated, "en")
    gallery.parent.mkdir(parents=True)
    gallery.write_text("old")
    assert cli.main(["masks"], lang="en", quality="hd", progress=False, generated=generated, cache=tmp_path) == 0
    assert calls == [(["animation-hd:masks"], "en", False), ([names.GALLERY], "en", False)]
    assert not gallery.exists(), "the gallery is written again by the pipeline"
    assert cli.rendered(result, "hd") == {("masks", "en")} and cli.rendered(result, "preview") == set()


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
                r.continue_() if r.request.url.startswith("file://") else (external.append(r.request.url), r.abort())
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
