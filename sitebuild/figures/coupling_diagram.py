r"""The block diagram of an affine coupling layer: the forward map (split by the mask, the
conditioner reads :math:`x_A`, outputs :math:`(s, t)`, :math:`x_B` is scaled and shifted, the parts
merge) and, beneath it, the inverse, which evaluates the same conditioner on :math:`z_A = x_A`.

The split shown is what :func:`explainer.transforms.masks.alternating_mask` gives for
:math:`d = 4`, and the formulas are those of :class:`explainer.transforms.AffineCoupling`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from explainer.transforms.masks import alternating_mask
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels
from sitebuild.figures._diagram import arrow, box, canvas

NAME = "coupling_diagram"


@dataclass
class Split:
    a: list[int]  # 1-based indices of the pass-through part x_A
    b: list[int]  # and of the transformed part x_B


def compute(d: int = 4) -> Split:
    """The split of ``alternating_mask(d)``.

    >>> compute(4)
    Split(a=[1, 3], b=[2, 4])
    """
    mask = alternating_mask(d)
    return Split([i + 1 for i in range(d) if mask[i]], [i + 1 for i in range(d) if not mask[i]])


def _part(name: str, indices: list[int]) -> str:
    return f"${name} = (" + ", ".join(f"x_{i}" for i in indices) + ")$"


def _panel(ax, T, split: Split, inverse: bool) -> None:
    i, o = ("z", "x") if inverse else ("x", "z")
    start = box(ax, 0.7, 1.5, 1.0, 0.8, f"${i}$", "latent" if inverse else "data", 14)
    cut = box(ax, 2.5, 1.5, 1.7, 0.9, T("split"), "op", 10)
    arrow(ax, start.right(), cut.left())
    src_a = box(ax, 4.8, 2.8, 2.1, 0.8, f"${i}_A$" if inverse else _part("x_A", split.a), "pass")
    src_b = box(ax, 4.8, 0.2, 2.1, 0.8, f"${i}_B$" if inverse else _part("x_B", split.b), "transformed")
    arrow(ax, cut.top(0.2), src_a.left(), rad=-0.25)
    arrow(ax, cut.bottom(0.2), src_b.left(), rad=0.25)
    net = box(ax, 7.5, 1.5, 2.7, 1.0, T("conditioner_inverse" if inverse else "conditioner"), "net", 10)
    arrow(ax, src_a.bottom(0.5), net.top(-0.6), f"${i}_A$", side="left", rad=0.2)
    tau_text = r"$x_B = (z_B - t) \odot e^{-s}$" if inverse else r"$z_B = x_B \odot e^{s} + t$"
    tau = box(ax, 10.3, 0.2, 2.9, 0.9, tau_text, "transformed", 12)
    arrow(ax, src_b.right(), tau.left())
    arrow(ax, net.bottom(0.6), tau.top(-0.6), "$(s,\\ t)$", side="right", rad=0.2)
    dst_a = box(ax, 10.3, 2.8, 2.1, 0.8, f"${o}_A = {i}_A$", "pass", 12)
    arrow(ax, src_a.right(), dst_a.left(), T("copied"))
    merge = box(ax, 12.8, 1.5, 1.3, 0.9, T("merge"), "op", 10)
    arrow(ax, dst_a.right(), merge.top(-0.2), rad=-0.25)
    arrow(ax, tau.right(), merge.bottom(-0.2), rad=0.25)
    end = box(ax, 14.5, 1.5, 1.0, 0.8, f"${o}$", "data" if inverse else "latent", 14)
    arrow(ax, merge.right(), end.left())
    logdet = r"$\log\,|\det\, J_{f^{-1}}| = -\sum_i s_i$" if inverse else r"$\log\,|\det\, J_f| = \sum_i s_i$"
    ax.text(10.3, -0.55, logdet, ha="center", va="top", fontsize=11)
    ax.set_title(T("inverse" if inverse else "forward"), fontsize=12, loc="left")
    canvas(ax, (0.0, 15.2), (-1.2, 3.4))


def _panel_narrow(ax, T, split: Split, inverse: bool) -> None:
    """The same boxes and arrows top to bottom (a phone): x_A on the left, x_B on the right."""
    i, o = ("z", "x") if inverse else ("x", "z")
    start = box(ax, 4.0, 0.0, 1.0, 0.7, f"${i}$", "latent" if inverse else "data", 13)
    cut = box(ax, 4.0, -1.35, 2.2, 0.95, T("split"), "op", 9.5)
    arrow(ax, start.bottom(), cut.top())
    src_a = box(ax, 1.6, -2.9, 2.9, 0.75, f"${i}_A$" if inverse else _part("x_A", split.a), "pass", 10)
    src_b = box(ax, 6.5, -2.9, 2.9, 0.75, f"${i}_B$" if inverse else _part("x_B", split.b), "transformed", 10)
    arrow(ax, cut.left(), src_a.top(0.4), rad=0.25)
    arrow(ax, cut.right(), src_b.top(-0.4), rad=-0.25)
    net = box(ax, 4.7, -4.5, 3.7, 1.0, T("conditioner_inverse" if inverse else "conditioner"), "net", 9)
    arrow(ax, src_a.bottom(0.9), net.top(-0.6), f"${i}_A$", side="right", rad=0.2)
    tau_text = r"$x_B = (z_B - t) \odot e^{-s}$" if inverse else r"$z_B = x_B \odot e^{s} + t$"
    tau = box(ax, 6.2, -6.0, 3.4, 0.85, tau_text, "transformed", 10)
    arrow(ax, src_b.bottom(0.9), tau.top(0.9))
    arrow(ax, net.bottom(0.6), tau.top(-0.9), "$(s,\\ t)$", side="left", rad=0.2)
    dst_a = box(ax, 1.5, -6.0, 2.2, 0.75, f"${o}_A = {i}_A$", "pass", 10)
    arrow(ax, src_a.bottom(-0.8), dst_a.top(-0.5), style.wrap(T("copied"), 8), side="right", fontsize=9)
    merge = box(ax, 4.0, -7.6, 1.5, 0.8, T("merge"), "op", 9.5)
    arrow(ax, dst_a.bottom(), merge.left(), rad=0.25)
    arrow(ax, tau.bottom(), merge.right(), rad=-0.25)
    end = box(ax, 4.0, -8.9, 1.0, 0.7, f"${o}$", "data" if inverse else "latent", 13)
    arrow(ax, merge.bottom(), end.top())
    logdet = r"$\log\,|\det\, J_{f^{-1}}| = -\sum_i s_i$" if inverse else r"$\log\,|\det\, J_f| = \sum_i s_i$"
    ax.text(6.2, -6.55, logdet, ha="center", va="top", fontsize=9)
    ax.set_title(T("inverse" if inverse else "forward"), fontsize=11, loc="left")
    canvas(ax, (-0.1, 8.1), (-9.4, 0.5))


def make(lang: str, out_dir: str | Path, data: Split) -> Path:
    """Draw the diagram; return the PNG path (an SVG is written next to it).

    >>> import tempfile
    >>> make("zh", tempfile.mkdtemp(), compute()).name
    'coupling_diagram.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Split, narrow: bool) -> plt.Figure:
    """The diagram: the forward map above the inverse, each left to right (wide) or top to bottom (narrow)."""
    T = labels(lang, NAME)
    style.use(lang)
    fig, axes = plt.subplots(2, 1, figsize=(style.NARROW_WIDTH, 9.6) if narrow else (12, 7.2), layout="constrained")
    panel = _panel_narrow if narrow else _panel
    panel(axes[0], T, data, inverse=False)
    panel(axes[1], T, data, inverse=True)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
