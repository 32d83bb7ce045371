r"""Sample-quality metrics between two point clouds (energy distance, sliced Wasserstein), and
the straightness of a flow, which says how many steps it takes to get its samples.

The first two need nothing but samples, so they treat a coupling flow and a flow-matching model
alike.

- **Energy distance** (Székely & Rizzo), for :math:`X, X' \sim p_\theta` (model) and :math:`Y, Y' \sim p_\mathrm{data}`:
  :math:`\mathcal{E}(p_\theta, p_\mathrm{data}) = 2\,\mathbb{E}\|X - Y\| - \mathbb{E}\|X - X'\| - \mathbb{E}\|Y - Y'\|`,
  non-negative and zero only when :math:`p_\theta = p_\mathrm{data}`. :func:`energy_distance` computes the plug-in
  (V-statistic) estimate, which is non-negative and positive even for two samples of one
  distribution; the honest floor at a sample size is the value between two independent draws of
  the data.
- **Sliced Wasserstein-p**: the average over random unit directions :math:`\theta` of the 1D
  Wasserstein-p distance between the projections :math:`\theta^\top X` and :math:`\theta^\top Y`
  (sorted samples matched in order), then the p-th root.
- **Straightness** (Liu, Gong & Liu, 2022) of a velocity field :math:`v`, along its trajectories
  from noise :math:`x_0` to :math:`x_1`:
  :math:`S(v) = \int_0^1 \mathbb{E}\,\|v(x_t, t) - (x_1 - x_0)\|^2\,dt`, zero exactly when every
  trajectory is a straight line travelled at constant speed (then one Euler step is exact). The
  energy distance says whether samples are right; :math:`S` how many solver steps they cost.
"""

from __future__ import annotations

import torch


