"""The pages that gather every scene: the offline lecture deck (and its zip), and the instructors'
gallery (Markdown for docs/instructors(.zh).md). The standalone player of one scene is
:mod:`sitebuild.media.player`.

The HTML, CSS and JavaScript are files in ``templates/`` (:mod:`sitebuild.media.templates`); the
words are in ``strings/pages.toml`` and the scenes' tables ``animations/strings/<scene>.toml``,
read on every call. The deck loads nothing from the network (no CDN): relative paths only, its
script and style inline, so it works from a ``file://`` URL and from its zip.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from sitebuild import strings
from sitebuild.keys import ROOT
from sitebuild.media.gif import gif_info
from sitebuild.media.layout import OUT, media_dir
from sitebuild.media.scenes import QUALITIES, SCENES
from sitebuild.media.templates import LANGUAGES, attr, css, fill, fragment, raw, text

UI_TABLE = Path(__file__).resolve().parent / "strings" / "pages.toml"
SCENE_TABLES = ROOT / "animations" / "strings"
# Raw HTML is not rewritten by MkDocs, so the gallery's paths are relative to the page's URL:
# /instructors/ for English, /zh/instructors/ for Chinese (mkdocs-static-i18n does not copy
# docs/generated/ under /zh/).
GALLERY_BASE = {"en": "../generated/", "zh": "../../generated/"}
GALLERY_LABELS = ("duration", "steps", "player", "shows", "download", "embed", "credit")
# per scene, in the deck's zip: the media in the deck's language, and the other languages' captions
# (the player offers every language's)
DECK_MEDIA = ("{scene}.mp4", "{scene}.webm", "poster.png", "{scene}.vtt", "player.html")
CAPTIONS_MEDIA = ("{scene}.vtt",)
ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # a fixed date: the same media give the same zip


def scene_table(scene: str) -> Path:
    """The string table of ``scene`` (what the Manim scene, the deck and the gallery say)."""
    return SCENE_TABLES / f"{scene}.toml"


def tables() -> tuple[Path, ...]:
    """Every string table the deck and the gallery read."""
    return (UI_TABLE, *(scene_table(s) for s in SCENES))


def ui(lang: str) -> dict[str, str]:
    """The words of the deck and the gallery in ``lang``."""
    return strings.load(UI_TABLE)[lang]


def scene_title(scene: str, lang: str) -> str:
    """
    >>> scene_title("masks", "zh")
    '图像上的掩码'
    """
    return strings.load(scene_table(scene))[lang]["title"]


def site_url(url: str | None = None) -> str:
    """The deployed site's address, ending in ``/``: from ``url``, by default ``SITE_URL`` (as
    mkdocs.yml reads it, when called); ``""`` when it is unknown (local builds).

    >>> site_url("https://example.org/flows"), site_url(" ")
    ('https://example.org/flows/', '')
    """
    url = (os.environ.get("SITE_URL", "") if url is None else url).strip()
    return url.rstrip("/") + "/" if url else ""


def site_base(url: str | None = None) -> str:
    """Absolute base URL of docs/generated/ on the deployed site, for the embed snippets, or ``""``
    when the address is unknown (the snippets are then relative, and the page says so).

    >>> site_base("https://example.org/flows/"), site_base("")
    ('https://example.org/flows/generated/', '')
    """
    site = site_url(url)
    return site + "generated/" if site else ""


def size_label(n: int) -> str:
    """A file size as the gallery shows it: bytes under 1 kB (never "0 kB").

    >>> size_label(512), size_label(1499), size_label(2_345_678)
    ('512 B', '1 kB', '2.3 MB')
    """
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1000 else f"{n} B"


def download_name(scene: str, lang: str, quality: str, name: str) -> str:
    """The name a downloaded file is saved under: scene, language and quality in it, so the
    English and Chinese files (and the posters of different scenes) never share a name.

    >>> download_name("masks", "zh", "preview", "poster.png"), download_name("masks", "en", "hd", "masks.mp4")
    ('masks-zh-preview-poster.png', 'masks-en-hd.mp4')
    """
    stem, ext = name.rsplit(".", 1)
    return f"{scene}-{lang}-{quality}" + ("" if stem == scene else f"-{stem}") + f".{ext}"


def video_fields(record: dict, scene: str, lang: str, base: str) -> dict[str, str]:
    """The template values every embed of a scene's preview shares (the gallery's and the
    lessons'): its title, anchor, languages, size, duration (from its :func:`steps_record`) and
    the folder of its media, ``base`` being the path from the page to ``docs/generated/``."""
    preview = QUALITIES["preview"]
    return {
        "title": text(scene_title(scene, lang)),
        "anchor": scene.replace("_", "-"),
        "scene": attr(scene),
        "lang": attr(lang),
        "language": attr(LANGUAGES[lang]["name"]),
        "width": preview["width"],
        "height": preview["height"],
        "rel": attr(f"{base}{OUT}/{scene}/{lang}/preview/"),
        "duration": f"{record['duration']:.1f}",
    }


def steps_record(generated: Path, scene: str, lang: str) -> dict:
    """The ``steps.json`` of a scene's preview render: duration and steps (start, label, narration)."""
    return json.loads((media_dir(generated, scene, lang, "preview") / "steps.json").read_text(encoding="utf-8"))


