r"""RealNVP vs NSF vs flow matching on the four 2D datasets, measured (the comparison page).

One model per (method, dataset, seed) is trained once at a stated *budget* and reused for every
metric:

- test NLL (nats) on held-out points and the gap to the true entropy :math:`H(p)` (an estimate of
  :math:`\mathrm{KL}(p\|q)`); flow matching's NLL by the exact divergence with RK4, 25 steps;
- sample quality: the energy distance of model samples to held-out data, next to the *floor*
  (the energy distance between two independent held-out draws of the same size);
- flow matching's energy distance against NFE for Euler, midpoint and RK4 at equal budgets of
  4–100 evaluations (Euler 4–100 steps, midpoint 2–50, RK4 1–25) and adaptive Dormand–Prince;
- training time, and the time to draw 10,000 samples;
- reconstruction error :math:`\max\|x - \hat x\|_\infty`: the coupling flows' exact inverse
  :math:`f^{-1}(f(x))` against flow matching's reverse-then-forward ODE (RK4, 25 steps each way).

Budgets: ``quick`` (built by the pipeline and CI, a few minutes on 2 cores) and ``full``
(``python -m explainer.comparison --budget full``). Each job runs single-threaded in one of
``workers`` processes, seeded, so the models and every number except the wall times are
deterministic.

Pipeline targets: ``model:comparison`` (checkpoints + ``results.json`` under
``.cache/pipeline/comparison/quick/``), ``table:comparison`` (docs/generated/tables/comparison.md
and .zh.md) and ``table:benchmark`` (the peers benchmark's JSON, rendered).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import torch

from . import datasets
from .matching.solvers import STAGES
from .metrics import energy_distance
from .pipeline import CACHE, GENERATED, ROOT, target

METHODS = ("realnvp", "nsf", "fm")
DATASETS = ("circles", "moons", "8gaussians", "checkerboard")
SEEDS = (0, 1, 2)
# Equal-NFE sweep: each solver gets NFE evaluations (Euler NFE steps, midpoint NFE/2, RK4 NFE/4).
NFE_BUDGETS = (4, 8, 12, 20, 40, 100)
NFE_SOLVERS = ("euler", "midpoint", "rk4")
DOPRI_TOLERANCES = (1e-3, 1e-5)
EVAL_SOLVER = {"method": "rk4", "steps": 25}  # FM's NLL, samples and reconstruction: 100 NFE

BUDGETS = {
    "quick": {"steps": 800, "batch_size": 256, "lr": 2e-3,
              "flow": {"layers": 8, "hidden": 64, "depth": 2}, "bins": 8, "bound": 5.0,
              "fm": {"hidden": 128, "depth": 3, "act": "silu"},
              "n_train": 50_000, "n_test": 5_000, "n_samples": 2_000, "n_sample_timing": 10_000},
    "full": {"steps": 2_500, "batch_size": 512, "lr": 1e-3,
             "flow": {"layers": 8, "hidden": 128, "depth": 2}, "bins": 8, "bound": 5.0,
             "fm": {"hidden": 256, "depth": 3, "act": "silu"},
             "n_train": 100_000, "n_test": 20_000, "n_samples": 4_000, "n_sample_timing": 10_000},
}
MODEL_CODE = ("explainer.datasets", "explainer.flow", "explainer.models", "explainer.train",
              "explainer.transforms", "explainer.matching", "explainer.metrics")
LABELS = {"en": {"realnvp": "RealNVP", "nsf": "NSF", "fm": "flow matching"},
          "zh": {"realnvp": "RealNVP", "nsf": "NSF", "fm": "流匹配"}}


def _check_budget(budget: str) -> dict:
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; choose one of {sorted(BUDGETS)}")
    return BUDGETS[budget]


def split(dataset: str, seed: int, budget: dict) -> dict[str, torch.Tensor]:
    """Training data, test data, and two independent held-out draws for the energy distance
    (``reference`` and ``floor``), all seeded by ``seed``."""
    n = budget["n_samples"]
    return {"train": datasets.sample(dataset, budget["n_train"], seed=seed),
            "test": datasets.sample(dataset, budget["n_test"], seed=10_000 + seed),
            "reference": datasets.sample(dataset, n, seed=30_000 + seed),
            "floor": datasets.sample(dataset, n, seed=40_000 + seed)}


def _flow_kwargs(method: str, budget: dict) -> dict:
    kwargs = dict(budget["flow"])
    if method == "nsf":
        kwargs.update(bins=budget["bins"], bound=budget["bound"])
    return kwargs


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _curve(loss: list[float], points: int = 100) -> list[float]:
    """The loss history averaged over ``points`` equal windows (for the training-curve figure)."""
    width = max(1, len(loss) // points)
    return [sum(loss[i:i + width]) / len(loss[i:i + width]) for i in range(0, len(loss), width)]


def nfe_sweep(velocity, reference: torch.Tensor, n: int, seed: int) -> list[dict]:
    """Energy distance to ``reference`` of ``n`` samples (one seeded noise draw shared by every
    solver) for Euler, midpoint and RK4 at each NFE budget of :data:`NFE_BUDGETS`, and dopri5 at
    each tolerance of :data:`DOPRI_TOLERANCES`.

    >>> from explainer.matching import VelocityMLP
    >>> rows = nfe_sweep(VelocityMLP(2, hidden=8, depth=1), torch.randn(50, 2), 50, seed=0)
    >>> [(r["solver"], r["nfe"]) for r in rows][:7]
    [('euler', 4), ('euler', 8), ('euler', 12), ('euler', 20), ('euler', 40), ('euler', 100), ('midpoint', 4)]
    """
    from .matching import experiment as fm

    sweep = []
    for solver in NFE_SOLVERS:
        for budget_nfe in NFE_BUDGETS:
            steps = budget_nfe // STAGES[solver]
            sol = fm.sample(velocity, n, solver, steps, seed=seed, return_intermediates=True)
            sweep.append({"solver": solver, "steps": steps, "nfe": sol.nfe,
                          "energy": energy_distance(sol.x, reference)})
    for tol in DOPRI_TOLERANCES:
        sol = fm.sample(velocity, n, "dopri5", seed=seed, return_intermediates=True, atol=tol, rtol=tol)
        sweep.append({"solver": "dopri5", "tol": tol, "nfe": sol.nfe, "energy": energy_distance(sol.x, reference)})
    return sweep


def run_job(method: str, dataset: str, seed: int, budget_name: str, checkpoint_dir: str,
            entropy: float | None = None) -> dict:
    """Train one model, save its checkpoint, measure everything; return the metrics (a dict).
    ``entropy`` (default: computed) is passed in by :func:`run` so that worker processes do not
    each recompute the grid integral."""
    from .matching import experiment as fm
    from .train import evaluate_nll, fit
    from .trained import build_flow, save_checkpoint

    torch.set_num_threads(1)
    budget = _check_budget(budget_name)
    data = split(dataset, seed, budget)
    fit_kwargs = {"steps": budget["steps"], "batch_size": budget["batch_size"], "lr": budget["lr"], "seed": seed}
    path = Path(checkpoint_dir) / f"{method}-{dataset}-{seed}.pt"
    entropy = datasets.entropy(dataset) if entropy is None else entropy
    row: dict = {"method": method, "dataset": dataset, "seed": seed, "entropy": entropy,
                 "checkpoint": str(path)}
    if method == "fm":
        velocity, history = fm.train_fm(data["train"], **budget["fm"], **fit_kwargs)
        row["params"] = sum(p.numel() for p in velocity.parameters())
        row["nll"] = fm.nll(velocity, data["test"], **EVAL_SOLVER)
        samples = fm.sample(velocity, budget["n_samples"], seed=seed + 1, **EVAL_SOLVER)
        _, row["sample_seconds"] = _timed(
            lambda: fm.sample(velocity, budget["n_sample_timing"], seed=seed + 2, **EVAL_SOLVER))
        recon = fm.reconstruction_error(velocity, data["test"], **EVAL_SOLVER)
        sweep = nfe_sweep(velocity, data["reference"], budget["n_samples"], seed=seed + 1)
        row["nfe_sweep"] = sweep
        fm.save_velocity(path, velocity, {"budget": budget_name, "dataset": dataset, "seed": seed})
    else:
        kwargs = _flow_kwargs(method, budget)
        torch.manual_seed(seed)
        flow = build_flow(method, kwargs)
        history = fit(flow, data["train"], **fit_kwargs, progress=False)
        row["params"] = sum(p.numel() for p in flow.parameters())
        row["nll"] = evaluate_nll(flow, data["test"])
        samples = flow.sample(budget["n_samples"], seed=seed + 1)
        _, row["sample_seconds"] = _timed(lambda: flow.sample(budget["n_sample_timing"], seed=seed + 2))
        with torch.no_grad():
            z, _ = flow(data["test"])
            error = (flow.inverse(z)[0] - data["test"]).abs().amax(dim=1)
        recon = {"mean": error.mean().item(), "max": error.max().item()}
        save_checkpoint(path, flow, method, kwargs, {"budget": budget_name, "dataset": dataset, "seed": seed})
    row.update(gap=row["nll"] - entropy, energy=energy_distance(samples, data["reference"]),
               floor=energy_distance(data["floor"], data["reference"]), recon_mean=recon["mean"],
               recon_max=recon["max"], train_seconds=history.seconds,
               ms_per_step=1000 * history.seconds / budget["steps"], loss_curve=_curve(history.loss))
    return row


def machine() -> dict:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version()}


def run(budget_name: str = "quick", out_dir: str | Path | None = None, workers: int = 2,
        progress: bool = True, datasets_: tuple[str, ...] = DATASETS, seeds: tuple[int, ...] = SEEDS,
        methods: tuple[str, ...] = METHODS) -> Path:
    """Train and measure every (method, dataset, seed); write ``results.json`` in ``out_dir``
    (default ``.cache/pipeline/comparison/<budget>``) next to the checkpoints; return its path."""
    budget = _check_budget(budget_name)
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    out_dir = Path(out_dir or CACHE / "comparison" / budget_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Longest jobs first, so that two workers finish together.
    order = {"nsf": 0, "realnvp": 1, "fm": 2}
    jobs = [(m, d, s) for m in sorted(methods, key=order.get) for d in datasets_ for s in seeds]
    start = time.perf_counter()
    entropies = {d: datasets.entropy(d) for d in datasets_}
    rows = []
    if workers == 1:
        for i, job in enumerate(jobs):
            rows.append(run_job(*job, budget_name, str(out_dir), entropies[job[1]]))
            if progress:
                print(f"[comparison] {i + 1}/{len(jobs)} {job} {time.perf_counter() - start:.0f} s", file=sys.stderr)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_job, *job, budget_name, str(out_dir), entropies[job[1]]) for job in jobs]
            for i, future in enumerate(futures):
                rows.append(future.result())
                if progress:
                    print(f"[comparison] {i + 1}/{len(jobs)} {jobs[i]} {time.perf_counter() - start:.0f} s",
                          file=sys.stderr)
    results = {"budget": budget_name, "config": budget, "seeds": list(seeds), "datasets": list(datasets_),
               "methods": list(methods), "eval_solver": EVAL_SOLVER,
               "workers": workers, "machine": machine(), "date": datetime.date.today().isoformat(),
               "seconds": time.perf_counter() - start, "runs": rows}
    path = out_dir / "results.json"
    path.write_text(json.dumps(results, indent=1))
    return path


# --- tables -----------------------------------------------------------------------------------------

def _mean_std(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _pm(values: list[float], digits: int = 3, scale: float = 1.0) -> str:
    m, s = _mean_std([v * scale for v in values])
    return f"{m:.{digits}f} ± {s:.{digits}f}"


TABLE_TEXT = {
    "en": {
        "caption": ("**Budget `{budget}`** ({date}, {cpu}, {workers} worker processes × 1 thread): {steps} Adam "
                    "steps with cosine decay from lr {lr}, batch {batch}, {n_train:,} training points; "
                    "{n_seeds} seeds ({seeds}), mean ± standard deviation over seeds. "
                    "RealNVP and NSF: {layers} alternating coupling layers, conditioner MLP {depth}×{hidden} "
                    "(NSF: {bins} bins, bound {bound}); flow matching: velocity MLP {fm_depth}×{fm_hidden} SiLU with "
                    "$t$ concatenated. Parameters: RealNVP {p_realnvp:,}, NSF {p_nsf:,}, FM {p_fm:,}. "
                    "NLL on {n_test:,} held-out points; energy distance between {n_samples:,} model samples "
                    "and {n_samples:,} held-out points. Flow matching: NLL by the exact divergence, samples and "
                    "reconstruction with {solver}."),
        "head": ("| data ($H(p)$) | model | test NLL (nats) | gap to $H(p)$ | energy distance ×10³ (floor) "
                 "| train (s) | ms/step | sample {n_timing:,} (s) | reconstruction $\\max\\|x-\\hat x\\|_\\infty$ |"),
        "nfe_caption": ("**Flow matching: energy distance ×10³ against NFE** (mean over {n_seeds} seeds, same "
                        "samples of noise for every solver; the floor row is two held-out draws). Note 004's "
                        "sampler is Euler with 100 steps."),
        "nfe_head": "| solver | steps | NFE |",
        "floor": "floor (two held-out draws)",
        "adaptive": "adaptive, tol {tol:g}",
        "notes": ("The gap is test NLL − $H(p)$, an estimate of KL(p‖q); a value slightly below 0 is sampling noise. "
                  "Wall times depend on the machine and on the other process running beside each job; "
                  "the ratios are the informative part. Regenerate the full budget with "
                  "`python -m explainer.comparison --budget full`."),
    },
    "zh": {
        "caption": ("**预算 `{budget}`**（{date}，{cpu}，{workers} 个工作进程 × 1 线程）：Adam {steps} 步，学习率 {lr} "
                    "余弦衰减，批大小 {batch}，训练点 {n_train:,} 个；{n_seeds} 个随机种子（{seeds}），报告种子间的"
                    "均值 ± 标准差。RealNVP 与 NSF：{layers} 个交替耦合层，条件网络 MLP {depth}×{hidden}（NSF：{bins}"
                    " 个分箱，"
                    "边界 {bound}）；流匹配：速度场 MLP {fm_depth}×{fm_hidden}，SiLU，$t$ 直接拼接。参数量：RealNVP "
                    "{p_realnvp:,}，NSF {p_nsf:,}，流匹配 {p_fm:,}。负对数似然（NLL）在 {n_test:,} 个留出点上计算；"
                    "能量距离在 {n_samples:,} 个模型样本与 {n_samples:,} 个留出点之间计算。流匹配：NLL 用精确散度，"
                    "采样与重建用 {solver}。"),
        "head": ("| 数据（$H(p)$） | 模型 | 测试集 NLL（nats） | 与 $H(p)$ 的差距 | 能量距离 ×10³（下限） "
                 "| 训练（秒） | 毫秒/步 | 采样 {n_timing:,} 个（秒） | 重建误差 $\\max\\|x-\\hat x\\|_\\infty$ |"),
        "nfe_caption": ("**流匹配：能量距离 ×10³ 与函数求值次数（NFE）**（{n_seeds} 个种子的均值，所有求解器使用相同的"
                        "噪声样本；“下限”一行为两次独立留出抽样之间的距离）。笔记 004 的采样器是 100 步欧拉法。"),
        "nfe_head": "| 求解器 | 步数 | NFE |",
        "floor": "下限（两次留出抽样）",
        "adaptive": "自适应，容差 {tol:g}",
        "notes": ("差距 = 测试集 NLL − $H(p)$，是 KL(p‖q) 的估计；略低于 0 的值是抽样噪声。运行时间取决于机器以及与每"
                  "个任务"
                  "并行运行的另一个进程，比值才是有意义的部分。完整预算的结果可用 "
                  "`python -m explainer.comparison --budget full` 重新生成。"),
    },
}
SOLVER_TEXT = {"en": "RK4, 25 steps (100 NFE)", "zh": "RK4，25 步（100 次函数求值）"}


def render_table(results: dict, lang: str) -> str:
    """The comparison tables (markdown) for ``lang`` from a ``results.json`` dictionary."""
    if lang not in TABLE_TEXT:
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    T, cfg, runs = TABLE_TEXT[lang], results["config"], results["runs"]
    params = {m: next((r["params"] for r in runs if r["method"] == m), 0) for m in METHODS}
    out = [T["caption"].format(
        budget=results["budget"], date=results["date"], cpu=results["machine"]["cpu"], workers=results["workers"],
        steps=cfg["steps"], lr=cfg["lr"], batch=cfg["batch_size"], n_train=cfg["n_train"],
        n_seeds=len(results["seeds"]), seeds=", ".join(map(str, results["seeds"])), layers=cfg["flow"]["layers"],
        depth=cfg["flow"]["depth"], hidden=cfg["flow"]["hidden"], bins=cfg["bins"], bound=cfg["bound"],
        fm_depth=cfg["fm"]["depth"], fm_hidden=cfg["fm"]["hidden"], p_realnvp=params["realnvp"],
        p_nsf=params["nsf"], p_fm=params["fm"], n_test=cfg["n_test"], n_samples=cfg["n_samples"],
        solver=SOLVER_TEXT[lang]), "", T["head"].format(n_timing=cfg["n_sample_timing"]), "|" + "---|" * 9]
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
                f"| {max(r['recon_max'] for r in rs):.1e} |")
    fm_runs = [r for r in runs if r["method"] == "fm"]
    if fm_runs:
        out += ["", T["nfe_caption"].format(n_seeds=len(results["seeds"])), "",
                T["nfe_head"] + "".join(f" {d} |" for d in results["datasets"]),
                "|" + "---|" * (3 + len(results["datasets"]))]
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
        floors = "".join(f" {statistics.fmean(r['floor'] for r in fm_runs if r['dataset'] == d) * 1e3:.2f} |"
                         for d in results["datasets"])
        out.append(f"| {T['floor']} | | |" + floors)
    out += ["", T["notes"], ""]
    return "\n".join(out)


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


# --- pipeline targets --------------------------------------------------------------------------------

PIPELINE_BUDGET = "quick"


@target("model:comparison", "model", code=MODEL_CODE,
        params={"budget": PIPELINE_BUDGET, "config": BUDGETS[PIPELINE_BUDGET], "seeds": SEEDS,
                "datasets": DATASETS, "nfe_budgets": NFE_BUDGETS, "eval": EVAL_SOLVER})
def build_comparison(ctx) -> list[Path]:
    out_dir = ctx.path("comparison", PIPELINE_BUDGET, "results.json", cache=True).parent
    results = run(PIPELINE_BUDGET, out_dir, workers=2, progress=False)
    return [results, *sorted(out_dir.glob("*.pt"))]


def results_path(paths: list[Path]) -> Path:
    """The ``results.json`` among the outputs of ``model:comparison``."""
    return next(p for p in paths if p.name == "results.json")


def checkpoint_path(paths: list[Path], method: str, dataset: str, seed: int = 0) -> Path:
    """The checkpoint of one (method, dataset, seed) among the outputs of ``model:comparison``."""
    name = f"{method}-{dataset}-{seed}.pt"
    for p in paths:
        if p.name == name:
            return p
    raise ValueError(f"model:comparison has no checkpoint {name}")


@target("table:comparison", "table", depends=("model:comparison",))
def build_comparison_table(ctx) -> list[Path]:
    return write_tables(results_path(ctx.dep("model:comparison")), ctx.generated, ctx.langs)


PEERS_JSON = ROOT / "benchmarks" / "results" / "peers.json"


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


BENCH_TEXT = {
    "en": {
        "absent": ("*The peers benchmark has not been run on this machine.* Install the peers without touching "
                   "torch (`pip install --no-deps zuko normflows torchcfm flow_matching POT torchdiffeq`), then run "
                   "`python benchmarks/peers.py` (or `--steps 200 --seeds 0` for a quick check); it writes "
                   "`benchmarks/results/peers.json`, which this table is rendered from."),
        "caption": ("**Peers benchmark** ({date}, {cpu}, {threads} thread; torch {torch}): every model trained in one "
                    "process in lock-step on identical batches, {steps} Adam steps (lr {lr}, cosine decay), batch "
                    "{batch}, on `{data}`, seeds {seeds}; mean ± std over seeds. ms/step is the median step time "
                    "(forward, loss, backward, Adam). Ratio = ours / the fastest peer (< 1: we are faster). "
                    "Versions: {versions}."),
        "coupling_head": ("| model | library | ms/step | ratio | test NLL (nats) | gap to $H(p)$ | max inversion error "
                          "(float32, worst seed) | {n_sample:,} samples (s) |"),
        "fm_head": ("| library | ms/step | ratio | NLL (nats) | energy distance ×10³: Euler NFE 10 | Euler NFE 100 "
                    "| adaptive (NFE) | ours at NFE 10 |"),
        "affine": "affine (RealNVP / MAF / AffineCouplingBlock), 8 layers, MLP 2×128",
        "spline": "RQ spline (NSF), 8 bins, bound 5, 8 layers, MLP 2×128",
        "fm_title": "flow matching, MLP 3×256 SiLU, identical initial weights, identical (x_0, x_1, t) per step",
        "fm_note": ("Energy distance against {n:,} held-out points (floor from two held-out draws: {floor:.2f}×10⁻³). "
                    "All NLLs use the same method (exact divergence, RK4 25 steps) so that they compare the models, "
                    "not the solvers; flow_matching's own `compute_likelihood` on its model gives {fb_own:.4f}. "
                    "*Ours at NFE 10* is {ours_solver} with the same 10 evaluations as Euler with 10 steps: a "
                    "second-order method's error falls as $h^2$ instead of $h$, and with only 10 evaluations the "
                    "Euler error (trajectories cut short of their curvature) dominates the model's own error."),
    },
    "zh": {
        "absent": ("*本机尚未运行与同类库的对比基准。* 先在不改动 torch 的前提下安装这些库（`pip install --no-deps "
                   "zuko normflows torchcfm flow_matching POT torchdiffeq`），再运行 `python benchmarks/peers.py`"
                   "（快速检查可用 "
                   "`--steps 200 --seeds 0`）；它会写出 `benchmarks/results/peers.json`，本表即由该文件生成。"),
        "caption": ("**与同类库的对比基准**（{date}，{cpu}，{threads} 个线程；torch {torch}）：所有模型在同一进程中按"
                    "相同批次"
                    "同步训练，Adam {steps} 步（学习率 {lr}，余弦衰减），批大小 {batch}，数据 `{data}`，种子 {seeds}；"
                    "报告种子间的均值 ± 标准差。毫秒/步为单步耗时（前向、损失、反向、Adam）的中位数。比值 = 本项目 / "
                    "最快的"
                    "同类库（< 1 表示我们更快）。版本：{versions}。"),
        "coupling_head": ("| 模型 | 库 | 毫秒/步 | 比值 | 测试集 NLL（nats） | 与 $H(p)$ 的差距 | 最大逆变换误差"
                          "（float32，最差种子） "
                          "| 采样 {n_sample:,} 个（秒） |"),
        "fm_head": ("| 库 | 毫秒/步 | 比值 | NLL（nats） | 能量距离 ×10³：欧拉法 NFE 10 | 欧拉法 NFE 100 | 自适应"
                    "（NFE） "
                    "| 本项目 NFE 10 |"),
        "affine": "仿射耦合层（RealNVP / MAF / AffineCouplingBlock），8 层，MLP 2×128",
        "spline": "有理二次样条（NSF），8 个分箱，边界 5，8 层，MLP 2×128",
        "fm_title": "流匹配，MLP 3×256 SiLU，相同的初始权重，每步相同的 (x_0, x_1, t)",
        "fm_note": ("能量距离相对 {n:,} 个留出点计算（两次留出抽样之间的下限：{floor:.2f}×10⁻³）。所有 NLL 用同一方法"
                    "（精确散度，RK4 25 步）计算，比较的是模型而不是求解器；flow_matching 自带的 `compute_likelihood` "
                    "在其模型上给出 {fb_own:.4f}。*本项目 NFE 10* 使用 {ours_solver}，与 10 步欧拉法同样是 10 次函数"
                    "求值："
                    "二阶方法的误差按 $h^2$ 而非 $h$ 下降；只有 10 次求值时，欧拉法的误差（轨迹来不及弯曲）远大于模型"
                    "本身的误差。"),
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
    out = [T["caption"].format(date=results["date"][:10], cpu=results["machine"]["cpu"], threads=results["threads"],
                               torch=results["machine"]["torch"], steps=results["steps"], lr=cfg["lr"],
                               batch=cfg["batch_size"], data=results["data"],
                               seeds=", ".join(map(str, results["seeds"])), versions=versions)]
    if results.get("parts"):
        names = {"en": {"coupling": "coupling flows", "fm": "flow matching"},
                 "zh": {"coupling": "耦合流", "fm": "流匹配"}}[lang]
        sep, end = (", ", ".") if lang == "en" else ("；", "。")
        when = sep.join(f"{names.get(k, k)} {v['date'].replace('T', ' ')}" for k, v in results["parts"].items())
        out.append(("Measured: " if lang == "en" else "测量时间：") + when + end)
    out.append("Absolute times depend on the machine and on its load at the time (a shared machine can be several "
               "times slower); the models run interleaved step by step, so the ratios are what to compare."
               if lang == "en" else
               "绝对时间取决于机器及其当时的负载（共享机器可能慢好几倍）；各模型逐步交替运行，因此应比较的是比值。")
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
                out.append(f"| {T[kind] if i == 0 else ''} | {lib} | {_ms(e, 'ms_per_step', 2)} | {ratio(entry, lib)} "
                           f"| {_ms(e, 'nll')} | {_ms(e, 'gap')} | {worst:.1e} "
                           f"| {e['sample_seconds']['mean']:.2f} |")
        out.append("")
    if "fm" in summary:
        entry = summary["fm"]["mlp"]
        out += [f"*{T['fm_title']}*", "", T["fm_head"], "|" + "---|" * 8]
        for lib in ["explainer", *sorted(k for k in entry if k not in ("explainer", "floor"))]:
            e = entry[lib]
            best = _ms(e, "energy_nfe10_best", 2, 1e3) if "energy_nfe10_best" in e else ""
            out.append(f"| {lib} | {_ms(e, 'ms_per_step', 2)} | {ratio(entry, lib)} | {_ms(e, 'nll')} "
                       f"| {_ms(e, 'energy_euler_10', 2, 1e3)} | {_ms(e, 'energy_euler_100', 2, 1e3)} "
                       f"| {_ms(e, 'energy_adaptive', 2, 1e3)} ({e['adaptive_nfe']['mean']:.0f}) | {best} |")
        solver = results.get("ours_nfe10", {})
        solver_text = f"{solver.get('method', '?')}, {solver.get('steps', '?')} steps"
        if lang == "zh":
            solver_text = f"{solver.get('method', '?')}，{solver.get('steps', '?')} 步"
        out += ["", T["fm_note"].format(n=cfg["n_samples"], floor=entry["floor"] * 1e3, ours_solver=solver_text,
                                        fb_own=entry["flow_matching"]["nll_own_solver"]["mean"])]
    return "\n".join(out) + "\n"


@target("table:benchmark", "table", params={"peers_json": _file_hash(PEERS_JSON)})
def build_benchmark_table(ctx) -> list[Path]:
    results = json.loads(PEERS_JSON.read_text()) if PEERS_JSON.exists() else None
    paths = []
    for lang in ctx.langs:
        p = ctx.path("tables", "benchmark.md" if lang == "en" else f"benchmark.{lang}.md")
        p.write_text(render_benchmark(results, lang))
        paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explainer.comparison", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="full")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="folder for results.json and checkpoints")
    args = parser.parse_args(argv)
    path = run(args.budget, args.out, workers=args.workers)
    tables = write_tables(path)
    print(f"results: {path}\ntables: {', '.join(map(str, tables))}")
    if args.budget != PIPELINE_BUDGET:
        print(f"note: the pipeline renders the '{PIPELINE_BUDGET}' budget; the next `explainer build` that "
              "rebuilds table:comparison replaces these tables", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
