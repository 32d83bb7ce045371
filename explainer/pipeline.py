"""One cached pipeline for everything the site shows: figures, trained models, exported arrays,
tables and animations.

Each output is a *target*: a function registered with :func:`target` that writes files and
returns their paths. A target is rebuilt only when its key changes; the key is a SHA-256 over

- the source of the module that defines it (one figure per module: editing a figure rebuilds
  that figure and only that figure),
- the source of every module listed in ``code=`` (e.g. the transforms a trained model uses),
- its ``params``, and the keys of the targets it ``depends`` on.

The manifest lives in ``.cache/pipeline/manifest.json``; outputs go under ``docs/generated/``
(site files) or ``.cache/pipeline/`` (checkpoints, exports). Everything is seeded, so the same
commit regenerates the same data.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "docs" / "generated"
CACHE = ROOT / ".cache" / "pipeline"
LANGS = ("en", "zh")

# Modules that register targets (imported on demand, in this order).
TARGET_MODULES = (
    "explainer.trained",
    "explainer.matching.trained",
    "explainer.figures",
    "explainer.export",
    "explainer.comparison",
    "explainer.images.experiment",
    "explainer.animate",
)


@dataclass
class Target:
    name: str
    kind: str
    func: Callable[[Context], list[Path]]
    depends: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)


@dataclass
class Context:
    """What a target function receives: where to write, and its dependencies' outputs."""

    target: Target
    generated: Path
    cache: Path
    langs: tuple[str, ...]
    outputs: dict[str, list[Path]]

    @property
    def params(self) -> dict:
        return self.target.params

    def dep(self, name: str) -> list[Path]:
        """Output paths of dependency ``name``."""
        if name not in self.target.depends:
            raise KeyError(f"target {self.target.name!r} reads {name!r} but does not declare it in depends=")
        return self.outputs[name]

    def path(self, *parts: str, cache: bool = False) -> Path:
        """A path under docs/generated (or the private cache) with its folder created."""
        p = (self.cache if cache else self.generated).joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


REGISTRY: dict[str, Target] = {}


def target(name: str, kind: str, *, depends=(), code=(), params=None):
    """Register ``func(ctx) -> list[Path]`` as pipeline target ``name`` (decorator)."""
    kinds = ("figure", "model", "export", "table", "animation")
    if kind not in kinds:
        raise ValueError(f"unknown target kind {kind!r}; choose one of {kinds}")

    def register(func):
        REGISTRY[name] = Target(name, kind, func, tuple(depends), tuple(code), dict(params or {}))
        return func

    return register


def _load_targets() -> None:
    for module in TARGET_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is None or not module.startswith(error.name):
                raise


def names(kind: str | None = None) -> list[str]:
    """Registered target names (optionally of one kind), in registration order."""
    _load_targets()
    return [n for n, t in REGISTRY.items() if kind is None or t.kind == kind]


def _source_hash(module_name: str) -> str:
    module = importlib.import_module(module_name)
    paths = [Path(inspect.getfile(module))]
    if paths[0].name == "__init__.py":  # a package: hash every module in it
        paths = sorted(paths[0].parent.rglob("*.py"))
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()


def _key(t: Target, keys: dict[str, str]) -> str:
    h = hashlib.sha256()
    h.update(_source_hash(t.func.__module__).encode())
    for module in t.code:
        h.update(_source_hash(module).encode())
    h.update(json.dumps(t.params, sort_keys=True, default=str).encode())
    for dep in t.depends:
        h.update(keys[dep].encode())
    return h.hexdigest()[:16]


def _order(wanted: list[str]) -> list[str]:
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name not in REGISTRY:
            raise ValueError(f"unknown pipeline target {name!r}; known targets: {', '.join(REGISTRY)}")
        if name in stack:
            raise ValueError(f"dependency cycle: {' -> '.join((*stack, name))}")
        if name in order:
            return
        for dep in REGISTRY[name].depends:
            visit(dep, (*stack, name))
        order.append(name)

    for name in wanted:
        visit(name, ())
    return order


def _manifest_path(cache: Path) -> Path:
    return cache / "manifest.json"


