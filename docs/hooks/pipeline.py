"""MkDocs hook: bring docs/generated/ up to date before every build.

Calls ``sitebuild.pipeline.build()`` in ``on_pre_build``, i.e. before MkDocs collects the files
of docs/, so a fresh clone shows every figure, table and animation. The pipeline is cached by
content: when nothing changed it answers from a fingerprint of its inputs in a few milliseconds,
without importing torch or any target.

- Runs once per build cycle: mkdocs-static-i18n re-runs the whole build once per extra language,
  and those inner builds skip the pipeline.
- Any error in the pipeline fails the build (a site with stale or missing figures is worse than
  no site).
- ``EXPLAINER_PIPELINE=0`` skips it explicitly (for editing prose against an existing
  docs/generated/); ``EXPLAINER_SKIP=animation`` (comma-separated kinds) leaves kinds out.
- ``mkdocs serve``: explainer/, sitebuild/ and animations/ are watched (mkdocs.yml ``watch:``);
  before each rebuild their modules are dropped from ``sys.modules`` so edited code is what
  runs. docs/generated/ is not watched: the pipeline writes it during ``on_pre_build`` of the
  very build that then reads it, so watching it would only trigger a second, redundant rebuild.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import mkdocs.plugins

log = logging.getLogger("mkdocs.hooks.pipeline")
PACKAGES = ("explainer", "sitebuild")


def _inner_i18n_build(config) -> bool:
    """True inside the extra-language builds that mkdocs-static-i18n runs from on_post_build."""
    i18n = config.plugins.get("i18n")
    return bool(i18n is not None and getattr(i18n, "building", False))


def _forget_project_modules() -> None:
    for name in [m for m in sys.modules if m.split(".")[0] in PACKAGES]:
        del sys.modules[name]


@mkdocs.plugins.event_priority(100)
def on_pre_build(config, **kwargs) -> None:
    if _inner_i18n_build(config):
        return
    if os.environ.get("EXPLAINER_PIPELINE", "1").strip().lower() in ("0", "off", "false", "no"):
        # info, not warning: mkdocs.yml is strict, and a warning would stop the build (and serve)
        log.info(
            "EXPLAINER_PIPELINE=0: not running sitebuild.pipeline.build(); the site uses whatever docs/generated/ holds"
        )
        return
    root = str(Path(config.config_file_path).resolve().parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    _forget_project_modules()  # mkdocs serve: run the code as it is now
    from sitebuild import pipeline

    skip = tuple(k for k in os.environ.get("EXPLAINER_SKIP", "").split(",") if k)
    start = time.perf_counter()
    result = pipeline.build(progress=True, skip=skip)
    log.info(
        f"pipeline: {len(result.outputs)} outputs up to date, {len(result.built)} built, "
        f"in {time.perf_counter() - start:.2f} s"
    )


def on_serve(server, config, builder, **kwargs):
    """Watch docs/ except docs/generated/ (written by the pipeline inside each build)."""
    docs = Path(config.docs_dir).resolve()
    generated = docs / "generated"
    if str(docs) not in server._watched_paths:  # private, but stable since MkDocs 1.2
        return server
    server.unwatch(str(docs))
    server.watch(str(docs), recursive=False)  # new or changed top-level pages
    for child in sorted(docs.iterdir()):
        if child.is_dir() and child != generated and not child.name.startswith("."):
            server.watch(str(child))
    return server
