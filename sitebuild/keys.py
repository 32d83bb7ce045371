r"""What a pipeline target's output depends on, computed from the code (never listed by hand).

A target's *inputs* are

- ``code``: the code of every project module its function's module imports, directly or not
  (the import closure, found by reading ``import`` statements with :mod:`ast`, lazy imports inside
  functions included, without importing anything), plus the closure of the modules it runs in
  another process (the Manim scenes). A module's code is its syntax tree without docstrings
  (:func:`code_digest`): editing prose, comments or formatting rebuilds nothing, editing code does;
  a module that reads docstrings at run time (``__doc__``, ``getdoc``) is keyed by its bytes;
- ``versions``: the versions of the third-party packages that closure imports (torch, numpy,
  matplotlib, manim, ...) and of the programs it runs (modules that shell out name them in a
  module-level ``EXTERNAL_TOOLS = (...)``, e.g. ffmpeg);
- ``reads``: the data files it opened the last time it ran (recorded by the pipeline), hashed now;
- its parameters, the keys of its dependencies, and, per language, its string tables.

:func:`closure`, :func:`code_digest` and :func:`file_digest` are pure functions of the files on disk; :class:`Scanner`
caches the parse of each file by (size, mtime) within one build.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("explainer", "sitebuild", "animations")
# import name -> distribution whose version goes into a key
DISTRIBUTIONS = {
    "torch": "torch",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "manim": "manim",
    "scipy": "scipy",
    "sklearn": "scikit-learn",
    "PIL": "pillow",
    "av": "av",
}


def module_file(name: str, root: Path = ROOT) -> Path | None:
    """The file of project module ``name`` (``a/b.py`` or ``a/b/__init__.py``), or None.

    >>> module_file("explainer.transforms.base").relative_to(ROOT).as_posix()
    'explainer/transforms/base.py'
    >>> module_file("explainer.transforms").name, module_file("numpy") is None
    ('__init__.py', True)
    """
    if name.split(".")[0] not in PROJECT:
        return None
    base = root.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _package(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


@dataclass
class Imports:
    project: set[str] = field(default_factory=set)  # project modules (dotted names)
    external: set[str] = field(default_factory=set)  # top-level names of other packages
    tools: tuple[str, ...] = ()  # EXTERNAL_TOOLS of the module


def scan(name: str, path: Path, root: Path = ROOT) -> Imports:
    """The imports of module ``name`` (file ``path``): every ``import``/``from ... import`` in the
    file, at any depth. Scenes in ``animations/`` import their siblings by bare name (Manim runs
    them with that folder on ``sys.path``), so a bare name is also tried there."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    found = Imports()
    package = _package(name, path)

    def add(module: str, names: tuple[str, ...] = ()) -> None:
        top = module.split(".")[0]
        local = f"animations.{module}" if name.startswith("animations.") else None
        if top not in PROJECT and local and module_file(local, root):
            module, top = local, "animations"
        if top not in PROJECT:
            found.external.add(top)
            return
        if module_file(module, root) is None:
            return
        parts = module.split(".")
        found.project.update(
            m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if module_file(m, root)
        )  # parent packages run too (namespace ones have no file)
        for n in names:  # `from pkg import submodule`
            if module_file(f"{module}.{n}", root):
                found.project.add(f"{module}.{n}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            add(module, tuple(a.name for a in node.names))
        elif (
            isinstance(node, ast.Assign)
            and node in tree.body
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "EXTERNAL_TOOLS"
        ):
            found.tools = tuple(ast.literal_eval(node.value))
    found.project.discard(name)
    return found


class Scanner:
    """Import closures with the parse of each file cached by (size, mtime_ns)."""

    def __init__(self, root: Path = ROOT):
        self.root = root
        self._scans: dict[str, tuple[tuple[int, int], Imports]] = {}

    def imports(self, name: str) -> Imports:
        path = module_file(name, self.root)
        if path is None:
            raise ValueError(f"{name!r} is not a module of this project ({', '.join(PROJECT)})")
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        cached = self._scans.get(name)
        if cached is None or cached[0] != stamp:
            cached = (stamp, scan(name, path, self.root))
            self._scans[name] = cached
        return cached[1]

    def closure(self, modules) -> tuple[list[str], set[str], set[str]]:
        """``(project modules, external packages, external tools)`` reachable from ``modules``."""
        seen: set[str] = set()
        external: set[str] = set()
        tools: set[str] = set()
        stack = list(modules)
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            parts = name.split(".")
            stack.extend(
                m for m in (".".join(parts[:i]) for i in range(1, len(parts))) if module_file(m, self.root)
            )  # parent packages run first
            found = self.imports(name)
            external |= found.external
            tools.update(found.tools)
            stack.extend(found.project - seen)
        return sorted(seen), external, tools


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (first 16 hex digits), or ``"missing"``."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return "missing"


# Words that mean a module's own docstrings reach its output (an argparse description, a help
# page): such a module is keyed by its bytes, docstrings included.
READS_DOCSTRINGS = ("__doc__", "getdoc")


def _strip_docstrings(tree: ast.Module) -> ast.Module:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                node.body = node.body[1:] or [ast.Pass()]
    return tree


@functools.lru_cache(maxsize=4096)
def _code_digest(path: Path, size: int, mtime_ns: int) -> str:
    source = path.read_bytes()
    if any(word.encode() in source for word in READS_DOCSTRINGS):
        return hashlib.sha256(source).hexdigest()[:16]
    tree = _strip_docstrings(ast.parse(source, filename=str(path)))
    return "ast-" + hashlib.sha256(ast.dump(tree).encode()).hexdigest()[:12]


def code_digest(path: Path) -> str:
    r"""Digest of a Python module's code: its syntax tree without docstrings (comments, blank lines
    and formatting are not in the tree), or of its bytes if it reads docstrings at run time; or
    ``"missing"``. Cached by (path, size, mtime) within a process.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> def digest(text):
    ...     (folder / "m.py").write_text(text)
    ...     return code_digest(folder / "m.py")
    >>> digest("'Uses p and q.'\nx = 1  # one\n") == digest("'Uses p_data.'\n\nx = 1\n")
    True
    >>> digest("x = 1\n") == digest("x = 2\n")
    False
    >>> digest("'Usage.'\nprint(__doc__)\n") == digest("'Usage: new.'\nprint(__doc__)\n")
    False
    """
    try:
        stat = path.stat()
    except FileNotFoundError:
        return "missing"
    return _code_digest(path, stat.st_size, stat.st_mtime_ns)


def versions(external: set[str]) -> dict[str, str]:
    """Installed versions of the tracked distributions among ``external`` import names."""
    out = {}
    for name in sorted(external):
        dist = DISTRIBUTIONS.get(name)
        if dist:
            try:
                out[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                out[dist] = "not installed"
    return out


@functools.cache
def tool_version(tool: str) -> str:
    """The first line of ``<tool> -version`` (e.g. ffmpeg), or ``"not installed"``; asked once."""
    path = shutil.which(tool)
    if path is None:
        return "not installed"
    return subprocess.run([path, "-version"], capture_output=True, text=True).stdout.split("\n")[0].strip()


def tool_stamp(tool: str) -> tuple:
    """Where ``tool`` is installed, with its size and mtime: a cheap stand-in for its version."""
    path = shutil.which(tool)
    if path is None:
        return ("not installed",)
    st = Path(path).resolve().stat()
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns)
