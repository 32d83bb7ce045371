r"""Arrays the Manim scenes draw, computed by the package and written as ``.npz`` exports.

Every point, grid line and trajectory in an animation comes from here, never from hand-made
coordinates. Each export is a pipeline target (kind ``"export"``) that writes
``.cache/pipeline/exports/<name>.npz``; the animation targets in :mod:`explainer.animate` pass
the path to the scene, and a scene only reads it (``construct`` never trains).

Exports (target name → file, what it holds):

- ``export:change-of-variables`` → ``change_of_variables.npz``: a grid of cells pushed through the
  affine coupling of note 002 §10.2 (:math:`z_1 = x_1,\ z_2 = x_2 e^{0.5 x_1} + 0.2 x_1`) along the
  homotopy :math:`f_\alpha` (conditioner scaled by :math:`\alpha \in [0, 1]`), the density carried by
  every cell, and two marked cells whose area ratio is compared with :math:`|\det J_f|`.
- ``export:coupling`` → ``coupling.npz``: one 4-D affine coupling (channel mask, seeded
  conditioner) at one point: :math:`x_A, x_B, s, t, y`, the inverse, and the autograd Jacobian.
- ``export:masks`` → ``masks.npz``: an 8×8 digit, its checkerboard mask, the squeeze to 4×4×4
  (where every pixel goes) and the channel mask of the squeezed image.
- ``export:realnvp-layers`` → ``realnvp_layers.npz``: moons points and a grid through every layer
  of the trained RealNVP (``model:realnvp-moons``), forwards (data → latent) and backwards.
- ``export:fm`` → ``fm.npz``: ODE trajectories of the trained velocity field (``model:fm-moons``)
  from noise to data, the field on a grid at several times, and Euler with few vs many steps.
- ``export:comparison`` → ``comparison.npz``: the same noise carried to moons by the RealNVP
  (layer by layer) and by flow matching (along the ODE).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from . import datasets
from . import trained as _trained  # noqa: F401,E402  (registers model:realnvp-moons)
from .flow import standard_normal_log_prob
from .matching import trained as _fm_trained  # noqa: F401,E402  (registers model:fm-moons)
from .pipeline import target
from .transforms import AffineCoupling
from .transforms.coupling import log_scale
from .transforms.masks import alternating_mask, channel_mask, checkerboard_mask

EXPORT_DIR = "exports"
# One square window for every 2D scene (moons and the standard-normal latent both fit in it).
WINDOW = 4.0
# The code whose source decides the exported numbers (models bring their own keys via depends=).
CODE = ("explainer.transforms", "explainer.flow", "explainer.datasets")


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


@target("export:change-of-variables", "export", code=CODE, params=COV)
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
        params = layer._params(x_t)
        s, t = log_scale(params[:, 0], layer.scale, layer.bound), params[:, 1]
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


@target("export:coupling", "export", code=CODE, params=COUPLING)
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
    from .transforms.image import Squeeze

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


@target("export:masks", "export", code=CODE, params=MASKS)
def _export_masks(ctx) -> list[Path]:
    return [_save(ctx, "masks", masks_on_image(**MASKS))]


# --- 5. a trained RealNVP, layer by layer --------------------------------------------------------

LAYERS = {"n_points": 400, "seed": 7, "grid_lines": 9, "grid_points": 48}


def grid_lines(lo_x, hi_x, lo_y, hi_y, lines: int, points: int) -> torch.Tensor:
    """``lines`` horizontal then ``lines`` vertical polylines of ``points`` points each, shape
    ``(2·lines, points, 2)``.

    >>> grid_lines(0, 1, 0, 1, 2, 3)[0].tolist()
    [[0.0, 0.0], [0.5, 0.0], [1.0, 0.0]]
    """
    s = torch.linspace(0.0, 1.0, points)
    ys, xs = torch.linspace(lo_y, hi_y, lines), torch.linspace(lo_x, hi_x, lines)
    horizontal = [torch.stack([lo_x + (hi_x - lo_x) * s, y.expand(points)], 1) for y in ys]
    vertical = [torch.stack([x.expand(points), lo_y + (hi_y - lo_y) * s], 1) for x in xs]
    return torch.stack(horizontal + vertical)


def flow_layers(flow, n_points: int = 400, seed: int = 7, grid_lines_: int = 9, grid_points: int = 48) -> dict:
    r"""Moons points and a grid through every layer of ``flow``.

    ``forward (L+1, n, 2)``: :math:`x, h_1, \dots, z` for moons test points; ``grid_forward
    (L+1, lines, points, 2)``: the same for grid lines over the data's range; ``inverse (L+1, n, 2)``:
    :math:`z, \dots, x` for standard-normal draws (sampling); ``transformed (L,)``: the index of the
    coordinate each layer changes.

    >>> from explainer.models import realnvp
    >>> out = flow_layers(realnvp(layers=2, hidden=8), n_points=5, grid_lines_=2, grid_points=3)
    >>> out["forward"].shape, out["grid_forward"].shape, out["transformed"].tolist()
    ((3, 5, 2), (3, 4, 3, 2), [1, 0])
    """
    x = datasets.sample("moons", n_points, seed=seed)
    lo, hi = x.min(0).values, x.max(0).values
    grid = grid_lines(lo[0].item(), hi[0].item(), lo[1].item(), hi[1].item(), grid_lines_, grid_points)
    z = torch.randn(n_points, 2, generator=torch.Generator().manual_seed(seed + 1))
    with torch.no_grad():
        _, _, forward = flow.forward(x, return_intermediates=True)
        _, _, grid_forward = flow.forward(grid.reshape(-1, 2), return_intermediates=True)
        _, _, inverse = flow.inverse(z, return_intermediates=True)
    transformed = [int((~layer.mask).nonzero()[0]) for layer in flow.layers]
    return {
        "forward": _np(torch.stack(forward)),
        "inverse": _np(torch.stack(inverse)),
        "grid_forward": _np(torch.stack(grid_forward).reshape(len(grid_forward), *grid.shape)),
        "transformed": np.asarray(transformed),
    }


@target("export:realnvp-layers", "export", depends=("model:realnvp-moons",), params=LAYERS)
def _export_realnvp_layers(ctx) -> list[Path]:
    from .trained import load_checkpoint, load_flow_from

    ckpt = load_checkpoint(ctx.dep("model:realnvp-moons")[0])
    out = flow_layers(
        load_flow_from(ckpt), LAYERS["n_points"], LAYERS["seed"], LAYERS["grid_lines"], LAYERS["grid_points"]
    )
    out.update(nll=ckpt["meta"].get("nll", np.nan), entropy=ckpt["meta"].get("entropy", np.nan))
    return [_save(ctx, "realnvp_layers", out)]


# --- 6. flow matching ----------------------------------------------------------------------------

FM = {
    "n_points": 300,
    "seed": 11,
    "ode_steps": 40,
    "field_grid": 15,
    "field_times": 11,
    "euler_few": 3,
    "euler_many": 60,
    "reference": 2000,
}


def fm_arrays(
    velocity,
    n_points: int = 300,
    seed: int = 11,
    ode_steps: int = 40,
    field_grid: int = 15,
    field_times: int = 11,
    euler_few: int = 3,
    euler_many: int = 60,
    reference: int = 2000,
    data: str = "moons",
) -> dict:
    r"""What the flow-matching scene draws, from the velocity field :math:`v_\theta(x, t)`.

    ``trajectory (ode_steps+1, n, 2)`` and ``t``: RK4 from noise :math:`x_0` (t = 0) to data
    (t = 1); ``field_x (g², 2)``, ``field_t (T,)``, ``field_v (T, g², 2)``: the field on a grid;
    ``euler_few/euler_many (steps+1, n, 2)``: Euler with few and many steps from the same
    :math:`x_0`, with their energy distances to a data sample (``ed_few``, ``ed_many``, ``ed_rk4``).

    >>> from explainer.matching import VelocityMLP
    >>> out = fm_arrays(VelocityMLP(2, hidden=8, depth=1), n_points=4, ode_steps=2, field_grid=3,
    ...                 field_times=2, euler_few=1, euler_many=2, reference=10)
    >>> out["trajectory"].shape, out["field_v"].shape, out["euler_few"].shape
    ((3, 4, 2), (2, 9, 2), (2, 4, 2))
    """
    from .matching import solve
    from .metrics import energy_distance

    x_0 = torch.randn(n_points, 2, generator=torch.Generator().manual_seed(seed))
    target_x = datasets.sample(data, reference, seed=seed + 1)
    g = torch.linspace(-WINDOW + 0.5, WINDOW - 0.5, field_grid)
    field_x = torch.stack(torch.meshgrid(g, g, indexing="xy"), dim=-1).reshape(-1, 2)
    field_t = torch.linspace(0.0, 1.0, field_times)
    with torch.no_grad():
        rk4 = solve(velocity, x_0, "rk4", steps=ode_steps, return_intermediates=True)
        few = solve(velocity, x_0, "euler", steps=euler_few, return_intermediates=True)
        many = solve(velocity, x_0, "euler", steps=euler_many, return_intermediates=True)
        field_v = torch.stack([velocity(field_x, t) for t in field_t])
    return {
        "trajectory": _np(rk4.xs),
        "t": _np(rk4.t),
        "nfe_rk4": rk4.nfe,
        "field_x": _np(field_x),
        "field_t": _np(field_t),
        "field_v": _np(field_v),
        "euler_few": _np(few.xs),
        "euler_many": _np(many.xs),
        "data": _np(target_x[:n_points]),
        "ed_few": energy_distance(few.x, target_x),
        "ed_many": energy_distance(many.x, target_x),
        "ed_rk4": energy_distance(rk4.x, target_x),
    }


@target("export:fm", "export", depends=("model:fm-moons",), params=FM)
def _export_fm(ctx) -> list[Path]:
    from .matching.experiment import load_velocity

    velocity = load_velocity(ctx.dep("model:fm-moons")[0])
    return [_save(ctx, "fm", fm_arrays(velocity, **FM))]


# --- 7. RealNVP vs flow matching on the same noise -----------------------------------------------

COMPARISON = {"n_points": 300, "seed": 5, "ode_steps": 24}


@target("export:comparison", "export", depends=("model:realnvp-moons", "model:fm-moons"), params=COMPARISON)
def _export_comparison(ctx) -> list[Path]:
    from .matching import solve
    from .matching.experiment import load_checkpoint as load_fm_checkpoint
    from .matching.experiment import load_velocity
    from .trained import load_checkpoint, load_flow_from

    ckpt = load_checkpoint(ctx.dep("model:realnvp-moons")[0])
    flow = load_flow_from(ckpt)
    fm_path = ctx.dep("model:fm-moons")[0]
    velocity, fm_meta = load_velocity(fm_path), load_fm_checkpoint(fm_path).get("meta", {})
    c = COMPARISON
    z = torch.randn(c["n_points"], 2, generator=torch.Generator().manual_seed(c["seed"]))
    with torch.no_grad():
        _, _, layers = flow.inverse(z, return_intermediates=True)
        ode = solve(velocity, z, "rk4", steps=c["ode_steps"], return_intermediates=True)
    out = {
        "realnvp": _np(torch.stack(layers)),
        "fm": _np(ode.xs),
        "fm_t": _np(ode.t),
        "fm_nfe": ode.nfe,
        "realnvp_layers": len(flow.layers),
        "realnvp_nll": ckpt["meta"].get("nll", np.nan),
        "fm_nll": fm_meta.get("nll", np.nan),
        "entropy": datasets.entropy("moons"),
        "realnvp_params": sum(p.numel() for p in flow.parameters()),
        "fm_params": sum(p.numel() for p in velocity.parameters()),
    }
    return [_save(ctx, "comparison", out)]
