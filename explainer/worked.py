r"""The notes' hand-computed examples (note 002, §10), reproduced by the library's own code.

Both use a standard-normal latent in 2D, :math:`\log p_Z(z) = -\tfrac12\|z\|^2 - \log 2\pi`, and
the change of variables :math:`\log p_X(x) = \log p_Z(f(x)) + \log|\det J_f(x)|`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .flow import standard_normal_log_prob
from .transforms import AffineCoupling
from .transforms.masks import alternating_mask


@dataclass(frozen=True)
class WorkedExample:
    """Every intermediate number of a 2D change-of-variables computation."""

    x: tuple[float, float]
    z: tuple[float, float]
    det: float
    logabsdet: float
    norm_sq: float
    log_pz: float
    log_px: float


def linear_example(A=((2.0, 0.5), (0.1, 1.5)), b=(0.3, -0.2), x=(0.5, -1.0)) -> WorkedExample:
    r"""Note 002 §10.1: the affine map :math:`z = A x + b`.

    >>> ex = linear_example()
    >>> [round(v, 4) for v in ex.z], round(ex.det, 4), round(ex.logabsdet, 4)
    ([0.8, -1.65], 2.95, 1.0818)
    >>> round(ex.norm_sq, 4), round(ex.log_pz, 4), round(ex.log_px, 4)
    (3.3625, -3.5191, -2.4373)
    """
    A_t = torch.tensor(A, dtype=torch.float64)
    x_t = torch.tensor([x], dtype=torch.float64)
    z = x_t @ A_t.T + torch.tensor(b, dtype=torch.float64)
    # the Jacobian of x -> Ax + b is A; take it from autograd rather than trusting the algebra
    jac = torch.autograd.functional.jacobian(lambda v: v @ A_t.T, x_t[0])
    det = torch.linalg.det(jac).item()
    log_pz = standard_normal_log_prob(z).item()
    logabsdet = math.log(abs(det))
    return WorkedExample(
        tuple(x), tuple(z[0].tolist()), det, logabsdet, z.pow(2).sum().item(), log_pz, log_pz + logabsdet
    )


def coupling_example(x=(0.5, -1.0), s_slope: float = 0.5, t_slope: float = 0.2) -> WorkedExample:
    r"""Note 002 §10.2: the affine coupling :math:`z_1 = x_1,\ z_2 = x_2 e^{s(x_1)} + t(x_1)` with
    :math:`s(x_1) = 0.5 x_1,\ t(x_1) = 0.2 x_1`, run through :class:`AffineCoupling`.

    >>> ex = coupling_example()
    >>> [round(v, 4) for v in ex.z], round(ex.det, 4), round(ex.logabsdet, 4)
    ([0.5, -1.184], 1.284, 0.25)
    >>> round(ex.norm_sq, 4), round(ex.log_pz, 4), round(ex.log_px, 4)
    (1.6519, -2.6638, -2.4138)
    """
    layer = AffineCoupling(
        alternating_mask(2), scale="exp", conditioner=lambda x_A: torch.cat([s_slope * x_A, t_slope * x_A], dim=1)
    ).double()
    x_t = torch.tensor([x], dtype=torch.float64)
    z, logabsdet = layer(x_t)
    log_pz = standard_normal_log_prob(z).item()
    return WorkedExample(
        tuple(x),
        tuple(z[0].tolist()),
        math.exp(logabsdet.item()),
        logabsdet.item(),
        z.pow(2).sum().item(),
        log_pz,
        log_pz + logabsdet.item(),
    )


def gaussian_1d_example(x: float = 2.0, scale: float = 2.0, shift: float = 1.0) -> float:
    r"""The 1D change of variables: if :math:`z = (x - \text{shift}) / \text{scale}` is standard
    normal then :math:`p_X(x) = \mathcal{N}(z; 0, 1) / \text{scale}`; returns :math:`\log p_X(x)`
    and checks it against ``torch.distributions.Normal(shift, scale)``.

    >>> round(gaussian_1d_example(), 4)
    -1.7371
    """
    z = (x - shift) / scale
    value = -0.5 * z * z - 0.5 * math.log(2 * math.pi) - math.log(scale)
    reference = torch.distributions.Normal(shift, scale).log_prob(torch.tensor(x)).item()
    assert abs(value - reference) < 1e-6
    return value
