"""The scene registry: which scenes exist, the Manim class of each, the exports it reads, and the
qualities a scene is rendered at."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SceneSpec:
    file: str  # in animations/
    cls: str  # the Scene class
    exports: tuple[str, ...]  # export targets it reads (without the "export:" prefix)

    @property
    def module(self) -> str:
        """The scene file as a project module (what the pipeline scans for the target's key).

        >>> SCENES["masks"].module
        'animations.masks'
        """
        return "animations." + self.file.removesuffix(".py")


SCENES: dict[str, SceneSpec] = {
    "change_of_variables": SceneSpec("change_of_variables.py", "ChangeOfVariables", ("change-of-variables",)),
    "coupling_layer": SceneSpec("coupling_layer.py", "CouplingLayer", ("coupling",)),
    "triangular_jacobian": SceneSpec("triangular_jacobian.py", "TriangularJacobian", ("coupling",)),
    "masks": SceneSpec("masks.py", "Masks", ("masks",)),
    "alternating_layers": SceneSpec("alternating_layers.py", "AlternatingLayers", ("realnvp-layers",)),
    "flow_matching": SceneSpec("flow_matching.py", "FlowMatching", ("fm",)),
    "realnvp_vs_fm": SceneSpec("realnvp_vs_fm.py", "RealNVPvsFM", ("comparison",)),
    "reflow": SceneSpec("reflow.py", "Reflow", ("reflow",)),
}

# webm_crf: VP9 constant quality (higher is smaller); gif: also write a GIF (for slides without video)
QUALITIES = {
    "preview": {"width": 854, "height": 480, "fps": 15, "gif": True, "webm_crf": 38},
    "hd": {"width": 1920, "height": 1080, "fps": 30, "gif": False, "webm_crf": 34},
}


def check_scenes(scenes) -> list[str]:
    """The scene names to render (all when ``scenes`` is empty), in the gallery's order.

    >>> check_scenes(["masks", "coupling_layer"])
    ['coupling_layer', 'masks']
    >>> check_scenes(["moons"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown scene 'moons'; valid scenes: change_of_variables, ..., reflow
    """
    if not scenes:
        return list(SCENES)
    unknown = [s for s in scenes if s not in SCENES]
    if unknown:
        raise ValueError(f"unknown scene {unknown[0]!r}; valid scenes: {', '.join(SCENES)}")
    return [s for s in SCENES if s in scenes]


def check_quality(quality: str) -> dict:
    """The settings of ``quality``; a clear error for an unknown one.

    >>> check_quality("hd")["width"]
    1920
    >>> check_quality("4k")
    Traceback (most recent call last):
    ...
    ValueError: quality must be one of ('preview', 'hd'), got '4k'
    """
    if quality not in QUALITIES:
        raise ValueError(f"quality must be one of {tuple(QUALITIES)}, got {quality!r}")
    return QUALITIES[quality]
