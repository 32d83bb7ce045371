r"""Render the Manim scenes of ``animations/`` into site media, through the cached pipeline.

Each scene is a pipeline target of kind ``"animation"``: ``animation:<scene>`` (preview, 854×480
at 15 fps, built by ``mkdocs build`` and CI) and, on request, ``animation-hd:<scene>`` (1920×1080 at
30 fps). The key covers the scene file, ``animations/style.py`` and ``animations/strings.py`` (their
bytes go into the target's params), the Manim version, the quality, and the keys of the exports the
scene reads (``depends=``), so an unchanged scene is never re-rendered.

Per scene, language and quality the target writes to
``docs/generated/animations/<scene>/<lang>/<quality>/``:

- ``<scene>.mp4`` (H.264, yuv420p, faststart), ``<scene>.webm`` (VP9), ``poster.png``;
- ``<scene>.gif`` (preview only: 640 px wide, 10 fps, for slides that cannot play video);
- ``<scene>.vtt``: WebVTT captions, one cue per step, from the scene's narration strings;
- ``steps.json``: when each step starts (slide boundaries) and the duration;
- ``player.html``: a standalone page with just the player (what the iframe embed points to).

``animation:deck`` writes an offline lecture deck per language
(``docs/generated/animations/deck/<lang>/index.html``, a self-contained HTML/JS player that pauses
at every step: no CDN, no network) and a zip with the deck and its videos;
``table:animation-gallery`` writes the instructors' gallery (``docs/generated/tables/gallery.md``
and ``gallery.zh.md``). ``explainer animations`` (:func:`main`) renders with a progress display and
prints a per-scene render-time report.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import export as _export  # noqa: F401  (registers the export:* targets the scenes read)
from .pipeline import CACHE, LANGS, REGISTRY, ROOT, target

ANIMATIONS = ROOT / "animations"
SHARED = ("style.py", "strings.py")


@dataclass(frozen=True)
class SceneSpec:
    file: str  # in animations/
    cls: str  # the Scene class
    exports: tuple[str, ...]  # export targets it reads (without the "export:" prefix)


SCENES: dict[str, SceneSpec] = {
    "change_of_variables": SceneSpec("change_of_variables.py", "ChangeOfVariables", ("change-of-variables",)),
    "coupling_layer": SceneSpec("coupling_layer.py", "CouplingLayer", ("coupling",)),
    "triangular_jacobian": SceneSpec("triangular_jacobian.py", "TriangularJacobian", ("coupling",)),
    "masks": SceneSpec("masks.py", "Masks", ("masks",)),
    "alternating_layers": SceneSpec("alternating_layers.py", "AlternatingLayers", ("realnvp-layers",)),
    "flow_matching": SceneSpec("flow_matching.py", "FlowMatching", ("fm",)),
    "realnvp_vs_fm": SceneSpec("realnvp_vs_fm.py", "RealNVPvsFM", ("comparison",)),
}

QUALITIES = {
    "preview": {"width": 854, "height": 480, "fps": 15, "gif": True},
    "hd": {"width": 1920, "height": 1080, "fps": 30, "gif": False},
}
PREFIX = {"preview": "animation:", "hd": "animation-hd:"}
OUT = "animations"

# What the last renders cost: (scene, lang, quality) -> {"wall": s, "cpu": s, "sizes": {file: bytes}}.
RENDER_LOG: dict[tuple[str, str, str], dict] = {}


def check_scenes(scenes) -> list[str]:
    """The scene names to render (all when ``scenes`` is empty), in the gallery's order.

    >>> check_scenes(["masks", "coupling_layer"])
    ['coupling_layer', 'masks']
    >>> check_scenes(["moons"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown scene 'moons'; valid scenes: change_of_variables, ..., realnvp_vs_fm
    """
    if not scenes:
        return list(SCENES)
    unknown = [s for s in scenes if s not in SCENES]
    if unknown:
        raise ValueError(f"unknown scene {unknown[0]!r}; valid scenes: {', '.join(SCENES)}")
    return [s for s in SCENES if s in scenes]


def check_quality(quality: str) -> dict:
    if quality not in QUALITIES:
        raise ValueError(f"quality must be one of {tuple(QUALITIES)}, got {quality!r}")
    return QUALITIES[quality]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_hashes(scene: str) -> dict[str, str]:
    """SHA-256 of the scene file and the shared style/strings modules (part of the target key)."""
    spec = SCENES[scene]
    return {name: _sha(ANIMATIONS / name) for name in (spec.file, *SHARED)}


def _tool_version(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(f"{tool} not found: install it (apt-get install ffmpeg; ./dev.sh setup does it)")
    return subprocess.run([path, "-version"], capture_output=True, text=True).stdout.split("\n")[0]


def _run(cmd: list[str], **kw) -> tuple[str, float]:
    """Run ``cmd``; return its stdout and the CPU seconds it (and the processes it waited for)
    used, from ``os.wait4`` of that very child, so parallel renders do not count each other."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([str(c) for c in cmd], stdout=out, stderr=err, text=True, **kw)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        tail = "\n".join((stderr or stdout).strip().splitlines()[-25:])
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(map(str, cmd[:6]))} ...\n{tail}")
    return stdout, usage.ru_utime + usage.ru_stime


def probe(path: Path) -> dict:
    """Codec, size, frame rate, frame count and duration of a video (ffprobe)."""
    out = _run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_packets",
            "-show_entries",
            "stream=codec_name,width,height,r_frame_rate,nb_read_packets,pix_fmt:format=duration",
            "-of",
            "json",
            str(path),
        ]
    )[0]
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