def _stored(path: Path) -> str:
    """How the manifest records an output: relative to the repository when inside it, else absolute
    (a build into a temporary folder, as the tests do)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# What the last build() did: (name, "built" | "cached", seconds) per target, in build order.
LAST_REPORT: list[tuple[str, str, float]] = []


def report(cache: Path = CACHE, kind: str | None = None, file=None) -> list[tuple[str, float]]:
    """Print (and return) each target's last build time from the manifest, slowest first, with
    the total; ``kind`` keeps one kind of target. Cached targets cost nothing, so this is what a
    cold build of them costs on this machine."""
    _load_targets()
    manifest_file = _manifest_path(Path(cache))
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    rows = sorted(((n, e["seconds"]) for n, e in manifest.items()
                   if n in REGISTRY and (kind is None or REGISTRY[n].kind == kind)), key=lambda r: -r[1])
    out = file or sys.stdout
    for name, seconds in rows:
        print(f"{name:<44s} {REGISTRY[name].kind:<10s} {seconds:8.2f} s", file=out)
    print(f"{'total':<44s} {'':<10s} {sum(s for _, s in rows):8.2f} s", file=out)
    return rows


def build(names_: list[str] | None = None, *, lang: str = "all", progress: bool = True,
          generated: Path = GENERATED, cache: Path = CACHE, force: bool = False) -> list[Path]:
    """Bring targets (default: all) up to date; return every output path.

    A target whose key matches the manifest and whose outputs all exist costs nothing.
    ``EXPLAINER_SKIP`` (comma-separated kinds, e.g. ``animation``) leaves kinds out.
    """
    _load_targets()
    generated, cache = Path(generated), Path(cache)
    if lang not in ("en", "zh", "all"):
        raise ValueError(f"lang must be 'en', 'zh' or 'all', got {lang!r}")
    langs = LANGS if lang == "all" else (lang,)
    skip = {k for k in os.environ.get("EXPLAINER_SKIP", "").split(",") if k}
    wanted = list(names_) if names_ else [n for n, t in REGISTRY.items() if t.kind not in skip]
    order = _order(wanted)
    manifest_file = _manifest_path(cache)
    manifest = json.loads(manifest_file.read_text()) if manifest_file.exists() else {}
    keys: dict[str, str] = {}
    outputs: dict[str, list[Path]] = {}
    report: list[tuple[str, str, float]] = []
    bar = tqdm(order, desc="pipeline", unit="target", disable=not progress, leave=False)
    for name in bar:
        bar.set_postfix_str(name)
        t = REGISTRY[name]
        keys[name] = key = _key(t, keys)
        entry = manifest.get(name)
        cached = [ROOT / p for p in entry["outputs"]] if entry else []  # absolute paths stay absolute
        if (not force and entry and entry["key"] == key and entry.get("langs") == list(langs)
                and all(p.exists() for p in cached)):
            outputs[name] = cached
            report.append((name, "cached", 0.0))
            continue
        if progress:
            bar.write(f"[pipeline] building {name} ({t.kind}) ...", file=sys.stderr)
        start = time.perf_counter()
        ctx = Context(t, generated, cache, langs, outputs)
        produced = [Path(p).resolve() for p in t.func(ctx)]
        missing = [p for p in produced if not p.exists()]
        if missing:
            raise RuntimeError(f"pipeline target {name!r} reported outputs it did not write: {missing}")
        seconds = time.perf_counter() - start
        outputs[name] = produced
        manifest[name] = {"key": key, "langs": list(langs), "seconds": round(seconds, 2),
                          "outputs": [_stored(p) for p in produced]}
        manifest_file.parent.mkdir(parents=True, exist_ok=True)
        if manifest_file.exists():  # another build may have written entries since we read it: keep them
            try:
                manifest = {**json.loads(manifest_file.read_text()), name: manifest[name]}
            except ValueError:
                pass
        partial = manifest_file.with_name(f"{manifest_file.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(manifest, indent=1, sort_keys=True))
        os.replace(partial, manifest_file)  # atomic: a concurrent reader never sees half a file
        report.append((name, "built", seconds))
    LAST_REPORT[:] = report
    if progress:
        built = [r for r in report if r[1] == "built"]
        print(f"[pipeline] {len(built)} built, {len(report) - len(built)} cached", file=sys.stderr)
        for name, _, seconds in built:
            print(f"[pipeline]   {name:<40s} {seconds:7.2f} s", file=sys.stderr)
    return [p for name in order for p in outputs[name]]
