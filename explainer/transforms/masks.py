"""Binary masks for coupling layers.

Convention: ``True`` marks the pass-through part :math:`x_A` (copied to the output and fed to
the conditioner); ``False`` marks the transformed part :math:`x_B`. Every mask function takes
``flip=True`` to return the complement, which is what alternating layers use.
"""

from __future__ import annotations

import torch


def _shape(event_shape) -> tuple[int, ...]:
    if isinstance(event_shape, int):
        return (event_shape,)
    shape = tuple(int(s) for s in event_shape)
    if not shape or any(s < 1 for s in shape):
        raise ValueError(f"event shape must be a non-empty tuple of positive sizes, got {event_shape!r}")
    return shape


def channel_mask(event_shape, flip: bool = False) -> torch.Tensor:
    """Half split along the first event axis: the first half passes through.

    For a vector of size ``d`` the first ``d/2`` entries; for an image ``(C, H, W)`` the first
    ``C/2`` channels. The split needs an even size.

    >>> channel_mask(4).tolist()
    [True, True, False, False]
    >>> channel_mask(4, flip=True).tolist()
    [False, False, True, True]
    >>> channel_mask((2, 1, 2)).tolist()
    [[[True, True]], [[False, False]]]
    >>> channel_mask(3)
    Traceback (most recent call last):
    ...
    ValueError: channel_mask splits the first event axis in half, so its size must be even; got 3
    """
    shape = _shape(event_shape)
    if shape[0] % 2:
        raise ValueError(f"channel_mask splits the first event axis in half, so its size must be even; got {shape[0]}")
    mask = torch.zeros(shape, dtype=torch.bool)
    mask[: shape[0] // 2] = True
    return ~mask if flip else mask


def alternating_mask(event_size: int, flip: bool = False) -> torch.Tensor:
    """Odd/even split of a vector: even indices pass through.

    >>> alternating_mask(5).tolist()
    [True, False, True, False, True]
    >>> alternating_mask(2, flip=True).tolist()
    [False, True]
    """
    (d,) = _shape(event_size)
    if d < 2:
        raise ValueError(f"a coupling mask needs at least 2 entries, got event size {d}")
    mask = torch.arange(d) % 2 == 0
    return ~mask if flip else mask


def checkerboard_mask(event_shape, flip: bool = False) -> torch.Tensor:
    """Checkerboard over the spatial axes of an image event ``(C, H, W)`` (or ``(H, W)``):
    pixel ``(i, j)`` passes through when ``i + j`` is even, in every channel.

    >>> checkerboard_mask((1, 2, 3)).int().tolist()
    [[[1, 0, 1], [0, 1, 0]]]
    >>> checkerboard_mask((2, 2), flip=True).int().tolist()
    [[0, 1], [1, 0]]
    """
    shape = _shape(event_shape)
    if len(shape) not in (2, 3):
        raise ValueError(f"checkerboard_mask needs an image event shape (C, H, W) or (H, W), got {shape}")
    h, w = shape[-2:]
    board = (torch.arange(h)[:, None] + torch.arange(w)[None, :]) % 2 == 0
    mask = board.expand(shape).clone()
    return ~mask if flip else mask
