r"""Exports of the scenes that show trained models: the RealNVP on moons layer by layer, the
flow-matching field and its trajectories, and both carrying the same noise.

See :mod:`sitebuild.exports` for the list of exports and their files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from explainer import checkpoints, datasets
from sitebuild.exports._common import WINDOW, _np, _save
from sitebuild.registry import target

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
    ckpt = checkpoints.read(ctx.dep("model:realnvp-moons")[0])
    out = flow_layers(
        checkpoints.model_of(ckpt), LAYERS["n_points"], LAYERS["seed"], LAYERS["grid_lines"], LAYERS["grid_points"]
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
    from explainer.matching import solve
    from explainer.metrics import energy_distance

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
    velocity, _ = checkpoints.load(ctx.dep("model:fm-moons")[0])
    return [_save(ctx, "fm", fm_arrays(velocity, **FM))]


# --- 7. RealNVP vs flow matching on the same noise -----------------------------------------------

COMPARISON = {"n_points": 300, "seed": 5, "ode_steps": 24}


@target("export:comparison", "export", depends=("model:realnvp-moons", "model:fm-moons"), params=COMPARISON)
def _export_comparison(ctx) -> list[Path]:
    from explainer.matching import solve

    ckpt = checkpoints.read(ctx.dep("model:realnvp-moons")[0])
    flow = checkpoints.model_of(ckpt)
    fm_path = ctx.dep("model:fm-moons")[0]
    velocity, fm_meta = checkpoints.load(fm_path)
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
