r"""The exact divergence :math:`\nabla\!\cdot v = \operatorname{tr}\,\partial v/\partial x` with
``torch.func``: the per-sample Jacobian by reverse mode (``jacrev``), vectorised over the batch
(``vmap``), then its trace.

:func:`explainer.matching.likelihood.divergence` computes the same number with :math:`d` backward
passes through the whole batch (one per output coordinate). :func:`divergence_vmap` builds the
:math:`d \times d` Jacobian of every sample in one batched call; ``benchmarks/divergence.py``
times both on 10,000 points: for small MLPs on a CPU the loop is the faster one (the
batched backward passes are large matrix products; vmap builds every sample's Jacobian). The
velocity must be a function of one point at a time (an MLP is:
its rows do not interact), which is what ``vmap`` assumes.
"""

from __future__ import annotations

import torch
from torch.func import jacrev, vmap


def divergence_vmap(velocity, x: torch.Tensor, t) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``(v(x, t), div)`` like :func:`~explainer.matching.likelihood.divergence` with the exact
    estimator, computed as ``vmap(jacrev(v))`` and a trace per sample.

    Example (:math:`v(x) = Ax` has divergence :math:`\mathrm{tr} A` everywhere):
        >>> A = torch.tensor([[1.0, 2.0], [-3.0, 0.5]])
        >>> v, div = divergence_vmap(lambda x, t: x @ A.T, torch.randn(4, 2), torch.tensor(0.0))
        >>> div.tolist()
        [1.5, 1.5, 1.5, 1.5]
    """
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.dim() != 2:
        raise ValueError("x must be a floating-point tensor of shape (batch, d)")
    t = torch.as_tensor(t, dtype=x.dtype, device=x.device)
    if t.dim() != 0:
        raise ValueError(f"divergence_vmap takes one time for the batch (a 0-dim tensor), got shape {tuple(t.shape)}")

    def one(point: torch.Tensor):
        out = velocity(point[None], t)[0]
        return out, out

    with torch.enable_grad():
        jacobian, v = vmap(jacrev(one, has_aux=True))(x.detach())
    return v.detach(), jacobian.diagonal(dim1=1, dim2=2).sum(dim=1).detach()
