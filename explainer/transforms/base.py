"""The Transform interface and composition.

A transform is a bijection :math:`f` between event spaces. ``forward`` maps data to latent,
:math:`z = f(x)`, and returns :math:`\\log|\\det J_f(x)|`; ``inverse`` maps back,
:math:`x = f^{-1}(z)`, and returns :math:`\\log|\\det J_{f^{-1}}(z)| = -\\log|\\det J_f(x)|`.
"""

from __future__ import annotations

import torch
from torch import nn

from .._checks import check_event


class Transform(nn.Module):
    """Base class: subclasses set ``event_shape`` (and ``out_shape`` if it differs) and
    implement ``_forward`` / ``_inverse`` returning ``(output, logabsdet)``, ``logabsdet`` of
    shape ``(batch,)``. The public ``forward`` / ``inverse`` validate their input first.
    """

    event_shape: tuple[int, ...]

    @property
    def out_shape(self) -> tuple[int, ...]:
        return self.event_shape

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_event(x, self.event_shape, "x")
        return self._forward(x)

    def inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_event(z, self.out_shape, "z")
        return self._inverse(z)

    def _forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError

    def _inverse(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        raise NotImplementedError


class Compose(Transform):
    r"""The composition :math:`f = f_L \circ \dots \circ f_1`; log-determinants add:
    :math:`\log|\det J_f(x)| = \sum_l \log|\det J_{f_l}(h_{l-1})|` with :math:`h_0 = x`.

    Example:
        >>> from explainer.transforms import ReversePermutation
        >>> f = Compose(ReversePermutation(3), ReversePermutation(3))
        >>> z, logabsdet = f(torch.tensor([[1.0, 2.0, 3.0]]))
        >>> z.tolist(), logabsdet.tolist()
        ([[1.0, 2.0, 3.0]], [0.0])
    """

    def __init__(self, *transforms: Transform):
        super().__init__()
        if len(transforms) == 1 and isinstance(transforms[0], (list, tuple)):
            transforms = tuple(transforms[0])
        if not transforms:
            raise ValueError("Compose needs at least one transform")
        for i, t in enumerate(transforms):
            if not isinstance(t, Transform):
                raise TypeError(f"transform {i} is a {type(t).__name__}, not an explainer Transform")
        for i in range(1, len(transforms)):
            before, after = transforms[i - 1], transforms[i]
            if tuple(before.out_shape) != tuple(after.event_shape):
                raise ValueError(
                    f"transform {i} ({type(after).__name__}) expects event shape {tuple(after.event_shape)} "
                    f"but transform {i - 1} ({type(before).__name__}) outputs {tuple(before.out_shape)}"
                )
        self.transforms = nn.ModuleList(transforms)
        self.event_shape = tuple(transforms[0].event_shape)

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(self.transforms[-1].out_shape)

    def __len__(self) -> int:
        return len(self.transforms)

    def _forward(self, x, return_intermediates: bool = False):
        logabsdet = x.new_zeros(x.shape[0])
        steps = [x]
        for t in self.transforms:
            x, ld = t._forward(x)
            logabsdet = logabsdet + ld
            if return_intermediates:
                steps.append(x)
        return (x, logabsdet, steps) if return_intermediates else (x, logabsdet)

    def _inverse(self, z, return_intermediates: bool = False):
        logabsdet = z.new_zeros(z.shape[0])
        steps = [z]
        for t in reversed(self.transforms):
            z, ld = t._inverse(z)
            logabsdet = logabsdet + ld
            if return_intermediates:
                steps.append(z)
        return (z, logabsdet, steps) if return_intermediates else (z, logabsdet)
