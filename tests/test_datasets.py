"""The toy densities: samples follow log_prob, log_prob integrates to 1, entropy matches Monte Carlo."""

from __future__ import annotations

import math

import pytest
import torch

from explainer import datasets


def _grid(half: float, cells: int):
    h = 2 * half / cells
    c = -half + h * (torch.arange(cells, dtype=torch.float64) + 0.5)
    gx, gy = torch.meshgrid(c, c, indexing="ij")
    return torch.stack([gx.reshape(-1), gy.reshape(-1)], 1), h


@pytest.mark.parametrize("name", datasets.NAMES)
def test_density_integrates_to_one(name):
    x, h = _grid(6.0, 480)  # cell edges align with the checkerboard squares
    mass = datasets.log_prob(name, x).exp().sum().item() * h * h
    assert abs(mass - 1) < 2e-3


@pytest.mark.parametrize("name", datasets.NAMES)
def test_entropy_matches_monte_carlo_on_samples(name):
    """-mean log p over samples is an unbiased estimate of H: the sampler and log_prob agree."""
    x = datasets.sample(name, 40_000, seed=11).double()
    logp = datasets.log_prob(name, x)
    assert torch.isfinite(logp).all(), "every sample must lie in the support"
    estimate, stderr = -logp.mean().item(), logp.std().item() / math.sqrt(len(logp))
    assert abs(estimate - datasets.entropy(name)) < 4 * stderr + 1e-3


@pytest.mark.parametrize("name", datasets.NAMES)
def test_samples_are_seeded(name):
    assert torch.equal(datasets.sample(name, 50, seed=1), datasets.sample(name, 50, seed=1))
    assert not torch.equal(datasets.sample(name, 50, seed=1), datasets.sample(name, 50, seed=2))


def test_moons_quadrature_is_converged():
    x = datasets.sample("moons", 500, seed=3).double()
    reference = datasets.log_prob("moons", x)
    old = datasets.MOON_QUADRATURE_NODES
    try:
        datasets.MOON_QUADRATURE_NODES = 4 * old
        assert (datasets.log_prob("moons", x) - reference).abs().max() < 1e-9
    finally:
        datasets.MOON_QUADRATURE_NODES = old


def test_digits_split():
    train, test = datasets.digits(seed=0)
    assert train.shape[1:] == (1, 8, 8) and train.shape[0] + test.shape[0] == 1797
    assert int(train.max()) == 16 and int(train.min()) == 0
