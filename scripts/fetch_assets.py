#!/usr/bin/env python3
"""Vendor the site's third-party browser assets (MathJax 3) so the built site works offline, and
the browser tests' accessibility checker (axe-core, used by tests/browser only, never by the site).

MathJax is taken straight from the npm registry tarball with urllib (no npm needed), checked
against the registry's published sha512 integrity, and only the files the site uses are
extracted into ``docs/assets/vendor/mathjax/`` (git-ignored):

- ``tex-chtml.js``: TeX input + CommonHTML output (the page's entry point),
- ``input/tex/extensions/``: TeX packages MathJax autoloads on demand (``\\boldsymbol``, ...),
- ``output/chtml/fonts/woff-v2/``: the CHTML fonts,
- ``ui/``, ``a11y/``, ``adaptors/``, ``sre/mathmaps/{base,en}.json``: the menu and the
  accessibility parts it loads lazily when a reader turns them on.

reveal.js comes the same way, for the scenes' HTML slide decks (sitebuild/media/slide_deck.py):
``dist/reveal.js``, ``dist/reveal.css``, ``dist/plugin/notes.js`` (the speaker view) and its
licence go to ``docs/assets/vendor/reveal/`` (git-ignored); the decks copy them next to themselves.

axe-core comes the same way: ``axe.min.js`` and its licence go to ``tests/browser/vendor/``
(git-ignored).

Idempotent: a stamp file records the version and hash; a second run does nothing.
Usage: ``python scripts/fetch_assets.py [--force]``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "docs" / "assets" / "vendor"

MATHJAX_VERSION = "3.2.2"
MATHJAX_URL = f"https://registry.npmjs.org/mathjax/-/mathjax-{MATHJAX_VERSION}.tgz"
# `dist.integrity` of mathjax@3.2.2 as published by the npm registry.
MATHJAX_SHA512 = "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
# Paths inside the tarball (under package/es5/) that the site needs.
MATHJAX_KEEP = (
    "tex-chtml.js",
    "input/tex/extensions/",
    "output/chtml/fonts/woff-v2/",
    "ui/",
    "a11y/",
    "adaptors/",
    "sre/mathmaps/base.json",  # speech rules for the menu's optional explorer (English only)
    "sre/mathmaps/en.json",
)
MATHJAX_DIR = VENDOR / "mathjax"
STAMP = MATHJAX_DIR / ".stamp"

REVEAL_VERSION = "6.0.2"
REVEAL_URL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{REVEAL_VERSION}.tgz"
# `dist.integrity` of reveal.js@6.0.2 as published by the npm registry.
REVEAL_SHA512 = "JYIg5D9aoxoaLeb84O+OvAwsKWdIavVgEDScxtYEXFCT6t6TQrhNtSgogcjdCpdLsWglhJn3zyE3fUOwiH5KEg=="
# tarball path -> vendored name: the UMD builds (they work from file://) and the plain style; the
# decks bring their own theme (no web fonts)
REVEAL_KEEP = {
    "package/dist/reveal.js": "reveal.js",
    "package/dist/reveal.css": "reveal.css",
    "package/dist/plugin/notes.js": "notes.js",
    "package/LICENSE": "LICENSE",
}
REVEAL_DIR = VENDOR / "reveal"

AXE_VERSION = "4.10.3"
AXE_URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
# `dist.integrity` of axe-core@4.10.3 as published by the npm registry.
AXE_SHA512 = "Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg=="
AXE_DIR = ROOT / "tests" / "browser" / "vendor"


def log(msg: str) -> None:
    print(f"[fetch_assets] {msg}", file=sys.stderr)


def download(url: str, attempts: int = 3) -> bytes:
    last: Exception | None = None
    for i in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.read()
        except OSError as error:  # URLError, timeouts, resets
            last = error
            log(f"download failed ({error}); attempt {i + 1}/{attempts}")
    raise RuntimeError(f"could not download {url}: {last}")


def verify_sha512(data: bytes, expected_b64: str, what: str) -> None:
    got = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != expected_b64:
        raise RuntimeError(f"{what}: sha512 mismatch (expected {expected_b64}, got {got}); refusing to use it")


def fetch_mathjax(force: bool = False) -> Path:
    stamp = f"mathjax {MATHJAX_VERSION} {MATHJAX_SHA512}\n"
    if not force and STAMP.exists() and STAMP.read_text() == stamp and (MATHJAX_DIR / "tex-chtml.js").exists():
        return MATHJAX_DIR
    log(f"downloading MathJax {MATHJAX_VERSION} from the npm registry")
    data = download(MATHJAX_URL)
    verify_sha512(data, MATHJAX_SHA512, MATHJAX_URL)
    tmp = MATHJAX_DIR.with_name("mathjax.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    prefix = "package/es5/"
    count = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile() or not member.name.startswith(prefix):
                continue
            rel = member.name[len(prefix) :]
            if not any(rel == k or (k.endswith("/") and rel.startswith(k)) for k in MATHJAX_KEEP):
                continue
            if ".." in Path(rel).parts:
                raise RuntimeError(f"unsafe path in tarball: {member.name}")
            out = tmp / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(tar.extractfile(member).read())
            count += 1
    # Licence travels with the code.
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        (tmp / "LICENSE").write_bytes(tar.extractfile("package/LICENSE").read())
    (tmp / ".stamp").write_text(stamp)
    shutil.rmtree(MATHJAX_DIR, ignore_errors=True)
    tmp.rename(MATHJAX_DIR)
    size = sum(p.stat().st_size for p in MATHJAX_DIR.rglob("*") if p.is_file())
    log(f"MathJax {MATHJAX_VERSION}: {count} files, {size / 1e6:.1f} MB in {MATHJAX_DIR.relative_to(ROOT)}")
    return MATHJAX_DIR


def fetch_axe(force: bool = False) -> Path:
    """axe-core's ``axe.min.js`` (and LICENSE) for the accessibility test."""
    stamp, script = f"axe-core {AXE_VERSION} {AXE_SHA512}\n", AXE_DIR / "axe.min.js"
    if not force and (AXE_DIR / ".stamp").exists() and (AXE_DIR / ".stamp").read_text() == stamp and script.exists():
        return script
    log(f"downloading axe-core {AXE_VERSION} from the npm registry (browser tests only)")
    data = download(AXE_URL)
    verify_sha512(data, AXE_SHA512, AXE_URL)
    AXE_DIR.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        script.write_bytes(tar.extractfile("package/axe.min.js").read())
        (AXE_DIR / "LICENSE").write_bytes(tar.extractfile("package/LICENSE").read())
    (AXE_DIR / ".stamp").write_text(stamp)
    return script


def fetch_reveal(force: bool = False) -> Path:
    """reveal.js's scripts, style and licence for the HTML slide decks."""
    stamp = f"reveal.js {REVEAL_VERSION} {REVEAL_SHA512}\n"
    done = all((REVEAL_DIR / name).exists() for name in REVEAL_KEEP.values())
    if not force and done and (REVEAL_DIR / ".stamp").exists() and (REVEAL_DIR / ".stamp").read_text() == stamp:
        return REVEAL_DIR
    log(f"downloading reveal.js {REVEAL_VERSION} from the npm registry")
    data = download(REVEAL_URL)
    verify_sha512(data, REVEAL_SHA512, REVEAL_URL)
    REVEAL_DIR.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member, name in REVEAL_KEEP.items():
            (REVEAL_DIR / name).write_bytes(tar.extractfile(member).read())
    (REVEAL_DIR / ".stamp").write_text(stamp)
    return REVEAL_DIR


def main(argv: list[str]) -> int:
    force = "--force" in argv
    fetch_mathjax(force=force)
    fetch_reveal(force=force)
    fetch_axe(force=force)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
