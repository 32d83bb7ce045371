r"""Trajectories of the learned flow from noise (:math:`t = 0`) to data (:math:`t = 1`).

Particles :math:`x_0 \sim \mathcal{N}(0, I)` follow :math:`dx/dt = v_\theta(x, t)` (RK4, 25 steps,
every step recorded) under the model ``model:fm-8gaussians``. The dashed chords join each start
to its end: the trajectories are nearly straight, but not exactly, because the marginal field
averages many straight conditional paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints, datasets
from explainer.matching import solve
from explainer.matching.experiment import noise
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "fm_trajectories"
MODEL = "model:fm-8gaussians"
SOLVER = {"method": "rk4", "steps": 25}


@dataclass
class Trajectories:
    t: np.ndarray  # (K,) times
    xs: np.ndarray  # (K, n, 2) positions
    data: np.ndarray  # held-out data, for the background
    nfe: int


@torch.no_grad()
def compute(velocity, n: int = 250, seed: int = 0, data: str = "8gaussians") -> Trajectories:
    """``n`` trajectories from seeded noise, every solver step recorded."""
    sol = solve(velocity, noise(n, 2, seed), **SOLVER, return_intermediates=True)
    return Trajectories(sol.t.numpy(), sol.xs.numpy(), datasets.sample(data, 3000, seed=10_000).numpy(), sol.nfe)


def straightness(tr: Trajectories) -> np.ndarray:
    """Chord length / path length of each trajectory (1 = a straight line)."""
    steps = np.linalg.norm(np.diff(tr.xs, axis=0), axis=2).sum(axis=0)
    chord = np.linalg.norm(tr.xs[-1] - tr.xs[0], axis=1)
    return chord / np.maximum(steps, 1e-12)


def make(lang: str, out_dir: str | Path, data: Trajectories) -> Path:
    r"""Draw the trajectories; return the PNG path.

    Example (the drawn trajectories end exactly where the solver's output is):
        >>> import tempfile
        >>> from explainer.matching import VelocityMLP
        >>> v = VelocityMLP(2, hidden=8, depth=1)
        >>> tr = compute(v, n=40)
        >>> end = solve(v, noise(40, 2, 0), **SOLVER)
        >>> bool(np.allclose(tr.xs[-1], end.numpy())), tr.xs.shape, tr.nfe
        (True, (26, 40, 2), 100)
        >>> bool((straightness(tr) <= 1 + 1e-6).all())
        True
        >>> make("en", tempfile.mkdtemp(), tr).name
        'fm_trajectories.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Trajectories, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    tr = data
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:
        fig, (ax, ax_s) = plt.subplots(
            2, 1, figsize=(style.NARROW_WIDTH, 7.6), gridspec_kw={"height_ratios": [1.4, 1]}, constrained_layout=True
        )
    else:
        fig, (ax, ax_s) = plt.subplots(
            1, 2, figsize=(12, 5.6), gridspec_kw={"width_ratios": [1.5, 1]}, constrained_layout=True
        )
    ax.scatter(tr.data[:, 0], tr.data[:, 1], s=2, color=style.COLORS["data"], alpha=0.15, linewidths=0, label=T("data"))
    cmap = plt.get_cmap("plasma")
    for i in range(tr.xs.shape[1]):
        points = tr.xs[:, i]
        for k in range(len(tr.t) - 1):
            ax.plot(points[k : k + 2, 0], points[k : k + 2, 1], color=cmap(tr.t[k]), linewidth=0.7, alpha=0.8)
    for i in range(0, tr.xs.shape[1], 5):
        ax.plot(
            [tr.xs[0, i, 0], tr.xs[-1, i, 0]],
            [tr.xs[0, i, 1], tr.xs[-1, i, 1]],
            color="black",
            linewidth=0.5,
            linestyle="--",
            alpha=0.5,
        )
    ax.scatter(tr.xs[0, :, 0], tr.xs[0, :, 1], s=6, color=cmap(0.0), zorder=3, label=T("start"))
    ax.scatter(tr.xs[-1, :, 0], tr.xs[-1, :, 1], s=6, color=cmap(0.999), zorder=3, label=T("end"))
    ax.plot([], [], color="black", linestyle="--", linewidth=0.8, label=T("chord"))
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=8, markerscale=2)
    ax.set_title(style.fit(T("paths").format(nfe=tr.nfe), narrow), fontsize=11)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, shrink=0.7, pad=0.01).set_label("$t$")
    ratio = straightness(tr)
    ax_s.hist(ratio, bins=30, color=style.COLORS["latent"], range=(min(0.9, ratio.min()), 1.0))
    ax_s.set_xlabel(T("straightness"))
    ax_s.set_ylabel(T("count"))
    ax_s.set_title(style.fit(T("straightness_title").format(median=float(np.median(ratio))), narrow), fontsize=11)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=(MODEL,))
def build(ctx) -> dict[str, list[Path]]:
    velocity, _ = checkpoints.load(next(p for p in ctx.dep(MODEL) if p.suffix == ".pt"))
    return draw_all(ctx, make, compute(velocity))
