"""A notebook downloaded from the built site runs on a reader's machine, outside the repository.

What a notebook page tells the reader: download the notebook (its button), run it; the first code
cell installs the package from the repository (linked from the page and the site header) when
``explainer`` cannot be imported. This test does exactly that with the ``.ipynb`` the built site
serves, in a fresh virtual environment in a temporary folder, with two stand-ins, both because
the test may not use the network:

- the repository: the install cell's ``git+<repo_url>`` becomes ``file://<copy>``, the only edit
  made to the notebook, where the copy holds the files of this checkout that a commit would hold
  (``git ls-files``: tracked and new, not ignored), as a clone would (pip builds in the source
  folder; the checkout itself stays clean); pip runs with ``--no-index`` (PIP_NO_INDEX), so
  nothing is downloaded;
- what a reader's pip would download or already has (torch, numpy, matplotlib, ..., Jupyter, and
  a current pip and setuptools): the venv is made ``--without-pip`` and a ``.pth`` line puts the
  test interpreter's site-packages on its path. Only a path: the ``.pth`` files in that folder are
  not processed, so the checkout's editable install of ``explainer`` stays invisible (checked
  before the run), and the first cell has to install the package, into the venv. Building it uses
  the setuptools of that folder (no build isolation: an isolated build would download setuptools).

The kernel is the new venv's Python; a cell appended to the notebook reports where ``explainer``
was imported from, which must be the venv's own site-packages.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DIST = "flows-explained"  # pyproject.toml [project] name

pytestmark = [pytest.mark.site, pytest.mark.slow]

CASES = [("en", "realnvp-moons"), ("zh", "flow-matching-gmm")]  # both languages, both notebooks

RUNNER = r"""
import json, sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import json, sys, explainer\n"
    "print('WHERE ' + json.dumps({'python': sys.executable, 'explainer': explainer.__file__}))"))
NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=False).execute()
nbformat.write(nb, sys.argv[2])
"""


def _served(site: Path, lang: str, name: str) -> tuple[str, Path, str]:
    """(page html, the notebook file the download button serves, the repository link of the page)."""
    page = (site / "zh" if lang == "zh" else site) / "notebooks" / name / "index.html"
    html = page.read_text(encoding="utf-8")
    download = re.search(r'<a class="md-button" href="([^"]+\.ipynb)" download', html)
    assert download, f"{page.relative_to(site)}: no download button for the notebook"
    header = re.search(r'<a href="([^"]+)" title="[^"]*" class="md-source"', html)
    assert header, f"{page.relative_to(site)}: the header does not link the repository"
    repo_url = header.group(1)
    note = re.search(r'<p class="nb-download">.*?</p>', html, re.S)
    assert note and f'href="{repo_url}"' in note.group(0), (
        f"{page.relative_to(site)}: the notebook's note does not link the repository {repo_url}"
    )
    return html, page.parent / download.group(1), repo_url


def _install_cell(nb: dict) -> tuple[int, str]:
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            return i, "".join(cell["source"])
    raise AssertionError("the notebook has no code cell")


def _stream_text(cell: dict) -> str:
    """What a code cell printed (a stream's text is a string or, as stored, a list of lines)."""
    texts = (o.get("text", "") for o in cell.get("outputs", []))
    return "".join(t if isinstance(t, str) else "".join(t) for t in texts)


def _venv(tmp: Path) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    site_packages = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # stand-in for the downloads of torch, numpy, ..., jupyter (see the module docstring)
    Path(site_packages, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    kernel = venv / "share" / "jupyter" / "kernels" / "python3"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (test venv)",
                "language": "python",
            }
        )
    )
    return python


def _clone(tmp: Path) -> Path:
    """The files of the working tree a commit would hold, copied to ``tmp/repository``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    clone = tmp / "repository"
    for rel in filter(None, listed.split("\0")):
        source = ROOT / rel
        if source.is_file():
            (clone / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / rel)
    return clone


def _env(venv_python: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(
        PIP_NO_INDEX="1",  # nothing from the network
        PIP_NO_BUILD_ISOLATION="0",  # pip's spelling of --no-build-isolation
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        JUPYTER_PATH=str(venv_python.parent.parent / "share" / "jupyter"),  # the venv's kernel first
        VIRTUAL_ENV=str(venv_python.parent.parent),
        PATH=f"{venv_python.parent}{os.pathsep}{env.get('PATH', '')}",
        OMP_NUM_THREADS="1",
    )
    return env


@pytest.mark.parametrize("lang,name", CASES, ids=[f"{lang}:{name}" for lang, name in CASES])
def test_downloaded_notebook_installs_its_package_and_runs(built_site, tmp_path, lang, name):
    html, served, repo_url = _served(built_site.path, lang, name)
    assert served.exists(), f"the download button points at {served}, which the site does not serve"
    nb = json.loads(served.read_text(encoding="utf-8"))
    index, code = _install_cell(nb)
    requirement = f"{DIST} @ git+{repo_url}"
    assert 'find_spec("explainer") is None' in code and requirement in code, (
        f"{served.name}: the first code cell should install {requirement!r} when explainer is missing:\n{code}"
    )
    assert requirement in html, f"the page of {served.name} does not show the install cell with {requirement!r}"

    # the reader's machine: a folder outside the repository, a fresh venv
    home = tmp_path / "home"
    home.mkdir()
    python = _venv(tmp_path)
    env = _env(python)
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util; print(importlib.util.find_spec('explainer'))"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
    )
    assert probe.stdout.strip() == "None", f"explainer is importable before the notebook runs: {probe.stdout}"

    # the one edit: the repository is this checkout
    nb["cells"][index]["source"] = code.replace(f"git+{repo_url}", _clone(tmp_path).as_uri())
    notebook = home / served.name
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "run.py").write_text(RUNNER)
    start = time.perf_counter()
    run = subprocess.run(
        [str(python), str(tmp_path / "run.py"), notebook.name, "executed.ipynb"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - start
    assert run.returncode == 0, (
        f"{served.name} failed at home after {seconds:.0f} s:\n{(run.stdout + run.stderr)[-6000:]}"
    )

    executed = json.loads((home / "executed.ipynb").read_text(encoding="utf-8"))
    install_output = _stream_text(executed["cells"][index])
    assert f"pip install {DIST} @ file://" in install_output, f"the first cell did not install: {install_output!r}"
    where = _stream_text(executed["cells"][-1])
    found = json.loads(where.split("WHERE ", 1)[1])
    venv_dir = python.parent.parent
    assert Path(found["python"]).parent.parent == venv_dir, found
    assert Path(found["explainer"]).is_relative_to(venv_dir), (
        f"explainer was imported from {found['explainer']}, not from the venv the notebook installed it into"
    )
    print(f"{lang}:{name} ran at home in {seconds:.1f} s (install + every cell)")
