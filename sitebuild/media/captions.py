"""WebVTT captions from a scene's steps: one cue per step, its narration."""

from __future__ import annotations


def vtt_time(seconds: float) -> str:
    """WebVTT timestamp.

    >>> vtt_time(75.5)
    '00:01:15.500'
    """
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(steps: list[dict], duration: float) -> str:
    """Captions: one cue per step, from its start to the next step's start (or the end).

    >>> print(webvtt([{"start": 0.0, "narration": "a"}, {"start": 2.0, "narration": "b"}], 3.0))
    WEBVTT
    <BLANKLINE>
    1
    00:00:00.000 --> 00:00:02.000
    a
    <BLANKLINE>
    2
    00:00:02.000 --> 00:00:03.000
    b
    <BLANKLINE>
    """
    lines = ["WEBVTT", ""]
    for i, step in enumerate(steps):
        end = steps[i + 1]["start"] if i + 1 < len(steps) else duration
        lines += [str(i + 1), f"{vtt_time(step['start'])} --> {vtt_time(end)}", step["narration"], ""]
    return "\n".join(lines)
