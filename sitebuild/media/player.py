"""The standalone player: a page with one scene's ``<video>`` and its credit line (what the
iframe embed snippets of the gallery point to). It sits next to the preview media it plays and
offers the captions of every language, the page's language on by default. It uses
``templates/player.html`` and ``templates/media.css`` and the words of ``strings/pages.toml``; it
is written by its own target (:mod:`sitebuild.media.page_targets`), so editing it never
re-renders a scene."""

from __future__ import annotations

from sitebuild.media import templates
from sitebuild.media.credit import credit, lesson_path
from sitebuild.media.pages import scene_title, ui


def tracks(scene: str, lang: str) -> str:
    """The ``<track>`` of every language, ``lang`` first and on by default; the others are in
    their sibling folders (``../../<other>/preview/``).

    >>> print(tracks("masks", "zh"))
    <track kind="captions" src="masks.vtt" srclang="zh" label="中文" default>
    <track kind="captions" src="../../en/preview/masks.vtt" srclang="en" label="English">
    """
    out = []
    for other in sorted(templates.LANGUAGES, key=lambda o: o != lang):
        src = f"{scene}.vtt" if other == lang else f"../../{other}/preview/{scene}.vtt"
        name = templates.LANGUAGES[other]["name"]
        out.append(
            f'<track kind="captions" src="{templates.attr(src)}" srclang="{other}" label="{templates.attr(name)}"'
            + (" default>" if other == lang else ">")
        )
    return "\n".join(out)


def player_page(scene: str, lang: str, record: dict, site: str = "") -> str:
    """The page for ``scene`` in ``lang`` (WebM + MP4, poster, captions in every language, the
    credit line and a link to the lesson); ``record`` is the scene's ``steps.json``, ``site`` the
    site's address (``""`` when unknown: the lesson link is then relative).

    >>> record = {"width": 854, "height": 480}
    >>> page = player_page("masks", "zh", record)
    >>> '<html lang="zh-CN">' in page, "<title>图像上的掩码 · 用能运行的代码讲清流模型</title>" in page
    (True, True)
    """
    words = ui(lang)
    # the player is at <site>/generated/animations/<scene>/<lang>/preview/player.html
    lesson = (site or "../../../../../") + lesson_path(scene, lang)
    return templates.fill(
        "player.html",
        html_lang=templates.attr(templates.LANGUAGES[lang]["html"]),
        scene=templates.attr(scene),
        title=templates.text(f"{scene_title(scene, lang)} · {words['site.name']}"),
        css=templates.css(),
        width=int(record["width"]),
        height=int(record["height"]),
        tracks=tracks(scene, lang),
        credit=templates.text(credit(scene, lang, site)),
        lesson=templates.attr(lesson),
        lesson_label=templates.text(words["player.lesson"]),
    )
