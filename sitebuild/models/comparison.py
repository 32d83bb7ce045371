r"""RealNVP vs NSF vs flow matching on the four 2D datasets, measured (the comparison page).

One model per (method, dataset, seed) is trained once with its model's *recipe* (steps, batch,
learning rate, network: :data:`BUDGETS`) and reused for every metric:

- test NLL (nats) on held-out points and the gap to the true entropy :math:`H(p_\mathrm{data})` (an estimate of
  :math:`\mathrm{KL}(p_\mathrm{data}\|p_\theta)`); flow matching's NLL by the exact divergence with RK4, 25 steps;
- sample quality: the energy distance of model samples to held-out data, next to the *floor*
  (the energy distance between two independent held-out draws of the same size);
- flow matching's energy distance against NFE for Euler, midpoint and RK4 at equal budgets of
  4–100 evaluations (Euler 4–100 steps, midpoint 2–50, RK4 1–25) and adaptive Dormand–Prince;
- the share of samples off the data (:func:`explainer.metrics.off_support_share`: below the 1 %
  density quantile of held-out data), next to the same share for a held-out draw;
- training time, and the time to draw the samples;
- reconstruction error :math:`\max\|x - \hat x\|_\infty`: the coupling flows' exact inverse
  :math:`f^{-1}(f(x))` against flow matching's reverse-then-forward ODE (RK4, 25 steps each way);
- the plateau check: seed 0 trained again with a fifth fewer steps; the held-out NLL may fall by
  at most 2 % over the last fifth of the budget (:data:`PLATEAU`; tests/test_site_build.py fails
  otherwise).

The three seeds and the plateau run of one (method, dataset) are trained side by side as one
batched network (:mod:`explainer.ensemble`: each member gets the minibatches and Adam updates a
run of its own would get), which takes a third to a quarter of the CPU time of separate runs for
the spline flows and flow matching. Training *time* is therefore measured apart: milliseconds per
step of one model trained alone for :data:`PROBE_STEPS` steps, times the recipe's steps.

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
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import torch

from explainer import datasets
from explainer.matching.solvers import STAGES
from explainer.metrics import energy_distance, off_support_share
from sitebuild.registry import CACHE, target

METHODS = ("realnvp", "nsf", "fm")
DATASETS = ("circles", "moons", "8gaussians", "checkerboard")
SEEDS = (0, 1, 2)
# Equal-NFE sweep: each solver gets NFE evaluations (Euler NFE steps, midpoint NFE/2, RK4 NFE/4).
NFE_BUDGETS = (4, 8, 12, 20, 40, 100)
NFE_SOLVERS = ("euler", "midpoint", "rk4")
DOPRI_TOLERANCES = (1e-3, 1e-5)
EVAL_SOLVER = {"method": "rk4", "steps": 25}  # FM's NLL, samples and reconstruction: 100 NFE

# One recipe per model (steps, batch, learning rate, network), each chosen so that the model's
# held-out NLL has stopped improving at its budget: the same recipe with a fifth fewer steps must
# come within PLATEAU["max_fall"] of it (checked on every build, see :func:`plateau_check`).
# Adam with cosine decay for all. The data sizes are shared.
BUDGETS = {
    "quick": {
        "models": {
            "realnvp": {"steps": 3000, "batch_size": 512, "lr": 5e-3, "net": {"layers": 8, "hidden": 64, "depth": 2}},
            "nsf": {
                "steps": 1200,
                "batch_size": 256,
                "lr": 5e-3,
                "net": {"layers": 8, "hidden": 64, "depth": 2, "bins": 8, "bound": 5.0},
            },
            "fm": {"steps": 6000, "batch_size": 256, "lr": 1e-2, "net": {"hidden": 128, "depth": 3, "act": "silu"}},
        },
        "n_train": 50_000,
        "n_test": 5_000,
        "n_samples": 2_000,
        "n_recon": 1_000,
    },
    "full": {
        "models": {
            "realnvp": {"steps": 6000, "batch_size": 1024, "lr": 5e-3, "net": {"layers": 8, "hidden": 128, "depth": 2}},
            "nsf": {
                "steps": 2400,
                "batch_size": 512,
                "lr": 5e-3,
                "net": {"layers": 8, "hidden": 128, "depth": 2, "bins": 8, "bound": 5.0},
            },
            "fm": {"steps": 12000, "batch_size": 512, "lr": 5e-3, "net": {"hidden": 256, "depth": 3, "act": "silu"}},
        },
        "n_train": 100_000,
        "n_test": 20_000,
        "n_samples": 4_000,
        "n_recon": 2_000,
    },
}
# The plateau check: seed 0 of every (method, dataset) is trained again with round(fraction × steps)
# steps (its own cosine decay); the held-out NLL may fall by at most max_fall (relative) over the
# last fifth of the budget.
PLATEAU = {"fraction": 0.8, "seed": 0, "max_fall": 0.02}
# Training time is reported per model trained alone: milliseconds per step over this many steps
# (a separate short run; the seeds themselves are trained side by side as one batched network).
PROBE_STEPS = 100
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


def recipe(method: str, budget: dict) -> dict:
    """The training recipe of ``method`` in ``budget``: steps, batch_size, lr and the network."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {list(METHODS)}")
    return budget["models"][method]


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


