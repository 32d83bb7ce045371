"""Input validation with messages that name the problem and the expected value."""

from __future__ import annotations

import torch


def check_event(x: torch.Tensor, event_shape: tuple[int, ...], name: str = "x") -> None:
    """Raise a clear error unless ``x`` is a finite floating tensor of shape ``(batch, *event_shape)``.

    >>> check_event(torch.zeros(3, 2), (2,))
    >>> check_event(torch.zeros(3, 5), (2,))
    Traceback (most recent call last):
    ...
    ValueError: x has shape (3, 5) but this transform expects (batch, 2)
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {x.dtype}")
    expected = tuple(event_shape)
    if x.dim() != len(expected) + 1 or tuple(x.shape[1:]) != expected:
        want = ", ".join(["batch", *map(str, expected)])
        raise ValueError(f"{name} has shape {tuple(x.shape)} but this transform expects ({want})")
    if not torch.isfinite(x).all():
        bad = (~torch.isfinite(x)).sum().item()
        raise ValueError(f"{name} contains {bad} non-finite value(s) (nan or inf); inputs must be finite")
