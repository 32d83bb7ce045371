"""Shared look and plumbing of every scene: colours, fonts, the TeX template, where a scene's data
comes from, and the step recorder that turns a scene into slides and captions.

A scene learns what to draw from a small JSON file whose path is in ``EXPLAINER_SCENE_CONFIG``
(written by ``sitebuild.media``)::

    {"lang": "zh", "exports": {"coupling": "/…/.cache/pipeline/exports/coupling.npz"},
     "steps_file": "/…/steps.json"}

Without it (running ``manim`` by hand on a scene file) the language comes from ``EXPLAINER_LANG``
(default ``en``) and exports are read from ``.cache/pipeline/exports/`` of this repository
(build them first with ``python -m sitebuild build export:<name>``). Scenes only read exports: they never
train or compute flows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import reading
import strings
from manim import (
    LEFT,
    RIGHT,
    UL,
    UP,
    Line,
    MathTex,
    Rectangle,
    Scene,
    Text,
    TexTemplate,
    VGroup,
    VMobject,
    config,
)

ROOT = Path(__file__).resolve().parent.parent
_CONFIG_FILE = os.environ.get("EXPLAINER_SCENE_CONFIG")
CONFIG: dict = json.loads(Path(_CONFIG_FILE).read_text(encoding="utf-8")) if _CONFIG_FILE else {}
LANG: str = CONFIG.get("lang") or os.environ.get("EXPLAINER_LANG", "en")
if LANG not in strings.LANGS:
    raise ValueError(f"scene language must be one of {strings.LANGS}, got {LANG!r}")

# --- colours (dark background: what projectors and Manim viewers expect) ---------------------------
BG = "#0f131a"
FG = "#e9ecf1"
MUTED = "#8b93a1"
PASS = "#4c9be8"  # x_A: passed through, feeds the conditioner
TRANSFORMED = "#f29e4c"  # x_B: transformed
ACCENT = "#f5d76e"  # highlights, marked cells
GOOD = "#6cc58a"  # checks that hold
NOISE = "#b98ae6"  # latent / noise
DATA = "#4c9be8"
GRID = "#3a4352"
config.background_color = BG

# --- fonts: one family for both languages (Noto Sans CJK SC has Latin glyphs too) -----------------
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")


def cjk_font() -> str:
    """An installed font family with Chinese glyphs (Pango/fontconfig names); a clear error if none.

    Without one, Pango silently draws Chinese as empty boxes, so this refuses to guess."""
    import manimpango

    available = set(manimpango.list_fonts())
    for name in CJK_FONTS:
        if name in available:
            return name
    raise RuntimeError(
        "no CJK font for the Chinese scenes (tried " + ", ".join(CJK_FONTS) + "); install "
        "fonts-noto-cjk (./dev.sh setup does it) and clear manim's text cache (media/texts)"
    )


FONT = cjk_font()

# --- TeX: manim's default template needs standalone.cls (texlive-latex-extra); article is enough,
# with \pagestyle{empty} so no page number ends up in the SVG (it would push the formula off-screen).
TEX = TexTemplate(documentclass=r"\documentclass{article}")
TEX.add_to_preamble(r"\usepackage{amsmath}" "\n" r"\usepackage{amssymb}" "\n" r"\pagestyle{empty}")
MathTex.set_default(tex_template=TEX, color=FG)
Text.set_default(font=FONT, color=FG)


def t(key: str, **fmt) -> str:
    """The string ``key`` of this scene's language (``animations/strings/<scene>.toml``), formatted."""
    return strings.text(LANG, key, **fmt)


def export(name: str) -> dict:
    """The arrays of export ``name`` (``.npz`` written by ``explainer.export``), as a dict."""
    path = CONFIG.get("exports", {}).get(name) or ROOT / ".cache" / "pipeline" / "exports" / f"{name}.npz"
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"export {name!r} not found at {path}; build it with "
            f"`python -m sitebuild build export:{name.replace('_', '-')}` (scenes never compute it)"
        )
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def fmt(value: float, digits: int = 2) -> str:
    """A number as the scenes print it (a real minus sign, fixed digits).

    >>> fmt(-0.4041), fmt(1.0, 3)
    ('−0.40', '1.000')
    """
    return f"{value:.{digits}f}".replace("-", "−")


