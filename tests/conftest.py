"""Shared fixtures.

``built_site`` builds the MkDocs site once per test session (``mkdocs build --strict`` into a
temporary directory, which runs the pipeline hook first) and is shared by tests/test_site_build.py
and tests/browser/. ``EXPLAINER_TEST_SITE=path/to/site`` reuses an existing build instead (its
log is then unknown: the zero-warnings test is skipped).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BuiltSite:
    path: Path
    log: str | None  # mkdocs output, None when reusing a site
    returncode: int
    seconds: float


@pytest.fixture(scope="module")
def one_thread():
    """Torch on one thread for a module's tests (``pytestmark = pytest.mark.usefixtures("one_thread")``):
    small tensors run fastest on one thread, and far faster on a shared, loaded machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> BuiltSite:
    reuse = os.environ.get("EXPLAINER_TEST_SITE")
    if reuse:
        path = Path(reuse).resolve()
        if not (path / "index.html").exists():
            pytest.fail(f"EXPLAINER_TEST_SITE={reuse} holds no built site (no index.html)")
        return BuiltSite(path, None, 0, 0.0)
    out = tmp_path_factory.mktemp("site") / "site"
    env = {k: v for k, v in os.environ.items() if k != "SITE_URL"}  # relative links only
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    cmd = [
        str(mkdocs) if mkdocs.exists() else sys.executable,
        *([] if mkdocs.exists() else ["-m", "mkdocs"]),
        "build",
        "--strict",
        "--site-dir",
        str(out),
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    (out.parent / "mkdocs-build.log").write_text(log)
    if proc.returncode != 0:
        tail = "\n".join(log.splitlines()[-60:])
        pytest.fail(f"mkdocs build --strict failed (exit {proc.returncode}) after {seconds:.0f} s:\n{tail}")
    return BuiltSite(out, log, proc.returncode, seconds)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]  # no calls home: the browser tests count every request


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session, driven by Playwright's sync API (one
    Playwright instance per process: a second ``sync_playwright()`` inside the first one fails)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (./dev.sh setup does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
