r"""A trained RealNVP on moons (``model:realnvp-moons``: 8 affine couplings with alternating
masks), layer by layer: :math:`h_0 = x`, :math:`h_l = f_l(h_{l-1})`, :math:`z = h_8`, from
``flow.forward(x, return_intermediates=True)``; the last panel draws samples
:math:`x = f^{-1}(z),\ z \sim \mathcal{N}(0, I)`. Each layer moves one coordinate only (the
other is its pass-through part), and the next layer moves the other one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints, datasets
from explainer.flow import Flow
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "layers_alternating"
MODEL = "model:realnvp-moons"


@dataclass
class Layers:
    steps: list  # [h_0 = x, h_1, ..., h_L = z], each (n, 2)
    moved: list  # per layer: index (0 or 1) of the coordinate it transforms
    samples: np.ndarray  # (n, 2) model samples
    color: np.ndarray  # (n,) colour value per point (its data x_1)
    nll: float | None
    entropy: float | None


def compute(flow: Flow, nll: float | None = None, entropy: float | None = None, n: int = 2000, seed: int = 1) -> Layers:
    """Push ``n`` moons points through ``flow`` and keep every layer's output."""
    x = datasets.sample("moons", n, seed=seed)
    with torch.no_grad():
        _, _, steps = flow.forward(x, return_intermediates=True)
        samples = flow.sample(n, seed=seed + 1)
    moved = [int(layer.index_B[0]) for layer in flow.layers]
    return Layers([s.numpy() for s in steps], moved, samples.numpy(), x[:, 0].numpy(), nll, entropy)


def draw_layers(lang: str, name: str, layers: Layers, title: str, narrow: bool = False):
    """The grid of panels: data, every layer, samples (five columns wide, two narrow)."""
    ncols = 2 if narrow else 5
    T = labels(lang, "layers_alternating")
    n_panels = len(layers.steps) + 1
    nrows = -(-n_panels // ncols)
    size = (style.NARROW_WIDTH, 2.05 * nrows + 1.0) if narrow else (2.75 * ncols, 2.85 * nrows + 0.6)
    fig, axes = plt.subplots(nrows, ncols, figsize=size, layout="constrained")
    axes = np.atleast_1d(axes).ravel()
    everything = np.concatenate([*layers.steps, layers.samples])
    limit = float(np.ceil(np.percentile(np.abs(everything), 99.95) * 2) / 2)
    theta = np.linspace(0, 2 * np.pi, 200)
    for k, ax in enumerate(axes):
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=8 if narrow else 7)
        if k >= n_panels:
            ax.axis("off")
            continue
        if k < len(layers.steps):
            h = layers.steps[k]
            ax.scatter(h[:, 0], h[:, 1], c=layers.color, cmap="Spectral", s=2.5, linewidths=0, rasterized=True)
            if k == 0:
                ax.set_title(T("input"), fontsize=10)
            else:
                axis = T(f"axis_{layers.moved[k - 1] + 1}")
                key = "latent" if k == len(layers.steps) - 1 else "layer"
                ax.set_title(T(key).format(l=k, axis=axis), fontsize=10)
                if k == len(layers.steps) - 1:
                    for r in (1, 2, 3):
                        ax.plot(r * np.cos(theta), r * np.sin(theta), color="black", linewidth=0.6, alpha=0.5)
                # an arrow on the side shows the direction this layer moves points
                if layers.moved[k - 1] == 1:
                    ax.annotate(
                        "",
                        (0.93, 0.92),
                        (0.93, 0.62),
                        xycoords="axes fraction",
                        arrowprops={"arrowstyle": "<->", "color": "#444444"},
                    )
                else:
                    ax.annotate(
                        "",
                        (0.92, 0.93),
                        (0.62, 0.93),
                        xycoords="axes fraction",
                        arrowprops={"arrowstyle": "<->", "color": "#444444"},
                    )
        else:
            x = layers.steps[0]
            ax.scatter(x[:, 0], x[:, 1], color="#cccccc", s=2.5, linewidths=0, rasterized=True)
            ax.scatter(
                layers.samples[:, 0],
                layers.samples[:, 1],
                color=style.COLORS["model"],
                s=2.5,
                linewidths=0,
                alpha=0.5,
                rasterized=True,
            )
            ax.set_title(T("samples"), fontsize=10)
    fig.suptitle(style.fit(title, narrow), fontsize=12.5)
    return fig


def make(lang: str, out_dir: str | Path, data: Layers) -> Path:
    r"""Draw the layers of the trained flow; return the PNG path.

    Example (on a small random flow: each layer moves only its transformed coordinate):
        >>> import tempfile
        >>> from explainer.models import realnvp
        >>> flow = realnvp(layers=4, hidden=8)
        >>> for p in flow.parameters():
        ...     _ = torch.nn.init.normal_(p, std=0.3)          # not the identity
        >>> d = compute(flow, n=300)
        >>> len(d.steps), d.moved                           # h_0..h_4; layers alternate 2nd, 1st, ...
        (5, [1, 0, 1, 0])
        >>> all((d.steps[l + 1][:, 1 - d.moved[l]] == d.steps[l][:, 1 - d.moved[l]]).all() for l in range(4))
        True
        >>> all((d.steps[l + 1][:, d.moved[l]] != d.steps[l][:, d.moved[l]]).any() for l in range(4))
        True
        >>> bool(np.allclose(d.steps[-1], flow(torch.tensor(d.steps[0]))[0].detach().numpy()))
        True
        >>> make("en", tempfile.mkdtemp(), d).name
        'layers_alternating.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Layers, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    title = T("title")
    if data.nll is not None and data.entropy is not None:
        title += "\n" + T("nll").format(nll=data.nll, h=data.entropy)
    fig = draw_layers(lang, NAME, data, title, narrow)
    return fig


@figure_target(NAME, depends=(MODEL,))
def build(ctx) -> dict[str, list[Path]]:
    flow, meta = checkpoints.load(ctx.dep(MODEL)[0])
    return draw_all(ctx, make, compute(flow, meta["nll"], meta["entropy"]))
