r"""Space-to-depth for image events: :class:`Squeeze` / :class:`Unsqueeze`,
:math:`(C, H, W) \leftrightarrow (4C, H/2, W/2)`, a permutation of the entries (log-det 0).
The multi-scale architecture squeezes before each scale (note 002 §11).
"""

from __future__ import annotations

import torch

from .._checks import image_shape
from .base import Transform

__all__ = ["Squeeze", "Unsqueeze"]


def _squeeze(x: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(b, 4 * c, h // 2, w // 2)


def _unsqueeze(x: torch.Tensor) -> torch.Tensor:
    b, c4, h, w = x.shape
    x = x.reshape(b, c4 // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(b, c4 // 4, 2 * h, 2 * w)


class Squeeze(Transform):
    r"""Squeeze: every :math:`2\times2` block of pixels becomes 4 channels,
    :math:`(C, H, W) \to (4C, H/2, W/2)`:

    .. math:: z_{4c + 2a + b,\ i,\ j} = x_{c,\ 2i + a,\ 2j + b}, \qquad a, b \in \{0, 1\},

    a permutation of the entries, so :math:`\log|\det J| = 0`. :class:`Unsqueeze` is its inverse
    as a transform of its own.

    Example:
        >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
        >>> z, logabsdet = Squeeze((1, 4, 4))(x)
        >>> tuple(z.shape), z[0, :, 0, 0].tolist(), logabsdet.tolist()   # the top-left 2x2 block
        ((1, 4, 2, 2), [0.0, 1.0, 4.0, 5.0], [0.0])
        >>> Squeeze((1, 5, 4))
        Traceback (most recent call last):
        ...
        ValueError: Squeeze needs an even height and width, got (C, H, W) = (1, 5, 4)
    """

    def __init__(self, event_shape):
        super().__init__()
        c, h, w = self.event_shape = image_shape(event_shape, "Squeeze")
        if h % 2 or w % 2:
            raise ValueError(f"Squeeze needs an even height and width, got (C, H, W) = {self.event_shape}")

    @property
    def out_shape(self):
        c, h, w = self.event_shape
        return (4 * c, h // 2, w // 2)

    def _forward(self, x):
        return _squeeze(x), x.new_zeros(x.shape[0])

    def _inverse(self, z):
        return _unsqueeze(z), z.new_zeros(z.shape[0])


class Unsqueeze(Transform):
    r"""The inverse of :class:`Squeeze`: :math:`(4C, H, W) \to (C, 2H, 2W)`, log-det 0.

    >>> x = torch.randn(2, 1, 4, 6)
    >>> z, _ = Squeeze((1, 4, 6))(x)
    >>> torch.equal(Unsqueeze(tuple(z.shape[1:]))(z)[0], x)
    True
    """

    def __init__(self, event_shape):
        super().__init__()
        c, h, w = self.event_shape = image_shape(event_shape, "Unsqueeze")
        if c % 4:
            raise ValueError(f"Unsqueeze needs a channel count divisible by 4, got (C, H, W) = {self.event_shape}")

    @property
    def out_shape(self):
        c, h, w = self.event_shape
        return (c // 4, 2 * h, 2 * w)

    def _forward(self, x):
        return _unsqueeze(x), x.new_zeros(x.shape[0])

    def _inverse(self, z):
        return _squeeze(z), z.new_zeros(z.shape[0])
