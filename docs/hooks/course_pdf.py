"""MkDocs hook: after ``mkdocs build``, the course as one PDF per language
(``<site>/downloads/flows-explained-<lang>.pdf``, linked from the home pages), printed by headless
Chromium from the built site (sitebuild/course/) and cached by the content of what it prints.

- Runs after mkdocs-static-i18n has built the Chinese pages (``on_post_build``, priority -150:
  after the plugin's -100, before site_reuse's -200), once per build, not in the inner builds.
- Not under ``mkdocs serve``: a reader editing a page does not wait for a print (the home page's
  link answers 404 there). ``EXPLAINER_PDF=0`` leaves it out of a build too.
- Any error fails the build, naming the problem (Chromium missing, math not typeset, ...).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import mkdocs.plugins

log = logging.getLogger("mkdocs.hooks.course_pdf")
_state: dict = {}


def on_startup(command, **kwargs) -> None:
    _state["command"] = command


def _wanted() -> bool:
    return os.environ.get("EXPLAINER_PDF", "1").strip().lower() not in ("0", "off", "false", "no")


@mkdocs.plugins.event_priority(-150)
def on_post_build(config, **kwargs) -> None:
    i18n = config.plugins.get("i18n")
    if i18n is not None and getattr(i18n, "building", False):
        return  # an inner (per-language) build: the outer one prints, once both languages exist
    if _state.get("command") == "serve" or not _wanted():
        log.info("course PDF not made (mkdocs serve, or EXPLAINER_PDF=0)")
        return
    root = str(Path(config.config_file_path).resolve().parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from sitebuild.course import build
    from sitebuild.media.pages import site_url

    for made in build.make_all(Path(config.site_dir), site_url(config.site_url or "")):
        how = "unchanged, from the cache" if made.cached else "printed"
        log.info(f"course PDF ({made.lang}): {made.size / 1e6:.1f} MB, {how}, {made.seconds:.1f} s")
