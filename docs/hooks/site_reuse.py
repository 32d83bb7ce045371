"""MkDocs hook: keep the files of the previous build that come out the same, instead of rewriting them.

Every ``mkdocs build`` and every ``mkdocs serve`` rebuild empties the site folder, copies every
static file into it again (~75 MB here: figures, animations and their Chinese versions) and
writes every page again. Deleting and rewriting that much is slow on a busy disk: on this
project's machines (ext4 mounted with ``discard``) it blocked a build for up to ~1 s while other
jobs were writing.

Before the build, the contents of the site folder are moved (renamed: no data is copied) into
its hidden subfolder ``.previous-build/``, which MkDocs' cleaning leaves alone, so the build
starts from an empty folder exactly as before. Then, wherever the build would write a file whose
previous version has exactly the bytes it is about to write, that file is moved back instead:

- static files (``File.copy_file``): the previous copy is compared with the source;
- pages, search index, sitemap (``mkdocs.utils.write_file``): with the new content.

After the build, whatever is left in ``.previous-build/`` is deleted, so the folder holds exactly
what a clean build writes. Nothing changes for ``--dirty`` builds.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import mkdocs.plugins
from mkdocs import utils
from mkdocs.structure.files import File

PREVIOUS = ".previous-build"

_state: dict = {}  # "dirty": a --dirty build; "site", "previous": the folders of the current build


def _previous(output: str) -> Path | None:
    """Where the previous build's version of the site file ``output`` is now, if anywhere."""
    if "previous" not in _state:
        return None
    rel = os.path.relpath(output, _state["site"])
    return None if rel.startswith("..") else _state["previous"] / rel


def _same_file(copy: Path, source: str) -> bool:
    try:
        return copy.stat().st_size == os.stat(source).st_size and copy.read_bytes() == Path(source).read_bytes()
    except OSError:
        return False


def _move_back(old: Path, output: str) -> None:
    os.makedirs(os.path.dirname(output), exist_ok=True)
    os.replace(old, output)


def _reusing_copy(original):
    def copy_file(self: File, dirty: bool = False) -> None:
        old = _previous(self.abs_dest_path) if self.abs_src_path and self.abs_dest_path else None
        if old is not None:
            if _same_file(Path(self.abs_dest_path), self.abs_src_path):
                return  # copied by this build already (theme files: once per language)
            if _same_file(old, self.abs_src_path):
                return _move_back(old, self.abs_dest_path)
        original(self, dirty)

    copy_file.original = original
    return copy_file


def _reusing_write(original):
    def write_file(content: bytes, output_path: str) -> None:
        old = _previous(output_path)
        try:
            if old is not None and old.stat().st_size == len(content) and old.read_bytes() == content:
                return _move_back(old, output_path)
        except OSError:
            pass
        original(content, output_path)

    write_file.original = original
    return write_file


def _outer_build(config) -> bool:
    i18n = config.plugins.get("i18n")
    return not (i18n is not None and getattr(i18n, "building", False))


def on_startup(command, dirty, **kwargs) -> None:
    _state["dirty"] = dirty


def on_config(config, **kwargs):
    # (re)wrap the originals on every build: a `mkdocs serve` rebuild reloads this hook
    File.copy_file = _reusing_copy(getattr(File.copy_file, "original", File.copy_file))
    utils.write_file = _reusing_write(getattr(utils.write_file, "original", utils.write_file))
    return config


@mkdocs.plugins.event_priority(-100)  # last before MkDocs empties the site folder
def on_pre_build(config, **kwargs) -> None:
    # (--dirty also read from the command line, as mkdocs-static-i18n does: a serve rebuild reloads this hook)
    if _state.get("dirty") or "--dirty" in sys.argv or not _outer_build(config):
        return
    site = Path(config.site_dir)
    previous = site / PREVIOUS
    shutil.rmtree(previous, ignore_errors=True)  # left by a build that failed
    entries = [e for e in site.iterdir() if not e.name.startswith(".")] if site.is_dir() else []
    if entries:
        previous.mkdir()
        for entry in entries:
            entry.rename(previous / entry.name)
        _state.update(site=site, previous=previous)


@mkdocs.plugins.event_priority(-200)  # after mkdocs-static-i18n built the other languages
def on_post_build(config, **kwargs) -> None:
    if _outer_build(config) and "previous" in _state:
        shutil.rmtree(_state.pop("previous"), ignore_errors=True)
