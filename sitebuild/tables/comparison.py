"""The comparison page's table (``table:comparison``): RealNVP vs NSF vs flow matching on the
four 2D datasets, from ``model:comparison``'s ``results.json``, in English and Chinese."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from sitebuild.models.comparison import LABELS, METHODS, PLATEAU, PROBE_STEPS, results_path
from sitebuild.registry import GENERATED, target


def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _pm(values: list[float], digits: int = 3, scale: float = 1.0) -> str:
    m, s = _mean_std([v * scale for v in values])
    return f"{m:.{digits}f} ± {s:.{digits}f}"


TABLE_TEXT = {
    "en": {
        "caption": (
            "**Budget `{budget}`** ({date}, {cpu}, {workers} worker processes × 1 thread): Adam with "
            "cosine decay, {n_train:,} training points, {n_seeds} seeds ({seeds}), mean ± standard deviation "
            "over seeds. Each model has its own recipe, chosen so that its held-out NLL has stopped "
            "improving (the plateau table below): "
            "**RealNVP** {layers} alternating affine couplings, conditioner MLP {depth}×{hidden}, "
            "{r_steps:,} steps, batch {r_batch}, lr {r_lr:g}; "
            "**NSF** {n_layers} alternating spline couplings ({bins} bins, bound {bound}), conditioner MLP "
            "{n_depth}×{n_hidden}, {n_steps:,} steps, batch {n_batch}, lr {n_lr:g}; "
            "**flow matching** velocity MLP {fm_depth}×{fm_hidden} SiLU with $t$ concatenated, "
            "{f_steps:,} steps, batch {f_batch}, lr {f_lr:g}. "
            "Parameters: RealNVP {p_realnvp:,}, NSF {p_nsf:,}, FM {p_fm:,}. "
            "NLL on {n_test:,} held-out points; energy distance between {n_samples:,} model samples "
            "and {n_samples:,} held-out points. Flow matching: NLL by the exact divergence, samples and "
            "reconstruction with {solver}. Training time is what one model trained alone costs: ms/step "
            "measured over {probe:,} steps of a separate run, times the recipe's steps (the build trains "
            "the seeds side by side as one batched network, which gives each the same updates in less time)."
        ),
        "head": (
            "| data ($H(p_\\mathrm{{data}})$) | model | test NLL (nats) | gap to $H(p_\\mathrm{{data}})$ "
            "| energy distance ×10³ (floor) "
            "| train (s) | ms/step | sample {n_timing:,} (s) | reconstruction $\\max\\|x-\\hat x\\|_\\infty$ |"
        ),
        "plateau_caption": (
            "**Has each model stopped improving?** Seed {seed} of every model trained again with a fifth "
            "fewer steps (the same recipe, its own cosine decay), on the same data: how much the held-out "
            "NLL still fell over the last fifth of the budget. The build fails if any fall exceeds "
            "{max_fall:.0%} of the NLL."
        ),
        "plateau_head": (
            "| data | model | steps | NLL at {fraction:.0%} of the steps | NLL at the full budget "
            "| fall (nats) | fall (%) |"
        ),
        "nfe_caption": (
            "**Flow matching: energy distance ×10³ against NFE** (mean over {n_seeds} seeds, same "
            "samples of noise for every solver; the floor row is two held-out draws). Note 004's "
            "sampler is Euler with 100 steps."
        ),
        "nfe_head": "| solver | steps | NFE |",
        "floor": "floor (two held-out draws)",
        "adaptive": "adaptive, tol {tol:g}",
        "notes": (
            "The gap is test NLL − $H(p_\\mathrm{data})$, an estimate of KL(p_data‖p_θ); "
            "a value slightly below 0 is sampling noise. "
            "Wall times depend on the machine and on the other process running beside each job; "
            "the ratios are the informative part. Regenerate the full budget with "
            "`python -m sitebuild.models.comparison --budget full`."
        ),
    },
    "zh": {
        "caption": (
            "**预算 `{budget}`**（{date}，{cpu}，{workers} 个工作进程 × 1 线程）：Adam，学习率余弦衰减，"
            "训练点 {n_train:,} 个；{n_seeds} 个随机种子（{seeds}），报告种子间的均值 ± 标准差。每个模型有自己的"
            "训练配方，选取的标准是它在留出集上的 NLL 已不再下降（见下方的平台期检验表）："
            "**RealNVP** {layers} 个交替仿射耦合层，条件网络 MLP {depth}×{hidden}，{r_steps:,} 步，批大小 "
            "{r_batch}，学习率 {r_lr:g}；"
            "**NSF** {n_layers} 个交替样条耦合层（{bins} 个子区间，边界 {bound}），条件网络 MLP "
            "{n_depth}×{n_hidden}，{n_steps:,} 步，批大小 {n_batch}，学习率 {n_lr:g}；"
            "**流匹配** 速度场 MLP {fm_depth}×{fm_hidden}，SiLU，$t$ 直接拼接，{f_steps:,} 步，批大小 "
            "{f_batch}，学习率 {f_lr:g}。"
            "参数量：RealNVP {p_realnvp:,}，NSF {p_nsf:,}，流匹配 {p_fm:,}。负对数似然（NLL）在 {n_test:,} "
            "个留出点上计算；"
            "能量距离在 {n_samples:,} 个模型样本与 {n_samples:,} 个留出点之间计算。流匹配：NLL 用精确散度，"
            "采样与重建用 {solver}。训练时间指单独训练一个模型的耗时：另做一次 {probe:,} 步的单独训练，测出每步毫秒数，"
            "再乘以配方的步数（构建时各随机种子并排合成一个批量化网络同时训练，每个模型得到的更新与单独训练相同，只是更快）。"
        ),
        "head": (
            "| 数据（$H(p_\\mathrm{{data}})$） | 模型 | 测试集 NLL（nats） | 与 $H(p_\\mathrm{{data}})$ 的差距 "
            "| 能量距离 ×10³（下限） "
            "| 训练（秒） | 毫秒/步 | 采样 {n_timing:,} 个（秒） | 重建误差 $\\max\\|x-\\hat x\\|_\\infty$ |"
        ),
        "plateau_caption": (
            "**每个模型都训练到头了吗？** 每个模型的种子 {seed} 用少五分之一的步数重新训练一次（配方相同，"
            "余弦衰减按自己的步数重排），数据完全相同：留出集 NLL 在预算的最后五分之一里还下降了多少。"
            "任何一项下降超过 NLL 的 {max_fall:.0%}，构建即失败。"
        ),
        "plateau_head": (
            "| 数据 | 模型 | 步数 | 用 {fraction:.0%} 步数时的 NLL | 完整预算的 NLL | 下降（nats） | 下降（%） |"
        ),
        "nfe_caption": (
            "**流匹配：能量距离 ×10³ 与函数求值次数（NFE）**（{n_seeds} 个种子的均值，所有求解器使用相同的"
            "噪声样本；“下限”一行为两次独立留出抽样之间的距离）。笔记 004 的采样器是 100 步欧拉法。"
        ),
        "nfe_head": "| 求解器 | 步数 | NFE |",
        "floor": "下限（两次留出抽样）",
        "adaptive": "自适应，容差 {tol:g}",
        "notes": (
            "差距 = 测试集 NLL − $H(p_\\mathrm{data})$，是 KL(p_data‖p_θ) 的估计；略低于 0 的值是抽样噪声。"
            "运行时间取决于机器以及与每"
            "个任务"
            "并行运行的另一个进程，比值才是有意义的部分。完整预算的结果可用 "
            "`python -m sitebuild.models.comparison --budget full` 重新生成。"
        ),
    },
}
SOLVER_TEXT = {"en": "RK4, 25 steps (100 NFE)", "zh": "RK4，25 步（100 次函数求值）"}


def render_table(results: dict, lang: str) -> str:
    """The comparison tables (markdown) for ``lang`` from a ``results.json`` dictionary."""
    if lang not in TABLE_TEXT:
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    T, cfg, runs = TABLE_TEXT[lang], results["config"], results["runs"]
    params = {m: next((r["params"] for r in runs if r["method"] == m), 0) for m in METHODS}
    r, n, f = (cfg["models"][m] for m in ("realnvp", "nsf", "fm"))
    out = [
        T["caption"].format(
            budget=results["budget"],
            date=results["date"],
            cpu=results["machine"]["cpu"],
            workers=results["workers"],
            n_train=cfg["n_train"],
            n_seeds=len(results["seeds"]),
            seeds=", ".join(map(str, results["seeds"])),
            layers=r["net"]["layers"],
            depth=r["net"]["depth"],
            hidden=r["net"]["hidden"],
            r_steps=r["steps"],
            r_batch=r["batch_size"],
            r_lr=r["lr"],
            n_layers=n["net"]["layers"],
            n_depth=n["net"]["depth"],
            n_hidden=n["net"]["hidden"],
            bins=n["net"]["bins"],
            bound=n["net"]["bound"],
            n_steps=n["steps"],
            n_batch=n["batch_size"],
            n_lr=n["lr"],
            fm_depth=f["net"]["depth"],
            fm_hidden=f["net"]["hidden"],
            f_steps=f["steps"],
            f_batch=f["batch_size"],
            f_lr=f["lr"],
            p_realnvp=params["realnvp"],
            p_nsf=params["nsf"],
            p_fm=params["fm"],
            n_test=cfg["n_test"],
            n_samples=cfg["n_samples"],
            solver=SOLVER_TEXT[lang],
            probe=results.get("probe_steps", PROBE_STEPS),
        ),
        "",
        T["head"].format(n_timing=cfg["n_samples"]),
        "|" + "---|" * 9,
    ]
    for dataset in results["datasets"]:
        for method in results["methods"]:
            rs = [r for r in runs if r["dataset"] == dataset and r["method"] == method]
            if not rs:
                continue
            first = method == results["methods"][0]
            cell = f"{dataset} ({rs[0]['entropy']:.3f})" if first else ""
            out.append(
                f"| {cell} | {LABELS[lang][method]} | {_pm([r['nll'] for r in rs])} | {_pm([r['gap'] for r in rs])} "
                f"| {_pm([r['energy'] for r in rs], 2, 1e3)} ({_mean_std([r['floor'] for r in rs])[0] * 1e3:.2f}) "
                f"| {_mean_std([r['train_seconds'] for r in rs])[0]:.1f} "
                f"| {_mean_std([r['ms_per_step'] for r in rs])[0]:.1f} "
                f"| {_mean_std([r['sample_seconds'] for r in rs])[0]:.3f} "
                f"| {max(r['recon_max'] for r in rs):.1e} |"
            )
    out += plateau_table(results, lang)
    fm_runs = [r for r in runs if r["method"] == "fm"]
    if fm_runs:
        out += [
            "",
            T["nfe_caption"].format(n_seeds=len(results["seeds"])),
            "",
            T["nfe_head"] + "".join(f" {d} |" for d in results["datasets"]),
            "|" + "---|" * (3 + len(results["datasets"])),
        ]
        entries = fm_runs[0]["nfe_sweep"]
        for i, entry in enumerate(entries):
            cells = []
            for dataset in results["datasets"]:
                rs = [r["nfe_sweep"][i] for r in fm_runs if r["dataset"] == dataset]
                cells.append(f" {statistics.fmean(e['energy'] for e in rs) * 1e3:.2f} |")
            nfe = statistics.fmean(e["nfe"] for r in fm_runs for e in [r["nfe_sweep"][i]])
            if entry["solver"] == "dopri5":
                steps, nfe_text = T["adaptive"].format(tol=entry["tol"]), f"{nfe:.0f} (mean)"
                if lang == "zh":
                    nfe_text = f"{nfe:.0f}（均值）"
            else:
                steps, nfe_text = str(entry["steps"]), str(entry["nfe"])
            out.append(f"| {entry['solver']} | {steps} | {nfe_text} |" + "".join(cells))
        floors = "".join(
            f" {statistics.fmean(r['floor'] for r in fm_runs if r['dataset'] == d) * 1e3:.2f} |"
            for d in results["datasets"]
        )
        out.append(f"| {T['floor']} | | |" + floors)
    out += ["", T["notes"], ""]
    return "\n".join(out)


def plateau_table(results: dict, lang: str) -> list[str]:
    """The plateau checks of ``results`` as markdown lines (none when the run has none)."""
    T, checks = TABLE_TEXT[lang], results.get("plateau", [])
    if not checks:
        return []
    out = [
        "",
        T["plateau_caption"].format(seed=PLATEAU["seed"], max_fall=PLATEAU["max_fall"]),
        "",
        T["plateau_head"].format(fraction=PLATEAU["fraction"]),
        "|" + "---|" * 7,
    ]
    for c in checks:
        out.append(
            f"| {c['dataset']} | {LABELS[lang][c['method']]} | {c['short_steps']:,} → {c['steps']:,} "
            f"| {c['short_nll']:.3f} | {c['nll']:.3f} | {c['fall']:+.3f} | {100 * c['relative_fall']:+.2f} |"
        )
    return out


def write_tables(results_path: str | Path, generated: str | Path = GENERATED, langs=("en", "zh")) -> list[Path]:
    """Render ``results.json`` to ``tables/comparison.md`` and ``tables/comparison.zh.md``."""
    results = json.loads(Path(results_path).read_text())
    paths = []
    for lang in langs:
        p = Path(generated) / "tables" / ("comparison.md" if lang == "en" else f"comparison.{lang}.md")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(render_table(results, lang))
        paths.append(p)
    return paths


@target("table:comparison", "table", depends=("model:comparison",))
def build_comparison_table(ctx) -> list[Path]:
    return write_tables(results_path(ctx.dep("model:comparison")), ctx.generated, ctx.langs)
