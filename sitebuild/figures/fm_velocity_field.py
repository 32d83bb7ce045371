r"""The learned velocity field :math:`v_\theta(x, t)` on moons at several times.

Each panel shows the field on a grid as arrows (colour = speed :math:`\|v\|`) and, underneath,
where particles that started as noise at :math:`t = 0` are at that time (integrated with RK4 on a
40-step grid). Model: the pipeline target ``model:fm-moons``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints
from explainer.matching import solve
from explainer.matching.experiment import noise
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "fm_velocity_field"
MODEL = "model:fm-moons"
TIMES = (0.0, 0.25, 0.5, 0.75, 1.0)
LIMIT = 3.5


@dataclass
class Field:
    times: tuple[float, ...]
    grid: np.ndarray  # (G, 2) arrow positions
    arrows: list[np.ndarray]  # v(grid, t) per time, (G, 2)
    particles: list[np.ndarray]  # x_t of the particles per time, (n, 2)


@torch.no_grad()
def compute(velocity, n_grid: int = 19, n_particles: int = 1500, seed: int = 0) -> Field:
    """Arrows on an ``n_grid``² grid and particle positions at :data:`TIMES`."""
    axis = torch.linspace(-LIMIT, LIMIT, n_grid)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    arrows = [velocity(grid, t).numpy() for t in TIMES]
    time_grid = torch.linspace(0, 1, 41)
    sol = solve(velocity, noise(n_particles, 2, seed), "rk4", time_grid=time_grid, return_intermediates=True)
    index = [int(round(t * 40)) for t in TIMES]
    return Field(TIMES, grid.numpy(), arrows, [sol.xs[i].numpy() for i in index])


def make(lang: str, out_dir: str | Path, data: Field) -> Path:
    r"""Draw the field at :data:`TIMES` (``data`` from :func:`compute`); return the PNG path.

    Example (the arrows are the network's output at the grid points; particles start as noise):
        >>> import tempfile
        >>> from explainer.matching import VelocityMLP
        >>> v = VelocityMLP(2, hidden=8, depth=1)
        >>> f = compute(v, n_grid=5, n_particles=50)
        >>> bool(np.allclose(f.arrows[2], v(torch.tensor(f.grid), 0.5).detach().numpy()))
        True
        >>> bool(np.allclose(f.particles[0], noise(50, 2, 0).numpy()))
        True
        >>> make("en", tempfile.mkdtemp(), f).name
        'fm_velocity_field.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, f: Field, narrow: bool) -> plt.Figure:
    """The figure: one row of panels (wide), or two columns of them (narrow, for a phone)."""
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:
        rows = (len(f.times) + 1) // 2
        fig, grid = plt.subplots(rows, 2, figsize=(style.NARROW_WIDTH, 1.95 * rows + 1.1), constrained_layout=True)
        axes = list(grid.flat[: len(f.times)])
        for ax in grid.flat[len(f.times) :]:
            ax.remove()
    else:
        fig, axes = plt.subplots(1, len(f.times), figsize=(3.3 * len(f.times), 3.9), constrained_layout=True)
    speeds = [np.linalg.norm(a, axis=1) for a in f.arrows]
    vmax = max(float(s.max()) for s in speeds)
    spacing = float(np.diff(np.unique(f.grid[:, 0]))[0])
    # arrow length in data units = |v| / scale: the 95th-percentile speed gets 0.9 grid spacings
    scale = float(np.percentile(np.concatenate(speeds), 95)) / (0.9 * spacing)
    for ax, t, arrows, speed, x_t in zip(axes, f.times, f.arrows, speeds, f.particles):
        ax.scatter(x_t[:, 0], x_t[:, 1], s=2, color="#bbbbbb", alpha=0.6, linewidths=0, zorder=1)
        q = ax.quiver(
            f.grid[:, 0],
            f.grid[:, 1],
            arrows[:, 0],
            arrows[:, 1],
            speed,
            cmap="viridis",
            clim=(0, vmax),
            angles="xy",
            scale_units="xy",
            scale=scale,
            width=0.005,
            zorder=2,
        )
        ax.set_title(T("time").format(t=t), fontsize=11)
        ax.set_xlim(-LIMIT - 0.3, LIMIT + 0.3)
        ax.set_ylim(-LIMIT - 0.3, LIMIT + 0.3)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    if narrow:
        bar = fig.colorbar(q, ax=list(axes), orientation="horizontal", shrink=0.9, pad=0.02, aspect=30)
    else:
        bar = fig.colorbar(q, ax=list(axes), shrink=0.8, pad=0.01)
    bar.set_label(T("speed"))
    axes[0].set_xlabel(style.wrap(T("particles"), 30) if narrow else T("particles"), fontsize=9)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=(MODEL,))
def build(ctx) -> dict[str, list[Path]]:
    velocity, _ = checkpoints.load(next(p for p in ctx.dep(MODEL) if p.suffix == ".pt"))
    with torch.no_grad():
        data = compute(velocity)
    return draw_all(ctx, make, data)