def build_model(method: str, recipe_: dict, seed: int):
    """A fresh, seeded model of ``method`` with ``recipe_``'s network: a flow, or flow matching's
    velocity field."""
    from explainer import checkpoints
    from explainer.matching import VelocityMLP

    torch.manual_seed(seed)  # the initial weights
    if method == "fm":
        return VelocityMLP(2, **recipe_["net"])
    return checkpoints.build(method, recipe_["net"])


def plateau_steps(recipe_: dict) -> int:
    """The plateau run's number of steps: a fifth fewer than the recipe's.

    >>> plateau_steps({"steps": 3000})
    2400
    """
    return round(PLATEAU["fraction"] * recipe_["steps"])


def train_side_by_side(method: str, train_data: dict[int, torch.Tensor], recipe_: dict, seeds, plateau: bool):
    """Train one model per seed of ``seeds`` (on ``train_data[seed]``), and, if ``plateau``, the
    plateau run (seed ``PLATEAU["seed"]`` with a fifth fewer steps, its own cosine decay), all as
    one batched network (:func:`explainer.ensemble.fit_ensemble`: the same minibatches and updates
    as separate runs). Returns ``(models, histories, plateau_model)``."""
    from explainer.ensemble import fit_ensemble, nll_rows
    from explainer.matching.loss import cfm_rows

    member_seeds = [*seeds, PLATEAU["seed"]] if plateau else list(seeds)
    steps = [recipe_["steps"]] * len(seeds) + ([plateau_steps(recipe_)] if plateau else [])
    models = [build_model(method, recipe_, s) for s in member_seeds]
    histories = fit_ensemble(
        models,
        [train_data[s] for s in member_seeds],
        loss_rows=cfm_rows if method == "fm" else nll_rows,
        steps=steps,
        batch_size=recipe_["batch_size"],
        lr=recipe_["lr"],
        seeds=member_seeds,
    )
    n = len(seeds)
    return models[:n], histories[:n], (models[n] if plateau else None)


def step_time(model, train_data: torch.Tensor, recipe_: dict, seed: int, loss=None) -> float:
    """Milliseconds per training step of ``model`` trained alone (:data:`PROBE_STEPS` steps of
    ``recipe_`` with ``loss``, default the flow's NLL; single-threaded): what training costs a
    reader who trains one model. ``model`` is trained in place: pass a throwaway one. The pipeline
    trains the seeds side by side, so their own wall time is not this."""
    from explainer.train import fit, nll_loss

    batch, lr = recipe_["batch_size"], recipe_["lr"]
    history = fit(
        model, train_data, loss=loss or nll_loss, steps=PROBE_STEPS, batch_size=batch, lr=lr, seed=seed, progress=False
    )
    return 1000 * history.seconds / PROBE_STEPS


