"""The arrow points one way: the library (``explainer``) never imports the site build
(``sitebuild``), the scenes (``animations``) or the site (``docs``), and it works from a regular,
non-editable install outside the repository."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("sitebuild", "animations", "docs", "benchmarks", "tests")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module)
    return names


def test_the_library_never_imports_build_code():
    broken = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in sorted((ROOT / "explainer").rglob("*.py"))
        for name in _imports(p)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert not broken, "the library must not import the site build:\n" + "\n".join(broken)


def test_importing_every_library_module_loads_no_build_code():
    code = (
        "import importlib, pkgutil, sys, explainer\n"
        "for m in pkgutil.walk_packages(explainer.__path__, 'explainer.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_regular_install_of_the_library_works_outside_the_repository(tmp_path):
    # built from a copy of the packages (setuptools would leave build/ in the repository); the copy
    # holds sitebuild/ and animations/ too, so leaving them out is the packaging's doing
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    for package in ("explainer", "sitebuild", "animations"):
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wheel = next(wheels.glob("*.whl"))
    top = {Path(n).parts[0] for n in zipfile.ZipFile(wheel).namelist()}
    assert "explainer" in top and not top & {"sitebuild", "animations", "docs"}, top
    # the metadata: PEP 639 licence fields, and the one version (read from explainer/__init__.py)
    with zipfile.ZipFile(wheel) as whl:
        metadata = whl.read(next(n for n in whl.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    version = re.search(r'^__version__ = "(.+)"$', (ROOT / "explainer" / "__init__.py").read_text(), re.M).group(1)
    for line in ("License-Expression: MIT", "License-File: LICENSE", f"Version: {version}"):
        assert line in metadata.splitlines(), f"{line!r} not in the wheel's METADATA"
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    script = (
        "import explainer, torch\n"
        "from explainer import checkpoints, datasets\n"
        "from explainer.train import fit\n"
        "from explainer.worked import linear_example\n"
        f"assert explainer.__file__.startswith({str(target)!r}), explainer.__file__\n"
        "flow = checkpoints.build('realnvp', {'layers': 2, 'hidden': 8})\n"
        "fit(flow, datasets.sample('moons', 512, seed=0), steps=5, batch_size=64, progress=False)\n"
        "path = checkpoints.save('f.pt', flow, 'realnvp', {'layers': 2, 'hidden': 8})\n"
        "x = datasets.sample('moons', 4, seed=1)\n"
        "assert torch.equal(checkpoints.load(path)[0].log_prob(x), flow.eval().log_prob(x))\n"
        "print(round(linear_example().log_px, 4))\n"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "-2.4373"