def _check_clouds(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    for name, v in (("x", x), ("y", y)):
        if not isinstance(v, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of shape (n, d), got {type(v).__name__}")
        if v.dim() != 2 or v.shape[0] < 1:
            raise ValueError(f"{name} has shape {tuple(v.shape)}; expected (n, d) with n >= 1")
        if not torch.isfinite(v).all():
            raise ValueError(f"{name} contains non-finite values (nan or inf)")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {x.shape[1]} and {y.shape[1]}")
    return x.double(), y.double()


def _mean_distance(a: torch.Tensor, b: torch.Tensor, chunk: int = 2048) -> float:
    """Mean of ||a_i - b_j|| over all pairs, in chunks (memory O(chunk * len(b)))."""
    total = 0.0
    for part in a.split(chunk):
        total += torch.cdist(part, b).sum().item()
    return total / (a.shape[0] * b.shape[0])


def energy_distance(x: torch.Tensor, y: torch.Tensor) -> float:
    r"""Plug-in energy distance :math:`2\,\overline{\|x_i - y_j\|} - \overline{\|x_i - x_{i'}\|} -
    \overline{\|y_j - y_{j'}\|}` (means over all pairs, computed in float64).

    Example (one point each, 3 apart: 2·3 − 0 − 0):
        >>> energy_distance(torch.tensor([[0.0]]), torch.tensor([[3.0]]))
        6.0
        >>> x = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
        >>> energy_distance(x, x)
        0.0
        >>> near, far = energy_distance(x, x + 0.1), energy_distance(x, x + 1.0)
        >>> 0 < near < far
        True
    """
    x, y = _check_clouds(x, y)
    value = 2 * _mean_distance(x, y) - _mean_distance(x, x) - _mean_distance(y, y)
    return max(value, 0.0)


def sliced_wasserstein(x: torch.Tensor, y: torch.Tensor, projections: int = 256, p: int = 2, seed: int = 0) -> float:
    r"""Sliced Wasserstein-p distance between equally sized samples ``x`` and ``y`` ``(n, d)``,
    over ``projections`` random directions (seeded).

    Example (in 1D the only direction is ±1, so a shifted copy is exactly the shift away):
        >>> x = torch.randn(1000, 1, generator=torch.Generator().manual_seed(0))
        >>> round(sliced_wasserstein(x, x + 0.5), 6)
        0.5
        >>> sliced_wasserstein(x, x[:10])
        Traceback (most recent call last):
        ...
        ValueError: sliced_wasserstein needs samples of equal size, got 1000 and 10
    """
    x, y = _check_clouds(x, y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"sliced_wasserstein needs samples of equal size, got {x.shape[0]} and {y.shape[0]}")
    if not isinstance(projections, int) or projections < 1:
        raise ValueError(f"projections must be a positive integer, got {projections!r}")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p!r}")
    g = torch.Generator().manual_seed(seed)
    theta = torch.randn(x.shape[1], projections, generator=g, dtype=torch.float64)
    theta = theta / theta.norm(dim=0, keepdim=True)
    px, _ = torch.sort(x @ theta, dim=0)
    py, _ = torch.sort(y @ theta, dim=0)
    return (px - py).abs().pow(p).mean().pow(1 / p).item()


def off_support_share(log_p_samples: torch.Tensor, log_p_data: torch.Tensor, quantile: float = 0.01) -> float:
    r"""Share of samples that land where the data are rare: the fraction of ``log_p_samples``
    (the *true* log-density :math:`\log p` at model samples) below the ``quantile`` of
    ``log_p_data`` (:math:`\log p` at held-out data points). Data drawn from :math:`p` itself score
    about ``quantile`` (less when :math:`p` has flat regions, e.g. 0 for a checkerboard); the
    excess above that is mass in bridges between modes or outside the support.

    Example (threshold = the 10 % quantile of the data's scores, here 1.9):
        >>> data = torch.arange(1.0, 11.0)               # log p at ten data points
        >>> off_support_share(torch.tensor([0.0, 5.0, -float("inf"), 9.0]), data, quantile=0.1)
        0.5
    """
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    finite = log_p_data[torch.isfinite(log_p_data)]
    if finite.numel() == 0:
        raise ValueError("log_p_data has no finite value: the data must lie where the density is positive")
    threshold = torch.quantile(finite.double(), quantile)
    return (log_p_samples.double() < threshold).double().mean().item()


def straightness(velocity, x_0: torch.Tensor, method: str = "rk4", steps: int = 25) -> float:
    r"""Straightness :math:`S = \int_0^1 \mathbb{E}\|v(x_t, t) - (x_1 - x_0)\|^2 dt` of ``velocity``
    :math:`v(x, t)` along the trajectories that start at the noise ``x_0`` ``(n, d)``: integrated
    with ``solve(method, steps)``, the time integral by the trapezoid rule
    (:func:`explainer.matching.straightness.straightness`).

    Example (a straight line at varying speed is not straight in this sense: :math:`v = 2t\,a`
    moves every point by :math:`a`, and :math:`S = \int_0^1 (2t - 1)^2 dt\,\|a\|^2 = \|a\|^2/3`;
    the trapezoid rule with step :math:`h` adds :math:`2\|a\|^2h^2/3`, RK4 is exact here):
        >>> a = torch.tensor([3.0, 4.0], dtype=torch.float64)
        >>> x_0 = torch.zeros(5, 2, dtype=torch.float64)
        >>> S = straightness(lambda x, t: 2 * t * a.expand_as(x), x_0, steps=100)
        >>> round(S, 6), round(25 / 3 + 2 * 25 * 0.01**2 / 3, 6)
        (8.335, 8.335)
        >>> straightness(lambda x, t: a.expand_as(x), x_0) < 1e-20   # constant speed along a line
        True
        >>> straightness(lambda x, t: x, torch.zeros(5))
        Traceback (most recent call last):
        ...
        ValueError: x_0 has shape (5,); expected noise points of shape (n, d) with n >= 1
    """
    from explainer.matching.straightness import straightness as along_trajectories

    if not isinstance(x_0, torch.Tensor):
        raise TypeError(f"x_0 must be a torch.Tensor of shape (n, d), got {type(x_0).__name__}")
    if x_0.dim() != 2 or x_0.shape[0] < 1:
        raise ValueError(f"x_0 has shape {tuple(x_0.shape)}; expected noise points of shape (n, d) with n >= 1")
    return along_trajectories(velocity, x_0, method, steps)
