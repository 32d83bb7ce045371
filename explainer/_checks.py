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


def image_shape(event_shape, what: str = "this transform") -> tuple[int, int, int]:
    """Validate an image event shape ``(C, H, W)`` of positive integers.

    >>> image_shape([1, 8, 8])
    (1, 8, 8)
    >>> image_shape((8, 8))
    Traceback (most recent call last):
    ...
    ValueError: this transform needs an image event shape (C, H, W) of positive integers, got (8, 8)
    """
    try:
        shape = tuple(int(s) for s in event_shape)
    except TypeError:
        raise TypeError(f"{what} needs an image event shape (C, H, W), got {event_shape!r}") from None
    if len(shape) != 3 or any(s < 1 for s in shape):
        raise ValueError(f"{what} needs an image event shape (C, H, W) of positive integers, got {shape}")
    return shape


def check_pair(x_0: torch.Tensor, x_1: torch.Tensor) -> None:
    """Noise ``x_0`` and data ``x_1``: floating-point tensors of the same shape ``(batch, dim, ...)``.

    >>> check_pair(torch.zeros(3, 2), torch.zeros(3))
    Traceback (most recent call last):
    ...
    ValueError: x_1 has shape (3,); expected (batch, dim, ...)
    """
    for name, v in (("x_0", x_0), ("x_1", x_1)):
        if not isinstance(v, torch.Tensor) or not v.is_floating_point():
            raise TypeError(f"{name} must be a floating-point torch.Tensor")
        if v.dim() < 2:
            raise ValueError(f"{name} has shape {tuple(v.shape)}; expected (batch, dim, ...)")
    if x_0.shape != x_1.shape:
        raise ValueError(f"x_0 and x_1 must have the same shape, got {tuple(x_0.shape)} and {tuple(x_1.shape)}")
