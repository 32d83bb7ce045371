r"""Schedulers of the affine Gaussian paths :math:`x_t = \alpha_t\,x_1 + \sigma_t\,x_0`.

A scheduler is the pair of functions :math:`(\alpha_t, \sigma_t)` on :math:`[0, 1]` with
:math:`\alpha_0 = 0,\ \sigma_0 = 1` (pure noise at :math:`t = 0`) and
:math:`\alpha_1 = 1,\ \sigma_1 = 0` (data at :math:`t = 1`), and their time derivatives
:math:`(\dot\alpha_t, \dot\sigma_t)`, from which the conditional velocity
:math:`\dot x_t = \dot\alpha_t\,x_1 + \dot\sigma_t\,x_0` follows. Four members:

- :class:`CondOTScheduler` (the linear path): :math:`\alpha_t = t,\ \sigma_t = 1 - t`;
- :class:`CosineScheduler`: :math:`\alpha_t = \sin\tfrac{\pi t}{2},\ \sigma_t = \cos\tfrac{\pi t}{2}`;
- :class:`VPScheduler` (variance preserving, the diffusion path):
  :math:`\alpha_t = e^{-T(1-t)/2},\ \sigma_t = \sqrt{1 - \alpha_t^2}` with
  :math:`T(s) = \int_0^s \beta(r)\,dr = \beta_{\min} s + \tfrac12(\beta_{\max} - \beta_{\min})s^2`
  (so :math:`\alpha_0` is not exactly 0 but :math:`e^{-T(1)/2} \approx 0.0066`);
- :class:`PolynomialScheduler`: :math:`\alpha_t = t^n,\ \sigma_t = 1 - t^n`.

Schedulers work on tensors of times and know nothing of the data.
"""

from __future__ import annotations

import math

import torch


class Scheduler:
    r"""Base class: ``alpha(t)``, ``sigma(t)``, ``d_alpha(t)``, ``d_sigma(t)`` on tensors ``t``."""

    name = "scheduler"

    def alpha(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def sigma(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_alpha(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def d_sigma(self, t: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class CondOTScheduler(Scheduler):
    r""":math:`\alpha_t = t,\ \sigma_t = 1 - t`: the straight line from :math:`x_0` to :math:`x_1`.

    >>> s, t = CondOTScheduler(), torch.tensor([0.0, 0.25, 1.0])
    >>> s.alpha(t).tolist(), s.sigma(t).tolist(), s.d_alpha(t).tolist(), s.d_sigma(t).tolist()
    ([0.0, 0.25, 1.0], [1.0, 0.75, 0.0], [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0])
    """

    name = "condot"

    def alpha(self, t):
        return t

    def sigma(self, t):
        return 1 - t

    def d_alpha(self, t):
        return torch.ones_like(t)

    def d_sigma(self, t):
        return -torch.ones_like(t)


class CosineScheduler(Scheduler):
    r""":math:`\alpha_t = \sin\tfrac{\pi t}{2},\ \sigma_t = \cos\tfrac{\pi t}{2}`
    (:math:`\alpha_t^2 + \sigma_t^2 = 1`: a quarter circle).

    >>> s, t = CosineScheduler(), torch.tensor([0.0, 1.0], dtype=torch.float64)
    >>> s.alpha(t).tolist(), [round(v, 12) for v in s.sigma(t).tolist()]
    ([0.0, 1.0], [1.0, 0.0])
    """

    name = "cosine"

    def alpha(self, t):
        return torch.sin(0.5 * math.pi * t)

    def sigma(self, t):
        return torch.cos(0.5 * math.pi * t)

    def d_alpha(self, t):
        return 0.5 * math.pi * torch.cos(0.5 * math.pi * t)

    def d_sigma(self, t):
        return -0.5 * math.pi * torch.sin(0.5 * math.pi * t)


class VPScheduler(Scheduler):
    r"""The variance-preserving (diffusion) path: :math:`\alpha_t = e^{-T(1-t)/2}`,
    :math:`\sigma_t = \sqrt{1 - \alpha_t^2}`, :math:`T(s) = \beta_{\min}s + \tfrac12(\beta_{\max} -
    \beta_{\min})s^2` (the linear noise schedule :math:`\beta(s)` of DDPM / score SDEs, with time
    reversed so that :math:`t = 1` is data).

    >>> s, t = VPScheduler(), torch.tensor([0.0, 1.0], dtype=torch.float64)
    >>> [round(v, 4) for v in s.alpha(t).tolist()], [round(v, 4) for v in s.sigma(t).tolist()]
    ([0.0066, 1.0], [1.0, 0.0])
    >>> VPScheduler(beta_min=2.0, beta_max=1.0)
    Traceback (most recent call last):
    ...
    ValueError: need 0 < beta_min < beta_max, got beta_min = 2.0 and beta_max = 1.0
    """

    name = "vp"

    def __init__(self, beta_min: float = 0.1, beta_max: float = 20.0):
        if not 0 < beta_min < beta_max:
            raise ValueError(f"need 0 < beta_min < beta_max, got beta_min = {beta_min} and beta_max = {beta_max}")
        self.beta_min, self.beta_max = float(beta_min), float(beta_max)

    def __repr__(self) -> str:
        return f"VPScheduler(beta_min={self.beta_min}, beta_max={self.beta_max})"

    def _T(self, s):
        return self.beta_min * s + 0.5 * (self.beta_max - self.beta_min) * s**2

    def _beta(self, s):
        return self.beta_min + (self.beta_max - self.beta_min) * s

    def alpha(self, t):
        return torch.exp(-0.5 * self._T(1 - t))

    def sigma(self, t):
        return torch.sqrt(-torch.expm1(-self._T(1 - t)))  # sqrt(1 - alpha^2), accurate near t = 1

    def d_alpha(self, t):
        return 0.5 * self._beta(1 - t) * self.alpha(t)

    def d_sigma(self, t):
        # d/dt sqrt(1 - a^2) = -a a' / sigma; a a' = beta(1-t) a^2 / 2
        a = self.alpha(t)
        return -0.5 * self._beta(1 - t) * a**2 / self.sigma(t)


class PolynomialScheduler(Scheduler):
    r""":math:`\alpha_t = t^n,\ \sigma_t = 1 - t^n` (:math:`n = 1` is the linear path).

    >>> s = PolynomialScheduler(2)
    >>> s.alpha(torch.tensor([0.5])).tolist(), s.d_sigma(torch.tensor([0.5])).tolist()
    ([0.25], [-1.0])
    >>> PolynomialScheduler(0)
    Traceback (most recent call last):
    ...
    ValueError: the polynomial scheduler's exponent n must be positive, got 0
    """

    name = "polynomial"

    def __init__(self, n: float = 2.0):
        if not n > 0:
            raise ValueError(f"the polynomial scheduler's exponent n must be positive, got {n}")
        self.n = float(n)

    def __repr__(self) -> str:
        return f"PolynomialScheduler(n={self.n})"

    def alpha(self, t):
        return t**self.n

    def sigma(self, t):
        return 1 - t**self.n

    def d_alpha(self, t):
        return self.n * t ** (self.n - 1)

    def d_sigma(self, t):
        return -self.n * t ** (self.n - 1)


SCHEDULERS = {
    "condot": CondOTScheduler,
    "cosine": CosineScheduler,
    "vp": VPScheduler,
    "polynomial": PolynomialScheduler,
}
