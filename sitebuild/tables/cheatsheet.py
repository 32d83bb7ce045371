r"""``table:cheatsheet``: every layer of the package on one page, with its forward map, inverse,
log-determinant and cost (``docs/generated/tables/cheatsheet(.zh).md``).

Each row carries, next to its formulas, ``example()`` (a layer and an input) and ``logdet(layer, x)``:
the log-det column written as code. ``tests/test_cheatsheet.py`` evaluates it on random inputs and
compares it with what the layer returns and with the autograd Jacobian, so a formula on the page
cannot drift from the code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from explainer import transforms as T
from explainer.transforms.masks import alternating_mask
from sitebuild.registry import target


@dataclass(frozen=True)
class Row:
    name: str  # the class in explainer.transforms
    forward: str | dict[str, str]  # LaTeX, x -> z (per language where it has words)
    inverse: str | dict[str, str]
    logdet: str  # log|det J| of the forward map
    cost: dict[str, str]  # per language
    example: Callable[[], tuple]  # () -> (layer, x)
    formula: Callable  # (layer, x) -> log|det J| per sample, the logdet column as code


def _seeded(layer, seed: int = 0, scale: float = 0.3):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return layer


def _x(*shape, seed: int = 1) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _tau_prime(layer, x):
    """The elementwise derivative of z_B with respect to x_B, by autograd (per sample)."""
    x = x.detach().clone().requires_grad_(True)
    z, _ = layer(x)
    b = layer.index_B
    cols = [torch.autograd.grad(z[:, i].sum(), x, retain_graph=True)[0][:, i] for i in b.tolist()]
    return torch.stack(cols, dim=1)


def _hw(layer) -> int:
    return layer.event_shape[1] * layer.event_shape[2]


IMAGE = (4, 2, 2)
ROWS = (
    Row(
        "AdditiveCoupling",
        r"$z_A = x_A,\ z_B = x_B + t(x_A)$",
        r"$x_B = z_B - t(z_A)$",
        r"$0$",
        {"en": "one conditioner pass each way", "zh": "每个方向算一次条件网络"},
        lambda: (_seeded(T.AdditiveCoupling(alternating_mask(4), hidden=8).double()), _x(5, 4)),
        lambda layer, x: torch.zeros(x.shape[0], dtype=x.dtype),
    ),
    Row(
        "AffineCoupling",
        r"$z_A = x_A,\ z_B = x_B \odot e^{s(x_A)} + t(x_A)$",
        r"$x_B = (z_B - t(z_A)) \odot e^{-s(z_A)}$",
        r"$\sum_i s_i(x_A)$",
        {"en": "one conditioner pass each way", "zh": "每个方向算一次条件网络"},
        lambda: (_seeded(T.AffineCoupling(alternating_mask(4), hidden=8).double()), _x(5, 4)),
        lambda layer, x: layer.scale_and_shift(x)[0].sum(dim=1),
    ),
    Row(
        "SplineCoupling",
        {
            "en": r"$z_A = x_A,\ z_{B,i} = \tau_i(x_{B,i})$, $\tau_i$ monotone rational-quadratic on $[-T, T]$",
            "zh": r"$z_A = x_A,\ z_{B,i} = \tau_i(x_{B,i})$，$\tau_i$ 是 $[-T, T]$ 上的单调有理二次样条",
        },
        {
            "en": r"$x_{B,i} = \tau_i^{-1}(z_{B,i})$: the root of a quadratic in its bin",
            "zh": r"$x_{B,i} = \tau_i^{-1}(z_{B,i})$：所在子区间里一个二次方程的根",
        },
        r"$\sum_i \log \tau_i'(x_{B,i})$",
        {
            "en": "one conditioner pass each way; $3K - 1$ parameters per entry",
            "zh": "每个方向算一次条件网络；每个分量 $3K - 1$ 个参数",
        },
        lambda: (_seeded(T.SplineCoupling(alternating_mask(4), hidden=8, bins=4, bound=3.0).double()), _x(5, 4)),
        lambda layer, x: _tau_prime(layer, x).log().sum(dim=1),
    ),
    Row(
        "ReversePermutation, RandomPermutation",
        r"$z = P x$",
        r"$x = P^\top z$",
        r"$0$",
        {"en": "a reindexing", "zh": "只是重排下标"},
        lambda: (T.RandomPermutation(4, seed=3), _x(5, 4)),
        lambda layer, x: torch.zeros(x.shape[0], dtype=x.dtype),
    ),
    Row(
        "InvertibleLinear",
        {
            "en": r"$z = W x,\ W = P L U$ (LU, $\mathrm{diag}\,U = \sigma \odot e^{\ell}$)",
            "zh": r"$z = W x,\ W = P L U$（LU 分解，$\mathrm{diag}\,U = \sigma \odot e^{\ell}$）",
        },
        {"en": r"$x = W^{-1} z$ (two triangular solves)", "zh": r"$x = W^{-1} z$（解两个三角方程组）"},
        r"$\sum_i \ell_i = \log\lvert\det W\rvert$",
        {"en": "$O(d^2)$ per sample; log-det $O(d)$", "zh": "每个样本 $O(d^2)$；对数行列式 $O(d)$"},
        lambda: (_seeded(T.InvertibleLinear(4).double()), _x(5, 4)),
        lambda layer, x: torch.linalg.slogdet(layer.weight()).logabsdet.expand(x.shape[0]),
    ),
    Row(
        "ActNorm",
        r"$z_{c,h,w} = x_{c,h,w}\, e^{s_c} + b_c$",
        r"$x_{c,h,w} = (z_{c,h,w} - b_c)\, e^{-s_c}$",
        r"$H W \sum_c s_c$",
        {"en": "elementwise", "zh": "逐元素"},
        lambda: (_seeded(T.ActNorm(IMAGE).double()), _x(5, *IMAGE)),
        lambda layer, x: (_hw(layer) * layer.log_scale.sum()).expand(x.shape[0]),
    ),
    Row(
        "InvConv1x1",
        {
            "en": r"$z_{:,h,w} = W x_{:,h,w}$, $W \in \mathbb{R}^{C \times C}$ (LU)",
            "zh": r"$z_{:,h,w} = W x_{:,h,w}$，$W \in \mathbb{R}^{C \times C}$（LU 分解）",
        },
        r"$x_{:,h,w} = W^{-1} z_{:,h,w}$",
        r"$H W \log\lvert\det W\rvert$",
        {"en": "$O(C^2)$ per pixel; log-det $O(C)$", "zh": "每个像素 $O(C^2)$；对数行列式 $O(C)$"},
        lambda: (_seeded(T.InvConv1x1(IMAGE).double()), _x(5, *IMAGE)),
        lambda layer, x: (_hw(layer) * torch.linalg.slogdet(layer.weight()).logabsdet).expand(x.shape[0]),
    ),
    Row(
        "Squeeze, Unsqueeze",
        {
            "en": r"$(C, H, W) \to (4C, \tfrac{H}{2}, \tfrac{W}{2})$: each $2 \times 2$ block becomes 4 channels",
            "zh": r"$(C, H, W) \to (4C, \tfrac{H}{2}, \tfrac{W}{2})$：每个 $2 \times 2$ 小块变成 4 个通道",
        },
        {"en": "the reverse reshape", "zh": "反向重排"},
        r"$0$",
        {"en": "a reindexing", "zh": "只是重排下标"},
        lambda: (T.Squeeze(IMAGE), _x(5, *IMAGE)),
        lambda layer, x: torch.zeros(x.shape[0], dtype=x.dtype),
    ),
    Row(
        "Split",
        {
            "en": r"$z = (h,\ (x_2 - \mu(h)) \odot e^{-\log\sigma(h)})$, $(h, x_2)$ the two halves of the channels",
            "zh": r"$z = (h,\ (x_2 - \mu(h)) \odot e^{-\log\sigma(h)})$，$(h, x_2)$ 是通道的前后两半",
        },
        r"$x_2 = z_2 \odot e^{\log\sigma(h)} + \mu(h)$",
        r"$-\sum \log\sigma(h)$",
        {"en": "one prior-network pass each way (none if not learned)", "zh": "每个方向算一次先验网络（不学习时没有）"},
        lambda: (_seeded(T.Split(IMAGE, hidden=8).double()), _x(5, *IMAGE)),
        lambda layer, x: -layer.mean_log_std(x.chunk(2, dim=1)[0])[1].reshape(x.shape[0], -1).sum(dim=1),
    ),
    Row(
        "Dequantize",
        r"$x' = (n + u) / K$, $u \sim \mathcal{U}[0, 1)^D$",
        r"$n = \lfloor K x' \rfloor$",
        r"$-D \log K$",
        {"en": "elementwise", "zh": "逐元素"},
        lambda: (T.Dequantize(IMAGE, levels=17), torch.randint(0, 17, (5, *IMAGE)).double()),
        lambda layer, x: torch.full((x.shape[0],), -x[0].numel() * math.log(layer.levels), dtype=x.dtype),
    ),
    Row(
        "Logit",
        r"$p = \alpha + (1 - 2\alpha)\, x',\ y = \log \frac{p}{1 - p}$",
        r"$x' = (\mathrm{sigmoid}(y) - \alpha) / (1 - 2\alpha)$",
        r"$\sum_i [\log(1 - 2\alpha) - \log p_i - \log(1 - p_i)]$",
        {"en": "elementwise", "zh": "逐元素"},
        lambda: (T.Logit(IMAGE, alpha=0.05), torch.rand(5, *IMAGE, dtype=torch.float64)),
        lambda layer, x: _logit_logdet(layer.alpha, x),
    ),
    Row(
        "Compose",
        r"$z = f_L \circ \dots \circ f_1(x)$",
        r"$x = f_1^{-1} \circ \dots \circ f_L^{-1}(z)$",
        r"$\sum_l \log\lvert\det J_{f_l}(h_{l-1})\rvert$",
        {"en": "the sum of its layers'", "zh": "各层之和"},
        lambda: (
            T.Compose(
                _seeded(T.AffineCoupling(alternating_mask(4), hidden=8).double()),
                _seeded(T.InvertibleLinear(4).double()),
            ),
            _x(5, 4),
        ),
        lambda layer, x: _compose_logdet(layer, x),
    ),
)


def _logit_logdet(alpha: float, x: torch.Tensor) -> torch.Tensor:
    p = alpha + (1 - 2 * alpha) * x
    terms = math.log(1 - 2 * alpha) - torch.log(p) - torch.log1p(-p)
    return terms.reshape(x.shape[0], -1).sum(dim=1)


def _compose_logdet(layer, x: torch.Tensor) -> torch.Tensor:
    total = torch.zeros(x.shape[0], dtype=x.dtype)
    for f in layer.transforms:
        total = total + next(r.formula for r in ROWS if type(f).__name__ in r.name.split(", "))(f, x)
        x, _ = f(x)
    return total


HEAD = {
    "en": "| layer | forward $x \\to z$ | inverse | $\\log\\lvert\\det J\\rvert$ (forward) | cost |",
    "zh": "| 层 | 正向 $x \\to z$ | 逆映射 | $\\log\\lvert\\det J\\rvert$（正向） | 计算量 |",
}
NOTE = {
    "en": (
        "Every log-det in this table is also code (`sitebuild/tables/cheatsheet.py`); a test evaluates "
        "it on random inputs and compares it with what the layer returns and with the log-determinant of "
        "the autograd Jacobian."
    ),
    "zh": (
        "表中每个对数行列式也写成了代码（`sitebuild/tables/cheatsheet.py`）；测试会在随机输入上计算它，"
        "并与该层返回的值以及 autograd 雅可比矩阵的对数行列式对比。"
    ),
}


def _in(value: str | dict[str, str], lang: str) -> str:
    return value[lang] if isinstance(value, dict) else value


def table(lang: str) -> str:
    """The markdown table in ``lang``.

    >>> table("en").splitlines()[2].startswith("| `AdditiveCoupling` |")
    True
    """
    rows = [HEAD[lang], "|---|---|---|---|---|"]
    for r in ROWS:
        names = "<br>".join(f"`{n}`" for n in r.name.split(", "))
        rows.append(f"| {names} | {_in(r.forward, lang)} | {_in(r.inverse, lang)} | {r.logdet} | {r.cost[lang]} |")
    return "\n".join(rows) + "\n\n" + NOTE[lang] + "\n"


@target("table:cheatsheet", "table", params={"rows": [r.name for r in ROWS]})
def build_table(ctx) -> list[Path]:
    out = []
    for lang in ctx.langs:
        path = ctx.path("tables", "cheatsheet.md" if lang == "en" else f"cheatsheet.{lang}.md")
        path.write_text(table(lang), encoding="utf-8")
        out.append(path)
    return out
