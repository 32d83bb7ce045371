"""The comparison pipeline at a tiny budget: every metric is computed, consistent, and rendered."""

from __future__ import annotations

import json
import re
import statistics
import sys

import pytest
import torch

from explainer import checkpoints, datasets
from sitebuild.models import comparison
from sitebuild.pipeline import ROOT
from sitebuild.tables.benchmark import render_benchmark
from sitebuild.tables.comparison import write_tables

TINY = {
    "models": {
        "realnvp": {"steps": 15, "batch_size": 64, "lr": 2e-3, "net": {"layers": 2, "hidden": 8, "depth": 1}},
        "nsf": {
            "steps": 15,
            "batch_size": 64,
            "lr": 2e-3,
            "net": {"layers": 2, "hidden": 8, "depth": 1, "bins": 4, "bound": 5.0},
        },
        "fm": {"steps": 20, "batch_size": 64, "lr": 2e-3, "net": {"hidden": 8, "depth": 1, "act": "silu"}},
    },
    "n_train": 1000,
    "n_test": 200,
    "n_samples": 150,
    "n_recon": 100,
}


@pytest.fixture(scope="module")
def tiny_results(tmp_path_factory):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    comparison.BUDGETS["tiny"] = TINY
    try:
        out = tmp_path_factory.mktemp("comparison")
        path = comparison.run("tiny", out, workers=1, progress=False, datasets_=("moons",), seeds=(0, 1))
        yield json.loads(path.read_text()), out
    finally:
        del comparison.BUDGETS["tiny"]
        torch.set_num_threads(before)


def test_every_model_is_trained_once_and_measured(tiny_results):
    results, out = tiny_results
    runs = results["runs"]
    assert sorted((r["method"], r["seed"]) for r in runs) == sorted((m, s) for m in comparison.METHODS for s in (0, 1))
    assert sorted(p.name for p in out.glob("*.pt")) == sorted(
        f"{m}-moons-{s}.pt" for m in comparison.METHODS for s in (0, 1)
    )
    h = datasets.entropy("moons")
    for r in runs:
        assert r["gap"] == pytest.approx(r["nll"] - h) and r["entropy"] == pytest.approx(h)
        assert r["energy"] >= 0 and r["floor"] > 0 and r["train_seconds"] > 0 and r["sample_seconds"] > 0
        assert len(r["loss_curve"]) >= 10
    for seed in (0, 1):  # the floor depends on the data only: identical for the three models
        assert len({r["floor"] for r in runs if r["seed"] == seed}) == 1
    for r in runs:
        if r["method"] != "fm":
            assert r["recon_max"] < 1e-4  # exact inverse, float32 rounding


def test_each_model_trains_with_its_own_recipe_and_is_checked_for_a_plateau(tiny_results):
    results, _ = tiny_results
    for r in results["runs"]:
        assert r["steps"] == TINY["models"][r["method"]]["steps"]
    checks = {(c["method"], c["dataset"]): c for c in results["plateau"]}
    assert sorted(checks) == sorted((m, "moons") for m in comparison.METHODS)
    for (method, _), c in checks.items():
        full = next(r["nll"] for r in results["runs"] if r["method"] == method and r["seed"] == 0)
        assert c["nll"] == full and c["short_steps"] == round(0.8 * c["steps"])
        assert c["fall"] == pytest.approx(c["short_nll"] - full)
        assert c["held"] == (c["relative_fall"] <= comparison.PLATEAU["max_fall"])
    # 15-20 steps are far from a plateau: every shorter run is measurably worse
    assert all(c["fall"] > 0 for c in checks.values()), [(k, c["fall"]) for k, c in checks.items()]


def test_flow_matching_sweep_covers_every_solver_at_equal_nfe(tiny_results):
    results, _ = tiny_results
    for r in (r for r in results["runs"] if r["method"] == "fm"):
        by_solver = {}
        for e in r["nfe_sweep"]:
            by_solver.setdefault(e["solver"], []).append(e["nfe"])
        for solver in comparison.NFE_SOLVERS:
            assert by_solver[solver] == list(comparison.NFE_BUDGETS)
        assert len(by_solver["dopri5"]) == len(comparison.DOPRI_TOLERANCES)


def test_table_cells_are_the_seed_means(tiny_results, tmp_path):
    results, out = tiny_results
    paths = write_tables(out / "results.json", tmp_path)
    en, zh = (p.read_text() for p in paths)
    assert paths[0].name == "comparison.md" and paths[1].name == "comparison.zh.md"
    assert "Budget `tiny`" in en and "预算 `tiny`" in zh and "流匹配" in zh
    for method, label in (("realnvp", "RealNVP"), ("nsf", "NSF"), ("fm", "flow matching")):
        row = next(line for line in en.splitlines() if f"| {label} |" in line)
        nll = statistics.fmean(r["nll"] for r in results["runs"] if r["method"] == method)
        assert re.search(rf"\| {nll:.3f} ± ", row), (row, nll)
    assert "floor (two held-out draws)" in en


