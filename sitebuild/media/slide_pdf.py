"""A scene's slides as a PDF: one page per section, the section's last frame with its narration
underneath as real text (searchable, copyable, read aloud by screen readers), the fonts embedded.

Drawn with cairo (pycairo, which Manim already needs): its PDF surface embeds a subset of the
font, with the map back to Unicode, so the Chinese pages hold Chinese text, not pictures of it.
One family for both languages (Noto Sans CJK SC has Latin glyphs too), as in the scenes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# the page: the 16:9 frame across the top, a strip for the narration below (PDF points)
WIDTH, FRAME_HEIGHT, STRIP = 960.0, 540.0, 120.0
MARGIN, FONT_SIZE, LINE = 28.0, 17.0, 24.0
FONT = "Noto Sans CJK SC"
BG, FG = (0x0F, 0x13, 0x1A), (0xE9, 0xEC, 0xF1)  # the scenes' colours (animations/style.py)
# a character that may break a line anywhere (CJK), and closing punctuation that never starts one
CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
NO_LINE_START = "，。：；、）》」』！？,.:;)!?"


@dataclass(frozen=True)
class Page:
    image: Path  # PNG of the section's last frame (it shows the step's label)
    narration: str


def tokens(text: str) -> list[str]:
    """The pieces a line may break between: a word with its trailing space, or one CJK character.

    >>> tokens("a flip, x_A")
    ['a ', 'flip, ', 'x_A']
    >>> tokens("翻转后的掩码，每个")
    ['翻', '转', '后', '的', '掩', '码', '，', '每', '个']
    """
    return re.findall(rf"[{CJK}]|[^\s{CJK}]+\s*|\s+", text)


def wrap(text: str, width: float, measure) -> list[str]:
    """Greedy line breaking of ``text`` into lines no wider than ``width`` by ``measure(str)``,
    except that closing punctuation stays at the end of its line.

    >>> wrap("one two three", 6, len)
    ['one ', 'two ', 'three']
    >>> wrap("一二三，四", 3, len)
    ['一二三，', '四']
    """
    lines, line = [], ""
    for tok in tokens(text):
        if line and measure((line + tok).rstrip()) > width and tok[0] not in NO_LINE_START:
            lines.append(line)
            line = tok.lstrip()
        else:
            line += tok
    if line.strip():
        lines.append(line)
    return lines


def _rgb(colour: tuple[int, int, int]) -> tuple[float, float, float]:
    return tuple(c / 255 for c in colour)


def handout(pages: list[Page], dest: Path, *, title: str, author: str, subject: str) -> Path:
    """Write ``pages`` to the PDF ``dest`` (``title``, ``author``, ``subject`` go into its
    metadata: the credit line is the subject)."""
    import cairo

    height = FRAME_HEIGHT + STRIP
    surface = cairo.PDFSurface(str(dest), WIDTH, height)
    meta = cairo.PDFMetadata
    for key, value in ((meta.TITLE, title), (meta.AUTHOR, author), (meta.SUBJECT, subject),
                       (meta.CREATOR, "flows-explained")):  # fmt: skip
        surface.set_metadata(key, value)
    ctx = cairo.Context(surface)
    ctx.select_font_face(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
    ctx.set_font_size(FONT_SIZE)
    for page in pages:
        ctx.set_source_rgb(*_rgb(BG))
        ctx.paint()
        image = cairo.ImageSurface.create_from_png(str(page.image))
        ctx.save()
        ctx.scale(WIDTH / image.get_width(), FRAME_HEIGHT / image.get_height())
        ctx.set_source_surface(image, 0, 0)
        ctx.paint()
        ctx.restore()
        ctx.set_source_rgb(*_rgb(FG))
        lines = wrap(page.narration, WIDTH - 2 * MARGIN, lambda s: ctx.text_extents(s).x_advance)
        y = FRAME_HEIGHT + (STRIP - LINE * len(lines)) / 2 + FONT_SIZE
        for line in lines:
            ctx.move_to(MARGIN, y)
            ctx.show_text(line.rstrip())
            y += LINE
        surface.show_page()
    surface.finish()
    return dest
