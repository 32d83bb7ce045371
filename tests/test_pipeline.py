"""The pipeline's keys cannot go stale: they are computed from each target's import closure, the
files it read, its strings per language, its parameters, its dependencies and the versions it
uses. The staleness tests edit a copy of the sources and compare every target's key before and
after (nothing is built); the build tests run cheap real targets into temporary folders.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitebuild import keys, pipeline, reads

ROOT = pipeline.ROOT
SOURCES = ("explainer", "sitebuild", "animations", "benchmarks")


@pytest.fixture(scope="module")
def registry():
    return pipeline.load_targets()


@pytest.fixture(scope="module")
def baseline():
    return pipeline.plan()


@pytest.fixture()
def copy(tmp_path) -> Path:
    """A copy of the sources the keys read, to edit freely."""
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "results"))
    return tmp_path


def changed(before: dict, after: dict) -> dict[str, set[str]]:
    """``{target: parts whose key changed}``."""
    return {n: {p for p in before[n] if before[n][p] != after[n][p]} for n in before if before[n] != after[n]}


def _dependents(registry, roots: set[str]) -> set[str]:
    """``roots`` and every target that depends on one of them, directly or not."""
    out, grew = set(roots), True
    while grew:
        grew = False
        for name, t in registry.items():
            if name not in out and t.default and any(d in out for d in t.depends):
                out.add(name)
                grew = True
    return out


def _users(registry, relpath: str) -> set[str]:
    """Targets whose own import closure contains ``relpath``."""
    scanner = keys.Scanner()
    users = set()
    for name, t in registry.items():
        if not t.default:
            continue
        modules, _, _ = scanner.closure([t.func.__module__, *t.modules])
        if any(keys.module_file(m).relative_to(ROOT).as_posix() == relpath for m in modules):
            users.add(name)
    return users


def test_plan_is_stable_and_the_copy_keys_like_the_original(baseline, copy):
    assert pipeline.plan() == baseline
    assert pipeline.plan(root=copy) == baseline


def test_a_change_in_transforms_base_rebuilds_exactly_the_targets_that_use_a_transform(registry, baseline, copy):
    base = copy / "explainer" / "transforms" / "base.py"
    base.write_text(base.read_text() + "\n_EDITED = 1  # an edit of the code\n")
    stale = set(changed(baseline, pipeline.plan(root=copy)))
    # the targets the issue found stale-proof before (they run code from base.py)
    assert {"change_of_variables_2d", "coupling_jacobians", "masks", "spline"} <= stale
    assert {n for n, t in registry.items() if t.kind == "model" and t.default} <= stale  # every flow is a Transform
    assert stale == _dependents(registry, _users(registry, "explainer/transforms/base.py"))
    assert "table:benchmark" not in stale  # it only formats a JSON file (even flow matching imports flow.py)


@pytest.mark.parametrize(
    "module, users",
    [
        ("explainer/flow.py", {"model:realnvp-moons", "layers_alternating", "export:realnvp-layers", "depth_vs_fit"}),
        (
            "explainer/transforms/splines.py",
            {"spline", "change_of_variables_1d", "model:comparison-nsf-moons", "model:comparison"},
        ),
    ],
)
def test_changes_in_flow_and_splines_reach_their_users(registry, baseline, copy, module, users):
    path = copy / module
    path.write_text(path.read_text() + "\n_EDITED = 1  # an edit of the code\n")
    stale = set(changed(baseline, pipeline.plan(root=copy)))
    assert stale == _dependents(registry, _users(registry, module))
    assert users <= stale


def test_prose_comments_and_formatting_rebuild_nothing(baseline, copy):
    """A module's key is its syntax tree without docstrings: rewording the maths in a docstring
    (the notation fixes of issue 15) or a comment must not retrain every model."""
    base = copy / "explainer" / "transforms" / "base.py"
    text = base.read_text()
    head, quote, rest = text.partition('"""')
    base.write_text(head + quote + "Reworded: p_data and p_theta. " + rest + "\n\n# a comment\n")
    assert changed(baseline, pipeline.plan(root=copy)) == {}


def test_a_change_in_one_figure_module_rebuilds_that_figure_only(registry, baseline, copy):
    """... and what shows it: the figure gallery's table (in both languages)."""
    path = copy / "sitebuild" / "figures" / "masks.py"
    path.write_text(path.read_text() + "\n_EDITED = 1  # an edit of the code\n")
    stale = changed(baseline, pipeline.plan(root=copy))
    assert stale["masks"] == {"en", "zh"}
    assert set(stale) == _dependents(registry, {"masks"}) == {"masks", "table:figure-gallery"}
    assert all(parts == {"en", "zh"} for parts in stale.values()), stale


