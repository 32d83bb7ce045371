"""The standalone player: a page with one scene's ``<video>`` and nothing else (what the iframe
embed snippets of the gallery point to). It sits next to the media it plays; it uses
``templates/player.html`` and ``templates/media.css`` only, so a render's key does not depend on
the deck or the gallery."""

from __future__ import annotations

from sitebuild.media import templates


def player_page(scene: str, lang: str, record: dict) -> str:
    """The page for ``scene`` in ``lang`` (WebM + MP4, poster, captions); ``record`` is the
    scene's ``steps.json``.

    >>> record = {"width": 854, "height": 480, "steps": [{"label": "a <b>"}]}
    >>> page = player_page("masks", "zh", record)
    >>> '<html lang="zh-CN">' in page, "<title>masks · a &lt;b&gt;</title>" in page, 'label="中文"' in page
    (True, True, True)
    """
    title = record["title"] if record.get("title") else record["steps"][0]["label"]
    return templates.fill(
        "player.html",
        html_lang=templates.attr(templates.LANGUAGES[lang]["html"]),
        scene=templates.attr(scene),
        title=templates.text(title),
        css=templates.css(),
        width=int(record["width"]),
        height=int(record["height"]),
        lang=templates.attr(lang),
        language=templates.attr(templates.LANGUAGES[lang]["name"]),
    )
