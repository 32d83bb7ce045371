r"""Dequantization and the logit transform on the digits' pixels (scikit-learn's 8×8 digits,
grey levels :math:`k \in \{0, \dots, 16\}`).

- Uniform dequantization: :math:`x = (k + u) / 17`, :math:`u \sim U[0, 1)`, turns 17 spikes into a
  density on :math:`[0, 1)` (a continuous model's likelihood of :math:`x` lower-bounds the
  discrete model's: :math:`\log P(k) \ge \mathbb{E}_u \log p(x) - \log 17` per pixel).
- Logit: :math:`y = \mathrm{logit}(p)`, :math:`p = \alpha + (1 - 2\alpha)\,x`, maps
  :math:`[0, 1)` to the real line with
  :math:`\log \tfrac{dy}{dx} = \log(1 - 2\alpha) - \log p - \log(1 - p)` per pixel, which the
  flow adds to its log-likelihood.

Both are the library's transforms, :class:`explainer.transforms.dequantize.Dequantize` and
:class:`explainer.transforms.dequantize.Logit`, applied to every training image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.ticker import NullFormatter, ScalarFormatter

from explainer import datasets
from explainer.transforms.dequantize import Dequantize, Logit
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "dequantization"
LEVELS, ALPHA, SEED = 17, 0.05, 0


def dequantize(k: torch.Tensor, seed: int = SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """:math:`x = (k + u) / 17`, :math:`u \\sim U[0, 1)` (seeded) for images ``k`` of shape
    ``(n, 1, 8, 8)``, by :class:`Dequantize`; returns ``(x, logabsdet)`` in float64.

    >>> x, logabsdet = dequantize(torch.tensor([[[[0, 16]]]]))
    >>> bool(x[0, 0, 0, 0] < 1 / 17 <= 16 / 17 <= x[0, 0, 0, 1] < 1), round(logabsdet.item(), 4)  # -2 log 17
    (True, -5.6664)
    """
    k = k.double()
    g = torch.Generator().manual_seed(seed)
    u = torch.rand(k.shape, generator=g, dtype=torch.float64)
    return Dequantize(tuple(k.shape[1:]), levels=LEVELS)(k, u=u)


def logit(x: torch.Tensor, alpha: float = ALPHA) -> tuple[torch.Tensor, torch.Tensor]:
    r""":math:`y = \mathrm{logit}(\alpha + (1 - 2\alpha) x)` by :class:`Logit`, and the
    *elementwise* :math:`\log\frac{dy}{dx} = \log(1 - 2\alpha) - \log p - \log(1 - p)`, whose
    sum over an image is the transform's log-det.

    >>> x = torch.tensor([[[[0.1, 0.5, 0.93]]]], dtype=torch.float64)
    >>> y, log_dydx = logit(x)
    >>> autograd = torch.autograd.functional.jacobian(lambda v: logit(v)[0], x).reshape(3, 3).diagonal().log()
    >>> torch.allclose(log_dydx.flatten(), autograd), torch.allclose(log_dydx.sum(), Logit((1, 1, 3))(x)[1])
    (True, True)
    """
    y, _ = Logit(tuple(x.shape[1:]), alpha=alpha)(x)
    p = alpha + (1 - 2 * alpha) * x
    return y, math.log(1 - 2 * alpha) - torch.log(p) - torch.log1p(-p)


@dataclass
class Dequantization:
    levels: np.ndarray  # (n_pixels,) grey levels of all training pixels
    x: np.ndarray  # dequantized
    y: np.ndarray  # logit space
    log_dydx: np.ndarray  # per pixel
    per_image_logdet: np.ndarray  # sum over the 64 pixels of each image
    image: tuple  # one digit: (k, x, y) each (8, 8)


def compute(n_images: int | None = None) -> Dequantization:
    train, _ = datasets.digits()
    train = train[:n_images] if n_images else train
    k = train.long()
    x, _ = dequantize(k)
    y, log_dydx = logit(x)
    per_image = Logit(tuple(x.shape[1:]), alpha=ALPHA)(x)[1]  # the transform's own log-det
    return Dequantization(
        k.reshape(-1).numpy(),
        x.reshape(-1).numpy(),
        y.reshape(-1).numpy(),
        log_dydx.reshape(-1).numpy(),
        per_image.numpy(),
        (k[0, 0].numpy(), x[0, 0].numpy(), y[0, 0].numpy()),
    )


def make(lang: str, out_dir: str | Path, data: Dequantization) -> Path:
    r"""Draw the three representations and the log-det; return the PNG path.

    Example (17 levels; every dequantized value stays in its level's cell; the log-det is the formula's):
        >>> import tempfile
        >>> d = compute(n_images=50)
        >>> sorted(set(d.levels.tolist())) == list(range(17))
        True
        >>> bool(((d.x * 17).astype(int) == d.levels).all())
        True
        >>> p = ALPHA + (1 - 2 * ALPHA) * d.x
        >>> bool(np.allclose(d.log_dydx, np.log(1 - 2 * ALPHA) - np.log(p) - np.log(1 - p)))
        True
        >>> bool(np.allclose(d.per_image_logdet.sum(), d.log_dydx.sum()))
        True
        >>> make("en", tempfile.mkdtemp(), d).name
        'dequantization.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Dequantization, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    d = data
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:  # the same eight panels: the histograms one above the other, then the images two by two
        fig = plt.figure(figsize=(style.NARROW_WIDTH, 14.0), layout="constrained")
        grid = fig.add_gridspec(6, 2, height_ratios=[1] * 4 + [1.15] * 2)
        axes = np.array(
            [
                [fig.add_subplot(grid[r, :]) for r in range(4)],
                [fig.add_subplot(grid[4 + i // 2, i % 2]) for i in range(4)],
            ]
        )
    else:
        fig, axes = plt.subplots(
            2, 4, figsize=(15, 7.2), layout="constrained", gridspec_kw={"height_ratios": [1.15, 1]}
        )
    counts = np.bincount(d.levels, minlength=LEVELS)
    ax = axes[0, 0]
    ax.bar(np.arange(LEVELS), counts, width=0.35, color=style.COLORS["data"])
    ax.set_yscale("log")
    ax.set_xticks(range(0, LEVELS, 4))
    ax.set_xlabel(T("pixel"))
    ax.set_ylabel(T("count"))
    ax.set_title(T("discrete"), fontsize=10.5)

    ax = axes[0, 1]
    ax.hist(d.x, bins=np.linspace(0, 1, 17 * 8 + 1), density=True, color=style.COLORS["transformed"])
    for k in range(LEVELS + 1):
        ax.axvline(k / LEVELS, color="white", linewidth=0.4)
    ax.set_yscale("log")
    ax.set_xlabel(T("x"))
    ax.set_ylabel(T("density"))
    ax.set_title(T("dequantized"), fontsize=10.5)

    ax = axes[0, 2]
    ax.hist(d.y, bins=120, density=True, color=style.COLORS["latent"])
    ax.set_yscale("log")
    ax.set_xlabel(T("y"))
    ax.set_ylabel(T("density"))
    ax.set_title(T("logit"), fontsize=10.5)

    ax = axes[0, 3]
    grid = torch.linspace(0, 1, 400, dtype=torch.float64)
    y_grid, ld_grid = logit(grid.reshape(1, 1, 1, -1))
    ld_grid = ld_grid.flatten()
    ax.plot(grid.numpy(), ld_grid.numpy(), color="black", linewidth=2)
    ax.axhline(0, color="#bbbbbb", linewidth=0.8)
    ax.set_xlabel(T("x"))
    ax.set_ylabel("$\\log\\,dy/dx$")
    ax.set_title(T("logdet") + "\n" + T("logdet_formula"), fontsize=10.5)
    ax.text(0.5, 0.55, T("alpha").format(alpha=ALPHA), transform=ax.transAxes, ha="center", va="top", fontsize=10)
    for ax in axes[0, :3]:
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())

    for ax, image, cmap, key in zip(
        axes[1, :3], d.image, ("Greys", "Greys", "RdBu_r"), ("image_k", "image_x", "image_y")
    ):
        shown = ax.imshow(image, cmap=cmap, **({"vmin": -3, "vmax": 3} if key == "logit" else {}))
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(shown, ax=ax, shrink=0.85)
        ax.set_title(style.fit(T(key), narrow, 14), fontsize=10)
    ax = axes[1, 3]
    ax.hist(d.per_image_logdet, bins=40, color="#7f7f7f")
    ax.set_xlabel(T("per_image"))
    ax.set_ylabel(T("images"))
    ax.set_title(style.fit(T("per_image_title").format(mean=d.per_image_logdet.mean()), narrow, 18), fontsize=10)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
