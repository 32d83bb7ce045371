#!/usr/bin/env python3
"""Which Chinese pages are missing or translate an older English page.

Every ``docs/<page>.zh.md`` (and ``docs/notebooks/<name>.zh.ipynb``) records in its front matter
(notebooks: in ``metadata.source_hash``, a hash of the English cells' sources only) the hash of
the English file it translates:

    ---
    source_hash: 6ddb2a2b782d        # first 12 hex digits of sha256(docs/<page>.md bytes)
    ---

Usage:
    python scripts/translation_status.py                 # list missing / outdated translations
    python scripts/translation_status.py --check         # same, exit 1 if any
    python scripts/translation_status.py --stamp docs/x.zh.md [...]   # record the current hash

Stamp a translation only after updating it to the current English page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LANG = "zh"
SKIP_DIRS = ("generated", "hooks", "overrides", "assets")
HASH_LEN = 12

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.S)
_HASH_LINE = re.compile(r"^source_hash:[ \t]*['\"]?([0-9a-fA-F]*)['\"]?[ \t]*$", re.M)


def source_hash(path: Path) -> str:
    """First 12 hex digits of the SHA-256 of the file's bytes.

    For a notebook, of its cells' types and sources only, so that re-running it (outputs,
    execution counts, kernel metadata) does not make its translation look outdated.
    """
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        canon = [[c.get("cell_type"), "".join(c.get("source", ""))] for c in cells]
        data = json.dumps(canon, ensure_ascii=False, separators=(",", ":")).encode()
        return hashlib.sha256(data).hexdigest()[:HASH_LEN]
    return hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LEN]


def translation_of(english: Path, lang: str = LANG) -> Path:
    """docs/x.md -> docs/x.zh.md; docs/notebooks/y.ipynb -> docs/notebooks/y.zh.ipynb."""
    return english.with_name(f"{english.stem}.{lang}{english.suffix}")


def english_of(translated: Path, lang: str = LANG) -> Path:
    name = translated.name.replace(f".{lang}.", ".", 1)
    return translated.with_name(name)


def english_sources(docs: Path = DOCS, lang: str = LANG) -> list[Path]:
    """English pages (.md) and notebooks (.ipynb) under docs/, excluding build-time folders."""
    out = []
    for p in sorted(docs.rglob("*")):
        if p.suffix not in (".md", ".ipynb") or not p.is_file():
            continue
        rel = p.relative_to(docs)
        if rel.parts[0] in SKIP_DIRS or ".ipynb_checkpoints" in rel.parts:
            continue
        if re.search(r"\.[a-z]{2}(?:[-_][A-Za-z]+)?$", p.stem):  # x.zh.md, x.fr.ipynb ...
            continue
        out.append(p)
    return out


def recorded_hash(translated: Path) -> str | None:
    """The ``source_hash`` a translation records, or None."""
    text = translated.read_text(encoding="utf-8")
    if translated.suffix == ".ipynb":
        value = json.loads(text).get("metadata", {}).get("source_hash")
        return str(value) if value else None
    m = _FRONT.match(text)
    if not m:
        return None
    h = _HASH_LINE.search(m.group(1))
    return h.group(1) if h and h.group(1) else None


def stamp(translated: Path) -> str:
    """Record the current hash of the English source in ``translated``; return it."""
    english = english_of(translated)
    if not english.exists():
        raise FileNotFoundError(f"{translated} has no English source {english}")
    value = source_hash(english)
    text = translated.read_text(encoding="utf-8")
    if translated.suffix == ".ipynb":
        nb = json.loads(text)
        nb.setdefault("metadata", {})["source_hash"] = value
        translated.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        return value
    m = _FRONT.match(text)
    if m is None:
        text = f"---\nsource_hash: {value}\n---\n\n{text}"
    else:
        front = m.group(1)
        if _HASH_LINE.search(front):
            front = _HASH_LINE.sub(f"source_hash: {value}", front, count=1)
        else:
            front = front + f"source_hash: {value}\n"
        text = f"---\n{front}---\n" + text[m.end() :]
    translated.write_text(text, encoding="utf-8")
    return value


@dataclass
class Status:
    english: Path
    translated: Path
    state: str  # "ok", "missing", "unstamped", "outdated"
    recorded: str | None = None
    current: str | None = None

    def message(self, root: Path = ROOT) -> str:
        en, zh = self.english.relative_to(root), self.translated.relative_to(root)
        if self.state == "missing":
            return f"{zh} is missing (translation of {en})"
        if self.state == "unstamped":
            return (
                f"{zh} has no source_hash: after checking it matches {en}, run "
                f"`python scripts/translation_status.py --stamp {zh}`"
            )
        if self.state == "outdated":
            return (
                f"{zh} translates an older {en} (hash {self.recorded}, now {self.current}): "
                f"update the translation then run `python scripts/translation_status.py --stamp {zh}`"
            )
        return f"{zh} is up to date"


def status(docs: Path = DOCS, lang: str = LANG) -> list[Status]:
    out = []
    for en in english_sources(docs, lang):
        zh = translation_of(en, lang)
        if not zh.exists():
            out.append(Status(en, zh, "missing"))
            continue
        rec, cur = recorded_hash(zh), source_hash(en)
        state = "unstamped" if rec is None else ("ok" if rec == cur else "outdated")
        out.append(Status(en, zh, state, rec, cur))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stamp", nargs="+", metavar="FILE", help="record the English source's hash in FILE")
    parser.add_argument("--check", action="store_true", help="exit 1 if a translation is missing or outdated")
    args = parser.parse_args(argv)
    if args.stamp:
        for name in args.stamp:
            path = Path(name).resolve()
            if f".{LANG}." not in path.name:
                parser.error(f"{name} is not a translation (expected docs/<page>.{LANG}.md or .{LANG}.ipynb)")
            print(f"{name}: source_hash {stamp(path)}")
        return 0
    rows = status()
    bad = [s for s in rows if s.state != "ok"]
    for s in rows:
        print(("  ok       " if s.state == "ok" else f"  {s.state:<9}") + "  " + s.message())
    print(f"{len(rows) - len(bad)} up to date, {len(bad)} to do")
    return 1 if (args.check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
