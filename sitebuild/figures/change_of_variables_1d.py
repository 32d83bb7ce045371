r"""Density warping under a 1D change of variables.

A monotone map :math:`z = f(x)` (here a hand-set rational-quadratic spline from
:func:`explainer.transforms.splines.rational_quadratic_spline`) carries the base density
:math:`p_Z = \mathcal{N}(0, 1)` to

.. math:: p_X(x) = p_Z(f(x))\,|f'(x)|.

The figure cuts :math:`p_Z` into ten bands of equal probability and follows each band through
:math:`f^{-1}`: where :math:`f` is steep a band is narrow in :math:`x`, so the density is high.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.stats import norm

from explainer.transforms.splines import DERIVATIVE_SHIFT, MIN_DERIVATIVE, rational_quadratic_spline
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "change_of_variables_1d"
BOUND = 3.0
# Bin widths (in x) and heights (in z) as fractions of [-T, T], and the interior knot slopes:
# two steep bins make two modes in p_X.
WIDTHS = (0.14, 0.16, 0.2, 0.2, 0.16, 0.14)
HEIGHTS = (0.12, 0.28, 0.1, 0.1, 0.28, 0.12)
KNOT_SLOPES = (1.3, 0.9, 0.35, 0.9, 1.3)
BANDS = 10


def spline_parameters() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Raw spline parameters that give exactly the fractions and slopes above (float64)."""
    log = lambda v: torch.log(torch.tensor(v, dtype=torch.float64))  # noqa: E731  softmax(log p) = p
    slopes = torch.tensor(KNOT_SLOPES, dtype=torch.float64) - MIN_DERIVATIVE
    raw_slopes = torch.log(torch.expm1(slopes)) - DERIVATIVE_SHIFT  # inverse of the softplus
    return log(WIDTHS), log(HEIGHTS), raw_slopes


