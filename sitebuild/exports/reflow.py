r"""Export of the reflow scene: the same noise carried by a flow before and after one reflow.

``export:reflow`` → ``reflow.npz``, from the trained checkpoints of one (dataset, seed) of
:data:`REFLOW`: the 1-rectified flow (independent CFM, ``model:comparison-fm-<dataset>``) and the
2-rectified flow that one reflow made of it (``model:fmdepth-reflow-<dataset>``). For each of the
two (prefix ``before_`` / ``after_``):

- ``paths (K+1, n_paths, 2)``: RK4 trajectories of the first ``n_paths`` noise points, at times ``t``;
- ``one_step (n, 2)``: one Euler step, :math:`x_0 + v(x_0, 0)` (NFE 1), of every noise point;
- ``energy_one``, ``energy_converged``: energy distances to held-out data of the one-step samples
  and of RK4 with 25 steps (100 NFE);
- ``S``: the straightness :math:`S` (:func:`explainer.metrics.straightness`) on the noise.

And ``x_0 (n, 2)``, the shared noise, ``data (n_data, 2)``, held-out points drawn in grey.
"""

from __future__ import annotations

from pathlib import Path

import torch

from explainer import checkpoints, datasets
from sitebuild.exports._common import _np, _save
from sitebuild.models import comparison, fm_depth
from sitebuild.registry import target

REFLOW = {
    "dataset": "8gaussians",
    "seed": 0,
    "n": 1000,
    "n_paths": 120,
    "n_data": 400,
    "noise_seed": 21,
    "ode_steps": 24,
    "reference": 2000,
}
CONVERGED = {"method": "rk4", "steps": 25}


def reflow_arrays(
    before,
    after,
    dataset: str = "8gaussians",
    n: int = 1000,
    n_paths: int = 120,
    n_data: int = 400,
    noise_seed: int = 21,
    ode_steps: int = 24,
    reference: int = 2000,
) -> dict:
    r"""What the reflow scene draws, from the velocity fields ``before`` and ``after`` reflow.

    >>> shift = lambda x, t: torch.ones_like(x)                  # straight: one Euler step is exact
    >>> out = reflow_arrays(shift, shift, n=6, n_paths=3, n_data=4, ode_steps=2, reference=10)
    >>> out["before_paths"].shape, out["after_one_step"].shape, out["data"].shape, float(out["after_S"]) < 1e-9
    ((3, 3, 2), (6, 2), (4, 2), True)
    """
    from explainer.matching import solve
    from explainer.metrics import energy_distance, straightness

    if not 1 <= n_paths <= n:
        raise ValueError(f"n_paths must be between 1 and n = {n}, got {n_paths}")
    x_0 = torch.randn(n, 2, generator=torch.Generator().manual_seed(noise_seed))
    held_out = datasets.sample(dataset, reference, seed=noise_seed + 1)
    out = {"x_0": _np(x_0), "data": _np(held_out[:n_data])}
    with torch.no_grad():
        for name, velocity in (("before", before), ("after", after)):
            paths = solve(velocity, x_0[:n_paths], "rk4", ode_steps, return_intermediates=True)
            one = solve(velocity, x_0, "euler", 1)
            converged = solve(velocity, x_0, **CONVERGED)
            out.update(
                {
                    "t": _np(paths.t),
                    f"{name}_paths": _np(paths.xs),
                    f"{name}_one_step": _np(one),
                    f"{name}_energy_one": energy_distance(one, held_out),
                    f"{name}_energy_converged": energy_distance(converged, held_out),
                    f"{name}_S": straightness(velocity, x_0, **CONVERGED),
                }
            )
    return out


def _checkpoint(paths: list[Path], name: str) -> Path:
    for p in paths:
        if p.name == name:
            return p
    raise ValueError(f"no checkpoint {name} among {', '.join(p.name for p in paths)}")


_BEFORE = comparison.job_target("fm", REFLOW["dataset"])
_AFTER = fm_depth.variant_target("reflow2", REFLOW["dataset"])


@target("export:reflow", "export", depends=(_BEFORE, _AFTER), params={**REFLOW, "converged": CONVERGED})
def _export_reflow(ctx) -> list[Path]:
    dataset, seed = REFLOW["dataset"], REFLOW["seed"]
    before, _ = checkpoints.load(comparison.checkpoint_path(ctx.dep(_BEFORE), "fm", dataset, seed))
    after, _ = checkpoints.load(_checkpoint(ctx.dep(_AFTER), f"reflow2-{dataset}-{seed}.pt"))
    arrays = reflow_arrays(before, after, **{k: v for k, v in REFLOW.items() if k != "seed"})
    return [_save(ctx, "reflow", arrays)]
