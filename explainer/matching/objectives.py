r"""CFM objectives for :func:`explainer.train.fit` with a chosen coupling, or with fixed pairs.

- :class:`CoupledCFMObjective` draws :math:`x_0 \sim \mathcal{N}(0, I)` for a data batch, re-pairs
  the batch with a coupling of :mod:`.couplings` (``"independent"`` is
  :class:`~.loss.CFMObjective`'s draw exactly; ``"ot"`` is minibatch optimal transport), then
  takes the CFM loss on the linear path.
- :class:`PairedCFMObjective` trains on given pairs :math:`(x_0, x_1)`, stored side by side as
  the rows of one tensor ``[x_0 | x_1]`` (what rectified flow's reflow trains on).

Both draw :math:`t \sim \mathcal{U}[0, 1]` from torch's global generator, which ``fit`` seeds.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_pair
from . import couplings
from .loss import cfm_loss
from .path import CondOTPath


class CoupledCFMObjective:
    """``loss(model, x_1)``: fresh noise, paired with the batch by ``coupling``.

    >>> from explainer.matching.velocity import VelocityMLP
    >>> loss = CoupledCFMObjective("ot")(VelocityMLP(2, hidden=8, depth=1), torch.randn(16, 2))
    >>> loss.dim(), loss.item() > 0
    (0, True)
    """

    def __init__(self, coupling: str = "independent", path: CondOTPath | None = None):
        self.name = coupling
        self.coupling = couplings.coupling(coupling)
        self.path = path or CondOTPath()

    def __call__(self, model: nn.Module, x_1: torch.Tensor) -> torch.Tensor:
        x_0, x_1 = self.coupling(torch.randn_like(x_1), x_1)
        t = torch.rand(x_1.shape[0], dtype=x_1.dtype, device=x_1.device)
        return cfm_loss(model, self.path, x_0, x_1, t)


def pack_pairs(x_0: torch.Tensor, x_1: torch.Tensor) -> torch.Tensor:
    """Pairs as one tensor ``[x_0 | x_1]`` of shape ``(n, 2d)``, so ``fit`` draws them together.

    >>> pack_pairs(torch.zeros(3, 2), torch.ones(3, 2)).shape
    torch.Size([3, 4])
    """
    check_pair(x_0, x_1)
    if x_0.dim() != 2:
        raise ValueError(f"pairs must be (n, d) points, got shape {tuple(x_0.shape)}")
    return torch.cat([x_0, x_1], dim=1)


def paired_cfm_rows(velocity: nn.Module, pairs: torch.Tensor, path: CondOTPath | None = None) -> torch.Tensor:
    r"""One CFM loss per pair, :math:`\|v(x_t, t) - (x_1 - x_0)\|^2`, shape ``(batch,)``, with
    :math:`t \sim \mathcal{U}[0, 1]` drawn as :class:`PairedCFMObjective` draws it (its value is
    the mean of these rows); for :func:`explainer.ensemble.fit_ensemble`.

    >>> from explainer.matching.velocity import VelocityMLP
    >>> v, pairs = VelocityMLP(2, hidden=8, depth=1), pack_pairs(torch.randn(6, 2), torch.randn(6, 2))
    >>> _ = torch.manual_seed(0); rows = paired_cfm_rows(v, pairs)
    >>> _ = torch.manual_seed(0); whole = PairedCFMObjective()(v, pairs)
    >>> rows.shape, torch.allclose(rows.mean(), whole)
    (torch.Size([6]), True)
    """
    if pairs.dim() != 2 or pairs.shape[1] % 2:
        raise ValueError(f"pairs must have shape (batch, 2d) = [x_0 | x_1], got {tuple(pairs.shape)}")
    x_0, x_1 = pairs.chunk(2, dim=1)
    t = torch.rand(pairs.shape[0], dtype=pairs.dtype, device=pairs.device)
    s = (path or CondOTPath()).sample(x_0, x_1, t)
    return (velocity(s.x_t, s.t) - s.dx_t).pow(2).sum(dim=1)


class PairedCFMObjective:
    """``loss(model, pairs)`` with ``pairs = [x_0 | x_1]`` (see :func:`pack_pairs`).

    >>> pairs = pack_pairs(torch.zeros(4, 2), torch.ones(4, 2))
    >>> PairedCFMObjective()(lambda x, t: torch.ones_like(x), pairs).item()   # the exact velocity 1 - 0
    0.0
    """

    def __init__(self, path: CondOTPath | None = None):
        self.path = path or CondOTPath()

    def __call__(self, model: nn.Module, pairs: torch.Tensor) -> torch.Tensor:
        return paired_cfm_rows(model, pairs, self.path).mean()
