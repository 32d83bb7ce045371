r"""Two multi-scale image flows, built from the couplings and the image transforms
(:mod:`explainer.transforms.dequantize`, ``squeeze``, ``glow``, ``multiscale``).

Both start with :class:`~explainer.transforms.Dequantize` (integer grey levels → :math:`[0,1)`)
and :class:`~explainer.transforms.Logit`, so ``flow.log_prob(n)`` on integer images is the
dequantization bound :math:`\log p_\theta(x') - D\log K` and ``flow.sample`` returns integer images.
Both end where they started in shape: the latent is an image of the event shape, with every
factored-out variable at the pixel position it came from.

**RealNVP** (Dinh et al. 2017), one scale on :math:`(C, H, W)`:

.. code-block:: text

    3 affine couplings, checkerboard masks (alternating)
    Squeeze                      -> (4C, H/2, W/2)
    3 affine couplings, channel masks (alternating)
    Split (standard-normal factor-out: 2C channels are finished)
    MultiScale(next scale on the kept (2C, H/2, W/2))
    Unsqueeze                    -> (C, H, W)

and the last scale is 4 checkerboard couplings.

**Glow** (Kingma & Dhariwal 2018), one level on :math:`(C, H, W)`:

.. code-block:: text

    Squeeze                      -> (4C, H/2, W/2)
    K steps: ActNorm -> InvConv1x1 (LU) -> affine coupling (channel mask, sigmoid scale)
    Split (learned conditional Gaussian prior)  + MultiScale(next level)   [all but the last level]
    Unsqueeze                    -> (C, H, W)
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import image_shape
from ..flow import Flow
from ..transforms import (
    ActNorm,
    AffineCoupling,
    Compose,
    Dequantize,
    InvConv1x1,
    Logit,
    MultiScale,
    Split,
    Squeeze,
    Unsqueeze,
)
from ..transforms.conditioners import CNN
from ..transforms.masks import channel_mask, checkerboard_mask

DIGITS_SHAPE, DIGITS_LEVELS = (1, 8, 8), 17


class MaskedCNN(nn.Module):
    """A coupling conditioner for images that also sees the mask: its input is
    ``cat([x * mask, mask])`` (2C channels), so a zero that was masked out differs from a pixel
    whose value is zero. Last layer zero-initialised (a new coupling is the identity).

    >>> mask = checkerboard_mask((1, 4, 4))
    >>> net = MaskedCNN(mask, out_channels=2, hidden=8)
    >>> tuple(net(torch.randn(3, 1, 4, 4) * mask).shape), net(torch.randn(3, 1, 4, 4)).abs().max().item()
    ((3, 2, 4, 4), 0.0)
    """

    def __init__(self, mask: torch.Tensor, out_channels: int, hidden: int = 64, depth: int = 2, act: str = "relu"):
        super().__init__()
        self.register_buffer("mask_channels", mask.float()[None])
        self.net = CNN(2 * mask.shape[0], out_channels, hidden=hidden, depth=depth, act=act)

    def forward(self, x_masked: torch.Tensor) -> torch.Tensor:
        mask = self.mask_channels.to(x_masked.dtype).expand(x_masked.shape[0], -1, -1, -1)
        return self.net(torch.cat([x_masked, mask], dim=1))


def _coupling(mask: torch.Tensor, hidden: int, depth: int, scale: str) -> AffineCoupling:
    cond = MaskedCNN(mask, 2 * mask.shape[0], hidden=hidden, depth=depth)
    return AffineCoupling(mask, scale=scale, conditioner=cond)


def _realnvp_scale(shape, scales: int, hidden: int, depth: int) -> list:
    c, h, w = shape
    if scales == 1:
        return [_coupling(checkerboard_mask(shape, flip=i % 2 == 1), hidden, depth, "tanh") for i in range(4)]
    layers = [_coupling(checkerboard_mask(shape, flip=i % 2 == 1), hidden, depth, "tanh") for i in range(3)]
    squeezed = (4 * c, h // 2, w // 2)
    layers.append(Squeeze(shape))
    layers += [_coupling(channel_mask(squeezed, flip=i % 2 == 1), hidden, depth, "tanh") for i in range(3)]
    kept = (2 * c, h // 2, w // 2)
    layers += [
        Split(squeezed, learned=False),
        MultiScale(Compose(*_realnvp_scale(kept, scales - 1, hidden, depth)), squeezed),
        Unsqueeze(squeezed),
    ]
    return layers


def _check_common(event_shape, levels, scales):
    shape = image_shape(event_shape, "an image flow")
    if not isinstance(scales, int) or scales < 1:
        raise ValueError(f"scales must be a positive integer, got {scales!r}")
    if shape[1] % 2**scales or shape[2] % 2**scales:
        raise ValueError(
            f"{scales} scales halve H and W {scales} times, so both must be divisible by "
            f"{2**scales}; got (C, H, W) = {shape}"
        )
    return shape


def realnvp_image(
    event_shape=DIGITS_SHAPE,
    levels: int = DIGITS_LEVELS,
    alpha: float = 0.05,
    scales: int = 2,
    hidden: int = 64,
    depth: int = 2,
) -> Flow:
    """The multi-scale RealNVP (module docstring) with dequantization and logit in front.

    >>> flow = realnvp_image(hidden=8)
    >>> n = torch.randint(0, 17, (3, 1, 8, 8)).float()
    >>> flow.log_prob(n).shape, flow.latent_shape
    (torch.Size([3]), (1, 8, 8))
    >>> x = flow.sample(2, seed=0)                   # integer grey levels
    >>> bool((x == x.round()).all() and x.min() >= 0 and x.max() <= 16)
    True
    """
    shape = _check_common(event_shape, levels, scales - 1)
    layers = [Dequantize(shape, levels), Logit(shape, alpha), *_realnvp_scale(shape, scales, hidden, depth)]
    return Flow(layers, shape)


def _glow_level(shape, levels_left: int, steps: int, hidden: int, depth: int, seed: int) -> list:
    c, h, w = shape
    squeezed = (4 * c, h // 2, w // 2)
    layers: list = [Squeeze(shape)]
    for k in range(steps):
        layers += [
            ActNorm(squeezed),
            InvConv1x1(squeezed, lu=True, seed=seed + k),
            AffineCoupling(channel_mask(squeezed), hidden=hidden, depth=depth, scale="sigmoid"),
        ]
    if levels_left > 1:
        kept = (2 * c, h // 2, w // 2)
        inner = _glow_level(kept, levels_left - 1, steps, hidden, depth, seed + 100)
        layers += [Split(squeezed, hidden=hidden), MultiScale(Compose(*inner), squeezed)]
    layers.append(Unsqueeze(squeezed))
    return layers


def glow(
    event_shape=DIGITS_SHAPE,
    levels: int = DIGITS_LEVELS,
    alpha: float = 0.05,
    scales: int = 2,
    steps: int = 4,
    hidden: int = 64,
    depth: int = 2,
    seed: int = 0,
) -> Flow:
    """Glow (module docstring): ``scales`` levels of ``steps`` steps, dequantization and logit in front.

    >>> flow = glow(steps=1, hidden=8)
    >>> flow.log_prob(torch.randint(0, 17, (3, 1, 8, 8)).float()).shape
    torch.Size([3])
    """
    shape = _check_common(event_shape, levels, scales)
    layers = [Dequantize(shape, levels), Logit(shape, alpha), *_glow_level(shape, scales, steps, hidden, depth, seed)]
    return Flow(layers, shape)


BUILDERS = {"realnvp-image": realnvp_image, "glow": glow}


def build(builder: str, kwargs: dict) -> Flow:
    """``BUILDERS[builder](**kwargs)``, with a clear error for an unknown name.

    >>> build("maf", {})
    Traceback (most recent call last):
    ...
    ValueError: unknown image flow 'maf'; choose one of ['glow', 'realnvp-image']
    """
    if builder not in BUILDERS:
        raise ValueError(f"unknown image flow {builder!r}; choose one of {sorted(BUILDERS)}")
    return BUILDERS[builder](**kwargs)


@torch.no_grad()
def initialize(flow: Flow, images: torch.Tensor) -> Flow:
    """Data-dependent initialisation: one forward pass in training mode, so every
    :class:`~explainer.transforms.ActNorm` sets its scale and bias from ``images``."""
    was_training = flow.training
    flow.train()
    flow.forward(images)
    flow.train(was_training)
    return flow
