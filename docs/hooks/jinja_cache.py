"""MkDocs hook: keep the compiled theme templates in .cache/jinja/ between builds.

MkDocs creates a new Jinja environment for every build, and mkdocs-static-i18n builds once per
language, so Material's templates (main.html and the ~80 templates it includes) were parsed and
compiled twice per build, and again on every `mkdocs serve` rebuild: ~0.25 s each time. Jinja's own
bytecode cache stores the compiled code; an entry is only used for a template whose source is
unchanged (Jinja keys it by name and checks the source's checksum), so the output is the same.
"""

from __future__ import annotations

from pathlib import Path

import jinja2


def on_env(env, config, files, **kwargs):
    folder = Path(config.config_file_path).resolve().parent / ".cache" / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(folder))
    return env
