r"""Glow's two per-channel layers for image events :math:`x \in \mathbb{R}^{C \times H \times W}`
(Kingma & Dhariwal 2018; note 002 §11):

- :class:`ActNorm`: per-channel affine map with data-dependent initialisation.
- :class:`InvConv1x1`: the invertible 1×1 convolution, plain or LU-parametrised.

Both have a fixed ``event_shape`` ``(C, H, W)``; ``logabsdet`` (shape ``(batch,)``) is summed
over the whole image, :math:`H \cdot W` times the per-pixel log-det.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import image_shape
from .base import Transform

__all__ = ["ActNorm", "InvConv1x1"]


class ActNorm(Transform):
    r"""Glow's activation normalisation, a per-channel affine map:

    .. math:: z_{c,h,w} = x_{c,h,w}\, e^{s_c} + b_c, \qquad \log|\det J| = H \cdot W \sum_c s_c .

    *Data-dependent initialisation*: the first ``forward`` in training mode (or
    :meth:`initialize`) sets :math:`e^{s_c} = 1/\hat\sigma_c`, :math:`b_c = -\hat\mu_c/\hat\sigma_c`
    from that batch (mean and std of channel :math:`c` over the batch and all pixels), so the
    output starts with zero mean and unit variance per channel. The flag is a buffer, so a
    loaded checkpoint is not re-initialised.

    Example:
        >>> norm = ActNorm((2, 3, 3))
        >>> x = torch.randn(64, 2, 3, 3) * torch.tensor([3.0, 0.5]).view(1, 2, 1, 1) + 4
        >>> z, logabsdet = norm(x)                        # initialises on this batch
        >>> z.mean(dim=(0, 2, 3)).abs().max().item() < 1e-5, (z.std(dim=(0, 2, 3)) - 1).abs().max().item() < 1e-5
        (True, True)
        >>> bool(torch.allclose(logabsdet, 9 * norm.log_scale.sum().expand(64)))
        True
    """

    def __init__(self, event_shape, eps: float = 1e-6):
        super().__init__()
        c, _, _ = self.event_shape = image_shape(event_shape, "ActNorm")
        self.log_scale = nn.Parameter(torch.zeros(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps
        self.register_buffer("initialized", torch.tensor(False))

    @torch.no_grad()
    def initialize(self, x: torch.Tensor) -> None:
        """Set scale and bias from the batch ``x`` (per-channel mean and std)."""
        if x.shape[0] * x.shape[2] * x.shape[3] < 2:
            raise ValueError("ActNorm's data-dependent initialisation needs more than one value per channel")
        mean = x.mean(dim=(0, 2, 3))
        std = x.std(dim=(0, 2, 3))
        self.log_scale.copy_(-torch.log(std + self.eps))
        self.bias.copy_(-mean / (std + self.eps))
        self.initialized.fill_(True)

    def _forward(self, x):
        if self.training and not bool(self.initialized):
            self.initialize(x)
        h, w = x.shape[2:]
        z = x * torch.exp(self.log_scale).view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)
        return z, (h * w * self.log_scale.sum()).expand(x.shape[0])

    def _inverse(self, z):
        h, w = z.shape[2:]
        x = (z - self.bias.view(1, -1, 1, 1)) * torch.exp(-self.log_scale).view(1, -1, 1, 1)
        return x, (-h * w * self.log_scale.sum()).expand(z.shape[0])


class InvConv1x1(Transform):
    r"""Glow's invertible 1×1 convolution: the same :math:`C\times C` matrix :math:`W` multiplies
    every pixel's channel vector, :math:`z_{:,h,w} = W x_{:,h,w}`. The Jacobian is block diagonal
    with :math:`H\cdot W` copies of :math:`W`, so

    .. math:: \log|\det J| = H \cdot W \cdot \log|\det W| .

    ``lu=True`` (default) stores :math:`W = P L (U + \mathrm{diag}(\mathrm{sign} \odot e^{\ell}))`
    with :math:`P` a fixed permutation, :math:`L` unit lower-triangular, :math:`U` strictly upper
    triangular and fixed signs, so :math:`\log|\det W| = \sum_i \ell_i` costs :math:`O(C)`;
    ``lu=False`` stores :math:`W` itself and uses ``slogdet`` (:math:`O(C^3)`). Both start at a
    random rotation (seeded by ``seed``), log-det 0.

    Example:
        >>> import math
        >>> conv = InvConv1x1((3, 2, 2), lu=False, seed=0)
        >>> x = torch.randn(4, 3, 2, 2)
        >>> z, logabsdet = conv(x)
        >>> torch.allclose(z[:, :, 1, 0], x[:, :, 1, 0] @ conv.weight().T), abs(logabsdet[0].item()) < 1e-5
        (True, True)
        >>> with torch.no_grad():
        ...     _ = conv.w.mul_(2.0)                              # det W -> 8 det W
        >>> abs(conv(x)[1][0].item() - 4 * math.log(8)) < 1e-4     # H*W*log|det W| = 4 log 8
        True
    """

    def __init__(self, event_shape, lu: bool = True, seed: int | None = 0):
        super().__init__()
        c, _, _ = self.event_shape = image_shape(event_shape, "InvConv1x1")
        self.lu = bool(lu)
        g = torch.Generator().manual_seed(seed) if seed is not None else None
        q, _ = torch.linalg.qr(torch.randn(c, c, generator=g, dtype=torch.float64))
        if not self.lu:
            self.w = nn.Parameter(q.float())
            return
        p, lower, upper = torch.linalg.lu(q)
        diag = torch.diagonal(upper)
        self.register_buffer("p", p.float())
        self.register_buffer("sign", torch.sign(diag).float())
        self.register_buffer("lower_mask", torch.tril(torch.ones(c, c), -1))
        self.lower = nn.Parameter(lower.float())
        self.upper = nn.Parameter(torch.triu(upper, 1).float())
        self.log_diag = nn.Parameter(torch.log(diag.abs()).float())

    def weight(self) -> torch.Tensor:
        """The matrix :math:`W` (rebuilt from its LU factors when ``lu=True``)."""
        if not self.lu:
            return self.w
        eye = torch.eye(self.lower.shape[0], dtype=self.lower.dtype, device=self.lower.device)
        lower = self.lower * self.lower_mask + eye
        upper = self.upper * self.lower_mask.T + torch.diag(self.sign * torch.exp(self.log_diag))
        return self.p @ lower @ upper

    def log_abs_det_weight(self) -> torch.Tensor:
        r""":math:`\log|\det W|`."""
        return self.log_diag.sum() if self.lu else torch.linalg.slogdet(self.w).logabsdet

    def _forward(self, x):
        h, w = x.shape[2:]
        z = torch.einsum("ij,bjhw->bihw", self.weight(), x)
        return z, (h * w * self.log_abs_det_weight()).expand(x.shape[0])

    def _inverse(self, z):
        h, w = z.shape[2:]
        x = torch.einsum("ij,bjhw->bihw", torch.linalg.inv(self.weight()), z)
        return x, (-h * w * self.log_abs_det_weight()).expand(z.shape[0])
