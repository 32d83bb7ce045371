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

import hashlib
import importlib
import json
import os
import pkgutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from . import keys, reads, strings

ROOT = keys.ROOT
GENERATED = ROOT / "docs" / "generated"
CACHE = ROOT / ".cache" / "pipeline"
LANGS = ("en", "zh")
KINDS = ("model", "figure", "export", "table", "animation")
ALL = "*"  # the part name of a target that is not split by language

# Packages whose modules register targets (every module not starting with "_", imported on
# demand, in this order). Their __init__ files import nothing: a module's import closure (its key)
# must not pull in its siblings.
TARGET_PACKAGES = ("sitebuild.models", "sitebuild.figures", "sitebuild.exports", "sitebuild.tables", "sitebuild.media")
# Environment variables a target may read (through a callable ``params``): part of the fingerprint.
ENVIRONMENT = ("SITE_URL",)


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    func: Callable
    depends: tuple[str, ...] = ()
    params: dict | Callable[[], dict] = field(default_factory=dict)  # a callable is asked at build time
    modules: tuple[str, ...] = ()  # code it runs in another process (Manim scenes)
    strings: tuple[Path, ...] = ()  # string tables: the target is built and keyed per language
    default: bool = True  # part of a build of everything (HD renders are on request)

    def parameters(self) -> dict:
        return self.params() if callable(self.params) else self.params

    def parts(self, langs: tuple[str, ...]) -> tuple[str, ...]:
        return langs if self.strings else (ALL,)


@dataclass
class Context:
    """What a target function receives: where to write, its languages and its dependencies' outputs."""

    target: Target
    generated: Path
    cache: Path
    langs: tuple[str, ...]
    outputs: dict[str, list[Path]]

    @property
    def params(self) -> dict:
        return self.target.parameters()

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


def target(name: str, kind: str, *, depends=(), params=None, modules=(), strings=(), default=True):
    """Register ``func(ctx)`` as pipeline target ``name`` (decorator). ``func`` returns its output
    paths, or, for a target with ``strings`` tables, ``{lang: paths}`` for each of ``ctx.langs``.
    ``params`` (a dict, or a function returning one at build time, e.g. to read the environment)
    go into the key; ``modules`` are project modules the target runs in another process."""
    if kind not in KINDS:
        raise ValueError(f"unknown target kind {kind!r}; choose one of {KINDS}")

    def register(func):
        REGISTRY[name] = Target(
            name,
            kind,
            func,
            tuple(depends),
            params if callable(params) else dict(params or {}),
            tuple(modules),
            tuple(Path(s) for s in strings),
            default,
        )
        return func

    return register


def target_modules() -> list[str]:
    """The modules that register targets, found on disk (nothing imported)."""
    out = []
    for package in TARGET_PACKAGES:
        folder = ROOT.joinpath(*package.split("."))
        out += [
            f"{package}.{info.name}" for info in pkgutil.iter_modules([str(folder)]) if not info.name.startswith("_")
        ]
    return out


def load_targets() -> dict[str, Target]:
    for module in target_modules():
        importlib.import_module(module)
    return REGISTRY


def names(kind: str | None = None) -> list[str]:
    """Registered target names (optionally of one kind), in registration order."""
    return [n for n, t in load_targets().items() if kind is None or t.kind == kind]


# --- keys ----------------------------------------------------------------------------------------


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def inputs(t: Target, dep_keys: dict[str, dict[str, str]], recorded: dict, scanner: keys.Scanner) -> dict:
    """Everything ``t``'s outputs depend on (see the module docstring), as a JSON-able dict."""
    modules, external, tools = scanner.closure([t.func.__module__, *t.modules])
    files = [keys.module_file(m, scanner.root) for m in modules]
    code = {f.relative_to(scanner.root).as_posix(): keys.file_digest(f) for f in files}
    return {
        "code": code,
        "versions": {**keys.versions(external), **{tool: keys.tool_version(tool) for tool in sorted(tools)}},
        "reads": {rel: keys.file_digest(scanner.root / rel) for rel in sorted(recorded)},
        "params": _digest(t.parameters()),
        "deps": {d: dep_keys[d] for d in t.depends},  # each a {part: key} dict
        "strings": {
            lang: strings.digest([scanner.root / p.relative_to(ROOT) for p in t.strings], lang) for lang in LANGS
        }
        if t.strings
        else {},
    }


