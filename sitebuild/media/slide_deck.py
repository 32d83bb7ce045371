"""A scene's slides as an HTML deck with reveal.js, and the deck's zip.

One ``<section>`` per section of the scene: its clip (:mod:`sitebuild.media.slide_cut`) plays
when the slide opens, the step's label is the slide's heading (for screen readers: the frame
shows it), the narration is its speaker notes (``s``: reveal.js's speaker view; ``c``: on the
slide). reveal.js is vendored from the npm registry by ``scripts/fetch_assets.py`` into
``docs/assets/vendor/reveal/`` (no CDN): the deck on the site loads that copy, the zip carries
its own. The page is filled from ``templates/slides*.{html,css,js}``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from sitebuild import strings
from sitebuild.keys import ROOT
from sitebuild.media.slide_cut import Section
from sitebuild.media.templates import LANGUAGES, attr, fill, fragment, raw, text

TABLE = Path(__file__).resolve().parent / "strings" / "slides.toml"
REVEAL = ROOT / "docs" / "assets" / "vendor" / "reveal"
REVEAL_FILES = ("reveal.js", "reveal.css", "notes.js", "LICENSE")
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # a fixed date: the same slides give the same zip


def words(lang: str) -> dict[str, str]:
    """The slides' words in ``lang`` (``strings/slides.toml``)."""
    return strings.load(TABLE)[lang]


def reveal_files() -> list[Path]:
    """The vendored reveal.js files the deck needs; a clear error when they are missing."""
    missing = [name for name in REVEAL_FILES if not (REVEAL / name).exists()]
    if missing:
        raise RuntimeError(
            f"reveal.js is not vendored ({', '.join(missing)} missing in {REVEAL}): run "
            "`python scripts/fetch_assets.py` (./dev.sh setup does)"
        )
    return [REVEAL / name for name in REVEAL_FILES]


def deck_page(lang: str, title: str, sections: list[Section], *, reveal: str, size: tuple[int, int],
              author: str, credit: str) -> str:  # fmt: skip
    """The deck's ``index.html``: ``reveal`` is the path from it to reveal.js's folder, the clips
    are next to it (:attr:`Section.name`), ``size`` is the clips' (width, height)."""
    body = "\n".join(
        fragment("slides-section.html", key=attr(s.key), label=text(s.label), src=attr(s.name),
                 narration=text(s.narration))
        for s in sections
    )  # fmt: skip
    return fill(
        "slides.html",
        html_lang=attr(LANGUAGES[lang]["html"]),
        title=text(words(lang)["deck.title"].format(title=title)),
        author=attr(author),
        reveal=attr(reveal),
        css=raw("slides.css", "</style").rstrip("\n"),
        width=size[0],
        height=size[1],
        sections=body,
        credit=text(credit),
        script=raw("slides.js", "</script"),
    )


def deck_zip(archive: Path, page: str, clips: list[Path], readme: str, credits: str) -> Path:
    """The deck ``page`` (its reveal.js path ``reveal/``), its ``clips``, reveal.js, a README and
    CREDITS.txt in one folder named after the zip, with fixed dates: unzip, open index.html."""
    top = archive.name.removesuffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:

        def add(name: str, data: bytes | str) -> None:
            info = zipfile.ZipInfo(f"{top}/{name}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".mp4") else zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        add("index.html", page)
        for clip in clips:
            add(clip.name, clip.read_bytes())
        for path in reveal_files():
            add(f"reveal/{path.name}", path.read_bytes())
        add("README.txt", readme)
        add("CREDITS.txt", credits + "\n")
    return archive
