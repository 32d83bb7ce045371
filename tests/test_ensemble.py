"""Training side by side (explainer.ensemble) gives what separate runs give, member by member."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from explainer import datasets
from explainer.ensemble import EnsembleLinear, MemberAdam, cosine_rate, fit_ensemble, stack, unstack
from explainer.matching.loss import CFMObjective, cfm_rows
from explainer.matching.velocity import VelocityMLP
from explainer.models import nsf, realnvp
from explainer.train import fit


def _build(kind: str, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    model = {
        "realnvp": lambda: realnvp(layers=3, hidden=16),
        "nsf": lambda: nsf(layers=2, hidden=16, bins=4),
        "fm": lambda: VelocityMLP(2, hidden=16, depth=2),
    }[kind]()
    for m in model.modules():  # random last layers too: the identity would hide a mix-up of members
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.3)
    return model


@pytest.mark.parametrize("kind", ["realnvp", "nsf", "fm"])
def test_the_stack_computes_each_member_on_its_own_rows(kind):
    members = [_build(kind, seed) for seed in range(3)]
    x = torch.randn(3 * 7, 2)
    stacked = stack(members)
    blocks = x.split(7)
    if kind == "fm":
        t = torch.rand(3 * 7)
        alone = torch.cat([m(b, tb) for m, b, tb in zip(members, blocks, t.split(7))])
        assert torch.allclose(stacked(x, t), alone, atol=1e-5)
    else:
        z, logabsdet = stacked(x)
        alone = [m(b) for m, b in zip(members, blocks)]
        assert torch.allclose(z, torch.cat([a[0] for a in alone]), atol=1e-5)
        assert torch.allclose(logabsdet, torch.cat([a[1] for a in alone]), atol=1e-5)
        assert torch.allclose(stacked.inverse(z)[0], x, atol=1e-4)


def test_unstack_copies_each_members_weights_back():
    members = [_build("realnvp", seed) for seed in range(2)]
    stacked = stack(members)
    with torch.no_grad():
        for p in stacked.parameters():
            p.add_(torch.randn_like(p))
    copies = [_build("realnvp", 5) for _ in range(2)]
    unstack(stacked, copies)
    x = torch.randn(2 * 4, 2)
    mine = stacked.log_prob(x)
    assert torch.allclose(torch.cat([c.log_prob(b) for c, b in zip(copies, x.split(4))]), mine, atol=1e-5)


@pytest.mark.parametrize("kind", ["realnvp", "nsf"])
def test_training_side_by_side_equals_separate_runs(kind):
    """Three members, own seeds, own data, one with fewer steps (the plateau run): each ends with
    the weights and the loss history that ``fit`` gives it alone."""
    seeds, steps = [0, 1, 0], [12, 12, 8]
    data = [datasets.sample("moons", 400, seed=s) for s in seeds]
    together = [_build(kind, s) for s in seeds]
    histories = fit_ensemble(together, data, steps=steps, batch_size=32, lr=5e-3, seeds=seeds)
    for model, history, x, s, k in zip(together, histories, data, seeds, steps):
        alone = _build(kind, s)
        reference = fit(alone, x, steps=k, batch_size=32, lr=5e-3, seed=s, progress=False)
        assert history.loss == pytest.approx(reference.loss, abs=1e-4)
        for (name, a), b in zip(alone.named_parameters(), model.parameters()):
            assert torch.allclose(a, b, atol=1e-4), name
    assert histories[0].loss != pytest.approx(histories[1].loss)  # the members really differ


def test_flow_matching_side_by_side_equals_a_separate_run():
    """One member: the same noise and times as ``fit`` with :class:`CFMObjective` (with several
    members, the noise of all rows comes from one generator, so only one member can match)."""
    x = datasets.sample("8gaussians", 400, seed=0)
    model, alone = _build("fm", 0), _build("fm", 0)
    (history,) = fit_ensemble([model], [x], loss_rows=cfm_rows, steps=10, batch_size=32, lr=5e-3, seeds=[3])
    reference = fit(alone, x, loss=CFMObjective(), steps=10, batch_size=32, lr=5e-3, seed=3, progress=False)
    assert history.loss == pytest.approx(reference.loss, abs=1e-4)
    for a, b in zip(alone.parameters(), model.parameters()):
        assert torch.allclose(a, b, atol=1e-4)


def test_member_adam_is_torch_adam_member_by_member():
    torch.manual_seed(0)
    w = nn.Parameter(torch.randn(2, 3, 4))
    singles = [nn.Parameter(w.detach()[e].clone()) for e in range(2)]
    rates = [1e-2, 3e-3]
    mine = MemberAdam([w])
    theirs = [torch.optim.Adam([p], lr=r) for p, r in zip(singles, rates)]
    for _ in range(5):
        g = torch.randn(2, 3, 4)
        w.grad = g.clone()
        mine.step(torch.tensor(rates))
        for e, (p, opt) in enumerate(zip(singles, theirs)):
            p.grad = g[e].clone()
            opt.step()
    for e in range(2):
        assert torch.allclose(w.detach()[e], singles[e].detach(), atol=1e-6)


def test_cosine_rate_is_the_schedulers_and_stops_at_the_end():
    p = nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 10)
    for k in range(10):
        assert cosine_rate(0.5, k, 10) == pytest.approx(opt.param_groups[0]["lr"], abs=1e-9)
        opt.step()
        scheduler.step()
    assert cosine_rate(0.5, 10, 10) == cosine_rate(0.5, 15, 10) == 0.0  # not the cosine's rise


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="different architecture"):
        stack([realnvp(layers=2, hidden=8), realnvp(layers=2, hidden=16)])
    with pytest.raises(ValueError, match="inside nn.Linear layers only"):
        stack([nn.Sequential(nn.Linear(2, 2), nn.LayerNorm(2))])  # e.g. ActNorm's scale in Glow
    with pytest.raises(ValueError, match="divisible by 2"):
        EnsembleLinear([nn.Linear(2, 3), nn.Linear(2, 3)])(torch.randn(5, 2))
    with pytest.raises(ValueError, match="one training tensor per model"):
        fit_ensemble([realnvp(layers=2, hidden=8)], [torch.randn(10, 2)] * 2)
    with pytest.raises(ValueError, match="member 1 contain non-finite"):
        fit_ensemble([realnvp(layers=2, hidden=8)] * 2, [torch.randn(10, 2), torch.full((10, 2), float("nan"))])
