r"""Trained 2D coupling flows, as cached pipeline targets (kind ``"model"``).

Every target here trains one small flow, seeded and single-threaded (so the same commit
regenerates the same weights), and writes a checkpoint ``.cache/pipeline/models/<name>.pt``
(:mod:`explainer.checkpoints`; its ``meta`` holds the test NLL in nats, the true entropy, the loss
history and the timing).

Targets (names are a contract; figures and animations depend on them):

- ``model:realnvp-moons``: RealNVP, 8 alternating affine couplings, MLP conditioner 2×128, on moons.
- ``model:realnvp-moons-same-mask``: the same flow with ``alternate=False`` (x_1 is never transformed).
- ``model:realnvp-moons-depth-{1,2,4}``: the depth sweep (depth 8 is ``model:realnvp-moons``;
  every depth uses the same training budget).
- ``model:single-coupling-{1,2,4}``: 1, 2 and 4 alternating affine couplings on a rotated,
  anisotropic Gaussian (what one coupling cannot do).
- ``model:scale-{tanh,clamp,exp}``: affine flows trained at a high learning rate with each
  parametrisation of the log-scale; their checkpoints carry per-step loss, gradient norm and max |s|.

Read a checkpoint with :mod:`explainer.checkpoints` (``load(path) -> (flow, meta)``).
"""

from __future__ import annotations

import math
import time

import torch

from explainer import checkpoints, datasets
from explainer.device import single_thread
from explainer.flow import Flow
from explainer.train import evaluate_nll, fit
from explainer.transforms.coupling import AffineCoupling
from sitebuild.registry import target

# The moons models: one budget for all of them (~20 s each for 8 layers on one core). Conditioners
# MLP 2×64, as the comparison's RealNVP and the notebook: the trained flow also runs in the reader's
# browser (the explorers), whose budget is 300 kB a page (8 couplings × 2×64 = 35k float32
# parameters, 215 kB as base64; 2×128 was 753 kB); the test NLL moved by 0.004 nats (2.4149 → 2.4189,
# entropy 2.3939).
MOONS_FLOW = {"layers": 8, "hidden": 64, "depth": 2}
MOONS_FIT = {"steps": 1500, "batch_size": 256, "lr": 2e-3, "seed": 0}
MOONS_DATA = {"name": "moons", "n_train": 50_000, "n_test": 20_000, "seed": 0}
DEPTHS = (1, 2, 4, 8)


# --- data ----------------------------------------------------------------------------------------