def part_key(ins: dict, part: str, langs: tuple[str, ...]) -> str:
    """The key of one part: the shared inputs plus that language's strings (or every language).
    A dependency built per language contributes its key for this language only, so a Chinese
    label of a scene rebuilds the Chinese deck and gallery, not the English ones."""
    shared = {k: v for k, v in ins.items() if k not in ("strings", "deps")}
    deps = {d: keys_.get(part, keys_) for d, keys_ in ins["deps"].items()}
    own = ins["strings"].get(part) if part != ALL else list(langs)
    return _digest([shared, deps, own])


def _parts(t: Target, ins: dict, langs: tuple[str, ...]) -> dict[str, str]:
    """``{part: key}`` of target ``t`` (what its dependents' keys contain)."""
    return {p: part_key(ins, p, langs) for p in t.parts(langs)}


def changes(old: dict | None, new: dict, part: str) -> str:
    """Which inputs differ between the manifest's record and now, in words.

    >>> changes({"code": {"a.py": "1"}, "params": "p"}, {"code": {"a.py": "2"}, "params": "p"}, "*")
    'a.py changed'
    >>> changes(None, {}, "*")
    'not built before'
    """
    if not old:
        return "not built before"
    said = []
    for group in ("code", "reads", "versions", "deps"):
        a, b = old.get(group, {}), new.get(group, {})
        said += [f"{k} changed" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if old.get("params") != new.get("params"):
        said.append("parameters changed")
    if part != ALL and old.get("strings", {}).get(part) != new.get("strings", {}).get(part):
        said.append(f"{part} strings changed")
    return ", ".join(said) or "outputs missing or languages changed"


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


def fingerprint(manifest: dict, request: dict) -> str:
    """A digest of every input any target can have: all project sources and data files, the files
    the targets read, the tracked versions, and the request. Equal to the one stored by the last
    complete build (and every output present) means nothing can be stale."""
    files = []
    for package in keys.PROJECT:
        for p in sorted((ROOT / package).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                st = p.stat()
                files.append((p.relative_to(ROOT).as_posix(), st.st_size, st.st_mtime_ns))
    recorded = sorted({r for e in manifest.get("targets", {}).values() for r in e.get("reads", {})})
    for rel in recorded:
        p = ROOT / rel
        st = p.stat() if p.exists() else None
        files.append((rel, st.st_size if st else -1, st.st_mtime_ns if st else -1))
    tracked = keys.versions(set(keys.DISTRIBUTIONS))
    tools = {t: keys.tool_stamp(t) for t in ("ffmpeg",)}
    environment = {name: os.environ.get(name) for name in ENVIRONMENT}
    return _digest([files, tracked, tools, environment, request, sys.version])


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
) -> tuple[dict[str, list[str]], list[str], float]:
    """Build target ``name`` for ``langs`` (in this process); return ``({part: outputs}, files it
    read, seconds)``. This is what each worker process runs.

    A target runs on one thread: the build's parallelism is its processes, one per core, and
    PyTorch's thread pool on top would oversubscribe the cores; one thread also makes an output
    the same whether it was built alone or beside others."""
    from explainer.device import single_thread

    t = load_targets()[name]
    ctx = Context(t, Path(generated), Path(cache), langs, {k: [Path(p) for p in v] for k, v in dep_outputs.items()})
    start = time.perf_counter()
    with reads.recording(ignore=(Path(generated), Path(cache))) as read, single_thread():
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
    return parts, sorted(read - {str(s.resolve()) for s in t.strings}), seconds


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
    stamp = fingerprint(manifest, request)
    if not force and manifest.get("fingerprint", {}).get(_digest(request)) == stamp and _outputs_exist(manifest):
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

    def finish(name: str, parts: dict, read: list[str], seconds: float) -> None:
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
        outputs[name], records[name] = outputs_of(t), Record(name, "built", seconds, stale, reason)
        _write_manifest(cache, manifest)
        if progress:
            said = "" if stale == (ALL,) else f" [{', '.join(stale)}]"
            print(f"[pipeline] built {name}{said} in {seconds:.1f} s ({reason})", file=sys.stderr)

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
    manifest.setdefault("fingerprint", {})[_digest(request)] = fingerprint(manifest, request)
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
