"""A target's inputs and keys: what its outputs depend on (:func:`inputs`), the key of each of
its parts (one per language for a target with string tables), and, in words, what changed
since the manifest's record (:func:`changes`)."""

from __future__ import annotations

import hashlib
import json

from . import keys, strings
from .registry import ALL, LANGS, ROOT, Target


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def inputs(t: Target, dep_keys: dict[str, dict[str, str]], recorded: dict, scanner: keys.Scanner) -> dict:
    """Everything ``t``'s outputs depend on (see the module docstring), as a JSON-able dict."""
    modules, external, tools = scanner.closure([t.func.__module__, *t.modules])
    files = [keys.module_file(m, scanner.root) for m in modules]
    code = {f.relative_to(scanner.root).as_posix(): keys.code_digest(f) for f in files}
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
