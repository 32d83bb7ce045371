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
(``python -m sitebuild.models.comparison --budget full``). Each job runs single-threaded in one of
``workers`` processes, seeded, so the models and every number except the wall times are
deterministic.

Pipeline targets: ``model:comparison`` (checkpoints + ``results.json`` under
``.cache/pipeline/comparison/quick/``), ``table:comparison`` (docs/generated/tables/comparison.md
and .zh.md) and ``table:benchmark`` (the peers benchmark's JSON, rendered).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import torch

from explainer import datasets
from explainer.matching.solvers import STAGES
from explainer.metrics import energy_distance
from sitebuild.registry import CACHE, target

METHODS = ("realnvp", "nsf", "fm")
DATASETS = ("circles", "moons", "8gaussians", "checkerboard")
SEEDS = (0, 1, 2)
# Equal-NFE sweep: each solver gets NFE evaluations (Euler NFE steps, midpoint NFE/2, RK4 NFE/4).
NFE_BUDGETS = (4, 8, 12, 20, 40, 100)
NFE_SOLVERS = ("euler", "midpoint", "rk4")
DOPRI_TOLERANCES = (1e-3, 1e-5)
EVAL_SOLVER = {"method": "rk4", "steps": 25}  # FM's NLL, samples and reconstruction: 100 NFE

BUDGETS = {
    "quick": {
        "steps": 800,
        "batch_size": 256,
        "lr": 2e-3,
        "flow": {"layers": 8, "hidden": 64, "depth": 2},
        "bins": 8,
        "bound": 5.0,
        "fm": {"hidden": 128, "depth": 3, "act": "silu"},
        "n_train": 50_000,
        "n_test": 5_000,
        "n_samples": 2_000,
        "n_sample_timing": 10_000,
    },
    "full": {
        "steps": 2_500,
        "batch_size": 512,
        "lr": 1e-3,
        "flow": {"layers": 8, "hidden": 128, "depth": 2},
        "bins": 8,
        "bound": 5.0,
        "fm": {"hidden": 256, "depth": 3, "act": "silu"},
        "n_train": 100_000,
        "n_test": 20_000,
        "n_samples": 4_000,
        "n_sample_timing": 10_000,
    },
}
LABELS = {
    "en": {"realnvp": "RealNVP", "nsf": "NSF", "fm": "flow matching"},
    "zh": {"realnvp": "RealNVP", "nsf": "NSF", "fm": "流匹配"},
}


def _check_budget(budget: str) -> dict:
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; choose one of {sorted(BUDGETS)}")
    return BUDGETS[budget]


def split(dataset: str, seed: int, budget: dict) -> dict[str, torch.Tensor]:
    """Training data, test data, and two independent held-out draws for the energy distance
    (``reference`` and ``floor``), all seeded by ``seed``."""
    n = budget["n_samples"]
    return {
        "train": datasets.sample(dataset, budget["n_train"], seed=seed),
        "test": datasets.sample(dataset, budget["n_test"], seed=10_000 + seed),
        "reference": datasets.sample(dataset, n, seed=30_000 + seed),
        "floor": datasets.sample(dataset, n, seed=40_000 + seed),
    }


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
    return [sum(loss[i : i + width]) / len(loss[i : i + width]) for i in range(0, len(loss), width)]


def nfe_sweep(velocity, reference: torch.Tensor, n: int, seed: int) -> list[dict]:
    """Energy distance to ``reference`` of ``n`` samples (one seeded noise draw shared by every
    solver) for Euler, midpoint and RK4 at each NFE budget of :data:`NFE_BUDGETS`, and dopri5 at
    each tolerance of :data:`DOPRI_TOLERANCES`.

    >>> from explainer.matching import VelocityMLP
    >>> rows = nfe_sweep(VelocityMLP(2, hidden=8, depth=1), torch.randn(50, 2), 50, seed=0)
    >>> [(r["solver"], r["nfe"]) for r in rows][:7]
    [('euler', 4), ('euler', 8), ('euler', 12), ('euler', 20), ('euler', 40), ('euler', 100), ('midpoint', 4)]
    """
    from explainer.matching import experiment as fm

    sweep = []
    for solver in NFE_SOLVERS:
        for budget_nfe in NFE_BUDGETS:
            steps = budget_nfe // STAGES[solver]
            sol = fm.sample(velocity, n, solver, steps, seed=seed, return_intermediates=True)
            sweep.append(
                {"solver": solver, "steps": steps, "nfe": sol.nfe, "energy": energy_distance(sol.x, reference)}
            )
    for tol in DOPRI_TOLERANCES:
        sol = fm.sample(velocity, n, "dopri5", seed=seed, return_intermediates=True, atol=tol, rtol=tol)
        sweep.append({"solver": "dopri5", "tol": tol, "nfe": sol.nfe, "energy": energy_distance(sol.x, reference)})
    return sweep


def run_job(
    method: str, dataset: str, seed: int, budget_name: str, checkpoint_dir: str, entropy: float | None = None
) -> dict:
    """Train one model, save its checkpoint, measure everything; return the metrics (a dict).
    ``entropy`` (default: computed) is passed in by :func:`run` so that worker processes do not
    each recompute the grid integral."""
    from explainer import checkpoints
    from explainer.matching import experiment as fm
    from explainer.train import evaluate_nll, fit

    torch.set_num_threads(1)
    budget = _check_budget(budget_name)
    data = split(dataset, seed, budget)
    fit_kwargs = {"steps": budget["steps"], "batch_size": budget["batch_size"], "lr": budget["lr"], "seed": seed}
    path = Path(checkpoint_dir) / f"{method}-{dataset}-{seed}.pt"
    entropy = datasets.entropy(dataset) if entropy is None else entropy
    row: dict = {"method": method, "dataset": dataset, "seed": seed, "entropy": entropy, "checkpoint": str(path)}
    if method == "fm":
        velocity, history = fm.train_fm(data["train"], **budget["fm"], **fit_kwargs)
        row["params"] = sum(p.numel() for p in velocity.parameters())
        row["nll"] = fm.nll(velocity, data["test"], **EVAL_SOLVER)
        samples = fm.sample(velocity, budget["n_samples"], seed=seed + 1, **EVAL_SOLVER)
        _, row["sample_seconds"] = _timed(
            lambda: fm.sample(velocity, budget["n_sample_timing"], seed=seed + 2, **EVAL_SOLVER)
        )
        recon = fm.reconstruction_error(velocity, data["test"], **EVAL_SOLVER)
        sweep = nfe_sweep(velocity, data["reference"], budget["n_samples"], seed=seed + 1)
        row["nfe_sweep"] = sweep
        checkpoints.save(
            path, velocity, "velocity_mlp", velocity.config(), {"budget": budget_name, "dataset": dataset, "seed": seed}
        )
    else:
        kwargs = _flow_kwargs(method, budget)
        torch.manual_seed(seed)
        flow = checkpoints.build(method, kwargs)
        history = fit(flow, data["train"], **fit_kwargs, progress=False)
        row["params"] = sum(p.numel() for p in flow.parameters())
        row["nll"] = evaluate_nll(flow, data["test"])
        samples = flow.sample(budget["n_samples"], seed=seed + 1)
        _, row["sample_seconds"] = _timed(lambda: flow.sample(budget["n_sample_timing"], seed=seed + 2))
        with torch.no_grad():
            z, _ = flow(data["test"])
            error = (flow.inverse(z)[0] - data["test"]).abs().amax(dim=1)
        recon = {"mean": error.mean().item(), "max": error.max().item()}
        checkpoints.save(path, flow, method, kwargs, {"budget": budget_name, "dataset": dataset, "seed": seed})
    row.update(
        gap=row["nll"] - entropy,
        energy=energy_distance(samples, data["reference"]),
        floor=energy_distance(data["floor"], data["reference"]),
        recon_mean=recon["mean"],
        recon_max=recon["max"],
        train_seconds=history.seconds,
        ms_per_step=1000 * history.seconds / budget["steps"],
        loss_curve=_curve(history.loss),
    )
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


def run(
    budget_name: str = "quick",
    out_dir: str | Path | None = None,
    workers: int = 2,
    progress: bool = True,
    datasets_: tuple[str, ...] = DATASETS,
    seeds: tuple[int, ...] = SEEDS,
    methods: tuple[str, ...] = METHODS,
) -> Path:
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
                    print(
                        f"[comparison] {i + 1}/{len(jobs)} {jobs[i]} {time.perf_counter() - start:.0f} s",
                        file=sys.stderr,
                    )
    results = {
        "budget": budget_name,
        "config": budget,
        "seeds": list(seeds),
        "datasets": list(datasets_),
        "methods": list(methods),
        "eval_solver": EVAL_SOLVER,
        "workers": workers,
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "seconds": time.perf_counter() - start,
        "runs": rows,
    }
    path = out_dir / "results.json"
    path.write_text(json.dumps(results, indent=1))
    return path


# --- pipeline targets --------------------------------------------------------------------------------
# One target per (method, dataset) trains its seeds one after the other in one process, so the
# scheduler packs these 12 jobs with the others on every core; ``model:comparison`` gathers them.

PIPELINE_BUDGET = "quick"
PARAMS = {
    "budget": PIPELINE_BUDGET,
    "config": BUDGETS[PIPELINE_BUDGET],
    "seeds": SEEDS,
    "nfe_budgets": NFE_BUDGETS,
    "eval": EVAL_SOLVER,
}


def job_target(method: str, dataset: str) -> str:
    """The name of the target that trains ``method`` on ``dataset``.

    >>> job_target("nsf", "moons")
    'model:comparison-nsf-moons'
    """
    return f"model:comparison-{method}-{dataset}"


def _job_target(method: str, dataset: str) -> None:
    @target(job_target(method, dataset), "model", params={**PARAMS, "method": method, "dataset": dataset})
    def build(ctx) -> list[Path]:
        rows_path = ctx.path("comparison", PIPELINE_BUDGET, f"{method}-{dataset}.json", cache=True)
        entropy = datasets.entropy(dataset)
        rows = [run_job(method, dataset, seed, PIPELINE_BUDGET, str(rows_path.parent), entropy) for seed in SEEDS]
        rows_path.write_text(json.dumps(rows, indent=1))
        return [rows_path, *(Path(row["checkpoint"]) for row in rows)]


# Longest first: the scheduler starts ready targets in the order they are registered.
JOBS = tuple(job_target(m, d) for m in ("nsf", "realnvp", "fm") for d in DATASETS)
for _method in ("nsf", "realnvp", "fm"):
    for _dataset in DATASETS:
        _job_target(_method, _dataset)


@target("model:comparison", "model", depends=JOBS, params={**PARAMS, "datasets": DATASETS, "methods": METHODS})
def build_comparison(ctx) -> list[Path]:
    """``results.json`` from every job's rows (in the order of :data:`METHODS` and :data:`DATASETS`),
    plus the jobs' checkpoints (so that consumers depend on this one target)."""
    rows, checkpoints_ = [], []
    for name in (job_target(m, d) for m in METHODS for d in DATASETS):
        outputs = ctx.dep(name)
        rows += json.loads(next(p for p in outputs if p.suffix == ".json").read_text())
        checkpoints_ += [p for p in outputs if p.suffix == ".pt"]
    results = {
        "budget": PIPELINE_BUDGET,
        "config": BUDGETS[PIPELINE_BUDGET],
        "seeds": list(SEEDS),
        "datasets": list(DATASETS),
        "methods": list(METHODS),
        "eval_solver": EVAL_SOLVER,
        "workers": os.cpu_count(),  # the pipeline's processes, each target in one thread
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "seconds": sum(row["train_seconds"] for row in rows),
        "runs": rows,
    }
    path = ctx.path("comparison", PIPELINE_BUDGET, "results.json", cache=True)
    path.write_text(json.dumps(results, indent=1))
    return [path, *checkpoints_]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sitebuild.models.comparison",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--budget", choices=sorted(BUDGETS), default="full")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="folder for results.json and checkpoints")
    args = parser.parse_args(argv)
    path = run(args.budget, args.out, workers=args.workers)
    from sitebuild.tables.comparison import write_tables

    tables = write_tables(path)
    print(f"results: {path}\ntables: {', '.join(map(str, tables))}")
    if args.budget != PIPELINE_BUDGET:
        print(
            f"note: the pipeline renders the '{PIPELINE_BUDGET}' budget; the next `explainer build` that "
            "rebuilds table:comparison replaces these tables",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