def heldout_nll(method: str, model, test: torch.Tensor) -> float:
    """Held-out NLL in nats: the flows' exact log-density; flow matching's by the exact divergence
    along the reverse ODE with :data:`EVAL_SOLVER`."""
    from explainer.matching import experiment as fm
    from explainer.train import evaluate_nll

    return fm.nll(model, test, **EVAL_SOLVER) if method == "fm" else evaluate_nll(model, test)


def round_trip(method: str, model, x: torch.Tensor) -> dict:
    r"""Data → latent → data: mean and max of :math:`\|x - \hat x\|_\infty` over the rows of ``x``,
    in ``x``'s precision (the model is cast to it). The coupling flows use their exact inverse,
    flow matching two ODE solves with :data:`EVAL_SOLVER`; only the first error shrinks to the
    precision's rounding in float64.

    >>> from explainer.models import realnvp
    >>> flow = realnvp(layers=2, hidden=8)
    >>> round_trip("realnvp", flow, torch.randn(20, 2, dtype=torch.float64))["max"] < 1e-12
    True
    """
    import copy

    from explainer.matching import experiment as fm

    model = copy.deepcopy(model).to(x.dtype)
    if method == "fm":
        return fm.reconstruction_error(model, x, **EVAL_SOLVER)
    with torch.no_grad():
        z, _ = model(x)
        error = (model.inverse(z)[0] - x).abs().amax(dim=1)
    return {"mean": error.mean().item(), "max": error.max().item()}


def run_pair(
    method: str,
    dataset: str,
    budget_name: str,
    checkpoint_dir: str,
    seeds: tuple[int, ...] = SEEDS,
    entropy: float | None = None,
) -> tuple[list[dict], dict | None]:
    """Train ``method`` on ``dataset`` for every seed (and the plateau run when its seed is among
    ``seeds``) side by side, save the checkpoints, measure everything; return ``(rows, plateau)``:
    one dict of metrics per seed and :func:`plateau_verdict`'s result (or None).
    ``entropy`` (default: computed) is passed in by :func:`run` so that worker processes do not
    each recompute the grid integral."""
    torch.set_num_threads(1)
    budget = _check_budget(budget_name)
    recipe_ = recipe(method, budget)
    data = {seed: split(dataset, seed, budget) for seed in seeds}
    entropy = datasets.entropy(dataset) if entropy is None else entropy
    plateau = PLATEAU["seed"] in seeds
    models, histories, short = train_side_by_side(
        method, {s: d["train"] for s, d in data.items()}, recipe_, seeds, plateau
    )
    rows = [
        measure(method, dataset, seed, model, history, data[seed], budget_name, checkpoint_dir, entropy)
        for seed, model, history in zip(seeds, models, histories)
    ]
    if not plateau:
        return rows, None
    short_run = {
        "method": method,
        "dataset": dataset,
        "seed": PLATEAU["seed"],
        "steps": recipe_["steps"],
        "short_steps": plateau_steps(recipe_),
        "short_nll": heldout_nll(method, short, data[PLATEAU["seed"]]["test"]),
    }
    full_nll = next(r["nll"] for r in rows if r["seed"] == PLATEAU["seed"])
    return rows, plateau_verdict(short_run, full_nll)


