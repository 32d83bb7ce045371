"""Shared figure style: fonts (a CJK font for Chinese labels), colours, and deterministic saving."""

from __future__ import annotations

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


def filename(name: str, lang: str, ext: str = "png") -> str:
    """``name.png`` for English, ``name.zh.png`` for Chinese (static-i18n's localized asset rule)."""
    return f"{name}.{ext}" if lang == "en" else f"{name}.{lang}.{ext}"


def save(fig, out_dir: str | Path, name: str, lang: str, svg: bool = False) -> Path:
    """Save ``fig`` as PNG (and SVG) deterministically (no timestamps); return the PNG path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = out_dir / filename(name, lang)
    fig.savefig(png, metadata={"Software": None})
    if svg:
        fig.savefig(out_dir / filename(name, lang, "svg"), metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return png
