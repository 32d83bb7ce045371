r"""The conditional flow matching loss.

.. math::

    \mathcal{L}_{\mathrm{CFM}}(\theta) = \mathbb{E}_{t,\,x_0,\,x_1}
        \big\|v_\theta(x_t, t) - \dot x_t\big\|^2,
    \qquad x_t = (1 - t)\,x_0 + t\,x_1,\ \dot x_t = x_1 - x_0,

estimated on a batch by the mean over examples of the squared norm (summed over coordinates).
Its gradient equals that of the (intractable) flow matching loss against the marginal velocity;
its minimum is not zero but the average conditional variance of the target.
"""

from __future__ import annotations

import torch
from torch import nn

from .path import CondOTPath


def cfm_loss(velocity: nn.Module, path: CondOTPath, x_0: torch.Tensor, x_1: torch.Tensor, t) -> torch.Tensor:
    r"""Batch estimate of :math:`\mathcal{L}_{\mathrm{CFM}}`: mean of :math:`\|v(x_t, t) - \dot x_t\|^2`.

    Example (the exact target velocity has zero loss):
        >>> path = CondOTPath()
        >>> x_0, x_1, t = torch.randn(8, 2), torch.randn(8, 2), torch.rand(8)
        >>> cfm_loss(lambda x, t: x_1 - x_0, path, x_0, x_1, t).item()
        0.0
        >>> zero = cfm_loss(lambda x, t: torch.zeros_like(x), path, x_0, x_1, t)
        >>> torch.allclose(zero, (x_1 - x_0).pow(2).sum(1).mean())
        True
    """
    s = path.sample(x_0, x_1, t)
    residual = velocity(s.x_t, s.t) - s.dx_t
    return residual.pow(2).sum() / residual.shape[0]  # = mean over the batch of the squared norms


def cfm_rows(velocity: nn.Module, x_1: torch.Tensor, path: CondOTPath | None = None) -> torch.Tensor:
    r"""One CFM loss per row, :math:`\|v(x_t, t) - \dot x_t\|^2`, shape ``(batch,)``, with
    :math:`x_0 \sim \mathcal{N}(0, I)` and :math:`t \sim \mathcal{U}[0, 1]` drawn as
    :class:`CFMObjective` draws them (its value is the mean of these rows). For
    :func:`explainer.ensemble.fit_ensemble`, which needs each member's own mean.

    >>> from explainer.matching.velocity import VelocityMLP
    >>> v, x_1 = VelocityMLP(2, hidden=8, depth=1), torch.randn(16, 2)
    >>> _ = torch.manual_seed(0); rows = cfm_rows(v, x_1)
    >>> _ = torch.manual_seed(0); whole = CFMObjective()(v, x_1)
    >>> rows.shape, torch.allclose(rows.mean(), whole)
    (torch.Size([16]), True)
    """
    path = path or CondOTPath()
    x_0 = torch.randn_like(x_1)
    t = torch.rand(x_1.shape[0], dtype=x_1.dtype, device=x_1.device)
    s = path.sample(x_0, x_1, t)
    return (velocity(s.x_t, s.t) - s.dx_t).pow(2).sum(dim=1)


class CFMObjective:
    """``loss(model, x_1)`` for :func:`explainer.train.fit`: draws noise :math:`x_0 \\sim
    \\mathcal{N}(0, I)` and :math:`t \\sim \\mathcal{U}[0, 1]` from torch's global generator (which
    ``fit`` seeds), then returns the batch mean of :func:`cfm_rows` (:func:`cfm_loss`'s value).

    >>> from explainer.matching.velocity import VelocityMLP
    >>> loss = CFMObjective()(VelocityMLP(2, hidden=8, depth=1), torch.randn(16, 2))
    >>> loss.dim(), loss.item() > 0
    (0, True)
    """

    def __init__(self, path: CondOTPath | None = None):
        self.path = path or CondOTPath()

    def __call__(self, model: nn.Module, x_1: torch.Tensor) -> torch.Tensor:
        return cfm_rows(model, x_1, self.path).mean()