def measure(
    method: str,
    dataset: str,
    seed: int,
    model,
    history,
    data: dict[str, torch.Tensor],
    budget_name: str,
    checkpoint_dir: str,
    entropy: float,
) -> dict:
    """Save one trained model's checkpoint and measure everything; return the metrics (a dict)."""
    from explainer import checkpoints
    from explainer.matching import experiment as fm
    from explainer.matching.loss import CFMObjective

    budget = _check_budget(budget_name)
    recipe_ = recipe(method, budget)
    path = Path(checkpoint_dir) / f"{method}-{dataset}-{seed}.pt"
    row: dict = {"method": method, "dataset": dataset, "seed": seed, "entropy": entropy, "checkpoint": str(path)}
    row["params"] = sum(p.numel() for p in model.parameters())
    row["nll"] = heldout_nll(method, model, data["test"])
    recon_x = data["test"][: budget["n_recon"]]
    if method == "fm":
        samples, row["sample_seconds"] = _timed(
            lambda: fm.sample(model, budget["n_samples"], seed=seed + 1, **EVAL_SOLVER)
        )
        row["nfe_sweep"] = nfe_sweep(model, data["reference"], budget["n_samples"], seed=seed + 1)
        kind, config = "velocity_mlp", model.config()
    else:
        samples, row["sample_seconds"] = _timed(lambda: model.sample(budget["n_samples"], seed=seed + 1))
        kind, config = method, recipe_["net"]
    checkpoints.save(path, model, kind, config, {"budget": budget_name, "dataset": dataset, "seed": seed})
    recon = round_trip(method, model, recon_x)
    recon64 = round_trip(method, model, recon_x.double())
    log_p_test = datasets.log_prob(dataset, data["test"])
    loss = CFMObjective() if method == "fm" else None
    ms_per_step = step_time(build_model(method, recipe_, seed), data["train"], recipe_, seed, loss)
    row.update(
        gap=row["nll"] - entropy,
        energy=energy_distance(samples, data["reference"]),
        off_support=off_support_share(datasets.log_prob(dataset, samples), log_p_test),
        floor_off_support=off_support_share(datasets.log_prob(dataset, data["floor"]), log_p_test),
        floor=energy_distance(data["floor"], data["reference"]),
        recon_mean=recon["mean"],
        recon_max=recon["max"],
        recon64_mean=recon64["mean"],
        recon64_max=recon64["max"],
        steps=recipe_["steps"],
        ms_per_step=ms_per_step,
        train_seconds=ms_per_step * recipe_["steps"] / 1000,
        loss_curve=_curve(history.loss),
    )
    return row


def plateau_verdict(short: dict, full_nll: float) -> dict:
    """Has the model stopped improving at its budget? ``short`` is the short run's result (see :func:`run_pair`),
    ``full_nll`` the full budget's held-out NLL (same seed, same data). ``fall`` is how much the NLL
    still fell over the last fifth of the budget, in nats and relative to ``full_nll``; ``held`` says
    whether the relative fall is within ``PLATEAU["max_fall"]``.

    >>> v = plateau_verdict({"short_nll": 2.95, "steps": 100, "short_steps": 80}, full_nll=2.9)
    >>> round(v["fall"], 3), round(v["relative_fall"], 4), v["held"]
    (0.05, 0.0172, True)
    >>> plateau_verdict({"short_nll": 3.1}, full_nll=2.9)["held"]
    False
    """
    fall = short["short_nll"] - full_nll
    relative = fall / abs(full_nll)
    return {**short, "nll": full_nll, "fall": fall, "relative_fall": relative, "held": relative <= PLATEAU["max_fall"]}


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


