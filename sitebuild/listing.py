"""What a build would do, without building: every target with its kind and whether it is up to
date (``python -m sitebuild build --list``).

A target is up to date when, for each of its parts (languages), the key the pipeline computes now
equals the key recorded in the manifest and every recorded output exists: the same test
:func:`sitebuild.pipeline.build` makes before it builds anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import pipeline


@dataclass(frozen=True)
class Row:
    name: str
    kind: str
    state: str  # "up to date", "stale" or "not built"
    stale: tuple[str, ...] = ()  # the parts (languages) a build would redo


def rows(
    names: list[str] | None = None, *, lang: str = "all", skip: tuple[str, ...] = (), cache: Path = pipeline.CACHE
) -> list[Row]:
    """The targets a build with the same arguments would consider (dependencies first)."""
    if lang not in ("en", "zh", "all"):
        raise ValueError(f"lang must be 'en', 'zh' or 'all', got {lang!r}")
    langs = pipeline.LANGS if lang == "all" else (lang,)
    manifest = pipeline._read_manifest(Path(cache))
    registry = pipeline.load_targets()
    wanted = list(names) if names else [n for n, t in registry.items() if t.default and t.kind not in skip]
    now = pipeline.plan(wanted, langs=langs, manifest=manifest)
    entries = manifest.get("targets", {})
    out = []
    for name, parts in now.items():
        recorded = entries.get(name, {}).get("parts", {})
        stale = tuple(
            p
            for p, key in parts.items()
            if recorded.get(p, {}).get("key") != key
            or not all((pipeline.ROOT / o).exists() for o in recorded[p]["outputs"])
        )
        state = "not built" if not recorded else "stale" if stale else "up to date"
        out.append(Row(name, registry[name].kind, state, stale))
    return out


def show(rows_: list[Row], file=None) -> None:
    """One line per target, then a count per state."""
    import sys

    out = file or sys.stdout
    for r in rows_:
        parts = f" ({', '.join(r.stale)})" if r.state == "stale" and r.stale != ("*",) else ""
        print(f"{r.name:<44s} {r.kind:<10s} {r.state}{parts}", file=out)
    counts = {s: sum(r.state == s for r in rows_) for s in ("up to date", "stale", "not built")}
    print(f"{len(rows_)} targets: " + ", ".join(f"{n} {s}" for s, n in counts.items()), file=out)
