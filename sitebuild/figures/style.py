"""Shared figure style: fonts (a CJK font for Chinese labels), colours, and deterministic saving."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
)
DPI = 200  # print resolution for PNGs
COLORS = {
    "data": "#1f77b4",
    "model": "#d62728",
    "latent": "#2ca02c",
    "pass": "#4c72b0",
    "transformed": "#dd8452",
    "grid": "#999999",
}


def cjk_font() -> str:
    """Name of an installed font with Chinese glyphs; a clear error if there is none."""
    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in available:
            return name
    raise RuntimeError(
        "no CJK font found for Chinese figure labels (tried " + ", ".join(CJK_FONTS) + "); "
        "install one with `apt-get install fonts-noto-cjk` (./dev.sh setup does this), then delete "
        "matplotlib's font cache (~/.cache/matplotlib)"
    )


def use(lang: str) -> None:
    """Set matplotlib's fonts and style for ``lang`` ("en" or "zh")."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    plt.rcdefaults()
    family = ["DejaVu Sans"] if lang == "en" else [cjk_font(), "DejaVu Sans"]
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": family,
            "axes.unicode_minus": False,
            "figure.dpi": 100,
            "savefig.dpi": DPI,
            "savefig.bbox": "tight",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.hashsalt": "explainer",
            "mathtext.fontset": "dejavusans",
        }
    )


# How an SVG carries its text (:func:`svg_text`): as text where the fonts allow, so that it can be
# searched, copied and edited (a lecturer fixes a label in Inkscape): an English figure whose every
# glyph is a Unicode character of DejaVu Sans, named with a generic sans-serif after it (a viewer
# without DejaVu draws the same characters in its own sans-serif; matplotlib anchors each label,
# text-anchor, so they stay aligned). As outlines otherwise: Chinese (a reader without a CJK font
# would see boxes, and a fallback's glyphs are not Noto's width), and math that needs matplotlib's
# own math fonts (the prime of f'(x) is "0" in cmsy10, calligraphic letters are private-use
# characters of STIX): text there would show the wrong characters on a machine without them.
TEXT_FONTS = {"DejaVu Sans"}

# A phone: the narrow variant of a figure is shown at most this wide (CSS px) at 390 px, and its
# smallest text must come out at least MIN_TEXT_CSS_PX there (tests/test_figures.py checks it, and
# the browser test measures it on every page).
PHONE_WIDTH_CSS_PX = 358
MIN_TEXT_CSS_PX = 9.0
VARIANTS = ("wide", "narrow")  # wide: the page on a laptop; narrow: a phone (served by docs/hooks/figures.py)


NARROW_WIDTH = 3.9  # inches: the narrow variant's width (10 pt text -> 12.7 CSS px at 358 CSS px)

_TOKENS = re.compile(
    r"\$[^$]*\$|[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]|[^\s$\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+|\s+"
)


def _columns(token: str) -> int:
    if token.startswith("$"):  # math: a command (\\theta) is one column, braces and scripts none
        return len(re.sub(r"\\[a-zA-Z]+", "x", re.sub(r"[{}_^$]", "", token)))
    return sum(2 if "\u2e80" <= c <= "\uffef" else 1 for c in token)


def wrap(text: str, width: float) -> str:
    """Break ``text`` into lines of at most ``width`` columns (a CJK character counts two):
    English between words, Chinese between any two characters (never before ，。：；、）or
    inside ``$...$`` math). Existing line breaks are kept.

    >>> wrap("Samples from the flow next to real digits", 20)
    'Samples from the\\nflow next to real\\ndigits'
    >>> print(wrap("在手写数字上训练的流，生成的样本", 12))
    在手写数字上
    训练的流，生
    成的样本
    """
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKENS.findall(paragraph):
            if line and not token.isspace() and _columns(line + token) > width and token[0] not in "，。：；、）)":
                lines.append(line.rstrip())
                line = ""
            if not (token.isspace() and not line):
                line += token
        lines.append(line.rstrip())
    return "\n".join(lines)


def fit(text: str, narrow: bool, width: float = 34) -> str:
    """``text`` as it is (wide layout), or re-wrapped to ``width`` columns (narrow layout: the
    line breaks written for the wide layout are dropped first).

    >>> fit("a long\\ntitle", True, 40), fit("a long\\ntitle", False)
    ('a long title', 'a long\\ntitle')
    """
    return wrap(re.sub(r"\s*\n\s*", " ", text), width) if narrow else text


