"""Flow matching in depth: affine Gaussian paths and their schedulers, the velocity / noise /
score conversions, couplings, straightness and the vmapped divergence, checked against closed
forms (Gaussian data: every quantity is known exactly) in float64."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from explainer.matching.affine import AffinePath
from explainer.matching.couplings import coupling, independent, minibatch_ot, ot_permutation
from explainer.matching.jacobian import divergence_vmap
from explainer.matching.likelihood import divergence
from explainer.matching.objectives import CoupledCFMObjective, PairedCFMObjective, pack_pairs
from explainer.matching.schedulers import (
    CondOTScheduler,
    CosineScheduler,
    PolynomialScheduler,
    VPScheduler,
)
from explainer.matching.solvers import solve
from explainer.matching.straightness import straightness
from explainer.matching.velocity import VelocityMLP

F64 = torch.float64
SCHEDULERS = [CondOTScheduler(), CosineScheduler(), VPScheduler(), PolynomialScheduler(2.0)]
IDS = [type(s).__name__ for s in SCHEDULERS]
MU, S = torch.tensor([1.5, -0.5], dtype=F64), 0.7  # the data: x_1 ~ N(MU, S^2 I)


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def gaussian(path: AffinePath, x: torch.Tensor, t: float) -> dict:
    """The exact marginal quantities of x_t = a x_1 + s x_0 for x_1 ~ N(MU, S^2 I)."""
    tt = torch.tensor([t], dtype=F64)
    sc = path.scheduler
    a, s, da, ds = (float(f(tt)) for f in (sc.alpha, sc.sigma, sc.d_alpha, sc.d_sigma))
    var = a**2 * S**2 + s**2
    centred = x - a * MU
    return {
        "mean": a * MU,
        "var": var,
        "score": -centred / var,
        "epsilon": s / var * centred,  # E[x_0 | x_t = x]
        "x_1": MU + a * S**2 / var * centred,  # E[x_1 | x_t = x]
        "velocity": da * MU + (a * da * S**2 + s * ds) / var * centred,
    }


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=IDS)
def test_scheduler_ends_and_derivatives(scheduler):
    t = torch.linspace(0.05, 0.95, 19, dtype=F64)
    h = 1e-6
    for f, df in ((scheduler.alpha, scheduler.d_alpha), (scheduler.sigma, scheduler.d_sigma)):
        numeric = (f(t + h) - f(t - h)) / (2 * h)
        assert torch.allclose(df(t), numeric, rtol=1e-6, atol=1e-8)
    ends = torch.tensor([0.0, 1.0], dtype=F64)
    assert scheduler.alpha(ends)[1] == 1 and abs(scheduler.sigma(ends)[1]) < 1e-12
    assert scheduler.sigma(ends)[0] == pytest.approx(1.0, abs=1e-4) and scheduler.alpha(ends)[0] < 0.01


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=IDS)
def test_conditional_velocity_is_the_time_derivative_and_agrees_at_a_position(scheduler):
    path = AffinePath(scheduler)
    g = torch.Generator().manual_seed(0)
    x_0, x_1 = torch.randn(8, 2, generator=g, dtype=F64), torch.randn(8, 2, generator=g, dtype=F64)
    t, h = torch.rand(8, generator=g, dtype=F64) * 0.8 + 0.1, 1e-6
    s = path.sample(x_0, x_1, t)
    numeric = (path.sample(x_0, x_1, t + h).x_t - path.sample(x_0, x_1, t - h).x_t) / (2 * h)
    assert torch.allclose(s.dx_t, numeric, atol=1e-7)
    assert torch.allclose(path.conditional_velocity(s.x_t, x_1, t), s.dx_t, atol=1e-10)


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=IDS)
def test_marginal_path_of_gaussian_data(scheduler):
    path, n, t = AffinePath(scheduler), 200_000, 0.4
    g = torch.Generator().manual_seed(1)
    x_0 = torch.randn(n, 2, generator=g, dtype=F64)
    x_1 = MU + S * torch.randn(n, 2, generator=g, dtype=F64)
    x_t = path.sample(x_0, x_1, t).x_t
    exact = gaussian(path, x_t[:1], t)
    sd = math.sqrt(exact["var"])
    assert torch.allclose(x_t.mean(0), exact["mean"], atol=5 * sd / math.sqrt(n))  # 5 standard errors
    assert torch.allclose(x_t.var(0), torch.full((2,), exact["var"], dtype=F64), rtol=5 * math.sqrt(2 / n))


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=IDS)
@pytest.mark.parametrize("t", [0.2, 0.5, 0.9])
def test_conversions_give_the_exact_velocity_and_score(scheduler, t):
    path = AffinePath(scheduler)
    x = torch.randn(16, 2, generator=torch.Generator().manual_seed(2), dtype=F64) * 2
    e = gaussian(path, x, t)
    assert torch.allclose(path.velocity_from_epsilon(x, e["epsilon"], t), e["velocity"], atol=1e-10)
    assert torch.allclose(path.score_from_epsilon(x, e["epsilon"], t), e["score"], atol=1e-10)
    assert torch.allclose(path.velocity_from_score(x, e["score"], t), e["velocity"], atol=1e-10)
    assert torch.allclose(path.score_from_velocity(x, e["velocity"], t), e["score"], atol=1e-8)
    assert torch.allclose(path.epsilon_from_velocity(x, e["velocity"], t), e["epsilon"], atol=1e-8)
    assert torch.allclose(path.velocity_from_x1(x, e["x_1"], t), e["velocity"], atol=1e-10)


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=IDS)
def test_marginal_velocity_is_the_posterior_mean_of_the_conditional_one(scheduler):
    """v_t(x) = E[u_t(x | x_1) | x_t = x]: weight data draws by p_t(x | x_1) = N(a x_1, s^2 I)."""
    path, t = AffinePath(scheduler), 0.6
    g = torch.Generator().manual_seed(3)
    x_1 = MU + S * torch.randn(400_000, 2, generator=g, dtype=F64)
    x = torch.tensor([[1.0, 0.0]], dtype=F64)
    tt = torch.tensor([t], dtype=F64)
    a, s = float(scheduler.alpha(tt)), float(scheduler.sigma(tt))
    w = torch.softmax(-(x - a * x_1).pow(2).sum(1) / (2 * s**2), dim=0)
    u = path.conditional_velocity(x.expand_as(x_1), x_1, t)
    estimate = (w[:, None] * u).sum(0)
    assert torch.allclose(estimate, gaussian(path, x, t)["velocity"][0], atol=0.02)


@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=IDS)
def test_the_marginal_velocity_carries_the_marginal_path(scheduler):
    """Integrating the exact field moves each point by the affine map between the Gaussians."""
    path, t0 = AffinePath(scheduler), 0.05
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(4), dtype=F64)
    velocity = lambda y, t: gaussian(path, y, float(t))["velocity"]  # noqa: E731
    end = solve(velocity, x, "rk4", steps=400, t0=t0, t1=0.99)
    start_, stop = gaussian(path, x, t0), gaussian(path, x, 0.99)
    exact = stop["mean"] + math.sqrt(stop["var"] / start_["var"]) * (x - start_["mean"])
    assert torch.allclose(end, exact, atol=1e-6)


def test_vp_member_is_the_probability_flow_ode():
    """Song et al.'s probability-flow ODE in diffusion time tau = 1 - t: dx/dtau = -beta/2 (x + score)."""
    sc = VPScheduler()
    path = AffinePath(sc)
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(5), dtype=F64)
    for t in (0.1, 0.5, 0.95):
        score = gaussian(path, x, t)["score"]
        beta = sc.beta_min + (sc.beta_max - sc.beta_min) * (1 - t)
        assert torch.allclose(path.velocity_from_score(x, score, t), 0.5 * beta * (x + score), atol=1e-10)


