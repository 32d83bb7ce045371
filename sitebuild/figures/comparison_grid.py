r"""RealNVP, NSF and flow matching on the four datasets: samples and densities, next to the data.

Rows: circles, moons, 8gaussians, checkerboard. Columns: the data (samples and exact density),
then for each model its samples and its density :math:`p(x)` on a grid (coupling flows: exact
log-density; flow matching: the instantaneous change of variables with the exact divergence and
RK4, 25 steps). Models: seed 0 of ``model:comparison``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints, datasets
from explainer.device import single_thread
from explainer.matching import VelocityMLP, log_likelihood
from explainer.matching.experiment import sample
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels
from sitebuild.models import comparison

NAME = "comparison_grid"
LIMIT = 4.5
COLORS = {"data": style.COLORS["data"], "realnvp": "#dd8452", "nsf": "#55a868", "fm": "#8172b2"}


@dataclass
class Grid:
    axis: np.ndarray  # grid coordinates (n,)
    samples: dict[tuple[str, str], np.ndarray]  # (method or "data", dataset) -> (m, 2)
    density: dict[tuple[str, str], np.ndarray]  # (method or "data", dataset) -> (n, n), rows = y


@torch.no_grad()
def _density(model, points: torch.Tensor) -> torch.Tensor:
    if isinstance(model, VelocityMLP):
        return log_likelihood(model, points, **comparison.EVAL_SOLVER).exp()
    return model.log_prob(points).exp()


def compute(
    models: dict[tuple[str, str], torch.nn.Module], n_samples: int = 2000, n_grid: int = 70, seed: int = 1
) -> Grid:
    """Samples and grid densities of every ``models[(method, dataset)]`` and of the data."""
    axis = torch.linspace(-LIMIT, LIMIT, n_grid)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    points = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    samples, density = {}, {}
    for dataset in sorted({d for _, d in models}):
        samples[("data", dataset)] = datasets.sample(dataset, n_samples, seed=50_000).numpy()
        density[("data", dataset)] = datasets.log_prob(dataset, points).exp().reshape(n_grid, n_grid).numpy()
    for (method, dataset), model in models.items():
        if isinstance(model, VelocityMLP):
            x = sample(model, n_samples, seed=seed, **comparison.EVAL_SOLVER)
        else:
            x = model.sample(n_samples, seed=seed)
        samples[(method, dataset)] = x.numpy()
        density[(method, dataset)] = _density(model, points).reshape(n_grid, n_grid).numpy()
    return Grid(axis.numpy(), samples, density)


def make(lang: str, out_dir: str | Path, data: Grid) -> Path:
    r"""Draw the grid; return the PNG path.

    Example (a new coupling flow is the identity, so its density panel is the standard normal):
        >>> import tempfile
        >>> from explainer.models import realnvp
        >>> g = compute({("realnvp", "moons"): realnvp(layers=2, hidden=8)}, n_samples=100, n_grid=31)
        >>> x, y = np.meshgrid(g.axis, g.axis)
        >>> bool(np.allclose(g.density[("realnvp", "moons")], np.exp(-(x**2 + y**2) / 2) / (2 * np.pi), atol=1e-6))
        True
        >>> make("en", tempfile.mkdtemp(), g).name
        'comparison_grid.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Grid, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    rows = [d for d in datasets.NAMES if ("data", d) in data.samples]
    rows = [d for d in comparison.DATASETS if d in rows]
    columns = ["data"] + [m for m in comparison.METHODS if any((m, d) in data.samples for d in rows)]
    if narrow:  # one column per model; per dataset a row of samples and a row of densities
        fig, grid = plt.subplots(
            2 * len(rows),
            len(columns),
            figsize=(style.NARROW_WIDTH, 0.98 * 2 * len(rows) + 1.0),
            squeeze=False,
            constrained_layout=True,
        )
        axes = np.empty((len(rows), 2 * len(columns)), dtype=object)
        for i in range(len(rows)):
            for j in range(len(columns)):
                axes[i, 2 * j], axes[i, 2 * j + 1] = grid[2 * i, j], grid[2 * i + 1, j]
    else:
        fig, axes = plt.subplots(
            len(rows),
            2 * len(columns),
            figsize=(2.0 * 2 * len(columns), 2.1 * len(rows)),
            squeeze=False,
            constrained_layout=True,
        )
    extent = (data.axis[0], data.axis[-1], data.axis[0], data.axis[-1])
    for i, dataset in enumerate(rows):
        for j, column in enumerate(columns):
            ax_s, ax_d = axes[i, 2 * j], axes[i, 2 * j + 1]
            if (column, dataset) in data.samples:
                x = data.samples[(column, dataset)]
                ax_s.scatter(x[:, 0], x[:, 1], s=0.8, color=COLORS[column], alpha=0.5, linewidths=0)
                ax_d.imshow(
                    data.density[(column, dataset)],
                    origin="lower",
                    extent=extent,
                    cmap="magma",
                    interpolation="bilinear",
                )
            for ax in (ax_s, ax_d):
                ax.set_xlim(-LIMIT, LIMIT)
                ax.set_ylim(-LIMIT, LIMIT)
                ax.set_aspect("equal")
                ax.set_xticks([])
                ax.set_yticks([])
            if narrow:
                if i == 0:
                    ax_s.set_title(T(column), fontsize=9.5)
                if j == 0:
                    ax_s.set_ylabel(f"{dataset}\n" + T("samples").format(model="").strip(" :：").strip(), fontsize=9)
                    ax_d.set_ylabel(T("density").format(model="").strip(" :：").strip(), fontsize=9)
            elif i == 0:
                ax_s.set_title(T("samples").format(model=T(column)), fontsize=9.5)
                ax_d.set_title(T("density").format(model=T(column)), fontsize=9.5)
        if not narrow:
            axes[i, 0].set_ylabel(dataset, fontsize=10)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


def load_models(outputs: list[Path], seed: int = 0) -> dict:
    """Seed ``seed``'s model of every (method, dataset) from the outputs of ``model:comparison``."""
    models = {}
    for method in comparison.METHODS:
        for dataset in comparison.DATASETS:
            models[(method, dataset)], _ = checkpoints.load(comparison.checkpoint_path(outputs, method, dataset, seed))
    return models


@figure_target(NAME, depends=("model:comparison",))
def build(ctx) -> dict[str, list[Path]]:
    with single_thread():
        data = compute(load_models(ctx.dep("model:comparison")))
    return draw_all(ctx, make, data)
