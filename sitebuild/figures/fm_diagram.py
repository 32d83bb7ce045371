r"""Flow matching as a block diagram: training (draw :math:`x_0`, :math:`x_1`, :math:`t`; form
:math:`x_t` on the straight path; regress :math:`v_\theta(x_t, t)` on :math:`x_1 - x_0`) and
sampling (integrate :math:`dx/dt = v_\theta(x, t)` from noise at :math:`t = 0` to :math:`t = 1`).

The path is :class:`explainer.matching.CondOTPath`'s, the loss :func:`explainer.matching.cfm_loss`,
and the sampler settings the ones the site's flow-matching numbers use
(:data:`explainer.matching.experiment.EVAL_SOLVER`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt

from explainer.matching.experiment import EVAL_SOLVER
from explainer.matching.solvers import STAGES
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels
from sitebuild.figures._diagram import arrow, box, canvas

NAME = "fm_diagram"


@dataclass
class Sampler:
    method: str
    steps: int
    nfe: int  # evaluations of v_theta


def compute() -> Sampler:
    """The sampler the site's flow-matching numbers use.

    >>> compute()
    Sampler(method='rk4', steps=25, nfe=100)
    """
    method, steps = EVAL_SOLVER["method"], EVAL_SOLVER["steps"]
    return Sampler(method, steps, STAGES[method] * steps)


def _training(ax, T) -> None:
    x1 = box(ax, 1.4, 3.2, 2.4, 0.8, T("x1"), "data")
    x0 = box(ax, 1.4, 1.7, 2.4, 0.8, r"$x_0 \sim \mathcal{N}(0, I)$", "latent")
    t = box(ax, 1.4, 0.2, 2.4, 0.8, r"$t \sim \mathcal{U}[0, 1]$", "op")
    xt = box(ax, 5.3, 1.7, 3.2, 0.9, r"$x_t = (1-t)\,x_0 + t\,x_1$", "op", 12)
    arrow(ax, x1.right(-0.2), xt.top(-0.6), rad=-0.15)
    arrow(ax, x0.right(), xt.left())
    arrow(ax, t.right(0.2), xt.bottom(-0.6), rad=0.15)
    v = box(ax, 9.0, 1.7, 2.2, 0.9, r"$v_\theta(x_t,\ t)$", "net", 13)
    arrow(ax, xt.right(), v.left())
    arrow(ax, t.right(-0.2), v.bottom(-0.3), rad=0.12)
    target = box(ax, 9.0, 3.4, 2.2, 0.8, r"$x_1 - x_0$", "data", 13)
    arrow(ax, x1.right(0.2), target.left(), T("target"))
    loss = box(ax, 12.9, 2.55, 3.6, 0.9, r"$\| v_\theta(x_t, t) - (x_1 - x_0) \|^2$", "loss", 12)
    arrow(ax, target.right(), loss.top(-0.8), rad=-0.2)
    arrow(ax, v.right(), loss.bottom(-0.8), rad=0.2)
    step = box(ax, 12.9, 0.6, 3.0, 0.8, T("update"), "op", 10.5)
    arrow(ax, loss.bottom(0.6), step.top(0.6))
    arrow(ax, step.left(), v.bottom(0.5), T("gradient"), side="below", rad=-0.3, color="#8172b3")
    ax.set_title(T("training"), fontsize=12, loc="left")
    canvas(ax, (-0.1, 14.9), (-0.6, 4.1))


def _sampling(ax, T, s: Sampler) -> None:
    x0 = box(ax, 1.6, 1.0, 2.9, 0.9, T("start"), "latent", 11)
    step = box(ax, 6.6, 1.0, 4.2, 1.1, T("step"), "net", 12)
    arrow(ax, x0.right(), step.left())
    ax.annotate(
        "",
        xy=step.top(-1.2),
        xytext=step.top(1.2),
        arrowprops={"arrowstyle": "-|>", "connectionstyle": "arc3,rad=0.9", "color": "#444", "lw": 1.4},
    )
    ax.text(6.6, 2.75, T("repeat"), ha="center", va="bottom", fontsize=10)
    end = box(ax, 11.9, 1.0, 3.0, 0.9, T("end"), "data", 11)
    arrow(ax, step.right(), end.left())
    ax.text(6.6, -0.1, T("solver").format(method=s.method.upper(), steps=s.steps, nfe=s.nfe), ha="center",
            va="top", fontsize=10)  # fmt: skip
    ax.set_title(T("sampling"), fontsize=12, loc="left")
    canvas(ax, (-0.1, 14.9), (-0.9, 3.3))


def _training_narrow(ax, T) -> None:
    """The training step top to bottom (a phone)."""
    x1 = box(ax, 1.3, 0.0, 2.4, 0.7, T("x1"), "data", 9.5)
    x0 = box(ax, 4.2, 0.0, 2.9, 0.7, r"$x_0 \sim \mathcal{N}(0, I)$", "latent", 9.5)
    t = box(ax, 7.1, 0.0, 2.4, 0.7, r"$t \sim \mathcal{U}[0, 1]$", "op", 9.5)
    xt = box(ax, 5.6, -1.5, 4.2, 0.8, r"$x_t = (1-t)\,x_0 + t\,x_1$", "op", 10)
    arrow(ax, x1.right(-0.2), xt.left())
    arrow(ax, x0.bottom(), xt.top(-1.4))
    arrow(ax, t.bottom(-0.3), xt.top(1.2))
    target = box(ax, 1.3, -1.95, 2.4, 1.3, style.wrap(T("target"), 14) + "\n" + r"$x_1 - x_0$", "data", 9)
    arrow(ax, x1.bottom(), target.top())
    v = box(ax, 5.6, -3.1, 2.6, 0.8, r"$v_\theta(x_t,\ t)$", "net", 11)
    arrow(ax, xt.bottom(), v.top())
    arrow(ax, t.right(), v.right(), rad=-0.4)
    loss = box(ax, 3.5, -4.6, 4.8, 0.85, r"$\| v_\theta(x_t, t) - (x_1 - x_0) \|^2$", "loss", 10)
    arrow(ax, target.bottom(), loss.top(-1.6))
    arrow(ax, v.bottom(), loss.top(1.4))
    step = box(ax, 3.6, -6.0, 3.4, 0.75, T("update"), "op", 9.5)
    arrow(ax, loss.bottom(), step.top())
    arrow(ax, step.right(), v.right(-0.2), T("gradient"), side="right", rad=0.4, color="#8172b3", fontsize=9)
    ax.set_title(T("training"), fontsize=11, loc="left")
    canvas(ax, (-0.1, 8.9), (-6.6, 0.6))


def _sampling_narrow(ax, T, s: Sampler) -> None:
    """Sampling top to bottom (a phone)."""
    x0 = box(ax, 4.0, 0.0, 4.6, 0.8, T("start"), "latent", 10)
    step = box(ax, 4.0, -1.6, 4.6, 1.2, T("step"), "net", 10.5)
    arrow(ax, x0.bottom(), step.top())
    ax.annotate(
        "",
        xy=step.right(0.35),
        xytext=step.right(-0.35),
        arrowprops={"arrowstyle": "-|>", "connectionstyle": "arc3,rad=1.6", "color": "#444", "lw": 1.4},
    )
    end = box(ax, 4.0, -3.2, 4.6, 0.8, T("end"), "data", 10)
    arrow(ax, step.bottom(), end.top())
    ax.text(4.0, -3.8, style.wrap(T("repeat"), 40), ha="center", va="top", fontsize=9)
    solver = T("solver").format(method=s.method.upper(), steps=s.steps, nfe=s.nfe)
    ax.text(4.0, -5.0, style.wrap(solver, 40), ha="center", va="top", fontsize=9)
    ax.set_title(T("sampling"), fontsize=11, loc="left")
    canvas(ax, (-0.1, 8.9), (-5.9, 0.6))


def make(lang: str, out_dir: str | Path, data: Sampler) -> Path:
    """Draw the diagram; return the PNG path (an SVG is written next to it).

    >>> import tempfile
    >>> make("en", tempfile.mkdtemp(), compute()).name
    'fm_diagram.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: Sampler, narrow: bool) -> plt.Figure:
    """The diagram: training above sampling, each left to right (wide) or top to bottom (narrow)."""
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:
        fig, axes = plt.subplots(
            2, 1, figsize=(style.NARROW_WIDTH, 7.6), layout="constrained", height_ratios=[7.2, 6.5]
        )
        _training_narrow(axes[0], T)
        _sampling_narrow(axes[1], T, data)
    else:
        fig, axes = plt.subplots(2, 1, figsize=(12, 6.9), layout="constrained", height_ratios=[4.7, 4.1])
        _training(axes[0], T)
        _sampling(axes[1], T, data)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME)
def build(ctx) -> dict[str, list[Path]]:
    return draw_all(ctx, make, compute())
