r"""The conditional optimal-transport (linear) probability path.

Between a noise sample :math:`x_0 \sim \mathcal{N}(0, I)` (time :math:`t = 0`) and a data sample
:math:`x_1` (time :math:`t = 1`):

.. math::

    x_t = \big(1 - (1 - \sigma_{\min})\,t\big)\,x_0 + t\,x_1, \qquad
    \frac{dx_t}{dt} = x_1 - (1 - \sigma_{\min})\,x_0 .

With :math:`\sigma_{\min} = 0` (the default, note 004's path) this is the straight line
:math:`x_t = (1 - t)\,x_0 + t\,x_1` travelled at constant velocity :math:`x_1 - x_0`. The path
knows nothing about the model or the solver: it only turns :math:`(x_0, x_1, t)` into a point
and its target velocity.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .._checks import check_pair


@dataclass
class PathSample:
    """A point on the path: ``x_t`` at times ``t`` (shape ``(batch,)``) and its velocity ``dx_t``."""

    x_0: torch.Tensor
    x_1: torch.Tensor
    t: torch.Tensor
    x_t: torch.Tensor
    dx_t: torch.Tensor


def check_times(t, batch: int | None = None, name: str = "t") -> torch.Tensor:
    """``t`` as a float tensor of shape ``(batch,)`` (a number or 0-dim tensor is broadcast);
    a clear error if it is not in [0, 1] or has the wrong shape.

    >>> check_times(0.5, batch=3).tolist()
    [0.5, 0.5, 0.5]
    >>> check_times(torch.tensor([0.2, 1.5]))
    Traceback (most recent call last):
    ...
    ValueError: t must lie in [0, 1] (t = 0 noise, t = 1 data); got values in [0.2, 1.5]
    """
    t = torch.as_tensor(t)
    if not (t.is_floating_point() or t.dtype in (torch.int64, torch.int32)):
        raise TypeError(f"{name} must be a real number or float tensor, got dtype {t.dtype}")
    t = t.to(torch.get_default_dtype()) if not t.is_floating_point() else t
    if t.dim() == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.dim() == 0 and batch is not None:
        t = t.expand(batch)
    if t.dim() != 1 or (batch is not None and t.shape[0] != batch):
        want = "(batch,)" if batch is None else f"({batch},)"
        raise ValueError(f"{name} has shape {tuple(t.shape)}; expected a number or a tensor of shape {want}")
    if t.numel() and not bool(((t >= 0) & (t <= 1)).all()):  # one check (NaN fails it too)
        if not torch.isfinite(t).all():
            raise ValueError(f"{name} contains non-finite values; times must lie in [0, 1]")
        raise ValueError(
            f"{name} must lie in [0, 1] (t = 0 noise, t = 1 data); got values in "
            f"[{t.min().item():.3g}, {t.max().item():.3g}]"
        )
    return t


class CondOTPath:
    r"""The conditional-OT path :math:`x_t = (1 - (1 - \sigma_{\min})t)\,x_0 + t\,x_1`.

    Arguments:
        sigma_min: width of the Gaussian around :math:`x_1` at :math:`t = 1` (default 0).

    Example:
        >>> path = CondOTPath()
        >>> x_0, x_1 = torch.tensor([[0.0, 2.0]]), torch.tensor([[4.0, -2.0]])
        >>> s = path.sample(x_0, x_1, torch.tensor([0.25]))
        >>> s.x_t.tolist(), s.dx_t.tolist()          # a quarter of the way; velocity x_1 - x_0
        ([[1.0, 1.0]], [[4.0, -4.0]])
        >>> path.sample(x_0, x_1, 2.0)
        Traceback (most recent call last):
        ...
        ValueError: t must lie in [0, 1] (t = 0 noise, t = 1 data); got values in [2, 2]
    """

    def __init__(self, sigma_min: float = 0.0):
        if not 0.0 <= float(sigma_min) < 1.0:
            raise ValueError(f"sigma_min must lie in [0, 1), got {sigma_min}")
        self.sigma_min = float(sigma_min)

    def __repr__(self) -> str:
        return f"CondOTPath(sigma_min={self.sigma_min})"

    def sample(self, x_0: torch.Tensor, x_1: torch.Tensor, t) -> PathSample:
        """The point ``x_t`` and target velocity ``dx_t`` for each row of ``x_0``, ``x_1``, ``t``."""
        check_pair(x_0, x_1)
        t = check_times(t, batch=x_0.shape[0]).to(x_0)
        t_ = t.reshape(-1, *([1] * (x_0.dim() - 1)))
        if self.sigma_min == 0.0:  # lerp: one kernel, and exact at both ends (x_0 at t = 0, x_1 at t = 1)
            x_t = torch.lerp(x_0, x_1, t_)
            dx_t = x_1 - x_0
        else:  # (1 - (1 - s) t) x_0 + t x_1 = (1 - t) x_0 + t (x_1 + s x_0)
            x_t = torch.lerp(x_0, x_1 + self.sigma_min * x_0, t_)
            dx_t = x_1 - (1.0 - self.sigma_min) * x_0
        return PathSample(x_0=x_0, x_1=x_1, t=t, x_t=x_t, dx_t=dx_t)

    def conditional_velocity(self, x: torch.Tensor, x_1: torch.Tensor, t) -> torch.Tensor:
        r"""The target velocity written at a position, :math:`u_t(x \mid x_1) =
        \dfrac{x_1 - (1 - \sigma_{\min})\,x}{1 - (1 - \sigma_{\min})\,t}` (defined for
        :math:`t < 1` when :math:`\sigma_{\min} = 0`).

        >>> path = CondOTPath()
        >>> x_0, x_1, t = torch.randn(5, 2), torch.randn(5, 2), torch.rand(5) * 0.9
        >>> s = path.sample(x_0, x_1, t)
        >>> torch.allclose(path.conditional_velocity(s.x_t, x_1, t), s.dx_t, atol=1e-5)
        True
        """
        t = check_times(t, batch=x.shape[0]).to(x).reshape(-1, *([1] * (x.dim() - 1)))
        a = 1.0 - self.sigma_min
        denominator = 1 - a * t
        if (denominator <= 0).any():
            raise ValueError("the conditional velocity at position x is undefined at t = 1 when sigma_min = 0")
        return (x_1 - a * x) / denominator
