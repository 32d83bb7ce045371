"""WebVTT captions from a scene's steps: each step's narration, in as many cues as it needs to fit
on two lines, shown for the step's time (see ``animations/reading.py`` for the reading speed)."""

from __future__ import annotations

from animations import reading


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


def cues(steps: list[dict], duration: float, lang: str) -> list[tuple[float, float, str]]:
    """``(start, end, text)`` of every cue: a step runs from its start to the next step's start (or
    ``duration``); its narration is cut by ``reading.cues`` and the step's time is shared among the
    pieces in proportion to their characters, so each piece is read at the step's pace.

    >>> for cue in cues([{"start": 0.0, "narration": "One. Two."}, {"start": 3.0, "narration": "b"}], 4.0, "en"):
    ...     print(cue)
    (0.0, 3.0, 'One. Two.')
    (3.0, 4.0, 'b')
    >>> long = "Each point follows the ODE dx/dt = v(x, t). The field changes with time, and at t = 1 the points " \\
    ...        "form the data."
    >>> [(round(a, 2), round(b, 2)) for a, b, _ in cues([{"start": 0.0, "narration": long}], 11.0, "en")]
    [(0.0, 4.3), (4.3, 11.0)]
    """
    out = []
    for i, step in enumerate(steps):
        end = steps[i + 1]["start"] if i + 1 < len(steps) else duration
        pieces = reading.cues(step["narration"], lang)
        total = sum(reading.characters(p) for p in pieces)
        at = step["start"]
        for k, piece in enumerate(pieces):
            until = end if k == len(pieces) - 1 else at + (end - step["start"]) * reading.characters(piece) / total
            out.append((at, until, piece))
            at = until
    return out


def webvtt(steps: list[dict], duration: float, lang: str) -> str:
    """The WebVTT file of :func:`cues`.

    >>> print(webvtt([{"start": 0.0, "narration": "a"}, {"start": 2.0, "narration": "b"}], 3.0, "en"))
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
    for i, (start, end, text) in enumerate(cues(steps, duration, lang)):
        lines += [str(i + 1), f"{vtt_time(start)} --> {vtt_time(end)}", text, ""]
    return "\n".join(lines)