def test_conversions_name_the_undefined_ends():
    path = AffinePath(CondOTScheduler())
    x = torch.zeros(2, 2)
    with pytest.raises(ValueError, match="alpha_t = 0"):
        path.velocity_from_epsilon(x, x, 0.0)
    with pytest.raises(ValueError, match="sigma_t = 0"):
        path.score_from_epsilon(x, x, 1.0)
    with pytest.raises(ValueError, match="x and epsilon must have the same shape"):
        path.velocity_from_epsilon(x, torch.zeros(3, 2), 0.5)
    with pytest.raises(TypeError, match="scheduler must be a Scheduler"):
        AffinePath("cosine")


def test_minibatch_ot_is_the_exact_assignment():
    g = torch.Generator().manual_seed(6)
    x_0, x_1 = torch.randn(6, 2, generator=g, dtype=F64), torch.randn(6, 2, generator=g, dtype=F64)
    cost = torch.cdist(x_0, x_1).pow(2)
    best = min(sum(cost[i, p[i]].item() for i in range(6)) for p in itertools.permutations(range(6)))
    a, b = minibatch_ot(x_0, x_1)
    assert (a - b).pow(2).sum().item() == pytest.approx(best, rel=1e-12)
    assert sorted(ot_permutation(x_0, x_1).tolist()) == list(range(6))  # a permutation: marginals kept
    assert independent(x_0, x_1)[1] is x_1 and coupling("independent") is independent


def test_minibatch_ot_pairs_cross_less():
    """Straight segments x_0 -> x_1 of a 2D batch: OT pairs intersect far less often."""
    g = torch.Generator().manual_seed(7)
    x_0 = torch.randn(64, 2, generator=g, dtype=F64)
    x_1 = torch.randn(64, 2, generator=g, dtype=F64) * 0.5 + torch.tensor([3.0, 0.0], dtype=F64)

    def crossings(p, q):
        def ccw(a, b, c):
            return (c[..., 1] - a[..., 1]) * (b[..., 0] - a[..., 0]) > (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])

        A, B = p[:, None], q[:, None]
        C, D = p[None], q[None]
        hit = (ccw(A, C, D) != ccw(B, C, D)) & (ccw(A, B, C) != ccw(A, B, D))
        return int(hit.triu(1).sum())

    assert crossings(*minibatch_ot(x_0, x_1)) < crossings(x_0, x_1) / 4