# --- rendering one scene in one language at one quality ---------------------------------------------


def render(
    scene: str, lang: str, quality: str, out_dir: Path, exports: dict[str, Path], work: Path | None = None
) -> list[Path]:
    """Render ``scene`` in ``lang`` at ``quality`` into ``out_dir``; return the files written."""
    spec, q = SCENES[scene], check_quality(quality)
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{scene}-{lang}-{quality}-", dir=work or CACHE))
    start = time.perf_counter()
    try:
        config = {
            "lang": lang,
            "exports": {Path(p).stem: str(p) for p in exports.values()},
            "steps_file": str(work / "steps.json"),
        }
        (work / "scene.json").write_text(json.dumps(config), encoding="utf-8")
        env = {
            **os.environ,
            "EXPLAINER_SCENE_CONFIG": str(work / "scene.json"),
            "PYTHONPATH": os.pathsep.join([str(ANIMATIONS), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
        _, cpu = _run(
            [
                sys.executable,
                "-m",
                "manim",
                "render",
                "--disable_caching",
                "--progress_bar",
                "none",
                "-v",
                "WARNING",
                "--media_dir",
                str(work / "media"),
                "-r",
                f"{q['width']},{q['height']}",
                "--fps",
                str(q["fps"]),
                "-o",
                scene,
                str(ANIMATIONS / spec.file),
                spec.cls,
            ],
            env=env,
            cwd=work,
        )
        raw = next((work / "media" / "videos").rglob(f"{scene}.mp4"))
        steps = json.loads((work / "steps.json").read_text(encoding="utf-8"))
        manim_wall = time.perf_counter() - start
        written, cpu_post = _postprocess(scene, raw, steps, q, out_dir, lang, quality)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RENDER_LOG[(scene, lang, quality)] = {
        "wall": time.perf_counter() - start,
        "manim_wall": manim_wall,
        "manim_cpu": cpu,
        "cpu": cpu + cpu_post,
        "sizes": {p.name: p.stat().st_size for p in written},
    }
    return written


def _postprocess(scene, raw: Path, steps: dict, q: dict, out_dir: Path, lang: str, quality: str) -> list[Path]:
    mp4, webm, gif = out_dir / f"{scene}.mp4", out_dir / f"{scene}.webm", out_dir / f"{scene}.gif"
    poster, vtt, steps_file = out_dir / "poster.png", out_dir / f"{scene}.vtt", out_dir / "steps.json"
    # H.264 for every browser, moov atom first so it streams; no metadata that changes run to run
    _, cpu = _run(
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(raw),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            "-map_metadata",
            "-1",
            "-fflags",
            "+bitexact",
            str(mp4),
        ]
    )
    info = probe(mp4)
    duration = info["duration"]
    jobs = [
        [
            "ffmpeg",
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(mp4),
            "-an",
            "-c:v",
            "libvpx-vp9",
            "-b:v",
            "0",
            "-crf",
            "38" if quality == "preview" else "34",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-row-mt",
            "1",
            "-threads",
            "2",
            str(webm),
        ]
    ]
    poster_at = _poster_time(steps, duration, q["fps"])
    if poster_at >= duration - 1.5 / q["fps"]:  # the last frame: decode the last half second, keep the final one
        jobs.append(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-ss",
                f"{max(0.0, duration - 0.5):.3f}",
                "-i",
                str(mp4),
                "-update",
                "1",
                str(poster),
            ]
        )
    else:
        jobs.append(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-ss",
                f"{poster_at:.3f}",
                "-i",
                str(mp4),
                "-frames:v",
                "1",
                str(poster),
            ]
        )
    if q["gif"]:
        jobs.append(
            [
                "ffmpeg",
                "-y",
                "-loglevel",
                "error",
                "-i",
                str(mp4),
                "-vf",
                "fps=10,scale=640:-1:flags=lanczos,split[a][b];[a]palettegen=max_colors=128[p];"
                "[b][p]paletteuse=dither=bayer:bayer_scale=4",
                "-loop",
                "0",
                str(gif),
            ]
        )
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        cpu += sum(c for _, c in pool.map(_run, jobs))
    for path in (webm, poster, *([gif] if q["gif"] else [])):
        if not path.exists() or path.stat().st_size == 0:
            raise RuntimeError(f"ffmpeg did not write {path}")
    vtt.write_text(webvtt(steps["steps"], duration), encoding="utf-8")
    record = {
        **steps,
        "duration": duration,
        "width": info["width"],
        "height": info["height"],
        "fps": info["fps"],
        "frames": info["frames"],
        "quality": quality,
        "poster_time": poster_at,
    }
    steps_file.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
    player = out_dir / "player.html"
    player.write_text(player_page(scene, lang, quality, record), encoding="utf-8")
    return [mp4, webm, poster, vtt, steps_file, player] + ([gif] if q["gif"] else []), cpu


