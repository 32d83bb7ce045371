"""A scene's sections as slides, cut from its one render: no second Manim run.

A scene marks where each step begins (``ExplainerScene.step``, recorded in ``steps.json``: the
captions' cue times). Those times are exact frame times, and every ``self.play``/``self.wait`` of
a scene is encoded by Manim as its own partial movie (stream-copied into the final MP4), so each
step starts on a key frame: the video is cut there without re-encoding. Section ``i`` runs from
step ``i``'s start (0 for the first, so nothing before it is lost) to the next step's start (or
the end), and its slide is that clip; the narration of the step is the slide's speaker notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sitebuild.media import convert
from sitebuild.media.process import run

# The programs this module runs (sitebuild.keys puts their versions into the key).
EXTERNAL_TOOLS = ("ffmpeg", "ffprobe")


@dataclass(frozen=True)
class Section:
    index: int  # 1-based, the slide number
    key: str  # the step's key in the scene's string table
    label: str  # the step's short label (the slide's title)
    narration: str  # what the captions say during the step (the slide's speaker notes)
    start: float  # seconds
    end: float  # seconds

    def frames(self, fps: float) -> int:
        """How many video frames the section holds.

        >>> Section(2, "flip", "", "", 1.4667, 3.4667).frames(15)
        30
        """
        return round((self.end - self.start) * fps)

    @property
    def name(self) -> str:
        """The slide's video file name: its number and step.

        >>> Section(2, "flip", "", "", 1.0, 2.0).name
        '02-flip.mp4'
        """
        return f"{self.index:02d}-{self.key}.mp4"


def sections(record: dict) -> list[Section]:
    """The sections of a render's ``steps.json`` record, one per step, covering the whole video.

    >>> record = {"duration": 5.0, "steps": [
    ...     {"key": "a", "start": 0.4, "label": "A", "narration": "first"},
    ...     {"key": "b", "start": 2.0, "label": "B", "narration": "second"}]}
    >>> [(s.key, s.start, s.end) for s in sections(record)]
    [('a', 0.0, 2.0), ('b', 2.0, 5.0)]
    >>> sections({"duration": 1.0, "steps": []})
    Traceback (most recent call last):
    ...
    ValueError: the render records no steps: a scene must call self.step(...) at least once
    """
    steps = record["steps"]
    if not steps:
        raise ValueError("the render records no steps: a scene must call self.step(...) at least once")
    starts = [0.0] + [float(s["start"]) for s in steps[1:]]
    ends = starts[1:] + [float(record["duration"])]
    if any(b <= a for a, b in zip(starts, ends)):
        raise ValueError(f"step starts must increase within the video's {record['duration']} s: {starts}")
    return [
        Section(i + 1, s["key"], s["label"], s["narration"], a, b)
        for i, (s, a, b) in enumerate(zip(steps, starts, ends))
    ]


def cut_args(video: Path, section: Section, fps: float, out: Path) -> list[str]:
    """ffmpeg arguments that copy the section's frames without re-encoding: seek to its first
    (key) frame (a quarter frame after its time, which the seek rounds down to that key frame,
    never to the one before), then take as many packets as it has frames (its last frame is
    followed by the next section's key frame, so decoding order and display order hold the same
    frames).

    >>> cut_args(Path("a.mp4"), Section(2, "b", "", "", 2.0, 3.0), 15, Path("o.mp4"))[:6]
    ['-ss', '2.0167', '-i', 'a.mp4', '-frames:v', '15']
    """
    return ["-ss", f"{section.start + 0.25 / fps:.4f}", "-i", str(video), "-frames:v", str(section.frames(fps)),
            "-c", "copy", "-an", "-map_metadata", "-1", "-movflags", "+faststart", "-fflags", "+bitexact",
            "-avoid_negative_ts", "make_zero", str(out)]  # fmt: skip


def key_frames(video: Path) -> list[float]:
    """The times (seconds) of the video's key frames, from its packets (nothing is decoded)."""
    out = run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
               "-of", "csv=p=0", str(video)], missing=convert.INSTALL).stdout  # fmt: skip
    return sorted(float(t) for t, flags in (line.split(",")[:2] for line in out.split()) if "K" in flags)


def check_key_frames(sections: list[Section], keys: list[float], fps: float) -> None:
    """Every section must start on a key frame (within half a frame), or it cannot be cut there.

    >>> s = [Section(1, "a", "", "", 0.0, 1.0), Section(2, "b", "", "", 1.0, 2.0)]
    >>> check_key_frames(s, [0.0, 1.0], 15)
    >>> check_key_frames(s, [0.0, 0.8], 15)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: step 'b' starts at 1.000 s, not on a key frame (nearest: 0.800 s): does the scene ...
    """
    for section in sections:
        nearest = min(keys, key=lambda k: abs(k - section.start))
        if abs(nearest - section.start) > 0.5 / fps:
            raise ValueError(
                f"step {section.key!r} starts at {section.start:.3f} s, not on a key frame (nearest: {nearest:.3f} s): "
                "does the scene call self.step() between two self.play()/self.wait() calls?"
            )


def cut(video: Path, record: dict, out_dir: Path) -> tuple[list[Section], list[Path], float]:
    """Write each section of ``video`` (its render's ``record``) to ``out_dir`` as its own MP4;
    return the sections, their files and the CPU seconds ffmpeg used. A step that does not start
    on a key frame, or a clip that does not hold exactly its section's frames, is an error."""
    fps = float(record["fps"])
    parts, files, cpu = sections(record), [], 0.0
    check_key_frames(parts, key_frames(video), fps)
    for section in parts:
        out = out_dir / section.name
        cpu += run([*convert.FFMPEG, *cut_args(video, section, fps, out)], missing=convert.INSTALL).cpu
        got, want = convert.probe(out)["frames"], section.frames(fps)
        if got != want:
            raise RuntimeError(
                f"{out.name}: {got} frames cut from {video.name} at {section.start:.3f} s, expected {want}"
            )
        files.append(out)
    return parts, files, cpu


def last_frame(clip: Path, png: Path, fps: float) -> float:
    """The last frame of ``clip`` as a PNG (what the slide shows when its animation has played);
    returns ffmpeg's CPU seconds."""
    duration = convert.probe(clip)["duration"]
    args = convert.poster_args(clip, png, duration, duration, fps)
    return run([*convert.FFMPEG, *args], missing=convert.INSTALL).cpu
