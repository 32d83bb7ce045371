r"""Training the digits flows, and their pipeline targets ``model:realnvp-digits`` and
``model:glow-digits`` (kept apart from :mod:`explainer.images.experiment` so that editing the
table, the export or the CLI there does not retrain the models: a target's cache key hashes the
module that defines it).

Each target trains its flow with 3 seeds (seed :math:`s` also picks the train/test split
``datasets.digits(seed=s)``) and writes ``.cache/pipeline/models/digits-<builder>-seed<s>.pt``
(``{"builder", "kwargs", "state_dict", "meta"}``, see :func:`train_digits` for ``meta``).

Budgets: ``quick`` (the default, what CI builds: 600 Adam steps per seed, about 25–45 s per seed
on one free core) and ``full`` (the same networks for 4× the steps; select it with
``EXPLAINER_DIGITS_BUDGET=full``). Training is single-threaded and seeded.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import torch

from .. import datasets
from ..pipeline import target
from ..train import fit
from ..trained import load_checkpoint, save_checkpoint, single_thread
from .evaluate import CategoricalBaseline, bits_per_dim, reconstruction_error
from .models import DIGITS_LEVELS, DIGITS_SHAPE, build, initialize

SEEDS = (0, 1, 2)
DIMS = math.prod(DIGITS_SHAPE)
BUDGETS = {
    "quick": {
        "fit": {"steps": 600, "batch_size": 64, "lr": 2e-3},
        "eval_every": 50,
        "models": {"realnvp-image": {"scales": 2, "hidden": 32, "depth": 2},
                   "glow": {"scales": 2, "steps": 4, "hidden": 32, "depth": 2}},
    },
    "full": {
        "fit": {"steps": 2400, "batch_size": 64, "lr": 2e-3},
        "eval_every": 100,
        "models": {"realnvp-image": {"scales": 2, "hidden": 32, "depth": 2},
                   "glow": {"scales": 2, "steps": 4, "hidden": 32, "depth": 2}},
    },
}
TEST_DRAWS = 4          # noise draws per test image for the reported bpd
MODEL_NAMES = {"realnvp-image": "realnvp-digits", "glow": "glow-digits"}
MODEL_CODE = ("explainer.datasets", "explainer.flow", "explainer.train", "explainer.transforms",
              "explainer.images.models", "explainer.images.evaluate")


def budget_name() -> str:
    """The budget the pipeline builds: ``EXPLAINER_DIGITS_BUDGET`` (``quick`` by default)."""
    name = os.environ.get("EXPLAINER_DIGITS_BUDGET", "quick")
    if name not in BUDGETS:
        raise ValueError(f"EXPLAINER_DIGITS_BUDGET must be one of {sorted(BUDGETS)}, got {name!r}")
    return name


def digits_data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``datasets.digits(seed)`` as float tensors of grey levels (what the flows take)."""
    train, test = datasets.digits(seed=seed)
    return train.float(), test.float()


