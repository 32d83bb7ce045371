r"""Straightness of a flow (Liu, Gong & Liu, 2022), measured along its generated trajectories.

.. math::

    S(v) = \int_0^1 \mathbb{E}\,\big\|v(x_t, t) - (x_1 - x_0)\big\|^2\,dt,

where :math:`x_t` follows :math:`dx/dt = v(x_t, t)` from :math:`x_0 \sim \mathcal{N}(0, I)` and
:math:`x_1` is where it ends. :math:`S = 0` exactly when every trajectory is a straight line
travelled at constant speed, and then one Euler step is exact. Since
:math:`\int_0^1 v\,dt = x_1 - x_0`, :math:`S = \int_0^1 \mathbb{E}\|v\|^2 dt - \mathbb{E}\|x_1 - x_0\|^2`:
the kinetic energy in excess of the straight line's. It sits next to the energy distance of
:mod:`explainer.metrics`: the energy distance says whether samples are right, :math:`S` how many
steps it takes to get them.
"""

from __future__ import annotations

import torch

from .solvers import solve


@torch.no_grad()
def trajectory_straightness(velocity, ts: torch.Tensor, xs: torch.Tensor) -> float:
    r""":math:`S` from a trajectory: states ``xs`` ``(K, n, d)`` at times ``ts`` ``(K,)`` (from
    ``solve(..., return_intermediates=True)``), the velocity evaluated at each recorded state and
    the time integral taken by the trapezoid rule.

    Example (a constant field is straight):
        >>> ts = torch.linspace(0, 1, 5); xs = torch.stack([torch.zeros(3, 2) + t for t in ts])
        >>> trajectory_straightness(lambda x, t: torch.ones_like(x), ts, xs)
        0.0
    """
    if xs.dim() != 3 or ts.shape != (xs.shape[0],) or xs.shape[0] < 2:
        raise ValueError(
            f"need states (K, n, d) with K >= 2 and times (K,), got {tuple(xs.shape)} and {tuple(ts.shape)}"
        )
    chord = xs[-1] - xs[0]
    values = torch.stack(
        [(velocity(x, t.to(x.dtype)) - chord).pow(2).sum(dim=1).mean() for x, t in zip(xs, ts)]
    ).double()
    return torch.trapezoid(values, ts.double()).item()


@torch.no_grad()
def straightness(velocity, x_0: torch.Tensor, method: str = "rk4", steps: int = 25) -> float:
    r""":math:`S` of ``velocity`` on the noise ``x_0``: integrate with ``solve(method, steps)``, then
    :func:`trajectory_straightness` on the recorded states.

    Example (a rotation :math:`v = \omega J x` turns each point by :math:`\omega`; its arcs have
    :math:`S = \mathbb{E}\|x_0\|^2(\omega^2 - 4\sin^2\tfrac\omega2)`):
        >>> import math
        >>> J = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)
        >>> x_0 = torch.tensor([[1.0, 0.0], [0.0, 2.0]], dtype=torch.float64)
        >>> exact = 2.5 * (1.0 - 4 * math.sin(0.5) ** 2)
        >>> abs(straightness(lambda x, t: x @ J.T, x_0, steps=200) - exact) < 1e-4
        True
    """
    sol = solve(velocity, x_0, method, steps, return_intermediates=True)
    return trajectory_straightness(velocity, sol.t, sol.xs)
