r"""The multi-scale architecture (RealNVP, Glow; note 002 §11) as two bijections of the full
image tensor: :class:`Split` factors out half of the channels (with their own learned base
density, see its docstring for the math) and :class:`MultiScale` applies the later layers to the
kept half only.
"""

from __future__ import annotations

import torch

from .._checks import image_shape
from .base import Transform
from .conditioners import CNN

__all__ = ["Split", "MultiScale"]


class Split(Transform):
    r"""The factor-out step of the multi-scale architecture, with the factored-out half's own
    learned base density (Glow's split prior).

    Write the input as :math:`x = (h, x_2)`, :math:`h` the first :math:`C/2` channels (*kept*:
    later layers keep transforming them) and :math:`x_2` the last :math:`C/2` (*factored out*:
    finished here). The factored-out half gets a conditional Gaussian base density
    :math:`\mathcal{N}(x_2;\ \mu(h), \mathrm{diag}\,\sigma(h)^2)`, with :math:`(\mu, \log\sigma)` from a
    small CNN reading :math:`h`. As a bijection of the whole tensor:

    .. math:: z = (h,\ z_2), \qquad z_2 = (x_2 - \mu(h)) \odot e^{-\log\sigma(h)}, \qquad
              \log|\det J| = -\textstyle\sum \log\sigma(h),

    an affine coupling whose transformed half is never touched again. With a standard-normal
    base on :math:`z_2`, the change of variables gives exactly the split prior:

    .. math:: \log\mathcal{N}(z_2; 0, I) - \textstyle\sum\log\sigma(h) =
              \log\mathcal{N}\big(x_2;\ \mu(h), \sigma(h)^2\big),

    so a :class:`~explainer.flow.Flow` with its single standard-normal base models
    :math:`p(x) = p(h)\, p(x_2 \mid h)` as Glow does. The CNN's last layer starts at zero: a new
    Split is the identity (RealNVP's factor-out straight into :math:`\mathcal{N}(0, I)`);
    ``learned=False`` keeps it that way. Sampling with temperature :math:`T` draws
    :math:`x_2 = \mu(h) + \sigma(h)\, T \varepsilon`, as in Glow. Wrap the later layers in
    :class:`MultiScale` so they act on :math:`h` only.

    Example:
        >>> split = Split((4, 2, 2), hidden=8)
        >>> x = torch.randn(3, 4, 2, 2)
        >>> z, logabsdet = split(x)                          # new: identity, log-det 0
        >>> torch.equal(z, x), logabsdet.abs().max().item()
        (True, 0.0)
        >>> split.kept_shape, split.factored_shape
        ((2, 2, 2), (2, 2, 2))
    """

    def __init__(self, event_shape, hidden: int = 32, depth: int = 1, learned: bool = True, bound: float = 3.0):
        super().__init__()
        c, h, w = self.event_shape = image_shape(event_shape, "Split")
        if c % 2:
            raise ValueError(
                f"Split factors out half of the channels, so C must be even; got (C, H, W) = {self.event_shape}"
            )
        self.learned, self.bound = bool(learned), float(bound)
        self.prior = CNN(c // 2, c, hidden=hidden, depth=depth) if learned else None

    @property
    def kept_shape(self) -> tuple[int, int, int]:
        c, h, w = self.event_shape
        return (c // 2, h, w)

    @property
    def factored_shape(self) -> tuple[int, int, int]:
        return self.kept_shape

    def mean_log_std(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r""":math:`(\mu(h), \log\sigma(h))`; :math:`\log\sigma = B\tanh(\cdot/B)` is bounded by ``bound``."""
        if self.prior is None:
            return torch.zeros_like(h), torch.zeros_like(h)
        mean, raw = self.prior(h).chunk(2, dim=1)
        return mean, self.bound * torch.tanh(raw / self.bound)

    def _forward(self, x):
        h, x_2 = x.chunk(2, dim=1)
        mean, log_std = self.mean_log_std(h)
        z_2 = (x_2 - mean) * torch.exp(-log_std)
        return torch.cat([h, z_2], dim=1), -log_std.reshape(x.shape[0], -1).sum(1)

    def _inverse(self, z):
        h, z_2 = z.chunk(2, dim=1)
        mean, log_std = self.mean_log_std(h)
        x_2 = z_2 * torch.exp(log_std) + mean
        return torch.cat([h, x_2], dim=1), log_std.reshape(z.shape[0], -1).sum(1)


class MultiScale(Transform):
    r"""Apply ``inner`` to the kept half of the channels only:

    .. math:: (h,\ z_2) \mapsto (g(h),\ z_2), \qquad \log|\det J| = \log|\det J_g(h)|,

    where :math:`h` is the first :math:`C/2` channels and :math:`g` = ``inner``, a transform of
    event shape :math:`(C/2, H, W)` that returns the same shape (end it with :class:`Unsqueeze`
    if it squeezes). The Jacobian is block diagonal (:math:`J_g` and the identity). After a
    :class:`Split`, this is the rest of the multi-scale network: each scale transforms half of
    what the previous one did, and the factored-out :math:`z_2` goes to the base unchanged. The
    whole network stays one bijection of the full tensor, and the flow's log-likelihood is
    :math:`\sum_\ell \log p(z_\ell \mid \dots) + \sum_k \log|\det J_k|`.

    Example:
        >>> from explainer.transforms import Compose, Squeeze, Unsqueeze
        >>> inner = Squeeze((1, 2, 2))                     # a (1,2,2) -> (4,1,1) map: not shape-preserving
        >>> MultiScale(inner, (2, 2, 2))
        Traceback (most recent call last):
        ...
        ValueError: MultiScale's inner transform must return its input shape (1, 2, 2) ... returns (4, 1, 1)
        >>> ms = MultiScale(Compose(Squeeze((1, 2, 2)), Unsqueeze((4, 1, 1))), (2, 2, 2))
        >>> x = torch.randn(3, 2, 2, 2)
        >>> torch.equal(ms(x)[0], x)
        True
    """

    def __init__(self, inner: Transform, event_shape):
        super().__init__()
        if not isinstance(inner, Transform):
            raise TypeError(f"inner must be an explainer Transform, got {type(inner).__name__}")
        c, h, w = self.event_shape = image_shape(event_shape, "MultiScale")
        if c % 2:
            raise ValueError(f"MultiScale keeps half of the channels, so C must be even; got {self.event_shape}")
        kept = (c // 2, h, w)
        if tuple(inner.event_shape) != kept:
            raise ValueError(
                f"MultiScale's inner transform must take the kept half {kept}, "
                f"but it expects {tuple(inner.event_shape)}"
            )
        if tuple(inner.out_shape) != kept:
            raise ValueError(
                f"MultiScale's inner transform must return its input shape {kept} "
                f"(end it with Unsqueeze), but it returns {tuple(inner.out_shape)}"
            )
        self.inner = inner

    def _forward(self, x):
        h, z_2 = x.chunk(2, dim=1)
        h, logabsdet = self.inner._forward(h)
        return torch.cat([h, z_2], dim=1), logabsdet

    def _inverse(self, z):
        h, z_2 = z.chunk(2, dim=1)
        h, logabsdet = self.inner._inverse(h)
        return torch.cat([h, z_2], dim=1), logabsdet
