r"""``table:digits_bpd``: ``docs/generated/tables/digits_bpd.md`` / ``digits_bpd.zh.md``, the test
bits per dimension of the digits models (3 seeds) against the baselines."""

from __future__ import annotations

import math

import numpy as np

from explainer import checkpoints
from explainer.images.models import DIGITS_LEVELS
from explainer.images.training import DIMS, TEST_DRAWS
from sitebuild.models.digits import MODEL_NAMES, seed_checkpoints
from sitebuild.registry import target

TABLE_TEXT = {
    "en": {
        "model": "Model",
        "test": "Test bits/dim (mean ± std, 3 seeds)",
        "seeds": "Per seed",
        "train": "Train bits/dim",
        "time": "Training time / seed (CPU; wall)",
        "recon": "Max reconstruction error",
        "params": "Parameters",
        "baseline": "Independent per-pixel categorical (baseline)",
        "uniform": "Uniform over the 17 levels ($\\log_2 17$)",
        "realnvp-image": "Multi-scale RealNVP",
        "glow": "Glow",
        "caption": (
            "Test bits per dimension on scikit-learn's 8×8 digits (D = 64, K = 17), lower is better; "
            "the dequantization term $\\log_2 K$ and the logit log-det are included (bpd = "
            "(E<sub>u</sub>[NLL<sub>cont</sub>] + D ln K)/(D ln 2)), {draws} noise draws per test image. "
            "Seeds {seeds}; seed s trains from its own initialisation on its own train/test split "
            "(1,438 / 359 images). Budget `{budget}`: {steps} Adam steps, batch {batch}, lr {lr} "
            "(cosine decay), one CPU thread; training time excludes the periodic test evaluation, as CPU time "
            "(what one free core needs) and wall time (on the shared build machine). "
            "RealNVP: {realnvp}. Glow: {glow}. "
            "Reconstruction error: max |x' − f⁻¹(f(x'))| over the test set in float32; the floor "
            "recovered {recovered} of the grey levels."
        ),
    },
    "zh": {
        "model": "模型",
        "test": "测试集每维比特数（均值 ± 标准差，3 个种子）",
        "seeds": "各种子",
        "train": "训练集每维比特数",
        "time": "每个种子的训练时间（CPU；墙钟）",
        "recon": "最大重构误差",
        "params": "参数量",
        "baseline": "逐像素独立类别分布（基线）",
        "uniform": "17 个灰度级上的均匀分布（$\\log_2 17$）",
        "realnvp-image": "多尺度 RealNVP",
        "glow": "Glow",
        "caption": (
            "scikit-learn 8×8 手写数字（D = 64，K = 17）上的测试集每维比特数，越低越好；"
            "已计入去量化项 $\\log_2 K$ 与 logit 的对数行列式（bpd = "
            "(E<sub>u</sub>[NLL<sub>cont</sub>] + D ln K)/(D ln 2)），每张测试图像取 {draws} 次噪声。"
            "种子 {seeds}；种子 s 使用自己的初始化和自己的训练/测试划分（1,438 / 359 张图像）。"
            "预算 `{budget}`：{steps} 步 Adam，批大小 {batch}，学习率 {lr}（余弦衰减），单个 CPU 线程；"
            "训练时间不含定期的测试评估，分别给出 CPU 时间（一个空闲核心所需）"
            "和墙钟时间（在共享的构建机器上）。"
            "RealNVP：{realnvp}。Glow：{glow}。"
            "重构误差：测试集上 float32 的 max |x' − f⁻¹(f(x'))|；取整后恢复了 {recovered} 的灰度级。"
        ),
    },
}


def _mean_std(values) -> str:
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.3f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.3f}"


