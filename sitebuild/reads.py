"""Which data files a target reads while it builds: recorded with a Python audit hook.

Every ``open`` for reading (``open()``, ``np.load``, ``torch.load``, ``os.open``, ...) of a file
inside the repository is noted, except Python sources (the import closure covers those) and the
folders given in ``ignore`` (the pipeline's own outputs, covered by dependency keys). The
pipeline stores the list with the target and hashes those files into its key next time.

    >>> import tempfile
    >>> data = keys.ROOT / "pyproject.toml"
    >>> with recording() as read:
    ...     _ = data.read_text()
    >>> sorted(read) == [str(data)]
    True
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from . import keys

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
_active: list[tuple[set[str], tuple[str, ...]]] = []  # the recordings open in this process
_installed = False


def _is_read(mode, flags) -> bool:
    if isinstance(mode, str):
        return not any(c in mode for c in "wax+")
    return isinstance(flags, int) and not flags & _WRITE_FLAGS


def _hook(event: str, args: tuple) -> None:
    if event != "open" or not _active:
        return
    path, mode, flags = (tuple(args) + (None, None, None))[:3]
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, str) or not _is_read(mode, flags) or path.endswith((".py", ".pyc")):
        return
    path = os.path.abspath(path)
    for found, ignore in _active:
        if path.startswith(str(keys.ROOT) + os.sep) and not path.startswith(ignore) and os.path.isfile(path):
            found.add(path)


@contextlib.contextmanager
def recording(ignore=()):
    """Collect the repository files opened for reading inside the ``with`` block (a set of paths)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)  # cannot be removed: it does nothing while no recording is open
        _installed = True
    skip = tuple(str(Path(p).resolve()) + os.sep for p in ignore) + tuple(
        str(keys.ROOT / d) + os.sep for d in (".venv", ".git", ".cache", "docs/generated")
    )
    found: set[str] = set()
    _active.append((found, skip))
    try:
        yield found
    finally:
        _active.remove((found, skip))