def test_reused_checkpoints_reproduce_the_measured_nll(tiny_results):
    results, out = tiny_results
    from explainer.matching.experiment import nll
    from explainer.train import evaluate_nll

    r = next(r for r in results["runs"] if r["method"] == "nsf" and r["seed"] == 1)
    test = comparison.split("moons", 1, TINY)["test"]
    assert evaluate_nll(checkpoints.load(out / "nsf-moons-1.pt")[0], test) == pytest.approx(r["nll"], rel=1e-5)
    r = next(r for r in results["runs"] if r["method"] == "fm" and r["seed"] == 0)
    test = comparison.split("moons", 0, TINY)["test"]
    value = nll(checkpoints.load(out / "fm-moons-0.pt")[0], test, **comparison.EVAL_SOLVER)
    assert value == pytest.approx(r["nll"], rel=1e-5)


def test_bad_budget_and_workers():
    with pytest.raises(ValueError, match="unknown budget 'huge'"):
        comparison.run("huge")
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        comparison.run("quick", workers=0)


def test_benchmark_table_without_results_says_how_to_run_it():
    for lang in ("en", "zh"):
        text = render_benchmark(None, lang)
        assert "python benchmarks/peers.py" in text and "pip install --no-deps" in text


def test_benchmark_table_renders_ratios_from_a_summary():
    sys.path.insert(0, str(ROOT))
    from benchmarks.peers import CONFIG, summarise

    def lib(ms, nll):
        return {
            "ms_per_step": ms,
            "ms_per_step_mean": ms,
            "nll": nll,
            "gap": nll - 2.0,
            "inversion_error": 1e-6,
            "sample_seconds": 0.5,
            "params": 10,
        }

    runs = {
        "coupling": {
            "affine": [
                {"explainer": lib(4.0, 2.1), "zuko": lib(5.0, 2.2), "normflows": lib(8.0, 2.3)},
                {"explainer": lib(6.0, 2.1), "zuko": lib(5.0, 2.2), "normflows": lib(8.0, 2.3)},
            ]
        }
    }
    results = {
        "date": "2026-01-01T00:00:00",
        "machine": {"cpu": "test cpu", "torch": "2.13.0"},
        "threads": 1,
        "steps": 10,
        "seeds": [0, 1],
        "data": "moons",
        "config": CONFIG,
        "versions": {"zuko": "1.0"},
        "summary": summarise(runs),
        "runs": runs,
    }
    text = render_benchmark(results, "en")
    row = next(line for line in text.splitlines() if "| explainer |" in line)
    assert "| 1.00 |" in row  # mean 5.0 ms against zuko's 5.0 ms
    assert "5.00 ± 1.41" in row


def _fall_over_last_fifth(curve: list[float]) -> float:
    """Relative fall of a smoothed loss curve between the window just before 80 % of the steps and
    the last window (each a tenth of the curve)."""
    n = len(curve)
    width = max(1, n // 10)
    before = statistics.fmean(curve[int(0.8 * n) - width : int(0.8 * n)])
    end = statistics.fmean(curve[n - width :])
    return (before - end) / abs(before)


def test_fall_over_last_fifth_measures_a_still_falling_curve():
    assert _fall_over_last_fifth([3.0] * 100) == 0
    falling = [3.0 - 0.01 * i for i in range(100)]  # 0.1 over the last fifth: ~4.5 % of 2.2
    assert _fall_over_last_fifth(falling) > 0.02


@pytest.mark.site
def test_every_comparison_model_is_trained_to_its_plateau(built_site):
    """The published comparison draws verdicts from its models, so none may be undertrained: the
    same recipe with a fifth fewer steps reaches a held-out NLL within 2 % of the full budget's,
    and every run's smoothed training loss falls by less than 2 % over its last fifth."""
    results = json.loads((ROOT / ".cache/pipeline/comparison/quick/results.json").read_text())
    checks = results["plateau"]
    assert sorted((c["method"], c["dataset"]) for c in checks) == sorted(
        (m, d) for m in comparison.METHODS for d in comparison.DATASETS
    )
    still_improving = [
        f"{c['method']} on {c['dataset']}: held-out NLL {c['short_nll']:.3f} at {c['short_steps']} steps, "
        f"{c['nll']:.3f} at {c['steps']} ({100 * c['relative_fall']:.2f} %)"
        for c in checks
        if c["relative_fall"] > comparison.PLATEAU["max_fall"]
    ]
    assert not still_improving, still_improving
    falling = [
        f"{r['method']} on {r['dataset']}, seed {r['seed']}: {100 * _fall_over_last_fifth(r['loss_curve']):.2f} %"
        for r in results["runs"]
        if _fall_over_last_fifth(r["loss_curve"]) > comparison.PLATEAU["max_fall"]
    ]
    assert not falling, falling
