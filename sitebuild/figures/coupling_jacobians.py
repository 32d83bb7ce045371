r"""The Jacobian of real coupling layers, computed by autograd, drawn as heatmaps.

For a coupling with pass-through part :math:`x_A` and transformed part :math:`x_B`,
ordering the coordinates A first gives the block-triangular Jacobian

.. math::

    J = \begin{pmatrix} I & 0 \\ \partial z_B / \partial x_A & \mathrm{diag}(\partial \tau / \partial x_B)
        \end{pmatrix},
    \qquad \log|\det J| = \sum_i \log|J_{ii}|,

which the figure checks against the layer's own ``logabsdet`` for AdditiveCoupling,
AffineCoupling and SplineCoupling with random (non-identity) conditioner weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.patches import Rectangle

from explainer.transforms import AdditiveCoupling, AffineCoupling, SplineCoupling
from explainer.transforms.masks import alternating_mask
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "coupling_jacobians"
KINDS = ("additive", "affine", "spline")
CLASSES = {"additive": AdditiveCoupling, "affine": AffineCoupling, "spline": SplineCoupling}
# Std of the random conditioner weights: large enough to be far from the identity, small enough
# that the spline's bins stay readable (its 17 raw parameters per entry go through softmaxes).
WEIGHT_STD = {"additive": 0.6, "affine": 0.6, "spline": 0.3}


@dataclass
class LayerJacobian:
    kind: str
    jacobian: np.ndarray  # (d, d), rows z (A first), columns x (A first)
    order: list[int]  # original coordinate index of each row/column
    n_a: int
    sum_log_diag: float  # sum_i log|J_ii| from the autograd Jacobian
    logabsdet: float  # what the layer itself returns


def random_layer(kind: str, dim: int = 6, seed: int = 0, hidden: int = 16):
    """A coupling layer of ``kind`` with random conditioner weights (float64), so it is not the
    identity its zero-initialised last layer would make it."""
    g = torch.Generator().manual_seed(seed)
    extra = {"bins": 6, "bound": 3.0} if kind == "spline" else {}
    layer = CLASSES[kind](alternating_mask(dim), hidden=hidden, depth=2, **extra).double()
    with torch.no_grad():
        for p in layer.conditioner.parameters():
            p.copy_(WEIGHT_STD[kind] * torch.randn(p.shape, generator=g, dtype=torch.float64))
    return layer


def compute(dim: int = 6, seed: int = 0) -> list[LayerJacobian]:
    """Each layer's autograd Jacobian at one random point, reordered A first."""
    g = torch.Generator().manual_seed(seed + 100)
    x = torch.randn(1, dim, generator=g, dtype=torch.float64)
    results = []
    for i, kind in enumerate(KINDS):
        layer = random_layer(kind, dim, seed + i)
        jac = torch.autograd.functional.jacobian(lambda v, layer=layer: layer(v[None])[0][0], x[0])
        _, logabsdet = layer(x)
        order = layer.index_A.tolist() + layer.index_B.tolist()
        jac = jac[order][:, order]
        results.append(
            LayerJacobian(
                kind,
                jac.numpy(),
                order,
                len(layer.index_A),
                float(torch.log(torch.diagonal(jac).abs()).sum()),
                float(logabsdet.detach()),
            )
        )
    return results


def make(lang: str, out_dir: str | Path, data: list[LayerJacobian]) -> Path:
    r"""Draw the three Jacobians; return the PNG path.

    Example (the zero block is exactly zero and the diagonal gives the layer's log-det):
        >>> import tempfile
        >>> data = compute()
        >>> [d.kind for d in data], data[0].jacobian.shape
        (['additive', 'affine', 'spline'], (6, 6))
        >>> all((d.jacobian[:d.n_a, d.n_a:] == 0).all() for d in data)      # dz_A/dx_B = 0
        True
        >>> all(abs(d.sum_log_diag - d.logabsdet) < 1e-10 for d in data)   # log|det J| = sum log|J_ii|
        True
        >>> abs(data[0].logabsdet) < 1e-12 and abs(data[1].logabsdet) > 0.1  # additive: volume preserving
        True
        >>> png = make("zh", tempfile.mkdtemp(), data)
        >>> png.name, png.with_suffix(".svg").exists()
        ('coupling_jacobians.zh.png', True)
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: list[LayerJacobian], narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    limit = max(np.abs(d.jacobian).max() for d in data)
    shape, size = ((3, 1), (style.NARROW_WIDTH, 12.5)) if narrow else ((1, 3), (12.5, 4.6))
    fig, axes = plt.subplots(*shape, figsize=size, constrained_layout=True)
    for ax, d in zip(axes, data):
        n, n_a = d.jacobian.shape[0], d.n_a
        image = ax.imshow(d.jacobian, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for i in range(n):
            for j in range(n):
                value = d.jacobian[i, j]
                ax.text(
                    j,
                    i,
                    "0" if value == 0 else f"{value:.2f}",
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="#999999" if value == 0 else ("white" if abs(value) > 0.6 * limit else "black"),
                )
        ax.add_patch(
            Rectangle((n_a - 0.5, -0.5), n - n_a, n_a, fill=False, hatch="///", edgecolor="#888888", linewidth=0)
        )
        ax.text(
            n_a - 0.5 + (n - n_a) / 2,
            n_a / 2 - 0.5,
            T("zero_block"),
            ha="center",
            va="center",
            fontsize=9,
            color="#444444",
            bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "#bbbbbb"},
        )
        ax.axhline(n_a - 0.5, color="black", linewidth=1.2)
        ax.axvline(n_a - 0.5, color="black", linewidth=1.2)
        ticks = [f"$x_{{{k + 1}}}$" for k in d.order]
        ax.set_xticks(range(n), ticks)
        ax.set_yticks(range(n), [t.replace("x", "z") for t in ticks])
        ax.tick_params(length=0)
        ax.xaxis.set_ticks_position("top")
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(T(d.kind), fontsize=12, pad=24)
        ax.set_xlabel(T("caption").format(sum=d.sum_log_diag, ld=d.logabsdet), fontsize=9.5)
        ax.text(
            -1.25, n_a / 2 - 0.5, "A", ha="right", va="center", fontsize=10, color=style.COLORS["pass"], weight="bold"
        )
        ax.text(
            -1.25,
            n_a + (n - n_a) / 2 - 0.5,
            "B",
            ha="right",
            va="center",
            fontsize=10,
            color=style.COLORS["transformed"],
            weight="bold",
        )
    if narrow:
        fig.colorbar(image, ax=axes, orientation="horizontal", shrink=0.9, aspect=30, label=T("colorbar"))
    else:
        fig.colorbar(image, ax=axes, shrink=0.75, label=T("colorbar"))
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    data = compute()
    return draw_all(ctx, make, data)
