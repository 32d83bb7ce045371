r"""Couplings of a batch: independent pairs cross, minibatch-OT pairs do not (or barely).

The same 64 noise points :math:`x_0` and 64 data points :math:`x_1` (8gaussians), joined by the
straight conditional paths :math:`x_t = (1 - t)x_0 + t x_1`: left as drawn (independent coupling),
right re-paired by the exact assignment of :func:`explainer.matching.couplings.minibatch_ot`. The
titles count the pairs of segments that intersect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import datasets
from explainer.matching.couplings import minibatch_ot
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "fm_couplings"
N, SEED, DATA = 64, 3, "8gaussians"


def crossings(x_0: np.ndarray, x_1: np.ndarray) -> int:
    """How many pairs of segments ``x_0[i] -> x_1[i]`` intersect (proper crossings).

    >>> crossings(np.array([[0.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 0.0]]))   # an X
    1
    >>> crossings(np.array([[0.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0], [1.0, 1.0]]))   # parallel
    0
    """

    def side(a, b, c):
        return np.sign(
            (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])
        )

    A, B, C, D = x_0[:, None], x_1[:, None], x_0[None], x_1[None]
    hit = (side(A, B, C) * side(A, B, D) < 0) & (side(C, D, A) * side(C, D, B) < 0)
    return int(np.triu(hit, 1).sum())


@dataclass
class Pairs:
    x_0: np.ndarray
    independent: np.ndarray  # x_1 as drawn
    ot: np.ndarray  # x_1 re-paired by minibatch OT
    crossings: dict[str, int]
    cost: dict[str, float]  # mean squared length of the segments


def compute(n: int = N, seed: int = SEED) -> Pairs:
    """One seeded batch, both couplings, their crossings and mean squared lengths."""
    x_0 = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x_1 = datasets.sample(DATA, n, seed=seed).double()
    _, x_1_ot = minibatch_ot(x_0, x_1)
    pairs = {"independent": x_1.numpy(), "ot": x_1_ot.numpy()}
    return Pairs(
        x_0.numpy(),
        pairs["independent"],
        pairs["ot"],
        {k: crossings(x_0.numpy(), v) for k, v in pairs.items()},
        {k: float(((v - x_0.numpy()) ** 2).sum(1).mean()) for k, v in pairs.items()},
    )


def make(lang: str, out_dir: str | Path, data: Pairs) -> Path:
    """Draw both couplings; return the PNG path.

    >>> import tempfile
    >>> p = compute()
    >>> p.crossings["ot"] < p.crossings["independent"] / 4, p.cost["ot"] < p.cost["independent"]
    (True, True)
    >>> make("zh", tempfile.mkdtemp(), p).name
    'fm_couplings.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Pairs, narrow: bool) -> plt.Figure:
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:
        fig, axes = plt.subplots(2, 1, figsize=(style.NARROW_WIDTH, 8.4), constrained_layout=True)
    else:
        fig, axes = plt.subplots(1, 2, figsize=(10.5, 5.4), constrained_layout=True)
    for ax, kind in zip(axes, ("independent", "ot")):
        x_1 = getattr(data, kind)
        for a, b in zip(data.x_0, x_1):
            ax.plot([a[0], b[0]], [a[1], b[1]], color="#888888", linewidth=0.7, alpha=0.8, zorder=1)
        ax.scatter(data.x_0[:, 0], data.x_0[:, 1], s=14, color=style.COLORS["latent"], zorder=2, label=T("noise"))
        ax.scatter(x_1[:, 0], x_1[:, 1], s=14, color=style.COLORS["data"], zorder=2, label=T("data"))
        counts = T("counts").format(crossings=data.crossings[kind], cost=data.cost[kind])
        ax.set_title(style.fit(T(kind), narrow, 40) + "\n" + style.fit(counts, narrow, 40), fontsize=11)
        ax.set_aspect("equal")
        ax.set_xlim(-5, 5)
        ax.set_ylim(-5, 5)
    axes[0].legend(loc="lower left", fontsize=9, framealpha=0.9)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, params={"n": N, "seed": SEED, "data": DATA})
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