def f(x: torch.Tensor, inverse: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The map :math:`z = f(x)` (or :math:`x = f^{-1}(z)`) and its log-derivative, elementwise."""
    w, h, d = spline_parameters()
    shape = (*x.shape, len(WIDTHS))
    return rational_quadratic_spline(
        x, w.expand(shape), h.expand(shape), d.expand(*x.shape, len(KNOT_SLOPES)), inverse=inverse, bound=BOUND
    )


@dataclass
class Warp:
    x: np.ndarray  # grid in x
    z_of_x: np.ndarray  # f(x)
    p_x: np.ndarray  # p_Z(f(x)) |f'(x)|
    z: np.ndarray  # grid in z
    p_z: np.ndarray
    z_edges: np.ndarray  # band edges in z (equal probability)
    x_edges: np.ndarray  # f^{-1}(z_edges)
    samples: np.ndarray  # x = f^{-1}(z), z ~ N(0, 1)
    band_mass_x: np.ndarray  # probability of each band, integrated under p_X


def compute(n_grid: int = 2001, n_samples: int = 50_000, seed: int = 0, limit: float = 4.0) -> Warp:
    x = torch.linspace(-limit, limit, n_grid, dtype=torch.float64)
    z_of_x, log_dzdx = f(x)
    p_x = torch.exp(torch.distributions.Normal(0.0, 1.0).log_prob(z_of_x) + log_dzdx)
    z = torch.linspace(-limit, limit, n_grid, dtype=torch.float64)
    z_edges = torch.tensor(norm.ppf(np.linspace(0, 1, BANDS + 1)[1:-1]), dtype=torch.float64)
    x_edges, _ = f(z_edges, inverse=True)
    g = torch.Generator().manual_seed(seed)
    samples, _ = f(torch.randn(n_samples, generator=g, dtype=torch.float64), inverse=True)
    xs, px = x.numpy(), p_x.numpy()
    edges = np.concatenate([[-limit], x_edges.numpy(), [limit]])
    mass = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (xs >= lo) & (xs <= hi)
        mass.append(np.trapezoid(px[inside], xs[inside]))
    return Warp(
        xs,
        z_of_x.numpy(),
        px,
        z.numpy(),
        norm.pdf(z.numpy()),
        z_edges.numpy(),
        x_edges.numpy(),
        samples.numpy(),
        np.array(mass),
    )


def make(lang: str, out_dir: str | Path, data: Warp) -> Path:
    r"""Draw the 1D change of variables; return the PNG path.

    Example (what the figure shows is a density, and the bands carry equal probability):
        >>> import tempfile
        >>> w = compute(n_samples=2000)
        >>> bool(abs(np.trapezoid(w.p_x, w.x) - 1) < 1e-3)    # p_X integrates to 1
        True
        >>> bool(np.allclose(w.band_mass_x[1:-1], 1 / BANDS, atol=2e-3))   # each inner band: 10%
        True
        >>> z, _ = f(torch.tensor(w.x_edges))                  # f maps the x edges back onto the z edges
        >>> bool(np.allclose(z.numpy(), w.z_edges, atol=1e-9))
        True
        >>> make("en", tempfile.mkdtemp(), w).name
        'change_of_variables_1d.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Warp, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    w = data
    T = labels(lang, NAME)
    style.use(lang)
    limit = w.x[-1]
    colors = ["#4c72b0", "#9fb8dc"]
    if narrow:  # the note beneath the plots, across the figure
        fig = plt.figure(figsize=(style.NARROW_WIDTH, 8.6), constrained_layout=True)
        grid = fig.add_gridspec(3, 2, width_ratios=[3, 1.25], height_ratios=[2.3, 1.3, 1.5])
        note = grid[2, :]
    else:
        fig = plt.figure(figsize=(9.5, 7.6), constrained_layout=True)
        grid = fig.add_gridspec(2, 2, width_ratios=[3, 1.25], height_ratios=[2.3, 1.3])
        note = grid[1, 1]
    ax_map = fig.add_subplot(grid[0, 0])
    ax_pz = fig.add_subplot(grid[0, 1], sharey=ax_map)
    ax_px = fig.add_subplot(grid[1, 0], sharex=ax_map)
    ax_note = fig.add_subplot(note)
    ax_note.axis("off")

    z_bands = np.concatenate([[-limit], w.z_edges, [limit]])
    x_bands = np.concatenate([[-limit], w.x_edges, [limit]])
    for k in range(BANDS):
        c = colors[k % 2]
        zs = (w.z >= z_bands[k]) & (w.z <= z_bands[k + 1])
        ax_pz.fill_betweenx(w.z[zs], 0, w.p_z[zs], color=c, linewidth=0)
        xs = (w.x >= x_bands[k]) & (w.x <= x_bands[k + 1])
        ax_px.fill_between(w.x[xs], 0, w.p_x[xs], color=c, linewidth=0)
        ax_map.fill_between(w.x[xs], -limit, w.z_of_x[xs], color=c, alpha=0.18, linewidth=0)
        ax_map.axhspan(z_bands[k], z_bands[k + 1], xmin=0, xmax=1, color=c, alpha=0.08, linewidth=0)
    for x_e, z_e in zip(w.x_edges, w.z_edges):
        ax_map.plot([-limit, x_e, x_e], [z_e, z_e, -limit], color="#555555", linewidth=0.6)
    ax_map.plot(w.x, w.z_of_x, color="black", linewidth=2.2, label=T("map"))
    x0 = float(w.x_edges[BANDS // 2 + 2])
    z0, log_d0 = (v.item() for v in f(torch.tensor([x0], dtype=torch.float64)))
    p0 = math.exp(-0.5 * z0**2 - 0.5 * math.log(2 * math.pi) + log_d0)
    ax_map.plot([x0], [z0], "o", color="#d62728", markersize=6, zorder=5)
    ax_map.axvspan(-limit, -BOUND, color="#eeeeee", zorder=0)
    ax_map.axvspan(BOUND, limit, color="#eeeeee", zorder=0)
    ax_map.text(-BOUND - 0.5, 2.8, T("tail"), ha="center", va="center", fontsize=8.5, color="#777777", rotation=90)
    ax_map.set_xlim(-limit, limit)
    ax_map.set_ylim(-limit, limit)
    ax_map.set_ylabel(T("z"))
    ax_map.set_title(style.fit(T("map"), narrow, 22), fontsize=11)
    ax_map.tick_params(labelbottom=False)

    ax_pz.plot(w.p_z, w.z, color="black", linewidth=1.5)
    ax_pz.set_xlim(0, None)
    ax_pz.set_title(style.fit(T("pz"), narrow, 10), fontsize=11)
    ax_pz.tick_params(labelleft=False)

    ax_px.hist(
        w.samples,
        bins=160,
        range=(-limit, limit),
        density=True,
        histtype="step",
        color="#d62728",
        linewidth=1.0,
        label=T("histogram"),
    )
    ax_px.plot(w.x, w.p_x, color="black", linewidth=1.5, label=T("formula"))
    ax_px.set_ylim(0, None)
    ax_px.set_xlabel(T("x"))
    ax_px.set_title(T("px"), fontsize=11)
    handles, names = ax_px.get_legend_handles_labels()
    if narrow:
        ax_note.legend(handles, names, loc="lower right", fontsize=8.5, frameon=False, borderaxespad=0)
    else:
        ax_note.legend(handles, names, loc="lower left", fontsize=8.5, frameon=False, borderaxespad=0)

    ax_px.plot([x0], [p0], "o", color="#d62728", markersize=6, zorder=5)
    ax_note.text(
        0.0,
        1.0,
        T("note").format(bands=BANDS, pct=100 // BANDS),
        va="top",
        fontsize=9.5,
        wrap=True,
        transform=ax_note.transAxes,
    )
    ax_note.text(
        0.66 if narrow else 0.0,
        1.0 if narrow else 0.40,
        T("worked").format(x=x0, z=z0, d=math.exp(log_d0), p=p0),
        va="top",
        fontsize=9.5,
        transform=ax_note.transAxes,
        family=plt.rcParams["font.sans-serif"],
    )
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
