"""The minibatch-OT rows of the peer benchmark (``table:benchmark_ot``): ``benchmarks/results/
peers_ot.json`` (written by ``benchmarks/peers_ot.py``, our exact permutation against torchcfm's
``ExactOptimalTransportConditionalFlowMatcher``) rendered in English and Chinese as
``docs/generated/tables/benchmark_ot(.zh).md``. The pipeline records that it reads the JSON file,
so a new benchmark run rebuilds the table; the site's build never runs the benchmark itself."""

from __future__ import annotations

import json
from pathlib import Path

from sitebuild import strings
from sitebuild.registry import ROOT, target
from sitebuild.tables._common import write_langs

PEERS_OT_JSON = ROOT / "benchmarks" / "results" / "peers_ot.json"
TEXT = Path(__file__).with_name("strings") / "benchmark_ot.toml"
LIBRARIES = ("explainer", "torchcfm")


def render_benchmark_ot(results: dict | None, lang: str) -> str:
    """The table in ``lang`` from the benchmark's record, or how to run it when there is none.

    >>> row = {"ms_per_step": 12.0, "energy_nfe4": 0.0046, "energy_nfe20": 0.0045}
    >>> record = {"config": {"steps": 6000, "data": "8gaussians", "seeds": [0], "batch_size": 256, "lr": 0.01,
    ...           "hidden": 128, "depth": 3, "n_samples": 2000}, "date": "2026-11-30",
    ...           "versions": {"torch": "2.13.0", "torchcfm": "1.0.7"},
    ...           "summary": {"explainer": row, "torchcfm": {**row, "ms_per_step": 10.0}}}
    >>> print(render_benchmark_ot(record, "en").splitlines()[4])
    | explainer | exact permutation (scipy `linear_sum_assignment`) | 12.00 | 1.20 | 4.60 | 4.50 |
    """
    T = strings.load(TEXT)[lang]
    if results is None:
        return T["absent"] + "\n"
    cfg, summary = results["config"], results["summary"]
    fastest_peer = min(summary[lib]["ms_per_step"] for lib in LIBRARIES[1:])
    lines = [
        T["caption"].format(
            date=results["date"][:10],
            versions=", ".join(f"{k} {v}" for k, v in results["versions"].items()),
            depth=cfg["depth"],
            hidden=cfg["hidden"],
            steps=cfg["steps"],
            lr=cfg["lr"],
            batch=cfg["batch_size"],
            data=cfg["data"],
            seeds=", ".join(map(str, cfg["seeds"])),
            n=cfg["n_samples"],
        ),
        "",
        T["head"],
        "|---|---|---:|---:|---:|---:|",
    ]
    for lib in LIBRARIES:
        e = summary[lib]
        ratio = f"{e['ms_per_step'] / fastest_peer:.2f}" if lib == "explainer" else ""
        cells = [lib, T[f"coupling_{lib}"], f"{e['ms_per_step']:.2f}", ratio]
        cells += [f"{1e3 * e['energy_nfe4']:.2f}", f"{1e3 * e['energy_nfe20']:.2f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@target("table:benchmark_ot", "table")
def build_benchmark_ot(ctx) -> list[Path]:
    results = json.loads(PEERS_OT_JSON.read_text()) if PEERS_OT_JSON.exists() else None
    return write_langs(ctx, "benchmark_ot", lambda lang: render_benchmark_ot(results, lang))