def _poster_time(steps: dict, duration: float, fps: float) -> float:
    """The end of ``poster_step`` if the scene names one, else the last frame."""
    key = steps.get("poster_step")
    starts = [s["start"] for s in steps["steps"]]
    keys = [s["key"] for s in steps["steps"]]
    if key in keys and keys.index(key) + 1 < len(starts):
        return max(0.0, starts[keys.index(key) + 1] - 1.0 / fps)
    return max(0.0, duration - 1.0 / fps)


# --- pages: standalone player, offline deck, gallery ------------------------------------------------

_CSS = """body{margin:0;background:#0f131a;color:#e9ecf1;font-family:system-ui,"Noto Sans CJK SC",sans-serif}
video{display:block;width:100%;height:auto;max-height:100vh;background:#000}"""


def player_page(scene: str, lang: str, quality: str, record: dict) -> str:
    """A standalone page with one ``<video>`` (MP4 + WebM, poster, captions), for iframes."""
    title = html.escape(record["steps"][0]["label"] if not record.get("title") else record["title"])
    label = "English" if lang == "en" else "中文"
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(scene)} · {title}</title>
<style>{_CSS}</style></head><body>
<video controls playsinline preload="metadata" poster="poster.png"
 width="{record["width"]}" height="{record["height"]}">
