r"""The digits experiment: a multi-scale RealNVP and a Glow on scikit-learn's 8×8 digits, as
cached pipeline targets, and ``explainer train --model realnvp-image|glow --data digits``.

Targets (names are a contract):

- ``model:realnvp-digits``, ``model:glow-digits``: each trains its flow with 3 seeds (seed
  :math:`s` also picks the train/test split ``datasets.digits(seed=s)``) and writes
  ``.cache/pipeline/models/digits-<model>-seed<s>.pt`` (``{"builder", "kwargs", "state_dict",
  "meta"}``; ``meta`` holds the train/test bits-per-dimension curves, the final test bpd,
  the baseline's bpd on the same split, reconstruction error and training time).
- ``table:digits_bpd``: ``docs/generated/tables/digits_bpd.md`` / ``digits_bpd.zh.md``.
- ``export:digits-scales``: ``.cache/pipeline/exports/digits_scales.npz``, one test digit passing
  through the scales of both models (format in :func:`scales_export`).

Training and the model targets live in :mod:`explainer.images.training` (budgets ``quick`` and
``full`` there); this module adds the table, the export and the CLI.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..pipeline import target
from ..trained import load_checkpoint
from .evaluate import scale_map, trace_scales
from .models import DIGITS_LEVELS
from .training import (  # noqa: F401  (importing registers the model targets)
    BUDGETS,
    DIMS,
    MODEL_NAMES,
    TEST_DRAWS,
    digits_data,
    load_flow,
    seed_checkpoints,
    single_thread,
    train_digits,
)

# --- the table -----------------------------------------------------------------------------------

TABLE_TEXT = {
    "en": {
        "model": "Model", "test": "Test bits/dim (mean ± std, 3 seeds)", "seeds": "Per seed",
        "train": "Train bits/dim", "time": "Training time / seed (CPU; wall)", "recon": "Max reconstruction error",
        "params": "Parameters",
        "baseline": "Independent per-pixel categorical (baseline)",
        "uniform": "Uniform over the 17 levels ($\\log_2 17$)",
        "realnvp-image": "Multi-scale RealNVP", "glow": "Glow",
        "caption": ("Test bits per dimension on scikit-learn's 8×8 digits (D = 64, K = 17), lower is better; "
                    "the dequantization term $\\log_2 K$ and the logit log-det are included (bpd = "
                    "(E<sub>u</sub>[NLL<sub>cont</sub>] + D ln K)/(D ln 2)), {draws} noise draws per test image. "
                    "Seeds {seeds}; seed s trains from its own initialisation on its own train/test split "
                    "(1,438 / 359 images). Budget `{budget}`: {steps} Adam steps, batch {batch}, lr {lr} "
                    "(cosine decay), one CPU thread; training time excludes the periodic test evaluation, as CPU time "
                    "(what one free core needs) and wall time (on the shared build machine). "
                    "RealNVP: {realnvp}. Glow: {glow}. "
                    "Reconstruction error: max |x' − f⁻¹(f(x'))| over the test set in float32; the floor "
                    "recovered {recovered} of the grey levels."),
    },
    "zh": {
        "model": "模型", "test": "测试集每维比特数（均值 ± 标准差，3 个种子）", "seeds": "各种子",
        "train": "训练集每维比特数", "time": "每个种子的训练时间（CPU；墙钟）", "recon": "最大重构误差",
        "params": "参数量",
        "baseline": "逐像素独立类别分布（基线）",
        "uniform": "17 个灰度级上的均匀分布（$\\log_2 17$）",
        "realnvp-image": "多尺度 RealNVP", "glow": "Glow",
        "caption": ("scikit-learn 8×8 手写数字（D = 64，K = 17）上的测试集每维比特数，越低越好；"
                    "已计入去量化项 $\\log_2 K$ 与 logit 的对数行列式（bpd = "
                    "(E<sub>u</sub>[NLL<sub>cont</sub>] + D ln K)/(D ln 2)），每张测试图像取 {draws} 次噪声。"
                    "种子 {seeds}；种子 s 使用自己的初始化和自己的训练/测试划分（1,438 / 359 张图像）。"
                    "预算 `{budget}`：{steps} 步 Adam，批大小 {batch}，学习率 {lr}（余弦衰减），单个 CPU 线程；"
                    "训练时间不含定期的测试评估，分别给出 CPU 时间（一个空闲核心所需）"
                    "和墙钟时间（在共享的构建机器上）。"
                    "RealNVP：{realnvp}。Glow：{glow}。"
                    "重构误差：测试集上 float32 的 max |x' − f⁻¹(f(x'))|；取整后恢复了 {recovered} 的灰度级。"),
    },
}


def _mean_std(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.3f}"


def describe(builder: str, kwargs: dict, lang: str) -> str:
    """A one-line architecture description."""
    if builder == "glow":
        return (f"{kwargs['scales']} levels × {kwargs['steps']} steps (ActNorm → 1×1 conv → affine coupling), "
                f"CNN {kwargs['depth']}×{kwargs['hidden']}" if lang == "en" else
                f"{kwargs['scales']} 个层级 × 每级 {kwargs['steps']} 步（ActNorm → 1×1 可逆卷积 → 仿射耦合层），"
                f"CNN {kwargs['depth']}×{kwargs['hidden']}")
    return (f"{kwargs['scales']} scales (3 checkerboard + squeeze + 3 channel couplings, factor out half; "
            f"4 checkerboard at the last), CNN {kwargs['depth']}×{kwargs['hidden']}" if lang == "en" else
            f"{kwargs['scales']} 个尺度（3 个棋盘格掩码耦合 + 挤压 + 3 个通道掩码耦合，分出一半；"
            f"最后一个尺度 4 个棋盘格耦合），CNN {kwargs['depth']}×{kwargs['hidden']}")


def table(metas: dict[str, list[dict]], kwargs: dict[str, dict], lang: str) -> str:
    """The markdown table of :data:`TABLE_TEXT` from the checkpoints' ``meta`` per builder."""
    T = TABLE_TEXT[lang]
    first = next(iter(metas.values()))[0]
    header = ("model", "test", "seeds", "train", "time", "recon", "params")
    rows = ["| " + " | ".join(T[k] for k in header) + " |",
            "|---|---|---|---|---|---|---|"]
    for builder, ms in metas.items():
        rows.append(f"| {T[builder]} | **{_mean_std([m['test_bpd'] for m in ms])}** | "
                    f"{', '.join(format(m['test_bpd'], '.3f') for m in ms)} | "
                    f"{_mean_std([m['train_bpd'] for m in ms])} | "
                    f"{np.mean([m['cpu_seconds'] for m in ms]):.0f} s; {np.mean([m['seconds'] for m in ms]):.0f} s | "
                    f"{max(m['reconstruction']['max_abs_error'] for m in ms):.1e} | {ms[0]['parameters']:,} |")
    base = [m["baseline_bpd"] for m in next(iter(metas.values()))]
    rows.append(f"| {T['baseline']} | {_mean_std(base)} | {', '.join(f'{b:.3f}' for b in base)} | – | – | – | "
                f"{DIMS * (DIGITS_LEVELS - 1):,} |")
    rows.append(f"| {T['uniform']} | {math.log2(DIGITS_LEVELS):.3f} | – | – | – | – | 0 |")
    recovered = min(m["reconstruction"]["levels_recovered"] for ms in metas.values() for m in ms)
    caption = T["caption"].format(
        draws=TEST_DRAWS, seeds=", ".join(str(m["seed"]) for m in next(iter(metas.values()))),
        budget=first["budget"], steps=first["fit"]["steps"], batch=first["fit"]["batch_size"], lr=first["fit"]["lr"],
        realnvp=describe("realnvp-image", kwargs["realnvp-image"], lang), glow=describe("glow", kwargs["glow"], lang),
        recovered=f"{100 * recovered:.1f}%")
    return "\n".join(rows) + "\n\n" + caption + "\n"


