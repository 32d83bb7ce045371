"""The names of the media's pipeline targets (shared by the target modules and the command line,
without importing the targets: a module's import closure is its targets' key)."""

from __future__ import annotations

from sitebuild.media.scenes import SCENES

PREFIX = {"preview": "animation:", "hd": "animation-hd:"}
DECK = "animation:deck"
PLAYERS = "animation:players"
GALLERY = "table:animation-gallery"


def scene_target(scene: str, quality: str) -> str:
    """
    >>> scene_target("masks", "hd")
    'animation-hd:masks'
    """
    return PREFIX[quality] + scene


def previews() -> tuple[str, ...]:
    """The preview renders of every scene: what the deck and the gallery show."""
    return tuple(scene_target(s, "preview") for s in SCENES)