def train_digits(builder: str, seed: int = 0, budget: str = "quick", *, model_kwargs: dict | None = None,
                 fit_kwargs: dict | None = None, eval_every: int | None = None, device=None,
                 progress: bool = False):
    r"""Train one image flow on the digits; return ``(flow, kwargs, meta)``.

    ``meta``: ``train_bpd_steps`` (per step, the minibatch's bound in bits/dim),
    ``test_bpd_curve`` (``[(step, bpd)]`` every ``eval_every`` steps and at the end, one noise
    draw), ``test_bpd`` (final, ``TEST_DRAWS`` draws), ``train_bpd``, ``baseline_bpd`` (the
    per-pixel categorical model on the same split), ``reconstruction``, ``seconds`` (training
    only, evaluation excluded; wall clock), ``cpu_seconds`` (the same in process CPU time: on one
    thread, what a free core needs, whatever the machine's load), ``parameters``.

    >>> flow, kwargs, meta = train_digits("glow", model_kwargs={"scales": 1, "steps": 1, "hidden": 8},
    ...                                   fit_kwargs={"steps": 4, "batch_size": 16}, eval_every=2)
    >>> [s for s, _ in meta["test_bpd_curve"]], len(meta["train_bpd_steps"])
    ([0, 2, 4], 4)
    """
    plan = BUDGETS[budget]
    kwargs = {**plan["models"][builder], **(model_kwargs or {})}
    fit_args = {**plan["fit"], **(fit_kwargs or {})}
    every = eval_every or plan["eval_every"]
    train, test = digits_data(seed)
    torch.manual_seed(seed)   # initial weights and the initialisation batch's noise
    flow = build(builder, kwargs)
    initialize(flow, train[torch.randperm(train.shape[0])[:512]])
    curve: list[tuple[int, float]] = []
    eval_seconds, eval_cpu = [0.0], [0.0]
    calls = [0]

    def loss(model, batch):
        step = calls[0]
        if step % every == 0:               # the test bpd before update `step`
            start, cpu = time.perf_counter(), time.process_time()
            curve.append((step, bits_per_dim(model, test, seed=10_000)))
            eval_seconds[0] += time.perf_counter() - start
            eval_cpu[0] += time.process_time() - cpu
        calls[0] += 1
        return -model.log_prob(batch).mean()

    cpu_start = time.process_time()
    history = fit(flow, train, loss=loss, seed=seed, device=device, progress=progress,
                  description=f"{builder} digits", **fit_args)
    cpu_seconds = time.process_time() - cpu_start - eval_cpu[0]
    curve.append((fit_args["steps"], bits_per_dim(flow, test, seed=10_000)))
    baseline = CategoricalBaseline(train, DIGITS_LEVELS)
    meta = {
        "builder": builder, "seed": seed, "budget": budget, "fit": fit_args, "eval_every": every,
        "train_bpd_steps": [v / (DIMS * math.log(2)) for v in history.loss],
        "test_bpd_curve": curve,
        "test_bpd": bits_per_dim(flow, test, draws=TEST_DRAWS, seed=20_000),
        "train_bpd": bits_per_dim(flow, train, seed=30_000),
        "baseline_bpd": baseline.bits_per_dim(test),
        "uniform_bpd": math.log2(DIGITS_LEVELS),
        "reconstruction": reconstruction_error(flow, test),
        "seconds": history.seconds - eval_seconds[0],     # wall time (depends on the machine's load)
        "cpu_seconds": cpu_seconds,                       # CPU time of this process (one thread)
        "parameters": sum(p.numel() for p in flow.parameters()),
        "device": str(next(flow.parameters()).device),
    }
    return flow, kwargs, meta


def checkpoint_path(ctx, builder: str, seed: int) -> Path:
    return ctx.path("models", f"digits-{builder}-seed{seed}.pt", cache=True)


def _model_target(builder: str) -> None:
    name = f"model:{MODEL_NAMES[builder]}"
    budget = budget_name()

    @target(name, "model", code=MODEL_CODE,
            params={"budget": budget, "plan": BUDGETS[budget], "seeds": SEEDS, "draws": TEST_DRAWS})
    def build_target(ctx):
        paths = []
        for seed in SEEDS:
            with single_thread():
                flow, kwargs, meta = train_digits(builder, seed, budget, device="cpu")
            paths.append(save_checkpoint(checkpoint_path(ctx, builder, seed), flow, builder, kwargs, meta))
        return paths


for _builder in MODEL_NAMES:
    _model_target(_builder)


def load_flow(path: str | Path, device=None):
    """The image flow stored at ``path`` (eval mode) and its checkpoint dictionary."""
    ckpt = load_checkpoint(path)
    flow = build(ckpt["builder"], ckpt["kwargs"])
    flow.load_state_dict(ckpt["state_dict"])
    return flow.to(device or "cpu").eval(), ckpt


def seed_checkpoints(paths: list[Path]) -> dict[int, Path]:
    """``{seed: path}`` from a model target's outputs."""
    out = {}
    for p in paths:
        stem = Path(p).stem
        out[int(stem.rsplit("seed", 1)[1])] = Path(p)
    return out