# --- the offline lecture deck ---------------------------------------------------------------------


def deck_scenes(generated: Path, lang: str, base: str) -> list[dict]:
    """What the deck plays: per scene its title, media (``base`` is the path from the deck to
    ``<generated>/animations/``), duration and steps, from the preview renders' ``steps.json``."""
    out = []
    for scene in SCENES:
        record, rel = steps_record(generated, scene, lang), f"{base}{scene}/{lang}/preview/"
        out.append(
            {
                "scene": scene,
                "title": scene_title(scene, lang),
                "src": rel + f"{scene}.mp4",
                "webm": rel + f"{scene}.webm",
                "poster": rel + "poster.png",
                "duration": record["duration"],
                "steps": [{k: s[k] for k in ("start", "label", "narration")} for s in record["steps"]],
            }
        )
    return out


def deck_page(lang: str, scenes: list[dict]) -> str:
    """The deck: one page, no external resources; →/space plays to the next step and pauses, ←
    goes back, f is full screen, c shows the narration. ``scenes`` is :func:`deck_scenes`."""
    words = ui(lang)
    data = json.dumps(scenes, ensure_ascii=False).replace("</", "<\\/")  # cannot end the <script>
    return fill(
        "deck.html",
        html_lang=attr(LANGUAGES[lang]["html"]),
        title=text(words["deck.title"]),
        css=css(),
        back=text(words["deck.back"]),
        keys=text(words["deck.keys"]),
        next=text(words["deck.next"]),
        data=data,
        script=raw("deck.js", "</script"),
    )


def zip_folder(lang: str) -> str:
    """The one top-level folder of the deck's zip (so the English and Chinese zips unpack side by
    side, README and all).

    >>> zip_folder("zh")
    'lecture-deck-zh'
    """
    return f"lecture-deck-{lang}"


def credits_text(lang: str, site: str) -> str:
    """CREDITS.txt of the deck's zip: how to credit each animation (``site``: :func:`site_url`)."""
    from sitebuild.media.credit import credit  # it reads this module's words

    return ui(lang)["deck.credits"] + "\n" + "".join(f"{credit(scene, lang, site)}\n" for scene in SCENES)


