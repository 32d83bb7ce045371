r"""Train E copies of one architecture side by side, as one network (an *ensemble*).

Small models on a CPU spend most of a training step in per-operation overhead, not in
arithmetic. :func:`stack` turns E models of the same architecture (different weights, e.g. three
seeds) into one model whose every ``nn.Linear`` holds E weight matrices and applies member
:math:`e`'s weights to the :math:`e`-th block of rows:

.. math::

    X = \begin{bmatrix} X_1 \\ \vdots \\ X_E \end{bmatrix} \in \mathbb{R}^{E n \times d_\text{in}},
    \qquad
    \operatorname{EnsembleLinear}(X) =
    \begin{bmatrix} X_1 W_1 + b_1 \\ \vdots \\ X_E W_E + b_E \end{bmatrix}.

Everything else in a coupling flow or a velocity field acts row by row (masks, couplings,
splines, log-determinants, activations), so the stacked model computes, on the stacked rows,
exactly what each member computes on its own rows, with one operation where there were E.
:func:`fit_ensemble` trains the members together: the loss is the sum of the members' mean
losses, whose gradient with respect to member :math:`e`'s weights is the gradient of member
:math:`e`'s own loss, and the update is Adam, elementwise, with each member's own learning-rate
schedule. The result is what :func:`explainer.train.fit` gives for each member alone, batch by
batch (tests/test_ensemble.py checks it against separate runs).

Measured on one CPU core (``python benchmarks/ensemble.py``): four 8-layer spline flows train in
about a third of the time of four separate runs, four velocity MLPs in about a quarter; the
affine flows, whose steps are already dominated by arithmetic, gain little.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence

import torch
from torch import nn

from .train import History


class EnsembleLinear(nn.Module):
    r"""E linear maps :math:`x \mapsto x W_e + b_e` applied to E consecutive blocks of rows.

    ``weight`` has shape ``(E, in, out)`` (note: transposed with respect to ``nn.Linear``) and
    ``bias`` ``(E, 1, out)``. The input's rows must split into E equal blocks.

    >>> a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    >>> layer = EnsembleLinear([a, b])
    >>> x = torch.randn(8, 3)
    >>> torch.allclose(layer(x), torch.cat([a(x[:4]), b(x[4:])]), atol=1e-6)
    True
    """

    def __init__(self, layers: Sequence[nn.Linear]):
        super().__init__()
        shapes = {tuple(layer.weight.shape) for layer in layers}
        if len(shapes) != 1 or any(layer.bias is None for layer in layers):
            raise ValueError(f"EnsembleLinear needs linear layers of one shape, with biases; got shapes {shapes}")
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]).contiguous())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach()[None] for layer in layers]))

    @property
    def members(self) -> int:
        return self.weight.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        members, rows = self.members, x.shape[0]
        if rows % members:
            raise ValueError(f"an ensemble of {members} needs a row count divisible by {members}, got {rows}")
        blocks = x.reshape(members, rows // members, x.shape[1])
        return (torch.bmm(blocks, self.weight) + self.bias).reshape(rows, -1)


def _linear_names(model: nn.Module) -> list[str]:
    return [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]


def stack(models: Sequence[nn.Module]) -> nn.Module:
    """One model that evaluates every member of ``models`` on its own block of rows.

    The members must share the architecture and their buffers (masks, permutations), and every
    parameter must live in an ``nn.Linear`` (the 2D coupling flows and velocity MLPs of this
    package). The stacked model is a deep copy: train it, then :func:`unstack` into the members.

    >>> from explainer.models import realnvp
    >>> flows = [realnvp(layers=2, hidden=8) for _ in range(3)]
    >>> for f in flows:   # not the identity: the last layers start at zero
    ...     _ = [nn.init.normal_(m.weight) for m in f.modules() if isinstance(m, nn.Linear)]
    >>> x = torch.randn(3 * 5, 2)
    >>> mine = stack(flows).log_prob(x)
    >>> alone = torch.cat([f.log_prob(x[5 * e : 5 * (e + 1)]) for e, f in enumerate(flows)])
    >>> torch.allclose(mine, alone, atol=1e-5)
    True
    """
    if len(models) < 1:
        raise ValueError("stack needs at least one model")
    first = models[0]
    names = _linear_names(first)
    inside = {f"{n}.{p}" for n in names for p in ("weight", "bias")}
    for name, _ in first.named_parameters():
        if name not in inside:
            raise ValueError(f"stack supports parameters inside nn.Linear layers only; {name!r} is not")
    keys = {k: tuple(v.shape) for k, v in first.state_dict().items()}
    for i, model in enumerate(models[1:], start=1):
        if {k: tuple(v.shape) for k, v in model.state_dict().items()} != keys:
            raise ValueError(f"model {i} has a different architecture from model 0")
        for (name, a), (_, b) in zip(first.named_buffers(), model.named_buffers()):
            if not torch.equal(a, b):
                raise ValueError(f"model {i} has a different buffer {name!r} (masks and permutations must match)")
    stacked = copy.deepcopy(first)
    for name in names:
        parent, _, leaf = name.rpartition(".")
        holder = stacked.get_submodule(parent) if parent else stacked
        setattr(holder, leaf, EnsembleLinear([m.get_submodule(name) for m in models]))
    return stacked


@torch.no_grad()
def unstack(stacked: nn.Module, models: Sequence[nn.Module]) -> None:
    """Copy member ``e``'s weights from ``stacked`` (made by :func:`stack`) into ``models[e]``."""
    for name in _linear_names(models[0]):
        layer = stacked.get_submodule(name)
        if not isinstance(layer, EnsembleLinear) or layer.members != len(models):
            raise ValueError(f"{name!r} is not an ensemble layer of {len(models)} members")
        for e, model in enumerate(models):
            target = model.get_submodule(name)
            target.weight.copy_(layer.weight[e].T)
            target.bias.copy_(layer.bias[e, 0])


