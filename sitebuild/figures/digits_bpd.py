r"""Bits per dimension on the 8×8 digits during training: test (every few steps, all seeds) and
train (the minibatch bound, smoothed) for the multi-scale RealNVP and the Glow, against the
independent per-pixel categorical baseline and the uniform :math:`\log_2 17`; and the final test
bits/dim per model (mean ± std over seeds).

Every number includes the dequantization term and the logit log-det:
:math:`\text{bpd} = (\mathbb{E}_u[\mathrm{NLL}_{\text{cont}}(x')] + D\ln K)/(D\ln 2)`.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from explainer import checkpoints
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "digits_bpd"
MODELS = ("realnvp", "glow")
TARGETS = ("model:realnvp-digits", "model:glow-digits")  # the pipeline targets of MODELS
COLORS = {"realnvp": "#1f77b4", "glow": "#d62728", "baseline": "#555555"}
SMOOTH = 25  # moving-average window of the per-step training curve


def smooth(values, window: int = SMOOTH) -> np.ndarray:
    """Trailing moving average (shorter window at the start).

    >>> smooth([1.0, 3.0, 5.0, 7.0], window=2).tolist()
    [1.0, 2.0, 4.0, 6.0]
    """
    v = np.asarray(values, dtype=float)
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    start = np.maximum(idx - window, 0)
    return (c[idx] - c[start]) / (idx - start)


def make(lang: str, out_dir: str | Path, metas: dict) -> Path:
    r"""``metas``: ``{"realnvp": [meta per seed], "glow": [...]}`` (the checkpoints' ``meta``).

    Example (toy metas, to check the drawing: the baseline line is the seeds' mean baseline):
        >>> import tempfile
        >>> toy = lambda b, s: {"test_bpd_curve": [(0, 4.0), (10, b)], "train_bpd_steps": [4.0] * 10,
        ...                     "test_bpd": b, "baseline_bpd": 2.4 + s / 100, "uniform_bpd": math.log2(17), "seed": s}
        >>> metas = {"realnvp": [toy(2.1, 0), toy(2.2, 1)], "glow": [toy(2.2, 0), toy(2.3, 1)]}
        >>> path = make("en", tempfile.mkdtemp(), metas)
        >>> path.name, round(LAST["baseline"], 3), [round(v, 3) for v in LAST["final"].values()]
        ('digits_bpd.png', 2.405, [2.15, 2.25])
    """
    return style.save_layouts(lambda narrow: draw(lang, metas, narrow), out_dir, NAME, lang)


def draw(lang: str, metas: dict, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:
        fig, (ax, bars) = plt.subplots(
            2, 1, figsize=(style.NARROW_WIDTH, 8.6), layout="constrained", gridspec_kw={"height_ratios": [1.3, 1]}
        )
    else:
        fig, (ax, bars) = plt.subplots(
            1, 2, figsize=(13, 4.8), layout="constrained", gridspec_kw={"width_ratios": [2.2, 1]}
        )
    baseline = float(np.mean([m["baseline_bpd"] for m in metas[MODELS[0]]]))
    uniform = metas[MODELS[0]][0]["uniform_bpd"]
    lowest = math.inf
    for model in MODELS:
        color = COLORS[model]
        for i, meta in enumerate(metas[model]):
            steps, test = zip(*meta["test_bpd_curve"])
            train = smooth(meta["train_bpd_steps"])
            first = i == 0
            ax.plot(
                steps,
                test,
                color=color,
                linewidth=1.8,
                marker="o",
                markersize=2.5,
                label=T("test").format(model=T(model)) if first else None,
            )
            ax.plot(
                np.arange(len(train)),
                train,
                color=color,
                linewidth=0.9,
                linestyle="--",
                alpha=0.8,
                label=T("train").format(model=T(model)) if first else None,
            )
            lowest = min(lowest, min(test), train[-1])
    ax.axhline(
        baseline, color=COLORS["baseline"], linewidth=1.5, linestyle="-.", label=T("baseline").format(bpd=baseline)
    )
    ax.set_ylim(lowest - 0.08, baseline + 0.75)  # the first steps (near log2 17) are cut off
    ax.set_xlabel(T("step"))
    ax.set_ylabel(T("bpd_axis"))
    ax.set_title(style.fit(T("curves").format(seeds=len(metas[MODELS[0]])), narrow), fontsize=11)
    ax.legend(fontsize=8.5, loc="upper right", ncols=1 if narrow else 2)
    ax.grid(alpha=0.25)

    final = {m: [meta["test_bpd"] for meta in metas[m]] for m in MODELS}
    names = [T(m) for m in MODELS] + [T("baseline_short")]
    means = [float(np.mean(final[m])) for m in MODELS] + [baseline]
    stds = [float(np.std(final[m], ddof=1)) if len(final[m]) > 1 else 0.0 for m in MODELS] + [
        float(np.std([m["baseline_bpd"] for m in metas[MODELS[0]]], ddof=1)) if len(metas[MODELS[0]]) > 1 else 0.0
    ]
    colors = [COLORS[m] for m in MODELS] + [COLORS["baseline"]]
    bars.bar(names, means, yerr=stds, color=colors, alpha=0.85, capsize=5, width=0.6)
    for x, (mean, std) in enumerate(zip(means, stds)):
        bars.text(x, mean + std + 0.02, f"{mean:.3f} ± {std:.3f}", ha="center", va="bottom", fontsize=9)
    bars.axhline(uniform, color="#999999", linewidth=1.0, linestyle=":")
    bars.text(
        len(names) - 0.5,
        uniform - 0.03,
        T("uniform").format(bpd=uniform),
        ha="right",
        va="top",
        fontsize=9,
        color="#666666",
    )
    bars.set_ylim(min(means) - 0.4, uniform + 0.1)
    bars.set_ylabel(T("bpd_axis"))
    bars.set_title(T("final"), fontsize=11)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    LAST.clear()
    LAST.update({"baseline": baseline, "final": {m: float(np.mean(final[m])) for m in MODELS}})
    return fig


LAST: dict = {}  # what the last make() drew (for the doctest)


@figure_target(NAME, depends=TARGETS)
def build(ctx) -> dict[str, list[Path]]:
    from sitebuild.models.digits import seed_checkpoints

    metas = {}
    for model, target_name in zip(MODELS, TARGETS):
        paths = seed_checkpoints(ctx.dep(target_name))
        metas[model] = [checkpoints.read(paths[s])["meta"] for s in sorted(paths)]
    return draw_all(ctx, make, metas)
