r"""One cached pipeline for everything the site shows: trained models, figures, exported arrays,
tables and animations.

Each output is a *target*: a function registered with :func:`target` that writes files and
returns their paths. A target is rebuilt only when its key changes. The key is computed, never
listed by hand (:mod:`sitebuild.keys`): the source of every project module the target's code
imports, directly or not; the versions of the packages and programs it uses; the data files it
read last time; its parameters; its dependencies' keys; and, for a target with string tables,
that language's strings only (so a Chinese label rebuilds the Chinese figure only).

Independent targets build in parallel processes (``jobs``, default: every core). The manifest
``.cache/pipeline/manifest.json`` records each target's inputs, so every rebuild says which
input changed. Outputs go under ``docs/generated/`` (site files) or ``.cache/pipeline/``
(checkpoints, exports). Everything is seeded, so the same commit regenerates the same data.

Importing this module is cheap (no torch, no target modules): :func:`build` first compares a
fingerprint of every input of the last complete build, and returns at once when nothing changed.
"""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from . import keys, reads
from .inputs import _digest, _parts, changes, inputs, part_key  # noqa: F401  (part of the API)
from .registry import (  # noqa: F401  (the pipeline's API: targets register through sitebuild.registry)
    ALL,
    CACHE,
    ENVIRONMENT,
    GENERATED,
    KINDS,
    LANGS,
    REGISTRY,
    ROOT,
    Context,
    Target,
    load_targets,
    names,
    target,
    target_modules,
)

# --- the manifest --------------------------------------------------------------------------------


