r"""Training the digits flows (the multi-scale RealNVP and Glow on the 8×8 digits), and the
``explainer train --data digits`` command.

Budgets: ``quick`` (what the site builds: 600 Adam steps per seed, about 25–45 s per seed on one
free core) and ``full`` (the same networks for 4× the steps). The site's model targets live in
``sitebuild.models.digits``; training here is seeded and, in those targets, single-threaded.
"""

from __future__ import annotations

import math
import time

import torch

from .. import datasets
from ..device import single_thread
from ..train import fit
from .evaluate import CategoricalBaseline, bits_per_dim, reconstruction_error
from .models import DIGITS_LEVELS, DIGITS_SHAPE, build, initialize

SEEDS = (0, 1, 2)
DIMS = math.prod(DIGITS_SHAPE)
BUDGETS = {
    "quick": {
        "fit": {"steps": 600, "batch_size": 64, "lr": 2e-3},
        "eval_every": 50,
        "models": {
            "realnvp-image": {"scales": 2, "hidden": 32, "depth": 2},
            "glow": {"scales": 2, "steps": 4, "hidden": 32, "depth": 2},
        },
    },
    "full": {
        "fit": {"steps": 2400, "batch_size": 64, "lr": 2e-3},
        "eval_every": 100,
        "models": {
            "realnvp-image": {"scales": 2, "hidden": 32, "depth": 2},
            "glow": {"scales": 2, "steps": 4, "hidden": 32, "depth": 2},
        },
    },
}
TEST_DRAWS = 4  # noise draws per test image for the reported bpd
MODEL_NAMES = {"realnvp-image": "realnvp-digits", "glow": "glow-digits"}


def digits_data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``datasets.digits(seed)`` as float tensors of grey levels (what the flows take)."""
    train, test = datasets.digits(seed=seed)
    return train.float(), test.float()


def train_digits(
    builder: str,
    seed: int = 0,
    budget: str = "quick",
    *,
    model_kwargs: dict | None = None,
    fit_kwargs: dict | None = None,
    eval_every: int | None = None,
    device=None,
    progress: bool = False,
):
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
    torch.manual_seed(seed)  # initial weights and the initialisation batch's noise
    flow = build(builder, kwargs)
    initialize(flow, train[torch.randperm(train.shape[0])[:512]])
    curve: list[tuple[int, float]] = []
    eval_seconds, eval_cpu = [0.0], [0.0]
    calls = [0]

    def loss(model, batch):
        step = calls[0]
        if step % every == 0:  # the test bpd before update `step`
            start, cpu = time.perf_counter(), time.process_time()
            curve.append((step, bits_per_dim(model, test, seed=10_000)))
            eval_seconds[0] += time.perf_counter() - start
            eval_cpu[0] += time.process_time() - cpu
        calls[0] += 1
        return -model.log_prob(batch).mean()

    cpu_start = time.process_time()
    history = fit(
        flow, train, loss=loss, seed=seed, device=device, progress=progress, description=f"{builder} digits", **fit_args
    )
    cpu_seconds = time.process_time() - cpu_start - eval_cpu[0]
    curve.append((fit_args["steps"], bits_per_dim(flow, test, seed=10_000)))
    baseline = CategoricalBaseline(train, DIGITS_LEVELS)
    meta = {
        "builder": builder,
        "seed": seed,
        "budget": budget,
        "fit": fit_args,
        "eval_every": every,
        "train_bpd_steps": [v / (DIMS * math.log(2)) for v in history.loss],
        "test_bpd_curve": curve,
        "test_bpd": bits_per_dim(flow, test, draws=TEST_DRAWS, seed=20_000),
        "train_bpd": bits_per_dim(flow, train, seed=30_000),
        "baseline_bpd": baseline.bits_per_dim(test),
        "uniform_bpd": math.log2(DIGITS_LEVELS),
        "reconstruction": reconstruction_error(flow, test),
        "seconds": history.seconds - eval_seconds[0],  # wall time (depends on the machine's load)
        "cpu_seconds": cpu_seconds,  # CPU time of this process (one thread)
        "parameters": sum(p.numel() for p in flow.parameters()),
        "device": str(next(flow.parameters()).device),
    }
    return flow, kwargs, meta


def train_cli(args, device) -> int:
    """``explainer train --model realnvp-image|glow --data digits``: train one seed with the
    quick budget's architecture (``--hidden``, ``--steps``, ``--lr``, ``--batch-size`` override
    it when given), report test bpd vs the baseline, reconstruction and time."""
    builder = args.model
    plan = BUDGETS["quick"]
    model_kwargs = {k: v for k, v in (("hidden", getattr(args, "hidden", None)),) if v is not None}
    fit_kwargs = {
        k: v for k, v in (("steps", args.steps), ("lr", args.lr), ("batch_size", args.batch_size)) if v is not None
    }
    with single_thread():  # one thread: as fast for networks this small, and no oversubscription
        flow, kwargs, meta = train_digits(
            builder,
            args.seed,
            "quick",
            model_kwargs=model_kwargs,
            fit_kwargs=fit_kwargs,
            device=device,
            progress=not args.quiet,
        )
    steps = meta["fit"]["steps"]
    print(f"trained {builder} {kwargs} on the 8x8 digits for {steps} steps on {device} (quick budget: {plan['fit']})")
    print(
        f"train time          {meta['seconds']:.1f} s wall, {meta['cpu_seconds']:.1f} s CPU "
        f"({1000 * meta['cpu_seconds'] / steps:.1f} ms/step CPU)"
    )
    print(f"test bits/dim       {meta['test_bpd']:.4f}  ({TEST_DRAWS} noise draws per image)")
    print(f"train bits/dim      {meta['train_bpd']:.4f}")
    print(f"baseline bits/dim   {meta['baseline_bpd']:.4f}  (independent per-pixel categorical)")
    print(f"uniform bits/dim    {meta['uniform_bpd']:.4f}  (log2 17)")
    r = meta["reconstruction"]
    print(
        f"reconstruction      max |x' - f^-1(f(x'))| = {r['max_abs_error']:.2e}, "
        f"grey levels recovered {100 * r['levels_recovered']:.1f}%"
    )
    return 0
