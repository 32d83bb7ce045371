r"""What one affine coupling can and cannot do, on a rotated anisotropic Gaussian
:math:`x \sim \mathcal{N}(0, R\,\mathrm{diag}(2^2, 0.35^2)\,R^\top)`, :math:`R` a 45° rotation.

One coupling with mask ``[True, False]`` is :math:`z_1 = x_1`, :math:`z_2 = x_2 e^{s(x_1)} + t(x_1)`:
it can fit every conditional :math:`p(x_2 \mid x_1)` (a shift and a scale per :math:`x_1`), but
:math:`x_1` passes through, so the model's marginal of :math:`x_1` is the base's
:math:`\mathcal{N}(0, 1)` whatever the data's is (here :math:`\mathcal{N}(0, 2.06)`), and no
coupling rotates the plane. Two alternating layers fix it (a triangular map and its mirror can
whiten any Gaussian); the figure shows trained models ``model:single-coupling-{1,2,4}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints
from explainer.flow import Flow
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "single_coupling_limits"
LAYERS = (1, 2, 4)
MODELS = tuple(f"model:single-coupling-{n}" for n in LAYERS)
LIMIT = 4.0


@dataclass
class Limits:
    axis: np.ndarray  # grid axis
    data_log_density: np.ndarray  # (n, n) rows x2, columns x1
    data_samples: np.ndarray
    model_log_density: list  # per model (n, n)
    layers: list
    nll: list
    entropy: float


def compute(flows: list[Flow], nlls: list[float | None], n: int = 161) -> Limits:
    from sitebuild.models.flows2d import rotated_gaussian_covariance, rotated_gaussian_entropy, rotated_gaussian_sample

    axis = torch.linspace(-LIMIT, LIMIT, n)
    g2, g1 = torch.meshgrid(axis, axis, indexing="ij")
    grid = torch.stack([g1.reshape(-1), g2.reshape(-1)], dim=1)
    data = torch.distributions.MultivariateNormal(torch.zeros(2), rotated_gaussian_covariance().float())
    with torch.no_grad():
        model = [flow.log_prob(grid).reshape(n, n).numpy() for flow in flows]
    return Limits(
        axis.numpy(),
        data.log_prob(grid).reshape(n, n).numpy(),
        rotated_gaussian_sample(1500, seed=3).numpy(),
        model,
        [len(f.layers) for f in flows],
        list(nlls),
        rotated_gaussian_entropy(),
    )


def marginal_x1(log_density: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """:math:`p(x_1) = \\int p(x_1, x_2)\\,dx_2` on the grid (rows are :math:`x_2`)."""
    return np.trapezoid(np.exp(log_density), axis, axis=0)


def make(lang: str, out_dir: str | Path, data: Limits) -> Path:
    r"""Draw the densities and the :math:`x_1` marginals; return the PNG path.

    Example (any single coupling, trained or not, has the N(0, 1) marginal in x_1):
        >>> import tempfile
        >>> from explainer.models import realnvp
        >>> flows = [realnvp(layers=n, hidden=8) for n in (1, 2)]
        >>> for f in flows:
        ...     for p in f.parameters():
        ...         _ = torch.nn.init.normal_(p, std=0.3)
        >>> d = compute(flows, [None, None], n=241)
        >>> normal = np.exp(-d.axis**2 / 2) / np.sqrt(2 * np.pi)
        >>> float(np.abs(marginal_x1(d.model_log_density[0], d.axis) - normal).max()) < 1e-3
        True
        >>> float(np.abs(marginal_x1(d.model_log_density[1], d.axis) - normal).max()) > 1e-2  # 2 layers: free
        True
        >>> make("en", tempfile.mkdtemp(), d).name
        'single_coupling_limits.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Limits, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    d = data
    T = labels(lang, NAME)
    style.use(lang)
    n_models = len(d.model_log_density)
    if narrow:  # the densities two by two, the marginals beneath across the figure
        rows = (n_models + 2) // 2
        fig = plt.figure(figsize=(style.NARROW_WIDTH, 2.3 * rows + 2.9), layout="constrained")
        grid = fig.add_gridspec(rows + 1, 2, height_ratios=[1] * rows + [1.2])
        cells = [grid[k // 2, k % 2] for k in range(n_models + 1)] + [grid[rows, :]]
    else:
        fig = plt.figure(figsize=(3.2 * (n_models + 1) + 4.2, 4.3), layout="constrained")
        grid = fig.add_gridspec(1, n_models + 2, width_ratios=[1] * (n_models + 1) + [1.35])
        cells = [grid[0, k] for k in range(n_models + 2)]
    extent = [-LIMIT, LIMIT, -LIMIT, LIMIT]
    top = np.exp(d.data_log_density).max()
    levels = top * np.exp(-0.5 * np.array([2.0, 1.0]) ** 2)  # the data's 1- and 2-sigma ellipses
    colors = ["#d62728", "#2ca02c", "#9467bd", "#8c564b"]
    panels = [fig.add_subplot(cells[k]) for k in range(n_models + 1)]
    for k, ax in enumerate(panels):
        density = d.data_log_density if k == 0 else d.model_log_density[k - 1]
        ax.imshow(np.exp(density), extent=extent, origin="lower", cmap="Blues", vmin=0, vmax=top * 1.1)
        ax.contour(
            d.axis, d.axis, np.exp(d.data_log_density), levels=levels, colors="black", linewidths=0.8, linestyles="--"
        )
        if k == 0:
            ax.scatter(
                d.data_samples[:, 0],
                d.data_samples[:, 1],
                s=1.5,
                color="#333333",
                alpha=0.35,
                linewidths=0,
                rasterized=True,
            )
            ax.set_title(T("data"), fontsize=10.5)
        else:
            n = d.layers[k - 1]
            title = T("layers_1") if n == 1 else T("layers").format(n=n)
            if d.nll[k - 1] is not None:
                title += "\n" + T("nll").format(nll=d.nll[k - 1], h=d.entropy)
            ax.set_title(title, fontsize=10.5, color=colors[k - 1])
        ax.set_xlabel("$x_1$")
        ax.set_xlim(-LIMIT, LIMIT)
        ax.set_ylim(-LIMIT, LIMIT)
        ax.set_aspect("equal")
    panels[0].set_ylabel("$x_2$")
    if narrow:
        for ax in panels[2::2]:
            ax.set_ylabel("$x_2$")

    ax = fig.add_subplot(cells[-1])
    ax.fill_between(d.axis, marginal_x1(d.data_log_density, d.axis), color="#9ecae1", label=T("data_marginal"))
    for k, density in enumerate(d.model_log_density):
        n = d.layers[k]
        name = T("layers_1") if n == 1 else T("layers").format(n=n)
        ax.plot(
            d.axis,
            marginal_x1(density, d.axis),
            color=colors[k],
            linewidth=2.4 - 0.5 * k,
            linestyle=("-", "--", ":")[k % 3],
            label=name,
        )
    ax.set_title(T("marginal"), fontsize=10.5)
    ax.set_xlabel("$x_1$")
    ax.set_xlim(-LIMIT, LIMIT)
    ax.set_ylim(0, None)
    ax.legend(fontsize=8.5, frameon=False, loc="upper left")
    fig.suptitle(style.fit(T("title"), narrow), fontsize=12.5)
    return fig


@figure_target(NAME, depends=MODELS)
def build(ctx) -> dict[str, list[Path]]:
    ckpts = [checkpoints.read(ctx.dep(m)[0]) for m in MODELS]
    data = compute([checkpoints.model_of(c) for c in ckpts], [c["meta"]["nll"] for c in ckpts])
    return draw_all(ctx, make, data)
