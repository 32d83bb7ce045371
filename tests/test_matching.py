"""Flow matching pieces: the path, the velocity network, the CFM loss, training and the CLI."""

from __future__ import annotations

import pytest
import torch

from explainer import checkpoints, datasets
from explainer.cli import main
from explainer.matching import CFMObjective, CondOTPath, VelocityMLP, cfm_loss, solve
from explainer.matching.experiment import train_fm
from explainer.train import fit

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def test_path_endpoints_and_velocity_is_the_time_derivative():
    path = CondOTPath()
    x_0, x_1 = torch.randn(6, 2, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    assert torch.equal(path.sample(x_0, x_1, 0.0).x_t, x_0)
    assert torch.equal(path.sample(x_0, x_1, 1.0).x_t, x_1)
    t, h = torch.rand(6, dtype=torch.float64) * 0.8 + 0.1, 1e-6
    s = path.sample(x_0, x_1, t)
    numeric = (path.sample(x_0, x_1, t + h).x_t - path.sample(x_0, x_1, t - h).x_t) / (2 * h)
    assert torch.allclose(s.dx_t, numeric, atol=1e-8) and torch.allclose(s.dx_t, x_1 - x_0)


def test_sigma_min_path_ends_in_a_small_gaussian_around_the_data():
    path = CondOTPath(sigma_min=0.1)
    x_0, x_1 = torch.randn(6, 2, dtype=torch.float64), torch.randn(6, 2, dtype=torch.float64)
    s = path.sample(x_0, x_1, torch.ones(6, dtype=torch.float64))
    assert torch.allclose(s.x_t, x_1 + 0.1 * x_0)
    t = torch.rand(6, dtype=torch.float64) * 0.9
    s = path.sample(x_0, x_1, t)
    assert torch.allclose(s.dx_t, x_1 - 0.9 * x_0)
    assert torch.allclose(path.conditional_velocity(s.x_t, x_1, t), s.dx_t)


@pytest.mark.parametrize(
    "t,message",
    [
        (torch.tensor([0.5, -0.1, 0.2]), r"t must lie in \[0, 1\]"),
        (torch.tensor([0.5, 1.1, 0.2]), r"t must lie in \[0, 1\]"),
        (torch.rand(4), r"t has shape \(4,\); expected a number or a tensor of shape \(3,\)"),
        (torch.tensor([0.1, float("nan"), 0.3]), "non-finite"),
    ],
)
def test_path_rejects_bad_times(t, message):
    with pytest.raises(ValueError, match=message):
        CondOTPath().sample(torch.zeros(3, 2), torch.zeros(3, 2), t)


def test_path_rejects_bad_points_and_sigma():
    path = CondOTPath()
    with pytest.raises(ValueError, match="same shape"):
        path.sample(torch.zeros(3, 2), torch.zeros(3, 3), 0.5)
    with pytest.raises(ValueError, match=r"expected \(batch, dim"):
        path.sample(torch.zeros(3), torch.zeros(3), 0.5)
    with pytest.raises(TypeError, match="floating-point"):
        path.sample(torch.zeros(3, 2, dtype=torch.long), torch.zeros(3, 2), 0.5)
    with pytest.raises(ValueError, match=r"sigma_min must lie in \[0, 1\)"):
        CondOTPath(sigma_min=1.0)
    with pytest.raises(ValueError, match="undefined at t = 1"):
        path.conditional_velocity(torch.zeros(2, 2), torch.zeros(2, 2), 1.0)


@pytest.mark.parametrize("embedding", ["concat", "sinusoidal"])
def test_velocity_mlp_takes_x_and_t_in_every_form(embedding):
    v = VelocityMLP(3, hidden=16, depth=2, time_embedding=embedding)
    x = torch.randn(4, 3)
    out = v(x, 0.25)
    assert out.shape == (4, 3)
    assert torch.equal(out, v(x, torch.tensor(0.25))) and torch.equal(out, v(x, torch.full((4, 1), 0.25)))
    assert not torch.allclose(out, v(x, 0.75))  # the field depends on time
    first = v.net[0]
    assert first.in_features == (4 if embedding == "concat" else 3 + 2 * v.frequencies)


def test_velocity_mlp_bad_arguments():
    with pytest.raises(ValueError, match="unknown time_embedding 'fourier'"):
        VelocityMLP(2, time_embedding="fourier")
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        VelocityMLP(0)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        VelocityMLP(2, act="swish")
    with pytest.raises(ValueError, match=r"t has shape \(3,\); expected a number or shape \(4,\)"):
        VelocityMLP(2)(torch.zeros(4, 2), torch.zeros(3))


def test_cfm_loss_is_minimised_by_the_marginal_velocity():
    """Data N(mu, s² I): the exact marginal velocity has a lower CFM loss than perturbations of it,
    and its loss is the conditional variance (not 0)."""
    mu, s = torch.tensor([2.0, -1.0], dtype=torch.float64), 0.5
    g = torch.Generator().manual_seed(0)
    n = 200_000
    x_0 = torch.randn(n, 2, generator=g, dtype=torch.float64)
    x_1 = mu + s * torch.randn(n, 2, generator=g, dtype=torch.float64)
    t = torch.rand(n, generator=g, dtype=torch.float64)

    def marginal(x, t, bias=0.0):
        t = t[:, None]
        var = (1 - t) ** 2 + t**2 * s**2
        return mu + (t * s**2 - (1 - t)) / var * (x - t * mu) + bias

    path = CondOTPath()
    best = cfm_loss(marginal, path, x_0, x_1, t)
    assert best > 0.5  # the conditional variance: the CFM loss of a perfect model is not zero
    for bias in (0.05, -0.05):
        assert cfm_loss(lambda x, t, bias=bias: marginal(x, t, bias), path, x_0, x_1, t) > best


def test_training_with_fit_learns_a_field_that_samples_the_data():
    train = datasets.sample("8gaussians", 20_000, seed=0)
    velocity, history = train_fm(train, hidden=64, depth=2, steps=250, batch_size=256, lr=3e-3, seed=0)
    first, last = sum(history.loss[:10]) / 10, sum(history.loss[-50:]) / 50
    assert last < 0.75 * first
    x = solve(velocity, torch.randn(2000, 2, generator=torch.Generator().manual_seed(1)), "midpoint", 10)
    radius = x.norm(dim=1)  # the 8 Gaussians sit on the circle of radius 2√2
    assert abs(radius.median().item() - 2.83) < 0.3
    # the same fit loop with an explicit CFMObjective is the same run
    _, short = train_fm(train, hidden=16, depth=2, steps=15, batch_size=64, seed=3)
    torch.manual_seed(3)
    again = VelocityMLP(2, hidden=16, depth=2)
    history2 = fit(again, train, loss=CFMObjective(), steps=15, batch_size=64, seed=3, progress=False)
    assert history2.loss == short.loss


def test_velocity_checkpoint_round_trip(tmp_path):
    v = VelocityMLP(2, hidden=8, depth=2, time_embedding="sinusoidal", frequencies=3)
    path = checkpoints.save(tmp_path / "v.pt", v, "velocity_mlp", v.config(), {"nll": 1.0})
    loaded, meta = checkpoints.load(path)
    x = torch.randn(4, 2)
    assert torch.equal(loaded(x, 0.3), v(x, 0.3)) and loaded.config() == v.config() and meta == {"nll": 1.0}
    torch.save({"kind": "flow"}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="not an explainer checkpoint"):
        checkpoints.load(tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="no checkpoint at"):
        checkpoints.load(tmp_path / "missing.pt")


def test_cli_trains_flow_matching_and_reports(capsys):
    code = main(
        [
            "train",
            "--model",
            "fm",
            "--data",
            "8gaussians",
            "--steps",
            "20",
            "--hidden",
            "16",
            "--train-size",
            "2000",
            "--test-size",
            "500",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    for text in ("test NLL", "true entropy", "gap", "energy distance", "dopri5", "NFE   10"):
        assert text in out, text
