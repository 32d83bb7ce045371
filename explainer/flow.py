r"""A normalizing flow: a bijection :math:`f` (data → latent) and a standard-normal base.

.. math::

    \log p_X(x) = \log \mathcal{N}(f(x);\ 0, I) + \log|\det J_f(x)|,
    \qquad x = f^{-1}(z),\ z \sim \mathcal{N}(0, I).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._checks import check_event
from .transforms.base import Compose, Transform


def standard_normal_log_prob(z: torch.Tensor) -> torch.Tensor:
    r""":math:`\log \mathcal{N}(z; 0, I) = -\tfrac12\|z\|^2 - \tfrac{d}{2}\log 2\pi`, summed over
    every event dimension; shape ``(batch,)``.

    >>> round(standard_normal_log_prob(torch.tensor([[0.8, -1.65]])).item(), 4)
    -3.5191
    """
    flat = z.reshape(z.shape[0], -1)
    return -0.5 * flat.pow(2).sum(dim=1) - 0.5 * flat.shape[1] * math.log(2 * math.pi)


class Flow(nn.Module):
    """``Flow(transforms, event_shape)``: compose ``transforms`` and put a standard normal on
    the latent.

    Example:
        >>> from explainer.transforms import AffineCoupling
        >>> from explainer.transforms.masks import alternating_mask
        >>> flow = Flow([AffineCoupling(alternating_mask(2)), AffineCoupling(alternating_mask(2, flip=True))], (2,))
        >>> x = torch.zeros(5, 2)
        >>> flow.log_prob(x).shape                  # a new flow is the identity: log N(0; 0, I)
        torch.Size([5])
        >>> round(flow.log_prob(x)[0].item(), 4)
        -1.8379
        >>> z, logabsdet, steps = flow.forward(x, return_intermediates=True)
        >>> len(steps)                              # the input and every layer's output
        3
        >>> flow.sample(7, seed=0).shape
        torch.Size([7, 2])
    """

    def __init__(self, transforms, event_shape):
        super().__init__()
        if isinstance(transforms, Transform) and not isinstance(transforms, Compose):
            transforms = [transforms]
        self.transform = transforms if isinstance(transforms, Compose) else Compose(*transforms)
        self.event_shape = (event_shape,) if isinstance(event_shape, int) else tuple(event_shape)
        if self.transform.event_shape != self.event_shape:
            raise ValueError(
                f"the first transform expects event shape {self.transform.event_shape} "
                f"but the flow's event_shape is {self.event_shape}"
            )

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return tuple(self.transform.out_shape)

    @property
    def layers(self) -> nn.ModuleList:
        return self.transform.transforms

    def forward(self, x: torch.Tensor, return_intermediates: bool = False):
        """x → z: ``(z, logabsdet)``, or ``(z, logabsdet, [x, h_1, ..., z])``."""
        check_event(x, self.event_shape, "x")
        return self.transform._forward(x, return_intermediates=return_intermediates)

    def inverse(self, z: torch.Tensor, return_intermediates: bool = False):
        """z → x: ``(x, logabsdet_inverse)``, or with every layer's output (latent first)."""
        check_event(z, self.latent_shape, "z")
        return self.transform._inverse(z, return_intermediates=return_intermediates)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact :math:`\\log p_X(x)`, one pass through the flow; shape ``(batch,)``."""
        z, logabsdet = self.forward(x)
        return standard_normal_log_prob(z) + logabsdet

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None, temperature: float = 1.0, return_intermediates: bool = False):
        """Draw ``n`` samples: ``x = f^{-1}(T·z)``, ``z ~ N(0, I)`` (``temperature`` T scales z)."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer, got {n!r}")
        ref = next(iter(self.parameters()), None)
        if ref is None:
            ref = next(iter(self.buffers()))
        g = None if seed is None else torch.Generator(device=ref.device).manual_seed(seed)
        z = temperature * torch.randn((n, *self.latent_shape), generator=g, device=ref.device, dtype=ref.dtype)
        out = self.inverse(z, return_intermediates=return_intermediates)
        return (out[0], out[2]) if return_intermediates else out[0]
