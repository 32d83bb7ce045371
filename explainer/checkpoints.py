r"""One checkpoint format and one loader for every trained model of the package.

A checkpoint is a ``torch.save`` dictionary with five keys: ``format`` (1), ``builder`` (a name
in :data:`BUILDERS`: how to rebuild the module), ``kwargs`` (``BUILDERS[builder](**kwargs)`` gives
an untrained twin), ``state_dict`` (its weights, on the CPU) and ``meta`` (what training recorded:
loss history, test NLL, timing, ...);
and :func:`load` turns it back into the module (eval mode) and its ``meta``, whatever the model:
a 2D coupling flow, a flow-matching velocity field or an image flow.

Example:
    >>> import tempfile
    >>> flow = build("realnvp", {"layers": 2, "hidden": 8})
    >>> _ = torch.nn.init.normal_(flow.layers[0].conditioner[-1].weight)   # not the identity any more
    >>> path = save(Path(tempfile.mkdtemp()) / "f.pt", flow, "realnvp", {"layers": 2, "hidden": 8}, {"nll": 1.5})
    >>> model, meta = load(path)
    >>> x = torch.randn(4, 2)
    >>> torch.equal(model.log_prob(x), flow.eval().log_prob(x)), meta
    (True, {'nll': 1.5})
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

FORMAT = 1


def _velocity_mlp(**kwargs) -> nn.Module:
    from .matching.velocity import VelocityMLP

    return VelocityMLP(**kwargs)


def _image_flow(builder: str) -> Callable[..., nn.Module]:
    def make(**kwargs) -> nn.Module:
        from .images.models import build as build_image

        return build_image(builder, kwargs)

    return make


def _flow(builder: str) -> Callable[..., nn.Module]:
    def make(**kwargs) -> nn.Module:
        from . import models

        return getattr(models, builder)(**kwargs)

    return make


BUILDERS: dict[str, Callable[..., nn.Module]] = {
    "realnvp": _flow("realnvp"),
    "nsf": _flow("nsf"),
    "nice": _flow("nice"),
    "coupling_flow": _flow("coupling_flow"),
    "velocity_mlp": _velocity_mlp,
    "realnvp-image": _image_flow("realnvp-image"),
    "glow": _image_flow("glow"),
}


def build(builder: str, kwargs: dict) -> nn.Module:
    """``BUILDERS[builder](**kwargs)``: an untrained model, with the builder named if unknown.

    >>> len(build("realnvp", {"layers": 3, "hidden": 8}).layers)
    3
    >>> build("resnet", {})
    Traceback (most recent call last):
    ...
    ValueError: unknown model builder 'resnet'; choose one of ['coupling_flow', 'glow', ..., 'velocity_mlp']
    """
    if builder not in BUILDERS:
        raise ValueError(f"unknown model builder {builder!r}; choose one of {sorted(BUILDERS)}")
    return BUILDERS[builder](**kwargs)


def save(path: str | Path, model: nn.Module, builder: str, kwargs: dict, meta: dict | None = None) -> Path:
    """Write ``model`` (rebuilt later by ``BUILDERS[builder](**kwargs)``) and ``meta`` to ``path``."""
    if builder not in BUILDERS:
        raise ValueError(f"unknown model builder {builder!r}; choose one of {sorted(BUILDERS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    torch.save(
        {"format": FORMAT, "builder": builder, "kwargs": dict(kwargs), "state_dict": state, "meta": dict(meta or {})},
        path,
    )
    return path


def read(path: str | Path) -> dict:
    """The checkpoint dictionary at ``path``, checked (a clear error for a missing or foreign file).

    >>> read("/nonexistent/model.pt")
    Traceback (most recent call last):
    ...
    ValueError: no checkpoint at /nonexistent/model.pt (build the model first: python -m sitebuild build model:<name>)
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"no checkpoint at {path} (build the model first: python -m sitebuild build model:<name>)")
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        found = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise ValueError(f"{path} is not an explainer checkpoint of format {FORMAT} (found {found!r})")
    return ckpt


def model_of(ckpt: dict, device: str | torch.device | None = None) -> nn.Module:
    """The model of an already read checkpoint, with its weights, in eval mode on ``device`` (CPU)."""
    model = build(ckpt["builder"], ckpt["kwargs"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device or "cpu").eval()


def load(path: str | Path, device: str | torch.device | None = None) -> tuple[nn.Module, dict]:
    """``(model, meta)`` stored at ``path``: the model in eval mode on ``device`` (default CPU)."""
    ckpt = read(path)
    return model_of(ckpt, device), ckpt["meta"]