def test_coupled_and_paired_objectives():
    torch.manual_seed(0)
    v = VelocityMLP(2, hidden=8, depth=1)
    for name in ("independent", "ot"):
        assert CoupledCFMObjective(name)(v, torch.randn(32, 2)).item() > 0
    x_0, x_1 = torch.randn(8, 2), torch.randn(8, 2)
    exact = PairedCFMObjective()(lambda x, t: (x_1 - x_0)[: len(x)], pack_pairs(x_0, x_1))
    assert exact.item() == 0.0
    with pytest.raises(ValueError, match=r"pairs must have shape \(batch, 2d\)"):
        PairedCFMObjective()(v, torch.randn(8, 3))


def test_straightness_of_a_rotation_and_of_a_straight_field():
    """v = w J x: arcs of angle w, S = E|x_0|^2 (w^2 - 4 sin^2(w/2)); a constant field: S = 0."""
    w = 1.3
    J = torch.tensor([[0.0, -w], [w, 0.0]], dtype=F64)
    x_0 = torch.randn(50, 2, generator=torch.Generator().manual_seed(8), dtype=F64)
    exact = x_0.pow(2).sum(1).mean().item() * (w**2 - 4 * math.sin(w / 2) ** 2)
    assert straightness(lambda x, t: x @ J.T, x_0, steps=200) == pytest.approx(exact, rel=1e-4)
    assert straightness(lambda x, t: torch.ones_like(x), x_0) == pytest.approx(0.0, abs=1e-20)


def test_divergence_vmap_matches_the_backward_loop():
    torch.manual_seed(0)
    v = VelocityMLP(3, hidden=16, depth=2).double()
    x, t = torch.randn(20, 3, dtype=F64), torch.tensor(0.3, dtype=F64)
    v_loop, div_loop = divergence(v, x, t)
    v_vmap, div_vmap = divergence_vmap(v, x, t)
    assert torch.allclose(v_loop, v_vmap) and torch.allclose(div_loop, div_vmap, atol=1e-12)
    with pytest.raises(ValueError, match="one time for the batch"):
        divergence_vmap(v, x, torch.full((20,), 0.3, dtype=F64))


# --- the measurements' tables and sentences (synthetic rows: no training) --------------------------


def synthetic_rows(one_step: float = 9e-3) -> list[dict]:
    from sitebuild.models import fm_depth

    rows = []
    for v_i, variant in enumerate(fm_depth.VARIANTS):
        for d in fm_depth.DATASETS:
            for seed in fm_depth.SEEDS:
                sweep = [
                    {"solver": s, "nfe": n, "energy": (one_step if variant == "reflow2" and n == 1 else 0.1 / n) + 1e-3}
                    for s in fm_depth.SOLVERS
                    for n in fm_depth.NFE
                    if s == "euler" or n % 2 == 0
                ]
                rows.append(
                    {
                        "variant": variant,
                        "dataset": d,
                        "seed": seed,
                        "sweep": sweep,
                        "converged": 2e-3,
                        "straightness": 1.0 / (1 + v_i) + 0.01 * seed,
                        "ms_per_step": 2.0 + v_i,
                        "train_seconds": 10.0,
                        "total_seconds": 10.0 * (1 + v_i),
                    }
                )
    return rows


def test_fm_depth_tables_and_findings_follow_the_rows():
    import re

    from sitebuild.tables import fm_depth as table

    s = table.summarise(synthetic_rows())
    assert s["independent", "moons"]["S"] == pytest.approx(1.01)  # mean over seeds 0, 1, 2
    # goal: reflow2 at NFE 1 = 10e-3 against independent at NFE 20 = 6e-3: 1.67x, reached
    g = table.goal(s)
    assert g["ratio"] == pytest.approx(10e-3 / 6e-3) and g["reached"]
    assert not table.goal(table.summarise(synthetic_rows(one_step=20e-3)))["reached"]
    for lang in ("en", "zh"):
        text = table.render_findings(s, lang)
        assert f"{g['ratio']:.2f}" in text and "{" not in text
        euler = table.render_euler(s, lang)
        assert euler.count("\n|") == 1 + 4 * 3  # separator + one row per (dataset, variant)
        assert "1.010" in euler  # independent CFM's straightness on moons
    numbers = [re.findall(r"\d+\.\d+", table.render_findings(s, lang)) for lang in ("en", "zh")]
    assert sorted(numbers[0]) == sorted(numbers[1]), "the two languages quote the same numbers"
    missed = table.render_findings(table.summarise(synthetic_rows(one_step=20e-3)), "en")
    assert "not within" in missed
