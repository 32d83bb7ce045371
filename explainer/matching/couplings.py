r"""Couplings: which noise point :math:`x_0` is paired with which data point :math:`x_1` in a batch.

- :func:`independent`: the pairs as drawn, :math:`(x_0, x_1) \sim p_0 \otimes q` (the standard CFM
  loss). Straight conditional lines then cross each other, and the marginal field averages them.
- :func:`minibatch_ot`: within a batch of :math:`n` noise and :math:`n` data points, the
  permutation :math:`\pi` that minimises :math:`\sum_i \|x_0^{(i)} - x_1^{(\pi(i))}\|^2` (Tong et
  al.; Pooladian et al.). With equal weights :math:`1/n` on both sides the optimal-transport plan
  is a permutation (Birkhoff–von Neumann), so the exact OT problem *is* an assignment problem:
  :func:`scipy.optimize.linear_sum_assignment` solves it exactly in :math:`O(n^3)`. We use it
  rather than POT's ``ot.emd`` (which solves the same linear programme and returns the plan as a
  dense matrix to sample pairs from): scipy is already a dependency, and the permutation needs no
  sampling step. Optimally matched pairs never cross in a way a swap could shorten (the cost is
  cyclically monotone), so their straight lines cross far less.

A coupling maps ``(x_0, x_1) -> (x_0, x_1)`` with rows re-paired; both marginals are unchanged.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from .._checks import check_pair


def independent(x_0: torch.Tensor, x_1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The pairs as drawn (the product coupling).

    >>> x_0, x_1 = torch.zeros(3, 2), torch.ones(3, 2)
    >>> independent(x_0, x_1)[1] is x_1
    True
    """
    check_pair(x_0, x_1)
    return x_0, x_1


def ot_permutation(x_0: torch.Tensor, x_1: torch.Tensor) -> torch.Tensor:
    r"""The permutation :math:`\pi` (a long tensor) minimising
    :math:`\sum_i \|x_0^{(i)} - x_1^{(\pi(i))}\|^2`.

    >>> x_0 = torch.tensor([[0.0], [1.0], [2.0]]); x_1 = torch.tensor([[2.1], [-0.1], [0.9]])
    >>> ot_permutation(x_0, x_1).tolist()          # in 1D: sorted to sorted
    [1, 2, 0]
    """
    check_pair(x_0, x_1)
    cost = torch.cdist(x_0.reshape(len(x_0), -1).double(), x_1.reshape(len(x_1), -1).double()).pow(2)
    rows, cols = linear_sum_assignment(cost.cpu().numpy())
    perm = np.empty_like(cols)
    perm[rows] = cols
    return torch.as_tensor(perm, dtype=torch.long, device=x_1.device)


def minibatch_ot(x_0: torch.Tensor, x_1: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Re-pair the batch by exact optimal transport: ``(x_0, x_1[pi])``.

    >>> g = torch.Generator().manual_seed(0)
    >>> x_0, x_1 = torch.randn(64, 2, generator=g), torch.randn(64, 2, generator=g) + 3
    >>> a, b = minibatch_ot(x_0, x_1)
    >>> bool((a - b).pow(2).sum() <= (x_0 - x_1).pow(2).sum()), torch.equal(b.sort(0).values, x_1.sort(0).values)
    (True, True)
    """
    return x_0, x_1[ot_permutation(x_0, x_1)]


COUPLINGS = {"independent": independent, "ot": minibatch_ot}


def coupling(name: str):
    """The coupling function called ``name`` (``"independent"`` or ``"ot"``).

    >>> coupling("ot") is minibatch_ot
    True
    >>> coupling("sinkhorn")
    Traceback (most recent call last):
    ...
    ValueError: unknown coupling 'sinkhorn'; choose one of ('independent', 'ot')
    """
    if name not in COUPLINGS:
        raise ValueError(f"unknown coupling {name!r}; choose one of {tuple(COUPLINGS)}")
    return COUPLINGS[name]