def _stored(path: Path) -> str:
    """How the manifest records an output: relative to the repository when inside it, else absolute
    (a build into a temporary folder, as the tests do)."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def _read_manifest(cache: Path) -> dict:
    path = cache / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return {}


def _write_manifest(cache: Path, manifest: dict) -> None:
    path = cache / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    partial.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(partial, path)  # atomic: a concurrent reader never sees half a file


def _stats(manifest: dict) -> dict[str, tuple[int, int]]:
    """Size and mtime of every project file and of every file a target recorded reading."""
    stats = {}
    for package in keys.PROJECT:
        for p in sorted((ROOT / package).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                st = p.stat()
                stats[p.relative_to(ROOT).as_posix()] = (st.st_size, st.st_mtime_ns)
    for rel in sorted({r for e in manifest.get("targets", {}).values() for r in e.get("reads", {})}):
        st = (ROOT / rel).stat() if (ROOT / rel).exists() else None
        stats[rel] = (st.st_size, st.st_mtime_ns) if st else (-1, -1)
    return stats


def fingerprint(stats: dict, request: dict) -> str:
    """A digest of every input any target can have: the files of :func:`_stats`, the tracked
    versions, ffmpeg, the environment the targets read, and the request. Equal to the one stored
    by the last complete build (and every output present) means nothing can be stale."""
    tracked = keys.versions(set(keys.DISTRIBUTIONS))
    tools = {t: keys.tool_stamp(t) for t in ("ffmpeg",)}
    environment = {name: os.environ.get(name) for name in ENVIRONMENT}
    return _digest([sorted(stats.items()), tracked, tools, environment, request, sys.version])


def _outputs_exist(manifest: dict) -> bool:
    return all(
        (ROOT / p).exists()
        for e in manifest.get("targets", {}).values()
        for part in e.get("parts", {}).values()
        for p in part["outputs"]
    )


# --- running one target --------------------------------------------------------------------------


def run_target(
    name: str, langs: tuple[str, ...], generated: str, cache: str, dep_outputs: dict[str, list[str]]
) -> tuple[dict[str, list[str]], list[str], float, list[str]]:
    """Build target ``name`` for ``langs`` (in this process); return ``({part: outputs}, files it
    read, seconds, warnings)``. This is what each worker process runs. Warnings raised while
    building (e.g. a glyph missing from a font) are returned, so a parallel build reports them.

    A target runs on one thread: the build's parallelism is its processes, one per core, and
    PyTorch's thread pool on top would oversubscribe the cores; one thread also makes an output
    the same whether it was built alone or beside others."""
    from explainer.device import single_thread

    t = load_targets()[name]
    ctx = Context(t, Path(generated), Path(cache), langs, {k: [Path(p) for p in v] for k, v in dep_outputs.items()})
    start = time.perf_counter()
    with reads.recording(ignore=(Path(generated), Path(cache))) as read, single_thread():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            produced = t.func(ctx)
    seconds = time.perf_counter() - start
    if t.strings:
        if not isinstance(produced, dict) or set(produced) != set(langs):
            raise RuntimeError(f"target {name!r} has string tables: it must return {{lang: paths}} for {langs}")
        parts = {lang: [str(Path(p).resolve()) for p in produced[lang]] for lang in langs}
    else:
        parts = {ALL: [str(Path(p).resolve()) for p in produced]}
    missing = [p for ps in parts.values() for p in ps if not Path(p).exists()]
    if missing:
        raise RuntimeError(f"pipeline target {name!r} reported outputs it did not write: {missing}")
    said = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return parts, sorted(read - {str(s.resolve()) for s in t.strings}), seconds, said


def _worker_init() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"  # and one thread in the programs a target runs (Manim, ffmpeg)
    load_targets()  # once per worker process, before its first target


def plan(
    names_: list[str] | None = None, *, root: Path = ROOT, langs: tuple[str, ...] = LANGS, manifest: dict | None = None
) -> dict[str, dict[str, str]]:
    """``{target: {part: key}}`` as a build would compute them now, for the sources under ``root``
    (a copy of the repository, say), without building anything."""
    registry = load_targets()
    order = _order(list(names_) if names_ else [n for n, t in registry.items() if t.default], registry)
    entries = (manifest or {}).get("targets", {})
    scanner, key_of, out = keys.Scanner(root), {}, {}
    for name in order:
        ins = inputs(registry[name], key_of, entries.get(name, {}).get("reads", {}), scanner)
        key_of[name] = out[name] = _parts(registry[name], ins, langs)
    return out


# --- the build -----------------------------------------------------------------------------------


@dataclass
class Record:
    name: str
    status: str  # "built" or "cached"
    seconds: float = 0.0
    parts: tuple[str, ...] = ()
    reason: str = ""
    warnings: list[str] = field(default_factory=list)  # raised while it built


@dataclass
class Result:
    outputs: list[Path]
    records: list[Record]
    fresh: bool = False  # True when the fingerprint said nothing could have changed

    @property
    def built(self) -> list[Record]:
        return [r for r in self.records if r.status == "built"]


def _order(wanted: list[str], registry: dict[str, Target]) -> list[str]:
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name not in registry:
            raise ValueError(f"unknown pipeline target {name!r}; known targets: {', '.join(registry)}")
        if name in stack:
            raise ValueError(f"dependency cycle: {' -> '.join((*stack, name))}")
        if name in order:
            return
        for dep in registry[name].depends:
            visit(dep, (*stack, name))
        order.append(name)

    for name in wanted:
        visit(name, ())
    return order


def build(
    names_: list[str] | None = None,
    *,
    lang: str = "all",
    progress: bool = True,
    generated: Path = GENERATED,
    cache: Path = CACHE,
    force: bool = False,
    jobs: int | None = None,
    skip: tuple[str, ...] = (),
) -> Result:
    """Bring targets (default: all but the kinds in ``skip``) up to date; return their outputs and
    what was done. Stale targets build in up to ``jobs`` processes (default: one per core)."""
    if lang not in ("en", "zh", "all"):
        raise ValueError(f"lang must be 'en', 'zh' or 'all', got {lang!r}")
    unknown = set(skip) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown target kind(s) to skip {sorted(unknown)}; choose from {KINDS}")
    langs = LANGS if lang == "all" else (lang,)
    generated, cache = Path(generated), Path(cache)
    manifest = _read_manifest(cache)
    request = {"names": sorted(names_ or []), "langs": langs, "skip": sorted(skip), "generated": _stored(generated)}
    before = _stats(manifest)
    if (
        not force
        and manifest.get("fingerprint", {}).get(_digest(request)) == fingerprint(before, request)
        and _outputs_exist(manifest)
    ):
        outputs = [
            ROOT / p
            for n in manifest.get("complete", {}).get(_digest(request), [])
            for part in manifest["targets"][n]["parts"].values()
            for p in part["outputs"]
        ]
        if progress:
            print("[pipeline] nothing changed since the last build", file=sys.stderr)
        return Result(outputs, [], fresh=True)

    registry = load_targets()
    wanted = list(names_) if names_ else [n for n, t in registry.items() if t.default and t.kind not in skip]
    order = _order(wanted, registry)
    entries = manifest.setdefault("targets", {})
    scanner = keys.Scanner()
    key_of: dict[str, dict[str, str]] = {}
    outputs: dict[str, list[Path]] = {}
    records: dict[str, Record] = {}
    todo: dict[str, tuple[tuple[str, ...], str, dict]] = {}  # name -> (stale parts, reason, inputs)

    def outputs_of(t: Target) -> list[Path]:
        return [ROOT / o for p in t.parts(langs) for o in entries[t.name]["parts"][p]["outputs"]]

    def check(name: str) -> bool:
        """Compute ``name``'s key (its dependencies are final); True if it must be built."""
        t, entry = registry[name], entries.get(name, {})
        ins = inputs(t, key_of, entry.get("reads", {}), scanner)
        key_of[name] = _parts(t, ins, langs)
        stale = tuple(
            p
            for p in t.parts(langs)
            if (force and name in wanted)
            or entry.get("parts", {}).get(p, {}).get("key") != part_key(ins, p, langs)
            or not all((ROOT / o).exists() for o in entry["parts"][p]["outputs"])
        )
        if not stale:
            outputs[name], records[name] = outputs_of(t), Record(name, "cached")
            return False
        todo[name] = (stale, "forced" if force and name in wanted else changes(entry.get("inputs"), ins, stale[0]), ins)
        return True

    def finish(name: str, parts: dict, read: list[str], seconds: float, said: list[str]) -> None:
        stale, reason, ins = todo[name]
        t = registry[name]
        entry = entries.setdefault(name, {})
        recorded = {_stored(Path(r)): keys.file_digest(Path(r)) for r in read}
        ins = {**ins, "reads": recorded}  # what it read this time is part of its key from now on
        key_of[name] = _parts(t, ins, langs)
        entry.update(kind=t.kind, inputs=ins, reads=recorded, seconds=round(seconds, 2))
        entry.setdefault("parts", {})
        for part, paths in parts.items():
            entry["parts"][part] = {"key": part_key(ins, part, langs), "outputs": [_stored(Path(p)) for p in paths]}
        outputs[name], records[name] = outputs_of(t), Record(name, "built", seconds, stale, reason, said)
        _write_manifest(cache, manifest)
        if progress:
            langs_said = "" if stale == (ALL,) else f" [{', '.join(stale)}]"
            print(f"[pipeline] built {name}{langs_said} in {seconds:.1f} s ({reason})", file=sys.stderr)
            for warning in said:
                print(f"[pipeline]   warning: {warning}", file=sys.stderr)

    def args(name: str) -> tuple:
        deps = {d: [str(p) for p in outputs[d]] for d in registry[name].depends}
        stale = todo[name][0]
        return name, stale if registry[name].strings else langs, str(generated), str(cache), deps

    def ready(waiting: list[str]) -> list[str]:
        return [n for n in waiting if all(d in outputs for d in registry[n].depends)]

    waiting = list(order)
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1:
        for name in order:
            if check(name):
                finish(name, *run_target(*args(name)))
    else:
        pool, running = None, {}
        try:
            while waiting or running:
                for name in ready(waiting):
                    if name in todo or check(name):
                        if len(running) >= jobs:
                            continue
                        if pool is None:
                            pool = ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_worker_init)
                            if progress:
                                print(f"[pipeline] building in {jobs} processes", file=sys.stderr)
                        running[pool.submit(run_target, *args(name))] = name
                    waiting.remove(name)
                if running:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        finish(running.pop(future), *future.result())
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)

    manifest.setdefault("complete", {})[_digest(request)] = order
    after = _stats(manifest)
    fingerprints = manifest.setdefault("fingerprint", {})
    if all(after[f] == before[f] for f in before if f in after):  # nothing was edited while it built
        fingerprints[_digest(request)] = fingerprint(after, request)
    else:  # the outputs may be from the older sources: the next build checks every key
        fingerprints.pop(_digest(request), None)
    _write_manifest(cache, manifest)
    result = Result([p for n in order for p in outputs[n]], [records[n] for n in order])
    if progress:
        print(f"[pipeline] {len(result.built)} built, {len(order) - len(result.built)} cached", file=sys.stderr)
    return result


def report(cache: Path = CACHE, kind: str | None = None, file=None) -> list[tuple[str, float]]:
    """Print (and return) each target's last build time from the manifest, slowest first, with the
    total: what a cold build of them costs on this machine (serially)."""
    entries = _read_manifest(Path(cache)).get("targets", {})
    rows = sorted(
        ((n, e["seconds"]) for n, e in entries.items() if kind is None or e.get("kind") == kind), key=lambda r: -r[1]
    )
    out = file or sys.stdout
    for name, seconds in rows:
        print(f"{name:<44s} {entries[name].get('kind', ''):<10s} {seconds:8.2f} s", file=out)
    print(f"{'total':<44s} {'':<10s} {sum(s for _, s in rows):8.2f} s", file=out)
    return rows
