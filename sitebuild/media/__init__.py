"""The Manim scenes of ``animations/`` as site media: rendered, converted, captioned and put into pages.

One idea per module:

- :mod:`.scenes`: the scene registry (which scenes, their classes, the exports they read) and the
  qualities;
- :mod:`.process`: running a program and measuring the CPU time it used;
- :mod:`.render`: Manim on one scene in one language (in another process): the raw video and the
  steps record;
- :mod:`.convert`: ffmpeg/ffprobe: MP4 (faststart), WebM, poster, GIF, probing;
- :mod:`.captions`: WebVTT captions from the steps;
- :mod:`.layout`: where every file goes;
- :mod:`.pages`: the offline lecture deck and its zip, the instructors' gallery, filled from the
  files in ``templates/`` and the words in ``strings/pages.toml``; :mod:`.player`: the standalone
  player of a scene; :mod:`.credit`: how to credit an animation; :mod:`.gif`: a GIF's size and
  frame rate;
- :mod:`.targets`: the render targets (``animation:<scene>``, ``animation-hd:<scene>``);
  :mod:`.page_targets`: ``animation:players``, ``animation:deck``, ``table:animation-gallery``;
- :mod:`.cli`: ``python -m sitebuild animations``, with a per-scene render-time report.

This file imports nothing: the pipeline imports every module of this package to register its
targets, and a module's import closure is its targets' key, so importing the siblings here would
make every target depend on all of them.
"""
