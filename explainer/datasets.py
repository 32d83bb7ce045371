r"""Two-dimensional toy densities with exact log-densities, and the scikit-learn digits.

Definitions (the FFJORD toy sets, written out so that their densities are known):

- ``8gaussians``: equal mixture of 8 isotropic Gaussians, means :math:`(4/\sqrt2)\,u_k` on the
  circle (:math:`u_k` the 8 compass directions), std :math:`0.5/\sqrt2`.
- ``checkerboard``: uniform on the 8 black squares (side 2) of a 4×4 board on
  :math:`[-4, 4]^2`; density 1/32, entropy :math:`\log 32`.
- ``circles``: equal mixture of two noisy circles of radius 3 and 1.5 (uniform angle), Gaussian
  noise std 0.24; the density is a Bessel function, :math:`p = \tfrac12 \sum_r
  \tfrac{1}{2\pi\sigma^2} e^{-(\|x\|^2 + r^2)/2\sigma^2} I_0(r\|x\|/\sigma^2)`.
- ``moons``: two half circles (scikit-learn's moons, scaled by 2 and shifted by (−1, −0.2)) with
  Gaussian noise std 0.2; the density is the noise-convolved arc density, computed by
  quadrature over the arc angle.

``entropy(name)`` is :math:`H(p_\mathrm{data}) = -\int p_\mathrm{data} \log p_\mathrm{data}`, the lowest NLL
any model can reach
(:math:`\mathbb{E}_{p_\mathrm{data}}[-\log p_\theta] = H(p_\mathrm{data}) + \mathrm{KL}(p_\mathrm{data}\|p_\theta)`).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import torch
from scipy.special import i0e

NAMES = ("moons", "circles", "8gaussians", "checkerboard")

_SQRT2 = math.sqrt(2.0)
GAUSS_RADIUS, GAUSS_STD = 4.0 / _SQRT2, 0.5 / _SQRT2
CIRCLE_RADII, CIRCLE_STD = (3.0, 1.5), 0.24
MOON_SCALE, MOON_SHIFT, MOON_STD = 2.0, (-1.0, -0.2), 0.2


def _check_name(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"unknown dataset {name!r}; choose one of {list(NAMES)}")
    return name


def _gauss_means() -> torch.Tensor:
    angles = torch.arange(8, dtype=torch.float64) * (math.pi / 4)
    return GAUSS_RADIUS * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)


def _moon_arc(theta: torch.Tensor, which: int) -> torch.Tensor:
    """Point on moon ``which`` (0 upper, 1 lower) at arc angle theta in [0, pi], after scaling."""
    if which == 0:
        xy = torch.stack([torch.cos(theta), torch.sin(theta)], dim=-1)
    else:
        xy = torch.stack([1 - torch.cos(theta), 0.5 - torch.sin(theta)], dim=-1)
    return MOON_SCALE * xy + torch.tensor(MOON_SHIFT, dtype=theta.dtype)


def sample(name: str, n: int, seed: int = 0) -> torch.Tensor:
    """Draw ``n`` points of dataset ``name`` as a float32 tensor ``(n, 2)``, reproducibly.

    >>> x = sample("moons", 1000, seed=0)
    >>> x.shape, x.dtype, torch.equal(x, sample("moons", 1000, seed=0))
    (torch.Size([1000, 2]), torch.float32, True)
    >>> sample("spirals", 10)
    Traceback (most recent call last):
    ...
    ValueError: unknown dataset 'spirals'; choose one of ['moons', 'circles', '8gaussians', 'checkerboard']
    """
    _check_name(name)
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    g = torch.Generator().manual_seed(seed)
    d = torch.float64
    if name == "8gaussians":
        k = torch.randint(0, 8, (n,), generator=g)
        x = _gauss_means()[k] + GAUSS_STD * torch.randn(n, 2, generator=g, dtype=d)
    elif name == "checkerboard":
        x1 = torch.rand(n, generator=g, dtype=d) * 4 - 2
        x2 = torch.rand(n, generator=g, dtype=d) - 2 * torch.randint(0, 2, (n,), generator=g)
        x2 = x2 + torch.floor(x1) % 2
        x = 2 * torch.stack([x1, x2], dim=1)
    elif name == "circles":
        r = torch.tensor(CIRCLE_RADII, dtype=d)[torch.randint(0, 2, (n,), generator=g)]
        phi = 2 * math.pi * torch.rand(n, generator=g, dtype=d)
        x = r[:, None] * torch.stack([torch.cos(phi), torch.sin(phi)], dim=1)
        x = x + CIRCLE_STD * torch.randn(n, 2, generator=g, dtype=d)
    else:  # moons
        which = torch.randint(0, 2, (n,), generator=g)
        theta = math.pi * torch.rand(n, generator=g, dtype=d)
        x = torch.where(which[:, None] == 0, _moon_arc(theta, 0), _moon_arc(theta, 1))
        x = x + MOON_STD * torch.randn(n, 2, generator=g, dtype=d)
    return x.float()


def _gaussian_mixture_log_density(
    x: torch.Tensor, points: torch.Tensor, std: float, log_weights: torch.Tensor
) -> torch.Tensor:
    """log sum_j w_j N(x; points_j, std^2 I) for x (n, 2), points (m, 2), log_weights (m,)."""
    sq = (x[:, None, :] - points[None, :, :]).pow(2).sum(-1)
    log_n = -sq / (2 * std**2) - math.log(2 * math.pi * std**2)
    return torch.logsumexp(log_n + log_weights, dim=1)


MOON_QUADRATURE_NODES = 96  # Gauss-Legendre nodes per arc; error < 1e-9 nats (tests check it)


@functools.cache
def _moon_quadrature(nodes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss-Legendre points on both arcs and log-weights (each arc has mass 1/2)."""
    u, w = np.polynomial.legendre.leggauss(nodes)
    theta = torch.from_numpy(math.pi * (u + 1) / 2)
    log_w = torch.from_numpy(np.log(w / 2)) - math.log(2.0)
    return torch.cat([_moon_arc(theta, 0), _moon_arc(theta, 1)]), torch.cat([log_w, log_w])