@target("table:digits_bpd", "table", depends=tuple(f"model:{n}" for n in MODEL_NAMES.values()))
def build_table(ctx):
    metas, kwargs = {}, {}
    for builder, name in MODEL_NAMES.items():
        ckpts = [load_checkpoint(p) for _, p in sorted(seed_checkpoints(ctx.dep(f"model:{name}")).items())]
        metas[builder] = [c["meta"] for c in ckpts]
        kwargs[builder] = ckpts[0]["kwargs"]
    out = []
    for lang in ctx.langs:
        path = ctx.path("tables", "digits_bpd.md" if lang == "en" else f"digits_bpd.{lang}.md")
        path.write_text(table(metas, kwargs, lang))
        out.append(path)
    return out


# --- the export ----------------------------------------------------------------------------------

EXPORT_IMAGE_INDEX = 0   # which test digit (of seed 0's split) the export follows


def scales_export(flows: dict[str, torch.nn.Module], image: torch.Tensor) -> dict[str, np.ndarray]:
    r"""The arrays of ``digits_scales.npz``: one integer digit ``image`` ``(1, 8, 8)`` through every
    layer of each flow, encoded at the cell centres (:math:`u = 1/2`).

    Keys (``<m>`` is ``realnvp`` or ``glow``):

    - ``image`` (1, 8, 8) uint8 grey levels 0..16; ``levels`` = 17; ``models`` = the ``<m>`` names;
    - ``<m>_stage_names`` (S,) str: ``input``, ``Dequantize``, ``Logit``, then each layer's class
      (couplings as ``AffineCoupling(checkerboard)`` / ``AffineCoupling(channel)``);
    - ``<m>_stage_scales`` (S,) int: the scale each stage works at (0 = full resolution);
    - ``<m>_stage_NN`` (C, H, W) float32 for NN = 00..S-1: the working tensor after stage NN (the
      part still being transformed at that scale: shapes shrink after each Split);
    - ``<m>_factored_L`` (C, H, W) float32: the variables finished at scale L (after the split prior);
    - ``<m>_latent`` (1, 8, 8) float32: the whole latent z, every value at the pixel it came from;
    - ``<m>_scale_map`` (1, 8, 8) int: at each latent pixel, the scale (1-based) that finished it;
    - ``<m>_log_prob``, ``<m>_logabsdet``, ``<m>_bpd`` (scalars, nats / bits for this image, u = 1/2).

    >>> from explainer.images.models import glow
    >>> arrays = scales_export({"glow": glow(steps=1, hidden=8)}, torch.randint(0, 17, (1, 8, 8)).float())
    >>> arrays["glow_stage_names"][:3].tolist(), arrays["glow_latent"].shape
    (['input', 'Dequantize', 'Logit'], (1, 8, 8))
    >>> sorted(set(arrays["glow_scale_map"].ravel().tolist()))
    [1, 2]
    """
    arrays: dict[str, np.ndarray] = {"image": image.numpy().astype(np.uint8), "levels": np.array(DIGITS_LEVELS),
                                     "models": np.array(list(flows))}
    for m, flow in flows.items():
        t = trace_scales(flow, image)
        arrays[f"{m}_stage_names"] = np.array([s[0] for s in t["stages"]])
        arrays[f"{m}_stage_scales"] = np.array([s[1] for s in t["stages"]])
        for k, (_, _, tensor) in enumerate(t["stages"]):
            arrays[f"{m}_stage_{k:02d}"] = tensor.numpy().astype(np.float32)
        for level, z in enumerate(t["factored"], start=1):
            arrays[f"{m}_factored_{level}"] = z.numpy().astype(np.float32)
        arrays[f"{m}_latent"] = t["latent"].numpy().astype(np.float32)
        arrays[f"{m}_scale_map"] = scale_map(flow).numpy().astype(np.int64)
        arrays[f"{m}_log_prob"] = np.array(t["log_prob"])
        arrays[f"{m}_logabsdet"] = np.array(t["logabsdet"])
        arrays[f"{m}_bpd"] = np.array(-t["log_prob"] / (DIMS * math.log(2)))
    return arrays


