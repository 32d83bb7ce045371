"""Invertible transforms. ``forward`` is data -> latent; both directions return
``(output, logabsdet)`` with ``logabsdet`` of shape ``(batch,)``."""

from .base import Compose, Transform
from .coupling import AdditiveCoupling, AffineCoupling, Coupling, SplineCoupling
from .dequantize import Dequantize, Logit
from .glow import ActNorm, InvConv1x1
from .multiscale import MultiScale, Split
from .permutations import InvertibleLinear, Permutation, RandomPermutation, ReversePermutation
from .squeeze import Squeeze, Unsqueeze

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
    # image transforms
    "Dequantize",
    "Logit",
    "Squeeze",
    "Unsqueeze",
    "ActNorm",
    "InvConv1x1",
    "Split",
    "MultiScale",
]
