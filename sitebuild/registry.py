"""The targets of the site's build: what each is (:class:`Target`), what it receives
(:class:`Context`), how it is registered (:func:`target`) and where the modules that register
them are (:func:`target_modules`).

Target modules import this module, not :mod:`sitebuild.pipeline`: a target's key is its import
closure, and the scheduler's code produces no output, so editing it must not rebuild anything.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
