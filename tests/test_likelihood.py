"""log_likelihood: exact divergence vs Hutchinson vs closed forms (affine fields, Gaussian data)."""

from __future__ import annotations

import math

import pytest
import torch

from explainer.matching import VelocityMLP, divergence, log_likelihood, solve

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


A = torch.tensor([[-0.4, 1.1], [-0.7, 0.3]], dtype=torch.float64)
B = torch.tensor([0.5, -1.0], dtype=torch.float64)


def affine_field(x, t):
    return x @ A.T + B


def affine_flow_density(x: torch.Tensor) -> torch.Tensor:
    """x_1 = M x_0 + c with [[M, c], [0, 1]] = expm([[A, b], [0, 0]]): p_1 = N(c, M M^T)."""
    block = torch.zeros(3, 3, dtype=torch.float64)
    block[:2, :2], block[:2, 2] = A, B
    e = torch.linalg.matrix_exp(block)
    m, c = e[:2, :2], e[:2, 2]
    return torch.distributions.MultivariateNormal(c, covariance_matrix=m @ m.T).log_prob(x)


def gaussian_marginal_field(mu: torch.Tensor, s: float):
    """The exact marginal velocity of the linear path for data N(mu, s² I):
    u_t(x) = mu + (t s² - (1 - t)) / ((1 - t)² + t² s²) (x - t mu)."""

    def field(x, t):
        var = (1 - t) ** 2 + t**2 * s**2
        return mu + (t * s**2 - (1 - t)) / var * (x - t * mu)

    return field


X = torch.tensor([[0.3, -0.2], [1.5, 0.8], [-2.0, 1.0], [0.0, 3.0]], dtype=torch.float64)


def test_affine_field_matches_the_closed_form_gaussian():
    log_p = log_likelihood(affine_field, X, "rk4", 40)
    assert torch.allclose(log_p, affine_flow_density(X), atol=1e-7)


def test_exact_likelihood_of_the_gaussian_marginal_field_is_the_data_density():
    mu, s = torch.tensor([2.0, -1.0], dtype=torch.float64), 0.5
    field = gaussian_marginal_field(mu, s)
    expected = torch.distributions.Normal(mu, s).log_prob(X).sum(1)
    assert torch.allclose(log_likelihood(field, X, "rk4", 50), expected, atol=1e-6)
    assert torch.allclose(log_likelihood(field, X, "dopri5", atol=1e-9, rtol=1e-9), expected, atol=1e-6)
    # and sampling with that field produces N(mu, s² I)
    x_0 = torch.randn(20_000, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x_1 = solve(field, x_0, "rk4", steps=20)
    assert torch.allclose(x_1.mean(0), mu, atol=0.02)
    assert torch.allclose(x_1.std(0), torch.full((2,), s, dtype=torch.float64), atol=0.02)


def test_hutchinson_is_unbiased_and_agrees_with_the_exact_divergence():
    torch.manual_seed(0)
    velocity = VelocityMLP(2, hidden=16, depth=2).double()
    x = torch.randn(5, 2, dtype=torch.float64)
    exact = log_likelihood(velocity, x, "rk4", 10)
    draws = 400
    for noise in ("rademacher", "gaussian"):
        # each row gets its own epsilon: 400 copies of the 5 points are 400 independent estimates
        many = log_likelihood(velocity, x.repeat(draws, 1), "rk4", 10, estimator="hutchinson", noise=noise)
        estimates = many.reshape(draws, 5)
        error = estimates.mean(0) - exact
        stderr = estimates.std(0) / math.sqrt(estimates.shape[0])
        assert (error.abs() < 4 * stderr + 1e-9).all(), (noise, error, stderr)
        assert (estimates.std(0) > 0).all()  # a genuine estimate, not the exact value


def test_divergence_matches_the_autograd_jacobian_trace():
    torch.manual_seed(1)
    velocity = VelocityMLP(3, hidden=8, depth=2, time_embedding="sinusoidal").double()
    x, t = torch.randn(4, 3, dtype=torch.float64), torch.tensor(0.4, dtype=torch.float64)
    _, div = divergence(velocity, x, t)
    for i in range(4):
        jac = torch.autograd.functional.jacobian(lambda y: velocity(y[None], t)[0], x[i])
        assert torch.isclose(div[i], torch.trace(jac), atol=1e-12)
    eps = torch.randn(4, 3, dtype=torch.float64)
    _, est = divergence(velocity, x, t, "hutchinson", eps)
    for i in range(4):
        jac = torch.autograd.functional.jacobian(lambda y: velocity(y[None], t)[0], x[i])
        assert torch.isclose(est[i], eps[i] @ jac @ eps[i], atol=1e-12)


def test_model_density_integrates_to_one():
    torch.manual_seed(2)
    velocity = VelocityMLP(2, hidden=16, depth=2)
    for p in velocity.parameters():
        p.data.mul_(0.5)
    h = 0.15
    grid = torch.arange(-7, 7, h) + h / 2
    xx, yy = torch.meshgrid(grid, grid, indexing="ij")
    points = torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)
    mass = log_likelihood(velocity, points, "rk4", 8).exp().sum().item() * h * h
    assert abs(mass - 1) < 0.01


def test_return_solution_gives_x0_and_nfe():
    log_p, sol = log_likelihood(affine_field, X, "midpoint", 10, return_solution=True)
    assert sol.nfe == 20 and sol.t[0] == 1.0 and sol.t[-1] == 0.0
    x_0 = solve(affine_field, X, "midpoint", 10, t0=1.0, t1=0.0)
    assert torch.allclose(sol.x[:, :2], x_0)


@pytest.mark.parametrize(
    "kwargs,error,message",
    [
        ({"estimator": "trace"}, ValueError, "unknown divergence estimator 'trace'"),
        ({"noise": "uniform", "estimator": "hutchinson"}, ValueError, "unknown Hutchinson noise 'uniform'"),
        ({"method": "leapfrog"}, ValueError, "unknown method 'leapfrog'"),
        ({"steps": 0}, ValueError, "steps must be an integer >= 1"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        log_likelihood(affine_field, X, **kwargs)


def test_bad_points():
    with pytest.raises(ValueError, match=r"x has shape \(4,\); expected \(batch, d\)"):
        log_likelihood(affine_field, torch.zeros(4))
    with pytest.raises(TypeError, match="floating-point"):
        log_likelihood(affine_field, torch.zeros(4, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="non-finite"):
        log_likelihood(affine_field, torch.full((4, 2), math.inf))
