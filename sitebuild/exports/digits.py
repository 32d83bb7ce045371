r"""``export:digits-scales``: ``.cache/pipeline/exports/digits_scales.npz``, one test digit passing
through the scales of both digits models (format in :func:`scales_export`)."""

from __future__ import annotations

import math

import numpy as np
import torch

from explainer import checkpoints
from explainer.images.evaluate import scale_map, trace_scales
from explainer.images.models import DIGITS_LEVELS
from explainer.images.training import DIMS, digits_data
from sitebuild.models.digits import MODEL_NAMES, seed_checkpoints
from sitebuild.registry import target

EXPORT_IMAGE_INDEX = 0  # which test digit (of seed 0's split) the export follows


def scales_export(flows: dict[str, torch.nn.Module], image: torch.Tensor) -> dict[str, np.ndarray]:
    r"""The arrays of ``digits_scales.npz``: one integer digit ``image`` ``(1, 8, 8)`` through every
    layer of each flow, encoded at the cell centres (:math:`u = 1/2`).

    Keys (``<m>`` is ``realnvp`` or ``glow``):

    - ``image`` (1, 8, 8) uint8 grey levels 0..16; ``levels`` = 17; ``models`` = the ``<m>`` names;
    - ``<m>_stage_names`` (S,) str: ``input``, ``Dequantize``, ``Logit``, then each layer's class
      (couplings as ``AffineCoupling(checkerboard)`` / ``AffineCoupling(channel)``);
    - ``<m>_stage_scales`` (S,) int: the scale each stage works at (0 = full resolution);
    - ``<m>_stage_NN`` (C, H, W) float32 for NN = 00..S-1: the working tensor after stage NN (the
      part still being transformed at that scale: shapes shrink after each Split);
    - ``<m>_factored_L`` (C, H, W) float32: the variables finished at scale L (after the split prior);
    - ``<m>_latent`` (1, 8, 8) float32: the whole latent z, every value at the pixel it came from;
    - ``<m>_scale_map`` (1, 8, 8) int: at each latent pixel, the scale (1-based) that finished it;
    - ``<m>_log_prob``, ``<m>_logabsdet``, ``<m>_bpd`` (scalars, nats / bits for this image, u = 1/2).

    >>> from explainer.images.models import glow
    >>> arrays = scales_export({"glow": glow(steps=1, hidden=8)}, torch.randint(0, 17, (1, 8, 8)).float())
    >>> arrays["glow_stage_names"][:3].tolist(), arrays["glow_latent"].shape
    (['input', 'Dequantize', 'Logit'], (1, 8, 8))
    >>> sorted(set(arrays["glow_scale_map"].ravel().tolist()))
    [1, 2]
    """
    arrays: dict[str, np.ndarray] = {
        "image": image.numpy().astype(np.uint8),
        "levels": np.array(DIGITS_LEVELS),
        "models": np.array(list(flows)),
    }
    for m, flow in flows.items():
        t = trace_scales(flow, image)
        arrays[f"{m}_stage_names"] = np.array([s[0] for s in t["stages"]])
        arrays[f"{m}_stage_scales"] = np.array([s[1] for s in t["stages"]])
        for k, (_, _, tensor) in enumerate(t["stages"]):
            arrays[f"{m}_stage_{k:02d}"] = tensor.numpy().astype(np.float32)
        for level, z in enumerate(t["factored"], start=1):
            arrays[f"{m}_factored_{level}"] = z.numpy().astype(np.float32)
        arrays[f"{m}_latent"] = t["latent"].numpy().astype(np.float32)
        arrays[f"{m}_scale_map"] = scale_map(flow).numpy().astype(np.int64)
        arrays[f"{m}_log_prob"] = np.array(t["log_prob"])
        arrays[f"{m}_logabsdet"] = np.array(t["logabsdet"])
        arrays[f"{m}_bpd"] = np.array(-t["log_prob"] / (DIMS * math.log(2)))
    return arrays


@target(
    "export:digits-scales",
    "export",
    depends=tuple(f"model:{n}" for n in MODEL_NAMES.values()),
    params={"index": EXPORT_IMAGE_INDEX},
)
def build_export(ctx):
    flows = {}
    for builder, name in MODEL_NAMES.items():
        path = seed_checkpoints(ctx.dep(f"model:{name}"))[0]
        flows["realnvp" if builder == "realnvp-image" else "glow"] = checkpoints.load(path)[0]
    _, test = digits_data(0)
    arrays = scales_export(flows, test[EXPORT_IMAGE_INDEX])
    path = ctx.path("exports", "digits_scales.npz", cache=True)
    np.savez_compressed(path, **arrays)
    return [path]
