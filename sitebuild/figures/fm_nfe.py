r"""Flow matching: sample quality against the number of function evaluations (NFE).

Top: samples of the 8-Gaussians model (``model:comparison``, seed 0) with Euler and RK4 at equal
NFE (one noise draw for every panel). Bottom: the energy distance to held-out data against NFE on
each dataset for Euler, midpoint and RK4 (mean over the comparison's seeds, band = min–max), the
adaptive Dormand–Prince runs as points, and the floor (two held-out draws).
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints
from explainer.matching.experiment import sample
from explainer.matching.solvers import STAGES
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels
from sitebuild.models import comparison

NAME = "fm_nfe"
PANEL_NFE = (4, 8, 20, 100)
PANEL_SOLVERS = ("euler", "rk4")
COLORS = {"euler": "#d62728", "midpoint": "#ff7f0e", "rk4": "#2ca02c", "dopri5": "#1f77b4"}


@dataclass
class Curve:
    nfe: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]


def curves(results: dict) -> dict[str, dict]:
    """Per dataset: ``{"solvers": {solver: Curve}, "dopri5": [(nfe, energy)], "floor": float}``
    aggregated over the seeds of a comparison ``results`` dictionary (FM runs only)."""
    out = {}
    for dataset in results["datasets"]:
        runs = [r for r in results["runs"] if r["method"] == "fm" and r["dataset"] == dataset]
        if not runs:
            continue
        entry = {"solvers": {}, "dopri5": [], "floor": statistics.fmean(r["floor"] for r in runs)}
        n = len(runs[0]["nfe_sweep"])
        for solver in comparison.NFE_SOLVERS:
            idx = [i for i in range(n) if runs[0]["nfe_sweep"][i]["solver"] == solver]
            values = [[r["nfe_sweep"][i]["energy"] for r in runs] for i in idx]
            entry["solvers"][solver] = Curve(
                [runs[0]["nfe_sweep"][i]["nfe"] for i in idx],
                [statistics.fmean(v) for v in values],
                [min(v) for v in values],
                [max(v) for v in values],
            )
        for i in range(n):
            if runs[0]["nfe_sweep"][i]["solver"] == "dopri5":
                entry["dopri5"] += [(r["nfe_sweep"][i]["nfe"], r["nfe_sweep"][i]["energy"]) for r in runs]
        out[dataset] = entry
    return out


@torch.no_grad()
def panels(velocity, n: int = 1500, seed: int = 1) -> dict[tuple[str, int], np.ndarray]:
    """Samples for every (solver, NFE) of the top row, from one seeded noise draw."""
    return {
        (s, nfe): sample(velocity, n, s, nfe // STAGES[s], seed=seed).numpy()
        for s in PANEL_SOLVERS
        for nfe in PANEL_NFE
    }


@dataclass
class Nfe:
    curves: dict  # dataset -> entry of :func:`curves`
    samples: dict[tuple[str, int], np.ndarray]  # (solver, NFE) -> samples of :func:`panels`


def compute(results: dict, velocity, n: int = 1500, seed: int = 1) -> Nfe:
    """What the figure draws: the curves of a comparison ``results`` dictionary and the sample
    panels of ``velocity``."""
    return Nfe(curves(results), panels(velocity, n, seed))


def make(lang: str, out_dir: str | Path, data: Nfe) -> Path:
    r"""Draw sample panels and energy-distance curves (``data`` from :func:`compute`); return the PNG path.

    Example (a tiny untrained field and a two-seed sweep: the curves drawn are the seed means):
        >>> import tempfile
        >>> from explainer.matching import VelocityMLP
        >>> v = VelocityMLP(2, hidden=8, depth=1)
        >>> ref = torch.randn(60, 2)
        >>> runs = [{"method": "fm", "dataset": "moons", "floor": 0.01,
        ...          "nfe_sweep": comparison.nfe_sweep(v, ref, 60, s)} for s in (0, 1)]
        >>> results = {"datasets": ["moons"], "runs": runs}
        >>> c = curves(results)["moons"]["solvers"]["rk4"]
        >>> c.nfe == list(comparison.NFE_BUDGETS)
        True
        >>> bool(np.isclose(c.mean[0], (runs[0]["nfe_sweep"][12]["energy"] + runs[1]["nfe_sweep"][12]["energy"]) / 2))
        True
        >>> make("zh", tempfile.mkdtemp(), compute(results, v, n=50)).name
        'fm_nfe.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Nfe, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    samples = data.samples
    if narrow:  # a column per solver, a row per NFE; the curves two by two beneath
        n_curves = (len(data.curves) + 1) // 2
        fig = plt.figure(
            figsize=(style.NARROW_WIDTH, 2.1 * len(PANEL_NFE) + 2.3 * n_curves + 0.8), constrained_layout=True
        )
        grid = fig.add_gridspec(len(PANEL_NFE) + n_curves, 2, height_ratios=[1] * len(PANEL_NFE) + [1.15] * n_curves)
        panel = lambda row, col: grid[col, row]  # noqa: E731
        curve = lambda col: grid[len(PANEL_NFE) + col // 2, col % 2]  # noqa: E731
    else:
        fig = plt.figure(figsize=(13, 7.6), constrained_layout=True)
        grid = fig.add_gridspec(3, max(len(PANEL_NFE), len(data.curves)), height_ratios=[1, 1, 1.25])
        panel = lambda row, col: grid[row, col]  # noqa: E731
        curve = lambda col: grid[2, col]  # noqa: E731
    for row, solver in enumerate(PANEL_SOLVERS):
        for col, nfe in enumerate(PANEL_NFE):
            ax = fig.add_subplot(panel(row, col))
            x = samples[(solver, nfe)]
            ax.scatter(x[:, 0], x[:, 1], s=1.5, color=COLORS[solver], alpha=0.5, linewidths=0)
            ax.set_xlim(-4.5, 4.5)
            ax.set_ylim(-4.5, 4.5)
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            title = T("panel").format(solver=T(solver), nfe=nfe, steps=nfe // STAGES[solver])
            ax.set_title(style.fit(title, narrow, 20), fontsize=9.5)
    for col, (dataset, entry) in enumerate(data.curves.items()):
        ax = fig.add_subplot(curve(col))
        for solver, c in entry["solvers"].items():
            ax.plot(c.nfe, c.mean, marker="o", markersize=3, color=COLORS[solver], label=T(solver))
            ax.fill_between(c.nfe, c.low, c.high, color=COLORS[solver], alpha=0.15, linewidth=0)
        if entry["dopri5"]:
            nfe, energy = zip(*entry["dopri5"])
            ax.scatter(nfe, energy, marker="D", s=14, color=COLORS["dopri5"], zorder=4, label=T("dopri5"))
        ax.axhline(entry["floor"], color="black", linestyle="--", linewidth=1, label=T("floor"))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(dataset, fontsize=10)
        ax.set_xlabel(T("nfe"))
        if col == 0 or (narrow and col % 2 == 0):
            ax.set_ylabel(style.fit(T("energy"), narrow, 22))
        if col == 0 and narrow:
            fig.legend(
                *ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8.5, frameon=False
            )
        elif col == 0:
            ax.legend(fontsize=7.5, loc="upper right")
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=("model:comparison",))
def build(ctx) -> dict[str, list[Path]]:
    outputs = ctx.dep("model:comparison")
    results = json.loads(comparison.results_path(outputs).read_text())
    velocity, _ = checkpoints.load(comparison.checkpoint_path(outputs, "fm", "8gaussians", 0))
    return draw_all(ctx, make, compute(results, velocity))