def test_the_scheduler_is_not_an_input(baseline, copy):
    """Targets register through sitebuild.registry; how the pipeline schedules them (pipeline.py)
    produces no output, so editing it rebuilds nothing."""
    path = copy / "sitebuild" / "pipeline.py"
    path.write_text(path.read_text() + "\n_EDITED = 1  # an edit of the code\n")
    assert changed(baseline, pipeline.plan(root=copy)) == {}


def test_a_chinese_string_rebuilds_the_chinese_figure_only(baseline, copy):
    """... and the Chinese figure gallery (which shows it), nothing in English."""
    path = copy / "sitebuild" / "figures" / "strings" / "masks.toml"
    text = path.read_text(encoding="utf-8")
    zh_line = next(line for line in text.splitlines() if line.startswith("zh = "))
    path.write_text(text.replace(zh_line, zh_line[:-1] + '！"', 1), encoding="utf-8")
    stale = changed(baseline, pipeline.plan(root=copy))
    assert set(stale) == {"masks", "table:figure-gallery"}  # the figure and the gallery that shows it
    assert all(parts == {"zh"} for parts in stale.values()), stale  # in Chinese only


def test_a_scene_string_rebuilds_that_scene_in_that_language_only(registry, baseline, copy):
    path = copy / "animations" / "strings" / "masks.toml"
    text = path.read_text(encoding="utf-8")
    en_line = next(line for line in text.splitlines() if line.startswith("en = "))
    path.write_text(text.replace(en_line, en_line[:-1] + '!"', 1), encoding="utf-8")
    stale = changed(baseline, pipeline.plan(root=copy))
    assert stale["animation:masks"] == {"en"}
    assert set(stale) == _dependents(registry, {"animation:masks"})  # the deck, gallery, slides and their lists
    assert all(parts == {"en"} for parts in stale.values()), stale  # the deck and gallery too: English only


FORKED_IMPORTS = r"""
import importlib, json, os, sys
import numpy, torch, matplotlib.pyplot  # the heavy third-party imports, once, before forking
result = {}
for module in sys.argv[1:]:
    read, write = os.pipe()
    if os.fork() == 0:                       # a fresh child: only what this module imports is loaded
        importlib.import_module(module)
        os.write(write, json.dumps(sorted(m for m in sys.modules
                                          if m.split(".")[0] in ("explainer", "sitebuild"))).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        result[module] = json.loads(f.read())
    os.wait()
print(json.dumps(result))
"""


