r"""ODE solvers for :math:`\dfrac{dx}{dt} = v(x, t)`, from :math:`t_0` to :math:`t_1`.

One interface for every method: ``solve(velocity, x0, method, steps, t0, t1, return_intermediates)``.
Forwards (:math:`t_0 = 0 \to t_1 = 1`) carries noise to data; backwards (:math:`t_0 = 1 \to
t_1 = 0`) carries data to noise. The solver never sees the probability path.

Fixed-step methods, with :math:`h = (t_1 - t_0)/N` and :math:`t_n = t_0 + n h`:

- ``euler`` (order 1, 1 evaluation per step): :math:`x_{n+1} = x_n + h\,v(x_n, t_n)`;
- ``midpoint`` (order 2, 2 per step): :math:`x_{n+1} = x_n + h\,v(x_n + \tfrac h2 v(x_n, t_n),\ t_n + \tfrac h2)`;
- ``rk4`` (order 4, 4 per step): classical Runge–Kutta.

``dopri5`` is the adaptive Dormand–Prince 5(4) pair: 7 stages, the 7th reused as the next step's
first ("first same as last"), so 6 new evaluations per step; the difference between the 5th- and
4th-order results estimates the local error, and the step is accepted when
:math:`\sqrt{\mathrm{mean}\big(e_i / (\text{atol} + \text{rtol}\max(|x_i|, |x'_i|))\big)^2} \le 1`
(the mean runs over every coordinate of every sample in the batch).

**NFE.** The cost of a solve is its number of function evaluations (NFE) of ``v``. Fixed-step
methods use :func:`fixed_nfe` evaluations (``steps`` × stages); adaptive ones decide at run time.
``solve(..., return_intermediates=True)`` returns a :class:`Solution` that carries ``nfe``, the
times and the states (the trajectory); without it ``solve`` returns the final state only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

METHODS = ("euler", "midpoint", "rk4", "dopri5")
STAGES = {"euler": 1, "midpoint": 2, "rk4": 4}

Velocity = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class Solution:
    """The result of :func:`solve` with ``return_intermediates=True``.

    Attributes:
        x: the state at ``t1``, shape of ``x0``.
        t: the times of the recorded states, shape ``(K,)`` (``t[0] = t0``, ``t[-1] = t1``).
        xs: the recorded states, shape ``(K, *x0.shape)``; ``xs[-1]`` is ``x``.
        nfe: number of evaluations of the velocity.
        accepted, rejected: steps taken and (adaptive only) steps rejected.
    """

    x: torch.Tensor
    t: torch.Tensor
    xs: torch.Tensor
    nfe: int
    method: str
    accepted: int
    rejected: int = 0


def fixed_nfe(method: str, steps: int) -> int:
    """Evaluations used by a fixed-step method: ``steps`` × stages.

    >>> fixed_nfe("euler", 100), fixed_nfe("midpoint", 50), fixed_nfe("rk4", 25)
    (100, 100, 100)
    """
    if method not in STAGES:
        raise ValueError(f"fixed_nfe is for fixed-step methods {tuple(STAGES)}, got {method!r}")
    return STAGES[method] * steps


class _Counted:
    """Wrap ``velocity``: evaluate at a 0-dim time tensor, check the output, count calls."""

    def __init__(self, velocity: Velocity, x0: torch.Tensor):
        self.velocity, self.nfe, self.shape = velocity, 0, x0.shape
        self.dtype, self.device = x0.dtype, x0.device

    def __call__(self, x: torch.Tensor, t: float) -> torch.Tensor:
        self.nfe += 1
        out = self.velocity(x, torch.tensor(t, dtype=self.dtype, device=self.device))
        if self.nfe == 1 and (not isinstance(out, torch.Tensor) or out.shape != self.shape):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(f"velocity(x, t) must return a tensor of the state's shape {tuple(self.shape)}, got {got}")
        return out


def _step(method: str, f: _Counted, x: torch.Tensor, t: float, h: float) -> torch.Tensor:
    if method == "euler":
        return x + h * f(x, t)
    if method == "midpoint":
        k1 = f(x, t)
        return x + h * f(x + (0.5 * h) * k1, t + 0.5 * h)
    k1 = f(x, t)
    k2 = f(x + (0.5 * h) * k1, t + 0.5 * h)
    k3 = f(x + (0.5 * h) * k2, t + 0.5 * h)
    k4 = f(x + h * k3, t + h)
    return x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)


# Dormand–Prince 5(4): nodes c, matrix a, 5th-order weights b5 (= last row of a) and 4th-order b4.
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = (
    (),
    (1 / 5,),
    (3 / 40, 9 / 40),
    (44 / 45, -56 / 15, 32 / 9),
    (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
    (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
    (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84),
)
_B5 = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0)
_B4 = (5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40)
_E = tuple(b5 - b4 for b5, b4 in zip(_B5, _B4))


def _combine(x: torch.Tensor, h: float, weights, ks) -> torch.Tensor:
    out = x
    for w, k in zip(weights, ks):
        if w != 0.0:
            out = out + (h * w) * k
    return out


def _rms(v: torch.Tensor) -> float:
    return v.pow(2).mean().sqrt().item()


def _dopri5(f: _Counted, x: torch.Tensor, t0: float, t1: float, atol: float, rtol: float, max_steps: int, record: bool):
    direction = 1.0 if t1 > t0 else -1.0
    span = abs(t1 - t0)
    k1 = f(x, t0)
    # Initial step (Hairer, Nørsett & Wanner, Solving ODEs I, II.4).
    scale = atol + rtol * x.abs()
    d0, d1 = _rms(x / scale), _rms(k1 / scale)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, span)
    k_probe = f(x + direction * h0 * k1, t0 + direction * h0)
    d2 = _rms((k_probe - k1) / scale) / h0
    h = (0.01 / max(d1, d2)) ** 0.2 if max(d1, d2) > 1e-15 else max(1e-6, h0 * 1e-3)
    h = min(100 * h0, h, span)
    t, times, states = t0, [t0], [x]
    accepted = rejected = 0
    while direction * (t1 - t) > 1e-12 * max(1.0, span):
        if accepted + rejected >= max_steps:
            raise RuntimeError(
                f"dopri5 did not reach t1 = {t1} within max_steps = {max_steps} steps "
                f"(t = {t:.6g}); loosen atol/rtol or raise max_steps"
            )
        last = h >= direction * (t1 - t)
        if last:
            h = direction * (t1 - t)
        hs = direction * h
        ks = [k1]
        for i in range(1, 7):
            ks.append(f(_combine(x, hs, _A[i], ks), t + _C[i] * hs))
        x_new = _combine(x, hs, _A[6], ks)
        error = _combine(torch.zeros_like(x), hs, _E, ks)
        scale = atol + rtol * torch.maximum(x.abs(), x_new.abs())
        err = _rms(error / scale)
        if not math.isfinite(err):
            raise FloatingPointError("dopri5: the error estimate is not finite (the velocity produced nan or inf)")
        if err <= 1.0:
            t = t1 if last else t + hs
            x, k1 = x_new, ks[6]  # first same as last
            accepted += 1
            if record:
                times.append(t)
                states.append(x)
            factor = 10.0 if err == 0 else min(10.0, max(0.2, 0.9 * err**-0.2))
        else:
            rejected += 1
            factor = max(0.2, 0.9 * err**-0.2)
        h = h * factor
        if h < 1e-12 * max(1.0, span):
            raise RuntimeError(f"dopri5: step size underflow at t = {t:.6g}; the field may be too stiff")
    return x, times, states, accepted, rejected


def _check_time(value, name: str) -> float:
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a single time in [0, 1], got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1] (t = 0 noise, t = 1 data), got {value}")
    return float(value)


def solve(
    velocity: Velocity,
    x0: torch.Tensor,
    method: str = "euler",
    steps: int = 100,
    t0: float = 0.0,
    t1: float = 1.0,
    return_intermediates: bool = False,
    *,
    time_grid: torch.Tensor | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    max_steps: int = 10_000,
    differentiable: bool = False,
):
    r"""Integrate :math:`dx/dt = v(x, t)` from ``x0`` at ``t0`` to ``t1``.

    Arguments:
        velocity: ``velocity(x, t) -> dx/dt`` with ``x`` of ``x0``'s shape and ``t`` a 0-dim tensor.
        x0: the initial state, shape ``(batch, dim)`` (noise when ``t0 = 0``, data when ``t0 = 1``).
        method: ``"euler"``, ``"midpoint"``, ``"rk4"`` or ``"dopri5"`` (adaptive).
        steps: number of uniform steps for the fixed-step methods (ignored by ``dopri5``).
        t0, t1: start and end times in [0, 1]; ``t1 < t0`` integrates backwards.
        return_intermediates: return a :class:`Solution` (final state, times, states, NFE)
            instead of the final state alone.
        time_grid: an explicit increasing (or decreasing) grid of times for the fixed-step
            methods, replacing ``steps``/``t0``/``t1``.
        atol, rtol: tolerances of ``dopri5``.
        differentiable: keep the autograd graph (default: run under ``torch.no_grad``).

    Example (``dx/dt = x`` from 0 to 1 multiplies by e):
        >>> x0 = torch.ones(1, 1, dtype=torch.float64)
        >>> solve(lambda x, t: x, x0, "rk4", steps=10).item()
        2.7182797...
        >>> sol = solve(lambda x, t: x, x0, "dopri5", return_intermediates=True)
        >>> round(sol.x.item(), 4), sol.nfe == 2 + 6 * (sol.accepted + sol.rejected), sol.xs.shape[0] == sol.t.shape[0]
        (2.7183, True, True)
        >>> solve(lambda x, t: x, sol.x, "rk4", steps=20, t0=1.0, t1=0.0).item()   # backwards: undoes it
        1.0000...
        >>> solve(lambda x, t: x, x0, "heun")
        Traceback (most recent call last):
        ...
        ValueError: unknown method 'heun'; choose one of ('euler', 'midpoint', 'rk4', 'dopri5')
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if not callable(velocity):
        raise TypeError(f"velocity must be callable as velocity(x, t), got {type(velocity).__name__}")
    if not isinstance(x0, torch.Tensor) or not x0.is_floating_point():
        raise TypeError("x0 must be a floating-point torch.Tensor of shape (batch, dim)")
    if x0.dim() < 2:
        raise ValueError(f"x0 has shape {tuple(x0.shape)}; expected (batch, dim)")
    if not torch.isfinite(x0).all():
        raise ValueError("x0 contains non-finite values (nan or inf)")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if not (atol > 0 and rtol > 0):
        raise ValueError(f"atol and rtol must be positive, got {atol} and {rtol}")
    if time_grid is not None:
        if method == "dopri5":
            raise ValueError("time_grid is for the fixed-step methods; dopri5 chooses its own steps")
        grid = torch.as_tensor(time_grid, dtype=torch.float64).flatten()
        if grid.numel() < 2:
            raise ValueError(f"time_grid needs at least 2 times, got {grid.numel()}")
        diffs = grid.diff()
        if not ((diffs > 0).all() or (diffs < 0).all()):
            raise ValueError("time_grid must be strictly increasing or strictly decreasing")
        times = [_check_time(v, "time_grid") for v in grid.tolist()]
    else:
        t0, t1 = _check_time(t0, "t0"), _check_time(t1, "t1")
        if t0 == t1:
            raise ValueError(f"t0 and t1 must differ, got t0 = t1 = {t0}")
        times = [t0 + (t1 - t0) * n / steps for n in range(steps)] + [t1]
    f = _Counted(velocity, x0)
    with torch.set_grad_enabled(differentiable and torch.is_grad_enabled()):
        if method == "dopri5":
            x, ts, states, accepted, rejected = _dopri5(f, x0, t0, t1, atol, rtol, max_steps, return_intermediates)
        else:
            x, ts, states, rejected = x0, times, [x0], 0
            for a, b in zip(times[:-1], times[1:]):
                x = _step(method, f, x, a, b - a)
                if return_intermediates:
                    states.append(x)
            accepted = len(times) - 1
    if not return_intermediates:
        return x
    return Solution(
        x=x,
        t=torch.tensor(ts, dtype=x0.dtype, device=x0.device),
        xs=torch.stack(states),
        nfe=f.nfe,
        method=method,
        accepted=accepted,
        rejected=rejected,
    )