<source src="{scene}.webm" type="video/webm"><source src="{scene}.mp4" type="video/mp4">
<track kind="captions" src="{scene}.vtt" srclang="{lang}" label="{label}" default>
</video></body></html>
"""


_DECK_JS = r"""
const scenes = JSON.parse(document.getElementById('deck-data').textContent);
const video = document.getElementById('v'), info = document.getElementById('info');
const webm = video.canPlayType('video/webm; codecs="vp9"') !== '';
let s = 0, step = 0, stopAt = null;
function bounds() {
  const st = scenes[s].steps;
  return [st[step].start, step + 1 < st.length ? st[step + 1].start : scenes[s].duration];
}
function show() {
  const sc = scenes[s];
  const where = `(${step + 1}/${sc.steps.length})`;
  info.textContent = `${s + 1}/${scenes.length} · ${sc.title} — ${sc.steps[step].label} ${where}`;
  document.getElementById('narration').textContent = sc.steps[step].narration;
}
function load(i, atEnd) {
  s = (i + scenes.length) % scenes.length;
  const sc = scenes[s];
  video.poster = sc.poster; video.src = webm ? sc.webm : sc.src;
  step = atEnd ? sc.steps.length - 1 : 0;
  video.addEventListener('loadedmetadata', () => { video.currentTime = atEnd ? sc.duration - 0.05 : 0; }, {once: true});
  stopAt = null; show();
}
function watch() {  // pause at the step boundary (checked every animation frame, not only on timeupdate)
  if (stopAt === null) return;
  if (video.currentTime >= stopAt - 0.05 || video.ended) {
    video.pause(); video.currentTime = Math.min(stopAt, scenes[s].duration) - 0.03; stopAt = null; return;
  }
  requestAnimationFrame(watch);
}
function play() {
  const [a, b] = bounds(); if (video.currentTime < a) video.currentTime = a;
  stopAt = b; video.play(); requestAnimationFrame(watch);
}
function next() {
  const st = scenes[s].steps;
  if (!video.paused) { video.currentTime = bounds()[1] - 0.03; video.pause(); stopAt = null; return; }
  if (video.currentTime < bounds()[1] - 0.1) { play(); return; }
  if (step + 1 < st.length) { step++; show(); play(); } else { load(s + 1, false); }
}
function prev() {
  if (step > 0) { step--; video.pause(); video.currentTime = bounds()[0]; stopAt = null; show(); }
  else { load(s - 1, true); }
}
document.addEventListener('keydown', e => {
  if (['ArrowRight', 'PageDown', ' ', 'Enter'].includes(e.key)) { e.preventDefault(); next(); }
  else if (['ArrowLeft', 'PageUp', 'Backspace'].includes(e.key)) { e.preventDefault(); prev(); }
  else if (e.key === 'f') { const d = document.documentElement; if (d.requestFullscreen) d.requestFullscreen(); }
  else if (e.key === 'c') { document.body.classList.toggle('captions'); }
  else if (e.key === 'Home') { load(0, false); }
});
document.getElementById('next').onclick = next; document.getElementById('prev').onclick = prev;
load(0, false);
"""


def deck_page(lang: str, scenes: list[dict]) -> str:
    """The offline lecture deck: one page, no external resources; →/space plays to the next step and
    pauses, ← goes back, f is full screen, c shows the narration."""
    ui = {
        "en": ("Lecture deck", "→ / space: next step · ← : back · f: full screen · c: narration", "back", "next"),
        "zh": ("课堂演示", "→ / 空格：下一步 · ←：上一步 · f：全屏 · c：显示旁白", "上一步", "下一步"),
    }[lang]
    data = json.dumps(scenes, ensure_ascii=False).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{ui[0]}</title>
<style>{_CSS}
main{{display:flex;flex-direction:column;height:100vh}}
#stage{{flex:1;display:flex;align-items:center;justify-content:center;min-height:0}}
#stage video{{max-height:100%;width:auto;max-width:100%}}
footer{{display:flex;gap:1em;align-items:center;padding:.4em 1em;font-size:14px;color:#8b93a1}}
button{{background:#1d2430;color:#e9ecf1;border:1px solid #3a4352;border-radius:4px;padding:.3em .9em;cursor:pointer}}
#narration{{display:none;padding:.3em 1em;font-size:18px}} body.captions #narration{{display:block}}
#info{{flex:1;color:#e9ecf1}}</style></head><body>
<main><div id="stage"><video id="v" playsinline preload="auto"></video></div>
<div id="narration"></div>
<footer><button id="prev">◀ {ui[2]}</button><span id="info"></span><span>{ui[1]}</span>
<button id="next">{ui[3]} ▶</button></footer></main>
<script type="application/json" id="deck-data">{data}</script>
<script>{_DECK_JS}</script></body></html>
"""


def _media_dir(generated: Path, scene: str, lang: str, quality: str) -> Path:
    return generated / OUT / scene / lang / quality


