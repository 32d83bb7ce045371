r"""Permutations and learned invertible linear maps between coupling layers.

A coupling layer leaves :math:`x_A` untouched; mixing coordinates between layers lets every
dimension be transformed and influence every other.
"""

from __future__ import annotations

import torch
from torch import nn

from .base import Transform


def _event_size(event_size) -> int:
    if not isinstance(event_size, int) or event_size < 2:
        raise ValueError(f"event_size must be an integer >= 2, got {event_size!r}")
    return event_size


class Permutation(Transform):
    r""":math:`z = P x` for a fixed permutation ``perm``: :math:`z_i = x_{\pi(i)}`; volume
    preserving, :math:`\log|\det P| = 0`.

    >>> p = Permutation(torch.tensor([2, 0, 1]))
    >>> z, logabsdet = p(torch.tensor([[10.0, 11.0, 12.0]]))
    >>> z.tolist(), p.inverse(z)[0].tolist()
    ([[12.0, 10.0, 11.0]], [[10.0, 11.0, 12.0]])
    """

    def __init__(self, perm: torch.Tensor):
        super().__init__()
        perm = torch.as_tensor(perm, dtype=torch.long)
        d = perm.numel()
        if perm.dim() != 1 or not torch.equal(perm.sort().values, torch.arange(d)):
            raise ValueError(f"perm must be a permutation of 0..{d - 1}, got {perm.tolist()}")
        self.event_shape = (_event_size(d),)
        self.register_buffer("perm", perm)
        self.register_buffer("inverse_perm", torch.argsort(perm))

    def _forward(self, x):
        return x[:, self.perm], x.new_zeros(x.shape[0])

    def _inverse(self, z):
        return z[:, self.inverse_perm], z.new_zeros(z.shape[0])


class ReversePermutation(Permutation):
    """Reverse the order of the coordinates (NICE).

    >>> ReversePermutation(4)(torch.tensor([[1.0, 2.0, 3.0, 4.0]]))[0].tolist()
    [[4.0, 3.0, 2.0, 1.0]]
    """

    def __init__(self, event_size: int):
        super().__init__(torch.arange(_event_size(event_size) - 1, -1, -1))


class RandomPermutation(Permutation):
    """A fixed random shuffle drawn once from ``seed`` (RealNVP). In 2D it is either the
    identity or the swap.

    >>> RandomPermutation(5, seed=1).perm.tolist() == RandomPermutation(5, seed=1).perm.tolist()
    True
    """

    def __init__(self, event_size: int, seed: int = 0):
        g = torch.Generator().manual_seed(seed)
        super().__init__(torch.randperm(_event_size(event_size), generator=g))


class InvertibleLinear(Transform):
    r"""A learned invertible linear map :math:`z = W x` in LU form (Glow's 1×1 convolution for
    vectors):

    .. math:: W = P\,L\,(U + \mathrm{diag}(\sigma \odot e^{\ell})), \qquad
              \log|\det W| = \textstyle\sum_i \ell_i,

    with :math:`P` a fixed permutation, :math:`L` unit lower-triangular, :math:`U` strictly
    upper-triangular and fixed signs :math:`\sigma`. The log-det costs O(d) instead of O(d³);
    the inverse is two triangular solves. Initialised at a random rotation (``seed``).

    >>> f = InvertibleLinear(3, seed=0)
    >>> x = torch.randn(4, 3)
    >>> z, logabsdet = f(x)
    >>> torch.allclose(logabsdet, torch.linalg.slogdet(f.weight()).logabsdet.expand(4), atol=1e-5)
    True
    >>> torch.allclose(f.inverse(z)[0], x, atol=1e-5)
    True
    """

    def __init__(self, event_size: int, seed: int = 0):
        super().__init__()
        d = _event_size(event_size)
        self.event_shape = (d,)
        g = torch.Generator().manual_seed(seed)
        q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
        p, lower, upper = torch.linalg.lu(q)
        diag = torch.diagonal(upper)
        self.register_buffer("P", p.float())
        self.register_buffer("sign", torch.sign(diag).float())
        self.register_buffer("lower_mask", torch.tril(torch.ones(d, d), -1))
        self.lower = nn.Parameter(torch.tril(lower, -1).float())
        self.upper = nn.Parameter(torch.triu(upper, 1).float())
        self.log_diag = nn.Parameter(torch.log(diag.abs()).float())

    def _factors(self) -> tuple[torch.Tensor, torch.Tensor]:
        eye = torch.eye(self.event_shape[0], dtype=self.lower.dtype, device=self.lower.device)
        lower = self.lower * self.lower_mask + eye
        upper = self.upper * self.lower_mask.T + torch.diag(self.sign * torch.exp(self.log_diag))
        return lower, upper

    def weight(self) -> torch.Tensor:
        """The matrix :math:`W = P L U'`."""
        lower, upper = self._factors()
        return self.P @ lower @ upper

    def _forward(self, x):
        return x @ self.weight().T, self.log_diag.sum().expand(x.shape[0])

    def _inverse(self, z):
        lower, upper = self._factors()
        # W x = z  <=>  L U' x = P^T z
        rhs = (z @ self.P).T  # P^T z for column vectors
        y = torch.linalg.solve_triangular(lower, rhs, upper=False, unitriangular=True)
        x = torch.linalg.solve_triangular(upper, y, upper=True)
        return x.T, -self.log_diag.sum().expand(z.shape[0])
