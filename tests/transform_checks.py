"""Property checks shared by every transform test (vector and image events).

Each check compares a transform against mathematics computed independently of it: the round
trip, autograd's Jacobian and its slogdet, and (for couplings) the Jacobian's zero block.
"""

from __future__ import annotations

import math

import torch


def randomize(module: torch.nn.Module, scale: float = 0.3, seed: int = 0) -> torch.nn.Module:
    """Move every parameter away from its (often identity) initial value, reproducibly."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(scale * torch.randn(p.shape, generator=g, dtype=p.dtype))
    return module


def jacobian(f, x: torch.Tensor) -> torch.Tensor:
    """Per-example Jacobians of ``x -> f(x)[0]`` flattened to ``(batch, D_out, D_in)``."""
    rows = []
    for i in range(x.shape[0]):
        xi = x[i : i + 1]
        jac = torch.autograd.functional.jacobian(lambda v: f(v)[0].reshape(-1), xi)
        rows.append(jac.reshape(jac.shape[0], -1))
    return torch.stack(rows)


def check_round_trip(t, x: torch.Tensor, tol: float = 1e-10, conditioned: bool = False) -> None:
    """``inverse(forward(x)) == x`` within ``tol``. With ``conditioned=True`` (elementwise maps such
    as couplings, whose Jacobian diagonal holds each entry's derivative) the tolerance of entry i
    is ``tol * max(1, 1 / |dz_i/dx_i|)``: inverting a nearly flat map loses digits whatever the
    algorithm, so only error beyond the problem's own conditioning counts."""
    z, logabsdet = t(x)
    x_back, logabsdet_inv = t.inverse(z)
    assert z.shape[0] == x.shape[0] and tuple(z.shape[1:]) == tuple(t.out_shape)
    assert logabsdet.shape == (x.shape[0],) and logabsdet_inv.shape == (x.shape[0],)
    if conditioned:
        slope = torch.diagonal(jacobian(t, x), dim1=1, dim2=2).abs().reshape(x.shape)
        ratio = ((x_back - x).abs() / slope.reciprocal().clamp_min(1.0)).max().item()
        assert ratio <= tol, f"{type(t).__name__}: round-trip error {ratio:.3g} x conditioning > {tol}"
        return
    err = (x_back - x).abs().max().item()
    assert err <= tol, f"{type(t).__name__}: round-trip error {err:.3g} > {tol}"
    total = (logabsdet + logabsdet_inv).abs().max().item()
    assert total <= tol * 100, f"{type(t).__name__}: forward + inverse log-dets = {total:.3g}, not 0"


def check_logabsdet(t, x: torch.Tensor, tol: float = 1e-8) -> None:
    """The log-det of both directions against slogdet of the autograd Jacobian, within ``tol``
    relative to the log-det's size: for a nearly flat map (log-det -16, say) the autograd
    Jacobian of the inverse, taken through the quadratic root of a spline, is itself only good to
    ~1e-9 relative in float64 (seen by hypothesis with the code before and after the spline's
    rewrite: 9.2e-9 and 1.2e-8 on the same example)."""
    _, logabsdet = t(x)
    jac = jacobian(t, x)
    assert jac.shape[1] == jac.shape[2], "a bijection has a square Jacobian"
    expected = torch.linalg.slogdet(jac).logabsdet
    err = ((logabsdet - expected).abs() / (1 + expected.abs())).max().item()
    assert err <= tol, f"{type(t).__name__}: logabsdet off by {err:.3g} (relative) from slogdet(autograd Jacobian)"
    # the inverse's log-det is the log-det of the inverse's own Jacobian
    z = t(x)[0].detach()
    _, logabsdet_inv = t.inverse(z)
    expected_inv = torch.linalg.slogdet(jacobian(t.inverse, z)).logabsdet
    err_inv = ((logabsdet_inv - expected_inv).abs() / (1 + expected_inv.abs())).max().item()
    assert err_inv <= tol, f"{type(t).__name__}: inverse logabsdet off by {err_inv:.3g} (relative)"


def check_triangular(t, x: torch.Tensor) -> None:
    """For a coupling: outputs of the pass-through part do not depend on the transformed part
    (that block of the Jacobian is exactly zero), and the pass-through block is the identity."""
    mask = t.mask.reshape(-1)
    jac = jacobian(t, x)
    a, b = mask.nonzero().squeeze(-1), (~mask).nonzero().squeeze(-1)
    zero_block = jac[:, a][:, :, b]
    assert torch.count_nonzero(zero_block) == 0, "dz_A/dx_B must be exactly zero"
    eye = torch.eye(len(a), dtype=x.dtype).expand(x.shape[0], -1, -1)
    assert torch.equal(jac[:, a][:, :, a], eye), "dz_A/dx_A must be the identity"


def check_not_identity(t, x: torch.Tensor) -> None:
    z, logabsdet = t(x)
    moved = (
        (z.reshape(x.shape[0], -1) - x.reshape(x.shape[0], -1)).abs().max().item() if z.shape == x.shape else math.inf
    )
    assert moved > 1e-3 or logabsdet.abs().max().item() > 1e-3, (
        f"{type(t).__name__} is (close to) the identity here: the test would prove nothing"
    )
