"""The digits flows as pipeline targets: ``model:realnvp-digits`` and ``model:glow-digits``.

Each trains its flow (:func:`explainer.images.training.train_digits`, the ``quick`` budget) with
3 seeds, single-threaded (seed :math:`s` also picks the train/test split
``datasets.digits(seed=s)``), and writes ``.cache/pipeline/models/digits-<builder>-seed<s>.pt``
(:mod:`explainer.checkpoints`; ``meta`` as documented in ``train_digits``).
"""

from __future__ import annotations

from pathlib import Path

from explainer import checkpoints
from explainer.device import single_thread
from explainer.images.training import BUDGETS, SEEDS, TEST_DRAWS, train_digits
from sitebuild.registry import target

BUDGET = "quick"  # what the site shows; `full` is 4x the steps (train_digits(..., budget="full"))
MODEL_NAMES = {"realnvp-image": "realnvp-digits", "glow": "glow-digits"}  # builder -> target name


def seed_checkpoints(paths: list[Path]) -> dict[int, Path]:
    """``{seed: path}`` from a digits model target's outputs.

    >>> seed_checkpoints([Path("digits-glow-seed1.pt"), Path("digits-glow-seed0.pt")])[0].name
    'digits-glow-seed0.pt'
    """
    return {int(Path(p).stem.rsplit("seed", 1)[1]): Path(p) for p in paths}


def _model_target(builder: str) -> None:
    @target(
        f"model:{MODEL_NAMES[builder]}",
        "model",
        params={"budget": BUDGET, "plan": BUDGETS[BUDGET], "seeds": SEEDS, "draws": TEST_DRAWS},
    )
    def build(ctx) -> list[Path]:
        paths = []
        for seed in SEEDS:
            with single_thread():
                flow, kwargs, meta = train_digits(builder, seed, BUDGET, device="cpu")
            path = ctx.path("models", f"digits-{builder}-seed{seed}.pt", cache=True)
            paths.append(checkpoints.save(path, flow, builder, kwargs, meta))
        return paths


for _builder in MODEL_NAMES:
    _model_target(_builder)
