"""The scenes' slides (``slides:<scene>``): every section of every scene, in both languages, is one
slide of the PowerPoint (its clip, the narration in its notes), one page of the PDF (the
section's last frame and the narration as text, in an embedded CJK-capable font) and one slide of
the HTML deck; the clips are the render's frames, cut where the steps start; the zip unpacks to
one folder with everything the deck loads; the instructors' page lists every file with its size.

The expected slides come from the scenes' string tables (``animations/strings/<scene>.toml``)
and the render's ``steps.json``, not from the slides' own code. The ``slides`` fixture builds
the targets through the pipeline (cached by content hash: free once the scenes are rendered).
"""

from __future__ import annotations

import html
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
import tomllib

from sitebuild import keys, pipeline
from sitebuild.media import convert, pages, scenes, slide_cut, slide_deck, slide_layout, slide_targets

ROOT = Path(__file__).resolve().parent.parent
SCENES = list(scenes.SCENES)
LANGS = ("en", "zh")
TABLES = ROOT / "animations" / "strings"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)


@pytest.fixture(scope="session")
def slides() -> Path:
    names = [slide_targets.slides_target(s) for s in SCENES] + [slide_targets.DOWNLOADS]
    pipeline.build(names, progress=False)
    return pipeline.GENERATED


def expected(scene: str, lang: str, generated: Path) -> list[tuple[str, str]]:
    """(step key, narration) of each section, in order: the render's steps, worded by the table."""
    table = tomllib.loads((TABLES / f"{scene}.toml").read_text(encoding="utf-8"))
    steps = pages.steps_record(generated, scene, lang)["steps"]
    return [(s["key"], table[f"narration.{s['key']}"][lang]) for s in steps]


def other(lang: str) -> str:
    return "zh" if lang == "en" else "en"


def squash(s: str) -> str:
    """Text without whitespace (a PDF's extracted text breaks lines where the page did)."""
    return re.sub(r"\s+", "", s)


def path(generated: Path, scene: str, lang: str, kind: str) -> Path:
    return slide_layout.slides_dir(generated, scene, lang) / slide_layout.file_name(scene, lang, kind)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", SCENES)
def test_pptx_one_slide_per_section_with_its_narration(slides, scene, lang):
    import pptx
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    want = expected(scene, lang, slides)
    deck = pptx.Presentation(str(path(slides, scene, lang, "pptx")))
    assert len(deck.slides) == len(want) >= 2
    others = {n for _, n in expected(scene, other(lang), slides)}
    for slide, (key, narration) in zip(deck.slides, want):
        assert [s.shape_type for s in slide.shapes] == [MSO_SHAPE_TYPE.MEDIA], f"{key}: one video per slide"
        notes = slide.notes_slide.notes_text_frame.text
        assert notes == narration and notes not in others, f"{key}: notes in the wrong language or missing"
    assert deck.core_properties.title == pages.scene_title(scene, lang)
    assert "CC BY 4.0" in deck.core_properties.comments


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene", SCENES)
def test_pdf_one_page_per_section_with_frame_and_narration(slides, scene, lang):
    import pypdf

    want = expected(scene, lang, slides)
    reader = pypdf.PdfReader(str(path(slides, scene, lang, "pdf")))
    assert len(reader.pages) == len(want)
    record = pages.steps_record(slides, scene, lang)
    for page, (key, narration) in zip(reader.pages, want):
        images = [x.get_object() for x in page["/Resources"]["/XObject"].values()]  # not decoded: cheap
        assert [x["/Subtype"] for x in images] == ["/Image"], f"{key}: one frame per page"
        assert (images[0]["/Width"], images[0]["/Height"]) == (record["width"], record["height"])
        assert squash(page.extract_text()) == squash(narration), f"{key}: the page's text is its narration"
        fonts = [str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()]
        assert fonts and all("CJK" in f for f in fonts), f"{key}: text in {fonts}, not the CJK family"
    assert reader.metadata.title == pages.scene_title(scene, lang)


def _first_frame(video: Path, at: float) -> bytes:
    """The decoded frame (raw RGB) shown at ``at`` seconds."""
    cmd = ["ffmpeg", "-v", "error", "-ss", f"{at:.4f}", "-i", str(video), "-frames:v", "1", "-f", "rawvideo",
           "-pix_fmt", "rgb24", "-"]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, check=True).stdout


@pytest.mark.parametrize("lang", LANGS)
def test_clips_are_the_render_cut_at_the_steps(slides, lang):
    """Every frame of the render is in exactly one clip, in order: the clips' frame counts add up
    to the render's and each clip starts with the render's frame at its step's start. (One scene:
    decoding is the slow part; the build checks every clip's frame count itself.)"""
    scene = "masks"
    record = pages.steps_record(slides, scene, lang)
    video = slides / "animations" / scene / lang / "preview" / f"{scene}.mp4"
    parts = slide_cut.sections(record)
    clips = [slide_layout.slides_dir(slides, scene, lang) / s.name for s in parts]
    assert sum(convert.probe(c)["frames"] for c in clips) == convert.probe(video)["frames"]
    half = 0.5 / record["fps"]  # a seek keeps the frames from its time on: half a frame early
    for clip, section in zip(clips, parts):
        want = _first_frame(video, max(section.start - half, 0.0))
        assert _first_frame(clip, 0.0) == want, f"{clip.name} does not start at {section.start} s"


