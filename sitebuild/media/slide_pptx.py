"""A scene's slides as PowerPoint, with manim-slides: one slide per section, its clip playing when
the slide opens (the clip's first frame is the poster), the narration in the speaker notes.

manim-slides describes a presentation as a ``PresentationConfig`` (its slides' files and
options) and converts one to PowerPoint with python-pptx; we give it the clips of
:mod:`sitebuild.media.slide_cut`, then write the title, author and credit line into the file's
properties (File > Info in PowerPoint).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from sitebuild.media.slide_cut import Section

# PowerPoint's own 16:9 size in pixels (13.33 × 7.5 in): the clips (16:9) fill the slide
SLIDE_SIZE = (1280, 720)


def presentation(sections: list[Section], clips: list[Path], resolution: tuple[int, int], background: str):
    """manim-slides' description of the slides: one per section, its clip, its narration as notes."""
    from manim_slides.config import PresentationConfig, SlideConfig

    if len(sections) != len(clips):
        raise ValueError(f"{len(sections)} sections but {len(clips)} clips")
    slides = [
        SlideConfig(file=clip, rev_file=clip, notes=section.narration, dedent_notes=False)
        for section, clip in zip(sections, clips)
    ]
    return PresentationConfig(slides=slides, resolution=resolution, background_color=background)


def powerpoint(config, dest: Path, *, title: str, author: str, credit: str) -> Path:
    """Write the presentation ``config`` (:func:`presentation`) to ``dest`` (.pptx)."""
    import pptx
    from manim_slides.convert import PowerPoint

    width, height = SLIDE_SIZE
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar, in a build's log
        PowerPoint(presentation_configs=[config], width=width, height=height).convert_to(dest)
    deck = pptx.Presentation(str(dest))
    props = deck.core_properties
    props.title, props.author, props.comments, props.subject = title, author, credit, credit
    props.last_modified_by = author
    deck.save(str(dest))
    return dest