def _scene_target(scene: str, quality: str) -> None:
    spec = SCENES[scene]
    deps = tuple(f"export:{e}" for e in spec.exports)

    @target(
        PREFIX[quality] + scene,
        "animation",
        depends=deps,
        params={
            "scene": scene,
            "quality": quality,
            "settings": QUALITIES[quality],
            "sources": source_hashes(scene),
            "manim": _manim_version(),
        },
    )
    def build(ctx) -> list[Path]:
        exports = {dep: ctx.dep(dep)[0] for dep in deps}
        with ThreadPoolExecutor(max_workers=max(1, min(len(ctx.langs), os.cpu_count() or 1))) as pool:
            futures = [
                pool.submit(
                    render, scene, lang, quality, _media_dir(ctx.generated, scene, lang, quality), exports, ctx.cache
                )
                for lang in ctx.langs
            ]
            written = [p for f in futures for p in f.result()]
        for lang in ctx.langs:
            log = RENDER_LOG.get((scene, lang, quality))
            if log:
                print(
                    f"[animate] {scene:<22s} {lang} {quality:<7s} {log['wall']:6.1f} s wall, {log['cpu']:6.1f} s cpu",
                    file=sys.stderr,
                )
        return written


def _manim_version() -> str:
    try:
        from importlib.metadata import version

        return version("manim")
    except Exception:  # pragma: no cover - manim not installed: the render itself will say so
        return "missing"


for _scene in SCENES:
    _scene_target(_scene, "preview")


def register_hd() -> list[str]:
    """Register the HD targets (not part of the default build: rendered on request only)."""
    for scene in SCENES:
        if PREFIX["hd"] + scene not in REGISTRY:
            _scene_target(scene, "hd")
    return [PREFIX["hd"] + s for s in SCENES]


def _deck_scenes(generated: Path, lang: str, base: str) -> list[dict]:
    import importlib.util

    spec_ = importlib.util.spec_from_file_location("_anim_strings", ANIMATIONS / "strings.py")
    strings = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(strings)
    out = []
    for scene in SCENES:
        d = _media_dir(generated, scene, lang, "preview")
        record = json.loads((d / "steps.json").read_text(encoding="utf-8"))
        rel = f"{base}{scene}/{lang}/preview/"
        out.append(
            {
                "scene": scene,
                "title": strings.text(lang, f"{scene}.title"),
                "src": rel + f"{scene}.mp4",
                "webm": rel + f"{scene}.webm",
                "poster": rel + "poster.png",
                "duration": record["duration"],
                "steps": [{k: s[k] for k in ("start", "label", "narration")} for s in record["steps"]],
            }
        )
    return out


_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


