r"""Density warping under a 2D change of variables, for two real maps :math:`z = f(x)`:

- the notes' linear map :math:`z = A x + b`, :math:`A = \begin{pmatrix}2 & 0.5\\ 0.1 & 1.5\end{pmatrix}`,
  :math:`b = (0.3, -0.2)`, with :math:`Ax` computed by :class:`explainer.transforms.InvertibleLinear`
  loaded with the LU factors of :math:`A` (constant :math:`\log|\det J| = \log 2.95`);
- the notes' affine coupling :math:`z_1 = x_1,\ z_2 = x_2 e^{0.5 x_1} + 0.2 x_1`, an
  :class:`explainer.transforms.AffineCoupling` (:math:`\log|\det J| = 0.5\,x_1`).

Each row shows :math:`p_X(x) = p_Z(f(x))\,|\det J_f(x)|` with a square grid, the image of that
grid on top of :math:`p_Z = \mathcal{N}(0, I)`, and :math:`\log|\det J_f(x)|` over data space.
The notes' point :math:`x = (0.5, -1)` is marked with its :math:`\log p_X(x)` (−2.4373 and −2.4138).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer.flow import standard_normal_log_prob
from explainer.transforms import AffineCoupling, InvertibleLinear
from explainer.transforms.masks import alternating_mask
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "change_of_variables_2d"
A = ((2.0, 0.5), (0.1, 1.5))
B = (0.3, -0.2)
POINT = (0.5, -1.0)
X_LIMIT, Z_LIMIT, GRID = 2.5, 4.5, (-2.0, 2.0, 9)  # grid lines at 9 values in [-2, 2]


def linear_layer(matrix=A) -> InvertibleLinear:
    """An :class:`InvertibleLinear` whose weight is ``matrix`` (its LU factors loaded), float64.

    >>> torch.allclose(linear_layer().weight(), torch.tensor(A, dtype=torch.float64))
    True
    """
    a = torch.tensor(matrix, dtype=torch.float64)
    layer = InvertibleLinear(a.shape[0]).double()
    p, lower, upper = torch.linalg.lu(a)
    diag = torch.diagonal(upper)
    with torch.no_grad():
        layer.P.copy_(p)
        layer.sign.copy_(torch.sign(diag))
        layer.lower.copy_(torch.tril(lower, -1))
        layer.upper.copy_(torch.triu(upper, 1))
        layer.log_diag.copy_(torch.log(diag.abs()))
    return layer


def coupling_layer() -> AffineCoupling:
    """The notes' coupling: :math:`s(x_1) = 0.5 x_1`, :math:`t(x_1) = 0.2 x_1`, float64."""
    return AffineCoupling(
        alternating_mask(2), scale="exp", conditioner=lambda x_a: torch.cat([0.5 * x_a, 0.2 * x_a], dim=1)
    ).double()


def maps() -> dict:
    """``{"linear": f, "coupling": f}``, each ``f(x) -> (z, logabsdet)`` on float64 ``(n, 2)``."""
    linear, coupling = linear_layer(), coupling_layer()
    shift = torch.tensor(B, dtype=torch.float64)

    def f_linear(x):
        z, logabsdet = linear(x)
        return z + shift, logabsdet

    return {"linear": f_linear, "coupling": coupling}


@dataclass
class Row:
    kind: str
    x1: np.ndarray  # grid axes in x
    log_px: np.ndarray  # (n, n): log p_X on the x grid (rows x2, columns x1)
    logabsdet: np.ndarray  # (n, n)
    z_axis: np.ndarray
    log_pz: np.ndarray  # (n, n) on the z grid
    lines: list  # [(constant-x1 or x2 flag, (m, 2) z points)]
    point_z: tuple
    point_log_px: float


def compute(n: int = 240) -> list[Row]:
    rows = []
    axis = torch.linspace(-X_LIMIT, X_LIMIT, n, dtype=torch.float64)
    gx2, gx1 = torch.meshgrid(axis, axis, indexing="ij")
    x = torch.stack([gx1.reshape(-1), gx2.reshape(-1)], dim=1)
    z_axis = torch.linspace(-Z_LIMIT, Z_LIMIT, n, dtype=torch.float64)
    gz2, gz1 = torch.meshgrid(z_axis, z_axis, indexing="ij")
    log_pz = standard_normal_log_prob(torch.stack([gz1.reshape(-1), gz2.reshape(-1)], dim=1)).reshape(n, n)
    values = torch.linspace(*GRID[:2], GRID[2], dtype=torch.float64)
    dense = torch.linspace(GRID[0], GRID[1], 400, dtype=torch.float64)
    with torch.no_grad():
        for kind, f in maps().items():
            z, logabsdet = f(x)
            lines = []
            for v in values:
                for vertical in (True, False):
                    pts = torch.stack([v.expand_as(dense), dense] if vertical else [dense, v.expand_as(dense)], 1)
                    lines.append((vertical, f(pts)[0].numpy()))
            p = torch.tensor([POINT], dtype=torch.float64)
            zp, ldp = f(p)
            rows.append(
                Row(
                    kind,
                    axis.numpy(),
                    (standard_normal_log_prob(z) + logabsdet).reshape(n, n).numpy(),
                    logabsdet.reshape(n, n).numpy(),
                    z_axis.numpy(),
                    log_pz.numpy(),
                    lines,
                    tuple(zp[0].tolist()),
                    float(standard_normal_log_prob(zp) + ldp),
                )
            )
    return rows


