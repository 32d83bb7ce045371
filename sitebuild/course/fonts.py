"""A Chinese font that Chromium embeds in the course PDF as a font: Noto Sans CJK SC, cut down to
the characters of the book and converted from cubic (CFF) to quadratic (TrueType) outlines.

Why: Chromium's PDF writer (Skia) embeds a TrueType font as a font (``/FontFile2``), but draws
the glyphs of a CFF or WOFF font as Type 3 pictures, a small font for every few glyphs. Their
text maps back through the system font's character map, which gives some glyphs to a radical
first: "首页" is extracted (copied, searched) as "⾸⻚". The subset made here maps each glyph
only from the characters the book contains, so the text of the PDF is the text of the site.

The conversion draws each glyph through fontTools' Cu2QuPen, at most :data:`MAX_ERROR` font
units (a thousandth of an em) from the cubic curve.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

FAMILY = "Noto Sans CJK SC"  # the family the site's Chinese pages ask for (docs/assets/css/extra.css)
FALLBACK = "Course CJK"  # the same font, for the Chinese characters of English text and code only
CJK_RANGES = "U+2E80-2FDF, U+3000-30FF, U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF, U+FE30-FE4F, U+FF00-FFEF"
WEIGHTS = {400: "regular", 700: "bold"}  # fontconfig styles; Material's other weights map onto these
MAX_ERROR = 1.0  # font units: how far a converted curve may stray from the cubic one
_MAXP_V1 = ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
            "maxStackElements", "maxSizeOfInstructions", "maxComponentElements")  # fmt: skip


def locate(weight: int) -> tuple[Path, int]:
    """The file and collection index of :data:`FAMILY` at ``weight`` (400 or 700), from fontconfig.
    An error names the missing font and the Debian package that has it."""
    pattern = f"{FAMILY}:{WEIGHTS[weight]}"
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}|%{index}|%{family}", pattern], capture_output=True, text=True, timeout=60
        ).stdout
    except OSError as error:
        raise FileNotFoundError(f"fc-match (fontconfig) is needed to find {FAMILY}: {error}") from error
    path, index, family = (found.split("|") + ["", "", ""])[:3]
    if FAMILY not in family.split(","):
        raise FileNotFoundError(
            f"the course PDF needs the font {FAMILY!r} ({WEIGHTS[weight]}); fontconfig offers {family!r} "
            "instead: install Debian's fonts-noto-cjk (./dev.sh setup does)"
        )
    return Path(path), int(index or 0)


def subset(path: Path, index: int, text: str):
    """The font at ``path`` (``index`` in a collection) keeping only the glyphs ``text`` needs
    (with their OpenType features: vertical forms, punctuation widths), as a fontTools TTFont."""
    from fontTools import subset as ft_subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), fontNumber=index)
    options = ft_subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    cutter = ft_subset.Subsetter(options)
    cutter.populate(unicodes={ord(c) for c in text})
    cutter.subset(font)
    return font


def to_truetype(font) -> None:
    """Replace ``font``'s CFF outlines by TrueType ones (in place): a ``glyf`` table drawn through
    Cu2QuPen, and the tables TrueType needs beside it (``loca``, maxp 1.0, post 3.0)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    if "CFF " not in font:
        raise ValueError("to_truetype: the font has no CFF outlines to convert")
    order, glyphs = font.getGlyphOrder(), font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for name in order:
        pen = TTGlyphPen(None)
        # CFF contours turn counter-clockwise, TrueType's clockwise
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"], font["loca"] = glyf, newTable("loca")
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in _MAXP_V1:
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 3.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def truetype(text: str, weight: int) -> bytes:
    """:data:`FAMILY` at ``weight`` with the glyphs of ``text``, as the bytes of a TrueType font.

    >>> from io import BytesIO
    >>> from fontTools.ttLib import TTFont
    >>> font = TTFont(BytesIO(truetype("首页 flow", 400)))
    >>> "glyf" in font and "CFF " not in font, sorted(chr(c) for c in font.getBestCmap())
    (True, [' ', 'f', 'l', 'o', 'w', '页', '首'])
    """
    from io import BytesIO

    font = subset(*locate(weight), text)
    to_truetype(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def path(weight: int) -> str:
    """Where the printer serves the font of ``weight`` (relative to the book's origin).

    >>> path(700)
    '__course__/cjk-700.ttf'
    """
    return f"__course__/cjk-{weight}.ttf"


def css(origin: str) -> str:
    """The book's font rules. Two families from the same subset: :data:`FAMILY` hides the system
    font of that name, which the Chinese pages' text asks for (Latin letters included, as on the
    site); :data:`FALLBACK` is only its Chinese characters (``unicode-range``), first in the
    English text's list, in the code's and in MathJax's text, for the Chinese they contain (the
    glossary's terms, comments in code, words in formulas), so their Latin letters keep their
    own fonts.

    >>> rules = css("http://course.invalid/")
    >>> rules.count("@font-face"), rules.count("unicode-range"), "cjk-700.ttf" in rules
    (4, 2, True)
    """
    faces = "".join(
        f'@font-face{{font-family:"{family}";font-weight:{weight};font-style:normal;'
        f'src:url("{origin}{path(weight)}") format("truetype"){extra}}}'
        for family, extra in ((FAMILY, ""), (FALLBACK, f";unicode-range:{CJK_RANGES}"))
        for weight in WEIGHTS
    )
    return (
        faces + "html body{"
        f'--md-text-font-family:"{FALLBACK}", -apple-system, BlinkMacSystemFont, Helvetica, Arial, sans-serif;'
        f'--md-code-font-family:"{FALLBACK}", SFMono-Regular, Consolas, Menlo, monospace}}'
        # MathJax draws characters its fonts lack (Chinese in \\text{...}) in a serif it names inline
        f'mjx-container mjx-utext{{font-family:"{FALLBACK}", serif !important}}'
    )
