r"""Note 004's activation remark, measured: its flow-matching velocity network uses ELU ("smoother
for fitting the velocity field"); ours uses SiLU. Same recipe, data, seeds and metrics as the
comparison's flow-matching runs (:mod:`sitebuild.models.comparison`), only the activation differs.

Targets ``model:activation-fm-elu-<dataset>`` for :data:`DATASETS` write one JSON list of rows
(``nll``, ``gap``, ``energy``, ``off_support`` per seed) under ``.cache/pipeline/comparison/``;
the SiLU numbers are the comparison's own runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from explainer import datasets
from explainer.metrics import energy_distance, off_support_share
from sitebuild.models import comparison
from sitebuild.registry import target

ACTIVATION = "elu"
DATASETS = ("moons", "8gaussians")


def run_activation(dataset: str, budget_name: str, act: str = ACTIVATION, seeds=comparison.SEEDS) -> list[dict]:
    """Train comparison's flow-matching recipe with activation ``act`` on ``dataset``, one model
    per seed (side by side, as the comparison trains its own); measure each; one row per seed.

    >>> comparison.BUDGETS["doc"] = {"models": {"fm": {"steps": 5, "batch_size": 32, "lr": 1e-3,
    ...     "net": {"hidden": 8, "depth": 1, "act": "silu"}}}, "n_train": 200, "n_test": 50, "n_samples": 40}
    >>> rows = run_activation("moons", "doc", seeds=(0, 1))
    >>> del comparison.BUDGETS["doc"]
    >>> [r["seed"] for r in rows], rows[0]["act"], sorted(k for k in rows[0] if k not in ("act", "dataset", "seed"))
    ([0, 1], 'elu', ['energy', 'gap', 'nll', 'off_support'])
    """
    from explainer.matching import experiment as fm

    torch.set_num_threads(1)
    budget = comparison.BUDGETS[budget_name]
    recipe = comparison.recipe("fm", budget)
    recipe = {**recipe, "net": {**recipe["net"], "act": act}}
    data = {seed: comparison.split(dataset, seed, budget) for seed in seeds}
    velocities, _, _ = comparison.train_side_by_side(
        "fm", {s: d["train"] for s, d in data.items()}, recipe, seeds, plateau=False
    )
    rows = []
    for seed, velocity in zip(seeds, velocities):
        nll = comparison.heldout_nll("fm", velocity, data[seed]["test"])
        samples = fm.sample(velocity, budget["n_samples"], seed=seed + 1, **comparison.EVAL_SOLVER)
        log_p_test = datasets.log_prob(dataset, data[seed]["test"])
        rows.append(
            {
                "act": act,
                "dataset": dataset,
                "seed": seed,
                "nll": nll,
                "gap": nll - datasets.entropy(dataset),
                "energy": energy_distance(samples, data[seed]["reference"]),
                "off_support": off_support_share(datasets.log_prob(dataset, samples), log_p_test),
            }
        )
    return rows


def activation_target(dataset: str) -> str:
    return f"model:activation-fm-{ACTIVATION}-{dataset}"


def _activation_target(dataset: str) -> None:
    budget = comparison.PIPELINE_BUDGET

    @target(activation_target(dataset), "model", params={**comparison.PARAMS, "act": ACTIVATION, "dataset": dataset})
    def build(ctx) -> list[Path]:
        path = ctx.path("comparison", budget, f"activation-fm-{ACTIVATION}-{dataset}.json", cache=True)
        rows = run_activation(dataset, budget)
        path.write_text(json.dumps(rows, indent=1))
        return [path]


for _dataset in DATASETS:
    _activation_target(_dataset)
