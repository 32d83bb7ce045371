"""Training and evaluating a flow-matching model on the 2D datasets, with the shared ``fit`` loop.

- :func:`train_fm` trains a :class:`~explainer.matching.VelocityMLP` with the CFM loss through
  :func:`explainer.train.fit` (same seeding, optimiser, schedule and progress bar as the flows);
- checkpoints go through :mod:`explainer.checkpoints` (builder ``"velocity_mlp"``);
- :func:`sample`, :func:`reconstruction_error` and :func:`nll` evaluate a trained field;
- :func:`train_fm_cli` is what ``explainer train --model fm`` runs.
"""

from __future__ import annotations

import math
import time

import torch

from .. import datasets
from ..metrics import energy_distance
from ..train import History, fit
from .likelihood import log_likelihood
from .loss import CFMObjective
from .path import CondOTPath
from .solvers import Solution, solve
from .velocity import VelocityMLP

# The solver every reported FM number uses unless it says otherwise: RK4, 25 steps = 100 NFE.
EVAL_SOLVER = {"method": "rk4", "steps": 25}


def train_fm(
    train: torch.Tensor,
    *,
    hidden: int = 128,
    depth: int = 3,
    act: str = "silu",
    time_embedding: str = "concat",
    sigma_min: float = 0.0,
    steps: int = 1000,
    batch_size: int = 512,
    lr: float = 1e-3,
    seed: int = 0,
    device=None,
    progress: bool = False,
    description: str = "flow matching",
) -> tuple[VelocityMLP, History]:
    """Train a velocity MLP on ``train`` ``(N, d)`` with the CFM loss; return ``(velocity, history)``.

    >>> v, history = train_fm(datasets.sample("8gaussians", 512), hidden=16, depth=2, steps=30, batch_size=64)
    >>> len(history), history.loss[-1] < history.loss[0], v.training
    (30, True, False)
    """
    torch.manual_seed(seed)  # the initial weights
    velocity = VelocityMLP(train.shape[1], hidden=hidden, depth=depth, act=act, time_embedding=time_embedding)
    history = fit(
        velocity,
        train,
        loss=CFMObjective(CondOTPath(sigma_min)),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        device=device,
        progress=progress,
        description=description,
    )
    return velocity, history


def noise(n: int, dim: int = 2, seed: int = 0, device=None) -> torch.Tensor:
    """``n`` seeded draws of :math:`x_0 \\sim \\mathcal{N}(0, I)` (float32)."""
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(seed)).to(device or "cpu")


@torch.no_grad()
def sample(
    velocity, n: int, method: str = "rk4", steps: int = 25, seed: int = 0, return_intermediates: bool = False, **solver
) -> torch.Tensor | Solution:
    """Samples :math:`x_1`: integrate seeded noise from t = 0 to t = 1."""
    device = next(velocity.parameters()).device
    x_0 = noise(n, velocity.dim, seed, device)
    return solve(velocity, x_0, method, steps, return_intermediates=return_intermediates, **solver)


@torch.no_grad()
def reconstruction_error(velocity, x: torch.Tensor, method: str = "rk4", steps: int = 25, **solver) -> dict:
    """Data → noise (t: 1 → 0) → data with the same solver; mean and max of :math:`\\|x - \\hat x\\|_\\infty`."""
    z = solve(velocity, x, method, steps, t0=1.0, t1=0.0, **solver)
    x_back = solve(velocity, z, method, steps, t0=0.0, t1=1.0, **solver)
    error = (x_back - x).abs().amax(dim=1)
    return {"mean": error.mean().item(), "max": error.max().item()}


def nll(velocity, x: torch.Tensor, method: str = "rk4", steps: int = 25, batch_size: int = 8192, **kwargs) -> float:
    """Mean :math:`-\\log p_1(x)` in nats, exact divergence, by :func:`log_likelihood`."""
    device = next(velocity.parameters()).device
    total = 0.0
    for chunk in x.split(batch_size):
        total += -log_likelihood(velocity, chunk.to(device), method, steps, **kwargs).sum().item()
    value = total / x.shape[0]
    if not math.isfinite(value):
        raise FloatingPointError("the flow-matching NLL is not finite")
    return value


CLI_SOLVERS = (("euler", 10), ("euler", 100), ("midpoint", 5), ("rk4", 25), ("dopri5", 1))


def train_fm_cli(args, train: torch.Tensor, test: torch.Tensor, device) -> int:
    """``explainer train --model fm``: train, then print NLL (exact divergence), the true entropy,
    the gap, and the energy distance of samples at a few NFE against held-out data (with the
    floor given by two held-out draws)."""
    print(
        f"training flow matching (velocity MLP {args.depth}x{args.hidden}, SiLU, t concatenated) on "
        f"{args.data} for {args.steps} steps on {device}"
    )
    velocity, history = train_fm(
        train,
        hidden=args.hidden,
        depth=args.depth,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        device=device,
        progress=not args.quiet,
    )
    entropy = datasets.entropy(args.data)
    n_nll = min(len(test), 5000)
    value = nll(velocity, test[:n_nll], **EVAL_SOLVER)
    print(f"train time      {history.seconds:.1f} s ({1000 * history.seconds / args.steps:.2f} ms/step)")
    print(f"test NLL        {value:.4f} nats (exact divergence, RK4 25 steps, {n_nll} test points)")
    print(f"true entropy    {entropy:.4f} nats")
    print(f"gap             {value - entropy:.4f} nats")
    n = min(len(test), 2000)
    reference = test[:n]
    floor = energy_distance(datasets.sample(args.data, n, seed=20_000 + args.seed), reference)
    print(f"energy distance vs {n} held-out points (floor from two held-out draws: {floor:.5f})")
    for method, steps in CLI_SOLVERS:
        start = time.perf_counter()
        sol = sample(velocity, n, method, steps, seed=args.seed + 1, return_intermediates=True)
        seconds = time.perf_counter() - start
        label = f"{method} {steps} steps" if method != "dopri5" else "dopri5 (atol=rtol=1e-5)"
        print(
            f"  {label:<26s} NFE {sol.nfe:4d}  energy distance {energy_distance(sol.x.cpu(), reference):.5f}"
            f"  ({seconds:.2f} s)"
        )
    return 0
