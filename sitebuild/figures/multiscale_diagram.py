r"""The multi-scale RealNVP of the images page, drawn from the model itself: the stages and the
tensor shapes are read off :func:`explainer.images.models.realnvp_image` for 8×8 digits
(dequantize and logit, couplings with checkerboard masks, squeeze, couplings with channel masks,
a split that factors half the channels out, the next scale on the kept half, unsqueeze).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from explainer.images.models import realnvp_image
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels
from sitebuild.figures._diagram import Box, arrow, box, canvas

NAME = "multiscale_diagram"


@dataclass
class Stage:
    kind: str  # dequantize, logit, coupling, squeeze, split, scale, unsqueeze
    shape_in: tuple
    shape_out: tuple
    count: int = 1  # consecutive couplings with one kind of mask
    mask: str = ""  # checkerboard or channel (couplings)
    inner: list = field(default_factory=list)  # the stages of the next scale


def _mask_kind(mask) -> str:
    return "checkerboard" if bool((mask[:, :, :-1] != mask[:, :, 1:]).any()) else "channel"


def stages(transforms) -> list[Stage]:
    """The model's layers as stages (consecutive couplings with one kind of mask merged).

    >>> [(s.kind, s.count) for s in stages(realnvp_image().transform.transforms)][:4]
    [('dequantize', 1), ('logit', 1), ('coupling', 3), ('squeeze', 1)]
    """
    out: list[Stage] = []
    for t in transforms:
        kind = type(t).__name__.lower()
        shape_in, shape_out = tuple(t.event_shape), tuple(t.out_shape)
        if kind == "affinecoupling":
            mask = _mask_kind(t.mask)
            if out and out[-1].kind == "coupling" and out[-1].mask == mask:
                out[-1].count += 1
            else:
                out.append(Stage("coupling", shape_in, shape_out, mask=mask))
        elif kind == "multiscale":
            inner = stages(t.inner.transforms)
            out.append(Stage("scale", inner[0].shape_in, inner[-1].shape_out, inner=inner))
        else:
            out.append(Stage(kind, shape_in, shape_out))
    return out


def compute() -> list[Stage]:
    """The stages of the digits model (``realnvp_image()``, two scales).

    >>> s = compute()
    >>> [x.kind for x in s]
    ['dequantize', 'logit', 'coupling', 'squeeze', 'coupling', 'split', 'scale', 'unsqueeze']
    >>> s[3].shape_out, s[6].shape_in, [(x.count, x.mask) for x in s[6].inner]
    ((4, 4, 4), (2, 4, 4), [(4, 'checkerboard')])
    """
    return stages(realnvp_image().transform.transforms)


def _shape(shape: tuple) -> str:
    return " × ".join(map(str, shape))


def _label(T, s: Stage) -> tuple[str, str]:
    """Text and colour of a stage's box."""
    if s.kind == "coupling":
        return T(f"coupling_{s.mask}").format(n=s.count), "transformed"
    if s.kind == "squeeze":
        return T("squeeze").format(a=_shape(s.shape_in), b=_shape(s.shape_out)), "op"
    if s.kind == "split":
        half = (s.shape_in[0] // 2, *s.shape_in[1:])
        return T("split").format(half=_shape(half)), "op"
    return T(s.kind).format(shape=_shape(s.shape_out)), "op"


def _narrow(lang: str, data: list[Stage]) -> plt.Figure:
    """The stages in one column (a phone): each box names its stage and, beneath, the tensor shape
    it outputs; the factored-out latents to the right of the splits."""
    T = labels(lang, NAME)
    style.use(lang)
    fig, ax = plt.subplots(layout="constrained")
    x, w, line = 2.6, 5.0, 0.41  # a line of 9.5 pt text is ~0.41 units at this width

    def stage(text: str, shape: str, kind: str, y: float) -> Box:
        text = style.wrap(text.replace(" × ", "×"), 28) + "\n" + shape  # shapes kept whole
        return box(ax, x, y, w, line * (text.count("\n") + 1) + 0.3, text, kind, 9.5)

    prev = stage(T("input"), _shape(data[0].shape_in), "data", 0.0)
    latents = 0
    for s in data:
        group = s.inner if s.kind == "scale" else [s]
        below = prev.y - prev.h / 2 - 0.5  # where the next box's top goes
        if s.kind == "scale":
            label_y = below - 0.4
            below -= 1.2  # room for the group's label, right of the arrow
        for inner in group:
            text, kind = _label(T, inner)
            h = line * (style.wrap(text.replace(" × ", "×"), 28).count("\n") + 2) + 0.3
            b = stage(text, _shape(inner.shape_out), kind, below - h / 2)
            arrow(ax, prev.bottom(), b.top())
            prev, below = b, b.y - h / 2 - 0.5
            if inner.kind == "split" or (s.kind == "scale" and inner is group[-1]):
                latents += 1
                half = (inner.shape_in[0] // 2, *inner.shape_in[1:]) if inner.kind == "split" else inner.shape_out
                z_text = T("factored") + "\n" + style.wrap(T("z").format(i=latents, shape=_shape(half)), 14)
                z = box(ax, 7.1, b.y, 2.9, line * (z_text.count("\n") + 1) + 0.3, z_text, "latent", 9)
                arrow(ax, b.right(), z.left())
        if s.kind == "scale":
            bottom, top = prev.y - prev.h / 2 - 0.15, label_y + 0.65
            ax.add_patch(FancyBboxPatch((x - w / 2 - 0.15, bottom), w + 0.3, top - bottom,
                                        boxstyle="round,pad=0.02,rounding_size=0.15", fill=False, linestyle="--",
                                        edgecolor="#888"))  # fmt: skip
            ax.text(x + 0.25, label_y, style.fit(T("next_scale"), True, 18), ha="left", va="center", fontsize=9,
                    color="#555")  # fmt: skip
    low = prev.y - prev.h / 2 - 0.3
    ax.set_title(style.fit(T("title"), True), fontsize=12)
    canvas(ax, (-0.1, 8.7), (low, 0.9))
    fig.set_size_inches(style.NARROW_WIDTH, 0.45 * (0.9 - low) + 0.9)
    return fig


def make(lang: str, out_dir: str | Path, data: list[Stage]) -> Path:
    """Draw the diagram; return the PNG path (an SVG is written next to it).

    >>> import tempfile
    >>> make("zh", tempfile.mkdtemp(), compute()).name
    'multiscale_diagram.zh.png'
    """
    return style.save_layouts(lambda narrow: (_narrow if narrow else _wide)(lang, data), out_dir, NAME, lang)


def _wide(lang: str, data: list[Stage]) -> plt.Figure:
    """The stages in a column, the shapes on their left, the latents on their right (a laptop)."""
    T = labels(lang, NAME)
    style.use(lang)
    rows = len(data) + sum(len(s.inner) for s in data) + 1
    fig, ax = plt.subplots(figsize=(9, 1.02 * rows + 0.6), layout="constrained")
    x, w, gap = 4.6, 6.0, 1.15
    y = 0.0
    prev = box(ax, x, y, w, 0.75, T("input"), "data", 11)
    ax.text(x - w / 2 - 0.4, y, _shape(data[0].shape_in), ha="right", va="center", fontsize=9.5, color="#555")
    latents = 0
    for s in data:
        group = s.inner if s.kind == "scale" else [s]
        top = y - gap
        for inner in group:
            y -= gap
            text, kind = _label(T, inner)
            b = box(ax, x, y, w, 0.75, text, kind, 10.5)
            arrow(ax, prev.bottom(), b.top())
            ax.text(x - w / 2 - 0.4, y, _shape(inner.shape_out), ha="right", va="center", fontsize=9.5, color="#555")
            prev = b
            if inner.kind == "split" or (s.kind == "scale" and inner is group[-1]):
                latents += 1
                half = (inner.shape_in[0] // 2, *inner.shape_in[1:]) if inner.kind == "split" else inner.shape_out
                z = box(ax, x + w / 2 + 3.2, y, 3.3, 0.75, T("z").format(i=latents, shape=_shape(half)), "latent", 10.5)
                arrow(ax, b.right(), z.left(), T("factored"), fontsize=9)
        if s.kind == "scale":
            ax.add_patch(FancyBboxPatch((x - w / 2 - 0.25, y - 0.52), w + 0.5, top - y + 1.25,
                                        boxstyle="round,pad=0.02,rounding_size=0.15", fill=False, linestyle="--",
                                        edgecolor="#888"))  # fmt: skip
            ax.text(-2.6, (top + y) / 2, T("next_scale"), ha="left", va="center", fontsize=9, color="#555")
    ax.set_title(T("title"), fontsize=12.5)
    canvas(ax, (-2.7, 13.6), (y - 0.8, 0.6))
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
