r"""Monotone rational-quadratic splines (Durkan et al., 2019, "Neural Spline Flows").

On :math:`[-B, B]` the spline has ``K`` bins with knots :math:`(x^{(k)}, y^{(k)})` and positive
knot derivatives :math:`\delta^{(k)}`. In bin ``k`` with width :math:`w_k`, height :math:`h_k`,
slope :math:`s_k = h_k / w_k` and :math:`\xi = (x - x^{(k)}) / w_k \in [0, 1]`:

.. math::

    y = y^{(k)} + \frac{h_k\,[s_k \xi^2 + \delta^{(k)} \xi (1 - \xi)]}
                        {s_k + (\delta^{(k+1)} + \delta^{(k)} - 2 s_k)\, \xi (1 - \xi)}

Outside :math:`[-B, B]` the map is the identity (linear tails); the boundary derivatives are 1,
so the spline joins its tails with a continuous derivative.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MIN_BIN_WIDTH = 1e-3
MIN_BIN_HEIGHT = 1e-3
MIN_DERIVATIVE = 1e-3

# softplus(DERIVATIVE_SHIFT) + MIN_DERIVATIVE == 1: all-zero raw parameters give the identity.
DERIVATIVE_SHIFT = math.log(math.expm1(1.0 - MIN_DERIVATIVE))


def _knots(unnormalized: torch.Tensor, bound: float, minimum: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Bin sizes (softmax, floored at ``minimum``) and the K+1 knot positions on [-B, B]."""
    k = unnormalized.shape[-1]
    fractions = minimum + (1 - minimum * k) * torch.softmax(unnormalized, dim=-1)
    knots = F.pad(torch.cumsum(fractions, dim=-1), (1, 0), value=0.0)
    knots = 2 * bound * knots - bound
    knots = torch.cat(
        [torch.full_like(knots[..., :1], -bound), knots[..., 1:-1], torch.full_like(knots[..., :1], bound)], dim=-1
    )
    return knots[..., 1:] - knots[..., :-1], knots


