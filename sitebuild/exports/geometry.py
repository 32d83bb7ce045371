r"""Exports of the scenes that need no trained model: the change of variables (note 002's
affine coupling), one coupling layer with its Jacobian, and masks on a digit.

See :mod:`sitebuild.exports` for the list of exports and their files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from explainer import datasets
from explainer.flow import standard_normal_log_prob
from explainer.transforms import AffineCoupling
from explainer.transforms.masks import alternating_mask, channel_mask, checkerboard_mask
from sitebuild.exports._common import _np, _save, polygon_area
from sitebuild.registry import target

# --- 1. change of variables --------------------------------------------------------------------

COV = {
    "s_slope": 0.5,
    "t_slope": 0.2,
    "lo": -1.5,
    "hi": 1.5,
    "cells": 6,
    "per_edge": 6,
    "stages": 13,
    "marked": ((0.5, -1.0), (-1.0, 0.5)),
}


def worked_coupling(alpha: float = 1.0, s_slope: float = 0.5, t_slope: float = 0.2) -> AffineCoupling:
    r""":math:`f_\alpha`: the affine coupling of note 002 §10.2 with its conditioner scaled by
    :math:`\alpha`, i.e. :math:`z_1 = x_1,\ z_2 = x_2 e^{\alpha s_1 x_1} + \alpha t_1 x_1`
    (:math:`\alpha = 0` is the identity, :math:`\alpha = 1` the worked example), in float64.

    >>> z, logabsdet = worked_coupling()(torch.tensor([[0.5, -1.0]], dtype=torch.float64))
    >>> [round(v, 4) for v in z[0].tolist()], round(logabsdet.item(), 4)
    ([0.5, -1.184], 0.25)
    """
    return AffineCoupling(
        alternating_mask(2),
        scale="exp",
        conditioner=lambda x_A: torch.cat([alpha * s_slope * x_A, alpha * t_slope * x_A], dim=1),
    ).double()


def change_of_variables(
    cells: int = 8,
    per_edge: int = 6,
    stages: int = 13,
    lo: float = -2.0,
    hi: float = 2.0,
    marked=((0.5, -1.0), (-1.5, 0.5)),
    s_slope: float = 0.5,
    t_slope: float = 0.2,
) -> dict:
    r"""A ``cells``×``cells`` grid on :math:`[lo, hi]^2` pushed through :math:`f_\alpha` for
    ``stages`` values of :math:`\alpha` from 0 to 1.

    Returns ``alpha (K,)``, ``polygons (K, cells², 4·per_edge, 2)`` (each cell's boundary),
    ``density (K, cells²)``: the density the cell carries at stage k,
    :math:`p_X(c)/|\det J_{f_\alpha}(c)|` at the cell's centre c, where
    :math:`p_X(x) = \mathcal N(f(x); 0, I)\,|\det J_f(x)|` is the density that :math:`f` maps to
    the standard normal (so the last stage shows :math:`p_Z`); ``marked_polygons (K, 2, n, 2)``
    (two small cells), ``marked_area_ratio (2,)`` (their area after / before, shoelace) and
    ``marked_det (2,)`` (:math:`|\det J_f|` at their centres, from the transform's logabsdet).

    >>> out = change_of_variables(cells=2, per_edge=2, stages=3)
    >>> out["polygons"].shape, out["density"].shape
    ((3, 4, 8, 2), (3, 4))
    >>> bool(np.allclose(out["marked_area_ratio"], out["marked_det"], rtol=1e-2))
    True
    """
    alpha = torch.linspace(0.0, 1.0, stages, dtype=torch.float64)
    edges = torch.linspace(lo, hi, cells + 1, dtype=torch.float64)
    u = torch.linspace(0.0, 1.0, per_edge + 1, dtype=torch.float64)[:-1]

    def square(x0, y0, w):  # counter-clockwise boundary of [x0, x0+w] x [y0, y0+w]
        sides = [
            torch.stack([x0 + w * u, y0 + 0 * u], 1),
            torch.stack([x0 + w + 0 * u, y0 + w * u], 1),
            torch.stack([x0 + w - w * u, y0 + w + 0 * u], 1),
            torch.stack([x0 + 0 * u, y0 + w - w * u], 1),
        ]
        return torch.cat(sides)

    w = (hi - lo) / cells
    squares = torch.stack([square(edges[i], edges[j], w) for j in range(cells) for i in range(cells)])
    centres = squares.mean(dim=1)
    small = 0.25
    marked_sq = torch.stack(
        [
            square(
                torch.tensor(cx, dtype=torch.float64) - small / 2,
                torch.tensor(cy, dtype=torch.float64) - small / 2,
                small,
            )
            for cx, cy in marked
        ]
    )
    full = worked_coupling(1.0, s_slope, t_slope)
    with torch.no_grad():
        z, logabsdet = full(centres)
        log_px = standard_normal_log_prob(z) + logabsdet
        polygons, density, marked_polygons = [], [], []
        for a in alpha.tolist():
            f = worked_coupling(a, s_slope, t_slope)
            polygons.append(f(squares.reshape(-1, 2))[0].reshape(squares.shape))
            marked_polygons.append(f(marked_sq.reshape(-1, 2))[0].reshape(marked_sq.shape))
            density.append(torch.exp(log_px - f(centres)[1]))
        _, marked_logdet = full(torch.tensor(marked, dtype=torch.float64))
    marked_polygons = torch.stack(marked_polygons)
    area = polygon_area(_np(marked_polygons))
    return {
        "alpha": _np(alpha),
        "polygons": _np(torch.stack(polygons)),
        "density": _np(torch.stack(density)),
        "marked_centres": np.asarray(marked, dtype=float),
        "marked_polygons": _np(marked_polygons),
        "marked_area_ratio": area[-1] / area[0],
        "marked_det": _np(marked_logdet.exp()),
        "s_slope": s_slope,
        "t_slope": t_slope,
    }


@target("export:change-of-variables", "export", params=COV)
def _export_change_of_variables(ctx) -> list[Path]:
    return [_save(ctx, "change_of_variables", change_of_variables(**COV))]


# --- 2 and 3. one coupling layer, its inverse and its Jacobian -----------------------------------

COUPLING = {"dim": 4, "hidden": 8, "depth": 1, "seed": 1, "init_std": 0.8, "x": (0.8, -0.5, 1.2, 0.3)}


def demo_coupling(
    dim: int = 4, hidden: int = 8, depth: int = 1, seed: int = 1, init_std: float = 0.8
) -> AffineCoupling:
    """A ``dim``-D affine coupling with the channel mask (first half passes through) and a seeded
    conditioner whose last layer is *not* zero (so it is not the identity), in float64."""
    torch.manual_seed(seed)
    layer = AffineCoupling(channel_mask(dim), hidden=hidden, depth=depth).double()
    with torch.no_grad():
        last = layer.conditioner[-1]
        last.weight.normal_(0.0, init_std)
        last.bias.normal_(0.0, init_std)
    return layer


def coupling_step(
    dim: int = 4, hidden: int = 8, depth: int = 1, seed: int = 1, init_std: float = 0.8, x=(0.8, -0.5, 1.2, 0.3)
) -> dict:
    r"""Every intermediate of :math:`y_A = x_A,\ y_B = x_B \odot e^{s(x_A)} + t(x_A)` at one point,
    the inverse :math:`x_B = (y_B - t(y_A)) \odot e^{-s(y_A)}`, and the Jacobian
    :math:`\partial y / \partial x` from autograd with its determinant (``slogdet``).

    >>> out = coupling_step()
    >>> bool(np.allclose(out["x_inverse"], out["x"])), bool(np.all(out["jacobian"][:2, 2:] == 0))
    (True, True)
    >>> bool(np.isclose(np.prod(np.diag(out["jacobian"])), out["det"]))
    True
    """
    layer = demo_coupling(dim, hidden, depth, seed, init_std)
    x_t = torch.tensor([x], dtype=torch.float64)
    with torch.no_grad():
        y, logabsdet = layer(x_t)
        s, t = layer.scale_and_shift(x_t)
        x_inv, logabsdet_inv = layer.inverse(y)
    jac = torch.autograd.functional.jacobian(lambda v: layer(v[None])[0][0], x_t[0])
    sign, logdet = torch.linalg.slogdet(jac)
    mask = _np(layer.mask)
    return {
        "x": _np(x_t[0]),
        "mask": mask,
        "x_A": _np(x_t[0])[mask],
        "x_B": _np(x_t[0])[~mask],
        "s": _np(s[0]),
        "t": _np(t[0]),
        "y": _np(y[0]),
        "logabsdet": logabsdet.item(),
        "x_inverse": _np(x_inv[0]),
        "logabsdet_inverse": logabsdet_inv.item(),
        "jacobian": _np(jac),
        "det": (sign * logdet.exp()).item(),
        "slogdet": logdet.item(),
    }


@target("export:coupling", "export", params=COUPLING)
def _export_coupling(ctx) -> list[Path]:
    return [_save(ctx, "coupling", coupling_step(**COUPLING))]


# --- 4. masks on a small image -------------------------------------------------------------------

MASKS = {"digit_index": 0, "seed": 0}


def masks_on_image(digit_index: int = 0, seed: int = 0) -> dict:
    r"""An 8×8 digit (grey 0..16 scaled to [0, 1]), the checkerboard mask on it, the squeeze
    :math:`(1, 8, 8) \to (4, 4, 4)` (``squeeze_index[c, i, j]`` = which input pixel lands in
    channel c at (i, j), obtained by squeezing an image of pixel indices with
    :class:`explainer.transforms.Squeeze`) and the channel mask of the squeezed image.

    >>> out = masks_on_image()
    >>> out["image"].shape, out["squeezed"].shape, int(out["checkerboard"].sum()), int(out["channel"].sum())
    ((8, 8), (4, 4, 4), 32, 32)
    """
    from explainer.transforms.squeeze import Squeeze

    train, _ = datasets.digits(seed=seed)
    image = train[digit_index, 0].double() / 16.0
    squeeze = Squeeze((1, 8, 8))
    index = torch.arange(64, dtype=torch.float64).reshape(1, 1, 8, 8)
    with torch.no_grad():
        squeeze_index = squeeze(index)[0][0].round().long()
        squeezed = squeeze(image[None, None])[0][0]
    if sorted(squeeze_index.reshape(-1).tolist()) != list(range(64)):
        raise RuntimeError("Squeeze did not permute the 64 pixels")
    return {
        "image": _np(image),
        "checkerboard": _np(checkerboard_mask((8, 8))),
        "squeeze_index": _np(squeeze_index),
        "squeezed": _np(squeezed),
        "channel": _np(channel_mask((4, 4, 4))),
    }


@target("export:masks", "export", params=MASKS)
def _export_masks(ctx) -> list[Path]:
    return [_save(ctx, "masks", masks_on_image(**MASKS))]
