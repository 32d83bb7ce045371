"""JSON files of the build caches under .cache/ (imported by the hooks, not a hook itself).

Two builds may run at once (``mkdocs serve`` and the tests): a file is written to a temporary
name and renamed into place, and a file that cannot be read (missing, half-written by an older
version, removed meanwhile) is simply a cache miss.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path


def read(path: Path):
    """The JSON in ``path``, or None."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(path: Path, data) -> None:
    """Store ``data`` in ``path`` (atomically; a failure only means no cache)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass


def keep_only(folder: Path) -> None:
    """Remove the other folders next to ``folder`` (caches for other sources or settings)."""
    for old in folder.parent.iterdir() if folder.parent.is_dir() else []:
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
