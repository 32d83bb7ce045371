"""The offline copy the build writes (docs/hooks/offline.py) and the notebooks' Colab links
(docs/hooks/notebooks.py): their helpers' doctests, and the zip in the session's built site (one
top-level folder, both languages, no folder links left, the search index as a script, no HD
renders or zips inside). tests/browser/test_offline.py opens it from file:// in Chromium."""

from __future__ import annotations

import doctest
import importlib.util
import json
import posixpath
import re
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "docs" / "hooks"
NAME = "flows-explained-offline"


def _load(name: str):
    sys.path.insert(0, str(HOOKS))  # notebooks.py imports its sibling jsoncache
    try:
        spec = importlib.util.spec_from_file_location(f"_hook_{name}", HOOKS / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.pop(0)


@pytest.mark.parametrize("name", ["offline", "notebooks"])
def test_hook_doctests(name):
    result = doctest.testmod(_load(name))
    assert result.attempted and not result.failed


def test_reading_doctests():
    from animations import reading

    result = doctest.testmod(reading)
    assert result.attempted and not result.failed


FOLDER_HREF = re.compile(
    r'<(?:a|link)\b[^>]*?\bhref="(?![a-z][a-z0-9+.-]*:|/|#|\?)([^"#?]*/|\.\.?)(?:[#?][^"]*)?"', re.I
)


def test_the_build_writes_an_offline_copy(built_site):
    archive = built_site.path / "downloads" / f"{NAME}.zip"
    assert archive.is_file(), "the build wrote no offline copy"
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert {PurePosixPath(n).parts[0] for n in names} == {NAME}, "one top-level folder"
        rel = {n.removeprefix(f"{NAME}/") for n in names}
        assert {"index.html", "zh/index.html", "coupling-layers/index.html", "zh/coupling-layers/index.html"} <= rel
        assert not [n for n in rel if n.endswith((".zip", ".gif")) or "/hd/" in n], "HD renders, GIFs and zips stay out"
        site_pages = {p.relative_to(built_site.path).as_posix() for p in built_site.path.rglob("*.html")}
        assert {p for p in site_pages if not p.startswith("downloads/")} <= rel, "pages are missing"
        for lang in ("", "zh/"):
            script = z.read(f"{NAME}/{lang}search/search_index.js").decode()
            assert script.startswith("var __index = ")
            index = json.loads(script.removeprefix("var __index = "))
            assert index["docs"] == json.loads(z.read(f"{NAME}/{lang}search/search_index.json"))["docs"]
        left = [
            f"{n}: {m.group(0)[:80]}"
            for n in names
            if n.endswith(".html")
            for m in FOLDER_HREF.finditer(z.read(n).decode("utf-8"))
        ]
        assert not left, "links to folders (a folder listing from file://):\n" + "\n".join(left[:20])
        for lang in ("", "zh/"):  # the home pages' course PDFs are in the copy too
            home = z.read(f"{NAME}/{lang}index.html").decode("utf-8")
            pdfs = {PurePosixPath(lang, h).as_posix() for h in re.findall(r'href="([^"#?]+\.pdf)"', home)}
            assert pdfs, f"{lang or 'en '}home page links no course PDF"
            missing = {p for p in pdfs if posixpath.normpath(p) not in rel}
            assert not missing, f"linked from {lang}index.html but not in the offline copy: {missing}"
    # and the served site keeps its folder links
    assert FOLDER_HREF.search((built_site.path / "index.html").read_text(encoding="utf-8"))
