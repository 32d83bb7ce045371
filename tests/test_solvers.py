"""ODE solvers against a field with a known solution: accuracy, convergence order, NFE, direction."""

from __future__ import annotations

import math

import pytest
import torch

from explainer.matching import fixed_nfe, solve

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


ROTATION = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=torch.float64)


def spinning(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """dx/dt = (1 + t) R x, R the 90° rotation generator: x(t) = rot(t + t²/2) x(0)."""
    return (1 + t) * x @ ROTATION.T


def exact(x0: torch.Tensor, t0: float, t1: float) -> torch.Tensor:
    angle = (t1 + t1**2 / 2) - (t0 + t0**2 / 2)
    c, s = math.cos(angle), math.sin(angle)
    return x0 @ torch.tensor([[c, -s], [s, c]], dtype=torch.float64).T


X0 = torch.tensor([[1.0, 0.0], [0.3, -2.0], [-1.5, 0.7]], dtype=torch.float64)


@pytest.mark.parametrize("method,order", [("euler", 1), ("midpoint", 2), ("rk4", 4)])
@pytest.mark.parametrize("t0,t1", [(0.0, 1.0), (1.0, 0.0)])
def test_error_shrinks_at_the_method_order(method, order, t0, t1):
    errors = []
    for steps in (16, 32, 64, 128):
        x = solve(spinning, X0, method, steps=steps, t0=t0, t1=t1)
        errors.append((x - exact(X0, t0, t1)).abs().max().item())
    measured = [math.log2(a / b) for a, b in zip(errors[:-1], errors[1:])]
    assert all(abs(m - order) < 0.2 for m in measured), (method, measured)


@pytest.mark.parametrize("method", ["euler", "midpoint", "rk4"])
def test_fixed_step_nfe_and_intermediates(method):
    calls = []
    sol = solve(
        lambda x, t: (calls.append(t.item()), spinning(x, t))[1], X0, method, steps=5, return_intermediates=True
    )
    assert sol.nfe == fixed_nfe(method, 5) == len(calls)
    assert sol.xs.shape == (6, 3, 2) and torch.equal(sol.xs[0], X0) and torch.equal(sol.xs[-1], sol.x)
    assert torch.allclose(sol.t, torch.linspace(0, 1, 6, dtype=torch.float64))
    assert min(calls) >= 0.0 and max(calls) <= 1.0


def test_dopri5_meets_its_tolerance_and_spends_more_for_tighter_ones():
    results = {}
    for tol in (1e-4, 1e-7, 1e-10):
        sol = solve(spinning, X0, "dopri5", atol=tol, rtol=tol, return_intermediates=True)
        error = (sol.x - exact(X0, 0.0, 1.0)).abs().max().item()
        results[tol] = (error, sol.nfe)
        assert error < 50 * tol, (tol, error)
        assert sol.nfe == 2 + 6 * (sol.accepted + sol.rejected)
        assert sol.t[0] == 0.0 and sol.t[-1] == 1.0 and (sol.t.diff() > 0).all()
    assert results[1e-4][1] < results[1e-7][1] < results[1e-10][1]


def test_dopri5_backwards_inverts_forwards():
    x1 = solve(spinning, X0, "dopri5", atol=1e-9, rtol=1e-9)
    back = solve(spinning, x1, "dopri5", t0=1.0, t1=0.0, atol=1e-9, rtol=1e-9, return_intermediates=True)
    assert torch.allclose(back.x, X0, atol=1e-7)
    assert back.t[0] == 1.0 and back.t[-1] == 0.0 and (back.t.diff() < 0).all()


def test_partial_interval_and_non_uniform_grid():
    x = solve(spinning, X0, "rk4", steps=40, t0=0.25, t1=0.75)
    assert torch.allclose(x, exact(X0, 0.25, 0.75), atol=1e-9)
    grid = torch.tensor([0.0, 0.1, 0.3, 0.6, 1.0]) ** 1.0
    sol = solve(spinning, X0, "rk4", time_grid=torch.linspace(0, 1, 41) ** 2, return_intermediates=True)
    assert sol.nfe == 160 and torch.allclose(sol.x, exact(X0, 0.0, 1.0), atol=1e-6)
    assert solve(spinning, X0, "euler", time_grid=grid).shape == X0.shape


def test_solve_does_not_build_a_graph_unless_asked():
    w = torch.tensor(2.0, requires_grad=True)
    x0 = torch.ones(2, 1)
    assert not solve(lambda x, t: w * x, x0, "euler", steps=3).requires_grad
    x = solve(lambda x, t: w * x, x0, "euler", steps=3, differentiable=True)
    (grad,) = torch.autograd.grad(x.sum(), w)
    assert torch.allclose(grad, torch.tensor(2 * 3 * (1 + 2 / 3) ** 2 / 3))  # d/dw 2 (1 + w/3)^3


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"method": "heun"}, "unknown method 'heun'"),
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"steps": 2.5}, "steps must be an integer >= 1"),
        ({"t0": -0.1}, "t0 must lie in [0, 1]"),
        ({"t1": 1.5}, "t1 must lie in [0, 1]"),
        ({"t0": 0.5, "t1": 0.5}, "t0 and t1 must differ"),
        ({"atol": 0.0, "method": "dopri5"}, "atol and rtol must be positive"),
        ({"time_grid": torch.tensor([0.0, 0.5, 0.4])}, "strictly increasing or strictly decreasing"),
        ({"time_grid": torch.tensor([0.0, 1.2])}, "time_grid must lie in [0, 1]"),
        ({"time_grid": torch.tensor([0.0, 1.0]), "method": "dopri5"}, "time_grid is for the fixed-step"),
    ],
)
def test_bad_arguments_raise_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        solve(spinning, X0, **kwargs)


def test_bad_states_and_velocities():
    with pytest.raises(ValueError, match=r"x0 has shape \(3,\); expected \(batch, dim\)"):
        solve(spinning, torch.zeros(3))
    with pytest.raises(TypeError, match="floating-point"):
        solve(spinning, torch.zeros(3, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="non-finite"):
        solve(spinning, torch.full((3, 2), math.nan))
    with pytest.raises(ValueError, match=r"must return a tensor of the state's shape \(3, 2\), got \(3, 3\)"):
        solve(lambda x, t: torch.zeros(3, 3), X0)
    with pytest.raises(TypeError, match="velocity must be callable"):
        solve("v", X0)