def moons_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The moons train/test split every moons model uses."""
    d = MOONS_DATA
    return (
        datasets.sample(d["name"], d["n_train"], seed=d["seed"]),
        datasets.sample(d["name"], d["n_test"], seed=10_000 + d["seed"]),
    )


ROTATED_GAUSSIAN = {"stds": (2.0, 0.35), "angle_degrees": 45.0}


def rotated_gaussian_covariance() -> torch.Tensor:
    r""":math:`\Sigma = R\,\mathrm{diag}(\sigma^2)\,R^\top`, the data of the single-coupling models.

    >>> [round(v, 6) for v in torch.linalg.eigvalsh(rotated_gaussian_covariance()).tolist()]  # 0.35^2, 2^2
    [0.1225, 4.0]
    """
    a = math.radians(ROTATED_GAUSSIAN["angle_degrees"])
    rotation = torch.tensor([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float64)
    return rotation @ torch.diag(torch.tensor(ROTATED_GAUSSIAN["stds"], dtype=torch.float64) ** 2) @ rotation.T


def rotated_gaussian_sample(n: int, seed: int = 0) -> torch.Tensor:
    """``n`` points from N(0, Σ) (Σ from :func:`rotated_gaussian_covariance`), float32."""
    g = torch.Generator().manual_seed(seed)
    chol = torch.linalg.cholesky(rotated_gaussian_covariance())
    return (torch.randn(n, 2, generator=g, dtype=torch.float64) @ chol.T).float()


def rotated_gaussian_entropy() -> float:
    r""":math:`H = \tfrac12 \log\det(2\pi e \Sigma)`, the best NLL any model can reach."""
    return 0.5 * math.log(torch.linalg.det(2 * math.pi * math.e * rotated_gaussian_covariance()).item())


# --- training ------------------------------------------------------------------------------------


def train_moons(layers: int = 8, alternate: bool = True) -> tuple[Flow, dict, dict]:
    """Train a RealNVP on moons with the shared budget; return ``(flow, kwargs, meta)``."""
    kwargs = {**MOONS_FLOW, "layers": layers, "alternate": alternate}
    train, test = moons_data()
    with single_thread():
        torch.manual_seed(MOONS_FIT["seed"])  # the initial weights too: independent of what ran before
        flow = checkpoints.build("realnvp", kwargs)
        history = fit(flow, train, **MOONS_FIT, progress=False, description=f"realnvp-{layers}")
        nll = evaluate_nll(flow, test)
    meta = {
        "data": MOONS_DATA,
        "fit": MOONS_FIT,
        "nll": nll,
        "entropy": datasets.entropy("moons"),
        "loss": history.loss,
        "seconds": history.seconds,
    }
    return flow, kwargs, meta


def _moons_target(name: str, layers: int, alternate: bool = True) -> None:
    @target(
        name,
        "model",
        params={"flow": MOONS_FLOW, "fit": MOONS_FIT, "data": MOONS_DATA, "layers": layers, "alternate": alternate},
    )
    def build(ctx):
        flow, kwargs, meta = train_moons(layers, alternate)
        return [
            checkpoints.save(
                ctx.path("models", name.split(":", 1)[1] + ".pt", cache=True), flow, "realnvp", kwargs, meta
            )
        ]


_moons_target("model:realnvp-moons", 8)
_moons_target("model:realnvp-moons-same-mask", 8, alternate=False)
for _layers in DEPTHS[:-1]:
    _moons_target(f"model:realnvp-moons-depth-{_layers}", _layers)


def depth_model(layers: int) -> str:
    """The target name of the depth-sweep model with ``layers`` couplings."""
    if layers not in DEPTHS:
        raise ValueError(f"the depth sweep has {DEPTHS} layers, got {layers}")
    return "model:realnvp-moons" if layers == DEPTHS[-1] else f"model:realnvp-moons-depth-{layers}"


SINGLE_LAYERS = (1, 2, 4)
SINGLE_FLOW = {"hidden": 32, "depth": 2}
SINGLE_FIT = {"steps": 800, "batch_size": 256, "lr": 3e-3, "seed": 0}


def train_single(layers: int) -> tuple[Flow, dict, dict]:
    """Train ``layers`` alternating affine couplings on the rotated Gaussian."""
    kwargs = {**SINGLE_FLOW, "layers": layers}
    train, test = rotated_gaussian_sample(20_000, seed=0), rotated_gaussian_sample(20_000, seed=1)
    with single_thread():
        torch.manual_seed(SINGLE_FIT["seed"])
        flow = checkpoints.build("realnvp", kwargs)
        history = fit(flow, train, **SINGLE_FIT, progress=False, description=f"single-{layers}")
        nll = evaluate_nll(flow, test)
    meta = {
        "data": ROTATED_GAUSSIAN,
        "fit": SINGLE_FIT,
        "nll": nll,
        "entropy": rotated_gaussian_entropy(),
        "loss": history.loss,
        "seconds": history.seconds,
    }
    return flow, kwargs, meta


for _layers in SINGLE_LAYERS:

    def _single(layers: int) -> None:
        name = f"model:single-coupling-{layers}"

        @target(
            name, "model", params={"flow": SINGLE_FLOW, "fit": SINGLE_FIT, "data": ROTATED_GAUSSIAN, "layers": layers}
        )
        def build(ctx):
            flow, kwargs, meta = train_single(layers)
            return [
                checkpoints.save(
                    ctx.path("models", f"single-coupling-{layers}.pt", cache=True), flow, "realnvp", kwargs, meta
                )
            ]

    _single(_layers)


# --- scale parametrisation ------------------------------------------------------------------------

SCALE_KINDS = ("tanh", "clamp", "exp")
SCALE_FLOW = {"layers": 6, "hidden": 64, "depth": 2}
SCALE_RUN = {"data": "8gaussians", "steps": 400, "batch_size": 256, "lr": 5e-2, "seed": 0}


def max_abs_log_scale(flow: Flow, x: torch.Tensor) -> float:
    r""":math:`\max |s|` over every affine layer of ``flow`` and every point of ``x``.

    >>> max_abs_log_scale(checkpoints.build("realnvp", {"layers": 2, "hidden": 8}), torch.randn(5, 2))
    0.0
    """
    largest = 0.0
    with torch.no_grad():
        _, _, steps = flow.forward(x, return_intermediates=True)
        for layer, h in zip(flow.layers, steps[:-1]):
            if isinstance(layer, AffineCoupling):
                s, _ = layer.scale_and_shift(h)
                largest = max(largest, s.abs().max().item())
    return largest


def train_scale_run(
    scale: str, steps: int | None = None, lr: float | None = None, seed: int | None = None, **flow_kwargs
) -> tuple[Flow, dict, dict]:
    """Train an affine flow with log-scale parametrisation ``scale`` at a high, constant learning
    rate; record per step the loss, the gradient norm and :math:`\\max|s|`. A run that produces a
    non-finite loss or gradient stops there (``meta["diverged_at"]`` is that step, else None).

    >>> _, _, meta = train_scale_run("tanh", steps=3, layers=2, hidden=8)
    >>> len(meta["loss"]), len(meta["grad_norm"]), len(meta["max_s"]), meta["diverged_at"]
    (3, 3, 3, None)
    """
    run = {**SCALE_RUN, **{k: v for k, v in (("steps", steps), ("lr", lr), ("seed", seed)) if v is not None}}
    kwargs = {**SCALE_FLOW, **flow_kwargs, "scale": scale}
    g = torch.Generator().manual_seed(run["seed"])
    data = datasets.sample(run["data"], 50_000, seed=run["seed"])
    meta = {"run": run, "loss": [], "grad_norm": [], "max_s": [], "diverged_at": None}
    start = time.perf_counter()
    with single_thread():
        torch.manual_seed(run["seed"])
        flow = checkpoints.build("realnvp", kwargs)
        optimizer = torch.optim.Adam(flow.parameters(), lr=run["lr"])
        for step in range(run["steps"]):
            batch = data[torch.randint(0, data.shape[0], (run["batch_size"],), generator=g)]
            loss = -flow.log_prob(batch).mean()
            optimizer.zero_grad(set_to_none=True)
            if torch.isfinite(loss):
                loss.backward()
                grad_norm = torch.sqrt(sum(p.grad.pow(2).sum() for p in flow.parameters() if p.grad is not None))
            else:
                grad_norm = torch.tensor(math.inf)
            finite = bool(torch.isfinite(loss) and torch.isfinite(grad_norm))
            meta["loss"].append(loss.item() if finite else math.nan)
            meta["grad_norm"].append(grad_norm.item() if finite else math.nan)
            meta["max_s"].append(max_abs_log_scale(flow, batch) if finite else math.nan)
            if not finite:
                meta["diverged_at"] = step
                break
            optimizer.step()
    meta["seconds"] = time.perf_counter() - start
    return flow, kwargs, meta


for _scale in SCALE_KINDS:

    def _scale_target(scale: str) -> None:
        name = f"model:scale-{scale}"

        @target(name, "model", params={"flow": SCALE_FLOW, "run": SCALE_RUN, "scale": scale})
        def build(ctx):
            flow, kwargs, meta = train_scale_run(scale)
            return [
                checkpoints.save(ctx.path("models", f"scale-{scale}.pt", cache=True), flow, "realnvp", kwargs, meta)
            ]

    _scale_target(_scale)
