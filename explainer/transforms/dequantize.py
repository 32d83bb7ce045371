r"""From integer grey levels to unbounded reals: :class:`Dequantize` and :class:`Logit` (note 002 §11,
note 001 §3), the first two layers of an image flow.

- :class:`Dequantize`: integer grey levels :math:`n \in \{0..K-1\}` → :math:`x' = (n + u)/K`,
  :math:`u \sim U[0,1)^D`; log-det :math:`-D \log K`. Stochastic (see its docstring).
- :class:`Logit`: :math:`y = \mathrm{logit}(\alpha + (1 - 2\alpha) x')`.

Both act on image events :math:`x \in \mathbb{R}^{C \times H \times W}` with a fixed
``event_shape`` ``(C, H, W)``; ``logabsdet`` (shape ``(batch,)``) is summed over the whole image.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .._checks import check_event, image_shape
from .base import Transform

__all__ = ["Dequantize", "Logit"]


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
    ``log_prob(n)`` is then :math:`\log p_\theta(x') - D \log K` for one draw of :math:`u`, with
    :math:`p_\theta` the continuous density of :math:`x' \in [0,1)^D`. The probability the continuous model
    gives image :math:`n` is the mass of its cell, and changing variables :math:`x' = (n + u)/K`
    (Jacobian :math:`K^{-D}`) and applying Jensen's inequality gives

    .. math:: \log P(n) = \log \int_{[0,1)^D} p_\theta\Big(\tfrac{n+u}{K}\Big) K^{-D} du
              \;\ge\; \mathbb{E}_u\big[\log p_\theta(x')\big] - D \log K ,

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