class MemberAdam:
    r"""Adam on stacked parameters, with one learning rate per member (the leading axis).

    Per element, with gradient :math:`g`, step :math:`k` and member :math:`e`'s rate
    :math:`\eta_e`: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`,
    :math:`v \leftarrow \beta_2 v + (1-\beta_2) g^2`,
    :math:`\theta \leftarrow \theta - \eta_e\, \hat m / (\sqrt{\hat v} + \epsilon)` with
    :math:`\hat m = m / (1-\beta_1^k)`, :math:`\hat v = v / (1-\beta_2^k)`: ``torch.optim.Adam``'s
    update (no weight decay), member by member.

    >>> w = nn.Parameter(torch.ones(2, 3))
    >>> opt = MemberAdam([w])
    >>> w.grad = torch.ones(2, 3); opt.step(torch.tensor([0.1, 0.0]))
    >>> [round(v, 6) for v in w.detach()[:, 0].tolist()]   # member 1 has rate 0: it does not move
    [0.9, 1.0]
    """

    def __init__(self, params: Sequence[nn.Parameter], betas=(0.9, 0.999), eps: float = 1e-8):
        self.params = list(params)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.k = 0
        self.m = [torch.zeros_like(p) for p in self.params]
        self.v = [torch.zeros_like(p) for p in self.params]

    @torch.no_grad()
    def step(self, lr: torch.Tensor) -> None:
        """One update; ``lr`` has one rate per member, shape ``(E,)``."""
        self.k += 1
        c1, c2 = 1 - self.beta1**self.k, 1 - self.beta2**self.k
        for p, m, v in zip(self.params, self.m, self.v):
            g = p.grad
            m.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
            v.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
            denominator = (v / c2).sqrt_().add_(self.eps)
            rate = lr.to(p.dtype).reshape(-1, *([1] * (p.dim() - 1)))
            p.sub_(rate * (m / c1) / denominator)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


