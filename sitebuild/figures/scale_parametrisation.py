r"""The effect of the log-scale parametrisation on training stability: three affine flows, the
same seed, data and (deliberately high) learning rate, differing only in how the conditioner's raw
output :math:`\tilde s` becomes the log-scale :math:`s` (:func:`explainer.transforms.coupling.log_scale`):
``tanh`` (:math:`s = 2\tanh(\tilde s/2)`), ``clamp`` (:math:`s = \mathrm{clamp}(\tilde s, -5, 5)`) and
``exp`` (:math:`s = \tilde s`, unbounded). Curves: training loss, gradient norm and
:math:`\max|s|` per step, from the real runs ``model:scale-{tanh,clamp,exp}``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from explainer import checkpoints
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "scale_parametrisation"
KINDS = ("tanh", "clamp", "exp")
MODELS = tuple(f"model:scale-{k}" for k in KINDS)
COLORS = {"tanh": "#2ca02c", "clamp": "#ff7f0e", "exp": "#d62728"}


def _smooth(values: np.ndarray, window: int = 15) -> np.ndarray:
    """Running median (ignores NaN); the raw curve is drawn faintly behind it."""
    out = np.full_like(values, np.nan)
    for i in range(len(values)):
        chunk = values[max(0, i - window // 2) : i + window // 2 + 1]
        chunk = chunk[np.isfinite(chunk)]
        if chunk.size and np.isfinite(values[i]):
            out[i] = np.median(chunk)
    return out


def make(lang: str, out_dir: str | Path, runs: dict) -> Path:
    r"""Draw the three runs' curves; ``runs`` maps ``tanh``/``clamp``/``exp`` to the ``meta``
    dictionary of :func:`sitebuild.models.flows2d.train_scale_run`. Return the PNG path.

    Example (three short real runs; what is drawn is what they recorded):
        >>> import tempfile
        >>> from sitebuild.models.flows2d import train_scale_run
        >>> runs = {k: train_scale_run(k, steps=15, layers=2, hidden=8)[2] for k in KINDS}
        >>> [len(runs[k]["loss"]) for k in KINDS]
        [15, 15, 15]
        >>> max(runs["tanh"]["max_s"]) <= 2.0      # the tanh bound holds
        True
        >>> make("zh", tempfile.mkdtemp(), runs).name
        'scale_parametrisation.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, runs, narrow), out_dir, NAME, lang)


def draw(lang: str, runs: dict, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    fig, axes = plt.subplots(
        *((3, 1) if narrow else (1, 3)),
        figsize=(style.NARROW_WIDTH, 9.6) if narrow else (15, 4.6),
        layout="constrained",
    )
    keys = ("loss", "grad_norm", "max_s")
    finite_loss = np.concatenate([np.asarray(r["loss"], float) for r in runs.values()])
    finite_loss = finite_loss[np.isfinite(finite_loss)]
    for ax, key in zip(axes, keys):
        for kind in KINDS:
            if kind not in runs:
                continue
            values = np.asarray(runs[kind][key], dtype=float)
            steps = np.arange(len(values))
            ax.plot(steps, values, color=COLORS[kind], linewidth=0.6, alpha=0.35)
            # clamp and exp are the same function until |s| reaches 5, so their curves coincide
            # until then: draw exp dashed on top so both stay visible
            ax.plot(
                steps,
                _smooth(values),
                color=COLORS[kind],
                linewidth=1.8,
                label=T(kind),
                linestyle="--" if kind == "exp" else "-",
            )
            stop = runs[kind].get("diverged_at")
            if stop is not None:
                last = np.flatnonzero(np.isfinite(values))
                if last.size:
                    at = last[-1]
                    ax.plot([at], [values[at]], "x", color=COLORS[kind], markersize=11, markeredgewidth=2.5)
                    if key == "loss":
                        ax.annotate(
                            T("diverged").format(step=stop),
                            (at, values[at]),
                            xytext=(-10, 12),
                            textcoords="offset points",
                            ha="right",
                            fontsize=9,
                            color=COLORS[kind],
                        )
        ax.set_xlabel(T("step"))
        ax.set_title(T(key), fontsize=11)
    axes[0].set_ylim(np.percentile(finite_loss, 0.5) - 0.2, min(np.percentile(finite_loss, 99.5) + 0.5, 12))
    axes[1].set_yscale("log")
    for bound, kind in ((2.0, "tanh"), (5.0, "clamp")):
        axes[2].axhline(bound, color=COLORS[kind], linewidth=0.8, linestyle=":")
        axes[2].text(0, bound, T("bound").format(b=bound), color=COLORS[kind], fontsize=8.5, va="bottom")
    axes[2].set_ylim(0, 6)
    axes[0].legend(fontsize=9, frameon=False, loc="upper right")
    lr = next(iter(runs.values()))["run"]["lr"]
    fig.suptitle(style.fit(T("title").format(lr=lr), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=MODELS)
def build(ctx) -> dict[str, list[Path]]:
    runs = {k: checkpoints.read(ctx.dep(m)[0])["meta"] for k, m in zip(KINDS, MODELS)}
    return draw_all(ctx, make, runs)
