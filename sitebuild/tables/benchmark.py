"""The peer benchmark's table (``table:benchmark``): ``benchmarks/results/peers.json`` (written by
``benchmarks/peers.py``) rendered in English and Chinese. The pipeline records that it reads the
JSON file, so a new benchmark run rebuilds the table."""

from __future__ import annotations

import json
from pathlib import Path

from sitebuild.registry import ROOT, target

PEERS_JSON = ROOT / "benchmarks" / "results" / "peers.json"


BENCH_TEXT = {
    "en": {
        "absent": (
            "*The peers benchmark has not been run on this machine.* Install the peers without touching "
            "torch (`pip install --no-deps zuko normflows torchcfm flow_matching POT torchdiffeq`), then run "
            "`python benchmarks/peers.py` (or `--steps 200 --seeds 0` for a quick check); it writes "
            "`benchmarks/results/peers.json`, which this table is rendered from."
        ),
        "caption": (
            "**Peers benchmark** ({date}, {cpu}, {threads} thread; torch {torch}): every model trained in one "
            "process in lock-step on identical batches, {steps} Adam steps (lr {lr}, cosine decay), batch "
            "{batch}, on `{data}`, seeds {seeds}; mean ± std over seeds. ms/step is the median step time "
            "(forward, loss, backward, Adam). Ratio = ours / the fastest peer (< 1: we are faster). "
            "Versions: {versions}."
        ),
        "coupling_head": (
            "| model | library | ms/step | ratio | test NLL (nats) | gap to $H(p_\\mathrm{{data}})$ "
            "| max inversion error (float32, worst seed) | {n_sample:,} samples (s) |"
        ),
        "fm_head": (
            "| library | ms/step | ratio | NLL (nats) | energy distance ×10³: Euler NFE 10 | Euler NFE 100 "
            "| adaptive (NFE) | ours at NFE 10 |"
        ),
        "affine": "affine (RealNVP / MAF / AffineCouplingBlock), 8 layers, MLP 2×128",
        "spline": "RQ spline (NSF), 8 bins, bound 5, 8 layers, MLP 2×128",
        "fm_title": "flow matching, MLP 3×256 SiLU, identical initial weights, identical (x_0, x_1, t) per step",
        "fm_note": (
            "Energy distance against {n:,} held-out points (floor from two held-out draws: {floor:.2f}×10⁻³). "
            "All NLLs use the same method (exact divergence, RK4 25 steps) so that they compare the models, "
            "not the solvers; flow_matching's own `compute_likelihood` on its model gives {fb_own:.4f}. "
            "*Ours at NFE 10* is {ours_solver} with the same 10 evaluations as Euler with 10 steps: a "
            "second-order method's error falls as $h^2$ instead of $h$, and with only 10 evaluations the "
            "Euler error (trajectories cut short of their curvature) dominates the model's own error."
        ),
    },
    "zh": {
        "absent": (
            "*本机尚未运行与同类库的对比基准。* 先在不改动 torch 的前提下安装这些库（`pip install --no-deps "
            "zuko normflows torchcfm flow_matching POT torchdiffeq`），再运行 `python benchmarks/peers.py`"
            "（快速检查可用 "
            "`--steps 200 --seeds 0`）；它会写出 `benchmarks/results/peers.json`，本表即由该文件生成。"
        ),
        "caption": (
            "**与同类库的对比基准**（{date}，{cpu}，{threads} 个线程；torch {torch}）：所有模型在同一进程中按"
            "相同批次"
            "同步训练，Adam {steps} 步（学习率 {lr}，余弦衰减），批大小 {batch}，数据 `{data}`，种子 {seeds}；"
            "报告种子间的均值 ± 标准差。毫秒/步为单步耗时（前向、损失、反向、Adam）的中位数。比值 = 本项目 / "
            "最快的"
            "同类库（< 1 表示我们更快）。版本：{versions}。"
        ),
        "coupling_head": (
            "| 模型 | 库 | 毫秒/步 | 比值 | 测试集 NLL（nats） | 与 $H(p_\\mathrm{{data}})$ 的差距 | 最大逆变换误差"
            "（float32，最差种子） "
            "| 采样 {n_sample:,} 个（秒） |"
        ),
        "fm_head": (
            "| 库 | 毫秒/步 | 比值 | NLL（nats） | 能量距离 ×10³：欧拉法 NFE 10 | 欧拉法 NFE 100 | 自适应"
            "（NFE） "
            "| 本项目 NFE 10 |"
        ),
        "affine": "仿射耦合层（RealNVP / MAF / AffineCouplingBlock），8 层，MLP 2×128",
        "spline": "有理二次样条（NSF），8 个分箱，边界 5，8 层，MLP 2×128",
        "fm_title": "流匹配，MLP 3×256 SiLU，相同的初始权重，每步相同的 (x_0, x_1, t)",
        "fm_note": (
            "能量距离相对 {n:,} 个留出点计算（两次留出抽样之间的下限：{floor:.2f}×10⁻³）。所有 NLL 用同一方法"
            "（精确散度，RK4 25 步）计算，比较的是模型而不是求解器；flow_matching 自带的 `compute_likelihood` "
            "在其模型上给出 {fb_own:.4f}。*本项目 NFE 10* 使用 {ours_solver}，与 10 步欧拉法同样是 10 次函数"
            "求值："
            "二阶方法的误差按 $h^2$ 而非 $h$ 下降；只有 10 次求值时，欧拉法的误差（轨迹来不及弯曲）远大于模型"
            "本身的误差。"
        ),
    },
}