def make(lang: str, out_dir: str | Path, data: list[Row]) -> Path:
    r"""Draw both maps; return the PNG path.

    Example (the plotted log-det is the autograd one, and the marked point is the notes' number):
        >>> import tempfile
        >>> from explainer.worked import coupling_example, linear_example
        >>> rows = compute(n=60)
        >>> round(rows[0].point_log_px, 4) == round(linear_example().log_px, 4) == -2.4373
        True
        >>> round(rows[1].point_log_px, 4) == round(coupling_example().log_px, 4) == -2.4138
        True
        >>> x = torch.tensor([[0.3, -1.1], [-1.7, 0.4]], dtype=torch.float64)
        >>> all(torch.allclose(f(x)[1], torch.stack([torch.linalg.slogdet(
        ...     torch.autograd.functional.jacobian(lambda v: f(v[None])[0][0], xi)).logabsdet for xi in x]))
        ...     for f in maps().values())
        True
        >>> h = rows[0].x1[1] - rows[0].x1[0]            # p_X of the linear map: ~all its mass in the window
        >>> bool(0.995 < np.exp(rows[0].log_px).sum() * h * h < 1.001)
        True
        >>> make("en", tempfile.mkdtemp(), rows).name
        'change_of_variables_2d.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: list[Row], narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    rows = data
    T = labels(lang, NAME)
    style.use(lang)
    fig = plt.figure(figsize=(style.NARROW_WIDTH, 10.5) if narrow else (13.5, 10.0), layout="constrained")
    subfigs = fig.subfigures(2, 1, hspace=0.04)
    ext_x = [-X_LIMIT, X_LIMIT, -X_LIMIT, X_LIMIT]
    ext_z = [-Z_LIMIT, Z_LIMIT, -Z_LIMIT, Z_LIMIT]
    line_colors = {True: style.COLORS["data"], False: style.COLORS["transformed"]}
    ld_limit = 1.3
    values = np.linspace(*GRID[:2], GRID[2])
    for r, row in enumerate(rows):
        if narrow:  # x and z side by side, the log-det beneath
            grid = subfigs[r].subplots(2, 2)
            ax_x, ax_z, ax_ld = grid[0, 0], grid[0, 1], grid[1, 0]
            grid[1, 1].remove()
        else:
            ax_x, ax_z, ax_ld = subfigs[r].subplots(1, 3)
        subfigs[r].suptitle(style.fit(T(row.kind), narrow), fontsize=12, color="#333333")
        ax_x.imshow(np.exp(row.log_px), extent=ext_x, origin="lower", cmap="Greys")
        for v in values:
            ax_x.plot([v, v], GRID[:2], color=line_colors[True], linewidth=0.8, alpha=0.85)
            ax_x.plot(GRID[:2], [v, v], color=line_colors[False], linewidth=0.8, alpha=0.85)
        ax_z.imshow(np.exp(row.log_pz), extent=ext_z, origin="lower", cmap="Greys")
        for vertical, pts in row.lines:
            ax_z.plot(pts[:, 0], pts[:, 1], color=line_colors[vertical], linewidth=0.8, alpha=0.85)
        image = ax_ld.imshow(row.logabsdet, extent=ext_x, origin="lower", cmap="PuOr_r", vmin=-ld_limit, vmax=ld_limit)
        contour = ax_ld.contour(
            row.x1, row.x1, row.logabsdet, levels=np.arange(-1.0, 1.01, 0.25), colors="black", linewidths=0.6
        )
        if np.ptp(row.logabsdet) > 1e-9:
            ax_ld.clabel(contour, fontsize=8.5 if narrow else 7.5, fmt="%.2f")
        else:
            ax_ld.text(
                0,
                0,
                f"$\\log|\\det A|$ = {row.logabsdet.mean():.4f}\n" + T("everywhere"),
                ha="center",
                va="center",
                fontsize=10,
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9},
            )
        for ax, limit in ((ax_x, X_LIMIT), (ax_z, Z_LIMIT), (ax_ld, X_LIMIT)):
            ax.set_xlim(-limit, limit)
            ax.set_ylim(-limit, limit)
            ax.set_aspect("equal")
        ax_x.plot(*POINT, "o", color="#d62728", markersize=7, markeredgecolor="white")
        ax_x.annotate(
            T("point").format(lp=row.point_log_px),
            POINT,
            xytext=(0.0, -2.2),
            fontsize=9,
            ha="center",
            arrowprops={"arrowstyle": "->", "color": "#d62728"},
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "#d62728"},
        )
        ax_z.plot(*row.point_z, "o", color="#d62728", markersize=7, markeredgecolor="white")
        ax_z.annotate(T("point_z"), row.point_z, xytext=(8, 8), textcoords="offset points", fontsize=9, color="#d62728")
        ax_ld.plot(*POINT, "o", color="#d62728", markersize=7, markeredgecolor="white")
        ax_x.set_ylabel("$x_2$")
        ax_x.set_xlabel("$x_1$")
        ax_z.set_xlabel("$z_1$")
        ax_ld.set_xlabel("$x_1$")
        ax_z.set_ylabel("$z_2$")
        ax_ld.set_ylabel("$x_2$")
        ax_x.set_title(style.fit(T("x_space"), narrow, 18), fontsize=10.5)
        ax_z.set_title(style.fit(T("z_space"), narrow, 18), fontsize=10.5)
        ax_ld.set_title(style.fit(T("logdet"), narrow, 18), fontsize=10.5)
        subfigs[r].colorbar(image, ax=ax_ld, shrink=0.8)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13.5)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
