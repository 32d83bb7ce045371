r"""Rectified flow (Liu, Gong & Liu, 2022): reflow a trained field on the pairs it produces.

Numbering as in the paper: the **1-rectified flow** is the field trained on independent pairs
:math:`(x_0, x_1) \sim p_0 \otimes q` with the linear path, i.e. exactly conditional flow matching
with the linear (conditional OT, :math:`\sigma_{\min} = 0`) path and the independent coupling.
The :math:`(k{+}1)`-rectified flow is trained with the same loss on the pairs
:math:`(x_0, \mathrm{ODE}_k(x_0))`: fresh noise :math:`x_0` and the endpoint the :math:`k`-rectified
field carries it to. The new pairs are a deterministic coupling whose straight lines do not cross
(the old flow's trajectories never cross), so the new field's paths are straighter and fewer
Euler steps follow them; the marginal at :math:`t = 1` is the old flow's samples, not the data.
"""

from __future__ import annotations

import copy

import torch

from ..train import History, fit
from .objectives import PairedCFMObjective, pack_pairs
from .solvers import solve

REFLOW_SOLVER = {"method": "rk4", "steps": 25}  # 100 NFE per pair


@torch.no_grad()
def reflow_pairs(velocity, n: int, seed: int = 0, method: str = "rk4", steps: int = 25, batch: int = 10_000):
    r"""``(x_0, x_1)``: ``n`` seeded noise points and where ``velocity`` carries them at :math:`t = 1`.

    >>> x_0, x_1 = reflow_pairs(lambda x, t: torch.ones_like(x), 5, steps=4)   # v = 1 shifts by 1
    >>> torch.allclose(x_1, x_0 + 1)
    True
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    dim = getattr(velocity, "dim", 2)
    x_0 = torch.randn(n, dim, generator=torch.Generator().manual_seed(seed))
    x_1 = torch.cat([solve(velocity, part, method, steps) for part in x_0.split(batch)])
    return x_0, x_1


def reflow(
    velocity,
    x_0: torch.Tensor,
    x_1: torch.Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    seed: int = 0,
    warm_start: bool = True,
    progress: bool = False,
) -> tuple[torch.nn.Module, History]:
    """Train the next rectified flow on the pairs ``(x_0, x_1)``; ``warm_start`` starts from a copy
    of ``velocity``'s weights (as Liu et al. do), otherwise from fresh seeded weights.

    >>> from explainer.matching.velocity import VelocityMLP
    >>> v = VelocityMLP(2, hidden=8, depth=1)
    >>> x_0, x_1 = reflow_pairs(v, 256, steps=2)
    >>> w, history = reflow(v, x_0, x_1, steps=5, batch_size=32, lr=1e-3)
    >>> len(history), w is not v
    (5, True)
    """
    if warm_start:
        new = copy.deepcopy(velocity)
    else:
        torch.manual_seed(seed)
        new = type(velocity)(**velocity.config())
    history = fit(
        new,
        pack_pairs(x_0, x_1),
        loss=PairedCFMObjective(),
        steps=steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        progress=progress,
        description="reflow",
    )
    return new, history