def test_a_step_off_a_key_frame_is_a_clear_error(slides, tmp_path):
    record = pages.steps_record(slides, "masks", "en")
    moved = {**record, "steps": [dict(s) for s in record["steps"]]}
    moved["steps"][1]["start"] += 3 / record["fps"]  # three frames into an animation
    video = slides / "animations" / "masks" / "en" / "preview" / "masks.mp4"
    with pytest.raises(ValueError, match="'checkerboard' starts at .*, not on a key frame"):
        slide_cut.cut(video, moved, tmp_path)


@pytest.mark.parametrize("lang", LANGS)
def test_html_deck_and_zip(slides, lang):
    for scene in SCENES:
        want, folder = expected(scene, lang, slides), slide_layout.slides_dir(slides, scene, lang)
        page = (folder / "index.html").read_text(encoding="utf-8")
        notes = [html.unescape(n) for n in re.findall(r'<aside class="notes">(.*?)</aside>', page, re.S)]
        assert notes == [n for _, n in want]
        for src in re.findall(r'<video[^>]* src="([^"]+)"', page):
            assert (folder / src).exists(), src
        for ref in re.findall(r'<(?:script|link)[^>]* (?:src|href)="([^"]+)"', page):
            assert (folder / ref).resolve().is_relative_to(slide_deck.REVEAL), ref  # the vendored copy
            assert (folder / ref).exists(), f"{ref}: run scripts/fetch_assets.py"
        assert not EXTERNAL.search(page)
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in page
        archive = path(slides, scene, lang, "zip")
        top = archive.name.removesuffix(".zip")
        with zipfile.ZipFile(archive) as z:
            names = set(z.namelist())
            inner = z.read(f"{top}/index.html").decode("utf-8")
        assert {n.split("/")[0] for n in names} == {top}, "one top-level folder"
        assert {f"{top}/{n}" for n in ("index.html", "README.txt", "CREDITS.txt")} <= names
        for ref in re.findall(r'(?:src|href)="([^"#]+)"', inner):
            assert f"{top}/{ref}" in names, f"{archive.name}: {ref} is not in the zip"
        assert {f"{top}/reveal/{n}" for n in slide_deck.REVEAL_FILES} <= names


@pytest.mark.parametrize("lang", LANGS)
def test_instructors_downloads_list_every_file_with_its_size(slides, lang):
    text = slide_layout.downloads_file(slides, lang).read_text(encoding="utf-8")
    base = pages.GALLERY_BASE[lang]
    links = re.findall(r'<a href="([^"]+)"(?: download="([^"]+)")?>([^<]+)</a>', text)
    assert len(links) == 4 * len(SCENES)
    for scene in SCENES:
        assert pages.scene_title(scene, lang) in text
        for kind in slide_layout.FORMATS:
            name = slide_layout.file_name(scene, lang, kind)
            assert scene in name and f"-{lang}-" in name
            href, filename, label = next(link for link in links if link[1] == name)
            file = slides / href.removeprefix(base)
            assert file == path(slides, scene, lang, kind) and file.exists()
            assert label.endswith(pages.size_label(file.stat().st_size)), label


def test_slides_targets_never_re_render():
    """A slides target depends on its scene's preview render only; its key holds the scene's
    words and the slides' code but not the render code (editing the slides never re-renders)."""
    assert slide_targets.__name__  # importing it registers the targets
    registry = pipeline.REGISTRY
    for scene in SCENES:
        t = registry[slide_targets.slides_target(scene)]
        assert t.depends == (f"animation:{scene}",) and t.default and t.kind == "animation"
        assert TABLES / f"{scene}.toml" in t.strings and slide_deck.TABLE in t.strings
        ins = pipeline.inputs(t, {d: "key" for d in t.depends}, {}, keys.Scanner())
        assert {f"sitebuild/media/slide_{m}.py" for m in ("cut", "pdf", "pptx", "deck")} <= set(ins["code"])
        assert "sitebuild/media/render.py" not in ins["code"], "editing the slides re-renders the scene"
        assert "ffmpeg" in ins["versions"] and "manim" not in ins["versions"]
        assert set(t.parameters()["versions"]) == {"manim-slides", "python-pptx", "pycairo"}
        assert set(ins["strings"]) == set(LANGS)


def test_slides_strings_match():
    """The slides' words: English and Chinese for every key, the same {placeholders}, every key
    used by the slides' code and none missing."""
    from sitebuild import strings

    words = strings.load(slide_deck.TABLE)
    fields = lambda s: sorted(re.findall(r"\{(\w*)\}", s))  # noqa: E731
    assert set(words["en"]) == set(words["zh"])
    for key in words["en"]:
        assert words["en"][key].strip() and fields(words["en"][key]) == fields(words["zh"][key]), key
    source = "".join((ROOT / "sitebuild" / "media" / f"slide_{m}.py").read_text(encoding="utf-8")
                     for m in ("deck", "targets"))  # fmt: skip
    used = set(re.findall(r'\[["\']((?:deck|downloads)\.\w+)["\']\]', source))
    used |= {f"downloads.{k}" for k in ("pptx", "pdf", "html")}  # f"downloads.{kind}"
    assert used == set(words["en"])
