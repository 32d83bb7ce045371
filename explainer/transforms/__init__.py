"""Invertible transforms. ``forward`` is data -> latent; both directions return
``(output, logabsdet)`` with ``logabsdet`` of shape ``(batch,)``."""

from .base import Compose, Transform
from .coupling import AdditiveCoupling, AffineCoupling, Coupling, SplineCoupling
from .permutations import InvertibleLinear, Permutation, RandomPermutation, ReversePermutation

__all__ = [
    "Transform",
    "Compose",
    "Coupling",
    "AdditiveCoupling",
    "AffineCoupling",
    "SplineCoupling",
    "Permutation",
    "ReversePermutation",
    "RandomPermutation",
    "InvertibleLinear",
]

# image transforms: Squeeze, InvConv1x1, ActNorm, Dequantize, Logit, MultiScale, Split, ...
from .image import *  # noqa: E402,F401,F403
from .image import __all__ as _image_all  # noqa: E402

__all__ += list(_image_all)
