r"""Couplings and rectified flow, measured: straightness and energy distance against NFE.

Four variants on :data:`DATASETS`, seeds :data:`SEEDS`, every one with the comparison's
flow-matching recipe (:mod:`sitebuild.models.comparison`, budget ``quick``: same network, steps,
batch, learning rate, training data):

- ``independent``: independent CFM on the linear path. This *is* Liu et al.'s 1-rectified flow (the
  same loss on the same independent pairs), so it is not trained again: the comparison's
  checkpoints ``fm-<dataset>-<seed>.pt`` are measured;
- ``ot``: minibatch-OT CFM, trained from scratch. The coupling of a batch does not depend on the
  network, so the pairs are made once: :data:`N_PAIRS` training points and as many noise draws,
  re-paired by the exact assignment within each batch of 256 (:func:`ot_pairs`), then trained on
  like the reflow's pairs. Drawing a batch from this pool estimates the same loss as coupling each
  training batch afresh (:class:`explainer.matching.objectives.CoupledCFMObjective`), reusing
  the noise; it runs :data:`N_PAIRS`/256 assignments instead of one per step (each costs tens of
  milliseconds of CPU, ten times a training step);
- ``reflow2``: the 2-rectified flow, one reflow of ``independent`` on :data:`N_PAIRS` pairs
  :math:`(x_0, \mathrm{ODE}(x_0))` (RK4, 25 steps), warm-started from its weights;
- ``reflow3``: the 3-rectified flow, one reflow of ``reflow2``.

Measured for each (variant, dataset, seed), on the comparison's held-out reference and noise
seed: the energy distance at NFE :data:`NFE` with Euler and midpoint (midpoint needs 2 evaluations
per step, so it has no NFE-1 point), with RK4 25 steps (the variant's converged samples), the
straightness :math:`S` along RK4 trajectories, and the training cost (seconds, ms/step; a reflow's
cumulative cost adds the pair generation and every earlier stage). The three seeds of a variant
are trained side by side as one batched network (:mod:`explainer.ensemble`), so the cost is that
of one model trained alone: ms/step from a separate :data:`comparison.PROBE_STEPS`-step run, times
the recipe's steps.

Targets: ``model:fmdepth-<variant>-<dataset>`` write a JSON list of rows (one per seed) under
``.cache/pipeline/fm_depth/``; the reflow targets also keep their checkpoints.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import torch

from explainer import checkpoints
from explainer.metrics import energy_distance
from sitebuild.models import comparison
from sitebuild.registry import target

DATASETS = ("moons", "8gaussians", "checkerboard")
SEEDS = comparison.SEEDS
VARIANTS = ("independent", "ot", "reflow2", "reflow3")
NFE = (1, 2, 4, 8, 20)
SOLVERS = ("euler", "midpoint")
BUDGET = comparison.PIPELINE_BUDGET
N_PAIRS = 50_000
PAIR_SOLVER = {"method": "rk4", "steps": 25}
STRAIGHTNESS_SOLVER = {"method": "rk4", "steps": 25}
N_STRAIGHTNESS = 1_000
PARAMS = {
    "budget": BUDGET,
    "fm": comparison.BUDGETS[BUDGET]["models"]["fm"],
    "seeds": SEEDS,
    "nfe": NFE,
    "pairs": N_PAIRS,
    "pair_solver": PAIR_SOLVER,
    "straightness": [STRAIGHTNESS_SOLVER, N_STRAIGHTNESS],
}


def measure(velocity, reference: torch.Tensor, n: int, seed: int) -> dict:
    """Energy distance of ``n`` samples (noise seed ``seed``) to ``reference`` at each NFE of
    :data:`NFE` for Euler and midpoint and with RK4 25 steps; straightness on the first
    :data:`N_STRAIGHTNESS` noise points.

    >>> from explainer.matching import VelocityMLP
    >>> m = measure(VelocityMLP(2, hidden=8, depth=1), torch.randn(50, 2), 50, seed=0)
    >>> [(r["solver"], r["nfe"]) for r in m["sweep"]][:6], m["straightness"] >= 0
    ([('euler', 1), ('euler', 2), ('euler', 4), ('euler', 8), ('euler', 20), ('midpoint', 2)], True)
    """
    from explainer.matching import experiment as fm
    from explainer.matching.straightness import straightness

    sweep = []
    for solver in SOLVERS:
        stages = 1 if solver == "euler" else 2
        for nfe in NFE:
            if nfe % stages:
                continue
            x = fm.sample(velocity, n, solver, nfe // stages, seed=seed)
            sweep.append({"solver": solver, "nfe": nfe, "energy": energy_distance(x, reference)})
    converged = energy_distance(fm.sample(velocity, n, seed=seed, **comparison.EVAL_SOLVER), reference)
    x_0 = fm.noise(n, velocity.dim, seed)[:N_STRAIGHTNESS]
    return {"sweep": sweep, "converged": converged, "straightness": straightness(velocity, x_0, **STRAIGHTNESS_SOLVER)}


def _row(variant: str, dataset: str, seed: int, velocity, data: dict, n: int, cost: dict) -> dict:
    return {
        "variant": variant,
        "dataset": dataset,
        "seed": seed,
        **cost,
        **measure(velocity, data["reference"], n, seed + 1),
    }


def ot_pairs(train: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """:data:`N_PAIRS` minibatch-OT pairs: the first :data:`N_PAIRS` training points, fresh seeded
    noise, re-paired by the exact assignment within consecutive batches of the recipe's size.

    >>> x_0, x_1 = ot_pairs(torch.randn(N_PAIRS + 10, 2), seed=0)
    >>> x_0.shape == x_1.shape == (N_PAIRS, 2)
    True
    """
    from explainer.matching.couplings import minibatch_ot

    batch = comparison.recipe("fm", comparison.BUDGETS[BUDGET])["batch_size"]
    x_1 = train[:N_PAIRS]
    x_0 = torch.randn(x_1.shape, generator=torch.Generator().manual_seed(2_000 + seed))
    paired = [minibatch_ot(a, b) for a, b in zip(x_0.split(batch), x_1.split(batch))]
    return torch.cat([a for a, _ in paired]), torch.cat([b for _, b in paired])


def _side_by_side(models: list, pairs: list[torch.Tensor], seeds) -> float:
    """Train ``models[i]`` on ``pairs[i]`` (packed ``[x_0 | x_1]``) with the comparison's
    flow-matching recipe, side by side (:func:`explainer.ensemble.fit_ensemble`); return the
    milliseconds per step of one model trained alone (:func:`comparison.step_time`, on a copy of
    the first model before training)."""
    from explainer.ensemble import fit_ensemble
    from explainer.matching.objectives import PairedCFMObjective, paired_cfm_rows

    recipe = comparison.recipe("fm", comparison.BUDGETS[BUDGET])
    ms = comparison.step_time(copy.deepcopy(models[0]), pairs[0], recipe, seeds[0], PairedCFMObjective())
    fit_ensemble(
        models,
        pairs,
        loss_rows=paired_cfm_rows,
        steps=recipe["steps"],
        batch_size=recipe["batch_size"],
        lr=recipe["lr"],
        seeds=list(seeds),
    )
    return ms


def _cost(ms_per_step: float, pair_seconds: float) -> dict:
    steps = comparison.recipe("fm", comparison.BUDGETS[BUDGET])["steps"]
    train = ms_per_step * steps / 1000
    return {"train_seconds": train, "ms_per_step": ms_per_step, "pair_seconds": pair_seconds}


def train_ot(dataset: str) -> tuple[list[torch.nn.Module], list[dict]]:
    """Minibatch-OT CFM with the comparison's recipe, one model per seed of :data:`SEEDS` on
    :func:`ot_pairs` of its training data (trained side by side)."""
    from explainer.matching.objectives import pack_pairs
    from explainer.matching.velocity import VelocityMLP

    budget = comparison.BUDGETS[BUDGET]
    recipe = comparison.recipe("fm", budget)
    pairs, pair_seconds, models = [], [], []
    for seed in SEEDS:
        start = time.perf_counter()
        pairs.append(pack_pairs(*ot_pairs(comparison.split(dataset, seed, budget)["train"], seed)))
        pair_seconds.append(time.perf_counter() - start)
        torch.manual_seed(seed)
        models.append(VelocityMLP(2, **recipe["net"]))
    ms = _side_by_side(models, pairs, SEEDS)
    costs = [_cost(ms, p) for p in pair_seconds]
    return models, [{**c, "total_seconds": c["train_seconds"] + c["pair_seconds"]} for c in costs]


def rectify(previous: list, stage: int) -> tuple[list[torch.nn.Module], list[dict]]:
    """One reflow of each model of ``previous`` (one per seed of :data:`SEEDS`) with the
    comparison's recipe, warm-started from its weights, side by side; the pairs' noise is seeded
    by the seed and ``stage`` (never the evaluation noise)."""
    from explainer.matching.objectives import pack_pairs
    from explainer.matching.rectified import reflow_pairs

    pairs, pair_seconds = [], []
    for velocity, seed in zip(previous, SEEDS):
        start = time.perf_counter()
        pairs.append(pack_pairs(*reflow_pairs(velocity, N_PAIRS, seed=1_000 * stage + seed, **PAIR_SOLVER)))
        pair_seconds.append(time.perf_counter() - start)
    models = [copy.deepcopy(v) for v in previous]
    ms = _side_by_side(models, pairs, SEEDS)
    return models, [_cost(ms, p) for p in pair_seconds]


def variant_target(variant: str, dataset: str) -> str:
    """``model:fmdepth-<variant>-<dataset>``; ``reflow2`` and ``reflow3`` share one target.

    >>> variant_target("reflow3", "moons")
    'model:fmdepth-reflow-moons'
    """
    return f"model:fmdepth-{'reflow' if variant.startswith('reflow') else variant}-{dataset}"


def _targets(dataset: str) -> None:
    source = comparison.job_target("fm", dataset)
    budget = comparison.BUDGETS[BUDGET]

    def rows_path(ctx, name: str) -> Path:
        return ctx.path("fm_depth", f"{name}-{dataset}.json", cache=True)

    @target(variant_target("independent", dataset), "model", depends=(source,), params=PARAMS)
    def independent(ctx) -> list[Path]:
        torch.set_num_threads(1)
        runs = {r["seed"]: r for r in comparison.job_runs(ctx.dep(source))}
        rows = []
        for seed in SEEDS:
            velocity, _ = checkpoints.load(comparison.checkpoint_path(ctx.dep(source), "fm", dataset, seed))
            cost = {k: runs[seed][k] for k in ("train_seconds", "ms_per_step")}
            data = comparison.split(dataset, seed, budget)
            rows.append(
                _row(
                    "independent",
                    dataset,
                    seed,
                    velocity,
                    data,
                    budget["n_samples"],
                    {**cost, "total_seconds": cost["train_seconds"]},
                )
            )
        path = rows_path(ctx, "independent")
        path.write_text(json.dumps(rows, indent=1))
        return [path]

    @target(variant_target("ot", dataset), "model", params=PARAMS)
    def ot(ctx) -> list[Path]:
        torch.set_num_threads(1)
        rows = []
        for seed, velocity, cost in zip(SEEDS, *train_ot(dataset)):
            rows.append(
                _row("ot", dataset, seed, velocity, comparison.split(dataset, seed, budget), budget["n_samples"], cost)
            )
        path = rows_path(ctx, "ot")
        path.write_text(json.dumps(rows, indent=1))
        return [path]

    @target(variant_target("reflow2", dataset), "model", depends=(source,), params=PARAMS)
    def rectified(ctx) -> list[Path]:
        torch.set_num_threads(1)
        runs = {r["seed"]: r for r in comparison.job_runs(ctx.dep(source))}
        velocities = [
            checkpoints.load(comparison.checkpoint_path(ctx.dep(source), "fm", dataset, seed))[0] for seed in SEEDS
        ]
        totals = [runs[seed]["train_seconds"] for seed in SEEDS]
        by_seed, outputs = {seed: [] for seed in SEEDS}, []
        for stage in (2, 3):
            variant = f"reflow{stage}"
            velocities, costs = rectify(velocities, stage)
            for i, (seed, velocity, cost) in enumerate(zip(SEEDS, velocities, costs)):
                totals[i] += cost["train_seconds"] + cost["pair_seconds"]
                data, cost = comparison.split(dataset, seed, budget), {**cost, "total_seconds": totals[i]}
                by_seed[seed].append(_row(variant, dataset, seed, velocity, data, budget["n_samples"], cost))
                path = ctx.path("fm_depth", f"{variant}-{dataset}-{seed}.pt", cache=True)
                outputs.append(
                    checkpoints.save(path, velocity, "velocity_mlp", velocity.config(), {"variant": variant})
                )
        rows = [row for seed in SEEDS for row in by_seed[seed]]  # seed by seed, as before
        path = rows_path(ctx, "reflow")
        path.write_text(json.dumps(rows, indent=1))
        return [path, *outputs]


for _dataset in DATASETS:
    _targets(_dataset)

TARGETS = tuple(dict.fromkeys(variant_target(v, d) for d in DATASETS for v in VARIANTS))


def rows(outputs: dict[str, list[Path]]) -> list[dict]:
    """Every row of the targets' JSON files (``outputs``: target name -> its paths)."""
    out = []
    for name in TARGETS:
        out += json.loads(next(p for p in outputs[name] if p.suffix == ".json").read_text())
    return out