def describe(builder: str, kwargs: dict, lang: str) -> str:
    """A one-line architecture description."""
    if builder == "glow":
        return (
            f"{kwargs['scales']} levels × {kwargs['steps']} steps (ActNorm → 1×1 conv → affine coupling), "
            f"CNN {kwargs['depth']}×{kwargs['hidden']}"
            if lang == "en"
            else f"{kwargs['scales']} 个层级 × 每级 {kwargs['steps']} 步（ActNorm → 1×1 可逆卷积 → 仿射耦合层），"
            f"CNN {kwargs['depth']}×{kwargs['hidden']}"
        )
    return (
        f"{kwargs['scales']} scales (3 checkerboard + squeeze + 3 channel couplings, factor out half; "
        f"4 checkerboard at the last), CNN {kwargs['depth']}×{kwargs['hidden']}"
        if lang == "en"
        else f"{kwargs['scales']} 个尺度（3 个棋盘格掩码耦合 + 挤压 + 3 个通道掩码耦合，分出一半；"
        f"最后一个尺度 4 个棋盘格耦合），CNN {kwargs['depth']}×{kwargs['hidden']}"
    )


def table(metas: dict[str, list[dict]], kwargs: dict[str, dict], lang: str) -> str:
    """The markdown table of :data:`TABLE_TEXT` from the checkpoints' ``meta`` per builder."""
    T = TABLE_TEXT[lang]
    first = next(iter(metas.values()))[0]
    header = ("model", "test", "seeds", "train", "time", "recon", "params")
    rows = ["| " + " | ".join(T[k] for k in header) + " |", "|---|---|---|---|---|---|---|"]
    for builder, ms in metas.items():
        rows.append(
            f"| {T[builder]} | **{_mean_std([m['test_bpd'] for m in ms])}** | "
            f"{', '.join(format(m['test_bpd'], '.3f') for m in ms)} | "
            f"{_mean_std([m['train_bpd'] for m in ms])} | "
            f"{np.mean([m['cpu_seconds'] for m in ms]):.0f} s; {np.mean([m['seconds'] for m in ms]):.0f} s | "
            f"{max(m['reconstruction']['max_abs_error'] for m in ms):.1e} | {ms[0]['parameters']:,} |"
        )
    base = [m["baseline_bpd"] for m in next(iter(metas.values()))]
    rows.append(
        f"| {T['baseline']} | {_mean_std(base)} | {', '.join(f'{b:.3f}' for b in base)} | – | – | – | "
        f"{DIMS * (DIGITS_LEVELS - 1):,} |"
    )
    rows.append(f"| {T['uniform']} | {math.log2(DIGITS_LEVELS):.3f} | – | – | – | – | 0 |")
    recovered = min(m["reconstruction"]["levels_recovered"] for ms in metas.values() for m in ms)
    caption = T["caption"].format(
        draws=TEST_DRAWS,
        seeds=", ".join(str(m["seed"]) for m in next(iter(metas.values()))),
        budget=first["budget"],
        steps=first["fit"]["steps"],
        batch=first["fit"]["batch_size"],
        lr=first["fit"]["lr"],
        realnvp=describe("realnvp-image", kwargs["realnvp-image"], lang),
        glow=describe("glow", kwargs["glow"], lang),
        recovered=f"{100 * recovered:.1f}%",
    )
    return "\n".join(rows) + "\n\n" + caption + "\n"


@target("table:digits_bpd", "table", depends=tuple(f"model:{n}" for n in MODEL_NAMES.values()))
def build_table(ctx):
    metas, kwargs = {}, {}
    for builder, name in MODEL_NAMES.items():
        ckpts = [checkpoints.read(p) for _, p in sorted(seed_checkpoints(ctx.dep(f"model:{name}")).items())]
        metas[builder] = [c["meta"] for c in ckpts]
        kwargs[builder] = ckpts[0]["kwargs"]
    out = []
    for lang in ctx.langs:
        path = ctx.path("tables", "digits_bpd.md" if lang == "en" else f"digits_bpd.{lang}.md")
        path.write_text(table(metas, kwargs, lang))
        out.append(path)
    return out