def _ms(entry: dict, key: str, digits: int = 3, scale: float = 1.0) -> str:
    v = entry[key]
    return f"{v['mean'] * scale:.{digits}f} ± {v['std'] * scale:.{digits}f}"


def render_benchmark(results: dict | None, lang: str) -> str:
    """The peers benchmark table (markdown) from ``benchmarks/results/peers.json``, or a note
    saying how to run it when there is no result file."""
    if lang not in BENCH_TEXT:
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    T = BENCH_TEXT[lang]
    if results is None:
        return T["absent"] + "\n"
    cfg, summary = results["config"], results["summary"]
    versions = ", ".join(f"{k} {v}" for k, v in results["versions"].items() if v)
    out = [
        T["caption"].format(
            date=results["date"][:10],
            cpu=results["machine"]["cpu"],
            threads=results["threads"],
            torch=results["machine"]["torch"],
            steps=results["steps"],
            lr=cfg["lr"],
            batch=cfg["batch_size"],
            data=results["data"],
            seeds=", ".join(map(str, results["seeds"])),
            versions=versions,
        )
    ]
    if results.get("parts"):
        names = {
            "en": {"coupling": "coupling flows", "fm": "flow matching"},
            "zh": {"coupling": "耦合流", "fm": "流匹配"},
        }[lang]
        sep, end = (", ", ".") if lang == "en" else ("；", "。")
        when = sep.join(f"{names.get(k, k)} {v['date'].replace('T', ' ')}" for k, v in results["parts"].items())
        out.append(("Measured: " if lang == "en" else "测量时间：") + when + end)
    out.append(
        "Absolute times depend on the machine and on its load at the time (a shared machine can be several "
        "times slower); the models run interleaved step by step, so the ratios are what to compare."
        if lang == "en"
        else "绝对时间取决于机器及其当时的负载（共享机器可能慢好几倍）；各模型逐步交替运行，因此应比较的是比值。"
    )
    out.append("")

    def ratio(entry: dict, lib: str) -> str:
        peers = [v["ms_per_step"]["mean"] for k, v in entry.items() if k not in ("explainer", "floor")]
        return f"{entry[lib]['ms_per_step']['mean'] / min(peers):.2f}" if lib == "explainer" else ""

    if "coupling" in summary:
        out += [T["coupling_head"].format(n_sample=cfg["n_sample_timing"]), "|" + "---|" * 8]
        for kind, entry in summary["coupling"].items():
            for i, lib in enumerate(["explainer", *sorted(k for k in entry if k != "explainer")]):
                e = entry[lib]
                worst = max(r[lib]["inversion_error"] for r in results["runs"]["coupling"][kind])
                out.append(
                    f"| {T[kind] if i == 0 else ''} | {lib} | {_ms(e, 'ms_per_step', 2)} | {ratio(entry, lib)} "
                    f"| {_ms(e, 'nll')} | {_ms(e, 'gap')} | {worst:.1e} "
                    f"| {e['sample_seconds']['mean']:.2f} |"
                )
        out.append("")
    if "fm" in summary:
        entry = summary["fm"]["mlp"]
        out += [f"*{T['fm_title']}*", "", T["fm_head"], "|" + "---|" * 8]
        for lib in ["explainer", *sorted(k for k in entry if k not in ("explainer", "floor"))]:
            e = entry[lib]
            best = _ms(e, "energy_nfe10_best", 2, 1e3) if "energy_nfe10_best" in e else ""
            out.append(
                f"| {lib} | {_ms(e, 'ms_per_step', 2)} | {ratio(entry, lib)} | {_ms(e, 'nll')} "
                f"| {_ms(e, 'energy_euler_10', 2, 1e3)} | {_ms(e, 'energy_euler_100', 2, 1e3)} "
                f"| {_ms(e, 'energy_adaptive', 2, 1e3)} ({e['adaptive_nfe']['mean']:.0f}) | {best} |"
            )
        solver = results.get("ours_nfe10", {})
        solver_text = f"{solver.get('method', '?')}, {solver.get('steps', '?')} steps"
        if lang == "zh":
            solver_text = f"{solver.get('method', '?')}，{solver.get('steps', '?')} 步"
        out += [
            "",
            T["fm_note"].format(
                n=cfg["n_samples"],
                floor=entry["floor"] * 1e3,
                ours_solver=solver_text,
                fb_own=entry["flow_matching"]["nll_own_solver"]["mean"],
            ),
        ]
    return "\n".join(out) + "\n"


@target("table:benchmark", "table")
def build_benchmark_table(ctx) -> list[Path]:
    results = json.loads(PEERS_JSON.read_text()) if PEERS_JSON.exists() else None
    paths = []
    for lang in ctx.langs:
        p = ctx.path("tables", "benchmark.md" if lang == "en" else f"benchmark.{lang}.md")
        p.write_text(render_benchmark(results, lang))
        paths.append(p)
    return paths
