"""MkDocs hook: render each ``::: identifier`` block of the API page once, not on every build.

mkdocstrings renders docs/api.md (and docs/api.zh.md, whose ``:::`` blocks give the same HTML) by
loading explainer/ with griffe and rendering its Jinja templates: ~1 s per language per build,
the largest part of a warm build. What a block produces is stored in .cache/mkdocstrings/:

- its HTML (cross-references are still ``<autoref>`` placeholders: autorefs resolves them later,
  on every build, exactly as before);
- the headings it adds to the page (table of contents, autorefs anchors, objects.inv entries) and
  the aliases of each heading's object (extra autorefs anchors and inventory names).

The key covers the block (identifier, options, heading level, locale) and everything the output
depends on: the source of explainer/, docs/hooks/griffe_math.py, mkdocs.yml, and the versions of
the packages involved. A block whose rendering logs a warning is not stored, so ``--strict``
fails on it on every build.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib.metadata import version
from pathlib import Path
from xml.etree.ElementTree import Element

import jsoncache
import mkdocs.plugins
import yaml

PACKAGES = (
    "mkdocstrings",
    "mkdocstrings-python",
    "griffelib",
    "mkdocs-autorefs",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "mkdocs-material",
)


class _Warnings(logging.Handler):
    """Counts the warnings logged while a block renders."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


def _sources_key(root: Path, config) -> str:
    h = hashlib.sha256()
    files = sorted((root / "explainer").rglob("*.py")) + [
        Path(__file__).with_name("griffe_math.py"),
        Path(config.config_file_path),
    ]
    for path in files:
        h.update(str(path.resolve().relative_to(root)).encode() + b"\0" + path.read_bytes())
    for package in PACKAGES:
        h.update(f"{package}={version(package)}".encode())
    return h.hexdigest()[:16]


def _cached_process_block(original, folder: Path):
    """``AutoDocProcessor._process_block`` (collect and render one block), cached in ``folder``."""

    def process_block(self, identifier: str, yaml_block: str, heading_level: int = 0):
        handler = self._handlers.get_handler(self._handlers.get_handler_name(yaml.safe_load(yaml_block) or {}))
        key = hashlib.sha256(
            json.dumps([identifier, yaml_block, heading_level, self._handlers._locale]).encode()
        ).hexdigest()
        path = folder / f"{key}.json"
        stored = jsoncache.read(path)
        if stored is not None:
            for tag, attrib, text in stored["headings"]:
                heading = Element(tag, attrib)
                heading.text = text
                handler._headings.append(heading)  # what handler.do_heading() would have left there
            _add_aliases(handler, stored["aliases"])
            return stored["html"], handler, None

        warnings = _Warnings()
        logging.getLogger("mkdocs").addHandler(warnings)
        try:
            html, handler, data = original(self, identifier, yaml_block, heading_level)
        finally:
            logging.getLogger("mkdocs").removeHandler(warnings)
        if not warnings.count:
            headings = [[h.tag, dict(h.attrib), h.text] for h in handler._headings]
            aliases = {h.get("id"): list(handler.get_aliases(h.get("id"))) for h in handler._headings}
            jsoncache.write(path, {"html": html, "headings": headings, "aliases": aliases})
        return html, handler, data

    process_block.original = original
    return process_block


def _add_aliases(handler, aliases: dict[str, list[str]]) -> None:
    """Make ``handler.get_aliases`` answer for objects that griffe did not load in this build."""
    known = getattr(handler, "_cached_aliases", None)
    if known is None:
        known = handler._cached_aliases = {}
        get_aliases = handler.get_aliases
        handler.get_aliases = lambda identifier: get_aliases(identifier) or tuple(known.get(identifier, ()))
    known.update(aliases)


@mkdocs.plugins.event_priority(-150)
def on_config(config, **kwargs):
    if "mkdocstrings" not in config.plugins:
        return config
    from mkdocstrings._internal.extension import AutoDocProcessor

    root = Path(config.config_file_path).resolve().parent
    folder = root / ".cache" / "mkdocstrings" / _sources_key(root, config)
    jsoncache.keep_only(folder)
    # (re)wrap the original on every build: a `mkdocs serve` rebuild reloads this hook
    original = getattr(AutoDocProcessor._process_block, "original", AutoDocProcessor._process_block)
    AutoDocProcessor._process_block = _cached_process_block(original, folder)
    return config