@target(
    "animation:deck",
    "animation",
    depends=tuple(PREFIX["preview"] + s for s in SCENES),
    params={"sources": {name: _sha(ANIMATIONS / name) for name in SHARED}},
)
def _deck(ctx) -> list[Path]:
    written = []
    for lang in ctx.langs:
        page = ctx.path(OUT, "deck", lang, "index.html")
        page.write_text(deck_page(lang, _deck_scenes(ctx.generated, lang, "../../")), encoding="utf-8")
        archive = ctx.path(OUT, "deck", f"lecture-deck-{lang}.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:

            def add(path: Path, name: str):
                info = zipfile.ZipInfo(name, _ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, path.read_bytes())

            add(page, f"animations/deck/{lang}/index.html")
            for scene in SCENES:
                d = _media_dir(ctx.generated, scene, lang, "preview")
                for name in (f"{scene}.mp4", f"{scene}.webm", "poster.png", f"{scene}.vtt"):
                    add(d / name, f"animations/{scene}/{lang}/preview/{name}")
            readme = {
                "en": "Open animations/deck/en/index.html in a browser (works offline). → or space: next step; "
                "← back; f full screen; c narration. Media: CC BY 4.0.\n",
                "zh": "用浏览器打开 animations/deck/zh/index.html（无需联网）。→ 或空格：下一步；← 上一步；"
                "f 全屏；c 显示旁白。媒体文件：CC BY 4.0。\n",
            }[lang]
            info = zipfile.ZipInfo("README.txt", _ZIP_TIME)
            z.writestr(info, readme)
        written += [page, archive]
    return written


# --- the gallery for docs/instructors(.zh).md ---------------------------------------------------------

GALLERY_UI = {
    "en": {
        "duration": "Duration",
        "shows": "What it shows",
        "download": "Download",
        "embed": "Embed",
        "player": "standalone player",
        "steps": "Steps",
        "hd_missing": "HD (1920×1080, 30 fps): run `explainer animations {scene} --quality hd` to render it locally.",
    },
    "zh": {
        "duration": "时长",
        "shows": "内容",
        "download": "下载",
        "embed": "嵌入",
        "player": "独立播放页",
        "steps": "步骤",
        "hd_missing": "高清（1920×1080，30 fps）：在本地运行 `explainer animations {scene} --quality hd` 生成。",
    },
}


def _size(path: Path) -> str:
    n = path.stat().st_size
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB"


def gallery_markdown(generated: Path, lang: str, base: str, site_base: str = "") -> str:
    """One section per scene: poster + player, duration, steps, downloads (every format and
    quality that exists), and copyable ``<video>``/iframe snippets. ``base`` is the path from the
    page to ``docs/generated/`` on the site."""
    import importlib.util

    spec_ = importlib.util.spec_from_file_location("_anim_strings", ANIMATIONS / "strings.py")
    strings = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(strings)
    ui = GALLERY_UI[lang]
    parts = []
    for scene in SCENES:
        d = _media_dir(generated, scene, lang, "preview")
        record = json.loads((d / "steps.json").read_text(encoding="utf-8"))
        rel = f"{base}{OUT}/{scene}/{lang}/preview/"
        title = strings.text(lang, f"{scene}.title")
        steps = " → ".join(s["label"] for s in record["steps"])
        shows = " ".join(s["narration"] for s in record["steps"])
        downloads = []
        for quality in QUALITIES:
            qd = _media_dir(generated, scene, lang, quality)
            if not (qd / f"{scene}.mp4").exists():
                continue
            qrel = f"{base}{OUT}/{scene}/{lang}/{quality}/"
            q = QUALITIES[quality]
            files = [
                (f"{scene}.mp4", "MP4"),
                (f"{scene}.webm", "WebM"),
                (f"{scene}.gif", "GIF"),
                ("poster.png", "PNG"),
                (f"{scene}.vtt", "WebVTT"),
            ]
            links = [
                f'<a href="{qrel}{name}" download>{kind}</a> ({_size(qd / name)})'
                for name, kind in files
                if (qd / name).exists()
            ]
            downloads.append(
                f"<li>{quality} {q['width']}×{q['height']}, {q['fps']} fps: " + " · ".join(links) + "</li>"
            )
        hd_note = (
            ""
            if (_media_dir(generated, scene, lang, "hd") / f"{scene}.mp4").exists()
            else f"\n\n{ui['hd_missing'].format(scene=scene)}"
        )
        video_snippet = (
            f'<video controls playsinline poster="{site_base}{OUT}/{scene}/{lang}/preview/poster.png" width="854">\n'
            f'  <source src="{site_base}{OUT}/{scene}/{lang}/preview/{scene}.webm" type="video/webm">\n'
            f'  <source src="{site_base}{OUT}/{scene}/{lang}/preview/{scene}.mp4" type="video/mp4">\n'
            f'  <track kind="captions" src="{site_base}{OUT}/{scene}/{lang}/preview/{scene}.vtt" '
            f'srclang="{lang}" default>\n'
            f"</video>"
        )
        iframe_snippet = (
            f'<iframe src="{site_base}{OUT}/{scene}/{lang}/preview/player.html" width="854" height="480" '
            f'style="border:0" allowfullscreen></iframe>'
        )
        player_link = f'<a href="{rel}player.html">{ui["player"]}</a>'
        parts.append(f"""### {title} {{ #{scene.replace("_", "-")} }}

<video class="gallery-video" controls playsinline preload="none" poster="{rel}poster.png" width="854">
<source src="{rel}{scene}.webm" type="video/webm">
<source src="{rel}{scene}.mp4" type="video/mp4">
<track kind="captions" src="{rel}{scene}.vtt" srclang="{lang}" label="{"English" if lang == "en" else "中文"}">
</video>

**{ui["duration"]}:** {record["duration"]:.1f} s · **{ui["steps"]}:** {steps} · {player_link}

**{ui["shows"]}:** {shows}

**{ui["download"]}:**

<ul>
{chr(10).join(downloads)}
</ul>{hd_note}

**{ui["embed"]}:**

```html
{video_snippet}
```

```html
{iframe_snippet}
```
""")
    return "\n".join(parts)


# Raw HTML is not rewritten by MkDocs, so the paths are relative to the page's URL: /instructors/ for
# English, /zh/instructors/ for Chinese (mkdocs-static-i18n does not copy docs/generated/ under /zh/).
GALLERY_BASE = {"en": "../generated/", "zh": "../../generated/"}
# Embed snippets need absolute URLs: the deployed site's (SITE_URL, as mkdocs.yml reads it), else a
# placeholder the page tells the reader to replace.
SITE_BASE = (os.environ.get("SITE_URL", "").rstrip("/") or "https://YOUR-SITE") + "/generated/"


@target(
    "table:animation-gallery",
    "table",
    depends=tuple(PREFIX["preview"] + s for s in SCENES),
    params={"sources": {name: _sha(ANIMATIONS / name) for name in SHARED}, "site": SITE_BASE},
)
def _gallery(ctx) -> list[Path]:
    written = []
    for lang in ctx.langs:
        name = "gallery.md" if lang == "en" else f"gallery.{lang}.md"
        path = ctx.path("tables", name)
        path.write_text(
            gallery_markdown(ctx.generated, lang, GALLERY_BASE[lang], site_base=SITE_BASE), encoding="utf-8"
        )
        written.append(path)
    return written


# --- command line ---------------------------------------------------------------------------------


def report(scenes: list[str], langs: tuple[str, ...], quality: str, generated: Path, file=None) -> None:
    """Per scene and language: render time (wall and CPU, or "cached"), duration and file sizes."""
    out = file or sys.stderr
    print(
        f"\n{'scene':<22s} {'lang':<4s} {'quality':<8s} {'render':>9s} {'cpu':>8s} {'length':>7s} "
        f"{'mp4':>8s} {'webm':>8s} {'gif':>8s}",
        file=out,
    )
    total = 0.0
    for scene in scenes:
        for lang in langs:
            d = _media_dir(generated, scene, lang, quality)
            log = RENDER_LOG.get((scene, lang, quality))
            rec = json.loads((d / "steps.json").read_text(encoding="utf-8")) if (d / "steps.json").exists() else {}
            size = lambda n, d=d: f"{(d / n).stat().st_size / 1e3:.0f} kB" if (d / n).exists() else "-"
            wall = f"{log['wall']:.1f} s" if log else "cached"
            cpu = f"{log['cpu']:.1f} s" if log else ""
            total += log["wall"] if log else 0.0
            print(
                f"{scene:<22s} {lang:<4s} {quality:<8s} {wall:>9s} {cpu:>8s} {rec.get('duration', 0):6.1f}s "
                f"{size(scene + '.mp4'):>8s} {size(scene + '.webm'):>8s} {size(scene + '.gif'):>8s}",
                file=out,
            )
    print(f"renders: {total:.1f} s of render time (renders of one scene's languages run in parallel)", file=out)


def main(
    scenes=None,
    *,
    lang: str = "all",
    quality: str = "preview",
    progress: bool = True,
    generated: Path | None = None,
    cache: Path | None = None,
) -> int:
    """``explainer animations [SCENE ...] --lang en|zh|all --quality preview|hd``."""
    from . import pipeline

    names = check_scenes(scenes)
    check_quality(quality)
    if lang not in ("en", "zh", "all"):
        raise ValueError(f"lang must be 'en', 'zh' or 'all', got {lang!r}")
    if quality == "hd":
        register_hd()
    wanted = [PREFIX[quality] + s for s in names]
    if quality == "preview" and names == list(SCENES):
        wanted += ["animation:deck", "table:animation-gallery"]
    generated = Path(generated or pipeline.GENERATED)
    kwargs = {"generated": generated, "cache": Path(cache or pipeline.CACHE)}
    start = time.perf_counter()
    pipeline.build(wanted, lang=lang, progress=progress, **kwargs)
    if quality == "hd" and lang == "all":  # the gallery lists HD downloads once they exist
        pipeline.build(["table:animation-gallery"], lang=lang, progress=False, force=True, **kwargs)
    langs = LANGS if lang == "all" else (lang,)
    report(names, langs, quality, generated)
    print(f"done in {time.perf_counter() - start:.1f} s; media in {generated / OUT}", file=sys.stderr)
    return 0
