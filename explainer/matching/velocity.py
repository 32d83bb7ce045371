r"""The velocity network :math:`v_\theta(x, t)`: an MLP of the position and the time.

Two ways to feed the time in:

- ``time_embedding="concat"`` (note 004): the input is :math:`(x_1, \dots, x_d, t)`;
- ``time_embedding="sinusoidal"``: :math:`t` enters as
  :math:`(\sin 2\pi\omega_k t, \cos 2\pi\omega_k t)_{k=1..K}` with frequencies
  :math:`\omega_k = 2^{k-1}`, which lets a small network change quickly with :math:`t`.

There is no architectural constraint: any network that outputs a vector of the data's shape is
a valid velocity field (that is the point of flow matching).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..transforms.conditioners import activation

TIME_EMBEDDINGS = ("concat", "sinusoidal")


def sinusoidal_embedding(t: torch.Tensor, frequencies: int) -> torch.Tensor:
    r""":math:`(\sin 2\pi 2^{k} t,\ \cos 2\pi 2^{k} t)_{k=0..K-1}` for ``t`` of shape ``(batch,)``;
    shape ``(batch, 2K)``.

    >>> sinusoidal_embedding(torch.tensor([0.0, 0.25]), 2).round(decimals=4).abs().tolist()   # |.| drops -0.0
    [[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]]
    """
    omega = 2 * math.pi * 2.0 ** torch.arange(frequencies, dtype=t.dtype, device=t.device)
    angles = t[:, None] * omega
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class VelocityMLP(nn.Module):
    r""":math:`v_\theta(x, t)`: ``depth`` hidden layers of width ``hidden`` (SiLU by default).

    Arguments:
        dim: data dimension ``d``; ``x`` has shape ``(batch, d)``.
        hidden, depth: width and number of hidden layers.
        act: ``silu`` (default), ``elu`` (note 004), ``relu``, ``tanh``, ``gelu``.
        time_embedding: ``"concat"`` (input :math:`(x, t)`) or ``"sinusoidal"``.
        frequencies: number of sinusoidal frequencies (``"sinusoidal"`` only).

    ``forward(x, t)`` accepts ``t`` as a number, a 0-dim tensor (one time for the whole batch, as
    the ODE solvers pass it) or a tensor of shape ``(batch,)`` / ``(batch, 1)``.

    Example:
        >>> v = VelocityMLP(2, hidden=16, depth=2)
        >>> x = torch.randn(5, 2)
        >>> v(x, 0.3).shape, torch.equal(v(x, 0.3), v(x, torch.full((5,), 0.3)))
        (torch.Size([5, 2]), True)
        >>> v(torch.randn(5, 3), 0.3)
        Traceback (most recent call last):
        ...
        ValueError: x has shape (5, 3) but this velocity field expects (batch, 2)
    """

    def __init__(
        self,
        dim: int = 2,
        hidden: int = 128,
        depth: int = 3,
        act: str = "silu",
        time_embedding: str = "concat",
        frequencies: int = 8,
    ):
        super().__init__()
        if not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        if not isinstance(hidden, int) or hidden < 1 or not isinstance(depth, int) or depth < 1:
            raise ValueError(f"hidden and depth must be positive integers, got {hidden!r} and {depth!r}")
        if time_embedding not in TIME_EMBEDDINGS:
            raise ValueError(f"unknown time_embedding {time_embedding!r}; choose one of {TIME_EMBEDDINGS}")
        if time_embedding == "sinusoidal" and (not isinstance(frequencies, int) or frequencies < 1):
            raise ValueError(f"frequencies must be a positive integer, got {frequencies!r}")
        self.dim, self.hidden, self.depth, self.act = dim, hidden, depth, act
        self.time_embedding, self.frequencies = time_embedding, frequencies
        t_features = 1 if time_embedding == "concat" else 2 * frequencies
        layers: list[nn.Module] = []
        width = dim + t_features
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), activation(act)]
            width = hidden
        layers.append(nn.Linear(width, dim))
        self.net = nn.Sequential(*layers)

    def config(self) -> dict:
        """The keyword arguments that rebuild this network (stored in checkpoints)."""
        return {
            "dim": self.dim,
            "hidden": self.hidden,
            "depth": self.depth,
            "act": self.act,
            "time_embedding": self.time_embedding,
            "frequencies": self.frequencies,
        }

    def forward(self, x: torch.Tensor, t) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or x.dim() != 2 or x.shape[1] != self.dim:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x has shape {shape} but this velocity field expects (batch, {self.dim})")
        t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        if t.dim() == 0:
            t = t.expand(x.shape[0])
        elif t.dim() == 2 and t.shape[1] == 1:
            t = t[:, 0]
        if t.shape != (x.shape[0],):
            raise ValueError(f"t has shape {tuple(t.shape)}; expected a number or shape ({x.shape[0]},)")
        features = t[:, None] if self.time_embedding == "concat" else sinusoidal_embedding(t, self.frequencies)
        return self.net(torch.cat([x, features], dim=1))
