"""Conditioner networks: they read the pass-through part and output the transform's parameters.

The last layer is zero-initialised, so a freshly built coupling layer is the identity map.
"""

from __future__ import annotations

from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "silu": nn.SiLU, "tanh": nn.Tanh, "elu": nn.ELU, "gelu": nn.GELU}


def activation(name: str) -> nn.Module:
    """Return a fresh activation module by name (``relu``, ``silu``, ``tanh``, ``elu``, ``gelu``).

    ReLU works in place: it follows a linear layer whose output nothing else reads, and its
    backward needs only its output, so one activation-sized buffer per layer is saved.
    """
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}")
    return nn.ReLU(inplace=True) if name == "relu" else ACTIVATIONS[name]()


def _zero_last(layer: nn.Module) -> None:
    nn.init.zeros_(layer.weight)
    nn.init.zeros_(layer.bias)


class MLP(nn.Sequential):
    """``depth`` hidden layers of width ``hidden``; the output layer starts at zero.

    >>> import torch
    >>> net = MLP(1, 4, hidden=8, depth=2)
    >>> net(torch.randn(3, 1)).abs().max().item()
    0.0
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        hidden: int = 128,
        depth: int = 2,
        act: str = "relu",
        zero_init: bool = True,
    ):
        if depth < 1:
            raise ValueError(f"depth must be >= 1 hidden layer, got {depth}")
        layers: list[nn.Module] = []
        width = in_features
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), activation(act)]
            width = hidden
        last = nn.Linear(width, out_features)
        if zero_init:
            _zero_last(last)
        super().__init__(*layers, last)


class CNN(nn.Sequential):
    """A small same-padding CNN for ``(C, H, W)`` events: 3×3 conv, ``depth - 1`` 1×1 convs,
    and a zero-initialised 3×3 output conv.

    >>> import torch
    >>> net = CNN(2, 6, hidden=8)
    >>> tuple(net(torch.randn(1, 2, 4, 4)).shape), net(torch.randn(1, 2, 4, 4)).abs().max().item()
    ((1, 6, 4, 4), 0.0)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hidden: int = 64,
        depth: int = 2,
        act: str = "relu",
        zero_init: bool = True,
    ):
        if depth < 1:
            raise ValueError(f"depth must be >= 1 hidden layer, got {depth}")
        layers: list[nn.Module] = [nn.Conv2d(in_channels, hidden, 3, padding=1), activation(act)]
        for _ in range(depth - 1):
            layers += [nn.Conv2d(hidden, hidden, 1), activation(act)]
        last = nn.Conv2d(hidden, out_channels, 3, padding=1)
        if zero_init:
            _zero_last(last)
        super().__init__(*layers, last)
