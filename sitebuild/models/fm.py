"""Trained flow-matching models, as cached pipeline targets (kind ``"model"``).

Targets (names are a contract; figures and animations depend on them):

- ``model:fm-8gaussians``: velocity MLP 3×128 (SiLU, t concatenated) on 8gaussians;
- ``model:fm-moons``: the same network and budget on moons.

Each writes ``.cache/pipeline/models/fm-<dataset>.pt``; load it with
:func:`explainer.checkpoints.load` (the :class:`VelocityMLP` in eval mode, and ``meta``). The
checkpoint's ``meta`` holds the data and fit settings, the loss history, the training time, the test NLL
(exact divergence, RK4 25 steps) and the true entropy.
"""

from __future__ import annotations

from pathlib import Path

from explainer import checkpoints, datasets
from explainer.device import single_thread
from explainer.matching.experiment import EVAL_SOLVER, nll, train_fm
from explainer.matching.velocity import VelocityMLP
from sitebuild.registry import target

FM_DATASETS = ("8gaussians", "moons")
FM_NET = {"hidden": 128, "depth": 3, "act": "silu", "time_embedding": "concat"}
FM_FIT = {"steps": 1500, "batch_size": 256, "lr": 2e-3, "seed": 0}
FM_DATA = {"n_train": 50_000, "n_test": 5_000, "seed": 0}


def data(name: str) -> tuple:
    """The train/test split of the ``model:fm-<name>`` targets."""
    return (
        datasets.sample(name, FM_DATA["n_train"], seed=FM_DATA["seed"]),
        datasets.sample(name, FM_DATA["n_test"], seed=10_000 + FM_DATA["seed"]),
    )


def train(name: str) -> tuple[VelocityMLP, dict]:
    """Train the ``model:fm-<name>`` network (single-threaded, seeded); return ``(velocity, meta)``."""
    train_x, test_x = data(name)
    with single_thread():
        velocity, history = train_fm(train_x, **FM_NET, **FM_FIT, description=f"fm-{name}")
        value = nll(velocity, test_x, **EVAL_SOLVER)
    meta = {
        "data": {**FM_DATA, "name": name},
        "fit": FM_FIT,
        "net": FM_NET,
        "loss": history.loss,
        "seconds": history.seconds,
        "nll": value,
        "nll_solver": EVAL_SOLVER,
        "entropy": datasets.entropy(name),
    }
    return velocity, meta


def _fm_target(name: str) -> None:
    @target(f"model:fm-{name}", "model", params={"net": FM_NET, "fit": FM_FIT, "data": FM_DATA})
    def build(ctx) -> list[Path]:
        velocity, meta = train(name)
        path = ctx.path("models", f"fm-{name}.pt", cache=True)
        return [checkpoints.save(path, velocity, "velocity_mlp", velocity.config(), meta)]


for _name in FM_DATASETS:
    _fm_target(_name)
