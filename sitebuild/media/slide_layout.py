"""Where the slides of a scene go, and what their files are called.

Per scene and language, ``<generated>/slides/<scene>/<lang>/`` (published with the site) holds
the clip of each section (``01-<step>.mp4``, ...), the HTML deck that plays them
(``index.html``; reveal.js is the site's vendored copy, ``docs/assets/vendor/reveal/``) and the
downloads, named after the scene and the language so that they never overwrite each other:
``<scene>-<lang>-slides.pptx``, ``<scene>-<lang>-slides.pdf`` and
``<scene>-<lang>-slides-html.zip`` (the deck with its clips and reveal.js, in one folder of the
same name). The instructors' page lists them from ``<generated>/tables/slides-downloads(.zh).md``.
"""

from __future__ import annotations

from pathlib import Path

OUT = "slides"
FORMATS = ("pptx", "pdf", "zip")
# from <generated>/slides/<scene>/<lang>/ to docs/assets/vendor/reveal/ (the same on the site)
SITE_REVEAL = "../../../../assets/vendor/reveal/"


def slides_dir(generated: Path, scene: str, lang: str) -> Path:
    """
    >>> slides_dir(Path("docs/generated"), "masks", "zh").as_posix()
    'docs/generated/slides/masks/zh'
    """
    return Path(generated) / OUT / scene / lang


def file_name(scene: str, lang: str, kind: str) -> str:
    """The download's name: scene, language and format.

    >>> [file_name("masks", "zh", k) for k in FORMATS]
    ['masks-zh-slides.pptx', 'masks-zh-slides.pdf', 'masks-zh-slides-html.zip']
    """
    if kind not in FORMATS:
        raise ValueError(f"kind must be one of {FORMATS}, got {kind!r}")
    return f"{scene}-{lang}-slides" + ("-html.zip" if kind == "zip" else f".{kind}")


def downloads_file(generated: Path, lang: str) -> Path:
    """
    >>> downloads_file(Path("g"), "en").as_posix(), downloads_file(Path("g"), "zh").name
    ('g/tables/slides-downloads.md', 'slides-downloads.zh.md')
    """
    return Path(generated) / "tables" / ("slides-downloads.md" if lang == "en" else f"slides-downloads.{lang}.md")
