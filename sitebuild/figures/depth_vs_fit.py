r"""Depth vs fit: RealNVP with 1, 2, 4 and 8 alternating affine couplings trained on moons with
the same budget (``model:realnvp-moons-depth-{1,2,4}`` and ``model:realnvp-moons``). The test
NLL falls towards the data's entropy :math:`H(p_\mathrm{data})`, the lowest NLL any model can reach
(:math:`\mathbb{E}_{p_\mathrm{data}}[-\log p_\theta]
= H(p_\mathrm{data}) + \mathrm{KL}(p_\mathrm{data} \,\|\, p_\theta)`); the panels show each model's density.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from explainer import checkpoints
from explainer.flow import Flow
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "depth_vs_fit"
DEPTHS = (1, 2, 4, 8)
LIMIT = (3.5, 2.5)  # half-widths of the density window in x_1, x_2


def _models() -> tuple[str, ...]:
    from sitebuild.models.flows2d import depth_model

    return tuple(depth_model(n) for n in DEPTHS)


@dataclass
class DepthFit:
    layers: list
    nll: list
    entropy: float
    densities: list  # per model, (n2, n1) p(x) on the grid
    axes: tuple  # (x1 axis, x2 axis)


def compute(flows: list[Flow], nlls: list[float], entropy: float, n: int = 181) -> DepthFit:
    a1 = torch.linspace(-LIMIT[0], LIMIT[0], n)
    a2 = torch.linspace(-LIMIT[1], LIMIT[1], int(n * LIMIT[1] / LIMIT[0]))
    g2, g1 = torch.meshgrid(a2, a1, indexing="ij")
    grid = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)
    with torch.no_grad():
        densities = [flow.log_prob(grid).exp().reshape(g1.shape).numpy() for flow in flows]
    return DepthFit([len(f.layers) for f in flows], list(nlls), entropy, densities, (a1.numpy(), a2.numpy()))


def make(lang: str, out_dir: str | Path, data: DepthFit) -> Path:
    r"""Draw NLL vs depth and the densities; return the PNG path.

    Example (the plotted densities are densities: they integrate to ~1 over the window):
        >>> import tempfile
        >>> import numpy as np
        >>> from explainer.models import realnvp
        >>> flows = [realnvp(layers=n, hidden=8) for n in (1, 2)]
        >>> d = compute(flows, [3.0, 2.8], entropy=2.5, n=91)   # made-up NLLs: only the drawing is tested
        >>> a1, a2 = d.axes
        >>> [round(float(np.trapezoid(np.trapezoid(p, a1, axis=1), a2)), 2) for p in d.densities]  # N(0, I) here
        [0.99, 0.99]
        >>> d.layers
        [1, 2]
        >>> make("zh", tempfile.mkdtemp(), d).name
        'depth_vs_fit.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: DepthFit, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    d = data
    T = labels(lang, NAME)
    style.use(lang)
    k = len(d.layers)
    if narrow:  # the curve on top, the densities two by two beneath
        fig = plt.figure(figsize=(style.NARROW_WIDTH, 3.2 + 2.0 * ((k + 1) // 2) + 0.8), layout="constrained")
        grid = fig.add_gridspec(1 + (k + 1) // 2, 2, height_ratios=[1.6] + [1] * ((k + 1) // 2))
        ax = fig.add_subplot(grid[0, :])
        cell = lambda i: grid[1 + i // 2, i % 2]  # noqa: E731
    else:
        fig = plt.figure(figsize=(14, 5.4), layout="constrained")
        grid = fig.add_gridspec(2, 1 + (k + 1) // 2, width_ratios=[1.5] + [1] * ((k + 1) // 2))
        ax = fig.add_subplot(grid[:, 0])
        cell = lambda i: grid[i // ((k + 1) // 2), 1 + i % ((k + 1) // 2)]  # noqa: E731
    ax.plot(d.layers, d.nll, "o-", color=style.COLORS["model"], linewidth=2, markersize=7)
    for n, nll in zip(d.layers, d.nll):
        ax.annotate(f"{nll:.3f}", (n, nll), xytext=(7, 6), textcoords="offset points", fontsize=9)
    ax.axhline(d.entropy, color="black", linestyle="--", linewidth=1)
    ax.text(d.layers[0], d.entropy - 0.01, T("entropy").format(h=d.entropy), ha="left", va="top", fontsize=9)
    ax.set_xscale("log", base=2)
    ax.set_xticks(d.layers, [str(n) for n in d.layers])
    ax.minorticks_off()
    ax.set_xlabel(T("xlabel"))
    ax.set_ylabel(T("ylabel"))
    ax.set_ylim(d.entropy - 0.1, max(d.nll) + 0.15)
    a1, a2 = d.axes
    top = max(p.max() for p in d.densities)
    for i, (n, p, nll) in enumerate(zip(d.layers, d.densities, d.nll)):
        panel = fig.add_subplot(cell(i))
        panel.imshow(p, extent=[a1[0], a1[-1], a2[0], a2[-1]], origin="lower", cmap="magma", vmin=0, vmax=top)
        panel.set_title(
            style.fit((T("layer_1") if n == 1 else T("layers")).format(n=n, nll=nll), narrow, 20), fontsize=10
        )
        panel.set_xticks([])
        panel.set_yticks([])
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=_models())
def build(ctx) -> dict[str, list[Path]]:
    ckpts = [checkpoints.read(ctx.dep(m)[0]) for m in _models()]
    data = compute(
        [checkpoints.model_of(c) for c in ckpts], [c["meta"]["nll"] for c in ckpts], ckpts[0]["meta"]["entropy"]
    )
    return draw_all(ctx, make, data)
