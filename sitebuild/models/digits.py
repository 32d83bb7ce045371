"""The digits flows as pipeline targets: ``model:realnvp-digits`` and ``model:glow-digits``.

Each gathers three targets ``model:<name>-seed<s>``, each training the flow with one seed
(:func:`explainer.images.training.train_digits`, the ``quick`` budget), single-threaded (seed
:math:`s` also picks the train/test split ``datasets.digits(seed=s)``), and writing
``.cache/pipeline/models/digits-<builder>-seed<s>.pt``
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


def _seed_target(builder: str, seed: int) -> str:
    name = f"model:{MODEL_NAMES[builder]}-seed{seed}"

    @target(name, "model", params={"budget": BUDGET, "plan": BUDGETS[BUDGET], "seed": seed, "draws": TEST_DRAWS})
    def build(ctx) -> list[Path]:
        with single_thread():
            flow, kwargs, meta = train_digits(builder, seed, BUDGET, device="cpu")
        path = ctx.path("models", f"digits-{builder}-seed{seed}.pt", cache=True)
        return [checkpoints.save(path, flow, builder, kwargs, meta)]

    return name


def _model_target(builder: str) -> None:
    """One target per seed (the scheduler spreads them over the cores) and one that gathers them."""
    seeds = tuple(_seed_target(builder, seed) for seed in SEEDS)

    @target(f"model:{MODEL_NAMES[builder]}", "model", depends=seeds)
    def build(ctx) -> list[Path]:
        return [p for name in seeds for p in ctx.dep(name)]


for _builder in MODEL_NAMES:
    _model_target(_builder)
