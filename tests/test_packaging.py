"""Packaging: what pyproject.toml promises (ranges for users, exact pins in constraints.txt for the
site's builds), optional dependencies only where they are used, and the Pages workflow that
installs from them (CPU torch, a pip cache, tests before the deploy)."""

from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from explainer import datasets

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PINS = dict(
    line.split("==", 1)
    for line in (ROOT / "constraints.txt").read_text().splitlines()
    if "==" in line and not line.startswith("#")
)
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def _requirements(names: list[str]) -> dict[str, Requirement]:
    return {Requirement(r).name.lower(): Requirement(r) for r in names}


def test_torch_is_a_range_for_users_and_pinned_for_the_site():
    torch = _requirements(PROJECT["dependencies"])["torch"]
    pinned = Version(PINS["torch"])
    assert str(pinned) == "2.13.0"
    assert pinned in torch.specifier and Version("2.3") in torch.specifier
    assert Version("2.2") not in torch.specifier and Version("3.0") not in torch.specifier
    # ./dev.sh (hence CI and the Pages workflow) installs under constraints.txt
    dev = (ROOT / "dev.sh").read_text()
    assert '-c constraints.txt -e ".[docs,animations,tests]"' in dev
    assert "grep -i '^torch==' constraints.txt" in dev  # the CPU wheel, at the pinned version


def test_docs_extra_bounds_mkdocs_and_material():
    docs = _requirements(PROJECT["optional-dependencies"]["docs"])
    assert str(docs["mkdocs"].specifier) == "<2,>=1.6"
    assert str(docs["mkdocs-material"].specifier) == "<10"
    assert Version(PINS["mkdocs"]) in docs["mkdocs"].specifier
    assert Version(PINS["mkdocs-material"]) in docs["mkdocs-material"].specifier


def _imports(path: Path) -> set[str]:
    """The top-level names of the modules ``path`` imports (absolute imports)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_unused_dependencies_and_scikit_learn_only_where_the_digits_are():
    everything = [*PROJECT["dependencies"], *(r for extra in PROJECT["optional-dependencies"].values() for r in extra)]
    assert "selectolax" not in {Requirement(r).name for r in everything}
    assert "selectolax" not in PINS
    assert "scikit-learn" not in _requirements(PROJECT["dependencies"])
    assert PROJECT["optional-dependencies"]["digits"] == ["scikit-learn"]
    # the library's one use of scikit-learn is explainer.datasets.digits()
    library = sorted((ROOT / "explainer").rglob("*.py"))
    users = [p.relative_to(ROOT).as_posix() for p in library if "sklearn" in _imports(p)]
    assert users == ["explainer/datasets.py"]
    # every required dependency but matplotlib (the notebooks plot with it) is imported by the library
    used = set().union(*map(_imports, library))
    module = {"scikit-learn": "sklearn"}
    unused = [r for r in _requirements(PROJECT["dependencies"]) if module.get(r, r) not in used]
    assert unused == ["matplotlib"]


def test_digits_without_scikit_learn_says_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.split(".")[0] == "sklearn":
            raise ModuleNotFoundError("No module named 'sklearn'", name="sklearn")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=re.escape('pip install "flows-explained[digits]"')):
        datasets.digits()


def test_the_pages_workflow_takes_cpu_torch_caches_pip_and_tests_before_deploying():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    build = workflow["jobs"]["build"]
    assert build["env"]["TORCH_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    steps = build["steps"]
    uses = [s["uses"].split("@") for s in steps if "uses" in s] + [
        s["uses"].split("@") for s in workflow["jobs"]["deploy"]["steps"] if "uses" in s
    ]
    # the Node 24 majors (GitHub removed Node 20 from its runners on 2026-09-16)
    current = {
        "actions/checkout": "v6",
        "actions/configure-pages": "v6",
        "actions/cache": "v5",
        "actions/upload-pages-artifact": "v5",
        "actions/deploy-pages": "v5",
    }
    assert {name for name, _ in uses} == set(current)
    assert all(version == current[name] for name, version in uses), uses
    pip_cache = [s for s in steps if s.get("with", {}).get("path") == build["env"]["PIP_CACHE_DIR"]]
    assert pip_cache and "constraints.txt" in pip_cache[0]["with"]["key"]
    runs = [s.get("run", "") for s in steps]
    setup = next(i for i, r in enumerate(runs) if "./dev.sh setup" in r)
    test = next(i for i, r in enumerate(runs) if "./dev.sh test" in r)
    upload = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert setup < test < upload  # a failing test stops the artifact, hence the deploy (needs: build)
    assert workflow["jobs"]["deploy"]["needs"] == "build"


SITEBUILD = re.compile(r"(?:\.venv/bin/)?python -m sitebuild (.+?)(?:\s+#.*)?$")


def _sitebuild_args(command: str) -> tuple:
    """The arguments of a ``python -m sitebuild ...`` command, as the real parser reads them (an
    unknown option or value fails), with the scene names checked by the registry."""
    import shlex

    from sitebuild.__main__ import build_parser
    from sitebuild.media.scenes import check_scenes

    try:
        args = build_parser().parse_args(shlex.split(command))
    except SystemExit:
        raise AssertionError(f"`python -m sitebuild {command}` is not a valid command") from None
    if args.command == "animations":
        check_scenes(args.scenes)
    return args


def test_the_pages_workflow_renders_hd_and_the_pages_say_how_to_render_it():
    """The published site offers HD files: the workflow renders every scene in HD in both
    languages before it builds the site (the gallery lists what exists). The instructors' page says
    how to render them locally with commands the command line accepts; CI's tests never render HD
    (its targets are built on request only: tests/test_animations.py)."""
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    hd = [
        (i, args)
        for i, run in enumerate(runs)
        for line in run.splitlines()
        if (m := SITEBUILD.search(line)) and (args := _sitebuild_args(m.group(1))).command == "animations"
    ]
    assert any(a.quality == "hd" and a.lang == "all" and not a.scenes for _, a in hd), "the workflow renders no HD"
    build = next(i for i, r in enumerate(runs) if "./dev.sh build" in r)
    assert all(i < build for i, _ in hd), "HD is rendered after the site was built"
    assert "hd" not in (ROOT / "dev.sh").read_text().split("test)")[1].split(";;")[0]

    dev = (ROOT / "dev.sh").read_text()
    for page in ("instructors.md", "instructors.zh.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        section = text[text.index("{ #render }") : text.index("{ #gallery }")]
        block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
        commands = [_sitebuild_args(m.group(1)) for line in block.splitlines() if (m := SITEBUILD.search(line))]
        assert any(a.quality == "hd" for a in commands), f"{page}: no command renders HD"
        for line in block.splitlines():
            if line.startswith("./dev.sh "):
                assert f"  {line.split()[1]})" in dev, f"{page}: dev.sh has no command {line.split()[1]!r}"
        assert "/hd/" in section, f"{page}: does not say where the HD files go"
    # the gallery's note for a scene without HD names the same command
    pages = tomllib.loads((ROOT / "sitebuild" / "media" / "strings" / "pages.toml").read_text(encoding="utf-8"))
    for lang, note in pages["gallery.hd_missing"].items():
        command = re.search(r"`python -m sitebuild (.+?)`", note.format(scene="masks", width=1, height=1, fps=1))
        assert command and _sitebuild_args(command.group(1)).quality == "hd", f"gallery ({lang}): {note}"
