r"""A monotone rational-quadratic spline (:func:`explainer.transforms.splines.rational_quadratic_spline`)
with ``K = 6`` bins on :math:`[-T, T]`, :math:`T = 3`, and seeded random parameters: the map with
its knots :math:`(x^{(k)}, y^{(k)})`, its derivative (:math:`e^{\text{logabsdet}}`) with the knot
derivatives :math:`\delta^{(k)}`, and its inverse (computed by ``inverse=True``, the stable root
of a quadratic). Outside :math:`[-T, T]` the map is the identity, with derivative 1 at the
boundary so the pieces join smoothly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from explainer.transforms.splines import (
    DERIVATIVE_SHIFT,
    MIN_BIN_HEIGHT,
    MIN_BIN_WIDTH,
    MIN_DERIVATIVE,
    knots,
    rational_quadratic_spline,
)
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "spline"
BINS, BOUND, SEED = 6, 3.0, 3


@dataclass
class Spline:
    x: np.ndarray
    y: np.ndarray
    derivative: np.ndarray
    y_grid: np.ndarray
    x_of_y: np.ndarray  # the inverse on y_grid
    knots_x: np.ndarray
    knots_y: np.ndarray
    knot_derivatives: np.ndarray
    roundtrip_error: float


def parameters(seed: int = SEED) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Seeded raw widths, heights (``K``) and interior derivatives (``K - 1``), float64."""
    g = torch.Generator().manual_seed(seed)
    return (
        torch.randn(BINS, generator=g, dtype=torch.float64) * 0.8,
        torch.randn(BINS, generator=g, dtype=torch.float64) * 0.8,
        torch.randn(BINS - 1, generator=g, dtype=torch.float64),
    )