class Panel:
    """Maps data coordinates (x, y) to scene points: ``centre + scale * (x, y)``; draws a frame."""

    def __init__(self, centre, scale: float, half_width: float, half_height: float | None = None):
        self.centre = np.asarray(centre, dtype=float)
        self.scale = float(scale)
        self.hw, self.hh = half_width, half_width if half_height is None else half_height

    def __call__(self, xy) -> np.ndarray:
        xy = np.asarray(xy, dtype=float)
        out = np.zeros((*xy.shape[:-1], 3))
        out[..., 0] = self.centre[0] + self.scale * xy[..., 0]
        out[..., 1] = self.centre[1] + self.scale * xy[..., 1]
        return out

    def frame(self, color: str = GRID) -> VGroup:
        box = Rectangle(
            width=2 * self.hw * self.scale, height=2 * self.hh * self.scale, color=color, stroke_width=1.5
        ).move_to(self(np.zeros(2)))
        axes = VGroup(Line(self((-self.hw, 0)), self((self.hw, 0))), Line(self((0, -self.hh)), self((0, self.hh))))
        axes.set_stroke(color, 1, opacity=0.6)
        return VGroup(box, axes)


def polyline(points: np.ndarray, color: str = FG, width: float = 2.0, opacity: float = 1.0) -> VMobject:
    line = VMobject().set_points_as_corners(points)
    return line.set_stroke(color, width, opacity=opacity)


def hue_colours(values: np.ndarray, palette=(PASS, GOOD, ACCENT, TRANSFORMED)) -> list:
    """One colour per value along ``palette`` (smallest value first): lets the eye follow points."""
    from manim import ManimColor, interpolate_color

    v = np.asarray(values, dtype=float)
    v = (v - v.min()) / max(np.ptp(v), 1e-12) * (len(palette) - 1)
    out = []
    for a in v:
        i = min(int(a), len(palette) - 2)
        out.append(interpolate_color(ManimColor(palette[i]), ManimColor(palette[i + 1]), float(a - i)))
    return out


class ExplainerScene(Scene):
    """A scene that records its steps: ``self.step("split")`` marks where a step begins.

    Steps become slide boundaries (the deck pauses there) and caption cues (the narration
    ``t("<scene>.narration.<step>")`` runs from one step to the next). A step lasts at least as long
    as its narration takes to read (``reading.seconds``, plus ``reading.MARGIN``): when its
    animations are shorter, the scene holds its last frame before the next step (and at the end),
    so the captions keep the picture's pace and stay readable. The record is written to
    ``CONFIG["steps_file"]`` after ``construct``; ``poster_step`` names the step whose end is the
    poster frame (default: the last frame)."""

    scene_key = ""  # the scene's string table: animations/strings/<scene_key>.toml
    poster_step: str | None = None
    label_corner = UP + LEFT  # where step_label() puts the step's label (UP + RIGHT when the title is top left)

    def setup(self):
        self.steps: list[dict] = []

    def hold_for_reading(self) -> None:
        """Wait until the current step's narration can be read (nothing before the first step)."""
        if self.steps:
            step = self.steps[-1]
            needed = reading.seconds(step["narration"], LANG) + reading.MARGIN
            short = step["start"] + needed - float(self.renderer.time)
            if short > 0:
                self.wait(short)

    def step(self, key: str) -> None:
        self.hold_for_reading()
        self.steps.append(
            {
                "key": key,
                "start": round(float(self.renderer.time), 4),
                "label": t(f"{self.scene_key}.steps.{key}"),
                "narration": t(f"{self.scene_key}.narration.{key}"),
            }
        )

    def title(self, *, scale: float = 1.0) -> Text:
        heading = Text(t(f"{self.scene_key}.title"), font_size=34 * scale, weight="BOLD")
        heading.to_edge(UP, buff=0.3)
        self.add(heading)
        return heading

    def step_label(self, key: str, previous: Text | None = None) -> Text:
        """The current step's short label in the ``label_corner`` (replaces ``previous``): at the
        top, where a player's controls (drawn over the bottom of the video) never hide it."""
        label = Text(t(f"{self.scene_key}.steps.{key}"), font_size=22, color=MUTED)
        label.to_corner(self.label_corner, buff=0.2)
        if previous is not None:
            self.remove(previous)
        self.add(label)
        return label

    def tear_down(self):
        self.hold_for_reading()
        steps_file = CONFIG.get("steps_file")
        if steps_file:
            record = {
                "scene": self.scene_key,
                "lang": LANG,
                "duration": round(float(self.renderer.time), 4),
                "steps": self.steps,
                "poster_step": self.poster_step,
            }
            Path(steps_file).write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


__all__ = [
    "ACCENT",
    "BG",
    "CONFIG",
    "DATA",
    "FG",
    "FONT",
    "GOOD",
    "GRID",
    "LANG",
    "MUTED",
    "NOISE",
    "PASS",
    "Panel",
    "TEX",
    "TRANSFORMED",
    "ExplainerScene",
    "cjk_font",
    "export",
    "fmt",
    "hue_colours",
    "polyline",
    "t",
    "UL",
    "LEFT",
    "RIGHT",
]