def log_prob(name: str, x: torch.Tensor) -> torch.Tensor:
    """Exact log-density of dataset ``name`` at ``x`` (n, 2), in float64 (moons: Gauss-Legendre
    quadrature over the arc angle, error below 1e-9 nats).

    >>> round(log_prob("checkerboard", torch.tensor([[1.0, 1.0]])).item(), 4) == round(-math.log(32), 4)
    True
    >>> log_prob("checkerboard", torch.tensor([[-1.0, 1.0]])).item()
    -inf
    """
    _check_name(name)
    x = torch.as_tensor(x, dtype=torch.float64)
    if x.dim() != 2 or x.shape[1] != 2:
        raise ValueError(f"x has shape {tuple(x.shape)} but the toy datasets are 2D: expected (n, 2)")
    if name == "8gaussians":
        return _gaussian_mixture_log_density(
            x, _gauss_means(), GAUSS_STD, torch.full((8,), -math.log(8.0), dtype=torch.float64)
        )
    if name == "checkerboard":
        cell = torch.floor(x / 2)
        inside = ((x >= -4) & (x < 4)).all(dim=1) & ((cell[:, 0] + cell[:, 1]) % 2 == 0)
        return torch.where(inside, -math.log(32.0), -math.inf).to(torch.float64)
    if name == "circles":
        r_x = x.norm(dim=1)
        s2 = CIRCLE_STD**2
        terms = []
        for r in CIRCLE_RADII:
            a = r * r_x / s2
            terms.append(
                -(r_x - r).pow(2) / (2 * s2) + torch.log(torch.from_numpy(i0e(a.numpy()))) - math.log(2 * math.pi * s2)
            )
        return torch.logsumexp(torch.stack(terms), dim=0) - math.log(2.0)
    arcs, log_w = _moon_quadrature(MOON_QUADRATURE_NODES)
    return torch.cat([_gaussian_mixture_log_density(chunk, arcs, MOON_STD, log_w) for chunk in x.split(8192)])


@functools.cache
def entropy(name: str) -> float:
    r"""Differential entropy :math:`H(p_\mathrm{data})` in nats: closed form for checkerboard, otherwise a
    midpoint rule on a fine grid covering the support (accurate to ~1e-4 nats).

    >>> round(entropy("checkerboard"), 4)
    3.4657
    >>> round(entropy("8gaussians"), 3)
    2.832
    """
    _check_name(name)
    if name == "checkerboard":
        return math.log(32.0)
    half, cells = (6.0, 800) if name != "moons" else (4.0, 640)
    h = 2 * half / cells
    centres = -half + h * (torch.arange(cells, dtype=torch.float64) + 0.5)
    gx, gy = torch.meshgrid(centres, centres, indexing="ij")
    logp = log_prob(name, torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1))
    p = logp.exp()
    return float(-(p * logp).sum() * h * h)


def digits(seed: int = 0, test_fraction: float = 0.2):
    """scikit-learn's 8×8 handwritten digits (1,797 images, grey levels 0..16) as
    ``(train, test)`` uint8 tensors of shape ``(n, 1, 8, 8)``, split reproducibly by ``seed``.

    The digits come with scikit-learn, an optional dependency: ``pip install "flows-explained[digits]"``.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError(
            "explainer.datasets.digits() needs scikit-learn, which holds the 8x8 digits and is an optional "
            'dependency: pip install "flows-explained[digits]" (or pip install scikit-learn)'
        ) from error

    images = torch.from_numpy(np.asarray(load_digits().images, dtype=np.uint8))[:, None]
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(images.shape[0], generator=g)
    n_test = int(round(test_fraction * images.shape[0]))
    return images[order[n_test:]], images[order[:n_test]]
