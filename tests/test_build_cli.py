"""The build's command line: ``python -m sitebuild build --force`` rebuilds what is cached,
``--list`` says what is up to date without building, and ``explainer build`` (the library, which
never imports the site build) points to it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from explainer import __version__, cli
from sitebuild import __main__ as sitebuild_cli
from sitebuild import listing, pipeline

ROOT = Path(__file__).resolve().parent.parent
NAME = "table:benchmark"  # a cheap target: reads a JSON file, writes two tables


def _state(cache: Path) -> str:
    (row,) = listing.rows([NAME], cache=cache)
    return row.state


def test_list_says_not_built_up_to_date_and_stale_and_force_rebuilds(tmp_path):
    generated, cache = tmp_path / "gen", tmp_path / "cache"
    assert _state(cache) == "not built"
    first = pipeline.build([NAME], generated=generated, cache=cache, progress=False, jobs=1)
    assert _state(cache) == "up to date"
    cached = pipeline.build([NAME], generated=generated, cache=cache, progress=False, jobs=1)
    assert not cached.built
    forced = pipeline.build([NAME], generated=generated, cache=cache, progress=False, jobs=1, force=True)
    assert [(r.status, r.reason) for r in forced.records] == [("built", "forced")]
    assert _state(cache) == "up to date"
    first.outputs[0].unlink()  # a missing output: the build would redo it
    assert _state(cache) == "stale"
    pipeline.build([NAME], generated=generated, cache=cache, progress=False, jobs=1)
    manifest = json.loads((cache / "manifest.json").read_text())
    manifest["targets"][NAME]["parts"]["*"]["key"] = "an older key"
    (cache / "manifest.json").write_text(json.dumps(manifest))
    assert _state(cache) == "stale"


def test_list_prints_one_line_per_target_and_a_count():
    out = io.StringIO()
    listing.show([listing.Row("a", "figure", "up to date"), listing.Row("b", "table", "stale", ("zh",))], file=out)
    lines = out.getvalue().splitlines()
    assert lines[1].split() == ["b", "table", "stale", "(zh)"]
    assert lines[-1] == "2 targets: 1 up to date, 1 stale, 0 not built"


def test_sitebuild_build_takes_force_and_list():
    args = sitebuild_cli.build_parser().parse_args(["build", "--force", "--list", NAME])
    assert args.force and args.list and args.names == [NAME]


def test_explainer_build_points_to_the_site_build(capsys):
    assert cli.main(["build", "--force"]) == 2
    err = capsys.readouterr().err
    assert "python -m sitebuild build --force" in err


def test_python_m_explainer_prints_the_version():
    out = subprocess.run(
        [sys.executable, "-m", "explainer", "--version"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"explainer {__version__}"
