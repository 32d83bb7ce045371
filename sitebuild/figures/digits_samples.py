r"""Samples of the multi-scale RealNVP and the Glow trained on the 8×8 digits, at several
temperatures, next to real test digits, and a latent interpolation between two test digits.

A sample is :math:`n = \lfloor K\, x' \rfloor` with :math:`x' = f^{-1}(T z)`,
:math:`z \sim \mathcal{N}(0, I)`: the same :math:`z` in every row of a panel, so a column shows one
latent draw at every temperature :math:`T`. The interpolation decodes
:math:`z_t = (1 - t) z_a + t z_b` between the latents of two test digits (encoded at the cell
centres); its ends are the two digits exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from explainer import checkpoints
from sitebuild.figures import style
from sitebuild.figures._common import draw_all, figure_target, labels

NAME = "digits_samples"
TEMPERATURES = (0.5, 0.7, 0.85, 1.0)
N_SAMPLES, N_INTERP, PAIR = 10, 10, (3, 11)  # samples per row, interpolation steps, test digits a, b
MODELS = ("realnvp", "glow")
TARGETS = ("model:realnvp-digits", "model:glow-digits")  # the pipeline targets of MODELS
LEVELS = 17


@dataclass
class SampleData:
    real: np.ndarray  # (N, 8, 8) grey levels of test digits
    samples: dict  # model -> {T: (N, 8, 8)}
    interpolation: dict  # model -> (N_INTERP, 8, 8)
    test_bpd: dict  # model -> test bits/dim of the flow shown
    pair: tuple  # the two test digits (8, 8) each


def compute(flows: dict, test: torch.Tensor, test_bpd: dict, seed: int = 0) -> SampleData:
    """Draw the samples and the interpolation from ``flows`` (``{"realnvp": flow, "glow": flow}``)."""
    from explainer.images.evaluate import interpolate, samples

    out_samples, out_interp = {}, {}
    for name, flow in flows.items():
        out_samples[name] = {t: x[:, 0].numpy() for t, x in samples(flow, N_SAMPLES, TEMPERATURES, seed).items()}
        out_interp[name] = interpolate(flow, test[PAIR[0]], test[PAIR[1]], steps=N_INTERP)[:, 0].numpy()
    return SampleData(
        test[:N_SAMPLES, 0].numpy(),
        out_samples,
        out_interp,
        dict(test_bpd),
        (test[PAIR[0], 0].numpy(), test[PAIR[1], 0].numpy()),
    )


def mosaic(images: np.ndarray, gap: int = 1) -> np.ndarray:
    """Tile ``(n, h, w)`` images in a row with ``gap`` pixels of NaN (drawn as background) between.

    >>> mosaic(np.ones((3, 2, 2))).shape
    (2, 8)
    """
    n, h, w = images.shape
    row = np.full((h, n * w + (n - 1) * gap), np.nan)
    for i, image in enumerate(images):
        row[:, i * (w + gap) : i * (w + gap) + w] = image
    return row


def _show(ax, grid: np.ndarray) -> None:
    cmap = plt.get_cmap("gray_r").with_extremes(bad="#f3efe6")
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=LEVELS - 1, interpolation="nearest")
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


def make(lang: str, out_dir: str | Path, data: SampleData) -> Path:
    r"""Draw the sample grids and the interpolations; return the PNG path.

    Example (small untrained flows: what the figure shows is still true of them):
        >>> import tempfile
        >>> from explainer.images.models import glow, realnvp_image
        >>> from explainer import datasets
        >>> _, test = datasets.digits()
        >>> torch.manual_seed(0); flows = {"realnvp": realnvp_image(hidden=4), "glow": glow(steps=1, hidden=4)}
        <torch._C.Generator object at ...>
        >>> d = compute(flows, test.float(), {"realnvp": 9.9, "glow": 9.9})
        >>> all(set(np.unique(x)) <= set(range(17)) for s in d.samples.values() for x in s.values())   # grey levels
        True
        >>> all((i[0] == d.pair[0]).all() and (i[-1] == d.pair[1]).all() for i in d.interpolation.values())
        True
        >>> make("zh", tempfile.mkdtemp(), d).name
        'digits_samples.zh.png'
    """
    return style.save_layouts(lambda narrow: draw(lang, data, narrow), out_dir, NAME, lang)


def draw(lang: str, data: SampleData, narrow: bool) -> plt.Figure:
    """The figure, wide (a laptop) or narrow (a phone: panels stacked, about 4 in wide)."""
    T = labels(lang, NAME)
    style.use(lang)
    if narrow:  # the models one above the other, each with its interpolation
        fig = plt.figure(figsize=(style.NARROW_WIDTH, 2.7 * len(MODELS) + 0.8), layout="constrained")
        grid = fig.add_gridspec(2 * len(MODELS), 1, height_ratios=[len(TEMPERATURES) + 1.3, 1.25] * len(MODELS))
        cell = lambda row, col: grid[2 * col + row, 0]  # noqa: E731
    else:
        fig = plt.figure(figsize=(13, 5.1), layout="constrained")
        grid = fig.add_gridspec(2, 2, height_ratios=[len(TEMPERATURES) + 1.3, 1.25])
        cell = lambda row, col: grid[row, col]  # noqa: E731
    for col, model in enumerate(MODELS):
        ax = fig.add_subplot(cell(0, col))
        rows = [mosaic(data.real)] + [mosaic(data.samples[model][t]) for t in TEMPERATURES]
        gap = np.full((2, rows[0].shape[1]), np.nan)
        stacked = np.concatenate([rows[0], gap] + [r for row in rows[1:] for r in (row, gap[:1])][:-1])
        _show(ax, stacked)
        h = data.real.shape[1]
        centres = [h / 2 - 0.5] + [h + 2 + i * (h + 1) + h / 2 - 0.5 for i in range(len(TEMPERATURES))]
        ax.set_yticks(centres, [T("real")] + [T("temperature").format(t=t) for t in TEMPERATURES])
        ax.tick_params(axis="y", length=0)
        ax.set_title(T(model) + "\n" + T("bpd").format(bpd=data.test_bpd[model]), fontsize=11)
    for col, model in enumerate(MODELS):
        ax = fig.add_subplot(cell(1, col))
        _show(ax, mosaic(data.interpolation[model]))
        ax.set_yticks([3.5], [T("interpolation_row")])
        ax.tick_params(axis="y", length=0)
        ax.set_title(style.fit(T("interpolation").format(model=T(model + "_short")), narrow), fontsize=10)
    fig.suptitle(style.fit(T("title"), narrow), fontsize=13)
    return fig


@figure_target(NAME, depends=TARGETS, params={"temperatures": TEMPERATURES, "n": N_SAMPLES, "pair": PAIR})
def build(ctx) -> dict[str, list[Path]]:
    from explainer.images.training import digits_data
    from sitebuild.models.digits import seed_checkpoints

    flows, bpd = {}, {}
    for model, target_name in zip(MODELS, TARGETS):
        flows[model], meta = checkpoints.load(seed_checkpoints(ctx.dep(target_name))[0])
        bpd[model] = meta["test_bpd"]
    _, test = digits_data(0)
    with torch.no_grad():
        data = compute(flows, test, bpd)
    return draw_all(ctx, make, data)