def deck_zip(archive: Path, page: Path, generated: Path, lang: str, site: str = "") -> Path:
    """The deck ``page`` with every scene's preview media, its player page (with the captions in
    every language), a README and CREDITS.txt, in one folder (:func:`zip_folder`) laid out as on
    the site (``animations/deck/<lang>/index.html``), with fixed dates: unzip and open, no network.
    ``site`` is the site's address for the credits (:func:`site_url`), ``""`` when unknown."""
    words, top = ui(lang), zip_folder(lang)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:

        def add(name: str, data: bytes | str) -> None:
            info = zipfile.ZipInfo(f"{top}/{name}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)

        add(f"{OUT}/deck/{lang}/index.html", page.read_bytes())
        for scene in SCENES:
            for other in LANGUAGES:
                folder = media_dir(generated, scene, other, "preview")
                for pattern in DECK_MEDIA if other == lang else CAPTIONS_MEDIA:
                    name = pattern.format(scene=scene)
                    add(f"{OUT}/{scene}/{other}/preview/{name}", (folder / name).read_bytes())
        author, licence = words["credit.author"], words["credit.licence"]
        add("README.txt", words["deck.readme"].format(author=author, licence=licence))
        add("CREDITS.txt", credits_text(lang, site))
    return archive


def deck_downloads(lang: str, archive: Path) -> str:
    """The instructors' page's links to the deck and its zip, with the zip's size (Markdown with
    raw HTML, paths relative to the page, like the gallery's)."""
    words, base = ui(lang), f"{GALLERY_BASE[lang]}{OUT}/deck/"
    path = f"<code>{zip_folder(lang)}/{OUT}/deck/{lang}/index.html</code>"
    return fill(
        "deck-downloads.html",
        page=attr(f"{base}{lang}/index.html"),
        open=text(words["deck.open"]),
        zip=attr(base + archive.name),
        filename=attr(archive.name),
        download=text(words["deck.download"].format(size=_size(archive))),
        unzip=words["deck.unzip"].format(path=path),
        separator=text(words["lesson.separator"]),
    )


# --- the instructors' gallery ---------------------------------------------------------------------


def _size(path: Path) -> str:
    return size_label(path.stat().st_size)


def _kind(folder: Path, name: str, kind: str, words: dict[str, str]) -> str:
    """The label of a download: its format, and for a GIF its own size and frame rate (read from
    the file: a GIF is smaller and slower than the video it comes from)."""
    if kind != "GIF":
        return kind
    info = gif_info(folder / name)
    fps = f"{info['fps']:g}" if info["fps"] else "?"
    return text(words["gallery.gif"].format(width=info["width"], height=info["height"], fps=fps))


def _downloads(generated: Path, scene: str, lang: str, base: str) -> list[str]:
    """One ``<li>`` per quality rendered, linking every file of it that exists."""
    files = ((f"{scene}.mp4", "MP4"), (f"{scene}.webm", "WebM"), (f"{scene}.gif", "GIF"), ("poster.png", "PNG"),
             (f"{scene}.vtt", "WebVTT"))  # fmt: skip
    words = ui(lang)
    items = []
    for quality, q in QUALITIES.items():
        folder = media_dir(generated, scene, lang, quality)
        if not (folder / f"{scene}.mp4").exists():
            continue
        rel = f"{base}{OUT}/{scene}/{lang}/{quality}/"
        links = [
            fragment("gallery-link.html", href=attr(rel + name), kind=_kind(folder, name, kind, words),
                     size=_size(folder / name), filename=attr(download_name(scene, lang, quality, name)))
            for name, kind in files
            if (folder / name).exists()
        ]  # fmt: skip
        label = words["gallery.quality"].format(quality=words[f"gallery.{quality}"], **q)
        separator = text(words["lesson.separator"])
        items.append(
            fragment("gallery-download.html", quality=text(label), separator=separator, links=" · ".join(links))
        )
    return items


def embed_note(lang: str, site: str) -> str:
    """What the page says above the snippets: where they point, and how to host the files."""
    words = ui(lang)
    return words["gallery.embed_site"].format(url=site_url_of(site)) if site else words["gallery.embed_local"]


def site_url_of(base: str) -> str:
    """The site's address from :func:`site_base`'s.

    >>> site_url_of("https://example.org/flows/generated/")
    'https://example.org/flows/'
    """
    return base.removesuffix("generated/")


def gallery_markdown(generated: Path, lang: str, base: str, site: str = "") -> str:
    """One section per scene: poster and player, duration, steps, what it shows, downloads (every
    format and quality that exists), and copyable ``<video>``/iframe snippets. ``base`` is the path
    from the page to ``docs/generated/`` on the site, ``site`` the absolute one (:func:`site_base`;
    ``""`` when unknown: the snippets are then relative, and the note above them says what to
    put before them). Every scene has its credit line."""
    from sitebuild.media.credit import credit  # it reads this module's words

    words, hd = ui(lang), QUALITIES["hd"]
    parts = [embed_note(lang, site) + "\n"]
    for scene in SCENES:
        record = steps_record(generated, scene, lang)
        has_hd = (media_dir(generated, scene, lang, "hd") / f"{scene}.mp4").exists()
        hd_note = words["gallery.hd_missing"].format(scene=scene, width=hd["width"], height=hd["height"], fps=hd["fps"])
        parts.append(
            fill(
                "gallery.md",
                **video_fields(record, scene, lang, base),
                embed=attr(f"{site}{OUT}/{scene}/{lang}/preview/"),
                steps=text(" → ".join(s["label"] for s in record["steps"])),
                shows=text(" ".join(s["narration"] for s in record["steps"])),
                downloads="\n".join(_downloads(generated, scene, lang, base)),
                hd_note="" if has_hd else f"\n\n{hd_note}",
                credit=text(credit(scene, lang, site_url_of(site))),
                **{f"{k}_label": text(words[f"gallery.{k}"]) for k in GALLERY_LABELS},
            )
        )
    return "\n".join(parts)