def test_the_scanner_sees_every_module_an_import_really_loads():
    """For every module that registers targets: the static closure ⊇ what Python really imports
    (each imported in a fresh forked interpreter), so no dynamic import escapes the keys."""
    modules = pipeline.target_modules()
    out = subprocess.run([sys.executable, "-c", FORKED_IMPORTS, *modules], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = json.loads(out.stdout)
    scanner = keys.Scanner()
    missed = {m: sorted(set(loaded[m]) - set(scanner.closure([m])[0])) for m in modules}
    assert not any(missed.values()), {m: v for m, v in missed.items() if v}


def test_versions_and_tools_are_part_of_the_key(registry):
    scanner = keys.Scanner()
    ins = pipeline.inputs(registry["spline"], {}, {}, scanner)
    assert {"torch", "numpy", "matplotlib"} <= set(ins["versions"])
    scene = pipeline.inputs(
        registry["animation:masks"], {d: "k" for d in registry["animation:masks"].depends}, {}, scanner
    )
    assert "manim" in scene["versions"] and "ffmpeg" in scene["versions"]
    assert "animations/masks.py" in scene["code"] and "animations/style.py" in scene["code"]


def test_reads_are_recorded_and_keyed(tmp_path):
    data = ROOT / "pyproject.toml"
    with reads.recording(ignore=(tmp_path,)) as read:
        data.read_bytes()
        (tmp_path / "out.txt").write_text("x")
        (ROOT / "explainer" / "flow.py").read_text()  # sources are covered by the closure
    assert read == {str(data)}


def test_build_records_reads_says_why_and_caches(tmp_path, copy):
    generated, cache = tmp_path / "gen", tmp_path / "cache"
    first = pipeline.build(["table:benchmark"], generated=generated, cache=cache, progress=False, jobs=1)
    assert [(r.name, r.status, r.reason) for r in first.records] == [("table:benchmark", "built", "not built before")]
    manifest = json.loads((cache / "manifest.json").read_text())
    assert "benchmarks/results/peers.json" in manifest["targets"]["table:benchmark"]["reads"]
    again = pipeline.build(["table:benchmark"], generated=generated, cache=cache, progress=False, jobs=1)
    assert again.fresh and not again.built and sorted(again.outputs) == sorted(first.outputs)
    # a changed data file changes the key (checked on the copy: the same relative paths)
    before = pipeline.plan(["table:benchmark"], manifest=manifest)
    peers_now = ROOT / "benchmarks" / "results" / "peers.json"
    (copy / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
    shutil.copy(peers_now, copy / "benchmarks" / "results" / "peers.json")
    assert pipeline.plan(["table:benchmark"], root=copy, manifest=manifest) == before
    (copy / "benchmarks" / "results" / "peers.json").write_text("{}")
    assert pipeline.plan(["table:benchmark"], root=copy, manifest=manifest) != before
    # an input that differs from the manifest's record is named in the rebuild
    entry = manifest["targets"]["table:benchmark"]
    entry["inputs"]["code"]["sitebuild/tables/benchmark.py"] = "0" * 16
    entry["parts"]["*"]["key"] = "stale"
    del manifest["fingerprint"]  # the shortcut would (rightly) see no change on disk
    (cache / "manifest.json").write_text(json.dumps(manifest))
    third = pipeline.build(["table:benchmark"], generated=generated, cache=cache, progress=False, jobs=1)
    assert third.built[0].reason == "sitebuild/tables/benchmark.py changed"


def test_parallel_build_matches_the_serial_one(tmp_path):
    names = ["masks", "spline", "table:benchmark"]
    serial = pipeline.build(names, generated=tmp_path / "a", cache=tmp_path / "ca", progress=False, jobs=1)
    parallel = pipeline.build(names, generated=tmp_path / "b", cache=tmp_path / "cb", progress=False, jobs=2)
    assert len(parallel.built) == len(serial.built) == 3
    rel = lambda result, base: {p.relative_to(base): p.read_bytes() for p in result.outputs}  # noqa: E731
    a, b = rel(serial, tmp_path / "a"), rel(parallel, tmp_path / "b")
    assert a.keys() == b.keys() and all(a[k] == b[k] for k in a if k.suffix != ".svg")


def test_bad_requests_name_the_problem():
    with pytest.raises(ValueError, match="unknown pipeline target 'nope'"):
        pipeline.build(["nope"], progress=False)
    with pytest.raises(ValueError, match="unknown target kind"):
        pipeline.build(skip=("movies",), progress=False)
    with pytest.raises(ValueError, match="lang must be"):
        pipeline.build(lang="fr", progress=False)


def test_a_targets_warnings_come_back_from_its_process(tmp_path):
    """A worker process's warnings would be lost on its stderr: run_target returns them."""
    import warnings

    @pipeline.target("test:warns", "table")
    def warns(ctx):
        warnings.warn("a glyph is missing", UserWarning, stacklevel=1)
        path = ctx.path("tables", "w.md")
        path.write_text("w")
        return [path]

    try:
        parts, read, seconds, said = pipeline.run_target("test:warns", ("en",), str(tmp_path), str(tmp_path), {})
    finally:
        del pipeline.REGISTRY["test:warns"]
    assert said == ["UserWarning: a glyph is missing"] and parts["*"] == [str(tmp_path / "tables" / "w.md")]


def test_an_edit_during_a_build_leaves_no_fingerprint(tmp_path, monkeypatch):
    """If a source changes while targets build, their outputs may come from the older source: the
    build must not store a fingerprint, so the next build checks every key."""
    real_stats, calls = pipeline._stats, []

    def stats(manifest):
        out = real_stats(manifest)
        calls.append(1)
        if len(calls) == 2:  # after the build: one file looks edited
            out["sitebuild/tables/benchmark.py"] = (0, 0)
        return out

    monkeypatch.setattr(pipeline, "_stats", stats)
    cache = tmp_path / "cache"
    pipeline.build(["table:benchmark"], generated=tmp_path / "gen", cache=cache, progress=False, jobs=1)
    assert json.loads((cache / "manifest.json").read_text()).get("fingerprint") == {}
    monkeypatch.setattr(pipeline, "_stats", real_stats)
    again = pipeline.build(["table:benchmark"], generated=tmp_path / "gen", cache=cache, progress=False, jobs=1)
    assert not again.fresh and not again.built  # every key checked, all cached
    third = pipeline.build(["table:benchmark"], generated=tmp_path / "gen", cache=cache, progress=False, jobs=1)
    assert third.fresh