def spline(x: torch.Tensor, inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    w, h, d = parameters()
    return rational_quadratic_spline(
        x,
        w.expand(*x.shape, BINS),
        h.expand(*x.shape, BINS),
        d.expand(*x.shape, BINS - 1),
        inverse=inverse,
        bound=BOUND,
    )


def compute(n: int = 1201, limit: float = 4.0) -> Spline:
    w, h, d = parameters()
    knots_x = knots(w, BOUND, MIN_BIN_WIDTH)
    knots_y = knots(h, BOUND, MIN_BIN_HEIGHT)
    deltas = F.pad(MIN_DERIVATIVE + F.softplus(d + DERIVATIVE_SHIFT), (1, 1), value=1.0)
    x = torch.linspace(-limit, limit, n, dtype=torch.float64)
    y, logabsdet = spline(x)
    x_back, _ = spline(y, inverse=True)
    x_of_y, _ = spline(x, inverse=True)  # the inverse on the same grid, now read as y
    return Spline(
        x.numpy(),
        y.numpy(),
        logabsdet.exp().numpy(),
        x.numpy(),
        x_of_y.numpy(),
        knots_x.numpy(),
        knots_y.numpy(),
        deltas.numpy(),
        float((x_back - x).abs().max()),
    )


def make(lang: str, out_dir: str | Path, data: Spline) -> Path:
    r"""Draw the spline, its derivative and its inverse; return the PNG path.

    Example (the knots, the knot derivatives and the inverse are what the function computes):
        >>> import tempfile
        >>> s = compute()
        >>> y_at_knots, ld_at_knots = spline(torch.tensor(s.knots_x))
        >>> bool(np.allclose(y_at_knots.numpy(), s.knots_y, atol=1e-12))   # the curve passes the knots
        True
        >>> bool(np.allclose(ld_at_knots.exp().numpy()[1:-1], s.knot_derivatives[1:-1], rtol=1e-9))
        True
        >>> s.roundtrip_error < 1e-12                                        # f^-1(f(x)) = x in float64
        True
        >>> x, eps = torch.linspace(-3.9, 3.9, 157, dtype=torch.float64), 1e-6   # derivative = finite difference
        >>> torch.allclose((spline(x + eps)[0] - spline(x - eps)[0]) / (2 * eps), spline(x)[1].exp(), atol=1e-6)
        True
        >>> png = make("en", tempfile.mkdtemp(), s)
        >>> png.name, png.with_suffix(".svg").exists()
        ('spline.png', True)
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Spline, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    s = data
    T = labels(lang, NAME)
    style.use(lang)
    shape, size = ((3, 1), (style.NARROW_WIDTH, 11.5)) if narrow else ((1, 3), (14, 4.7))
    fig, (ax_map, ax_d, ax_inv) = plt.subplots(*shape, figsize=size, layout="constrained")
    limit = s.x[-1]
    inside = np.abs(s.x) <= BOUND
    for ax in (ax_map, ax_d, ax_inv):
        ax.axvspan(-limit, -BOUND, color="#f0f0f0", zorder=0)
        ax.axvspan(BOUND, limit, color="#f0f0f0", zorder=0)
        ax.set_xlim(-limit, limit)
    ax_map.plot(s.x, s.x, color="#bbbbbb", linewidth=0.8, linestyle=":")
    ax_map.plot(
        np.where(inside, np.nan, s.x),
        np.where(inside, np.nan, s.y),
        color="#777777",
        linewidth=2,
        linestyle="--",
        label=T("identity"),
    )
    ax_map.plot(
        np.where(inside, s.x, np.nan),
        np.where(inside, s.y, np.nan),
        color=style.COLORS["data"],
        linewidth=2.2,
        label=T("map"),
    )
    ax_map.plot(s.knots_x, s.knots_y, "o", color="#d62728", markersize=6, zorder=5, label=T("knots"))
    for kx, ky in zip(s.knots_x, s.knots_y):
        ax_map.plot([kx, kx], [-limit, ky], color="#d62728", linewidth=0.5, alpha=0.5)
        ax_map.plot([-limit, kx], [ky, ky], color="#d62728", linewidth=0.5, alpha=0.5)
    ax_map.set_ylim(-limit, limit)
    ax_map.set_aspect("equal")
    ax_map.set_xlabel(T("x"))
    ax_map.set_ylabel(T("y"))
    ax_map.set_title(T("map"), fontsize=11)
    ax_map.legend(fontsize=8.5, loc="upper left", frameon=False)

    ax_d.plot(s.x, s.derivative, color=style.COLORS["data"], linewidth=2, label=T("derivative"))
    ax_d.plot(s.knots_x, s.knot_derivatives, "o", color="#d62728", markersize=6, zorder=5, label=T("knot_derivatives"))
    for kx in s.knots_x:
        ax_d.axvline(kx, color="#d62728", linewidth=0.5, alpha=0.4)
    ax_d.axhline(1.0, color="#bbbbbb", linewidth=0.8, linestyle=":")
    ax_d.set_ylim(0, None)
    ax_d.set_xlabel(T("x"))
    ax_d.set_title(T("derivative"), fontsize=11)
    ax_d.legend(fontsize=8.5, loc="upper left", frameon=False)

    ax_inv.plot(s.y_grid, s.y_grid, color="#bbbbbb", linewidth=0.8, linestyle=":")
    ax_inv.plot(s.y_grid, s.x_of_y, color=style.COLORS["transformed"], linewidth=2.2)
    ax_inv.plot(s.knots_y, s.knots_x, "o", color="#d62728", markersize=6, zorder=5)
    ax_inv.set_ylim(-limit, limit)
    ax_inv.set_aspect("equal")
    ax_inv.set_xlabel(T("y"))
    ax_inv.set_ylabel(T("x"))
    ax_inv.set_title(T("inverse"), fontsize=11)
    ax_inv.text(
        0.97,
        0.04,
        T("roundtrip").format(err=s.roundtrip_error),
        transform=ax_inv.transAxes,
        ha="right",
        va="bottom",
        fontsize=9,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#cccccc"},
    )
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    data = compute()
    return draw_all(ctx, make, data)
