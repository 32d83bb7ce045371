r"""Exact log-likelihood of a flow-matching model by the instantaneous change of variables.

Along a trajectory of :math:`dx/dt = v(x, t)`,

.. math::

    \frac{d}{dt}\log p_t(x_t) = -\nabla\!\cdot v(x_t, t), \qquad
    \log p_1(x) = \log\mathcal{N}(x_0;\ 0, I) - \int_0^1 \nabla\!\cdot v(x_t, t)\,dt .

:func:`log_likelihood` integrates the augmented state :math:`(x_t, a_t)` with
:math:`\dot a_t = \nabla\!\cdot v(x_t, t)` **backwards**, from :math:`x_1 = x,\ a_1 = 0` at
:math:`t = 1` (data) to :math:`t = 0` (noise); then :math:`a_0 = -\int_0^1 \nabla\!\cdot v\,dt`
and :math:`\log p_1(x) = \log\mathcal{N}(x_0) + a_0`. The divergence is the exact trace of the
Jacobian (``d`` backward passes; right for low dimension) or Hutchinson's unbiased estimate
:math:`\varepsilon^\top (\partial v/\partial x)\,\varepsilon` with one backward pass and a fixed
:math:`\varepsilon` per sample for the whole trajectory (for high dimension).
"""

from __future__ import annotations

import torch

from ..flow import standard_normal_log_prob
from .solvers import Solution, Velocity, solve

ESTIMATORS = ("exact", "hutchinson")
NOISES = ("rademacher", "gaussian")


def divergence(
    velocity: Velocity, x: torch.Tensor, t, estimator: str = "exact", epsilon: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``(v(x, t), div)``: the velocity and its divergence :math:`\nabla\!\cdot v =
    \mathrm{tr}\,\partial v/\partial x` per sample (exact), or Hutchinson's estimate
    :math:`\varepsilon^\top(\partial v/\partial x)\varepsilon` with the given ``epsilon``.

    Example (:math:`v(x) = Ax` has divergence :math:`\mathrm{tr} A` everywhere):
        >>> A = torch.tensor([[1.0, 2.0], [-3.0, 0.5]])
        >>> v, div = divergence(lambda x, t: x @ A.T, torch.randn(4, 2), torch.tensor(0.0))
        >>> div.tolist()
        [1.5, 1.5, 1.5, 1.5]
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown divergence estimator {estimator!r}; choose one of {ESTIMATORS}")
    with torch.enable_grad():
        x = x.detach().requires_grad_(True)
        v = velocity(x, t)
        if not v.requires_grad:  # v does not depend on x (e.g. a constant field): zero divergence
            return v.detach(), torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        if estimator == "exact":
            div = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
            flat_v = v.reshape(x.shape[0], -1)
            n = flat_v.shape[1]
            for i in range(n):
                (grad,) = torch.autograd.grad(flat_v[:, i].sum(), x, retain_graph=i < n - 1)
                div = div + grad.reshape(x.shape[0], -1)[:, i]
        else:
            if epsilon is None or epsilon.shape != x.shape:
                raise ValueError(f"Hutchinson's estimator needs epsilon of the state's shape {tuple(x.shape)}")
            (grad,) = torch.autograd.grad(v, x, grad_outputs=epsilon)
            div = (grad * epsilon).reshape(x.shape[0], -1).sum(dim=1)
    return v.detach(), div.detach()


def log_likelihood(
    velocity: Velocity,
    x: torch.Tensor,
    method: str = "rk4",
    steps: int = 25,
    *,
    estimator: str = "exact",
    noise: str = "rademacher",
    seed: int = 0,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    return_solution: bool = False,
):
    r""":math:`\log p_1(x)` per row of ``x`` (nats), by integrating the divergence from
    :math:`t = 1` to :math:`t = 0` with ``solve(..., method, steps)``.

    Arguments:
        velocity: ``velocity(x, t)``, e.g. a trained :class:`~explainer.matching.VelocityMLP`.
        x: points, shape ``(batch, d)``.
        method, steps, atol, rtol: the ODE solver (see :func:`~explainer.matching.solve`); the
            result is only as exact as the solver.
        estimator: ``"exact"`` (trace by ``d`` backward passes) or ``"hutchinson"``.
        noise, seed: Hutchinson's :math:`\varepsilon` (``"rademacher"`` ±1 or ``"gaussian"``), seeded.
        return_solution: also return the :class:`~explainer.matching.Solution` of the augmented
            ODE (its ``x[:, :d]`` is :math:`x_0`, its ``nfe`` the cost).

    Example (:math:`v = 0`: nothing moves, so :math:`p_1 = \mathcal{N}(0, I)`):
        >>> x = torch.tensor([[0.0, 0.0], [1.0, -1.0]])
        >>> [round(v, 4) for v in log_likelihood(lambda x, t: torch.zeros_like(x), x).tolist()]
        [-1.8379, -2.8379]
    """
    if estimator not in ESTIMATORS:
        raise ValueError(f"unknown divergence estimator {estimator!r}; choose one of {ESTIMATORS}")
    if noise not in NOISES:
        raise ValueError(f"unknown Hutchinson noise {noise!r}; choose one of {NOISES}")
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError("x must be a floating-point torch.Tensor of shape (batch, d)")
    if x.dim() != 2:
        raise ValueError(f"x has shape {tuple(x.shape)}; expected (batch, d)")
    if not torch.isfinite(x).all():
        raise ValueError("x contains non-finite values (nan or inf)")
    d = x.shape[1]
    epsilon = None
    if estimator == "hutchinson":
        g = torch.Generator(device=x.device).manual_seed(seed)
        epsilon = torch.randn(x.shape, generator=g, dtype=x.dtype, device=x.device)
        if noise == "rademacher":
            epsilon = epsilon.sign()

    def augmented(state: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        v, div = divergence(velocity, state[:, :d], t, estimator, epsilon)
        return torch.cat([v, div[:, None]], dim=1)

    state = torch.cat([x.detach(), torch.zeros_like(x[:, :1])], dim=1)
    solution: Solution = solve(
        augmented, state, method, steps, t0=1.0, t1=0.0, return_intermediates=True, atol=atol, rtol=rtol
    )
    x_0, a_0 = solution.x[:, :d], solution.x[:, d]
    log_p = standard_normal_log_prob(x_0) + a_0
    return (log_p, solution) if return_solution else log_p
