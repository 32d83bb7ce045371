r"""Transforms for image events :math:`x \in \mathbb{R}^{C \times H \times W}` (note 002 §11, note 001 §3).

Every class here is a :class:`~explainer.transforms.base.Transform` with a fixed
``event_shape`` ``(C, H, W)``; ``forward`` (data → latent) and ``inverse`` return
``(output, logabsdet)`` with ``logabsdet`` of shape ``(batch,)``, summed over the whole image.

- :class:`Dequantize`: integer grey levels :math:`n \in \{0..K-1\}` → :math:`x' = (n + u)/K`,
  :math:`u \sim U[0,1)^D`; log-det :math:`-D \log K`. Stochastic (see its docstring).
- :class:`Logit`: :math:`y = \mathrm{logit}(\alpha + (1 - 2\alpha) x')`.
- :class:`Squeeze` / :class:`Unsqueeze`: :math:`(C, H, W) \leftrightarrow (4C, H/2, W/2)`, a
  permutation of the entries (log-det 0).
- :class:`ActNorm`: per-channel affine map with data-dependent initialisation (Glow).
- :class:`InvConv1x1`: Glow's invertible 1×1 convolution, plain or LU-parametrised.
- :class:`Split` and :class:`MultiScale`: the multi-scale architecture as two bijections of the
  full tensor (see :class:`Split` for the math of the factored-out half's own base density).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_event
from .base import Transform
from .conditioners import CNN

__all__ = ["Dequantize", "Logit", "Squeeze", "Unsqueeze", "ActNorm", "InvConv1x1", "Split", "MultiScale"]


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


# --- dequantization and the logit --------------------------------------------------------------


class Dequantize(Transform):
    r"""Uniform dequantization of integer grey levels :math:`n \in \{0, \dots, K-1\}^D`:

    .. math:: x' = \frac{n + u}{K}, \qquad u \sim \mathcal{U}[0, 1)^D, \qquad
              \log|\det J| = -D \log K .

    A *stochastic* transform: ``forward`` draws a fresh :math:`u` (from the global generator, or
    ``u`` given explicitly) and then applies the translation :math:`n \mapsto n + u` (Jacobian
    :math:`I`) and the scaling by :math:`1/K` (Jacobian :math:`K^{-1} I`); its log-det is that of the
    map for the drawn :math:`u`. ``inverse`` maps :math:`x' \mapsto \lfloor K x' \rfloor` (clamped to
    ``[0, K-1]``), the exact inverse on every cell :math:`[n/K, (n+1)/K)`, with log-det
    :math:`+D\log K` (the scaling undone; the floor removes :math:`u`), so forward and inverse
    log-dets sum to zero as for every transform.

    **Bits per dimension.** Put this transform first in a flow. The flow's
    ``log_prob(n)`` is then :math:`\log q(x') - D \log K` for one draw of :math:`u`, with
    :math:`q` the continuous density of :math:`x' \in [0,1)^D`. The probability the continuous model
    gives image :math:`n` is the mass of its cell, and changing variables :math:`x' = (n + u)/K`
    (Jacobian :math:`K^{-D}`) and applying Jensen's inequality gives

    .. math:: \log P(n) = \log \int_{[0,1)^D} q\Big(\tfrac{n+u}{K}\Big) K^{-D} du
              \;\ge\; \mathbb{E}_u\big[\log q(x')\big] - D \log K ,

    so :math:`-\log P(n) \le \mathbb{E}_u[\mathrm{NLL}_{\text{cont}}(x')] + D\log K =
    \mathbb{E}_u[-\text{log\_prob}(n)]` and

    .. math:: \text{bpd} = \frac{\mathbb{E}_u[\mathrm{NLL}_{\text{cont}}(x')] + D\ln K}{D \ln 2}
              = \frac{\mathbb{E}_u[-\text{log\_prob}(n)]}{D \ln 2}

    (see :func:`explainer.images.evaluate.bits_per_dim`). Uniform on :math:`[0,1)^D`
    (:math:`\mathrm{NLL}_{\text{cont}} = 0`) gives exactly :math:`\log_2 K`.

    Example:
        >>> deq = Dequantize((1, 1, 3), levels=17)
        >>> n = torch.tensor([[[[0.0, 8.0, 16.0]]]])
        >>> x, logabsdet = deq(n, u=torch.full_like(n, 0.5))
        >>> [round(v, 4) for v in x.flatten().tolist()], round(logabsdet.item(), 4)   # -3 log 17
        ([0.0294, 0.5, 0.9706], -8.4996)
        >>> n_back, ld = deq.inverse(x)
        >>> n_back.flatten().tolist(), round(ld.item(), 4)
        ([0.0, 8.0, 16.0], 8.4996)
    """

    def __init__(self, event_shape, levels: int = 256):
        super().__init__()
        self.event_shape = image_shape(event_shape, "Dequantize")
        if not isinstance(levels, int) or levels < 2:
            raise ValueError(f"levels must be an integer >= 2 (the number of grey levels K), got {levels!r}")
        self.levels = levels

    @property
    def dims(self) -> int:
        return math.prod(self.event_shape)

    def forward(self, x: torch.Tensor, u: torch.Tensor | None = None):
        check_event(x, self.event_shape, "x")
        return self._forward(x, u)

    def _forward(self, x, u=None):
        if (x != x.round()).any() or (x < 0).any() or (x > self.levels - 1).any():
            raise ValueError(
                f"Dequantize expects integer grey levels in [0, {self.levels - 1}] "
                f"(as a float tensor), got values in [{x.min().item()}, {x.max().item()}]"
            )
        if u is None:
            u = torch.rand_like(x)
        elif u.shape != x.shape or (u < 0).any() or (u >= 1).any():
            raise ValueError(f"u must have the shape of x {tuple(x.shape)} and values in [0, 1)")
        logabsdet = x.new_full((x.shape[0],), -self.dims * math.log(self.levels))
        return (x + u) / self.levels, logabsdet

    def _inverse(self, z):
        n = torch.floor(z * self.levels).clamp(0, self.levels - 1)
        return n, z.new_full((z.shape[0],), self.dims * math.log(self.levels))


class Logit(Transform):
    r"""The logit transform of RealNVP, elementwise on :math:`x' \in [0, 1]^D`:

    .. math:: p = \alpha + (1 - 2\alpha)\,x', \qquad y = \log\frac{p}{1 - p}, \qquad
              \log|\det J| = \sum_{i=1}^{D} \big[\log(1 - 2\alpha) - \log p_i - \log(1 - p_i)\big],

    since :math:`dy/dx' = (1-2\alpha)/(p(1-p))`. Inverse: :math:`x' = (\sigma(y) - \alpha)/(1 - 2\alpha)`.
    ``alpha`` in :math:`[0, 1/2)`; with :math:`\alpha > 0` the ends :math:`x' = 0, 1` stay finite.

    Example (the images page's worked numbers: a mid-grey and a background pixel, K = 17, u = 1/2):
        >>> logit = Logit((1, 1, 1), alpha=0.05)
        >>> y, logabsdet = logit(torch.tensor([[[[0.5]]]]))
        >>> round(y.item(), 4), round(logabsdet.item(), 4)
        (0.0, 1.2809)
        >>> y, logabsdet = logit(torch.tensor([[[[0.5 / 17]]]], dtype=torch.float64))
        >>> round(y.item(), 4), round(logabsdet.item(), 4)
        (-2.4913, 2.545)
    """

    def __init__(self, event_shape, alpha: float = 0.05):
        super().__init__()
        self.event_shape = image_shape(event_shape, "Logit")
        if not 0.0 <= alpha < 0.5:
            raise ValueError(f"alpha must be in [0, 0.5), got {alpha}")
        self.alpha = float(alpha)

    def _forward(self, x):
        if (x < 0).any() or (x > 1).any():
            raise ValueError(
                f"Logit expects x' in [0, 1] (dequantized pixels), got values in "
                f"[{x.min().item():.4g}, {x.max().item():.4g}]"
            )
        p = self.alpha + (1 - 2 * self.alpha) * x
        log_p, log_1mp = torch.log(p), torch.log1p(-p)
        ld = math.log(1 - 2 * self.alpha) - log_p - log_1mp
        return log_p - log_1mp, ld.reshape(x.shape[0], -1).sum(1)

    def _inverse(self, z):
        p = torch.sigmoid(z)
        ld = -math.log(1 - 2 * self.alpha) + F.logsigmoid(z) + F.logsigmoid(-z)
        return (p - self.alpha) / (1 - 2 * self.alpha), ld.reshape(z.shape[0], -1).sum(1)


# --- squeeze -----------------------------------------------------------------------------------


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


# --- ActNorm and the 1x1 convolution -------------------------------------------------------------


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


# --- the multi-scale architecture ----------------------------------------------------------------


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
        >>> inner = Squeeze((1, 2, 2))                     # a (1,2,2) -> (4,1,1) map: not shape-preserving
        >>> MultiScale(inner, (2, 2, 2))
        Traceback (most recent call last):
        ...
        ValueError: MultiScale's inner transform must return its input shape (1, 2, 2) ... returns (4, 1, 1)
        >>> from explainer.transforms import Compose
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
