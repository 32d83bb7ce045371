"""One seeded, device-agnostic training loop for every model on the site.

``fit`` minimises ``loss(model, batch)`` (default: the flow's negative log-likelihood) with
Adam and a cosine learning-rate decay, showing a tqdm progress bar, and returns the loss history.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm.auto import tqdm

from .device import default_device, seed_everything


def nll_loss(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood in nats: ``-model.log_prob(x).mean()``."""
    return -model.log_prob(x).mean()


@dataclass
class History:
    """Per-step training loss and wall time (seconds)."""

    loss: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.loss)


def fit(
    model: nn.Module,
    data: torch.Tensor | Callable[[int, torch.Generator], torch.Tensor],
    *,
    loss: Callable[[nn.Module, torch.Tensor], torch.Tensor] = nll_loss,
    steps: int = 1000,
    batch_size: int = 512,
    lr: float = 1e-3,
    schedule: str = "cosine",
    weight_decay: float = 0.0,
    grad_clip: float | None = None,
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Train ``model`` in place for ``steps`` Adam steps and return its :class:`History`.

    Arguments:
        data: a training tensor ``(N, ...)`` (minibatches drawn with replacement from a seeded
            generator), or a callable ``(batch_size, generator) -> batch`` for fresh samples.
        loss: ``loss(model, batch) -> scalar``; the default is the NLL of a flow.
        schedule: ``"cosine"`` (decay to 0 over ``steps``) or ``"constant"``.
        device: where to train; default CUDA when available, else CPU.

    Example:
        >>> from explainer.models import realnvp
        >>> from explainer import datasets
        >>> flow = realnvp(layers=2, hidden=16)
        >>> history = fit(flow, datasets.sample("moons", 512), steps=20, batch_size=64, progress=False)
        >>> len(history), history.loss[-1] < history.loss[0]
        (20, True)
    """
    if schedule not in ("cosine", "constant"):
        raise ValueError(f"unknown schedule {schedule!r}; choose 'cosine' or 'constant'")
    if steps < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be positive, got {steps} and {batch_size}")
    device = default_device(device)
    generator = seed_everything(seed)
    model.to(device)
    model.train()
    if isinstance(data, torch.Tensor):
        if not torch.isfinite(data).all():
            raise ValueError("the training data contain non-finite values (nan or inf)")
        train = data.to(device)

        def draw(n: int, g: torch.Generator) -> torch.Tensor:
            return train[torch.randint(0, train.shape[0], (n,), generator=g).to(device)]
    elif callable(data):
        draw = lambda n, g: data(n, g).to(device)  # noqa: E731
    else:
        raise TypeError(f"data must be a tensor or a callable (n, generator) -> batch, got {type(data).__name__}")

    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        if schedule == "cosine"
        else torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    )
    history = History()
    start = time.perf_counter()
    bar = tqdm(range(steps), desc=description, disable=not progress, leave=False, mininterval=0.5)
    for step in bar:
        batch = draw(batch_size, generator)
        value = loss(model, batch)
        if not torch.isfinite(value):
            raise FloatingPointError(f"the loss became {value.item()} at step {step}; lower lr or bound the scale")
        optimizer.zero_grad(set_to_none=True)
        value.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        scheduler.step()
        history.loss.append(value.item())
        if progress and step % 50 == 0:
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
    history.seconds = time.perf_counter() - start
    model.eval()
    return history


@torch.no_grad()
def evaluate_nll(model: nn.Module, x: torch.Tensor, batch_size: int = 8192) -> float:
    """Mean NLL (nats) of ``model`` on ``x``, in batches, on the model's device."""
    device = next(model.parameters()).device
    total = 0.0
    for chunk in x.split(batch_size):
        total += -model.log_prob(chunk.to(device)).sum().item()
    value = total / x.shape[0]
    if not math.isfinite(value):
        raise FloatingPointError("the test NLL is not finite")
    return value