def _gather(values: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    return values.gather(-1, index).squeeze(-1)


def check_spline_parameters(
    widths: torch.Tensor,
    heights: torch.Tensor,
    derivatives: torch.Tensor,
    bound: float,
    min_bin_width: float,
    min_bin_height: float,
    min_derivative: float,
) -> int:
    """Validate shapes and constants; return the number of bins ``K``."""
    k = widths.shape[-1]
    if k < 2:
        raise ValueError(f"a rational-quadratic spline needs at least 2 bins, got {k}")
    if heights.shape[-1] != k or derivatives.shape[-1] != k - 1:
        raise ValueError(
            "spline parameters need K widths, K heights and K-1 interior derivatives; got "
            f"{widths.shape[-1]}, {heights.shape[-1]} and {derivatives.shape[-1]}"
        )
    if not (widths.shape[:-1] == heights.shape[:-1] == derivatives.shape[:-1]):
        raise ValueError("widths, heights and derivatives must share their leading shape")
    if not bound > 0:
        raise ValueError(f"spline bound B must be positive, got {bound}")
    for name, value in (("min_bin_width", min_bin_width), ("min_bin_height", min_bin_height)):
        if not 0 <= value * k < 1:
            raise ValueError(f"{name} * bins must lie in [0, 1); got {value} * {k} = {value * k}")
    if not min_derivative > 0:
        raise ValueError(f"min_derivative must be positive, got {min_derivative}")
    return k


def rational_quadratic_spline(
    x: torch.Tensor,
    unnormalized_widths: torch.Tensor,
    unnormalized_heights: torch.Tensor,
    unnormalized_derivatives: torch.Tensor,
    *,
    inverse: bool = False,
    bound: float = 5.0,
    min_bin_width: float = MIN_BIN_WIDTH,
    min_bin_height: float = MIN_BIN_HEIGHT,
    min_derivative: float = MIN_DERIVATIVE,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Apply an elementwise monotone rational-quadratic spline (or its inverse).

    Arguments:
        x: inputs of any shape ``(...)``.
        unnormalized_widths, unnormalized_heights: ``(..., K)`` raw bin sizes (softmax-normalised).
        unnormalized_derivatives: ``(..., K - 1)`` raw interior knot derivatives
            (:math:`\delta = \text{min\_derivative} + \mathrm{softplus}(\cdot + \text{shift})`).
        inverse: apply :math:`f^{-1}` instead, via the stable root of a quadratic.
        bound: the spline acts on :math:`[-B, B]`; outside it is the identity.

    Returns:
        ``(y, logabsdet)`` both of shape ``(...)``: elementwise :math:`\log|dy/dx|` of the map
        that was applied.

    Example:
        >>> x = torch.linspace(-6, 6, 7)
        >>> zeros = torch.zeros(7, 4), torch.zeros(7, 4), torch.zeros(7, 3)
        >>> y, logabsdet = rational_quadratic_spline(x, *zeros)   # zero parameters: identity
        >>> torch.allclose(y, x), torch.allclose(logabsdet, torch.zeros(7), atol=1e-6)
        (True, True)
        >>> w, h, d = torch.randn(7, 4), torch.randn(7, 4), torch.randn(7, 3)
        >>> y, ld = rational_quadratic_spline(x, w, h, d)
        >>> x_back, ld_inv = rational_quadratic_spline(y, w, h, d, inverse=True)
        >>> torch.allclose(x_back, x, atol=1e-5), torch.allclose(ld + ld_inv, torch.zeros(7), atol=1e-5)
        (True, True)
    """
    check_spline_parameters(
        unnormalized_widths,
        unnormalized_heights,
        unnormalized_derivatives,
        bound,
        min_bin_width,
        min_bin_height,
        min_derivative,
    )
    if x.dtype in (torch.float32, torch.float16, torch.bfloat16):
        # The knots are cumulative sums and the inverse solves a quadratic: in float32 their
        # rounding errors reach ~1e-5 after a few layers. The arithmetic is elementwise and cheap
        # next to the conditioner, so do it in float64 and round once at the end.
        y, logabsdet = rational_quadratic_spline(
            x.double(),
            unnormalized_widths.double(),
            unnormalized_heights.double(),
            unnormalized_derivatives.double(),
            inverse=inverse,
            bound=bound,
            min_bin_width=min_bin_width,
            min_bin_height=min_bin_height,
            min_derivative=min_derivative,
        )
        return y.to(x.dtype), logabsdet.to(x.dtype)
    inside = (x >= -bound) & (x <= bound)
    x_in = x.clamp(-bound, bound)

    widths, x_knots = _knots(unnormalized_widths, bound, min_bin_width)
    heights, y_knots = _knots(unnormalized_heights, bound, min_bin_height)
    interior = min_derivative + F.softplus(unnormalized_derivatives + DERIVATIVE_SHIFT)
    derivatives = F.pad(interior, (1, 1), value=1.0)  # boundary derivatives 1: linear tails

    knots = y_knots if inverse else x_knots
    k = widths.shape[-1]
    index = torch.searchsorted(knots[..., 1:-1].contiguous(), x_in[..., None].contiguous(), right=True).clamp(0, k - 1)

    x_k, y_k = _gather(x_knots, index), _gather(y_knots, index)
    w_k, h_k = _gather(widths, index), _gather(heights, index)
    d_k, d_k1 = _gather(derivatives, index), _gather(derivatives[..., 1:], index)
    s_k = h_k / w_k
    curvature = d_k1 + d_k - 2 * s_k

    if inverse:
        dy = x_in - y_k
        a = h_k * (s_k - d_k) + dy * curvature
        b = h_k * d_k - dy * curvature
        c = -s_k * dy
        discriminant = (b.pow(2) - 4 * a * c).clamp_min(0)
        root = torch.sqrt(discriminant)
        # One root, two formulas: r = (-b + root) / 2a = 2c / (-b - root). Take the one whose
        # denominator adds terms of one sign, so nothing cancels: 2c / (-b - root) when b >= 0,
        # (-b + root) / 2a when b < 0. (Safe denominators keep the unused branch finite.)
        positive = b >= 0
        xi = torch.where(
            positive, 2 * c / torch.where(positive, -b - root, -1.0), (-b + root) / torch.where(positive, 1.0, 2 * a)
        )
        xi = xi.clamp(0, 1)
        out = xi * w_k + x_k
    else:
        xi = ((x_in - x_k) / w_k).clamp(0, 1)
        out = y_k + h_k * (s_k * xi.pow(2) + d_k * xi * (1 - xi)) / (s_k + curvature * xi * (1 - xi))

    one_minus = 1 - xi
    denominator = s_k + curvature * xi * one_minus
    derivative = s_k.pow(2) * (d_k1 * xi.pow(2) + 2 * s_k * xi * one_minus + d_k * one_minus.pow(2))
    logabsdet = torch.log(derivative) - 2 * torch.log(denominator)
    if inverse:
        logabsdet = -logabsdet
    return torch.where(inside, out, x), torch.where(inside, logabsdet, torch.zeros_like(logabsdet))
