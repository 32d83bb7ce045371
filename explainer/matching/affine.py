r"""Affine Gaussian probability paths :math:`x_t = \alpha_t\,x_1 + \sigma_t\,x_0`, and the
conversions between the three things a network may predict: the velocity, the noise and the score.

With :math:`x_0 \sim \mathcal{N}(0, I)` independent of :math:`x_1`, the conditional path given
:math:`x_1` is :math:`\mathcal{N}(\alpha_t x_1, \sigma_t^2 I)` and its conditional velocity is

.. math::

    \dot x_t = \dot\alpha_t\,x_1 + \dot\sigma_t\,x_0, \qquad
    u_t(x \mid x_1) = \dot\alpha_t\,x_1 + \frac{\dot\sigma_t}{\sigma_t}\,(x - \alpha_t x_1).

The marginal velocity is :math:`v_t(x) = \dot\alpha_t\,\hat x_1 + \dot\sigma_t\,\hat\varepsilon`,
with the posterior means :math:`\hat x_1 = \mathbb{E}[x_1 \mid x_t = x]` and
:math:`\hat\varepsilon = \mathbb{E}[x_0 \mid x_t = x]`, tied by :math:`x = \alpha_t\hat x_1 +
\sigma_t\hat\varepsilon`. Tweedie's formula gives the score of the marginal,
:math:`\nabla\log p_t(x) = -\hat\varepsilon/\sigma_t`. Eliminating :math:`\hat x_1`:

.. math::

    v_t(x) = \frac{\dot\alpha_t}{\alpha_t}\,x
        + \Big(\dot\sigma_t - \frac{\dot\alpha_t\,\sigma_t}{\alpha_t}\Big)\hat\varepsilon
      = \frac{\dot\alpha_t}{\alpha_t}\,x
        - \sigma_t\Big(\dot\sigma_t - \frac{\dot\alpha_t\,\sigma_t}{\alpha_t}\Big)\nabla\log p_t(x).

For the variance-preserving scheduler this is diffusion's probability-flow ODE. Each conversion
below is one of these lines; they are exact for the true posterior means and apply to any
network trained to predict one of them.
"""

from __future__ import annotations

import torch

from .path import PathSample, check_times
from .schedulers import CondOTScheduler, Scheduler


def _points(*pairs) -> None:
    for name, v in pairs:
        if not isinstance(v, torch.Tensor) or not v.is_floating_point():
            raise TypeError(f"{name} must be a floating-point torch.Tensor")
        if v.dim() < 2:
            raise ValueError(f"{name} has shape {tuple(v.shape)}; expected (batch, dim, ...)")
    shapes = {tuple(v.shape) for _, v in pairs}
    if len(shapes) > 1:
        names = " and ".join(n for n, _ in pairs)
        raise ValueError(f"{names} must have the same shape, got {' and '.join(str(s) for s in shapes)}")


