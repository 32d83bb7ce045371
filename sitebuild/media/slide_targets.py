"""The slides' targets:

- ``slides:<scene>``: the scene's sections as slides, per language, cut from its preview render
  (``animation:<scene>``: no second Manim run): the clips, the HTML deck (reveal.js), the
  PowerPoint, the PDF and the deck's zip (:mod:`sitebuild.media.slide_layout`); what it cost goes
  to ``<cache>/slides/<scene>/<lang>/slides.json``;
- ``table:slides-downloads``: the instructors' page's list of them, with their sizes.

Keyed per language by the scene's string table (labels, narration), ``strings/slides.toml`` and
``strings/pages.toml`` (the credit line), by the site's address (the credit's source) and the
versions of manim-slides, python-pptx and pycairo. Their
import closure does not reach the render code: editing the slides never re-renders a scene.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sitebuild.media import pages, slide_cut, slide_deck, slide_pdf, slide_pptx
from sitebuild.media.credit import credit
from sitebuild.media.layout import media_dir
from sitebuild.media.names import scene_target
from sitebuild.media.scenes import SCENES
from sitebuild.media.slide_layout import SITE_REVEAL, downloads_file, file_name, slides_dir
from sitebuild.media.templates import attr, fragment, text
from sitebuild.registry import Context, target

DOWNLOADS = "table:slides-downloads"
# the libraries that write the slides: their versions go into the key through the targets' params
# (sitebuild.keys tracks a fixed list of distributions, which does not hold them)
WRITERS = ("manim-slides", "python-pptx", "pycairo")


def writer_versions() -> dict[str, str]:
    return {dist: importlib.metadata.version(dist) for dist in WRITERS}


def slides_target(scene: str) -> str:
    """
    >>> slides_target("masks")
    'slides:masks'
    """
    return f"slides:{scene}"


def string_tables(scene: str) -> tuple[Path, ...]:
    return (pages.scene_table(scene), slide_deck.TABLE, pages.UI_TABLE)


def make_slides(generated: Path, cache: Path, scene: str, lang: str, site: str) -> list[Path]:
    """Cut ``scene``'s preview render in ``lang`` into its sections and write the slides; return
    the files written."""
    start, cpu_start = time.perf_counter(), time.process_time()
    record = pages.steps_record(generated, scene, lang)
    video = media_dir(generated, scene, lang, "preview") / f"{scene}.mp4"
    out = slides_dir(generated, scene, lang)
    shutil.rmtree(out, ignore_errors=True)  # no clip of an older cut stays behind
    out.mkdir(parents=True)
    sections, clips, cpu = slide_cut.cut(video, record, out)
    title, ui = pages.scene_title(scene, lang), pages.ui(lang)
    author, line = ui["credit.author"], credit(scene, lang, site)
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"slides-{scene}-{lang}-", dir=cache))
    try:
        frames = [work / f"{s.index:02d}.png" for s in sections]
        cpu += sum(slide_cut.last_frame(clip, png, record["fps"]) for clip, png in zip(clips, frames))
        pdf = slide_pdf.handout(
            [slide_pdf.Page(png, s.narration) for png, s in zip(frames, sections)],
            out / file_name(scene, lang, "pdf"), title=title, author=author, subject=line,
        )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    size = (int(record["width"]), int(record["height"]))
    config = slide_pptx.presentation(sections, clips, size, "#0f131a")
    pptx = slide_pptx.powerpoint(config, out / file_name(scene, lang, "pptx"), title=title, author=author, credit=line)
    deck = dict(sections=sections, size=size, author=author, credit=line)
    page = out / "index.html"
    page.write_text(slide_deck.deck_page(lang, title, reveal=SITE_REVEAL, **deck), encoding="utf-8")
    readme = slide_deck.words(lang)["deck.readme"].format(author=author, licence=ui["credit.licence"])
    archive = slide_deck.deck_zip(
        out / file_name(scene, lang, "zip"), slide_deck.deck_page(lang, title, reveal="reveal/", **deck),
        clips, readme, line,
    )  # fmt: skip
    files = [*clips, page, pptx, pdf, archive]
    measured = {
        "wall": time.perf_counter() - start,
        "cpu": cpu + time.process_time() - cpu_start,  # ffmpeg's and this process's
        "sizes": {p.name: p.stat().st_size for p in files},
    }
    measures = cache / "slides" / scene / lang / "slides.json"
    measures.parent.mkdir(parents=True, exist_ok=True)
    measures.write_text(json.dumps(measured, indent=1), encoding="utf-8")
    print(f"[slides] {scene:<22s} {lang} {measured['wall']:6.1f} s wall, {measured['cpu']:6.1f} s cpu", file=sys.stderr)
    return [*files, measures]


def _slides_target(scene: str) -> None:
    render = scene_target(scene, "preview")

    @target(slides_target(scene), "animation", depends=(render,),
            params=lambda: {"site": pages.site_url(), "versions": writer_versions()},
            strings=string_tables(scene))  # fmt: skip
    def build(ctx: Context) -> dict[str, list[Path]]:
        ctx.dep(render)
        return {lang: make_slides(ctx.generated, ctx.cache, scene, lang, ctx.params["site"]) for lang in ctx.langs}


for _scene in SCENES:
    _slides_target(_scene)


# --- the instructors' page ------------------------------------------------------------------------


def downloads_markdown(generated: Path, lang: str) -> str:
    """One list item per scene: its title, number of slides, and its PowerPoint, PDF and deck
    (zip, and open on the site), each with its size; paths relative to the instructors' page."""
    w, base = slide_deck.words(lang), pages.GALLERY_BASE[lang]
    items = []
    for scene in SCENES:
        folder, rel = slides_dir(generated, scene, lang), f"{base}slides/{scene}/{lang}/"

        def link(kind: str, label: str) -> str:
            name = file_name(scene, lang, kind)  # noqa: B023 (called in this iteration only)
            size = pages.size_label((folder / name).stat().st_size)  # noqa: B023
            return fragment("slides-link.html", href=attr(rel + name), filename=attr(name),  # noqa: B023
                            label=text(w["downloads.size"].format(kind=label, size=size)))  # fmt: skip

        count = len(pages.steps_record(generated, scene, lang)["steps"])
        items.append(
            fragment(
                "slides-downloads.html",
                title=text(pages.scene_title(scene, lang)),
                count=text(w["downloads.slides"].format(count=count)),
                separator=text(pages.ui(lang)["lesson.separator"]),
                links=" · ".join(
                    link(k, w[f"downloads.{k if k != 'zip' else 'html'}"]) for k in ("pptx", "pdf", "zip")
                ),
                deck=attr(rel + "index.html"),
                open=text(w["downloads.open"]),
            )
        )
    return "<ul>\n" + "\n".join(items) + "\n</ul>\n"


@target(DOWNLOADS, "table", depends=tuple(slides_target(s) for s in SCENES),
        strings=(slide_deck.TABLE, pages.UI_TABLE, *(pages.scene_table(s) for s in SCENES)))  # fmt: skip
def _downloads(ctx: Context) -> dict[str, list[Path]]:
    out = {}
    for lang in ctx.langs:
        path = downloads_file(ctx.generated, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(downloads_markdown(ctx.generated, lang), encoding="utf-8")
        out[lang] = [path]
    return out
