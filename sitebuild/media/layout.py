"""Where the media of a scene go.

Per scene, language and quality: ``<generated>/animations/<scene>/<lang>/<quality>/`` (published
with the site) holds ``<scene>.mp4``, ``<scene>.webm``, ``poster.png``, ``<scene>.gif`` (preview
only), ``<scene>.vtt`` and ``steps.json``, and at preview quality ``player.html`` (the
``animation:players`` target); what the render cost (wall and CPU
seconds, file sizes; different on every machine, so not published) goes to the same folder under
``<cache>``, as ``render.json``. The deck is ``<generated>/animations/deck/``, the gallery
``<generated>/tables/gallery(.zh).md``.
"""

from __future__ import annotations

from pathlib import Path

OUT = "animations"


def media_dir(generated: Path, scene: str, lang: str, quality: str) -> Path:
    """The folder of one scene's media in one language at one quality.

    >>> media_dir(Path("docs/generated"), "masks", "zh", "preview").as_posix()
    'docs/generated/animations/masks/zh/preview'
    """
    return Path(generated) / OUT / scene / lang / quality


def measures_file(cache: Path, scene: str, lang: str, quality: str) -> Path:
    """``render.json``: what rendering that scene cost the last time it was rendered."""
    return Path(cache) / OUT / scene / lang / quality / "render.json"


def deck_dir(generated: Path) -> Path:
    """The lecture deck: ``<lang>/index.html`` and ``lecture-deck-<lang>.zip``."""
    return Path(generated) / OUT / "deck"


def deck_downloads_file(generated: Path, lang: str) -> Path:
    """The instructors' page's links to the deck and its zip (with its size), in ``lang``.

    >>> deck_downloads_file(Path("g"), "zh").as_posix()
    'g/tables/deck-downloads.zh.md'
    """
    return Path(generated) / "tables" / ("deck-downloads.md" if lang == "en" else f"deck-downloads.{lang}.md")


def gallery_file(generated: Path, lang: str) -> Path:
    """The instructors' gallery in ``lang`` (a snippet included by docs/instructors(.zh).md).

    >>> gallery_file(Path("g"), "en").as_posix(), gallery_file(Path("g"), "zh").name
    ('g/tables/gallery.md', 'gallery.zh.md')
    """
    return Path(generated) / "tables" / ("gallery.md" if lang == "en" else f"gallery.{lang}.md")
