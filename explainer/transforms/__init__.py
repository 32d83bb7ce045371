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

try:  # image transforms (Squeeze, InvConv1x1, ActNorm, Dequantize, Logit, ...)
    from .image import *  # noqa: F401,F403
    from .image import __all__ as _image_all

    __all__ += list(_image_all)
except ImportError as _error:  # pragma: no cover - only while image.py is being written
    if "image" not in str(_error):
        raise
