r"""Coupling masks, drawn from the mask functions themselves
(:mod:`explainer.transforms.masks`): alternating and channel masks of a vector, checkerboard and
channel masks of an image, and the squeeze that turns a :math:`1 \times 4 \times 4` image into
:math:`4 \times 2 \times 2` so that a channel mask can split neighbouring pixels.

``True`` (blue) is the pass-through part :math:`x_A`, ``False`` (orange) the transformed part
:math:`x_B`; the second layer uses ``flip=True`` so every entry gets transformed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

from explainer.transforms.masks import alternating_mask, channel_mask, checkerboard_mask
from explainer.transforms.squeeze import Squeeze
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "masks"
SQUEEZE_COLORS = ("#8172b3", "#55a868", "#c44e52", "#ccb974")


def squeeze(x: torch.Tensor) -> torch.Tensor:
    r"""Space-to-depth with :class:`explainer.transforms.squeeze.Squeeze`:
    ``(batch, C, H, W) -> (batch, 4C, H/2, W/2)``, every 2×2 block of pixels becoming 4 channels.

    >>> squeeze(torch.arange(16.0).reshape(1, 1, 4, 4))[0, :, 0, 0].tolist()   # the first 2x2 block
    [0.0, 1.0, 4.0, 5.0]
    """
    z, logabsdet = Squeeze(tuple(x.shape[1:]))(x)
    assert (logabsdet == 0).all()  # a permutation of the entries
    return z


@dataclass
class Masks:
    vectors: dict  # label key -> bool (6,)
    checkerboard: tuple  # (mask, flipped), each bool (6, 6)
    channel_image: np.ndarray  # bool (4, 4, 4)
    squeeze_in: np.ndarray  # (4, 4) pixel numbers 1..16
    squeeze_out: np.ndarray  # (4, 2, 2) the same numbers after squeeze


def compute() -> Masks:
    vectors = {
        "alternating": alternating_mask(6),
        "alternating_flip": alternating_mask(6, flip=True),
        "channel": channel_mask(6),
        "channel_flip": channel_mask(6, flip=True),
    }
    image = torch.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    return Masks(
        {k: v.numpy() for k, v in vectors.items()},
        (checkerboard_mask((1, 6, 6))[0].numpy(), checkerboard_mask((1, 6, 6), flip=True)[0].numpy()),
        channel_mask((4, 4, 4)).numpy(),
        image[0, 0].numpy().astype(int),
        squeeze(image)[0].numpy().astype(int),
    )


def _cells(ax, mask: np.ndarray, x0: float, y0: float, size: float = 1.0, numbers=None, colors=None) -> None:
    """Draw a 2D array of cells with its top-left corner at (x0, y0) (y grows downwards)."""
    for (i, j), value in np.ndenumerate(mask):
        color = colors[i, j] if colors is not None else (style.COLORS["pass"] if value else style.COLORS["transformed"])
        ax.add_patch(
            Rectangle((x0 + j * size, y0 + i * size), size, size, facecolor=color, edgecolor="white", linewidth=1.5)
        )
        if numbers is not None:
            ax.text(
                x0 + (j + 0.5) * size,
                y0 + (i + 0.5) * size,
                str(numbers[i, j]),
                ha="center",
                va="center",
                color="white",
                fontsize=9,
                weight="bold",
            )


def _frame(ax, width: float, height: float) -> None:
    ax.set_xlim(-0.2, width + 0.2)
    ax.set_ylim(height + 0.2, -0.2)
    ax.set_aspect("equal")
    ax.axis("off")


def make(lang: str, out_dir: str | Path, data: Masks) -> Path:
    r"""Draw the masks; return the PNG path.

    Example (what is drawn is what the mask functions return, and squeeze only moves pixels):
        >>> import tempfile
        >>> m = compute()
        >>> m.vectors["alternating"].astype(int).tolist(), m.vectors["channel"].astype(int).tolist()
        ([1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0])
        >>> bool((m.checkerboard[0] ^ m.checkerboard[1]).all())     # flip is the complement
        True
        >>> sorted(m.squeeze_out.ravel().tolist()) == list(range(1, 17)), m.squeeze_out.shape
        (True, (4, 2, 2))
        >>> png = make("zh", tempfile.mkdtemp(), m)
        >>> png.name, png.with_suffix(".svg").exists()
        ('masks.zh.png', True)
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Masks, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    m = data
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:  # the vectors, the two checkerboards, the channels, the squeeze: one above the other
        fig = plt.figure(figsize=(style.NARROW_WIDTH, 10.5), layout="constrained")
        grid = fig.add_gridspec(4, 2, height_ratios=[1, 1.1, 0.8, 1.1])
        cells = {
            "vectors": grid[0, :],
            "boards": (grid[1, 0], grid[1, 1]),
            "channels": grid[2, :],
            "squeeze": grid[3, :],
        }
    else:
        fig = plt.figure(figsize=(13, 8.2), layout="constrained")
        grid = fig.add_gridspec(2, 4, height_ratios=[1, 1.05])
        cells = {
            "vectors": grid[0, :2],
            "boards": (grid[0, 2], grid[0, 3]),
            "channels": grid[1, :2],
            "squeeze": grid[1, 2:],
        }

    ax = fig.add_subplot(cells["vectors"])
    for row, key in enumerate(m.vectors):
        y = row * 1.6
        ax.text(-0.3, y + 0.5, T(key), ha="right", va="center", fontsize=9.5, family="monospace")
        _cells(ax, m.vectors[key][None], 0, y)
        for j in range(6):
            ax.text(j + 0.5, y + 0.5, f"$x_{j + 1}$", ha="center", va="center", color="white", fontsize=10)
    ax.set_xlim(-6.3, 6.2)
    ax.set_ylim(4 * 1.6, -0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(T("vectors"), fontsize=11)

    for k, board in enumerate(m.checkerboard):
        ax = fig.add_subplot(cells["boards"][k])
        _cells(ax, board, 0, 0)
        _frame(ax, 6, 6)
        ax.set_title(
            (T("checkerboard") if k == 0 else T("checkerboard_flip")) + "\n" + T("layer").format(l=k + 1), fontsize=9.5
        )

    ax = fig.add_subplot(cells["channels"])
    offset = 1.2
    for c in reversed(range(m.channel_image.shape[0])):
        _cells(ax, m.channel_image[c], c * 5.0, 0.0)
        ax.text(c * 5.0 + 2, 4.5, T("channel_c").format(c=c + 1), ha="center", va="top", fontsize=9)
    _frame(ax, 4 * 5.0 - 1, 4 + offset)
    ax.set_title(T("channel_image"), fontsize=10)

    ax = fig.add_subplot(cells["squeeze"])
    channel_of = np.zeros((4, 4), dtype=int)
    for c in range(m.squeeze_out.shape[0]):
        for value in m.squeeze_out[c].ravel():
            channel_of[m.squeeze_in == value] = c
    colors = np.array(SQUEEZE_COLORS, dtype=object)
    _cells(ax, m.squeeze_in, 0, 0.5, numbers=m.squeeze_in, colors=colors[channel_of])
    ax.text(2, 4.9, T("squeeze_in"), ha="center", va="top", fontsize=9.5)
    ax.add_patch(FancyArrowPatch((4.4, 2.5), (6.2, 2.5), arrowstyle="-|>", mutation_scale=22, color="#444444"))
    for c in range(m.squeeze_out.shape[0]):
        x0, y0 = 6.8 + (c % 2) * 2.7, (c // 2) * 2.9
        block = np.full((2, 2), SQUEEZE_COLORS[c], dtype=object)
        _cells(ax, m.squeeze_out[c], x0, y0, numbers=m.squeeze_out[c], colors=block)
        ax.text(x0 + 1, y0 + 2.1, T("channel_c").format(c=c + 1), ha="center", va="top", fontsize=8.5)
    ax.text(6.8 + 2.35, 6.0, T("squeeze_out"), ha="center", va="top", fontsize=9.5)
    _frame(ax, 12.1, 6.3)
    ax.set_title(T("squeeze"), fontsize=10.5)

    fig.legend(
        handles=[
            Patch(color=style.COLORS["pass"], label=T("pass")),
            Patch(color=style.COLORS["transformed"], label=T("transformed")),
        ],
        loc="outside lower center",
        ncol=2,
        frameon=False,
        fontsize=10,
    )
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    data = compute()
    return draw_all(ctx, make, data)