@target("export:digits-scales", "export", depends=tuple(f"model:{n}" for n in MODEL_NAMES.values()),
        params={"index": EXPORT_IMAGE_INDEX})
def build_export(ctx):
    flows = {}
    for builder, name in MODEL_NAMES.items():
        path = seed_checkpoints(ctx.dep(f"model:{name}"))[0]
        flows["realnvp" if builder == "realnvp-image" else "glow"] = load_flow(path)[0]
    _, test = digits_data(0)
    arrays = scales_export(flows, test[EXPORT_IMAGE_INDEX])
    path = ctx.path("exports", "digits_scales.npz", cache=True)
    np.savez_compressed(path, **arrays)
    return [path]


# --- the CLI -------------------------------------------------------------------------------------

def train_cli(args, device) -> int:
    """``explainer train --model realnvp-image|glow --data digits``: train one seed with the
    quick budget's architecture (``--hidden``, ``--steps``, ``--lr``, ``--batch-size`` override
    it when given), report test bpd vs the baseline, reconstruction and time."""
    builder = args.model
    plan = BUDGETS["quick"]
    model_kwargs = {k: v for k, v in (("hidden", getattr(args, "hidden", None)),) if v is not None}
    fit_kwargs = {k: v for k, v in (("steps", args.steps), ("lr", args.lr), ("batch_size", args.batch_size))
                  if v is not None}
    with single_thread():   # one thread: as fast for networks this small, and no oversubscription
        flow, kwargs, meta = train_digits(builder, args.seed, "quick", model_kwargs=model_kwargs,
                                          fit_kwargs=fit_kwargs, device=device, progress=not args.quiet)
    steps = meta["fit"]["steps"]
    print(f"trained {builder} {kwargs} on the 8x8 digits for {steps} steps on {device} "
          f"(quick budget: {plan['fit']})")
    print(f"train time          {meta['seconds']:.1f} s wall, {meta['cpu_seconds']:.1f} s CPU "
          f"({1000 * meta['cpu_seconds'] / steps:.1f} ms/step CPU)")
    print(f"test bits/dim       {meta['test_bpd']:.4f}  ({TEST_DRAWS} noise draws per image)")
    print(f"train bits/dim      {meta['train_bpd']:.4f}")
    print(f"baseline bits/dim   {meta['baseline_bpd']:.4f}  (independent per-pixel categorical)")
    print(f"uniform bits/dim    {meta['uniform_bpd']:.4f}  (log2 17)")
    r = meta["reconstruction"]
    print(f"reconstruction      max |x' - f^-1(f(x'))| = {r['max_abs_error']:.2e}, "
          f"grey levels recovered {100 * r['levels_recovered']:.1f}%")
    return 0
