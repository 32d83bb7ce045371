"""How to credit an animation (CC BY 4.0: title, author, source, licence), in each language: the
line the gallery, the players and the deck's zip give. The author is the project's team
(``credit.author`` in ``strings/pages.toml``: the project has no author list of its own); the
source is the lesson page on the deployed site when its address is known (``SITE_URL``)."""

from __future__ import annotations

from sitebuild.media.lessons import LESSONS
from sitebuild.media.pages import scene_title, ui


def lesson_path(scene: str, lang: str) -> str:
    """The lesson that shows ``scene``, relative to the site's root.

    >>> lesson_path("masks", "en"), lesson_path("masks", "zh")
    ('masking/', 'zh/masking/')
    """
    return ("" if lang == "en" else f"{lang}/") + f"{LESSONS[scene]}/"


def credit(scene: str, lang: str, site: str) -> str:
    """The credit line of ``scene`` in ``lang``; ``site`` is the site's address ending in ``/``
    (:func:`sitebuild.media.pages.site_url`), or ``""`` when unknown (no source is given then).

    >>> credit("masks", "en", "https://example.org/flows/")  # doctest: +NORMALIZE_WHITESPACE
    'Animation “Masks on an image” by the Flows, explained authors, https://example.org/flows/masking/,
     licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)'
    >>> credit("masks", "zh", "")
    '动画“图像上的掩码”，作者：《用能运行的代码讲清流模型》编写组，采用 CC BY 4.0 许可（https://creativecommons.org/licenses/by/4.0/deed.zh-hans）'
    """
    words = ui(lang)
    source = words["credit.source"].format(url=site + lesson_path(scene, lang)) if site else ""
    return words["credit.line"].format(
        title=scene_title(scene, lang), author=words["credit.author"], source=source, licence=words["credit.licence"]
    )