def cosine_rate(lr: float, step: int, steps: int) -> float:
    r"""The cosine decay :math:`\eta_k = \tfrac{\eta}{2}(1 + \cos(\pi k / K))` for :math:`k < K`,
    then 0 (the member has finished).

    >>> cosine_rate(1.0, 0, 10), cosine_rate(1.0, 5, 10), cosine_rate(1.0, 10, 10)
    (1.0, 0.5, 0.0)
    """
    return 0.5 * lr * (1 + math.cos(math.pi * step / steps)) if step < steps else 0.0


def nll_rows(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Per-row negative log-likelihood of a flow: ``-model.log_prob(x)``, shape ``(rows,)``."""
    return -model.log_prob(x)


def fit_ensemble(
    models: Sequence[nn.Module],
    data: Sequence[torch.Tensor],
    *,
    loss_rows: Callable[[nn.Module, torch.Tensor], torch.Tensor] = nll_rows,
    steps: int | Sequence[int] = 1000,
    batch_size: int = 512,
    lr: float = 1e-3,
    seeds: Sequence[int] | None = None,
) -> list[History]:
    """Train ``models[e]`` on ``data[e]`` for ``steps[e]`` Adam steps with a cosine decay, all
    members at once; the trained weights are copied back into ``models``. Returns one
    :class:`~explainer.train.History` per member (its ``seconds`` is the whole ensemble's wall time).

    Each member draws its minibatches exactly as :func:`explainer.train.fit` does with its seed
    (with replacement, from a ``torch.Generator`` seeded with ``seeds[e]``); a member with fewer
    steps stops (rate 0) when its schedule ends. ``loss_rows(model, x)`` returns one loss per row
    (default: the flow's NLL); randomness inside it comes from torch's global generator, seeded
    with ``seeds[0]``.

    >>> from explainer.models import realnvp
    >>> from explainer import datasets
    >>> flows = [realnvp(layers=2, hidden=16) for _ in range(2)]
    >>> x = datasets.sample("moons", 512)
    >>> h = fit_ensemble(flows, [x, x], steps=[20, 10], batch_size=64, lr=1e-2, seeds=[0, 1])
    >>> [len(m.loss) for m in h], [m.loss[-1] < m.loss[0] for m in h]
    ([20, 10], [True, True])
    """
    members = len(models)
    if members < 1 or len(data) != members:
        raise ValueError(f"fit_ensemble needs one training tensor per model, got {len(data)} for {members} models")
    steps = [steps] * members if isinstance(steps, int) else list(steps)
    seeds = list(range(members)) if seeds is None else list(seeds)
    if len(steps) != members or len(seeds) != members:
        raise ValueError(f"steps and seeds need one entry per model ({members}), got {len(steps)} and {len(seeds)}")
    if min(steps) < 1 or batch_size < 1:
        raise ValueError(f"steps and batch_size must be positive, got {steps} and {batch_size}")
    for e, x in enumerate(data):
        if not torch.isfinite(x).all():
            raise ValueError(f"the training data of member {e} contain non-finite values (nan or inf)")
    torch.manual_seed(seeds[0])
    generators = [torch.Generator().manual_seed(s) for s in seeds]
    stacked = stack(models)
    stacked.train()
    optimizer = MemberAdam(list(stacked.parameters()))
    histories = [History() for _ in range(members)]
    start = time.perf_counter()
    for k in range(max(steps)):
        rows = [x[torch.randint(0, x.shape[0], (batch_size,), generator=g)] for x, g in zip(data, generators)]
        batch = torch.cat(rows)
        per_member = loss_rows(stacked, batch).reshape(members, batch_size).mean(dim=1)
        values = per_member.tolist()
        for e, value in enumerate(values):
            if k < steps[e]:
                if not math.isfinite(value):
                    raise FloatingPointError(f"member {e}'s loss became {value} at step {k}; lower lr")
                histories[e].loss.append(value)
        optimizer.zero_grad()
        per_member.sum().backward()
        optimizer.step(torch.tensor([cosine_rate(lr, k, s) for s in steps]))
    seconds = time.perf_counter() - start
    unstack(stacked, models)
    for model, history in zip(models, histories):
        history.seconds = seconds
        model.eval()
    return histories
