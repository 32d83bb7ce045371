"""What every export shares: where it is written, and the scenes' window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

EXPORT_DIR = "exports"
# One square window for every 2D scene (moons and the standard-normal latent both fit in it).
WINDOW = 4.0


def _save(ctx, name: str, arrays: dict) -> Path:
    path = ctx.path(EXPORT_DIR, f"{name}.npz", cache=True)
    np.savez_compressed(path, **{k: np.asarray(v) for k, v in arrays.items()})
    return path


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy()


def polygon_area(vertices: np.ndarray) -> np.ndarray:
    """Area of closed polygons (shoelace formula); ``vertices`` has shape ``(..., n, 2)``.

    >>> float(polygon_area(np.array([[0, 0], [2, 0], [2, 1], [0, 1]], dtype=float)))
    2.0
    """
    x, y = vertices[..., 0], vertices[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=-1) - np.roll(x, -1, axis=-1) * y, axis=-1))