class AffinePath:
    r"""The path :math:`x_t = \alpha_t\,x_1 + \sigma_t\,x_0` of a :class:`~.schedulers.Scheduler`.

    Example (the cosine path, halfway: :math:`\alpha = \sigma = 1/\sqrt2`):
        >>> from explainer.matching.schedulers import CosineScheduler
        >>> path = AffinePath(CosineScheduler())
        >>> x_0, x_1 = torch.tensor([[1.0, 0.0]], dtype=torch.float64), torch.tensor([[0.0, 1.0]], dtype=torch.float64)
        >>> s = path.sample(x_0, x_1, 0.5)
        >>> [round(v, 4) for v in s.x_t[0].tolist()], [round(v, 4) for v in s.dx_t[0].tolist()]
        ([0.7071, 0.7071], [-1.1107, 1.1107])
        >>> eps = torch.randn(3, 2, dtype=torch.float64); x = torch.randn(3, 2, dtype=torch.float64)
        >>> v = path.velocity_from_epsilon(x, eps, 0.3)
        >>> torch.allclose(path.epsilon_from_velocity(x, v, 0.3), eps)      # the conversions invert
        True
    """

    def __init__(self, scheduler: Scheduler | None = None):
        if scheduler is not None and not isinstance(scheduler, Scheduler):
            raise TypeError(f"scheduler must be a Scheduler, got {type(scheduler).__name__}")
        self.scheduler = scheduler or CondOTScheduler()

    def __repr__(self) -> str:
        return f"AffinePath({self.scheduler!r})"

    @staticmethod
    def _times(x: torch.Tensor, t) -> torch.Tensor:
        """``t`` as ``(batch,)`` in ``x``'s precision (a Python number is not rounded to float32 first)."""
        if not isinstance(t, torch.Tensor):
            t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
        return check_times(t, batch=x.shape[0]).to(x)

    def _coefficients(self, x: torch.Tensor, t) -> tuple[torch.Tensor, ...]:
        """:math:`(\\alpha_t, \\sigma_t, \\dot\\alpha_t, \\dot\\sigma_t)` shaped to broadcast with ``x``."""
        t = self._times(x, t).reshape(-1, *([1] * (x.dim() - 1)))
        s = self.scheduler
        return s.alpha(t), s.sigma(t), s.d_alpha(t), s.d_sigma(t)

    def sample(self, x_0: torch.Tensor, x_1: torch.Tensor, t) -> PathSample:
        """The point ``x_t`` and its conditional velocity ``dx_t`` for each row."""
        _points(("x_0", x_0), ("x_1", x_1))
        alpha, sigma, d_alpha, d_sigma = self._coefficients(x_0, t)
        t = self._times(x_0, t)
        return PathSample(x_0=x_0, x_1=x_1, t=t, x_t=alpha * x_1 + sigma * x_0, dx_t=d_alpha * x_1 + d_sigma * x_0)

    def conditional_velocity(self, x: torch.Tensor, x_1: torch.Tensor, t) -> torch.Tensor:
        r""":math:`u_t(x \mid x_1) = \dot\alpha_t x_1 + \dfrac{\dot\sigma_t}{\sigma_t}(x - \alpha_t x_1)`
        (undefined where :math:`\sigma_t = 0`, at :math:`t = 1`)."""
        _points(("x", x), ("x_1", x_1))
        alpha, sigma, d_alpha, d_sigma = self._coefficients(x, t)
        if (sigma <= 0).any():
            raise ValueError("the conditional velocity at a position is undefined where sigma_t = 0 (t = 1)")
        return d_alpha * x_1 + d_sigma / sigma * (x - alpha * x_1)

    # --- conversions between parametrisations --------------------------------------------------
    def _eps_coefficients(self, x, t):
        alpha, sigma, d_alpha, d_sigma = self._coefficients(x, t)
        if (alpha <= 0).any():
            raise ValueError("the noise/score parametrisations are undefined where alpha_t = 0 (t = 0 here)")
        return d_alpha / alpha, d_sigma - d_alpha * sigma / alpha, sigma

    def velocity_from_epsilon(self, x: torch.Tensor, epsilon: torch.Tensor, t) -> torch.Tensor:
        r""":math:`v = \tfrac{\dot\alpha_t}{\alpha_t}x
        + (\dot\sigma_t - \tfrac{\dot\alpha_t\sigma_t}{\alpha_t})\hat\varepsilon`."""
        _points(("x", x), ("epsilon", epsilon))
        a, b, _ = self._eps_coefficients(x, t)
        return a * x + b * epsilon

    def epsilon_from_velocity(self, x: torch.Tensor, velocity: torch.Tensor, t) -> torch.Tensor:
        r""":math:`\hat\varepsilon = (v - \tfrac{\dot\alpha_t}{\alpha_t}x)
        / (\dot\sigma_t - \tfrac{\dot\alpha_t\sigma_t}{\alpha_t})`."""
        _points(("x", x), ("velocity", velocity))
        a, b, _ = self._eps_coefficients(x, t)
        return (velocity - a * x) / b

    def score_from_epsilon(self, x: torch.Tensor, epsilon: torch.Tensor, t) -> torch.Tensor:
        r"""Tweedie: :math:`\nabla\log p_t(x) = -\hat\varepsilon / \sigma_t`."""
        _points(("x", x), ("epsilon", epsilon))
        _, sigma, _, _ = self._coefficients(x, t)
        if (sigma <= 0).any():
            raise ValueError("the score is undefined where sigma_t = 0 (t = 1)")
        return -epsilon / sigma

    def epsilon_from_score(self, x: torch.Tensor, score: torch.Tensor, t) -> torch.Tensor:
        r""":math:`\hat\varepsilon = -\sigma_t\,\nabla\log p_t(x)`."""
        _points(("x", x), ("score", score))
        _, sigma, _, _ = self._coefficients(x, t)
        return -sigma * score

    def velocity_from_score(self, x: torch.Tensor, score: torch.Tensor, t) -> torch.Tensor:
        """The probability-flow velocity of a score (through :meth:`epsilon_from_score`)."""
        return self.velocity_from_epsilon(x, self.epsilon_from_score(x, score, t), t)

    def score_from_velocity(self, x: torch.Tensor, velocity: torch.Tensor, t) -> torch.Tensor:
        """The score a velocity field implies (through :meth:`epsilon_from_velocity`)."""
        return self.score_from_epsilon(x, self.epsilon_from_velocity(x, velocity, t), t)

    def velocity_from_x1(self, x: torch.Tensor, x_1: torch.Tensor, t) -> torch.Tensor:
        r""":math:`v = \tfrac{\dot\sigma_t}{\sigma_t}x
        + (\dot\alpha_t - \tfrac{\dot\sigma_t\alpha_t}{\sigma_t})\hat x_1`
        from a prediction of the data (defined for :math:`\sigma_t > 0`)."""
        return self.conditional_velocity(x, x_1, t)