def filename(name: str, lang: str, ext: str = "png", variant: str = "wide") -> str:
    """``name.png`` for English, ``name.zh.png`` for Chinese (static-i18n's localized asset rule);
    the narrow (phone) variant is ``name.narrow.png`` / ``name.narrow.zh.png``.

    >>> filename("masks", "zh"), filename("masks", "en", variant="narrow"), filename("masks", "zh", variant="narrow")
    ('masks.zh.png', 'masks.narrow.png', 'masks.narrow.zh.png')
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    stem = name if variant == "wide" else f"{name}.{variant}"
    return f"{stem}.{ext}" if lang == "en" else f"{stem}.{lang}.{ext}"


def sidecar(png: str | Path) -> Path:
    """Where the text sizes of ``png`` are recorded: ``<png>.json`` (``masks.zh.png.json``)."""
    png = Path(png)
    return png.with_name(png.name + ".json")


def _record_text(fig, png: Path) -> dict:
    """Save ``fig`` as ``png``, recording the size of every piece of text the renderer draws."""
    from matplotlib.backends.backend_agg import RendererAgg

    drawn: list[tuple[float, str]] = []
    real = RendererAgg.draw_text

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if s.strip():
            drawn.append((prop.get_size_in_points(), s))
        return real(self, gc, x, y, s, prop, angle, ismath, mtext)

    RendererAgg.draw_text = draw_text
    try:
        fig.savefig(png, metadata={"Software": None})
    finally:
        RendererAgg.draw_text = real
    if not drawn:
        return {"min_font_pt": None, "min_font_px": None, "smallest": None}
    size, text = min(drawn, key=lambda d: (d[0], d[1]))
    dpi = float(plt.rcParams["savefig.dpi"])
    return {"min_font_pt": round(size, 3), "min_font_px": round(size * dpi / 72, 3), "smallest": text}


def _generic_fallback(svg: str) -> str:
    """Give every font-family of an SVG a generic fallback: matplotlib names only DejaVu Sans in the
    glyphs of math text, and a viewer without it would fall back to its default (serif) font.

    >>> _generic_fallback("font-size: 8px; font-family: 'DejaVu Sans'>a</tspan>")
    "font-size: 8px; font-family: 'DejaVu Sans', sans-serif>a</tspan>"
    >>> _generic_fallback("font-family: 'DejaVu Sans', sans-serif; text-anchor: middle")
    "font-family: 'DejaVu Sans', sans-serif; text-anchor: middle"
    """
    return re.sub(r"(font-family: 'DejaVu Sans')(?!, sans-serif)", r"\1, sans-serif", svg)


def _svg(fig, fonttype: str) -> str:
    import io

    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": fonttype}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def svg_text(fig, lang: str) -> str:
    """The SVG of ``fig``: its labels as text where the fonts allow (:data:`TEXT_FONTS`), as
    outlines otherwise.

    >>> use("en")
    >>> fig, ax = plt.subplots(figsize=(2, 1))
    >>> _ = ax.set_title("log density")
    >>> "log density</text>" in svg_text(fig, "en"), "<text" in svg_text(fig, "zh")
    (True, False)
    >>> _ = ax.set_xlabel("$f'(x)$")
    >>> "<text" in svg_text(fig, "en")
    False
    >>> plt.close(fig)
    """
    if lang == "en":
        text = _svg(fig, "none")
        if set(re.findall(r"font-family: '([^']+)'", text)) <= TEXT_FONTS:
            return _generic_fallback(text)
    return _svg(fig, "path")


# A scatter of more points than this goes into the SVG as an image (at the PNG's resolution):
# 20 000 points as vector markers make a 2.3 MB SVG that no one edits point by point; the axes,
# lines, arrows and labels stay vectors. The PNG, saved first, is not affected.
CLOUD_POINTS = 1000


def _rasterize_clouds(fig) -> int:
    """Mark every point cloud of ``fig`` (a collection of more than :data:`CLOUD_POINTS` markers)
    to be drawn as an image in vector formats; return how many were marked.

    >>> fig, ax = plt.subplots()
    >>> cloud, few = ax.scatter(range(2000), range(2000)), ax.scatter([0, 1], [0, 1])
    >>> _rasterize_clouds(fig), cloud.get_rasterized(), few.get_rasterized()
    (1, True, False)
    >>> plt.close(fig)
    """
    from matplotlib.collections import PathCollection

    clouds = [c for c in fig.findobj(PathCollection) if len(c.get_offsets()) > CLOUD_POINTS]
    for c in clouds:
        c.set_rasterized(True)
    return len(clouds)


def save(fig, out_dir: str | Path, name: str, lang: str, variant: str = "wide") -> Path:
    """Save ``fig`` as PNG, and the wide layout also as SVG, deterministically (no timestamps);
    return the PNG path. One drawing, two formats: the figure is computed and laid out once.

    Next to the PNG, ``<png>.json`` records its pixel size and its smallest text (points, and
    pixels of the PNG: ``pt * dpi / 72``), measured while the figure is drawn: the page hook
    (docs/hooks/figures.py) and the tests read it to know how large that text is on screen. The
    SVG's labels are text where the fonts allow, outlines otherwise (:func:`svg_text`)."""
    from PIL import Image

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / filename(name, lang, variant=variant)
    text = _record_text(fig, png)
    if variant == "wide":
        _rasterize_clouds(fig)
        (out_dir / filename(name, lang, "svg")).write_text(svg_text(fig, lang), encoding="utf-8")
    plt.close(fig)
    with Image.open(png) as image:
        width, height = image.size
    record = {"figure": name, "lang": lang, "variant": variant, "width_px": width, "height_px": height, **text}
    sidecar(png).write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return png


def save_layouts(draw, out_dir: str | Path, name: str, lang: str) -> Path:
    """Draw and save both layouts of a figure: ``draw(narrow=False)`` is the wide one (the page on
    a laptop, and the SVG), ``draw(narrow=True)`` the narrow one (a phone: panels stacked, the
    figure about 4 inches wide so that its text stays legible at 358 CSS px).
    Both come from the same data through the same function; return the wide PNG's path."""
    png = save(draw(narrow=False), out_dir, name, lang)
    save(draw(narrow=True), out_dir, name, lang, variant="narrow")
    return png


def outputs(png: str | Path) -> list[Path]:
    """Every file written with the (wide) PNG ``png``: its SVG, its narrow variant and their
    text records, those that exist."""
    png = Path(png)
    name, *suffixes = png.name.split(".")  # figure names have no dots: name[.zh].png
    lang = suffixes[0] if len(suffixes) == 2 else "en"
    narrow = png.with_name(filename(name, lang, variant="narrow"))
    files = [png, sidecar(png), png.with_suffix(".svg"), narrow, sidecar(narrow)]
    return [f for f in files if f.exists()]
