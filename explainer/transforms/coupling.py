r"""Coupling layers: split, transform one part conditioned on the other, merge.

With a boolean ``mask`` (True = pass-through part :math:`x_A`, False = transformed part
:math:`x_B`) a coupling layer is

.. math::

    z_A = x_A, \qquad z_B = \tau(x_B;\ \theta(x_A)),

where :math:`\theta` is the conditioner network and :math:`\tau` an elementwise invertible map.
Its Jacobian is block-triangular (:math:`\partial z_A / \partial x_B = 0`), so
:math:`\log|\det J| = \sum_i \log|\partial \tau_i / \partial x_{B,i}|`, and the inverse never
inverts the network: :math:`x_A = z_A`, then :math:`x_B = \tau^{-1}(z_B;\ \theta(z_A))`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

from .base import Transform
from .conditioners import CNN, MLP
from .splines import (
    MIN_BIN_HEIGHT,
    MIN_BIN_WIDTH,
    MIN_DERIVATIVE,
    check_spline_parameters,
    rational_quadratic_spline,
)


def _check_mask(mask) -> torch.Tensor:
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a bool torch.Tensor of the event shape, got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must have dtype torch.bool (True = pass-through), got {mask.dtype}; use mask.bool()")
    if mask.dim() not in (1, 3):
        raise ValueError(
            f"mask must have the event shape: (d,) for vectors or (C, H, W) for images; got shape {tuple(mask.shape)}"
        )
    if mask.all() or not mask.any():
        raise ValueError("mask must mark at least one pass-through (True) and one transformed (False) entry")
    return mask


class Coupling(Transform):
    """Shared machinery: the subclass says how many parameters per transformed entry
    (``params_per_entry``) and implements the elementwise map ``_tau(x_B, params, inverse)``.

    ``conditioner`` (optional) replaces the default network: a callable mapping the conditioner
    input to ``(batch, params_per_entry * n_B)`` for vectors (input ``x_A`` of shape
    ``(batch, n_A)``) or ``(batch, params_per_entry * C, H, W)`` for images (input ``x * mask``).
    Parameter layout: ``params[:, p, i]`` is parameter ``p`` of transformed entry ``i``.
    """

    params_per_entry: int = 1

    def __init__(
        self,
        mask: torch.Tensor,
        hidden: int = 128,
        depth: int = 2,
        act: str = "relu",
        conditioner: Callable[[torch.Tensor], torch.Tensor] | None = None,
    ):
        super().__init__()
        mask = _check_mask(mask)
        self.event_shape = tuple(mask.shape)
        self.register_buffer("mask", mask)
        flat = mask.reshape(-1)
        self.register_buffer("index_A", flat.nonzero().squeeze(-1))
        self.register_buffer("index_B", (~flat).nonzero().squeeze(-1))
        n_a, n_b, p = len(self.index_A), len(self.index_B), self.params_per_entry
        if conditioner is not None:
            self.conditioner = conditioner
        elif mask.dim() == 1:
            self.conditioner = MLP(n_a, p * n_b, hidden=hidden, depth=depth, act=act)
        else:
            c = mask.shape[0]
            self.conditioner = CNN(c, p * c, hidden=hidden, depth=depth, act=act)

    def conditioner_output(self, x_or_z: torch.Tensor) -> torch.Tensor:
        """The conditioner's output as ``(batch, params_per_entry, n_B)``, read from the A part only
        (the same for ``x`` and ``z = f(x)``, since :math:`z_A = x_A`)."""
        batch, p = x_or_z.shape[0], self.params_per_entry
        if self.mask.dim() == 1:
            out = self.conditioner(x_or_z.index_select(1, self.index_A))
            return out.reshape(batch, p, len(self.index_B))
        out = self.conditioner(x_or_z * self.mask)
        return out.reshape(batch, p, -1).index_select(2, self.index_B)

    def _couple(self, x: torch.Tensor, inverse: bool) -> tuple[torch.Tensor, torch.Tensor]:
        params = self.conditioner_output(x)  # z_A == x_A, so both directions condition on the same values
        flat = x.reshape(x.shape[0], -1)
        out_b, logabsdet = self._tau(flat.index_select(1, self.index_B), params, inverse)
        out = flat.index_copy(1, self.index_B, out_b)
        return out.reshape(x.shape), logabsdet.sum(dim=1)

    def _forward(self, x):
        return self._couple(x, inverse=False)

    def _inverse(self, z):
        return self._couple(z, inverse=True)

    def _tau(self, x_b, params, inverse):  # pragma: no cover
        raise NotImplementedError


class AdditiveCoupling(Coupling):
    r"""NICE's additive coupling, volume preserving:

    .. math:: z_B = x_B + t(x_A), \qquad \log|\det J| = 0.

    Example:
        >>> from explainer.transforms.masks import alternating_mask
        >>> layer = AdditiveCoupling(alternating_mask(2), conditioner=lambda x_A: 3 * x_A)
        >>> z, logabsdet = layer(torch.tensor([[1.0, 2.0]]))
        >>> z.tolist(), logabsdet.tolist()
        ([[1.0, 5.0]], [0.0])
    """

    params_per_entry = 1

    def _tau(self, x_b, params, inverse):
        t = params[:, 0]
        return (x_b - t if inverse else x_b + t), torch.zeros_like(x_b)


SCALES = ("tanh", "clamp", "exp", "sigmoid", "softplus")
_SOFTPLUS_SHIFT = math.log(math.expm1(1.0))  # softplus(shift) == 1: zero raw output -> scale 1


def log_scale(raw: torch.Tensor, kind: str = "tanh", bound: float | None = None) -> torch.Tensor:
    r"""The log-scale :math:`s` of an affine coupling from the conditioner's raw output.

    - ``tanh`` (default): :math:`s = s_{\max} \tanh(\tilde s / s_{\max})`, smoothly bounded to
      :math:`(-s_{\max}, s_{\max})`, ``bound`` :math:`s_{\max} = 2` as in the notes' clip to [-2, 2];
      slope 1 at 0.
    - ``clamp``: :math:`s = \mathrm{clamp}(\tilde s, -s_{\max}, s_{\max})`, :math:`s_{\max} = 5`;
      zero gradient outside.
    - ``exp``: :math:`s = \tilde s`, unbounded (the plain RealNVP form).
    - ``sigmoid``: scale :math:`e^s = 2\,\sigma(\tilde s) \in (0, 2)` (Glow-style, shrinks or doubles).
    - ``softplus``: scale :math:`e^s = \mathrm{softplus}(\tilde s + c)` with
      :math:`\mathrm{softplus}(c) = 1`, positive and unbounded above.

    All give :math:`s = 0` (identity) for :math:`\tilde s = 0`.

    >>> raw = torch.tensor([-10.0, 0.0, 10.0])
    >>> [round(v, 4) for v in log_scale(raw, "tanh").tolist()]
    [-1.9998, 0.0, 1.9998]
    >>> log_scale(raw, "clamp").tolist()
    [-5.0, 0.0, 5.0]
    >>> log_scale(raw, "wobbly")
    Traceback (most recent call last):
    ...
    ValueError: unknown scale parametrisation 'wobbly'; choose one of ('tanh', 'clamp', 'exp', 'sigmoid', 'softplus')
    """
    if kind == "tanh":
        b = 2.0 if bound is None else bound
        return b * torch.tanh(raw / b)
    if kind == "clamp":
        b = 5.0 if bound is None else bound
        return raw.clamp(-b, b)
    if kind == "exp":
        return raw
    if kind == "sigmoid":
        return math.log(2.0) + F.logsigmoid(raw)
    if kind == "softplus":
        return torch.log(F.softplus(raw + _SOFTPLUS_SHIFT))
    raise ValueError(f"unknown scale parametrisation {kind!r}; choose one of {SCALES}")


class AffineCoupling(Coupling):
    r"""RealNVP's affine coupling:

    .. math:: z_B = x_B \odot e^{s(x_A)} + t(x_A), \qquad \log|\det J| = \textstyle\sum_i s_i(x_A),

    with inverse :math:`x_B = (z_B - t(z_A)) \odot e^{-s(z_A)}`. ``scale`` picks how the
    conditioner's raw output becomes :math:`s` (see :func:`log_scale`).

    Arguments:
        mask: bool tensor of the event shape, True = pass-through.
        hidden, depth: conditioner width and number of hidden layers (MLP for vectors, CNN for images).
        scale: ``"tanh"`` (default, bound 2), ``"clamp"`` (bound 5), ``"exp"``, ``"sigmoid"``, ``"softplus"``.

    Example (note 002 §10.2, s(x_1) = 0.5 x_1, t(x_1) = 0.2 x_1):
        >>> from explainer.transforms.masks import alternating_mask
        >>> layer = AffineCoupling(alternating_mask(2), scale="exp",
        ...                        conditioner=lambda x_A: torch.cat([0.5 * x_A, 0.2 * x_A], dim=1))
        >>> z, logabsdet = layer(torch.tensor([[0.5, -1.0]]))
        >>> [round(v, 4) for v in z[0].tolist()], round(logabsdet.item(), 4)
        ([0.5, -1.184], 0.25)
    """

    params_per_entry = 2

    def __init__(
        self,
        mask,
        hidden: int = 128,
        depth: int = 2,
        act: str = "relu",
        scale: str = "tanh",
        bound: float | None = None,
        conditioner=None,
    ):
        if scale not in SCALES:
            raise ValueError(f"unknown scale parametrisation {scale!r}; choose one of {SCALES}")
        if bound is not None and not bound > 0:
            raise ValueError(f"scale bound must be positive, got {bound}")
        super().__init__(mask, hidden=hidden, depth=depth, act=act, conditioner=conditioner)
        self.scale, self.bound = scale, bound

    def scale_and_shift(self, x_or_z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        r"""The log-scale :math:`s(x_A)` (after the ``scale`` parametrisation) and the shift
        :math:`t(x_A)` this layer applies to :math:`x_B`, each ``(batch, n_B)``.

        >>> from explainer.transforms.masks import alternating_mask
        >>> layer = AffineCoupling(alternating_mask(2), scale="exp",
        ...                        conditioner=lambda x_A: torch.cat([0.5 * x_A, 0.2 * x_A], dim=1))
        >>> s, t = layer.scale_and_shift(torch.tensor([[0.5, -1.0]]))
        >>> s.tolist(), [round(v, 4) for v in t[0].tolist()]
        ([[0.25]], [0.1])
        """
        params = self.conditioner_output(x_or_z)
        return log_scale(params[:, 0], self.scale, self.bound), params[:, 1]

    def _tau(self, x_b, params, inverse):
        s = log_scale(params[:, 0], self.scale, self.bound)
        t = params[:, 1]
        if inverse:
            return (x_b - t) * torch.exp(-s), -s
        return torch.addcmul(t, x_b, torch.exp(s)), s


class SplineCoupling(Coupling):
    r"""Neural-spline coupling (NSF): :math:`z_B = \mathrm{RQS}(x_B;\ \theta(x_A))`, a monotone
    rational-quadratic spline with ``bins`` bins on :math:`[-T, T]` and identity tails; the
    log-det is the sum of the spline's log-derivatives (see
    :func:`explainer.transforms.splines.rational_quadratic_spline`).

    Example:
        >>> from explainer.transforms.masks import alternating_mask
        >>> layer = SplineCoupling(alternating_mask(2), bins=8, bound=5.0)
        >>> x = torch.tensor([[0.3, -1.2]])
        >>> z, logabsdet = layer(x)          # zero-initialised: identity
        >>> torch.allclose(z, x), abs(logabsdet.item()) < 1e-6
        (True, True)
    """

    def __init__(
        self,
        mask,
        hidden: int = 128,
        depth: int = 2,
        act: str = "relu",
        bins: int = 8,
        bound: float = 5.0,
        min_bin_width: float = MIN_BIN_WIDTH,
        min_bin_height: float = MIN_BIN_HEIGHT,
        min_derivative: float = MIN_DERIVATIVE,
        conditioner=None,
    ):
        if not isinstance(bins, int) or bins < 2:
            raise ValueError(f"bins must be an integer >= 2, got {bins!r}")
        k = bins
        check_spline_parameters(
            torch.zeros(k), torch.zeros(k), torch.zeros(k - 1), bound, min_bin_width, min_bin_height, min_derivative
        )
        self.params_per_entry = 3 * bins - 1
        super().__init__(mask, hidden=hidden, depth=depth, act=act, conditioner=conditioner)
        self.bins, self.bound = bins, float(bound)
        self.min_bin_width, self.min_bin_height = min_bin_width, min_bin_height
        self.min_derivative = min_derivative

    def _tau(self, x_b, params, inverse):
        k = self.bins
        params = params.transpose(1, 2)  # (batch, n_B, 3K - 1)
        return rational_quadratic_spline(
            x_b,
            params[..., :k],
            params[..., k : 2 * k],
            params[..., 2 * k :],
            inverse=inverse,
            bound=self.bound,
            min_bin_width=self.min_bin_width,
            min_bin_height=self.min_bin_height,
            min_derivative=self.min_derivative,
        )
