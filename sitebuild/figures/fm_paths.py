r"""Probability paths of flow matching: one conditional path and the marginal path.

Top row: the conditional path :math:`p_t(x \mid x_1) = \mathcal{N}(t\,x_1, (1 - t)^2 I)` of the
linear (conditional-OT) path for one data point :math:`x_1`: noise samples
:math:`x_t = (1 - t)\,x_0 + t\,x_1` and the 1σ and 2σ circles. Bottom row: the marginal path
:math:`p_t(x) = \int p_t(x \mid x_1)\,p_\mathrm{data}(x_1)\,dx_1`, drawn by pairing every noise sample with a
data sample (moons) and moving both along the same straight lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import datasets
from explainer.matching import CondOTPath
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "fm_paths"
TIMES = (0.0, 0.25, 0.5, 0.75, 1.0)
ANCHOR = (1.8, 0.6)  # the one data point x_1 of the conditional path


@dataclass
class Paths:
    times: tuple[float, ...]
    anchor: np.ndarray  # x_1 of the conditional path
    conditional: list[np.ndarray]  # samples of p_t(x | x_1), one array per time
    marginal: list[np.ndarray]  # samples of p_t(x), one array per time
    data: np.ndarray  # the x_1 used for the marginal path
    noise: np.ndarray  # the x_0 shared by both rows


def compute(n: int = 2000, seed: int = 0, data: str = "moons") -> Paths:
    """Samples of both paths at :data:`TIMES`, from one seeded draw of noise."""
    g = torch.Generator().manual_seed(seed)
    x_0 = torch.randn(n, 2, generator=g)
    x_1 = datasets.sample(data, n, seed=seed)
    anchor = torch.tensor(ANCHOR).expand(n, 2)
    path = CondOTPath()
    conditional = [path.sample(x_0, anchor, t).x_t.numpy() for t in TIMES]
    marginal = [path.sample(x_0, x_1, t).x_t.numpy() for t in TIMES]
    return Paths(TIMES, np.array(ANCHOR), conditional, marginal, x_1.numpy(), x_0.numpy())


def make(lang: str, out_dir: str | Path, data: Paths) -> Path:
    r"""Draw both paths; return the PNG path.

    Example (what is drawn: at t = 0 both rows are the noise, at t = 1 the marginal row is the
    data and the conditional row has collapsed onto x_1; the conditional spread is 1 - t):
        >>> import tempfile
        >>> p = compute(n=4000)
        >>> bool(np.allclose(p.marginal[0], p.noise) and np.allclose(p.marginal[-1], p.data))
        True
        >>> bool(np.allclose(p.conditional[-1], p.anchor))
        True
        >>> [round(float(c.std(axis=0).mean()), 1) for c in p.conditional]
        [1.0, 0.8, 0.5, 0.3, 0.0]
        >>> make("zh", tempfile.mkdtemp(), p).name
        'fm_paths.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Paths, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    p = data
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:  # a row per time: conditional left, marginal right
        fig, grid = plt.subplots(
            len(p.times),
            2,
            figsize=(style.NARROW_WIDTH, 1.95 * len(p.times) + 1.0),
            sharex=True,
            sharey=True,
            constrained_layout=True,
        )
        axes = grid.T
    else:
        fig, axes = plt.subplots(
            2, len(p.times), figsize=(3.0 * len(p.times), 6.4), sharex=True, sharey=True, constrained_layout=True
        )
    theta = np.linspace(0, 2 * np.pi, 200)
    for j, t in enumerate(p.times):
        ax = axes[0, j]
        c = p.conditional[j]
        ax.scatter(c[:, 0], c[:, 1], s=2, alpha=0.35, color=style.COLORS["latent"], linewidths=0)
        for k in (1, 2):
            r = k * (1 - t)
            centre = t * p.anchor
            ax.plot(
                centre[0] + r * np.cos(theta),
                centre[1] + r * np.sin(theta),
                color="black",
                linewidth=0.8,
                linestyle="-" if k == 1 else "--",
            )
        ax.plot(*p.anchor, marker="*", color=style.COLORS["model"], markersize=11, zorder=5)
        if narrow:
            ax.set_ylabel(T("time").format(t=t), fontsize=11)
        else:
            ax.set_title(T("time").format(t=t), fontsize=11)
        ax = axes[1, j]
        m = p.marginal[j]
        color = style.COLORS["data"] if t == 1 else style.COLORS["latent"] if t == 0 else "#6a5acd"
        ax.scatter(m[:, 0], m[:, 1], s=2, alpha=0.35, color=color, linewidths=0)
    for ax in axes.flat:
        ax.set_xlim(-4, 4)
        ax.set_ylim(-4, 4)
        ax.set_aspect("equal")
    if narrow:
        axes[0, 0].set_title(T("conditional"), fontsize=11)
        axes[1, 0].set_title(T("marginal"), fontsize=11)
    else:
        axes[0, 0].set_ylabel(T("conditional"), fontsize=11)
        axes[1, 0].set_ylabel(T("marginal"), fontsize=11)
    if narrow:  # the star, explained beneath the last row (an arrow would cross the panel)
        axes[0, -1].set_xlabel("★ " + style.fit(T("anchor"), narrow, 24), fontsize=9, loc="left")
    else:
        axes[0, -1].annotate(
            T("anchor"),
            p.anchor,
            xytext=(p.anchor[0] - 2.5, p.anchor[1] + 2.2),
            fontsize=9,
            arrowprops={"arrowstyle": "->", "color": "#444444"},
        )
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
