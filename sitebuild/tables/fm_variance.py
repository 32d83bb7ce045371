r"""``table:fm_variance``: the flow-matching page's claim, measured on the trained moons model.

For the linear path with independent :math:`x_0 \sim \mathcal{N}(0, I)` and :math:`x_1 \sim p_\mathrm{data}`,

.. math::

    \operatorname{tr}\operatorname{Cov}(x_t) = (1-t)^2 d + t^2 S, \qquad
    S = \operatorname{tr}\operatorname{Cov}(x_1), \qquad
    u_0(x) = \mathbb{E}[x_1] - x .

The table follows 5,000 noise points through ``model:fm-moons`` (RK4, 40 steps) and compares the
particles' total variance at each :math:`t` with the formula (``S`` from 200,000 data points), and
the trained field at :math:`t = 0` with :math:`\mathbb{E}[x_1] - x`. Written to
``docs/generated/tables/fm_variance(.zh).md``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from explainer import checkpoints, datasets
from explainer.matching.solvers import solve
from sitebuild.registry import target

DATASET, N_PARTICLES, STEPS, N_DATA, SEED = "moons", 5_000, 40, 200_000, 0
TIMES = tuple(i / 10 for i in range(11))

TEXT = {
    "en": {
        "model": "trained model's particles",
        "exact": "$(1-t)^2 d + t^2 S$",
        "caption": (
            "Total variance $\\operatorname{{tr}}\\operatorname{{Cov}}(x_t)$ along the path on moons ($d = 2$, "
            "$S = {S:.3f}$): {n:,} noise points moved by the trained field of `model:fm-moons` (RK4, {steps} "
            "steps) against the exact value for the linear path. The exact minimum is at "
            "$t^* = d/(d+S) = {t_star:.3f}$, where the variance is $dS/(d+S) = {v_star:.3f}$, below both the "
            "noise's {d} and the data's {S:.3f}; the particles' smallest variance on this grid is "
            "{v_min:.3f} at $t = {t_min:.1f}$. At $t = 0$ the trained field is $\\mathbb{{E}}[x_1] - x$ up to "
            "a relative RMS difference of {rel:.1%}: every point is first pulled towards the data mean."
        ),
    },
    "zh": {
        "model": "训练所得模型的粒子",
        "exact": "$(1-t)^2 d + t^2 S$",
        "caption": (
            "two moons 数据上沿路径的总方差 $\\operatorname{{tr}}\\operatorname{{Cov}}(x_t)$（$d = 2$，"
            "$S = {S:.3f}$）：用 `model:fm-moons` 训练所得的速度场（RK4，{steps} 步）推动 {n:,} 个噪声点，"
            "与线性路径的精确值对比。精确的最小值在 $t^* = d/(d+S) = {t_star:.3f}$，此时方差为 "
            "$dS/(d+S) = {v_star:.3f}$，比噪声的 {d} 和数据的 {S:.3f} 都小；粒子在这组时刻上的最小方差为 "
            "{v_min:.3f}，出现在 $t = {t_min:.1f}$。在 $t = 0$ 处，训练所得的速度场与 "
            "$\\mathbb{{E}}[x_1] - x$ 的相对均方根差为 {rel:.1%}：每个点首先被拉向数据的均值。"
        ),
    },
}


def measure(velocity, data: torch.Tensor) -> dict:
    """Particle variances at :data:`TIMES`, the exact ones for ``data`` (samples of :math:`x_1`),
    and the field at t = 0 against :math:`\\mathbb{E}[x_1] - x` (relative RMS difference).

    >>> mu = torch.tensor([1.0, -2.0])   # x_1 ~ N(mu, 4 I): the exact marginal field is known
    >>> def exact(x, t):
    ...     s2 = (1 - t) ** 2 + 4 * t**2
    ...     return mu + (4 * t - (1 - t)) / s2 * (x - t * mu)
    >>> m = measure(exact, mu + 2 * torch.randn(200_000, 2, generator=torch.Generator().manual_seed(0)))
    >>> max(abs(a / b - 1) for a, b in zip(m["model"], m["exact"])) < 0.05, m["rel"] < 0.01
    (True, True)
    """
    g = torch.Generator().manual_seed(SEED)
    x_0 = torch.randn(N_PARTICLES, data.shape[1], generator=g)
    d, S = x_0.shape[1], data.var(dim=0).sum().item()
    sol = solve(velocity, x_0, "rk4", STEPS, return_intermediates=True)
    every = STEPS // (len(TIMES) - 1)
    model = [sol.xs[i * every].var(dim=0).sum().item() for i in range(len(TIMES))]
    exact = [(1 - t) ** 2 * d + t**2 * S for t in TIMES]
    with torch.no_grad():
        target_0 = data.mean(dim=0) - x_0
        rel = ((velocity(x_0, 0.0) - target_0).pow(2).sum(1).mean() / target_0.pow(2).sum(1).mean()).sqrt().item()
    i_min = min(range(len(TIMES)), key=model.__getitem__)
    return {
        "d": d,
        "S": S,
        "model": model,
        "exact": exact,
        "t_star": d / (d + S),
        "v_star": d * S / (d + S),
        "v_min": model[i_min],
        "t_min": TIMES[i_min],
        "rel": rel,
    }


def table(m: dict, lang: str) -> str:
    """The markdown table and its caption in ``lang``."""
    words = TEXT[lang]
    row = lambda label, values: f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + " |"  # noqa: E731
    return "\n".join(
        [
            "| $t$ | " + " | ".join(f"{t:.1f}" for t in TIMES) + " |",
            "|---" * (len(TIMES) + 1) + "|",
            row(words["model"], m["model"]),
            row(words["exact"], m["exact"]),
            "",
            words["caption"].format(n=N_PARTICLES, steps=STEPS, **m),
            "",
        ]
    )


@target(
    "table:fm_variance",
    "table",
    depends=(f"model:fm-{DATASET}",),
    params={"particles": N_PARTICLES, "steps": STEPS, "data": N_DATA, "seed": SEED, "times": TIMES},
)
def build_table(ctx) -> list[Path]:
    velocity, _ = checkpoints.load(ctx.dep(f"model:fm-{DATASET}")[0])
    m = measure(velocity, datasets.sample(DATASET, N_DATA, seed=SEED + 1))
    out = []
    for lang in ctx.langs:
        path = ctx.path("tables", "fm_variance.md" if lang == "en" else f"fm_variance.{lang}.md")
        path.write_text(table(m, lang), encoding="utf-8")
        out.append(path)
    return out
