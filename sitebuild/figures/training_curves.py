r"""Training curves of the comparison: the loss against optimiser steps, mean over seeds.

Top row: RealNVP and NSF minimise the negative log-likelihood (minibatch NLL, averaged over
windows of steps; band = min–max over seeds), with the true entropy :math:`H(p_\mathrm{data})` below which no
model can go. Bottom row: flow matching minimises the CFM loss, whose minimum is the conditional
variance of the target, not zero. Data: ``model:comparison``'s ``results.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels
from sitebuild.models import comparison

NAME = "training_curves"
COLORS = {"realnvp": "#dd8452", "nsf": "#55a868", "fm": "#8172b2"}


def curves(results: dict) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """``{(method, dataset): {"step", "mean", "low", "high"}}`` over the seeds of ``results``."""
    out = {}
    for dataset in results["datasets"]:
        for method in results["methods"]:
            rows = [r for r in results["runs"] if r["method"] == method and r["dataset"] == dataset]
            if not rows:
                continue
            stack = np.stack([np.asarray(r["loss_curve"]) for r in rows])
            width = rows[0]["steps"] / stack.shape[1]  # every model has its own number of steps
            out[(method, dataset)] = {
                "step": (np.arange(stack.shape[1]) + 0.5) * width,
                "mean": stack.mean(0),
                "low": stack.min(0),
                "high": stack.max(0),
            }
    return out


def make(lang: str, out_dir: str | Path, results: dict) -> Path:
    r"""Draw the curves; return the PNG path.

    Example (two tiny fits per method: what is drawn is the mean of the seeds' loss histories):
        >>> import tempfile
        >>> from explainer import datasets
        >>> from explainer.matching.experiment import train_fm
        >>> from explainer.models import realnvp
        >>> from explainer.train import fit
        >>> x = datasets.sample("moons", 500)
        >>> runs = []
        >>> for seed in (0, 1):
        ...     h = fit(realnvp(layers=2, hidden=8), x, steps=20, batch_size=32, seed=seed, progress=False)
        ...     runs.append({"method": "realnvp", "dataset": "moons", "entropy": 2.39, "steps": 20,
        ...                  "loss_curve": comparison._curve(h.loss, 10)})
        ...     _, h = train_fm(x, hidden=8, depth=1, steps=20, batch_size=32, seed=seed)
        ...     runs.append({"method": "fm", "dataset": "moons", "entropy": 2.39, "steps": 20,
        ...                  "loss_curve": comparison._curve(h.loss, 10)})
        >>> results = {"datasets": ["moons"], "methods": ["realnvp", "fm"], "runs": runs}
        >>> c = curves(results)[("realnvp", "moons")]
        >>> bool(np.allclose(c["mean"], (np.array(runs[0]["loss_curve"]) + np.array(runs[2]["loss_curve"])) / 2))
        True
        >>> c["step"].tolist()[:3]
        [1.0, 3.0, 5.0]
        >>> make("en", tempfile.mkdtemp(), results).name
        'training_curves.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, results, narrow), out_dir, NAME, lang)


def draw(lang: str, results: dict, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    data = curves(results)
    names = results["datasets"]
    if narrow:  # one row per dataset: NLL left, CFM loss right
        fig, axes = plt.subplots(
            len(names),
            2,
            figsize=(style.NARROW_WIDTH, 1.9 * len(names) + 1.0),
            squeeze=False,
            sharex=True,
            constrained_layout=True,
        )
        axes = axes.T
    else:
        fig, axes = plt.subplots(
            2, len(names), figsize=(3.6 * len(names), 6.2), squeeze=False, sharex=True, constrained_layout=True
        )
    for j, dataset in enumerate(names):
        ax_nll, ax_fm = axes[0, j], axes[1, j]
        for method in results["methods"]:
            if (method, dataset) not in data:
                continue
            c = data[(method, dataset)]
            ax = ax_fm if method == "fm" else ax_nll
            ax.plot(c["step"], c["mean"], color=COLORS[method], label=T(method), linewidth=1.4)
            ax.fill_between(c["step"], c["low"], c["high"], color=COLORS[method], alpha=0.2, linewidth=0)
        entropy = next(r["entropy"] for r in results["runs"] if r["dataset"] == dataset)
        ax_nll.axhline(entropy, color="black", linestyle="--", linewidth=1, label=T("entropy"))
        top = max(
            (np.percentile(data[(m, dataset)]["mean"], 90) for m in ("realnvp", "nsf") if (m, dataset) in data),
            default=entropy + 1,
        )
        ax_nll.set_ylim(entropy - 0.2, max(top, entropy + 0.5))
        ax_nll.set_title(dataset, fontsize=11)
        if narrow:
            ax_fm.set_title(dataset, fontsize=11)
        if not narrow or j == len(names) - 1:
            ax_fm.set_xlabel(T("step"))
            if narrow:
                ax_nll.set_xlabel(T("step"))
        if j == 0:
            ax_nll.set_ylabel(T("nll"))
            ax_fm.set_ylabel(T("cfm"))
            ax_nll.legend(fontsize=8)
            ax_fm.legend(fontsize=8)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=("model:comparison",))
def build(ctx) -> dict[str, list[Path]]:
    results = json.loads(comparison.results_path(ctx.dep("model:comparison")).read_text())
    return draw_all(ctx, make, results)
