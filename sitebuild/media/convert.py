"""ffmpeg and ffprobe: the raw Manim video becomes the site's media.

- ``<scene>.mp4``: H.264, the moov atom first so it streams, no metadata that changes run to run;
- ``<scene>.webm``: VP9 (smaller; browsers that play it get it first);
- ``poster.png``: the end of the scene's ``poster_step`` (else the last frame);
- ``<scene>.gif`` (when the quality asks for one): 640 px wide, 10 fps, for slides without video.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sitebuild.media.process import run
from sitebuild.media.scenes import check_quality

# The programs this module runs: sitebuild.keys reads this tuple (with ast) and puts their versions
# into the key of every target whose import closure reaches this module.
EXTERNAL_TOOLS = ("ffmpeg", "ffprobe")
INSTALL = "install it (apt-get install ffmpeg; ./dev.sh setup does it)"
FFMPEG = ("ffmpeg", "-y", "-loglevel", "error")


@dataclass(frozen=True)
class Converted:
    files: dict[str, Path]  # "mp4", "webm", "poster" and, when asked for, "gif"
    info: dict  # probe() of the MP4
    poster_time: float  # seconds
    wall: float  # seconds
    cpu: float  # CPU seconds of every ffmpeg run


def _ffmpeg(args: list) -> float:
    return run([*FFMPEG, *args], missing=INSTALL).cpu


def probe(path: Path) -> dict:
    """Codec, size, frame rate, frame count, pixel format and duration of a video (ffprobe)."""
    out = run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
         "stream=codec_name,width,height,r_frame_rate,nb_read_packets,pix_fmt:format=duration",
         "-of", "json", str(path)],
        missing=INSTALL,
    ).stdout  # fmt: skip
    info = json.loads(out)
    stream = info["streams"][0]
    num, den = stream["r_frame_rate"].split("/")
    return {
        "codec": stream["codec_name"],
        "width": int(stream["width"]),
        "height": int(stream["height"]),
        "fps": float(num) / float(den),
        "frames": int(stream.get("nb_read_packets", 0)),
        "pix_fmt": stream.get("pix_fmt"),
        "duration": float(info["format"]["duration"]),
    }


def poster_time(steps: dict, duration: float, fps: float) -> float:
    """The end of the step named by ``poster_step`` if the scene names one, else the last frame.

    >>> steps = {"poster_step": "b", "steps": [{"key": "a", "start": 0}, {"key": "b", "start": 1},
    ...                                        {"key": "c", "start": 3}]}
    >>> poster_time(steps, 5.0, 10), poster_time({**steps, "poster_step": None}, 5.0, 10)
    (2.9, 4.9)
    """
    key = steps.get("poster_step")
    starts = [s["start"] for s in steps["steps"]]
    keys = [s["key"] for s in steps["steps"]]
    if key in keys and keys.index(key) + 1 < len(starts):
        return max(0.0, starts[keys.index(key) + 1] - 1.0 / fps)
    return max(0.0, duration - 1.0 / fps)


def poster_args(mp4: Path, poster: Path, at: float, duration: float, fps: float) -> list[str]:
    """ffmpeg arguments for the poster frame at ``at`` seconds. Seeking to the very last frame
    finds nothing, so then the last half second is decoded and its final frame kept.

    >>> poster_args(Path("a.mp4"), Path("p.png"), 2.0, 10.0, 15)
    ['-ss', '2.000', '-i', 'a.mp4', '-frames:v', '1', 'p.png']
    >>> poster_args(Path("a.mp4"), Path("p.png"), 9.95, 10.0, 15)
    ['-ss', '9.500', '-i', 'a.mp4', '-update', '1', 'p.png']
    """
    if at >= duration - 1.5 / fps:
        return ["-ss", f"{max(0.0, duration - 0.5):.3f}", "-i", str(mp4), "-update", "1", str(poster)]
    return ["-ss", f"{at:.3f}", "-i", str(mp4), "-frames:v", "1", str(poster)]


def webm_args(mp4: Path, webm: Path, crf: int) -> list[str]:
    """VP9 at constant quality ``crf``, fast (realtime, 2 threads): the preview renders are small."""
    return ["-i", str(mp4), "-an", "-c:v", "libvpx-vp9", "-b:v", "0", "-crf", str(crf), "-deadline", "realtime",
            "-cpu-used", "8", "-row-mt", "1", "-threads", "2", str(webm)]  # fmt: skip


def gif_args(mp4: Path, gif: Path) -> list[str]:
    """A 640 px wide, 10 fps GIF with one 128-colour palette for the whole clip, looping."""
    palette = "fps=10,scale=640:-1:flags=lanczos,split[a][b];[a]palettegen=max_colors=128[p];"
    palette += "[b][p]paletteuse=dither=bayer:bayer_scale=4"
    return ["-i", str(mp4), "-vf", palette, "-loop", "0", str(gif)]


def convert(scene: str, raw: Path, steps: dict, quality: str, out_dir: Path) -> Converted:
    """Write the MP4, WebM, poster (and GIF) of ``scene`` from Manim's ``raw`` video into ``out_dir``."""
    q = check_quality(quality)
    start = time.perf_counter()
    files = {"mp4": out_dir / f"{scene}.mp4", "webm": out_dir / f"{scene}.webm", "poster": out_dir / "poster.png"}
    if q["gif"]:
        files["gif"] = out_dir / f"{scene}.gif"
    cpu = _ffmpeg(["-i", str(raw), "-c", "copy", "-movflags", "+faststart", "-map_metadata", "-1",
                   "-fflags", "+bitexact", str(files["mp4"])])  # fmt: skip
    info = probe(files["mp4"])
    at = poster_time(steps, info["duration"], q["fps"])
    jobs = [
        webm_args(files["mp4"], files["webm"], q["webm_crf"]),
        poster_args(files["mp4"], files["poster"], at, info["duration"], q["fps"]),
    ]
    if q["gif"]:
        jobs.append(gif_args(files["mp4"], files["gif"]))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:  # one scene's conversions, side by side
        cpu += sum(pool.map(_ffmpeg, jobs))
    for path in files.values():
        if not path.exists() or path.stat().st_size == 0:
            raise RuntimeError(f"ffmpeg did not write {path}")
    return Converted(files, info, at, time.perf_counter() - start, cpu)
