r"""The same RealNVP trained without alternation (``model:realnvp-moons-same-mask``: every layer
uses the mask ``[True, False]``), next to the alternating one.

Every layer copies :math:`x_1`, so :math:`z_1 = x_1` exactly: the points only move vertically,
the latent :math:`z_1` keeps the data's (non-Gaussian) marginal, and in the other direction the
model's :math:`x_1 = z_1 \sim \mathcal{N}(0, 1)` whatever the data look like, so the fit fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import norm

from explainer import checkpoints, datasets
from explainer.flow import Flow
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "layers_no_alternation"
MODEL, REFERENCE = "model:realnvp-moons-same-mask", "model:realnvp-moons"


@dataclass
class NoAlternation:
    x: np.ndarray  # (n, 2) data
    z: np.ndarray  # (n, 2) f(x)
    samples: np.ndarray  # (n, 2) model samples
    nll: float | None
    reference_nll: float | None


def compute(
    flow: Flow, nll: float | None = None, reference_nll: float | None = None, n: int = 3000, seed: int = 1
) -> NoAlternation:
    x = datasets.sample("moons", n, seed=seed)
    with torch.no_grad():
        z, _ = flow(x)
        samples = flow.sample(n, seed=seed + 1)
    return NoAlternation(x.numpy(), z.numpy(), samples.numpy(), nll, reference_nll)


def make(lang: str, out_dir: str | Path, data: NoAlternation) -> Path:
    r"""Draw what goes wrong without alternation; return the PNG path.

    Example (with a random same-mask flow, x_1 passes through exactly, both ways):
        >>> import tempfile
        >>> from explainer.models import realnvp
        >>> flow = realnvp(layers=3, hidden=8, alternate=False)
        >>> for p in flow.parameters():
        ...     _ = torch.nn.init.normal_(p, std=0.3)
        >>> d = compute(flow, n=500)
        >>> bool((d.z[:, 0] == d.x[:, 0]).all()), bool((d.z[:, 1] != d.x[:, 1]).all())
        (True, True)
        >>> g = torch.Generator().manual_seed(2)             # flow.sample(seed=2) draws this z
        >>> z = torch.randn(500, 2, generator=g)
        >>> bool(np.array_equal(d.samples[:, 0], z[:, 0].numpy()))   # model's x_1 is its N(0, 1) z_1
        True
        >>> make("en", tempfile.mkdtemp(), d).name
        'layers_no_alternation.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: NoAlternation, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    d = data
    T = labels(lang, NAME)
    style.use(lang)
    shape, size = ((4, 1), (style.NARROW_WIDTH, 14.5)) if narrow else ((1, 4), (15.5, 4.3))
    fig, axes = plt.subplots(*shape, figsize=size, layout="constrained")
    ax_move, ax_z1, ax_samples, ax_x1 = axes
    limit = 3.5

    k = np.arange(0, len(d.x), max(1, len(d.x) // 400))  # a readable subset of moves
    ax_move.plot(
        np.stack([d.x[k, 0], d.z[k, 0]]),
        np.stack([d.x[k, 1], d.z[k, 1]]),
        color="#999999",
        linewidth=0.5,
        alpha=0.6,
        zorder=1,
    )
    ax_move.scatter(
        d.x[k, 0], d.x[k, 1], color=style.COLORS["data"], s=5, linewidths=0, label=T("data"), rasterized=True, zorder=2
    )
    ax_move.scatter(
        d.z[k, 0],
        d.z[k, 1],
        color=style.COLORS["latent"],
        s=5,
        linewidths=0,
        label="$z = f(x)$",
        rasterized=True,
        zorder=2,
    )
    ax_move.set_title(T("x_to_z"), fontsize=10.5)
    ax_move.legend(loc="lower right", fontsize=8.5, markerscale=4, frameon=False)

    grid = np.linspace(-limit, limit, 300)
    bins = np.linspace(-limit, limit, 61)
    ax_z1.hist(d.z[:, 0], bins=bins, density=True, color=style.COLORS["latent"], alpha=0.55, label=T("latent"))
    ax_z1.plot(grid, norm.pdf(grid), color="black", linewidth=1.5, label=T("normal"))
    ax_z1.set_title(T("z1"), fontsize=10.5)
    ax_z1.set_xlabel("$z_1$")
    ax_z1.legend(fontsize=8.5, frameon=False, loc="upper left")

    ax_samples.scatter(d.x[:, 0], d.x[:, 1], color="#cccccc", s=2, linewidths=0, label=T("data"), rasterized=True)
    ax_samples.scatter(
        d.samples[:, 0],
        d.samples[:, 1],
        color=style.COLORS["model"],
        s=2,
        linewidths=0,
        label=T("model"),
        rasterized=True,
    )
    title = T("samples")
    if d.nll is not None and d.reference_nll is not None:
        title += "\n" + T("nll").format(nll=d.nll, ref=d.reference_nll)
    ax_samples.set_title(title, fontsize=10.5)
    ax_samples.legend(loc="lower right", fontsize=8.5, markerscale=4, frameon=False)

    ax_x1.hist(d.x[:, 0], bins=bins, density=True, color=style.COLORS["data"], alpha=0.5, label=T("data"))
    ax_x1.hist(
        d.samples[:, 0],
        bins=bins,
        density=True,
        histtype="step",
        color=style.COLORS["model"],
        linewidth=1.4,
        label=T("model"),
    )
    ax_x1.plot(grid, norm.pdf(grid), color="black", linewidth=1.2, linestyle="--", label=T("normal"))
    ax_x1.set_title(T("x1"), fontsize=10.5)
    ax_x1.set_xlabel("$x_1$")
    ax_x1.legend(fontsize=8.5, frameon=False, loc="upper left")

    for ax in (ax_move, ax_samples):
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
    for ax in (ax_z1, ax_x1):
        ax.set_xlim(-limit, limit)
        ax.set_ylim(0, 0.75)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=12.5)
    return fig


@figure_target(NAME, depends=(MODEL, REFERENCE))
def build(ctx) -> dict[str, list[Path]]:
    flow, meta = checkpoints.load(ctx.dep(MODEL)[0])
    reference = checkpoints.read(ctx.dep(REFERENCE)[0])["meta"]
    return draw_all(ctx, make, compute(flow, meta["nll"], reference["nll"]))
