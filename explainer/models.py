"""Ready-made flows for vector data: RealNVP (affine), NSF (spline) and NICE (additive).

Layer ``l`` uses the alternating mask, flipped on odd ``l``, so every coordinate is transformed
and conditions the others; ``alternate=False`` keeps the same mask in every layer (to show what
goes wrong).
"""

from __future__ import annotations

from .flow import Flow
from .transforms import AdditiveCoupling, AffineCoupling, SplineCoupling
from .transforms.masks import alternating_mask

COUPLINGS = {"affine": AffineCoupling, "spline": SplineCoupling, "additive": AdditiveCoupling}


def coupling_flow(
    kind: str = "affine",
    dim: int = 2,
    layers: int = 8,
    hidden: int = 128,
    depth: int = 2,
    alternate: bool = True,
    **coupling_kwargs,
) -> Flow:
    """A stack of ``layers`` couplings of ``kind`` (``affine``, ``spline`` or ``additive``).

    >>> flow = coupling_flow("spline", layers=4, bins=8, bound=5.0)
    >>> len(flow.layers), type(flow.layers[0]).__name__
    (4, 'SplineCoupling')
    >>> [layer.mask.tolist() for layer in coupling_flow(layers=2).layers]
    [[True, False], [False, True]]
    >>> coupling_flow("glowy")
    Traceback (most recent call last):
    ...
    ValueError: unknown coupling kind 'glowy'; choose one of ['additive', 'affine', 'spline']
    """
    if kind not in COUPLINGS:
        raise ValueError(f"unknown coupling kind {kind!r}; choose one of {sorted(COUPLINGS)}")
    if layers < 1:
        raise ValueError(f"layers must be >= 1, got {layers}")
    cls = COUPLINGS[kind]
    transforms = [
        cls(alternating_mask(dim, flip=alternate and i % 2 == 1), hidden=hidden, depth=depth, **coupling_kwargs)
        for i in range(layers)
    ]
    return Flow(transforms, (dim,))


def realnvp(dim: int = 2, layers: int = 8, hidden: int = 128, depth: int = 2, **kwargs) -> Flow:
    """RealNVP: alternating affine couplings (tanh-bounded log-scale by default)."""
    return coupling_flow("affine", dim, layers, hidden, depth, **kwargs)


def nsf(
    dim: int = 2, layers: int = 8, hidden: int = 128, depth: int = 2, bins: int = 8, bound: float = 5.0, **kwargs
) -> Flow:
    """Neural spline flow: alternating rational-quadratic spline couplings."""
    return coupling_flow("spline", dim, layers, hidden, depth, bins=bins, bound=bound, **kwargs)


def nice(dim: int = 2, layers: int = 8, hidden: int = 128, depth: int = 2, **kwargs) -> Flow:
    """NICE: alternating additive (volume-preserving) couplings."""
    return coupling_flow("additive", dim, layers, hidden, depth, **kwargs)