class _Serial:
    """``ProcessPoolExecutor``'s ``submit`` / ``result`` in this process (``workers=1``)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args) -> Future:
        future = Future()
        future.set_result(fn(*args))
        return future


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
    jobs = [(m, d) for m in sorted(methods, key=order.get) for d in datasets_]
    start = time.perf_counter()
    entropies = {d: datasets.entropy(d) for d in datasets_}
    rows, plateau = [], []
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) if workers > 1 else _Serial()
    with pool:
        futures = [pool.submit(run_pair, m, d, budget_name, str(out_dir), seeds, entropies[d]) for m, d in jobs]
        for i, future in enumerate(futures):
            job_rows, check = future.result()
            rows += job_rows
            plateau += [check] if check else []
            if progress:
                seconds = time.perf_counter() - start
                print(f"[comparison] {i + 1}/{len(jobs)} {jobs[i]} {seconds:.0f} s", file=sys.stderr)
    results = {
        "budget": budget_name,
        "config": budget,
        "seeds": list(seeds),
        "datasets": list(datasets_),
        "methods": list(methods),
        "eval_solver": EVAL_SOLVER,
        "probe_steps": PROBE_STEPS,
        "workers": workers,
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "seconds": time.perf_counter() - start,
        "runs": rows,
        "plateau": plateau,
    }
    path = out_dir / "results.json"
    path.write_text(json.dumps(results, indent=1))
    return path


# --- pipeline targets --------------------------------------------------------------------------------
# One target per (method, dataset) trains its three seeds and the plateau run side by side in one
# process, so the scheduler packs these 12 jobs with the others on every core; ``model:comparison``
# gathers them.

PIPELINE_BUDGET = "quick"
PARAMS = {
    "budget": PIPELINE_BUDGET,
    "config": BUDGETS[PIPELINE_BUDGET],
    "seeds": SEEDS,
    "nfe_budgets": NFE_BUDGETS,
    "eval": EVAL_SOLVER,
    "plateau": PLATEAU,
    "probe_steps": PROBE_STEPS,
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
        rows, plateau = run_pair(method, dataset, PIPELINE_BUDGET, str(rows_path.parent), SEEDS)
        rows_path.write_text(json.dumps({"runs": rows, "plateau": plateau}, indent=1))
        return [rows_path, *(Path(row["checkpoint"]) for row in rows)]


# Longest first: the scheduler starts ready targets in the order they are registered.
ORDER = ("nsf", "realnvp", "fm")
JOBS = tuple(job_target(m, d) for m in ORDER for d in DATASETS)
for _method in ORDER:
    for _dataset in DATASETS:
        _job_target(_method, _dataset)


@target(
    "model:comparison",
    "model",
    depends=JOBS,
    params={**PARAMS, "datasets": DATASETS, "methods": METHODS},
)
def build_comparison(ctx) -> list[Path]:
    """``results.json`` from every job's rows (in the order of :data:`METHODS` and :data:`DATASETS`)
    and the plateau checks, plus the jobs' checkpoints (so that consumers depend on this one target)."""
    rows, checkpoints_, plateau = [], [], []
    for method in METHODS:
        for dataset in DATASETS:
            outputs = ctx.dep(job_target(method, dataset))
            job = json.loads(next(p for p in outputs if p.suffix == ".json").read_text())
            rows += job["runs"]
            plateau.append(job["plateau"])  # the job's JSON: {"runs": [...], "plateau": {...}}
            checkpoints_ += [p for p in outputs if p.suffix == ".pt"]
    results = {
        "budget": PIPELINE_BUDGET,
        "config": BUDGETS[PIPELINE_BUDGET],
        "seeds": list(SEEDS),
        "datasets": list(DATASETS),
        "methods": list(METHODS),
        "eval_solver": EVAL_SOLVER,
        "probe_steps": PROBE_STEPS,
        "workers": os.cpu_count(),  # the pipeline's processes, each target in one thread
        "machine": machine(),
        "date": datetime.date.today().isoformat(),
        "seconds": sum(row["train_seconds"] for row in rows),
        "runs": rows,
        "plateau": plateau,
    }
    path = ctx.path("comparison", PIPELINE_BUDGET, "results.json", cache=True)
    path.write_text(json.dumps(results, indent=1))
    return [path, *checkpoints_]


def job_runs(paths: list[Path]) -> list[dict]:
    """The per-seed rows among the outputs of one ``model:comparison-<method>-<dataset>`` target."""
    return json.loads(next(p for p in paths if p.suffix == ".json").read_text())["runs"]


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
